//! Issue 19: land cover from rasters, end to end on the demo's real MODIS raster and counties.

mod common;

use std::collections::BTreeMap;
use std::io::Read;

use common::{analyze_only, borderscape, repo_data, test_data};

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
/// rounding of the reference), and no class is missing on either side; CUT counts a patch's
/// pieces inside a county apart.
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
    analyze_only(dir.path(), "landcover", &out);
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
    // Issue 38: CUT squares the pieces of a patch inside a county, not the patch's whole area
    // inside. 贵池区's habitat leaves it and comes back: CUT was 35.88 km² with its pieces summed
    // first; CBC, which keeps the whole patch, is the same either way.
    let fragmentation =
        std::fs::read_to_string(out.join("tables/landcover_fragmentation.csv")).unwrap();
    let guichi: Vec<&str> = fragmentation
        .lines()
        .find(|l| l.starts_with("341702,"))
        .unwrap()
        .split(',')
        .collect();
    let (cut, cbc): (f64, f64) = (guichi[8].parse().unwrap(), guichi[9].parse().unwrap());
    assert!((cut - 17.785779).abs() < 1e-4, "{guichi:?}");
    assert!((cbc - 1100.219965).abs() < 1e-4, "{guichi:?}");
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

/// A project of two counties on the demo raster (0.4° squares at 120.0 and 120.4° E, 31.0° N),
/// with `landcover` (the section's lines after `path`) and `extra` manifest text.
fn two_counties_on_the_demo_raster(dir: &std::path::Path, landcover: &str, extra: &str) {
    use common::{collection, square_feature};
    let json = collection(&[
        square_feature("1", "county", None, 120.0, 31.0, 0.4),
        square_feature("2", "county", None, 120.4, 31.0, 0.4),
    ]);
    std::fs::write(dir.join("j.geojson"), json).unwrap();
    std::fs::copy(repo_data("demo/landcover_2019.tif"), dir.join("lc.tif")).unwrap();
    std::fs::write(
        dir.join("borderscape.toml"),
        format!("[region]\nname = \"t\"\n[layers.jurisdictions]\npath = \"j.geojson\"\ndatum = \"wgs84\"\n[layers.landcover]\npath = \"lc.tif\"\nyear = 2019\n{landcover}{extra}"),
    )
    .unwrap();
}

/// A user scheme (`scheme = "my_scheme.csv"`, relative to the manifest): `check` refuses its bad
/// rows, each error naming the file, the row and the field, and an ESV row the table lacks
/// with the valid rows listed; a good scheme that leaves classes out passes `check` with a
/// warning listing them with their areas, and `analyze` puts the same warning in its summary.
#[test]
fn user_scheme_csv_is_checked_and_its_missing_classes_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let scheme = |csv: &str| {
        two_counties_on_the_demo_raster(dir.path(), "scheme = \"my_scheme.csv\"\n", "");
        std::fs::write(dir.path().join("my_scheme.csv"), csv).unwrap();
        let run = borderscape(&["check", dir.path().to_str().unwrap()]);
        (run.code, format!("{}{}", run.stdout, run.stderr))
    };
    let (code, text) = scheme(
        "class,name,esv_row,habitat\n0,water,water,true\nx,forest,mixed_forest,true\n0,again,water,true\n13,urban,built_up,maybe\n",
    );
    assert_eq!(code, 1, "{text}");
    for wanted in [
        "my_scheme.csv: row 3: field `class`: `x` is not a class code",
        "my_scheme.csv: row 4: field `class`: class 0 is given twice (first in row 2)",
        "my_scheme.csv: row 5: field `habitat`: `maybe` is not true or false",
    ] {
        assert!(text.contains(wanted), "«{wanted}» not in:\n{text}");
    }
    let (code, text) =
        scheme("class,name,esv_row,habitat\n0,water,water,true\n12,cropland,paddies,false\n");
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("my_scheme.csv: row 3: field `esv_row`: `paddies` is not a row of the ESV factor table (rows: bare, broadleaf,"),
        "{text}"
    );
    let (code, text) = scheme("class,name,esv_row,habitat\n");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("my_scheme.csv: has no classes"), "{text}");
    // Water and mixed forest only: the other classes on the raster are missing.
    let (code, text) = scheme(
        "class,name,esv_row,habitat,note\n0,water,water,true,\n5,mixed forest,mixed_forest,true,ours\n",
    );
    assert_eq!(code, 0, "{text}");
    let warning = text
        .lines()
        .find(|l| l.contains("missing from the crosswalk"))
        .unwrap_or_else(|| panic!("no crosswalk warning in:\n{text}"));
    assert!(
        warning.starts_with("warning: ")
            && warning.contains("lc.tif: year 2019: ")
            && warning.contains("of scheme my_scheme.csv count in no ESV: ")
            && warning.contains(" ha)"),
        "{warning}"
    );
    let out = dir.path().join("out");
    let summary = analyze_only(dir.path(), "landcover", &out);
    let results = &summary["analyses"]["landcover"]["results"];
    let from_analyze = results["warnings"][0].as_str().unwrap();
    let message = &warning[warning.find("year 2019: ").unwrap()..];
    assert_eq!(from_analyze, format!("lc.tif: {message}"));
    // The resolution, in metres, with its note (0.05° at 31.1° N on GRS80: about 4.77 × 5.54 km).
    let (x, y) = (
        results["cell_size_m"]["x"].as_f64().unwrap(),
        results["cell_size_m"]["y"].as_f64().unwrap(),
    );
    assert!(
        (x - 4770.0).abs() < 20.0 && (y - 5545.0).abs() < 20.0,
        "{x} × {y}"
    );
    assert_eq!(results["cell_size_approximate"], true);
    assert!(results["resolution_note"]
        .as_str()
        .unwrap()
        .contains("0.05° × 0.05°"));
}

/// An ESV-based scheme that takes its ESV from land cover needs a landcover layer, and
/// `esv_source` is `plans` or `landcover`: both refused by `check`, naming the field.
#[test]
fn esv_source_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let schemes = |source: &str| {
        format!("[[schemes]]\nname = \"forest\"\nrule = \"esv_based\"\nprovider = \"1\"\nbeneficiary = \"2\"\nshare = 0.1\nesv_source = \"{source}\"\n")
    };
    two_counties_on_the_demo_raster(dir.path(), "scheme = \"igbp\"\n", &schemes("rasters"));
    let run = borderscape(&["check", dir.path().to_str().unwrap()]);
    let text = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, 1, "{text}");
    assert!(
        text.contains("schemes[0] (forest): field `esv_source`: unknown variant `rasters`"),
        "{text}"
    );
    // No landcover layer.
    let manifest = dir.path().join("borderscape.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let without = text.replace(
        "[layers.landcover]\npath = \"lc.tif\"\nyear = 2019\nscheme = \"igbp\"\n",
        "",
    );
    std::fs::write(&manifest, without.replace("rasters", "landcover")).unwrap();
    let run = borderscape(&["check", dir.path().to_str().unwrap()]);
    let text = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, 1, "{text}");
    assert!(
        text.contains("schemes[0] (forest): field `esv_source`: `landcover` needs a [layers.landcover] section"),
        "{text}"
    );
}

/// Issue 38, item 5: `[layers.sea]`. Water cells whose centre is in a sea polygon are the class
/// `sea`, not inland water: a "sea" over county 1 (120.0–120.4° E, 31.0–31.4° N, western Taihu on
/// the demo raster; cells are aligned with its edges) takes its water out of the terrestrial ESV
/// and reports it as `sea_km2`, while county 2 beside it keeps its water (Taihu's east). `check`
/// accepts the layer, warns about no missing class, and refuses a sea that is not polygons.
#[test]
fn sea_layer_takes_its_water_out_of_inland_esv() {
    let dir = tempfile::tempdir().unwrap();
    two_counties_on_the_demo_raster(dir.path(), "scheme = \"igbp\"\n", "");
    let esv = |out: &std::path::Path| -> BTreeMap<String, Vec<String>> {
        let text = std::fs::read_to_string(out.join("tables/landcover_esv.csv")).unwrap();
        let mut lines = text.lines().filter(|l| !l.starts_with('#'));
        let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
        lines
            .map(|l| {
                let fields: BTreeMap<&str, &str> = header
                    .iter()
                    .map(String::as_str)
                    .zip(l.split(','))
                    .collect();
                (
                    fields["code"].to_string(),
                    ["area_ha", "esv_yuan", "sea_km2", "marine_esv_yuan"]
                        .iter()
                        .map(|c| fields.get(c).copied().unwrap_or("").to_string())
                        .collect(),
                )
            })
            .collect()
    };
    let before = esv(&{
        let out = dir.path().join("before");
        analyze_only(dir.path(), "landcover", &out);
        out
    });
    let sea = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"not really sea"},"geometry":{"type":"Polygon","coordinates":[[[120.0,31.0],[120.4,31.0],[120.4,31.4],[120.0,31.4],[120.0,31.0]]]}}]}"#;
    std::fs::write(dir.path().join("sea.geojson"), sea).unwrap();
    let manifest = dir.path().join("borderscape.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        format!("{text}[layers.sea]\npath = \"sea.geojson\"\ndatum = \"wgs84\"\n"),
    )
    .unwrap();
    let run = borderscape(&["check", dir.path().to_str().unwrap()]);
    let checked = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, 0, "{checked}");
    assert!(!checked.contains("missing from the crosswalk"), "{checked}");
    let out = dir.path().join("after");
    let summary = analyze_only(dir.path(), "landcover", &out);
    let after = esv(&out);
    let number = |s: &str| s.parse::<f64>().unwrap();
    // County 1: its water is sea now, out of the area and the ESV; no marine row, no value.
    let (b1, a1) = (&before["1"], &after["1"]);
    let sea_km2 = number(&a1[2]);
    assert!(sea_km2 > 100.0, "{a1:?}");
    assert!(
        ((number(&b1[0]) - number(&a1[0])) / 100.0 - sea_km2).abs() < 1e-3,
        "{b1:?} {a1:?}"
    );
    assert!(number(&a1[1]) < number(&b1[1]), "{b1:?} {a1:?}");
    assert_eq!(a1[3], "", "{a1:?}");
    // County 2: unchanged, nothing at sea.
    let (b2, a2) = (&before["2"], &after["2"]);
    assert_eq!((&a2[0], &a2[1]), (&b2[0], &b2[1]));
    assert_eq!(number(&a2[2]), 0.0);
    let results = &summary["analyses"]["landcover"]["results"];
    assert_eq!(results["warnings"], serde_json::json!([]), "{results}");
    let classes = std::fs::read_to_string(out.join("tables/landcover_jurisdiction.csv")).unwrap();
    assert!(
        classes
            .lines()
            .any(|l| l.starts_with("1,") && l.contains(",65534,sea,")),
        "{classes}"
    );
    // A sea of points is refused like any polygon layer's.
    std::fs::write(
        dir.path().join("sea.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[120.1,31.1]}}]}"#,
    )
    .unwrap();
    let run = borderscape(&["check", dir.path().to_str().unwrap()]);
    let text = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, 1, "{text}");
    assert!(text.contains("sea.geojson"), "{text}");
}
