//! The conflicts section of summary.json, and the notes on the inputs that a partitioned run
//! carries from its partitions to the merge.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The conflicts section of summary.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConflictsSummary {
    /// Conflicts found.
    pub conflicts: usize,
    /// Conflicts by type name, then by plan version (`all` for those that do not depend on the
    /// plans).
    pub by_type: BTreeMap<String, BTreeMap<String, usize>>,
    /// Conflicts by the border they cross: cross_province, cross_city, within_city,
    /// shared_water_body, inside_unit, region_edge (levels without conflicts left out).
    pub by_border_level: BTreeMap<String, usize>,
    /// Borders (pairs of units) with at least one conflict.
    pub borders_with_conflicts: usize,
    /// From the first plan version to the last; null with fewer than two versions.
    pub changes: Option<ChangeSummary>,
    /// Length-weighted mean consistency (0–1) by plan version; null without plans.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null_in_optional_map")]
    #[schemars(with = "Option<BTreeMap<String, Option<f64>>>")]
    pub plan_consistency: Option<BTreeMap<String, f64>>,
    /// Notes on the inputs.
    pub inputs: ConflictNotes,
    /// The inputs among plans, facilities, roads, rivers and channels that are synthetic.
    pub synthetic_inputs: Vec<String>,
}

/// The conflicts of the first plan version that the last resolves, keeps and introduces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ChangeSummary {
    /// Earlier plan version.
    pub from: String,
    /// Later plan version.
    pub to: String,
    /// Conflicts in the earlier version only.
    pub resolved: i64,
    /// Conflicts in both.
    pub persisting: i64,
    /// Conflicts in the later version only.
    pub introduced: i64,
    /// Borders with a conflict in either version.
    pub borders: usize,
}

/// Notes on the inputs; a note is absent when its layer is (the fields are in key order, as
/// summary.json has always listed them).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct ConflictNotes {
    /// Dangles (line ends meeting no other line) of the drainage network: rivers and channels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_dangles: Option<usize>,
    /// Facilities outside every unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facilities_outside: Option<usize>,
    /// The plan versions, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_versions: Option<Vec<String>>,
    /// Plan zones read (in a unit of the level).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_zones: Option<usize>,
    /// Plan zones outside every unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_zones_outside: Option<usize>,
    /// Dangles (line ends meeting no other line) of the road network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub road_dangles: Option<usize>,
    /// Absent only where a partitioned run merges no partition, so that nothing read the
    /// rule tables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_tables: Option<RuleTableSources>,
}

/// Which rule tables the conflicts used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RuleTableSources {
    /// `project` or `default`.
    pub compatibility: String,
    /// Rules in the compatibility matrix.
    pub compatibility_rules: usize,
    /// `project` or `default`.
    pub nuisance_radii: String,
}
