//! The projected analysis CRS and conversions between it, WGS84 and EPSG projected systems.
//!
//! All analysis runs in one projected CRS per region. The default is an Albers equal-area conic
//! centred on the region (standard parallels at 1/6 and 5/6 of its latitude span, origin at its
//! centre, so coordinates stay near zero where overlay and buffer are best conditioned). Areas are
//! then exact; lengths reported in km are measured geodesically on WGS84 (see `Region`), not in the
//! plane. Users can override it with a projected EPSG code.
//!
//! # References
//! - Snyder, J. P. (1987) *Map Projections: A Working Manual*, USGS PP 1395, pp. 98–103 (Albers;
//!   the 1/6–5/6 rule for standard parallels).

use proj4rs::Proj;

use crate::error::AnalysisError;

/// A projected CRS used for analysis, with its definition kept for outputs.
#[derive(Clone)]
pub struct AnalysisCrs {
    /// Human-readable name, e.g. `Albers equal-area (lat1 28.4, lat2 33.7, lon0 118.9, lat0 31.1)`.
    pub name: String,
    /// The PROJ string of the projection.
    pub proj_string: String,
    /// The EPSG code when the CRS is a registered one.
    pub epsg: Option<u16>,
    projected: Proj,
    geographic: Proj,
}

impl std::fmt::Debug for AnalysisCrs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AnalysisCrs({})", self.proj_string)
    }
}

fn wgs84() -> Proj {
    Proj::from_proj_string("+proj=longlat +ellps=WGS84 +datum=WGS84 +no_defs")
        .expect("the WGS84 definition is valid")
}

impl AnalysisCrs {
    /// A CRS from its PROJ string, as written to `summary.json` (`crs.proj`).
    pub fn from_proj_string(
        name: &str,
        proj_string: &str,
        epsg: Option<u16>,
    ) -> Result<Self, AnalysisError> {
        let projected = Proj::from_proj_string(proj_string).map_err(|e| {
            AnalysisError::Crs(format!("cannot use CRS {name} ({proj_string}): {e}"))
        })?;
        Ok(Self {
            name: name.to_string(),
            proj_string: proj_string.to_string(),
            epsg,
            projected,
            geographic: wgs84(),
        })
    }

    /// An Albers equal-area conic centred on a WGS84 bounding box (lon/lat degrees).
    pub fn albers_for_bounds(lon_min: f64, lat_min: f64, lon_max: f64, lat_max: f64) -> Self {
        let span = (lat_max - lat_min).max(0.1);
        let lat1 = lat_min + span / 6.0;
        let lat2 = lat_max - span / 6.0;
        let lon0 = (lon_min + lon_max) / 2.0;
        let lat0 = (lat_min + lat_max) / 2.0;
        let proj_string = format!(
            "+proj=aea +lat_1={lat1:.4} +lat_2={lat2:.4} +lat_0={lat0:.4} +lon_0={lon0:.4} +x_0=0 +y_0=0 +ellps=WGS84 +datum=WGS84 +units=m +no_defs"
        );
        let name = format!(
            "Albers equal-area (lat_1 {lat1:.4}, lat_2 {lat2:.4}, lat_0 {lat0:.4}, lon_0 {lon0:.4}, WGS84, m)"
        );
        Self::from_proj_string(&name, &proj_string, None).expect("Albers parameters are in range")
    }

    /// A registered projected CRS (e.g. 32651 UTM 51N, 4549 CGCS2000 GK CM 120E).
    pub fn from_epsg(code: u16) -> Result<Self, AnalysisError> {
        let def = proj4rs::Proj::from_epsg_code(code)
            .map_err(|_| AnalysisError::Crs(format!("EPSG:{code} is not a known CRS")))?;
        if def.is_latlong() {
            return Err(AnalysisError::Crs(format!(
                "EPSG:{code} is geographic; the analysis CRS must be projected (metres)"
            )));
        }
        let proj_string = epsg_proj_string(code).expect("known code has a definition");
        Self::from_proj_string(&format!("EPSG:{code}"), proj_string, Some(code))
    }

    /// WGS84 lon/lat (degrees) → projected x/y (metres).
    pub fn project(&self, lon: f64, lat: f64) -> Result<(f64, f64), AnalysisError> {
        let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
        proj4rs::transform::transform(&self.geographic, &self.projected, &mut p)
            .map_err(|e| AnalysisError::Crs(format!("cannot project ({lon}, {lat}): {e}")))?;
        Ok((p.0, p.1))
    }

    /// Projected x/y (metres) → WGS84 lon/lat (degrees).
    pub fn unproject(&self, x: f64, y: f64) -> Result<(f64, f64), AnalysisError> {
        let mut p = (x, y, 0.0);
        proj4rs::transform::transform(&self.projected, &self.geographic, &mut p)
            .map_err(|e| AnalysisError::Crs(format!("cannot unproject ({x}, {y}): {e}")))?;
        Ok((p.0.to_degrees(), p.1.to_degrees()))
    }
}

/// The PROJ string of an EPSG code, if the bundled definitions know it.
pub fn epsg_proj_string(code: u16) -> Option<&'static str> {
    crs_definitions_lookup(code).map(|(proj4, _)| proj4)
}

/// The OGC WKT of an EPSG code, if the bundled definitions know it (for GeoPackage `gpkg_spatial_ref_sys`).
pub fn epsg_wkt(code: u16) -> Option<&'static str> {
    crs_definitions_lookup(code).map(|(_, wkt)| wkt)
}

fn crs_definitions_lookup(code: u16) -> Option<(&'static str, &'static str)> {
    crs_definitions::from_code(code).map(|d| (d.proj4, d.wkt))
}

/// Converts projected coordinates of a registered EPSG CRS to WGS84 lon/lat (degrees).
pub struct EpsgToWgs84 {
    code: u16,
    source: Proj,
    target: Proj,
}

impl EpsgToWgs84 {
    pub fn new(code: u16) -> Result<Self, AnalysisError> {
        let source = Proj::from_epsg_code(code)
            .map_err(|_| AnalysisError::Crs(format!("EPSG:{code} is not a known CRS")))?;
        Ok(Self {
            code,
            source,
            target: wgs84(),
        })
    }

    pub fn convert(&self, x: f64, y: f64) -> Result<(f64, f64), AnalysisError> {
        let mut p = if self.source.is_latlong() {
            (x.to_radians(), y.to_radians(), 0.0)
        } else {
            (x, y, 0.0)
        };
        proj4rs::transform::transform(&self.source, &self.target, &mut p).map_err(|e| {
            AnalysisError::Crs(format!(
                "cannot convert ({x}, {y}) from EPSG:{}: {e}",
                self.code
            ))
        })?;
        Ok((p.0.to_degrees(), p.1.to_degrees()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Distance, Euclidean, Geodesic, Point};

    #[test]
    fn albers_round_trips_and_keeps_distances_near_the_centre() {
        let crs = AnalysisCrs::albers_for_bounds(114.9, 27.0, 122.9, 35.1);
        let (x, y) = crs.project(121.47, 31.23).unwrap();
        let (lon, lat) = crs.unproject(x, y).unwrap();
        assert!((lon - 121.47).abs() < 1e-9 && (lat - 31.23).abs() < 1e-9);
        // 10 km east of Shanghai: planar distance within 0.3 % of the geodesic one.
        let (x2, y2) = crs.project(121.575, 31.23).unwrap();
        let planar = Euclidean.distance(Point::new(x, y), Point::new(x2, y2));
        let geodesic = Geodesic.distance(Point::new(121.47, 31.23), Point::new(121.575, 31.23));
        assert!(
            (planar / geodesic - 1.0).abs() < 3e-3,
            "{planar} vs {geodesic}"
        );
    }

    #[test]
    fn epsg_projected_codes_convert() {
        // UTM 51N: 500 000 m easting is the central meridian 123°E on the equator.
        let utm = EpsgToWgs84::new(32651).unwrap();
        let (lon, lat) = utm.convert(500_000.0, 0.0).unwrap();
        assert!((lon - 123.0).abs() < 1e-9 && lat.abs() < 1e-9);
        // CGCS2000 3-degree GK CM 120E.
        let gk = EpsgToWgs84::new(4549).unwrap();
        let (lon, _) = gk.convert(500_000.0, 3_400_000.0).unwrap();
        assert!((lon - 120.0).abs() < 1e-9);
        assert!(AnalysisCrs::from_epsg(4326).is_err());
        assert!(AnalysisCrs::from_epsg(32650).is_ok());
    }
}
