//! The rivers section of summary.json: network QA, mass balance per routing, matrix sizes, which
//! coefficient tables are templates, and the siting tests.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::region::Level;

/// The rivers section of summary.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RiversSummary {
    /// Reaches of the network.
    pub reaches: usize,
    /// Reaches on a cycle (left out of the routing), by label.
    pub cycles: Vec<String>,
    /// Connected pieces of the network beyond the largest.
    pub disconnected_pieces: usize,
    /// The first five of those pieces, each as the labels of its reaches.
    pub disconnected_sample: Vec<Vec<String>>,
    /// Reaches flowing uphill against their declared direction, by label.
    pub uphill: Vec<String>,
    /// River sections (those of the first routing; every routing shares them).
    pub sections: usize,
    /// Length of the rivers along a border, km.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub border_river_km: f64,
    /// Rows of the transboundary load matrix, by level name.
    pub matrix_rows: BTreeMap<String, usize>,
    /// The mass balance of each routing (plan version × pollutant).
    pub mass_balance: Vec<MassBalance>,
    /// Which coefficient tables and parameters are borderscape's templates.
    pub coefficients: Coefficients,
    /// Where polluting facilities discharge relative to the borders.
    pub siting: SitingSummary,
    /// The inputs among plans and facilities that are synthetic.
    pub synthetic_inputs: Vec<String>,
}

/// Where the load of one routing went; injected = delivered + decayed + retained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MassBalance {
    /// Plan version.
    pub plan: String,
    /// Pollutant routed.
    pub pollutant: String,
    /// Load put into the rivers, kg/yr.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub injected_kg_per_yr: f64,
    /// Load leaving the network at its outlets, kg/yr.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub delivered_kg_per_yr: f64,
    /// Load lost to first-order decay along the reaches, kg/yr.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub decayed_kg_per_yr: f64,
    /// Load retained in lakes, kg/yr.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub retained_kg_per_yr: f64,
    /// Load of sources farther than `connect_m` from every river, kg/yr.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub unrouted_kg_per_yr: f64,
    /// Load crossing a border overland, from a source to a reach in another unit, kg/yr.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub overland_crossing_kg_per_yr: f64,
    /// Origins (units) with a balance.
    pub origins: usize,
    /// The worst relative gap of any origin's balance (0 when every origin closes).
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub largest_origin_imbalance: f64,
}

/// For each table or parameter: a TEMPLATE note, or that the project set it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Coefficients {
    /// The export coefficients of diffuse loads by land use.
    pub export: String,
    /// The loads of point sources (facilities).
    pub point_loads: String,
    /// First-order decay along the reaches (`decay`, or the reaches' decay_per_km).
    pub decay: String,
    /// Retention in lakes (`lake_retention`, or the lakes' residence_time_yr).
    pub lake_retention: String,
}

/// Where polluting facilities discharge relative to the borders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SitingSummary {
    /// The level whose borders are tested.
    pub level: Level,
    /// Polluting facilities attached to a river.
    pub polluting_facilities_on_rivers: usize,
    /// Those discharging into their own unit's river (the band test's facilities).
    pub on_own_river: usize,
    /// Facilities discharging into a neighbour's reach.
    pub into_neighbour_reach: FacilitiesApart,
    /// Facilities discharging into a reach outside every unit.
    pub into_reach_outside_every_unit: FacilitiesApart,
    /// Rate ratio of the 0–5 km band over its placebo mean; none without facilities.
    pub rate_ratio_0_5_km: Option<f64>,
    /// Permutation p of that rate ratio.
    pub p_placebo: Option<f64>,
    /// 2.5 and 97.5 % quantiles of the placebo rate ratios of the band, over their mean.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null_in_optional_pair")]
    #[schemars(with = "Option<[Option<f64>; 2]>")]
    pub placebo_interval_0_5_km: Option<[f64; 2]>,
    /// The alternative of the p.
    pub alternative: String,
    /// Placebo permutations behind the p.
    pub permutations: usize,
    /// Seed of the placebo.
    pub seed: u64,
    /// Facilities in the counties where a river leaves its province (descriptive).
    pub most_downstream: MostDownstream,
}

/// Facilities left out of the band test, by where they discharge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FacilitiesApart {
    /// Facilities.
    pub count: usize,
    /// Each of them.
    pub facilities: Vec<FacilityApart>,
}

/// A polluting facility discharging outside its own unit's river.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FacilityApart {
    /// Facility id.
    pub id: String,
    /// Facility type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Code of the unit it stands in.
    pub unit: String,
    /// Code of the unit of the reach it discharges into; none outside every unit.
    pub reach_unit: Option<String>,
    /// Distance along the flow from the discharge to its own unit, km; none when the flow
    /// never gets there.
    pub km_down_the_flow_to_own_unit: Option<f64>,
}

/// Density of polluting facilities in the counties where a river leaves its province, against
/// the other counties of that province (descriptive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MostDownstream {
    /// What the comparison is, and is not.
    pub descriptive: String,
    /// The counties where a river leaves its province.
    pub exit_counties: Vec<ExitCounty>,
    /// Mean over exit counties of their density less their province's other counties' mean,
    /// facilities per 1000 km²; none without such counties.
    pub mean_difference_per_1000_km2: Option<f64>,
    /// Permutation p of that difference (exit flags shuffled within provinces).
    pub p_permutation: Option<f64>,
    /// The alternative of the p.
    pub alternative: String,
}

/// A county where a river leaves its province.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExitCounty {
    /// Province code.
    pub province: String,
    /// County code.
    pub county: String,
    /// Polluting facilities per 1000 km².
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub density_per_1000_km2: f64,
    /// Mean density of the province's other counties, facilities per 1000 km².
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub others_mean_density_per_1000_km2: f64,
}
