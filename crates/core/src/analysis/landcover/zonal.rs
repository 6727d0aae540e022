//! Zonal composition streamed over a raster: the raster is read once, a band of rows at a time,
//! and every zone that the band touches adds, per class, Σ fraction × cell area of its cells
//! there. Memory: one band plus one band-high window per zone at work.

use geo::{MapCoords, MultiPolygon};
use rayon::prelude::*;

use super::coverage::CellPolygon;
use super::raster::{ClassSource, Grid, RasterCrs};
use crate::crs::AnalysisCrs;
use crate::error::AnalysisError;

/// Areas of one zone by key (a class, or a habitat patch), m²; nodata cells (and the parts of
/// the zone beside the raster's columns) are counted apart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Composition {
    /// (key, area m²), in key order.
    pub classes: Vec<(u32, f64)>,
    pub nodata_m2: f64,
}

impl Composition {
    fn add(&mut self, class: u32, area: f64) {
        match self.classes.binary_search_by_key(&class, |c| c.0) {
            Ok(i) => self.classes[i].1 += area,
            Err(i) => self.classes.insert(i, (class, area)),
        }
    }

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
    let nodata = source.grid().nodata.map(u32::from);
    compose_keys(source, zones, nodata, |row0, rows| {
        Ok(source
            .read_rows(row0, rows)?
            .into_iter()
            .map(u32::from)
            .collect())
    })
}

/// The composition of every zone by the keys that `read` gives each cell of rows
/// `row0 .. row0 + rows` (asked for in increasing order); cells keyed `skip` count as nodata.
pub fn compose_keys(
    source: &dyn ClassSource,
    zones: &[MultiPolygon],
    skip: Option<u32>,
    mut read: impl FnMut(usize, usize) -> Result<Vec<u32>, String>,
) -> Result<Vec<Composition>, String> {
    let grid = source.grid().clone();
    let cells: Vec<Option<CellPolygon>> = zones
        .iter()
        .map(|z| CellPolygon::new(z, grid.x0, grid.y0, grid.dx, grid.dy))
        .collect();
    let mut out = vec![Composition::default(); zones.len()];
    let band = source.band_rows().max(1) * 64usize.div_ceil(source.band_rows().max(1));
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
    let mut b0 = first - first % source.band_rows().max(1);
    while b0 < end {
        let rows = band.min(grid.height - b0);
        let classes = read(b0, rows)?;
        let areas: Vec<f64> = (b0..b0 + rows).map(|r| grid.cell_area_m2(r)).collect();
        out.par_iter_mut().zip(&cells).for_each(|(comp, cell)| {
            let Some(cell) = cell else { return };
            let (z0, z1) = cell.rows();
            let (r0, r1) = (z0.max(b0 as i64), z1.min((b0 + rows) as i64));
            if r0 >= r1 {
                return;
            }
            // Runs of one key along a row add once: Σ f · a = a · Σ f within a row.
            cell.coverage_rows(r0, (r1 - r0) as usize, |i, col0, fractions| {
                let row = r0 as usize + i - b0;
                let area = areas[row];
                let line = &classes[row * grid.width..(row + 1) * grid.width];
                let mut run: Option<(u32, f64)> = None;
                for (j, f) in fractions.iter().enumerate() {
                    if *f <= 0.0 {
                        continue;
                    }
                    let key = usize::try_from(col0 + j as i64)
                        .ok()
                        .and_then(|c| line.get(c))
                        .filter(|k| Some(**k) != skip);
                    match (key, &mut run) {
                        (None, _) => comp.nodata_m2 += f * area,
                        (Some(k), Some((rk, sum))) if *rk == *k => *sum += f,
                        (Some(k), _) => {
                            if let Some((rk, sum)) = run.replace((*k, *f)) {
                                comp.add(rk, sum * area);
                            }
                        }
                    }
                }
                if let Some((rk, sum)) = run {
                    comp.add(rk, sum * area);
                }
            });
        });
        b0 += rows;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::landcover::raster::InMemory;
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
}
