//! The landcover section of summary.json.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The landcover section of summary.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LandCoverSummary {
    /// Each land-cover year, in time order.
    pub years: Vec<LandCoverYear>,
    /// Classes missing from the crosswalk, one line per year that has them (file first).
    pub warnings: Vec<String>,
    /// The resolution every year shares; absent without a land-cover layer, and flattened into
    /// the section (its keys follow `warnings`).
    #[serde(flatten)]
    pub resolution: Option<Resolution>,
}

/// One land-cover year; areas summed over the finest level, so nothing counts twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LandCoverYear {
    /// Habitat patches in the raster.
    pub habitat_patches: usize,
    /// Year of the land cover.
    pub year: i32,
    /// The raster's file name.
    pub file: Option<String>,
    /// Name of the class scheme.
    pub scheme: String,
    /// The cell size in words.
    pub cell_size: String,
    /// Nodata area within the units, ha.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub nodata_ha: f64,
    /// Sea area within the units, km².
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub sea_km2: f64,
    /// Whether the ESV table has a marine row, so that the sea is valued.
    pub sea_valued: bool,
    /// Classes present but missing from the crosswalk to the ESV table.
    pub classes_missing_from_crosswalk: Vec<MissingClass>,
}

/// A class of the raster that the crosswalk does not map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MissingClass {
    /// Class code of the scheme.
    pub class: u32,
    /// Its area, ha.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub area_ha: f64,
}

/// The ground size of the cells and what it means for the outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Resolution {
    /// Ground width and height of a cell, m.
    pub cell_size_m: CellSize,
    /// Whether the size is for the middle latitude of a geographic grid (approximate
    /// elsewhere).
    pub cell_size_approximate: bool,
    /// What the resolution leaves out.
    pub resolution_note: String,
}

/// Ground width and height of a cell, m.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CellSize {
    /// Width, m.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub x: f64,
    /// Height, m.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub y: f64,
}
