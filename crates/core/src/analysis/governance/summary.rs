//! The governance section of summary.json, and the summary of each outcome measure.

use super::periodisations::PeriodisationComparison;
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::stages::RobustnessSummary;

/// The governance section of summary.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GovernanceSummary {
    /// Arrangements in the registry.
    pub arrangements: usize,
    /// First year of the timeline (none for an empty one) and its horizon, the last year.
    pub years: (Option<i32>, i32),
    /// The stages chosen, in time order.
    pub stages: Vec<StageSummary>,
    /// The stage choice rerun over its variants.
    pub stage_robustness: RobustnessSummary,
    /// The periodisations of the literature beside the data-driven stages (none given: empty).
    #[serde(default)]
    pub periodisations: Vec<PeriodisationComparison>,
    /// Coverage of the edge borders by arrangements at the horizon, by level name.
    pub coverage: BTreeMap<String, CoverageSummary>,
    /// Did coordination improve where arrangements came to cover a border, by measure.
    pub outcomes: OutcomesSummary,
    /// Arrangements by goal orientation (economic, ecological, integrated), then by their
    /// outcome in the registry (abolished … unknown; `unrecorded` where it has no outcome column).
    #[serde(default)]
    pub outcomes_by_goal: BTreeMap<String, BTreeMap<String, usize>>,
}

/// One stage of the coordination model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StageSummary {
    /// First year.
    pub start: i32,
    /// Last year.
    pub end: i32,
    /// What characterises the stage.
    pub description: String,
    /// The dominant governance modes (H, M, N).
    pub dominant_modes: String,
    /// Ids and names of the most binding arrangements started in the stage.
    pub key_arrangements: Vec<String>,
    /// Years of the stage without an arrangement in force.
    pub empty_years: Vec<i32>,
    /// The co-participation network of the stage's arrangements.
    pub network: StageNetwork,
}

/// The co-participation network of one stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StageNetwork {
    /// Participants.
    pub nodes: usize,
    /// Edge density (0–1).
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub density: f64,
    /// Share of the edges linking two provinces (0–1); none without edges.
    pub cross_province_share: Option<f64>,
}

/// The edge borders of one level and those arrangements cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CoverageSummary {
    /// Borders of the level with a shared edge (not only a point).
    pub edge_borders: usize,
    /// Those covered by at least one arrangement.
    pub covered_borders: usize,
    /// Share of the edge borders' length (km/km, 0–1) that is covered.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub covered_length_share: f64,
}

/// The outcome of each measure the upstream analyses allow, in the order they are computed;
/// a measure is absent when its analysis did not run, and `not_computed` says why when none is
/// there.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct OutcomesSummary {
    /// Coordination degree of the border's two sides (from synergy).
    #[serde(rename = "D_border", skip_serializing_if = "Option::is_none")]
    pub d_border: Option<OutcomeSummary>,
    /// Plan-dependent conflicts across the border (from conflicts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicts: Option<OutcomeSummary>,
    /// Share of the border where the plans facing each other are compatible (from conflicts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_consistency: Option<OutcomeSummary>,
    /// Why there is no measure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_computed: Option<String>,
}

/// The effect of first coverage on one border measure (see the module doc of `outcomes`);
/// effects are in the measure's units (D: 0–1; conflicts: count; consistency: share).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OutcomeSummary {
    /// What the measure is.
    pub outcome: String,
    /// Whether a rise is an improvement.
    pub higher_is_better: bool,
    /// The estimator of the effect.
    pub estimator: String,
    /// Which borders the covered ones are compared with (`never`, `not_yet`).
    pub controls: String,
    /// Which arrangements count as covering (`any`, `direct`).
    pub coverage: String,
    /// First and last period of the panel (years).
    pub panel: [i64; 2],
    /// Periods in the panel.
    pub periods: usize,
    /// Borders first covered within the panel.
    pub treated_borders: usize,
    /// Borders never covered within the panel.
    pub control_borders: usize,
    /// Borders covered at or before the first period (left out).
    pub already_covered_borders: usize,
    /// The aggregate effect; none when not estimable.
    pub did: Option<f64>,
    /// 95 % randomisation interval of the effect.
    pub interval_95: [Option<f64>; 2],
    /// 2.5–97.5 % range of the permuted effect.
    pub null_interval_95: [Option<f64>; 2],
    /// Permutation pseudo p-value under the configured alternative.
    pub p_value: Option<f64>,
    /// Permutations behind the p-values and intervals.
    pub permutations: usize,
    /// What a permutation moves.
    pub permutation_unit: String,
    /// Blocks a permutation assigns to.
    pub assignment_units: usize,
    /// Clusters of covered borders that move whole.
    pub covered_clusters: usize,
    /// Borders of the largest block; none without blocks.
    pub largest_unit_borders: Option<usize>,
    /// Distinct placements of the covered clusters on the blocks.
    pub distinct_assignments: u64,
    /// Seed of the permutations.
    pub seed: u64,
    /// The pre-trend tests on the leads.
    pub pre_trend: PreTrend,
    /// The effect net of the linear pre-trend.
    pub net_of_pre_trend: NetOfPreTrend,
    /// The effect among the treated borders of each goal, by goal.
    pub by_goal: BTreeMap<String, GoalEffect>,
    /// Treated borders by class (`improved`, `worsened`, `unchanged`, `undetermined`).
    pub outcomes: BTreeMap<String, usize>,
    /// What the estimate assumes.
    pub assumption: String,
    /// Why there is no effect, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_estimable: Option<String>,
    /// Why there is no p or interval although there is an effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value_not_estimable: Option<String>,
    /// Why the comparison only demonstrates the method, when it rests on synthetic layers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synthetic: Option<String>,
}

/// The pre-trend tests on the leads; untagged, as the two cases have different fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PreTrend {
    Tested {
        /// Periods before coverage (e ≤ −2) in the event study.
        leads: usize,
        /// Mean of θ(e)² over the leads (measure units²).
        #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
        #[schemars(with = "Option<f64>")]
        statistic: f64,
        /// One-sided permutation p of `statistic`.
        p_value: Option<f64>,
        /// OLS slope of θ(e) on e over e ≤ −1 (measure units per panel period).
        #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
        #[schemars(with = "Option<f64>")]
        slope_per_period: f64,
        /// Two-sided permutation p of the slope.
        slope_p_value: Option<f64>,
        /// How to read the two tests.
        reading: String,
    },
    /// Fewer than two periods before coverage.
    NotTested {
        /// Periods before coverage (e ≤ −2) in the event study.
        leads: usize,
        /// Why the pre-trend is not tested.
        note: String,
    },
}

/// The effect net of the linear pre-trend; untagged, as the two cases have different fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum NetOfPreTrend {
    Estimated {
        /// The effect less the pre-trend line (measure units).
        #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
        #[schemars(with = "Option<f64>")]
        did: f64,
        /// The part of the raw effect the pre-trend line accounts for (measure units).
        pre_trend_part: Option<f64>,
        /// 95 % randomisation interval.
        interval_95: [Option<f64>; 2],
        /// 2.5–97.5 % range of the permuted net effect.
        null_interval_95: [Option<f64>; 2],
        /// Permutation pseudo p-value under the configured alternative.
        p_value: Option<f64>,
        method: String,
    },
    /// Fewer than two periods before coverage.
    NotEstimated {
        /// Why there is no net effect.
        note: String,
    },
}

/// The effect among the treated borders of one goal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GoalEffect {
    /// Treated borders whose first arrangement has this goal.
    pub borders: usize,
    /// Their aggregate effect (measure units); none when not estimable.
    pub did: Option<f64>,
}
