//! GeoParquet 1.1: layers and outputs as Parquet files with a `geo` metadata entry, through
//! Arrow's own Parquet crate. Written: geometries as WKB (default) or a native GeoArrow encoding,
//! a `bbox` covering column (so readers skip row groups outside an extent), row groups of
//! [`WriteOptions::row_group_rows`], the CRS as PROJJSON, units and descriptions as field
//! metadata. Read: WKB and the native encodings, in batches; plain Parquet without `geo` reads
//! as a table without geometry. A read decodes only the columns it keeps, within the project's
//! [`Limits`]: what the file declares is checked before a page is decoded ([`guard`]), and the
//! values decoded are counted as they come.

mod guard;
pub mod native;
pub mod projjson;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
    StructArray,
};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Field, Fields, Schema};
use borderscape_core::table::{Column, ColumnType, Table, Value};
use bytes::Bytes;
use geo::{BoundingRect, CoordsIter, Geometry, Rect};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::Compression;
use parquet::file::metadata::{KeyValue, ParquetMetaData};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::ChunkReader;
use serde::Serialize;
use serde_json::Value as Json;

use crate::atomic::write_file_atomically;
use crate::error::{IoError, Problem, Severity};
use crate::features::layer_name;
use crate::features::ReadResult;
use crate::gpkg::{read_wkb, write_wkb, Srs};
use crate::limits::{over, Limits};
use native::{Native, NativeReader};

/// The geometry column of files written here.
const GEOMETRY: &str = "geometry";
/// Its bounding-box covering column (GeoParquet 1.1 `covering.bbox`).
const BBOX: &str = "bbox";
/// Rows per batch when reading.
const BATCH_ROWS: usize = 8192;

/// How geometries are encoded in a written file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GeometryEncoding {
    /// Well-known binary: any geometry type; what every GeoParquet reader supports.
    #[default]
    Wkb,
    /// GeoArrow's native encoding of the column's one geometry type.
    GeoArrow,
}

impl GeometryEncoding {
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "wkb" => Some(Self::Wkb),
            "geoarrow" | "native" => Some(Self::GeoArrow),
            _ => None,
        }
    }
}

/// How a GeoParquet file is written.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    pub encoding: GeometryEncoding,
    /// Rows per row group: the unit a reader skips by its bbox statistics.
    pub row_group_rows: usize,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            encoding: GeometryEncoding::Wkb,
            row_group_rows: 65_536,
        }
    }
}

/// The columns as stored and the geometry encoding of `table` written with `options`.
fn layout(
    path: &Path,
    table: &Table,
    options: &WriteOptions,
) -> Result<(Vec<Column>, Option<Option<Native>>), IoError> {
    let columns: Vec<Column> = (0..table.columns.len())
        .map(|c| Column {
            kind: stored_kind(table, c),
            ..table.columns[c].clone()
        })
        .collect();
    let geometry = match &table.geometries {
        None => None,
        Some(geometries) => Some(match options.encoding {
            GeometryEncoding::Wkb => None,
            GeometryEncoding::GeoArrow => Some(
                Native::for_geometries(geometries.iter().flatten())
                    .map_err(|e| IoError::file(path, e))?,
            ),
        }),
    };
    Ok((columns, geometry))
}

/// Writes `table` (geometries in `srs`) to `path` atomically; a table without geometries
/// becomes plain Parquet.
pub fn write(path: &Path, table: &Table, srs: Srs, options: &WriteOptions) -> Result<(), IoError> {
    let (columns, geometry) = layout(path, table, options)?;
    write_file_atomically(path, |tmp| {
        let out = File::create(tmp).map_err(|e| IoError::file(path, e))?;
        let mut writer = Writer::create(out, path, &columns, geometry, srs, options)?;
        writer.write(table)?;
        writer.finish().map(drop)
    })
}

/// `table` as the bytes of a (Geo)Parquet file, for a caller that hands it on in memory (the
/// Python package gives it to GeoPandas); `name` stands for the file in messages.
pub fn to_bytes(
    name: &Path,
    table: &Table,
    srs: Srs,
    options: &WriteOptions,
) -> Result<Vec<u8>, IoError> {
    let (columns, geometry) = layout(name, table, options)?;
    let mut writer = Writer::create(Vec::new(), name, &columns, geometry, srs, options)?;
    writer.write(table)?;
    writer.finish()
}

/// The `geo` key of a GeoParquet 1.1 file's metadata (one geometry column).
#[derive(Serialize)]
struct GeoMetadata<'a> {
    version: &'static str,
    primary_column: &'static str,
    columns: BTreeMap<&'static str, GeoColumnMeta<'a>>,
}

/// A geometry column's metadata: encoding, types, CRS (PROJJSON), the bbox covering columns and
/// the extent.
#[derive(Serialize)]
struct GeoColumnMeta<'a> {
    encoding: &'static str,
    geometry_types: &'a BTreeSet<&'static str>,
    crs: &'a Json,
    covering: Covering,
    #[serde(skip_serializing_if = "Option::is_none")]
    bbox: Option<[f64; 4]>,
}

/// Where the per-row bounding boxes are (a struct column's fields).
#[derive(Serialize)]
struct Covering {
    bbox: BboxCovering,
}

#[derive(Serialize)]
struct BboxCovering {
    xmin: [&'static str; 2],
    ymin: [&'static str; 2],
    xmax: [&'static str; 2],
    ymax: [&'static str; 2],
}

/// Writes a (Geo)Parquet file chunk by chunk, so that a layer larger than memory can be
/// generated or converted: each [`Writer::write`] call's rows go out in row groups, and the
/// `geo` metadata (types, extent) is gathered along the way.
pub struct Writer<W: Write + Send = File> {
    /// The path named in errors (the caller may be writing to a temporary file beside it).
    path: std::path::PathBuf,
    inner: ArrowWriter<W>,
    schema: Arc<Schema>,
    columns: Vec<Column>,
    row_group_rows: usize,
    /// `Some(encoding)` for a GeoParquet file (`None` inside: WKB).
    geometry: Option<Option<Native>>,
    crs: Json,
    types: BTreeSet<&'static str>,
    extent: Option<Rect>,
}

impl<W: Write + Send> Writer<W> {
    /// A writer of rows with these `columns` (their kinds as stored) into `out`; `geometry`:
    /// `None` for plain Parquet, `Some(None)` for WKB, `Some(Some(native))` for GeoArrow.
    pub fn create(
        out: W,
        path: &Path,
        columns: &[Column],
        geometry: Option<Option<Native>>,
        srs: Srs,
        options: &WriteOptions,
    ) -> Result<Self, IoError> {
        let mut fields: Vec<Field> = columns.iter().map(data_field).collect();
        let mut crs = Json::Null;
        if let Some(native) = geometry {
            if let Some(clash) = columns
                .iter()
                .find(|c| c.name == GEOMETRY || c.name == BBOX)
            {
                return Err(IoError::file(
                    path,
                    format!(
                        "column `{}` would hide the geometry or its bbox; rename it",
                        clash.name
                    ),
                ));
            }
            if srs.epsg != Srs::UNKNOWN.epsg {
                crs = projjson::projjson(srs.epsg).map_err(|e| IoError::file(path, e))?;
            }
            let encoded_type = match native {
                None => DataType::Binary,
                Some(n) => n.data_type(),
            };
            fields.push(Field::new(GEOMETRY, encoded_type, true));
            fields.push(Field::new(BBOX, DataType::Struct(bbox_fields()), true));
        }
        let schema = Arc::new(Schema::new(fields));
        let row_group_rows = options.row_group_rows.max(1);
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(row_group_rows))
            .build();
        let inner = ArrowWriter::try_new(out, schema.clone(), Some(properties))
            .map_err(|e| IoError::file(path, format!("Parquet: {e}")))?;
        Ok(Self {
            path: path.to_path_buf(),
            inner,
            schema,
            columns: columns.to_vec(),
            row_group_rows,
            geometry,
            crs,
            types: BTreeSet::new(),
            extent: None,
        })
    }

    /// Appends the rows of `table` (its columns as given to [`Writer::create`]).
    pub fn write(&mut self, table: &Table) -> Result<(), IoError> {
        for (c, column) in self.columns.iter().enumerate() {
            if let Some(row) = table.rows.iter().position(|r| !fits(column.kind, &r[c])) {
                return Err(IoError::Internal(format!(
                    "{}: row {row}: `{}` is not a {:?} value",
                    self.path.display(),
                    column.name,
                    column.kind
                )));
            }
        }
        let chunk = self.row_group_rows.min(65_536);
        for start in (0..table.len()).step_by(chunk) {
            let rows = start..(start + chunk).min(table.len());
            let mut arrays: Vec<ArrayRef> = self
                .columns
                .iter()
                .enumerate()
                .map(|(c, column)| {
                    data_array(table.rows[rows.clone()].iter().map(|r| &r[c]), column.kind)
                })
                .collect();
            if let Some(native) = self.geometry {
                let none = vec![None; rows.len()];
                let part = table
                    .geometries
                    .as_ref()
                    .map_or(&none[..], |g| &g[rows.clone()]);
                self.gather(part, native);
                arrays.push(match native {
                    Some(n) => n.encode(part).map_err(|e| IoError::file(&self.path, e))?,
                    None => wkb_array(part)?,
                });
                arrays.push(bbox_array(part));
            }
            let batch = RecordBatch::try_new(self.schema.clone(), arrays)
                .map_err(|e| IoError::Internal(format!("Arrow batch: {e}")))?;
            self.inner
                .write(&batch)
                .map_err(|e| IoError::file(&self.path, format!("Parquet: {e}")))?;
        }
        Ok(())
    }

    /// The geometry types and extent of what is written.
    fn gather(&mut self, geometries: &[Option<Geometry>], native: Option<Native>) {
        for g in geometries.iter().flatten() {
            self.types
                .insert(native.map_or_else(|| geometry_type(g), Native::geometry_type));
            if let Some(r) = g.bounding_rect() {
                self.extent = Some(match self.extent {
                    None => r,
                    Some(e) => Rect::new(
                        geo::coord! { x: e.min().x.min(r.min().x), y: e.min().y.min(r.min().y) },
                        geo::coord! { x: e.max().x.max(r.max().x), y: e.max().y.max(r.max().y) },
                    ),
                });
            }
        }
    }

    /// Writes the `geo` metadata and the footer, and gives back the output.
    pub fn finish(mut self) -> Result<W, IoError> {
        if let Some(native) = self.geometry {
            let column = GeoColumnMeta {
                encoding: native.map_or("WKB", Native::encoding),
                geometry_types: &self.types,
                crs: &self.crs,
                covering: Covering {
                    bbox: BboxCovering {
                        xmin: [BBOX, "xmin"],
                        ymin: [BBOX, "ymin"],
                        xmax: [BBOX, "xmax"],
                        ymax: [BBOX, "ymax"],
                    },
                },
                bbox: self
                    .extent
                    .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]),
            };
            let geo = GeoMetadata {
                version: "1.1.0",
                primary_column: GEOMETRY,
                columns: BTreeMap::from([(GEOMETRY, column)]),
            };
            let geo = serde_json::to_string(&geo)
                .map_err(|e| IoError::file(&self.path, format!("GeoParquet metadata: {e}")))?;
            self.inner
                .append_key_value_metadata(KeyValue::new("geo".into(), geo));
        }
        self.inner
            .into_inner()
            .map_err(|e| IoError::file(&self.path, format!("Parquet: {e}")))
    }
}

/// A geometry's type as GeoParquet names it.
pub(crate) fn geometry_type(g: &Geometry) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) | Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

/// The type a column is stored as: its declared kind when every value fits, else real (integers
/// with reals) or text.
fn stored_kind(table: &Table, c: usize) -> ColumnType {
    let declared = table.columns[c].kind;
    [declared, ColumnType::Real, ColumnType::Text]
        .into_iter()
        .find(|kind| table.rows.iter().all(|r| fits(*kind, &r[c])))
        .unwrap_or(ColumnType::Text)
}

/// Whether a value can be stored in a column of this kind.
fn fits(kind: ColumnType, v: &Value) -> bool {
    matches!(
        (kind, v),
        (_, Value::Null)
            | (ColumnType::Text, _)
            | (ColumnType::Bool, Value::Bool(_))
            | (ColumnType::Int, Value::Int(_) | Value::Bool(_))
            | (ColumnType::Real, Value::Int(_) | Value::Real(_))
    )
}

fn data_field(column: &Column) -> Field {
    let data_type = match column.kind {
        ColumnType::Bool => DataType::Boolean,
        ColumnType::Int => DataType::Int64,
        ColumnType::Real => DataType::Float64,
        ColumnType::Text => DataType::Utf8,
    };
    let mut metadata = std::collections::HashMap::new();
    if let Some(unit) = &column.unit {
        metadata.insert("unit".to_string(), unit.clone());
    }
    if !column.description.is_empty() {
        metadata.insert("description".to_string(), column.description.clone());
    }
    Field::new(&column.name, data_type, true).with_metadata(metadata)
}

fn data_array<'a>(values: impl Iterator<Item = &'a Value>, kind: ColumnType) -> ArrayRef {
    match kind {
        ColumnType::Bool => Arc::new(BooleanArray::from_iter(values.map(|v| match v {
            Value::Bool(b) => Some(*b),
            _ => None,
        }))),
        ColumnType::Int => Arc::new(Int64Array::from_iter(values.map(|v| match v {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }))),
        // Like the GeoPackage writer: a non-finite real is a null.
        ColumnType::Real => Arc::new(Float64Array::from_iter(values.map(|v| match v {
            Value::Int(i) => Some(*i as f64),
            Value::Real(r) if r.is_finite() => Some(*r),
            _ => None,
        }))),
        ColumnType::Text => Arc::new(StringArray::from_iter(
            values.map(|v| (!v.is_null()).then(|| v.to_text())),
        )),
    }
}

fn wkb_array(geometries: &[Option<Geometry>]) -> Result<ArrayRef, IoError> {
    let mut blobs = Vec::with_capacity(geometries.len());
    for g in geometries {
        blobs.push(match g {
            Some(g) => {
                let mut blob = Vec::new();
                write_wkb(&mut blob, g)?;
                Some(blob)
            }
            None => None,
        });
    }
    Ok(Arc::new(BinaryArray::from_iter(blobs)))
}

fn bbox_fields() -> Fields {
    ["xmin", "ymin", "xmax", "ymax"]
        .into_iter()
        .map(|n| Field::new(n, DataType::Float64, false))
        .collect()
}

/// The covering column: each geometry's bounding box (null for a null or empty geometry).
fn bbox_array(geometries: &[Option<Geometry>]) -> ArrayRef {
    let rects: Vec<Option<Rect>> = geometries
        .iter()
        .map(|g| g.as_ref().and_then(BoundingRect::bounding_rect))
        .collect();
    let side = |f: fn(&Rect) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from_iter_values(
            rects.iter().map(|r| r.as_ref().map_or(0.0, f)),
        ))
    };
    let valid: Vec<bool> = rects.iter().map(Option::is_some).collect();
    Arc::new(StructArray::new(
        bbox_fields(),
        vec![
            side(|r| r.min().x),
            side(|r| r.min().y),
            side(|r| r.max().x),
            side(|r| r.max().y),
        ],
        valid.iter().any(|v| !v).then(|| NullBuffer::from(valid)),
    ))
}

/// What the `geo` metadata says of the primary geometry column.
struct GeoColumn {
    name: String,
    native: Option<Native>,
    /// Every geometry column and covering column, none of which is an attribute.
    not_attributes: BTreeSet<String>,
}

fn geo_column(path: &Path, geo: &str) -> Result<GeoColumn, IoError> {
    let bad = |what: String| IoError::file(path, format!("GeoParquet `geo` metadata: {what}"));
    let geo: Json = serde_json::from_str(geo).map_err(|e| bad(format!("not JSON ({e})")))?;
    let primary = geo["primary_column"]
        .as_str()
        .ok_or_else(|| bad("no primary_column".into()))?;
    let columns = geo["columns"]
        .as_object()
        .ok_or_else(|| bad("no columns".into()))?;
    let column = columns
        .get(primary)
        .ok_or_else(|| bad(format!("primary column `{primary}` is not described")))?;
    let encoding = column["encoding"]
        .as_str()
        .ok_or_else(|| bad(format!("column `{primary}` has no encoding")))?;
    let native = match encoding {
        e if e.eq_ignore_ascii_case("WKB") => None,
        e => Some(Native::from_encoding(e).ok_or_else(|| {
            bad(format!(
                "column `{primary}`: encoding `{e}` is not WKB, point, linestring, polygon, multipoint, multilinestring or multipolygon"
            ))
        })?),
    };
    let mut not_attributes: BTreeSet<String> = columns.keys().cloned().collect();
    for described in columns.values() {
        if let Some(covering) = described["covering"]["bbox"]["xmin"][0].as_str() {
            not_attributes.insert(covering.to_string());
        }
    }
    Ok(GeoColumn {
        name: primary.to_string(),
        native,
        not_attributes,
    })
}

/// Reads a (Geo)Parquet file within `limits`, in batches of at most [`BATCH_ROWS`] rows.
pub fn read(path: &Path, limits: &Limits) -> Result<ReadResult, IoError> {
    without_panics(path, || {
        let file = File::open(path).map_err(|e| IoError::file(path, e))?;
        read_unguarded(file, path, None, limits)
    })
}

/// Reads only `rows` (0-based, ascending) of a (Geo)Parquet file, within the default
/// [`Limits`]: the pages of the other rows are skipped, so a part of a layer larger than memory
/// can be read.
pub fn read_rows(path: &Path, rows: &[usize]) -> Result<ReadResult, IoError> {
    let mut selectors = Vec::new();
    let mut next = 0;
    for &row in rows {
        if row < next {
            return Err(IoError::Internal(format!(
                "{}: rows to read must ascend",
                path.display()
            )));
        }
        match selectors.last_mut() {
            Some(RowSelector {
                row_count,
                skip: false,
            }) if row == next => *row_count += 1,
            _ => {
                if row > next {
                    selectors.push(RowSelector::skip(row - next));
                }
                selectors.push(RowSelector::select(1));
            }
        }
        next = row + 1;
    }
    without_panics(path, || {
        let file = File::open(path).map_err(|e| IoError::file(path, e))?;
        read_unguarded(
            file,
            path,
            Some(RowSelection::from(selectors)),
            &Limits::default(),
        )
    })
}

/// Reads a (Geo)Parquet file held in memory (the Python package's layers, written by GeoPandas
/// in one piece), within the default [`Limits`]; `name` stands for the file in messages and
/// names the table.
pub fn read_bytes(bytes: Vec<u8>, name: &Path) -> Result<ReadResult, IoError> {
    without_panics(name, || {
        read_unguarded(Bytes::from(bytes), name, None, &Limits::default())
    })
}

/// Runs `read` and turns a panic inside it into an error naming the file. The Parquet crate
/// panics on some corrupt pages (e.g. "Decoder for dict should have been set", found by
/// flipping bytes of a valid file); a user's broken file must get a message, not a crash.
fn without_panics<T>(path: &Path, read: impl FnOnce() -> Result<T, IoError>) -> Result<T, IoError> {
    thread_local!(static READING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    static QUIET_HOOK: std::sync::Once = std::sync::Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !READING.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    READING.with(|r| r.set(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    READING.with(|r| r.set(false));
    outcome.unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(IoError::file(path, format!("corrupt Parquet file ({why})")))
    })
}

fn read_unguarded<R: ChunkReader + 'static>(
    source: R,
    path: &Path,
    selection: Option<RowSelection>,
    limits: &Limits,
) -> Result<ReadResult, IoError> {
    let mut whole = None;
    read_parts(
        source,
        path,
        selection,
        usize::MAX,
        limits,
        &mut |_, part| {
            whole = Some(part);
            Ok(())
        },
    )?;
    Ok(whole.expect("read_parts gives at least one part"))
}

/// Reads a (Geo)Parquet file in parts of about `part_rows` rows (whole batches), each handed to
/// `sink` with the row of the file it starts at, so that a layer larger than memory can be
/// worked part by part; within the default [`Limits`], [`Limits::decoded_bytes`] per part.
pub fn read_in_parts(
    path: &Path,
    part_rows: usize,
    sink: &mut dyn FnMut(usize, ReadResult) -> Result<(), IoError>,
) -> Result<(), IoError> {
    without_panics(path, || {
        let file = File::open(path).map_err(|e| IoError::file(path, e))?;
        read_parts(file, path, None, part_rows.max(1), &Limits::default(), sink)
    })
}

fn read_parts<R: ChunkReader + 'static>(
    source: R,
    path: &Path,
    selection: Option<RowSelection>,
    part_rows: usize,
    limits: &Limits,
    sink: &mut dyn FnMut(usize, ReadResult) -> Result<(), IoError>,
) -> Result<(), IoError> {
    let loaded = ArrowReaderMetadata::load(&source, ArrowReaderOptions::new())
        .map_err(|e| IoError::file(path, format!("not a readable Parquet file: {e}")))?;
    let geo = geo_entry(loaded.metadata())
        .map(|g| geo_column(path, &g))
        .transpose()?;
    let schema = loaded.schema().clone();
    let mut problems = Vec::new();
    let mut attributes: Vec<(usize, Column)> = Vec::new();
    for (i, field) in schema.fields().iter().enumerate() {
        let name = field.name();
        if geo
            .as_ref()
            .is_some_and(|g| g.not_attributes.contains(name))
            || name.starts_with("__index_level_")
        {
            continue;
        }
        match column_type(field.data_type()) {
            Some(kind) => {
                let metadata = field.metadata();
                let unit = metadata.get("unit").map(String::as_str);
                let description = metadata.get("description").map_or("", String::as_str);
                attributes.push((i, Column::new(name, kind, unit, description)));
            }
            None => problems.push(Problem::file(
                Severity::Warning,
                path,
                format!("column `{name}` of type {} is not read", field.data_type()),
            )),
        }
    }
    let geometry_index = match &geo {
        Some(g) => Some(schema.index_of(&g.name).map_err(|_| {
            IoError::file(path, format!("geometry column `{}` is missing", g.name))
        })?),
        None => None,
    };
    // Only the columns kept are decoded, and what the file declares of them is checked first.
    let mut kept: Vec<usize> = attributes
        .iter()
        .map(|(i, _)| *i)
        .chain(geometry_index)
        .collect();
    kept.sort_unstable();
    let projection = ProjectionMask::roots(loaded.parquet_schema(), kept.iter().copied());
    let whole = part_rows == usize::MAX && selection.is_none();
    let plan = guard::check(&source, path, loaded.metadata(), &projection, limits, whole)?;
    // A kept column's place in the projected batch.
    let position = |i: usize| kept.partition_point(|&k| k < i);
    let attribute_at: Vec<usize> = attributes.iter().map(|(i, _)| position(*i)).collect();
    let geometry_at = geometry_index.map(position);
    let views = ArrowReaderOptions::new().with_schema(Arc::new(as_views(&schema)));
    let metadata = ArrowReaderMetadata::try_new(loaded.metadata().clone(), views)
        .map_err(|e| IoError::file(path, format!("Parquet: {e}")))?;
    let columns: Vec<Column> = attributes.iter().map(|(_, c)| c.clone()).collect();
    let empty = || Table::new(&layer_name(path), columns.clone(), geo.is_some());
    let mut table = empty();
    let mut first = 0;
    let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(source, metadata)
        .with_projection(projection)
        .with_batch_size(plan.batch_rows);
    if let Some(selection) = selection {
        builder = builder.with_row_selection(selection);
    }
    let reader = builder
        .build()
        .map_err(|e| IoError::file(path, format!("Parquet: {e}")))?;
    // Bytes of decoded values held (in this part) and decoded in all.
    let (mut held, mut decoded) = (0u64, 0u64);
    for batch in reader {
        let batch = batch.map_err(|e| IoError::file(path, format!("Parquet: {e}")))?;
        let geometries = match (&geo, geometry_at) {
            (Some(g), Some(at)) => Some(
                GeometryColumn::new(batch.column(at).as_ref(), g.native)
                    .map_err(|e| IoError::file(path, format!("column `{}`: {e}", g.name)))?,
            ),
            _ => None,
        };
        for row in 0..batch.num_rows() {
            let values: Vec<Value> = attributes
                .iter()
                .zip(&attribute_at)
                .map(|((_, c), at)| value_at(batch.column(*at).as_ref(), row, c.kind))
                .collect();
            let index = first + table.len();
            let geometry = geometries.as_ref().and_then(|g| match g.geometry(row) {
                Ok(g) => g,
                Err(e) => {
                    problems.push(Problem::geometry(path, index, e));
                    None
                }
            });
            let bytes = decoded_size(&values, geometry.as_ref());
            held += bytes;
            decoded += bytes;
            if held > limits.decoded_bytes {
                return Err(IoError::file(
                    path,
                    format!(
                        "row {index}: the rows read so far decode to {held} bytes, {}",
                        over("decoded_bytes", limits.decoded_bytes)
                    ),
                ));
            }
            if decoded > plan.work {
                return Err(IoError::file(
                    path,
                    format!(
                        "row {index}: the rows read so far decode to {decoded} bytes from {} bytes ({}:1), {}",
                        plan.file_len,
                        decoded / plan.file_len.max(1),
                        over("decompression_ratio", limits.decompression_ratio)
                    ),
                ));
            }
            table.push(values, geometry);
        }
        if table.len() >= part_rows {
            let rows = table.len();
            let part = ReadResult {
                table: std::mem::replace(&mut table, empty()),
                problems: std::mem::take(&mut problems),
            };
            sink(first, part)?;
            first += rows;
            held = 0;
        }
    }
    if first == 0 || !table.is_empty() {
        sink(first, ReadResult { table, problems })?;
    }
    Ok(())
}

/// `schema` with strings and binaries read as views of their pages' bytes: a dictionary value
/// repeated in every row is then not copied per row inside Arrow, where no limit could stop it
/// (the rows' values are counted as they are taken out).
fn as_views(schema: &Schema) -> Schema {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|field| {
            let viewed = match field.data_type() {
                DataType::Utf8 | DataType::LargeUtf8 => DataType::Utf8View,
                DataType::Binary | DataType::LargeBinary => DataType::BinaryView,
                DataType::Dictionary(_, values) => match values.as_ref() {
                    DataType::Utf8 | DataType::LargeUtf8 => DataType::Utf8View,
                    DataType::Binary | DataType::LargeBinary => DataType::BinaryView,
                    _ => field.data_type().clone(),
                },
                other => other.clone(),
            };
            field.as_ref().clone().with_data_type(viewed)
        })
        .collect();
    Schema::new_with_metadata(fields, schema.metadata().clone())
}

/// The memory a row's values take, as counted against the limits.
fn decoded_size(values: &[Value], geometry: Option<&Geometry>) -> u64 {
    let text: usize = values
        .iter()
        .map(|v| match v {
            Value::Text(t) => t.len(),
            _ => 0,
        })
        .sum();
    let coordinates = geometry.map_or(0, CoordsIter::coords_count);
    (std::mem::size_of_val(values)
        + text
        + std::mem::size_of::<Option<Geometry>>()
        + coordinates * std::mem::size_of::<geo::Coord>()) as u64
}

/// The geometries of one batch, WKB or native.
enum GeometryColumn<'a> {
    Wkb(&'a dyn Array),
    Native(NativeReader<'a>),
}

impl<'a> GeometryColumn<'a> {
    fn new(array: &'a dyn Array, native: Option<Native>) -> Result<Self, String> {
        match native {
            Some(n) => n.reader(array).map(GeometryColumn::Native),
            None => match array.data_type() {
                DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
                    Ok(GeometryColumn::Wkb(array))
                }
                other => Err(format!("WKB must be binary, found {other}")),
            },
        }
    }

    fn geometry(&self, row: usize) -> Result<Option<Geometry>, String> {
        match self {
            GeometryColumn::Native(reader) => Ok(reader.geometry(row)),
            GeometryColumn::Wkb(array) => {
                if array.is_null(row) {
                    return Ok(None);
                }
                let blob = match array.data_type() {
                    DataType::Binary => array.as_binary::<i32>().value(row),
                    DataType::LargeBinary => array.as_binary::<i64>().value(row),
                    _ => array.as_binary_view().value(row),
                };
                read_wkb(blob)
            }
        }
    }
}

/// The column type an Arrow type is read as (`None`: not read).
fn column_type(data_type: &DataType) -> Option<ColumnType> {
    use DataType::*;
    match data_type {
        Boolean => Some(ColumnType::Bool),
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 => Some(ColumnType::Int),
        Float32 | Float64 => Some(ColumnType::Real),
        Utf8 | LargeUtf8 | Utf8View => Some(ColumnType::Text),
        Dictionary(_, values) if column_type(values) == Some(ColumnType::Text) => {
            Some(ColumnType::Text)
        }
        _ => None,
    }
}

/// Row `row` of an array of a type [`column_type`] reads.
fn value_at(array: &dyn Array, row: usize, kind: ColumnType) -> Value {
    if array.is_null(row) {
        return Value::Null;
    }
    macro_rules! int {
        ($t:ty) => {
            i64::try_from(array.as_primitive::<$t>().value(row)).map_or(Value::Null, Value::Int)
        };
    }
    match array.data_type() {
        DataType::Boolean => Value::Bool(array.as_boolean().value(row)),
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => int!(UInt64Type),
        DataType::Float32 => Value::Real(array.as_primitive::<Float32Type>().value(row) as f64),
        DataType::Float64 => Value::Real(array.as_primitive::<Float64Type>().value(row)),
        DataType::Utf8 => Value::Text(array.as_string::<i32>().value(row).to_string()),
        DataType::LargeUtf8 => Value::Text(array.as_string::<i64>().value(row).to_string()),
        DataType::Utf8View => Value::Text(array.as_string_view().value(row).to_string()),
        DataType::Dictionary(_, _) if kind == ColumnType::Text => {
            let dictionary = array.as_any_dictionary();
            match value_at(dictionary.keys(), row, ColumnType::Int) {
                Value::Int(key) => value_at(dictionary.values().as_ref(), key as usize, kind),
                _ => Value::Null,
            }
        }
        _ => Value::Null,
    }
}

/// What a reader sees of a (Geo)Parquet file without reading its rows.
#[derive(Debug)]
pub struct FileInfo {
    /// The `geo` metadata (`None` for plain Parquet).
    pub geo: Option<Json>,
    pub row_groups: usize,
    pub rows: i64,
}

/// The metadata of a file: its `geo` entry and row groups.
pub fn file_info(path: &Path) -> Result<FileInfo, IoError> {
    without_panics(path, || file_info_unguarded(path))
}

fn file_info_unguarded(path: &Path) -> Result<FileInfo, IoError> {
    let file = File::open(path).map_err(|e| IoError::file(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| IoError::file(path, format!("not a readable Parquet file: {e}")))?;
    let metadata = builder.metadata();
    let geo = geo_entry(metadata)
        .map(|g| serde_json::from_str::<Json>(&g))
        .transpose()
        .map_err(|e| IoError::file(path, format!("GeoParquet `geo` metadata: {e}")))?;
    Ok(FileInfo {
        geo,
        row_groups: metadata.num_row_groups(),
        rows: metadata.file_metadata().num_rows(),
    })
}

/// The EPSG code of a GeoParquet file's primary geometry column: `Ok(None)` for plain Parquet,
/// 4326 when the column gives no `crs` (GeoParquet's default, OGC:CRS84), an error when its CRS
/// has no EPSG id (a `null` crs is "unknown").
pub fn epsg(path: &Path) -> Result<Option<u16>, IoError> {
    let Some(geo) = file_info(path)?.geo else {
        return Ok(None);
    };
    let primary = geo["primary_column"].as_str().unwrap_or(GEOMETRY);
    let column = &geo["columns"][primary];
    match column.get("crs") {
        None => Ok(Some(4326)),
        Some(crs) => projjson::epsg_code(crs).map(Some).ok_or_else(|| {
            IoError::file(
                path,
                "the geometry column's CRS has no EPSG id (or is unknown): give the layer an EPSG CRS, e.g. with `borderscape convert --to-datum`",
            )
        }),
    }
}

fn geo_entry(metadata: &ParquetMetaData) -> Option<String> {
    metadata
        .file_metadata()
        .key_value_metadata()?
        .iter()
        .find(|e| e.key == "geo")?
        .value
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{point, polygon};
    use serde_json::json;

    fn sample() -> Table {
        let mut table = Table::new(
            "zones",
            vec![
                Column::text("id", "zone id"),
                Column::new("area_ha", ColumnType::Real, Some("ha"), "area"),
                Column::new("count", ColumnType::Int, None, ""),
                Column::new("ok", ColumnType::Bool, None, ""),
                Column::new("mixed", ColumnType::Int, None, "integers and a real"),
            ],
            true,
        );
        let square = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 0.)];
        table.push(
            vec![
                "a".into(),
                1.5.into(),
                3i64.into(),
                true.into(),
                1i64.into(),
            ],
            Some(square.into()),
        );
        table.push(
            vec![
                Value::Null,
                f64::NAN.into(),
                Value::Null,
                false.into(),
                2.5.into(),
            ],
            None,
        );
        table.push(
            vec![
                "中文".into(),
                0.0.into(),
                (-7i64).into(),
                Value::Null,
                Value::Null,
            ],
            Some(point!(x: 120.5, y: 31.25).into()),
        );
        table
    }

    #[test]
    fn a_table_round_trips_with_units_nulls_and_row_groups() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zones.parquet");
        let options = WriteOptions {
            row_group_rows: 2,
            ..Default::default()
        };
        write(&path, &sample(), Srs::WGS84, &options).unwrap();
        let read = read(&path, &Limits::default()).unwrap();
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let (back, original) = (read.table, sample());
        assert_eq!(back.geometries, original.geometries);
        assert_eq!(back.columns[1].unit.as_deref(), Some("ha"));
        assert_eq!(
            back.columns[4].kind,
            ColumnType::Real,
            "promoted to hold 2.5"
        );
        assert_eq!(back.rows[0][4], Value::Real(1.0));
        assert_eq!(
            back.rows[1][1],
            Value::Null,
            "NaN is written as null, as in GeoPackage"
        );
        assert_eq!(back.rows[2][0], Value::Text("中文".into()));
        let info = file_info(&path).unwrap();
        assert_eq!((info.row_groups, info.rows), (2, 3));
        let geo = info.geo.unwrap();
        let column = &geo["columns"]["geometry"];
        assert_eq!(geo["version"], "1.1.0");
        assert_eq!(column["geometry_types"], json!(["Point", "Polygon"]));
        assert_eq!(column["bbox"], json!([0.0, 0.0, 120.5, 31.25]));
        assert_eq!(column["covering"]["bbox"]["xmax"], json!(["bbox", "xmax"]));
        assert_eq!(projjson::epsg_code(&column["crs"]), Some(4326));
    }

    #[test]
    fn tables_without_geometry_are_plain_parquet() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("table.parquet");
        let mut table = sample();
        table.geometries = None;
        write(&path, &table, Srs::WGS84, &WriteOptions::default()).unwrap();
        assert!(file_info(&path).unwrap().geo.is_none());
        let back = read(&path, &Limits::default()).unwrap().table;
        assert!(back.geometries.is_none());
        assert_eq!(back.len(), 3);
    }

    #[test]
    fn unreadable_files_and_metadata_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.parquet");
        std::fs::write(&path, b"PAR1 not really").unwrap();
        let err = read(&path, &Limits::default()).unwrap_err().to_string();
        assert!(
            err.contains("broken.parquet") && err.contains("Parquet"),
            "{err}"
        );
        let bad = geo_column(
            &path,
            r#"{"primary_column": "geom", "columns": {"geom": {"encoding": "ewkb"}}}"#,
        );
        let err = bad.err().unwrap().to_string();
        assert!(err.contains("`geom`") && err.contains("ewkb"), "{err}");
    }

    #[test]
    fn native_output_needs_one_geometry_dimension() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mixed.parquet");
        let options = WriteOptions {
            encoding: GeometryEncoding::GeoArrow,
            ..Default::default()
        };
        let err = write(&path, &sample(), Srs::WGS84, &options)
            .unwrap_err()
            .to_string();
        assert!(err.contains("WKB"), "{err}");
        assert!(!path.exists(), "nothing is left behind");
    }
}
