//! Moran's I: global spatial autocorrelation with analytical and permutation inference, local
//! Moran (LISA) with conditional permutations, and the bivariate form.
//!
//! # Formulas (as in PySAL esda; names are esda's)
//! z = y − ȳ, S0 = Σ_ij w_ij, I = (n / S0) · Σ_i z_i Σ_j w_ij z_j / Σ_i z_i², EI = −1/(n−1).
//! S1 = ½ Σ_ij (w_ij + w_ji)², S2 = Σ_i (Σ_j w_ij + Σ_j w_ji)².
//! Normality: VI_norm = (n² S1 − n S2 + 3 S0²) / ((n² − 1) S0²) − EI².
//! Randomisation: with the kurtosis b2 = n Σz⁴ / (Σz²)²,
//! VI_rand = [n((n² − 3n + 3) S1 − n S2 + 3 S0²) − b2((n² − n) S1 − 2n S2 + 6 S0²)]
//!           / ((n − 1)(n − 2)(n − 3) S0²) − EI².
//! z = (I − EI)/√V; p_norm, p_rand two-sided (esda's default).
//! Permutation: p_sim = (m + 1)/(permutations + 1) by [`significance`](crate::stats::significance)
//! under the chosen alternative; esda's `p_sim` is `directed` (m = min(#≥I, #<I)); the analyses
//! default to `two-sided`, since `directed` picks its tail after seeing I and halves the p-value.
//! EI_sim and VI_sim are the mean and the population variance (÷ permutations, numpy's `np.var`)
//! of the permuted statistics, seI_sim = √VI_sim, z_sim = (I − EI_sim)/seI_sim, as esda.
//! Local: I_i = (z_i / m2) Σ_j w_ij z_j with m2 = Σ z² / (n − 1) (esda's `Moran_Local.Is`:
//! (n − 1) z_i lag_i / Σz²; esda's analytic local moments, which we do not report, use Σz²/n);
//! quadrant 1 HH, 2 LH, 3 LL, 4 HL; conditional permutation keeps z_i and draws its neighbours'
//! values from the other units. Clusters: the quadrant where p_sim ≤ the cut-off, which is the
//! significance level or, for the false discovery rate, the Benjamini–Hochberg cut-off of
//! [`fdr_cutoff`] (esda's `fdr`).
//! Bivariate: I_xy = (n / S0) Σ_i x̃_i Σ_j w_ij ỹ_j / Σ x̃², x̃, ỹ standardised (population sd);
//! for row-standardised weights (S0 = n) this is esda's `Moran_BV`. Its permutation test permutes
//! y over all units, as `Moran_BV`.
//!
//! # References
//! - Moran, P. A. P. (1950) Notes on continuous stochastic phenomena. *Biometrika* 37, 17–23.
//! - Cliff, A. D. & Ord, J. K. (1981) *Spatial Processes: Models and Applications*, Pion (moments).
//! - Anselin, L. (1995) Local indicators of spatial association — LISA. *Geographical Analysis*
//!   27(2), 93–115, doi:10.1111/j.1538-4632.1995.tb00338.x.
//! - Benjamini, Y. & Hochberg, Y. (1995) Controlling the false discovery rate. *Journal of the
//!   Royal Statistical Society B* 57(1), 289–300 (the cut-off; esda's `fdr`, Castro & Singer 2006
//!   for its use with LISA: *Geographical Analysis* 38(2), 180–208).
//! - Rey, S. J. & Anselin, L. (2007) PySAL; esda `Moran`, `Moran_Local`, `Moran_BV`, `fdr`.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_pcg::Pcg64;
use serde::Serialize;

use crate::error::AnalysisError;
use crate::spatial_weights::SpatialWeights;
use crate::stats::significance::{pseudo_p, Alternative};
use crate::table::{round_to, Column, ColumnType, Value};

/// Permutation inference settings; the seed makes results reproducible.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Permutations {
    pub permutations: usize,
    pub seed: u64,
    /// The alternative hypothesis of `p_sim`.
    pub alternative: Alternative,
}

/// Global Moran's I with its inference (field names are esda's).
#[derive(Debug, Clone, Serialize)]
#[allow(non_snake_case)]
pub struct MoransI {
    pub n: usize,
    pub I: f64,
    pub EI: f64,
    pub VI_norm: f64,
    pub z_norm: f64,
    pub p_norm: f64,
    pub VI_rand: f64,
    pub z_rand: f64,
    pub p_rand: f64,
    /// Present when permutations were asked for.
    #[serde(flatten)]
    pub simulation: Option<Simulation>,
    /// Indices of units without neighbours (their lag is 0); not serialised, as a report names
    /// them by their ids.
    #[serde(skip)]
    pub islands: Vec<usize>,
}

/// Permutation results.
#[derive(Debug, Clone, Serialize)]
#[allow(non_snake_case)]
pub struct Simulation {
    pub permutations: usize,
    pub seed: u64,
    pub alternative: Alternative,
    /// `None` when I is undefined (NaN).
    pub p_sim: Option<f64>,
    pub EI_sim: f64,
    /// Population variance of the permuted statistics (÷ permutations, as esda).
    pub VI_sim: f64,
    pub seI_sim: f64,
    pub z_sim: f64,
}

impl Simulation {
    /// The inference of `observed` from its permuted values `simulated`.
    fn new(observed: f64, simulated: &[f64], p: Permutations) -> Simulation {
        let (mean, var) = mean_var(simulated);
        Simulation {
            permutations: p.permutations,
            seed: p.seed,
            alternative: p.alternative,
            p_sim: pseudo_p(observed, simulated, p.alternative),
            EI_sim: mean,
            VI_sim: var,
            seI_sim: var.sqrt(),
            z_sim: (observed - mean) / var.sqrt(),
        }
    }
}

/// Bivariate Moran's I with its permutation inference (field names are esda's `Moran_BV`).
#[derive(Debug, Clone, Serialize)]
#[allow(non_snake_case)]
pub struct BivariateMoran {
    pub I: f64,
    /// Present when permutations were asked for.
    #[serde(flatten)]
    pub simulation: Option<Simulation>,
}

/// One unit's local Moran.
#[derive(Debug, Clone, Serialize)]
pub struct LocalMoran {
    /// I_i.
    pub i: f64,
    /// 1 HH, 2 LH, 3 LL, 4 HL (esda's numbering).
    pub quadrant: u8,
    /// Conditional-permutation pseudo p-value under the chosen alternative.
    pub p_sim: Option<f64>,
}

impl LocalMoran {
    pub fn quadrant_label(&self) -> &'static str {
        ["HH", "LH", "LL", "HL"][(self.quadrant - 1) as usize]
    }

    /// The quadrant where p_sim ≤ `cutoff` (see [`cluster_cutoff`]), else `ns`.
    pub fn cluster(&self, cutoff: f64) -> &'static str {
        if self.p_sim.is_some_and(|p| p <= cutoff) {
            self.quadrant_label()
        } else {
            "ns"
        }
    }

    /// The columns every LISA table shares (`analyze`'s lisa_clusters and `moran --local`),
    /// in the order of [`LocalMoran::values`].
    pub fn columns() -> Vec<Column> {
        vec![
            Column::new("local_i", ColumnType::Real, None, "local Moran's I_i"),
            Column::text("quadrant", "HH, LH, LL or HL"),
            Column::new(
                "p_sim",
                ColumnType::Real,
                None,
                "conditional-permutation pseudo p-value",
            ),
            Column::text(
                "cluster",
                "the quadrant where p_sim ≤ the cut-off (significance, or its FDR cut-off with fdr), else ns",
            ),
        ]
    }

    /// The values of [`LocalMoran::columns`], clusters at p_sim ≤ `cutoff`.
    pub fn values(&self, cutoff: f64) -> Vec<Value> {
        vec![
            Value::Real(round_to(self.i, 9)),
            self.quadrant_label().into(),
            Value::from(self.p_sim),
            self.cluster(cutoff).into(),
        ]
    }
}

/// The Benjamini–Hochberg p cut-off of `p_values` at false discovery rate `alpha`, as esda's
/// `fdr`: with p_(1) ≤ … ≤ p_(n), k α / n for the largest k with p_(k) < k α / n; when there is
/// none, the Bonferroni bound α / n. `None` without p-values.
pub fn fdr_cutoff(p_values: &[f64], alpha: f64) -> Option<f64> {
    let n = p_values.len();
    let mut sorted = p_values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let bound = |k: usize| k as f64 * alpha / n as f64;
    (n > 0).then(|| {
        (1..=n)
            .rev()
            .find(|&k| sorted[k - 1] < bound(k))
            .map_or(bound(1), bound)
    })
}

/// The p cut-off of significant LISA clusters: `significance`, or with `fdr` the
/// [`fdr_cutoff`] of the units' p_sim at that rate (units without p_sim, e.g. islands, are not
/// tested and do not count).
pub fn cluster_cutoff(local: &[LocalMoran], significance: f64, fdr: bool) -> f64 {
    if !fdr {
        return significance;
    }
    let p: Vec<f64> = local.iter().filter_map(|l| l.p_sim).collect();
    fdr_cutoff(&p, significance).unwrap_or(significance)
}

fn check(y: &[f64], w: &SpatialWeights) -> Result<(), AnalysisError> {
    if y.len() != w.len() {
        return Err(AnalysisError::Input(format!(
            "{} values but {} units in the weights",
            y.len(),
            w.len()
        )));
    }
    if y.len() < 4 {
        return Err(AnalysisError::Input(
            "Moran's I needs at least 4 units".into(),
        ));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(AnalysisError::Input(
            "the variable has missing or non-finite values".into(),
        ));
    }
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    if y.iter().all(|v| (v - mean).abs() < 1e-300) {
        return Err(AnalysisError::Input(
            "the variable is constant: Moran's I is undefined".into(),
        ));
    }
    if w.links() == 0 {
        return Err(AnalysisError::Input("no unit has a neighbour".into()));
    }
    Ok(())
}

fn deviations(y: &[f64]) -> Vec<f64> {
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    y.iter().map(|v| v - mean).collect()
}

fn statistic(z: &[f64], w: &SpatialWeights, s0: f64, zz: f64) -> f64 {
    let lag = w.lag(z);
    z.len() as f64 / s0 * z.iter().zip(&lag).map(|(a, b)| a * b).sum::<f64>() / zz
}

/// Standard normal upper tail probability.
fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// Mean and population variance (÷ n, numpy's `np.var`, which esda's VI_sim is).
fn mean_var(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var)
}

/// `permutations` values of `statistic` on seeded shuffles of `values`.
fn permuted(values: &[f64], p: Permutations, statistic: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let mut rng = Pcg64::seed_from_u64(p.seed);
    let mut shuffled = values.to_vec();
    (0..p.permutations)
        .map(|_| {
            shuffled.shuffle(&mut rng);
            statistic(&shuffled)
        })
        .collect()
}

/// Global Moran's I of `y` under weights `w`.
pub fn global(
    y: &[f64],
    w: &SpatialWeights,
    permutations: Option<Permutations>,
) -> Result<MoransI, AnalysisError> {
    check(y, w)?;
    let n = y.len();
    let nf = n as f64;
    let z = deviations(y);
    let zz: f64 = z.iter().map(|v| v * v).sum();
    let s0: f64 = w.neighbours.iter().flatten().map(|&(_, v)| v).sum();
    let mut column_sums = vec![0.0; n];
    let mut weight = std::collections::HashMap::new();
    for (i, row) in w.neighbours.iter().enumerate() {
        for &(j, v) in row {
            column_sums[j] += v;
            weight.insert((i, j), v);
        }
    }
    // S1 = ½ Σ over ordered pairs of (w_ij + w_ji)²; a pair present only one way counts for both.
    let mut s1 = 0.0;
    for (&(i, j), &v) in &weight {
        match weight.get(&(j, i)) {
            Some(&back) => s1 += 0.5 * (v + back).powi(2),
            None => s1 += v * v,
        }
    }
    let s2: f64 = w
        .neighbours
        .iter()
        .enumerate()
        .map(|(i, row)| (row.iter().map(|&(_, v)| v).sum::<f64>() + column_sums[i]).powi(2))
        .sum();
    let i_obs = statistic(&z, w, s0, zz);
    let ei = -1.0 / (nf - 1.0);
    let vi_norm = (nf * nf * s1 - nf * s2 + 3.0 * s0 * s0) / ((nf * nf - 1.0) * s0 * s0) - ei * ei;
    let b2 = nf * z.iter().map(|v| v.powi(4)).sum::<f64>() / (zz * zz);
    let a = nf * ((nf * nf - 3.0 * nf + 3.0) * s1 - nf * s2 + 3.0 * s0 * s0);
    let b = b2 * ((nf * nf - nf) * s1 - 2.0 * nf * s2 + 6.0 * s0 * s0);
    let vi_rand = (a - b) / ((nf - 1.0) * (nf - 2.0) * (nf - 3.0) * s0 * s0) - ei * ei;
    let z_norm = (i_obs - ei) / vi_norm.sqrt();
    let z_rand = (i_obs - ei) / vi_rand.sqrt();
    let simulation = permutations.filter(|p| p.permutations > 0).map(|p| {
        let simulated = permuted(&z, p, |shuffled| statistic(shuffled, w, s0, zz));
        Simulation::new(i_obs, &simulated, p)
    });
    Ok(MoransI {
        n,
        I: i_obs,
        EI: ei,
        VI_norm: vi_norm,
        z_norm,
        p_norm: 2.0 * normal_sf(z_norm.abs()),
        VI_rand: vi_rand,
        z_rand,
        p_rand: 2.0 * normal_sf(z_rand.abs()),
        simulation,
        islands: w.islands(),
    })
}

/// Local Moran's I of every unit.
pub fn local(
    y: &[f64],
    w: &SpatialWeights,
    permutations: Option<Permutations>,
) -> Result<Vec<LocalMoran>, AnalysisError> {
    check(y, w)?;
    let n = y.len();
    let z = deviations(y);
    let m2 = z.iter().map(|v| v * v).sum::<f64>() / (n - 1) as f64;
    let lag = w.lag(&z);
    let mut rng = permutations.map(|p| Pcg64::seed_from_u64(p.seed));
    let mut others: Vec<usize> = Vec::with_capacity(n);
    Ok((0..n)
        .map(|i| {
            let observed = z[i] / m2 * lag[i];
            let quadrant = match (z[i] > 0.0, lag[i] > 0.0) {
                (true, true) => 1,
                (false, true) => 2,
                (false, false) => 3,
                (true, false) => 4,
            };
            let p_sim = match (permutations, rng.as_mut()) {
                (Some(p), Some(rng)) if p.permutations > 0 && !w.neighbours[i].is_empty() => {
                    others.clear();
                    others.extend((0..n).filter(|&j| j != i));
                    let row = &w.neighbours[i];
                    let simulated: Vec<f64> = (0..p.permutations)
                        .map(|_| {
                            let (drawn, _) = others.partial_shuffle(rng, row.len());
                            let lag: f64 = row
                                .iter()
                                .zip(drawn.iter())
                                .map(|(&(_, wij), &j)| wij * z[j])
                                .sum();
                            z[i] / m2 * lag
                        })
                        .collect();
                    pseudo_p(observed, &simulated, p.alternative)
                }
                _ => None,
            };
            LocalMoran {
                i: observed,
                quadrant,
                p_sim,
            }
        })
        .collect())
}

/// Bivariate Moran's I: `x` against the spatial lag of `y`; with permutations, y is permuted
/// over all units (esda's `Moran_BV`).
pub fn bivariate(
    x: &[f64],
    y: &[f64],
    w: &SpatialWeights,
    permutations: Option<Permutations>,
) -> Result<BivariateMoran, AnalysisError> {
    check(x, w)?;
    check(y, w)?;
    let standardise = |v: &[f64]| {
        let d = deviations(v);
        let sd = (d.iter().map(|a| a * a).sum::<f64>() / d.len() as f64).sqrt();
        d.into_iter().map(|a| a / sd).collect::<Vec<_>>()
    };
    let (zx, zy) = (standardise(x), standardise(y));
    let s0: f64 = w.neighbours.iter().flatten().map(|&(_, v)| v).sum();
    let xx: f64 = zx.iter().map(|a| a * a).sum();
    let statistic = |zy: &[f64]| {
        let lag = w.lag(zy);
        let num: f64 = zx.iter().zip(&lag).map(|(a, b)| a * b).sum();
        x.len() as f64 / s0 * num / xx
    };
    let i_obs = statistic(&zy);
    let simulation = permutations.filter(|p| p.permutations > 0).map(|p| {
        let simulated = permuted(&zy, p, statistic);
        Simulation::new(i_obs, &simulated, p)
    });
    Ok(BivariateMoran {
        I: i_obs,
        simulation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// esda's p_sim settings with seed 7.
    fn seeded(permutations: usize) -> Option<Permutations> {
        Some(Permutations {
            permutations,
            seed: 7,
            alternative: Alternative::Directed,
        })
    }

    /// A 3×3 grid of units with rook neighbours.
    fn grid() -> SpatialWeights {
        let mut pairs = Vec::new();
        for r in 0..3 {
            for c in 0..3 {
                let i = r * 3 + c;
                if c < 2 {
                    pairs.push((i, i + 1));
                }
                if r < 2 {
                    pairs.push((i, i + 3));
                }
            }
        }
        SpatialWeights::from_pairs(9, pairs)
    }

    #[test]
    fn clustered_values_are_positive_and_significant_by_permutation() {
        let y = [1.0, 1.0, 2.0, 1.0, 2.0, 8.0, 2.0, 8.0, 9.0];
        let w = grid().with_transform(crate::spatial_weights::Transform::RowStandardised);
        let m = global(&y, &w, seeded(999)).unwrap();
        assert!(m.I > 0.3 && m.z_norm > 2.0, "{m:?}");
        let sim = m.simulation.as_ref().unwrap();
        assert!(sim.p_sim.unwrap() < 0.02, "{sim:?}");
        // Same seed, same answer.
        let again = global(&y, &w, seeded(999)).unwrap();
        assert_eq!(again.simulation.unwrap().p_sim, sim.p_sim);
        let lisa = local(&y, &w, seeded(99)).unwrap();
        assert_eq!(lisa[8].quadrant_label(), "HH");
        assert_eq!(lisa[0].quadrant_label(), "LL");
    }

    #[test]
    fn constant_and_mismatched_inputs_are_errors() {
        let w = grid();
        assert!(global(&[1.0; 9], &w, None)
            .unwrap_err()
            .to_string()
            .contains("constant"));
        assert!(global(&[1.0, 2.0], &w, None).is_err());
    }

    /// esda's VI_sim is `np.array(sim).std() ** 2`, the population variance: numpy 2.4.6
    /// `np.var([1.0, 2.0, 3.0, 4.0])` = 1.25 (benches/peers/moran_peer.py, `np_var_1_2_3_4`);
    /// the sample variance would be 1.6667.
    #[test]
    fn simulated_variance_divides_by_the_permutations() {
        assert_eq!(mean_var(&[1.0, 2.0, 3.0, 4.0]), (2.5, 1.25));
        let p = seeded(4).unwrap();
        let s = Simulation::new(5.0, &[1.0, 2.0, 3.0, 4.0], p);
        assert_eq!((s.EI_sim, s.VI_sim), (2.5, 1.25));
        assert_eq!(s.z_sim, 2.5 / 1.25f64.sqrt());
    }

    /// esda 2.9.0 `esda.Moran_Local(CRIME, columbus.gal, permutations=999, seed=12345).p_sim`
    /// and `esda.fdr(p_sim, 0.05)` = 0.009183673469387756, `esda.fdr(p_sim, 0.1)` =
    /// 0.030612244897959183 (benches/peers/moran_peer.py, `columbus_lisa`).
    #[test]
    fn fdr_cutoff_is_esdas() {
        let p = [
            0.194, 0.167, 0.232, 0.451, 0.154, 0.319, 0.037, 0.16, 0.394, 0.104, 0.018, 0.09,
            0.346, 0.098, 0.008, 0.001, 0.045, 0.018, 0.102, 0.217, 0.187, 0.482, 0.037, 0.001,
            0.002, 0.021, 0.413, 0.006, 0.001, 0.02, 0.039, 0.002, 0.39, 0.06, 0.371, 0.005, 0.008,
            0.089, 0.018, 0.016, 0.065, 0.075, 0.416, 0.49, 0.348, 0.048, 0.064, 0.215, 0.201,
        ];
        assert_eq!(fdr_cutoff(&p, 0.05), Some(0.009183673469387756));
        assert_eq!(fdr_cutoff(&p, 0.1), Some(0.030612244897959183));
        // Nothing passes: the Bonferroni bound α/n, as esda.
        assert_eq!(fdr_cutoff(&[0.5, 0.9], 0.05), Some(0.025));
        assert_eq!(fdr_cutoff(&[], 0.05), None);
        // Clusters at the cut-off: p = 0.008 ≤ 0.00918 is significant, 0.016 is not.
        let unit = |p| LocalMoran {
            i: 1.0,
            quadrant: 1,
            p_sim: Some(p),
        };
        let local: Vec<LocalMoran> = p.iter().map(|&q| unit(q)).collect();
        let cutoff = cluster_cutoff(&local, 0.05, true);
        assert_eq!(cutoff, 0.009183673469387756);
        assert_eq!(
            (unit(0.008).cluster(cutoff), unit(0.016).cluster(cutoff)),
            ("HH", "ns")
        );
        assert_eq!(cluster_cutoff(&local, 0.05, false), 0.05);
    }

    /// Under permutation of y over all units, Σ_j a_j ỹ_π(j) (a_j = Σ_i w_ij x̃_i) has mean 0
    /// and variance S_aa S_yy / (n − 1) (Wald & Wolfowitz 1944, *Ann. Math. Stat.* 15(4):358);
    /// the simulated moments of the bivariate I come close to these exact ones.
    #[test]
    fn bivariate_permutations_match_the_exact_permutation_moments() {
        let x = [1.0, 3.0, 2.0, 5.0, 4.0, 8.0, 6.0, 9.0, 7.0];
        let y = [2.0, 1.0, 4.0, 3.0, 6.0, 5.0, 9.0, 7.0, 8.0];
        let w = grid().with_transform(crate::spatial_weights::Transform::RowStandardised);
        let bv = bivariate(&x, &y, &w, seeded(20_000)).unwrap();
        let n = x.len() as f64;
        let standard = |v: &[f64]| {
            let d = deviations(v);
            let sd = (d.iter().map(|a| a * a).sum::<f64>() / n).sqrt();
            d.into_iter().map(|a| a / sd).collect::<Vec<_>>()
        };
        let zx = standard(&x);
        let mut a = vec![0.0; x.len()];
        for (i, row) in w.neighbours.iter().enumerate() {
            for &(j, wij) in row {
                a[j] += wij * zx[i];
            }
        }
        let mean_a = a.iter().sum::<f64>() / n;
        let s_aa: f64 = a.iter().map(|v| (v - mean_a).powi(2)).sum();
        // I = Σ a_j ỹ_j / n here (S0 = n, Σ x̃² = n) and S_yy = n.
        let exact_sd = (s_aa * n / (n - 1.0)).sqrt() / n;
        let sim = bv.simulation.unwrap();
        // Monte Carlo standard errors with 20,000 permutations: sd/√R and sd/√(2R) (roughly).
        assert!(
            sim.EI_sim.abs() < 4.0 * exact_sd / 20_000f64.sqrt(),
            "{sim:?}"
        );
        assert!(
            (sim.seI_sim / exact_sd - 1.0).abs() < 0.03,
            "{sim:?} vs {exact_sd}"
        );
        assert_eq!(sim.seI_sim, sim.VI_sim.sqrt());
    }

    #[test]
    fn directed_pseudo_p_is_esdas_p_sim() {
        let sims: Vec<f64> = (0..99).map(|i| i as f64).collect();
        let p = |x| pseudo_p(x, &sims, Alternative::Directed).unwrap();
        assert_eq!(p(1000.0), 0.01);
        assert_eq!(p(-1000.0), 0.01);
        assert_eq!(p(49.5), 0.5);
    }

    /// LISA on pure noise (uniform values on a 10×10 queen lattice, row-standardised, 999
    /// conditional permutations, 200 fields, 20,000 unit tests): the two-sided p_sim with the
    /// Benjamini–Hochberg cut-off at 0.05 (the analyses' default) flags none (0 %); the two-sided
    /// p_sim alone flags 5.07 % and the one-tailed `directed` alone 10.2 %, the default before.
    /// FDR bounds the share of false discoveries among the flagged units (Benjamini & Hochberg
    /// 1995), so on pure noise it flags far fewer than 5 %.
    #[test]
    fn lisa_on_noise_flags_few_units_with_the_default_cutoff() {
        use rand::RngExt;
        let side = 10;
        let mut pairs = Vec::new();
        for r in 0..side {
            for c in 0..side {
                let i = r * side + c;
                for (dr, dc) in [(0, 1), (1, -1), (1, 0), (1, 1)] {
                    let (r2, c2) = (r as i64 + dr, c as i64 + dc);
                    if r2 < side as i64 && (0..side as i64).contains(&c2) {
                        pairs.push((i, r2 as usize * side + c2 as usize));
                    }
                }
            }
        }
        let w = SpatialWeights::from_pairs(side * side, pairs)
            .with_transform(crate::spatial_weights::Transform::RowStandardised);
        let mut rng = Pcg64::seed_from_u64(38);
        let (fields, mut tests) = (200, 0);
        let mut flagged = [0usize; 3];
        for field in 0..fields {
            let y: Vec<f64> = (0..side * side).map(|_| rng.random::<f64>()).collect();
            for (k, (alternative, fdr)) in [
                (Alternative::TwoSided, true),
                (Alternative::TwoSided, false),
                (Alternative::Directed, false),
            ]
            .into_iter()
            .enumerate()
            {
                let p = Permutations {
                    permutations: 999,
                    seed: field,
                    alternative,
                };
                let lisa = local(&y, &w, Some(p)).unwrap();
                let cutoff = cluster_cutoff(&lisa, 0.05, fdr);
                flagged[k] += lisa.iter().filter(|l| l.cluster(cutoff) != "ns").count();
            }
            tests += side * side;
        }
        let rate = flagged.map(|f| f as f64 / tests as f64);
        assert!(rate[0] <= 0.01, "{rate:?}");
        assert!((0.04..=0.06).contains(&rate[1]), "{rate:?}");
        assert!(rate[2] > 0.08, "{rate:?}");
    }
}
