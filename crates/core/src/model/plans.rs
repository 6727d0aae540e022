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

/// The zones of the plans layer, and an R-tree per plan version.
pub struct PlanZones<'a> {
    pub zones: Vec<Zone<'a>>,
    /// Plan versions in order (`""` when the layer has no `plan` field).
    pub versions: Vec<String>,
    trees: Vec<BoxTree>,
    /// Zones that lie in no unit of the level (left out).
    pub outside: usize,
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
        let trees = (0..versions.len())
            .map(|v| {
                RTree::bulk_load(
                    zones
                        .iter()
                        .enumerate()
                        .filter(|(_, z)| z.version == v)
                        .map(|(k, z)| {
                            GeomWithData::new(
                                Rectangle::from_corners(
                                    [z.bbox.min().x, z.bbox.min().y],
                                    [z.bbox.max().x, z.bbox.max().y],
                                ),
                                k,
                            )
                        })
                        .collect(),
                )
            })
            .collect();
        Ok(Self {
            zones,
            versions,
            trees,
            outside,
        })
    }

    /// Zones of a version whose bounding box comes within `reach` of `rect`, in the layer's
    /// order: sums, tie-breaks and collected geometries then come out the same whichever other
    /// zones the tree holds (a partition of the layer finds what the whole layer finds).
    pub fn near(&self, version: usize, rect: Rect, reach: f64) -> impl Iterator<Item = usize> {
        let envelope = AABB::from_corners(
            [rect.min().x - reach, rect.min().y - reach],
            [rect.max().x + reach, rect.max().y + reach],
        );
        let mut found: Vec<usize> = self.trees[version]
            .locate_in_envelope_intersecting(&envelope)
            .map(|g| g.data)
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
