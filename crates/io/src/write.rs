//! Writing one table to a file by extension (GeoJSON, GeoPackage, GeoParquet, CSV), atomically.

use std::path::Path;

use borderscape_core::table::Table;

use crate::atomic::write_file_atomically;
use crate::error::IoError;
use crate::gpkg::{self, Srs};
use crate::read::Format;
use crate::{csv_io, geojson_io, geoparquet};

/// Writes a table whose geometries are in `srs` (EPSG code) to `path`. CSV gets a `wkt` column.
pub fn write_table(path: &Path, table: &Table, srs: Srs) -> Result<(), IoError> {
    write_table_with(path, table, srs, &geoparquet::WriteOptions::default())
}

/// [`write_table`], with how a GeoParquet output encodes its geometries and row groups.
pub fn write_table_with(
    path: &Path,
    table: &Table,
    srs: Srs,
    parquet: &geoparquet::WriteOptions,
) -> Result<(), IoError> {
    match Format::require(path)? {
        Format::GeoJson => write_file_atomically(path, |tmp| {
            std::fs::write(tmp, geojson_io::to_string(table)).map_err(|e| IoError::file(path, e))
        }),
        Format::GeoPackage => gpkg::write(path, &[table], srs),
        Format::Csv => write_csv(path, table, true),
        Format::GeoParquet => geoparquet::write(path, table, srs, parquet),
        Format::Shapefile => Err(IoError::file(
            path,
            "writing Shapefiles is not supported; use .gpkg (QGIS opens it)",
        )),
    }
}

/// Writes a table as CSV atomically (with a `wkt` column when `with_wkt`).
pub fn write_csv(path: &Path, table: &Table, with_wkt: bool) -> Result<(), IoError> {
    write_file_atomically(path, |tmp| {
        let file = std::fs::File::create(tmp).map_err(|e| IoError::file(path, e))?;
        csv_io::write(std::io::BufWriter::new(file), table, with_wkt)
            .map_err(|e| IoError::file(path, e))
    })
}
