//! Topology-preserving simplification of polygon layers: every boundary shared by two or more
//! polygons (at any level) is simplified once, so neighbours still share it exactly afterwards.
//!
//! Method (as in TopoJSON/mapshaper): a vertex is a *node* where the set of polygons holding it
//! differs from the set holding the segment before or after it (junctions, ends of shared
//! stretches); rings are cut at nodes into arcs; each arc is simplified by Douglas–Peucker with its
//! ends fixed, once, and reused in both directions by every ring that holds it. Ring parts that
//! collapse (fewer than 4 points) are dropped, unless that would empty a polygon. Douglas–Peucker
//! can make a ring cross itself; the arcs of any polygon that comes out invalid then get a quarter
//! of the tolerance and the layer is simplified again (after five rounds they are kept as they are).
//!
//! # References
//! - Douglas, D. H. & Peucker, T. K. (1973) Algorithms for the reduction of the number of points
//!   required to represent a digitized line. *Cartographica* 10(2), 112–122.

use std::collections::HashMap;

use geo::{Coord, LineString, MultiPolygon, Polygon, Simplify};

use crate::geometry::first_crossing;

type Key = (u64, u64);

fn key(c: Coord) -> Key {
    (c.x.to_bits(), c.y.to_bits())
}

fn edge(a: Key, b: Key) -> (Key, Key) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

type ArcKey = (Key, Key, Key, usize);

/// Arcs already simplified, and arcs that must stay as they are.
#[derive(Default)]
struct Arcs {
    done: HashMap<ArcKey, Vec<Coord>>,
    /// Tolerance factor of arcs that made a polygon invalid before (1 for the others).
    factor: HashMap<ArcKey, f64>,
    /// The arcs each polygon used in the last round.
    used: Vec<ArcKey>,
}

/// Simplifies all `polygons` together with tolerance `epsilon` (in the coordinates' unit).
pub fn simplify_shared(polygons: &[MultiPolygon], epsilon: f64) -> Vec<MultiPolygon> {
    let mut factor: HashMap<ArcKey, f64> = HashMap::new();
    for round in 0..6 {
        let (out, used) = simplify_round(polygons, epsilon, &factor);
        let invalid: Vec<usize> = (0..out.len())
            .filter(|&i| first_crossing(&out[i].iter().collect::<Vec<_>>()).is_some())
            .filter(|&i| first_crossing(&polygons[i].iter().collect::<Vec<_>>()).is_none())
            .collect();
        if invalid.is_empty() || round == 5 {
            return out;
        }
        for i in invalid {
            for arc in &used[i] {
                let f = factor.entry(*arc).or_insert(1.0);
                *f = if round == 4 { 0.0 } else { *f * 0.25 };
            }
        }
    }
    unreachable!("the last round returns")
}

fn simplify_round(
    polygons: &[MultiPolygon],
    epsilon: f64,
    factor: &HashMap<ArcKey, f64>,
) -> (Vec<MultiPolygon>, Vec<Vec<ArcKey>>) {
    let mut vertex_owners: HashMap<Key, Vec<usize>> = HashMap::new();
    let mut edge_owners: HashMap<(Key, Key), Vec<usize>> = HashMap::new();
    for (owner, mp) in polygons.iter().enumerate() {
        for ring in crate::geometry::rings(mp) {
            for line in ring.lines() {
                push_unique(vertex_owners.entry(key(line.start)).or_default(), owner);
                push_unique(
                    edge_owners
                        .entry(edge(key(line.start), key(line.end)))
                        .or_default(),
                    owner,
                );
            }
        }
    }
    let mut arcs = Arcs {
        factor: factor.clone(),
        ..Default::default()
    };
    let mut used = Vec::with_capacity(polygons.len());
    let out = polygons
        .iter()
        .map(|mp| {
            arcs.used.clear();
            let parts: Vec<Polygon> = mp
                .iter()
                .filter_map(|p| {
                    let exterior = simplify_ring(
                        p.exterior(),
                        epsilon,
                        &vertex_owners,
                        &edge_owners,
                        &mut arcs,
                    )?;
                    let interiors = p
                        .interiors()
                        .iter()
                        .filter_map(|r| {
                            simplify_ring(r, epsilon, &vertex_owners, &edge_owners, &mut arcs)
                        })
                        .collect();
                    Some(Polygon::new(exterior, interiors))
                })
                .collect();
            used.push(arcs.used.clone());
            if parts.is_empty() {
                mp.clone()
            } else {
                MultiPolygon::new(parts)
            }
        })
        .collect();
    (out, used)
}

fn push_unique(owners: &mut Vec<usize>, owner: usize) {
    if !owners.contains(&owner) {
        owners.push(owner);
    }
}

fn same_set(a: &[usize], b: &[usize]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

fn simplify_ring(
    ring: &LineString,
    epsilon: f64,
    vertex_owners: &HashMap<Key, Vec<usize>>,
    edge_owners: &HashMap<(Key, Key), Vec<usize>>,
    arcs: &mut Arcs,
) -> Option<LineString> {
    let pts: Vec<Coord> = ring.0[..ring.0.len().saturating_sub(1)].to_vec(); // open ring
    let n = pts.len();
    if n < 3 {
        return None;
    }
    let owners_of_edge = |i: usize| &edge_owners[&edge(key(pts[i % n]), key(pts[(i + 1) % n]))];
    let mut nodes: Vec<usize> = (0..n)
        .filter(|&i| {
            let here = &vertex_owners[&key(pts[i])];
            !same_set(here, owners_of_edge((i + n - 1) % n)) || !same_set(here, owners_of_edge(i))
        })
        .collect();
    if nodes.len() < 2 {
        // No junction (an island, or a ring shared whole): cut at the smallest and largest
        // vertex keys, which every ring holding these vertices agrees on.
        let lo = (0..n).min_by_key(|&i| key(pts[i])).expect("n ≥ 3");
        let hi = (0..n).max_by_key(|&i| key(pts[i])).expect("n ≥ 3");
        nodes = vec![lo.min(hi), lo.max(hi)];
        nodes.dedup();
    }
    let mut out: Vec<Coord> = Vec::with_capacity(n);
    for (k, &start) in nodes.iter().enumerate() {
        let end = nodes[(k + 1) % nodes.len()];
        let len = (end + n - start) % n;
        let len = if len == 0 { n } else { len };
        let arc: Vec<Coord> = (0..=len).map(|j| pts[(start + j) % n]).collect();
        let simplified = simplified_arc(&arc, epsilon, arcs);
        out.extend_from_slice(&simplified[..simplified.len() - 1]);
    }
    out.push(out[0]);
    (out.len() >= 4).then(|| LineString::new(out))
}

/// Simplifies an arc once; the same arc met in the other direction gets the reversed result.
fn simplified_arc(arc: &[Coord], epsilon: f64, arcs: &mut Arcs) -> Vec<Coord> {
    let forward = (key(arc[0]), key(arc[1]), key(arc[arc.len() - 1]), arc.len());
    let backward = (
        key(arc[arc.len() - 1]),
        key(arc[arc.len() - 2]),
        key(arc[0]),
        arc.len(),
    );
    let canonical = forward.min(backward);
    arcs.used.push(canonical);
    let epsilon = epsilon * arcs.factor.get(&canonical).copied().unwrap_or(1.0);
    if epsilon == 0.0 {
        return arc.to_vec();
    }
    if let Some(done) = arcs.done.get(&forward) {
        return done.clone();
    }
    if let Some(done) = arcs.done.get(&backward) {
        return done.iter().rev().copied().collect();
    }
    let simplified = LineString::new(arc.to_vec()).simplify(epsilon).0;
    arcs.done.insert(forward, simplified.clone());
    simplified
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area};

    #[test]
    fn neighbours_still_share_their_simplified_border() {
        // Two squares sharing a wiggly border x ≈ 1 with small bumps.
        let wiggle = [
            (1.0, 0.0),
            (1.001, 0.25),
            (1.0, 0.5),
            (0.999, 0.75),
            (1.0, 1.0),
        ];
        let mut left: Vec<Coord> = vec![Coord { x: 0.0, y: 0.0 }];
        left.extend(wiggle.iter().map(|&(x, y)| Coord { x, y }));
        left.push(Coord { x: 0.0, y: 1.0 });
        let mut right: Vec<Coord> = wiggle.iter().rev().map(|&(x, y)| Coord { x, y }).collect();
        right.extend([Coord { x: 2.0, y: 0.0 }, Coord { x: 2.0, y: 1.0 }]);
        let a = MultiPolygon::new(vec![Polygon::new(LineString::new(left), vec![])]);
        let b = MultiPolygon::new(vec![Polygon::new(LineString::new(right), vec![])]);
        let out = simplify_shared(&[a.clone(), b.clone()], 0.01);
        // The bumps are gone on both sides, and the total area is unchanged: no gap, no overlap.
        assert!(out[0].0[0].exterior().0.len() < a.0[0].exterior().0.len());
        let before = a.unsigned_area() + b.unsigned_area();
        let after = out[0].unsigned_area() + out[1].unsigned_area();
        assert!((before - after).abs() < 1e-12, "{before} vs {after}");
        assert!((after - 2.0).abs() < 1e-12);
    }

    #[test]
    fn tiny_islands_collapse_but_a_feature_never_vanishes() {
        let speck = MultiPolygon::new(vec![
            polygon![(x: 0., y: 0.), (x: 0.001, y: 0.), (x: 0.0, y: 0.001)],
        ]);
        let out = simplify_shared(std::slice::from_ref(&speck), 1.0);
        assert_eq!(out[0], speck);
    }
}
