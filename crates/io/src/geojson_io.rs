//! GeoJSON (RFC 7946) reader and writer.

use std::path::Path;

use borderscape_core::table::{Column, ColumnType, Table, Value};
use geojson::{Feature, FeatureCollection, GeoJson, GeometryValue, JsonObject, JsonValue};

use crate::error::{IoError, Problem};
use crate::features::{geometry_or_problem, infer_columns, layer_name, GeometryLevels, ReadResult};
use rayon::prelude::*;

/// Reads a FeatureCollection (or a single Feature/Geometry) into a table. With `levels`, the
/// geometry of features of other levels may be left unread (see [`GeometryLevels`]).
pub fn read(path: &Path, levels: Option<&GeometryLevels>) -> Result<ReadResult, IoError> {
    let text = std::fs::read_to_string(path).map_err(|e| IoError::file(path, e))?;
    let features = match levels.and_then(|l| features_with_geometry_of(&text, l)) {
        Some(features) => features,
        None => {
            let parsed: GeoJson = text
                .parse()
                .map_err(|e| IoError::file(path, format!("not valid GeoJSON: {e}")))?;
            match parsed {
                GeoJson::FeatureCollection(fc) => fc.features,
                GeoJson::Feature(f) => vec![f],
                GeoJson::Geometry(g) => vec![Feature::from(g)],
            }
        }
    };
    let mut problems = Vec::new();
    let properties: Vec<JsonObject> = features
        .iter()
        .map(|f| f.properties.clone().unwrap_or_default())
        .collect();
    let columns = infer_columns(
        properties
            .iter()
            .map(|p| p.iter().map(|(k, v)| (k.as_str(), json_kind(v)))),
    );
    let mut table = Table::new(&layer_name(path), columns, true);
    for (i, (feature, props)) in features.into_iter().zip(&properties).enumerate() {
        let row: Vec<Value> = table
            .columns
            .iter()
            .map(|c| json_to_value(props.get(&c.name), c.kind))
            .collect();
        let geometry = match feature.geometry {
            None => None,
            Some(g) if has_short_position(&g.value) => {
                problems.push(Problem::geometry(
                    path,
                    i,
                    "a position has fewer than 2 numbers (x, y)",
                ));
                None
            }
            Some(g) => {
                check_rings(&g.value, &mut |message| {
                    problems.push(Problem::geometry(path, i, message))
                });
                geometry_or_problem(geo::Geometry::try_from(g.value), path, i, &mut problems)
            }
        };
        table.push(row, geometry);
    }
    Ok(ReadResult { table, problems })
}

/// The features of a FeatureCollection with the geometry parsed (in parallel) only where
/// `levels` wants it; the others have none. `None` for anything else or anything that does not
/// parse, so that the whole-document reader says what is wrong where.
fn features_with_geometry_of(text: &str, levels: &GeometryLevels) -> Option<Vec<Feature>> {
    #[derive(serde::Deserialize)]
    struct Collection<'a> {
        #[serde(rename = "type")]
        kind: String,
        #[serde(borrow)]
        features: Vec<RawFeature<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct RawFeature<'a> {
        #[serde(default)]
        properties: Option<JsonObject>,
        #[serde(borrow, default)]
        geometry: Option<&'a serde_json::value::RawValue>,
    }
    let collection: Collection = serde_json::from_str(text).ok()?;
    if collection.kind != "FeatureCollection" {
        return None;
    }
    collection
        .features
        .into_par_iter()
        .map(|f| {
            let wanted = levels.wants(f.properties.as_ref().and_then(|p| p.get(&levels.field)));
            let geometry = match f.geometry {
                Some(raw) if wanted => serde_json::from_str(raw.get()).ok()?,
                _ => None,
            };
            Some(Feature {
                geometry,
                properties: f.properties,
                ..Default::default()
            })
        })
        .collect()
}

/// GeoJSON rings must repeat their first position at the end (RFC 7946 §3.1.6); geo closes them
/// silently, so the check happens here, on the raw positions.
/// Whether any position holds fewer than two numbers (the conversion to geo would panic on it).
fn has_short_position(value: &GeometryValue) -> bool {
    let short = |p: &geojson::Position| p.len() < 2;
    match value {
        GeometryValue::Point { coordinates } => short(coordinates),
        GeometryValue::MultiPoint { coordinates } | GeometryValue::LineString { coordinates } => {
            coordinates.iter().any(short)
        }
        GeometryValue::MultiLineString { coordinates } | GeometryValue::Polygon { coordinates } => {
            coordinates.iter().flatten().any(short)
        }
        GeometryValue::MultiPolygon { coordinates } => {
            coordinates.iter().flatten().flatten().any(short)
        }
        GeometryValue::GeometryCollection { geometries } => {
            geometries.iter().any(|g| has_short_position(&g.value))
        }
    }
}

fn check_rings(value: &GeometryValue, report: &mut dyn FnMut(String)) {
    let mut check = |rings: &Vec<Vec<geojson::Position>>, part: usize| {
        for (r, ring) in rings.iter().enumerate() {
            let which = if r == 0 {
                "exterior ring".to_string()
            } else {
                format!("interior ring {r}")
            };
            if ring.len() < 4 {
                report(format!(
                    "polygon {part}: {which} has {} positions; at least 4 are needed",
                    ring.len()
                ));
            } else if ring.first() != ring.last() {
                report(format!(
                    "polygon {part}: {which} is not closed (first position ≠ last)"
                ));
            }
        }
    };
    match value {
        GeometryValue::Polygon { coordinates } => check(coordinates, 0),
        GeometryValue::MultiPolygon { coordinates } => {
            for (p, rings) in coordinates.iter().enumerate() {
                check(rings, p);
            }
        }
        _ => {}
    }
}

fn json_kind(v: &JsonValue) -> Option<ColumnType> {
    match v {
        JsonValue::Null => None,
        JsonValue::Bool(_) => Some(ColumnType::Bool),
        JsonValue::Number(n) if n.is_i64() => Some(ColumnType::Int),
        JsonValue::Number(_) => Some(ColumnType::Real),
        _ => Some(ColumnType::Text),
    }
}

fn json_to_value(v: Option<&JsonValue>, kind: ColumnType) -> Value {
    match (v, kind) {
        (None | Some(JsonValue::Null), _) => Value::Null,
        (Some(JsonValue::Bool(b)), ColumnType::Bool) => Value::Bool(*b),
        (Some(JsonValue::Number(n)), ColumnType::Int) => n.as_i64().map_or(Value::Null, Value::Int),
        (Some(JsonValue::Number(n)), ColumnType::Real) => {
            n.as_f64().map_or(Value::Null, Value::Real)
        }
        (Some(JsonValue::String(s)), _) => Value::Text(s.clone()),
        // A number among text (a numeric code among string codes): as the file writes it, so
        // 310101 stays `310101`, not `310101.0`.
        (Some(JsonValue::Number(n)), _) => Value::Text(n.to_string()),
        (Some(other), _) => Value::Text(other.to_string()),
    }
}

/// A table value as JSON (null, bool, number or string).
pub fn value_to_json(v: &Value) -> JsonValue {
    match v {
        Value::Null => JsonValue::Null,
        Value::Bool(b) => JsonValue::Bool(*b),
        Value::Int(i) => JsonValue::from(*i),
        Value::Real(r) => {
            serde_json::Number::from_f64(*r).map_or(JsonValue::Null, JsonValue::Number)
        }
        Value::Text(t) => JsonValue::String(t.clone()),
    }
}

/// Serialises a table (geometries in WGS84) as a GeoJSON FeatureCollection.
pub fn to_string(table: &Table) -> String {
    let features = (0..table.len()).map(|i| {
        let properties: JsonObject = table
            .columns
            .iter()
            .zip(&table.rows[i])
            .map(|(c, v): (&Column, &Value)| (c.name.clone(), value_to_json(v)))
            .collect();
        Feature {
            geometry: table
                .geometry(i)
                .map(|g| geojson::Geometry::new(GeometryValue::from(g))),
            properties: Some(properties),
            ..Default::default()
        }
    });
    let mut fc: FeatureCollection = features.collect();
    let mut members = JsonObject::new();
    members.insert("name".into(), JsonValue::String(table.name.clone()));
    fc.foreign_members = Some(members);
    fc.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use borderscape_core::region::Level;

    const LAYER: &str = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"code":"1","level":"province"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,1],[0,1],[0,0]]]}},
        {"type":"Feature","properties":{"code":"11","level":"county"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}},
        {"type":"Feature","properties":{"code":"12","level":"县"},"geometry":null},
        {"type":"Feature","properties":{"code":"13"},"geometry":{"type":"Point","coordinates":[0.5,0.5,7]}}
    ]}"#;

    #[test]
    fn geometry_of_unwanted_levels_is_left_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.geojson");
        std::fs::write(&path, LAYER).unwrap();
        let levels = GeometryLevels {
            field: "level".into(),
            levels: vec![Level::County],
        };
        let all = read(&path, None).unwrap();
        let counties = read(&path, Some(&levels)).unwrap();
        assert_eq!(all.table.rows, counties.table.rows);
        // The province is not read; the county, the null and the level-less point are as before.
        assert!(all.table.geometry(0).is_some() && counties.table.geometry(0).is_none());
        for i in 1..4 {
            assert_eq!(
                all.table.geometry(i),
                counties.table.geometry(i),
                "feature {i}"
            );
        }
        // The unclosed county ring is reported either way.
        let messages = |r: &ReadResult| -> Vec<String> {
            r.problems.iter().map(|p| p.message.clone()).collect()
        };
        assert_eq!(messages(&all), messages(&counties));
        assert_eq!(
            messages(&counties),
            ["polygon 0: exterior ring is not closed (first position ≠ last)"]
        );
        // Broken JSON still gets the whole-document reader's message.
        std::fs::write(&path, &LAYER[..LAYER.len() - 3]).unwrap();
        let error = read(&path, Some(&levels)).unwrap_err().to_string();
        assert!(error.contains("not valid GeoJSON"), "{error}");
    }

    /// Issue 16: a numeric code among string codes keeps the file's digits.
    #[test]
    fn numeric_codes_among_text_codes_stay_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.geojson");
        std::fs::write(
            &path,
            r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"code":"310102"},"geometry":null},
            {"type":"Feature","properties":{"code":310101},"geometry":null},
            {"type":"Feature","properties":{"code":1.5},"geometry":null}]}"#,
        )
        .unwrap();
        let table = read(&path, None).unwrap().table;
        let codes: Vec<String> = table.rows.iter().map(|r| r[0].to_text()).collect();
        assert_eq!(codes, ["310102", "310101", "1.5"]);
    }
}
