//! Helpers for the end-to-end tests: run the real binary in temporary folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The outcome of one run of `borderscape`.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn borderscape(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_borderscape"))
        .args(args)
        .output()
        .expect("run borderscape");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `data/<rel>` of the repository (the vendored data sets, each with its provenance).
pub fn repo_data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(rel)
}

/// The full-resolution YRD jurisdictions (`data/yrd/jurisdictions.geojson.gz`, GCJ-02),
/// decompressed once into the target folder (each caller writes its own temporary file and
/// renames it into place, so parallel tests never see half a file).
pub fn yrd_jurisdictions() -> PathBuf {
    use std::io::{Read, Write};
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let target = dir.join("yrd_jurisdictions.geojson");
    if !target.exists() {
        let gz = std::fs::read(repo_data("yrd/jurisdictions.geojson.gz")).unwrap();
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut text)
            .unwrap();
        let mut partial = tempfile::NamedTempFile::new_in(dir).unwrap();
        partial.write_all(&text).unwrap();
        partial.persist(&target).unwrap();
    }
    target
}

pub fn test_data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// A project folder with one jurisdictions layer written from `geojson` text (datum wgs84).
pub fn project_with_jurisdictions(dir: &Path, geojson: &str) -> PathBuf {
    std::fs::write(dir.join("j.geojson"), geojson).unwrap();
    std::fs::write(
        dir.join("borderscape.toml"),
        "[region]\nname = \"test\"\n[layers.jurisdictions]\npath = \"j.geojson\"\ndatum = \"wgs84\"\n",
    )
    .unwrap();
    dir.to_path_buf()
}

/// A GeoJSON feature of a square jurisdiction (side `size` degrees, lower-left corner x, y).
pub fn square_feature(
    code: &str,
    level: &str,
    parent: Option<&str>,
    x: f64,
    y: f64,
    size: f64,
) -> String {
    let parent = parent.map_or("null".to_string(), |p| format!("\"{p}\""));
    format!(
        r#"{{"type":"Feature","properties":{{"code":"{code}","name":"n{code}","level":"{level}","parent":{parent}}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x2},{y}],[{x2},{y2}],[{x},{y2}],[{x},{y}]]]}}}}"#,
        x2 = x + size,
        y2 = y + size
    )
}

pub fn collection(features: &[String]) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
}

/// Runs a GDAL command-line tool (gdal-bin, installed by scripts/test), asserts success and
/// returns its standard output.
pub fn gdal(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (gdal-bin) is installed by scripts/test: {e}"));
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `ogrinfo ARGS`: what GDAL (and so QGIS) sees in a file.
pub fn ogrinfo(args: &[&str]) -> String {
    gdal("ogrinfo", args)
}

/// Asserts that a run exited with `code` and that its standard error contains `message`.
#[allow(dead_code)]
pub fn assert_fails_with(run: &Run, code: i32, message: &str) {
    assert_eq!(run.code, code, "{}", run.stderr);
    assert!(
        run.stderr.contains(message),
        "expected «{message}» in:\n{}",
        run.stderr
    );
}
