//! Issue 39: refactoring leaves the demo's results as they were. The SHA-256 of summary.json and
//! of every table the demo writes are recorded in `data/demo_outputs.sha256`; a change of method
//! that changes them on purpose rewrites the record (`BORDERSCAPE_UPDATE_DEMO_OUTPUTS=1 cargo
//! test -p borderscape --test demo_outputs`) and the diff of that file shows what moved. The
//! demo's summary.json is also checked against the schema of the analyses' summaries,
//! docs/summary.schema.json.

mod common;

use std::path::Path;

use sha2::{Digest, Sha256};

/// `sha256  path` lines of summary.json and every file in tables/, sorted by path.
fn digests(results: &Path) -> String {
    let mut files = vec!["summary.json".to_string()];
    let mut tables: Vec<String> = std::fs::read_dir(results.join("tables"))
        .unwrap()
        .map(|e| format!("tables/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    tables.sort();
    files.extend(tables);
    files
        .iter()
        .map(|f| {
            let bytes = std::fs::read(results.join(f)).unwrap();
            format!("{:x}  {f}\n", Sha256::digest(&bytes))
        })
        .collect()
}

#[test]
fn the_demo_results_are_the_recorded_ones() {
    let record = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/demo_outputs.sha256");
    let now = digests(&common::demo().join("results"));
    if std::env::var_os("BORDERSCAPE_UPDATE_DEMO_OUTPUTS").is_some() {
        std::fs::write(&record, &now).unwrap();
    }
    let recorded = std::fs::read_to_string(&record).unwrap();
    let changed: Vec<&str> = now
        .lines()
        .filter(|l| !recorded.lines().any(|r| r == *l))
        .chain(recorded.lines().filter(|r| !now.lines().any(|l| l == *r)))
        .collect();
    assert!(
        changed.is_empty(),
        "the demo's results differ from the record (new or changed, then recorded):\n{}",
        changed.join("\n")
    );
}

/// The `analyses` of the demo's summary.json are valid against docs/summary.schema.json (which
/// a test of borderscape-core keeps equal to `borderscape_core::analysis::summary_schema()`).
#[test]
fn the_demo_summary_matches_the_schema() {
    let schema_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/summary.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_file).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is a valid schema");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::demo().join("results/summary.json")).unwrap(),
    )
    .unwrap();
    let analyses = &summary["analyses"];
    let names: Vec<&String> = analyses.as_object().unwrap().keys().collect();
    assert_eq!(
        names.len(),
        borderscape_core::analysis::REGISTRY.len(),
        "the demo runs every analysis: {names:?}"
    );
    let errors: Vec<String> = validator
        .iter_errors(analyses)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "summary.json against the schema:\n{}",
        errors.join("\n")
    );
    // The schema does bite: a summary figure of the wrong type, an analysis's key or a table
    // that no spec has.
    let mut wrong = analyses.clone();
    wrong["borders"]["results"]["zone_width_m"] = "wide".into();
    wrong["rivers"]["no_such_key"] = 1.into();
    wrong["rivers"]["tables"]["no_such_table"] = 1.into();
    assert_eq!(validator.iter_errors(&wrong).count(), 3);
}

/// Issue 39: every registered analysis has its section in both languages' reports (the demo
/// runs them all).
#[test]
fn every_registered_analysis_has_a_report_section() {
    let results = common::demo().join("results");
    for file in ["report.html", "report.zh.html"] {
        let html = std::fs::read_to_string(results.join(file)).unwrap();
        for analysis in borderscape_core::analysis::REGISTRY {
            let id = format!(
                "<section id=\"sec-{}\" class=\"part\"><h2>",
                analysis.spec.name
            );
            let at = html
                .find(&id)
                .unwrap_or_else(|| panic!("{file}: no section for {}", analysis.spec.name));
            let title_end = html[at + id.len()..].find("</h2>").unwrap();
            assert!(
                title_end > 0,
                "{file}: the {} section has no title",
                analysis.spec.name
            );
        }
    }
}
