//! Cross-border synergy from yearly indicators: spatial autocorrelation of each indicator
//! (Moran's I and LISA clusters on queen contiguity), coupling coordination of subsystems per
//! jurisdiction and year, and for every border the coordination of its two sides and the
//! discontinuity of each indicator across it.
//!
//! # Method
//! - Weights: queen contiguity of the units of `level` (shared edges or corners, from the borders
//!   adjacency), row-standardised; each year uses the units that have a value.
//! - Moran's I and LISA: see [`crate::stats::morans_i`]; LISA clusters are reported for the latest year,
//!   significant by default when the two-sided p_sim ≤ the Benjamini–Hochberg cut-off of the
//!   indicator's units at `significance` (esda's `fdr`); with `fdr = false` when p_sim ≤
//!   `significance`, one test per unit, so on noise about one unit in twenty (one in ten with the
//!   one-tailed `directed` p_sim, esda's) is a cluster by chance.
//! - Coupling: subsystems from `systems` (`eco=a,b,-c;econ=d,e`; `-` marks a negative indicator),
//!   entropy weights pooled over all units and years, then C, T (equal α) and D of
//!   [`crate::stats::coupling`].
//! - Border coordination (ours): the two sides' development indices T_a, T_b are the subsystems of
//!   the border: C_border = 2√(T_a T_b)/(T_a + T_b), D_border = √(C_border · (T_a + T_b)/2).
//! - Border discontinuity (ours): gap = |x_a − x_b|, standardised by the standard deviation of x
//!   over all units of the level in that year. (Relative to the variation *within* the two
//!   jurisdictions would need sub-unit data; not yet.)
//!
//! # References
//! - See `morans_i` and `coupling`; Anselin (1995) for LISA clusters; Benjamini & Hochberg (1995)
//!   for the false discovery rate.

use std::collections::{BTreeMap, HashMap};

use geo::Geometry;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::contract::{AnalysisModule, AnalysisOutput, Upstream};
use crate::error::AnalysisError;
use crate::inputs::Inputs;
use crate::model::indicators::numeric_columns;
use crate::region::{Level, Region};
use crate::spatial_weights::{SpatialWeights, Transform};
use crate::spec::{
    alternative, AnalysisSpec, OutputSpec, ParamDefault, ParamSpec, Params, PERMUTATIONS, SEED,
};
use crate::stats::coupling::{
    c_class, coordination, d_class, subsystem_scores, CouplingModel, Subsystem, SubsystemValues,
    Weighting,
};
use crate::stats::morans_i::{self, cluster_cutoff, LocalMoran, Permutations};
use crate::table::{round_to, row_label, Column, ColumnType, Table, Value};

pub const SPEC: AnalysisSpec = AnalysisSpec {
    name: "synergy",
    title: "Cross-border synergy: autocorrelation, coupling coordination, border discontinuity",
    description: "Moran's I of each indicator per year and LISA clusters, coupling coordination of subsystems per jurisdiction and year, and per border the coordination of its two sides and the gap of each indicator across it.",
    requires: &["jurisdictions", "indicators"],
    requires_any: &[],
    reads: &[],
    depends_on: &[],
    params: &[
        ParamSpec { name: "level", unit: None, default: ParamDefault::Text("county"), min: None, max: None, description: "Level of the units the indicators describe." },
        ParamSpec { name: "systems", unit: None, default: ParamDefault::Text(""), min: None, max: None, description: "Subsystems for coupling, a table `{ name = [\"col\", \"-col\"], … }` or the text `name=col,col,-col;name=col,…` (a leading `-`: more is worse; empty: no coupling)." },
        ParamSpec { name: "model", unit: None, default: ParamDefault::Text("standard"), min: None, max: None, description: "Coupling degree: standard or modified (Wang et al. 2021)." },
        PERMUTATIONS,
        SEED,
        alternative("two-sided"),
        ParamSpec { name: "significance", unit: None, default: ParamDefault::Number(0.05), min: Some(0.0), max: Some(1.0), description: "p_sim threshold of a significant LISA cluster (the false discovery rate with fdr)." },
        ParamSpec { name: "fdr", unit: None, default: ParamDefault::Bool(true), min: None, max: None, description: "LISA clusters at the Benjamini–Hochberg cut-off of the units' p_sim (false discovery rate = significance, esda's fdr; the default) instead of p_sim ≤ significance (false: one test per unit)." },
    ],
    outputs: &[
        OutputSpec { name: "moran_indicators", spatial: false, description: "Global Moran's I of each indicator and year.", columns: moran_indicators_columns },
        OutputSpec { name: "lisa_clusters", spatial: true, description: "Local Moran of each indicator in the latest year, with its cluster.", columns: lisa_clusters_columns },
        OutputSpec { name: "coupling_jurisdiction", spatial: false, description: "Subsystem scores U, C, T, D and classes per jurisdiction and year.", columns: coupling_jurisdiction_columns },
        OutputSpec { name: "synergy_border", spatial: false, description: "Per border and year: coordination of the two sides (from their T).", columns: synergy_border_columns },
        OutputSpec { name: "border_discontinuity", spatial: false, description: "Per border, indicator and year: the values on both sides and the gap.", columns: border_discontinuity_columns },
    ],
    references: &[
        "Anselin, L. (1995) Local indicators of spatial association — LISA. Geographical Analysis 27(2), 93–115.",
        "Benjamini, Y. & Hochberg, Y. (1995) Controlling the false discovery rate. Journal of the Royal Statistical Society B 57(1), 289–300.",
        "Wang, S. et al. (2021) Research on misuses and modification of coupling coordination degree model in China. Journal of Natural Resources 36(3), 793–810.",
    ],
};

/// Indicator values by (unit index in the region, year).
struct Panel {
    indicators: Vec<String>,
    years: Vec<i64>,
    values: HashMap<(usize, i64), Vec<f64>>,
}

fn read_panel(region: &Region, level: Level) -> Result<Panel, AnalysisError> {
    let table = &region.layers["indicators"];
    let column = |name: &str| {
        table
            .column_index(name)
            .ok_or_else(|| AnalysisError::Input(format!("indicators: no `{name}` field")))
    };
    let (unit_c, year_c) = (column("unit")?, column("year")?);
    let numeric = numeric_columns(table, unit_c, year_c);
    let index: HashMap<&str, usize> = region
        .jurisdictions
        .iter()
        .enumerate()
        .map(|(i, j)| (j.code.as_str(), i))
        .collect();
    let mut values = HashMap::new();
    let mut years = Vec::new();
    for (r, row) in table.rows.iter().enumerate() {
        let code = row[unit_c].to_text();
        let unit = *index.get(code.as_str()).ok_or_else(|| {
            AnalysisError::Input(format!(
                "{}: {}: field `unit`: {code} is not a jurisdiction",
                region.layer_name("indicators"),
                row_label(&region.layer_name("indicators"), r)
            ))
        })?;
        if region.jurisdictions[unit].level != level {
            continue;
        }
        let year = row[year_c].as_f64().ok_or_else(|| {
            AnalysisError::Input(format!(
                "{}: {}: field `year`: `{}` is not a year",
                region.layer_name("indicators"),
                row_label(&region.layer_name("indicators"), r),
                row[year_c].to_text()
            ))
        })? as i64;
        let v = numeric
            .iter()
            .map(|&c| row[c].as_f64().unwrap_or(f64::NAN))
            .collect();
        values.insert((unit, year), v);
        years.push(year);
    }
    years.sort_unstable();
    years.dedup();
    if values.is_empty() {
        return Err(AnalysisError::Input(format!(
            "indicators: no row describes a {level} unit"
        )));
    }
    Ok(Panel {
        indicators: numeric
            .iter()
            .map(|&c| table.columns[c].name.clone())
            .collect(),
        years,
        values,
    })
}

type Systems = Vec<(String, Vec<(usize, bool)>)>;
/// (unit index, year) → (development index T, coordination degree D).
type Development = BTreeMap<(usize, i64), (f64, f64)>;

/// The subsystems with their columns resolved to indicator positions.
fn resolve_systems(systems: &[Subsystem], indicators: &[String]) -> Result<Systems, AnalysisError> {
    systems
        .iter()
        .map(|system| {
            let columns = system
                .columns
                .iter()
                .map(|(c, negative)| {
                    let i = indicators.iter().position(|x| x == c).ok_or_else(|| {
                        AnalysisError::Param {
                            analysis: SPEC.name.into(),
                            param: "systems".into(),
                            message: format!("`{c}` is not a numeric indicator column"),
                        }
                    })?;
                    Ok((i, *negative))
                })
                .collect::<Result<_, AnalysisError>>()?;
            Ok((system.name.clone(), columns))
        })
        .collect()
}

/// Typed parameters of the synergy analysis.
#[derive(Debug, Clone)]
pub struct SynergyParams {
    pub level: Level,
    /// The subsystems (`name=col,col,-col;…`); resolved against the indicator panel.
    pub systems: Vec<Subsystem>,
    pub model: CouplingModel,
    pub permutations: Permutations,
    /// p_sim threshold of a significant LISA cluster (the false discovery rate with `fdr`).
    pub significance: f64,
    /// LISA clusters at the Benjamini–Hochberg cut-off instead of `significance`.
    pub fdr: bool,
}

/// What the synergy analysis finds: its tables and summary, and the border coordination that
/// governance outcomes build on (empty without coupling systems).
#[derive(Debug, Clone)]
pub struct SynergyResult {
    pub tables: Vec<Table>,
    pub summary: SynergySummary,
    pub border_coordination: Vec<BorderCoordination>,
}

/// The synergy section of summary.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SynergySummary {
    /// The level of the indicator panel.
    pub level: Level,
    /// First and last year of the panel.
    pub years: [Option<i64>; 2],
    /// The indicator columns.
    pub indicators: Vec<String>,
    /// Global Moran of each indicator in the latest year it could be computed, by indicator.
    pub moran_latest: BTreeMap<String, MoranLatest>,
    /// Coupling coordination; absent without coupling systems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coupling: Option<CouplingSummary>,
    /// Coordination across the borders; absent without coupling systems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub borders: Option<BorderCoordinationSummary>,
}

/// Global Moran's I of one indicator in the panel's latest year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MoranLatest {
    /// The latest year of the panel in which the indicator's Moran could be computed.
    pub year: i64,
    /// Moran's I (queen contiguity, row-standardised); NaN, written as null, where undefined.
    #[serde(
        rename = "I",
        deserialize_with = "crate::analysis::number::nan_if_null"
    )]
    #[schemars(with = "Option<f64>")]
    pub i: f64,
    /// Permutation pseudo p-value.
    pub p_sim: Option<f64>,
    /// p_sim at or below which a LISA unit is a cluster (`significance`, or the
    /// Benjamini–Hochberg cut-off with `fdr`).
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub lisa_p_cutoff: f64,
}

/// The coupling coordination model and the mean coordination degree per year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CouplingSummary {
    /// `standard` or `modified`.
    pub model: String,
    /// The subsystems, by name.
    pub systems: Vec<String>,
    /// Mean coordination degree D (0–1) of the units, by year.
    #[serde(
        rename = "mean_D_by_year",
        deserialize_with = "crate::analysis::number::nan_if_null_in_map"
    )]
    #[schemars(with = "BTreeMap<i64, Option<f64>>")]
    pub mean_d_by_year: BTreeMap<i64, f64>,
}

/// Coordination of the two sides of each border in the latest year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BorderCoordinationSummary {
    /// Pairs of adjacent units.
    pub pairs: usize,
    /// The panel's latest year.
    pub year: i64,
    /// The five pairs of least D_border, least first.
    pub least_coordinated: Vec<LeastCoordinated>,
}

/// One border's coordination degree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LeastCoordinated {
    /// Code of one side.
    pub a: String,
    /// Code of the other side.
    pub b: String,
    /// Coordination degree of the two sides (0–1).
    #[serde(rename = "D_border")]
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub d_border: f64,
}

/// The synergy analysis in the registry.
pub struct Synergy;

impl AnalysisModule for Synergy {
    type Params = SynergyParams;
    type Result = SynergyResult;
    type Summary = SynergySummary;
    const SPEC: &'static AnalysisSpec = &SPEC;

    fn params(values: &Params) -> Result<SynergyParams, AnalysisError> {
        let model = values.text("model")?;
        Ok(SynergyParams {
            level: values.level()?,
            systems: Subsystem::parse_list(values.text("systems")?)
                .map_err(|message| values.invalid("systems", message))?,
            model: CouplingModel::parse(model).ok_or_else(|| {
                values.invalid("model", format!("`{model}` is not standard or modified"))
            })?,
            permutations: Permutations {
                permutations: values.count("permutations")?,
                seed: values.number("seed")? as u64,
                alternative: values.alternative()?,
            },
            significance: values.number("significance")?,
            fdr: values.flag("fdr")?,
        })
    }

    fn run(
        inputs: &Inputs,
        params: &SynergyParams,
        _upstream: &Upstream,
    ) -> Result<SynergyResult, AnalysisError> {
        let region = &inputs.region;
        run(region, params)
    }

    fn output(
        _inputs: &Inputs,
        _params: &SynergyParams,
        result: &SynergyResult,
    ) -> Result<AnalysisOutput, AnalysisError> {
        AnalysisOutput::new::<Self>(result.tables.clone(), &result.summary)
    }
}

fn run(region: &Region, params: &SynergyParams) -> Result<SynergyResult, AnalysisError> {
    let panel = read_panel(region, params.level)?;
    let units = region.indices_at(params.level);
    let polygons: Vec<_> = units
        .iter()
        .map(|&i| &region.jurisdictions[i].geometry)
        .collect();
    let weights =
        SpatialWeights::contiguity(&polygons, true, 1.0).with_transform(Transform::RowStandardised);
    let latest = *panel.years.last().expect("the panel is not empty");
    let (moran, lisa, moran_summary) =
        autocorrelation(region, &panel, &units, &weights, params, latest)?;
    let systems = resolve_systems(&params.systems, &panel.indicators)?;
    let mut border_coordination = Vec::new();
    let mut tables = vec![moran, lisa];
    let mut summary = SynergySummary {
        level: params.level,
        years: [panel.years.first().copied(), panel.years.last().copied()],
        indicators: panel.indicators.clone(),
        moran_latest: moran_summary,
        coupling: None,
        borders: None,
    };
    if !systems.is_empty() {
        let (coupling, development) =
            coupling_table(region, &panel, &units, &systems, params.model)?;
        let (border, discontinuity, border_summary, coordination_rows) = border_tables(
            region,
            &panel,
            &units,
            &weights,
            &development,
            latest,
            params.model,
        )?;
        border_coordination = coordination_rows;
        summary.coupling = Some(CouplingSummary {
            model: params.model.name().into(),
            systems: systems.iter().map(|s| s.0.clone()).collect(),
            mean_d_by_year: mean_d_by_year(&panel, &development),
        });
        summary.borders = Some(border_summary);
        tables.extend([coupling, border, discontinuity]);
    }
    Ok(SynergyResult {
        tables,
        summary,
        border_coordination,
    })
}

/// The mean coordination degree D of the units per year.
fn mean_d_by_year(panel: &Panel, development: &Development) -> BTreeMap<i64, f64> {
    panel
        .years
        .iter()
        .filter_map(|&y| {
            let ds: Vec<f64> = development
                .iter()
                .filter(|((_, yy), _)| *yy == y)
                .map(|(_, v)| v.1)
                .collect();
            (!ds.is_empty()).then(|| (y, round_to(ds.iter().sum::<f64>() / ds.len() as f64, 6)))
        })
        .collect()
}

/// Global Moran of every indicator and year (`moran_indicators`), LISA of the latest year
/// (`lisa_clusters`), and the latest year's I per indicator for the summary.
fn autocorrelation(
    region: &Region,
    panel: &Panel,
    units: &[usize],
    weights: &SpatialWeights,
    params: &SynergyParams,
    latest: i64,
) -> Result<(Table, Table, BTreeMap<String, MoranLatest>), AnalysisError> {
    let mut moran = Table::new("moran_indicators", moran_indicators_columns(), false);
    let mut lisa = Table::new("lisa_clusters", lisa_clusters_columns(), true);
    let mut moran_summary = BTreeMap::new();
    for (k, indicator) in panel.indicators.iter().enumerate() {
        for &year in &panel.years {
            let present: Vec<usize> = (0..units.len())
                .filter(|&u| {
                    panel
                        .values
                        .get(&(units[u], year))
                        .is_some_and(|v| v[k].is_finite())
                })
                .collect();
            let y: Vec<f64> = present
                .iter()
                .map(|&u| panel.values[&(units[u], year)][k])
                .collect();
            let w = weights.subset(&present);
            let Ok(m) = morans_i::global(&y, &w, Some(params.permutations)) else {
                continue; // constant or too few values this year
            };
            let p_sim = m.simulation.as_ref().and_then(|s| s.p_sim);
            moran.push(
                vec![
                    indicator.as_str().into(),
                    Value::Int(year),
                    present.len().into(),
                    Value::Real(round_to(m.I, 9)),
                    Value::Real(round_to(m.EI, 9)),
                    Value::Real(round_to(m.z_rand, 6)),
                    Value::Real(round_to(m.p_rand, 9)),
                    Value::from(p_sim),
                ],
                None,
            );
            if year == latest {
                let local = morans_i::local(&y, &w, Some(params.permutations))?;
                let cutoff = cluster_cutoff(&local, params.significance, params.fdr);
                moran_summary.insert(
                    indicator.clone(),
                    MoranLatest {
                        year,
                        i: round_to(m.I, 6),
                        p_sim,
                        lisa_p_cutoff: cutoff,
                    },
                );
                for (l, &u) in local.iter().zip(&present) {
                    let j = &region.jurisdictions[units[u]];
                    let row = [
                        j.code.as_str().into(),
                        j.name.as_str().into(),
                        indicator.as_str().into(),
                        Value::Int(year),
                    ];
                    lisa.push(
                        row.into_iter().chain(l.values(cutoff)).collect(),
                        Some(Geometry::MultiPolygon(j.geometry.clone())),
                    );
                }
            }
        }
    }
    Ok((moran, lisa, moran_summary))
}

/// The template name of the per-subsystem score column of `coupling_jurisdiction`.
const SYSTEM_SCORE: &str = "U_<system>";

/// The columns of `coupling_jurisdiction` (`U_<system>` repeats per subsystem).
fn coupling_jurisdiction_columns() -> Vec<Column> {
    vec![
        Column::text("code", "jurisdiction code"),
        Column::text("name", "jurisdiction name"),
        Column::new("year", ColumnType::Int, None, "year"),
        Column::new(
            SYSTEM_SCORE,
            ColumnType::Real,
            None,
            "subsystem score (entropy-weighted, pooled), one column per subsystem",
        ),
        Column::new("C", ColumnType::Real, None, "coupling degree"),
        Column::new("T", ColumnType::Real, None, "development index (equal α)"),
        Column::new("D", ColumnType::Real, None, "coupling coordination degree"),
        Column::text("C_class", "coupling class"),
        Column::text("D_class", "coordination class"),
    ]
}

/// Coupling per unit and year; returns the table and (unit, year) → (T, D).
fn coupling_table(
    region: &Region,
    panel: &Panel,
    units: &[usize],
    systems: &Systems,
    model: CouplingModel,
) -> Result<(Table, Development), AnalysisError> {
    // Unit-years of this level with every indicator the systems use, in a stable order.
    let mut keys: Vec<(usize, i64)> = panel
        .values
        .iter()
        .filter(|((u, _), v)| {
            units.contains(u)
                && systems
                    .iter()
                    .all(|(_, cols)| cols.iter().all(|(c, _)| v[*c].is_finite()))
        })
        .map(|(k, _)| *k)
        .collect();
    keys.sort_unstable();
    let values: Vec<SubsystemValues> = systems
        .iter()
        .map(|(_, columns)| SubsystemValues {
            rows: keys
                .iter()
                .map(|key| columns.iter().map(|(c, _)| panel.values[key][*c]).collect())
                .collect(),
            negative: columns.iter().map(|(_, n)| *n).collect(),
        })
        .collect();
    let scores = subsystem_scores(&values, Weighting::Entropy)?.u;
    // The spec's `U_<system>` column stands for one column per subsystem.
    let columns = coupling_jurisdiction_columns()
        .into_iter()
        .flat_map(|c| match c.name.as_str() {
            SYSTEM_SCORE => systems
                .iter()
                .map(|(name, _)| Column {
                    name: format!("U_{name}"),
                    ..c.clone()
                })
                .collect(),
            _ => vec![c],
        })
        .collect();
    let mut table = Table::new("coupling_jurisdiction", columns, false);
    let alpha = vec![1.0 / systems.len() as f64; systems.len()];
    let mut development = BTreeMap::new();
    for (key, u) in keys.iter().zip(&scores) {
        let c = coordination(u, &alpha, model)?;
        let j = &region.jurisdictions[key.0];
        let mut row: Vec<Value> = vec![
            j.code.as_str().into(),
            j.name.as_str().into(),
            Value::Int(key.1),
        ];
        row.extend(u.iter().map(|v| Value::Real(round_to(*v, 9))));
        row.extend([
            Value::Real(round_to(c.C, 9)),
            Value::Real(round_to(c.T, 9)),
            Value::Real(round_to(c.D, 9)),
            c_class(c.C).into(),
            d_class(c.D).into(),
        ]);
        table.push(row, None);
        development.insert(*key, (c.T, c.D));
    }
    Ok((table, development))
}

type BorderTables = (
    Table,
    Table,
    BorderCoordinationSummary,
    Vec<BorderCoordination>,
);

/// The coordination of a border's two sides in one year (D_border from their development
/// indices T; rounded to 1e-9, as written).
#[derive(Debug, Clone)]
pub struct BorderCoordination {
    /// Codes of the two units, a < b.
    pub a: String,
    pub b: String,
    pub year: i64,
    pub d_border: f64,
}

/// Border coordination and discontinuity for every pair of neighbouring units; the border's
/// coupling follows the analysis' coupling `model`, as the units' own does.
fn border_tables(
    region: &Region,
    panel: &Panel,
    units: &[usize],
    weights: &SpatialWeights,
    development: &Development,
    latest: i64,
    model: CouplingModel,
) -> Result<BorderTables, AnalysisError> {
    let mut border = Table::new("synergy_border", synergy_border_columns(), false);
    let mut gaps = Table::new(
        "border_discontinuity",
        border_discontinuity_columns(),
        false,
    );
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (x, row) in weights.neighbours.iter().enumerate() {
        for &(y, _) in row {
            let (a, b) = (units[x], units[y]);
            if region.jurisdictions[a].code < region.jurisdictions[b].code {
                pairs.push((a, b));
            }
        }
    }
    pairs.sort_by(|p, q| {
        (
            &region.jurisdictions[p.0].code,
            &region.jurisdictions[p.1].code,
        )
            .cmp(&(
                &region.jurisdictions[q.0].code,
                &region.jurisdictions[q.1].code,
            ))
    });
    let mut sd: HashMap<(usize, i64), f64> = HashMap::new();
    for k in 0..panel.indicators.len() {
        for &year in &panel.years {
            let xs: Vec<f64> = units
                .iter()
                .filter_map(|&u| panel.values.get(&(u, year)).map(|v| v[k]))
                .filter(|v| v.is_finite())
                .collect();
            if xs.len() > 1 {
                let mean = xs.iter().sum::<f64>() / xs.len() as f64;
                sd.insert(
                    (k, year),
                    (xs.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64)
                        .sqrt(),
                );
            }
        }
    }
    let mut latest_d = Vec::new();
    let mut coordination_rows = Vec::new();
    for &(a, b) in &pairs {
        let (ca, cb) = (
            region.jurisdictions[a].code.as_str(),
            region.jurisdictions[b].code.as_str(),
        );
        for &year in &panel.years {
            if let (Some(&(ta, _)), Some(&(tb, _))) =
                (development.get(&(a, year)), development.get(&(b, year)))
            {
                let c = coordination(&[ta, tb], &[0.5, 0.5], model)?;
                border.push(
                    vec![
                        ca.into(),
                        cb.into(),
                        Value::Int(year),
                        Value::Real(round_to(ta, 9)),
                        Value::Real(round_to(tb, 9)),
                        Value::Real(round_to(c.C, 9)),
                        Value::Real(round_to(c.D, 9)),
                    ],
                    None,
                );
                coordination_rows.push(BorderCoordination {
                    a: ca.to_string(),
                    b: cb.to_string(),
                    year,
                    d_border: round_to(c.D, 9),
                });
                if year == latest {
                    latest_d.push((c.D, ca, cb));
                }
            }
            if let (Some(va), Some(vb)) =
                (panel.values.get(&(a, year)), panel.values.get(&(b, year)))
            {
                for (k, indicator) in panel.indicators.iter().enumerate() {
                    let (x, y) = (va[k], vb[k]);
                    if x.is_finite() && y.is_finite() {
                        let gap = (x - y).abs();
                        let z = sd
                            .get(&(k, year))
                            .filter(|s| **s > 0.0)
                            .map(|s| round_to(gap / s, 9));
                        gaps.push(
                            vec![
                                ca.into(),
                                cb.into(),
                                indicator.as_str().into(),
                                Value::Int(year),
                                Value::Real(x),
                                Value::Real(y),
                                Value::Real(round_to(gap, 9)),
                                Value::from(z),
                            ],
                            None,
                        );
                    }
                }
            }
        }
    }
    latest_d.sort_by(|p, q| {
        p.0.total_cmp(&q.0)
            .then_with(|| (p.1, p.2).cmp(&(q.1, q.2)))
    });
    let least_coordinated = latest_d
        .iter()
        .take(5)
        .map(|(d, a, b)| LeastCoordinated {
            a: a.to_string(),
            b: b.to_string(),
            d_border: round_to(*d, 4),
        })
        .collect();
    Ok((
        border,
        gaps,
        BorderCoordinationSummary {
            pairs: pairs.len(),
            year: latest,
            least_coordinated,
        },
        coordination_rows,
    ))
}

/// The columns of `moran_indicators` (its output spec reads them too).
fn moran_indicators_columns() -> Vec<Column> {
    vec![
        Column::text("indicator", "indicator column"),
        Column::new("year", ColumnType::Int, None, "year"),
        Column::new("n", ColumnType::Int, None, "units with a value"),
        Column::new(
            "I",
            ColumnType::Real,
            None,
            "Moran's I (queen, row-standardised)",
        ),
        Column::new(
            "EI",
            ColumnType::Real,
            None,
            "expected I under no autocorrelation",
        ),
        Column::new("z_rand", ColumnType::Real, None, "z under randomisation"),
        Column::new(
            "p_rand",
            ColumnType::Real,
            None,
            "two-sided p under randomisation",
        ),
        Column::new(
            "p_sim",
            ColumnType::Real,
            None,
            "permutation pseudo p-value",
        ),
    ]
}

/// The columns of `lisa_clusters` (its output spec reads them too).
fn lisa_clusters_columns() -> Vec<Column> {
    vec![
        Column::text("code", "jurisdiction code"),
        Column::text("name", "jurisdiction name"),
        Column::text("indicator", "indicator column"),
        Column::new("year", ColumnType::Int, None, "year"),
    ]
    .into_iter()
    .chain(LocalMoran::columns())
    .collect()
}

/// The columns of `synergy_border` (its output spec reads them too).
fn synergy_border_columns() -> Vec<Column> {
    vec![
        Column::text("a", "code of the first unit (a < b)"),
        Column::text("b", "code of the second unit"),
        Column::new("year", ColumnType::Int, None, "year"),
        Column::new("T_a", ColumnType::Real, None, "development index of a"),
        Column::new("T_b", ColumnType::Real, None, "development index of b"),
        Column::new(
            "C_border",
            ColumnType::Real,
            None,
            "coupling of the two sides (by the analysis' coupling model)",
        ),
        Column::new(
            "D_border",
            ColumnType::Real,
            None,
            "coordination of the two sides",
        ),
    ]
}

/// The columns of `border_discontinuity` (its output spec reads them too).
fn border_discontinuity_columns() -> Vec<Column> {
    vec![
        Column::text("a", "code of the first unit (a < b)"),
        Column::text("b", "code of the second unit"),
        Column::text("indicator", "indicator column"),
        Column::new("year", ColumnType::Int, None, "year"),
        Column::new("value_a", ColumnType::Real, None, "value on side a"),
        Column::new("value_b", ColumnType::Real, None, "value on side b"),
        Column::new("gap", ColumnType::Real, None, "|value_a − value_b|"),
        Column::new(
            "standardised_gap",
            ColumnType::Real,
            None,
            "gap / standard deviation over all units of the level that year",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use geo::{polygon, MultiPolygon};

    use super::*;
    use crate::crs::AnalysisCrs;
    use crate::region::Jurisdiction;
    use crate::spec::ParamValue;
    use crate::stats::morans_i::fdr_cutoff;

    /// A 7 × 7 grid of 1 km county squares with one indicator `x` in 2020: a smooth gradient
    /// (strong autocorrelation) with a deterministic wiggle.
    fn grid_region() -> Region {
        let mut units = Vec::new();
        let mut table = Table::new(
            "indicators",
            vec![
                Column::text("unit", "unit"),
                Column::new("year", ColumnType::Int, None, "year"),
                Column::new("x", ColumnType::Real, None, "indicator"),
            ],
            false,
        );
        for r in 0..7 {
            for c in 0..7 {
                let (x0, y0) = (c as f64 * 1000.0, r as f64 * 1000.0);
                let code = format!("u{r}{c}");
                units.push(Jurisdiction {
                    code: code.clone(),
                    name: code.clone(),
                    level: Level::County,
                    parent: None,
                    geometry: MultiPolygon::new(vec![polygon![
                        (x: x0, y: y0),
                        (x: x0 + 1000.0, y: y0),
                        (x: x0 + 1000.0, y: y0 + 1000.0),
                        (x: x0, y: y0 + 1000.0),
                    ]]),
                });
                let wiggle = ((r * 7 + c) as f64 * 2.39).sin();
                let x = (r + c) as f64 + 2.0 * wiggle;
                table.push(vec![code.into(), Value::Int(2020), Value::Real(x)], None);
            }
        }
        Region::new(
            "grid",
            AnalysisCrs::albers_for_bounds(120.0, 30.0, 121.0, 31.0),
            units,
            BTreeMap::from([("indicators".to_string(), table)]),
        )
    }

    fn lisa(region: &Region, fdr: bool) -> (Vec<(f64, String)>, f64) {
        let given = BTreeMap::from([
            ("fdr".to_string(), ParamValue::Bool(fdr)),
            ("permutations".to_string(), ParamValue::Number(9999.0)),
        ]);
        let params = Synergy::params(&Params::resolve(&SPEC, &given).unwrap()).unwrap();
        let result = run(region, &params).unwrap();
        let table = &result.tables[1];
        let (p, cluster) = (
            table.column_index("p_sim").unwrap(),
            table.column_index("cluster").unwrap(),
        );
        let rows = table
            .rows
            .iter()
            .map(|row| (row[p].as_f64().unwrap(), row[cluster].to_text()))
            .collect();
        let cutoff = result.summary.moran_latest["x"].lisa_p_cutoff;
        (rows, cutoff)
    }

    /// With `fdr`, clusters are the units at or below the Benjamini–Hochberg cut-off of the
    /// units' p_sim (esda's fdr, checked against esda in `morans_i`), a subset of those at
    /// p_sim ≤ significance.
    #[test]
    fn fdr_keeps_the_clusters_below_the_benjamini_hochberg_cutoff() {
        let region = grid_region();
        let (plain, cutoff) = lisa(&region, false);
        assert_eq!(cutoff, 0.05);
        let (corrected, fdr_cut) = lisa(&region, true);
        let p: Vec<f64> = corrected.iter().map(|r| r.0).collect();
        assert_eq!(Some(fdr_cut), fdr_cutoff(&p, 0.05));
        let count = |rows: &[(f64, String)]| rows.iter().filter(|r| r.1 != "ns").count();
        for (p, cluster) in &corrected {
            assert_eq!(cluster != "ns", *p <= fdr_cut, "{p} {cluster}");
        }
        assert!(
            count(&corrected) < count(&plain) && count(&corrected) > 0,
            "{} of {} clusters kept",
            count(&corrected),
            count(&plain)
        );
    }

    /// The border's D follows the coupling model chosen for the units (until this round it always
    /// used the standard C): every row of `synergy_border` is the model's D of its T_a and T_b,
    /// and the two models give different borders.
    #[test]
    fn border_coordination_follows_the_coupling_model() {
        let region = grid_region();
        let border_d = |model: &str| {
            let given = BTreeMap::from([
                ("systems".to_string(), ParamValue::Text("a=x;b=x".into())),
                ("model".to_string(), ParamValue::Text(model.into())),
                ("permutations".to_string(), ParamValue::Number(9.0)),
            ]);
            let params = Synergy::params(&Params::resolve(&SPEC, &given).unwrap()).unwrap();
            let result = run(&region, &params).unwrap();
            let table = result
                .tables
                .iter()
                .find(|t| t.name == "synergy_border")
                .unwrap();
            let column = |name: &str| table.column_index(name).unwrap();
            let (ta, tb, d) = (column("T_a"), column("T_b"), column("D_border"));
            let coupling = CouplingModel::parse(model).unwrap();
            table
                .rows
                .iter()
                .map(|row| {
                    let (a, b) = (row[ta].as_f64().unwrap(), row[tb].as_f64().unwrap());
                    let expected = coordination(&[a, b], &[0.5, 0.5], coupling).unwrap().D;
                    let got = row[d].as_f64().unwrap();
                    assert!(
                        (got - expected).abs() < 1e-6,
                        "{model}: {got} vs {expected}"
                    );
                    got
                })
                .collect::<Vec<f64>>()
        };
        let (standard, modified) = (border_d("standard"), border_d("modified"));
        assert_eq!(standard.len(), modified.len());
        assert!(standard
            .iter()
            .zip(&modified)
            .any(|(s, m)| (s - m).abs() > 1e-3));
    }
}
