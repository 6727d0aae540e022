//! The rules that turn compensation schemes into ledger entries (methods reference §4.1).

use crate::model::monitoring::Series;
use crate::model::schemes::{default_limits, ClassChange, Period, WaterQualityIndex};

/// The water-quality class (1 = I … 5 = V, 6 = worse than V) of a concentration.
pub fn class_of(value: f64, limits: &[f64]) -> usize {
    limits.iter().position(|l| value <= *l).map_or(6, |k| k + 1)
}

/// One ledger entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub scheme: String,
    pub rule: &'static str,
    pub period: String,
    pub year: i64,
    pub payer: Option<String>,
    pub payee: Option<String>,
    pub amount_yuan: Option<f64>,
    /// P, the class, the load or the ESV, by rule.
    pub index_value: Option<f64>,
    /// `transfer`, `no transfer` or `undetermined`.
    pub status: &'static str,
    pub inputs: String,
}

impl Entry {
    /// An entry of a year not (yet) decided: no payer, payee or amount.
    fn undetermined(scheme: &str, rule: &'static str, period: &Period, year: i32) -> Self {
        Self {
            scheme: scheme.to_string(),
            rule,
            period: period.label(),
            year: i64::from(year),
            payer: None,
            payee: None,
            amount_yuan: None,
            index_value: None,
            status: "undetermined",
            inputs: String::new(),
        }
    }
}

/// Annual means of the indicators at a station in a year, or the indicators short of data.
fn annual_means(
    series: &Series,
    station: &str,
    indicators: &[String],
    year: i32,
    min_months: usize,
) -> Result<Vec<(f64, usize)>, String> {
    let mut out = Vec::new();
    let mut short = Vec::new();
    for i in indicators {
        match series.annual(station, i, year) {
            Some(a) if a.months >= min_months => out.push((a.mean, a.months)),
            Some(a) => short.push(format!("{i} {} months", a.months)),
            None => short.push(format!("{i} no data")),
        }
    }
    if short.is_empty() {
        Ok(out)
    } else {
        Err(format!(
            "fewer than {min_months} months: {}",
            short.join(", ")
        ))
    }
}

/// The Xin'an River rule, year by year over its periods: P ≤ threshold → downstream pays
/// upstream the period's amount; P > threshold → upstream pays downstream.
pub fn water_quality_index(
    s: &WaterQualityIndex,
    series: &Series,
    upstream: &str,
    downstream: &str,
) -> Result<Vec<Entry>, String> {
    let mut baselines = Vec::new();
    for i in &s.indicators {
        let c0 = series
            .window_mean(&s.station, i, s.baseline[0], s.baseline[1])
            .filter(|c| *c > 0.0)
            .ok_or_else(|| {
                format!(
                    "scheme {}: no {i} data at station {} in the baseline {}-{}",
                    s.name, s.station, s.baseline[0], s.baseline[1]
                )
            })?;
        baselines.push(c0);
    }
    let mut entries = Vec::new();
    for period in &s.periods {
        let k0 = period.k0.unwrap_or(1.0);
        for year in period.start..=period.end {
            let mut entry = Entry::undetermined(&s.name, "water_quality_index", period, year);
            match annual_means(series, &s.station, &s.indicators, year, s.min_months) {
                Err(why) => entry.inputs = why,
                Ok(means) => {
                    let p = k0
                        * means
                            .iter()
                            .zip(&baselines)
                            .zip(&s.weights)
                            .map(|(((c, _), c0), k)| k * c / c0)
                            .sum::<f64>();
                    let (payer, payee) = if p <= s.threshold {
                        (downstream, upstream)
                    } else {
                        (upstream, downstream)
                    };
                    entry.payer = Some(payer.to_string());
                    entry.payee = Some(payee.to_string());
                    entry.amount_yuan = period.amount_yuan;
                    entry.index_value = Some(p);
                    entry.status = "transfer";
                    let terms: Vec<String> = s
                        .indicators
                        .iter()
                        .zip(&means)
                        .zip(&baselines)
                        .zip(&s.weights)
                        .map(|(((i, (c, months)), c0), k)| {
                            format!("{i} C={c:.4} C0={c0:.4} k={k} ({months} months)")
                        })
                        .collect();
                    entry.inputs = format!(
                        "P = {k0} × Σ k·C/C0 = {p:.4} (threshold {}); {}",
                        s.threshold,
                        terms.join("; ")
                    );
                }
            }
            entries.push(entry);
        }
    }
    Ok(entries)
}

/// The class-change rule: each year's class (the worst over the indicators' annual means)
/// against the year before; per class improved the downstream side pays the upstream side the
/// amount, per class worsened the upstream side pays.
pub fn class_change(
    s: &ClassChange,
    series: &Series,
    upstream: &str,
    downstream: &str,
) -> Vec<Entry> {
    let class_in = |year: i32| -> Result<(usize, String), String> {
        let means = annual_means(series, &s.station, &s.indicators, year, s.min_months)?;
        let mut worst = 1;
        let mut parts = Vec::new();
        for (i, (c, _)) in s.indicators.iter().zip(&means) {
            let limits = s
                .limits
                .get(i)
                .cloned()
                .or_else(|| default_limits(i))
                .expect("checked when parsed");
            let k = class_of(*c, &limits);
            worst = worst.max(k);
            parts.push(format!("{i} {c:.4} → class {k}"));
        }
        Ok((worst, parts.join(", ")))
    };
    let mut entries = Vec::new();
    for period in &s.periods {
        for year in period.start..=period.end {
            let mut entry = Entry::undetermined(&s.name, "class_change", period, year);
            match (class_in(year - 1), class_in(year)) {
                (Ok((before, _)), Ok((now, parts))) => {
                    let improved = before as i64 - now as i64;
                    entry.index_value = Some(now as f64);
                    entry.inputs = format!("class {before} in {} → {now}: {parts}", year - 1);
                    entry.amount_yuan =
                        Some(improved.unsigned_abs() as f64 * s.amount_per_class_yuan);
                    if improved == 0 {
                        entry.status = "no transfer";
                    } else {
                        let (payer, payee) = if improved > 0 {
                            (downstream, upstream)
                        } else {
                            (upstream, downstream)
                        };
                        entry.payer = Some(payer.to_string());
                        entry.payee = Some(payee.to_string());
                        entry.status = "transfer";
                    }
                }
                (Err(why), _) => entry.inputs = format!("{}: {why}", year - 1),
                (_, Err(why)) => entry.inputs = format!("{year}: {why}"),
            }
            entries.push(entry);
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::schemes::Scheme;

    fn scheme(k0: f64) -> WaterQualityIndex {
        WaterQualityIndex {
            name: "xinan".into(),
            rule: "water_quality_index".into(),
            station: "S".into(),
            upstream: None,
            downstream: None,
            indicators: vec!["CODMn".into(), "TP".into()],
            weights: vec![0.5, 0.5],
            baseline: [2008, 2008],
            threshold: 1.0,
            min_months: 10,
            periods: vec![Period {
                start: 2012,
                end: 2013,
                k0: Some(k0),
                amount_yuan: Some(1e8),
            }],
        }
    }

    /// Baseline CODMn 4, TP 0.1 mg/L; in 2012 the given values all year; 2013 has nine months.
    fn series(codmn: f64, tp: f64) -> Series {
        let mut values = Vec::new();
        for m in 1..=12 {
            values.push(("S", "CODMn", 2008, m, 4.0));
            values.push(("S", "TP", 2008, m, 0.1));
            values.push(("S", "CODMn", 2012, m, codmn));
            values.push(("S", "TP", 2012, m, tp));
            if m <= 9 {
                values.push(("S", "CODMn", 2013, m, 3.0));
                values.push(("S", "TP", 2013, m, 0.05));
            }
        }
        Series::from_monthly(&values)
    }

    #[test]
    fn the_xinan_index_decides_the_payer_and_a_short_year_is_undetermined() {
        // P = k0 × (0.5 × CODMn/4 + 0.5 × TP/0.1): 0.85 × 1.15 = 0.9775; 1 × 1 = 1; 1 × 1.2 = 1.2.
        for (k0, codmn, tp, p, payer) in [
            (0.85, 4.4, 0.12, 0.9775, "down"),
            (1.0, 4.0, 0.1, 1.0, "down"),
            (1.0, 4.8, 0.12, 1.2, "up"),
        ] {
            let entries =
                water_quality_index(&scheme(k0), &series(codmn, tp), "up", "down").unwrap();
            assert!(
                (entries[0].index_value.unwrap() - p).abs() < 1e-12,
                "{entries:?}"
            );
            assert_eq!(entries[0].payer.as_deref(), Some(payer), "P = {p}");
            assert_eq!(entries[0].amount_yuan, Some(1e8));
            assert_eq!(entries[1].status, "undetermined");
            assert!(entries[1].amount_yuan.is_none() && entries[1].payer.is_none());
            assert!(
                entries[1].inputs.contains("CODMn 9 months"),
                "{}",
                entries[1].inputs
            );
        }
    }

    #[test]
    fn class_change_pays_per_class_against_the_year_before() {
        // NH3-N annual means 1.2 (class IV) in 2015, 0.4 (class II) in 2016, 0.45 in 2017,
        // 1.8 (class V) in 2018.
        let mut values = Vec::new();
        for (year, v) in [(2015, 1.2), (2016, 0.4), (2017, 0.45), (2018, 1.8)] {
            for m in 1..=12 {
                values.push(("S", "NH3-N", year, m, v));
            }
        }
        let s = ClassChange {
            name: "sh-he".into(),
            rule: "class_change".into(),
            station: "S".into(),
            upstream: None,
            downstream: None,
            indicators: vec!["NH3-N".into()],
            limits: Default::default(),
            amount_per_class_yuan: 6e7,
            min_months: 10,
            periods: vec![Period {
                start: 2016,
                end: 2018,
                k0: None,
                amount_yuan: None,
            }],
        };
        let e = class_change(&s, &Series::from_monthly(&values), "henan", "shandong");
        let got: Vec<(Option<&str>, Option<f64>, &str)> = e
            .iter()
            .map(|x| (x.payer.as_deref(), x.amount_yuan, x.status))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some("shandong"), Some(1.2e8), "transfer"),
                (None, Some(0.0), "no transfer"),
                (Some("henan"), Some(1.8e8), "transfer"),
            ]
        );
        assert_eq!(class_of(2.5, &default_limits("NH3-N").unwrap()), 6);
    }

    #[test]
    fn scheme_errors_name_the_entry_and_field() {
        let v = serde_json::json!({"name": "x", "rule": "water_quality_index", "station": "S",
            "indicators": ["TP"], "weights": [0.5, 0.5], "baseline": [2008, 2010], "periods": []});
        let e = Scheme::parse(&v, 2, "borderscape.toml").unwrap_err();
        assert_eq!(
            e,
            "borderscape.toml: schemes[2] (x): field `weights`: needs one weight per indicator"
        );
        let v = serde_json::json!({"name": "y", "rule": "class_change", "station": "S", "indicators": ["COD"],
            "amount_per_class_yuan": 1, "periods": []});
        assert!(Scheme::parse(&v, 0, "m")
            .unwrap_err()
            .contains("field `limits`: COD needs five class limits"));
        let v = serde_json::json!({"name": "z", "rule": "lottery"});
        assert!(Scheme::parse(&v, 1, "m")
            .unwrap_err()
            .contains("`lottery` is not"));
    }
}
