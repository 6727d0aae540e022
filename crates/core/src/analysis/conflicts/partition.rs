//! The conflicts analysis in partitions by border, for a plans layer too large to work at once:
//! a cluster schedules the partitions (the Python package's `borderscape.dask`), or one machine
//! runs them one after another.
//!
//! Every conflict and every plan-consistency row concerns at most two units of the analysis level
//! (the causing and the affected one; the two sides of a border) and is computed from the zones of
//! those two units alone, beside layers every partition holds whole (jurisdictions, facilities,
//! lakes, ecology, roads, channels, rule tables). Units are grouped by their ancestor at a coarser
//! level (counties by city). A partition is one group, or a pair of groups whose features come
//! within the analysis reach of each other ([`reach_m`]) or within the shore distance of one
//! lake or ecology polygon; it holds the zones of its groups and
//! keeps what concerns a unit of each (or two units of its one group). So every result is found
//! in exactly one partition from the same zones as in a whole run, and [`merge`] puts them
//! together in the whole run's order: the tables are equal.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use geo::{BoundingRect, Rect};
use serde::{Deserialize, Serialize};

use super::consistency::BorderConsistency;
use super::{finish, land_use, nimby, Conflict, ConflictType, Findings, Settings};
use crate::error::AnalysisError;
use crate::geometry::union_rect;
use crate::model::plans::PlanZones;
use crate::model::rules::Compatibility;
use crate::region::{Level, Region, UnitLocator};
use crate::shared_borders::{borders_at_level, BorderKind};
use crate::table::{Table, Value};

/// The units of one ancestor and the rows of the plans layer that belong to them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    /// The ancestor's code (the unit's own when it has no ancestor at the group level).
    pub code: String,
    /// Codes of its units at the analysis level.
    pub units: Vec<String>,
    /// Rows (0-based features) of the plans layer whose zone lies in one of its units.
    pub rows: Vec<usize>,
}

/// One partition: its groups (the same twice for one group alone) and the borders whose plan
/// consistency it computes (indices into [`PartitionPlan::borders`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Partition {
    pub groups: [usize; 2],
    pub borders: Vec<usize>,
    /// Zones it holds.
    pub zones: usize,
}

/// Which zones and which borders each partition works on: written out as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartitionPlan {
    pub level: Level,
    pub group_level: Level,
    /// Features of two groups farther apart than this never meet in one conflict (m).
    pub reach_m: f64,
    /// The plan versions of the whole layer.
    pub versions: Vec<String>,
    /// Zones in a unit of the level, and those outside every unit (left out, as in a whole run).
    pub zones: usize,
    pub zones_outside: usize,
    pub groups: Vec<Group>,
    /// The edge borders of the level, `[a, b]` codes, in the order of a whole run's rows.
    pub borders: Vec<[String; 2]>,
    pub partitions: Vec<Partition>,
}

/// The farthest apart two features can be and still meet in one conflict (m), lakes and
/// ecology polygons aside (their groups are paired by [`Planner::finish`]): the analysis radius
/// and setbacks, the shore distance (around a protected zone), nuisance radii, dead-end pairing
/// and border distances.
pub fn reach_m(region: &Region, settings: &Settings) -> f64 {
    let rules = &region.model.rules;
    let setbacks = rules
        .compatibility
        .rules
        .iter()
        .filter_map(|r| match r.rule {
            Compatibility::Setback { setback_m } => Some(setback_m),
            Compatibility::Compatible | Compatibility::Incompatible => None,
        });
    let nuisance = rules.nuisance_radii.radius_m.values().copied();
    [
        settings.radius_m,
        settings.shore_m,
        settings.pair_distance_m,
        settings.terminating_m,
        2.0 * settings.zone_width_m,
    ]
    .into_iter()
    .chain(setbacks)
    .chain(nuisance)
    .fold(0.0, f64::max)
}

fn gap(a: Rect, b: Rect) -> f64 {
    let dx = (b.min().x - a.max().x).max(a.min().x - b.max().x).max(0.0);
    let dy = (b.min().y - a.max().y).max(a.min().y - b.max().y).max(0.0);
    dx.hypot(dy)
}

fn grow(extent: &mut Option<Rect>, r: Rect) {
    *extent = Some(extent.map_or(r, |e| union_rect(e, r)));
}

/// The partitions of the conflicts of `region` (which holds the whole plans layer) by groups of
/// the units of `settings.level` under one unit of `group_level`.
pub fn plan(
    region: &Region,
    settings: &Settings,
    group_level: Level,
) -> Result<PartitionPlan, AnalysisError> {
    let table = region.layers.get("plans").ok_or_else(|| {
        AnalysisError::Input("partitions divide a plans layer, and the project has none".into())
    })?;
    let mut planner = Planner::new(region, settings, group_level)?;
    planner.add(table, 0)?;
    planner.finish()
}

/// A partition plan made part by part of a plans layer that is not held whole (each part in
/// the analysis CRS, as the loader prepares it).
pub struct Planner<'r> {
    region: &'r Region,
    settings: &'r Settings,
    group_level: Level,
    locator: UnitLocator<'r>,
    group_of: HashMap<usize, usize>,
    groups: Vec<Group>,
    extents: Vec<Option<Rect>>,
    versions: BTreeSet<String>,
    zones: usize,
    outside: usize,
}

impl<'r> Planner<'r> {
    /// The groups of the units (extents: the units and the facilities), no zones yet.
    pub fn new(
        region: &'r Region,
        settings: &'r Settings,
        group_level: Level,
    ) -> Result<Self, AnalysisError> {
        let level = settings.level;
        if group_level > level {
            return Err(AnalysisError::Input(format!(
                "partitions group {level} units by a coarser level (province, city or the same), not by {group_level}"
            )));
        }
        let locator = UnitLocator::new(region, level);
        let mut group_index: BTreeMap<usize, usize> = BTreeMap::new();
        let mut group_of: HashMap<usize, usize> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut extents: Vec<Option<Rect>> = Vec::new();
        for unit in region.indices_at(level) {
            let ancestor = region.unit_at(unit, group_level).unwrap_or(unit);
            let g = *group_index.entry(ancestor).or_insert_with(|| {
                groups.push(Group {
                    code: region.jurisdictions[ancestor].code.clone(),
                    units: Vec::new(),
                    rows: Vec::new(),
                });
                extents.push(None);
                groups.len() - 1
            });
            groups[g]
                .units
                .push(region.jurisdictions[unit].code.clone());
            group_of.insert(unit, g);
            if let Some(r) = region.jurisdictions[unit].geometry.bounding_rect() {
                grow(&mut extents[g], r);
            }
        }
        let (facilities, _) =
            nimby::facilities(region, &region.model.rules.nuisance_radii, &locator);
        for f in &facilities {
            grow(&mut extents[group_of[&f.unit]], Rect::new(f.point, f.point));
        }
        Ok(Self {
            region,
            settings,
            group_level,
            locator,
            group_of,
            groups,
            extents,
            versions: BTreeSet::new(),
            zones: 0,
            outside: 0,
        })
    }

    /// The zones of `table`, rows from `first_row` of the plans layer.
    pub fn add(&mut self, table: &Table, first_row: usize) -> Result<(), AnalysisError> {
        let plans = PlanZones::part(
            self.region,
            table,
            self.settings.level,
            &self.locator,
            None,
            first_row,
        )?;
        self.versions.extend(plans.versions.iter().cloned());
        self.zones += plans.zones.len();
        self.outside += plans.outside;
        for z in &plans.zones {
            let g = self.group_of[&z.unit];
            self.groups[g].rows.push(z.row);
            grow(&mut self.extents[g], z.bbox);
        }
        Ok(())
    }

    /// The partitions: each group, and each pair of groups within the reach of each other.
    pub fn finish(self) -> Result<PartitionPlan, AnalysisError> {
        let (region, settings) = (self.region, self.settings);
        let (groups, extents) = (self.groups, self.extents);
        let reach = reach_m(region, settings);
        // Groups around one lake or ecology polygon meet in its discontinuity, however large
        // it is: they are paired whatever their distance.
        let mut around_asset: BTreeSet<[usize; 2]> = BTreeSet::new();
        for asset in land_use::assets(region) {
            let Some(outline) = asset.outline.bounding_rect() else {
                continue;
            };
            let near: Vec<usize> = (0..groups.len())
                .filter(|&g| extents[g].is_some_and(|e| gap(e, outline) <= settings.shore_m))
                .collect();
            for (i, &g) in near.iter().enumerate() {
                around_asset.extend(near[i..].iter().map(|&h| [g, h]));
            }
        }
        let mut partitions = Vec::new();
        let mut partition_of: HashMap<[usize; 2], usize> = HashMap::new();
        for g in 0..groups.len() {
            for h in g..groups.len() {
                let near = match (extents[g], extents[h]) {
                    (Some(a), Some(b)) => gap(a, b) <= reach,
                    _ => false,
                };
                if g == h || near || around_asset.contains(&[g, h]) {
                    partition_of.insert([g, h], partitions.len());
                    partitions.push(Partition {
                        groups: [g, h],
                        borders: Vec::new(),
                        zones: groups[g].rows.len() + if g == h { 0 } else { groups[h].rows.len() },
                    });
                }
            }
        }
        let edges = borders_at_level(region, settings.level, 1.0)?;
        let mut borders = Vec::new();
        for b in edges.borders.iter().filter(|b| b.kind == BorderKind::Edge) {
            let (g, h) = (self.group_of[&b.a], self.group_of[&b.b]);
            let p = partition_of[&[g.min(h), g.max(h)]];
            partitions[p].borders.push(borders.len());
            borders.push([
                region.jurisdictions[b.a].code.clone(),
                region.jurisdictions[b.b].code.clone(),
            ]);
        }
        Ok(PartitionPlan {
            level: settings.level,
            group_level: self.group_level,
            reach_m: reach,
            versions: self.versions.into_iter().collect(),
            zones: self.zones,
            zones_outside: self.outside,
            groups,
            borders,
            partitions,
        })
    }
}

/// A dead end of a road or channel network.
fn is_network(kind: ConflictType) -> bool {
    matches!(
        kind,
        ConflictType::DeadEndRoad
            | ConflictType::BorderTerminatingRoad
            | ConflictType::DeadEndChannel
            | ConflictType::BorderTerminatingChannel
    )
}

impl PartitionPlan {
    /// Whether partition `p` reads the road and channel networks (the first one only).
    pub fn has_networks(p: usize) -> bool {
        p == 0
    }

    /// The rows of the plans layer partition `p` holds, in order.
    pub fn rows(&self, p: usize) -> Vec<usize> {
        let [g, h] = self.partitions[p].groups;
        let mut rows = self.groups[g].rows.clone();
        if g != h {
            rows.extend(&self.groups[h].rows);
        }
        rows.sort_unstable();
        rows
    }

    /// Group of each unit, by code.
    fn group_by_code(&self) -> HashMap<&str, usize> {
        self.groups
            .iter()
            .enumerate()
            .flat_map(|(g, group)| group.units.iter().map(move |u| (u.as_str(), g)))
            .collect()
    }

    /// What partition `p` keeps of what it found: conflicts between a unit of each of its groups
    /// (or within its one group), and the consistency of its borders.
    /// The dead ends of roads and channels do not depend on the plans: the first partition finds
    /// them all (the others are run without the networks, see [`Self::has_networks`]).
    pub fn keep(&self, region: &Region, p: usize, findings: &mut Findings) {
        let groups = self.group_by_code();
        let group = |u: usize| groups.get(region.jurisdictions[u].code.as_str()).copied();
        let [g, h] = self.partitions[p].groups;
        findings.conflicts.retain(|c| {
            if c.plan.is_none() && is_network(c.kind) {
                return Self::has_networks(p);
            }
            match (group(c.causing), group(c.affected.unwrap_or(c.causing))) {
                (Some(x), Some(y)) => [x.min(y), x.max(y)] == [g, h],
                _ => false,
            }
        });
        if let Some(rows) = findings.consistency.as_mut() {
            let mine: std::collections::HashSet<(&str, &str)> = self.partitions[p]
                .borders
                .iter()
                .map(|&b| (self.borders[b][0].as_str(), self.borders[b][1].as_str()))
                .collect();
            rows.retain(|r| {
                mine.contains(&(
                    region.jurisdictions[r.a].code.as_str(),
                    region.jurisdictions[r.b].code.as_str(),
                ))
            });
        }
    }
}

fn text(table: &Table, row: usize, column: &str) -> Option<String> {
    let c = table.column_index(column)?;
    match &table.rows[row][c] {
        Value::Null => None,
        v => Some(v.to_text()),
    }
}

fn number(table: &Table, row: usize, column: &str) -> Option<f64> {
    table
        .column_index(column)
        .and_then(|c| table.rows[row][c].as_f64())
}

/// The findings of every partition together, as a whole run would have them: `conflicts` and
/// `consistency` are the partitions' tables (geometries as they are to be output) one after
/// another; `notes` the inputs' notes of any one partition.
pub fn merge(
    region: &Region,
    plan: &PartitionPlan,
    conflicts: &[Table],
    consistency: &[Table],
    notes: &serde_json::Value,
) -> Result<Findings, AnalysisError> {
    let unit = |code: &str| {
        region
            .index_of(code)
            .ok_or_else(|| AnalysisError::Internal(format!("a partition names unit `{code}`")))
    };
    let mut found = Vec::new();
    for table in conflicts {
        for i in 0..table.len() {
            let field = |c: &str| text(table, i, c).unwrap_or_default();
            let kind_name = field("type");
            let kind = ConflictType::ALL
                .into_iter()
                .find(|k| k.name() == kind_name)
                .ok_or_else(|| {
                    AnalysisError::Internal(format!("a partition gives type `{kind_name}`"))
                })?;
            let (causing, affected) = (field("causing"), text(table, i, "affected"));
            // The table's identity is `type|causing|affected|` and the analysis's own key.
            let prefix = format!(
                "{}|{causing}|{}|",
                kind.name(),
                affected.as_deref().unwrap_or("")
            );
            let identity = field("identity");
            found.push(Conflict {
                kind,
                severity: number(table, i, "severity").unwrap_or(0.0) as u8,
                severity_rule: field("severity_rule"),
                causing: unit(&causing)?,
                affected: affected.as_deref().map(unit).transpose()?,
                distance_m: number(table, i, "distance_m"),
                area_ha: number(table, i, "area_ha"),
                evidence: field("evidence"),
                plan: text(table, i, "plan"),
                causing_feature: field("causing_feature"),
                affected_feature: field("affected_feature"),
                identity: identity
                    .strip_prefix(&prefix)
                    .unwrap_or(&identity)
                    .to_string(),
                geometry: table
                    .geometry(i)
                    .cloned()
                    .unwrap_or_else(|| geo::Geometry::GeometryCollection(Default::default())),
            });
        }
    }
    finish(region, &mut found);
    let order: HashMap<(&str, &str), usize> = plan
        .borders
        .iter()
        .enumerate()
        .map(|(k, [a, b])| ((a.as_str(), b.as_str()), k))
        .collect();
    let version: HashMap<&str, usize> = plan
        .versions
        .iter()
        .enumerate()
        .map(|(k, v)| (v.as_str(), k))
        .collect();
    let mut rows = Vec::new();
    for table in consistency {
        for i in 0..table.len() {
            let (a, b, p) = (
                text(table, i, "a").unwrap_or_default(),
                text(table, i, "b").unwrap_or_default(),
                text(table, i, "plan").unwrap_or_default(),
            );
            let key = (
                order.get(&(a.as_str(), b.as_str())).copied(),
                version.get(p.as_str()).copied(),
            );
            rows.push((
                key,
                BorderConsistency {
                    a: unit(&a)?,
                    b: unit(&b)?,
                    plan: p,
                    sampled_km: number(table, i, "sampled_km").unwrap_or(0.0),
                    consistent_share: number(table, i, "consistent_share").unwrap_or(0.0),
                },
            ));
        }
    }
    rows.sort_by_key(|(key, _)| *key);
    let mut notes = notes.clone();
    notes["plan_versions"] = serde_json::json!(plan.versions);
    notes["plan_zones"] = serde_json::json!(plan.zones);
    notes["plan_zones_outside"] = serde_json::json!(plan.zones_outside);
    Ok(Findings {
        conflicts: found,
        consistency: Some(rows.into_iter().map(|(_, r)| r).collect()),
        notes,
    })
}
