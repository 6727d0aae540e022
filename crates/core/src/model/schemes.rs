//! Compensation schemes as data (`[[schemes]]` in the manifest): their types, parsed and
//! checked against the project's stations and jurisdictions when the project loads. The rules
//! that turn them into ledger entries are the compensation analysis's (methods reference §4.1).

use serde::Deserialize;

use super::sites::Station;
use crate::region::Region;

/// A period of a scheme: its years, stability coefficient and annual amount.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub start: i32,
    pub end: i32,
    /// Stability coefficient k0 (water-quality index rule; 1 when absent).
    pub k0: Option<f64>,
    /// Annual amount that changes hands, yuan (water-quality index rule).
    pub amount_yuan: Option<f64>,
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
    pub weights: Vec<f64>,
    /// First and last year of the baseline window of C_i0.
    pub baseline: [i32; 2],
    #[serde(default = "one")]
    pub threshold: f64,
    /// Months with data an indicator needs in a year, below which the year is undetermined.
    #[serde(default = "ten")]
    pub min_months: usize,
    pub periods: Vec<Period>,
}

/// Shandong–Henan type: a fixed amount per water-quality class improved or worsened.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassChange {
    pub name: String,
    pub rule: String,
    pub station: String,
    pub upstream: Option<String>,
    pub downstream: Option<String>,
    pub indicators: Vec<String>,
    /// Class I–V upper limits per indicator, mg/L (defaults: GB 3838-2002, [`default_limits`]).
    #[serde(default)]
    pub limits: std::collections::BTreeMap<String, Vec<f64>>,
    pub amount_per_class_yuan: f64,
    #[serde(default = "ten")]
    pub min_months: usize,
    pub periods: Vec<Period>,
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

/// A share of the ecosystem-service value that one side's protected land near the border
/// provides to the other.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EsvBased {
    pub name: String,
    pub rule: String,
    /// Code of the jurisdiction whose protected land provides (it is paid).
    pub provider: String,
    /// Code of the jurisdiction that benefits (it pays).
    pub beneficiary: String,
    pub share: f64,
}

fn one() -> f64 {
    1.0
}
fn ten() -> usize {
    10
}

/// A scheme of any rule type.
#[derive(Debug, Clone)]
pub enum Scheme {
    WaterQualityIndex(WaterQualityIndex),
    ClassChange(ClassChange),
    LoadBased(LoadBased),
    EsvBased(EsvBased),
}

impl Scheme {
    /// Parses `[[schemes]]` entry `index` of `manifest`; errors name the entry and the field.
    pub fn parse(value: &serde_json::Value, index: usize, manifest: &str) -> Result<Self, String> {
        let name = value
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("unnamed");
        let at = format!("{manifest}: schemes[{index}] ({name})");
        let rule = value
            .get("rule")
            .and_then(|r| r.as_str())
            .ok_or_else(|| format!("{at}: field `rule` is missing (water_quality_index, class_change, load_based or esv_based)"))?;
        let parsed = match rule {
            "water_quality_index" => serde_json::from_value(value.clone()).map(Scheme::WaterQualityIndex),
            "class_change" => serde_json::from_value(value.clone()).map(Scheme::ClassChange),
            "load_based" => serde_json::from_value(value.clone()).map(Scheme::LoadBased),
            "esv_based" => serde_json::from_value(value.clone()).map(Scheme::EsvBased),
            other => {
                return Err(format!(
                    "{at}: field `rule`: `{other}` is not water_quality_index, class_change, load_based or esv_based"
                ))
            }
        }
        .map_err(|e| format!("{at}: {e}"))?;
        let check = |ok: bool, field: &str, message: &str| {
            if ok {
                Ok(())
            } else {
                Err(format!("{at}: field `{field}`: {message}"))
            }
        };
        match &parsed {
            Scheme::WaterQualityIndex(s) => {
                check(
                    s.weights.len() == s.indicators.len(),
                    "weights",
                    "needs one weight per indicator",
                )?;
                check(
                    s.baseline[0] <= s.baseline[1],
                    "baseline",
                    "is [first year, last year]",
                )?;
                check(
                    s.periods.iter().all(|p| p.amount_yuan.is_some()),
                    "periods",
                    "every period needs amount_yuan",
                )?;
            }
            Scheme::ClassChange(s) => {
                for i in &s.indicators {
                    let limits = s.limits.get(i).cloned().or_else(|| default_limits(i));
                    check(
                        limits.is_some_and(|l| l.len() == 5),
                        "limits",
                        &format!("{i} needs five class limits (I–V); defaults exist for CODMn, NH3-N, TN, TP"),
                    )?;
                }
            }
            Scheme::EsvBased(s) => check(
                (0.0..=1.0).contains(&s.share),
                "share",
                "is between 0 and 1",
            )?,
            Scheme::LoadBased(s) => check(
                s.price_yuan_per_kg >= 0.0,
                "price_yuan_per_kg",
                "is not negative",
            )?,
        }
        Ok(parsed)
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

/// Class I–V upper limits of GB 3838-2002 (Table 1), mg/L; TN and TP as for lakes and
/// reservoirs (TN) and rivers (TP).
pub fn default_limits(indicator: &str) -> Option<Vec<f64>> {
    Some(match indicator {
        "CODMn" => vec![2.0, 4.0, 6.0, 10.0, 15.0],
        "NH3-N" => vec![0.15, 0.5, 1.0, 1.5, 2.0],
        "TN" => vec![0.2, 0.5, 1.0, 1.5, 2.0],
        "TP" => vec![0.02, 0.1, 0.2, 0.3, 0.4],
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
