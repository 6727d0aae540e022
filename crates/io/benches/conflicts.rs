//! Criterion benchmark of the conflict analysis on large synthetic plans (the same generator as
//! `examples/large_plans`): 100 square jurisdictions, 40 000 and 160 000 zones, in memory.

use std::collections::BTreeMap;

use borderscape_core::analysis::conflicts::{find_conflicts, Settings, SPEC};
use borderscape_core::crs::AnalysisCrs;
use borderscape_core::region::{Jurisdiction, Level, Region};
use borderscape_core::spec::Params;
use borderscape_io::synthetic::large::large_plans;
use criterion::{criterion_group, criterion_main, Criterion};
use geo::{Geometry, MultiPolygon};

fn region(zones: usize) -> Region {
    let (units, plans) = large_plans(10, zones, 1);
    let jurisdictions = (0..units.len())
        .map(|i| {
            let Some(Geometry::Polygon(p)) = units.geometry(i) else {
                unreachable!("the generator writes squares")
            };
            Jurisdiction {
                code: units.rows[i][0].to_text(),
                name: units.rows[i][1].to_text(),
                level: Level::County,
                parent: None,
                geometry: MultiPolygon::new(vec![p.clone()]),
            }
        })
        .collect();
    let crs = AnalysisCrs::from_epsg(32651).expect("UTM 51N is known");
    Region::new(
        "bench",
        crs,
        jurisdictions,
        BTreeMap::from([("plans".to_string(), plans)]),
    )
}

fn conflicts(c: &mut Criterion) {
    let settings = Settings::from_params(&Params::defaults(&SPEC)).unwrap();
    let mut group = c.benchmark_group("conflicts");
    group.sample_size(10);
    for zones in [40_000, 160_000] {
        let region = region(zones);
        group.bench_function(format!("{zones} zones"), |b| {
            b.iter(|| find_conflicts(&region, &settings).unwrap().conflicts.len())
        });
    }
    group.finish();
}

criterion_group!(benches, conflicts);
criterion_main!(benches);
