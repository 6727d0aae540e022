//! The compensation section of summary.json.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The compensation section of summary.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CompensationSummary {
    /// The ESV of the plans; absent without a plans layer, and flattened into the section (its
    /// keys come first).
    #[serde(flatten)]
    pub esv: Option<EsvSummary>,
    /// Per scheme, by name.
    pub schemes: BTreeMap<String, SchemeSummary>,
    /// Net transfers per pair of units (a < b); absent without schemes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balances: Option<Vec<Balance>>,
    /// The inputs among plans, monitoring and stations that are synthetic.
    pub synthetic_inputs: Vec<String>,
}

/// The ecosystem-service value of the plan zones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EsvSummary {
    /// ESV of the top-level units together, by plan version, yuan/yr.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null_in_map")]
    #[schemars(with = "BTreeMap<String, Option<f64>>")]
    pub esv_total_yuan: BTreeMap<String, f64>,
    /// Value of one equivalent factor, yuan/ha.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub d_yuan_per_ha: f64,
    /// The ESV rows the zones used.
    pub esv_rows_used: BTreeSet<String>,
    /// The ESV rows used whose factors the table does not tag as checked.
    pub esv_rows_unconfirmed: UnconfirmedRows,
}

/// The ESV rows used whose factors the table does not tag as checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UnconfirmedRows {
    /// The rows, by name.
    pub rows: BTreeSet<String>,
    /// What the tags mean.
    pub note: String,
}

/// The ledger of one scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SchemeSummary {
    /// The scheme's rule (`water_quality_index`, `class_change`, `load_based`, `esv_based`).
    pub rule: String,
    /// Ledger entries.
    pub entries: usize,
    /// Entries whose inputs could not decide who pays.
    pub undetermined: usize,
    /// Total of the transfers, yuan.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub transferred_yuan: f64,
    /// Warnings about the scheme's inputs.
    pub warnings: Vec<String>,
}

/// The net transfer between two units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Balance {
    /// Code of one unit (the lesser).
    pub a: String,
    /// Code of the other.
    pub b: String,
    /// What b paid a less what a paid b, yuan.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub net_to_a_yuan: f64,
}
