//! Issue 19: land cover from rasters, end to end on the demo's real MODIS raster and counties.

mod common;

use std::collections::BTreeMap;
use std::io::Read;

use common::{borderscape, repo_data, test_data};

/// (code, class) → area_ha of a CSV with those columns (comment lines skipped).
fn areas(text: &str, county_only: bool) -> BTreeMap<(String, u16), f64> {
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let h = reader.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (code, class, area, level) = (
        col("code"),
        col("class"),
        col("area_ha"),
        h.iter().position(|c| c == "level"),
    );
    reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| !county_only || level.is_none_or(|l| &r[l] == "county"))
        .map(|r| {
            (
                (r[code].to_string(), r[class].parse().unwrap()),
                r[area].parse().unwrap(),
            )
        })
        .collect()
}

/// The 305 demo counties on MCD12C1 2019: every county's class areas agree with exactextract
/// 0.3.0 (cell fractions) × pyproj Geod cell areas within 0.5 % (they agree to 3e-7, the
/// rounding of the reference), and no class is missing on either side.
#[test]
fn demo_county_class_areas_agree_with_exactextract() {
    let dir = tempfile::tempdir().unwrap();
    let mut json = Vec::new();
    let gz = std::fs::read(repo_data("demo/jurisdictions.geojson.gz")).unwrap();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut json)
        .unwrap();
    std::fs::write(dir.path().join("j.geojson"), json).unwrap();
    std::fs::copy(
        repo_data("demo/landcover_2019.tif"),
        dir.path().join("lc.tif"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("borderscape.toml"),
        "[region]\nname = \"YRD\"\n[layers.jurisdictions]\npath = \"j.geojson\"\ndatum = \"gcj02\"\n\
         [layers.landcover]\npath = \"lc.tif\"\nyear = 2019\nscheme = \"igbp\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = borderscape(&[
        "analyze",
        dir.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--only",
        "landcover",
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mine = areas(
        &std::fs::read_to_string(out.join("tables/landcover_jurisdiction.csv")).unwrap(),
        true,
    );
    let reference = areas(
        &std::fs::read_to_string(test_data("landcover_exactextract.csv")).unwrap(),
        false,
    );
    assert_eq!(reference.len(), 1305);
    assert_eq!(
        mine.keys().collect::<Vec<_>>(),
        reference.keys().collect::<Vec<_>>()
    );
    for (key, want) in &reference {
        let got = mine[key];
        assert!(
            (got / want - 1.0).abs() < 0.005,
            "{key:?}: {got} ha vs exactextract {want} ha"
        );
    }
    // The border zones and ESV are there too, and the summary states the resolution.
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("0.05° × 0.05° (about 4.8 km"), "{summary}");
    let zones = std::fs::read_to_string(out.join("tables/landcover_border_zone.csv")).unwrap();
    assert!(zones.lines().count() > 1000);
}

/// A raster far from the region (its file named), and a section without its year or with an
/// unknown scheme (the manifest named), are refused by `check` (exit 1).
#[test]
fn bad_landcover_sections_are_refused() {
    use common::{collection, square_feature, Run};
    let fails_with = |run: Run, file: &str, message: &str| {
        let text = format!("{}{}", run.stdout, run.stderr);
        assert_eq!(run.code, 1, "{text}");
        assert!(
            text.contains(message) && text.contains(file),
            "expected «{message}» in:\n{text}"
        );
    };
    let dir = tempfile::tempdir().unwrap();
    // One county in Kenya: the YRD raster does not reach it.
    let json = collection(&[square_feature("1", "county", None, 36.0, -1.0, 0.2)]);
    std::fs::write(dir.path().join("j.geojson"), json).unwrap();
    std::fs::copy(
        repo_data("demo/landcover_2019.tif"),
        dir.path().join("lc.tif"),
    )
    .unwrap();
    let manifest = |landcover: &str| {
        std::fs::write(
            dir.path().join("borderscape.toml"),
            format!("[region]\nname = \"t\"\n[layers.jurisdictions]\npath = \"j.geojson\"\ndatum = \"wgs84\"\n[layers.landcover]\npath = \"lc.tif\"\n{landcover}"),
        )
        .unwrap();
        borderscape(&["check", dir.path().to_str().unwrap()])
    };
    fails_with(
        manifest("year = 2019\nscheme = \"igbp\"\n"),
        "lc.tif",
        "(114.65, 26.85) – (123.15, 35.35) does not overlap the region",
    );
    fails_with(
        manifest("scheme = \"igbp\"\n"),
        "borderscape.toml",
        "[layers.landcover] needs `year = ...`",
    );
    fails_with(
        manifest("year = 2019\nscheme = \"modis\"\n"),
        "borderscape.toml",
        "unknown land-cover scheme `modis`",
    );
}
