//! Criterion benchmark of the conflict analysis on large synthetic plans (the same generator as
//! `examples/large_plans`): 100 square jurisdictions, 40 000 and 160 000 zones, in memory; the
//! whole analysis, then each stage alone at 160 000 zones (the zone index, incompatible pairs,
//! protected-zone discontinuity, plan consistency), so that a regression names its stage.
//! Whole-command timings against GeoPandas at 10⁶ zones: `benches/peers/run.sh 3 conflicts`,
//! with the history of its figures in benches/peers/HISTORY.md.

use std::collections::BTreeMap;

use borderscape_core::analysis::conflicts::{
    consistency, find_conflicts, land_use, Settings, SPEC,
};
use borderscape_core::crs::AnalysisCrs;
use borderscape_core::model::plans::PlanZones;
use borderscape_core::region::{Jurisdiction, Level, Region, UnitLocator};
use borderscape_core::shared_borders::{borders_at_level, BorderKind};
use borderscape_core::spec::Params;
use borderscape_core::Inputs;
use borderscape_io::synthetic::large::large_plans;
use criterion::{criterion_group, criterion_main, Criterion};
use geo::{Geometry, MultiPolygon};

fn inputs(zones: usize) -> Inputs {
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
    Inputs::build(Region::new(
        "bench",
        crs,
        jurisdictions,
        BTreeMap::from([("plans".to_string(), plans)]),
    ))
    .expect("the generated plans are valid")
}

fn conflicts(c: &mut Criterion) {
    let settings = Settings::from_params(&Params::defaults(&SPEC)).unwrap();
    let mut group = c.benchmark_group("conflicts");
    group.sample_size(10);
    for zones in [40_000, 160_000] {
        let inputs = inputs(zones);
        group.bench_function(format!("{zones} zones"), |b| {
            b.iter(|| find_conflicts(&inputs, &settings).unwrap().conflicts.len())
        });
    }
    group.finish();
}

fn stages(c: &mut Criterion) {
    let settings = Settings::from_params(&Params::defaults(&SPEC)).unwrap();
    let inputs = inputs(160_000);
    let region = &inputs.region;
    let table = &region.layers["plans"];
    let locator = UnitLocator::new(region, Level::County);
    let matrix = &inputs.model.rules.compatibility;
    let mut group = c.benchmark_group("conflict stages, 160000 zones");
    group.sample_size(10);
    group.bench_function("zone index", |b| {
        b.iter(|| PlanZones::new(region, table, Level::County, &locator, None).unwrap())
    });
    let plans = PlanZones::new(region, table, Level::County, &locator, None).unwrap();
    group.bench_function("incompatible", |b| {
        b.iter(|| land_use::incompatible(region, &plans, matrix, &settings))
    });
    group.bench_function("protected-zone discontinuity", |b| {
        b.iter(|| land_use::protected_zone_discontinuity(region, &plans, &settings))
    });
    let level = borders_at_level(region, Level::County, 1.0).unwrap();
    let edges: Vec<_> = level
        .borders
        .iter()
        .filter(|b| b.kind == BorderKind::Edge)
        .collect();
    group.bench_function("plan consistency", |b| {
        b.iter(|| consistency::plan_consistency(&plans, matrix, &edges, &settings))
    });
    group.finish();
}

criterion_group!(benches, conflicts, stages);
criterion_main!(benches);
