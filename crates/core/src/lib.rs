//! borderscape-core: the region model and the analyses of cross-border ecological governance.
//!
//! No file I/O lives here: readers and writers are in `borderscape-io`. Every analysis is a pure
//! function of the [`Inputs`](inputs::Inputs) (a region, its model and rasters) and its [`Params`](spec::Params).
//!
//! - [`datum`]: GCJ-02 / BD-09 ↔ WGS84.
//! - [`crs`]: the projected analysis CRS.
//! - [`region`]: jurisdictions, levels and layers in the analysis CRS.
//! - [`table`]: typed tables with optional geometry, the shape of all inputs and outputs.
//! - [`spec`]: declared parameters and outputs of analyses.
//! - [`geometry`]: fast validity checks (boundary crossings) and the segment index.
//! - [`landuse`]: the China 2023 land-use classes and their groupings.
//! - [`palette`]: the colours of conflict types and LISA clusters, shared by every output.
//! - [`model`]: registry, schemes and monitoring series, typed and validated when a project loads.
//! - [`simplify`]: topology-preserving simplification (shared borders simplified once).
//! - [`spatial_weights`]: contiguity, distance-band, k-nearest and GAL weights.
//! - [`stats`]: Moran's I, coupling coordination, permutation significance.
//! - [`adjacency`]: which polygons share boundary segments (exact and near-collinear matching).
//! - [`topology`]: gaps and overlaps between neighbouring units.
//! - [`shared_borders`]: the borders of one level (pairs, shared lines, geodesic lengths).
//! - [`analysis`]: the analyses and their registry.

pub mod adjacency;
pub mod analysis;
pub mod crs;
pub mod datum;
pub mod error;
pub mod geometry;
pub mod inputs;
pub mod landuse;
pub mod model;
pub mod palette;
pub mod provenance;
pub mod raster;
pub mod region;
pub mod shared_borders;
pub mod simplify;
pub mod spatial_weights;
pub mod spec;
pub mod stats;
pub mod table;
#[cfg(test)]
mod test_fixtures;
pub mod topology;

pub use error::AnalysisError;
pub use inputs::Inputs;
pub use region::{Jurisdiction, Level, Region};
pub use table::{Column, ColumnType, Table, Value};
