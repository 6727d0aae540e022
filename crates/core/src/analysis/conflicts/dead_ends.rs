//! Dead ends at borders (断头路, methods.md §2.1 [P]): dangles of a line network (roads, or
//! rivers and drainage channels) near a border, pairs of aligned dangles facing each other across
//! it, and lines ending right at it.

use geo::{Coord, Geometry, LineString, Point};
use rayon::prelude::*;
use rstar::primitives::GeomWithData;
use rstar::RTree;

use super::{Conflict, ConflictType, Settings};
use crate::geometry::SegmentIndex;
use crate::region::{Region, UnitLocator};
use crate::table::Table;

/// An end of a line that meets no other line.
#[derive(Debug, Clone)]
pub struct Dangle {
    /// `id` of its feature, or its feature number (0-based).
    pub feature: String,
    pub class: String,
    pub point: Coord,
    /// Unit vector of the line's direction as it arrives at the dangle.
    pub heading: (f64, f64),
}

fn parts(g: &Geometry) -> Vec<&LineString> {
    match g {
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(ml) => ml.0.iter().collect(),
        _ => Vec::new(),
    }
}

/// The dangles of a network drawn in one or more line layers: line ends farther than `snap_m`
/// from every other line (so ends that meet another line's end or its interior are junctions,
/// not dangles). Closed lines have none.
pub fn dangles(tables: &[&Table], snap_m: f64) -> Vec<Dangle> {
    let lines: Vec<(&Table, usize, &LineString)> = tables
        .iter()
        .flat_map(|table| {
            (0..table.len()).flat_map(move |i| {
                table
                    .geometry(i)
                    .map(parts)
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |l| (*table, i, l))
            })
        })
        .filter(|(_, _, l)| l.0.len() >= 2)
        .collect();
    let index = SegmentIndex::new(lines.iter().enumerate().map(|(k, (_, _, l))| (*l, k)));
    lines
        .par_iter()
        .enumerate()
        .flat_map_iter(|(k, (table, row, line))| {
            let (id_c, class_c) = (table.column_index("id"), table.column_index("class"));
            let mut out = Vec::new();
            if line.is_closed() {
                return out;
            }
            let n = line.0.len();
            for (end, previous) in [(line.0[n - 1], &line.0[..n - 1]), (line.0[0], &line.0[1..])] {
                let meets_other = index.within(end, snap_m).any(|(other, _, _)| other != k);
                let before = if end == line.0[0] {
                    previous.iter().find(|c| **c != end)
                } else {
                    previous.iter().rev().find(|c| **c != end)
                };
                let (Some(before), false) = (before, meets_other) else {
                    continue;
                };
                let (dx, dy) = (end.x - before.x, end.y - before.y);
                let length = dx.hypot(dy);
                out.push(Dangle {
                    feature: id_c
                        .map_or_else(|| row.to_string(), |c| table.rows[*row][c].to_text()),
                    class: class_c
                        .map(|c| table.rows[*row][c].to_text())
                        .unwrap_or_default(),
                    point: end,
                    heading: (dx / length, dy / length),
                });
            }
            out
        })
        .collect()
}

/// The network tested: roads or drainage (rivers, channels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    Roads,
    Drainage,
}

/// Conflicts of one network: border-terminating dangles and aligned dangle pairs across borders.
/// `borders` holds the border lines of the level, each segment with its two sides.
pub fn dead_ends(
    region: &Region,
    network: Network,
    dangles: &[Dangle],
    locator: &UnitLocator,
    borders: &SegmentIndex<(usize, usize)>,
    settings: &Settings,
) -> Vec<Conflict> {
    let (pair_kind, end_kind, what) = match network {
        Network::Roads => (
            ConflictType::DeadEndRoad,
            ConflictType::BorderTerminatingRoad,
            "road",
        ),
        Network::Drainage => (
            ConflictType::DeadEndChannel,
            ConflictType::BorderTerminatingChannel,
            "channel",
        ),
    };
    let search = settings.pair_distance_m.max(settings.terminating_m);
    // Dangles near a border, with their unit and the nearest border's other side.
    let near: Vec<(usize, usize, Option<usize>, f64)> = dangles
        .iter()
        .enumerate()
        .filter_map(|(k, d)| {
            let ((a, b), distance) = borders.nearest(d.point).filter(|(_, x)| *x <= search)?;
            let unit = locator.locate(d.point)?;
            let other = if a == unit {
                Some(b)
            } else if b == unit {
                Some(a)
            } else {
                None
            };
            Some((k, unit, other, distance))
        })
        .collect();
    let name = |u: usize| region.jurisdictions[u].name.as_str();
    let mut out = Vec::new();
    for &(k, unit, other, distance) in &near {
        if distance > settings.terminating_m {
            continue;
        }
        let d = &dangles[k];
        out.push(Conflict {
            kind: end_kind,
            severity: 2,
            severity_rule: format!(
                "a {what} ends within {:.0} m of the border",
                settings.terminating_m
            ),
            causing: unit,
            affected: other,
            distance_m: Some(distance),
            area_ha: None,
            evidence: format!(
                "{what} {} ends {distance:.0} m from the border of {}{}",
                d.feature,
                name(unit),
                other.map_or(String::new(), |o| format!(" with {}", name(o)))
            ),
            plan: None,
            causing_feature: d.feature.clone(),
            affected_feature: String::new(),
            identity: format!("{}|{:.0}|{:.0}", d.feature, d.point.x, d.point.y),
            across_water: false,
            geometry: Point(d.point).into(),
        });
    }
    let tree = RTree::bulk_load(
        near.iter()
            .enumerate()
            .map(|(n, (k, ..))| GeomWithData::new([dangles[*k].point.x, dangles[*k].point.y], n))
            .collect(),
    );
    let max_angle = settings.alignment_deg.to_radians();
    for (n, &(k, unit, _, _)) in near.iter().enumerate() {
        let d = &dangles[k];
        let r2 = settings.pair_distance_m * settings.pair_distance_m;
        for found in tree.locate_within_distance([d.point.x, d.point.y], r2) {
            let m = found.data;
            let (j, other_unit, _, _) = near[m];
            let e = &dangles[j];
            if m <= n
                || other_unit == unit
                || (!d.class.is_empty() && !e.class.is_empty() && d.class != e.class)
            {
                continue;
            }
            let (gx, gy) = (e.point.x - d.point.x, e.point.y - d.point.y);
            let gap = gx.hypot(gy);
            // Facing each other: each heads towards the other, and their headings are opposite
            // within the alignment tolerance.
            let facing = d.heading.0 * gx + d.heading.1 * gy > 0.0
                && e.heading.0 * gx + e.heading.1 * gy < 0.0;
            let cos = -(d.heading.0 * e.heading.0 + d.heading.1 * e.heading.1);
            let angle = cos.clamp(-1.0, 1.0).acos();
            if !facing || angle >= max_angle {
                continue;
            }
            let (first, second) =
                if region.jurisdictions[unit].code < region.jurisdictions[other_unit].code {
                    ((unit, d), (other_unit, e))
                } else {
                    ((other_unit, e), (unit, d))
                };
            out.push(Conflict {
                kind: pair_kind,
                severity: 3,
                severity_rule: format!(
                    "aligned dead ends facing each other across a border, ≤ {:.0} m apart, |Δθ| < {:.0}°",
                    settings.pair_distance_m, settings.alignment_deg
                ),
                causing: first.0,
                affected: Some(second.0),
                distance_m: Some(gap),
                area_ha: None,
                evidence: format!(
                    "{what} {} in {} and {what} {} in {} stop {gap:.0} m apart, headings {:.0}° from opposite",
                    first.1.feature,
                    name(first.0),
                    second.1.feature,
                    name(second.0),
                    angle.to_degrees()
                ),
                plan: None,
                causing_feature: first.1.feature.clone(),
                affected_feature: second.1.feature.clone(),
                identity: format!("{}|{}", first.1.feature, second.1.feature),
                across_water: false,
                geometry: LineString::new(vec![first.1.point, second.1.point]).into(),
            });
        }
    }
    out
}
