//! Reading any supported layer file into a [`Table`], by extension.

use std::path::Path;

use crate::error::IoError;
pub use crate::features::{GeometryLevels, ReadResult};
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
