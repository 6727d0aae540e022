//! The conflicts analysis in partitions by border, for a plans layer too large to work at once:
//! a cluster schedules the partitions (the Python package's `borderscape.dask`), or one machine
//! runs them one after another.
//!
//! Every conflict and every plan-consistency row concerns at most two units of the analysis level
//! (the causing and the affected one; the two sides of a border) and is computed from the zones of
//! those two units alone, beside layers every partition holds whole (jurisdictions, facilities,
//! lakes, ecology, roads, channels, rule tables). Only zones that can take part in a conflict are
//! kept (the border band, [`Band`]); the others are counted and left out. Units are grouped by
//! their ancestor at a coarser level (counties by city). A partition is one group, or a pair of groups whose features come
//! within the analysis reach of each other ([`reach_m`]) or within the shore distance of one
//! lake or ecology polygon; it holds the zones of its groups and
//! keeps what concerns a unit of each (or two units of its one group). So every result is found
//! in exactly one partition from the same zones as in a whole run, and [`merge`] puts them
//! together in the whole run's order: the tables are equal.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::{BoundingRect, Centroid, Coord, Distance, Euclidean, Rect};
use rayon::prelude::*;
use rstar::primitives::Rectangle;
use rstar::{RTree, AABB};
use serde::{Deserialize, Serialize};

use super::consistency::BorderConsistency;
use super::summary::ConflictNotes;
use super::{finish, land_use, nimby, Conflict, ConflictType, Findings, Settings};
use crate::error::AnalysisError;
use crate::geometry::{union_rect, SegmentIndex};
use crate::inputs::Inputs;
use crate::model::plans::{PlanZones, Zone};
use crate::model::rules::Compatibility;
use crate::model::rules::RuleTables;
use crate::model::sites::Facility;
use crate::region::{Level, Region, UnitLocator};
use crate::shared_borders::{borders_at_level, BorderKind, BorderLevel};
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
    /// Zones of `zones` beyond the border band ([`Band`]): they take part in no conflict and
    /// are in no group.
    #[serde(default)]
    pub zones_away: usize,
    /// The largest extent of a zone (m; the distance from its centroid to its box's farthest
    /// corner, plus its centroid's distance to its given unit when that does not hold it), which
    /// the band allows a zone's partner across the border (null: no zone).
    #[serde(default)]
    pub partner_extent_m: Option<f64>,
    pub groups: Vec<Group>,
    /// The edge borders of the level, `[a, b]` codes, in the order of a whole run's rows.
    pub borders: Vec<[String; 2]>,
    pub partitions: Vec<Partition>,
}

/// The farthest apart two features can be and still meet in one conflict (m), lakes and
/// ecology polygons aside (their groups are paired by [`Planner::finish`]): the analysis radius
/// and setbacks, the shore distance (around a protected zone), nuisance radii, dead-end pairing
/// and border distances.
pub fn reach_m(rules: &RuleTables, settings: &Settings, facilities: &[Facility]) -> f64 {
    let setbacks = rules
        .compatibility
        .rules
        .iter()
        .filter_map(|r| match r.rule {
            Compatibility::Setback { setback_m } => Some(setback_m),
            Compatibility::Compatible | Compatibility::Incompatible => None,
        });
    // Only the radii of the types present: a 5 km nuclear radius in the table would otherwise
    // widen every project's band.
    let nuisance = facilities
        .iter()
        .filter_map(|f| rules.nuisance_radii.radius_m.get(&f.kind).copied());
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

/// Added to the band's width against rounding in the distances (m).
const BAND_MARGIN_M: f64 = 1.0;

/// The border band: which zones can take part in a conflict.
///
/// Two zones of different units meet in a conflict only within [`reach_m`] of each other (as a
/// zone and a facility, or a zone and a border), and the way from one's centroid to the other's
/// crosses the first one's unit boundary (coasts included: two units can face each other across
/// a bay). So a zone takes part only if its centroid lies within its extent (the distance from
/// its centroid to its box's farthest corner), the reach and its partner's extent of a unit
/// boundary; the partner's extent is at most the largest of the layer ([`Planner`] checks it).
/// A zone whose given unit (`jurisdiction`) does not hold its centroid is always kept, and the
/// distance from its centroid to that unit adds to its extent as a partner (the way then ends
/// at the unit's nearest point). Beside that, the land within the shore distance of a lake or
/// ecology polygon counts whichever way the border runs, and construction inside a control line
/// is a conflict wherever it lies. Units of one level that overlap by more than the band's width
/// (a topology error the borders QA reports) would break the argument: two zones could then meet
/// without a boundary between them.
struct Band {
    boundaries: SegmentIndex<()>,
    assets: RTree<Rectangle<[f64; 2]>>,
    reach_m: f64,
}

/// Where a zone lies for the band.
#[derive(Clone, Copy)]
struct Anchor {
    centroid: Coord,
    /// From the centroid to the box's farthest corner (m).
    extent_m: f64,
    /// From the centroid to the zone's unit (m; 0 when the unit holds it).
    outside_m: f64,
}

impl Band {
    fn new(region: &Region, level: Level, reach_m: f64) -> Self {
        let rings = region.indices_at(level).into_iter().flat_map(|u| {
            region.jurisdictions[u]
                .geometry
                .0
                .iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        });
        let assets = land_use::assets(region)
            .iter()
            .filter_map(|a| a.outline.bounding_rect())
            .map(|r| Rectangle::from_corners(r.min().into(), r.max().into()))
            .collect();
        Self {
            boundaries: SegmentIndex::new(rings.map(|ring| (ring, ()))),
            assets: RTree::bulk_load(assets),
            reach_m,
        }
    }

    fn anchor(z: &Zone, region: &Region) -> Option<Anchor> {
        let c = z.geometry.centroid()?;
        let unit = &region.jurisdictions[z.unit].geometry;
        // CoordinatePosition skips the bounding box geo's `intersects` computes on every call
        // (a quarter of the plan's time on national counties).
        let outside_m = if unit.coordinate_position(&c.0) != CoordPos::Outside {
            0.0
        } else {
            Euclidean.distance(&c, unit)
        };
        let (c, lo, hi) = (c.0, z.bbox.min(), z.bbox.max());
        Some(Anchor {
            centroid: c,
            extent_m: (c.x - lo.x)
                .max(hi.x - c.x)
                .hypot((c.y - lo.y).max(hi.y - c.y)),
            outside_m,
        })
    }

    /// A zone's extent as another's partner (m).
    fn partner_extent(anchor: Option<Anchor>) -> f64 {
        anchor.map_or(f64::INFINITY, |a| a.extent_m + a.outside_m)
    }

    fn keeps(&self, z: &Zone, anchor: Option<Anchor>, partner_extent_m: f64) -> bool {
        let Some(anchor) = anchor.filter(|a| a.outside_m == 0.0) else {
            return true;
        };
        let width = anchor.extent_m + self.reach_m + partner_extent_m + BAND_MARGIN_M;
        let r = self.reach_m + BAND_MARGIN_M;
        let around = AABB::from_corners(
            [z.bbox.min().x - r, z.bbox.min().y - r],
            [z.bbox.max().x + r, z.bbox.max().y + r],
        );
        land_use::breaches_control(z)
            || self
                .boundaries
                .nearest(anchor.centroid)
                .is_some_and(|(_, d)| d <= width)
            || self
                .assets
                .locate_in_envelope_intersecting(&around)
                .next()
                .is_some()
    }
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
    inputs: &Inputs,
    settings: &Settings,
    group_level: Level,
) -> Result<PartitionPlan, AnalysisError> {
    let table = inputs.region.layers.get("plans").ok_or_else(|| {
        AnalysisError::Input("partitions divide a plans layer, and the project has none".into())
    })?;
    let mut assumed = None;
    loop {
        let mut planner = Planner::new(inputs, settings, group_level, assumed)?;
        planner.add(table, 0)?;
        match planner.larger_extent() {
            Some(extent) => assumed = Some(extent),
            None => return planner.finish(),
        }
    }
}

/// A partition plan made part by part of a plans layer that is not held whole (each part in
/// the analysis CRS, as the loader prepares it). The band assumes the largest zone extent of the
/// first part for every zone's partner unless told one; when a later part holds a larger one,
/// [`Planner::larger_extent`] says so and the layer is to be planned again with it.
pub struct Planner<'r> {
    region: &'r Region,
    rules: &'r RuleTables,
    facilities: &'r [Facility],
    settings: &'r Settings,
    group_level: Level,
    locator: UnitLocator<'r>,
    band: Band,
    group_of: HashMap<usize, usize>,
    groups: Vec<Group>,
    extents: Vec<Option<Rect>>,
    versions: BTreeSet<String>,
    zones: usize,
    outside: usize,
    away: usize,
    partner_extent_m: Option<f64>,
    largest_extent_m: f64,
}

impl<'r> Planner<'r> {
    /// The groups of the units (extents: the units and the facilities), no zones yet;
    /// `partner_extent_m` the largest zone extent when known (m).
    pub fn new(
        inputs: &'r Inputs,
        settings: &'r Settings,
        group_level: Level,
        partner_extent_m: Option<f64>,
    ) -> Result<Self, AnalysisError> {
        let level = settings.level;
        if group_level > level {
            return Err(AnalysisError::Input(format!(
                "partitions group {level} units by a coarser level (province, city or the same), not by {group_level}"
            )));
        }
        let (region, rules) = (&inputs.region, &inputs.model.rules);
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
            nimby::facilities(&inputs.model.facilities, &rules.nuisance_radii, &locator);
        for f in &facilities {
            grow(&mut extents[group_of[&f.unit]], Rect::new(f.point, f.point));
        }
        Ok(Self {
            region,
            rules,
            settings,
            group_level,
            locator,
            band: Band::new(
                region,
                level,
                reach_m(rules, settings, &inputs.model.facilities),
            ),
            facilities: &inputs.model.facilities,
            group_of,
            groups,
            extents,
            versions: BTreeSet::new(),
            zones: 0,
            outside: 0,
            away: 0,
            partner_extent_m,
            largest_extent_m: 0.0,
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
        let anchors: Vec<Option<Anchor>> = plans
            .zones
            .par_iter()
            .map(|z| Band::anchor(z, self.region))
            .collect();
        let largest = anchors
            .iter()
            .map(|&a| Band::partner_extent(a))
            .fold(0.0, f64::max);
        self.largest_extent_m = self.largest_extent_m.max(largest);
        let partner = *self.partner_extent_m.get_or_insert(largest);
        let kept: Vec<bool> = plans
            .zones
            .par_iter()
            .zip(&anchors)
            .map(|(z, &anchor)| self.band.keeps(z, anchor, partner))
            .collect();
        self.away += kept.iter().filter(|keep| !**keep).count();
        for (z, _) in plans.zones.iter().zip(kept).filter(|(_, keep)| *keep) {
            let g = self.group_of[&z.unit];
            self.groups[g].rows.push(z.row);
            grow(&mut self.extents[g], z.bbox);
        }
        Ok(())
    }

    /// The largest zone extent when it exceeds the one the band assumed: it may have left out a
    /// zone it should have kept, and the layer is to be planned again with this extent.
    pub fn larger_extent(&self) -> Option<f64> {
        (self.largest_extent_m > self.partner_extent_m.unwrap_or(0.0))
            .then_some(self.largest_extent_m)
    }

    /// The partitions: each group, and each pair of groups within the reach of each other.
    pub fn finish(self) -> Result<PartitionPlan, AnalysisError> {
        let (region, settings) = (self.region, self.settings);
        let (groups, extents) = (self.groups, self.extents);
        let reach = reach_m(self.rules, settings, self.facilities);
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
            zones_away: self.away,
            partner_extent_m: self.partner_extent_m.filter(|e| e.is_finite()),
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

/// The findings of every partition together, as a whole run would have them: `parts` gives
/// each partition's conflicts and plan consistency tables (geometries as they are to be
/// output) in turn, each dropped once read, so that the merge never holds them all at once;
/// `notes` the inputs' notes of any one partition.
pub fn merge(
    region: &Region,
    plan: &PartitionPlan,
    parts: impl IntoIterator<Item = (Table, Option<Table>)>,
    notes: &ConflictNotes,
) -> Result<Findings, AnalysisError> {
    let unit = |code: &str| {
        region
            .index_of(code)
            .ok_or_else(|| AnalysisError::Internal(format!("a partition names unit `{code}`")))
    };
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
    let mut found = Vec::new();
    let mut rows = Vec::new();
    for (conflicts, consistency) in parts {
        let table = &conflicts;
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
                across_water: field("border_level") == BorderLevel::SharedWaterBody.name(),
                geometry: table
                    .geometry(i)
                    .cloned()
                    .unwrap_or_else(|| geo::Geometry::GeometryCollection(Default::default())),
            });
        }
        for table in consistency.iter() {
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
    }
    finish(region, &mut found);
    rows.sort_by_key(|(key, _)| *key);
    let mut notes = notes.clone();
    notes.plan_versions = Some(plan.versions.clone());
    notes.plan_zones = Some(plan.zones);
    notes.plan_zones_outside = Some(plan.zones_outside);
    Ok(Findings {
        conflicts: found,
        consistency: Some(rows.into_iter().map(|(_, r)| r).collect()),
        notes,
    })
}
