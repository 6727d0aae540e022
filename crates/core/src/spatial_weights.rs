//! Spatial weights: who is whose neighbour, and how much each neighbour counts.
//!
//! Built from contiguity (the borders analysis' edge pairs = rook, edge + point pairs = queen),
//! distance bands, k nearest neighbours, or read from GAL files (GeoDa/PySAL, binary) and GWT
//! files (weights as given). Row-standardised (`r`, each row's weights divided by the row sum),
//! binary (`b`) or as given (`o`); every transform starts from the weights as built or read, as
//! libpysal's `W.transform`. Units without neighbours (islands) are kept and reported; statistics
//! treat their spatial lag as 0, as PySAL does.
//!
//! Ids in GAL and GWT files match the data's ids by value when both read as numbers (37009 =
//! 37009.0: a numeric DBF field read as a float meets the integer ids PySAL writes), else as text.
//!
//! # References
//! - Anselin, L. (1988) *Spatial Econometrics: Methods and Models*, Kluwer, ch. 3.
//! - Rey, S. J. & Anselin, L. (2007) PySAL. *Review of Regional Studies* 37(1), 5–27 (GAL and GWT
//!   formats, `libpysal.io` `GalIO`/`GwtIO`, `libpysal.weights`).

use geo::MultiPolygon;
use rstar::{primitives::GeomWithData, RTree};

use crate::adjacency::find_contacts;

/// How weights are scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// w_ij = 1 for neighbours.
    Binary,
    /// w_ij / Σ_j w_ij (1/k_i for binary weights).
    RowStandardised,
    /// The weights as built or read (libpysal's `o`).
    Given,
}

impl Transform {
    pub fn parse(text: &str) -> Option<Transform> {
        match text.trim().to_ascii_lowercase().as_str() {
            "b" | "binary" => Some(Transform::Binary),
            "r" | "row" | "row-standardised" | "row-standardized" => {
                Some(Transform::RowStandardised)
            }
            "o" | "original" | "given" => Some(Transform::Given),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Transform::Binary => "binary",
            Transform::RowStandardised => "row-standardised",
            Transform::Given => "as given",
        }
    }
}

/// Sparse weights: for each unit, its neighbours (indices, ascending) with their weights.
#[derive(Debug, Clone, PartialEq)]
pub struct SpatialWeights {
    /// The weights after `transform`: what the statistics use.
    pub neighbours: Vec<Vec<(usize, f64)>>,
    pub transform: Transform,
    /// The weights as built (1 for contiguity, bands, k nearest) or read; every transform starts
    /// from these, so that binary after row-standardised is still 1.
    given: Vec<Vec<(usize, f64)>>,
}

/// Why weights could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WeightsError {
    /// A GAL or GWT file; `line` counts from 1.
    #[error("{format} line {line}: {message}")]
    File {
        format: &'static str,
        line: usize,
        message: String,
    },
    /// Two units of the data (indices from 0) have the same id.
    #[error("units {first} and {second} of the data both have id {id}")]
    DuplicateId {
        id: String,
        first: usize,
        second: usize,
    },
}

/// An id as a weights file or the data writes it: by value when it reads as a number (37009 =
/// 37009.0), else as trimmed text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum IdKey {
    Number(u64),
    Text(String),
}

impl IdKey {
    fn new(text: &str) -> IdKey {
        let text = text.trim();
        match text.parse::<f64>() {
            // + 0.0 makes −0 and 0 one id.
            Ok(x) if x.is_finite() => IdKey::Number((x + 0.0).to_bits()),
            _ => IdKey::Text(text.to_string()),
        }
    }
}

/// Reads a weights file against the data's ids: the header's unit count, line-numbered errors,
/// and the position of each id in the data.
struct WeightsFile<'a> {
    format: &'static str,
    lines: std::vec::IntoIter<(usize, &'a str)>,
    position: std::collections::HashMap<IdKey, usize>,
    /// The line of the header (0-based).
    header_line: usize,
}

impl<'a> WeightsFile<'a> {
    /// Checks the header (`n`, or `flag n name idfield`) against the data's `ids`.
    fn open(format: &'static str, text: &'a str, ids: &[String]) -> Result<Self, WeightsError> {
        let mut position = std::collections::HashMap::new();
        for (i, id) in ids.iter().enumerate() {
            if let Some(first) = position.insert(IdKey::new(id), i) {
                return Err(WeightsError::DuplicateId {
                    id: id.clone(),
                    first,
                    second: i,
                });
            }
        }
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .into_iter();
        let (h, header) = lines.next().ok_or_else(|| WeightsError::File {
            format,
            line: 1,
            message: "empty file".into(),
        })?;
        let file = Self {
            format,
            lines,
            position,
            header_line: h,
        };
        let fields: Vec<&str> = header.split_whitespace().collect();
        let n: usize = match fields.as_slice() {
            [n] => n.parse().ok(),
            [_, n, ..] => n.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| file.error(h, format!("bad header `{header}`")))?;
        if n != ids.len() {
            return Err(file.error(h, format!("the file has {n} units, the data {}", ids.len())));
        }
        Ok(file)
    }

    fn next_line(&mut self) -> Option<(usize, &'a str)> {
        self.lines.next()
    }

    /// The data position of `id` on line `line`; `what` names it in the error.
    fn unit(&self, line: usize, id: &str, what: &str) -> Result<usize, WeightsError> {
        self.position
            .get(&IdKey::new(id))
            .copied()
            .ok_or_else(|| self.error(line, format!("{what} {id} is not in the data")))
    }

    fn error(&self, line: usize, message: String) -> WeightsError {
        WeightsError::File {
            format: self.format,
            line: line + 1,
            message,
        }
    }
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

    /// Binary weights of the listed neighbours (repeats count once).
    fn binary(mut neighbours: Vec<Vec<(usize, f64)>>) -> Self {
        for row in &mut neighbours {
            row.sort_by_key(|&(j, _)| j);
            row.dedup_by_key(|&mut (j, _)| j);
        }
        Self::from_given(neighbours, Transform::Binary)
    }

    /// `given` (rows sorted by neighbour) under `transform`.
    fn from_given(given: Vec<Vec<(usize, f64)>>, transform: Transform) -> Self {
        Self {
            neighbours: Vec::new(),
            transform,
            given,
        }
        .with_transform(transform)
    }

    /// Reads a GAL file: a header (`n`, or `0 n name idfield`), then per unit a line `id k` and a
    /// line of its k neighbour ids. `ids` gives the order of units in the data; every id of the
    /// file must be one of them and vice versa. Binary weights.
    pub fn from_gal(text: &str, ids: &[String]) -> Result<Self, WeightsError> {
        let mut file = WeightsFile::open("GAL", text, ids)?;
        let mut neighbours = vec![Vec::new(); ids.len()];
        let mut seen = vec![false; ids.len()];
        while let Some((l, line)) = file.next_line() {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let [id, k] = parts.as_slice() else {
                return Err(file.error(l, format!("expected `id count`, got `{line}`")));
            };
            let i = file.unit(l, id, "id")?;
            let k: usize = k
                .parse()
                .map_err(|_| file.error(l, format!("bad neighbour count `{k}`")))?;
            seen[i] = true;
            if k == 0 {
                continue;
            }
            let (l2, list) = file
                .next_line()
                .ok_or_else(|| file.error(l, format!("neighbours of {id} are missing")))?;
            let list: Vec<&str> = list.split_whitespace().collect();
            if list.len() != k {
                return Err(file.error(
                    l2,
                    format!(
                        "{id} should have {k} neighbours, the line lists {}",
                        list.len()
                    ),
                ));
            }
            for other in list {
                neighbours[i].push((file.unit(l2, other, "neighbour id")?, 1.0));
            }
        }
        if let Some(missing) = seen.iter().position(|s| !s) {
            return Err(file.error(
                file.header_line,
                format!("id {} of the data is not in the file", ids[missing]),
            ));
        }
        Ok(Self::binary(neighbours))
    }

    /// Reads a GWT file (GeoDa/PySAL): a header (`n`, or `0 n name idfield`), then lines
    /// `i j w_ij`. The weights are kept as given (transform [`Transform::Given`]); a unit on no
    /// line is an island. A pair listed twice, or a negative or non-finite weight, is an error.
    pub fn from_gwt(text: &str, ids: &[String]) -> Result<Self, WeightsError> {
        let mut file = WeightsFile::open("GWT", text, ids)?;
        let mut given: Vec<Vec<(usize, f64)>> = vec![Vec::new(); ids.len()];
        let mut first_line = std::collections::HashMap::new();
        while let Some((l, line)) = file.next_line() {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let [a, b, w] = parts.as_slice() else {
                return Err(file.error(l, format!("expected `id neighbour weight`, got `{line}`")));
            };
            let (i, j) = (file.unit(l, a, "id")?, file.unit(l, b, "neighbour id")?);
            let w: f64 = w
                .parse()
                .ok()
                .filter(|w: &f64| w.is_finite() && *w >= 0.0)
                .ok_or_else(|| file.error(l, format!("weight `{w}` is not a number ≥ 0")))?;
            if let Some(first) = first_line.insert((i, j), l) {
                return Err(file.error(
                    l,
                    format!(
                        "the pair {a} {b} is listed again (first on line {})",
                        first + 1
                    ),
                ));
            }
            given[i].push((j, w));
        }
        for row in &mut given {
            row.sort_by_key(|&(j, _)| j);
        }
        Ok(Self::from_given(given, Transform::Given))
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

    /// The same neighbours with the given scaling, from the weights as built or read.
    pub fn with_transform(mut self, transform: Transform) -> Self {
        self.neighbours = self
            .given
            .iter()
            .map(|row| {
                let sum: f64 = row.iter().map(|&(_, w)| w).sum();
                row.iter()
                    .map(|&(j, w)| {
                        let w = match transform {
                            Transform::Binary => 1.0,
                            // A row of zero weights stays zero (no neighbour counts).
                            Transform::RowStandardised if sum > 0.0 => w / sum,
                            Transform::RowStandardised => 0.0,
                            Transform::Given => w,
                        };
                        (j, w)
                    })
                    .collect()
            })
            .collect();
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
        let given = keep
            .iter()
            .map(|&old| {
                let mut row: Vec<(usize, f64)> = self.given[old]
                    .iter()
                    .filter(|(j, _)| position[*j] != usize::MAX)
                    .map(|&(j, w)| (position[j], w))
                    .collect();
                row.sort_by_key(|&(j, _)| j);
                row
            })
            .collect();
        Self::from_given(given, self.transform)
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

    /// Number of directed links (listed neighbours, as libpysal's `nonzero` for positive weights).
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

    /// PySAL writes integer ids; a numeric DBF field arrives as 37009.0; text ids match as text.
    #[test]
    fn ids_match_by_value_or_as_text() {
        let data: Vec<String> = ["37009.0", "37005.0", "37171"].map(String::from).into();
        let gal = "0 3 sids2 FIPSNO\n37009 1\n37005\n37005 2\n37009 37171\n37171 1\n37005\n";
        let w = SpatialWeights::from_gal(gal, &data).unwrap();
        assert_eq!(w.neighbours[1], vec![(0, 1.0), (2, 1.0)]);
        let names: Vec<String> = ["A7", "b", "C"].map(String::from).into();
        let w = SpatialWeights::from_gal("3\nb 1\nA7\nA7 0\nC 0\n", &names).unwrap();
        assert_eq!(w.neighbours[1], vec![(0, 1.0)]);
        assert_eq!(w.islands(), vec![0, 2]);
        let twice: Vec<String> = ["5", "5.0", "6"].map(String::from).into();
        assert_eq!(
            SpatialWeights::from_gal("3\n", &twice).unwrap_err(),
            WeightsError::DuplicateId {
                id: "5.0".into(),
                first: 0,
                second: 1
            }
        );
    }

    #[test]
    fn gwt_keeps_weights_and_row_standardises_them() {
        let gwt = "0 3 t ID\n1 2 0.5\n1 3 1.5\n2 1 0.5\n";
        let w = SpatialWeights::from_gwt(gwt, &ids(3)).unwrap();
        assert_eq!(w.transform, Transform::Given);
        assert_eq!(w.neighbours[0], vec![(1, 0.5), (2, 1.5)]);
        assert_eq!(w.islands(), vec![2]);
        let r = w.clone().with_transform(Transform::RowStandardised);
        assert_eq!(r.neighbours[0], vec![(1, 0.25), (2, 0.75)]);
        assert_eq!(r.neighbours[1], vec![(0, 1.0)]);
        // Binary after row-standardised is still 1; the given weights come back.
        let b = r.with_transform(Transform::Binary);
        assert_eq!(b.neighbours[0], vec![(1, 1.0), (2, 1.0)]);
        let o = b.with_transform(Transform::Given);
        assert_eq!(o.neighbours[0], vec![(1, 0.5), (2, 1.5)]);
        // A subset re-standardises the kept weights.
        let sub = SpatialWeights::from_gwt(gwt, &ids(3))
            .unwrap()
            .with_transform(Transform::RowStandardised)
            .subset(&[0, 2]);
        assert_eq!(sub.neighbours, vec![vec![(1, 1.0)], vec![]]);
        // A bare `n` header, as GAL.
        assert!(SpatialWeights::from_gwt("3\n1 2 1\n", &ids(3)).is_ok());
        let error = |text: &str| {
            SpatialWeights::from_gwt(text, &ids(3))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            error("3\n1 2 1\n\n1 2 2\n"),
            "GWT line 4: the pair 1 2 is listed again (first on line 2)"
        );
        assert_eq!(
            error("3\n1 2 -1\n"),
            "GWT line 2: weight `-1` is not a number ≥ 0"
        );
        assert_eq!(
            error("3\n1 2\n"),
            "GWT line 2: expected `id neighbour weight`, got `1 2`"
        );
        assert_eq!(
            error("3\n1 4 1\n"),
            "GWT line 2: neighbour id 4 is not in the data"
        );
        assert_eq!(error("2\n"), "GWT line 1: the file has 2 units, the data 3");
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
