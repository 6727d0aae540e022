//! NIMBY spillover: facilities whose nuisance radius reaches a neighbour's residential,
//! public-service or ecological-control zones.

use std::collections::BTreeMap;

use geo::{
    Area, BooleanOps, Coord, Distance, Euclidean, Geometry, LineString, MultiPolygon, Point,
    Polygon, Rect,
};
use rayon::prelude::*;

use super::{Conflict, ConflictType};
use crate::error::{contain_panic, AnalysisError};
use crate::landuse::{self, ECOLOGICAL_RED_LINE};
use crate::model::plans::{PlanZones, Units};
use crate::model::rules::NuisanceRadii;
use crate::region::{Region, UnitLocator};

/// A facility with its nuisance radius.
pub struct Facility {
    pub id: String,
    pub kind: String,
    pub point: Coord,
    pub unit: usize,
    pub radius_m: f64,
}

/// The facilities of the region (checked when the project loaded: every type has a radius)
/// with their unit and radius. Facilities in no unit are left out (their count is returned).
pub fn facilities(
    sites: &[crate::model::sites::Facility],
    radii: &NuisanceRadii,
    locator: &UnitLocator,
) -> (Vec<Facility>, usize) {
    let mut out = Vec::new();
    let mut outside = 0;
    for f in sites {
        let (Some(unit), Some(&radius_m)) = (locator.locate(f.at), radii.radius_m.get(&f.kind))
        else {
            outside += 1;
            continue;
        };
        out.push(Facility {
            id: f.id.clone(),
            kind: f.kind.clone(),
            point: f.at,
            unit,
            radius_m,
        });
    }
    (out, outside)
}

/// A 64-gon approximating the circle of radius `r` around `c` (area error 0.16 %).
fn circle(c: Coord, r: f64) -> Polygon {
    let ring: Vec<Coord> = (0..=64)
        .map(|k| {
            let t = std::f64::consts::TAU * f64::from(k % 64) / 64.0;
            Coord {
                x: c.x + r * t.cos(),
                y: c.y + r * t.sin(),
            }
        })
        .collect();
    Polygon::new(LineString::new(ring), vec![])
}

/// What the radius reaches in one neighbour.
#[derive(Default)]
struct Reach {
    area_m2: f64,
    nearest_m: f64,
    sensitive_within_half: bool,
    sensitive: bool,
    parts: Vec<Polygon>,
    zones: Vec<String>,
}

/// One conflict per facility, neighbour and plan version whose receptors the radius reaches.
pub fn spillover(
    region: &Region,
    plans: &PlanZones,
    facilities: &[Facility],
) -> Result<Vec<Conflict>, AnalysisError> {
    let work: Vec<(usize, usize)> = (0..facilities.len())
        .flat_map(|f| (0..plans.versions.len()).map(move |v| (f, v)))
        .collect();
    let found: Vec<Result<Vec<Conflict>, AnalysisError>> = work
        .par_iter()
        .map(|&(f, version)| {
            let facility = &facilities[f];
            let (c, r) = (facility.point, facility.radius_m);
            let disc = circle(c, r);
            let mut reached: BTreeMap<usize, Reach> = BTreeMap::new();
            for k in plans.near_of(version, Rect::new(c, c), r, Units::Except(facility.unit)) {
                let z = &plans.zones[k];
                let sensitive = landuse::is_sensitive(&z.class);
                if !(sensitive || z.control.as_deref() == Some(ECOLOGICAL_RED_LINE)) {
                    continue;
                }
                let d = Euclidean.distance(&Point(c), z.geometry);
                if d > r {
                    continue;
                }
                let zone_polygons = match z.geometry {
                    Geometry::Polygon(p) => MultiPolygon::new(vec![p.clone()]),
                    Geometry::MultiPolygon(mp) => mp.clone(),
                    _ => continue,
                };
                let inside = contain_panic(
                    || format!("plans zone {}: intersecting a nuisance radius", z.id),
                    || zone_polygons.intersection(&MultiPolygon::new(vec![disc.clone()])),
                )?;
                let e = reached.entry(z.unit).or_insert_with(|| Reach {
                    nearest_m: f64::INFINITY,
                    ..Default::default()
                });
                e.area_m2 += inside.unsigned_area();
                e.nearest_m = e.nearest_m.min(d);
                e.sensitive |= sensitive;
                e.sensitive_within_half |= sensitive && d <= r / 2.0;
                e.parts.extend(inside.0);
                e.zones.push(z.id.clone());
            }
            Ok(reached
                .into_iter()
                .map(|(unit, reach)| {
                    let (severity, rule) = if reach.sensitive_within_half {
                        (3, "housing or public services within half the radius")
                    } else if reach.sensitive {
                        (2, "housing or public services within the radius")
                    } else {
                        (1, "ecological red line within the radius")
                    };
                    Conflict {
                        kind: ConflictType::NimbySpillover,
                        severity,
                        severity_rule: format!("{rule} ({r:.0} m for a {})", facility.kind),
                        causing: facility.unit,
                        affected: Some(unit),
                        distance_m: Some(reach.nearest_m),
                        area_ha: Some(reach.area_m2 / 10_000.0),
                        evidence: format!(
                            "{} {} in {}: its {r:.0} m radius reaches {:.1} ha of {} ({} zones, nearest {:.0} m)",
                            facility.kind,
                            facility.id,
                            region.jurisdictions[facility.unit].name,
                            reach.area_m2 / 10_000.0,
                            region.jurisdictions[unit].name,
                            reach.zones.len(),
                            reach.nearest_m
                        ),
                        plan: plans.version_label(version),
                        causing_feature: facility.id.clone(),
                        identity: facility.id.clone(),
                        affected_feature: reach.zones.join(";"),
                        across_water: false,
                        geometry: MultiPolygon::new(reach.parts).into(),
                    }
                })
                .collect())
        })
        .collect();
    let mut out = Vec::new();
    for f in found {
        out.extend(f?);
    }
    Ok(out)
}
