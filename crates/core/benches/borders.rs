//! Criterion benchmark of border finding on the real YRD counties (data/yrd, gzip), already
//! converted to the analysis CRS, so that it measures the algorithm alone. Whole-command timings
//! against the GeoPandas/libpysal peer are in benches/peers/run.sh.

use std::collections::BTreeMap;
use std::path::Path;

use borderscape_core::analysis::borders::borders_at_level;
use borderscape_core::crs::AnalysisCrs;
use borderscape_core::datum::gcj02_to_wgs84;
use borderscape_core::{Jurisdiction, Level, Region};
use criterion::{criterion_group, criterion_main, Criterion};
use geo::{Coord, MapCoords, MultiPolygon};

fn yrd_counties() -> Option<Region> {
    use std::io::Read;
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/yrd/jurisdictions.geojson.gz");
    let gz = std::fs::read(path).ok()?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .ok()?;
    let fc: geojson::FeatureCollection = text.parse().ok()?;
    let crs = AnalysisCrs::albers_for_bounds(114.88, 27.04, 122.95, 35.12);
    let units = fc
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
            let projected = geometry.map_coords(|c| {
                let (lon, lat) = gcj02_to_wgs84(c.x, c.y);
                let (x, y) = crs.project(lon, lat).unwrap();
                Coord { x, y }
            });
            Jurisdiction {
                code: prop("code"),
                name: prop("name"),
                level: Level::County,
                parent: None,
                geometry: projected,
            }
        })
        .collect();
    Some(Region::new("YRD", crs, units, BTreeMap::new()))
}

fn bench(c: &mut Criterion) {
    let Some(region) = yrd_counties() else {
        eprintln!("data/yrd/jurisdictions.geojson.gz is not there; nothing to benchmark");
        return;
    };
    c.bench_function("borders_at_level YRD 305 counties", |b| {
        b.iter(|| borders_at_level(&region, Level::County, 1.0).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
