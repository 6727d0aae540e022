//! `borderscape report`: the report re-rendered from a results folder in Chinese or English,
//! files it did not write refused, and a clear error without Chromium. (The demo's report in
//! both languages, its findings and its PDF are checked in the browser test, tests/browser.)

mod common;

use std::process::Command;

use common::{
    assert_fails_with, borderscape, collection, project_with_jurisdictions, square_feature,
};

/// Two provinces of two counties each, analysed (borders only) with `--lang lang`.
fn results_in(lang: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let features = [
        square_feature("100000", "province", None, 120.0, 30.0, 0.2),
        square_feature("200000", "province", None, 120.2, 30.0, 0.2),
        square_feature("100001", "county", Some("100000"), 120.0, 30.0, 0.1),
        square_feature("100002", "county", Some("100000"), 120.0, 30.1, 0.1),
        square_feature("200001", "county", Some("200000"), 120.2, 30.0, 0.1),
        square_feature("200002", "county", Some("200000"), 120.2, 30.1, 0.1),
    ];
    let project = project_with_jurisdictions(dir.path(), &collection(&features));
    let out = dir.path().join("results");
    analyze_into(&project, &out, lang);
    (dir, out)
}

/// `analyze PROJECT --out OUT --lang LANG`, asserted to succeed.
fn analyze_into(project: &std::path::Path, out: &std::path::Path, lang: &str) {
    let run = borderscape(&[
        "analyze",
        project.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--lang",
        lang,
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

fn results() -> (tempfile::TempDir, std::path::PathBuf) {
    results_in("en")
}

/// The Chinese text of a key of the report's labels (read from the file, not through the crate).
fn zh(key: &str) -> String {
    let labels = include_str!("../../report/data/labels.tsv");
    labels
        .lines()
        .find_map(|l| {
            let mut parts = l.split('\t');
            (parts.next() == Some(key)).then(|| parts.nth(1).unwrap().to_string())
        })
        .unwrap_or_else(|| panic!("{key} is not in labels.tsv"))
}

/// `analyze --lang zh` writes report.html in Chinese and report.en.html in English, and a QGIS
/// project whose layers, groups and legend classes carry the Chinese labels.
#[test]
fn analyze_in_chinese_writes_both_reports_and_a_chinese_qgis_project() {
    let (_dir, results) = results_in("zh");
    let lang_of = |file: &str| {
        let html = std::fs::read_to_string(results.join(file)).unwrap();
        html.split("<html lang=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(str::to_string)
    };
    assert_eq!(lang_of("report.html").as_deref(), Some("zh-CN"));
    assert_eq!(lang_of("report.en.html").as_deref(), Some("en"));
    assert!(!results.join("report.zh.html").exists());
    // `report` re-renders each language into the file analyze wrote for it: English into
    // report.en.html, never over the Chinese report.html.
    for lang in ["en", "zh"] {
        let run = borderscape(&[
            "report",
            results.to_str().unwrap(),
            "--lang",
            lang,
            "--quiet",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    assert_eq!(lang_of("report.html").as_deref(), Some("zh-CN"));
    assert_eq!(lang_of("report.en.html").as_deref(), Some("en"));
    assert!(!results.join("report.zh.html").exists());

    let text = std::fs::read_to_string(results.join("results.qgs")).unwrap();
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let xml = roxmltree::Document::parse_with_options(&text, options).unwrap();
    // Layer names: the tables' labels, in the layer tree and in each map layer.
    let mut names: Vec<(String, String)> = xml
        .descendants()
        .filter(|n| n.has_tag_name("maplayer"))
        .map(|layer| {
            let child = |tag: &str| {
                layer
                    .children()
                    .find(|c| c.has_tag_name(tag))
                    .and_then(|c| c.text())
                    .unwrap()
                    .to_string()
            };
            let source = child("datasource");
            (
                source.split("layername=").nth(1).unwrap().to_string(),
                child("layername"),
            )
        })
        .collect();
    names.sort();
    let expected: Vec<(String, String)> = ["border_zones", "borders", "jurisdictions"]
        .iter()
        .map(|t| (t.to_string(), zh(&format!("table.{t}"))))
        .collect();
    assert_eq!(names, expected);
    let tree: Vec<&str> = xml
        .descendants()
        .filter(|n| n.has_tag_name("layer-tree-layer"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert!(
        expected
            .iter()
            .all(|(_, name)| tree.contains(&name.as_str())),
        "{tree:?}"
    );
    // Groups: the analyses' labels.
    let groups: Vec<&str> = xml
        .descendants()
        .filter(|n| n.has_tag_name("layer-tree-group"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(groups, [zh("analysis.borders")]);
    // Legend classes: the levels' labels.
    let mut classes: Vec<(&str, &str)> = xml
        .descendants()
        .filter(|n| n.has_tag_name("category"))
        .map(|c| (c.attribute("value").unwrap(), c.attribute("label").unwrap()))
        .collect();
    classes.sort();
    classes.dedup();
    let levels: Vec<(&str, String)> = ["county", "province"]
        .iter()
        .map(|l| (*l, zh(&format!("cat.{l}"))))
        .collect();
    assert_eq!(
        classes,
        levels
            .iter()
            .map(|(v, l)| (*v, l.as_str()))
            .collect::<Vec<_>>()
    );
}

#[test]
fn report_renders_in_chinese_and_replaces_only_its_own_files() {
    let (dir, results) = results();
    let written = std::fs::read_to_string(results.join("report.zh.html")).unwrap();
    assert!(
        written.contains("<html lang=\"zh-CN\">"),
        "analyze writes both languages"
    );
    let run = borderscape(&[
        "report",
        results.to_str().unwrap(),
        "--lang",
        "zh",
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let zh = std::fs::read_to_string(results.join("report.zh.html")).unwrap();
    assert!(zh.contains("<html lang=\"zh-CN\">"));
    for heading in [
        "<h2>主要发现</h2>",
        "<h2>行政边界与边界带</h2>",
        "<th>行政层级</th>",
        "<td>县级</td>",
    ] {
        assert!(zh.contains(heading), "{heading}");
    }
    assert!(
        zh.contains("全部 1 个输入图层均为实测数据。"),
        "the data finding"
    );
    // No code names in headings, no JSON anywhere.
    assert!(!zh.contains("<h2>borders</h2>") && !zh.contains("{\""));
    // `analyze` wrote the English report and the Chinese one beside it; this one replaced it.
    let en = std::fs::read_to_string(results.join("report.html")).unwrap();
    assert!(en.contains("<h2>Borders and border zones</h2>") && en.contains("<td>county</td>"));

    // A file borderscape did not write is refused (usage error); its own is replaced.
    let foreign = dir.path().join("notes.html");
    std::fs::write(&foreign, "<p>my notes</p>").unwrap();
    let run = borderscape(&[
        "report",
        results.to_str().unwrap(),
        "--out",
        foreign.to_str().unwrap(),
    ]);
    assert_fails_with(&run, 2, "borderscape did not write it");
    assert_eq!(
        std::fs::read_to_string(&foreign).unwrap(),
        "<p>my notes</p>"
    );
    let own = results.join("report.zh.html");
    let run = borderscape(&[
        "report",
        results.to_str().unwrap(),
        "--out",
        own.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(std::fs::read_to_string(&own)
        .unwrap()
        .contains("<html lang=\"en\">"));

    let run = borderscape(&["report", results.to_str().unwrap(), "--lang", "fr"]);
    assert_fails_with(&run, 2, "unknown language `fr`: use en or zh");
    let run = borderscape(&["report", dir.path().join("nothing").to_str().unwrap()]);
    assert_fails_with(&run, 1, "no results here");
}

#[test]
fn pdf_without_chromium_names_what_to_install() {
    let (dir, results) = results();
    let pdf = dir.path().join("report.pdf");
    let out = Command::new(env!("CARGO_BIN_EXE_borderscape"))
        .args([
            "report",
            results.to_str().unwrap(),
            "--pdf",
            pdf.to_str().unwrap(),
        ])
        .env("BORDERSCAPE_CHROMIUM", dir.path().join("no-such-chromium"))
        .env("PATH", dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Chromium is not installed. Install the `chromium` package"),
        "{stderr}"
    );
    assert!(!pdf.exists() && results.join("report.html").exists());
}

/// The manifest's `name_zh` names the region in the Chinese report (and the summary, for the
/// dashboard); the English report keeps `name`.
#[test]
fn the_chinese_report_uses_the_regions_chinese_name() {
    let (dir, results) = results_in("zh");
    let manifest = dir.path().join("borderscape.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("name = \"test\"", "name = \"test\"\nname_zh = \"测试区\""),
    )
    .unwrap();
    std::fs::remove_dir_all(&results).unwrap();
    analyze_into(dir.path(), &results, "zh");
    let title = |file: &str| {
        let html = std::fs::read_to_string(results.join(file)).unwrap();
        html.split("<title>")
            .nth(1)
            .unwrap()
            .split(" — ")
            .next()
            .unwrap()
            .to_string()
    };
    assert!(
        title("report.html").ends_with("测试区"),
        "{}",
        title("report.html")
    );
    assert!(
        title("report.en.html").ends_with("test"),
        "{}",
        title("report.en.html")
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["region"]["name_zh"], "测试区");
}
