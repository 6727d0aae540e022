//! Habitat patches of a class raster and their effective mesh per zone. Patches are the
//! 8-neighbour connected components of habitat cells over the whole raster (FRAGSTATS' patch
//! rule 8), labelled one row at a time with a union–find of provisional labels (two-pass
//! labelling, Rosenfeld & Pfaltz 1966), so memory is one row plus the label table. A second,
//! identical labelling pass keys every cell by its patch while the zonal composition weighs it
//! by the fraction inside each zone; CUT and CBC then follow [`Mesh::from_pieces`].

use geo::MultiPolygon;

use super::raster::ClassSource;
use super::zonal::{compose_keys, Composition};
use crate::analysis::effective_mesh::Mesh;

/// Row-by-row 8-neighbour labelling with provisional labels (0: not habitat).
struct Labeller {
    prev: Vec<u32>,
    parent: Vec<u32>,
    /// Area of the cells given each provisional label, m².
    area: Vec<f64>,
    rows_done: usize,
}

impl Labeller {
    fn new(width: usize) -> Self {
        Self {
            prev: vec![0; width],
            parent: vec![0],
            area: vec![0.0],
            rows_done: 0,
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
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

    /// Labels one row; the same rows in the same order always get the same labels.
    fn row(&mut self, classes: &[u16], habitat: &[bool], cell_area: f64) -> Vec<u32> {
        let w = classes.len();
        let mut cur = vec![0u32; w];
        for c in 0..w {
            if !habitat[classes[c] as usize] {
                continue;
            }
            // The decision tree of Wu, Otoo & Suzuki (2005): neighbours that touch each other
            // already share a patch, so at most one union per cell.
            let at = |row: &[u32], i: Option<usize>| i.and_then(|i| row.get(i)).map_or(0, |l| *l);
            let (left, up_left, up, up_right) = (
                at(&cur, c.checked_sub(1)),
                at(&self.prev, c.checked_sub(1)),
                self.prev[c],
                at(&self.prev, Some(c + 1)),
            );
            let mut label = if up != 0 {
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
            if label == 0 {
                label = self.parent.len() as u32;
                self.parent.push(label);
                self.area.push(0.0);
            }
            self.area[label as usize] += cell_area;
            cur[c] = label;
        }
        self.prev.clone_from(&cur);
        self.rows_done += 1;
        cur
    }
}

/// The patches of a raster: the patch of every provisional label and each patch's area.
pub struct Patches {
    /// Provisional label → patch id (its root label; 0 for none).
    root: Vec<u32>,
    /// Complete area of each patch by id, m² (0 for labels that are not roots).
    pub complete_m2: Vec<f64>,
    pub count: usize,
}

/// Labels the whole raster once. `habitat[class]` says which classes are habitat.
pub fn label(source: &dyn ClassSource, habitat: &[bool]) -> Result<Patches, String> {
    let grid = source.grid();
    let mut l = Labeller::new(grid.width);
    let band = source.band_rows().max(1);
    let mut r0 = 0;
    while r0 < grid.height {
        let rows = band.min(grid.height - r0);
        let classes = source.read_rows(r0, rows)?;
        for (i, row) in classes.chunks_exact(grid.width).enumerate() {
            l.row(row, habitat, grid.cell_area_m2(r0 + i));
        }
        r0 += rows;
    }
    let root: Vec<u32> = (0..l.parent.len() as u32).map(|x| l.find(x)).collect();
    let mut complete_m2 = vec![0.0; root.len()];
    for (label, a) in l.area.iter().enumerate() {
        complete_m2[root[label] as usize] += a;
    }
    let count = root
        .iter()
        .enumerate()
        .filter(|(i, r)| *i > 0 && **r as usize == *i)
        .count();
    Ok(Patches {
        root,
        complete_m2,
        count,
    })
}

/// The area of every patch inside every zone (keys are patch ids), by a second labelling pass.
pub fn patch_pieces(
    source: &dyn ClassSource,
    habitat: &[bool],
    patches: &Patches,
    zones: &[MultiPolygon],
) -> Result<Vec<Composition>, String> {
    let grid = source.grid().clone();
    let mut l = Labeller::new(grid.width);
    compose_keys(source, zones, Some(0), |row0, rows| {
        // Label (and drop) the rows before the band: labels depend on every row above.
        while l.rows_done < row0 {
            let r = l.rows_done;
            let n = (row0 - r).min(source.band_rows().max(1));
            for (i, row) in source.read_rows(r, n)?.chunks_exact(grid.width).enumerate() {
                l.row(row, habitat, grid.cell_area_m2(r + i));
            }
        }
        let classes = source.read_rows(row0, rows)?;
        let mut keys = Vec::with_capacity(classes.len());
        for (i, row) in classes.chunks_exact(grid.width).enumerate() {
            let labels = l.row(row, habitat, grid.cell_area_m2(row0 + i));
            keys.extend(labels.into_iter().map(|x| patches.root[x as usize]));
        }
        Ok(keys)
    })
}

/// The mesh of one zone of `unit_area_m2` from its patch pieces, with its patch count (pieces
/// under 0.5 m² are slivers of cell edges, not patches).
pub fn mesh(unit_area_m2: f64, pieces: &Composition, patches: &Patches) -> (Mesh, usize) {
    let pieces: Vec<(f64, f64)> = pieces
        .classes
        .iter()
        .filter(|(_, a)| *a >= 0.5)
        .map(|(id, a)| (*a, patches.complete_m2[*id as usize]))
        .collect();
    (Mesh::from_pieces(unit_area_m2, &pieces), pieces.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::landcover::raster::{Grid, InMemory, RasterCrs};
    use geo::polygon;

    /// A hand-computed case on 1 km cells (8 × 6 km). Habitat (1):
    /// ```text
    /// 1 1 0 0 0 0 1 1
    /// 1 0 0 0 0 0 0 1
    /// 0 0 1 0 0 0 0 0
    /// 0 0 0 1 1 0 0 0
    /// 0 0 0 0 0 0 0 0
    /// 1 0 0 0 0 0 1 1
    /// ```
    /// 8-neighbour patches: A = 3 cells (top left), B = 3 (top right), C = 3 (diagonal from
    /// row 2, column 2), D = 1 (bottom left), E = 2 (bottom right): 5 patches (4-neighbour would
    /// split C). The west unit is x 0–4 km (A, C's 2 cells in it, D), the east x 4–8 km (C's
    /// cell at column 4, B, E). CUT west = (3² + 2² + 1²)/24 = 14/24 km²; CBC west =
    /// (3·3 + 2·3 + 1·1)/24 = 16/24 km²; east: CUT = (1 + 9 + 4)/24, CBC = (1·3 + 9 + 4)/24.
    #[test]
    fn patches_and_mesh_match_a_hand_computation() {
        let rows = [
            "11000011", "10000001", "00100000", "00011000", "00000000", "10000011",
        ];
        let classes: Vec<u16> = rows
            .iter()
            .flat_map(|r| r.bytes().map(|b| (b - b'0') as u16))
            .collect();
        let grid = Grid {
            width: 8,
            height: 6,
            x0: 0.0,
            y0: 6000.0,
            dx: 1000.0,
            dy: 1000.0,
            crs: RasterCrs::Projected { epsg: 32651 },
            nodata: None,
        };
        let raster = InMemory { grid, classes };
        let habitat = [false, true];
        let patches = label(&raster, &habitat).unwrap();
        assert_eq!(patches.count, 5);
        let rect = |x0: f64, x1: f64| {
            MultiPolygon::new(vec![
                polygon![(x: x0, y: 0.0), (x: x1, y: 0.0), (x: x1, y: 6000.0), (x: x0, y: 6000.0)],
            ])
        };
        let pieces = patch_pieces(
            &raster,
            &habitat,
            &patches,
            &[rect(0.0, 4000.0), rect(4000.0, 8000.0)],
        )
        .unwrap();
        let (west, np_west) = mesh(24e6, &pieces[0], &patches);
        let (east, np_east) = mesh(24e6, &pieces[1], &patches);
        assert_eq!((np_west, np_east), (3, 3));
        assert!((west.cut_km2 - 14.0 / 24.0).abs() < 1e-12, "{west:?}");
        assert!((west.cbc_km2 - 16.0 / 24.0).abs() < 1e-12, "{west:?}");
        assert!((east.cut_km2 - 14.0 / 24.0).abs() < 1e-12, "{east:?}");
        assert!((east.cbc_km2 - 16.0 / 24.0).abs() < 1e-12, "{east:?}");
        assert!((west.habitat_area_km2 - 6.0).abs() < 1e-12);
    }

    /// CUT and CBC when the unit's boundary cuts through cells, by hand. 1 km cells, habitat 1:
    /// ```text
    /// 1 1 0 1
    /// 1 0 0 1
    /// ```
    /// Patches: A = 3 cells (west), B = 2 cells (east). The unit x 0.5–3.5 km, y 0–2 km
    /// (6 km²) holds half of each cell of columns 0 and 3: A inside = 2 × 0.5 + 1 = 2 km²,
    /// B inside = 2 × 0.5 = 1 km². CUT = (2² + 1²) / 6 = 5/6 km²; CBC = (2·3 + 1·2) / 6 = 8/6 km².
    #[test]
    fn cut_and_cbc_of_cells_cut_by_the_boundary() {
        let grid = Grid {
            width: 4,
            height: 2,
            x0: 0.0,
            y0: 2000.0,
            dx: 1000.0,
            dy: 1000.0,
            crs: RasterCrs::Projected { epsg: 32651 },
            nodata: None,
        };
        let raster = InMemory {
            grid,
            classes: vec![1, 1, 0, 1, 1, 0, 0, 1],
        };
        let habitat = [false, true];
        let patches = label(&raster, &habitat).unwrap();
        let unit = MultiPolygon::new(vec![
            polygon![(x: 500.0, y: 0.0), (x: 3500.0, y: 0.0), (x: 3500.0, y: 2000.0), (x: 500.0, y: 2000.0)],
        ]);
        let pieces = patch_pieces(&raster, &habitat, &patches, &[unit]).unwrap();
        let (m, np) = mesh(6e6, &pieces[0], &patches);
        assert_eq!((patches.count, np), (2, 2));
        assert!((m.habitat_area_km2 - 3.0).abs() < 1e-12, "{m:?}");
        assert!((m.cut_km2 - 5.0 / 6.0).abs() < 1e-12, "{m:?}");
        assert!((m.cbc_km2 - 8.0 / 6.0).abs() < 1e-12, "{m:?}");
    }
}
