//! borderscape-io: readers, writers, the project manifest, datums and validation.
//!
//! - [`read`]: GeoJSON, Shapefile (UTF-8/GBK DBF), GeoPackage and CSV into tables.
//! - [`gpkg`], [`geojson_io`], [`csv_io`]: the formats, both ways.
//! - [`geotiff`]: GeoTIFF land-cover rasters, read a band of strips or tiles at a time.
//! - [`manifest`]: the project manifest, `borderscape.toml`.
//! - [`limits`]: how much a reader may decode of one file (decompression bombs).
//! - [`file_crs`]: the CRS a layer file declares, against the manifest's datum.
//! - [`load`]: a project into a validated [`Region`](borderscape_core::Region).
//! - [`write`]: layers and analysis outputs to files, atomically.
//! - [`owned`], [`outputs`]: which files a command may replace, and output targets claimed before
//!   any work.
//! - [`qgis`]: the QGIS project (`results.qgs`) that opens `results.gpkg` styled.

pub mod atomic;
pub mod csv_io;
pub mod error;
pub mod features;
pub mod file_crs;
pub mod geojson_io;
pub mod geoparquet;
pub mod geotiff;
pub mod gpkg;
pub mod limits;
pub mod load;
pub mod manifest;
pub mod outputs;
pub mod owned;
pub mod pipeline;
pub mod qgis;
pub mod read;
pub mod shapefile_io;
pub mod synthetic;
pub mod transform;
pub mod validate;
mod wkt;
pub mod write;

pub use error::{IoError, Problem, Severity};
