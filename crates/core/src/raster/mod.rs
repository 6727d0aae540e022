//! A class raster as the analyses see it: a north-up grid in its own CRS, read in bands of rows
//! so that memory stays bounded whatever the raster's size. The reader (GeoTIFF, in the io
//! crate) implements [`ClassSource`]; the core never touches a file.

pub mod scheme;

use std::sync::Arc;

pub use scheme::Scheme;

/// The CRS of a raster: a geographic one (degrees, WGS84 or CGCS2000, whose ellipsoids differ by
/// 0.1 mm in the semi-minor axis) or a projected EPSG code (metres).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RasterCrs {
    Geographic { epsg: u16 },
    Projected { epsg: u16 },
}

/// The grid of a raster: `width` × `height` cells of `dx` × `dy` (CRS units), the top-left
/// corner of the top-left cell at (`x0`, `y0`), rows running south.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub width: usize,
    pub height: usize,
    pub x0: f64,
    pub y0: f64,
    pub dx: f64,
    pub dy: f64,
    pub crs: RasterCrs,
    pub nodata: Option<u16>,
}

/// GRS80 (CGCS2000) semi-major axis and first eccentricity squared; WGS84 differs in the 11th
/// digit of e², far below a cell's area precision.
pub(crate) const A_M: f64 = 6_378_137.0;
pub(crate) const E2: f64 = 0.006_694_380_022_900_79;

impl Grid {
    /// The area of one cell of `row`, m²: the ellipsoidal area of a latitude–longitude
    /// quadrangle for a geographic grid (authalic formula, Snyder 1987 eq. 3-12), dx·dy for a
    /// projected one.
    pub fn cell_area_m2(&self, row: usize) -> f64 {
        match self.crs {
            RasterCrs::Projected { .. } => self.dx * self.dy,
            RasterCrs::Geographic { .. } => {
                let north = (self.y0 - row as f64 * self.dy).to_radians();
                let south = (self.y0 - (row + 1) as f64 * self.dy).to_radians();
                let q = |phi: f64| {
                    let e = E2.sqrt();
                    let s = phi.sin();
                    s / (1.0 - E2 * s * s) + ((1.0 + e * s) / (1.0 - e * s)).ln() / (2.0 * e)
                };
                0.5 * A_M * A_M * (1.0 - E2) * self.dx.to_radians() * (q(north) - q(south)).abs()
            }
        }
    }

    /// The latitude (or northing) of the grid's middle row edge, halfway down.
    pub fn mid_latitude(&self) -> f64 {
        self.y0 - self.height as f64 * self.dy / 2.0
    }

    /// The grid's extent: (x min, y min, x max, y max).
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        (
            self.x0,
            self.y0 - self.height as f64 * self.dy,
            self.x0 + self.width as f64 * self.dx,
            self.y0,
        )
    }
}

/// Where the classes of a raster come from, read a band of rows at a time.
pub trait ClassSource: Send + Sync + std::fmt::Debug {
    fn grid(&self) -> &Grid;
    /// Rows of one natural band (a strip or a row of tiles): reading whole bands decodes every
    /// chunk once.
    fn band_rows(&self) -> usize;
    /// The classes of rows `row0 .. row0 + rows`, row-major, `width` per row. The error names
    /// the file and what failed.
    fn read_rows(&self, row0: usize, rows: usize) -> Result<Vec<u16>, String>;
}

/// One year of land cover: its raster, its class scheme and the file it came from.
#[derive(Debug, Clone)]
pub struct LandCoverLayer {
    pub year: i32,
    pub file: String,
    pub scheme: Arc<Scheme>,
    pub source: Arc<dyn ClassSource>,
}

/// A whole raster held in memory, for tests and small generated grids.
#[derive(Debug, Clone)]
pub struct InMemory {
    pub grid: Grid,
    pub classes: Vec<u16>,
}

impl ClassSource for InMemory {
    fn grid(&self) -> &Grid {
        &self.grid
    }

    fn band_rows(&self) -> usize {
        7 // deliberately odd, so that tests cross band edges
    }

    fn read_rows(&self, row0: usize, rows: usize) -> Result<Vec<u16>, String> {
        let w = self.grid.width;
        self.classes
            .get(row0 * w..(row0 + rows) * w)
            .map(<[u16]>::to_vec)
            .ok_or_else(|| format!("rows {row0}..{} beyond the grid", row0 + rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1° × 1° quadrangles at 0–1° N and 30–31° N. Reference: pyproj 3.7.2
    /// `Geod(ellps="GRS80").polygon_area_perimeter` of the quadrangle with its parallels densified
    /// to 20,000 points each (geodesic edges then follow the parallels): 12,308,463,893.57 m² and
    /// 10,642,393,438.71 m².
    #[test]
    fn geographic_cell_area_is_ellipsoidal() {
        let grid = Grid {
            width: 1,
            height: 1,
            x0: 0.0,
            y0: 1.0,
            dx: 1.0,
            dy: 1.0,
            crs: RasterCrs::Geographic { epsg: 4326 },
            nodata: None,
        };
        let a = grid.cell_area_m2(0);
        assert!((a / 12_308_463_893.57 - 1.0).abs() < 1e-8, "{a}");
        let north = Grid { y0: 31.0, ..grid };
        let a = north.cell_area_m2(0);
        assert!((a / 10_642_393_438.71 - 1.0).abs() < 1e-8, "{a}");
    }
}
