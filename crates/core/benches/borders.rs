//! Criterion benchmark of border finding on the real YRD counties (data/yrd, gzip), already
//! converted to the analysis CRS, so that it measures the algorithm alone. Whole-command timings
//! against the GeoPandas/libpysal peer are in benches/peers/run.sh.

mod common;

use std::collections::BTreeMap;

use borderscape_core::analysis::borders::borders_at_level;
use borderscape_core::crs::AnalysisCrs;
use borderscape_core::{Jurisdiction, Level, Region};
use criterion::{criterion_group, criterion_main, Criterion};
use geo::{Coord, MapCoords};

fn yrd_counties() -> Option<Region> {
    let crs = AnalysisCrs::albers_for_bounds(114.88, 27.04, 122.95, 35.12);
    let units = common::yrd_counties_wgs84()?
        .into_iter()
        .map(|county| Jurisdiction {
            geometry: county.geometry.map_coords(|c| {
                let (x, y) = crs.project(c.x, c.y).unwrap();
                Coord { x, y }
            }),
            code: county.code,
            name: county.name,
            level: Level::County,
            parent: None,
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
