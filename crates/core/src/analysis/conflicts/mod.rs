//! Cross-border conflicts (methods.md §1–2): incompatible plans facing each other, ecological
//! assets protected on one side only, NIMBY spillover, dead-end roads and channels, construction
//! inside control lines — per plan version, with what changed between versions.
//!
//! - [`land_use`]: incompatibility, ecological discontinuity, plan constraints.
//! - [`nimby`]: facility nuisance radii reaching neighbours.
//! - [`dead_ends`]: dangles of road and drainage networks at borders.
//! - [`consistency`]: the share of each border where the plans facing each other are compatible.

pub mod consistency;
pub mod dead_ends;
pub mod land_use;
pub mod nimby;
pub mod partition;
pub mod summary;
/// The columns of `conflicts` (its output spec reads them too).
fn conflicts_columns() -> Vec<Column> {
    vec![
        Column::text("type", "conflict type"),
        Column::new("severity", ColumnType::Int, None, "1 low, 2 medium, 3 high"),
        Column::text("severity_rule", "the rule that gave the severity"),
        Column::text("causing", "code of the jurisdiction causing it"),
        Column::text("causing_name", "its name"),
        Column::text("affected", "code of the jurisdiction bearing it"),
        Column::text("affected_name", "its name"),
        Column::text("border", "the border, `a|b` with a < b"),
        Column::text(
            "border_level",
            "cross_province, cross_city, within_city, shared_water_body (units facing each other across a lake, without a border of their own), inside_unit (no border: a breach inside one unit) or region_edge (the neighbour lies outside the region)",
        ),
        Column::new(
            "distance_m",
            ColumnType::Real,
            Some("m"),
            "distance between the conflicting features",
        ),
        Column::new("area_ha", ColumnType::Real, Some("ha"), "area concerned"),
        Column::text("evidence", "what was found, in words"),
        Column::text("plan", "plan version"),
        Column::text("causing_feature", "id of the causing feature"),
        Column::text("affected_feature", "id(s) of the affected feature(s)"),
        Column::text(
            "identity",
            "what identifies the conflict across runs and plan versions: type|causing|affected|the analysis's own key (feature ids; a dangle's position in m)",
        ),
    ]
}

/// The columns of `conflicts_by_border` (its output spec reads them too).
fn conflicts_by_border_columns() -> Vec<Column> {
    border_pair_columns()
        .into_iter()
        .chain([
            Column::text(
                "border_level",
                "cross_province, cross_city, within_city or shared_water_body",
            ),
            Column::text("type", "conflict type"),
            Column::text("plan", "plan version (empty: not plan-dependent)"),
            Column::new("conflicts", ColumnType::Int, None, "number of conflicts"),
            Column::new("area_ha", ColumnType::Real, Some("ha"), "area concerned"),
        ])
        .collect()
}

/// The columns of `conflict_changes` (its output spec reads them too).
fn conflict_changes_columns() -> Vec<Column> {
    let count = |n: &str, d: &str| Column::new(n, ColumnType::Int, None, d);
    vec![
        Column::text("a", "code of one side"),
        Column::text("b", "code of the other side"),
        Column::text("type", "conflict type"),
        Column::text("from_plan", "earlier plan version"),
        Column::text("to_plan", "later plan version"),
        count("resolved", "in the earlier version only"),
        count("persisting", "in both"),
        count("introduced", "in the later version only"),
    ]
}

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use geo::{
    BoundingRect, Closest, ClosestPoint, CoordsIter, Euclidean, Geometry, Length, Line,
    MultiPolygon, Point,
};

use super::contract::{AnalysisModule, AnalysisOutput, Upstream};
use crate::error::AnalysisError;
use crate::geometry::SegmentIndex;
use crate::inputs::Inputs;
use crate::model::plans::PlanZones;
use crate::model::rules::RuleTables;
use crate::region::{Level, Region, UnitLocator};
use crate::shared_borders::{borders_at_level, BorderKind, BorderLevel, LevelBorders};
use crate::spec::{AnalysisSpec, OutputSpec, ParamDefault, ParamSpec, Params};
use crate::table::{border_pair_columns, round_to, Column, ColumnType, Table, Value};
use summary::{ChangeSummary, ConflictNotes, ConflictsSummary, RuleTableSources};

pub const SPEC: AnalysisSpec = AnalysisSpec {
    name: "conflicts",
    title: "Cross-border conflicts: incompatible plans, ecological discontinuity, NIMBY, dead ends, plan constraints",
    description: "Finds where the plans, facilities and networks of neighbouring jurisdictions collide, per plan version, and what changed between versions.",
    requires: &["jurisdictions"],
    requires_any: &["plans", "facilities", "roads", "rivers", "channels"],
    reads: &["lakes", "ecology", "compatibility", "nuisance_radii"],
    depends_on: &[],
    params: &[
        ParamSpec { name: "level", unit: None, default: ParamDefault::Text("county"), min: None, max: None, description: "Level of the jurisdictions whose borders are tested." },
        ParamSpec { name: "radius_m", unit: Some("m"), default: ParamDefault::Number(1000.0), min: Some(0.0), max: Some(50_000.0), description: "Analysis radius: matrix rule 2 pairs closer than this conflict." },
        ParamSpec { name: "shore_m", unit: Some("m"), default: ParamDefault::Number(1000.0), min: Some(0.0), max: Some(50_000.0), description: "Land within this distance of an ecological asset (a lake, an ecology polygon, or a plan zone under the ecological red line or of an ecological class) is its surroundings." },
        ParamSpec { name: "protected_share", unit: None, default: ParamDefault::Number(0.5), min: Some(0.0), max: Some(1.0), description: "Share of an asset's surroundings protected on one side for a discontinuity." },
        ParamSpec { name: "developed_share", unit: None, default: ParamDefault::Number(0.25), min: Some(0.0), max: Some(1.0), description: "Share planned for construction on the other side for a discontinuity." },
        ParamSpec { name: "water_gap_m", unit: Some("m"), default: ParamDefault::Number(50_000.0), min: Some(0.0), max: Some(200_000.0), description: "Units that share no border are paired around a lake only when the shortest line between them is shorter than this and runs mostly over the lake (they face each other across it: a shared water body)." },
        ParamSpec { name: "pair_distance_m", unit: Some("m"), default: ParamDefault::Number(1000.0), min: Some(0.0), max: Some(50_000.0), description: "Dead ends on opposite sides closer than this form a pair." },
        ParamSpec { name: "alignment_deg", unit: Some("°"), default: ParamDefault::Number(30.0), min: Some(0.0), max: Some(180.0), description: "Largest difference between the headings of a dead-end pair (from opposite)." },
        ParamSpec { name: "terminating_m", unit: Some("m"), default: ParamDefault::Number(200.0), min: Some(0.0), max: Some(50_000.0), description: "A road or channel ending closer than this to a border terminates at it." },
        ParamSpec { name: "snap_m", unit: Some("m"), default: ParamDefault::Number(1.0), min: Some(0.0), max: Some(1_000.0), description: "Line ends closer than this to another line are joined to it." },
        ParamSpec { name: "zone_width_m", unit: Some("m"), default: ParamDefault::Number(1000.0), min: Some(0.0), max: Some(50_000.0), description: "A plan-constraint breach this close to a border is reported for that border." },
    ],
    outputs: &[
        OutputSpec { name: "conflicts", spatial: true, description: "Every conflict: type, severity and its rule, causing and affected jurisdiction, distance, area, evidence, plan version.", columns: conflicts_columns },
        OutputSpec { name: "conflicts_by_border", spatial: false, description: "Conflicts per border, type and plan version.", columns: conflicts_by_border_columns },
        OutputSpec { name: "plan_consistency", spatial: false, description: "Per border and plan version, the share of its length where the zones facing each other within zone_width_m are compatible.", columns: consistency::plan_consistency_columns },
        OutputSpec { name: "conflict_changes", spatial: false, description: "Per border and type, conflicts resolved, persisting and introduced between the first and last plan versions.", columns: conflict_changes_columns },
    ],
    references: &[
        "MNR (2023) Guidelines for land and sea use classification in territorial spatial survey, planning and use control (国土空间调查、规划、用途管制用地用海分类指南).",
        "MEP, NDRC & NEA (2008) 关于进一步加强生物质发电项目环境影响评价管理工作的通知 (环发〔2008〕82号): environmental protection distance of new waste incineration power plants at least 300 m (the usual EIA distance); GB 18485-2014 Standard for pollution control on the municipal solid waste incineration (leaves the distance to the environmental impact assessment).",
        "GB 18068-2000 Health protection zone for cement plants; GB 16889-2008 Standard for pollution control on the landfill site of municipal solid waste.",
        "Carr, M.H. & Zwick, P.D. (2007) Smart Land-Use Analysis: The LUCIS Model. ESRI Press.",
    ],
};

/// The conflict types, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConflictType {
    IncompatibleLandUse,
    EcologicalDiscontinuity,
    NimbySpillover,
    DeadEndRoad,
    BorderTerminatingRoad,
    DeadEndChannel,
    BorderTerminatingChannel,
    PlanConstraint,
}

impl ConflictType {
    /// Every type, in report order.
    pub const ALL: [ConflictType; 8] = [
        ConflictType::IncompatibleLandUse,
        ConflictType::EcologicalDiscontinuity,
        ConflictType::NimbySpillover,
        ConflictType::DeadEndRoad,
        ConflictType::BorderTerminatingRoad,
        ConflictType::DeadEndChannel,
        ConflictType::BorderTerminatingChannel,
        ConflictType::PlanConstraint,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ConflictType::IncompatibleLandUse => "incompatible_land_use",
            ConflictType::EcologicalDiscontinuity => "ecological_discontinuity",
            ConflictType::NimbySpillover => "nimby_spillover",
            ConflictType::DeadEndRoad => "dead_end_road",
            ConflictType::BorderTerminatingRoad => "border_terminating_road",
            ConflictType::DeadEndChannel => "dead_end_channel",
            ConflictType::BorderTerminatingChannel => "border_terminating_channel",
            ConflictType::PlanConstraint => "plan_constraint",
        }
    }
}

/// One conflict.
#[derive(Debug, Clone)]
pub struct Conflict {
    pub kind: ConflictType,
    /// 1 (low) to 3 (high), by `severity_rule`.
    pub severity: u8,
    pub severity_rule: String,
    /// Region index of the jurisdiction whose plan or facility causes it.
    pub causing: usize,
    /// Region index of the jurisdiction that bears it (none for a breach inside one unit).
    pub affected: Option<usize>,
    pub distance_m: Option<f64>,
    pub area_ha: Option<f64>,
    pub evidence: String,
    /// Plan version (`None` for conflicts that do not depend on the plans).
    pub plan: Option<String>,
    pub causing_feature: String,
    pub affected_feature: String,
    /// What identifies the same conflict in another plan version, together with the type and the
    /// causing and affected units (the `identity` column): alone it may be shared by several
    /// conflicts (a lake's name by every pair of units around the lake).
    pub identity: String,
    /// Paired across a water body both units border, without a border of their own.
    pub across_water: bool,
    pub geometry: Geometry,
}

impl Conflict {
    /// The border the conflict crosses, by level.
    pub fn border_level(&self, region: &Region) -> BorderLevel {
        match self.affected {
            None if self.kind == ConflictType::PlanConstraint => BorderLevel::InsideUnit,
            None => BorderLevel::RegionEdge,
            Some(_) if self.across_water => BorderLevel::SharedWaterBody,
            Some(other) => BorderLevel::of_pair(region, self.causing, other),
        }
    }
}

/// Which units of the analysis level touch, and how far apart the others lie.
pub struct Neighbours<'r> {
    region: &'r Region,
    pairs: HashSet<(usize, usize)>,
}

impl<'r> Neighbours<'r> {
    pub fn new(region: &'r Region, borders: &LevelBorders) -> Self {
        let pairs = borders.borders.iter().map(|b| ordered(b.a, b.b)).collect();
        Self { region, pairs }
    }

    /// Whether two units share a border (a line or a point).
    pub fn touch(&self, a: usize, b: usize) -> bool {
        self.pairs.contains(&ordered(a, b))
    }

    /// The shortest line between two units when it is at most `gap_m` long; their boxes rule
    /// out most pairs. One end of the shortest line is a vertex of a unit.
    pub fn shortest_line(&self, a: usize, b: usize, gap_m: f64) -> Option<Line> {
        let (ga, gb) = (
            &self.region.jurisdictions[a].geometry,
            &self.region.jurisdictions[b].geometry,
        );
        let (ra, rb) = (ga.bounding_rect()?, gb.bounding_rect()?);
        let dx = (ra.min().x - rb.max().x)
            .max(rb.min().x - ra.max().x)
            .max(0.0);
        let dy = (ra.min().y - rb.max().y)
            .max(rb.min().y - ra.max().y)
            .max(0.0);
        if dx.hypot(dy) > gap_m {
            return None;
        }
        let nearest = |from: &MultiPolygon, to: &MultiPolygon, flip: bool| {
            from.coords_iter()
                .filter_map(|c| match to.closest_point(&Point::from(c)) {
                    Closest::SinglePoint(p) | Closest::Intersection(p) => Some(if flip {
                        Line::new(p.0, c)
                    } else {
                        Line::new(c, p.0)
                    }),
                    Closest::Indeterminate => None,
                })
                .min_by(|x, y| Euclidean.length(x).total_cmp(&Euclidean.length(y)))
        };
        [nearest(ga, gb, false), nearest(gb, ga, true)]
            .into_iter()
            .flatten()
            .min_by(|x, y| Euclidean.length(x).total_cmp(&Euclidean.length(y)))
            .filter(|line| Euclidean.length(line) <= gap_m)
    }
}

fn ordered(a: usize, b: usize) -> (usize, usize) {
    (a.min(b), a.max(b))
}

/// Typed parameters.
#[derive(Debug, Clone)]
pub struct Settings {
    pub level: Level,
    pub radius_m: f64,
    pub shore_m: f64,
    pub protected_share: f64,
    pub developed_share: f64,
    pub water_gap_m: f64,
    pub pair_distance_m: f64,
    pub alignment_deg: f64,
    pub terminating_m: f64,
    pub snap_m: f64,
    pub zone_width_m: f64,
    /// The plan versions of the whole plans layer, for a run on a partition of it (which may
    /// lack zones of some version); `None`: the versions the layer holds.
    pub versions: Option<Vec<String>>,
}

impl Settings {
    pub fn from_params(params: &Params) -> Result<Self, AnalysisError> {
        let level = params.level()?;
        Ok(Self {
            level,
            radius_m: params.number("radius_m")?,
            shore_m: params.number("shore_m")?,
            protected_share: params.number("protected_share")?,
            developed_share: params.number("developed_share")?,
            water_gap_m: params.number("water_gap_m")?,
            pair_distance_m: params.number("pair_distance_m")?,
            alignment_deg: params.number("alignment_deg")?,
            terminating_m: params.number("terminating_m")?,
            snap_m: params.number("snap_m")?,
            zone_width_m: params.number("zone_width_m")?,
            versions: None,
        })
    }
}

/// Which rule tables the conflicts used (`project` or `default`), for the summary.
fn rule_sources(rules: &RuleTables) -> RuleTableSources {
    let source = |kind: &str| {
        if rules.is_default(kind) {
            "default"
        } else {
            "project"
        }
        .to_string()
    };
    RuleTableSources {
        compatibility: source("compatibility"),
        compatibility_rules: rules.compatibility.rules.len(),
        nuisance_radii: source("nuisance_radii"),
    }
}

/// Every conflict of the region, and how many input features lay outside every unit.
/// What the analysis finds: the conflicts, plan consistency per border (when there are plans)
/// and notes on the inputs for the summary.
#[derive(Debug)]
pub struct Findings {
    pub conflicts: Vec<Conflict>,
    pub consistency: Option<Vec<consistency::BorderConsistency>>,
    pub notes: ConflictNotes,
}

pub fn find_conflicts(inputs: &Inputs, settings: &Settings) -> Result<Findings, AnalysisError> {
    let mut findings = collect(inputs, settings)?;
    finish(&inputs.region, &mut findings.conflicts);
    Ok(findings)
}

/// Every conflict as found, in no order and with duplicates (a partition's share, before
/// [`finish`] orders the conflicts of all partitions together).
pub fn collect(inputs: &Inputs, settings: &Settings) -> Result<Findings, AnalysisError> {
    let (region, rules) = (&inputs.region, &inputs.model.rules);
    let (matrix, radii, tables) = (
        &rules.compatibility,
        &rules.nuisance_radii,
        rule_sources(rules),
    );
    let locator = UnitLocator::new(region, settings.level);
    let level = borders_at_level(region, settings.level, 1.0)?;
    let border_lines: Vec<(&geo::LineString, (usize, usize))> = level
        .borders
        .iter()
        .filter(|b| b.kind == BorderKind::Edge)
        .flat_map(|b| b.geometry.0.iter().map(move |l| (l, (b.a, b.b))))
        .collect();
    let borders = SegmentIndex::new(border_lines);
    let mut conflicts = Vec::new();
    let mut notes = ConflictNotes::default();
    let mut consistency = None;
    if let Some(plans_table) = region.layers.get("plans") {
        let plans = PlanZones::new(
            region,
            plans_table,
            settings.level,
            &locator,
            settings.versions.as_deref(),
        )?;
        notes.plan_versions = Some(plans.versions.clone());
        notes.plan_zones = Some(plans.zones.len());
        notes.plan_zones_outside = Some(plans.outside);
        conflicts.extend(land_use::incompatible(region, &plans, matrix, settings));
        let assets = land_use::assets(region);
        let neighbours = Neighbours::new(region, &level);
        conflicts.extend(land_use::discontinuity(
            region,
            &plans,
            &assets,
            &neighbours,
            settings,
        ));
        conflicts.extend(land_use::protected_zone_discontinuity(
            region, &plans, settings,
        ));
        conflicts.extend(land_use::plan_constraints(
            region, &plans, &borders, settings,
        ));
        let (facilities, outside) = nimby::facilities(&inputs.model.facilities, radii, &locator);
        notes.facilities_outside = Some(outside);
        conflicts.extend(nimby::spillover(region, &plans, &facilities)?);
        let edges: Vec<&crate::shared_borders::Border> = level
            .borders
            .iter()
            .filter(|b| b.kind == BorderKind::Edge)
            .collect();
        consistency = Some(consistency::plan_consistency(
            &plans, matrix, &edges, settings,
        ));
    }
    for (kinds, network) in [
        (&["roads"][..], dead_ends::Network::Roads),
        (&["rivers", "channels"][..], dead_ends::Network::Drainage),
    ] {
        let tables: Vec<&Table> = kinds.iter().filter_map(|k| region.layers.get(*k)).collect();
        if tables.is_empty() {
            continue;
        }
        let dangles = dead_ends::dangles(&tables, settings.snap_m);
        let note = match network {
            dead_ends::Network::Roads => &mut notes.road_dangles,
            dead_ends::Network::Drainage => &mut notes.channel_dangles,
        };
        *note = Some(dangles.len());
        conflicts.extend(dead_ends::dead_ends(
            region, network, &dangles, &locator, &borders, settings,
        ));
    }
    notes.rule_tables = Some(tables);
    Ok(Findings {
        conflicts,
        consistency,
        notes,
    })
}

/// Puts conflicts in their stable order (by type, plan, causing and affected code, identity)
/// and drops true duplicates: conflicts equal in all five, found twice (a lake that is also an
/// ecology polygon of the same name). The identity alone does not tell conflicts apart: a lake's
/// name is that of its discontinuity for every pair of units around it, a facility's id that of
/// its spillover into every neighbour (issue 44).
pub fn finish(region: &Region, conflicts: &mut Vec<Conflict>) {
    let code = |u: usize| region.jurisdictions[u].code.as_str();
    let order = |x: &Conflict, y: &Conflict| {
        (
            x.kind,
            &x.plan,
            code(x.causing),
            x.affected.map(code),
            &x.identity,
        )
            .cmp(&(
                y.kind,
                &y.plan,
                code(y.causing),
                y.affected.map(code),
                &y.identity,
            ))
    };
    conflicts.sort_by(|x, y| order(x, y));
    // Sorted by the whole key, duplicates are neighbours.
    conflicts.dedup_by(|x, y| order(x, y).is_eq());
}

/// The border of a conflict as an ordered code pair.
fn border_of(region: &Region, c: &Conflict) -> Option<(String, String)> {
    let a = region.jurisdictions[c.causing].code.clone();
    let b = region.jurisdictions[c.affected?].code.clone();
    Some(if a < b { (a, b) } else { (b, a) })
}

/// The `conflicts` table.
pub fn conflicts_table(region: &Region, conflicts: &[Conflict]) -> Table {
    let mut t = Table::new("conflicts", conflicts_columns(), true);
    for c in conflicts {
        let j = |u: usize| &region.jurisdictions[u];
        t.push(
            vec![
                c.kind.name().into(),
                Value::Int(i64::from(c.severity)),
                c.severity_rule.clone().into(),
                j(c.causing).code.clone().into(),
                j(c.causing).name.clone().into(),
                c.affected.map(|u| j(u).code.clone()).into(),
                c.affected.map(|u| j(u).name.clone()).into(),
                border_of(region, c).map(|(a, b)| format!("{a}|{b}")).into(),
                c.border_level(region).name().into(),
                c.distance_m.map(|d| round_to(d, 1)).into(),
                c.area_ha.map(|a| round_to(a, 4)).into(),
                c.evidence.clone().into(),
                c.plan.clone().into(),
                c.causing_feature.clone().into(),
                c.affected_feature.clone().into(),
                format!(
                    "{}|{}|{}|{}",
                    c.kind.name(),
                    j(c.causing).code,
                    c.affected.map(|u| j(u).code.as_str()).unwrap_or(""),
                    c.identity
                )
                .into(),
            ],
            Some(c.geometry.clone()),
        );
    }
    t
}

/// Counts per (border, type, plan) with the area concerned.
fn by_border_table(region: &Region, conflicts: &[Conflict]) -> Table {
    type Key = (String, String, BorderLevel, &'static str, String);
    let mut counts: BTreeMap<Key, (i64, f64)> = BTreeMap::new();
    for c in conflicts {
        let Some((a, b)) = border_of(region, c) else {
            continue;
        };
        let level = c.border_level(region);
        let e = counts
            .entry((
                a,
                b,
                level,
                c.kind.name(),
                c.plan.clone().unwrap_or_default(),
            ))
            .or_default();
        e.0 += 1;
        // The areas as the conflicts table gives them: the total is the sum of its rows.
        e.1 += c.area_ha.map_or(0.0, |a| round_to(a, 4));
    }
    let mut t = Table::new("conflicts_by_border", conflicts_by_border_columns(), false);
    let name = |code: &str| {
        region
            .by_code(code)
            .map_or(String::new(), |j| j.name.clone())
    };
    for ((a, b, level, kind, plan), (n, area)) in counts {
        let (a_name, b_name) = (name(&a), name(&b));
        t.push(
            vec![
                a.into(),
                b.into(),
                a_name.into(),
                b_name.into(),
                level.name().into(),
                kind.into(),
                plan.into(),
                Value::Int(n),
                Value::Real(round_to(area, 4)),
            ],
            None,
        );
    }
    t
}

/// A conflict as the versions match it: causing unit, affected unit, [`Conflict::identity`].
type Matched<'c> = (usize, Option<usize>, &'c str);

/// A border's conflicts of one type in the earlier and the later version.
type VersionSets<'c> = (BTreeSet<Matched<'c>>, BTreeSet<Matched<'c>>);

/// Per border and type: conflicts of the first version resolved by the last, persisting, and
/// introduced. They are matched with their units, as [`finish`] tells conflicts apart: around a
/// lake, A building against B's protected shore and, later, B against A's are two conflicts.
pub fn changes(region: &Region, conflicts: &[Conflict], from: &str, to: &str) -> Table {
    let mut sets: BTreeMap<(String, String, &str), VersionSets> = BTreeMap::new();
    for c in conflicts {
        let (Some(plan), Some((a, b))) = (c.plan.as_deref(), border_of(region, c)) else {
            continue;
        };
        let e = sets.entry((a, b, c.kind.name())).or_default();
        let matched = (c.causing, c.affected, c.identity.as_str());
        if plan == from {
            e.0.insert(matched);
        } else if plan == to {
            e.1.insert(matched);
        }
    }
    let mut t = Table::new("conflict_changes", conflict_changes_columns(), false);
    for ((a, b, kind), (old, new)) in sets {
        let n = |x: usize| Value::Int(x as i64);
        t.push(
            vec![
                a.into(),
                b.into(),
                kind.into(),
                from.into(),
                to.into(),
                n(old.difference(&new).count()),
                n(old.intersection(&new).count()),
                n(new.difference(&old).count()),
            ],
            None,
        );
    }
    t
}

/// Length-weighted mean consistency per plan version.
fn consistency_summary(rows: &[consistency::BorderConsistency]) -> BTreeMap<String, f64> {
    let mut by_plan: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for row in rows {
        let e = by_plan.entry(row.plan.clone()).or_default();
        e.0 += row.sampled_km * row.consistent_share;
        e.1 += row.sampled_km;
    }
    by_plan
        .into_iter()
        .map(|(plan, (good, total))| (plan, round_to(good / total.max(1e-9), 4)))
        .collect()
}

impl Findings {
    /// Plan-dependent conflicts per border (codes, a < b) and plan version, all types together.
    pub fn plan_conflicts_by_border(
        &self,
        region: &Region,
    ) -> BTreeMap<(String, String), BTreeMap<String, usize>> {
        let mut counts: BTreeMap<(String, String), BTreeMap<String, usize>> = BTreeMap::new();
        for c in &self.conflicts {
            if let (Some(border), Some(plan)) = (border_of(region, c), &c.plan) {
                *counts
                    .entry(border)
                    .or_default()
                    .entry(plan.clone())
                    .or_default() += 1;
            }
        }
        counts
    }
}

/// The conflicts analysis in the registry.
pub struct Conflicts;

impl AnalysisModule for Conflicts {
    type Params = Settings;
    type Result = Findings;
    type Summary = ConflictsSummary;
    const SPEC: &'static AnalysisSpec = &SPEC;

    fn params(values: &Params) -> Result<Settings, AnalysisError> {
        Settings::from_params(values)
    }

    fn run(
        inputs: &Inputs,
        settings: &Settings,
        _upstream: &Upstream,
    ) -> Result<Findings, AnalysisError> {
        find_conflicts(inputs, settings)
    }

    fn output(
        inputs: &Inputs,
        _settings: &Settings,
        findings: &Findings,
    ) -> Result<AnalysisOutput, AnalysisError> {
        output(&inputs.region, findings)
    }
}

/// The tables and summary of the findings.
pub fn output(region: &Region, findings: &Findings) -> Result<AnalysisOutput, AnalysisError> {
    let Findings {
        conflicts,
        consistency,
        notes,
    } = findings;
    let mut by_type: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut by_border_level: BTreeMap<String, usize> = BTreeMap::new();
    for c in conflicts {
        *by_border_level
            .entry(c.border_level(region).name().to_string())
            .or_default() += 1;
        *by_type
            .entry(c.kind.name().to_string())
            .or_default()
            .entry(c.plan.clone().unwrap_or_else(|| "all".into()))
            .or_default() += 1;
    }
    let versions: Vec<&String> = notes
        .plan_versions
        .iter()
        .flatten()
        .filter(|x| !x.is_empty())
        .collect();
    let mut tables = vec![
        conflicts_table(region, conflicts),
        by_border_table(region, conflicts),
    ];
    let consistency_summary = consistency.as_deref().map(consistency_summary);
    tables.extend(
        consistency
            .as_deref()
            .map(|rows| consistency::consistency_table(region, rows)),
    );
    let mut change_summary = None;
    if let (Some(first), Some(last)) = (versions.first(), versions.last()) {
        if first != last {
            let t = changes(region, conflicts, first, last);
            let total = |c: usize| {
                t.rows
                    .iter()
                    .map(|r| r[c].as_f64().unwrap_or(0.0) as i64)
                    .sum::<i64>()
            };
            change_summary = Some(ChangeSummary {
                from: first.to_string(),
                to: last.to_string(),
                resolved: total(5),
                persisting: total(6),
                introduced: total(7),
                borders: t
                    .rows
                    .iter()
                    .map(|r| (r[0].to_text(), r[1].to_text()))
                    .collect::<BTreeSet<_>>()
                    .len(),
            });
            tables.push(t);
        }
    }
    let borders: BTreeSet<(String, String)> = conflicts
        .iter()
        .filter_map(|c| border_of(region, c))
        .collect();
    let synthetic_inputs = ["plans", "facilities", "roads", "rivers", "channels"]
        .iter()
        .filter_map(|k| region.synthetic_layers.get(*k).cloned())
        .collect();
    let summary = ConflictsSummary {
        conflicts: conflicts.len(),
        by_type,
        by_border_level,
        borders_with_conflicts: borders.len(),
        changes: change_summary,
        plan_consistency: consistency_summary,
        inputs: notes.clone(),
        synthetic_inputs,
    };
    AnalysisOutput::new::<Conflicts>(tables, &summary)
}
