//! Stages of a coordination model found from data: an optimal segmentation of the yearly
//! composition series into k contiguous stages, for every k up to a bound (the stage path).
//!
//! # Method (methods.md, Governance, Stages)
//! - Features, one row per year with an arrangement in force (years without one are left out of
//!   the cost; the stage around them spans them): the isometric log-ratio (ilr) coordinates of the
//!   mode mix, z_i = √(i/(i+1)) ln(g(x_1..x_i)/x_{i+1}), i = 1..D−1 (Egozcue et al. 2003), after
//!   multiplicative zero replacement r_j = δ for a zero part and x_j(1 − zδ) otherwise, z the
//!   number of zero parts (Martín-Fernández et al. 2003). The shares sum to 1, so only D − 1
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
//!
//! # References
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

use std::collections::BTreeSet;

use super::YearMix;
use crate::model::registry::Arrangement;

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

/// Builds the features of `years` (the timeline of `arrangements`); errors name the feature whose
/// zeros `zero_share` cannot replace.
pub fn features(
    arrangements: &[Arrangement],
    years: &[YearMix],
    settings: &StageSettings,
) -> Result<Features, String> {
    let delta = settings.zero_share;
    let coordinates = |name: &str, mix: &[f64]| {
        replace_zeros(mix, delta).map(|r| ilr(&r)).ok_or_else(|| {
            format!("the {name} mix has too many zero parts for zero_share {delta} (z·δ ≥ 1)")
        })
    };
    let horizon = years.last().map_or(0, |y| y.year);
    let levels: Vec<&str> = arrangements
        .iter()
        .map(|a| a.level.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let observed: Vec<usize> = (0..years.len()).filter(|&i| years[i].active > 0).collect();
    let mut rows = Vec::with_capacity(observed.len());
    let mut extras = Vec::with_capacity(observed.len());
    for &i in &observed {
        let y = &years[i];
        rows.push(coordinates("mode", &y.modes)?);
        let mut extra = Vec::new();
        for feature in &settings.features {
            match feature {
                Feature::Goal => extra.extend(coordinates("goal", &y.goals)?),
                Feature::Binding => extra.push(y.mean_binding),
                Feature::Level => {
                    let active: Vec<&Arrangement> = arrangements
                        .iter()
                        .filter(|a| a.active_in(y.year, horizon))
                        .collect();
                    let mix: Vec<f64> = levels
                        .iter()
                        .map(|l| {
                            active.iter().filter(|a| a.level == *l).count() as f64
                                / active.len() as f64
                        })
                        .collect();
                    extra.extend(coordinates("level", &mix)?);
                }
            }
        }
        extras.push(extra);
    }
    for column in standardised_columns(&extras) {
        for (row, v) in rows.iter_mut().zip(column) {
            row.push(v);
        }
    }
    Ok(Features { rows, observed })
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
}
