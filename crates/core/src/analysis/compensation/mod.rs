//! Ecological compensation (methods reference §4): ecosystem-service value per jurisdiction,
//! border zone and plan version, and the payment ledger of the project's schemes.
//!
//! - [`schemes`]: the water-quality-index and class-change rules (the schemes themselves, the
//!   monitoring series and the ESV tables are the model's: `crate::model`).

pub mod schemes;
pub mod summary;

use std::collections::{BTreeMap, BTreeSet};

use super::contract::{AnalysisModule, AnalysisOutput, Upstream};
use super::landcover::{cell_size_text, esv_of, LandCoverResult};
use super::rivers::RiversResult;
use crate::error::AnalysisError;
use crate::geometry::SegmentIndex;
use crate::inputs::Inputs;
use crate::landuse::ECOLOGICAL_RED_LINE;
use crate::model::esv::EsvTables;
use crate::model::plans::PlanZones;
use crate::model::schemes::{EsvBased, EsvSource, LoadBased, Scheme};
use crate::region::{Level, Region, UnitLocator};
use crate::shared_borders::{borders_at_level, BorderKind};
use crate::spec::{AnalysisSpec, OutputSpec, ParamDefault, ParamSpec, Params};
use crate::table::{round_to, unit_columns, Column, ColumnType, Table, Value};
use geo::Centroid;
use schemes::{Entry, Ledger};
use summary::{Balance, CompensationSummary, EsvSummary, SchemeSummary, UnconfirmedRows};

pub const SPEC: AnalysisSpec = AnalysisSpec {
    name: "compensation",
    title: "Ecological compensation: ecosystem-service value and the payment ledger",
    description: "ESV by the equivalent-factor method per jurisdiction, border zone and plan version; the ledger of the manifest's [[schemes]] (water-quality index, class change, load based, ESV based) with net balances.",
    requires: &["jurisdictions"],
    requires_any: &["plans", "monitoring", "landcover"],
    reads: &["stations", "esv_factors", "esv_crosswalk"],
    // Land cover first: an ESV-based scheme may take its ESV from the rasters.
    depends_on: &["rivers", "landcover"],
    params: &[
        ParamSpec { name: "level", unit: None, default: ParamDefault::Text("county"), min: None, max: None, description: "Level of the plan zones' jurisdictions (ESV is also summed to the levels above)." },
        ParamSpec { name: "d_yuan_per_ha", unit: Some("yuan/ha"), default: ParamDefault::Number(3406.50), min: Some(0.0), max: Some(10_000_000.0), description: "Value of one equivalent factor, D (Xie et al. 2015: 2010 national average, 2010 prices)." },
        ParamSpec { name: "zone_width_m", unit: Some("m"), default: ParamDefault::Number(1000.0), min: Some(0.0), max: Some(50_000.0), description: "Zones whose centre lies this close to a border form its border zone." },
    ],
    outputs: &[
        OutputSpec { name: "esv_jurisdiction", spatial: false, description: "ESV per jurisdiction (every level) and plan version, with the change from the first version.", columns: esv_jurisdiction_columns },
        OutputSpec { name: "esv_border_zone", spatial: false, description: "ESV of each side's border zone per border and plan version.", columns: esv_border_zone_columns },
        OutputSpec { name: "compensation_ledger", spatial: false, description: "One row per scheme, period, year and part: payer, payee, amount_yuan, the index value and its inputs.", columns: compensation_ledger_columns },
        OutputSpec { name: "compensation_balances", spatial: false, description: "Net transfers per pair of jurisdictions.", columns: compensation_balances_columns },
    ],
    references: &[
        "Xie, G., Zhang, C., Zhang, L., Chen, W. & Li, S. (2015) 基于单位面积价值当量因子的生态系统服务价值化方法改进 (Improvement of the evaluation method for ecosystem service value based on per unit area). 自然资源学报 Journal of Natural Resources 30(8), 1243–1254 (the equivalent factors and D = 3406.50 yuan/ha).",
        "GB 3838-2002 Environmental quality standards for surface water (class limits; TP for rivers and for lakes and reservoirs).",
        "Ministry of Environmental Protection (2011) 地表水环境质量评价办法（试行）, 环办〔2011〕22号 (river classes without TN).",
        "Xin'an River inter-provincial eco-compensation agreements, rounds 1–3 (2012–2020).",
        "山东省人民政府, 河南省人民政府 (2021) 黄河流域（豫鲁段）横向生态保护补偿协议 (class part against class III, key-pollutant index part).",
    ],
};

/// A plan version's year (`2035`), or 0 when the version is not a year.
fn version_year(version: &str) -> i64 {
    version.trim().parse().unwrap_or(0)
}

/// ESV per zone (yuan) and the ESV rows used.
fn zone_values(plans: &PlanZones, esv: &EsvTables, d: f64) -> (Vec<f64>, BTreeSet<String>) {
    let mut used = BTreeSet::new();
    let values = plans
        .zones
        .iter()
        .map(|z| match esv.factor(&z.class) {
            Some((row, sum)) => {
                used.insert(row.to_string());
                z.area_m2 / 10_000.0 * sum * d
            }
            None => 0.0,
        })
        .collect();
    (values, used)
}

/// The unit and its ancestors (region indices), bottom up.
fn chain(region: &Region, unit: usize) -> Vec<usize> {
    let mut out = vec![unit];
    let mut current = &region.jurisdictions[unit];
    while let Some(parent) = current.parent.as_deref().and_then(|p| region.index_of(p)) {
        out.push(parent);
        current = &region.jurisdictions[parent];
    }
    out
}

/// The area, ESV and change columns of the ESV tables.
fn esv_columns(area: &str, value: &str) -> [Column; 3] {
    [
        Column::new("area_ha", ColumnType::Real, Some("ha"), area),
        Column::new("esv_yuan", ColumnType::Real, Some("yuan/yr"), value),
        Column::new(
            "change_yuan",
            ColumnType::Real,
            Some("yuan/yr"),
            "change from the first plan version",
        ),
    ]
}

fn esv_jurisdiction_table(region: &Region, plans: &PlanZones, values: &[f64]) -> Table {
    // (unit, version) → (area ha, esv yuan)
    let mut sums: BTreeMap<(usize, usize), (f64, f64)> = BTreeMap::new();
    for (z, v) in plans.zones.iter().zip(values) {
        for u in chain(region, z.unit) {
            let e = sums.entry((u, z.version)).or_default();
            e.0 += z.area_m2 / 10_000.0;
            e.1 += v;
        }
    }
    let mut t = Table::new("esv_jurisdiction", esv_jurisdiction_columns(), false);
    let mut order: Vec<&(usize, usize)> = sums.keys().collect();
    order.sort_by_key(|(u, v)| {
        (
            region.jurisdictions[*u].level,
            &region.jurisdictions[*u].code,
            *v,
        )
    });
    for &(u, v) in order {
        let (area, value) = sums[&(u, v)];
        let first = sums.get(&(u, 0)).map_or(0.0, |x| x.1);
        let j = &region.jurisdictions[u];
        t.push(
            vec![
                j.code.clone().into(),
                j.name.clone().into(),
                j.level.name().into(),
                plans.versions[v].clone().into(),
                Value::Real(round_to(area, 4)),
                Value::Real(round_to(value, 2)),
                Value::Real(round_to(value - first, 2)),
            ],
            None,
        );
    }
    t
}

/// Zones near each border of `level`: (border a, border b) → zone indices within `width` of it.
fn border_zones(
    region: &Region,
    plans: &PlanZones,
    level: Level,
    width: f64,
) -> Result<BTreeMap<(usize, usize), Vec<usize>>, AnalysisError> {
    let borders = borders_at_level(region, level, 1.0)?;
    let index = SegmentIndex::new(
        borders
            .borders
            .iter()
            .filter(|b| b.kind == BorderKind::Edge)
            .flat_map(|b| b.geometry.0.iter().map(move |l| (l, (b.a, b.b)))),
    );
    let mut out: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (k, z) in plans.zones.iter().enumerate() {
        let Some(c) = z.geometry.centroid() else {
            continue;
        };
        let mut near: Vec<(usize, usize)> = index
            .within(c.0, width)
            .map(|(pair, _, _)| pair)
            .filter(|(a, b)| chain(region, z.unit).iter().any(|u| u == a || u == b))
            .collect();
        near.sort_unstable();
        near.dedup();
        for pair in near {
            out.entry(pair).or_default().push(k);
        }
    }
    Ok(out)
}

fn esv_border_table(
    region: &Region,
    plans: &PlanZones,
    values: &[f64],
    near: &BTreeMap<(usize, usize), Vec<usize>>,
) -> Table {
    let mut t = Table::new("esv_border_zone", esv_border_zone_columns(), false);
    for (&(a, b), zones) in near {
        for side in [a, b] {
            let mut by_version = vec![(0.0, 0.0); plans.versions.len()];
            for &k in zones {
                let z = &plans.zones[k];
                if chain(region, z.unit).contains(&side) {
                    by_version[z.version].0 += z.area_m2 / 10_000.0;
                    by_version[z.version].1 += values[k];
                }
            }
            for (v, (area, value)) in by_version.iter().enumerate() {
                t.push(
                    vec![
                        region.jurisdictions[a].code.clone().into(),
                        region.jurisdictions[b].code.clone().into(),
                        region.jurisdictions[side].code.clone().into(),
                        plans.versions[v].clone().into(),
                        Value::Real(round_to(*area, 4)),
                        Value::Real(round_to(*value, 2)),
                        Value::Real(round_to(value - by_version[0].1, 2)),
                    ],
                    None,
                );
            }
        }
    }
    t
}

/// The ESV-based rule: per plan version, `share` of the ESV of the provider's red-line zones in
/// the border zone between provider and beneficiary; the beneficiary pays the provider.
fn esv_based(
    region: &Region,
    s: &EsvBased,
    plans: &PlanZones,
    values: &[f64],
    width: f64,
) -> Result<Vec<Entry>, AnalysisError> {
    let (provider, beneficiary) = scheme_units(region, s)?;
    let level = region.jurisdictions[provider].level;
    let near = border_zones(region, plans, level, width)?;
    let pair = (provider.min(beneficiary), provider.max(beneficiary));
    let zones = near.get(&pair).cloned().unwrap_or_default();
    Ok((0..plans.versions.len())
        .map(|v| {
            let (mut value, mut n) = (0.0, 0);
            for &k in &zones {
                let z = &plans.zones[k];
                if z.version == v && z.control.as_deref() == Some(ECOLOGICAL_RED_LINE) && chain(region, z.unit).contains(&provider) {
                    value += values[k];
                    n += 1;
                }
            }
            esv_transfer(
                s,
                plans.versions[v].clone(),
                version_year(&plans.versions[v]),
                value,
                format!(
                    "{} × ESV {value:.0} yuan of {n} red-line zones of {} within {width:.0} m of its border with {}",
                    s.share, s.provider, s.beneficiary
                ),
            )
        })
        .collect())
}

/// The region indices of an ESV-based scheme's provider and beneficiary; an error names the
/// scheme and the field whose code is not a jurisdiction.
fn scheme_units(region: &Region, s: &EsvBased) -> Result<(usize, usize), AnalysisError> {
    let unit = |code: &str, field: &str| {
        region.index_of(code).ok_or_else(|| {
            AnalysisError::Input(format!(
                "{}: scheme {}: field `{field}`: `{code}` is not a jurisdiction",
                region.manifest, s.name
            ))
        })
    };
    Ok((
        unit(&s.provider, "provider")?,
        unit(&s.beneficiary, "beneficiary")?,
    ))
}

/// An ESV-based transfer: the beneficiary pays the provider `share` of the ESV `value`.
fn esv_transfer(s: &EsvBased, period: String, year: i64, value: f64, inputs: String) -> Entry {
    Entry {
        scheme: s.name.clone(),
        rule: "esv_based",
        part: None,
        period,
        year,
        payer: Some(s.beneficiary.clone()),
        payee: Some(s.provider.clone()),
        amount_yuan: Some(s.share * value),
        index_value: Some(value),
        status: "transfer",
        inputs,
    }
}

/// The ESV-based rule on land cover: per land-cover year, `share` of the ESV of the provider's
/// side of its border zone with the beneficiary (the borders analysis's zone, composed by the
/// landcover analysis), valued with this analysis's D; the beneficiary pays the provider.
fn esv_based_landcover(
    inputs: &Inputs,
    s: &EsvBased,
    d_yuan_per_ha: f64,
    landcover: Option<&LandCoverResult>,
) -> Result<Vec<Entry>, AnalysisError> {
    let region = &inputs.region;
    let at = format!(
        "{}: scheme {} (esv_based, esv_source = \"landcover\")",
        region.manifest, s.name
    );
    let landcover = landcover.ok_or_else(|| {
        AnalysisError::Input(format!(
            "{at} needs the landcover analysis, which could not run (a landcover layer)"
        ))
    })?;
    let (provider, beneficiary) = scheme_units(region, s)?;
    let side = landcover.zone_sides.iter().position(|&(a, b, side)| {
        side == provider
            && (a.min(b), a.max(b)) == (provider.min(beneficiary), provider.max(beneficiary))
    });
    let Some(side) = side else {
        return Err(AnalysisError::Input(format!(
            "{at}: {} and {} have no border zone (the borders analysis finds one only between units of one level that share an edge)",
            s.provider, s.beneficiary
        )));
    };
    Ok(inputs
        .rasters
        .iter()
        .zip(&landcover.years)
        .map(|(layer, year)| {
            let (area_ha, value) = esv_of(
                &year.zones[side],
                &layer.scheme,
                &inputs.model.rules.esv,
                d_yuan_per_ha,
            );
            esv_transfer(
                s,
                year.year.to_string(),
                year.year.into(),
                value,
                format!(
                    "{} × land-cover ESV {value:.0} yuan/yr of {area_ha:.2} ha on {}'s side of its border zone with {} ({}, {} year {}, cells {})",
                    s.share,
                    s.provider,
                    s.beneficiary,
                    layer.scheme.name,
                    std::path::Path::new(&layer.file)
                        .file_name()
                        .map_or_else(|| layer.file.clone(), |f| f.to_string_lossy().into_owned()),
                    year.year,
                    cell_size_text(layer.source.grid())
                ),
            )
        })
        .collect())
}

/// The load-based rule on the rivers analysis' transboundary load matrix: per plan version, the
/// price times the load from `from` to `to` above the allowance; `from` pays `to`.
fn load_based(
    region: &Region,
    s: &LoadBased,
    rivers: Option<&RiversResult>,
) -> Result<Vec<Entry>, AnalysisError> {
    let level = region.by_code(&s.from).map(|j| j.level).ok_or_else(|| {
        AnalysisError::Input(format!(
            "{}: scheme {}: field `from`: `{}` is not a jurisdiction",
            region.manifest, s.name, s.from
        ))
    })?;
    let matrix = rivers
        .and_then(|r| r.load_matrices.get(&level))
        .ok_or_else(|| {
            AnalysisError::Input(format!(
                "{}: scheme {} (load_based) needs the {level} transboundary load matrix of the rivers analysis, which could not run (a rivers layer, and its `level` at or below {level})",
                region.manifest, s.name
            ))
        })?;
    Ok(matrix
        .iter()
        .filter(|f| f.from == s.from && f.to == s.to && f.pollutant == s.pollutant)
        .map(|f| {
            let kg = f.load_kg_per_yr;
            let excess = (kg - s.allowance_kg).max(0.0);
            Entry {
                scheme: s.name.clone(),
                rule: "load_based",
                part: None,
                period: f.plan.clone(),
                year: version_year(&f.plan),
                payer: Some(s.from.clone()),
                payee: Some(s.to.clone()),
                amount_yuan: Some(excess * s.price_yuan_per_kg),
                index_value: Some(kg),
                status: if excess > 0.0 {
                    "transfer"
                } else {
                    "no transfer"
                },
                inputs: format!(
                    "{} load {kg:.1} kg/yr from {} to {}, allowance {} kg/yr, price {} yuan/kg",
                    s.pollutant, s.from, s.to, s.allowance_kg, s.price_yuan_per_kg
                ),
            }
        })
        .collect())
}

/// Upstream and downstream of a station: the scheme's own fields, else the stations layer's
/// `upstream` and `downstream` fields.
fn sides(
    inputs: &Inputs,
    station: &str,
    upstream: &Option<String>,
    downstream: &Option<String>,
    scheme: &str,
) -> Result<(String, String), AnalysisError> {
    let region = &inputs.region;
    let site = inputs
        .model
        .stations
        .iter()
        .flatten()
        .find(|s| s.id == station);
    let up = upstream
        .clone()
        .or_else(|| site.and_then(|s| s.upstream.clone()));
    let down = downstream
        .clone()
        .or_else(|| site.and_then(|s| s.downstream.clone()));
    match (up, down) {
        (Some(u), Some(d)) => Ok((u, d)),
        _ => Err(AnalysisError::Input(format!(
            "{}: scheme {scheme}: station `{station}` has no upstream/downstream jurisdiction: give `upstream` and `downstream` in the scheme or in the stations layer",
            region.manifest
        ))),
    }
}

fn ledger_table(entries: &[Entry]) -> Table {
    let mut t = Table::new("compensation_ledger", compensation_ledger_columns(), false);
    for e in entries {
        t.push(
            vec![
                e.scheme.clone().into(),
                e.rule.into(),
                e.part.into(),
                e.period.clone().into(),
                Value::Int(e.year),
                e.payer.clone().into(),
                e.payee.clone().into(),
                e.amount_yuan.map(|a| round_to(a, 2)).into(),
                e.index_value.map(|x| round_to(x, 6)).into(),
                e.status.into(),
                e.inputs.clone().into(),
            ],
            None,
        );
    }
    t
}

/// Net transfers per unordered pair (a < b): what a paid b, what b paid a, and the net to a.
fn balances(entries: &[Entry]) -> (Table, Vec<Balance>) {
    let mut flows: BTreeMap<(String, String), (f64, f64)> = BTreeMap::new();
    for e in entries {
        let (Some(payer), Some(payee), Some(amount)) = (&e.payer, &e.payee, e.amount_yuan) else {
            continue;
        };
        if e.status != "transfer" {
            continue;
        }
        if payer < payee {
            flows.entry((payer.clone(), payee.clone())).or_default().0 += amount;
        } else {
            flows.entry((payee.clone(), payer.clone())).or_default().1 += amount;
        }
    }
    let mut t = Table::new(
        "compensation_balances",
        compensation_balances_columns(),
        false,
    );
    let mut summary = Vec::new();
    for ((a, b), (ab, ba)) in flows {
        summary.push(Balance {
            a: a.clone(),
            b: b.clone(),
            net_to_a_yuan: round_to(ba - ab, 2),
        });
        t.push(
            vec![
                a.into(),
                b.into(),
                Value::Real(round_to(ab, 2)),
                Value::Real(round_to(ba, 2)),
                Value::Real(round_to(ba - ab, 2)),
            ],
            None,
        );
    }
    (t, summary)
}

/// Typed parameters of the compensation analysis.
#[derive(Debug, Clone)]
pub struct CompensationParams {
    pub level: Level,
    pub d_yuan_per_ha: f64,
    pub zone_width_m: f64,
}

/// The ESV tables, the ledger and the balances, as written.
#[derive(Debug, Clone)]
pub struct CompensationResult {
    pub tables: Vec<Table>,
    pub summary: CompensationSummary,
}

/// The compensation analysis in the registry.
pub struct Compensation;

impl AnalysisModule for Compensation {
    type Params = CompensationParams;
    type Result = CompensationResult;
    type Summary = CompensationSummary;
    const SPEC: &'static AnalysisSpec = &SPEC;

    fn params(values: &Params) -> Result<CompensationParams, AnalysisError> {
        Ok(CompensationParams {
            level: values.level()?,
            d_yuan_per_ha: values.number("d_yuan_per_ha")?,
            zone_width_m: values.number("zone_width_m")?,
        })
    }

    fn run(
        inputs: &Inputs,
        params: &CompensationParams,
        upstream: &Upstream,
    ) -> Result<CompensationResult, AnalysisError> {
        run(inputs, params, upstream)
    }

    fn output(
        _inputs: &Inputs,
        _params: &CompensationParams,
        result: &CompensationResult,
    ) -> Result<AnalysisOutput, AnalysisError> {
        AnalysisOutput::new::<Self>(result.tables.clone(), &result.summary)
    }
}

/// The plan zones with their ESV, when the project has plans.
struct Valued<'r> {
    plans: PlanZones<'r>,
    /// ESV of each zone, yuan/yr.
    values: Vec<f64>,
    /// The ESV rows the zones used.
    rows_used: BTreeSet<String>,
}

fn run(
    inputs: &Inputs,
    params: &CompensationParams,
    upstream: &Upstream,
) -> Result<CompensationResult, AnalysisError> {
    let region = &inputs.region;
    let mut tables = Vec::new();
    let mut esv = None;
    let locator = UnitLocator::new(region, params.level);
    let valued = match region.layers.get("plans") {
        Some(t) => {
            let plans = PlanZones::new(region, t, params.level, &locator, None)?;
            let (values, rows_used) =
                zone_values(&plans, &inputs.model.rules.esv, params.d_yuan_per_ha);
            Some(Valued {
                plans,
                values,
                rows_used,
            })
        }
        None => None,
    };
    if let Some(valued) = &valued {
        let (esv_tables, esv_summary) = esv_outputs(inputs, params, valued)?;
        tables.extend(esv_tables);
        esv = Some(esv_summary);
    }
    let schemes = &inputs.model.schemes;
    let mut ledgers = Vec::new();
    for scheme in schemes {
        ledgers.push(ledger_entries(
            inputs,
            params,
            scheme,
            upstream,
            valued.as_ref(),
        )?);
    }
    let scheme_summaries = scheme_summary(schemes, &ledgers);
    let entries: Vec<Entry> = ledgers.into_iter().flat_map(|l| l.entries).collect();
    let mut balance_summary = None;
    if !schemes.is_empty() {
        let (balance_table, balances) = balances(&entries);
        balance_summary = Some(balances);
        tables.push(ledger_table(&entries));
        tables.push(balance_table);
    }
    let synthetic_inputs = ["plans", "monitoring", "stations"]
        .iter()
        .filter_map(|k| region.synthetic_layers.get(*k).cloned())
        .collect();
    Ok(CompensationResult {
        tables,
        summary: CompensationSummary {
            esv,
            schemes: scheme_summaries,
            balances: balance_summary,
            synthetic_inputs,
        },
    })
}

/// The ESV tables (per jurisdiction, per border-zone side) and their summary entries.
fn esv_outputs(
    inputs: &Inputs,
    params: &CompensationParams,
    valued: &Valued,
) -> Result<(Vec<Table>, EsvSummary), AnalysisError> {
    let region = &inputs.region;
    let Valued {
        plans,
        values,
        rows_used,
    } = valued;
    let near = border_zones(region, plans, params.level, params.zone_width_m)?;
    let by_unit = esv_jurisdiction_table(region, plans, values);
    let totals: BTreeMap<String, f64> = by_unit
        .rows
        .iter()
        .filter(|r| {
            region
                .by_code(&r[0].to_text())
                .is_some_and(|j| j.parent.is_none())
        })
        .fold(BTreeMap::new(), |mut m, r| {
            *m.entry(r[3].to_text()).or_insert(0.0) += r[5].as_f64().unwrap_or(0.0);
            m
        });
    let summary = EsvSummary {
        esv_total_yuan: totals
            .into_iter()
            .map(|(k, v)| (k, round_to(v, 0)))
            .collect(),
        d_yuan_per_ha: params.d_yuan_per_ha,
        esv_rows_used: rows_used.clone(),
        esv_rows_unconfirmed: UnconfirmedRows {
            rows: inputs.model.rules.esv.unconfirmed(rows_used.iter().map(String::as_str)),
            note: "factors not tagged C in the table: R the standard form from the literature, not checked line by line; P a borderscape choice the source has no row for (built_up = 0: Xie et al. 2015 value no construction land)".into(),
        },
    };
    let border_table = esv_border_table(region, plans, values, &near);
    Ok((vec![by_unit, border_table], summary))
}

/// The ledger of one scheme.
fn ledger_entries(
    inputs: &Inputs,
    params: &CompensationParams,
    scheme: &Scheme,
    upstream: &Upstream,
    valued: Option<&Valued>,
) -> Result<Ledger, AnalysisError> {
    let region = &inputs.region;
    let plain = |entries| Ledger {
        entries,
        warnings: Vec::new(),
    };
    let series = || {
        inputs.model.series.as_ref().ok_or_else(|| {
            AnalysisError::Input(format!(
                "{}: scheme {} needs a monitoring layer",
                region.manifest,
                scheme.name()
            ))
        })
    };
    Ok(match scheme {
        Scheme::WaterQualityIndex(s) => {
            let (up, down) = sides(inputs, &s.station, &s.upstream, &s.downstream, &s.name)?;
            schemes::water_quality_index(s, series()?, &up, &down).map_err(AnalysisError::Input)?
        }
        Scheme::ClassChange(s) => {
            let (up, down) = sides(inputs, &s.station, &s.upstream, &s.downstream, &s.name)?;
            schemes::class_change(s, series()?, &up, &down)
        }
        Scheme::LoadBased(s) => plain(load_based(region, s, upstream.get::<RiversResult>())?),
        Scheme::EsvBased(s) if s.esv_source == EsvSource::Landcover => plain(esv_based_landcover(
            inputs,
            s,
            params.d_yuan_per_ha,
            upstream.get::<LandCoverResult>(),
        )?),
        Scheme::EsvBased(s) => match valued {
            Some(v) => plain(esv_based(
                region,
                s,
                &v.plans,
                &v.values,
                params.zone_width_m,
            )?),
            None => {
                return Err(AnalysisError::Input(format!(
                    "{}: scheme {} (esv_based) needs a plans layer, or `esv_source = \"landcover\"` and a landcover layer",
                    region.manifest, s.name
                )))
            }
        },
    })
}

/// Per scheme: its rule, entries, undetermined entries, the amount transferred and the
/// warnings about its inputs.
fn scheme_summary(schemes: &[Scheme], ledgers: &[Ledger]) -> BTreeMap<String, SchemeSummary> {
    schemes
        .iter()
        .zip(ledgers)
        .map(|(s, ledger)| {
            let mine = &ledger.entries;
            let paid: f64 = mine
                .iter()
                .filter(|e| e.status == "transfer")
                .filter_map(|e| e.amount_yuan)
                .sum();
            (
                s.name().to_string(),
                SchemeSummary {
                    rule: s.rule().into(),
                    entries: mine.len(),
                    undetermined: mine.iter().filter(|e| e.status == "undetermined").count(),
                    transferred_yuan: round_to(paid, 2),
                    warnings: ledger.warnings.clone(),
                },
            )
        })
        .collect()
}

/// The columns of `esv_jurisdiction` (its output spec reads them too).
fn esv_jurisdiction_columns() -> Vec<Column> {
    unit_columns()
        .into_iter()
        .chain([Column::text("plan", "plan version")])
        .chain(esv_columns("planned area", "ecosystem-service value"))
        .collect()
}

/// The columns of `esv_border_zone` (its output spec reads them too).
fn esv_border_zone_columns() -> Vec<Column> {
    vec![
        Column::text("a", "code of one side"),
        Column::text("b", "code of the other side"),
        Column::text("side", "code of the side whose zone this is"),
        Column::text("plan", "plan version"),
    ]
    .into_iter()
    .chain(esv_columns(
        "area of the side's zones near the border",
        "their ecosystem-service value",
    ))
    .collect()
}

/// The columns of `compensation_ledger` (its output spec reads them too).
fn compensation_ledger_columns() -> Vec<Column> {
    vec![
        Column::text("scheme", "scheme name"),
        Column::text(
            "rule",
            "water_quality_index, class_change, load_based or esv_based",
        ),
        Column::text(
            "part",
            "class_change: `class` (classes against the baseline class or the year before) or `index` (change of the key-pollutant index); empty for the other rules",
        ),
        Column::text("period", "period (or plan version)"),
        Column::new("year", ColumnType::Int, None, "year"),
        Column::text("payer", "code of the jurisdiction that pays"),
        Column::text("payee", "code of the jurisdiction that is paid"),
        Column::new("amount_yuan", ColumnType::Real, Some("yuan"), "amount"),
        Column::new(
            "index_value",
            ColumnType::Real,
            None,
            "P, class (1 = I … 6 = worse than V), index change (%), load (kg/yr) or ESV (yuan/yr), by rule and part",
        ),
        Column::text("status", "transfer, no transfer or undetermined"),
        Column::text("inputs", "the values that produced it"),
    ]
}

/// The columns of `compensation_balances` (its output spec reads them too).
fn compensation_balances_columns() -> Vec<Column> {
    vec![
        Column::text("a", "code of one side (a < b)"),
        Column::text("b", "code of the other side"),
        Column::new(
            "a_paid_b_yuan",
            ColumnType::Real,
            Some("yuan"),
            "total a paid b",
        ),
        Column::new(
            "b_paid_a_yuan",
            ColumnType::Real,
            Some("yuan"),
            "total b paid a",
        ),
        Column::new(
            "net_to_a_yuan",
            ColumnType::Real,
            Some("yuan"),
            "b_paid_a − a_paid_b",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::crs::AnalysisCrs;
    use crate::test_fixtures::{rect, rect_county};

    #[test]
    fn esv_per_jurisdiction_is_area_times_factor_times_d() {
        let county = |code: &str, x: f64| rect_county(code, x, 0.0, x + 1000.0, 1000.0);
        let mut plans = Table::of_text(
            "plans",
            &["id", "jurisdiction", "class"],
            &[["a1", "A", "0101"], ["a2", "A", "05"], ["b1", "B", "0701"]],
        );
        plans.geometries = Some(vec![
            Some(rect(0.0, 0.0, 200.0, 100.0)),     // 2 ha of paddy
            Some(rect(0.0, 100.0, 100.0, 200.0)),   // 1 ha of wetland
            Some(rect(1000.0, 0.0, 1100.0, 100.0)), // 1 ha of housing
        ]);
        let inputs = crate::test_fixtures::unchecked(Region::new(
            "t",
            AnalysisCrs::albers_for_bounds(120.0, 30.0, 121.0, 31.0),
            vec![county("A", 0.0), county("B", 1000.0)],
            BTreeMap::from([("plans".to_string(), plans)]),
        ));
        let params = Compensation::params(&Params::defaults(&SPEC)).unwrap();
        let out = run(&inputs, &params, &Upstream::default()).unwrap();
        let table = out
            .tables
            .iter()
            .find(|t| t.name == "esv_jurisdiction")
            .unwrap();
        let esv = |code: &str| {
            table
                .rows
                .iter()
                .find(|r| r[0].to_text() == code)
                .and_then(|r| r[5].as_f64())
                .unwrap()
        };
        let paddy = 1.36 + 0.09 - 2.63 + 1.11 + 0.57 + 0.17 + 2.72 + 0.01 + 0.19 + 0.21 + 0.09;
        let wetland = 0.51 + 0.50 + 2.59 + 1.90 + 3.60 + 3.60 + 24.23 + 2.31 + 0.18 + 7.87 + 4.73;
        let expected = (2.0 * paddy + 1.0 * wetland) * 3406.50;
        assert!(
            (esv("A") - expected).abs() < 0.01,
            "{} vs {expected}",
            esv("A")
        );
        assert_eq!(esv("B"), 0.0);
        assert!(
            out.tables.iter().all(|t| t.name != "compensation_ledger"),
            "no schemes, no ledger"
        );
    }

    /// An ESV-based scheme valued on land cover: two counties in UTM 51N, A (x 500–502 km) and
    /// B (x 502–504 km), y 3,400–3,401 km, on a 100 m IGBP raster; borders' zone width 250 m,
    /// so A's side of the zone is x 501,750–502,000 m, 25 ha, cutting the column of cells at
    /// 501.7–501.8 km in half. In 2019 A's cells at x ≥ 501.5 km are mixed forest (5) but for
    /// water (0) in the top row at x ≥ 501.8 km: water 200 m × 100 m = 2 ha, forest 23 ha; in
    /// 2020 the water fills the top two rows there: 4 ha, forest 21 ha. Factor sums (Xie et al.
    /// 2015): mixed_forest 0.31+0.71+0.37+2.35+7.03+1.99+3.51+2.86+0.22+2.60+1.14 = 23.09,
    /// water 0.80+0.23+8.29+0.77+2.29+5.55+102.24+0.93+0.07+2.55+1.89 = 125.61; D = 3406.50.
    /// 2019: ESV = (23 × 23.09 + 2 × 125.61) × 3406.50 = 782.29 × 3406.50 = 2,664,870.885
    /// yuan/yr, and B pays A share 0.2 of it: 532,974.177 yuan. 2020: (21 × 23.09 + 4 × 125.61)
    /// × 3406.50 = 987.33 × 3406.50 = 3,363,339.645 yuan/yr; 0.2 of it: 672,667.929 yuan.
    #[test]
    fn esv_based_on_land_cover_is_share_of_the_providers_zone_side() {
        use crate::analysis::{find, Ran};
        use crate::model::schemes::{EsvBased, EsvSource};
        use crate::raster::InMemory;
        use crate::raster::{Grid, LandCoverLayer, RasterCrs, Scheme as Classes};
        use crate::spec::ParamValue;
        use std::sync::Arc;

        let county =
            |code: &str, x: f64| rect_county(code, x, 3_400_000.0, x + 2000.0, 3_401_000.0);
        let mut inputs = crate::test_fixtures::unchecked(Region::new(
            "t",
            AnalysisCrs::from_epsg(32651).unwrap(),
            vec![county("A", 500_000.0), county("B", 502_000.0)],
            BTreeMap::new(),
        ));
        let grid = Grid {
            width: 40,
            height: 10,
            x0: 500_000.0,
            y0: 3_401_000.0,
            dx: 100.0,
            dy: 100.0,
            crs: RasterCrs::Projected { epsg: 32651 },
            nodata: None,
        };
        let year = |year: i32, water_rows: usize| {
            let classes = (0..400)
                .map(|i| match (i / 40, i % 40) {
                    (row, 18 | 19) if row < water_rows => 0,
                    (_, 15..=19) => 5,
                    _ => 12,
                })
                .collect();
            LandCoverLayer {
                year,
                file: format!("lc{year}.tif"),
                scheme: Arc::new(Classes::built_in("igbp").unwrap()),
                source: Arc::new(InMemory {
                    grid: grid.clone(),
                    classes,
                }),
            }
        };
        inputs.rasters = vec![year(2019, 1), year(2020, 2)];
        inputs.model.schemes = vec![Scheme::EsvBased(EsvBased {
            name: "forest".into(),
            rule: "esv_based".into(),
            provider: "A".into(),
            beneficiary: "B".into(),
            share: 0.2,
            esv_source: EsvSource::Landcover,
        })];
        let run = |name: &str, upstream: Vec<&Ran>, params: Params| {
            let a = find(name).unwrap();
            let results = upstream.iter().map(|r| r.result.as_ref()).collect();
            (a.run)(&inputs, &params, &Upstream::new(results)).unwrap()
        };
        let mut zone = Params::defaults(find("borders").unwrap().spec);
        zone.set("zone_width_m", ParamValue::Number(250.0));
        let borders = run("borders", vec![], zone);
        let landcover = run(
            "landcover",
            vec![&borders],
            Params::defaults(find("landcover").unwrap().spec),
        );
        let out = run("compensation", vec![&landcover], Params::defaults(&SPEC)).output;
        let ledger = out
            .tables
            .iter()
            .find(|t| t.name == "compensation_ledger")
            .unwrap();
        let rows: Vec<(String, String, String, f64)> = ledger
            .rows
            .iter()
            .map(|r| {
                (
                    r[3].to_text(),
                    r[5].to_text(),
                    r[6].to_text(),
                    r[7].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(rows.len(), 2, "{rows:?}");
        for ((period, payer, payee, amount), (want_period, want)) in rows
            .iter()
            .zip([("2019", 532_974.177), ("2020", 672_667.929)])
        {
            assert_eq!(
                (period.as_str(), payer.as_str(), payee.as_str()),
                (want_period, "B", "A")
            );
            assert!(
                (amount / want - 1.0).abs() < 1e-6,
                "{period}: {amount} vs {want}"
            );
        }
        // Without the landcover result the scheme says what it needs.
        let alone = run_with_nothing(&inputs);
        assert!(alone.contains("needs the landcover analysis"), "{alone}");
    }

    fn run_with_nothing(inputs: &Inputs) -> String {
        let params = Compensation::params(&Params::defaults(&SPEC)).unwrap();
        run(inputs, &params, &Upstream::default())
            .unwrap_err()
            .to_string()
    }
}
