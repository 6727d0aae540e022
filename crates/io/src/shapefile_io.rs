//! ESRI Shapefile reader, with the DBF text encoding resolved the way Chinese data needs.
//!
//! Encoding, first found wins: the caller's (manifest `encoding`), the `.cpg` file, the DBF
//! header's language driver id (0x4D = GBK/CP936, …), else strict UTF-8, and when that fails to
//! decode, GB18030 (a superset of GBK: GBK-encoded DBFs without any marker are common).

use std::io::Read;
use std::path::Path;

use borderscape_core::table::{Column, ColumnType, Table, Value};
use dbase::encoding::{DynEncoding, EncodingRs};
use dbase::FieldValue;

use crate::error::IoError;
use crate::geojson_io::layer_name;
use crate::read::{geometry_or_problem, ReadResult};

fn encoding_by_label(label: &str) -> Option<&'static encoding_rs::Encoding> {
    let label = label.trim().trim_start_matches('\u{feff}');
    let normalised = match label.to_ascii_uppercase().as_str() {
        "936" | "CP936" | "GBK" => "gbk",
        "950" | "CP950" => "big5",
        "65001" | "UTF8" => "utf-8",
        _ => label,
    };
    encoding_rs::Encoding::for_label(normalised.as_bytes())
}

/// The DBF header's language driver id (byte 29) mapped to an encoding, for the CJK code pages.
fn encoding_from_ldid(dbf: &Path) -> Option<&'static encoding_rs::Encoding> {
    let mut header = [0u8; 32];
    std::fs::File::open(dbf)
        .ok()?
        .read_exact(&mut header)
        .ok()?;
    match header[29] {
        0x4D => Some(encoding_rs::GBK),
        0x4E => Some(encoding_rs::EUC_KR),
        0x4F => Some(encoding_rs::BIG5),
        0x13 | 0x7B => Some(encoding_rs::SHIFT_JIS),
        _ => None,
    }
}

/// The encoding to read with; `None` means "strict UTF-8, then GB18030".
fn resolve_encoding(
    shp: &Path,
    dbf: &Path,
    given: Option<&str>,
) -> Result<Option<DynEncoding>, IoError> {
    if let Some(label) = given {
        let enc = encoding_by_label(label).ok_or_else(|| {
            IoError::file(
                shp,
                format!("unknown text encoding `{label}` (try utf-8, gbk, gb18030)"),
            )
        })?;
        return Ok(Some(EncodingRs::from(enc).into()));
    }
    let cpg = shp.with_extension("cpg");
    if let Ok(label) = std::fs::read_to_string(&cpg) {
        let enc = encoding_by_label(&label).ok_or_else(|| {
            IoError::file(&cpg, format!("unknown text encoding `{}`", label.trim()))
        })?;
        return Ok(Some(EncodingRs::from(enc).into()));
    }
    Ok(encoding_from_ldid(dbf).map(|enc| EncodingRs::from(enc).into()))
}

fn field_kind(t: dbase::FieldType) -> ColumnType {
    use dbase::FieldType as F;
    match t {
        F::Numeric | F::Float | F::Double | F::Currency => ColumnType::Real,
        F::Integer => ColumnType::Int,
        F::Logical => ColumnType::Bool,
        _ => ColumnType::Text,
    }
}

fn field_value(v: Option<&FieldValue>) -> Value {
    match v {
        None => Value::Null,
        Some(FieldValue::Character(s)) => s
            .as_ref()
            .map_or(Value::Null, |s| Value::Text(s.trim_end().to_string())),
        Some(FieldValue::Memo(s)) => Value::Text(s.clone()),
        Some(FieldValue::Numeric(x)) => x.map_or(Value::Null, Value::Real),
        Some(FieldValue::Float(x)) => x.map_or(Value::Null, |x| Value::Real(x as f64)),
        Some(FieldValue::Double(x)) | Some(FieldValue::Currency(x)) => Value::Real(*x),
        Some(FieldValue::Integer(i)) => Value::Int(*i as i64),
        Some(FieldValue::Logical(b)) => b.map_or(Value::Null, Value::Bool),
        Some(FieldValue::Date(d)) => d.map_or(Value::Null, |d| {
            Value::Text(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }),
        Some(FieldValue::DateTime(dt)) => {
            let d = dt.date();
            Value::Text(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
    }
}

type DbfContent = (Vec<(String, ColumnType)>, Vec<dbase::Record>);

fn read_dbf(dbf: &Path, encoding: DynEncoding) -> Result<DbfContent, IoError> {
    let mut reader = dbase::ReaderBuilder::new()
        .with_encoding(encoding)
        .open(dbf)
        .map_err(|e| IoError::file(dbf, e))?;
    let fields = reader
        .fields()
        .iter()
        .map(|f| (f.name().to_string(), field_kind(f.field_type())))
        .collect();
    let rows = reader.read().map_err(|e| IoError::file(dbf, e))?;
    Ok((fields, rows))
}

/// Reads a .shp with its .dbf (and .cpg, when present).
pub fn read(path: &Path, encoding: Option<&str>) -> Result<ReadResult, IoError> {
    let dbf = path.with_extension("dbf");
    if !dbf.exists() {
        return Err(IoError::file(path, "the .dbf file beside it is missing"));
    }
    let (fields, rows) = match resolve_encoding(path, &dbf, encoding)? {
        Some(encoding) => read_dbf(&dbf, encoding)?,
        None => read_dbf(&dbf, dbase::Unicode.into())
            .or_else(|_| read_dbf(&dbf, EncodingRs::from(encoding_rs::GB18030).into()))?,
    };
    let columns = fields
        .iter()
        .map(|(n, k)| Column::new(n, *k, None, ""))
        .collect();
    let mut table = Table::new(&layer_name(path), columns, true);
    let shapes = shapefile::ShapeReader::from_path(path)
        .and_then(|r| r.read())
        .map_err(|e| IoError::file(path, e))?;
    if shapes.len() != rows.len() {
        return Err(IoError::file(
            path,
            format!(
                "{} shapes but {} DBF records: the files do not belong together",
                shapes.len(),
                rows.len()
            ),
        ));
    }
    let mut problems = Vec::new();
    for (i, (shape, record)) in shapes.into_iter().zip(rows).enumerate() {
        let row = fields
            .iter()
            .map(|(name, _)| field_value(record.get(name)))
            .collect();
        let geometry = match shape {
            shapefile::Shape::NullShape => None,
            shape => geometry_or_problem(geo::Geometry::try_from(shape), path, i, &mut problems),
        };
        table.push(row, geometry);
    }
    Ok(ReadResult { table, problems })
}
