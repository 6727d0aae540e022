//! GeoJSON (RFC 7946) reader and writer.

use std::path::Path;

use borderscape_core::table::{format_real, Column, ColumnType, Table, Value};
use geojson::{Feature, FeatureCollection, GeoJson, GeometryValue, JsonObject, JsonValue};

use crate::error::{IoError, Problem};
use crate::read::{geometry_or_problem, infer_columns, ReadResult};

/// Reads a FeatureCollection (or a single Feature/Geometry) into a table.
pub fn read(path: &Path) -> Result<ReadResult, IoError> {
    let text = std::fs::read_to_string(path).map_err(|e| IoError::file(path, e))?;
    let parsed: GeoJson = text
        .parse()
        .map_err(|e| IoError::file(path, format!("not valid GeoJSON: {e}")))?;
    let features = match parsed {
        GeoJson::FeatureCollection(fc) => fc.features,
        GeoJson::Feature(f) => vec![f],
        GeoJson::Geometry(g) => vec![Feature::from(g)],
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

/// GeoJSON rings must repeat their first position at the end (RFC 7946 §3.1.6); geo closes them
/// silently, so the check happens here, on the raw positions.
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
        (Some(JsonValue::Number(n)), _) => {
            Value::Text(n.as_f64().map(format_real).unwrap_or_default())
        }
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

/// The layer name of a file: its stem.
pub fn layer_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "layer".into())
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
