//! Conflicts between plans: incompatible land uses facing each other across a border, ecological
//! assets protected on one side and built on the other, and construction inside control lines.

use std::collections::{BTreeMap, HashMap};

use geo::{
    BooleanOps, BoundingRect, Centroid, Contains, Distance, Euclidean, Geometry, Length,
    MultiLineString, MultiPolygon, Polygon,
};
use rayon::prelude::*;

use super::{Conflict, ConflictType, Neighbours, Settings};
use crate::geometry::SegmentIndex;
use crate::landuse::{self, ECOLOGICAL_RED_LINE, PERMANENT_BASIC_FARMLAND};
use crate::model::plans::{PlanZones, Units, Zone};
use crate::model::rules::{Compatibility, CompatibilityMatrix};
use crate::region::Region;

/// Distances within this of a limit count as equal to it: polygon distances carry rounding noise.
const LIMIT_TOLERANCE_M: f64 = 1e-6;

fn class_label(class: &str) -> String {
    landuse::lookup(class).map_or_else(|| class.to_string(), |c| format!("{} ({class})", c.1))
}

fn polygons(g: &Geometry) -> Vec<Polygon> {
    match g {
        Geometry::Polygon(p) => vec![p.clone()],
        Geometry::MultiPolygon(mp) => mp.0.clone(),
        _ => Vec::new(),
    }
}

/// Pairs of zones of different units, in one plan version, whose classes the matrix forbids at
/// their distance (methods.md §1.2): rule 2 within the analysis radius, rule 1 within the setback.
pub fn incompatible(
    region: &Region,
    plans: &PlanZones,
    matrix: &CompatibilityMatrix,
    settings: &Settings,
) -> Vec<Conflict> {
    let mut classes: Vec<&str> = plans.zones.iter().map(|z| z.class.as_str()).collect();
    classes.sort_unstable();
    classes.dedup();
    let pairs = matrix.conflicting_pairs(&classes);
    let threshold = |rule: &Compatibility| match rule {
        Compatibility::Setback { setback_m } => *setback_m,
        _ => settings.radius_m,
    };
    let mut reach: HashMap<&str, f64> = HashMap::new();
    for ((causing, _), rule) in &pairs {
        let r = reach.entry(causing).or_default();
        *r = r.max(threshold(&rule.rule));
    }
    let found: Vec<Conflict> = plans
        .zones
        .par_iter()
        .filter_map(|z| reach.get(z.class.as_str()).map(|r| (z, *r)))
        .flat_map_iter(|(z, reach)| {
            let mut out = Vec::new();
            for k in plans.near_of(z.version, z.bbox, reach, Units::Except(z.unit)) {
                let w = &plans.zones[k];
                let Some(rule) = pairs.get(&(z.class.as_str(), w.class.as_str())) else {
                    continue;
                };
                let limit = threshold(&rule.rule);
                // At the limit (to a micrometre of rounding) is not closer than it; boxes that
                // far apart need no exact distance.
                let beyond = |d: f64| d >= limit - LIMIT_TOLERANCE_M;
                if z.distance_bounds(w).is_none_or(|(below, _)| beyond(below)) {
                    continue;
                }
                let d = Euclidean.distance(z.geometry, w.geometry);
                if beyond(d) {
                    continue;
                }
                let (severity, severity_rule) = match rule.rule {
                    Compatibility::Incompatible => (
                        3,
                        format!("rule 2 (incompatible) within the {limit:.0} m analysis radius"),
                    ),
                    _ if d < limit / 2.0 => (
                        2,
                        format!("rule 1 (setback {limit:.0} m), closer than half the setback"),
                    ),
                    _ => (1, format!("rule 1 (setback {limit:.0} m)")),
                };
                let (a, b) = (&region.jurisdictions[z.unit], &region.jurisdictions[w.unit]);
                out.push(Conflict {
                    kind: ConflictType::IncompatibleLandUse,
                    severity,
                    severity_rule,
                    causing: z.unit,
                    affected: Some(w.unit),
                    distance_m: Some(d),
                    area_ha: Some(w.area_m2 / 10_000.0),
                    evidence: format!(
                        "{} (zone {}) in {} is {d:.0} m from {} (zone {}) in {}: {}",
                        class_label(&z.class),
                        z.id,
                        a.name,
                        class_label(&w.class),
                        w.id,
                        b.name,
                        rule.note
                    ),
                    plan: plans.version_label(z.version),
                    causing_feature: z.id.clone(),
                    affected_feature: w.id.clone(),
                    identity: format!("{}|{}", z.id, w.id),
                    across_water: false,
                    geometry: w.geometry.clone(),
                });
            }
            out
        })
        .collect();
    found
}

/// Whether a zone plans construction inside an ecological red line or permanent basic farmland:
/// a conflict wherever the zone lies.
pub fn breaches_control(z: &Zone) -> bool {
    landuse::is_construction(&z.class)
        && matches!(
            z.control.as_deref(),
            Some(ECOLOGICAL_RED_LINE | PERMANENT_BASIC_FARMLAND)
        )
}

/// Construction classes planned inside an ecological red line or permanent basic farmland, per
/// unit; where the zone lies within `zone_width_m` of a border, the border's other side is named.
pub fn plan_constraints(
    region: &Region,
    plans: &PlanZones,
    borders: &SegmentIndex<(usize, usize)>,
    settings: &Settings,
) -> Vec<Conflict> {
    plans
        .zones
        .par_iter()
        .filter_map(|z| {
            let control = z.control.as_deref().filter(|_| breaches_control(z))?;
            let neighbour = z.geometry.centroid().and_then(|c| {
                borders
                    .nearest(c.0)
                    .filter(|(_, d)| *d <= settings.zone_width_m)
                    .and_then(|((a, b), d)| {
                        let other = if a == z.unit {
                            b
                        } else if b == z.unit {
                            a
                        } else {
                            return None;
                        };
                        Some((other, d))
                    })
            });
            let severity = if control == ECOLOGICAL_RED_LINE { 3 } else { 2 };
            Some(Conflict {
                kind: ConflictType::PlanConstraint,
                severity,
                severity_rule: format!(
                    "construction inside the {control} ({})",
                    if severity == 3 {
                        "red line: 3"
                    } else {
                        "farmland: 2"
                    }
                ),
                causing: z.unit,
                affected: neighbour.map(|(o, _)| o),
                distance_m: neighbour.map(|(_, d)| d),
                area_ha: Some(z.area_m2 / 10_000.0),
                evidence: format!(
                    "{} planned in zone {} of {} under the {control}{}",
                    class_label(&z.class),
                    z.id,
                    region.jurisdictions[z.unit].name,
                    neighbour.map_or(String::new(), |(o, d)| format!(
                        ", {d:.0} m from the border with {}",
                        region.jurisdictions[o].name
                    ))
                ),
                plan: plans.version_label(z.version),
                causing_feature: z.id.clone(),
                affected_feature: String::new(),
                identity: z.id.clone(),
                across_water: false,
                geometry: z.geometry.clone(),
            })
        })
        .collect()
}

/// An ecological asset: a lake or a polygon of the ecology layer, with its boundary indexed.
pub struct Asset {
    pub name: String,
    pub outline: Geometry,
    /// A lake or other water body (units around it may face each other across it), not an
    /// ecology polygon.
    pub water: bool,
    boundary: SegmentIndex<()>,
}

impl Asset {
    fn new(name: String, outline: Geometry, water: bool) -> Self {
        let rings: Vec<geo::LineString> = polygons(&outline)
            .into_iter()
            .flat_map(|p| {
                let (exterior, interiors) = p.into_inner();
                std::iter::once(exterior).chain(interiors)
            })
            .collect();
        Self {
            boundary: SegmentIndex::new(rings.iter().map(|r| (r, ()))),
            name,
            outline,
            water,
        }
    }

    /// Whether two units that share no border face each other across the asset: it is water, and
    /// the shortest line between them, at most `water_gap_m` long, runs over it for over half
    /// its length (not over a third unit between them on one shore).
    fn faces_across(&self, neighbours: &Neighbours, a: usize, b: usize, s: &Settings) -> bool {
        if !self.water {
            return false;
        }
        let Some(line) = neighbours.shortest_line(a, b, s.water_gap_m) else {
            return false;
        };
        let water = MultiPolygon::new(polygons(&self.outline));
        let wet = water.clip(&MultiLineString::new(vec![line.into()]), false);
        Euclidean.length(&wet) > 0.5 * Euclidean.length(&line)
    }

    /// Whether a zone is land within `limit` of the asset (not inside it). The distance of its
    /// centre to the asset's boundary rules out most zones cheaply; the exact polygon distance
    /// decides the rest.
    fn surrounds(&self, zone: &Geometry, bbox: geo::Rect, limit: f64) -> bool {
        let Some(centre) = zone.centroid() else {
            return false;
        };
        // No point of the zone is farther from its centroid than its box's diagonal.
        let diagonal = bbox.width().hypot(bbox.height());
        let Some((_, to_boundary)) = self.boundary.nearest(centre.0) else {
            return false;
        };
        if to_boundary > limit + diagonal || self.outline.contains(&centre) {
            return false;
        }
        Euclidean.distance(zone, &self.outline) <= limit
    }
}

/// The lakes and ecology polygons of the region.
pub fn assets(region: &Region) -> Vec<Asset> {
    let mut out = Vec::new();
    for (kind, label) in [("lakes", "lake"), ("ecology", "ecological patch")] {
        let Some(table) = region.layers.get(kind) else {
            continue;
        };
        let name = table.column_index("name");
        for i in 0..table.len() {
            let Some(outline) = table.geometry(i) else {
                continue;
            };
            let given = name
                .map(|c| table.rows[i][c].to_text())
                .filter(|n| !n.is_empty());
            out.push(Asset::new(
                given.unwrap_or_else(|| format!("{label} #{}", i + 1)),
                outline.clone(),
                kind == "lakes",
            ));
        }
    }
    out
}

/// The land around an asset on one side: areas (m²) protected and planned for construction.
#[derive(Default)]
struct Side {
    total: f64,
    protected: f64,
    construction: f64,
    built: Vec<Polygon>,
}

/// Assets whose surroundings (land within `shore_m`, the asset's own water left out) are at least
/// `protected_share` protected (red line or ecological class) on one side and at least
/// `developed_share` planned for construction on another: one conflict per (developed side,
/// protected side, asset, version) [P].
///
/// Units that share no border are paired only across a water body both border, when they lie
/// within `water_gap_m` of each other (facing across it): a shared water body. Elsewhere the
/// asset would pair units a whole lake or river apart, or across a third unit.
pub fn discontinuity(
    region: &Region,
    plans: &PlanZones,
    assets: &[Asset],
    neighbours: &Neighbours,
    settings: &Settings,
) -> Vec<Conflict> {
    let work: Vec<(usize, usize)> = (0..assets.len())
        .flat_map(|a| (0..plans.versions.len()).map(move |v| (a, v)))
        .collect();
    work.par_iter()
        .flat_map_iter(|&(a, version)| {
            let asset = &assets[a];
            let mut sides: BTreeMap<usize, Side> = BTreeMap::new();
            if let Some(bbox) = asset.outline.bounding_rect() {
                for k in plans.near(version, bbox, settings.shore_m) {
                    let z = &plans.zones[k];
                    if landuse::first_level(&z.class) == "17" {
                        continue;
                    }
                    if !asset.surrounds(z.geometry, z.bbox, settings.shore_m) {
                        continue;
                    }
                    let side = sides.entry(z.unit).or_default();
                    side.total += z.area_m2;
                    if is_protected(z) {
                        side.protected += z.area_m2;
                    }
                    if landuse::is_construction(&z.class) {
                        side.construction += z.area_m2;
                        side.built.extend(polygons(z.geometry));
                    }
                }
            }
            let mut out = Vec::new();
            for (&dev, d) in &sides {
                for (&prot, p) in &sides {
                    if dev == prot || d.total <= 0.0 || p.total <= 0.0 {
                        continue;
                    }
                    let across_water = !neighbours.touch(dev, prot);
                    if across_water && !asset.faces_across(neighbours, dev, prot, settings) {
                        continue;
                    }
                    let (built_share, protected_share) =
                        (d.construction / d.total, p.protected / p.total);
                    if built_share < settings.developed_share
                        || protected_share < settings.protected_share
                    {
                        continue;
                    }
                    let severity = if built_share >= 2.0 * settings.developed_share { 3 } else { 2 };
                    let (jd, jp) = (&region.jurisdictions[dev], &region.jurisdictions[prot]);
                    out.push(Conflict {
                        kind: ConflictType::EcologicalDiscontinuity,
                        severity,
                        severity_rule: format!(
                            "one side ≥ {:.0} % protected, the other ≥ {:.0} % construction (3 when ≥ {:.0} %)",
                            100.0 * settings.protected_share,
                            100.0 * settings.developed_share,
                            200.0 * settings.developed_share
                        ),
                        causing: dev,
                        affected: Some(prot),
                        distance_m: Some(0.0),
                        area_ha: Some(d.construction / 10_000.0),
                        evidence: format!(
                            "{}{}: land within {:.0} m is {:.0} % protected in {} but {:.0} % planned for construction in {} (protected there: {:.0} %)",
                            if across_water { "shared water body " } else { "" },
                            asset.name,
                            settings.shore_m,
                            100.0 * protected_share,
                            jp.name,
                            100.0 * built_share,
                            jd.name,
                            100.0 * d.protected / d.total
                        ),
                        plan: plans.version_label(version),
                        causing_feature: asset.name.clone(),
                        affected_feature: asset.name.clone(),
                        identity: asset.name.clone(),
                        across_water,
                        geometry: MultiPolygon::new(d.built.clone()).into(),
                    });
                }
            }
            out
        })
        .collect()
}

/// Whether a zone is protected: under the ecological red line or of an ecological class.
fn is_protected(z: &Zone) -> bool {
    z.control.as_deref() == Some(ECOLOGICAL_RED_LINE) || landuse::is_ecological(&z.class)
}

/// The land of one neighbouring unit within reach of a protected zone.
#[derive(Default)]
struct Across<'z> {
    total: f64,
    construction: f64,
    /// The nearest construction zone: its distance (m) and id.
    nearest: Option<(f64, &'z str)>,
}

/// Protected plan zones as assets in their own right [P]: where the land across a border within
/// `shore_m` of a red-lined or ecological zone (not itself planned for construction) is at least
/// `developed_share` planned for construction, one discontinuity per (zone, developed unit,
/// version), whether or not a lakes or ecology layer holds the zone. Water (17) across is not
/// land and is left out of the shares, as around lakes.
pub fn protected_zone_discontinuity(
    region: &Region,
    plans: &PlanZones,
    settings: &Settings,
) -> Vec<Conflict> {
    plans
        .zones
        .par_iter()
        // A construction class under the red line is a breach (plan_constraint), not an asset.
        .filter(|z| is_protected(z) && !landuse::is_construction(&z.class))
        .flat_map_iter(|z| {
            let mut sides: BTreeMap<usize, Across> = BTreeMap::new();
            for k in plans.near_of(z.version, z.bbox, settings.shore_m, Units::Except(z.unit)) {
                let other = &plans.zones[k];
                if landuse::first_level(&other.class) == "17" {
                    continue;
                }
                // Exact distances only where the bounds leave the answer open: whether the
                // zone is within reach, and for construction whether it may be the nearest.
                let Some((below, above)) = other.distance_bounds(z) else {
                    continue;
                };
                let reach = settings.shore_m + LIMIT_TOLERANCE_M;
                if below > reach {
                    continue;
                }
                let construction = landuse::is_construction(&other.class);
                let side = sides.entry(other.unit).or_default();
                let nearer = |d: f64| side.nearest.is_none_or(|(best, _)| d < best);
                let exact = (above > reach || (construction && nearer(below)))
                    .then(|| Euclidean.distance(other.geometry, z.geometry));
                if exact.is_some_and(|d| d > reach) {
                    continue;
                }
                side.total += other.area_m2;
                if construction {
                    side.construction += other.area_m2;
                    if let Some(d) = exact.filter(|&d| nearer(d)) {
                        side.nearest = Some((d, other.id.as_str()));
                    }
                }
            }
            let mut out = Vec::new();
            for (dev, side) in sides {
                let (Some((distance, nearest)), true) = (side.nearest, side.total > 0.0) else {
                    continue;
                };
                let share = side.construction / side.total;
                if share < settings.developed_share {
                    continue;
                }
                let severity = if share >= 2.0 * settings.developed_share { 3 } else { 2 };
                let protection = if z.control.as_deref() == Some(ECOLOGICAL_RED_LINE) {
                    "under the ecological red line"
                } else {
                    "of an ecological class"
                };
                out.push(Conflict {
                    kind: ConflictType::EcologicalDiscontinuity,
                    severity,
                    severity_rule: format!(
                        "a protected zone faces land ≥ {:.0} % planned for construction across the border (3 when ≥ {:.0} %)",
                        100.0 * settings.developed_share,
                        200.0 * settings.developed_share
                    ),
                    causing: dev,
                    affected: Some(z.unit),
                    distance_m: Some(distance),
                    area_ha: Some(side.construction / 10_000.0),
                    evidence: format!(
                        "{} zone {} of {} ({:.1} ha) {protection}: land within {:.0} m across the border in {} is {:.0} % planned for construction, the nearest (zone {nearest}) {distance:.0} m away",
                        class_label(&z.class),
                        z.id,
                        region.jurisdictions[z.unit].name,
                        z.area_m2 / 10_000.0,
                        settings.shore_m,
                        region.jurisdictions[dev].name,
                        100.0 * share,
                    ),
                    plan: plans.version_label(z.version),
                    causing_feature: nearest.to_string(),
                    affected_feature: z.id.clone(),
                    identity: z.id.clone(),
                    // The protected zone, the affected feature, as an incompatible pair maps
                    // its affected zone. Until issue 43 it was every construction zone across
                    // within reach: neighbouring protected zones repeated the same polygons, 46k
                    // rows of 10⁶ zones carried 4.6M of them (over half the output and memory).
                    across_water: false,
                    geometry: z.geometry.clone(),
                });
            }
            out
        })
        .collect()
}
