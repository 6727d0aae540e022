//! Which jurisdictions of one level touch, along which lines.
//!
//! Method (linear in the number of boundary segments, no all-pairs polygon tests):
//! 1. **Exact edges.** Every ring segment is keyed by its two end vertices (snapped to a 1 mm grid,
//!    order-free). Two jurisdictions that hold the same key share that segment. This is the test
//!    PySAL's rook contiguity makes, and it is exact for data cut from one source, as neighbouring
//!    boundaries usually are.
//! 2. **Shared vertices.** Two jurisdictions holding the same vertex touch (PySAL's queen test).
//! 3. **Near-collinear edges.** Segments left unmatched go into an R-tree; a segment of another
//!    jurisdiction whose both ends lie within the snap tolerance of its line shares the overlap
//!    of the two (T-junctions, vertices present on one side only). An end of one within the
//!    tolerance of the other is a touch.
//!
//! Pairs with shared line length are `edge` borders; pairs that only touch are `point` borders.

use std::collections::{BTreeMap, HashMap};

use geo::{Coord, LineString, MultiPolygon};
use rayon::prelude::*;
use rstar::{RTree, RTreeObject, AABB};

/// Vertices are compared on a 1 mm grid in the analysis CRS.
const GRID_M: f64 = 1e-3;

type VertexKey = (i64, i64);

fn vertex_key(c: Coord) -> VertexKey {
    ((c.x / GRID_M).round() as i64, (c.y / GRID_M).round() as i64)
}

fn edge_key(a: Coord, b: Coord) -> (VertexKey, VertexKey) {
    let (ka, kb) = (vertex_key(a), vertex_key(b));
    if ka <= kb {
        (ka, kb)
    } else {
        (kb, ka)
    }
}

/// A boundary segment of one jurisdiction (`owner` is its position in the input slice).
#[derive(Debug, Clone, Copy)]
struct Segment {
    owner: u32,
    a: Coord,
    b: Coord,
}

impl RTreeObject for Segment {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners([self.a.x, self.a.y], [self.b.x, self.b.y])
    }
}

/// What two jurisdictions share: pieces of line (in the order met) and whether they touch at all.
#[derive(Debug, Default, Clone)]
pub struct Contact {
    pub pieces: Vec<(Coord, Coord)>,
    pub touches: bool,
}

/// Contacts between the jurisdictions of one level, keyed by (i, j) positions with i < j.
pub type Contacts = BTreeMap<(u32, u32), Contact>;

fn segments_of(owner: u32, geometry: &MultiPolygon) -> Vec<Segment> {
    crate::geometry::rings(geometry)
        .flat_map(|ring: &LineString| ring.lines())
        .filter(|l| vertex_key(l.start) != vertex_key(l.end))
        .map(|l| Segment {
            owner,
            a: l.start,
            b: l.end,
        })
        .collect()
}

/// Finds the contacts among `geometries` (one level, analysis CRS, metres).
///
/// Equal segments and equal vertices are brought together by sorting keys (in parallel), which
/// is several times faster than hash maps of owner lists at this size (~400k segments).
pub fn find_contacts(geometries: &[&MultiPolygon], snap_tolerance_m: f64) -> Contacts {
    let segments: Vec<Segment> = geometries
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, g)| segments_of(i as u32, g))
        .collect();
    let mut contacts = ContactsBuilder::default();

    // Phase 1: (segment index, other owner) for every segment another unit holds too.
    let mut by_edge: Vec<((VertexKey, VertexKey), u32, u32)> = segments
        .par_iter()
        .enumerate()
        .map(|(i, s)| (edge_key(s.a, s.b), s.owner, i as u32))
        .collect();
    by_edge.par_sort_unstable();
    let mut matched = vec![false; segments.len()];
    let mut partners: Vec<(u32, u32)> = Vec::new();
    for group in by_edge.chunk_by(|x, y| x.0 == y.0) {
        if group.iter().all(|g| g.1 == group[0].1) {
            continue;
        }
        for &(_, owner, segment) in group {
            matched[segment as usize] = true;
            partners.extend(group.iter().filter(|g| g.1 > owner).map(|g| (segment, g.1)));
        }
    }
    // In segment order, so that pieces come out in ring order (deterministic output).
    partners.sort_unstable();
    for (segment, other) in partners {
        let s = &segments[segment as usize];
        contacts.get((s.owner, other)).pieces.push((s.a, s.b));
    }

    // Phase 2: units holding the same vertex touch.
    let mut by_vertex: Vec<(VertexKey, u32)> = segments
        .par_iter()
        .map(|s| (vertex_key(s.a), s.owner))
        .collect();
    by_vertex.par_sort_unstable();
    by_vertex.dedup();
    for group in by_vertex
        .chunk_by(|x, y| x.0 == y.0)
        .filter(|g| g.len() > 1)
    {
        for (x, &(_, i)) in group.iter().enumerate() {
            for &(_, j) in &group[x + 1..] {
                contacts.get((i, j));
            }
        }
    }

    // Phase 3: near-collinear segments without an exact twin.
    if snap_tolerance_m > 0.0 {
        let unmatched: Vec<Segment> = segments
            .iter()
            .zip(&matched)
            .filter(|(_, &m)| !m)
            .map(|(s, _)| *s)
            .collect();
        for (pair, piece) in near_contacts(&unmatched, snap_tolerance_m) {
            contacts.get(pair).pieces.extend(piece);
        }
    }
    contacts.finish()
}

/// Collects contacts by pair; consecutive segments usually belong to the same pair, so the last
/// one is remembered.
#[derive(Default)]
struct ContactsBuilder {
    index: HashMap<(u32, u32), usize>,
    contacts: Vec<((u32, u32), Contact)>,
    last: Option<((u32, u32), usize)>,
}

impl ContactsBuilder {
    /// The contact of a pair (in either order), created touching.
    fn get(&mut self, (i, j): (u32, u32)) -> &mut Contact {
        let pair = (i.min(j), i.max(j));
        let at = match self.last {
            Some((p, at)) if p == pair => at,
            _ => {
                let next = self.contacts.len();
                let at = *self.index.entry(pair).or_insert(next);
                if at == next {
                    self.contacts.push((
                        pair,
                        Contact {
                            pieces: Vec::new(),
                            touches: true,
                        },
                    ));
                }
                self.last = Some((pair, at));
                at
            }
        };
        &mut self.contacts[at].1
    }

    fn finish(self) -> Contacts {
        self.contacts.into_iter().collect()
    }
}

/// A pair of owners and, when they run along each other, the shared piece.
type NearFind = ((u32, u32), Option<(Coord, Coord)>);

/// Phase 3: shared pieces (or bare touches) among segments that have no exact twin.
fn near_contacts(unmatched: &[Segment], tolerance: f64) -> Vec<NearFind> {
    let tree = RTree::bulk_load(unmatched.to_vec());
    unmatched
        .par_iter()
        .flat_map_iter(|s| {
            let search = AABB::from_corners(
                [s.a.x.min(s.b.x) - tolerance, s.a.y.min(s.b.y) - tolerance],
                [s.a.x.max(s.b.x) + tolerance, s.a.y.max(s.b.y) + tolerance],
            );
            tree.locate_in_envelope_intersecting(&search)
                .filter(|t| t.owner > s.owner)
                .filter_map(|t| {
                    near_overlap(s, t, tolerance).map(|piece| ((s.owner, t.owner), piece))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `Some(Some(piece))` when `t` runs along `s` within `tolerance` over more than `tolerance`;
/// `Some(None)` when they only touch (an end of one within `tolerance` of the other); else `None`.
fn near_overlap(s: &Segment, t: &Segment, tolerance: f64) -> Option<Option<(Coord, Coord)>> {
    let d = s.b - s.a;
    let length = d.x.hypot(d.y);
    let unit = d / length;
    let along = |p: Coord| (p - s.a).x * unit.x + (p - s.a).y * unit.y;
    let across = |p: Coord| ((p - s.a).x * unit.y - (p - s.a).y * unit.x).abs();
    if across(t.a) <= tolerance && across(t.b) <= tolerance {
        let (u0, u1) = (along(t.a), along(t.b));
        let lo = u0.min(u1).max(0.0);
        let hi = u0.max(u1).min(length);
        if hi - lo > tolerance {
            return Some(Some((s.a + unit * lo, s.a + unit * hi)));
        }
    }
    let ends_touch = [t.a, t.b]
        .iter()
        .any(|&p| point_segment_distance(p, s.a, s.b) <= tolerance)
        || [s.a, s.b]
            .iter()
            .any(|&p| point_segment_distance(p, t.a, t.b) <= tolerance);
    ends_touch.then_some(None)
}

fn point_segment_distance(p: Coord, a: Coord, b: Coord) -> f64 {
    let d = b - a;
    let len2 = d.x * d.x + d.y * d.y;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p - a).x * d.x + (p - a).y * d.y) / len2).clamp(0.0, 1.0)
    };
    let q = a + d * t;
    (p - q).x.hypot((p - q).y)
}

/// Joins pieces that follow one another (end of one = start of the next) into lines.
pub fn merge_pieces(pieces: &[(Coord, Coord)]) -> Vec<LineString> {
    let mut lines: Vec<Vec<Coord>> = Vec::new();
    for &(a, b) in pieces {
        match lines.last_mut() {
            Some(line)
                if vertex_key(*line.last().expect("lines are never empty")) == vertex_key(a) =>
            {
                line.push(b)
            }
            _ => lines.push(vec![a, b]),
        }
    }
    // A ring-shaped border is met from the middle of its first line: close the loop.
    if lines.len() > 1 {
        let first_start = vertex_key(lines[0][0]);
        let last_end = vertex_key(*lines.last().and_then(|l| l.last()).expect("non-empty"));
        if first_start == last_end {
            let first = lines.remove(0);
            lines
                .last_mut()
                .expect("non-empty")
                .extend(first.into_iter().skip(1));
        }
    }
    lines.into_iter().map(LineString::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, MultiPolygon};

    fn square(x0: f64, y0: f64, size: f64) -> MultiPolygon {
        MultiPolygon::new(vec![polygon![
            (x: x0, y: y0), (x: x0 + size, y: y0), (x: x0 + size, y: y0 + size), (x: x0, y: y0 + size)
        ]])
    }

    #[test]
    fn exact_edges_corners_and_islands() {
        let a = square(0.0, 0.0, 10.0);
        let b = square(10.0, 0.0, 10.0); // shares the edge x = 10
        let c = square(20.0, 10.0, 10.0); // touches b at (20, 10) only
        let d = square(100.0, 100.0, 5.0); // island
        let contacts = find_contacts(&[&a, &b, &c, &d], 0.01);
        assert_eq!(contacts.len(), 2);
        let ab = &contacts[&(0, 1)];
        let length: f64 = ab
            .pieces
            .iter()
            .map(|(p, q)| (*q - *p).x.hypot((*q - *p).y))
            .sum();
        assert!((length - 10.0).abs() < 1e-12);
        assert!(contacts[&(1, 2)].pieces.is_empty() && contacts[&(1, 2)].touches);
    }

    #[test]
    fn t_junction_is_found_by_the_near_phase() {
        // b's left edge has an extra vertex at (10, 5); a's right edge does not.
        let a = square(0.0, 0.0, 10.0);
        let b = MultiPolygon::new(vec![polygon![
            (x: 10.0, y: 0.0), (x: 20.0, y: 0.0), (x: 20.0, y: 10.0), (x: 10.0, y: 10.0), (x: 10.0, y: 5.0)
        ]]);
        let contacts = find_contacts(&[&a, &b], 0.01);
        let length: f64 = contacts[&(0, 1)]
            .pieces
            .iter()
            .map(|(p, q)| (*q - *p).x.hypot((*q - *p).y))
            .sum();
        assert!((length - 10.0).abs() < 1e-9, "{length}");
        assert!(find_contacts(&[&a, &b], 0.0)[&(0, 1)].pieces.is_empty());
    }

    #[test]
    fn merges_consecutive_pieces_and_closes_rings() {
        let c = |x: f64, y: f64| Coord { x, y };
        let pieces = [
            (c(1., 0.), c(1., 1.)),
            (c(1., 1.), c(0., 1.)),
            (c(0., 0.), c(1., 0.)),
        ];
        let lines = merge_pieces(&pieces);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].0.len(), 4);
    }
}
