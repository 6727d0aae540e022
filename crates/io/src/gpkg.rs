//! GeoPackage (OGC 12-128, version 1.3) reader and writer on SQLite.
//!
//! The writer creates the required metadata tables, one feature table per spatial [`Table`]
//! (with an R-tree spatial index and its maintenance triggers, the `gpkg_rtree_index` extension)
//! and one `attributes` table per non-spatial one. Geometries are stored as GeoPackage binary:
//! the `GP` header with an xy envelope, then little-endian WKB. Files open in GDAL/QGIS; the
//! tests check that with `ogrinfo`.

use std::collections::HashMap;
use std::path::Path;

use borderscape_core::crs::epsg_wkt;
use borderscape_core::geometry::union_rect;
use borderscape_core::table::{Column, ColumnType, Table, Value};
use geo::{BoundingRect, Geometry};
use geo_traits::to_geo::ToGeoGeometry;
use rusqlite::{params, Connection, OptionalExtension};

use crate::atomic::write_file_atomically;
use crate::error::{IoError, Problem, Severity};
use crate::features::ReadResult;

/// `GPKG` in ASCII, the SQLite application id of a GeoPackage.
const APPLICATION_ID: i32 = 0x4750_4B47;
/// GeoPackage 1.3.0: what GDAL 3.6 (Debian 12) reads without a warning; the tables written
/// here are the same in 1.3 and 1.4.
const USER_VERSION: i32 = 10300;

/// The spatial reference system of the geometries written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Srs {
    pub epsg: u16,
}

impl Srs {
    pub const WGS84: Srs = Srs { epsg: 4326 };
    /// Coordinates in a CRS without EPSG code (the analysis CRS between the partitions of one
    /// run): GeoParquet's `crs: null`, "unknown".
    pub const UNKNOWN: Srs = Srs { epsg: 0 };
}

fn sql_error(path: &Path) -> impl Fn(rusqlite::Error) -> IoError + '_ {
    move |e| IoError::file(path, format!("SQLite: {e}"))
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

const METADATA_SQL: &str = "
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
  scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
CREATE TABLE gpkg_data_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT,
  mime_type TEXT, constraint_name TEXT,
  CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
  CONSTRAINT gdc_tn UNIQUE (table_name, name));
CREATE TABLE gpkg_data_column_constraints (
  constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT, min NUMERIC,
  min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN, description TEXT,
  CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value));
INSERT INTO gpkg_extensions VALUES ('gpkg_data_columns', NULL, 'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema', 'read-write');
INSERT INTO gpkg_extensions VALUES ('gpkg_data_column_constraints', NULL, 'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema', 'read-write');
";

/// The R-tree maintenance triggers of the spec (Annex F.3), for table `t` and column `c`.
fn rtree_triggers(t: &str, c: &str) -> String {
    let rt = format!("rtree_{t}_{c}");
    let (qt, qc, qrt) = (quote(t), quote(c), quote(&rt));
    let trigger = |suffix: &str| quote(&format!("{rt}_{suffix}"));
    format!(
        "CREATE TRIGGER {ins} AFTER INSERT ON {qt} WHEN (new.{qc} NOT NULL AND NOT ST_IsEmpty(NEW.{qc}))
BEGIN INSERT OR REPLACE INTO {qrt} VALUES (NEW.fid, ST_MinX(NEW.{qc}), ST_MaxX(NEW.{qc}), ST_MinY(NEW.{qc}), ST_MaxY(NEW.{qc})); END;
CREATE TRIGGER {up1} AFTER UPDATE OF {qc} ON {qt} WHEN OLD.fid = NEW.fid AND (NEW.{qc} NOTNULL AND NOT ST_IsEmpty(NEW.{qc}))
BEGIN INSERT OR REPLACE INTO {qrt} VALUES (NEW.fid, ST_MinX(NEW.{qc}), ST_MaxX(NEW.{qc}), ST_MinY(NEW.{qc}), ST_MaxY(NEW.{qc})); END;
CREATE TRIGGER {up2} AFTER UPDATE OF {qc} ON {qt} WHEN OLD.fid = NEW.fid AND (NEW.{qc} ISNULL OR ST_IsEmpty(NEW.{qc}))
BEGIN DELETE FROM {qrt} WHERE id = OLD.fid; END;
CREATE TRIGGER {up3} AFTER UPDATE ON {qt} WHEN OLD.fid != NEW.fid AND (NEW.{qc} NOTNULL AND NOT ST_IsEmpty(NEW.{qc}))
BEGIN DELETE FROM {qrt} WHERE id = OLD.fid;
INSERT OR REPLACE INTO {qrt} VALUES (NEW.fid, ST_MinX(NEW.{qc}), ST_MaxX(NEW.{qc}), ST_MinY(NEW.{qc}), ST_MaxY(NEW.{qc})); END;
CREATE TRIGGER {up4} AFTER UPDATE ON {qt} WHEN OLD.fid != NEW.fid AND (NEW.{qc} ISNULL OR ST_IsEmpty(NEW.{qc}))
BEGIN DELETE FROM {qrt} WHERE id IN (OLD.fid, NEW.fid); END;
CREATE TRIGGER {del} AFTER DELETE ON {qt} WHEN old.{qc} NOT NULL
BEGIN DELETE FROM {qrt} WHERE id = OLD.fid; END;",
        ins = trigger("insert"),
        up1 = trigger("update1"),
        up2 = trigger("update2"),
        up3 = trigger("update3"),
        up4 = trigger("update4"),
        del = trigger("delete"),
    )
}

fn sql_type(kind: ColumnType) -> &'static str {
    match kind {
        ColumnType::Bool => "BOOLEAN",
        ColumnType::Int => "INTEGER",
        ColumnType::Real => "REAL",
        ColumnType::Text => "TEXT",
    }
}

fn geometry_type_name(g: &Geometry) -> &'static str {
    match g {
        Geometry::Point(_) => "POINT",
        Geometry::LineString(_) | Geometry::Line(_) => "LINESTRING",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "POLYGON",
        Geometry::MultiPoint(_) => "MULTIPOINT",
        Geometry::MultiLineString(_) => "MULTILINESTRING",
        Geometry::MultiPolygon(_) => "MULTIPOLYGON",
        Geometry::GeometryCollection(_) => "GEOMETRYCOLLECTION",
    }
}

/// The kind of a geometry, for splitting a table that mixes kinds into one layer per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    Polygons,
    Lines,
    Points,
    Collections,
}

impl Shape {
    pub const ALL: [Shape; 4] = [
        Shape::Polygons,
        Shape::Lines,
        Shape::Points,
        Shape::Collections,
    ];

    fn of(g: &Geometry) -> Shape {
        match g {
            Geometry::Polygon(_)
            | Geometry::MultiPolygon(_)
            | Geometry::Rect(_)
            | Geometry::Triangle(_) => Shape::Polygons,
            Geometry::LineString(_) | Geometry::Line(_) | Geometry::MultiLineString(_) => {
                Shape::Lines
            }
            Geometry::Point(_) | Geometry::MultiPoint(_) => Shape::Points,
            Geometry::GeometryCollection(_) => Shape::Collections,
        }
    }

    /// The suffix of its layer's name (`conflicts_polygons`).
    pub fn suffix(self) -> &'static str {
        match self {
            Shape::Polygons => "polygons",
            Shape::Lines => "lines",
            Shape::Points => "points",
            Shape::Collections => "collections",
        }
    }

    fn multi_type(self) -> &'static str {
        match self {
            Shape::Polygons => "MULTIPOLYGON",
            Shape::Lines => "MULTILINESTRING",
            Shape::Points => "MULTIPOINT",
            Shape::Collections => "GEOMETRYCOLLECTION",
        }
    }

    /// The `gpkg_contents` description of a part, which also marks it as one when read back.
    fn description(self, table: &str) -> String {
        format!(
            "{} of {table}: {table} mixes geometry types, so each type is a layer of its own (tables/{table}.csv holds every row)",
            self.suffix()
        )
    }
}

/// One GeoPackage layer of a table: the rows it holds (their fids are the table's row numbers,
/// from 1) and, for a feature layer, its declared geometry type.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub name: String,
    pub shape: Option<Shape>,
    /// `POINT`, `MULTIPOLYGON`, …; `None` for an attribute table.
    pub geometry_type: Option<&'static str>,
    pub rows: Vec<usize>,
    /// Set for the layers of a split table.
    split_of: Option<Shape>,
}

/// The layers a table is written as. A table whose geometries are all of one kind (polygons,
/// lines, points) is one layer under its own name; one that mixes kinds is one layer per kind,
/// `{name}_polygons`, `{name}_lines`, `{name}_points` (`{name}_collections`), because QGIS opens a
/// layer of type GEOMETRY only through a sub-layer dialog and styles it by one symbol type.
/// Rows without a geometry go with the first layer. Single and multi geometries of one kind
/// make a layer of the multi type (the singles are written as multis of one).
pub fn layer_parts(table: &Table) -> Vec<Part> {
    let all = || (0..table.len()).collect::<Vec<_>>();
    let Some(geometries) = &table.geometries else {
        return vec![Part {
            name: table.name.clone(),
            shape: None,
            geometry_type: None,
            rows: all(),
            split_of: None,
        }];
    };
    let shapes: std::collections::BTreeSet<Shape> =
        geometries.iter().flatten().map(Shape::of).collect();
    let declared = |rows: &[usize], shape: Option<Shape>| {
        let mut names = rows
            .iter()
            .filter_map(|&i| geometries[i].as_ref())
            .map(geometry_type_name);
        match (names.next(), shape) {
            (Some(first), _) if names.all(|n| n == first) => first,
            (Some(_), Some(shape)) => shape.multi_type(),
            _ => "GEOMETRY",
        }
    };
    if shapes.len() <= 1 {
        let rows = all();
        let shape = shapes.first().copied();
        return vec![Part {
            name: table.name.clone(),
            shape,
            geometry_type: Some(declared(&rows, shape)),
            rows,
            split_of: None,
        }];
    }
    let first = *shapes.first().expect("two or more");
    shapes
        .iter()
        .map(|&shape| {
            let rows: Vec<usize> = (0..table.len())
                .filter(|&i| match &geometries[i] {
                    Some(g) => Shape::of(g) == shape,
                    None => shape == first,
                })
                .collect();
            Part {
                name: format!("{}_{}", table.name, shape.suffix()),
                shape: Some(shape),
                geometry_type: Some(declared(&rows, Some(shape))),
                rows,
                split_of: Some(shape),
            }
        })
        .collect()
}

/// A geometry as its layer declares it: a single one in a layer of the multi type as a multi
/// of one.
fn as_declared<'g>(g: &'g Geometry, declared: &str) -> std::borrow::Cow<'g, Geometry> {
    use std::borrow::Cow;
    match (g, declared) {
        (Geometry::Polygon(p), "MULTIPOLYGON") => {
            Cow::Owned(geo::MultiPolygon::new(vec![p.clone()]).into())
        }
        (Geometry::LineString(l), "MULTILINESTRING") => {
            Cow::Owned(geo::MultiLineString::new(vec![l.clone()]).into())
        }
        (Geometry::Point(p), "MULTIPOINT") => Cow::Owned(geo::MultiPoint::new(vec![*p]).into()),
        _ => Cow::Borrowed(g),
    }
}

/// Encodes a geometry as a GeoPackage binary blob.
pub fn encode_geometry(g: &Geometry, srs_id: i32) -> Result<Vec<u8>, IoError> {
    let mut blob = Vec::with_capacity(64);
    blob.extend_from_slice(b"GP");
    blob.push(0); // version 1
    match g.bounding_rect() {
        Some(r) => {
            blob.push(0b0000_0011); // little endian, envelope [minx, maxx, miny, maxy]
            blob.extend_from_slice(&srs_id.to_le_bytes());
            for v in [r.min().x, r.max().x, r.min().y, r.max().y] {
                blob.extend_from_slice(&v.to_le_bytes());
            }
        }
        None => {
            blob.push(0b0001_0001); // little endian, empty, no envelope
            blob.extend_from_slice(&srs_id.to_le_bytes());
        }
    }
    write_wkb(&mut blob, g)?;
    Ok(blob)
}

/// Appends a geometry as ISO WKB (little endian) to `out`.
pub(crate) fn write_wkb(out: &mut Vec<u8>, g: &Geometry) -> Result<(), IoError> {
    let options = wkb::writer::WriteOptions {
        endianness: wkb::Endianness::LittleEndian,
    };
    wkb::writer::write_geometry(out, without_orphan_holes(g).as_ref(), &options)
        .map_err(|e| IoError::Internal(format!("WKB encoding failed: {e}")))
}

/// The geometry with the holes of polygons that have no exterior ring dropped (they are empty
/// polygons): the WKB writer counts no rings for an empty exterior but still writes the holes,
/// which makes a blob that no reader can follow.
fn without_orphan_holes(g: &Geometry) -> std::borrow::Cow<'_, Geometry> {
    fn fix(p: &geo::Polygon) -> geo::Polygon {
        if p.exterior().0.is_empty() {
            geo::Polygon::new(geo::LineString::new(Vec::new()), Vec::new())
        } else {
            p.clone()
        }
    }
    fn orphaned(p: &geo::Polygon) -> bool {
        p.exterior().0.is_empty() && !p.interiors().is_empty()
    }
    fn needs(g: &Geometry) -> bool {
        match g {
            Geometry::Polygon(p) => orphaned(p),
            Geometry::MultiPolygon(mp) => mp.0.iter().any(orphaned),
            Geometry::GeometryCollection(c) => c.0.iter().any(needs),
            _ => false,
        }
    }
    fn fixed(g: &Geometry) -> Geometry {
        match g {
            Geometry::Polygon(p) => Geometry::Polygon(fix(p)),
            Geometry::MultiPolygon(mp) => {
                Geometry::MultiPolygon(geo::MultiPolygon::new(mp.0.iter().map(fix).collect()))
            }
            Geometry::GeometryCollection(c) => Geometry::GeometryCollection(
                geo::GeometryCollection::new_from(c.0.iter().map(fixed).collect()),
            ),
            other => other.clone(),
        }
    }
    if needs(g) {
        std::borrow::Cow::Owned(fixed(g))
    } else {
        std::borrow::Cow::Borrowed(g)
    }
}

/// Decodes a GeoPackage binary blob (`None` for an empty geometry).
pub fn decode_geometry(blob: &[u8]) -> Result<Option<Geometry>, String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("not a GeoPackage geometry (no GP header)".into());
    }
    let flags = blob[3];
    if flags & 0b0010_0000 != 0 {
        return Err("extended GeoPackage geometries are not supported".into());
    }
    let envelope_bytes = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        other => return Err(format!("invalid envelope code {other}")),
    };
    let start = 8 + envelope_bytes;
    if blob.len() < start {
        return Err("truncated GeoPackage geometry header".into());
    }
    if flags & 0b0001_0000 != 0 && blob.len() == start {
        return Ok(None);
    }
    read_wkb(&blob[start..])
}

/// Decodes ISO WKB, checked first (`None` for an empty point or collection geo cannot hold).
pub(crate) fn read_wkb(body: &[u8]) -> Result<Option<Geometry>, String> {
    wkb_length(body, 0, None).map_err(|e| format!("invalid WKB: {e}"))?;
    let wkb = wkb::reader::read_wkb(body).map_err(|e| format!("invalid WKB: {e}"))?;
    Ok(wkb.try_to_geometry())
}

/// What a multi-geometry requires of its members: their type (0: any, in a collection), the
/// byte order and the number of coordinates per point.
#[derive(Clone, Copy)]
struct Member {
    kind: u32,
    little: bool,
    dims: usize,
}

/// Deepest nesting of geometry collections accepted in WKB.
const WKB_MAX_DEPTH: u8 = 32;

/// Walks a WKB geometry and returns its length in bytes, checking every count against the bytes
/// there are, every byte order and type code, and that the members of a multi-geometry are of
/// its member type, dimension and byte order, without SRIDs of their own. The wkb crate trusts
/// what it reads and panics (or reserves gigabytes) on a blob that lies, so no blob reaches it
/// unchecked. `expect`: what the enclosing multi-geometry requires of this member.
fn wkb_length(buf: &[u8], depth: u8, expect: Option<Member>) -> Result<usize, String> {
    if depth > WKB_MAX_DEPTH {
        return Err(format!("collections nested deeper than {WKB_MAX_DEPTH}"));
    }
    let little = match buf.first() {
        Some(0) => false,
        Some(1) => true,
        Some(b) => return Err(format!("byte order {b} (0 or 1 expected)")),
        None => return Err("truncated before a geometry".into()),
    };
    let mut walk = Walk { buf, little, at: 1 };
    let code = walk.word()?;
    let srid = code & 0x2000_0000 != 0;
    let flags = (code & 0x8000_0000 != 0) as usize + (code & 0x4000_0000 != 0) as usize;
    let iso = code & 0x0fff_ffff;
    let (kind, dims) = match (iso / 1000, iso % 1000) {
        (0, k) => (k, 2 + flags),
        (1 | 2, k) if flags == 0 => (k, 3),
        (3, k) if flags == 0 => (k, 4),
        _ => return Err(format!("unknown geometry type code {code}")),
    };
    if let Some(member) = expect {
        if (member.kind != 0 && kind != member.kind)
            || dims != member.dims
            || little != member.little
            || srid
        {
            return Err(format!(
                "a member (type {kind}, {dims} coordinates) that differs from its collection in type, coordinates, byte order or SRID"
            ));
        }
    }
    if srid {
        walk.skip(4)?;
    }
    let point = 8 * dims;
    match kind {
        1 => walk.skip(point)?,
        2 => walk.points(point)?,
        3 => {
            for _ in 0..walk.word()? {
                walk.points(point)?;
            }
        }
        4..=7 => {
            let members = walk.word()? as usize;
            // Every member needs at least a 5-byte header: a count beyond that is a lie.
            let left = buf.len() - walk.at;
            if members > left / 5 {
                return Err(format!("{members} members cannot fit in {left} bytes"));
            }
            let member = Member {
                kind: if kind == 7 { 0 } else { kind - 3 },
                little,
                dims,
            };
            for _ in 0..members {
                walk.at += wkb_length(&buf[walk.at..], depth + 1, Some(member))?;
            }
        }
        other => return Err(format!("unknown geometry type {other}")),
    }
    Ok(walk.at)
}

/// A position in a WKB blob being walked, every step checked against the blob's end.
struct Walk<'b> {
    buf: &'b [u8],
    little: bool,
    at: usize,
}

impl Walk<'_> {
    /// The 32-bit word here (a type code or a count), stepping over it.
    fn word(&mut self) -> Result<u32, String> {
        let bytes: [u8; 4] = self
            .buf
            .get(self.at..self.at + 4)
            .and_then(|b| b.try_into().ok())
            .ok_or("truncated count or type")?;
        self.at += 4;
        Ok(if self.little {
            u32::from_le_bytes(bytes)
        } else {
            u32::from_be_bytes(bytes)
        })
    }

    fn skip(&mut self, bytes: usize) -> Result<(), String> {
        self.at = self.at.checked_add(bytes).ok_or("length overflow")?;
        if self.at > self.buf.len() {
            return Err(format!(
                "counts ask for {} bytes; the blob has {}",
                self.at,
                self.buf.len()
            ));
        }
        Ok(())
    }

    /// A point count and that many points of `point` bytes.
    fn points(&mut self, point: usize) -> Result<(), String> {
        let n = self.word()? as usize;
        self.skip(n.checked_mul(point).ok_or("length overflow")?)
    }
}

/// A table value bound to a statement as it is, text borrowed rather than copied (a results
/// layer binds every string of its rows once).
struct Bound<'a>(&'a Value);

impl rusqlite::ToSql for Bound<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self.0 {
            Value::Null => ValueRef::Null,
            Value::Bool(b) => ValueRef::Integer(*b as i64),
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(r) if r.is_finite() => ValueRef::Real(*r),
            Value::Real(_) => ValueRef::Null,
            Value::Text(t) => ValueRef::Text(t.as_bytes()),
        }))
    }
}

/// Writes `tables` (geometries in `srs`) into a new GeoPackage at `path`, atomically.
pub fn write(path: &Path, tables: &[&Table], srs: Srs) -> Result<(), IoError> {
    write_file_atomically(path, |tmp| write_into(tmp, path, tables, srs, None))
}

/// Like [`write`], with `last_change` (ISO 8601, e.g. `2035-01-01T00:00:00.000Z`) in place of the
/// time of writing, so that the same content gives a byte-identical file (generated layers).
pub fn write_reproducible(
    path: &Path,
    tables: &[&Table],
    srs: Srs,
    last_change: &str,
) -> Result<(), IoError> {
    write_file_atomically(path, |tmp| {
        write_into(tmp, path, tables, srs, Some(last_change))
    })
}

fn write_into(
    tmp: &Path,
    path: &Path,
    tables: &[&Table],
    srs: Srs,
    last_change: Option<&str>,
) -> Result<(), IoError> {
    let err = sql_error(path);
    let mut conn = Connection::open(tmp).map_err(&err)?;
    conn.pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(&err)?;
    conn.pragma_update(None, "user_version", USER_VERSION)
        .map_err(&err)?;
    conn.pragma_update(None, "journal_mode", "OFF")
        .map_err(&err)?;
    conn.pragma_update(None, "synchronous", "OFF")
        .map_err(&err)?;
    let tx = conn.transaction().map_err(&err)?;
    tx.execute_batch(METADATA_SQL).map_err(&err)?;
    let wkt = epsg_wkt(srs.epsg)
        .ok_or_else(|| IoError::file(path, format!("EPSG:{} has no known definition", srs.epsg)))?;
    tx.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, 'EPSG', ?2, ?3, NULL)",
        params![format!("EPSG:{}", srs.epsg), srs.epsg as i64, wkt],
    )
    .map_err(&err)?;
    for table in tables {
        for part in layer_parts(table) {
            write_layer(&tx, table, &part, srs, path)?;
        }
    }
    if let Some(stamp) = last_change {
        tx.execute("UPDATE gpkg_contents SET last_change = ?1", params![stamp])
            .map_err(&err)?;
    }
    tx.commit().map_err(&err)?;
    conn.close().map_err(|(_, e)| err(e))?;
    Ok(())
}

/// Writes one layer of `table`: the rows of `part`, each with its row number (from 1) as fid.
fn write_layer(
    tx: &rusqlite::Transaction,
    table: &Table,
    part: &Part,
    srs: Srs,
    path: &Path,
) -> Result<(), IoError> {
    let err = sql_error(path);
    let name = &part.name;
    let mut defs = vec!["fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL".to_string()];
    if let Some(kind) = part.geometry_type {
        defs.push(format!("geom {kind}"));
    }
    defs.extend(
        table
            .columns
            .iter()
            .map(|c| format!("{} {}", quote(&c.name), sql_type(c.kind))),
    );
    tx.execute_batch(&format!(
        "CREATE TABLE {} ({});",
        quote(name),
        defs.join(", ")
    ))
    .map_err(&err)?;

    let spatial = part.geometry_type.is_some();
    let placeholders: Vec<String> = (1..=table.columns.len() + spatial as usize + 1)
        .map(|i| format!("?{i}"))
        .collect();
    let mut names = vec!["fid".to_string()];
    if spatial {
        names.push("geom".into());
    }
    names.extend(table.columns.iter().map(|c| quote(&c.name)));
    let mut insert = tx
        .prepare(&format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote(name),
            names.join(", "),
            placeholders.join(", ")
        ))
        .map_err(&err)?;
    let mut bounds: Option<geo::Rect> = None;
    for &i in &part.rows {
        // Bound in place, parameter by parameter: no row of values is built.
        insert.raw_bind_parameter(1, i as i64 + 1).map_err(&err)?;
        let mut next = 2;
        if let Some(declared) = part.geometry_type {
            let blob = match table.geometry(i) {
                Some(g) => {
                    if let Some(r) = g.bounding_rect() {
                        bounds = Some(bounds.map_or(r, |b| union_rect(b, r)));
                    }
                    let g = as_declared(g, declared);
                    Some(encode_geometry(&g, srs.epsg as i32)?)
                }
                None => None,
            };
            insert.raw_bind_parameter(2, blob).map_err(&err)?;
            next = 3;
        }
        for (k, value) in table.rows[i].iter().enumerate() {
            insert
                .raw_bind_parameter(next + k, Bound(value))
                .map_err(&err)?;
        }
        insert.raw_execute().map_err(&err)?;
    }
    drop(insert);

    write_column_metadata(tx, name, table, path)?;
    let description = part
        .split_of
        .map(|shape| shape.description(&table.name))
        .unwrap_or_default();
    if let Some(declared) = part.geometry_type {
        let (minx, miny, maxx, maxy) = bounds.map_or((None, None, None, None), |b| {
            (
                Some(b.min().x),
                Some(b.min().y),
                Some(b.max().x),
                Some(b.max().y),
            )
        });
        tx.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id)
             VALUES (?1, 'features', ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![name, description, minx, miny, maxx, maxy, srs.epsg as i64],
        )
        .map_err(&err)?;
        tx.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, ?3, 0, 0)",
            params![name, declared, srs.epsg as i64],
        )
        .map_err(&err)?;
        write_rtree(tx, table, part, path)?;
    } else {
        tx.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES (?1, 'attributes', ?1, ?2)",
            params![name, description],
        )
        .map_err(&err)?;
    }
    Ok(())
}

/// The title given to a column in `gpkg_data_columns`: its name, and its unit in brackets.
fn column_title(column: &Column) -> String {
    match &column.unit {
        Some(unit) => format!("{} ({unit})", column.name),
        None => column.name.clone(),
    }
}

/// Units and descriptions of the columns, in the GeoPackage schema extension (QGIS and GDAL
/// show them; [`read`] gives them back).
fn write_column_metadata(
    tx: &rusqlite::Transaction,
    layer: &str,
    table: &Table,
    path: &Path,
) -> Result<(), IoError> {
    let mut insert = tx
        .prepare("INSERT INTO gpkg_data_columns (table_name, column_name, name, title, description) VALUES (?1, ?2, ?2, ?3, ?4)")
        .map_err(sql_error(path))?;
    for column in &table.columns {
        insert
            .execute(params![
                layer,
                column.name,
                column_title(column),
                column.description
            ])
            .map_err(sql_error(path))?;
    }
    Ok(())
}

/// Units and descriptions by column name, from `gpkg_data_columns` if the file has it.
fn read_column_metadata(
    conn: &Connection,
    table: &str,
) -> HashMap<String, (Option<String>, String)> {
    let Ok(mut stmt) = conn.prepare(
        "SELECT column_name, coalesce(title, ''), coalesce(description, '') FROM gpkg_data_columns WHERE table_name = ?1",
    ) else {
        return HashMap::new();
    };
    let rows = stmt.query_map([table], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    });
    rows.map(|rows| {
        rows.flatten()
            .map(|(column, title, description)| {
                let unit = title
                    .strip_prefix(&format!("{column} ("))
                    .and_then(|rest| rest.strip_suffix(')'))
                    .map(str::to_string);
                (column, (unit, description))
            })
            .collect()
    })
    .unwrap_or_default()
}

fn write_rtree(
    tx: &rusqlite::Transaction,
    table: &Table,
    part: &Part,
    path: &Path,
) -> Result<(), IoError> {
    let err = sql_error(path);
    let rtree = quote(&format!("rtree_{}_geom", part.name));
    tx.execute_batch(&format!(
        "CREATE VIRTUAL TABLE {rtree} USING rtree(id, minx, maxx, miny, maxy);"
    ))
    .map_err(&err)?;
    let mut insert = tx
        .prepare(&format!("INSERT INTO {rtree} VALUES (?1, ?2, ?3, ?4, ?5)"))
        .map_err(&err)?;
    for &i in &part.rows {
        if let Some(r) = table.geometry(i).and_then(|g| g.bounding_rect()) {
            insert
                .execute(params![
                    i as i64 + 1,
                    r.min().x,
                    r.max().x,
                    r.min().y,
                    r.max().y
                ])
                .map_err(&err)?;
        }
    }
    drop(insert);
    tx.execute(
        "INSERT INTO gpkg_extensions VALUES (?1, 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        params![part.name],
    )
    .map_err(&err)?;
    tx.execute_batch(&rtree_triggers(&part.name, "geom"))
        .map_err(&err)?;
    Ok(())
}

/// The layers (tables) listed in a GeoPackage's `gpkg_contents`, with their data type.
pub fn list_layers(path: &Path) -> Result<Vec<(String, String)>, IoError> {
    let conn = open_read_only(path)?;
    let mut stmt = conn
        .prepare("SELECT table_name, data_type FROM gpkg_contents ORDER BY table_name")
        .map_err(sql_error(path))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(sql_error(path))?;
    rows.collect::<Result<_, _>>().map_err(sql_error(path))
}

/// The SRS id of a feature layer's geometry column (`None` for an attribute table).
pub fn layer_srs_id(path: &Path, layer: &str) -> Result<Option<i64>, IoError> {
    open_read_only(path)?
        .query_row(
            "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?1",
            [layer],
            |r| r.get(0),
        )
        .optional()
        .map_err(sql_error(path))
}

fn open_read_only(path: &Path) -> Result<Connection, IoError> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(sql_error(path))?;
    let is_gpkg: Option<i64> = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'gpkg_contents'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| IoError::file(path, format!("not a GeoPackage: {e}")))?;
    if is_gpkg != Some(1) {
        return Err(IoError::file(
            path,
            "not a GeoPackage (no gpkg_contents table)",
        ));
    }
    Ok(conn)
}

/// The layer the reader reads: the named one, else the only one, else the one named like the file.
fn chosen_layer(path: &Path, layer: Option<&str>) -> Result<String, IoError> {
    let layers = list_layers(path)?;
    let stem = crate::features::layer_name(path);
    let chosen = match layer {
        Some(name) => layers.iter().find(|(n, _)| n == name),
        None if layers.len() == 1 => layers.first(),
        None => layers.iter().find(|(n, _)| *n == stem),
    };
    match chosen {
        Some((name, _)) => Ok(name.clone()),
        None => {
            let names: Vec<&str> = layers.iter().map(|(n, _)| n.as_str()).collect();
            Err(IoError::file(
                path,
                format!(
                    "choose a layer (`layer = ...`): it has {}",
                    names.join(", ")
                ),
            ))
        }
    }
}

/// Reads one layer of a GeoPackage: the named one, else the only one, else the one named like the file.
pub fn read(path: &Path, layer: Option<&str>) -> Result<ReadResult, IoError> {
    Ok(read_layer(path, &chosen_layer(path, layer)?)?.0)
}

/// A feature layer's SRS as `gpkg_spatial_ref_sys` defines it.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSrs {
    pub srs_id: i64,
    /// `None` when `srs_id` is missing from `gpkg_spatial_ref_sys`.
    pub organization: Option<String>,
    pub code: Option<i64>,
    pub definition: Option<String>,
}

/// The SRS of the layer [`read`] reads (`None` for an attribute table).
pub fn layer_srs(path: &Path, layer: Option<&str>) -> Result<Option<LayerSrs>, IoError> {
    let name = chosen_layer(path, layer)?;
    // Columns typed loosely by other writers are read as whatever they hold.
    let text = |v: rusqlite::types::ValueRef| match v {
        rusqlite::types::ValueRef::Null => None,
        other => Some(from_sql(other, ColumnType::Text).to_text()),
    };
    open_read_only(path)?
        .query_row(
            "SELECT g.srs_id, s.organization, s.organization_coordsys_id, s.definition
             FROM gpkg_geometry_columns g LEFT JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id
             WHERE g.table_name = ?1",
            [&name],
            |r| {
                Ok(LayerSrs {
                    srs_id: r.get(0)?,
                    organization: text(r.get_ref(1)?),
                    code: text(r.get_ref(2)?).and_then(|c| c.trim().parse().ok()),
                    definition: text(r.get_ref(3)?),
                })
            },
        )
        .optional()
        .map_err(sql_error(path))
}

/// Every layer of a GeoPackage written by [`write`], the layers of a split table (see
/// [`layer_parts`]) joined back into that table in its row order; problems are dropped (the
/// caller reads its own results).
pub fn read_all(path: &Path) -> Result<Vec<Table>, IoError> {
    let conn = open_read_only(path)?;
    let mut stmt = conn
        .prepare(
            "SELECT table_name, coalesce(description, '') FROM gpkg_contents ORDER BY table_name",
        )
        .map_err(sql_error(path))?;
    let layers: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(sql_error(path))?
        .collect::<Result<_, _>>()
        .map_err(sql_error(path))?;
    let names: std::collections::HashSet<&str> = layers.iter().map(|(n, _)| n.as_str()).collect();
    // Split tables by name, each with its parts' rows keyed by fid.
    let mut joined: std::collections::BTreeMap<String, Vec<FidRow>> = Default::default();
    let mut templates: HashMap<String, Table> = HashMap::new();
    let mut tables = Vec::new();
    for (name, description) in &layers {
        let base = Shape::ALL.iter().find_map(|shape| {
            let base = name.strip_suffix(shape.suffix())?.strip_suffix('_')?;
            (!names.contains(base) && *description == shape.description(base)).then_some(base)
        });
        let (read, fids) = read_layer(path, name)?;
        let Some(base) = base else {
            tables.push(read.table);
            continue;
        };
        let mut table = read.table;
        if let Some(first) = templates.get(base) {
            let names = |t: &Table| t.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
            if names(first) != names(&table) {
                return Err(IoError::file(
                    path,
                    format!("layer `{name}` has other columns than the other layers of `{base}`"),
                ));
            }
        }
        let geometries = table.geometries.take().unwrap_or_default();
        let rows = std::mem::take(&mut table.rows);
        joined.entry(base.to_string()).or_default().extend(
            fids.into_iter()
                .zip(rows)
                .zip(geometries)
                .map(|((f, r), g)| (f, r, g)),
        );
        table.name = base.to_string();
        table.geometries = Some(Vec::new());
        templates.entry(base.to_string()).or_insert(table);
    }
    for (base, mut rows) in joined {
        let mut table = templates.remove(&base).expect("a template per split table");
        rows.sort_by_key(|(fid, _, _)| *fid);
        for (_, row, geometry) in rows {
            table.push(row, geometry);
        }
        tables.push(table);
    }
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(tables)
}

/// A row of a layer with its fid and geometry.
type FidRow = (i64, Vec<Value>, Option<Geometry>);

/// One layer by name, with the fid of each row.
fn read_layer(path: &Path, name: &str) -> Result<(ReadResult, Vec<i64>), IoError> {
    let conn = open_read_only(path)?;
    let err = sql_error(path);
    let geometry_column: Option<String> = conn
        .query_row(
            "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()
        .map_err(&err)?;
    let mut info = conn
        .prepare(&format!("PRAGMA table_info({})", quote(name)))
        .map_err(&err)?;
    let table_columns: Vec<(String, String, bool)> = info
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(5)? > 0,
            ))
        })
        .map_err(&err)?
        .collect::<Result<_, _>>()
        .map_err(&err)?;
    let attributes: Vec<&(String, String, bool)> = table_columns
        .iter()
        .filter(|(n, _, pk)| !pk && Some(n) != geometry_column.as_ref())
        .collect();
    let metadata = read_column_metadata(&conn, name);
    let columns: Vec<Column> = attributes
        .iter()
        .map(|(n, t, _)| {
            let t = t.to_ascii_uppercase();
            let kind = if t.contains("INT") && !t.contains("POINT") {
                ColumnType::Int
            } else if t.contains("REAL") || t.contains("DOUBLE") || t.contains("FLOAT") {
                ColumnType::Real
            } else if t.contains("BOOL") {
                ColumnType::Bool
            } else {
                ColumnType::Text
            };
            let (unit, description) = metadata.get(n.as_str()).cloned().unwrap_or_default();
            let mut column = Column::new(n, kind, None, &description);
            column.unit = unit;
            column
        })
        .collect();
    let mut select: Vec<String> = attributes.iter().map(|(n, _, _)| quote(n)).collect();
    if let Some(g) = &geometry_column {
        select.push(quote(g));
    }
    select.push("rowid".into());
    let select = select.join(", ");
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {select} FROM {} ORDER BY rowid",
            quote(name)
        ))
        .map_err(&err)?;
    let mut table = Table::new(name, columns, geometry_column.is_some());
    let mut problems = Vec::new();
    let mut fids = Vec::new();
    let mut rows = stmt.query([]).map_err(&err)?;
    let mut index = 0;
    while let Some(row) = rows.next().map_err(&err)? {
        let mut values = Vec::with_capacity(table.columns.len());
        for (c, col) in table.columns.iter().enumerate() {
            values.push(from_sql(row.get_ref(c).map_err(&err)?, col.kind));
        }
        let geometry = match &geometry_column {
            Some(g) => match row.get_ref(table.columns.len()).map_err(&err)? {
                rusqlite::types::ValueRef::Blob(blob) => {
                    decode_geometry(blob).unwrap_or_else(|message| {
                        problems.push(Problem::feature(
                            Severity::Error,
                            path,
                            index,
                            None,
                            Some(g),
                            message,
                        ));
                        None
                    })
                }
                _ => None,
            },
            None => None,
        };
        let fid_column = table.columns.len() + geometry_column.is_some() as usize;
        fids.push(row.get::<_, i64>(fid_column).map_err(&err)?);
        table.push(values, geometry);
        index += 1;
    }
    Ok((ReadResult { table, problems }, fids))
}

fn from_sql(v: rusqlite::types::ValueRef, kind: ColumnType) -> Value {
    use rusqlite::types::ValueRef as S;
    match (v, kind) {
        (S::Null, _) => Value::Null,
        (S::Integer(i), ColumnType::Bool) => Value::Bool(i != 0),
        (S::Integer(i), ColumnType::Real) => Value::Real(i as f64),
        (S::Integer(i), _) => Value::Int(i),
        (S::Real(r), _) => Value::Real(r),
        (S::Text(t), _) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        (S::Blob(_), _) => Value::Null,
    }
}
