//! Compensation schemes as data (`[[schemes]]` in the manifest): their types, parsed and
//! checked against the project's stations and jurisdictions when the project loads. The rules
//! that turn them into ledger entries are the compensation analysis's (methods reference §4.1).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::sites::Station;
use crate::region::Region;

/// A period of a scheme: its years and, under the water-quality index rule, its stability
/// coefficient, annual amount and (when they change by round) its own weights.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub start: i32,
    pub end: i32,
    /// Stability coefficient k0 (water-quality index rule, where every period needs one).
    pub k0: Option<f64>,
    /// Annual amount that changes hands, yuan (water-quality index rule).
    pub amount_yuan: Option<f64>,
    /// Indicator weights k_i of this period, overriding the scheme's (water-quality index rule).
    pub weights: Option<Vec<f64>>,
}

impl Period {
    pub fn label(&self) -> String {
        format!("{}-{}", self.start, self.end)
    }
}

/// Xin'an River type: P = k0 · Σ k_i · C_i / C_i0 on annual means at a section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaterQualityIndex {
    pub name: String,
    pub rule: String,
    pub station: String,
    pub upstream: Option<String>,
    pub downstream: Option<String>,
    pub indicators: Vec<String>,
    /// Weights k_i, one per indicator, summing to 1; a period's own `weights` override them.
    pub weights: Option<Vec<f64>>,
    /// First and last year of the baseline window of C_i0.
    pub baseline: [i32; 2],
    #[serde(default = "one")]
    pub threshold: f64,
    /// Months with data an indicator needs for its annual mean to count (a year of the
    /// baseline, or a year assessed).
    #[serde(default = "twelve")]
    pub min_months: usize,
    pub periods: Vec<Period>,
}

impl WaterQualityIndex {
    /// The weights of a period: its own, else the scheme's.
    pub fn weights_of<'a>(&'a self, period: &'a Period) -> Option<&'a [f64]> {
        period.weights.as_deref().or(self.weights.as_deref())
    }
}

/// Which GB 3838-2002 limits apply: rivers', or lakes' and reservoirs' (TP differs; TN is a
/// lake item).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Waterbody {
    #[default]
    River,
    Lake,
}

/// What a year's class is compared with under the class-change rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// The agreement's reading: each class better or worse than `baseline_class` counts.
    #[default]
    BaselineClass,
    /// Each class gained or lost since the year before.
    PreviousYear,
}

/// Shandong–Henan type: a fixed amount per water-quality class better or worse than a baseline
/// class (or than the year before), and optionally an amount per percentage point of change of
/// a key-pollutant index, capped per year.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassChange {
    pub name: String,
    pub rule: String,
    pub station: String,
    pub upstream: Option<String>,
    pub downstream: Option<String>,
    pub indicators: Vec<String>,
    #[serde(default)]
    pub waterbody: Waterbody,
    /// Class I–V upper limits per indicator, mg/L (defaults: GB 3838-2002, [`default_limits`]).
    #[serde(default)]
    pub limits: BTreeMap<String, Vec<f64>>,
    #[serde(default)]
    pub compare: Compare,
    /// The class at which nothing changes hands (1 = I … 5 = V).
    #[serde(default = "three")]
    pub baseline_class: usize,
    pub amount_per_class_yuan: f64,
    /// Pollutants of the key-pollutant index (default: `indicators`).
    pub key_pollutants: Option<Vec<String>>,
    /// Yuan per percentage point of year-on-year change of the key-pollutant index.
    pub amount_per_index_point_yuan: Option<f64>,
    /// Most the index part moves in a year, yuan.
    pub index_cap_yuan: Option<f64>,
    #[serde(default = "twelve")]
    pub min_months: usize,
    pub periods: Vec<Period>,
}

impl ClassChange {
    /// The class I–V limits of an indicator: the scheme's own, else GB 3838-2002's for its
    /// water body.
    pub fn limits_of(&self, indicator: &str) -> Option<&[f64]> {
        self.limits
            .get(indicator)
            .map(Vec::as_slice)
            .or_else(|| default_limits(indicator, self.waterbody))
    }

    /// The pollutants of the key-pollutant index.
    pub fn key_pollutants(&self) -> &[String] {
        self.key_pollutants.as_deref().unwrap_or(&self.indicators)
    }

    /// The index part, when the scheme has one: (yuan per percentage point, cap in yuan).
    pub fn index_part(&self) -> Option<(f64, f64)> {
        self.amount_per_index_point_yuan.zip(self.index_cap_yuan)
    }
}

/// A price per kg of load delivered across a border above an allowance.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBased {
    pub name: String,
    pub rule: String,
    /// Code of the jurisdiction the load leaves (it pays).
    pub from: String,
    /// Code of the jurisdiction it enters (it is paid).
    pub to: String,
    pub pollutant: String,
    pub allowance_kg: f64,
    pub price_yuan_per_kg: f64,
}

/// Where the ESV-based rule takes its ecosystem-service value from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EsvSource {
    /// The provider's ecological-red-line plan zones near the border, per plan version.
    #[default]
    Plans,
    /// The provider's side of the border zone on the land-cover rasters, per year.
    Landcover,
}

/// A share of the ecosystem-service value that one side's land near the border provides to
/// the other.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EsvBased {
    pub name: String,
    pub rule: String,
    /// Code of the jurisdiction whose land provides (it is paid).
    pub provider: String,
    /// Code of the jurisdiction that benefits (it pays).
    pub beneficiary: String,
    pub share: f64,
    /// `plans` (default) or `landcover`.
    #[serde(default)]
    pub esv_source: EsvSource,
}

fn one() -> f64 {
    1.0
}
/// Both agreements assess the annual mean of a national section's monthly monitoring.
fn twelve() -> usize {
    12
}
fn three() -> usize {
    3
}

/// Most yuan any amount field may hold: a guard against a slipped digit.
const MAX_YUAN: f64 = 1e12;
/// How far weights may sum from 1.
const WEIGHT_TOLERANCE: f64 = 1e-6;

/// A scheme of any rule type.
#[derive(Debug, Clone)]
pub enum Scheme {
    WaterQualityIndex(WaterQualityIndex),
    ClassChange(ClassChange),
    LoadBased(LoadBased),
    EsvBased(EsvBased),
}

/// Problems of a scheme's fields, each as `field`, message (the caller names the scheme).
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn check(&mut self, ok: bool, field: &str, message: impl FnOnce() -> String) {
        if !ok {
            self.0.push(format!("field `{field}`: {}", message()));
        }
    }

    /// An amount in yuan: finite, from 0 to [`MAX_YUAN`].
    fn yuan(&mut self, value: Option<f64>, field: &str) {
        if let Some(v) = value {
            self.check((0.0..=MAX_YUAN).contains(&v), field, || {
                format!("{v} is not an amount from 0 to {MAX_YUAN:e} yuan")
            });
        }
    }

    fn min_months(&mut self, months: usize) {
        self.check((1..=12).contains(&months), "min_months", || {
            format!("{months} is not a number of months from 1 to 12")
        });
    }

    fn periods(&mut self, periods: &[Period]) {
        for p in periods {
            self.check(p.start <= p.end, "periods", || {
                format!("period {} ends before it starts", p.label())
            });
        }
    }

    /// Weights: one per indicator, none negative, summing to 1.
    fn weights(&mut self, weights: &[f64], indicators: usize, field: &str) {
        let sum: f64 = weights.iter().sum();
        if weights.len() != indicators {
            self.check(false, field, || "needs one weight per indicator".into());
        } else if weights.iter().any(|w| !(w.is_finite() && *w >= 0.0)) {
            self.check(false, field, || {
                "a weight is negative or not a number".into()
            });
        } else {
            self.check((sum - 1.0).abs() <= WEIGHT_TOLERANCE, field, || {
                format!("sum to {sum}, not 1 (P is compared with a threshold of 1 on the understanding that they do)")
            });
        }
    }
}

impl Scheme {
    /// Parses `[[schemes]]` entry `index` of `manifest`; every problem names the entry and the
    /// field.
    pub fn parse(
        value: &serde_json::Value,
        index: usize,
        manifest: &str,
    ) -> Result<Self, Vec<String>> {
        let name = value
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("unnamed");
        let at = format!("{manifest}: schemes[{index}] ({name})");
        let rule = value
            .get("rule")
            .and_then(|r| r.as_str())
            .ok_or_else(|| vec![format!("{at}: field `rule` is missing (water_quality_index, class_change, load_based or esv_based)")])?;
        fn typed<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> Result<T, String> {
            serde_path_to_error::deserialize(value).map_err(|e| match e.path().to_string() {
                path if path == "." => e.inner().to_string(),
                path => format!("field `{path}`: {}", e.inner()),
            })
        }
        let parsed = match rule {
            "water_quality_index" => typed(value).map(Scheme::WaterQualityIndex),
            "class_change" => typed(value).map(Scheme::ClassChange),
            "load_based" => typed(value).map(Scheme::LoadBased),
            "esv_based" => typed(value).map(Scheme::EsvBased),
            other => {
                return Err(vec![format!(
                    "{at}: field `rule`: `{other}` is not water_quality_index, class_change, load_based or esv_based"
                )])
            }
        }
        .map_err(|e| vec![format!("{at}: {e}")])?;
        let problems = parsed.problems();
        if problems.is_empty() {
            Ok(parsed)
        } else {
            Err(problems.iter().map(|p| format!("{at}: {p}")).collect())
        }
    }

    /// Problems of the fields' values (each `field …: message`).
    fn problems(&self) -> Vec<String> {
        let mut p = Problems::default();
        let (indicators, key) = match self {
            Scheme::WaterQualityIndex(s) => (Some(&s.indicators), None),
            Scheme::ClassChange(s) => (Some(&s.indicators), s.key_pollutants.as_ref()),
            _ => (None, None),
        };
        for (field, list) in [("indicators", indicators), ("key_pollutants", key)] {
            p.check(list.is_none_or(|l| !l.is_empty()), field, || {
                "needs at least one indicator".into()
            });
        }
        match self {
            Scheme::WaterQualityIndex(s) => {
                if let Some(w) = &s.weights {
                    p.weights(w, s.indicators.len(), "weights");
                }
                p.check(s.baseline[0] <= s.baseline[1], "baseline", || {
                    "is [first year, last year]".into()
                });
                p.check(
                    s.threshold > 0.0 && s.threshold <= 10.0,
                    "threshold",
                    || format!("{} is not a number above 0 and at most 10", s.threshold),
                );
                p.min_months(s.min_months);
                p.periods(&s.periods);
                for (n, period) in s.periods.iter().enumerate() {
                    let label = period.label();
                    let field = |f: &str| format!("periods[{n}].{f}");
                    match period.k0 {
                        None => p.check(false, &field("k0"), || {
                            format!("missing: period {label} needs its stability coefficient")
                        }),
                        Some(k0) => p.check(k0 > 0.0 && k0 <= 2.0, &field("k0"), || {
                            format!(
                                "{k0} (period {label}) is not a coefficient above 0 and at most 2"
                            )
                        }),
                    }
                    p.check(period.amount_yuan.is_some(), &field("amount_yuan"), || {
                        format!("missing: period {label} needs its amount")
                    });
                    p.yuan(period.amount_yuan, &field("amount_yuan"));
                    match &period.weights {
                        Some(w) => p.weights(w, s.indicators.len(), &field("weights")),
                        None => p.check(s.weights.is_some(), &field("weights"), || {
                            format!("missing: period {label} has no weights, and the scheme gives no `weights`")
                        }),
                    }
                }
            }
            Scheme::ClassChange(s) => {
                let mut limited: Vec<&String> = s.indicators.iter().collect();
                limited.extend(
                    s.key_pollutants()
                        .iter()
                        .filter(|k| !s.indicators.contains(k)),
                );
                for i in limited {
                    let fine = s.limits_of(i).is_some_and(|l| {
                        l.len() == 5
                            && l.iter().all(|x| x.is_finite() && *x > 0.0)
                            && l.windows(2).all(|w| w[0] <= w[1])
                    });
                    p.check(fine, "limits", || format!("{i} needs five positive, non-decreasing class limits (I–V), mg/L; defaults exist for COD, CODMn, NH3-N, TN, TP"));
                }
                p.check(
                    (1..=5).contains(&s.baseline_class),
                    "baseline_class",
                    || format!("{} is not a class from 1 (I) to 5 (V)", s.baseline_class),
                );
                p.yuan(Some(s.amount_per_class_yuan), "amount_per_class_yuan");
                p.yuan(s.amount_per_index_point_yuan, "amount_per_index_point_yuan");
                p.yuan(s.index_cap_yuan, "index_cap_yuan");
                p.check(
                    s.amount_per_index_point_yuan.is_some() == s.index_cap_yuan.is_some(),
                    "index_cap_yuan",
                    || "the index part needs both `amount_per_index_point_yuan` and `index_cap_yuan`".into(),
                );
                p.min_months(s.min_months);
                p.periods(&s.periods);
            }
            Scheme::EsvBased(s) => p.check((0.0..=1.0).contains(&s.share), "share", || {
                "is between 0 and 1".into()
            }),
            Scheme::LoadBased(s) => {
                p.check(s.price_yuan_per_kg >= 0.0, "price_yuan_per_kg", || {
                    "is not negative".into()
                })
            }
        }
        p.0
    }

    pub fn name(&self) -> &str {
        match self {
            Scheme::WaterQualityIndex(s) => &s.name,
            Scheme::ClassChange(s) => &s.name,
            Scheme::LoadBased(s) => &s.name,
            Scheme::EsvBased(s) => &s.name,
        }
    }

    pub fn rule(&self) -> &'static str {
        match self {
            Scheme::WaterQualityIndex(_) => "water_quality_index",
            Scheme::ClassChange(_) => "class_change",
            Scheme::LoadBased(_) => "load_based",
            Scheme::EsvBased(_) => "esv_based",
        }
    }
}

/// Class I–V upper limits of GB 3838-2002 Table 1, mg/L. TP has its own limits for lakes and
/// reservoirs; TN's limits are given for lakes and reservoirs only (rivers are classed without
/// it: the ledger warns).
pub fn default_limits(indicator: &str, waterbody: Waterbody) -> Option<&'static [f64]> {
    Some(match (indicator, waterbody) {
        ("COD", _) => &[15.0, 15.0, 20.0, 30.0, 40.0],
        ("CODMn", _) => &[2.0, 4.0, 6.0, 10.0, 15.0],
        ("NH3-N", _) => &[0.15, 0.5, 1.0, 1.5, 2.0],
        ("TN", _) => &[0.2, 0.5, 1.0, 1.5, 2.0],
        ("TP", Waterbody::River) => &[0.02, 0.1, 0.2, 0.3, 0.4],
        ("TP", Waterbody::Lake) => &[0.01, 0.025, 0.05, 0.1, 0.2],
        _ => return None,
    })
}

impl Scheme {
    /// Problems of a parsed scheme against the project: its station must be in the stations
    /// layer, its sides known, and every jurisdiction it names must exist.
    pub fn check_against(
        &self,
        region: &Region,
        stations: Option<&[Station]>,
        index: usize,
    ) -> Vec<String> {
        let at = format!("{}: schemes[{index}] ({})", region.manifest, self.name());
        let mut problems = Vec::new();
        let mut jurisdiction = |field: &str, code: &str| {
            if region.by_code(code).is_none() {
                problems.push(format!(
                    "{at}: field `{field}`: `{code}` is not a jurisdiction"
                ));
            }
        };
        let (station, upstream, downstream) = match self {
            Scheme::WaterQualityIndex(s) => (&s.station, &s.upstream, &s.downstream),
            Scheme::ClassChange(s) => (&s.station, &s.upstream, &s.downstream),
            Scheme::LoadBased(s) => {
                jurisdiction("from", &s.from);
                jurisdiction("to", &s.to);
                return problems;
            }
            Scheme::EsvBased(s) => {
                jurisdiction("provider", &s.provider);
                jurisdiction("beneficiary", &s.beneficiary);
                return problems;
            }
        };
        for (field, code) in [("upstream", upstream), ("downstream", downstream)] {
            if let Some(code) = code {
                jurisdiction(field, code);
            }
        }
        let known = stations.map(|all| all.iter().any(|s| s.id == *station));
        match known {
            Some(false) => problems.push(format!(
                "{at}: field `station`: `{station}` is not in the stations layer ({})",
                region.layer_name("stations")
            )),
            None if upstream.is_none() || downstream.is_none() => problems.push(format!(
                "{at}: field `station`: `{station}` cannot be found: the project has no stations layer, and the scheme gives no `upstream` and `downstream`"
            )),
            _ => {}
        }
        problems
    }
}
