//! Coupling coordination degree of n subsystems, with entropy weights for the indicators.
//!
//! # Formulas
//! Standard coupling: C = n · [Π U_i / (Σ U_i)^n]^(1/n)  (n = 2: C = 2√(U₁U₂)/(U₁+U₂)).
//! Modified coupling (Wang, Kong, Ren, Zhi & Dai 2021):
//! C = √{ [1 − Σ_{i>j} |U_i − U_j| / Σ_{m=1}^{n−1} m] · [Π_i (U_i / max U)]^{1/(n−1)} }.
//! Development index T = Σ α_i U_i (Σ α = 1; equal by default); coordination D = √(C·T).
//! Classes of D and C: Tian et al. (2021), Table 1, whose bands include their upper bound
//! (0 < C ≤ 0.3 low coupling, 0.3 < C ≤ 0.5 antagonism, 0.5 < C ≤ 0.8 running-in, 0.8 < C ≤ 1
//! high coupling; D in ten bands (0.1k, 0.1(k + 1)]); 0 falls in the lowest band.
//! Entropy weights: x' = (x − min)/(max − min) for positive, (max − x)/(max − min) for negative
//! indicators; p_ij = x'_ij / Σ_i x'_ij; e_j = −(1/ln m) Σ_i p_ij ln p_ij (0·ln 0 = 0);
//! d_j = 1 − e_j; w_j = d_j / Σ d_j; U_i = Σ_j w_j x'_ij. A constant indicator carries no
//! information: x' = 0, e = 1, w = 0.
//!
//! # References
//! - Wang, S., Kong, W., Ren, L., Zhi, D. & Dai, B. (2021) Research on misuses and modification of
//!   coupling coordination degree model in China. *Journal of Natural Resources* 36(3), 793–810,
//!   doi:10.31497/zrzyxb.20210319.
//! - Tian, S., Li, X., Yang, J., Zhang, W. & Guo, J. (2021) Spatio-temporal coupling coordination
//!   and driving mechanism of urban pseudo and reality human settlements in the three provinces
//!   of Northeast China (东北三省城市拟态与现实人居环境时空耦合协调特征与机制). *Acta Geographica
//!   Sinica* 76(4):781, Table 1 (耦合度和协调度等级标准, the class bounds).
//! - Shannon, C. E. (1948) A mathematical theory of communication. *Bell Syst. Tech. J.* 27.

use serde::Serialize;

use crate::error::AnalysisError;

/// Which coupling formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CouplingModel {
    Standard,
    Modified,
}

impl CouplingModel {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "standard" => Some(Self::Standard),
            "modified" => Some(Self::Modified),
            _ => None,
        }
    }

    /// The name as written in a manifest (`standard`, `modified`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Modified => "modified",
        }
    }
}

/// C, T and D of one unit (and year).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[allow(non_snake_case)]
pub struct Coordination {
    pub C: f64,
    pub T: f64,
    pub D: f64,
}

/// Coupling degree C of subsystem scores `u` (each in [0, 1]).
pub fn coupling_degree(u: &[f64], model: CouplingModel) -> Result<f64, AnalysisError> {
    let n = u.len();
    if n < 2 {
        return Err(AnalysisError::Input(
            "coupling needs at least two subsystems".into(),
        ));
    }
    if let Some(bad) = u.iter().find(|v| !(0.0..=1.0).contains(*v)) {
        return Err(AnalysisError::Input(format!(
            "subsystem score {bad} is outside [0, 1]"
        )));
    }
    let sum: f64 = u.iter().sum();
    if sum == 0.0 {
        return Ok(0.0);
    }
    Ok(match model {
        CouplingModel::Standard => {
            n as f64 * (u.iter().product::<f64>() / sum.powi(n as i32)).powf(1.0 / n as f64)
        }
        CouplingModel::Modified => {
            let max = u.iter().cloned().fold(f64::MIN, f64::max);
            let spread: f64 = (0..n)
                .flat_map(|i| (0..i).map(move |j| (i, j)))
                .map(|(i, j)| (u[i] - u[j]).abs())
                .sum();
            let pairs = (n * (n - 1) / 2) as f64; // Σ_{m=1}^{n−1} m
            let balance: f64 = u
                .iter()
                .map(|v| v / max)
                .product::<f64>()
                .powf(1.0 / (n - 1) as f64);
            ((1.0 - spread / pairs) * balance).max(0.0).sqrt()
        }
    })
}

/// C, T = Σ α_i U_i and D = √(C·T).
pub fn coordination(
    u: &[f64],
    alpha: &[f64],
    model: CouplingModel,
) -> Result<Coordination, AnalysisError> {
    if alpha.len() != u.len() || (alpha.iter().sum::<f64>() - 1.0).abs() > 1e-9 {
        return Err(AnalysisError::Input(
            "the subsystem weights α must be one per subsystem and sum to 1".into(),
        ));
    }
    let c = coupling_degree(u, model)?;
    let t: f64 = u.iter().zip(alpha).map(|(a, b)| a * b).sum();
    Ok(Coordination {
        C: c,
        T: t,
        D: (c * t).sqrt(),
    })
}

/// The class of a coordination degree D: ten bands (0.1k, 0.1(k + 1)], upper bound included as
/// in Tian et al. (2021), Table 1.
pub fn d_class(d: f64) -> &'static str {
    const CLASSES: [&str; 10] = [
        "extreme imbalance",
        "serious imbalance",
        "moderate imbalance",
        "mild imbalance",
        "on the verge of imbalance",
        "barely coordinated",
        "primary coordination",
        "intermediate coordination",
        "good coordination",
        "high-quality coordination",
    ];
    // Compared with the written bounds: 0.3 · 10 is not 3 in floating point.
    const UPPER: [f64; 9] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
    CLASSES[UPPER.iter().take_while(|&&upper| d > upper).count()]
}

/// The class of a coupling degree C (Tian et al. 2021, Table 1: upper bounds included).
pub fn c_class(c: f64) -> &'static str {
    match c {
        c if c <= 0.3 => "low coupling",
        c if c <= 0.5 => "antagonism",
        c if c <= 0.8 => "running-in",
        _ => "high coupling",
    }
}

/// Entropy weights of indicator columns and the min–max normalised values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntropyWeights {
    pub weights: Vec<f64>,
    /// Normalised values x', rows as given.
    pub normalised: Vec<Vec<f64>>,
}

impl EntropyWeights {
    /// The composite score U of each row.
    pub fn scores(&self) -> Vec<f64> {
        self.normalised
            .iter()
            .map(|row| row.iter().zip(&self.weights).map(|(x, w)| x * w).sum())
            .collect()
    }
}

/// Entropy weights of `rows` (m units × k indicators); `negative[j]` marks indicators where more is worse.
pub fn entropy_weights(
    rows: &[Vec<f64>],
    negative: &[bool],
) -> Result<EntropyWeights, AnalysisError> {
    let m = rows.len();
    let k = negative.len();
    if m < 2 {
        return Err(AnalysisError::Input(
            "entropy weights need at least two rows".into(),
        ));
    }
    if rows
        .iter()
        .any(|r| r.len() != k || r.iter().any(|v| !v.is_finite()))
    {
        return Err(AnalysisError::Input(
            "every row needs a finite value for every indicator".into(),
        ));
    }
    let mut normalised = vec![vec![0.0; k]; m];
    let mut divergence = vec![0.0; k];
    for j in 0..k {
        let (min, max) = rows
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), r| (a.min(r[j]), b.max(r[j])));
        if max > min {
            for (i, row) in rows.iter().enumerate() {
                normalised[i][j] = if negative[j] {
                    (max - row[j]) / (max - min)
                } else {
                    (row[j] - min) / (max - min)
                };
            }
        }
        let total: f64 = normalised.iter().map(|r| r[j]).sum();
        let entropy = if total > 0.0 {
            -normalised
                .iter()
                .map(|r| r[j] / total)
                .filter(|&p| p > 0.0)
                .map(|p| p * p.ln())
                .sum::<f64>()
                / (m as f64).ln()
        } else {
            1.0
        };
        divergence[j] = 1.0 - entropy;
    }
    let sum: f64 = divergence.iter().sum();
    let weights = if sum > 0.0 {
        divergence.iter().map(|d| d / sum).collect()
    } else {
        vec![1.0 / k as f64; k]
    };
    Ok(EntropyWeights {
        weights,
        normalised,
    })
}

/// How the indicators of a subsystem are weighted into its score U.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weighting {
    /// Entropy weights over the rows scored together.
    Entropy,
    /// 1/k for each of the k indicators.
    Equal,
}

/// One subsystem's indicator values (rows × indicators) and which indicators are negative.
pub struct SubsystemValues {
    pub rows: Vec<Vec<f64>>,
    pub negative: Vec<bool>,
}

/// The subsystem scores of a set of rows.
pub struct Scores {
    /// U of every row in every subsystem (rows × subsystems).
    pub u: Vec<Vec<f64>>,
    /// Each subsystem's indicator weights.
    pub weights: Vec<Vec<f64>>,
}

/// The score U of every row in every subsystem, the rows scored together (one entropy per
/// subsystem), as `analyze` does for the pooled panel and `coupling` per group.
pub fn subsystem_scores(
    systems: &[SubsystemValues],
    weighting: Weighting,
) -> Result<Scores, AnalysisError> {
    let rows = systems.first().map_or(0, |s| s.rows.len());
    let mut scores = vec![vec![0.0; systems.len()]; rows];
    let mut weights = Vec::with_capacity(systems.len());
    for (
        s,
        SubsystemValues {
            rows: values,
            negative,
        },
    ) in systems.iter().enumerate()
    {
        let mut e = entropy_weights(values, negative)?;
        if weighting == Weighting::Equal {
            e.weights = vec![1.0 / negative.len() as f64; negative.len()];
        }
        for (row, u) in scores.iter_mut().zip(e.scores()) {
            row[s] = u;
        }
        weights.push(e.weights);
    }
    Ok(Scores { u: scores, weights })
}

/// A subsystem of the coupling model: its name and its indicator columns, each marked when more
/// of it is worse (written `-col`).
#[derive(Debug, Clone, PartialEq)]
pub struct Subsystem {
    pub name: String,
    pub columns: Vec<(String, bool)>,
}

impl Subsystem {
    /// `NAME=col,col,-col`.
    pub fn parse(text: &str) -> Result<Subsystem, String> {
        let (name, columns) = text
            .split_once('=')
            .ok_or_else(|| format!("`{}` is not NAME=col,col,-col", text.trim()))?;
        let columns: Vec<(String, bool)> = columns
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| match c.strip_prefix('-') {
                Some(rest) => (rest.trim().to_string(), true),
                None => (c.to_string(), false),
            })
            .collect();
        let name = name.trim().to_string();
        if columns.is_empty() {
            return Err(format!("system `{name}` has no indicator columns"));
        }
        Ok(Subsystem { name, columns })
    }

    /// `NAME=col,…;NAME=col,…` (the manifest's `systems`; empty: no subsystems).
    pub fn parse_list(text: &str) -> Result<Vec<Subsystem>, String> {
        text.split(';')
            .filter(|s| !s.trim().is_empty())
            .map(Subsystem::parse)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }

    /// Hand calculations (values from the formulas evaluated independently in Python).
    #[test]
    fn two_and_three_subsystems_by_hand() {
        let equal2 = [0.5, 0.5];
        let two = coordination(&[0.6, 0.4], &equal2, CouplingModel::Standard).unwrap();
        close(two.C, 0.9797958971132712); // 2√0.24 / 1
        close(two.D, 0.6999271023161167);
        let two_mod = coordination(&[0.6, 0.4], &equal2, CouplingModel::Modified).unwrap();
        close(two_mod.C, 0.7302967433402215); // √((1 − 0.2)·(0.4/0.6))
        close(two_mod.D, 0.6042750794713536);
        let equal3 = [1.0 / 3.0; 3];
        let three = coordination(&[0.2, 0.5, 0.8], &equal3, CouplingModel::Standard).unwrap();
        close(three.C, 0.8617738760127536);
        close(three.D, 0.6564197879454707);
        let three_mod = coordination(&[0.2, 0.5, 0.8], &equal3, CouplingModel::Modified).unwrap();
        close(three_mod.C, 0.4870018732126484); // √((1 − 1.2/3)·√(0.25·0.625·1))
        close(three_mod.D, 0.49345814068300076);
        // Equal scores couple perfectly under both models.
        close(
            coupling_degree(&[0.7, 0.7, 0.7], CouplingModel::Standard).unwrap(),
            1.0,
        );
        close(
            coupling_degree(&[0.7, 0.7, 0.7], CouplingModel::Modified).unwrap(),
            1.0,
        );
        assert_eq!(d_class(0.6999), "primary coordination");
        assert_eq!(c_class(0.73), "running-in");
        assert!(coupling_degree(&[1.2, 0.5], CouplingModel::Standard).is_err());
    }

    /// Tian et al. (2021), Table 1 writes every band as lower < x ≤ upper.
    #[test]
    fn class_bounds_include_the_upper_bound() {
        let c = [0.0, 0.3, 0.30001, 0.5, 0.8, 0.80001, 1.0].map(c_class);
        assert_eq!(
            c,
            [
                "low coupling",
                "low coupling",
                "antagonism",
                "antagonism",
                "running-in",
                "high coupling",
                "high coupling"
            ]
        );
        let d = [0.0, 0.1, 0.10001, 0.3, 0.7, 0.9, 0.90001, 1.0].map(d_class);
        assert_eq!(
            d,
            [
                "extreme imbalance",
                "extreme imbalance",
                "serious imbalance",
                "moderate imbalance",
                "primary coordination",
                "good coordination",
                "high-quality coordination",
                "high-quality coordination"
            ]
        );
    }

    #[test]
    fn entropy_weights_by_hand() {
        // x1 = 1, 2, 3 (more is better); x2 = 10, 30, 25 (more is worse).
        let rows = vec![vec![1.0, 10.0], vec![2.0, 30.0], vec![3.0, 25.0]];
        let e = entropy_weights(&rows, &[false, true]).unwrap();
        close(e.weights[0], 0.4358149959174236);
        close(e.weights[1], 0.5641850040825763);
        let u = e.scores();
        close(u[0], 0.5641850040825763);
        close(u[1], 0.2179074979587118);
        close(u[2], 0.5768612469380677);
        // A constant indicator gets no weight.
        let flat = entropy_weights(&[vec![1.0, 5.0], vec![2.0, 5.0]], &[false, false]).unwrap();
        assert_eq!(flat.weights, vec![1.0, 0.0]);
    }
}
