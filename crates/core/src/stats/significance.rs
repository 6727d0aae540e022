//! Pseudo p-values of permutation tests, with the alternative hypothesis stated, as in PySAL
//! esda's `significance.calculate_significance` (same names, same formulas). Every permutation
//! test of borderscape goes through [`pseudo_p`].
//!
//! With `R` permutations and `M` the count of reference values at least as extreme as the
//! observed statistic, p = (M + 1) / (R + 1) (North, Curtis & Sham 2002). [`quantile`] gives
//! the bounds of a permutation interval; [`inverted_interval`] the randomisation interval of an
//! effect.
//!
//! # References
//! - North, B. V., Curtis, D. & Sham, P. C. (2002) A note on the calculation of empirical P values
//!   from Monte Carlo procedures. *American Journal of Human Genetics* 71(2), 439–441.
//! - Rosenbaum, P. R. (2002) *Observational Studies*, 2nd ed., Springer, ch. 2.
//! - Imbens, G. W. & Rubin, D. B. (2015) *Causal Inference for Statistics, Social, and Biomedical
//!   Sciences*, Cambridge University Press, ch. 5.
//! - PySAL esda, `esda/significance.py` (alternatives `two-sided`, `greater`, `lesser`, `folded`,
//!   `directed`).

use serde::Serialize;

/// The alternative hypothesis of a permutation test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Alternative {
    /// Either tail: 2 · (min(#≥, #≤) + 1) / (R + 1), capped at 1.
    TwoSided,
    /// Large values: (#(ref ≥ obs) + 1) / (R + 1).
    Greater,
    /// Small values: (#(ref ≤ obs) + 1) / (R + 1).
    Less,
    /// Far from the reference mean either way: (#(|ref − mean| ≥ |obs − mean|) + 1) / (R + 1).
    Folded,
    /// The tail the observed value lies in, chosen after seeing it (esda's Moran `p_sim`;
    /// half the two-sided value, so too small: kept to reproduce esda's `p_sim`).
    Directed,
}

impl Alternative {
    pub const NAMES: &'static str = "two-sided, greater, less, folded or directed";

    pub fn parse(text: &str) -> Option<Alternative> {
        Some(match text.trim() {
            "two-sided" => Alternative::TwoSided,
            "greater" => Alternative::Greater,
            "less" | "lesser" => Alternative::Less,
            "folded" => Alternative::Folded,
            "directed" => Alternative::Directed,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Alternative::TwoSided => "two-sided",
            Alternative::Greater => "greater",
            Alternative::Less => "less",
            Alternative::Folded => "folded",
            Alternative::Directed => "directed",
        }
    }
}

/// The pseudo p-value of `observed` against the permutation `reference` distribution; `None`
/// without permutations or when the observed statistic is undefined (NaN), so that an undefined
/// statistic never carries a p-value.
pub fn pseudo_p(observed: f64, reference: &[f64], alternative: Alternative) -> Option<f64> {
    if reference.is_empty() || observed.is_nan() {
        return None;
    }
    let r = reference.len();
    let count = |keep: &dyn Fn(f64) -> bool| reference.iter().filter(|&&s| keep(s)).count();
    let share = |m: usize| (m + 1) as f64 / (r + 1) as f64;
    Some(match alternative {
        Alternative::Greater => share(count(&|s| s >= observed)),
        Alternative::Less => share(count(&|s| s <= observed)),
        Alternative::TwoSided => {
            let tail = count(&|s| s >= observed).min(count(&|s| s <= observed));
            (2.0 * share(tail)).min(1.0)
        }
        Alternative::Folded => {
            let mean = reference.iter().sum::<f64>() / r as f64;
            let distance = (observed - mean).abs();
            share(count(&|s| (s - mean).abs() >= distance))
        }
        Alternative::Directed => {
            let above = count(&|s| s >= observed);
            share(above.min(r - above))
        }
    })
}

/// The q-quantile of sorted values (linear interpolation, as numpy's default).
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let x = q * last as f64;
    let (i, f) = (x.floor() as usize, x.fract());
    Some(sorted[i] + f * (sorted[(i + 1).min(last)] - sorted[i]))
}

/// The (1 − `alpha`) randomisation interval of an additive effect τ, for an estimator that is
/// linear in the outcome (Rosenbaum 2002, ch. 2; Imbens & Rubin 2015, §5.7).
///
/// The observed estimate is `observed` on the outcome Y and `dose` on the treatment indicator D;
/// each permutation gives the pair (a, d) for the same two outcomes. Under "the effect is τ",
/// Y − τ·D is the untreated outcome, whose estimates are `observed − τ·dose` and `a − τ·d`: τ is
/// kept when the former is in neither α/2 tail of the latter. The kept set changes only where
/// the two lines cross, so it is checked exactly at those points. `None` when nothing is kept;
/// a `None` bound means the kept set is unbounded on that side.
pub fn inverted_interval(
    observed: f64,
    dose: f64,
    permuted: &[(f64, f64)],
    alpha: f64,
) -> Option<(Option<f64>, Option<f64>)> {
    if permuted.is_empty() || !observed.is_finite() {
        return None;
    }
    let r = permuted.len() as f64;
    let kept = |tau: f64| {
        let stat = observed - tau * dose;
        let tolerance = 1e-9 * (1.0 + stat.abs());
        let (mut above, mut below) = (0usize, 0usize);
        for &(a, d) in permuted {
            let s = a - tau * d;
            above += usize::from(s >= stat - tolerance);
            below += usize::from(s <= stat + tolerance);
        }
        2.0 * (above.min(below) + 1) as f64 / (r + 1.0) > alpha
    };
    let mut crossings: Vec<f64> = permuted
        .iter()
        .filter(|(_, d)| (d - dose).abs() > 1e-12)
        .map(|(a, d)| (observed - a) / (dose - d))
        .filter(|t| t.is_finite())
        .collect();
    crossings.sort_by(f64::total_cmp);
    let (Some(&low), Some(&high)) = (crossings.first(), crossings.last()) else {
        return kept(0.0).then_some((None, None));
    };
    let margin = 1.0 + low.abs().max(high.abs());
    let inside: Vec<f64> = crossings.into_iter().filter(|&t| kept(t)).collect();
    let (below, above) = (kept(low - margin), kept(high + margin));
    if inside.is_empty() && !below && !above {
        return None;
    }
    let lower = (!below).then(|| inside.first().copied().unwrap_or(high));
    let upper = (!above).then(|| inside.last().copied().unwrap_or(low));
    Some((lower, upper))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values worked by hand against esda's formulas: reference 1…9, observed 8.
    #[test]
    fn every_alternative_matches_esdas_formula() {
        let reference: Vec<f64> = (1..=9).map(f64::from).collect();
        let p = |a| pseudo_p(8.0, &reference, a).unwrap();
        // ≥ 8: {8, 9} = 2; ≤ 8: 8 values; R = 9.
        assert_eq!(p(Alternative::Greater), 3.0 / 10.0);
        assert_eq!(p(Alternative::Less), 9.0 / 10.0);
        assert_eq!(p(Alternative::TwoSided), 2.0 * 3.0 / 10.0);
        assert_eq!(p(Alternative::Directed), 3.0 / 10.0);
        // Mean 5, |8 − 5| = 3: {1, 2, 8, 9} are as far = 4.
        assert_eq!(p(Alternative::Folded), 5.0 / 10.0);
        assert_eq!(pseudo_p(f64::NAN, &reference, Alternative::Greater), None);
        assert_eq!(pseudo_p(1.0, &[], Alternative::Greater), None);
        for name in ["two-sided", "greater", "less", "folded", "directed"] {
            assert_eq!(Alternative::parse(name).unwrap().name(), name);
        }
    }

    /// Permutations that never treat a treated unit (d = 0) give a = −1.9, −1.8, …, 1.9 (39
    /// values); observed 0.5 on dose 1. τ is kept while 0.5 − τ has at least one permuted value
    /// on each side (2 · (1 + 1) / 40 = 0.1 > 0.05), i.e. −1.9 ≤ 0.5 − τ ≤ 1.9: τ ∈ [−1.4, 2.4].
    #[test]
    fn the_inverted_interval_is_worked_by_hand() {
        let permuted: Vec<(f64, f64)> = (-19..=19).map(|k| (f64::from(k) / 10.0, 0.0)).collect();
        let (low, high) = inverted_interval(0.5, 1.0, &permuted, 0.05).unwrap();
        assert!((low.unwrap() + 1.4).abs() < 1e-12, "{low:?}");
        assert!((high.unwrap() - 2.4).abs() < 1e-12, "{high:?}");
        // When every permutation carries the same dose, nothing constrains τ.
        let same: Vec<(f64, f64)> = permuted.iter().map(|&(a, _)| (a, 1.0)).collect();
        assert_eq!(inverted_interval(0.5, 1.0, &same, 0.05), Some((None, None)));
        assert_eq!(inverted_interval(0.5, 1.0, &[], 0.05), None);
    }
}
