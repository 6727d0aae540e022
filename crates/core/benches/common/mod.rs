//! The real YRD counties (data/yrd, gzip) in WGS84 longitude/latitude, for the benchmarks.

use std::io::Read;
use std::path::Path;

use borderscape_core::datum::gcj02_to_wgs84;
use geo::{Coord, MapCoords, MultiPolygon};

/// One county: its code, its name and its outline (WGS84 degrees).
// Each benchmark compiles this module on its own; the land-cover one needs only the outline.
#[allow(dead_code)]
pub struct County {
    pub code: String,
    pub name: String,
    pub geometry: MultiPolygon,
}

/// The 305 counties, or None when data/yrd is not there.
pub fn yrd_counties_wgs84() -> Option<Vec<County>> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/yrd/jurisdictions.geojson.gz");
    let gz = std::fs::read(path).ok()?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .ok()?;
    let fc: geojson::FeatureCollection = text.parse().ok()?;
    let counties = fc
        .features
        .into_iter()
        .filter(|f| f.property("level").and_then(|l| l.as_str()) == Some("county"))
        .map(|f| {
            let prop = |k: &str| {
                f.property(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let geometry: MultiPolygon =
                geo::Geometry::<f64>::try_from(f.geometry.clone().unwrap().value)
                    .unwrap()
                    .try_into()
                    .unwrap();
            County {
                code: prop("code"),
                name: prop("name"),
                geometry: geometry.map_coords(|c| {
                    let (x, y) = gcj02_to_wgs84(c.x, c.y);
                    Coord { x, y }
                }),
            }
        })
        .collect();
    Some(counties)
}
