//! Issue 19: raster habitat patches and effective mesh against pylandstats
//! (benches/peers/landcover_pylandstats.py, which explains why CUT over the whole raster is
//! pylandstats' class-level effective_mesh_size).

mod common;

use borderscape_core::analysis::landcover::fragmentation::{mesh, survey, Survey};
use borderscape_core::raster::InMemory;
use borderscape_core::raster::{Grid, RasterCrs};
use common::test_data;
use geo::{polygon, MultiPolygon};

/// Lines of a committed reference file, comments skipped.
fn lines(name: &str) -> Vec<String> {
    std::fs::read_to_string(test_data(name))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// The 30 × 30 grid of 30 m cells, each class in turn as habitat and the whole raster as the
/// unit: patches (8-neighbour) equal pylandstats 3.1.0 exactly (4-neighbour would give 32, 86,
/// 76 and 44), mean patch area and CUT (= MESH here) within 1e-9 relative (float summation
/// order only; pylandstats sums cell counts, borderscape cell areas).
#[test]
fn patches_mean_area_and_mesh_equal_pylandstats() {
    let classes: Vec<u16> = lines("landcover_pylandstats_grid.csv")
        .iter()
        .flat_map(|l| {
            l.split(',')
                .map(|c| c.parse::<u16>().unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(classes.len(), 900);
    let side = 30.0 * 30.0;
    let raster = InMemory {
        grid: Grid {
            width: 30,
            height: 30,
            x0: 500_000.0,
            y0: 3_400_000.0,
            dx: 30.0,
            dy: 30.0,
            crs: RasterCrs::Projected { epsg: 32651 },
            nodata: None,
        },
        classes,
    };
    let whole = MultiPolygon::new(vec![polygon![
        (x: 500_000.0, y: 3_400_000.0 - side),
        (x: 500_000.0 + side, y: 3_400_000.0 - side),
        (x: 500_000.0 + side, y: 3_400_000.0),
        (x: 500_000.0, y: 3_400_000.0),
    ]]);
    let reference = lines("landcover_pylandstats.csv");
    assert_eq!(
        reference[0],
        "class,patches,mean_patch_area_ha,effective_mesh_size_ha"
    );
    assert_eq!(reference.len(), 5, "classes 1-4");
    let close = |a: f64, b: f64| (a / b - 1.0).abs() < 1e-9;
    for row in &reference[1..] {
        let f: Vec<&str> = row.split(',').collect();
        let class: usize = f[0].parse().unwrap();
        let (patches, area_mn_ha, mesh_ha): (usize, f64, f64) = (
            f[1].parse().unwrap(),
            f[2].parse().unwrap(),
            f[3].parse().unwrap(),
        );
        let mut habitat = vec![false; 5];
        habitat[class] = true;
        let Survey {
            pieces,
            patches: all,
            ..
        } = survey(&raster, std::slice::from_ref(&whole), 1, &habitat).unwrap();
        let (m, np) = mesh(side * side, &pieces[0], &all);
        assert_eq!((all.count, np), (patches, patches), "class {class}");
        let mean_ha = m.habitat_area_km2 / np as f64 * 100.0;
        assert!(
            close(mean_ha, area_mn_ha),
            "class {class}: {mean_ha} vs {area_mn_ha}"
        );
        assert!(
            close(m.cut_km2 * 100.0, mesh_ha),
            "class {class}: {m:?} vs {mesh_ha}"
        );
        assert!(close(m.cbc_km2, m.cut_km2), "class {class}: {m:?}");
    }
}
