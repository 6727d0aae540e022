//! Reading any supported layer file into a [`Table`], by extension.

use std::path::Path;

use borderscape_core::region::Level;
use borderscape_core::table::{Column, ColumnType, Table};

use crate::error::{IoError, Problem};
use crate::limits::Limits;
use crate::{csv_io, geojson_io, geoparquet, gpkg, shapefile_io};

/// A file format the readers and writers understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Shapefile,
    GeoPackage,
    Csv,
    GeoParquet,
}

impl Format {
    /// The format of a path, from its extension.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
        match ext.as_str() {
            "geojson" | "json" => Some(Format::GeoJson),
            "shp" => Some(Format::Shapefile),
            "gpkg" => Some(Format::GeoPackage),
            "csv" => Some(Format::Csv),
            "parquet" | "geoparquet" => Some(Format::GeoParquet),
            _ => None,
        }
    }

    pub fn require(path: &Path) -> Result<Format, IoError> {
        Self::from_path(path).ok_or_else(|| {
            IoError::file(
                path,
                "unknown format: use .geojson/.json, .shp, .gpkg, .parquet or .csv",
            )
        })
    }
}

/// How a layer is read: which GeoPackage layer, which DBF encoding, where a CSV keeps geometry.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// GeoPackage table name (default: the only feature table, or the file's stem).
    pub layer: Option<String>,
    /// DBF text encoding (`utf-8`, `gbk`, `gb18030`, …); default from the .cpg file or the DBF header.
    pub encoding: Option<String>,
    pub csv_geometry: csv_io::CsvGeometry,
    /// Jurisdiction levels whose geometry the caller will use: a reader may leave the others
    /// unread (the GeoJSON reader does; the others read everything). The caller still drops
    /// unwanted geometries itself, so this only saves time.
    pub geometry_levels: Option<GeometryLevels>,
    /// How much a reader may decode of the file (the project's `[limits]`).
    pub limits: Limits,
}

/// The levels (by the text of field `field`) whose features' geometry is wanted.
#[derive(Debug, Clone)]
pub struct GeometryLevels {
    pub field: String,
    pub levels: Vec<Level>,
}

impl GeometryLevels {
    /// Whether a feature with this level value is wanted: yes unless its value names another
    /// level (a missing or unreadable level is left to validation, with its geometry).
    pub fn wants(&self, value: Option<&serde_json::Value>) -> bool {
        match value
            .and_then(serde_json::Value::as_str)
            .and_then(Level::parse)
        {
            Some(level) => self.levels.contains(&level),
            None => true,
        }
    }
}

/// A table read from a file, with the problems found while reading (e.g. unclosed rings).
#[derive(Debug, Clone)]
pub struct ReadResult {
    pub table: Table,
    pub problems: Vec<Problem>,
}

/// Reads a layer file.
pub fn read_table(path: &Path, options: &ReadOptions) -> Result<ReadResult, IoError> {
    if !path.exists() {
        return Err(IoError::file(path, "file not found"));
    }
    match Format::require(path)? {
        Format::GeoJson => geojson_io::read(path, options.geometry_levels.as_ref()),
        Format::Shapefile => shapefile_io::read(path, options.encoding.as_deref()),
        Format::GeoPackage => gpkg::read(path, options.layer.as_deref()),
        Format::Csv => csv_io::read(path, &options.csv_geometry),
        Format::GeoParquet => geoparquet::read(path, &options.limits),
    }
}

/// A converted geometry, or `None` with the conversion error recorded against feature `index`.
pub(crate) fn geometry_or_problem<E: std::fmt::Display>(
    converted: Result<geo::Geometry, E>,
    path: &Path,
    index: usize,
    problems: &mut Vec<Problem>,
) -> Option<geo::Geometry> {
    converted
        .map_err(|e| problems.push(Problem::geometry(path, index, e.to_string())))
        .ok()
}

/// Columns from the (name, kind) pairs of every record, in order of first appearance; a column
/// mixing integers and reals is real, any other mix is text.
pub(crate) fn infer_columns<'a, R, I>(records: R) -> Vec<Column>
where
    R: IntoIterator<Item = I>,
    I: IntoIterator<Item = (&'a str, Option<ColumnType>)>,
{
    let mut columns: Vec<(String, Option<ColumnType>)> = Vec::new();
    for record in records {
        for (name, kind) in record {
            let slot = match columns.iter().position(|(n, _)| n == name) {
                Some(i) => &mut columns[i].1,
                None => {
                    columns.push((name.to_string(), None));
                    &mut columns.last_mut().expect("just pushed").1
                }
            };
            *slot = match (*slot, kind) {
                (old, None) => old,
                (None, new) => new,
                (Some(a), Some(b)) if a == b => Some(a),
                (Some(ColumnType::Int), Some(ColumnType::Real))
                | (Some(ColumnType::Real), Some(ColumnType::Int)) => Some(ColumnType::Real),
                _ => Some(ColumnType::Text),
            };
        }
    }
    columns
        .into_iter()
        .map(|(name, kind)| Column::new(&name, kind.unwrap_or(ColumnType::Text), None, ""))
        .collect()
}
