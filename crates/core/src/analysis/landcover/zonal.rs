//! Zonal composition streamed over a raster: the raster is read once, a band of rows at a time,
//! and every zone that the band touches adds, per key (a class) or per connected piece (of
//! habitat), Σ fraction × cell area of its cells there. A band can carry several layers of keys
//! (the classes and the patch labels of the same cells), so one pass weighs every cell once per
//! zone. Memory: two bands (one being read ahead) plus, per worker thread, one band-high coverage
//! window, reused from zone to zone, plus, for each zone cut into pieces, two rows of labels and
//! its label table.

use std::cell::RefCell;

use geo::{MapCoords, MultiPolygon};
use hashbrown::HashMap;
use rayon::prelude::*;

use super::coverage::CellPolygon;
use super::labels::PieceAreas;
use crate::crs::AnalysisCrs;
use crate::error::AnalysisError;
use crate::raster::{ClassSource, Grid, RasterCrs};

/// Areas of one zone by key (a class, or a piece of habitat), m²; nodata cells (and the parts of
/// the zone beside the raster's columns) are counted apart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Composition {
    /// (key, area m²), in key order.
    pub classes: Vec<(u32, f64)>,
    pub nodata_m2: f64,
}

impl Composition {
    /// The area of every class together, m².
    pub fn total_m2(&self) -> f64 {
        self.classes.iter().map(|c| c.1).sum()
    }
}

/// A polygon of the analysis CRS in the raster's CRS (through WGS84).
pub fn to_raster_crs(
    polygon: &MultiPolygon,
    analysis: &AnalysisCrs,
    grid: &Grid,
) -> Result<MultiPolygon, AnalysisError> {
    let target = match grid.crs {
        RasterCrs::Geographic { .. } => None,
        RasterCrs::Projected { epsg } => Some(AnalysisCrs::from_epsg(epsg)?),
    };
    polygon.try_map_coords(|c| {
        let (lon, lat) = analysis.unproject(c.x, c.y)?;
        let (x, y) = match &target {
            None => (lon, lat),
            Some(t) => t.project(lon, lat)?,
        };
        Ok(geo::coord! { x: x, y: y })
    })
}

/// The class composition of every zone (polygons in the raster's CRS), in zone order.
pub fn compose(
    source: &dyn ClassSource,
    zones: &[MultiPolygon],
) -> Result<Vec<Composition>, String> {
    let skip = Skip::classes(source.grid());
    compose_by(source, zones, skip, |row0, rows, keys| {
        let classes = source.read_rows(row0, rows)?;
        keys.clear();
        keys.extend(classes.into_iter().map(u32::from));
        Ok(())
    })
}

/// The composition of every zone by one layer of keys, which `fill(row0, rows, keys)` puts in
/// `keys` for rows `row0 .. row0 + rows` (see [`compose_layers`]).
pub fn compose_by(
    source: &dyn ClassSource,
    zones: &[MultiPolygon],
    skip: Skip,
    mut fill: impl FnMut(usize, usize, &mut Vec<u32>) -> Result<(), String> + Send,
) -> Result<Vec<Composition>, String> {
    let layer = KeyLayer {
        sum: Sum::ByKey(skip),
        zones: zones.len(),
    };
    let mut all = compose_layers(source, zones, &[layer], |row0, rows, keys| {
        fill(row0, rows, &mut keys[0])
    })?;
    Ok(all.pop().unwrap_or_default())
}

/// One layer of keys of a pass: how its cells are summed, and how many zones (the first ones)
/// weigh their cells by it. A layer read by fewer zones comes after those read by more.
#[derive(Debug, Clone, Copy)]
pub struct KeyLayer {
    pub sum: Sum,
    pub zones: usize,
}

impl KeyLayer {
    /// The raster's classes for the first `zones` zones, its nodata (if any) counted apart.
    pub fn classes(grid: &Grid, zones: usize) -> Self {
        Self {
            sum: Sum::ByKey(Skip::classes(grid)),
            zones,
        }
    }
}

/// How a layer's cells add up in a zone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sum {
    /// By key, all but the skipped one.
    ByKey(Skip),
    /// By piece: the 8-neighbour connected components, inside the zone, of the cells keyed
    /// other than 0 (see [`PieceAreas`]). The composition holds one (key of one of its cells,
    /// area) per piece, so its keys may repeat.
    ByPiece,
}

/// Cells of one key that count in no class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Skip {
    /// Every key counts.
    Nothing,
    /// Nodata: summed apart, in [`Composition::nodata_m2`].
    Nodata(u32),
}

impl Skip {
    /// The raster's nodata, if it has one.
    fn classes(grid: &Grid) -> Self {
        grid.nodata
            .map_or(Skip::Nothing, |k| Skip::Nodata(k.into()))
    }
}

/// The composition of zones by each layer of keys, per layer (in `layers` order) and zone.
/// `read(row0, rows, keys)` fills `keys[l]` with layer l's key of every cell of rows
/// `row0 .. row0 + rows` (asked for in increasing order, row-major).
pub fn compose_layers(
    source: &dyn ClassSource,
    zones: &[MultiPolygon],
    layers: &[KeyLayer],
    mut read: impl FnMut(usize, usize, &mut [Vec<u32>]) -> Result<(), String> + Send,
) -> Result<Vec<Vec<Composition>>, String> {
    debug_assert!(layers.windows(2).all(|l| l[0].zones >= l[1].zones));
    let grid = source.grid().clone();
    let cells: Vec<Option<CellPolygon>> = zones
        .iter()
        .map(|z| CellPolygon::new(z, grid.x0, grid.y0, grid.dx, grid.dy))
        .collect();
    let mut sums: Vec<Vec<ZoneSums>> = cells
        .iter()
        .enumerate()
        .map(|(z, cell)| {
            layers
                .iter()
                .filter(|l| z < l.zones)
                .map(|l| match l.sum {
                    Sum::ByKey(skip) => ZoneSums::Keys(KeyAreas::new(skip)),
                    Sum::ByPiece => {
                        // The zone's columns on the raster.
                        let (c0, w) = cell.as_ref().map_or((0, 0), |c| c.columns());
                        let (c0, c1) = (c0.max(0), (c0 + w as i64).min(grid.width as i64));
                        ZoneSums::Pieces(PieceAreas::new(c0, (c1 - c0).max(0) as usize))
                    }
                })
                .collect()
        })
        .collect();
    let natural = source.band_rows().max(1);
    let band = natural * 64usize.div_ceil(natural);
    let first = cells
        .iter()
        .flatten()
        .map(|c| c.rows().0.max(0) as usize)
        .min()
        .unwrap_or(grid.height);
    let end = cells
        .iter()
        .flatten()
        .map(|c| c.rows().1.clamp(0, grid.height as i64) as usize)
        .max()
        .unwrap_or(0);
    // Start on a band boundary of the source so that no chunk is decoded twice.
    let starts = (first - first % natural..end).step_by(band);
    let bands: Vec<(usize, usize)> = starts.map(|b0| (b0, band.min(grid.height - b0))).collect();
    let width = grid.width;
    // The next band is read (decoded, and labelled by the caller) on a thread of its own while
    // the zones weigh this one: reading is sequential, a third of the pass on the 20,000² bench.
    std::thread::scope(|scope| {
        type Band = Result<(usize, usize, Vec<Vec<u32>>), String>;
        let (to_zones, from_reader) = std::sync::mpsc::sync_channel::<Band>(0);
        let (recycle, spare) = std::sync::mpsc::channel::<Vec<Vec<u32>>>();
        scope.spawn(move || {
            for (b0, rows) in bands {
                let mut keys = spare
                    .try_recv()
                    .unwrap_or_else(|_| vec![Vec::new(); layers.len()]);
                let band = read(b0, rows, &mut keys).map(|()| (b0, rows, keys));
                let failed = band.is_err();
                if to_zones.send(band).is_err() || failed {
                    return;
                }
            }
        });
        for band in from_reader {
            let (b0, rows, keys) = band?;
            let areas: Vec<f64> = (b0..b0 + rows).map(|r| grid.cell_area_m2(r)).collect();
            sums.par_iter_mut().zip(&cells).for_each(|(sums, cell)| {
                let Some(cell) = cell else { return };
                let (z0, z1) = cell.rows();
                let (r0, r1) = (z0.max(b0 as i64), z1.min((b0 + rows) as i64));
                if r0 >= r1 {
                    return;
                }
                // Taken, not borrowed: a panic drops the scratch instead of leaving it dirty.
                let mut scratch = SCRATCH.take();
                scratch
                    .dense
                    .resize(DENSE_KEYS * INTERLEAVE * sums.len(), 0.0);
                let Scratch { window, dense } = &mut scratch;
                cell.coverage_rows(r0, (r1 - r0) as usize, window, |i, col0, fractions| {
                    let row = r0 as usize + i - b0;
                    // The columns of the span that lie on the raster; the others are nodata.
                    let on = (-col0).clamp(0, fractions.len() as i64) as usize;
                    let off =
                        (width as i64 - col0).clamp(on as i64, fractions.len() as i64) as usize;
                    let beside: f64 = fractions[..on].iter().chain(&fractions[off..]).sum();
                    for sum in sums.iter_mut() {
                        sum.add_beside(beside * areas[row]);
                    }
                    if on == off {
                        return;
                    }
                    let col = col0 + on as i64;
                    let start = row * width + col as usize;
                    let (fractions, area) = (&fractions[on..off], areas[row]);
                    let dense = dense.chunks_exact_mut(DENSE_KEYS * INTERLEAVE);
                    for ((sum, keys), dense) in sums.iter_mut().zip(&keys).zip(dense) {
                        let keys = &keys[start..];
                        match sum {
                            ZoneSums::Keys(sum) => sum.add_row(dense, fractions, keys, area),
                            ZoneSums::Pieces(p) => p.add_row(b0 + row, col, fractions, keys, area),
                        }
                    }
                });
                for (sum, dense) in sums
                    .iter_mut()
                    .zip(dense.chunks_exact_mut(DENSE_KEYS * INTERLEAVE))
                {
                    if let ZoneSums::Keys(sum) = sum {
                        sum.flush(dense);
                    }
                }
                SCRATCH.set(scratch);
            });
            // The reader may have stopped (it failed, and says so next): nothing to give back.
            let _ = recycle.send(keys);
        }
        Ok::<(), String>(())
    })?;
    // A wide zone leaves each worker a large window: give it back.
    rayon::broadcast(|_| drop(SCRATCH.take()));
    let mut out: Vec<Vec<Composition>> =
        layers.iter().map(|l| Vec::with_capacity(l.zones)).collect();
    let finished: Vec<Vec<Composition>> = sums
        .into_par_iter()
        .map(|zone| zone.into_iter().map(ZoneSums::finish).collect())
        .collect();
    for zone in finished {
        for (layer, comp) in zone.into_iter().enumerate() {
            out[layer].push(comp);
        }
    }
    Ok(out)
}

/// A worker's scratch space for one zone and band.
#[derive(Default)]
struct Scratch {
    /// The coverage window, all zeros between zones (see [`CellPolygon::coverage_rows`]).
    window: Vec<f64>,
    /// Per layer, [`INTERLEAVE`] copies of the sums of keys below [`DENSE_KEYS`] (one copy per
    /// column modulo), all zeros between zones ([`KeyAreas::flush`]).
    dense: Vec<f64>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Keys below this are summed in an array (classes of every built-in scheme), the others in a
/// hash map (transitions).
const DENSE_KEYS: usize = 256;

/// Copies of the dense sums (see [`KeyAreas::add_row`]).
const INTERLEAVE: usize = 4;

/// One zone's running sums of one layer.
#[derive(Debug)]
enum ZoneSums {
    Keys(KeyAreas),
    Pieces(PieceAreas),
}

impl ZoneSums {
    /// Adds area of the zone beside the raster's columns: nodata by key, no piece.
    fn add_beside(&mut self, m2: f64) {
        if let ZoneSums::Keys(sum) = self {
            sum.nodata_m2 += m2;
        }
    }

    fn finish(self) -> Composition {
        match self {
            ZoneSums::Keys(sum) => sum.finish(),
            ZoneSums::Pieces(pieces) => Composition {
                classes: pieces.finish(),
                nodata_m2: 0.0,
            },
        }
    }
}

/// One zone's running sums by key of one layer.
#[derive(Debug)]
struct KeyAreas {
    skip: Skip,
    sums: HashMap<u32, f64>,
    nodata_m2: f64,
}

impl KeyAreas {
    fn new(skip: Skip) -> Self {
        Self {
            skip,
            sums: HashMap::new(),
            nodata_m2: 0.0,
        }
    }

    /// Adds one row's cells: `fractions[j]` of the cell keyed `keys[j]`, each of `area` m².
    /// Keys below [`DENSE_KEYS`] go to `dense` (see [`Scratch`]) until [`KeyAreas::flush`];
    /// runs of one larger key add once (an unchanged class spans many cells of a row).
    fn add_row(&mut self, dense: &mut [f64], fractions: &[f64], keys: &[u32], area: f64) {
        // Locals, not fields, in the loop, and neighbouring cells summed in different copies: a
        // running sum in memory is a chain of load–add–store from cell to cell of one key
        // (measured: half of the pass).
        let skip = match self.skip {
            Skip::Nothing => None,
            Skip::Nodata(k) => Some(k),
        };
        let mut skipped = 0.0;
        let mut run: Option<(u32, f64)> = None;
        for (j, (f, &key)) in fractions.iter().zip(keys).enumerate() {
            if *f <= 0.0 {
                continue;
            }
            if Some(key) == skip {
                skipped += f;
            } else if (key as usize) < DENSE_KEYS {
                dense[(j % INTERLEAVE) * DENSE_KEYS + key as usize] += f * area;
            } else {
                match &mut run {
                    Some((k, sum)) if *k == key => *sum += f,
                    _ => {
                        if let Some((k, sum)) = run.replace((key, *f)) {
                            *self.sums.entry(k).or_default() += sum * area;
                        }
                    }
                }
            }
        }
        if let Some((k, sum)) = run {
            *self.sums.entry(k).or_default() += sum * area;
        }
        self.nodata_m2 += skipped * area;
    }

    /// Moves the dense sums into the zone's and clears them.
    fn flush(&mut self, dense: &mut [f64]) {
        for key in 0..DENSE_KEYS {
            let copies = (0..INTERLEAVE).map(|c| std::mem::take(&mut dense[c * DENSE_KEYS + key]));
            let area: f64 = copies.sum();
            if area > 0.0 {
                *self.sums.entry(key as u32).or_default() += area;
            }
        }
    }

    fn finish(self) -> Composition {
        let mut classes: Vec<(u32, f64)> = self.sums.into_iter().collect();
        classes.sort_unstable_by_key(|c| c.0);
        Composition {
            classes,
            nodata_m2: self.nodata_m2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raster::InMemory;
    use geo::polygon;

    /// 100 m cells: class 1 west of x = 400 m, class 2 east of 500 m, the column between
    /// alternating by row; a zone from x = 130 to 870 m, y = 0 to 1000 m, whose sides cut
    /// through cells, gets the analytic areas of each class.
    #[test]
    fn projected_class_areas_are_analytic() {
        let (w, h) = (10, 12);
        let classes = (0..w * h)
            .map(|i| {
                if (i % w) < 4 || ((i % w) == 4 && i / w % 2 == 0) {
                    1
                } else {
                    2
                }
            })
            .collect::<Vec<u16>>();
        let grid = Grid {
            width: w,
            height: h,
            x0: 0.0,
            y0: 1200.0,
            dx: 100.0,
            dy: 100.0,
            crs: RasterCrs::Projected { epsg: 32651 },
            nodata: None,
        };
        let raster = InMemory { grid, classes };
        let zone = MultiPolygon::new(vec![
            polygon![(x: 130.0, y: 0.0), (x: 870.0, y: 0.0), (x: 870.0, y: 1000.0), (x: 130.0, y: 1000.0)],
        ]);
        let c = compose(&raster, &[zone]).unwrap().remove(0);
        // Rows 2..12 hold y 0..1000; column 4 is class 1 in rows 2, 4, …, 10 (5 of 10 rows).
        let one = 270.0 * 1000.0 + 5.0 * 100.0 * 100.0;
        let two = 370.0 * 1000.0 + 5.0 * 100.0 * 100.0;
        assert_eq!(c.classes.len(), 2);
        assert!((c.classes[0].1 / one - 1.0).abs() < 1e-12, "{c:?}");
        assert!((c.classes[1].1 / two - 1.0).abs() < 1e-12, "{c:?}");
        assert_eq!(c.nodata_m2, 0.0);
    }

    /// A raster that fails part-way: the error of the reading thread is the pass's error.
    #[test]
    fn a_read_that_fails_part_way_is_the_error() {
        #[derive(Debug)]
        struct Failing(InMemory);
        impl ClassSource for Failing {
            fn grid(&self) -> &Grid {
                &self.0.grid
            }
            fn band_rows(&self) -> usize {
                self.0.band_rows()
            }
            fn read_rows(&self, row0: usize, rows: usize) -> Result<Vec<u16>, String> {
                if row0 + rows > 100 {
                    return Err(format!("strip {row0}: unexpected end of file"));
                }
                self.0.read_rows(row0, rows)
            }
        }
        let grid = Grid {
            width: 4,
            height: 300,
            x0: 0.0,
            y0: 300.0,
            dx: 1.0,
            dy: 1.0,
            crs: RasterCrs::Projected { epsg: 32651 },
            nodata: None,
        };
        let raster = Failing(InMemory {
            grid,
            classes: vec![1; 1200],
        });
        let zone = MultiPolygon::new(vec![
            polygon![(x: 0.5, y: 0.0), (x: 3.5, y: 0.0), (x: 3.5, y: 300.0), (x: 0.5, y: 300.0)],
        ]);
        let err = compose(&raster, &[zone]).unwrap_err();
        assert!(err.contains("unexpected end of file"), "{err}");
    }
}
