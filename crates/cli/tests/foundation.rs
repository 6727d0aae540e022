//! Issue 2: manifest, readers/writers, datums, validation and the CLI, end to end.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn yrd_project(dir: &std::path::Path) -> std::path::PathBuf {
    let manifest = format!(
        "[region]\nname = \"YRD\"\n[layers.jurisdictions]\npath = \"{}\"\ndatum = \"gcj02\"\n",
        yrd_jurisdictions().display()
    );
    std::fs::write(dir.join("borderscape.toml"), manifest).unwrap();
    dir.to_path_buf()
}

#[test]
fn check_reports_the_real_yrd_hierarchy() {
    let dir = tempfile::tempdir().unwrap();
    let project = yrd_project(dir.path());
    let run = borderscape(&["check", project.to_str().unwrap(), "--json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["layers"]["jurisdictions"], 350);
    assert_eq!(report["jurisdictions"]["province"], 4);
    assert_eq!(report["jurisdictions"]["city"], 41);
    assert_eq!(report["jurisdictions"]["county"], 305);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
}

/// Each broken input: exit 1, and a message naming the file, the feature and the field.
fn assert_invalid(geojson: &str, expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let project = project_with_jurisdictions(dir.path(), geojson);
    let run = borderscape(&["check", project.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let text = format!("{}{}", run.stdout, run.stderr);
    for part in expected {
        assert!(text.contains(part), "`{part}` missing from:\n{text}");
    }
    // Nothing is written next to the inputs.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["borderscape.toml", "j.geojson"]);
}

fn province() -> String {
    square_feature("1", "province", None, 120.0, 30.0, 2.0)
}

#[test]
fn truncated_json_is_named() {
    let text = collection(&[province()]);
    assert_invalid(&text[..text.len() / 2], &["j.geojson", "not valid GeoJSON"]);
}

#[test]
fn duplicate_code_is_named() {
    let features = [
        province(),
        square_feature("11", "city", Some("1"), 120.0, 30.0, 1.0),
        square_feature("11", "city", Some("1"), 121.0, 30.0, 1.0),
    ];
    assert_invalid(
        &collection(&features),
        &["j.geojson: feature 2 (code 11): field `code`: duplicate code 11"],
    );
}

#[test]
fn unknown_parent_is_named() {
    let features = [
        province(),
        square_feature("11", "city", Some("9"), 120.0, 30.0, 1.0),
    ];
    assert_invalid(
        &collection(&features),
        &["j.geojson: feature 1 (code 11): field `parent`: parent code 9"],
    );
}

#[test]
fn out_of_range_coordinate_is_named() {
    let features = [
        province(),
        square_feature("11", "city", Some("1"), 190.0, 30.0, 1.0),
    ];
    assert_invalid(
        &collection(&features),
        &[
            "j.geojson: feature 1 (code 11): field `geometry`",
            "out of range",
        ],
    );
}

#[test]
fn self_intersecting_polygon_is_named() {
    let bow_tie = r#"{"type":"Feature","properties":{"code":"11","name":"bow","level":"city","parent":"1"},"geometry":{"type":"Polygon","coordinates":[[[120,30],[121,31],[121,30],[120,31],[120,30]]]}}"#;
    assert_invalid(
        &collection(&[province(), bow_tie.to_string()]),
        &["feature 1 (code 11): field `geometry`: invalid polygon"],
    );
}

#[test]
fn unclosed_ring_and_missing_field_are_named() {
    let open = r#"{"type":"Feature","properties":{"code":"11","name":"open","level":"city","parent":"1"},"geometry":{"type":"Polygon","coordinates":[[[120,30],[121,31],[121,30],[120,30.5]]]}}"#;
    assert_invalid(
        &collection(&[province(), open.to_string()]),
        &["feature 1: field `geometry`: polygon 0: exterior ring is not closed"],
    );
    let nameless = collection(&[
        r#"{"type":"Feature","properties":{"code":"1","level":"province"},"geometry":null}"#
            .to_string(),
    ]);
    assert_invalid(
        &nameless,
        &["j.geojson: field `name`: required field is missing"],
    );
}

#[test]
fn convert_round_trips_yrd_through_geopackage() {
    let dir = tempfile::tempdir().unwrap();
    let source = yrd_jurisdictions();
    let gpkg = dir.path().join("yrd.gpkg");
    let back = dir.path().join("back.geojson");
    let run = borderscape(&[
        "convert",
        source.to_str().unwrap(),
        gpkg.to_str().unwrap(),
        "--from-datum",
        "gcj02",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let info = ogrinfo(&["-so", "-al", gpkg.to_str().unwrap()]);
    assert!(info.contains("Feature Count: 350"), "{info}");
    assert!(info.contains("Geometry: Multi Polygon"), "{info}");
    let run = borderscape(&[
        "convert",
        gpkg.to_str().unwrap(),
        back.to_str().unwrap(),
        "--from-datum",
        "gcj02",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let original: Value = serde_json::from_str(&std::fs::read_to_string(&source).unwrap()).unwrap();
    let round: Value = serde_json::from_str(&std::fs::read_to_string(&back).unwrap()).unwrap();
    let (a, b) = (
        original["features"].as_array().unwrap(),
        round["features"].as_array().unwrap(),
    );
    assert_eq!(a.len(), b.len());
    for (fa, fb) in a.iter().zip(b) {
        assert_eq!(fa["properties"], fb["properties"]);
        let (ca, cb) = (
            flatten(&fa["geometry"]["coordinates"]),
            flatten(&fb["geometry"]["coordinates"]),
        );
        assert_eq!(ca.len(), cb.len());
        assert!(ca.iter().zip(&cb).all(|(x, y)| (x - y).abs() <= 1e-9));
    }
}

fn flatten(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(items) => items.iter().flat_map(flatten).collect(),
        Value::Number(n) => vec![n.as_f64().unwrap()],
        _ => vec![],
    }
}

#[test]
fn convert_gcj02_to_wgs84_moves_shanghai_by_the_published_offset() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("p.csv");
    // The GCJ-02 image of WGS84 (121.5272106, 31.1774276) by the published formula (eviltransform's test table).
    std::fs::write(
        &input,
        "name,lon,lat\nshanghai,121.531541859215,31.17530398364597\n",
    )
    .unwrap();
    let output = dir.path().join("w.csv");
    let run = borderscape(&[
        "convert",
        input.to_str().unwrap(),
        output.to_str().unwrap(),
        "--from-datum",
        "gcj02",
        "--to-datum",
        "wgs84",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&output).unwrap();
    let wkt = text.lines().nth(1).unwrap();
    let nums: Vec<f64> = wkt
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|s| s.parse().ok())
        .collect();
    let (lon, lat) = (nums[nums.len() - 2], nums[nums.len() - 1]);
    // 1e-7° is about 1 cm.
    assert!(
        (lon - 121.5272106).abs() < 1e-7 && (lat - 31.1774276).abs() < 1e-7,
        "{wkt}"
    );
}

#[test]
fn broken_convert_input_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.geojson");
    std::fs::write(
        &input,
        collection(&[square_feature("1", "province", None, 200.0, 30.0, 1.0)]),
    )
    .unwrap();
    let output = dir.path().join("out.gpkg");
    let run = borderscape(&["convert", input.to_str().unwrap(), output.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("bad.geojson: feature 0: field `geometry`"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(borderscape(&["analyze"]).code, 2);
    assert_eq!(borderscape(&["no-such-command"]).code, 2);
}

/// `j.shp` written by GDAL's ogr2ogr in `dir`: a province and its city, named `names`, the DBF
/// in `encoding` (with the .cpg GDAL writes).
fn province_and_city_shapefile(dir: &Path, names: [&str; 2], encoding: &str) -> PathBuf {
    let source = dir.join("src.geojson");
    let features = [("1", "province", "null"), ("11", "city", "\"1\"")]
        .iter()
        .zip(names)
        .map(|((code, level, parent), name)| {
            format!(r#"{{"type":"Feature","properties":{{"code":"{code}","name":"{name}","level":"{level}","parent":{parent}}},"geometry":{{"type":"Polygon","coordinates":[[[118,32],[119,32],[119,33],[118,33],[118,32]]]}}}}"#)
        })
        .collect::<Vec<_>>();
    std::fs::write(&source, collection(&features)).unwrap();
    let shp = dir.join("j.shp");
    gdal(
        "ogr2ogr",
        &[
            "-f",
            "ESRI Shapefile",
            "-lco",
            &format!("ENCODING={encoding}"),
            shp.to_str().unwrap(),
            source.to_str().unwrap(),
        ],
    );
    shp
}

/// A Shapefile written by GDAL with a GBK-encoded DBF reads with correct Chinese names, with and
/// without its .cpg file.
#[test]
fn gbk_shapefile_reads_chinese_names() {
    let dir = tempfile::tempdir().unwrap();
    let shp = province_and_city_shapefile(dir.path(), ["江苏省", "苏州市"], "GBK");
    let dbf = std::fs::read(dir.path().join("j.dbf")).unwrap();
    let gbk = encoding_rs::GBK.encode("苏州市").0.into_owned();
    assert!(
        dbf.windows(gbk.len()).any(|w| w == gbk.as_slice()),
        "the DBF really is GBK"
    );
    std::fs::write(
        dir.path().join("borderscape.toml"),
        "[region]\nname = \"t\"\n[layers.jurisdictions]\npath = \"j.shp\"\ndatum = \"wgs84\"\n",
    )
    .unwrap();
    let converted = dir.path().join("out.csv");
    for pass in ["with .cpg", "without .cpg"] {
        let run = borderscape(&["check", dir.path().to_str().unwrap(), "--json"]);
        assert_eq!(run.code, 0, "{pass}: {}{}", run.stdout, run.stderr);
        let run = borderscape(&[
            "convert",
            shp.to_str().unwrap(),
            converted.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "{pass}: {}", run.stderr);
        let text = std::fs::read_to_string(&converted).unwrap();
        assert!(
            text.contains("江苏省") && text.contains("苏州市"),
            "{pass}: {text}"
        );
        let _ = std::fs::remove_file(dir.path().join("j.cpg"));
    }
}

/// A Latin-1 DBF behind a .cpg that says UTF-8: `check` warns, naming the DBF, the field and
/// the first record, and the manifest's `encoding = "latin1"` reads the names right.
#[test]
fn latin1_dbf_labelled_utf8_warns() {
    let dir = tempfile::tempdir().unwrap();
    let shp = province_and_city_shapefile(dir.path(), ["Zürich", "Genève"], "ISO-8859-1");
    std::fs::write(dir.path().join("j.cpg"), "UTF-8").unwrap();
    let manifest = |encoding: &str| {
        std::fs::write(
            dir.path().join("borderscape.toml"),
            format!("[region]\nname = \"t\"\n[layers.jurisdictions]\npath = \"j.shp\"\ndatum = \"wgs84\"\n{encoding}"),
        )
        .unwrap();
    };
    manifest("");
    let run = borderscape(&["check", dir.path().to_str().unwrap(), "--json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let warning = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["message"]
                .as_str()
                .unwrap_or("")
                .contains("not valid UTF-8")
        })
        .unwrap_or_else(|| panic!("no encoding warning: {}", run.stdout));
    assert_eq!(warning["severity"], "warning");
    assert_eq!(warning["field"], "name");
    assert_eq!(warning["feature"], 0);
    assert!(warning["file"].as_str().unwrap().ends_with("j.dbf"));
    assert!(warning["message"]
        .as_str()
        .unwrap()
        .starts_with("2 value(s)"));

    manifest("encoding = \"latin1\"\n");
    let run = borderscape(&["check", dir.path().to_str().unwrap(), "--json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("not valid UTF-8"), "{}", run.stdout);
    let converted = dir.path().join("out.geojson");
    let _ = std::fs::remove_file(dir.path().join("j.cpg"));
    let run = borderscape(&[
        "convert",
        shp.to_str().unwrap(),
        converted.to_str().unwrap(),
        "--encoding",
        "latin1",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&converted).unwrap();
    assert!(text.contains("Zürich") && text.contains("Genève"), "{text}");
}
