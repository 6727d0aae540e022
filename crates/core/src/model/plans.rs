//! Plan zones as the conflict analyses see them: class, control line, plan version and the unit
//! (jurisdiction at the analysis level) they belong to, indexed by bounding box per version.

use geo::{Area, BoundingRect, Centroid, Geometry, Rect};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use crate::error::AnalysisError;
use crate::landuse;
use crate::region::{Level, Region, UnitLocator};
use crate::table::Table;

/// One plan zone.
pub struct Zone<'a> {
    /// Its `id` field, or its feature number (0-based, as in every message) when the layer has none.
    pub id: String,
    /// Its row in the plans layer.
    pub row: usize,
    /// Region index of its unit at the analysis level.
    pub unit: usize,
    pub class: String,
    pub control: Option<String>,
    /// Index into [`PlanZones::versions`].
    pub version: usize,
    pub geometry: &'a Geometry,
    pub bbox: Rect,
    pub area_m2: f64,
}

type BoxTree = RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>;

impl Zone<'_> {
    /// Bounds on the distance between two zones, m, that spare most exact polygon distances:
    /// below, the gap between their boxes; above, the distance between their first vertices
    /// (points of both). `None` for an empty geometry.
    pub fn distance_bounds(&self, other: &Zone) -> Option<(f64, f64)> {
        let gap = |a0: f64, a1: f64, b0: f64, b1: f64| (b0 - a1).max(a0 - b1).max(0.0);
        let (a, b) = (self.bbox, other.bbox);
        let below = gap(a.min().x, a.max().x, b.min().x, b.max().x).hypot(gap(
            a.min().y,
            a.max().y,
            b.min().y,
            b.max().y,
        ));
        let first = |g: &Geometry| {
            use geo::CoordsIter;
            g.coords_iter().next()
        };
        let (p, q) = (first(self.geometry)?, first(other.geometry)?);
        Some((below, (p.x - q.x).hypot(p.y - q.y)))
    }
}

/// The zones of the plans layer, and per plan version an R-tree of each unit's zones with one of
/// the units' extents (the box of their zones) above them. Cross-border searches ask the trees
/// of the other units only, so that the zones of the searching zone's own unit — nearly all
/// candidates away from a border — are never visited (issue 43).
pub struct PlanZones<'a> {
    pub zones: Vec<Zone<'a>>,
    /// Plan versions in order (`""` when the layer has no `plan` field).
    pub versions: Vec<String>,
    units: Vec<UnitTrees>,
    /// Zones that lie in no unit of the level (left out).
    pub outside: usize,
}

/// Whose zones a search returns.
#[derive(Debug, Clone, Copy)]
pub enum Units {
    All,
    /// Every unit but this one (a cross-border search).
    Except(usize),
    /// This unit alone.
    Only(usize),
}

impl Units {
    fn has(self, unit: usize) -> bool {
        match self {
            Units::All => true,
            Units::Except(u) => unit != u,
            Units::Only(u) => unit == u,
        }
    }
}

/// One version's zones: per unit (its region index) an R-tree of its zones, and an R-tree of the
/// units' extents keyed by their position in the first.
struct UnitTrees {
    trees: Vec<(usize, BoxTree)>,
    extents: BoxTree,
}

/// An R-tree of zone boxes, each keyed by its index in [`PlanZones::zones`].
fn box_tree<'z>(zones: impl Iterator<Item = (usize, &'z Rect)>) -> BoxTree {
    RTree::bulk_load(
        zones
            .map(|(k, b)| {
                GeomWithData::new(
                    Rectangle::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]),
                    k,
                )
            })
            .collect(),
    )
}

/// The search box: `rect` grown by `reach` on every side.
fn envelope(rect: Rect, reach: f64) -> AABB<[f64; 2]> {
    AABB::from_corners(
        [rect.min().x - reach, rect.min().y - reach],
        [rect.max().x + reach, rect.max().y + reach],
    )
}

fn text(table: &Table, column: Option<usize>, row: usize) -> Option<String> {
    column
        .map(|c| table.rows[row][c].to_text())
        .filter(|t| !t.trim().is_empty())
}

impl<'a> PlanZones<'a> {
    /// Reads the zones of `table` (the plans layer); every class must be a China 2023 class.
    /// A zone's unit is its `jurisdiction` (or that unit's ancestor at `level`) when given and
    /// known, else the unit holding its centroid. `versions`: the plan versions of the whole
    /// layer when `table` holds a part of it (a partition), else those `table` holds.
    pub fn new(
        region: &'a Region,
        table: &'a Table,
        level: Level,
        locator: &UnitLocator,
        versions: Option<&[String]>,
    ) -> Result<Self, AnalysisError> {
        Self::part(region, table, level, locator, versions, 0)
    }

    /// The zones of `table` holding the rows from `first_row` of the plans layer (messages and
    /// [`Zone::row`] name rows of the whole layer).
    pub fn part(
        region: &'a Region,
        table: &'a Table,
        level: Level,
        locator: &UnitLocator,
        versions: Option<&[String]>,
        first_row: usize,
    ) -> Result<Self, AnalysisError> {
        let layer = region.layer_name("plans");
        let column = |n: &str| table.column_index(n);
        let class_c = column("class")
            .ok_or_else(|| AnalysisError::Input(format!("{layer}: no `class` field")))?;
        let (id_c, control_c, plan_c, unit_c) = (
            column("id"),
            column("control"),
            column("plan"),
            column("jurisdiction"),
        );
        let versions: Vec<String> = match versions {
            Some(all) => all.to_vec(),
            None => (0..table.len())
                .map(|i| text(table, plan_c, i).unwrap_or_default())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
        };
        let read: Vec<Result<Option<Zone>, String>> = (0..table.len())
            .into_par_iter()
            .map(|i| {
                let id = text(table, id_c, i).unwrap_or_else(|| (first_row + i).to_string());
                let class = table.rows[i][class_c].to_text().trim().to_string();
                if !landuse::is_known(&class) {
                    return Err(format!(
                        "{layer}: feature {} (id {id}): field `class`: `{class}` is not a class of the China 2023 classification (e.g. 0701, 100103, 1309)",
                        first_row + i
                    ));
                }
                let Some(geometry) = table.geometry(i) else {
                    return Ok(None);
                };
                let Some(bbox) = geometry.bounding_rect() else {
                    return Ok(None);
                };
                let given = text(table, unit_c, i)
                    .and_then(|code| region.index_of(&code))
                    .and_then(|u| region.unit_at(u, level));
                let unit =
                    given.or_else(|| geometry.centroid().and_then(|c| locator.locate(c.0)));
                let Some(unit) = unit else { return Ok(None) };
                let plan = text(table, plan_c, i).unwrap_or_default();
                Ok(Some(Zone {
                    id,
                    row: first_row + i,
                    unit,
                    class,
                    control: text(table, control_c, i),
                    version: versions.binary_search(&plan).unwrap_or(0),
                    geometry,
                    bbox,
                    area_m2: geometry.unsigned_area(),
                }))
            })
            .collect();
        let mut zones = Vec::with_capacity(read.len());
        let mut problems = Vec::new();
        let mut outside = 0;
        for r in read {
            match r {
                Ok(Some(z)) => zones.push(z),
                Ok(None) => outside += 1,
                Err(p) if problems.len() < 20 => problems.push(p),
                Err(_) => {}
            }
        }
        if !problems.is_empty() {
            return Err(AnalysisError::Input(problems.join("\n")));
        }
        let units = (0..versions.len())
            .map(|v| Self::unit_trees(&zones, v))
            .collect();
        Ok(Self {
            zones,
            versions,
            units,
            outside,
        })
    }

    /// The R-trees of each unit's zones of one version, and the tree of the units' extents.
    fn unit_trees(zones: &[Zone], version: usize) -> UnitTrees {
        let mut by_unit: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for (k, z) in zones
            .iter()
            .enumerate()
            .filter(|(_, z)| z.version == version)
        {
            by_unit.entry(z.unit).or_default().push(k);
        }
        let trees: Vec<(usize, BoxTree)> = by_unit
            .into_par_iter()
            .map(|(unit, members)| {
                let tree = box_tree(members.iter().map(|&k| (k, &zones[k].bbox)));
                (unit, tree)
            })
            .collect();
        // Every unit here has a zone, so every tree has a proper envelope.
        let extents: Vec<(usize, Rect)> = trees
            .iter()
            .enumerate()
            .map(|(t, (_, tree))| {
                let e = tree.root().envelope();
                let corner = |p: [f64; 2]| geo::coord! { x: p[0], y: p[1] };
                (t, Rect::new(corner(e.lower()), corner(e.upper())))
            })
            .collect();
        let extents = box_tree(extents.iter().map(|(t, r)| (*t, r)));
        UnitTrees { trees, extents }
    }

    /// Zones of a version whose bounding box comes within `reach` of `rect`, in the layer's
    /// order: sums, tie-breaks and collected geometries then come out the same whichever other
    /// zones the trees hold (a partition of the layer finds what the whole layer finds).
    pub fn near(&self, version: usize, rect: Rect, reach: f64) -> impl Iterator<Item = usize> {
        self.near_of(version, rect, reach, Units::All)
    }

    /// [`PlanZones::near`], among the zones of the units `which` names.
    pub fn near_of(
        &self,
        version: usize,
        rect: Rect,
        reach: f64,
        which: Units,
    ) -> impl Iterator<Item = usize> {
        let search = envelope(rect, reach);
        let UnitTrees { trees, extents } = &self.units[version];
        let mut found: Vec<usize> = extents
            .locate_in_envelope_intersecting(&search)
            .filter(|t| which.has(trees[t.data].0))
            .flat_map(|t| {
                trees[t.data]
                    .1
                    .locate_in_envelope_intersecting(&search)
                    .map(|g| g.data)
            })
            .collect();
        found.sort_unstable();
        found.into_iter()
    }

    /// The version label of a zone, `None` for a layer without versions.
    pub fn version_label(&self, version: usize) -> Option<String> {
        Some(self.versions[version].clone()).filter(|v| !v.is_empty())
    }
}

/// Every problem of the plans layer that [`PlanZones::new`] would refuse (a missing `class`
/// field, classes outside the China 2023 classification), found when the project loads.
pub fn check(region: &Region) -> Vec<String> {
    let Some(table) = region.layers.get("plans") else {
        return Vec::new();
    };
    let layer = region.layer_name("plans");
    let Some(class_c) = table.column_index("class") else {
        return vec![format!("{layer}: no `class` field")];
    };
    let id_c = table.column_index("id");
    (0..table.len())
        .filter_map(|i| {
            let class = table.rows[i][class_c].to_text().trim().to_string();
            (!landuse::is_known(&class)).then(|| {
                let id = text(table, id_c, i).unwrap_or_else(|| i.to_string());
                format!(
                    "{layer}: feature {i} (id {id}): field `class`: `{class}` is not a class of the China 2023 classification (e.g. 0701, 100103, 1309)"
                )
            })
        })
        .collect()
}
