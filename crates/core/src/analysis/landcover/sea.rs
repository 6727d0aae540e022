//! The sea is not inland water. Global land-cover products code the sea as their water class
//! (MODIS MCD12C1 class 0, "water", the sea included), but the equivalent factors of Xie et al.
//! (2015) value terrestrial ecosystems: their `water` row is rivers, lakes and reservoirs. With a
//! `[layers.sea]` layer (polygons of sea), every cell of a water class (a class whose ESV row is
//! `water`) more than half of whose area lies in the sea polygons becomes the class
//! [`SEA_CLASS`], named `sea`, with the ESV row `sea` and no habitat. Cells of other classes in
//! the sea keep their class (a coarse shoreline does not drown land), and water outside it
//! (lakes, rivers) stays water.
//!
//! More than half, not the cell's centre: a 5 km cell around an islet a few hundred metres wide
//! has its centre on land but is sea water (on the demo, the cells of 嵊泗县's islands: 72–91 %
//! sea, centres on GSHHG islands). The fractions are exact, as the zonal composition's
//! ([`CellPolygon`]), computed once per grid a band of rows at a time and held as column spans
//! per row, so a big raster costs one span list.
//!
//! The sea class counts in no terrestrial ESV; it is valued apart (marine ESV) only when the
//! project's ESV factor table has a row `sea`.

use std::sync::Arc;

use geo::{Geometry, MultiPolygon};

use super::coverage::CellPolygon;
use super::zonal::to_raster_crs;
use crate::error::AnalysisError;
use crate::inputs::Inputs;
use crate::raster::scheme::{is_sea, sea_class, Scheme, SEA_CLASS};
use crate::raster::{ClassSource, Grid, LandCoverLayer};
use crate::region::Region;

/// The kind of the layer of sea polygons.
pub const SEA_LAYER: &str = "sea";

/// The ESV row of the inland-water classes that become sea under a sea polygon.
pub const WATER_ROW: &str = "water";

/// A class source whose water cells more than half in the sea read as [`SEA_CLASS`].
#[derive(Debug)]
pub struct SeaSource {
    inner: Arc<dyn ClassSource>,
    /// Per row: the column spans [from, to) of cells more than half in the sea, in order, apart.
    spans: Vec<Vec<(usize, usize)>>,
    /// Per class code: whether it is inland water (ESV row `water`) that the sea replaces.
    water: Vec<bool>,
}

impl SeaSource {
    /// `inner` with the sea of `polygons` (in the raster's CRS); `scheme` tells the water classes.
    pub fn new(
        inner: Arc<dyn ClassSource>,
        scheme: &Scheme,
        polygons: &[MultiPolygon],
    ) -> Result<Self, String> {
        let grid = inner.grid();
        if grid.nodata == Some(SEA_CLASS) {
            return Err(format!(
                "the raster's nodata is {SEA_CLASS}, the class borderscape reserves for the sea"
            ));
        }
        let mut water = vec![false; 1 << 16];
        for (code, class) in &scheme.classes {
            water[*code as usize] = class.esv_row == WATER_ROW;
        }
        if let Some(nodata) = grid.nodata {
            water[nodata as usize] = false;
        }
        let spans = sea_spans(grid, polygons);
        Ok(Self {
            inner,
            spans,
            water,
        })
    }

    /// The number of cells more than half in the sea (whatever their class).
    pub fn cells_in_sea(&self) -> usize {
        self.spans
            .iter()
            .flatten()
            .map(|(from, to)| to - from)
            .sum()
    }
}

impl ClassSource for SeaSource {
    fn grid(&self) -> &Grid {
        self.inner.grid()
    }

    fn band_rows(&self) -> usize {
        self.inner.band_rows()
    }

    fn read_rows(&self, row0: usize, rows: usize) -> Result<Vec<u16>, String> {
        let mut classes = self.inner.read_rows(row0, rows)?;
        let width = self.inner.grid().width;
        for (r, spans) in self.spans.iter().enumerate().skip(row0).take(rows) {
            let row = &mut classes[(r - row0) * width..(r - row0 + 1) * width];
            for &(from, to) in spans {
                for class in &mut row[from..to] {
                    if self.water[*class as usize] {
                        *class = SEA_CLASS;
                    }
                }
            }
        }
        Ok(classes)
    }
}

/// Rows of the grid whose sea fractions are summed at a time (memory: this × width × 8 bytes).
const BAND_ROWS: usize = 256;

/// Per row of `grid`: the column spans [from, to) of the cells more than half of whose area lies
/// in `polygons` (their holes, the islands, are not sea; overlapping polygons count once), sorted
/// and apart. The fractions are exact ([`CellPolygon`], as the zonal composition weighs cells).
pub fn sea_spans(grid: &Grid, polygons: &[MultiPolygon]) -> Vec<Vec<(usize, usize)>> {
    let cells: Vec<CellPolygon> = polygons
        .iter()
        .filter_map(|p| CellPolygon::new(p, grid.x0, grid.y0, grid.dx, grid.dy))
        .collect();
    let width = grid.width;
    let mut spans: Vec<Vec<(usize, usize)>> = vec![Vec::new(); grid.height];
    let (mut window, mut sea) = (Vec::new(), Vec::new());
    for b0 in (0..grid.height).step_by(BAND_ROWS) {
        let rows = BAND_ROWS.min(grid.height - b0);
        let touching: Vec<&CellPolygon> = cells
            .iter()
            .filter(|c| {
                let (r0, r1) = c.rows();
                r0 < (b0 + rows) as i64 && r1 > b0 as i64
            })
            .collect();
        if touching.is_empty() {
            continue;
        }
        sea.clear();
        sea.resize(rows * width, 0.0f64);
        for cell in touching {
            cell.coverage_rows(b0 as i64, rows, &mut window, |r, col, fractions| {
                for (k, f) in fractions.iter().enumerate() {
                    let c = col + k as i64;
                    if c >= 0 && (c as usize) < width {
                        sea[r * width + c as usize] += f;
                    }
                }
            });
        }
        for (r, row) in sea.chunks_exact(width).enumerate() {
            let out = &mut spans[b0 + r];
            let mut from = None;
            for (c, f) in row.iter().enumerate() {
                match (from, *f > 0.5) {
                    (None, true) => from = Some(c),
                    (Some(f0), false) => {
                        out.push((f0, c));
                        from = None;
                    }
                    _ => {}
                }
            }
            if let Some(f0) = from {
                out.push((f0, width));
            }
        }
    }
    spans
}

/// The polygons of the region's `sea` layer (analysis CRS); None without the layer.
pub fn sea_polygons(region: &Region) -> Option<Vec<MultiPolygon>> {
    let table = region.layers.get(SEA_LAYER)?;
    Some(
        (0..table.len())
            .filter_map(|i| match table.geometry(i) {
                Some(Geometry::MultiPolygon(m)) => Some(m.clone()),
                Some(Geometry::Polygon(p)) => Some(MultiPolygon::new(vec![p.clone()])),
                _ => None,
            })
            .collect(),
    )
}

/// One land-cover layer with the sea of `polygons` (analysis CRS): its source reads water cells
/// more than half in the sea as [`SEA_CLASS`], and its scheme gains the class `sea`. A layer that has it
/// already is returned as it is.
pub fn with_sea(
    layer: &LandCoverLayer,
    polygons: &[MultiPolygon],
    region: &Region,
) -> Result<LandCoverLayer, AnalysisError> {
    if is_sea(&layer.scheme, SEA_CLASS.into()) {
        return Ok(layer.clone());
    }
    if let Some(class) = layer.scheme.classes.get(&SEA_CLASS) {
        return Err(AnalysisError::Input(format!(
            "{}: scheme {} uses class {SEA_CLASS} ({}), the code borderscape reserves for the sea of [layers.sea]",
            layer.file, layer.scheme.name, class.name
        )));
    }
    let grid = layer.source.grid();
    let in_raster_crs: Vec<MultiPolygon> = polygons
        .iter()
        .map(|p| to_raster_crs(p, &region.crs, grid))
        .collect::<Result<_, _>>()?;
    let source = SeaSource::new(layer.source.clone(), &layer.scheme, &in_raster_crs)
        .map_err(|e| AnalysisError::Input(format!("{}: {e}", layer.file)))?;
    let mut scheme = (*layer.scheme).clone();
    scheme.classes.insert(SEA_CLASS, sea_class());
    Ok(LandCoverLayer {
        year: layer.year,
        file: layer.file.clone(),
        scheme: Arc::new(scheme),
        source: Arc::new(source),
    })
}

/// Applies the region's `sea` layer to every land-cover layer ([`with_sea`]); nothing without
/// one. Loading a project does it once; doing it again changes nothing.
pub fn apply(inputs: &mut Inputs) -> Result<(), AnalysisError> {
    let region = &inputs.region;
    let Some(polygons) = sea_polygons(region) else {
        return Ok(());
    };
    let layers = inputs
        .rasters
        .iter()
        .map(|l| with_sea(l, &polygons, region))
        .collect::<Result<Vec<_>, _>>()?;
    inputs.rasters = layers;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raster::{InMemory, RasterCrs};
    use geo::{polygon, LineString, Polygon};

    fn grid(width: usize, height: usize) -> Grid {
        Grid {
            width,
            height,
            x0: 0.0,
            y0: height as f64,
            dx: 1.0,
            dy: 1.0,
            crs: RasterCrs::Projected { epsg: 32651 },
            nodata: Some(255),
        }
    }

    /// A 6 × 4 square of sea with a 2 × 2 island (a hole) at columns 2–3, rows 1–2, and an islet
    /// 0.6 × 0.6 around the centre of cell (row 0, column 4), which stays sea (64 %); a second
    /// polygon overlapping the first unites with it, and its cell at x 7–7.4 is 40 % sea.
    #[test]
    fn spans_take_cells_more_than_half_in_the_sea() {
        let g = grid(8, 4);
        let sea = Polygon::new(
            LineString::from(vec![
                (0.0, 0.0),
                (6.0, 0.0),
                (6.0, 4.0),
                (0.0, 4.0),
                (0.0, 0.0),
            ]),
            vec![
                LineString::from(vec![
                    (2.0, 1.0),
                    (4.0, 1.0),
                    (4.0, 3.0),
                    (2.0, 3.0),
                    (2.0, 1.0),
                ]),
                LineString::from(vec![
                    (4.2, 3.2),
                    (4.8, 3.2),
                    (4.8, 3.8),
                    (4.2, 3.8),
                    (4.2, 3.2),
                ]),
            ],
        );
        let more = polygon![(x: 5.0, y: 0.0), (x: 7.4, y: 0.0), (x: 7.4, y: 1.0), (x: 5.0, y: 1.0)];
        let spans = sea_spans(
            &g,
            &[MultiPolygon::new(vec![sea]), MultiPolygon::new(vec![more])],
        );
        assert_eq!(
            spans,
            vec![
                vec![(0, 6)],
                vec![(0, 2), (4, 6)],
                vec![(0, 2), (4, 6)],
                vec![(0, 7)],
            ]
        );
    }

    /// Only water cells in the sea become sea; nodata and land stay.
    #[test]
    fn only_water_becomes_sea() {
        let g = grid(4, 1);
        let source = Arc::new(InMemory {
            grid: g.clone(),
            classes: vec![0, 12, 255, 0],
        });
        let scheme = Scheme::built_in("igbp").unwrap();
        let sea = polygon![(x: 0.0, y: 0.0), (x: 3.0, y: 0.0), (x: 3.0, y: 1.0), (x: 0.0, y: 1.0)];
        let masked = SeaSource::new(source, &scheme, &[MultiPolygon::new(vec![sea])]).unwrap();
        assert_eq!(masked.read_rows(0, 1).unwrap(), vec![SEA_CLASS, 12, 255, 0]);
        assert_eq!(masked.cells_in_sea(), 3);
    }
}
