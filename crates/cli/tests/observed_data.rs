//! The observed tables in data/observed (issue 40): every row parses and names its source, the
//! CO₂ crosswalk reaches every county of the current boundaries, and the demo's registry has a
//! Chinese name, an outcome and an end on every row.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::PathBuf;

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// The rows of a CSV file as maps from column to value.
fn rows(path: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(repo(path)).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The county codes of the demo's current boundaries.
fn current_counties() -> BTreeSet<String> {
    let mut text = String::new();
    let file = std::fs::File::open(repo("data/demo/jurisdictions.geojson.gz")).unwrap();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["level"] == "county")
        .map(|f| f["properties"]["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_bulletin_row_names_a_known_section_a_month_a_class_and_its_source() {
    let sections: BTreeSet<String> = rows("data/observed/taihu_border_sections.csv")
        .into_iter()
        .map(|s| {
            assert!(
                !s["source"].is_empty(),
                "section {} has no source",
                s["section_id"]
            );
            assert_eq!(s["location_approximate"], "true", "{}", s["section_id"]);
            for c in ["lon", "lat"] {
                let v: f64 = s[c].parse().unwrap_or(f64::NAN);
                assert!(
                    (20.0..130.0).contains(&v),
                    "{} {c} = {}",
                    s["section_id"],
                    s[c]
                );
            }
            s["section_id"].clone()
        })
        .collect();
    let classes = rows("data/observed/taihu_border_section_classes.csv");
    assert!(classes.len() >= 100, "{} rows", classes.len());
    let known = ["I", "II", "III", "IV", "V", "劣V"];
    for (k, row) in classes.iter().enumerate() {
        let at = format!("taihu_border_section_classes.csv row {}", k + 2);
        assert!(
            sections.contains(&row["section_id"]),
            "{at}: {}",
            row["section_id"]
        );
        assert!(
            known.contains(&row["class"].as_str()),
            "{at}: {}",
            row["class"]
        );
        let month = &row["month"];
        let (year, m) = month.split_once('-').unwrap_or(("", ""));
        assert!(
            year.parse::<u32>()
                .is_ok_and(|y| (2000..=2030).contains(&y))
                && m.parse::<u32>().is_ok_and(|m| (1..=12).contains(&m)),
            "{at}: month {month}"
        );
        assert!(!row["source"].trim().is_empty(), "{at}: no source");
    }
}

#[test]
fn the_co2_crosswalk_reaches_every_current_county_and_the_series_lacks_only_split_ones() {
    let counties = current_counties();
    assert_eq!(counties.len(), 305);
    let crosswalk = rows("data/observed/county_code_crosswalk.csv");
    let reached: BTreeSet<String> = crosswalk
        .iter()
        .flat_map(|r| r["code"].split(';').map(str::to_string).collect::<Vec<_>>())
        .collect();
    let unreached: Vec<&String> = counties.difference(&reached).collect();
    assert!(unreached.is_empty(), "not in the crosswalk: {unreached:?}");
    // A county without a series is one that received part of a split source unit.
    let series: BTreeSet<String> = rows("data/observed/county_co2.csv")
        .into_iter()
        .map(|r| {
            assert_eq!(r["provenance"], "observed");
            assert!(r["co2_mt"].parse::<f64>().is_ok_and(|v| v >= 0.0), "{r:?}");
            r["code"].clone()
        })
        .collect();
    let split_targets: BTreeSet<String> = crosswalk
        .iter()
        .filter(|r| r["code"].contains(';'))
        .flat_map(|r| r["code"].split(';').map(str::to_string).collect::<Vec<_>>())
        .collect();
    let unmatched: Vec<&String> = counties.difference(&series).collect();
    for code in &unmatched {
        assert!(
            split_targets.contains(*code),
            "{code} has no series and no split"
        );
    }
    assert!(unmatched.len() <= 30, "unmatched: {unmatched:?}");
    assert!(series.is_subset(&counties));
}

#[test]
fn the_demo_registry_has_a_chinese_name_an_outcome_and_an_end_on_every_row() {
    let outcomes = [
        "abolished",
        "superseded",
        "sustained",
        "expanded",
        "renewed",
        "lapsed",
        "unknown",
    ];
    for (k, row) in rows("data/demo/governance.csv").iter().enumerate() {
        let at = format!("governance.csv row {} (id {})", k + 2, row["id"]);
        assert!(!row["name_zh"].trim().is_empty(), "{at}: no name_zh");
        assert!(outcomes.contains(&row["outcome"].as_str()), "{at}: outcome");
        assert!(!row["end"].trim().is_empty(), "{at}: empty end");
        assert!(!row["source"].trim().is_empty(), "{at}: no source");
        if row["outcome"] != "unknown" && row["outcome"] != "sustained" {
            assert!(
                !row["outcome_source"].trim().is_empty(),
                "{at}: outcome without source"
            );
        }
    }
}
