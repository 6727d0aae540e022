//! GeoParquet end to end (issue 21): the demo's plans as GeoParquet give the same conflicts as
//! its GeoPackage; `analyze --format gpkg,parquet` writes every output as Parquet; `convert`
//! writes WKB or native GeoArrow with the row groups asked for. (GeoPandas reading our files is
//! tests/python/test_geoparquet.py.)

mod common;

use std::path::Path;

use borderscape_io::geoparquet::file_info;
use borderscape_io::read::{read_table, ReadOptions};
use common::{assert_fails_with, borderscape, demo, demo_inputs};

const CONFLICT_TABLES: [&str; 4] = [
    "conflicts",
    "conflicts_by_border",
    "plan_consistency",
    "conflict_changes",
];

#[test]
fn demo_conflicts_are_identical_with_geopackage_and_geoparquet_plans() {
    let dir = tempfile::tempdir().unwrap();
    demo_inputs(dir.path());
    let at = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    // The native encoding, in small row groups: the reader must put the batches back together.
    let run = borderscape(&[
        "convert",
        &at("plans.gpkg"),
        &at("plans.parquet"),
        "--geometry-encoding",
        "geoarrow",
        "--row-group-rows",
        "5000",
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        file_info(&dir.path().join("plans.parquet"))
            .unwrap()
            .row_groups
            > 20
    );
    let manifest = std::fs::read_to_string(at("borderscape.toml")).unwrap();
    assert!(manifest.contains("path = \"plans.gpkg\""));
    std::fs::write(
        at("borderscape.toml"),
        manifest.replace("path = \"plans.gpkg\"", "path = \"plans.parquet\""),
    )
    .unwrap();
    let run = borderscape(&[
        "analyze",
        dir.path().to_str().unwrap(),
        "--only",
        "conflicts",
        "--format",
        "gpkg,parquet",
        "--out",
        &at("results"),
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for table in CONFLICT_TABLES {
        let csv = format!("tables/{table}.csv");
        let from_gpkg = std::fs::read_to_string(demo().join("results").join(&csv)).unwrap();
        let from_parquet = std::fs::read_to_string(dir.path().join("results").join(&csv)).unwrap();
        assert!(from_gpkg.lines().count() > 1, "{table} has rows");
        assert_eq!(from_gpkg, from_parquet, "{table} differs");
        // The Parquet output holds the same rows as the CSV.
        let parquet = dir.path().join(format!("results/parquet/{table}.parquet"));
        let read = read_table(&parquet, &ReadOptions::default()).unwrap();
        assert_eq!(
            read.table.len() + 1,
            from_parquet.lines().count(),
            "{table}"
        );
    }
    let conflicts = file_info(&dir.path().join("results/parquet/conflicts.parquet")).unwrap();
    let geo = conflicts.geo.expect("conflicts are spatial: GeoParquet");
    assert_eq!(geo["columns"]["geometry"]["crs"]["id"]["code"], 4326);
    let by_border = file_info(
        &dir.path()
            .join("results/parquet/conflicts_by_border.parquet"),
    );
    assert!(
        by_border.unwrap().geo.is_none(),
        "a table without geometry is plain Parquet"
    );
    assert!(dir.path().join("results/results.gpkg").is_file());
}

#[test]
fn parquet_only_results_leave_the_geopackage_out() {
    let dir = tempfile::tempdir().unwrap();
    demo_inputs(dir.path());
    let out = dir.path().join("results");
    let run = borderscape(&[
        "analyze",
        dir.path().to_str().unwrap(),
        "--only",
        "borders",
        "--format",
        "parquet",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(out.join("parquet/borders.parquet").is_file());
    assert!(!out.join("results.gpkg").exists() && !out.join("results.qgs").exists());
    // The dashboard needs the GeoPackage, and says how to get it.
    let run = borderscape(&["serve", out.to_str().unwrap(), "--port", "0"]);
    assert_fails_with(&run, 1, "--format gpkg");
    let run = borderscape(&["analyze", dir.path().to_str().unwrap(), "--format", "shp"]);
    assert_fails_with(&run, 2, "shp");
}

#[test]
fn convert_round_trips_and_names_what_it_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let jurisdictions = demo().join("jurisdictions.geojson");
    let jurisdictions = jurisdictions.to_str().unwrap();
    for (encoding, crs) in [("wkb", "EPSG:4549"), ("geoarrow", "wgs84")] {
        let out = at(&format!("j_{encoding}.parquet"));
        let run = borderscape(&[
            "convert",
            jurisdictions,
            &out,
            "--to-datum",
            crs,
            "--geometry-encoding",
            encoding,
            "--quiet",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let geo = file_info(Path::new(&out)).unwrap().geo.unwrap();
        let column = &geo["columns"]["geometry"];
        let expected = if encoding == "wkb" {
            "WKB"
        } else {
            "multipolygon"
        };
        assert_eq!(column["encoding"], expected);
        assert_eq!(
            column["geometry_types"],
            serde_json::json!(["MultiPolygon"])
        );
    }
    // Native back to GeoJSON: the same features as the original.
    let run = borderscape(&[
        "convert",
        &at("j_geoarrow.parquet"),
        &at("back.geojson"),
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let original = read_table(Path::new(jurisdictions), &ReadOptions::default()).unwrap();
    let back = read_table(&dir.path().join("back.geojson"), &ReadOptions::default()).unwrap();
    assert_eq!(original.table.rows, back.table.rows);
    assert_eq!(original.table.geometries, back.table.geometries);
    // Web Mercator is not written with a made-up CRS.
    let run = borderscape(&[
        "convert",
        jurisdictions,
        &at("m.parquet"),
        "--to-datum",
        "EPSG:3857",
    ]);
    assert_fails_with(&run, 1, "not supported in GeoParquet output");
    // A file that is not Parquet is named.
    std::fs::write(at("fake.parquet"), "not parquet").unwrap();
    let run = borderscape(&["convert", &at("fake.parquet"), &at("x.geojson")]);
    assert_fails_with(&run, 1, "fake.parquet");
    let run = borderscape(&[
        "convert",
        jurisdictions,
        &at("y.parquet"),
        "--geometry-encoding",
        "ewkb",
    ]);
    assert_fails_with(&run, 2, "ewkb");
}

#[test]
fn a_geoparquet_crs_that_contradicts_the_manifest_is_named_by_check() {
    let dir = tempfile::tempdir().unwrap();
    demo_inputs(dir.path());
    let at = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let run = borderscape(&[
        "convert",
        &at("jurisdictions.geojson"),
        &at("jurisdictions.parquet"),
        "--from-datum",
        "gcj02",
        "--to-datum",
        "EPSG:4549",
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let manifest = std::fs::read_to_string(at("borderscape.toml")).unwrap();
    let with_datum = |datum: &str| {
        manifest.replace(
            "path = \"jurisdictions.geojson\"\ndatum = \"gcj02\"",
            &format!("path = \"jurisdictions.parquet\"\ndatum = \"{datum}\""),
        )
    };
    assert_ne!(
        with_datum("gcj02"),
        manifest,
        "the demo's manifest names its jurisdictions so"
    );
    std::fs::write(at("borderscape.toml"), with_datum("gcj02")).unwrap();
    // Every coordinate is also out of range for GCJ-02 lon/lat; the CRS says why, once.
    let run = borderscape(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let why = "jurisdictions.parquet: the file's CRS is EPSG:4549 but [layers.jurisdictions] datum says gcj02";
    assert_eq!(run.stdout.matches(why).count(), 1, "{}", run.stdout);
    std::fs::write(at("borderscape.toml"), with_datum("EPSG:4549")).unwrap();
    let run = borderscape(&["check", dir.path().to_str().unwrap()]);
    assert!(!run.stderr.contains("the file's CRS"), "{}", run.stderr);
    assert!(!run.stdout.contains("the file's CRS"), "{}", run.stdout);
}
