//! Criterion benchmark of the land-cover pass (`fragmentation::survey`: exact class areas and
//! habitat patch pieces in one sweep) on a SYNTHETIC 4,000 × 4,000 class raster held in memory
//! over the real YRD counties (about 200 × 230 m cells), so that it measures the pass alone, not
//! the GeoTIFF decoding. Whole-command timings against exactextract and rasterstats on a
//! 20,000 × 20,000 GeoTIFF are in benches/landcover_large.

mod common;

use borderscape_core::analysis::landcover::fragmentation::survey;
use borderscape_core::raster::InMemory;
use borderscape_core::raster::{Grid, RasterCrs};
use criterion::{criterion_group, criterion_main, Criterion};

/// IGBP-like classes from a sum of sines (large regions) with one cell in eight replaced by
/// noise (speckle), as the 20,000² bench raster.
fn synthetic(width: usize, height: usize) -> Vec<u16> {
    const CLASSES: [u16; 6] = [5, 10, 12, 13, 17, 11];
    let mut state = 2_463_534_242u32;
    (0..width * height)
        .map(|i| {
            let (x, y) = ((i % width) as f64, (i / width) as f64);
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            if state.is_multiple_of(8) {
                return CLASSES[(state >> 8) as usize % CLASSES.len()];
            }
            let v = (x / 97.0).sin() + (y / 131.0).cos() + ((x + y) / 53.0).sin();
            CLASSES[((v + 3.0) / 6.0 * CLASSES.len() as f64) as usize % CLASSES.len()]
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let Some(counties) = common::yrd_counties_wgs84() else {
        eprintln!("data/yrd/jurisdictions.geojson.gz is not there; nothing to benchmark");
        return;
    };
    let n = 4_000;
    let (west, north, span) = (114.83, 35.17, 8.17);
    let grid = Grid {
        width: n,
        height: n,
        x0: west,
        y0: north,
        dx: span / n as f64,
        dy: span / n as f64,
        crs: RasterCrs::Geographic { epsg: 4326 },
        nodata: None,
    };
    let raster = InMemory {
        classes: synthetic(n, n),
        grid,
    };
    let zones: Vec<_> = counties.into_iter().map(|c| c.geometry).collect();
    let mut habitat = vec![false; 1 << 16];
    for class in [5, 11, 17] {
        habitat[class] = true;
    }
    c.bench_function(
        "landcover survey, 305 YRD counties, 4,000² synthetic raster",
        |b| b.iter(|| survey(&raster, &zones, zones.len(), &habitat).unwrap()),
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
