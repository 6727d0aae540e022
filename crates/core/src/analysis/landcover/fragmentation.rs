//! Habitat patches of a class raster and their effective mesh per zone. Patches are the
//! 8-neighbour connected components of habitat cells over the whole raster (FRAGSTATS' patch
//! rule 8), labelled one row at a time ([`super::labels`]), so memory is one row plus the label
//! table. The same pass weighs every cell by the fraction inside each zone twice: by class, and,
//! in each unit, by piece, the 8-neighbour components of the habitat cells inside the unit
//! ([`PieceAreas`]), each piece remembering the provisional label of one of its cells. Once the
//! raster is read, each label's area goes to its patch and each piece to the patch of its label.
//! CUT cuts the landscape at the unit's boundary before it measures (Jaeger 2000; Moser et al.
//! 2007), so it squares pieces: a patch that leaves the unit and comes back is two pieces. CBC
//! weighs every piece by its whole patch. Both follow [`Mesh::from_pieces`].
//!
//! [`PieceAreas`]: super::labels::PieceAreas

use geo::MultiPolygon;
use rayon::prelude::*;

use super::labels::UnionFind;
use super::zonal::{compose_layers, Composition, KeyLayer, Sum};
use crate::analysis::effective_mesh::Mesh;
use crate::raster::ClassSource;

/// Row-by-row 8-neighbour labelling of the whole raster's habitat (label 0: not habitat).
struct Labeller {
    prev: Vec<u32>,
    labels: UnionFind,
    /// Area of the cells given each provisional label, m².
    area: Vec<f64>,
    rows_done: usize,
}

impl Labeller {
    fn new(width: usize) -> Self {
        Self {
            prev: vec![0; width],
            labels: UnionFind::default(),
            area: vec![0.0],
            rows_done: 0,
        }
    }

    /// Labels the next row into `cur` (one label per cell).
    fn row(&mut self, classes: &[u16], habitat: &[bool], cell_area: f64, cur: &mut [u32]) {
        cur.fill(0);
        for c in 0..classes.len() {
            if !habitat[classes[c] as usize] {
                continue;
            }
            let at = |row: &[u32], i: Option<usize>| i.and_then(|i| row.get(i)).map_or(0, |l| *l);
            let label = self.labels.label(
                at(cur, c.checked_sub(1)),
                at(&self.prev, c.checked_sub(1)),
                self.prev[c],
                at(&self.prev, Some(c + 1)),
            );
            if label as usize == self.area.len() {
                self.area.push(0.0);
            }
            self.area[label as usize] += cell_area;
            cur[c] = label;
        }
        self.prev.copy_from_slice(cur);
        self.rows_done += 1;
    }

    /// Labels (and drops) the rows from the next one up to `end`, a band at a time.
    fn label_until(
        &mut self,
        source: &dyn ClassSource,
        habitat: &[bool],
        end: usize,
    ) -> Result<(), String> {
        let grid = source.grid();
        let mut scratch = vec![0; grid.width];
        while self.rows_done < end {
            let row0 = self.rows_done;
            let n = (end - row0).min(source.band_rows().max(1));
            for (i, row) in source
                .read_rows(row0, n)?
                .chunks_exact(grid.width)
                .enumerate()
            {
                self.row(row, habitat, grid.cell_area_m2(row0 + i), &mut scratch);
            }
        }
        Ok(())
    }

    /// The patches once every row is labelled: each label's root, each root's area.
    fn finish(mut self) -> Patches {
        let root: Vec<u32> = (0..self.area.len() as u32)
            .map(|x| self.labels.find(x))
            .collect();
        let mut complete_m2 = vec![0.0; root.len()];
        for (label, a) in self.area.iter().enumerate() {
            complete_m2[root[label] as usize] += a;
        }
        let count = root
            .iter()
            .enumerate()
            .filter(|(i, r)| *i > 0 && **r as usize == *i)
            .count();
        Patches {
            root,
            complete_m2,
            count,
        }
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

/// The habitat of one unit: its pieces, the parts of patches connected inside it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pieces {
    /// (patch id, area inside the unit m²) of every piece, in patch order.
    pub pieces: Vec<(u32, f64)>,
}

impl Pieces {
    /// The area of each patch inside the unit (its pieces together), in patch order.
    pub fn by_patch(&self) -> Vec<(u32, f64)> {
        self.pieces
            .chunk_by(|a, b| a.0 == b.0)
            .map(|p| (p[0].0, p.iter().map(|p| p.1).sum()))
            .collect()
    }
}

/// What one pass over a raster finds: the class composition of every zone, the habitat pieces
/// of each of the first `units` zones, and the patches.
pub struct Survey {
    pub classes: Vec<Composition>,
    pub pieces: Vec<Pieces>,
    pub patches: Patches,
}

/// Reads the raster once: classes and patch labels of each band, the classes weighed by every
/// zone's cell fractions, the labels cut into pieces by the first `units` zones. `habitat[class]`
/// says which classes are habitat.
pub fn survey(
    source: &dyn ClassSource,
    zones: &[MultiPolygon],
    units: usize,
    habitat: &[bool],
) -> Result<Survey, String> {
    let grid = source.grid().clone();
    let mut labeller = Labeller::new(grid.width);
    let layers = [
        KeyLayer::classes(&grid, zones.len()),
        KeyLayer {
            sum: Sum::ByPiece,
            zones: units.min(zones.len()),
        },
    ];
    let mut all = compose_layers(source, zones, &layers, |row0, rows, keys| {
        // Labels depend on every row above.
        labeller.label_until(source, habitat, row0)?;
        let classes = source.read_rows(row0, rows)?;
        let (class_keys, label_keys) = keys.split_at_mut(1);
        let labels = &mut label_keys[0];
        class_keys[0].clear();
        class_keys[0].extend(classes.iter().map(|c| u32::from(*c)));
        labels.resize(classes.len(), 0);
        for (i, (row, out)) in classes
            .chunks_exact(grid.width)
            .zip(labels.chunks_exact_mut(grid.width))
            .enumerate()
        {
            labeller.row(row, habitat, grid.cell_area_m2(row0 + i), out);
        }
        Ok(())
    })?;
    // The rows below every zone still join patches that reach into the zones.
    labeller.label_until(source, habitat, grid.height)?;
    let patches = labeller.finish();
    let pieces = all
        .pop()
        .unwrap_or_default()
        .into_par_iter()
        .map(|labels| of_patches(labels, &patches))
        .collect();
    Ok(Survey {
        classes: all.pop().unwrap_or_default(),
        pieces,
        patches,
    })
}

/// A unit's pieces by the provisional label of one of their cells (in label order), put in
/// patch order (stably: the same order on every run).
fn of_patches(labels: Composition, patches: &Patches) -> Pieces {
    let mut pieces: Vec<(u32, f64)> = labels
        .classes
        .into_iter()
        .map(|(label, m2)| (patches.root[label as usize], m2))
        .collect();
    pieces.sort_by_key(|p| p.0);
    Pieces { pieces }
}

/// The mesh of one zone of `unit_area_m2` from its pieces, with its patch count: the patches
/// with at least 0.5 m² inside (less is a sliver of cell edges, not a patch), each counted once
/// however many pieces it has; CUT squares each of their pieces, CBC weighs each by its patch.
pub fn mesh(unit_area_m2: f64, pieces: &Pieces, patches: &Patches) -> (Mesh, usize) {
    let mut kept = Vec::new();
    let mut count = 0;
    for patch in pieces.pieces.chunk_by(|a, b| a.0 == b.0) {
        if patch.iter().map(|p| p.1).sum::<f64>() >= 0.5 {
            let complete = patches.complete_m2[patch[0].0 as usize];
            kept.extend(patch.iter().map(|p| (p.1, complete)));
            count += 1;
        }
    }
    (Mesh::from_pieces(unit_area_m2, &kept), count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::effective_mesh;
    use crate::analysis::landcover::coverage::CellPolygon;
    use crate::raster::{Grid, InMemory, RasterCrs};
    use geo::{polygon, LineString, Polygon};
    use std::collections::{HashMap, HashSet};

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
        let rect = |x0: f64, x1: f64| {
            MultiPolygon::new(vec![
                polygon![(x: x0, y: 0.0), (x: x1, y: 0.0), (x: x1, y: 6000.0), (x: x0, y: 6000.0)],
            ])
        };
        let zones = [rect(0.0, 4000.0), rect(4000.0, 8000.0)];
        let Survey {
            pieces, patches, ..
        } = survey(&raster, &zones, zones.len(), &habitat).unwrap();
        assert_eq!(patches.count, 5);
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
        let unit = MultiPolygon::new(vec![
            polygon![(x: 500.0, y: 0.0), (x: 3500.0, y: 0.0), (x: 3500.0, y: 2000.0), (x: 500.0, y: 2000.0)],
        ]);
        let Survey {
            pieces, patches, ..
        } = survey(&raster, &[unit], 1, &habitat).unwrap();
        let (m, np) = mesh(6e6, &pieces[0], &patches);
        assert_eq!((patches.count, np), (2, 2));
        assert!((m.habitat_area_km2 - 3.0).abs() < 1e-12, "{m:?}");
        assert!((m.cut_km2 - 5.0 / 6.0).abs() < 1e-12, "{m:?}");
        assert!((m.cbc_km2 - 8.0 / 6.0).abs() < 1e-12, "{m:?}");
    }

    /// A U-shaped unit on 1 km cells (6 × 5 km) whose forest band leaves it and comes back
    /// (habitat 1; the unit's notch x 1.5–4.5 km, y 1–5 km, cuts cells of columns 1 and 4 in half):
    /// ```text
    /// 0 0 0 0 0 0
    /// 1 1 1 1 1 1    band: one 6 km² patch
    /// 0 0 0 0 0 0
    /// 0 0 0 0 0 0
    /// 0 0 1 1 0 0    one 2 km² patch, in the U's base
    /// ```
    /// The unit (30 − 12 = 18 km²) holds the band as two pieces, 1 + ½ = 1.5 km² each side of the
    /// notch: CUT = (1.5² + 1.5² + 2²)/18 = 8.5/18 km² (one piece of 3 km² would give 13/18),
    /// CBC = (1.5·6 + 1.5·6 + 2·2)/18 = 22/18 km²; patches 2. The vector `effective_mesh` of the
    /// same habitat as polygons gives the same.
    #[test]
    fn a_u_shaped_unit_cuts_a_patch_into_pieces_as_the_vector_mesh() {
        let grid = Grid {
            width: 6,
            height: 5,
            x0: 0.0,
            y0: 5000.0,
            dx: 1000.0,
            dy: 1000.0,
            crs: RasterCrs::Projected { epsg: 32651 },
            nodata: None,
        };
        let rows = ["000000", "111111", "000000", "000000", "001100"];
        let classes = rows
            .iter()
            .flat_map(|r| r.bytes().map(|b| u16::from(b - b'0')))
            .collect();
        let raster = InMemory { grid, classes };
        let u = LineString::from(vec![
            (0.0, 0.0),
            (6000.0, 0.0),
            (6000.0, 5000.0),
            (4500.0, 5000.0),
            (4500.0, 1000.0),
            (1500.0, 1000.0),
            (1500.0, 5000.0),
            (0.0, 5000.0),
        ]);
        let unit = MultiPolygon::new(vec![Polygon::new(u, vec![])]);
        let Survey {
            pieces, patches, ..
        } = survey(&raster, std::slice::from_ref(&unit), 1, &[false, true]).unwrap();
        let (m, np) = mesh(18e6, &pieces[0], &patches);
        assert_eq!((patches.count, np, pieces[0].pieces.len()), (2, 2, 3));
        assert!((m.habitat_area_km2 - 5.0).abs() < 1e-12, "{m:?}");
        assert!((m.cut_km2 - 8.5 / 18.0).abs() < 1e-12, "{m:?}");
        assert!((m.cbc_km2 - 22.0 / 18.0).abs() < 1e-12, "{m:?}");

        let rect = |x0: f64, y0: f64, x1: f64, y1: f64| {
            MultiPolygon::new(vec![
                polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)],
            ])
        };
        let habitat = [
            rect(0.0, 3000.0, 6000.0, 4000.0),
            rect(2000.0, 0.0, 4000.0, 1000.0),
        ];
        let vector = effective_mesh::Patches::new(&habitat).unwrap();
        let v = effective_mesh::mesh_of(&unit, &vector, "U").unwrap();
        assert!((m.cut_km2 - v.cut_km2).abs() < 1e-9, "{m:?} vs {v:?}");
        assert!((m.cbc_km2 - v.cbc_km2).abs() < 1e-9, "{m:?} vs {v:?}");
    }

    /// A cell with any part inside the unit is inside it, and joins its neighbours inside: a gap
    /// of the unit narrower than the cells it passes through does not cut a piece. The forest band
    /// of the U-shaped test under a notch x 2.5–3.5 km: columns 2 and 3 are half inside each and
    /// neighbours, so the band is one piece of 1 + 1 + ½ + ½ + 1 + 1 = 5 km² in the 26 km² unit
    /// (CUT 25/26 km²), where the polygons' CUT is (2.5² + 2.5²)/26; a notch x 2–4 km, whole
    /// cells, cuts it into 2 + 2 km² in the 22 km² unit (CUT 8/22 km²) as the polygons do.
    #[test]
    fn a_gap_of_the_unit_within_cells_does_not_cut_a_piece() {
        let grid = Grid {
            width: 6,
            height: 5,
            x0: 0.0,
            y0: 5000.0,
            dx: 1000.0,
            dy: 1000.0,
            crs: RasterCrs::Projected { epsg: 32651 },
            nodata: None,
        };
        let mut classes = vec![0; 30];
        classes[6..12].fill(1);
        let raster = InMemory { grid, classes };
        let notched = |x0: f64, x1: f64| {
            let u = LineString::from(vec![
                (0.0, 0.0),
                (6000.0, 0.0),
                (6000.0, 5000.0),
                (x1, 5000.0),
                (x1, 1000.0),
                (x0, 1000.0),
                (x0, 5000.0),
                (0.0, 5000.0),
            ]);
            MultiPolygon::new(vec![Polygon::new(u, vec![])])
        };
        let zones = [notched(2500.0, 3500.0), notched(2000.0, 4000.0)];
        let Survey {
            pieces, patches, ..
        } = survey(&raster, &zones, 2, &[false, true]).unwrap();
        let (within, _) = mesh(26e6, &pieces[0], &patches);
        assert_eq!(pieces[0].pieces.len(), 1);
        assert!((within.cut_km2 - 25.0 / 26.0).abs() < 1e-12, "{within:?}");
        let (whole, _) = mesh(22e6, &pieces[1], &patches);
        assert_eq!(pieces[1].pieces.len(), 2);
        assert!((whole.cut_km2 - 8.0 / 22.0).abs() < 1e-12, "{whole:?}");
    }

    /// The one pass against a brute force on a raster of 3 bands of the in-memory source
    /// (70 rows each): patches by flood fill; pieces by flood fill over the patch cells with a
    /// fraction inside the zone; their areas, class areas and nodata by each cell's fraction
    /// (coverage itself is checked against clipped areas in `coverage.rs`). Zones: one
    /// with slanted sides, one reaching beyond the raster's south and east, one of two parts one
    /// above the other with rows of neither between them (pieces do not join across), one of two
    /// parts with rows wholly west and wholly east of the raster; with the last a zone of classes
    /// only (`units` < zones), and then a zone of middle rows alone (rows above and below it are
    /// labelled outside the bands).
    #[test]
    fn one_pass_equals_a_flood_fill_and_cell_fractions() {
        let (w, h) = (37, 210);
        let mut state = 12_345u32;
        let classes: Vec<u16> = (0..w * h)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                ((state >> 16) % 5) as u16
            })
            .collect();
        let grid = Grid {
            width: w,
            height: h,
            x0: 0.0,
            y0: h as f64 * 30.0,
            dx: 30.0,
            dy: 30.0,
            crs: RasterCrs::Projected { epsg: 32651 },
            nodata: None,
        };
        let raster = InMemory {
            grid: grid.clone(),
            classes: classes.clone(),
        };
        let habitat = [false, true, true, false, false];
        let slanted = MultiPolygon::new(vec![
            polygon![(x: 17.0, y: 40.0), (x: 700.0, y: 95.0), (x: 640.0, y: 6100.0), (x: 80.0, y: 5800.0)],
        ]);
        let beyond = MultiPolygon::new(vec![
            polygon![(x: 500.0, y: -300.0), (x: 1500.0, y: 900.0), (x: 900.0, y: 4000.0)],
        ]);
        let beside = MultiPolygon::new(vec![
            polygon![(x: -900.0, y: 3000.0), (x: -100.0, y: 3010.0), (x: 200.0, y: 4000.0)],
            polygon![(x: 1200.0, y: 500.0), (x: 1500.0, y: 520.0), (x: 1490.0, y: 900.0)],
        ]);
        let stacked = MultiPolygon::new(vec![
            polygon![(x: 150.0, y: 2100.0), (x: 950.0, y: 2100.0), (x: 600.0, y: 3000.0)],
            polygon![(x: 100.0, y: 1000.0), (x: 900.0, y: 1000.0), (x: 900.0, y: 2000.0), (x: 100.0, y: 2000.0)],
        ]);
        let middle = MultiPolygon::new(vec![
            polygon![(x: 100.0, y: 2000.0), (x: 900.0, y: 2010.0), (x: 850.0, y: 3500.0)],
        ]);

        // Flood fill, 8 neighbours: patches over the raster, then pieces inside each zone.
        let mut patch = vec![usize::MAX; w * h];
        let mut complete = Vec::new();
        let neighbours = |c: usize| {
            let (x, y) = ((c % w) as i64, (c / w) as i64);
            (-1..=1)
                .flat_map(move |a| (-1..=1).map(move |b| (x + a, y + b)))
                .filter(|(nx, ny)| (0..w as i64).contains(nx) && (0..h as i64).contains(ny))
                .map(|(nx, ny)| ny as usize * w + nx as usize)
        };
        for start in 0..w * h {
            if !habitat[classes[start] as usize] || patch[start] != usize::MAX {
                continue;
            }
            let id = complete.len();
            complete.push(0.0);
            let mut stack = vec![start];
            patch[start] = id;
            while let Some(c) = stack.pop() {
                complete[id] += grid.cell_area_m2(c / w);
                for n in neighbours(c) {
                    if habitat[classes[n] as usize] && patch[n] == usize::MAX {
                        patch[n] = id;
                        stack.push(n);
                    }
                }
            }
        }
        // Per zone: (complete area, area inside) of each piece, by flood fill over the patch
        // cells with a fraction inside; area by class; nodata beside the raster.
        type Brute = (Vec<(f64, f64)>, Vec<(u32, f64)>, f64);
        let brute = |zone: &MultiPolygon| -> Brute {
            let cells = CellPolygon::new(zone, grid.x0, grid.y0, grid.dx, grid.dy).unwrap();
            let (r0, r1) = cells.rows();
            let (r0, r1) = (r0.max(0), r1.min(h as i64));
            let mut inside = HashMap::new();
            let mut by_class = [0.0; 5];
            let mut nodata = 0.0;
            let mut window = Vec::new();
            cells.coverage_rows(r0, (r1 - r0) as usize, &mut window, |i, col0, fractions| {
                let row = r0 as usize + i;
                for (j, f) in fractions.iter().enumerate() {
                    let col = col0 + j as i64;
                    let a = f * grid.cell_area_m2(row);
                    if !(0..w as i64).contains(&col) {
                        nodata += a;
                    } else if *f > 0.0 {
                        let c = row * w + col as usize;
                        by_class[classes[c] as usize] += a;
                        inside.insert(c, a);
                    }
                }
            });
            let mut pieces = Vec::new();
            let mut seen = HashSet::new();
            for &start in inside.keys() {
                if patch[start] == usize::MAX || !seen.insert(start) {
                    continue;
                }
                let (mut area, mut stack) = (0.0, vec![start]);
                while let Some(c) = stack.pop() {
                    area += inside[&c];
                    for n in neighbours(c) {
                        if patch[n] != usize::MAX && inside.contains_key(&n) && seen.insert(n) {
                            stack.push(n);
                        }
                    }
                }
                pieces.push((complete[patch[start]], area));
            }
            pieces.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let by_class = (0..5u32).zip(by_class).filter(|(_, a)| *a > 0.0).collect();
            (pieces, by_class, nodata)
        };
        let configurations = [
            (vec![slanted, beyond, stacked, beside], 3),
            (vec![middle], 1),
        ];
        for (zones, units) in configurations {
            let got = survey(&raster, &zones, units, &habitat).unwrap();
            assert_eq!(got.patches.count, complete.len());
            assert_eq!((got.classes.len(), got.pieces.len()), (zones.len(), units));
            for (z, zone) in zones.iter().enumerate() {
                let (pieces, by_class, nodata) = brute(zone);
                assert!((got.classes[z].nodata_m2 - nodata).abs() < 1e-6, "zone {z}");
                let classes = &got.classes[z].classes;
                assert_eq!(classes.len(), by_class.len(), "zone {z}: {classes:?}");
                for ((k, a), (want_k, want_a)) in classes.iter().zip(&by_class) {
                    assert!(
                        k == want_k && (a - want_a).abs() < 1e-6,
                        "zone {z} class {k}"
                    );
                }
                let Some(got_pieces) = got.pieces.get(z) else {
                    continue;
                };
                let mut have: Vec<(f64, f64)> = got_pieces
                    .pieces
                    .iter()
                    .map(|(id, a)| (got.patches.complete_m2[*id as usize], *a))
                    .collect();
                have.sort_by(|a, b| a.partial_cmp(b).unwrap());
                assert_eq!(pieces.len(), have.len(), "zone {z}");
                for (a, b) in pieces.iter().zip(&have) {
                    assert!(
                        a.0 == b.0 && (a.1 - b.1).abs() < 1e-6,
                        "zone {z}: {a:?} vs {b:?}"
                    );
                }
            }
        }
    }
}
