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

use crate::error::{IoError, Problem, Severity};
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

/// Where a declared encoding came from, for the warning when the bytes contradict it.
enum Declared {
    Manifest,
    Cpg,
    Header,
}

/// The encoding to read with and where it was declared; `None` means "strict UTF-8, then
/// GB18030".
fn resolve_encoding(
    shp: &Path,
    dbf: &Path,
    given: Option<&str>,
) -> Result<Option<(&'static encoding_rs::Encoding, Declared)>, IoError> {
    if let Some(label) = given {
        let enc = encoding_by_label(label).ok_or_else(|| {
            IoError::file(
                shp,
                format!("unknown text encoding `{label}` (try utf-8, gbk, gb18030)"),
            )
        })?;
        return Ok(Some((enc, Declared::Manifest)));
    }
    let cpg = shp.with_extension("cpg");
    if let Ok(label) = std::fs::read_to_string(&cpg) {
        let enc = encoding_by_label(&label).ok_or_else(|| {
            IoError::file(&cpg, format!("unknown text encoding `{}`", label.trim()))
        })?;
        return Ok(Some((enc, Declared::Cpg)));
    }
    Ok(encoding_from_ldid(dbf).map(|enc| (enc, Declared::Header)))
}

/// Warnings for text fields whose bytes are not valid in the declared UTF-8 (a Latin-1 or GBK
/// DBF behind a `.cpg` saying UTF-8 is common): the decoder put U+FFFD in their place, silently
/// changing names, so each such field is reported once, with its count and first record.
fn replacement_warnings(
    dbf: &Path,
    declared: &Declared,
    fields: &[(String, ColumnType)],
    rows: &[dbase::Record],
) -> Vec<Problem> {
    let source = match declared {
        Declared::Manifest => "the manifest's `encoding`",
        Declared::Cpg => "the .cpg file",
        Declared::Header => "the DBF header",
    };
    let mut warnings = Vec::new();
    for (name, _) in fields {
        let bad: Vec<usize> = rows
            .iter()
            .enumerate()
            .filter(|(_, record)| {
                matches!(record.get(name), Some(FieldValue::Character(Some(text)))
                    if text.contains(char::REPLACEMENT_CHARACTER))
            })
            .map(|(i, _)| i)
            .collect();
        if let Some(&first) = bad.first() {
            warnings.push(Problem::feature(
                Severity::Warning,
                dbf,
                first,
                None,
                Some(name),
                format!(
                    "{} value(s) are not valid UTF-8 although {source} says UTF-8; they were read \
                     with replacement characters (U+FFFD). If the file is Latin-1 or GBK, set \
                     `encoding = \"latin1\"` or `\"gbk\"` for this layer in borderscape.toml",
                    bad.len()
                ),
            ));
        }
    }
    warnings
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

/// The shapes of a .shp, read record by record within the lengths the records declare. Each
/// record's part and point counts are checked against its length first: the shapefile crate
/// reserves memory for the declared counts before reading them, and reads records back to back
/// (a record that declares more or less than it holds would shift every later one).
fn read_shapes(path: &Path) -> Result<Vec<shapefile::Shape>, IoError> {
    use shapefile::ReadableShape;
    let bytes = std::fs::read(path).map_err(|e| IoError::file(path, e))?;
    if bytes.len() < 100 || bytes[..4] != [0, 0, 0x27, 0x0a] {
        return Err(IoError::file(path, "not a Shapefile (no .shp header)"));
    }
    let word_le = |at: usize| -> Option<i32> {
        Some(i32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    let mut shapes = Vec::new();
    let mut at = 100;
    while at + 8 <= bytes.len() {
        let record = shapes.len();
        let fail = |message: String| IoError::file(path, format!("record {record}: {message}"));
        let words =
            i32::from_be_bytes([bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]]);
        let start = at + 8;
        let content = usize::try_from(words)
            .ok()
            .and_then(|w| w.checked_mul(2))
            .filter(|c| *c <= bytes.len() - start)
            .ok_or_else(|| {
                fail(format!(
                    "its length of {words} words runs past the end of the file"
                ))
            })?;
        // Shape type, then for every multi-part or multi-point type a 32-byte box and the counts.
        let counts = match word_le(start) {
            Some(3 | 5 | 13 | 15 | 23 | 25 | 31) => word_le(start + 36).zip(word_le(start + 40)),
            Some(8 | 18 | 28) => word_le(start + 36).map(|points| (0, points)),
            _ => Some((0, 0)),
        };
        let (parts, points) = counts.ok_or_else(|| fail("its counts are cut off".into()))?;
        let needed = usize::try_from(parts)
            .ok()
            .zip(usize::try_from(points).ok())
            .map(|(parts, points)| {
                parts
                    .saturating_mul(4)
                    .saturating_add(points.saturating_mul(16))
            });
        if needed.is_none_or(|needed| needed > content) {
            return Err(fail(format!(
                "{parts} parts and {points} points cannot fit in its {content} bytes"
            )));
        }
        // Each part starts at a point index: in order, within the points (the crate sizes every
        // part from the difference of two of them).
        let starts = (0..parts as usize).map(|j| word_le(start + 44 + 4 * j).unwrap_or(-1));
        let mut previous = 0;
        for (j, first) in starts.enumerate() {
            if first < previous || first > points || (j == 0 && first != 0) {
                return Err(fail(format!(
                    "part {j} starts at point {first}, outside its {points} points or out of order"
                )));
            }
            previous = first;
        }
        let mut cursor = std::io::Cursor::new(&bytes[start..start + content]);
        let shape = shapefile::Shape::read_from(&mut cursor, content as i32)
            .map_err(|e| fail(e.to_string()))?;
        shapes.push(shape);
        at = start + content;
    }
    Ok(shapes)
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
    let mut problems = Vec::new();
    let (fields, rows) = match resolve_encoding(path, &dbf, encoding)? {
        Some((encoding, declared)) => {
            let (fields, rows) = read_dbf(&dbf, EncodingRs::from(encoding).into())?;
            if encoding == encoding_rs::UTF_8 {
                problems.extend(replacement_warnings(&dbf, &declared, &fields, &rows));
            }
            (fields, rows)
        }
        None => read_dbf(&dbf, dbase::Unicode.into())
            .or_else(|_| read_dbf(&dbf, EncodingRs::from(encoding_rs::GB18030).into()))?,
    };
    let columns = fields
        .iter()
        .map(|(n, k)| Column::new(n, *k, None, ""))
        .collect();
    let mut table = Table::new(&layer_name(path), columns, true);
    let shapes = read_shapes(path)?;
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
