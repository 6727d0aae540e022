//! Moving geometries between a layer's declared datum, WGS84 and the analysis CRS.

use borderscape_core::crs::{AnalysisCrs, EpsgToWgs84};
use borderscape_core::datum::{self, Datum};
use borderscape_core::geometry::union_rect;
use borderscape_core::table::Table;
use borderscape_core::AnalysisError;
use geo::{Coord, CoordsIter, MapCoordsInPlace};
use rayon::prelude::*;

/// A coordinate conversion from one datum to another through WGS84.
pub struct DatumConversion {
    from: Datum,
    to: Datum,
    from_epsg: Option<EpsgToWgs84>,
    to_epsg: Option<AnalysisCrs>,
}

impl DatumConversion {
    pub fn new(from: Datum, to: Datum) -> Result<Self, AnalysisError> {
        let from_epsg = match from {
            Datum::Epsg(code) => Some(EpsgToWgs84::new(code)?),
            _ => None,
        };
        let to_epsg = match to {
            Datum::Epsg(code) => Some(AnalysisCrs::from_epsg(code)?),
            _ => None,
        };
        Ok(Self {
            from,
            to,
            from_epsg,
            to_epsg,
        })
    }

    fn source_to_wgs84(&self, x: f64, y: f64) -> Result<(f64, f64), AnalysisError> {
        Ok(match self.from {
            Datum::Wgs84 | Datum::Cgcs2000 => (x, y),
            Datum::Gcj02 => datum::gcj02_to_wgs84(x, y),
            Datum::Bd09 => datum::bd09_to_wgs84(x, y),
            Datum::Epsg(_) => self
                .from_epsg
                .as_ref()
                .expect("built in new")
                .convert(x, y)?,
        })
    }

    fn wgs84_to_target(&self, lon: f64, lat: f64) -> Result<(f64, f64), AnalysisError> {
        Ok(match self.to {
            Datum::Wgs84 | Datum::Cgcs2000 => (lon, lat),
            Datum::Gcj02 => datum::wgs84_to_gcj02(lon, lat),
            Datum::Bd09 => datum::wgs84_to_bd09(lon, lat),
            Datum::Epsg(_) => self
                .to_epsg
                .as_ref()
                .expect("built in new")
                .project(lon, lat)?,
        })
    }

    /// Converts one coordinate; the identity when both datums are WGS84-equivalent.
    pub fn convert(&self, c: Coord) -> Result<Coord, AnalysisError> {
        let (lon, lat) = self.source_to_wgs84(c.x, c.y)?;
        let (x, y) = self.wgs84_to_target(lon, lat)?;
        Ok(Coord { x, y })
    }

    /// Converts every geometry of a table (features in parallel).
    pub fn convert_table(&self, table: Table) -> Result<Table, AnalysisError> {
        map_table(table, |c| self.convert(c))
    }
}

/// Applies a fallible coordinate function to every geometry of a table. Each distinct coordinate
/// is converted once (neighbouring polygons share every border vertex), in parallel: every vertex
/// is tagged with its position, the tags sorted by coordinate, each run of equal coordinates
/// converted once and scattered back to its positions (no per-vertex search).
fn map_table(
    mut out: Table,
    f: impl Fn(Coord) -> Result<Coord, AnalysisError> + Sync,
) -> Result<Table, AnalysisError> {
    let Some(geoms) = out.geometries.as_mut() else {
        return Ok(out);
    };
    let mut offsets = Vec::with_capacity(geoms.len() + 1);
    offsets.push(0usize);
    for g in geoms.iter() {
        let n = g.as_ref().map_or(0, |g| g.coords_count());
        offsets.push(offsets.last().expect("starts with 0") + n);
    }
    let total = *offsets.last().expect("starts with 0");
    let mut tagged: Vec<(u64, u64, usize)> = geoms
        .par_iter()
        .zip(offsets.par_iter())
        .flat_map_iter(|(g, &start)| {
            g.iter()
                .flat_map(|g| g.coords_iter())
                .enumerate()
                .map(move |(k, c)| (c.x.to_bits(), c.y.to_bits(), start + k))
        })
        .collect();
    tagged.par_sort_unstable();
    // Runs of equal coordinates: [run_starts[r], run_starts[r + 1]).
    let mut run_starts: Vec<usize> = (0..tagged.len())
        .filter(|&k| k == 0 || tagged[k].0 != tagged[k - 1].0 || tagged[k].1 != tagged[k - 1].1)
        .collect();
    run_starts.push(tagged.len());
    let converted: Vec<Coord> = run_starts
        .par_windows(2)
        .map(|w| {
            let (x, y, _) = tagged[w[0]];
            f(Coord {
                x: f64::from_bits(x),
                y: f64::from_bits(y),
            })
        })
        .collect::<Result<_, _>>()?;
    let mut by_position = vec![Coord { x: 0.0, y: 0.0 }; total];
    for (w, c) in run_starts.windows(2).zip(&converted) {
        for &(_, _, position) in &tagged[w[0]..w[1]] {
            by_position[position] = *c;
        }
    }
    geoms
        .par_iter_mut()
        .zip(offsets.par_iter())
        .for_each(|(g, &start)| {
            if let Some(g) = g {
                // Visited in the order coords_iter listed them.
                let next = std::cell::Cell::new(start);
                g.map_coords_in_place(|_| {
                    let k = next.get();
                    next.set(k + 1);
                    by_position[k]
                });
            }
        });
    Ok(out)
}

/// The bounding box of every geometry of a table, in its own coordinates.
pub fn bounds(table: &Table) -> Option<geo::Rect> {
    use geo::BoundingRect;
    table
        .geometries
        .iter()
        .flatten()
        .flatten()
        .filter_map(|g| g.bounding_rect())
        .reduce(union_rect)
}

/// The WGS84 box of a raw box, from its converted corners: enough to centre a projection
/// (GCJ-02's shift is about 500 m).
pub fn wgs84_box(raw: geo::Rect, conversion: &DatumConversion) -> Result<geo::Rect, AnalysisError> {
    let corners = [
        raw.min(),
        raw.max(),
        geo::coord! { x: raw.min().x, y: raw.max().y },
        geo::coord! { x: raw.max().x, y: raw.min().y },
    ];
    let converted: Vec<Coord> = corners
        .iter()
        .map(|&c| conversion.convert(c))
        .collect::<Result<_, _>>()?;
    let (xs, ys): (Vec<f64>, Vec<f64>) = converted.iter().map(|c| (c.x, c.y)).unzip();
    let min = |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min);
    let max = |v: &[f64]| v.iter().copied().fold(f64::MIN, f64::max);
    Ok(geo::Rect::new(
        geo::coord! { x: min(&xs), y: min(&ys) },
        geo::coord! { x: max(&xs), y: max(&ys) },
    ))
}

/// Converts a table from its datum and projects it into the analysis CRS, in one pass over its
/// distinct vertices.
pub fn to_analysis_crs(
    table: Table,
    conversion: &DatumConversion,
    crs: &AnalysisCrs,
) -> Result<Table, AnalysisError> {
    if matches!(conversion.from, Datum::Epsg(code) if crs.epsg == Some(code)) {
        // Already in the analysis CRS: no round trip through WGS84 (and no copy: a layer of
        // 10⁶ zones is taken, not cloned).
        return Ok(table);
    }
    map_table(table, |c| {
        let w = conversion.convert(c)?;
        let (x, y) = crs.project(w.x, w.y)?;
        Ok(Coord { x, y })
    })
}

/// A table converted from `datum` and projected into an Albers equal-area CRS centred on it (for
/// commands that take one layer rather than a project).
pub fn to_local_albers(table: &Table, datum: Datum) -> Result<(Table, AnalysisCrs), AnalysisError> {
    let conversion = DatumConversion::new(datum, Datum::Wgs84)?;
    let raw =
        bounds(table).ok_or_else(|| AnalysisError::Input("the layer has no geometry".into()))?;
    let b = wgs84_box(raw, &conversion)?;
    let crs = AnalysisCrs::albers_for_bounds(b.min().x, b.min().y, b.max().x, b.max().y);
    Ok((to_analysis_crs(table.clone(), &conversion, &crs)?, crs))
}
