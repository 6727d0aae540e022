//! The rules that turn compensation schemes into ledger entries (methods reference §4.1).

use crate::model::monitoring::Series;
use crate::model::schemes::{ClassChange, Compare, Period, WaterQualityIndex, Waterbody};

/// The water-quality class (1 = I … 5 = V, 6 = worse than V) of a concentration.
pub fn class_of(value: f64, limits: &[f64]) -> usize {
    limits.iter().position(|l| value <= *l).map_or(6, |k| k + 1)
}

/// Roman numerals of the classes, for the ledger's inputs.
fn roman(class: usize) -> &'static str {
    ["I", "II", "III", "IV", "V", "worse than V"][class.clamp(1, 6) - 1]
}

/// One ledger entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub scheme: String,
    pub rule: &'static str,
    /// The part of a two-part rule (class change: `class` or `index`).
    pub part: Option<&'static str>,
    pub period: String,
    pub year: i64,
    pub payer: Option<String>,
    pub payee: Option<String>,
    pub amount_yuan: Option<f64>,
    /// P, the class, the index change (%), the load or the ESV, by rule and part.
    pub index_value: Option<f64>,
    /// `transfer`, `no transfer` or `undetermined`.
    pub status: &'static str,
    pub inputs: String,
}

impl Entry {
    /// An entry of a year not (yet) decided: no payer, payee or amount.
    fn undetermined(
        scheme: &str,
        rule: &'static str,
        part: Option<&'static str>,
        period: &Period,
        year: i32,
    ) -> Self {
        Self {
            scheme: scheme.to_string(),
            rule,
            part,
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

    /// Decides the entry: `amount` from the downstream side to the upstream side when `upstream_earns`
    /// (the water got better), else the other way; nothing changes hands when it is 0.
    fn settle(&mut self, amount: f64, upstream_earns: bool, upstream: &str, downstream: &str) {
        self.amount_yuan = Some(amount);
        if amount == 0.0 {
            self.status = "no transfer";
            return;
        }
        let (payer, payee) = if upstream_earns {
            (downstream, upstream)
        } else {
            (upstream, downstream)
        };
        self.payer = Some(payer.to_string());
        self.payee = Some(payee.to_string());
        self.status = "transfer";
    }
}

/// A scheme's entries, and the warnings about its inputs (each also in the entries' inputs).
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub entries: Vec<Entry>,
    pub warnings: Vec<String>,
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

/// C_i0 of one indicator: the mean of the annual means of the baseline years that have at least
/// `min_months` months; the years left out make a warning, none left an error.
fn baseline(
    s: &WaterQualityIndex,
    series: &Series,
    indicator: &str,
) -> Result<(f64, Option<String>), String> {
    let mut means = Vec::new();
    let mut left_out = Vec::new();
    for year in s.baseline[0]..=s.baseline[1] {
        match series.annual(&s.station, indicator, year) {
            Some(a) if a.months >= s.min_months => means.push(a.mean),
            Some(a) => left_out.push(format!("{year} ({} months)", a.months)),
            None => left_out.push(format!("{year} (no data)")),
        }
    }
    let window = format!("{}-{}", s.baseline[0], s.baseline[1]);
    if means.is_empty() {
        return Err(format!(
            "scheme {}: no year of the baseline {window} has {} months of {indicator} at station {}: {}",
            s.name,
            s.min_months,
            s.station,
            left_out.join(", ")
        ));
    }
    let c0 = means.iter().sum::<f64>() / means.len() as f64;
    if c0 <= 0.0 {
        return Err(format!(
            "scheme {}: the {indicator} baseline {window} at station {} is 0, and P divides by it",
            s.name, s.station
        ));
    }
    let warning = (!left_out.is_empty()).then(|| {
        format!(
            "{indicator} baseline years left out, fewer than {} months: {}",
            s.min_months,
            left_out.join(", ")
        )
    });
    Ok((c0, warning))
}

/// `inputs`, with the scheme's warnings after it.
fn with_warnings(inputs: String, warnings: &[String]) -> String {
    if warnings.is_empty() {
        inputs
    } else {
        format!("{inputs}; warning: {}", warnings.join("; "))
    }
}

/// The Xin'an River rule, year by year over its periods: P ≤ threshold → downstream pays
/// upstream the period's amount; P > threshold → upstream pays downstream.
pub fn water_quality_index(
    s: &WaterQualityIndex,
    series: &Series,
    upstream: &str,
    downstream: &str,
) -> Result<Ledger, String> {
    let mut baselines = Vec::new();
    let mut warnings = Vec::new();
    for i in &s.indicators {
        let (c0, warning) = baseline(s, series, i)?;
        baselines.push(c0);
        warnings.extend(warning);
    }
    let mut entries = Vec::new();
    for period in &s.periods {
        let (Some(k0), Some(weights)) = (period.k0, s.weights_of(period)) else {
            return Err(format!(
                "scheme {}: period {} needs k0 and weights",
                s.name,
                period.label()
            ));
        };
        for year in period.start..=period.end {
            let mut entry = Entry::undetermined(&s.name, "water_quality_index", None, period, year);
            match annual_means(series, &s.station, &s.indicators, year, s.min_months) {
                Err(why) => entry.inputs = why,
                Ok(means) => {
                    let p = k0
                        * means
                            .iter()
                            .zip(&baselines)
                            .zip(weights)
                            .map(|(((c, _), c0), k)| k * c / c0)
                            .sum::<f64>();
                    entry.settle(
                        period.amount_yuan.unwrap_or(0.0),
                        p <= s.threshold,
                        upstream,
                        downstream,
                    );
                    entry.index_value = Some(p);
                    let terms: Vec<String> = s
                        .indicators
                        .iter()
                        .zip(&means)
                        .zip(&baselines)
                        .zip(weights)
                        .map(|(((i, (c, months)), c0), k)| {
                            format!("{i} C={c:.4} C0={c0:.4} k={k} ({months} months)")
                        })
                        .collect();
                    entry.inputs = with_warnings(
                        format!(
                            "P = {k0} × Σ k·C/C0 = {p:.4} (threshold {}); {}",
                            s.threshold,
                            terms.join("; ")
                        ),
                        &warnings,
                    );
                }
            }
            entries.push(entry);
        }
    }
    Ok(Ledger { entries, warnings })
}

/// The indicators an official class of a river is judged on: GB 3838-2002 Table 1's 24 basic
/// items less water temperature, TN and faecal coliforms (环办〔2011〕22号).
const RIVER_INDICATORS: usize = 21;
/// The same for lakes and reservoirs, which keep TN.
const LAKE_INDICATORS: usize = 22;

/// A warning when a class is judged on fewer indicators than the official assessment: the
/// worst single factor over fewer indicators can only be as good or better than over all.
fn fewer_than_the_standard(s: &ClassChange) -> Option<String> {
    let official = match s.waterbody {
        Waterbody::River => RIVER_INDICATORS,
        Waterbody::Lake => LAKE_INDICATORS,
    };
    (s.indicators.len() < official).then(|| {
        format!(
            "class judged on {} of the {official} indicators of the official assessment ({}; GB 3838-2002 Table 1 by 环办〔2011〕22号): the worst single factor of fewer indicators can only be as good as the full class or better",
            s.indicators.len(),
            s.indicators.join(", ")
        )
    })
}

/// The class of a year: the worst single-factor class of the indicators' annual means, and how
/// each indicator came out.
fn class_in(s: &ClassChange, series: &Series, year: i32) -> Result<(usize, String), String> {
    let means = annual_means(series, &s.station, &s.indicators, year, s.min_months)?;
    let mut worst = 1;
    let mut parts = Vec::new();
    for (i, (c, _)) in s.indicators.iter().zip(&means) {
        let k = s.limits_of(i).map_or(6, |limits| class_of(*c, limits));
        worst = worst.max(k);
        parts.push(format!("{i} {c:.4} → {}", roman(k)));
    }
    Ok((worst, parts.join(", ")))
}

/// The key-pollutant index of a year: the mean over the key pollutants of annual mean ÷ the
/// limit of the baseline class.
fn key_index(s: &ClassChange, series: &Series, year: i32) -> Result<f64, String> {
    let key = s.key_pollutants();
    let means = annual_means(series, &s.station, key, year, s.min_months)?;
    let ratios: f64 = key
        .iter()
        .zip(&means)
        .map(|(i, (c, _))| {
            s.limits_of(i)
                .and_then(|l| l.get(s.baseline_class.wrapping_sub(1)))
                .map_or(f64::NAN, |limit| c / limit)
        })
        .sum();
    Ok(ratios / key.len() as f64)
}

/// The class-change rule. Class part: each year's class against `baseline_class` (or, with
/// `compare = "previous_year"`, against the year before); per class better the downstream side
/// pays the upstream side `amount_per_class_yuan`, per class worse the upstream side pays.
/// Index part (when given): per percentage point the key-pollutant index fell (rose) since the
/// year before, the downstream (upstream) side pays `amount_per_index_point_yuan`, at most
/// `index_cap_yuan` a year.
pub fn class_change(s: &ClassChange, series: &Series, upstream: &str, downstream: &str) -> Ledger {
    let mut warnings = Vec::new();
    if s.waterbody == Waterbody::River && s.indicators.iter().any(|i| i == "TN") {
        warnings.push("TN counted in a river's class: the 2011 evaluation method (环办〔2011〕22号) classes rivers without TN, and GB 3838-2002 gives TN limits for lakes and reservoirs".to_string());
    }
    warnings.extend(fewer_than_the_standard(s));
    let mut entries = Vec::new();
    for period in &s.periods {
        for year in period.start..=period.end {
            let mut entry =
                Entry::undetermined(&s.name, "class_change", Some("class"), period, year);
            let now = class_in(s, series, year).map_err(|why| format!("{year}: {why}"));
            let against = match s.compare {
                Compare::BaselineClass => Ok((
                    s.baseline_class,
                    format!("baseline class {}", roman(s.baseline_class)),
                )),
                Compare::PreviousYear => class_in(s, series, year - 1)
                    .map(|(k, _)| (k, format!("{} in {}", roman(k), year - 1)))
                    .map_err(|why| format!("{}: {why}", year - 1)),
            };
            match (against, now) {
                (Ok((reference, what)), Ok((class, parts))) => {
                    let better = reference as i64 - class as i64;
                    entry.settle(
                        better.unsigned_abs() as f64 * s.amount_per_class_yuan,
                        better > 0,
                        upstream,
                        downstream,
                    );
                    entry.index_value = Some(class as f64);
                    let change = match better {
                        0 => "the same".to_string(),
                        1.. => format!("{better} better"),
                        _ => format!("{} worse", -better),
                    };
                    entry.inputs = with_warnings(
                        format!("class {} against {what}: {change}; {parts}", roman(class)),
                        &warnings,
                    );
                }
                (Err(why), _) | (_, Err(why)) => entry.inputs = why,
            }
            entries.push(entry);
            if let Some((per_point, cap)) = s.index_part() {
                entries.push(index_entry(
                    s,
                    series,
                    period,
                    year,
                    (per_point, cap),
                    (upstream, downstream),
                ));
            }
        }
    }
    Ledger { entries, warnings }
}

/// The index part of a class-change year.
fn index_entry(
    s: &ClassChange,
    series: &Series,
    period: &Period,
    year: i32,
    (per_point, cap): (f64, f64),
    (upstream, downstream): (&str, &str),
) -> Entry {
    let mut entry = Entry::undetermined(&s.name, "class_change", Some("index"), period, year);
    match (key_index(s, series, year - 1), key_index(s, series, year)) {
        (Ok(before), Ok(now)) if before > 0.0 => {
            let change_pct = (now / before - 1.0) * 100.0;
            let amount = (change_pct.abs() * per_point).min(cap);
            entry.settle(amount, change_pct < 0.0, upstream, downstream);
            entry.index_value = Some(change_pct);
            entry.inputs = format!(
                "key-pollutant index ({}) {now:.4} against {before:.4} in {}: {change_pct:+.2} %; {per_point} yuan a point, at most {cap} yuan",
                s.key_pollutants().join(", "),
                year - 1
            );
        }
        (Ok(_), Ok(_)) => {
            entry.inputs = format!(
                "{}: the key-pollutant index is 0, so its change is undefined",
                year - 1
            )
        }
        (Err(why), _) => entry.inputs = format!("{}: {why}", year - 1),
        (_, Err(why)) => entry.inputs = format!("{year}: {why}"),
    }
    entry
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::schemes::Scheme;

    /// A scheme as the manifest would give it, with `extra` fields over the base ones.
    fn parse(base: serde_json::Value, extra: serde_json::Value) -> Result<Scheme, String> {
        let mut v = base;
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        Scheme::parse(&v, 0, "m").map_err(|problems| problems.join("\n"))
    }

    fn class_scheme(extra: serde_json::Value) -> ClassChange {
        let base = json!({"name": "sh-he", "rule": "class_change", "station": "S",
            "indicators": ["NH3-N"], "amount_per_class_yuan": 6e7,
            "periods": [{"start": 2016, "end": 2021}]});
        match parse(base, extra) {
            Ok(Scheme::ClassChange(s)) => s,
            other => panic!("{other:?}"),
        }
    }

    /// Twelve equal monthly means per (indicator, year, value).
    fn yearly(values: &[(&str, i32, f64)]) -> Series {
        let mut monthly = Vec::new();
        for &(i, year, v) in values {
            for m in 1..=12 {
                monthly.push(("S", i, year, m, v));
            }
        }
        Series::from_monthly(&monthly)
    }

    /// Part, payer, amount and status of an entry.
    type Decided<'a> = (Option<&'a str>, Option<&'a str>, Option<f64>, &'a str);

    fn decided(ledger: &Ledger) -> Vec<Decided<'_>> {
        ledger
            .entries
            .iter()
            .map(|e| (e.part, e.payer.as_deref(), e.amount_yuan, e.status))
            .collect()
    }

    /// NH3-N annual means 1.2 (class IV) in 2015; 0.4 (II) in 2016–2018; 0.8 (III) in 2019;
    /// 1.2 (IV) in 2020; 1.8 (V) in 2021 (GB 3838-2002 limits 0.15/0.5/1.0/1.5/2.0 mg/L).
    fn nh3n_series() -> Series {
        yearly(&[
            ("NH3-N", 2015, 1.2),
            ("NH3-N", 2016, 0.4),
            ("NH3-N", 2017, 0.4),
            ("NH3-N", 2018, 0.4),
            ("NH3-N", 2019, 0.8),
            ("NH3-N", 2020, 1.2),
            ("NH3-N", 2021, 1.8),
        ])
    }

    #[test]
    fn class_change_pays_per_class_better_or_worse_than_class_iii() {
        // Against class III (the agreement): II is one class better, so Shandong (downstream)
        // pays Henan (upstream) 60 M in each of 2016, 2017 and 2018; III pays nothing; IV is one
        // class worse, so Henan pays 60 M; V is two worse, 2 × 60 M = 120 M.
        let s = class_scheme(json!({}));
        assert_eq!((s.compare, s.baseline_class), (Compare::BaselineClass, 3));
        let ledger = class_change(&s, &nh3n_series(), "henan", "shandong");
        let class = Some("class");
        assert_eq!(
            decided(&ledger),
            vec![
                (class, Some("shandong"), Some(6e7), "transfer"),
                (class, Some("shandong"), Some(6e7), "transfer"),
                (class, Some("shandong"), Some(6e7), "transfer"),
                (class, None, Some(0.0), "no transfer"),
                (class, Some("henan"), Some(6e7), "transfer"),
                (class, Some("henan"), Some(1.2e8), "transfer"),
            ]
        );
        assert_eq!(ledger.entries[0].payee.as_deref(), Some("henan"));
        assert_eq!(ledger.entries[5].index_value, Some(5.0));
        assert!(
            ledger.entries[0]
                .inputs
                .starts_with("class II against baseline class III: 1 better; NH3-N 0.4000 → II"),
            "{}",
            ledger.entries[0].inputs
        );
        // One indicator is not the official class: the ledger says so.
        assert_eq!(
            ledger.warnings,
            vec!["class judged on 1 of the 21 indicators of the official assessment (NH3-N; GB 3838-2002 Table 1 by 环办〔2011〕22号): the worst single factor of fewer indicators can only be as good as the full class or better"]
        );
        assert!(ledger.entries[0]
            .inputs
            .contains("warning: class judged on 1 of the 21"));
    }

    #[test]
    fn class_change_against_the_previous_year_still_works() {
        // IV in 2015 → II in 2016: two classes gained, Shandong pays 120 M; II held in 2017 and
        // 2018: nothing; II → III → IV → V in 2019–2021: one class lost each year, Henan pays
        // 60 M each year.
        let s = class_scheme(json!({"compare": "previous_year"}));
        let ledger = class_change(&s, &nh3n_series(), "henan", "shandong");
        let class = Some("class");
        assert_eq!(
            decided(&ledger),
            vec![
                (class, Some("shandong"), Some(1.2e8), "transfer"),
                (class, None, Some(0.0), "no transfer"),
                (class, None, Some(0.0), "no transfer"),
                (class, Some("henan"), Some(6e7), "transfer"),
                (class, Some("henan"), Some(6e7), "transfer"),
                (class, Some("henan"), Some(6e7), "transfer"),
            ]
        );
        assert_eq!(class_of(2.5, &[0.15, 0.5, 1.0, 1.5, 2.0]), 6);
    }

    #[test]
    fn the_index_part_pays_per_point_of_change_up_to_its_cap() {
        // Key-pollutant index = mean of annual mean ÷ class-III limit (CODMn 6, NH3-N 1 mg/L):
        // 2015 (4.8/6 + 0.6/1)/2 = 0.70; 2016 (4.2/6 + 0.56/1)/2 = 0.63, −10 % → Shandong pays
        // Henan 10 × 1 M = 10 M; 2017 (6/6 + 0.9/1)/2 = 0.95, +50.79 % → 50.79 M, capped at 40 M,
        // Henan pays; 2018 as 2017, 0 % → nothing. Every year is class III: no class transfer.
        let s = class_scheme(json!({"indicators": ["CODMn", "NH3-N"],
            "amount_per_index_point_yuan": 1e6, "index_cap_yuan": 4e7,
            "periods": [{"start": 2016, "end": 2018}]}));
        let series = yearly(&[
            ("CODMn", 2015, 4.8),
            ("NH3-N", 2015, 0.6),
            ("CODMn", 2016, 4.2),
            ("NH3-N", 2016, 0.56),
            ("CODMn", 2017, 6.0),
            ("NH3-N", 2017, 0.9),
            ("CODMn", 2018, 6.0),
            ("NH3-N", 2018, 0.9),
        ]);
        let ledger = class_change(&s, &series, "henan", "shandong");
        let got = decided(&ledger);
        let (class, index) = (Some("class"), Some("index"));
        for k in [0, 2, 4] {
            assert_eq!(got[k], (class, None, Some(0.0), "no transfer"), "{k}");
        }
        let e = &ledger.entries;
        assert_eq!(
            (e[1].part, e[1].payer.as_deref(), e[1].status),
            (index, Some("shandong"), "transfer")
        );
        assert!((e[1].amount_yuan.unwrap() - 1e7).abs() < 1e-3, "{:?}", e[1]);
        assert!((e[1].index_value.unwrap() + 10.0).abs() < 1e-9);
        assert_eq!(got[3], (index, Some("henan"), Some(4e7), "transfer"));
        assert!((e[3].index_value.unwrap() - (0.95 / 0.63 - 1.0) * 100.0).abs() < 1e-9);
        assert_eq!(got[5], (index, None, Some(0.0), "no transfer"));
        // Half the index part is no index part.
        let base = json!({"name": "half", "rule": "class_change", "station": "S",
            "indicators": ["TP"], "amount_per_class_yuan": 1, "periods": []});
        assert_eq!(
            parse(base, json!({"amount_per_index_point_yuan": 1e6})).unwrap_err(),
            "m: schemes[0] (half): field `index_cap_yuan`: the index part needs both `amount_per_index_point_yuan` and `index_cap_yuan`"
        );
    }

    #[test]
    fn a_lake_section_is_classed_by_lake_limits() {
        // TP 0.08 mg/L: class II in a river (limit 0.1), class IV in a lake (0.05 < 0.08 ≤ 0.1):
        // against class III the river's downstream side pays, the lake's upstream side pays.
        let series = yearly(&[("TP", 2016, 0.08), ("TN", 2016, 0.4)]);
        let period = json!([{"start": 2016, "end": 2016}]);
        let river = class_scheme(json!({"indicators": ["TP"], "periods": period}));
        let lake =
            class_scheme(json!({"indicators": ["TP"], "periods": period, "waterbody": "lake"}));
        let class = Some("class");
        assert_eq!(
            decided(&class_change(&river, &series, "up", "down")),
            vec![(class, Some("down"), Some(6e7), "transfer")]
        );
        let in_lake = class_change(&lake, &series, "up", "down");
        assert_eq!(
            decided(&in_lake),
            vec![(class, Some("up"), Some(6e7), "transfer")]
        );
        assert_eq!(in_lake.entries[0].index_value, Some(4.0));
        // TN (0.4, class II) counts in both, but a river's class with TN carries a warning.
        let tn = |waterbody: &str| {
            class_scheme(json!({"indicators": ["TN"], "periods": period, "waterbody": waterbody}))
        };
        let river_tn = class_change(&tn("river"), &series, "up", "down");
        assert!(river_tn.entries[0]
            .inputs
            .contains("warning: TN counted in a river's class"));
        assert_eq!(river_tn.warnings.len(), 2);
        let lake_tn = class_change(&tn("lake"), &series, "up", "down").warnings;
        assert_eq!(lake_tn.len(), 1);
        assert!(lake_tn[0].starts_with("class judged on 1 of the 22 indicators"));
        let base = json!({"name": "sea", "rule": "class_change", "station": "S",
            "indicators": ["TP"], "amount_per_class_yuan": 1, "periods": []});
        let e = parse(base, json!({"waterbody": "sea", "baseline_class": 7})).unwrap_err();
        assert!(
            e.starts_with("m: schemes[0] (sea): field `waterbody`: unknown variant `sea`"),
            "{e}"
        );
    }

    fn xinan(extra: serde_json::Value) -> Result<WaterQualityIndex, String> {
        let base = json!({"name": "xinan", "rule": "water_quality_index", "station": "S",
            "indicators": ["CODMn", "TP"], "weights": [0.5, 0.5], "baseline": [2008, 2010],
            "min_months": 12, "periods": [{"start": 2012, "end": 2012, "k0": 1.0, "amount_yuan": 1e8}]});
        match parse(base, extra)? {
            Scheme::WaterQualityIndex(s) => Ok(s),
            other => panic!("{other:?}"),
        }
    }

    /// Baseline 2008–2010: CODMn 4 (12 months), 10 (9 months), 5 (12 months); TP 0.1 every
    /// month. 2012 and 2013: the given CODMn and TP all year; 2014 has nine months.
    fn xinan_series(codmn: f64, tp: f64) -> Series {
        let mut values = Vec::new();
        for m in 1..=12 {
            values.push(("S", "CODMn", 2008, m, 4.0));
            values.push(("S", "CODMn", 2010, m, 5.0));
            for year in 2008..=2010 {
                values.push(("S", "TP", year, m, 0.1));
            }
            if m <= 9 {
                values.push(("S", "CODMn", 2009, m, 10.0));
                values.push(("S", "CODMn", 2014, m, 3.0));
                values.push(("S", "TP", 2014, m, 0.05));
            }
            for year in [2012, 2013] {
                values.push(("S", "CODMn", year, m, codmn));
                values.push(("S", "TP", year, m, tp));
            }
        }
        Series::from_monthly(&values)
    }

    #[test]
    fn the_xinan_baseline_averages_full_years_and_warns_of_the_rest() {
        // 2009 has nine months of CODMn, fewer than 12: it is left out, so C0 = (4 + 5) / 2 = 4.5
        // (pooling the months would give (12·4 + 9·10 + 12·5) / 33 = 6). With CODMn 4.5 and TP
        // 0.1 in 2012, P = 1 × (0.5 × 4.5/4.5 + 0.5 × 0.1/0.1) = 1 ≤ 1: Zhejiang pays Anhui.
        let s = xinan(json!({})).unwrap();
        let ledger = water_quality_index(&s, &xinan_series(4.5, 0.1), "anhui", "zhejiang").unwrap();
        let e = &ledger.entries[0];
        assert!((e.index_value.unwrap() - 1.0).abs() < 1e-12, "{e:?}");
        assert_eq!(
            (e.payer.as_deref(), e.amount_yuan),
            (Some("zhejiang"), Some(1e8))
        );
        assert_eq!(
            ledger.warnings,
            vec!["CODMn baseline years left out, fewer than 12 months: 2009 (9 months)"]
        );
        assert!(
            e.inputs.contains("C0=4.5000") && e.inputs.ends_with("2009 (9 months)"),
            "{}",
            e.inputs
        );
        // No full baseline year at all is an error.
        let s = xinan(json!({"baseline": [2009, 2009]})).unwrap();
        let err =
            water_quality_index(&s, &xinan_series(4.5, 0.1), "anhui", "zhejiang").unwrap_err();
        assert_eq!(err, "scheme xinan: no year of the baseline 2009-2009 has 12 months of CODMn at station S: 2009 (9 months)");
    }

    #[test]
    fn the_xinan_index_decides_the_payer_by_period_and_a_short_year_is_undetermined() {
        // C0: CODMn 4.5, TP 0.1. 2012–2013 at CODMn 4.95, TP 0.12: Σ = 0.5 × 1.1 + 0.5 × 1.2 =
        // 1.15; round 1 (k0 0.85): P = 0.9775 ≤ 1, Zhejiang pays. Round 2 (2013–2014, k0 0.9,
        // its own weights 1 and 0): P = 0.9 × 1.1 = 0.99 in 2013; 2014 has nine months:
        // undetermined, no payer, no amount.
        let s = xinan(json!({"periods": [
            {"start": 2012, "end": 2012, "k0": 0.85, "amount_yuan": 1e8},
            {"start": 2013, "end": 2014, "k0": 0.9, "amount_yuan": 2e8, "weights": [1.0, 0.0]}]}))
        .unwrap();
        let ledger =
            water_quality_index(&s, &xinan_series(4.95, 0.12), "anhui", "zhejiang").unwrap();
        let p: Vec<Option<f64>> = ledger.entries.iter().map(|e| e.index_value).collect();
        assert!(
            (p[0].unwrap() - 0.9775).abs() < 1e-12 && (p[1].unwrap() - 0.99).abs() < 1e-12,
            "{p:?}"
        );
        assert_eq!(ledger.entries[1].amount_yuan, Some(2e8));
        let short = &ledger.entries[2];
        assert_eq!(
            (short.status, short.payer.as_ref(), short.amount_yuan),
            ("undetermined", None, None)
        );
        assert!(short.inputs.contains("CODMn 9 months"), "{}", short.inputs);
        // With P above 1 the upstream side pays: 1 × (0.5 × 6/4.5 + 0.5 × 0.12/0.1) = 1.2667.
        let s = xinan(json!({})).unwrap();
        let up = water_quality_index(&s, &xinan_series(6.0, 0.12), "anhui", "zhejiang").unwrap();
        assert_eq!(up.entries[0].payer.as_deref(), Some("anhui"));
    }

    #[test]
    fn xinan_weights_and_k0_are_checked_per_scheme_and_period() {
        assert_eq!(
            xinan(json!({"weights": [0.5, 0.4]})).unwrap_err(),
            "m: schemes[0] (xinan): field `weights`: sum to 0.9, not 1 (P is compared with a threshold of 1 on the understanding that they do)"
        );
        assert_eq!(
            xinan(json!({"periods": [{"start": 2012, "end": 2014, "amount_yuan": 1e8}]})).unwrap_err(),
            "m: schemes[0] (xinan): field `periods[0].k0`: missing: period 2012-2014 needs its stability coefficient"
        );
        let e = xinan(json!({"weights": null, "min_months": 13, "periods": [
            {"start": 2012, "end": 2014, "k0": 0.85, "amount_yuan": 1e8, "weights": [0.7, 0.7]},
            {"start": 2015, "end": 2017, "k0": 0.89, "amount_yuan": 2e8}]}))
        .unwrap_err();
        assert_eq!(
            e.lines().collect::<Vec<_>>(),
            vec![
                "m: schemes[0] (xinan): field `min_months`: 13 is not a number of months from 1 to 12",
                "m: schemes[0] (xinan): field `periods[0].weights`: sum to 1.4, not 1 (P is compared with a threshold of 1 on the understanding that they do)",
                "m: schemes[0] (xinan): field `periods[1].weights`: missing: period 2015-2017 has no weights, and the scheme gives no `weights`",
            ]
        );
        assert_eq!(
            xinan(json!({"weights": [0.5, 0.5, 0.0]})).unwrap_err(),
            "m: schemes[0] (xinan): field `weights`: needs one weight per indicator"
        );
        assert!(xinan(
            json!({"periods": [{"start": 2012, "end": 2014, "k0": "high", "amount_yuan": 1}]})
        )
        .unwrap_err()
        .starts_with("m: schemes[0] (xinan): field `periods[0].k0`: invalid type"));
    }

    #[test]
    fn scheme_errors_name_the_entry_and_field() {
        let v = json!({"name": "y", "rule": "class_change", "station": "S", "indicators": ["COD", "BOD5"],
            "amount_per_class_yuan": 1, "periods": []});
        assert_eq!(
            Scheme::parse(&v, 0, "m").unwrap_err(),
            vec!["m: schemes[0] (y): field `limits`: BOD5 needs five positive, non-decreasing class limits (I–V), mg/L; defaults exist for COD, CODMn, NH3-N, TN, TP"]
        );
        let v = json!({"name": "e", "rule": "class_change", "station": "S", "indicators": [],
            "key_pollutants": [], "amount_per_class_yuan": 1, "periods": []});
        assert_eq!(
            Scheme::parse(&v, 0, "m").unwrap_err(),
            vec![
                "m: schemes[0] (e): field `indicators`: needs at least one indicator",
                "m: schemes[0] (e): field `key_pollutants`: needs at least one indicator",
            ]
        );
        let v = json!({"name": "z", "rule": "lottery"});
        assert!(Scheme::parse(&v, 1, "m").unwrap_err()[0].contains("`lottery` is not"));
    }
}
