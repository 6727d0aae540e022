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
use crate::features::layer_name;
use crate::features::ReadResult;

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

/// Where the encoding the DBF was read in came from, for the problems its malformed bytes make.
enum Declared {
    Manifest,
    Cpg,
    Header,
    /// Nothing declared and the bytes are not UTF-8: read as GB18030 (a superset of GBK).
    Nothing,
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

/// The text the decoder put U+FFFD into (a byte sequence not valid in `encoding`), silently
/// changing names and codes: one problem per field, with its count and first record. A UTF-8
/// declaration over a Latin-1 or GBK file is common and names the fix, so it only warns; bytes
/// that are not valid GBK (or any other declared code page) mean a corrupt or mislabelled file,
/// which is refused. Only a malformed byte puts U+FFFD in text decoded from a code page
/// (GB18030 could encode it, as a four-byte sequence no data uses).
fn replacement_problems(
    dbf: &Path,
    encoding: &'static encoding_rs::Encoding,
    declared: &Declared,
    fields: &[(String, ColumnType)],
    rows: &[dbase::Record],
) -> Vec<Problem> {
    let source = match declared {
        Declared::Manifest => Some("the manifest's `encoding`"),
        Declared::Cpg => Some("the .cpg file"),
        Declared::Header => Some("the DBF header"),
        Declared::Nothing => None,
    };
    let (severity, what) = match (source, encoding == encoding_rs::UTF_8) {
        (None, _) => (
            Severity::Error,
            "neither valid UTF-8 nor GB18030/GBK, and the DBF declares no encoding (no .cpg \
             file, no language driver id): set `encoding = \"...\"` for this layer in \
             borderscape.toml"
                .to_string(),
        ),
        (Some(source), true) => (
            Severity::Warning,
            format!(
                "not valid UTF-8 although {source} says UTF-8; they were read with replacement \
                 characters (U+FFFD). If the file is Latin-1 or GBK, set `encoding = \"latin1\"` \
                 or `\"gbk\"` for this layer in borderscape.toml"
            ),
        ),
        (Some(source), false) => (
            Severity::Error,
            format!(
                "not valid {}, the encoding {source} declares: they would be read with \
                 replacement characters (U+FFFD). Repair the file, or if it is in another \
                 encoding set `encoding = \"...\"` for this layer in borderscape.toml",
                encoding.name()
            ),
        ),
    };
    let mut problems = Vec::new();
    for (name, _) in fields {
        if name.contains(char::REPLACEMENT_CHARACTER) {
            problems.push(Problem {
                field: Some(name.clone()),
                ..Problem::file(severity, dbf, format!("the field's name is {what}"))
            });
        }
        let bad: Vec<usize> = rows
            .iter()
            .enumerate()
            .filter(|(_, record)| {
                matches!(record.get(name), Some(FieldValue::Character(Some(text)) | FieldValue::Memo(text))
                    if text.contains(char::REPLACEMENT_CHARACTER))
            })
            .map(|(i, _)| i)
            .collect();
        if let Some(&first) = bad.first() {
            let mut message = format!("{} value(s) are {what}", bad.len());
            if severity == Severity::Error {
                let listed: Vec<String> = bad.iter().take(10).map(usize::to_string).collect();
                let more = if bad.len() > 10 { ", …" } else { "" };
                message.push_str(&format!(" (features {}{more})", listed.join(", ")));
            }
            problems.push(Problem::feature(
                severity,
                dbf,
                first,
                None,
                Some(name),
                message,
            ));
        }
    }
    problems
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

/// The rings of a polygon shape as polygons, organised by containment as GDAL's full method
/// (`OGR_ORGANIZE_POLYGONS=DEFAULT`) does: a ring inside an even number of others is an
/// exterior, one inside an odd number a hole of the smallest ring around it. The specification
/// winds exteriors clockwise, but files from other tools wind them either way and GDAL and QGIS
/// read them; trusting the winding made a counter-clockwise exterior an error when it came
/// first and a hole of the ring before it otherwise (GDAL 3.6's quicker default for Shapefiles
/// does the latter too, an invalid polygon).
fn polygons_by_containment(rings: Vec<geo::LineString>) -> geo::MultiPolygon {
    use geo::algorithm::coordinate_position::{coord_pos_relative_to_ring, CoordPos};
    use geo::BoundingRect;
    // Twice the area (shoelace), for the order only.
    let areas: Vec<f64> = rings
        .iter()
        .map(|r| r.lines().map(|l| l.determinant()).sum::<f64>().abs())
        .collect();
    let boxes: Vec<Option<geo::Rect>> = rings.iter().map(|r| r.bounding_rect()).collect();
    // Largest first: a ring can only lie inside a larger one.
    let mut order: Vec<usize> = (0..rings.len()).collect();
    order.sort_by(|&a, &b| areas[b].total_cmp(&areas[a]));
    // Whether `inner` lies inside `outer`, decided by its first vertex off `outer`'s boundary
    // (rings of a valid shape do not cross; holes may touch their exterior).
    let inside = |inner: usize, outer: usize| {
        let (Some(a), Some(b)) = (boxes[inner], boxes[outer]) else {
            return false;
        };
        let within = |c: geo::Coord| {
            c.x >= b.min().x && c.x <= b.max().x && c.y >= b.min().y && c.y <= b.max().y
        };
        within(a.min())
            && within(a.max())
            && rings[inner]
                .coords()
                .map(|c| coord_pos_relative_to_ring(*c, &rings[outer]))
                .find(|p| *p != CoordPos::OnBoundary)
                == Some(CoordPos::Inside)
    };
    let mut parent: Vec<Option<usize>> = vec![None; rings.len()];
    let mut depth = vec![0usize; rings.len()];
    for (k, &ring) in order.iter().enumerate() {
        if let Some(&around) = order[..k].iter().rev().find(|&&o| inside(ring, o)) {
            parent[ring] = Some(around);
            depth[ring] = depth[around] + 1;
        }
    }
    let mut holes: Vec<Vec<geo::LineString>> = vec![Vec::new(); rings.len()];
    for (ring, around) in parent.iter().enumerate() {
        if let (Some(around), 1) = (around, depth[ring] % 2) {
            holes[*around].push(rings[ring].clone());
        }
    }
    rings
        .into_iter()
        .zip(holes)
        .enumerate()
        .filter(|(ring, _)| depth[*ring] % 2 == 0)
        .map(|(_, (exterior, holes))| geo::Polygon::new(exterior, holes))
        .collect()
}

/// A shape as a geometry, polygons organised by [`polygons_by_containment`].
fn shape_geometry(shape: shapefile::Shape) -> Result<Option<geo::Geometry>, shapefile::Error> {
    fn rings<P>(polygon: shapefile::record::polygon::GenericPolygon<P>) -> Vec<geo::LineString>
    where
        geo::Coord: From<P>,
    {
        polygon
            .into_inner()
            .into_iter()
            .map(|ring| {
                ring.into_inner()
                    .into_iter()
                    .map(geo::Coord::from)
                    .collect()
            })
            .collect()
    }
    let rings = match shape {
        shapefile::Shape::NullShape => return Ok(None),
        shapefile::Shape::Polygon(p) => rings(p),
        shapefile::Shape::PolygonM(p) => rings(p),
        shapefile::Shape::PolygonZ(p) => rings(p),
        shape => return geo::Geometry::try_from(shape).map(Some),
    };
    Ok(Some(polygons_by_containment(rings).into()))
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
    let (encoding, declared, (fields, rows)) = match resolve_encoding(path, &dbf, encoding)? {
        Some((encoding, declared)) => (
            encoding,
            declared,
            read_dbf(&dbf, EncodingRs::from(encoding).into())?,
        ),
        None => match read_dbf(&dbf, dbase::Unicode.into()) {
            Ok(content) => (encoding_rs::UTF_8, Declared::Nothing, content),
            Err(_) => (
                encoding_rs::GB18030,
                Declared::Nothing,
                read_dbf(&dbf, EncodingRs::from(encoding_rs::GB18030).into())?,
            ),
        },
    };
    let mut problems = match (&declared, encoding == encoding_rs::UTF_8) {
        // Read as strict UTF-8: any U+FFFD is the file's own.
        (Declared::Nothing, true) => Vec::new(),
        _ => replacement_problems(&dbf, encoding, &declared, &fields, &rows),
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
        let geometry = shape_geometry(shape).unwrap_or_else(|e| {
            problems.push(Problem::geometry(path, i, e.to_string()));
            None
        });
        table.push(row, geometry);
    }
    Ok(ReadResult { table, problems })
}
