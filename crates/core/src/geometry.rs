//! Geometry checks shared by validation and simplification.

use geo::line_intersection::{line_intersection, LineIntersection};
use geo::{Line, LineString, Polygon};
use rstar::{RTree, RTreeObject, AABB};

struct IndexedLine {
    line: Line,
}

impl RTreeObject for IndexedLine {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(
            [self.line.start.x, self.line.start.y],
            [self.line.end.x, self.line.end.y],
        )
    }
}

/// The first place where two boundary segments cross properly or overlap along a line (a
/// self-intersection, a spike, or two rings crossing). Touching at vertices is allowed, as OGC
/// allows rings to touch at points. O(n log n) with an R-tree, where geo's validation is O(n²).
pub fn first_crossing(polygons: &[&Polygon]) -> Option<(f64, f64)> {
    let rings: Vec<&LineString> = polygons
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .collect();
    let lines: Vec<IndexedLine> = rings
        .iter()
        .flat_map(|r| r.lines())
        .filter(|l| l.start != l.end)
        .map(|line| IndexedLine { line })
        .collect();
    let tree = RTree::bulk_load(lines);
    for a in tree.iter() {
        for b in tree.locate_in_envelope_intersecting(&a.envelope()) {
            if std::ptr::eq(a, b) {
                continue;
            }
            match line_intersection(a.line, b.line) {
                Some(LineIntersection::SinglePoint {
                    intersection,
                    is_proper: true,
                }) => return Some((intersection.x, intersection.y)),
                Some(LineIntersection::Collinear { intersection })
                    if intersection.start != intersection.end =>
                {
                    return Some((intersection.start.x, intersection.start.y))
                }
                _ => {}
            }
        }
    }
    None
}
