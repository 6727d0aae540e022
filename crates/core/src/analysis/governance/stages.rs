//! Stages of a coordination model found from data: an optimal segmentation of a yearly
//! composition series into k contiguous stages.
//!
//! # Method
//! Cost of a stage = Σ_t ‖x_t − x̄_stage‖² (within-stage sum of squares of the composition
//! vectors); the k-stage partition minimising the total cost is found exactly by dynamic
//! programming over prefix sums, O(k·T²) (Bellman 1961; Fisher 1958's optimal grouping). Stages are
//! at least `min_years` long. k is given, or chosen by the Bayesian information criterion
//! BIC(k) = N ln(RSS_k / N) + p_k ln N with N = T·d observations and p_k = k·d + (k − 1) parameters
//! (stage means and break points), with RSS floored at 1e-9·N so that a perfect fit does not
//! reward extra stages.
//!
//! # References
//! - Fisher, W. D. (1958) On grouping for maximum homogeneity. *JASA* 53(284), 789–798.
//! - Bai, J. & Perron, P. (2003) Computation and analysis of multiple structural change models.
//!   *J. Applied Econometrics* 18(1), 1–22 (dynamic programming for break points).
//! - Schwarz, G. (1978) Estimating the dimension of a model. *Annals of Statistics* 6(2), 461–464.

/// A segmentation: the index where each stage starts (the first is 0), and its cost.
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
    fn new(series: &[Vec<f64>]) -> Self {
        let d = series.first().map_or(0, Vec::len);
        let mut sum = vec![vec![0.0; d]];
        let mut squares = vec![0.0];
        for x in series {
            let last = sum.last().expect("starts non-empty");
            sum.push(last.iter().zip(x).map(|(a, b)| a + b).collect());
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

/// The optimal partition of `series` into `k` stages of at least `min_len` points.
pub fn segment(series: &[Vec<f64>], k: usize, min_len: usize) -> Option<Segmentation> {
    let t = series.len();
    let min_len = min_len.max(1);
    if k == 0 || k * min_len > t {
        return None;
    }
    let prefix = Prefix::new(series);
    // best[s][j]: least cost of splitting series[..j] into s stages; from[s][j]: start of the last.
    let mut best = vec![vec![f64::INFINITY; t + 1]; k + 1];
    let mut from = vec![vec![0usize; t + 1]; k + 1];
    best[0][0] = 0.0;
    for s in 1..=k {
        for j in s * min_len..=t {
            for i in (s - 1) * min_len..=j - min_len {
                if best[s - 1][i].is_finite() {
                    let c = best[s - 1][i] + prefix.cost(i, j);
                    // `<` keeps the earliest break among equal costs: deterministic.
                    if c < best[s][j] - 1e-15 {
                        best[s][j] = c;
                        from[s][j] = i;
                    }
                }
            }
        }
    }
    let mut starts = vec![0; k];
    let mut j = t;
    for s in (1..=k).rev() {
        starts[s - 1] = from[s][j];
        j = from[s][j];
    }
    Some(Segmentation {
        starts,
        cost: best[k][t],
    })
}

/// BIC of a segmentation of `t` points of dimension `d` into `k` stages.
pub fn bic(cost: f64, t: usize, d: usize, k: usize) -> f64 {
    let n = (t * d) as f64;
    let rss = cost.max(1e-9 * n);
    n * (rss / n).ln() + ((k * d + k - 1) as f64) * n.ln()
}

/// The segmentation with the number of stages (1..=k_max) of least BIC.
pub fn choose(series: &[Vec<f64>], k_max: usize, min_len: usize) -> Option<Segmentation> {
    let d = series.first().map_or(1, Vec::len);
    (1..=k_max)
        .filter_map(|k| segment(series, k, min_len).map(|s| (bic(s.cost, series.len(), d, k), s)))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regime(h: f64, m: f64, n: f64, years: usize) -> Vec<Vec<f64>> {
        vec![vec![h, m, n]; years]
    }

    #[test]
    fn recovers_planted_breaks_and_their_number() {
        // Hierarchy only for 10 years, then network for 15, then mixed H/N for 10.
        let mut series = regime(1.0, 0.0, 0.0, 10);
        series.extend(regime(0.0, 0.0, 1.0, 15));
        series.extend(regime(0.5, 0.0, 0.5, 10));
        assert_eq!(segment(&series, 3, 3).unwrap().starts, vec![0, 10, 25]);
        assert_eq!(choose(&series, 6, 3).unwrap().starts, vec![0, 10, 25]);
    }

    #[test]
    fn no_change_is_one_stage() {
        let series = regime(0.3, 0.2, 0.5, 30);
        assert_eq!(choose(&series, 6, 3).unwrap().starts, vec![0]);
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
            series.push(vec![base[0] + wobble, base[1], base[2] - wobble]);
        }
        assert_eq!(choose(&series, 5, 3).unwrap().starts, vec![0, 18]);
    }
}
