//! Spatial weights: who is whose neighbour, and how much each neighbour counts.
//!
//! Built from contiguity (the borders analysis' edge pairs = rook, edge + point pairs = queen),
//! distance bands, k nearest neighbours, or read from GAL files (GeoDa/PySAL). Row-standardised
//! (`r`, each row sums to 1) or binary (`b`). Units without neighbours (islands) are kept and
//! reported; statistics treat their spatial lag as 0, as PySAL does.
//!
//! # References
//! - Anselin, L. (1988) *Spatial Econometrics: Methods and Models*, Kluwer, ch. 3.
//! - Rey, S. J. & Anselin, L. (2007) PySAL. *Review of Regional Studies* 37(1), 5–27 (GAL format,
//!   `libpysal.weights`).

use geo::MultiPolygon;
use rstar::{primitives::GeomWithData, RTree};

use crate::adjacency::find_contacts;

/// How weights are scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// w_ij = 1 for neighbours.
    Binary,
    /// w_ij = 1 / (number of neighbours of i).
    RowStandardised,
}

impl Transform {
    pub fn parse(text: &str) -> Option<Transform> {
        match text.trim().to_ascii_lowercase().as_str() {
            "b" | "binary" => Some(Transform::Binary),
            "r" | "row" | "row-standardised" | "row-standardized" => {
                Some(Transform::RowStandardised)
            }
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Transform::Binary => "binary",
            Transform::RowStandardised => "row-standardised",
        }
    }
}

/// Sparse weights: for each unit, its neighbours (indices, ascending) with their weights.
#[derive(Debug, Clone, PartialEq)]
pub struct SpatialWeights {
    pub neighbours: Vec<Vec<(usize, f64)>>,
    pub transform: Transform,
}

/// Why weights could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WeightsError {
    #[error("GAL line {line}: {message}")]
    Gal { line: usize, message: String },
}

impl SpatialWeights {
    /// Symmetric binary weights from unordered neighbour pairs among `n` units.
    pub fn from_pairs(n: usize, pairs: impl IntoIterator<Item = (usize, usize)>) -> Self {
        let mut neighbours = vec![Vec::new(); n];
        for (i, j) in pairs {
            if i != j {
                neighbours[i].push((j, 1.0));
                neighbours[j].push((i, 1.0));
            }
        }
        Self::binary(neighbours)
    }

    /// Contiguity weights of polygons (in a projected CRS): rook = a shared edge, queen = any
    /// shared point; boundaries within `snap_tolerance_m` count as shared (0: exact, as PySAL).
    pub fn contiguity(polygons: &[&MultiPolygon], queen: bool, snap_tolerance_m: f64) -> Self {
        let contacts = find_contacts(polygons, snap_tolerance_m);
        let pairs = contacts
            .into_iter()
            .filter(|(_, c)| queen || !c.pieces.is_empty())
            .map(|((i, j), _)| (i as usize, j as usize));
        Self::from_pairs(polygons.len(), pairs)
    }

    fn binary(mut neighbours: Vec<Vec<(usize, f64)>>) -> Self {
        for row in &mut neighbours {
            row.sort_by_key(|&(j, _)| j);
            row.dedup_by_key(|&mut (j, _)| j);
        }
        Self {
            neighbours,
            transform: Transform::Binary,
        }
    }

    /// Reads a GAL file: a header (`n`, or `0 n name idfield`), then per unit a line `id k` and a
    /// line of its k neighbour ids. `ids` gives the order of units in the data; every id of the
    /// file must be one of them and vice versa.
    pub fn from_gal(text: &str, ids: &[String]) -> Result<Self, WeightsError> {
        let position: std::collections::HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let err = |line: usize, message: String| WeightsError::Gal {
            line: line + 1,
            message,
        };
        let (h, header) = lines.next().ok_or_else(|| err(0, "empty file".into()))?;
        let fields: Vec<&str> = header.split_whitespace().collect();
        let n: usize = match fields.as_slice() {
            [n] => n.parse().ok(),
            [_, n, ..] => n.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| err(h, format!("bad header `{header}`")))?;
        if n != ids.len() {
            return Err(err(
                h,
                format!("the file has {n} units, the data {}", ids.len()),
            ));
        }
        let mut neighbours = vec![Vec::new(); n];
        let mut seen = vec![false; n];
        while let Some((l, line)) = lines.next() {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let [id, k] = parts.as_slice() else {
                return Err(err(l, format!("expected `id count`, got `{line}`")));
            };
            let i = *position
                .get(id)
                .ok_or_else(|| err(l, format!("id {id} is not in the data")))?;
            let k: usize = k
                .parse()
                .map_err(|_| err(l, format!("bad neighbour count `{k}`")))?;
            seen[i] = true;
            if k == 0 {
                continue;
            }
            let (l2, list) = lines
                .next()
                .ok_or_else(|| err(l, format!("neighbours of {id} are missing")))?;
            let list: Vec<&str> = list.split_whitespace().collect();
            if list.len() != k {
                return Err(err(
                    l2,
                    format!(
                        "{id} should have {k} neighbours, the line lists {}",
                        list.len()
                    ),
                ));
            }
            for other in list {
                let j = *position
                    .get(other)
                    .ok_or_else(|| err(l2, format!("neighbour id {other} is not in the data")))?;
                neighbours[i].push((j, 1.0));
            }
        }
        if let Some(missing) = seen.iter().position(|s| !s) {
            return Err(err(
                h,
                format!("id {} of the data is not in the file", ids[missing]),
            ));
        }
        Ok(Self::binary(neighbours))
    }

    /// Units within `threshold` (same unit as the points) of each other.
    pub fn distance_band(points: &[[f64; 2]], threshold: f64) -> Self {
        let tree = point_tree(points);
        let neighbours = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                tree.locate_within_distance(*p, threshold * threshold)
                    .filter(|q| q.data != i)
                    .map(|q| (q.data, 1.0))
                    .collect()
            })
            .collect();
        Self::binary(neighbours)
    }

    /// The k nearest other units of each unit (not symmetric, as in PySAL's KNN).
    pub fn k_nearest(points: &[[f64; 2]], k: usize) -> Self {
        let tree = point_tree(points);
        let neighbours = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                tree.nearest_neighbor_iter(p)
                    .filter(|q| q.data != i)
                    .take(k)
                    .map(|q| (q.data, 1.0))
                    .collect()
            })
            .collect();
        Self::binary(neighbours)
    }

    /// The same neighbours with the given scaling.
    pub fn with_transform(mut self, transform: Transform) -> Self {
        for row in &mut self.neighbours {
            let w = match transform {
                Transform::Binary => 1.0,
                Transform::RowStandardised => 1.0 / row.len().max(1) as f64,
            };
            for entry in row.iter_mut() {
                entry.1 = w;
            }
        }
        self.transform = transform;
        self
    }

    /// The weights among `keep` (indices into these weights, in the order given); links to units
    /// outside `keep` are dropped and the transform is re-applied.
    pub fn subset(&self, keep: &[usize]) -> SpatialWeights {
        let mut position = vec![usize::MAX; self.len()];
        for (new, &old) in keep.iter().enumerate() {
            position[old] = new;
        }
        let neighbours = keep
            .iter()
            .map(|&old| {
                self.neighbours[old]
                    .iter()
                    .filter(|(j, _)| position[*j] != usize::MAX)
                    .map(|&(j, _)| (position[j], 1.0))
                    .collect()
            })
            .collect();
        Self::binary(neighbours).with_transform(self.transform)
    }

    pub fn len(&self) -> usize {
        self.neighbours.len()
    }

    pub fn is_empty(&self) -> bool {
        self.neighbours.is_empty()
    }

    /// Indices of units without neighbours.
    pub fn islands(&self) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.neighbours[i].is_empty())
            .collect()
    }

    /// Number of directed links (non-zero weights).
    pub fn links(&self) -> usize {
        self.neighbours.iter().map(Vec::len).sum()
    }

    /// The spatial lag Σ_j w_ij x_j of every unit.
    pub fn lag(&self, x: &[f64]) -> Vec<f64> {
        self.neighbours
            .iter()
            .map(|row| row.iter().map(|&(j, w)| w * x[j]).sum())
            .collect()
    }
}

/// An R-tree of points carrying their index.
fn point_tree(points: &[[f64; 2]]) -> RTree<GeomWithData<[f64; 2], usize>> {
    RTree::bulk_load(
        points
            .iter()
            .enumerate()
            .map(|(i, p)| GeomWithData::new(*p, i))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (1..=n).map(|i| i.to_string()).collect()
    }

    #[test]
    fn gal_reads_and_checks_ids() {
        let w = SpatialWeights::from_gal("3\n1 1\n2\n2 2\n1 3\n3 1\n2\n", &ids(3)).unwrap();
        assert_eq!(w.links(), 4);
        let r = w.with_transform(Transform::RowStandardised);
        assert_eq!(r.neighbours[1], vec![(0, 0.5), (2, 0.5)]);
        let bad = SpatialWeights::from_gal("3\n1 1\n9\n2 0\n3 0\n", &ids(3)).unwrap_err();
        assert_eq!(
            bad.to_string(),
            "GAL line 3: neighbour id 9 is not in the data"
        );
        assert!(SpatialWeights::from_gal("4\n", &ids(3)).is_err());
    }

    #[test]
    fn distance_band_knn_and_islands() {
        let pts = [[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [10.0, 10.0]];
        let band = SpatialWeights::distance_band(&pts, 1.5);
        assert_eq!(band.neighbours[0], vec![(1, 1.0)]);
        assert_eq!(band.islands(), vec![2, 3]);
        let sub = band.subset(&[1, 0]);
        assert_eq!(sub.neighbours, vec![vec![(1, 1.0)], vec![(0, 1.0)]]);
        let knn = SpatialWeights::k_nearest(&pts, 2);
        assert_eq!(knn.neighbours[0], vec![(1, 1.0), (2, 1.0)]);
        assert_eq!(knn.lag(&[1.0, 2.0, 3.0, 4.0])[0], 5.0);
    }
}
