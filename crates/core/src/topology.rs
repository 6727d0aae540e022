//! Topology QA between the jurisdictions of one level: gaps and overlaps.
//!
//! - **Overlaps**: the sum of the units' areas minus the area of their union is the total overlap;
//!   only when it exceeds the reporting threshold are pairs intersected one by one (bounding boxes
//!   first), so clean data costs one union.
//! - **Gaps**: holes of the union, i.e. land enclosed by the level's units that none of them
//!   covers, each with the units along it. A gap that opens to the outside of the region (to the
//!   sea) is not enclosed and so not found; that is a limit of the method.

use geo::{Area, BooleanOps, BoundingRect, Distance, Euclidean, MultiPolygon, Polygon, Rect};
use rayon::prelude::*;
use serde::Serialize;

use crate::error::{contain_panic, AnalysisError};
use crate::region::{Level, Region};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TopologyKind {
    Gap,
    Overlap,
}

impl TopologyKind {
    pub fn name(self) -> &'static str {
        match self {
            TopologyKind::Gap => "gap",
            TopologyKind::Overlap => "overlap",
        }
    }
}

/// A gap or overlap between units of one level.
#[derive(Debug, Clone)]
pub struct TopologyIssue {
    pub kind: TopologyKind,
    pub level: Level,
    /// Region indices of the units involved (the two overlapping, or those along a gap).
    pub units: Vec<usize>,
    pub area_m2: f64,
    pub geometry: MultiPolygon,
}

fn rects_intersect(a: &Rect, b: &Rect) -> bool {
    a.min().x <= b.max().x
        && b.min().x <= a.max().x
        && a.min().y <= b.max().y
        && b.min().y <= a.max().y
}

/// Gaps and overlaps of at least `min_area_m2` among the units `indices` (all of one level).
pub fn topology_issues(
    region: &Region,
    level: Level,
    indices: &[usize],
    min_area_m2: f64,
    gap_neighbour_distance_m: f64,
) -> Result<Vec<TopologyIssue>, AnalysisError> {
    let geometries: Vec<&MultiPolygon> = indices
        .iter()
        .map(|&i| &region.jurisdictions[i].geometry)
        .collect();
    let boxes: Vec<Option<Rect>> = geometries.iter().map(|g| g.bounding_rect()).collect();
    let union = contain_panic(
        || format!("union of the {level} units"),
        || geo::unary_union(geometries.iter().copied()),
    )?;
    let total: f64 = geometries.iter().map(|g| g.unsigned_area()).sum();
    let mut issues = Vec::new();
    if total - union.unsigned_area() >= min_area_m2 {
        issues.extend(overlaps(region, level, indices, &boxes, min_area_m2)?);
    }
    for hole in union.iter().flat_map(|p| p.interiors()) {
        let gap = Polygon::new(hole.clone(), vec![]);
        let area_m2 = gap.unsigned_area();
        if area_m2 < min_area_m2 {
            continue;
        }
        let gap_box = gap.bounding_rect();
        let units = indices
            .iter()
            .zip(&boxes)
            .filter(|(_, b)| matches!((b, gap_box), (Some(b), Some(g)) if rects_intersect(b, &g)))
            .map(|(&i, _)| i)
            .filter(|&i| {
                Euclidean.distance(&gap, &region.jurisdictions[i].geometry)
                    <= gap_neighbour_distance_m
            })
            .collect();
        issues.push(TopologyIssue {
            kind: TopologyKind::Gap,
            level,
            units,
            area_m2,
            geometry: MultiPolygon::new(vec![gap]),
        });
    }
    Ok(issues)
}

fn overlaps(
    region: &Region,
    level: Level,
    indices: &[usize],
    boxes: &[Option<Rect>],
    min_area_m2: f64,
) -> Result<Vec<TopologyIssue>, AnalysisError> {
    let mut pairs = Vec::new();
    for x in 0..indices.len() {
        for y in x + 1..indices.len() {
            if let (Some(a), Some(b)) = (&boxes[x], &boxes[y]) {
                if rects_intersect(a, b) {
                    pairs.push((indices[x], indices[y]));
                }
            }
        }
    }
    let found: Vec<Result<Option<TopologyIssue>, AnalysisError>> = pairs
        .par_iter()
        .map(|&(i, j)| {
            let (a, b) = (&region.jurisdictions[i], &region.jurisdictions[j]);
            let part = contain_panic(
                || format!("overlap of {} and {}", a.code, b.code),
                || a.geometry.intersection(&b.geometry),
            )?;
            let area_m2 = part.unsigned_area();
            Ok((area_m2 >= min_area_m2).then(|| TopologyIssue {
                kind: TopologyKind::Overlap,
                level,
                units: vec![i, j],
                area_m2,
                geometry: part,
            }))
        })
        .collect();
    found.into_iter().filter_map(Result::transpose).collect()
}
