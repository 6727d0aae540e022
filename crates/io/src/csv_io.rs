//! CSV reader (attributes, plus geometry from a WKT column or lon/lat columns) and writer.

use std::io::Write;
use std::path::Path;

use borderscape_core::table::{Column, ColumnType, Table, Value};
use geo::{Geometry, Point};
use wkt::{ToWkt, TryFromWkt};

use crate::error::{IoError, Problem, Severity};
use crate::features::layer_name;
use crate::features::ReadResult;

/// Where a CSV keeps its geometry.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum CsvGeometry {
    /// A `wkt`/`geometry` column if present, else `lon`/`lat` (or `lng`, `longitude`/`latitude`)
    /// columns if present, else none.
    #[default]
    Auto,
    /// An attribute-only table.
    None,
    /// WKT text in the named column.
    Wkt(String),
    /// Point coordinates in the named columns.
    LonLat { lon: String, lat: String },
}

fn find_column(headers: &[String], candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find_map(|c| headers.iter().find(|h| h.eq_ignore_ascii_case(c)).cloned())
}

fn resolve(headers: &[String], geometry: &CsvGeometry) -> CsvGeometry {
    match geometry {
        CsvGeometry::Auto => {
            if let Some(col) = find_column(headers, &["wkt", "geometry", "geom"]) {
                CsvGeometry::Wkt(col)
            } else if let (Some(lon), Some(lat)) = (
                find_column(headers, &["lon", "lng", "longitude", "x"]),
                find_column(headers, &["lat", "latitude", "y"]),
            ) {
                CsvGeometry::LonLat { lon, lat }
            } else {
                CsvGeometry::None
            }
        }
        other => other.clone(),
    }
}

/// Integer when every value is a plain integer (no leading zeros: codes like `0501` stay text),
/// real when every value is a number, text otherwise.
fn infer_kind<'a>(values: impl Iterator<Item = &'a str>) -> ColumnType {
    let mut kind = None;
    for v in values.map(str::trim).filter(|v| !v.is_empty()) {
        let this = if v.parse::<i64>().is_ok()
            && !(v.len() > 1 && v.starts_with('0'))
            && !v.starts_with("-0")
        {
            ColumnType::Int
        } else if v.parse::<f64>().is_ok()
            && !(v.starts_with('0') && v.len() > 1 && !v.starts_with("0."))
        {
            ColumnType::Real
        } else {
            return ColumnType::Text;
        };
        kind = Some(match (kind, this) {
            (None, k) => k,
            (Some(ColumnType::Int), ColumnType::Int) => ColumnType::Int,
            _ => ColumnType::Real,
        });
    }
    kind.unwrap_or(ColumnType::Text)
}

fn parse_value(text: &str, kind: ColumnType) -> Value {
    let t = text.trim();
    if t.is_empty() {
        return Value::Null;
    }
    match kind {
        ColumnType::Int => t.parse().map_or(Value::Null, Value::Int),
        ColumnType::Real => t.parse().map_or(Value::Null, Value::Real),
        _ => Value::Text(text.to_string()),
    }
}

/// Reads a CSV file (UTF-8, header row required).
pub fn read(path: &Path, geometry: &CsvGeometry) -> Result<ReadResult, IoError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .map_err(|e| IoError::file(path, e))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| IoError::file(path, e))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let mut records = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| IoError::file(path, format!("row {}: {e}", i + 1)))?;
        records.push(record);
    }
    let geometry = resolve(&headers, geometry);
    let geometry_columns: Vec<&str> = match &geometry {
        CsvGeometry::Wkt(c) => vec![c.as_str()],
        CsvGeometry::LonLat { lon, lat } => vec![lon.as_str(), lat.as_str()],
        _ => vec![],
    };
    for name in &geometry_columns {
        if !headers.iter().any(|h| h == name) {
            return Err(IoError::file(
                path,
                format!("geometry column `{name}` is not in the header"),
            ));
        }
    }
    let index = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .expect("checked above")
    };
    let attribute_columns: Vec<usize> = (0..headers.len())
        .filter(|&c| !geometry_columns.contains(&headers[c].as_str()))
        .collect();
    let columns: Vec<Column> = attribute_columns
        .iter()
        .map(|&c| {
            Column::new(
                &headers[c],
                infer_kind(records.iter().map(|r| &r[c])),
                None,
                "",
            )
        })
        .collect();
    let mut table = Table::new(&layer_name(path), columns, !geometry_columns.is_empty());
    let mut problems = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let row = attribute_columns
            .iter()
            .zip(&table.columns)
            .map(|(&c, col)| parse_value(&record[c], col.kind))
            .collect();
        let mut bad = |field: &str, message: String| {
            problems.push(Problem::feature(
                Severity::Error,
                path,
                i,
                None,
                Some(field),
                message,
            ));
            None
        };
        let geom = match &geometry {
            CsvGeometry::Wkt(col) => {
                let text = record[index(col)].trim();
                if text.is_empty() {
                    None
                } else {
                    match Geometry::try_from_wkt_str(text) {
                        Ok(g) => Some(g),
                        Err(e) => bad(col, format!("not valid WKT: {e}")),
                    }
                }
            }
            CsvGeometry::LonLat { lon, lat } => {
                let (x, y) = (record[index(lon)].trim(), record[index(lat)].trim());
                match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(x), Ok(y)) => Some(Geometry::Point(Point::new(x, y))),
                    (Err(_), _) => bad(lon, format!("`{x}` is not a number")),
                    (_, Err(_)) => bad(lat, format!("`{y}` is not a number")),
                }
            }
            _ => None,
        };
        table.push(row, geom);
    }
    Ok(ReadResult { table, problems })
}

/// Writes a table as CSV; with `with_wkt`, geometries go into a last `wkt` column.
pub fn write(out: impl Write, table: &Table, with_wkt: bool) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    let with_wkt = with_wkt && table.geometries.is_some();
    let mut header: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    if with_wkt {
        header.push("wkt");
    }
    writer.write_record(&header)?;
    for (i, row) in table.rows.iter().enumerate() {
        let mut fields: Vec<String> = row.iter().map(Value::to_text).collect();
        if with_wkt {
            fields.push(
                table
                    .geometry(i)
                    .map(|g| g.wkt_string())
                    .unwrap_or_default(),
            );
        }
        writer.write_record(&fields)?;
    }
    writer.flush()?;
    Ok(())
}
