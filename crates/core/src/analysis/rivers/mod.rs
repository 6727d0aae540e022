//! Rivers across borders (methods reference §2.2, §3): the river network, the sections where
//! rivers cross borders, export-coefficient and point loads routed with decay and lake retention
//! into transboundary load matrices, and the border-siting ("polluting thy neighbour") tests.
//!
//! - [`network`]: the network, cut at every unit boundary and lake shore, and its border rivers.
//! - [`routing`]: loads routed down it by origin and source type.
//! - [`siting`]: the band test with its permutation placebo and the most-downstream comparison.

pub mod network;
pub mod routing;
pub mod siting;
pub mod summary;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use geo::{BoundingRect, Centroid, LineString, Point};

use super::contract::{AnalysisModule, AnalysisOutput, Upstream};
use crate::error::AnalysisError;
use crate::geometry::SegmentIndex;
use crate::inputs::Inputs;
use crate::model::plans::PlanZones;
use crate::region::{Level, Region, UnitLocator};
use crate::spec::{
    alternative, AnalysisSpec, OutputSpec, ParamDefault, ParamSpec, Params, PERMUTATIONS, SEED,
};
use crate::stats::significance::Alternative;
use crate::table::{round_to, Column, ColumnType, Table, Value};
use network::{Lake, Network, Overlay};
use routing::{flux_by_pair, route, Crossing, Injection, Rates, Routed};
use summary::{Coefficients, MassBalance, RiversSummary, SitingSummary};

/// The columns of `river_sections` (its output spec reads them too).
fn river_sections_columns() -> Vec<Column> {
    vec![
        Column::text("river", "the river line (feature and id)"),
        Column::text("upstream", "code of the unit upstream"),
        Column::text("downstream", "code of the unit downstream"),
        Column::text(
            "upstream_chain",
            "codes of the upstream unit and its ancestors (county>city>province)",
        ),
        Column::text(
            "downstream_chain",
            "the same downstream: levels where the two differ are crossed here",
        ),
        Column::text("station", "nearest monitoring station within station_m"),
        Column::text("plan", "plan version"),
        Column::text("pollutant", "pollutant"),
        Column::new(
            "load_kg_per_yr",
            ColumnType::Real,
            Some("kg/yr"),
            "load crossing here",
        ),
    ]
}

/// The columns of `load_flows` (its output spec reads them too).
fn load_flows_columns() -> Vec<Column> {
    flow_key_columns()
        .into_iter()
        .chain([Column::new(
            "flux_kg_per_yr",
            ColumnType::Real,
            Some("kg/yr"),
            "load crossing",
        )])
        .collect()
}

pub const SPEC: AnalysisSpec = AnalysisSpec {
    name: "rivers",
    title: "Rivers across borders: sections, transboundary loads, border siting",
    description: "Builds the river network, finds where rivers cross borders, routes export-coefficient loads of plan zones and point loads of facilities with decay and lake retention into transboundary load matrices per level and plan version, and tests whether polluting facilities crowd the exit borders.",
    requires: &["jurisdictions", "rivers"],
    requires_any: &[],
    reads: &["lakes", "plans", "facilities", "stations", "monitoring", "export_coefficients", "point_loads"],
    depends_on: &[],
    params: &[
        ParamSpec { name: "level", unit: None, default: ParamDefault::Text("county"), min: None, max: None, description: "Finest level of the units the loads come from (the matrices cover it and every level above)." },
        ParamSpec { name: "snap_m", unit: Some("m"), default: ParamDefault::Number(10.0), min: Some(0.0), max: Some(1_000.0), description: "River ends closer than this join at one node." },
        ParamSpec { name: "border_river_m", unit: Some("m"), default: ParamDefault::Number(BORDER_RIVER_M), min: Some(0.0), max: Some(10_000.0), description: "A river within this distance of a shared border at both ends of a piece, over at least 4 times this length, is a border river of the pair: no crossings for its side switches, its loads shared by both banks (0: none)." },
        ParamSpec { name: "connect_m", unit: Some("m"), default: ParamDefault::Number(5000.0), min: Some(0.0), max: Some(100_000.0), description: "A zone or facility farther than this from every river reaches none (reported as unrouted)." },
        ParamSpec { name: "decay", unit: Some("1/km"), default: ParamDefault::Text("TN=0.005,TP=0.01"), min: None, max: None, description: "First-order decay constant k per pollutant (the default is a TEMPLATE, not calibrated), a table `{ TN = 0.005, TP = 0.01 }` or the text `TN=0.005,TP=0.01` (a reach's decay_per_km field overrides it)." },
        ParamSpec { name: "lake_retention", unit: None, default: ParamDefault::Text("TN=0.3,TP=0.5"), min: None, max: None, description: "Share R of a load retained on entering a lake without a residence_time_yr, per pollutant (the default is a TEMPLATE): `{ TN = 0.3, TP = 0.5 }` or `TN=0.3,TP=0.5`." },
        ParamSpec { name: "station_m", unit: Some("m"), default: ParamDefault::Number(2000.0), min: Some(0.0), max: Some(100_000.0), description: "A monitoring station this close to a section is attached to it (the nearest)." },
        ParamSpec { name: "siting_level", unit: None, default: ParamDefault::Text("county"), min: None, max: None, description: "Level whose exit and entry borders the siting test measures from." },
        PERMUTATIONS,
        SEED,
        alternative("greater"),
    ],
    outputs: &[
        OutputSpec { name: "river_sections", spatial: true, description: "Where rivers cross borders: upstream and downstream unit and the load crossing, per pollutant and plan version.", columns: river_sections_columns },
        OutputSpec { name: "load_flows", spatial: true, description: "Lines from the unit a load comes from to the unit it enters, with the load (for maps).", columns: load_flows_columns },
        OutputSpec { name: "load_matrix_<level>", spatial: false, description: "Per level: load of sources in `from` entering `to` (each parcel counted once), all load crossing, and the net of the two directions, kg/yr, per pollutant and plan version.", columns: load_matrix_columns },
        OutputSpec { name: "load_sources_<level>", spatial: false, description: "Per level and crossing pair: the load entering `to` for the first time by origin unit and source type (land-use class, facility type), kg/yr, with its share (re-crossings and loads coming back into their origin left out).", columns: load_sources_columns },
        OutputSpec { name: "load_balance", spatial: false, description: "Mass balance per origin unit, plan and pollutant: injected = delivered + decayed + retained, kg/yr.", columns: load_balance_columns },
        OutputSpec { name: "siting_bands", spatial: false, description: "Polluting facilities per distance band from the exit and from the entry border along the river, incidence-rate ratio and permutation p.", columns: siting::siting_bands_columns },
    ],
    references: &[
        "Johnes, P. J. (1996) Evaluation and management of the impact of land use change on the nitrogen and phosphorus load delivered to surface waters: the export coefficient modelling approach. Journal of Hydrology 183, 323–349.",
        "Sharp, R. et al. InVEST User's Guide: Nutrient Delivery Ratio (sample export coefficients, used here as a template only).",
        "Lipscomb, M. & Mobarak, A. M. (2017) Decentralization and pollution spillovers: evidence from the re-drawing of county borders in Brazil. Review of Economic Studies 84(1), 464–502.",
        "Vollenweider, R. A. (1976) Advances in defining critical loading levels for phosphorus in lake eutrophication. Memorie dell'Istituto Italiano di Idrobiologia 33, 53–83.",
        "Larsen, D. P. & Mercier, H. T. (1976) Phosphorus retention capacity of lakes. Journal of the Fisheries Research Board of Canada 33, 1742–1750.",
        "Booth, N. L., Everman, E. J., Kuo, I.-L., Sprague, L. & Murphy, L. (2011) A web-based decision support system for assessing regional water-quality conditions and management actions. Journal of the American Water Resources Association 47(5), 1136–1150.",
        "Cai, H., Chen, Y. & Gong, Q. (2016) Polluting thy neighbor: unintended consequences of China's pollution reduction mandates. Journal of Environmental Economics and Management 76, 86–104.",
    ],
};

/// Default of `border_river_m` (see docs/methods.md §3.2 for how it was chosen on the YRD data).
pub const BORDER_RIVER_M: f64 = 1_000.0;

/// `TN=0.005,TP=0.01` → {TN: 0.005, TP: 0.01}.
fn per_pollutant(params: &Params, name: &str) -> Result<BTreeMap<String, f64>, AnalysisError> {
    let text = params.text(name)?;
    text.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').ok_or(())?;
            let v: f64 = v.trim().parse().map_err(|_| ())?;
            (v >= 0.0).then(|| (k.trim().to_string(), v)).ok_or(())
        })
        .collect::<Result<_, ()>>()
        .map_err(|_| AnalysisError::Param {
            analysis: SPEC.name.into(),
            param: name.into(),
            message: format!("`{text}` is not `POLLUTANT=value,…` with values ≥ 0"),
        })
}

/// The default of a per-pollutant parameter, parsed (to tell the TEMPLATE defaults in the
/// summary).
fn default_rates(name: &str) -> BTreeMap<String, f64> {
    per_pollutant(&Params::defaults(&SPEC), name).unwrap_or_default()
}

/// [`per_pollutant`] for shares, which cannot pass 1.
fn shares(params: &Params, name: &str) -> Result<BTreeMap<String, f64>, AnalysisError> {
    let values = per_pollutant(params, name)?;
    match values.iter().find(|(_, v)| **v > 1.0) {
        Some((pollutant, v)) => Err(params.invalid(
            name,
            format!("the share of {pollutant} is {v}; a share is at most 1"),
        )),
        None => Ok(values),
    }
}

/// A facility as a point source: the unit it lies in (analysis level), its type and id, and
/// where it stands.
#[derive(Debug, Clone)]
pub struct PointSource {
    pub unit: usize,
    pub kind: String,
    pub id: String,
    pub at: geo::Coord,
}

/// The injections of one pollutant and plan version, and the load that reached no river.
struct Sources {
    injections: Vec<Injection>,
    unrouted_kg: f64,
}

/// Names of source types (`land use 01`, `facility chemical_park`), numbered for the routing.
#[derive(Default)]
struct SourceTypes {
    names: Vec<String>,
    index: BTreeMap<String, usize>,
}

impl SourceTypes {
    fn id(&mut self, name: String) -> usize {
        if let Some(&i) = self.index.get(&name) {
            return i;
        }
        self.names.push(name.clone());
        self.index.insert(name, self.names.len() - 1);
        self.names.len() - 1
    }
}

/// Where a point meets the network: the nearest segment within `connect_m`.
fn attach(
    index: &SegmentIndex<(usize, usize)>,
    p: geo::Coord,
    connect_m: f64,
) -> Option<(usize, usize)> {
    index
        .nearest(p)
        .filter(|(_, d)| *d <= connect_m)
        .map(|(at, _)| at)
}

/// Typed parameters of the rivers analysis.
#[derive(Debug, Clone)]
pub struct RiversParams {
    pub level: Level,
    pub snap_m: f64,
    pub border_river_m: f64,
    pub connect_m: f64,
    /// First-order decay constant per pollutant, 1/km.
    pub decay: BTreeMap<String, f64>,
    /// Share retained on entering a lake, per pollutant.
    pub lake_retention: BTreeMap<String, f64>,
    pub station_m: f64,
    pub siting_level: Level,
    pub permutations: usize,
    pub seed: u64,
    /// Alternative hypothesis of the siting test's placebo p.
    pub alternative: Alternative,
}

/// One row of a transboundary load matrix.
#[derive(Debug, Clone)]
pub struct LoadFlow {
    /// Codes of the unit the load leaves and the unit it enters.
    pub from: String,
    pub to: String,
    pub plan: String,
    pub pollutant: String,
    /// Load of sources in `from` entering `to`, each parcel counted once however often a river
    /// takes it back and forth across the border (rounded to 1e-9 kg/yr, as written).
    pub load_kg_per_yr: f64,
    /// All load crossing from `from` into `to`, transit and re-crossings included.
    pub flux_kg_per_yr: f64,
    /// The flux from `from` into `to` minus the flux back from `to` into `from`: the net mass
    /// moved across the border, negative when more comes back.
    pub net_kg_per_yr: f64,
}

/// What the rivers analysis finds: its tables and summary, and the transboundary load matrix
/// of every level (what load-based compensation acts on).
#[derive(Debug, Clone)]
pub struct RiversResult {
    pub tables: Vec<Table>,
    pub summary: RiversSummary,
    pub load_matrices: BTreeMap<Level, Vec<LoadFlow>>,
}

/// The rivers analysis in the registry.
pub struct Rivers;

impl AnalysisModule for Rivers {
    type Params = RiversParams;
    type Result = RiversResult;
    type Summary = RiversSummary;
    const SPEC: &'static AnalysisSpec = &SPEC;

    fn params(values: &Params) -> Result<RiversParams, AnalysisError> {
        Ok(RiversParams {
            level: values.level()?,
            snap_m: values.number("snap_m")?,
            border_river_m: values.number("border_river_m")?,
            connect_m: values.number("connect_m")?,
            decay: per_pollutant(values, "decay")?,
            lake_retention: shares(values, "lake_retention")?,
            station_m: values.number("station_m")?,
            siting_level: values.level_of("siting_level")?,
            permutations: values.count("permutations")?,
            seed: values.number("seed")? as u64,
            alternative: values.alternative()?,
        })
    }

    fn run(
        inputs: &Inputs,
        params: &RiversParams,
        _upstream: &Upstream,
    ) -> Result<RiversResult, AnalysisError> {
        run(inputs, params)
    }

    fn output(
        _inputs: &Inputs,
        _params: &RiversParams,
        result: &RiversResult,
    ) -> Result<AnalysisOutput, AnalysisError> {
        AnalysisOutput::new::<Self>(result.tables.clone(), &result.summary)
    }
}

/// One routing: a pollutant's loads of one plan version through the network.
pub struct RoutedRun {
    pub plan: String,
    pub pollutant: String,
    pub routed: Routed,
    /// Load of sources farther than `connect_m` from every river.
    pub unrouted_kg: f64,
}

/// Where the sources meet the network: plan zones (by centroid) and facilities (as points).
struct Attached<'r> {
    plans: Option<PlanZones<'r>>,
    zone_at: Vec<Option<(usize, usize)>>,
    facilities: Vec<PointSource>,
    facility_at: Vec<Option<(usize, usize)>>,
}

/// The lakes of the region with their residence times (years, where given).
fn lakes_of(region: &Region) -> Vec<Lake<'_>> {
    let Some(t) = region.layers.get("lakes") else {
        return Vec::new();
    };
    let residence = t.column_index("residence_time_yr");
    (0..t.len())
        .filter_map(|i| {
            let geometry = t.geometry(i)?;
            Some(Lake {
                bbox: geometry.bounding_rect()?,
                geometry,
                residence_time_yr: residence.and_then(|c| t.rows[i][c].as_f64()),
            })
        })
        .collect()
}

/// The river network of the region, cut at the units of the analysis level and the lakes, and
/// an index of its pieces.
fn network_of(
    region: &Region,
    params: &RiversParams,
    locator: &UnitLocator,
) -> (Network, SegmentIndex<(usize, usize)>) {
    let lakes = lakes_of(region);
    let overlay = Overlay::new(region, params.level, locator, &lakes, params.border_river_m);
    let network = Network::new(&region.layers["rivers"], params.snap_m, &overlay);
    let segments: Vec<(LineString, (usize, usize))> = network
        .reaches
        .iter()
        .enumerate()
        .flat_map(|(k, r)| {
            r.segments
                .iter()
                .enumerate()
                .map(move |(i, s)| (LineString::new(vec![s.start, s.end]), (k, i)))
        })
        .collect();
    let index = SegmentIndex::new(segments.iter().map(|(l, at)| (l, *at)));
    (network, index)
}

/// The plan zones and facilities of the region, attached to the nearest river segment.
fn attach_sources<'r>(
    inputs: &'r Inputs,
    params: &RiversParams,
    locator: &UnitLocator,
    index: &SegmentIndex<(usize, usize)>,
) -> Result<Attached<'r>, AnalysisError> {
    let region = &inputs.region;
    let plans = match region.layers.get("plans") {
        Some(t) => Some(PlanZones::new(region, t, params.level, locator, None)?),
        None => None,
    };
    let facilities: Vec<PointSource> = inputs
        .model
        .facilities
        .iter()
        .filter_map(|f| {
            Some(PointSource {
                unit: locator.locate(f.at)?,
                kind: f.kind.clone(),
                id: f.id.clone(),
                at: f.at,
            })
        })
        .collect();
    let zone_at = plans.as_ref().map_or_else(Vec::new, |p| {
        p.zones
            .iter()
            .map(|z| {
                z.geometry
                    .centroid()
                    .and_then(|c| attach(index, c.0, params.connect_m))
            })
            .collect()
    });
    let facility_at = facilities
        .iter()
        .map(|f| attach(index, f.at, params.connect_m))
        .collect();
    Ok(Attached {
        plans,
        zone_at,
        facilities,
        facility_at,
    })
}

/// The loads of one pollutant and plan version (index `version`) entering the network, each
/// with its source type: the export-coefficient class a zone matched, or the facility type.
fn sources_of(
    attached: &Attached,
    rules: &crate::model::rules::RuleTables,
    version: usize,
    pollutant: &str,
    types: &mut SourceTypes,
) -> Sources {
    let mut sources = Sources {
        injections: Vec::new(),
        unrouted_kg: 0.0,
    };
    let mut add = |at: &Option<(usize, usize)>, origin: usize, source: usize, kg: f64| match at {
        Some((reach, segment)) if kg > 0.0 => sources.injections.push(Injection {
            reach: *reach,
            segment: *segment,
            origin,
            source,
            kg,
        }),
        _ => sources.unrouted_kg += kg,
    };
    if let Some(plans) = &attached.plans {
        for (z, at) in plans.zones.iter().zip(&attached.zone_at) {
            if z.version != version {
                continue;
            }
            let Some((class, coefficients)) = rules
                .export_coefficients
                .iter()
                .filter(|(class, _)| z.class.starts_with(class.as_str()))
                .max_by_key(|(class, _)| class.len())
            else {
                continue;
            };
            let coefficient = coefficients.get(pollutant).copied().unwrap_or(0.0);
            let source = types.id(format!("land use {class}"));
            add(at, z.unit, source, coefficient * z.area_m2 / 10_000.0);
        }
    }
    for (f, at) in attached.facilities.iter().zip(&attached.facility_at) {
        let kg = rules
            .point_loads
            .get(f.kind.trim())
            .and_then(|m| m.get(pollutant))
            .copied()
            .unwrap_or(0.0);
        let source = types.id(format!("facility {}", f.kind.trim()));
        add(at, f.unit, source, kg);
    }
    sources
}

fn run(inputs: &Inputs, params: &RiversParams) -> Result<RiversResult, AnalysisError> {
    let region = &inputs.region;
    let locator = UnitLocator::new(region, params.level);
    let (network, index) = network_of(region, params, &locator);
    let attached = attach_sources(inputs, params, &locator, &index)?;
    let rules = &inputs.model.rules;
    let versions: Vec<String> = attached
        .plans
        .as_ref()
        .map_or_else(|| vec![String::new()], |p| p.versions.clone());
    let pollutants: BTreeSet<&String> = rules
        .export_coefficients
        .values()
        .chain(rules.point_loads.values())
        .flat_map(|m| m.keys())
        .collect();
    let levels: Vec<Level> = region
        .levels()
        .into_iter()
        .filter(|l| *l <= params.level)
        .collect();
    // Each unit with its ancestors at the matrices' levels: what a crossing into it enters.
    let chains: Vec<Vec<usize>> = (0..region.jurisdictions.len())
        .map(|u| {
            levels
                .iter()
                .filter_map(|l| region.unit_at(u, *l))
                .collect()
        })
        .collect();
    let mut runs = Vec::new();
    let mut types = SourceTypes::default();
    for (v, plan) in versions.iter().enumerate() {
        for &pollutant in &pollutants {
            let sources = sources_of(&attached, rules, v, pollutant, &mut types);
            let rates = Rates {
                decay_per_km: params.decay.get(pollutant).copied().unwrap_or(0.0),
                lake_retention: params.lake_retention.get(pollutant).copied().unwrap_or(0.0),
            };
            let routed = route(&network, &sources.injections, &rates, &chains);
            runs.push(RoutedRun {
                plan: plan.clone(),
                pollutant: pollutant.clone(),
                routed,
                unrouted_kg: sources.unrouted_kg,
            });
        }
    }
    let mut tables = vec![
        sections_table(inputs, &network, &runs, params.station_m),
        flows_table(region, &runs),
    ];
    let mut load_matrices = BTreeMap::new();
    for level in levels {
        let crossings: Vec<LevelCrossings> = runs
            .iter()
            .map(|r| crossings_at(region, level, &r.routed))
            .collect();
        let flows = load_matrix(region, &runs, &crossings);
        tables.push(matrix_table(level, &flows));
        tables.push(sources_table(
            region,
            level,
            &runs,
            &crossings,
            &types.names,
        ));
        load_matrices.insert(level, flows);
    }
    tables.push(balance_table(region, &runs));
    let (siting_table, siting_summary) = siting::siting(
        region,
        &network,
        &attached.facilities,
        &attached.facility_at,
        &rules.point_loads,
        params.siting_level,
        params.permutations,
        params.seed,
        params.alternative,
    )?;
    tables.push(siting_table);
    let summary = summary(
        inputs,
        params,
        &network,
        &runs,
        &load_matrices,
        siting_summary,
    );
    Ok(RiversResult {
        tables,
        summary,
        load_matrices,
    })
}

/// The rivers section of summary.json: network QA, mass balance per routing, matrix sizes,
/// which coefficient tables are templates, and the siting tests.
fn summary(
    inputs: &Inputs,
    params: &RiversParams,
    network: &Network,
    runs: &[RoutedRun],
    load_matrices: &BTreeMap<Level, Vec<LoadFlow>>,
    siting: SitingSummary,
) -> RiversSummary {
    let region = &inputs.region;
    let mass_balance = runs
        .iter()
        .map(|run| {
            let r = run.routed.total();
            // The worst relative gap of any origin's balance (0 when every origin closes).
            let worst_gap = run
                .routed
                .balance
                .values()
                .map(|b| {
                    (b.injected - b.delivered - b.decayed - b.retained).abs()
                        / b.injected.max(f64::MIN_POSITIVE)
                })
                .fold(0.0, f64::max);
            MassBalance {
                plan: run.plan.clone(),
                pollutant: run.pollutant.clone(),
                injected_kg_per_yr: round_to(r.injected, 9),
                delivered_kg_per_yr: round_to(r.delivered, 9),
                decayed_kg_per_yr: round_to(r.decayed, 9),
                retained_kg_per_yr: round_to(r.retained, 9),
                unrouted_kg_per_yr: round_to(run.unrouted_kg, 9),
                overland_crossing_kg_per_yr: round_to(run.routed.overland.values().sum(), 9),
                origins: run.routed.balance.len(),
                largest_origin_imbalance: worst_gap,
            }
        })
        .collect();
    let border_river_km: f64 = network
        .reaches
        .iter()
        .flat_map(|r| &r.segments)
        .filter(|s| s.bank.is_some())
        .map(|s| s.length_km)
        .sum();
    let matrix_rows = load_matrices
        .iter()
        .map(|(level, flows)| (level.name().to_string(), flows.len()))
        .collect();
    let synthetic_inputs = ["plans", "facilities"]
        .iter()
        .filter_map(|k| region.synthetic_layers.get(*k).cloned())
        .collect();
    let template = |kind: &str, note: &str| {
        if inputs.model.rules.is_default(kind) {
            note.to_string()
        } else {
            "project table".to_string()
        }
    };
    let parameter = |name: &str, value: &BTreeMap<String, f64>, note: &str| {
        if *value == default_rates(name) {
            note.to_string()
        } else {
            "project parameter".to_string()
        }
    };
    RiversSummary {
        reaches: network.reaches.len(),
        cycles: network.cycles.clone(),
        disconnected_pieces: network.disconnected.len(),
        disconnected_sample: network.disconnected.iter().take(5).cloned().collect(),
        uphill: network.uphill.clone(),
        sections: runs.first().map_or(0, |r| r.routed.sections.len()),
        border_river_km: round_to(border_river_km, 3),
        matrix_rows,
        mass_balance,
        coefficients: Coefficients {
            export: template("export_coefficients", "TEMPLATE (InVEST NDR sample table, not YRD values)"),
            point_loads: template("point_loads", "TEMPLATE (borderscape placeholders, not permit data)"),
            decay: parameter("decay", &params.decay,
                "TEMPLATE (borderscape placeholders of the order of published first-order N and P loss rates, not calibrated for the YRD: set `decay` or reaches' decay_per_km)"),
            lake_retention: parameter("lake_retention", &params.lake_retention,
                "TEMPLATE (borderscape placeholders, not measured: set `lake_retention` or the lakes' residence_time_yr)"),
        },
        siting,
        synthetic_inputs,
    }
}

/// The codes of a unit and its ancestors, `county>city>province`.
fn chain_codes(region: &Region, unit: usize) -> String {
    let mut codes = vec![region.jurisdictions[unit].code.clone()];
    let mut j = &region.jurisdictions[unit];
    while let Some(p) = j.parent.as_deref().and_then(|c| region.by_code(c)) {
        codes.push(p.code.clone());
        j = p;
    }
    codes.join(">")
}

fn sections_table(inputs: &Inputs, network: &Network, runs: &[RoutedRun], station_m: f64) -> Table {
    let region = &inputs.region;
    let stations = inputs.model.stations.as_deref().unwrap_or_default();
    let station_near = |c: geo::Coord| {
        stations
            .iter()
            .map(|s| (&s.id, (s.at.x - c.x).hypot(s.at.y - c.y)))
            .filter(|(_, d)| *d <= station_m)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(id, _)| id.clone())
    };
    let mut t = Table::new("river_sections", river_sections_columns(), true);
    for RoutedRun {
        plan: version,
        pollutant,
        routed,
        ..
    } in runs
    {
        for (&(k, i, from, to), kg) in &routed.sections {
            let reach = &network.reaches[k];
            let at = reach.segments[i].start;
            t.push(
                vec![
                    reach.label.clone().into(),
                    region.jurisdictions[from].code.clone().into(),
                    region.jurisdictions[to].code.clone().into(),
                    chain_codes(region, from).into(),
                    chain_codes(region, to).into(),
                    station_near(at).into(),
                    version.clone().into(),
                    pollutant.clone().into(),
                    Value::Real(round_to(*kg, 9)),
                ],
                Some(Point(at).into()),
            );
        }
    }
    t
}

/// The crossings of a routing seen at one level, (from, to, origin, source) at that level →
/// kg/yr: all load crossing (a parcel counted at every crossing), and the part of it entering
/// `to` for the first time (a parcel counted once into each unit, never into its origin).
struct LevelCrossings {
    gross: BTreeMap<Crossing, f64>,
    first: BTreeMap<Crossing, f64>,
}

/// The crossings of a routing seen at `level`, crossings inside one unit of the level left out.
fn crossings_at(region: &Region, level: Level, routed: &Routed) -> LevelCrossings {
    let up = |u: usize| region.unit_at(u, level);
    let at_level = |c: &Crossing| match (up(c.from), up(c.to), up(c.origin)) {
        (Some(from), Some(to), Some(origin)) if from != to => Some(Crossing {
            from,
            to,
            origin,
            source: c.source,
        }),
        _ => None,
    };
    let mut out = LevelCrossings {
        gross: BTreeMap::new(),
        first: BTreeMap::new(),
    };
    for (c, kg) in &routed.crossings {
        if let Some(key) = at_level(c) {
            *out.gross.entry(key).or_default() += kg;
        }
    }
    for ((c, unit), kg) in &routed.first_entries {
        match at_level(c) {
            Some(key) if key.to == *unit => *out.first.entry(key).or_default() += kg,
            _ => {}
        }
    }
    out
}

/// The columns that key a transboundary flow: `from`, `to`, `plan`, `pollutant`.
fn flow_key_columns() -> Vec<Column> {
    vec![
        Column::text("from", "code of the unit the load leaves"),
        Column::text("to", "code of the unit it enters"),
        Column::text("plan", "plan version"),
        Column::text("pollutant", "pollutant"),
    ]
}

/// The transboundary load matrix of one level, in output order, from each run's crossings at
/// that level.
fn load_matrix(region: &Region, runs: &[RoutedRun], crossings: &[LevelCrossings]) -> Vec<LoadFlow> {
    let mut flows = Vec::new();
    for (run, crossings) in runs.iter().zip(crossings) {
        let flux = flux_by_pair(&crossings.gross);
        let own = flux_by_pair(crossings.first.iter().filter(|(c, _)| c.origin == c.from));
        for (&(a, b), total) in &flux {
            let back = flux.get(&(b, a)).copied().unwrap_or(0.0);
            flows.push(LoadFlow {
                from: region.jurisdictions[a].code.clone(),
                to: region.jurisdictions[b].code.clone(),
                plan: run.plan.clone(),
                pollutant: run.pollutant.clone(),
                load_kg_per_yr: round_to(own.get(&(a, b)).copied().unwrap_or(0.0), 9),
                flux_kg_per_yr: round_to(*total, 9),
                net_kg_per_yr: round_to(total - back, 9),
            });
        }
    }
    flows
}

/// The columns of `load_matrix_<level>`.
fn load_matrix_columns() -> Vec<Column> {
    flow_key_columns()
        .into_iter()
        .chain([
            Column::new(
                "load_kg_per_yr",
                ColumnType::Real,
                Some("kg/yr"),
                "load of sources in `from` entering `to`, each parcel counted once however often it crosses back and forth",
            ),
            Column::new(
                "flux_kg_per_yr",
                ColumnType::Real,
                Some("kg/yr"),
                "all load crossing from `from` into `to`, transit and re-crossings included",
            ),
            Column::new(
                "net_kg_per_yr",
                ColumnType::Real,
                Some("kg/yr"),
                "flux from `from` into `to` minus flux from `to` into `from` (negative: more comes back)",
            ),
        ])
        .collect()
}

fn matrix_table(level: Level, flows: &[LoadFlow]) -> Table {
    let mut t = Table::new(
        &format!("load_matrix_{}", level.name()),
        load_matrix_columns(),
        false,
    );
    for f in flows {
        t.push(
            vec![
                f.from.clone().into(),
                f.to.clone().into(),
                f.plan.clone().into(),
                f.pollutant.clone().into(),
                Value::Real(f.load_kg_per_yr),
                Value::Real(f.flux_kg_per_yr),
                Value::Real(f.net_kg_per_yr),
            ],
            None,
        );
    }
    t
}

fn flows_table(region: &Region, runs: &[RoutedRun]) -> Table {
    let mut t = Table::new("load_flows", load_flows_columns(), true);
    let centre = |u: usize| region.jurisdictions[u].geometry.centroid().map(|c| c.0);
    for RoutedRun {
        plan: version,
        pollutant,
        routed,
        ..
    } in runs
    {
        for (&(a, b), kg) in &flux_by_pair(&routed.crossings) {
            let (Some(p), Some(q)) = (centre(a), centre(b)) else {
                continue;
            };
            t.push(
                vec![
                    region.jurisdictions[a].code.clone().into(),
                    region.jurisdictions[b].code.clone().into(),
                    version.clone().into(),
                    pollutant.clone().into(),
                    Value::Real(round_to(*kg, 9)),
                ],
                Some(LineString::new(vec![p, q]).into()),
            );
        }
    }
    t
}

/// The columns of `load_sources_<level>`.
fn load_sources_columns() -> Vec<Column> {
    flow_key_columns()
        .into_iter()
        .chain([
            Column::text(
                "origin",
                "code of the unit (at this level) the load comes from",
            ),
            Column::text(
                "source_type",
                "land use CLASS (the export-coefficient class) or facility TYPE",
            ),
            Column::new(
                "load_kg_per_yr",
                ColumnType::Real,
                Some("kg/yr"),
                "load of this origin and source type entering `to` from `from` for the first time (never into its origin)",
            ),
            Column::new(
                "share",
                ColumnType::Real,
                None,
                "its share of the pair's load so counted (the rows of a pair add up to 1)",
            ),
        ])
        .collect()
}

/// Per crossing pair of one level: the load entering `to` for the first time by origin unit and
/// source type, with shares (the per-border form of SPARROW's "delivered load by upstream
/// state"); re-crossings and loads coming back into their origin are left out, as they deliver
/// nothing new.
fn sources_table(
    region: &Region,
    level: Level,
    runs: &[RoutedRun],
    crossings: &[LevelCrossings],
    types: &[String],
) -> Table {
    let mut t = Table::new(
        &format!("load_sources_{}", level.name()),
        load_sources_columns(),
        false,
    );
    let code = |u: usize| Value::from(region.jurisdictions[u].code.clone());
    for (run, crossings) in runs.iter().zip(crossings) {
        let first = flux_by_pair(&crossings.first);
        // Crossings are keyed (from, to, origin, source): already in output order.
        for (c, &kg) in &crossings.first {
            let total = first[&(c.from, c.to)];
            t.push(
                vec![
                    code(c.from),
                    code(c.to),
                    run.plan.clone().into(),
                    run.pollutant.clone().into(),
                    code(c.origin),
                    types.get(c.source).cloned().unwrap_or_default().into(),
                    Value::Real(round_to(kg, 9)),
                    Value::Real(round_to(kg / total.max(f64::MIN_POSITIVE), 9)),
                ],
                None,
            );
        }
    }
    t
}

/// The columns of `load_balance`.
fn load_balance_columns() -> Vec<Column> {
    let kg = |name: &str, what: &str| Column::new(name, ColumnType::Real, Some("kg/yr"), what);
    vec![
        Column::text(
            "origin",
            "code of the unit (analysis level) the load comes from",
        ),
        Column::text("plan", "plan version"),
        Column::text("pollutant", "pollutant"),
        kg(
            "injected_kg_per_yr",
            "load of its sources that reached a river",
        ),
        kg(
            "delivered_kg_per_yr",
            "left the network at an outlet (the sea, a sink)",
        ),
        kg(
            "decayed_kg_per_yr",
            "lost to first-order decay along rivers",
        ),
        kg("retained_kg_per_yr", "retained in lakes"),
    ]
}

/// Mass balance per origin unit, plan and pollutant: injected = delivered + decayed + retained.
fn balance_table(region: &Region, runs: &[RoutedRun]) -> Table {
    let mut t = Table::new("load_balance", load_balance_columns(), false);
    for run in runs {
        for (&origin, b) in &run.routed.balance {
            t.push(
                vec![
                    region.jurisdictions[origin].code.clone().into(),
                    run.plan.clone().into(),
                    run.pollutant.clone().into(),
                    Value::Real(round_to(b.injected, 9)),
                    Value::Real(round_to(b.delivered, 9)),
                    Value::Real(round_to(b.decayed, 9)),
                    Value::Real(round_to(b.retained, 9)),
                ],
                None,
            );
        }
    }
    t
}
