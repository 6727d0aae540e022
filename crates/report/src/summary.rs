//! summary.json as the report reads it, parsed once: the run's own parts (region, CRS, inputs)
//! as the small structs below, each analysis's results as the typed summary the analysis
//! serialised them from, so that a renamed or retyped field fails to compile here instead of
//! silently dropping a finding or a figure.

use std::collections::BTreeMap;

use borderscape_core::analysis::compensation::summary::CompensationSummary;
use borderscape_core::analysis::conflicts::summary::ConflictsSummary;
use borderscape_core::analysis::effective_mesh::EffectiveMeshSummary;
use borderscape_core::analysis::governance::summary::GovernanceSummary;
use borderscape_core::analysis::landcover::summary::LandCoverSummary;
use borderscape_core::analysis::rivers::summary::RiversSummary;
use borderscape_core::analysis::synergy::SynergySummary;
use borderscape_core::provenance::{Basis, Provenance};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::labels::Lang;

/// The run-level parts of summary.json (those not written by an analysis).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Run {
    pub borderscape_version: String,
    pub region: Region,
    pub crs: Crs,
    pub synthetic_layers: Vec<String>,
    pub inputs: Vec<Input>,
    pub analyses: BTreeMap<String, Section>,
}

/// The region: its names and its jurisdictions per level.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Region {
    pub name: String,
    pub name_zh: Option<String>,
    /// Jurisdictions by level name.
    pub jurisdictions: BTreeMap<String, usize>,
}

impl Region {
    /// The name in `lang`: the manifest's `name_zh` in Chinese when given, else `name`.
    pub fn name(&self, lang: Lang) -> &str {
        match (lang, &self.name_zh) {
            (Lang::Zh, Some(zh)) => zh,
            _ => &self.name,
        }
    }
}

/// The analysis CRS (the methods state its name).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Crs {
    pub name: String,
}

/// One input layer as the run read it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Input {
    pub kind: String,
    pub path: String,
    pub features: usize,
    pub datum: Option<String>,
    pub synthetic: bool,
    /// observed, template or synthetic (absent in runs before issue 40: from `synthetic`).
    pub provenance: Option<Provenance>,
    pub description: Option<String>,
    pub sha256: String,
}

impl Input {
    pub fn provenance(&self) -> Provenance {
        Provenance::declared(self.provenance, self.synthetic)
    }
}

/// One analysis's section: its parameters and results as written (the technical details list
/// them generically, by the spec's parameter names and the results' paths) and its tables' rows.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Section {
    /// What the analysis's results rest on.
    pub basis: Basis,
    pub params: Value,
    pub results: Value,
    /// Rows by table name.
    pub tables: BTreeMap<String, usize>,
}

/// The synergy parameters the LISA maps state.
#[derive(Debug, Deserialize)]
pub struct LisaParams {
    pub significance: f64,
    pub fdr: bool,
    pub permutations: f64,
}

/// The rivers parameter the load finding states: how far a source may be from a river.
#[derive(Debug, Deserialize)]
pub struct ConnectParams {
    pub connect_m: f64,
}

/// summary.json parsed: the run, and the typed results of each analysis the report reads
/// (none where the analysis did not run).
#[derive(Debug, Default)]
pub struct Summary {
    pub run: Run,
    pub conflicts: Option<ConflictsSummary>,
    pub rivers: Option<RiversSummary>,
    pub rivers_params: Option<ConnectParams>,
    pub compensation: Option<CompensationSummary>,
    pub synergy: Option<SynergySummary>,
    pub synergy_params: Option<LisaParams>,
    pub effective_mesh: Option<EffectiveMeshSummary>,
    pub landcover: Option<LandCoverSummary>,
    pub governance: Option<GovernanceSummary>,
}

impl Summary {
    /// Parses summary.json; a part that does not parse is left out as if it had not run.
    pub fn new(json: &Value) -> Self {
        let run = Run::deserialize(json).unwrap_or_default();
        let results = |analysis: &str| run.analyses.get(analysis).map(|s| &s.results);
        let params = |analysis: &str| run.analyses.get(analysis).map(|s| &s.params);
        Self {
            conflicts: typed(results("conflicts")),
            rivers: typed(results("rivers")),
            rivers_params: typed(params("rivers")),
            compensation: typed(results("compensation")),
            synergy: typed(results("synergy")),
            synergy_params: typed(params("synergy")),
            effective_mesh: typed(results("effective_mesh")),
            landcover: typed(results("landcover")),
            governance: typed(results("governance")),
            run,
        }
    }
}

/// A part of summary.json as its type.
fn typed<T: DeserializeOwned>(part: Option<&Value>) -> Option<T> {
    T::deserialize(part?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A statistic that was NaN (written as null) does not cost the report the analysis's whole
    /// summary, and the run's parts read with what they lack left empty.
    #[test]
    fn a_null_statistic_keeps_the_summary() {
        let json = json!({
            "region": {"name": "Delta", "name_zh": "三角洲"},
            "analyses": {"synergy": {
                "params": {"significance": 0.05, "fdr": true, "permutations": 999.0},
                "results": {
                    "level": "county", "years": [2000, 2020], "indicators": ["x"],
                    "moran_latest": {"x": {"year": 2020, "I": null, "p_sim": null, "lisa_p_cutoff": null}},
                    "coupling": {"model": "standard", "systems": [], "mean_D_by_year": {"2000": null, "2020": 0.5}},
                },
            }},
        });
        let summary = Summary::new(&json);
        let synergy = summary.synergy.expect("the synergy summary reads");
        let moran = synergy.moran_latest.values().next().expect("one indicator");
        assert!(moran.i.is_nan() && moran.lisa_p_cutoff.is_nan());
        let by_year = synergy.coupling.expect("coupling").mean_d_by_year;
        assert_eq!(by_year.values().last(), Some(&0.5));
        assert!(summary.synergy_params.is_some_and(|p| p.fdr));
        assert_eq!(summary.run.region.name(Lang::Zh), "三角洲");
        assert_eq!(summary.run.region.name(Lang::En), "Delta");
        assert!(summary.run.inputs.is_empty() && summary.conflicts.is_none());
    }
}
