//! Conflicts in partitions by border (issues 21 and 22): `analyze --partitions` gives the tables
//! of a whole run with the plans layer in GeoParquet (read in parts, never whole); the partition
//! plan of `borderscape partitions` puts every zone in one group and every border in one
//! partition. (On a Dask cluster: tests/python/test_dask.py.)

mod common;

use std::path::Path;

use common::{assert_fails_with, borderscape, demo, demo_inputs};

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
