//! Conflicts in partitions by border (issues 21 and 22): `analyze --partitions` gives the tables
//! of a whole run with the plans layer in GeoParquet (read in parts, never whole); the partition
//! plan of `borderscape partitions` puts every zone in one group and every border in one
//! partition. (On a Dask cluster: tests/python/test_dask.py.)

mod common;

use std::io::Write;
use std::path::Path;

use common::{
    assert_fails_with, borderscape, collection, demo, demo_inputs, project_with_jurisdictions,
    square_feature,
};

/// The demo's inputs in `dir`, its plans as GeoParquet.
fn demo_with_parquet_plans(dir: &Path) {
    demo_inputs(dir);
    let (gpkg, parquet) = (dir.join("plans.gpkg"), dir.join("plans.parquet"));
    let run = borderscape(&[
        "convert",
        gpkg.to_str().unwrap(),
        parquet.to_str().unwrap(),
        "--row-group-rows",
        "10000",
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let manifest = dir.join("borderscape.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("path = \"plans.gpkg\"", "path = \"plans.parquet\""),
    )
    .unwrap();
}

#[test]
fn conflicts_in_partitions_equal_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    demo_with_parquet_plans(dir.path());
    let project = dir.path().to_str().unwrap();
    let out = |name: &str| dir.path().join(name);
    for (name, extra) in [
        ("whole", &[][..]),
        ("parts", &["--partitions", "province"][..]),
    ] {
        let target = out(name);
        let mut args = vec![
            "analyze",
            project,
            "--only",
            "borders,conflicts",
            "--out",
            target.to_str().unwrap(),
            "--quiet",
        ];
        args.extend(extra);
        let run = borderscape(&args);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    for table in [
        "borders",
        "conflicts",
        "conflicts_by_border",
        "plan_consistency",
        "conflict_changes",
    ] {
        let csv = format!("tables/{table}.csv");
        let whole = std::fs::read_to_string(out("whole").join(&csv)).unwrap();
        assert!(whole.lines().count() > 10, "{table}");
        assert_eq!(
            whole,
            std::fs::read_to_string(out("parts").join(&csv)).unwrap(),
            "{table}"
        );
    }
    let summary = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(out(name).join("summary.json")).unwrap())
            .unwrap()
    };
    let (whole, mut parts) = (summary("whole"), summary("parts"));
    let partitions = parts["analyses"]["conflicts"]
        .as_object_mut()
        .unwrap()
        .remove("partitions")
        .unwrap();
    assert_eq!(partitions["groups"], 4);
    assert_eq!(whole, parts, "the summaries differ beyond the partitions");
}

/// Issue 44: a lake at the corner of counties A, B (east) and C (north of A), its shore
/// protected in A (forest) and built up in B and C (housing), each zone 0.005° from the water
/// and more than `shore_m` from the others; the ecology layer lists the lake again under its
/// name. Both discontinuities are reported once each, whole and in partitions by county.
#[test]
fn both_pairs_around_a_shared_lake_are_reported_whole_and_in_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let project = project_with_jurisdictions(
        dir.path(),
        &collection(&[
            square_feature("A", "county", None, 121.0, 31.0, 0.1),
            square_feature("B", "county", None, 121.1, 31.0, 0.1),
            square_feature("C", "county", None, 121.0, 31.1, 0.1),
        ]),
    );
    let mut manifest = std::fs::OpenOptions::new()
        .append(true)
        .open(project.join("borderscape.toml"))
        .unwrap();
    for kind in ["plans", "lakes", "ecology"] {
        writeln!(
            manifest,
            "[layers.{kind}]\npath = \"{kind}.geojson\"\ndatum = \"wgs84\""
        )
        .unwrap();
    }
    let square = |properties: &str, x: f64, y: f64, size: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{{properties}}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x2},{y}],[{x2},{y2}],[{x},{y2}],[{x},{y}]]]}}}}"#,
            x2 = x + size,
            y2 = y + size
        )
    };
    let zone = |id: &str, unit: &str, class: &str, x: f64, y: f64| {
        let properties =
            format!(r#""id":"{id}","jurisdiction":"{unit}","class":"{class}","plan":"2035""#);
        square(&properties, x, y, 0.01)
    };
    let plans = collection(&[
        zone("a", "A", "0301", 121.065, 31.085),
        zone("b", "B", "0701", 121.125, 31.085),
        zone("c", "C", "0701", 121.085, 31.125),
    ]);
    std::fs::write(project.join("plans.geojson"), plans).unwrap();
    let lake = |properties: &str| collection(&[square(properties, 121.08, 31.08, 0.04)]);
    std::fs::write(
        project.join("lakes.geojson"),
        lake(r#""name":"Shared Lake""#),
    )
    .unwrap();
    std::fs::write(
        project.join("ecology.geojson"),
        lake(r#""name":"Shared Lake","kind":"wetland""#),
    )
    .unwrap();
    let table = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec![
            "analyze",
            project.to_str().unwrap(),
            "--only",
            "conflicts",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ];
        args.extend(extra);
        let run = borderscape(&args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        std::fs::read_to_string(out.join("tables/conflicts.csv")).unwrap()
    };
    let whole = table("whole", &[]);
    assert_eq!(whole, table("parts", &["--partitions", "county"]));
    let mut identities: Vec<&str> = whole
        .lines()
        .skip(1)
        .filter_map(|row| {
            row.split(',')
                .find(|f| f.starts_with("ecological_discontinuity|"))
        })
        .collect();
    identities.sort_unstable();
    assert_eq!(
        identities,
        [
            "ecological_discontinuity|B|A|Shared Lake",
            "ecological_discontinuity|C|A|Shared Lake"
        ],
        "{whole}"
    );
    assert_eq!(whole.lines().count(), 3, "{whole}");
}

#[test]
fn partitions_run_conflicts_alone() {
    let run = borderscape(&[
        "analyze",
        demo().to_str().unwrap(),
        "--partitions",
        "city",
        "--only",
        "conflicts,synergy",
        "--out",
        "/nonexistent/never-written",
        "--quiet",
    ]);
    assert_fails_with(&run, 2, "--partitions runs conflicts (and borders) alone");
}

#[test]
fn the_plan_of_the_demo_covers_every_zone_and_border_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.json");
    let run = borderscape(&[
        "partitions",
        demo().to_str().unwrap(),
        "--group-level",
        "province",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("in 4 groups by province"),
        "{}",
        run.stderr
    );
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(demo().join("results/summary.json")).unwrap(),
    )
    .unwrap();
    let inputs = &summary["analyses"]["conflicts"]["results"]["inputs"];
    assert_eq!(plan["zones"], inputs["plan_zones"]);
    assert_eq!(plan["versions"], inputs["plan_versions"]);
    let mut rows: Vec<u64> = plan["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| {
            g["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_u64().unwrap())
        })
        .collect();
    rows.sort_unstable();
    let count = rows.len();
    rows.dedup();
    assert_eq!(rows.len(), count, "a zone in two groups");
    // Every zone is in one group or beyond the border band (and there are such zones: the
    // demo's counties are wider than twice the reach).
    let away = plan["zones_away"].as_u64().unwrap();
    assert!(away > 0, "no zone beyond the border band");
    assert_eq!(count as u64 + away, plan["zones"].as_u64().unwrap());
    let mut borders: Vec<u64> = plan["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            p["borders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b.as_u64().unwrap())
        })
        .collect();
    borders.sort_unstable();
    let edges = plan["borders"].as_array().unwrap().len() as u64;
    assert_eq!(borders, (0..edges).collect::<Vec<_>>());
    // Four provinces: each alone, and the pairs within reach of each other.
    let partitions = plan["partitions"].as_array().unwrap().len();
    assert!((4..=10).contains(&partitions), "{partitions} partitions");
}

#[test]
fn a_group_level_finer_than_the_analysis_is_refused() {
    let run = borderscape(&[
        "partitions",
        demo().to_str().unwrap(),
        "--group-level",
        "township",
        "--quiet",
    ]);
    assert_fails_with(&run, 1, "not by township");
}
