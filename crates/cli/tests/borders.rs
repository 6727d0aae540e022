//! Issue 3: borders on the real YRD data, against PySAL's contiguity and geodesic lengths.

mod common;

use std::collections::BTreeMap;

use common::*;

#[derive(Debug, Clone)]
struct Row {
    kind: String,
    length_km: f64,
    cross_province: Option<bool>,
    cross_city: Option<bool>,
}

fn read_rows(path: &std::path::Path) -> BTreeMap<(String, String), Row> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let flag = |name: &str| col(name).map(|i| &r[i] == "true");
            (
                (
                    r[col("a").unwrap()].to_string(),
                    r[col("b").unwrap()].to_string(),
                ),
                Row {
                    kind: r[col("kind").unwrap()].to_string(),
                    length_km: r[col("length_km").unwrap()].parse().unwrap(),
                    cross_province: flag("cross_province"),
                    cross_city: flag("cross_city"),
                },
            )
        })
        .collect()
}

/// Runs `borderscape borders` on the real YRD layer at `level`, writing `out`.
fn run_borders(level: &str, out: &std::path::Path) -> Run {
    borderscape(&[
        "borders",
        yrd_jurisdictions().to_str().unwrap(),
        "--datum",
        "gcj02",
        "--level",
        level,
        "--out",
        out.to_str().unwrap(),
    ])
}

fn ours(level: &str) -> (BTreeMap<(String, String), Row>, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("borders.csv");
    let run = run_borders(level, &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    (read_rows(&out), run.stderr)
}

/// Pairs and kinds equal PySAL's rook (edge) and queen-minus-rook (point) contiguity; lengths
/// equal shapely + pyproj geodesic lengths of the same (WGS84) geometry.
fn assert_matches_pysal(level: &str) -> BTreeMap<(String, String), Row> {
    let (ours, _) = ours(level);
    let reference = read_rows(&test_data(&format!("pysal_borders_{level}.csv")));
    let ours_keys: Vec<_> = ours.keys().collect();
    let reference_keys: Vec<_> = reference.keys().collect();
    assert_eq!(ours_keys, reference_keys, "pairs differ at {level} level");
    for (pair, expected) in &reference {
        let got = &ours[pair];
        assert_eq!(got.kind, expected.kind, "{pair:?}");
        let tolerance = 1e-5 + 1e-6 * expected.length_km;
        assert!(
            (got.length_km - expected.length_km).abs() <= tolerance,
            "{pair:?}: {} vs {}",
            got.length_km,
            expected.length_km
        );
    }
    ours
}

#[test]
fn county_borders_match_pysal_and_flag_crossings() {
    let rows = assert_matches_pysal("county");
    assert_eq!(rows.len(), 832);
    assert_eq!(rows.values().filter(|r| r.kind == "point").count(), 5);
    for ((a, b), row) in &rows {
        // YRD adcodes: the first two digits are the province, the first four the city.
        assert_eq!(row.cross_province, Some(a[..2] != b[..2]), "{a}-{b}");
        assert_eq!(row.cross_city, Some(a[..4] != b[..4]), "{a}-{b}");
    }
    let (_, stderr) = ours("county");
    assert!(stderr.contains("islands: 330921 岱山县"), "{stderr}");
}

#[test]
fn city_borders_match_pysal() {
    assert_eq!(assert_matches_pysal("city").len(), 100);
}

#[test]
fn province_borders_are_the_expected_five() {
    let rows = assert_matches_pysal("province");
    let pairs: Vec<String> = rows.keys().map(|(a, b)| format!("{a}-{b}")).collect();
    // Shanghai and Anhui do not touch; every other pair does.
    assert_eq!(
        pairs,
        [
            "310000-320000",
            "310000-330000",
            "320000-330000",
            "320000-340000",
            "330000-340000"
        ]
    );
    assert!(rows
        .values()
        .all(|r| r.kind == "edge" && r.cross_province == Some(true)));
}

#[test]
fn inland_county_perimeter_is_the_sum_of_its_borders() {
    // 320505 (Huqiu, Suzhou) is surrounded by other counties: its geodesic perimeter must equal
    // the sum of its shared borders, measured independently here on the GCJ-02→WGS84 ring.
    let (rows, _) = ours("county");
    let shared_km: f64 = rows
        .iter()
        .filter(|((a, b), _)| a == "320505" || b == "320505")
        .map(|(_, r)| r.length_km)
        .sum();
    let text = std::fs::read_to_string(yrd_jurisdictions()).unwrap();
    let fc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let feature = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["code"] == "320505")
        .unwrap();
    let mut perimeter_m = 0.0;
    for polygon in feature["geometry"]["coordinates"].as_array().unwrap() {
        for ring in polygon.as_array().unwrap() {
            let pts: Vec<(f64, f64)> = ring
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    borderscape_core::datum::gcj02_to_wgs84(
                        p[0].as_f64().unwrap(),
                        p[1].as_f64().unwrap(),
                    )
                })
                .collect();
            for w in pts.windows(2) {
                use geo::Distance;
                perimeter_m += geo::Geodesic.distance(
                    geo::Point::new(w[0].0, w[0].1),
                    geo::Point::new(w[1].0, w[1].1),
                );
            }
        }
    }
    assert!(
        ((shared_km * 1000.0) / perimeter_m - 1.0).abs() < 1e-6,
        "{shared_km} km vs {perimeter_m} m"
    );
}

#[test]
fn borders_writes_geopackage_that_gdal_opens() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("borders.gpkg");
    let run = run_borders("city", &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let info = ogrinfo(&["-so", out.to_str().unwrap(), "borders"]);
    assert!(info.contains("Feature Count: 100"), "{info}");
    assert!(info.contains("length_km: Real"), "{info}");
}
