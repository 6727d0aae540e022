//! Plan consistency per border [P]: the share of a border's length along which the zones facing
//! each other are compatible.
//!
//! The border is sampled every `STEP_M` metres (each sample standing for its piece of the line).
//! At a sample, the zones of each side within `zone_width_m` of it face each other; the sample is
//! consistent when no zone of one side and zone of the other form a pair that the compatibility
//! matrix forbids at their distance (either direction). Consistency = consistent length / length.

use std::collections::HashMap;

use geo::{Coord, Distance, Euclidean, Point, Rect};
use rayon::prelude::*;

use super::Settings;
use crate::model::plans::{PlanZones, Units};
use crate::model::rules::{Compatibility, CompatibilityMatrix};
use crate::region::Region;
use crate::shared_borders::Border;
use crate::table::{border_pair_columns, round_to, Column, ColumnType, Table, Value};

/// Spacing of the samples along a border, m.
pub const STEP_M: f64 = 250.0;

/// Samples of a border: (point, length it stands for).
fn samples(border: &Border) -> Vec<(Coord, f64)> {
    let mut out = Vec::new();
    for line in &border.geometry.0 {
        for segment in line.lines() {
            let length = (segment.end.x - segment.start.x).hypot(segment.end.y - segment.start.y);
            let n = (length / STEP_M).ceil().max(1.0);
            for k in 0..n as usize {
                let t = (k as f64 + 0.5) / n;
                out.push((
                    Coord {
                        x: segment.start.x + t * (segment.end.x - segment.start.x),
                        y: segment.start.y + t * (segment.end.y - segment.start.y),
                    },
                    length / n,
                ));
            }
        }
    }
    out
}

/// The plan consistency of one border in one plan version.
#[derive(Debug, Clone)]
pub struct BorderConsistency {
    /// Region indices of the two units, code(a) < code(b).
    pub a: usize,
    pub b: usize,
    pub plan: String,
    pub sampled_km: f64,
    /// Share of the sampled length where the facing zones are compatible (rounded to 1e-6, as
    /// written).
    pub consistent_share: f64,
}

/// One row per border (edge borders of the level) and plan version.
pub fn plan_consistency(
    plans: &PlanZones,
    matrix: &CompatibilityMatrix,
    borders: &[&Border],
    settings: &Settings,
) -> Vec<BorderConsistency> {
    let mut classes: Vec<&str> = plans.zones.iter().map(|z| z.class.as_str()).collect();
    classes.sort_unstable();
    classes.dedup();
    let pairs = matrix.conflicting_pairs(&classes);
    let limit = |x: &str, y: &str| -> Option<f64> {
        let rule = pairs.get(&(x, y))?;
        Some(match rule.rule {
            Compatibility::Setback { setback_m } => setback_m,
            _ => settings.radius_m,
        })
    };
    let width = settings.zone_width_m;
    borders
        .par_iter()
        .flat_map_iter(|border| {
            let points = samples(border);
            let total: f64 = points.iter().map(|(_, l)| l).sum();
            (0..plans.versions.len()).map(move |version| {
                // Pair verdicts are cached: the same two zones face each other at many samples.
                let mut verdicts: HashMap<(usize, usize), bool> = HashMap::new();
                let mut consistent = 0.0;
                for &(p, weight) in &points {
                    let facing = |unit: usize| -> Vec<usize> {
                        plans
                            .near_of(version, Rect::new(p, p), width, Units::Only(unit))
                            .filter(|&k| {
                                Euclidean.distance(&Point(p), plans.zones[k].geometry) <= width
                            })
                            .collect()
                    };
                    let (side_a, side_b) = (facing(border.a), facing(border.b));
                    let clash = side_a.iter().any(|&i| {
                        side_b.iter().any(|&j| {
                            *verdicts.entry((i, j)).or_insert_with(|| {
                                let (zi, zj) = (&plans.zones[i], &plans.zones[j]);
                                let reach = limit(&zi.class, &zj.class)
                                    .into_iter()
                                    .chain(limit(&zj.class, &zi.class))
                                    .fold(f64::NEG_INFINITY, f64::max);
                                reach > 0.0
                                    && Euclidean.distance(zi.geometry, zj.geometry) < reach - 1e-6
                            })
                        })
                    });
                    if !clash {
                        consistent += weight;
                    }
                }
                BorderConsistency {
                    a: border.a,
                    b: border.b,
                    plan: plans.versions[version].clone(),
                    sampled_km: round_to(total / 1000.0, 3),
                    consistent_share: round_to(
                        if total > 0.0 { consistent / total } else { 1.0 },
                        6,
                    ),
                }
            })
        })
        .collect()
}

/// The `plan_consistency` output table.
pub fn consistency_table(region: &Region, rows: &[BorderConsistency]) -> Table {
    let mut table = Table::new("plan_consistency", plan_consistency_columns(), false);
    for row in rows {
        let (a, b) = (&region.jurisdictions[row.a], &region.jurisdictions[row.b]);
        table.push(
            vec![
                a.code.clone().into(),
                b.code.clone().into(),
                a.name.clone().into(),
                b.name.clone().into(),
                row.plan.clone().into(),
                Value::Real(row.sampled_km),
                Value::Real(row.consistent_share),
            ],
            None,
        );
    }
    table
}

/// The columns of `plan_consistency` (its output spec reads them too).
pub(crate) fn plan_consistency_columns() -> Vec<Column> {
    border_pair_columns()
        .into_iter()
        .chain([
            Column::text("plan", "plan version"),
            Column::new(
                "sampled_km",
                ColumnType::Real,
                Some("km"),
                "border length sampled (analysis CRS)",
            ),
            Column::new(
                "consistent_share",
                ColumnType::Real,
                None,
                "share of the length where facing zones are compatible",
            ),
        ])
        .collect()
}
