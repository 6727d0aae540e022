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
    assert_eq!(report["arrangements"], 55);
    let stages = report["stages"].as_array().unwrap();
    assert!(stages.len() >= 2);
    assert_eq!(stages[0]["start"], 1980);
    assert_eq!(stages.last().unwrap()["end"], 2024);
    for pair in stages.windows(2) {
        assert_eq!(
            pair[1]["start"].as_i64().unwrap(),
            pair[0]["end"].as_i64().unwrap() + 1,
            "stages are contiguous"
        );
    }
    // The stages are the chosen step of the path (the breaks are pinned against ruptures in
    // `stage_path_equals_ruptures_dynp_on_the_real_registry`).
    let k = report["k"].as_u64().unwrap() as usize;
    assert_eq!(stages.len(), k);
    let starts: Vec<i64> = spans(&report).iter().map(|s| s.0).collect();
    assert_eq!(starts[1..], ints(&report["path"][k - 1]["breaks"]));
    assert!(stages.iter().all(|s| s["description"]
        .as_str()
        .unwrap()
        .contains("arrangements started")));
    assert!(stages
        .iter()
        .all(|s| s["network"]["density"].as_f64().unwrap() > 0.0));
}

/// `(k, cost, criterion, breaks)` of a stage path.
type Step<'a> = (u64, f64, f64, &'a [i64]);

/// Checks the `path` of a `governance --json` report against a reference path.
fn assert_path(report: &Value, reference: &[Step]) {
    let path = report["path"].as_array().unwrap();
    assert_eq!(path.len(), reference.len(), "{path:#?}");
    for (step, &(k, cost, criterion, breaks)) in path.iter().zip(reference) {
        assert_eq!(step["k"], k);
        assert_eq!(ints(&step["breaks"]), breaks, "breaks at k = {k}");
        let close = |name: &str, want: f64| {
            let v = step[name].as_f64().unwrap();
            assert!((v - want).abs() < 1e-9, "{name} at k = {k}: {v} vs {want}");
        };
        close("cost", cost);
        close("criterion", criterion);
    }
}

fn governance_json(args: &[&str]) -> Value {
    let run = borderscape(&[&["governance"], args, &["--json"]].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

/// Reference: ruptures 1.1.10 (numpy 2.4.6, Python 3.11) through `benches/peers/stages_peer.py`,
/// which builds the features from the registry CSV independently (ilr of the mode mix after
/// multiplicative zero replacement, δ = 0.01; extras standardised) and runs
/// `rpt.Dynp(model="l2", min_size=MIN, jump=1).fit(signal).predict(n_bkps=k - 1)` for each k, the
/// cost as `sum(algo.cost.error(s, e))` and the criterion as in docs/methods.md:
/// `stages_peer.py data/demo/governance.csv 5 9` (A), `… 5 9 --criterion lwz` (B) and
/// `… 3 6 --features goal,binding,level` (C).
#[test]
fn stage_path_equals_ruptures_dynp_on_the_real_registry() {
    let registry = repo_data("demo/governance.csv");
    let registry = registry.to_str().unwrap();
    let a: [Step; 9] = [
        (1, 71.13760559055858, -12.167801247053816, &[]),
        (2, 12.756568540055456, -153.3396533079271, &[1985]),
        (3, 7.459997888446438, -188.12443116218185, &[1985, 1992]),
        (
            4,
            5.357698785795138,
            -204.41685428640528,
            &[1985, 1992, 2007],
        ),
        (
            5,
            4.630686214757701,
            -204.042078856882,
            &[1985, 1992, 2001, 2007],
        ),
        (
            6,
            3.972486818545728,
            -204.3407988218613,
            &[1985, 1992, 2001, 2007, 2020],
        ),
        (
            7,
            3.485137846485716,
            -202.62099313384766,
            &[1985, 1992, 2001, 2007, 2012, 2019],
        ),
        (
            8,
            3.4207099758429367,
            -190.80091667964996,
            &[1985, 1992, 1997, 2002, 2007, 2012, 2019],
        ),
        (
            9,
            4.161812440624298,
            -159.65225930013642,
            &[1985, 1990, 1995, 2000, 2005, 2010, 2015, 2020],
        ),
    ];
    // The defaults: min_stage_years 5, BIC; 45 years (1980-2024) hold at most 9 stages of 5.
    let report = governance_json(&[registry, "--stages", "auto", "--max-stages", "20"]);
    assert_path(&report, &a);
    assert_eq!(
        (report["k"].as_u64(), report["criterion"].as_str()),
        (Some(4), Some("bic"))
    );
    assert_eq!(
        spans(&report),
        [(1980, 1984), (1985, 1991), (1992, 2006), (2007, 2024)]
    );
    let b: [f64; 9] = [
        -7.093701188622479,
        -140.65440316184873,
        -167.82803092845649,
        -176.50930396503293,
        -168.52337844786263,
        -161.21094832519492,
        -151.87999254953428,
        -132.44876600768958,
        -93.68895854052903,
    ];
    let lwz = governance_json(&[registry, "--max-stages", "9", "--criterion", "lwz"]);
    let b: Vec<Step> = a.iter().zip(b).map(|(s, c)| (s.0, s.1, c, s.3)).collect();
    assert_path(&lwz, &b);
    assert_eq!(lwz["k"], 4);
    let c: [Step; 6] = [
        (1, 341.13760559055856, 27.714316212364746, &[]),
        (2, 201.97751150233435, -107.99739246478076, &[1985]),
        (3, 111.118176847905, -270.14480165247977, &[1985, 2005]),
        (
            4,
            82.00571082087376,
            -326.53981018266563,
            &[1985, 1997, 2011],
        ),
        (
            5,
            66.79906876499263,
            -347.4007836096713,
            &[1985, 1997, 2005, 2011],
        ),
        (
            6,
            55.195049842869764,
            -363.1195595543903,
            &[1984, 1989, 1997, 2005, 2011],
        ),
    ];
    let extras = governance_json(&[
        registry,
        "--min-stage-years",
        "3",
        "--stage-features",
        "goal,binding,level",
    ]);
    assert_path(&extras, &c);
    assert_eq!(extras["k"], 6);
}

/// A registry of one-year arrangements, `modes(year)` each year of `years`.
fn yearly_registry(
    path: &std::path::Path,
    years: impl IntoIterator<Item = i32>,
    modes: fn(i32) -> &'static str,
) {
    let mut text = HEADER.to_string();
    for year in years {
        let modes = modes(year);
        text.push_str(&format!("{year},{year},{year},a{year},provincial,agreement,integrated,{modes},310000;320000,2,design\n"));
    }
    std::fs::write(path, text).unwrap();
}

/// Hierarchy 1990–1999, network 2000–2007, both from 2008.
fn planted(year: i32) -> &'static str {
    match year {
        ..2000 => "H",
        2000..2008 => "N",
        _ => "H;N",
    }
}

/// A JSON array of whole numbers.
fn ints(array: &Value) -> Vec<i64> {
    let values = array.as_array().unwrap();
    values.iter().map(|v| v.as_i64().unwrap()).collect()
}

fn spans(report: &Value) -> Vec<(i64, i64)> {
    report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["start"].as_i64().unwrap(), s["end"].as_i64().unwrap()))
        .collect()
}

#[test]
fn planted_regimes_are_recovered_from_a_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("planted.csv");
    yearly_registry(&path, 1990..2020, planted);
    let csv = path.to_str().unwrap();
    let report = governance_json(&[csv, "--stages", "auto"]);
    assert_eq!(spans(&report), [(1990, 1999), (2000, 2007), (2008, 2019)]);
    assert_eq!(report["k"], 3);
    assert_eq!(report["path"][2]["breaks"], serde_json::json!([2000, 2008]));
    // The path: the criterion falls to k = 3 (a perfect fit) and rises after it.
    let criterion: Vec<f64> = report["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["criterion"].as_f64().unwrap())
        .collect();
    assert_eq!(criterion.len(), 6);
    assert!(
        criterion[..3].windows(2).all(|w| w[1] < w[0]),
        "{criterion:?}"
    );
    assert!(
        criterion[2..].windows(2).all(|w| w[1] > w[0]),
        "{criterion:?}"
    );
    // No change at all: one stage.
    yearly_registry(&path, 1990..2020, |_| "H;N");
    assert_eq!(governance_json(&[csv])["k"], 1);
}

#[test]
fn no_stage_is_shorter_than_min_stage_years() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("planted.csv");
    // The network regime lasts 8 years; stages of at least 10 cannot isolate it.
    yearly_registry(&path, 1990..2020, planted);
    let csv = path.to_str().unwrap();
    let report = governance_json(&[csv, "--min-stage-years", "10"]);
    for (start, end) in spans(&report) {
        assert!(end - start + 1 >= 10, "{start}–{end}");
    }
    for step in report["path"].as_array().unwrap() {
        let bounds = [vec![1990], ints(&step["breaks"]), vec![2020]].concat();
        assert!(bounds.windows(2).all(|w| w[1] - w[0] >= 10), "{step}");
    }
    assert_eq!(
        report["path"].as_array().unwrap().len(),
        3,
        "30 years hold 3 stages of 10"
    );
    // Asking for more stages than fit is an error naming the parameter.
    let run = borderscape(&[
        "governance",
        csv,
        "--min-stage-years",
        "10",
        "--stages",
        "4",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("30 years with an arrangement in force cannot hold 4 stage(s)"),
        "{}",
        run.stderr
    );
}

#[test]
fn years_without_arrangements_are_flagged_not_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gap.csv");
    // Hierarchy 1990–1999, nothing 2000–2002, network 2003–2012.
    yearly_registry(&path, (1990..2000).chain(2003..2013), |year| {
        if year < 2000 {
            "H"
        } else {
            "N"
        }
    });
    let report = governance_json(&[path.to_str().unwrap()]);
    assert_eq!(spans(&report), [(1990, 2002), (2003, 2012)]);
    let empty: Vec<&Value> = report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["empty_years"])
        .collect();
    assert_eq!(
        empty,
        [
            &serde_json::json!([2000, 2001, 2002]),
            &serde_json::json!([])
        ]
    );
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
