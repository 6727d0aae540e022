//! Issue 5: conflicts through `analyze`, with bad inputs named by file, feature and field.

mod common;

use std::path::Path;

use common::*;

/// Two counties side by side with an extra layer, as a path argument.
fn two_counties_at(dir: &Path, extra_manifest: &str) -> String {
    two_counties(dir, extra_manifest)
        .to_str()
        .unwrap()
        .to_string()
}

fn zone(id: &str, class: &str, x: f64) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"id":"{id}","class":"{class}","plan":"2035"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},31.05],[{x2},31.05],[{x2},31.06],[{x},31.06],[{x},31.05]]]}}}}"#,
        x2 = x + 0.005
    )
}

const PLANS: &str = "[layers.plans]\npath = \"plans.geojson\"\ndatum = \"wgs84\"\n";

#[test]
fn facing_incompatible_zones_are_found_through_analyze() {
    let dir = tempfile::tempdir().unwrap();
    let project = two_counties_at(dir.path(), PLANS);
    // Heavy industry in A ends 0.001° (~95 m) west of the border; housing in B starts 0.002° east.
    let plans = collection(&[zone("a1", "100103", 121.094), zone("b1", "0701", 121.102)]);
    std::fs::write(dir.path().join("plans.geojson"), plans).unwrap();
    let out = dir.path().join("out");
    analyze_only(Path::new(&project), "conflicts", &out);
    let csv = std::fs::read_to_string(out.join("tables/conflicts.csv")).unwrap();
    let row = csv
        .lines()
        .find(|l| l.starts_with("incompatible_land_use,3,"))
        .unwrap();
    assert!(row.contains(",A,nA,B,nB,A|B,"), "{row}");
    let distance: f64 = row.split(',').nth(9).unwrap().parse().unwrap();
    assert!((distance - 286.0).abs() < 5.0, "{distance}");
    let consistency = std::fs::read_to_string(out.join("tables/plan_consistency.csv")).unwrap();
    assert!(consistency
        .lines()
        .nth(1)
        .unwrap()
        .starts_with("A,B,nA,nB,2035,"));
}

#[test]
fn unknown_classes_and_invalid_roads_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let project = two_counties_at(dir.path(), PLANS);
    std::fs::write(
        dir.path().join("plans.geojson"),
        collection(&[zone("a1", "100103", 121.094), zone("b1", "77", 121.102)]),
    )
    .unwrap();
    let run = borderscape(&["analyze", &project, "--only", "conflicts", "--quiet"]);
    assert_fails_with(&run, 1, "plans.geojson: feature 1 (id b1): field `class`: `77` is not a class of the China 2023 classification");

    let dir = tempfile::tempdir().unwrap();
    let project = two_counties_at(
        dir.path(),
        "[layers.roads]\npath = \"roads.geojson\"\ndatum = \"wgs84\"\n",
    );
    let road = r#"{"type":"Feature","properties":{"id":"r1"},"geometry":{"type":"LineString","coordinates":[[121.05,31.05]]}}"#;
    std::fs::write(
        dir.path().join("roads.geojson"),
        collection(&[road.to_string()]),
    )
    .unwrap();
    let run = borderscape(&["analyze", &project, "--only", "conflicts", "--quiet"]);
    assert_fails_with(&run, 1, "roads.geojson: feature 0 (code r1): field `geometry`: line 0 has fewer than 2 distinct points");
}
