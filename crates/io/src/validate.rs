//! Validation of layer contents: coordinates, geometry validity, and the jurisdiction hierarchy.
//! Messages name the file, the feature (index and code) and the field; they live here, in one place.

use std::collections::HashMap;
use std::path::Path;

use borderscape_core::analysis::landcover::{crosswalk_warning, missing_per_layer};
use borderscape_core::datum::Datum;
use borderscape_core::geometry::first_crossing;
use borderscape_core::{Inputs, Level};
use geo::{CoordsIter, Geometry, LineString, MultiPolygon, Polygon};

use crate::error::{Problem, Severity};
use crate::manifest::GeometryRequirement;

/// Where a feature is, for messages.
pub struct FeatureRef<'a> {
    pub file: &'a Path,
    pub index: usize,
    pub code: Option<&'a str>,
}

impl FeatureRef<'_> {
    fn error(&self, field: &str, message: String) -> Problem {
        Problem::feature(
            Severity::Error,
            self.file,
            self.index,
            self.code,
            Some(field),
            message,
        )
    }
}

/// Checks one geometry: presence and type, finite coordinates, range for geographic datums,
/// and for polygons ring sizes and self-intersections.
pub fn check_geometry(
    at: &FeatureRef,
    geometry: Option<&Geometry>,
    requirement: GeometryRequirement,
    datum: Datum,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let Some(geometry) = geometry else {
        if requirement != GeometryRequirement::None {
            problems.push(at.error("geometry", "the feature has no geometry".into()));
        }
        return problems;
    };
    let type_ok = match requirement {
        GeometryRequirement::Polygonal => {
            matches!(geometry, Geometry::Polygon(_) | Geometry::MultiPolygon(_))
        }
        GeometryRequirement::Lineal => matches!(
            geometry,
            Geometry::LineString(_) | Geometry::MultiLineString(_)
        ),
        GeometryRequirement::Point => {
            matches!(geometry, Geometry::Point(_) | Geometry::MultiPoint(_))
        }
        GeometryRequirement::None => true,
    };
    if !type_ok {
        problems.push(at.error(
            "geometry",
            format!(
                "expected {requirement:?} geometry, found {}",
                type_name(geometry)
            ),
        ));
        return problems;
    }
    if geometry.coords_count() == 0 {
        problems.push(at.error("geometry", "the geometry is empty".into()));
        return problems;
    }
    if let Some(c) = geometry
        .coords_iter()
        .find(|c| !c.x.is_finite() || !c.y.is_finite())
    {
        problems.push(at.error(
            "geometry",
            format!("coordinate ({}, {}) is not a finite number", c.x, c.y),
        ));
        return problems;
    }
    if datum.is_geographic() {
        if let Some(c) = geometry
            .coords_iter()
            .find(|c| c.x.abs() > 180.0 || c.y.abs() > 90.0)
        {
            problems.push(at.error(
                "geometry",
                format!(
                    "coordinate ({}, {}) is out of range for {} longitude/latitude (|lon| ≤ 180, |lat| ≤ 90); is the datum right?",
                    c.x,
                    c.y,
                    datum.name()
                ),
            ));
            return problems;
        }
    }
    let lines: Vec<&geo::LineString> = match geometry {
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(ml) => ml.iter().collect(),
        _ => vec![],
    };
    for (part, line) in lines.iter().enumerate() {
        let mut distinct = line.coords().collect::<Vec<_>>();
        distinct.dedup();
        if distinct.len() < 2 {
            problems.push(at.error(
                "geometry",
                format!("line {part} has fewer than 2 distinct points"),
            ));
        }
    }
    let polygons: Vec<&Polygon> = match geometry {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(mp) => mp.iter().collect(),
        _ => vec![],
    };
    for (part, polygon) in polygons.iter().enumerate() {
        for (r, ring) in std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .enumerate()
        {
            if !has_three_distinct_points(ring) {
                let which = if r == 0 {
                    "exterior ring".into()
                } else {
                    format!("interior ring {r}")
                };
                problems.push(at.error(
                    "geometry",
                    format!("polygon {part}: {which} has fewer than 3 distinct points"),
                ));
            }
        }
    }
    if problems.is_empty() && !polygons.is_empty() {
        if let Some((x, y)) = first_crossing(&polygons) {
            problems.push(at.error(
                "geometry",
                format!("invalid polygon: boundary crosses itself or another ring near ({x:.6}, {y:.6})"),
            ));
        }
    }
    problems
}

/// True when the ring has at least three distinct points (a scan, no allocation).
fn has_three_distinct_points(ring: &LineString) -> bool {
    let mut points = ring.coords();
    let Some(first) = points.next() else {
        return false;
    };
    let Some(second) = points.by_ref().find(|c| *c != first) else {
        return false;
    };
    points.any(|c| c != first && c != second)
}

/// The GeoJSON name of a geometry's type (`Polygon` for rectangles and triangles).
pub fn type_name(g: &Geometry) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::LineString(_) | Geometry::Line(_) => "LineString",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "Polygon",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

/// One jurisdiction record as read, before it is trusted.
pub struct JurisdictionRecord {
    pub index: usize,
    pub code: Option<String>,
    pub name: Option<String>,
    pub level: Option<String>,
    pub parent: Option<String>,
}

/// Checks codes, names, levels and the parent hierarchy of a jurisdictions layer.
pub fn check_jurisdictions(file: &Path, records: &[JurisdictionRecord]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let err = |r: &JurisdictionRecord, field: &str, message: String| {
        Problem::feature(
            Severity::Error,
            file,
            r.index,
            r.code.as_deref(),
            Some(field),
            message,
        )
    };
    let mut first_index: HashMap<&str, usize> = HashMap::new();
    let mut levels: HashMap<&str, Level> = HashMap::new();
    for r in records {
        match r.code.as_deref() {
            None | Some("") => problems.push(err(r, "code", "the code is missing".into())),
            Some(code) => {
                if let Some(first) = first_index.insert(code, r.index) {
                    problems.push(err(
                        r,
                        "code",
                        format!("duplicate code {code}: feature {first} has it too"),
                    ));
                    first_index.insert(code, first);
                }
            }
        }
        if r.name.as_deref().is_none_or(str::is_empty) {
            problems.push(err(r, "name", "the name is missing".into()));
        }
        match r.level.as_deref().map(|l| (l, Level::parse(l))) {
            None => problems.push(err(r, "level", "the level is missing".into())),
            Some((text, None)) => problems.push(err(
                r,
                "level",
                format!("unknown level `{text}` (use province, city, county or township)"),
            )),
            Some((_, Some(level))) => {
                if let Some(code) = r.code.as_deref() {
                    levels.entry(code).or_insert(level);
                }
            }
        }
    }
    for r in records {
        let (Some(parent), Some(code)) = (
            r.parent.as_deref().filter(|p| !p.is_empty()),
            r.code.as_deref(),
        ) else {
            continue;
        };
        match (levels.get(parent), levels.get(code)) {
            (None, _) if !first_index.contains_key(parent) => problems.push(err(
                r,
                "parent",
                format!("parent code {parent} is not a jurisdiction of this layer"),
            )),
            (Some(&parent_level), Some(&level)) if parent_level >= level => problems.push(err(
                r,
                "level",
                format!("level {level} is not below its parent {parent}'s level {parent_level}"),
            )),
            _ => {}
        }
        if parent == code {
            problems.push(err(
                r,
                "parent",
                "a jurisdiction cannot be its own parent".into(),
            ));
        }
    }
    problems
}

/// The share of a jurisdiction's area that may lie outside its parent's polygon. Boundaries of
/// one level digitised apart from the next (different sources, vintages or simplifications)
/// leave slivers along the shared border: a 200 m shift along a small urban district's edge is
/// a fifth of its area. A unit whose parent code or geometry is wrong lies almost wholly
/// outside. Half, the point at which most of the unit is elsewhere, separates the two by a wide
/// margin on both sides.
pub const OUTSIDE_PARENT_LIMIT: f64 = 0.5;

/// `parent` clipped to `window` ring by ring (Sutherland–Hodgman), so that the overlay with a
/// unit inside `window` sees only the parent's vertices near it (2.6 times faster on the YRD
/// counties and cities, areas equal to 1e-8). A concave ring leaves zero-width bridges along
/// the window's edges: they hold no area and the overlay resolves them.
fn clipped(parent: &MultiPolygon, window: geo::Rect) -> MultiPolygon {
    parent
        .iter()
        .filter_map(|p| {
            let holes = p.interiors().iter().filter_map(|h| clip_ring(h, window));
            Some(Polygon::new(
                clip_ring(p.exterior(), window)?,
                holes.collect(),
            ))
        })
        .collect()
}

/// One ring of [`clipped`]; `None` when less than a triangle is left.
fn clip_ring(ring: &LineString, window: geo::Rect) -> Option<LineString> {
    let mut points: Vec<geo::Coord> = ring.0.clone();
    if points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    let (min, max) = (window.min(), window.max());
    // Each side of the window: along x or y, its coordinate, and whether inside is above it.
    for (x, bound, above) in [
        (true, min.x, true),
        (true, max.x, false),
        (false, min.y, true),
        (false, max.y, false),
    ] {
        let value = |c: geo::Coord| if x { c.x } else { c.y };
        let inside = |c: geo::Coord| {
            if above {
                value(c) >= bound
            } else {
                value(c) <= bound
            }
        };
        // Where the edge a–b crosses the side; a and b are on either side of it.
        let cut = |a: geo::Coord, b: geo::Coord| {
            let t = (bound - value(a)) / (value(b) - value(a));
            if x {
                geo::coord! { x: bound, y: a.y + t * (b.y - a.y) }
            } else {
                geo::coord! { x: a.x + t * (b.x - a.x), y: bound }
            }
        };
        let mut previous = *points.last()?;
        let mut kept = Vec::with_capacity(points.len() + 4);
        for &point in &points {
            match (inside(previous), inside(point)) {
                (true, true) => kept.push(point),
                (false, true) => kept.extend([cut(previous, point), point]),
                (true, false) => kept.push(cut(previous, point)),
                (false, false) => {}
            }
            previous = point;
        }
        points = kept;
    }
    (points.len() >= 3).then(|| {
        points.push(points[0]);
        LineString::new(points)
    })
}

/// Jurisdictions with more than [`OUTSIDE_PARENT_LIMIT`] of their area outside their declared
/// parent, as errors on the `parent` field. `geometries[i]` is record `i`'s geometry, `None`
/// where it is missing or already failed its checks (a broken polygon has no meaningful area).
/// Areas are taken in the layer's own coordinates: only the ratio within one unit counts, and
/// the east–west scale of a degree changes by under 1% across a county.
pub fn outside_parents(
    file: &Path,
    records: &[JurisdictionRecord],
    geometries: &[Option<&Geometry>],
) -> Vec<Problem> {
    use geo::{Area, BooleanOps, BoundingRect};
    use rayon::prelude::*;
    let polygons = |i: usize| -> Option<std::borrow::Cow<MultiPolygon>> {
        match geometries.get(i).copied().flatten()? {
            Geometry::Polygon(p) => {
                Some(std::borrow::Cow::Owned(MultiPolygon::new(vec![p.clone()])))
            }
            Geometry::MultiPolygon(mp) => Some(std::borrow::Cow::Borrowed(mp)),
            _ => None,
        }
    };
    let mut by_code: HashMap<&str, usize> = HashMap::new();
    for r in records {
        if let Some(code) = r.code.as_deref() {
            by_code.entry(code).or_insert(r.index);
        }
    }
    records
        .par_iter()
        .filter_map(|r| {
            let parent_code = r.parent.as_deref()?;
            let parent = polygons(*by_code.get(parent_code)?)?;
            let unit = polygons(r.index)?;
            let area = unit.unsigned_area();
            if area <= 0.0 || r.code.as_deref() == Some(parent_code) {
                return None;
            }
            let inside = match unit.bounding_rect() {
                Some(window) => unit.intersection(&clipped(&parent, window)).unsigned_area(),
                None => 0.0,
            };
            let outside = (1.0 - inside / area).max(0.0);
            (outside > OUTSIDE_PARENT_LIMIT).then(|| {
                Problem::feature(
                    Severity::Error,
                    file,
                    r.index,
                    r.code.as_deref(),
                    Some("parent"),
                    format!(
                        "{:.0}% of its area lies outside its parent {parent_code} (more than {:.0}% is no boundary sliver): is the parent code or the geometry wrong?",
                        outside * 100.0,
                        OUTSIDE_PARENT_LIMIT * 100.0
                    ),
                )
            })
        })
        .collect()
}

/// Land-cover classes missing from the crosswalk of their scheme, as warnings with their areas:
/// what `analyze` would put in the landcover summary, found the same way (the finest level's
/// units composed on every raster, which reads each raster once).
pub fn landcover_warnings(inputs: &Inputs) -> Vec<Problem> {
    match missing_per_layer(inputs) {
        Ok(per_layer) => inputs
            .rasters
            .iter()
            .zip(&per_layer)
            .filter_map(|(layer, missing)| {
                crosswalk_warning(layer, missing)
                    .map(|m| Problem::file(Severity::Warning, Path::new(&layer.file), m))
            })
            .collect(),
        Err(e) => vec![Problem::located(e.to_string())],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn at() -> FeatureRef<'static> {
        FeatureRef {
            file: Path::new("x.geojson"),
            index: 3,
            code: Some("A"),
        }
    }

    #[test]
    fn bow_tie_is_invalid_and_named() {
        let bow_tie = Geometry::Polygon(
            polygon![(x: 0., y: 0.), (x: 2., y: 2.), (x: 2., y: 0.), (x: 0., y: 2.)],
        );
        let problems = check_geometry(
            &at(),
            Some(&bow_tie),
            GeometryRequirement::Polygonal,
            Datum::Wgs84,
        );
        assert_eq!(problems.len(), 1);
        let text = problems[0].to_string();
        assert!(
            text.contains("x.geojson: feature 3 (code A): field `geometry`"),
            "{text}"
        );
        assert!(text.contains("(1.000000, 1.000000)"), "{text}");
    }

    #[test]
    fn square_is_valid_and_range_is_checked() {
        let square = Geometry::Polygon(
            polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)],
        );
        assert!(check_geometry(
            &at(),
            Some(&square),
            GeometryRequirement::Polygonal,
            Datum::Wgs84
        )
        .is_empty());
        let far = Geometry::Polygon(polygon![(x: 200., y: 0.), (x: 201., y: 0.), (x: 201., y: 1.)]);
        let problems = check_geometry(
            &at(),
            Some(&far),
            GeometryRequirement::Polygonal,
            Datum::Gcj02,
        );
        assert!(problems[0].message.contains("out of range"));
        assert!(check_geometry(
            &at(),
            Some(&far),
            GeometryRequirement::Polygonal,
            Datum::Epsg(32651)
        )
        .is_empty());
    }

    #[test]
    fn hierarchy_problems_are_found() {
        let rec =
            |index: usize, code: &str, level: &str, parent: Option<&str>| JurisdictionRecord {
                index,
                code: Some(code.into()),
                name: Some("n".into()),
                level: Some(level.into()),
                parent: parent.map(Into::into),
            };
        let records = vec![
            rec(0, "1", "province", None),
            rec(1, "11", "city", Some("1")),
            rec(2, "11", "city", Some("1")),
            rec(3, "111", "county", Some("9")),
            rec(4, "12", "province", Some("11")),
        ];
        let problems = check_jurisdictions(Path::new("j.geojson"), &records);
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(problems.len(), 3, "{text:#?}");
        assert!(text[0].contains("feature 2 (code 11): field `code`: duplicate code 11"));
        assert!(text[1].contains("feature 3 (code 111): field `parent`: parent code 9"));
        assert!(text[2].contains("feature 4 (code 12): field `level`"));
    }
}
