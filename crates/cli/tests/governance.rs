//! Issue 9: the governance registry, its stages and networks, from the command line.

mod common;

use common::*;
use serde_json::Value;

const HEADER: &str = "id,start,end,name,level,type,goal,modes,participants,binding,tools\n";

#[test]
fn yrd_chronology_stages_and_networks() {
    let run = borderscape(&[
        "governance",
        repo_data("demo/governance.csv").to_str().unwrap(),
        "--jurisdictions",
        yrd_jurisdictions().to_str().unwrap(),
        "--datum",
        "gcj02",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["arrangements"], 45);
    let stages = report["stages"].as_array().unwrap();
    assert!(stages.len() >= 2);
    assert_eq!(stages[0]["start"], 1982);
    assert_eq!(stages.last().unwrap()["end"], 2024);
    for pair in stages.windows(2) {
        assert_eq!(
            pair[1]["start"].as_i64().unwrap(),
            pair[0]["end"].as_i64().unwrap() + 1,
            "stages are contiguous"
        );
    }
    // Found from the data, not written in the code: the mode mix shifts in 2008 (the
    // literature's start of state-led integration). A regression pin on this registry.
    assert!(stages.iter().any(|s| s["start"] == 2008), "{stages:#?}");
    assert!(stages.iter().all(|s| s["description"]
        .as_str()
        .unwrap()
        .contains("arrangements started")));
    assert!(stages
        .iter()
        .all(|s| s["network"]["density"].as_f64().unwrap() > 0.0));
}

#[test]
fn planted_regimes_are_recovered_from_a_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("planted.csv");
    let mut text = HEADER.to_string();
    for year in 1990..2020 {
        let modes = if year < 2000 {
            "H"
        } else if year < 2008 {
            "N"
        } else {
            "H;N"
        };
        text.push_str(&format!("{year},{year},{year},a{year},provincial,agreement,integrated,{modes},310000;320000,2,design\n"));
    }
    std::fs::write(&path, text).unwrap();
    let run = borderscape(&["governance", path.to_str().unwrap(), "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let spans: Vec<(i64, i64)> = report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["start"].as_i64().unwrap(), s["end"].as_i64().unwrap()))
        .collect();
    assert_eq!(spans, [(1990, 1999), (2000, 2007), (2008, 2019)]);
    // No change at all: one stage.
    let mut flat = HEADER.to_string();
    for year in 1990..2020 {
        flat.push_str(&format!(
            "{year},{year},{year},a,provincial,agreement,integrated,H;N,310000;320000,2,design\n"
        ));
    }
    std::fs::write(&path, flat).unwrap();
    let one: Value = serde_json::from_str(
        &borderscape(&["governance", path.to_str().unwrap(), "--json"]).stdout,
    )
    .unwrap();
    assert_eq!(one["stages"].as_array().unwrap().len(), 1);
}

#[test]
fn registry_errors_name_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(
        &path,
        format!("{HEADER}1,2010,2008,a,city,plan,economic,H,310000;999999,2,design\n"),
    )
    .unwrap();
    let run = borderscape(&[
        "governance",
        path.to_str().unwrap(),
        "--jurisdictions",
        yrd_jurisdictions().to_str().unwrap(),
        "--datum",
        "gcj02",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("bad.csv: row 2: column `end`: ends (2008) before it starts (2010)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("bad.csv: row 2: column `participants`: 999999 is not a jurisdiction code"),
        "{}",
        run.stderr
    );
}
