//! Stages of a coordination model found from data: an optimal segmentation of the yearly
//! composition series into k contiguous stages, for every k up to a bound (the stage path).
//!
//! # Method (methods.md, Governance, Stages)
//! - Features, one row per year with an arrangement in force (years without one are left out of
//!   the cost; the stage around them spans them): the isometric log-ratio (ilr) coordinates of the
//!   mode mix, z_i = √(i/(i+1)) ln(g(x_1..x_i)/x_{i+1}), i = 1..D−1 (Egozcue et al. 2003), after
//!   multiplicative zero replacement r_j = δ for a zero part and x_j(1 − zδ) otherwise, z the
//!   number of zero parts (Martín-Fernández et al. 2003). δ is for *rounding* zeros only: a part
//!   that is zero in every year with an arrangement in force (a mode no arrangement ever uses) is
//!   structurally absent, and replacing it by δ would make up a share whose log-ratios move with
//!   δ alone; such parts are dropped and the ilr taken on the subcomposition of the parts present
//!   (Aitchison 1986, §13; Martín-Fernández et al. 2003 treat only rounding zeros by δ). A mix
//!   with fewer than two parts present is constant and kept whole. The shares sum to 1, so only D − 1
//!   coordinates are free, and the ilr is an isometry: Euclidean distance on them is Aitchison
//!   distance on the mixes. Optional extras (the goal mix's ilr, mean bindingness, the level
//!   mix's ilr) are standardised (z-scores; a constant column is dropped).
//! - Cost of a stage = Σ_t ‖x_t − x̄_stage‖² (ruptures' `l2`); the k-stage partition minimising the
//!   total is found exactly by dynamic programming over prefix sums, O(K·T²) (Fisher 1958;
//!   Bai & Perron 2003), with every stage at least `min_len` rows, for all k ≤ K at once.
//! - k: given, or the least criterion −2 ln L + p_k·c(n) of a Gaussian mean shift with common
//!   variance on the n = T·d values: n ln(RSS_k/n) + p_k·c(n), p_k = k·d + (k − 1) (stage means and
//!   break points, Yao 1988), RSS floored at 1e-9·n so that a perfect fit does not reward extra
//!   stages; c(n) = ln n (BIC, Schwarz 1978) or 0.299 (ln n)^2.1 (LWZ, Liu, Wu & Zidek 1997, as
//!   R strucchange's `LWZ`).
//! - Robustness ([`robustness`]): the choice of k is rerun over criterion (BIC, LWZ) × δ
//!   ([`ROBUSTNESS_DELTAS`] and the configured δ) × features (the configured ones, and the raw
//!   mode shares, which need no δ). Reported: the k within ΔBIC ≤ 2 of the least BIC (the edge of
//!   "positive" evidence, Kass & Raftery 1995) and how many variants choose each break year. The
//!   BIC differences of nearby k are often small, so a single k is not stated as fact.
//!
//! # References
//! - Aitchison, J. (1986) *The Statistical Analysis of Compositional Data*. Chapman & Hall.
//! - Kass, R. E. & Raftery, A. E. (1995) Bayes factors. *JASA* 90(430), 773–795.
//! - Egozcue, J. J., Pawlowsky-Glahn, V., Mateu-Figueras, G. & Barceló-Vidal, C. (2003) Isometric
//!   logratio transformations for compositional data analysis. *Math. Geology* 35(3), 279–300.
//! - Martín-Fernández, J. A., Barceló-Vidal, C. & Pawlowsky-Glahn, V. (2003) Dealing with zeros
//!   and missing values in compositional data sets using nonparametric imputation.
//!   *Math. Geology* 35(3), 253–278.
//! - Fisher, W. D. (1958) On grouping for maximum homogeneity. *JASA* 53(284), 789–798.
//! - Bai, J. & Perron, P. (2003) Computation and analysis of multiple structural change models.
//!   *J. Applied Econometrics* 18(1), 1–22.
//! - Yao, Y.-C. (1988) Estimating the number of change-points via Schwarz' criterion.
//!   *Statistics & Probability Letters* 6(3), 181–189.
//! - Schwarz, G. (1978) Estimating the dimension of a model. *Annals of Statistics* 6(2), 461–464.
//! - Liu, J., Wu, S. & Zidek, J. V. (1997) On segmented multivariate regression.
//!   *Statistica Sinica* 7(2), 497–525.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::YearMix;
use crate::model::registry::{Arrangement, Ending};
use crate::table::{round_to, Column, ColumnType, Table, Value};

/// The information criterion that picks the number of stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criterion {
    Bic,
    Lwz,
}

impl Criterion {
    pub const NAMES: &'static str = "bic or lwz";

    pub fn parse(text: &str) -> Option<Criterion> {
        match text {
            "bic" => Some(Criterion::Bic),
            "lwz" => Some(Criterion::Lwz),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Criterion::Bic => "bic",
            Criterion::Lwz => "lwz",
        }
    }

    /// Its value for a k-stage segmentation of `t` rows of `d` features with residual `cost`.
    pub fn value(self, cost: f64, t: usize, d: usize, k: usize) -> f64 {
        let n = (t * d) as f64;
        let per_parameter = match self {
            Criterion::Bic => n.ln(),
            Criterion::Lwz => 0.299 * n.ln().powf(2.1),
        };
        n * (cost.max(1e-9 * n) / n).ln() + ((k * d + k - 1) as f64) * per_parameter
    }
}

/// A feature added to the mode mix's coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Feature {
    Goal,
    Binding,
    Level,
}

impl Feature {
    pub const NAMES: &'static str = "none or a comma-separated list of goal, binding, level";

    /// `none` or a comma-separated list, in a fixed order without repeats.
    pub fn parse_list(text: &str) -> Option<Vec<Feature>> {
        if text.trim() == "none" {
            return Some(Vec::new());
        }
        let set: Option<BTreeSet<Feature>> = text
            .split(',')
            .map(|f| match f.trim() {
                "goal" => Some(Feature::Goal),
                "binding" => Some(Feature::Binding),
                "level" => Some(Feature::Level),
                _ => None,
            })
            .collect();
        set.map(|s| s.into_iter().collect())
    }
}

/// How stages are found.
#[derive(Debug, Clone, PartialEq)]
pub struct StageSettings {
    /// `None`: chosen by the criterion.
    pub k: Option<usize>,
    pub max_stages: usize,
    /// Least years with an arrangement in force per stage.
    pub min_years: usize,
    /// δ of the zero replacement.
    pub zero_share: f64,
    pub features: Vec<Feature>,
    pub criterion: Criterion,
}

/// The composition `x` (closed to 1) with its zeros replaced by `delta`, the other parts shrunk
/// to keep the sum; `None` when the zeros would take the whole (z·δ ≥ 1).
pub fn replace_zeros(x: &[f64], delta: f64) -> Option<Vec<f64>> {
    let zeros = x.iter().filter(|v| **v <= 0.0).count() as f64;
    let keep = 1.0 - zeros * delta;
    (keep > 0.0).then(|| {
        x.iter()
            .map(|&v| if v <= 0.0 { delta } else { v * keep })
            .collect()
    })
}

/// The ilr coordinates of a composition without zeros (Egozcue et al. 2003's sequential basis).
pub fn ilr(x: &[f64]) -> Vec<f64> {
    let logs: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    (1..logs.len())
        .map(|i| {
            let mean = logs[..i].iter().sum::<f64>() / i as f64;
            (i as f64 / (i + 1) as f64).sqrt() * (mean - logs[i])
        })
        .collect()
}

/// The feature rows of the years with an arrangement in force, and those years' indices.
pub struct Features {
    pub rows: Vec<Vec<f64>>,
    pub observed: Vec<usize>,
}

/// The parts of `mixes` that are positive in some row, or all parts when fewer than two are:
/// the others are structurally absent, not rounding zeros (see the module's Method).
fn present_parts(mixes: &[Vec<f64>]) -> Vec<usize> {
    let width = mixes.first().map_or(0, Vec::len);
    let present: Vec<usize> = (0..width)
        .filter(|&j| mixes.iter().any(|m| m[j] > 0.0))
        .collect();
    if present.len() >= 2 {
        present
    } else {
        (0..width).collect()
    }
}

/// `mixes` restricted to their present parts and closed again to 1.
fn subcompositions(mixes: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let parts = present_parts(mixes);
    mixes
        .iter()
        .map(|m| {
            let sub: Vec<f64> = parts.iter().map(|&j| m[j]).collect();
            let total: f64 = sub.iter().sum();
            sub.iter().map(|v| v / total).collect()
        })
        .collect()
}

/// The ilr coordinates of each of `mixes` (one per observed year), structurally absent parts
/// dropped and rounding zeros replaced by `delta`; the error names the mix.
fn mix_coordinates(name: &str, mixes: &[Vec<f64>], delta: f64) -> Result<Vec<Vec<f64>>, String> {
    subcompositions(mixes)
        .iter()
        .map(|mix| {
            replace_zeros(mix, delta).map(|r| ilr(&r)).ok_or_else(|| {
                format!("the {name} mix has too many zero parts for zero_share {delta} (z·δ ≥ 1)")
            })
        })
        .collect()
}

/// The years with an arrangement in force (indices into `years`).
fn observed_years(years: &[YearMix]) -> Vec<usize> {
    (0..years.len()).filter(|&i| years[i].active > 0).collect()
}

/// Builds the features of `years` (the timeline of `arrangements`); errors name the feature whose
/// zeros `zero_share` cannot replace.
pub fn features(
    arrangements: &[Arrangement],
    years: &[YearMix],
    settings: &StageSettings,
) -> Result<Features, String> {
    let delta = settings.zero_share;
    let horizon = years.last().map_or(0, |y| y.year);
    let levels: Vec<&str> = arrangements
        .iter()
        .map(|a| a.level.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let observed = observed_years(years);
    let modes: Vec<Vec<f64>> = observed.iter().map(|&i| years[i].modes.to_vec()).collect();
    let mut rows = mix_coordinates("mode", &modes, delta)?;
    let mut extras = vec![Vec::new(); observed.len()];
    for feature in &settings.features {
        let columns: Vec<Vec<f64>> = match feature {
            Feature::Goal => {
                let goals: Vec<Vec<f64>> =
                    observed.iter().map(|&i| years[i].goals.to_vec()).collect();
                mix_coordinates("goal", &goals, delta)?
            }
            Feature::Binding => observed
                .iter()
                .map(|&i| vec![years[i].mean_binding])
                .collect(),
            Feature::Level => {
                let mixes: Vec<Vec<f64>> = observed
                    .iter()
                    .map(|&i| {
                        let active: Vec<&Arrangement> = arrangements
                            .iter()
                            .filter(|a| a.active_in(years[i].year, horizon))
                            .collect();
                        levels
                            .iter()
                            .map(|l| {
                                active.iter().filter(|a| a.level == *l).count() as f64
                                    / active.len() as f64
                            })
                            .collect()
                    })
                    .collect();
                mix_coordinates("level", &mixes, delta)?
            }
        };
        for (extra, column) in extras.iter_mut().zip(columns) {
            extra.extend(column);
        }
    }
    for column in standardised_columns(&extras) {
        for (row, v) in rows.iter_mut().zip(column) {
            row.push(v);
        }
    }
    Ok(Features { rows, observed })
}

/// The raw mode shares of the observed years (structurally absent modes dropped): the feature
/// set of the raw-share variant, with no log-ratio and so no δ.
pub fn raw_shares(years: &[YearMix]) -> Features {
    let observed = observed_years(years);
    let modes: Vec<Vec<f64>> = observed.iter().map(|&i| years[i].modes.to_vec()).collect();
    Features {
        rows: subcompositions(&modes),
        observed,
    }
}

/// The columns of `rows` as z-scores (population sd), without the constant ones.
fn standardised_columns(rows: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let width = rows.first().map_or(0, Vec::len);
    let n = rows.len() as f64;
    (0..width)
        .filter_map(|c| {
            let column: Vec<f64> = rows.iter().map(|r| r[c]).collect();
            let mean = column.iter().sum::<f64>() / n;
            let sd = (column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
            (sd > 1e-12 * mean.abs().max(1.0))
                .then(|| column.iter().map(|v| (v - mean) / sd).collect())
        })
        .collect()
}

/// A segmentation: the row where each stage starts (the first is 0), and its cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Segmentation {
    pub starts: Vec<usize>,
    pub cost: f64,
}

struct Prefix {
    sum: Vec<Vec<f64>>,
    squares: Vec<f64>,
}

impl Prefix {
    /// Prefix sums of the series centred on its mean (costs do not change; rounding shrinks).
    fn new(series: &[Vec<f64>]) -> Self {
        let d = series.first().map_or(0, Vec::len);
        let n = series.len().max(1) as f64;
        let centre: Vec<f64> = (0..d)
            .map(|c| series.iter().map(|x| x[c]).sum::<f64>() / n)
            .collect();
        let mut sum = vec![vec![0.0; d]];
        let mut squares = vec![0.0];
        for x in series {
            let x: Vec<f64> = x.iter().zip(&centre).map(|(v, m)| v - m).collect();
            let last = sum.last().expect("starts non-empty");
            sum.push(last.iter().zip(&x).map(|(a, b)| a + b).collect());
            squares.push(squares.last().expect("non-empty") + x.iter().map(|v| v * v).sum::<f64>());
        }
        Self { sum, squares }
    }

    /// Within sum of squares of series[i..j].
    fn cost(&self, i: usize, j: usize) -> f64 {
        let n = (j - i) as f64;
        let s: f64 = self.sum[j]
            .iter()
            .zip(&self.sum[i])
            .map(|(a, b)| (a - b).powi(2))
            .sum();
        (self.squares[j] - self.squares[i] - s / n).max(0.0)
    }
}

/// The optimal partitions of `series` into k = 1, 2, … stages of at least `min_len` rows, up to
/// `k_max` or as many as fit. Among equal costs the earliest last break wins, as in ruptures'
/// `Dynp`.
pub fn path(series: &[Vec<f64>], k_max: usize, min_len: usize) -> Vec<Segmentation> {
    let t = series.len();
    let min_len = min_len.max(1);
    let k_max = k_max.min(t / min_len);
    let prefix = Prefix::new(series);
    // best[s][j]: least cost of splitting series[..j] into s stages; from[s][j]: start of the last.
    let mut best = vec![vec![f64::INFINITY; t + 1]; k_max + 1];
    let mut from = vec![vec![0usize; t + 1]; k_max + 1];
    best[0][0] = 0.0;
    for s in 1..=k_max {
        for j in s * min_len..=t {
            for i in (s - 1) * min_len..=j - min_len {
                if best[s - 1][i].is_finite() {
                    let c = best[s - 1][i] + prefix.cost(i, j);
                    if c < best[s][j] - 1e-15 {
                        best[s][j] = c;
                        from[s][j] = i;
                    }
                }
            }
        }
    }
    (1..=k_max)
        .map(|k| {
            let mut starts = vec![0; k];
            let mut j = t;
            for s in (1..=k).rev() {
                starts[s - 1] = from[s][j];
                j = from[s][j];
            }
            Segmentation {
                starts,
                cost: best[k][t],
            }
        })
        .collect()
}

/// The δ values of the robustness variants (the configured one is added): the default 0.01, half
/// and twice it, the range over which the demo's breaks were seen to move.
pub const ROBUSTNESS_DELTAS: [f64; 3] = [0.005, 0.01, 0.02];

/// The features of a robustness variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureSet {
    /// The configured `stage_features`, on log-ratios after zero replacement.
    Configured,
    /// The raw mode shares.
    RawShares,
}

/// One variant of the stage choice and what it chooses.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub criterion: Criterion,
    /// δ of the zero replacement; `None` for raw shares, which use none.
    pub delta: Option<f64>,
    pub features: FeatureSet,
    /// The k of least criterion.
    pub chosen: usize,
    /// First years of stages 2 … `chosen`.
    pub breaks: Vec<i32>,
    /// The k whose BIC on these features lies within 2 of the least.
    pub within_two_bic: Vec<usize>,
}

/// The stage choice over its variants.
#[derive(Debug, Clone, PartialEq)]
pub struct Robustness {
    pub variants: Vec<Variant>,
    /// The k within ΔBIC ≤ 2 of the least BIC at the configured features and δ.
    pub within_two_bic: Vec<usize>,
}

/// How often a break year is chosen across the variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Recurrence {
    /// The break year (first year of a stage).
    pub year: i32,
    /// Variants choosing it.
    pub variants: usize,
}

/// The robustness summary (the analysis summary's `stage_robustness`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RobustnessSummary {
    /// Variants of the stage choice (features, δ and criterion) rerun.
    pub variants: usize,
    /// The k within ΔBIC ≤ 2 of the least BIC at the configured features and δ.
    pub k_within_2_bic: Vec<usize>,
    /// Least stages among `k_within_2_bic` and the k chosen by every variant.
    pub stage_count_min: usize,
    /// Most stages among `k_within_2_bic` and the k chosen by every variant.
    pub stage_count_max: usize,
    /// Break years by the number of variants choosing them, most first (ties: earlier first).
    pub break_recurrence: Vec<Recurrence>,
    /// Arrangements with an end date (those with `ongoing` or an unknown end follow; the
    /// timeline assumes the unknown ones last to its horizon, binding 0: their start year).
    pub ends_dated: usize,
    /// Arrangements marked `ongoing`.
    pub ends_ongoing: usize,
    /// Arrangements marked `event` (one-off: in force in their start year only).
    pub ends_event: usize,
    /// Arrangements with an unknown end.
    pub ends_unknown: usize,
}

/// The k (1-based) of least criterion on `path`, the earliest among ties, and the k within 2 of
/// that least value.
fn least(path: &[Segmentation], criterion: Criterion, t: usize, d: usize) -> (usize, Vec<usize>) {
    let values: Vec<f64> = path
        .iter()
        .zip(1..)
        .map(|(s, k)| criterion.value(s.cost, t, d, k))
        .collect();
    let best = values.iter().copied().fold(f64::INFINITY, f64::min);
    let chosen = values.iter().position(|v| *v == best).map_or(1, |i| i + 1);
    let near = (1..=values.len())
        .filter(|k| values[k - 1] - best <= 2.0)
        .collect();
    (chosen, near)
}

/// Reruns the choice of k over criterion × δ × features (see the module's Method), with the
/// configured `max_stages` and `min_years`. Errors as [`features`] for a δ that cannot replace a
/// mix's zeros, and when the timeline cannot hold one stage.
pub fn robustness(
    arrangements: &[Arrangement],
    years: &[YearMix],
    settings: &StageSettings,
) -> Result<Robustness, String> {
    let mut deltas = ROBUSTNESS_DELTAS.to_vec();
    if !deltas.contains(&settings.zero_share) {
        deltas.push(settings.zero_share);
        deltas.sort_by(f64::total_cmp);
    }
    let mut sets = Vec::new();
    for &delta in &deltas {
        let configured = StageSettings {
            zero_share: delta,
            ..settings.clone()
        };
        sets.push((
            Some(delta),
            FeatureSet::Configured,
            features(arrangements, years, &configured)?,
        ));
    }
    sets.push((None, FeatureSet::RawShares, raw_shares(years)));
    let mut variants = Vec::new();
    let mut within_two_bic = Vec::new();
    for (delta, feature_set, found) in sets {
        let (t, d) = (found.rows.len(), found.rows.first().map_or(0, Vec::len));
        let segmentations = path(&found.rows, settings.max_stages, settings.min_years);
        if segmentations.is_empty() {
            return Err(format!(
                "{t} years with an arrangement in force cannot hold a stage of {} such years (min_stage_years)",
                settings.min_years
            ));
        }
        let (_, near) = least(&segmentations, Criterion::Bic, t, d);
        if delta == Some(settings.zero_share) && feature_set == FeatureSet::Configured {
            within_two_bic.clone_from(&near);
        }
        for criterion in [Criterion::Bic, Criterion::Lwz] {
            let (chosen, _) = least(&segmentations, criterion, t, d);
            variants.push(Variant {
                criterion,
                delta,
                features: feature_set,
                chosen,
                breaks: segmentations[chosen - 1].starts[1..]
                    .iter()
                    .map(|&r| years[found.observed[r]].year)
                    .collect(),
                within_two_bic: near.clone(),
            });
        }
    }
    Ok(Robustness {
        variants,
        within_two_bic,
    })
}

impl Robustness {
    /// Its summary; `arrangements` give the count of dated, ongoing and unknown ends.
    pub fn summary(&self, arrangements: &[Arrangement]) -> RobustnessSummary {
        let mut counts: BTreeMap<i32, usize> = BTreeMap::new();
        for year in self.variants.iter().flat_map(|v| &v.breaks) {
            *counts.entry(*year).or_default() += 1;
        }
        let mut break_recurrence: Vec<Recurrence> = counts
            .into_iter()
            .map(|(year, variants)| Recurrence { year, variants })
            .collect();
        break_recurrence.sort_by(|a, b| b.variants.cmp(&a.variants).then(a.year.cmp(&b.year)));
        let ks = self
            .within_two_bic
            .iter()
            .copied()
            .chain(self.variants.iter().map(|v| v.chosen));
        let count = |f: fn(&Ending) -> bool| arrangements.iter().filter(|a| f(&a.end)).count();
        let dated = count(|e| e.date().is_some());
        let ongoing = count(|e| *e == Ending::Ongoing);
        let events = count(|e| *e == Ending::Event);
        RobustnessSummary {
            variants: self.variants.len(),
            k_within_2_bic: self.within_two_bic.clone(),
            stage_count_min: ks.clone().min().unwrap_or(1),
            stage_count_max: ks.max().unwrap_or(1),
            break_recurrence,
            ends_dated: dated,
            ends_ongoing: ongoing,
            ends_event: events,
            ends_unknown: arrangements.len() - dated - ongoing - events,
        }
    }

    /// The `governance_stage_robustness` table: one row per variant.
    pub fn table(&self, configured: &[Feature]) -> Table {
        let configured = configured
            .iter()
            .map(|f| match f {
                Feature::Goal => "goal",
                Feature::Binding => "binding",
                Feature::Level => "level",
            })
            .fold("ilr modes".to_string(), |text, f| text + "+" + f);
        let list = |values: &[String]| Value::from(values.join(";"));
        let mut t = Table::new(
            "governance_stage_robustness",
            governance_stage_robustness_columns(),
            false,
        );
        for v in &self.variants {
            t.push(
                vec![
                    v.criterion.name().into(),
                    v.delta.map_or(Value::Null, |d| Value::Real(round_to(d, 9))),
                    match v.features {
                        FeatureSet::Configured => configured.as_str().into(),
                        FeatureSet::RawShares => "raw mode shares".into(),
                    },
                    v.chosen.into(),
                    list(&v.breaks.iter().map(i32::to_string).collect::<Vec<_>>()),
                    list(
                        &v.within_two_bic
                            .iter()
                            .map(usize::to_string)
                            .collect::<Vec<_>>(),
                    ),
                ],
                None,
            );
        }
        t
    }
}

/// The columns of `governance_stage_robustness` (its output spec reads them too).
pub fn governance_stage_robustness_columns() -> Vec<Column> {
    vec![
        Column::text("criterion", "criterion choosing k: bic or lwz"),
        Column::new(
            "delta",
            ColumnType::Real,
            None,
            "δ of the zero replacement; empty for raw shares (no log-ratios)",
        ),
        Column::text(
            "features",
            "ilr modes (+ the configured stage_features), or raw mode shares",
        ),
        Column::new("k", ColumnType::Int, None, "number of stages chosen"),
        Column::text("breaks", "first years of stages 2 … k, `;`-separated"),
        Column::text(
            "k_within_2_bic",
            "the k whose BIC on these features lies within 2 of the least (Kass & Raftery 1995), `;`-separated",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regime(h: f64, m: f64, n: f64, years: usize) -> Vec<Vec<f64>> {
        let x = replace_zeros(&[h, m, n], 0.01).unwrap();
        vec![ilr(&x); years]
    }

    /// The k of least BIC on the path.
    fn chosen(series: &[Vec<f64>], k_max: usize, min_len: usize) -> Vec<usize> {
        let d = series[0].len();
        path(series, k_max, min_len)
            .into_iter()
            .enumerate()
            .min_by(|a, b| {
                let value = |(i, s): &(usize, Segmentation)| {
                    Criterion::Bic.value(s.cost, series.len(), d, i + 1)
                };
                value(a).total_cmp(&value(b))
            })
            .unwrap()
            .1
            .starts
    }

    #[test]
    fn zero_replacement_and_ilr_follow_their_formulas() {
        // Martín-Fernández et al. 2003, eq. 8: zeros → δ, the rest × (1 − zδ).
        assert_eq!(
            replace_zeros(&[0.5, 0.0, 0.5], 0.01).unwrap(),
            [0.495, 0.01, 0.495]
        );
        assert!(replace_zeros(&[1.0, 0.0, 0.0], 0.5).is_none());
        // Egozcue et al. 2003: z_1 = √½ ln(x1/x2), z_2 = √⅔ ln(√(x1 x2)/x3).
        let z = ilr(&[0.2, 0.3, 0.5]);
        assert!((z[0] - 0.5f64.sqrt() * (0.2f64 / 0.3).ln()).abs() < 1e-15);
        assert!((z[1] - (2.0f64 / 3.0).sqrt() * ((0.2f64 * 0.3).sqrt() / 0.5).ln()).abs() < 1e-15);
        // An isometry: Aitchison distance = √(Σ_i<j (ln(x_i/x_j) − ln(y_i/y_j))² / D).
        let (x, y): ([f64; 3], [f64; 3]) = ([0.2, 0.3, 0.5], [0.6, 0.1, 0.3]);
        let aitchison = ((0..3)
            .flat_map(|i| (i + 1..3).map(move |j| (i, j)))
            .map(|(i, j)| ((x[i] / x[j]).ln() - (y[i] / y[j]).ln()).powi(2))
            .sum::<f64>()
            / 3.0)
            .sqrt();
        let euclid = ilr(&x)
            .iter()
            .zip(ilr(&y))
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!((aitchison - euclid).abs() < 1e-12);
    }

    #[test]
    fn path_is_the_exhaustive_optimum_for_every_k() {
        // A wobbly 2-d series; every partition of 11 rows into k stages ≥ 2 rows, by brute force.
        let series: Vec<Vec<f64>> = (0..11)
            .map(|t| {
                let t = t as f64;
                vec![
                    (t * 1.7).sin() + if t > 4.0 { 2.0 } else { 0.0 },
                    (t * 0.9).cos(),
                ]
            })
            .collect();
        let sse = |a: usize, b: usize| {
            let rows = &series[a..b];
            (0..2)
                .map(|c| {
                    let m = rows.iter().map(|r| r[c]).sum::<f64>() / rows.len() as f64;
                    rows.iter().map(|r| (r[c] - m).powi(2)).sum::<f64>()
                })
                .sum::<f64>()
        };
        fn partitions(from: usize, t: usize, k: usize, min: usize) -> Vec<Vec<usize>> {
            if k == 1 {
                return if t - from >= min {
                    vec![vec![from]]
                } else {
                    vec![]
                };
            }
            (from + min..=t)
                .flat_map(|next| {
                    partitions(next, t, k - 1, min)
                        .into_iter()
                        .map(move |mut rest| {
                            rest.insert(0, from);
                            rest
                        })
                })
                .collect()
        }
        let found = path(&series, 9, 2);
        assert_eq!(found.len(), 5, "11 rows hold at most 5 stages of 2");
        for (i, seg) in found.iter().enumerate() {
            let best = partitions(0, 11, i + 1, 2)
                .into_iter()
                .map(|starts| {
                    let mut ends = starts[1..].to_vec();
                    ends.push(11);
                    starts
                        .iter()
                        .zip(&ends)
                        .map(|(&a, &b)| sse(a, b))
                        .sum::<f64>()
                })
                .fold(f64::INFINITY, f64::min);
            assert!((seg.cost - best).abs() < 1e-12, "k = {}", i + 1);
            let mut ends = seg.starts[1..].to_vec();
            ends.push(11);
            assert!(seg.starts.iter().zip(&ends).all(|(a, b)| b - a >= 2));
        }
    }

    #[test]
    fn recovers_planted_breaks_and_their_number() {
        // Hierarchy only for 10 years, then network for 15, then mixed H/N for 10.
        let mut series = regime(1.0, 0.0, 0.0, 10);
        series.extend(regime(0.0, 0.0, 1.0, 15));
        series.extend(regime(0.5, 0.0, 0.5, 10));
        assert_eq!(path(&series, 3, 5)[2].starts, vec![0, 10, 25]);
        assert_eq!(chosen(&series, 6, 5), vec![0, 10, 25]);
    }

    #[test]
    fn no_change_is_one_stage() {
        let series = regime(0.3, 0.2, 0.5, 30);
        assert_eq!(chosen(&series, 6, 5), vec![0]);
    }

    #[test]
    fn noisy_regimes_are_still_found() {
        let mut series = Vec::new();
        for t in 0..40 {
            let wobble = ((t * 7919) % 13) as f64 / 13.0 * 0.1 - 0.05;
            let base = if t < 18 {
                [0.8, 0.1, 0.1]
            } else {
                [0.2, 0.2, 0.6]
            };
            series.push(ilr(&[base[0] + wobble, base[1], base[2] - wobble]));
        }
        assert_eq!(chosen(&series, 5, 5), vec![0, 18]);
    }

    #[test]
    fn feature_lists_parse() {
        assert_eq!(Feature::parse_list("none"), Some(vec![]));
        assert_eq!(
            Feature::parse_list("level, goal,level"),
            Some(vec![Feature::Goal, Feature::Level])
        );
        assert_eq!(Feature::parse_list("goal,colour"), None);
    }

    /// One-year arrangements, four a year 1990–2019, `n(year)` of them network and the rest
    /// hierarchy: the market mode is structurally absent.
    fn four_a_year(n: impl Fn(i32) -> i32) -> Vec<Arrangement> {
        let rows: Vec<[String; 11]> = (1990..2020)
            .flat_map(|y| (0..4).map(move |i| (y, i)))
            .map(|(y, i)| {
                let mode = if i < n(y) { "N" } else { "H" };
                [
                    format!("{y}.{i}"),
                    y.to_string(),
                    y.to_string(),
                    "a".into(),
                    "provincial".into(),
                    "plan".into(),
                    "economic".into(),
                    mode.into(),
                    "1;2".into(),
                    "2".into(),
                    String::new(),
                ]
            })
            .collect();
        let rows: Vec<[&str; 11]> = rows
            .iter()
            .map(|r| r.each_ref().map(String::as_str))
            .collect();
        crate::model::registry::parse(&crate::model::registry::table_of(&rows), None).unwrap()
    }

    fn settings() -> StageSettings {
        StageSettings {
            k: None,
            max_stages: 5,
            min_years: 3,
            zero_share: 0.01,
            features: Vec::new(),
            criterion: Criterion::Bic,
        }
    }

    #[test]
    fn robustness_lists_every_k_within_two_bic_of_the_best() {
        // The network share creeps up in steps with a wobble: BIC cannot tell 2 from 3 stages.
        let arrangements = four_a_year(|y| (y - 1990) / 5 + (y * 3) % 4);
        let years = super::super::timeline(&arrangements);
        let found = features(&arrangements, &years, &settings()).unwrap();
        let (t, d) = (found.rows.len(), found.rows[0].len());
        let bic: Vec<f64> = path(&found.rows, 5, 3)
            .iter()
            .zip(1..)
            .map(|(s, k)| Criterion::Bic.value(s.cost, t, d, k))
            .collect();
        let best = bic.iter().copied().fold(f64::INFINITY, f64::min);
        let near: Vec<usize> = (1..=5).filter(|k| bic[k - 1] - best <= 2.0).collect();
        assert_eq!(near, [2, 3], "the case must be ambiguous: {bic:?}");

        let robust = robustness(&arrangements, &years, &settings()).unwrap();
        assert_eq!(robust.within_two_bic, near);
        // 3 δ × 2 criteria on the configured features, 2 criteria on raw shares.
        assert_eq!(robust.variants.len(), 8);
        let table = robust.table(&[]);
        let row = (0..table.len())
            .find(|&r| {
                table.rows[r][0].to_text() == "bic"
                    && table.rows[r][1].to_text() == "0.01"
                    && table.rows[r][2].to_text() == "ilr modes"
            })
            .expect("the configured variant has a row");
        assert_eq!(table.rows[row][3].to_text(), "3");
        assert_eq!(table.rows[row][5].to_text(), "2;3");
        let raw: Vec<usize> = (0..table.len())
            .filter(|&r| table.rows[r][2].to_text() == "raw mode shares")
            .collect();
        assert_eq!(raw.len(), 2);
        assert!(raw.iter().all(|&r| table.rows[r][1] == Value::Null));
        let summary = robust.summary(&arrangements);
        assert_eq!(summary.k_within_2_bic, [2, 3]);
        assert!(summary.stage_count_min <= 2 && summary.stage_count_max >= 3);
    }

    #[test]
    fn break_recurrence_is_counted_across_variants() {
        // Worked by hand: 1987 in three of four variants, each other year in one; the variants
        // choose k = 3, 3, 2 and 4, and 2–3 lie within ΔBIC ≤ 2, so 2–4 stages.
        let variant = |breaks: &[i32]| Variant {
            criterion: Criterion::Bic,
            delta: Some(0.01),
            features: FeatureSet::Configured,
            chosen: breaks.len() + 1,
            breaks: breaks.to_vec(),
            within_two_bic: vec![2, 3],
        };
        let robust = Robustness {
            variants: vec![
                variant(&[1987, 2012]),
                variant(&[1987, 1997]),
                variant(&[1987]),
                variant(&[1989, 2001, 2008]),
            ],
            within_two_bic: vec![2, 3],
        };
        let summary = robust.summary(&[]);
        let recurrence: Vec<(i32, usize)> = summary
            .break_recurrence
            .iter()
            .map(|r| (r.year, r.variants))
            .collect();
        assert_eq!(
            recurrence,
            [
                (1987, 3),
                (1989, 1),
                (1997, 1),
                (2001, 1),
                (2008, 1),
                (2012, 1)
            ]
        );
        assert_eq!(
            (
                summary.variants,
                summary.stage_count_min,
                summary.stage_count_max
            ),
            (4, 2, 4)
        );
    }

    #[test]
    fn a_structurally_absent_mode_is_dropped_not_replaced() {
        // Always both H and N, never M: no rounding zero, so δ must not move the features.
        let arrangements = four_a_year(|y| 1 + i32::from(y >= 2005));
        let years = super::super::timeline(&arrangements);
        let at = |zero_share| {
            features(
                &arrangements,
                &years,
                &StageSettings {
                    zero_share,
                    ..settings()
                },
            )
            .unwrap()
            .rows
        };
        let (small, large) = (at(0.005), at(0.02));
        assert_eq!(small, large);
        // One coordinate: the ilr of the (H, N) subcomposition, √½ ln(H/N).
        assert_eq!(small[0].len(), 1);
        assert!((small[0][0] - 0.5f64.sqrt() * 3.0f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn unknown_and_ongoing_ends_are_counted() {
        let rows = [
            [
                "1", "2000", "ongoing", "a", "city", "plan", "economic", "H", "1", "0", "",
            ],
            [
                "2", "2000", "", "a", "city", "plan", "economic", "H", "1", "0", "",
            ],
            [
                "3", "2000", "2003", "a", "city", "plan", "economic", "N", "1", "2", "",
            ],
        ];
        let table = crate::model::registry::table_of(&rows);
        let arrangements = crate::model::registry::parse(&table, None).unwrap();
        let summary = Robustness {
            variants: Vec::new(),
            within_two_bic: vec![1],
        }
        .summary(&arrangements);
        assert_eq!(
            (
                summary.ends_dated,
                summary.ends_ongoing,
                summary.ends_unknown
            ),
            (1, 1, 1)
        );
    }
}
