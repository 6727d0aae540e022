//! 8-neighbour connected-component labelling of a binary raster, one row at a time: provisional
//! labels joined by union–find (Rosenfeld & Pfaltz 1966), with the decision tree of Wu, Otoo &
//! Suzuki (2005) choosing among the neighbours above and to the left. Used twice in the pass:
//! over the whole raster for habitat patches ([`super::fragmentation`]), and inside each unit for
//! the pieces of those patches that CUT counts ([`PieceAreas`]).

/// Provisional labels and their union–find forest; label 0 means "no label".
#[derive(Debug)]
pub struct UnionFind {
    parent: Vec<u32>,
}

impl Default for UnionFind {
    fn default() -> Self {
        Self { parent: vec![0] }
    }
}

impl UnionFind {
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let up = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = up;
            x = up;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi as usize] = lo;
        }
    }

    /// The label of a foreground cell from those of its left, up-left, up and up-right
    /// neighbours (0: background), joining them when the cell connects two; a fresh label when
    /// it has none. Neighbours that touch each other already share a set, so at most one union
    /// per cell (Wu, Otoo & Suzuki 2005).
    pub fn label(&mut self, left: u32, up_left: u32, up: u32, up_right: u32) -> u32 {
        let label = if up != 0 {
            up
        } else if up_right != 0 {
            match (left, up_left) {
                (0, 0) => {}
                (0, other) | (other, _) => self.union(up_right, other),
            }
            up_right
        } else if left != 0 {
            left
        } else {
            up_left
        };
        if label != 0 {
            return label;
        }
        let fresh = self.parent.len() as u32;
        self.parent.push(fresh);
        fresh
    }
}

/// One unit's habitat cut into pieces: the 8-neighbour connected components of the cells that are
/// habitat and inside the unit, a cell being inside when the unit covers any of it (fraction > 0,
/// as the zonal coverage weighs it). Each piece weighs its cells by fraction × cell area, so the
/// pieces of a patch add up to the patch's area inside the unit. Rows come in order, band after
/// band; memory: two rows of the unit's columns and the unit's provisional labels.
#[derive(Debug)]
pub struct PieceAreas {
    /// First raster column of the rows below.
    col0: i64,
    /// Labels of the last row and of the current one, one column of padding either side.
    prev: Vec<u32>,
    cur: Vec<u32>,
    /// The columns of `prev` that may be labelled (indices into it).
    prev_span: (usize, usize),
    /// The row that `prev` holds.
    prev_row: Option<usize>,
    labels: UnionFind,
    /// Per provisional label: its area, m², and the key (raster-wide patch label) of its first
    /// cell, which names the patch of the whole piece.
    area: Vec<f64>,
    key: Vec<u32>,
}

impl PieceAreas {
    /// The pieces of a unit whose cells lie in raster columns `col0 .. col0 + columns`.
    pub fn new(col0: i64, columns: usize) -> Self {
        Self {
            col0,
            prev: vec![0; columns + 2],
            cur: vec![0; columns + 2],
            prev_span: (0, 0),
            prev_row: None,
            labels: UnionFind::default(),
            area: vec![0.0],
            key: vec![0],
        }
    }

    /// Adds the cells of `row` from column `col` on: `fractions[j]` of the cell keyed `keys[j]`
    /// (0: not habitat), each of `cell_area` m².
    pub fn add_row(
        &mut self,
        row: usize,
        col: i64,
        fractions: &[f64],
        keys: &[u32],
        cell_area: f64,
    ) {
        if self.prev_row.is_none_or(|p| p + 1 != row) {
            // A row of the unit without cells on the raster (or none at all) separates.
            self.prev[self.prev_span.0..self.prev_span.1].fill(0);
            self.prev_span = (0, 0);
        }
        let lo = (col - self.col0) as usize + 1;
        for (j, (f, &key)) in fractions.iter().zip(keys).enumerate() {
            if *f <= 0.0 || key == 0 {
                continue;
            }
            let i = lo + j;
            let label = self.labels.label(
                self.cur[i - 1],
                self.prev[i - 1],
                self.prev[i],
                self.prev[i + 1],
            );
            if label as usize == self.area.len() {
                self.area.push(0.0);
                self.key.push(key);
            }
            self.area[label as usize] += f * cell_area;
            self.cur[i] = label;
        }
        // `cur` is all zeros on entry: clear the row it replaces before reusing it.
        self.prev[self.prev_span.0..self.prev_span.1].fill(0);
        std::mem::swap(&mut self.prev, &mut self.cur);
        self.prev_span = (lo, lo + fractions.len());
        self.prev_row = Some(row);
    }

    /// Every piece as (key of its first cell, area m²), in key order; keys may repeat (one
    /// raster-wide label can reach into the unit in several places).
    pub fn finish(mut self) -> Vec<(u32, f64)> {
        let mut total = vec![0.0; self.area.len()];
        for label in 1..self.area.len() as u32 {
            let root = self.labels.find(label);
            total[root as usize] += self.area[label as usize];
        }
        let mut pieces: Vec<(u32, f64)> = (1..self.area.len())
            .filter(|l| self.labels.find(*l as u32) as usize == *l)
            .map(|l| (self.key[l], total[l]))
            .collect();
        pieces.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        pieces
    }
}
