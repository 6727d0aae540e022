//! Issue 16: a command writes only into its own outputs and never replaces the user's files.
//! Issue 23: results.gpkg has one geometry type per layer, and results.qgs opens it styled.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// A two-county project with a note of the user's beside it, inside a parent folder with a
/// sibling project.
fn user_folders() -> (tempfile::TempDir, std::path::PathBuf) {
    let parent = tempfile::tempdir().unwrap();
    let project = parent.path().join("project");
    std::fs::create_dir(&project).unwrap();
    let features = [
        square_feature("A", "county", None, 120.0, 30.0, 0.1),
        square_feature("B", "county", None, 120.1, 30.0, 0.1),
    ];
    project_with_jurisdictions(&project, &collection(&features));
    std::fs::write(project.join("notes.txt"), "my notes").unwrap();
    std::fs::create_dir(parent.path().join("sibling")).unwrap();
    std::fs::write(parent.path().join("sibling/data.csv"), "x\n1\n").unwrap();
    (parent, project)
}

#[test]
fn analyze_refuses_targets_it_did_not_create() {
    let (parent, project) = user_folders();
    std::fs::write(parent.path().join("report.txt"), "keep").unwrap();
    let before = snapshot(parent.path());
    let p = project.to_str().unwrap();
    for target in [
        p.to_string(),
        parent.path().to_str().unwrap().to_string(),
        parent
            .path()
            .join("report.txt")
            .to_str()
            .unwrap()
            .to_string(),
    ] {
        let run = borderscape(&["analyze", p, "--out", &target, "--quiet"]);
        assert_fails_with(&run, 2, "choose another --out");
        assert_eq!(
            snapshot(parent.path()),
            before,
            "--out {target} touched files"
        );
    }
    let run = Command::new(env!("CARGO_BIN_EXE_borderscape"))
        .args(["analyze", ".", "--out", ".", "--quiet"])
        .current_dir(&project)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(snapshot(parent.path()), before);
}

#[test]
fn results_are_replaced_and_leftovers_of_a_killed_run_removed() {
    let (_parent, project) = user_folders();
    let p = project.to_str().unwrap();
    let out = project.join("results");
    for _ in 0..2 {
        let run = borderscape(&["analyze", p, "--quiet"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    assert!(out.join(".borderscape-results").is_file());
    // What a run killed while writing leaves: a hidden temporary folder with its run's marker.
    let leftover = project.join(".results.Ab12Cd.tmp");
    std::fs::create_dir(&leftover).unwrap();
    std::fs::write(
        leftover.join(".borderscape-results"),
        r#"{"format":"borderscape-results/1","run":"0f","files":{}}"#,
    )
    .unwrap();
    std::fs::write(leftover.join("summary.json"), "{}").unwrap();
    let run = borderscape(&["analyze", p, "--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!leftover.exists());
    assert_eq!(
        std::fs::read_to_string(project.join("notes.txt")).unwrap(),
        "my notes"
    );
}

#[test]
fn demo_refuses_a_folder_that_is_not_its_own() {
    let (_parent, project) = user_folders();
    let before = snapshot(&project);
    let run = borderscape(&["demo", "--out", project.to_str().unwrap(), "--quiet"]);
    assert_fails_with(&run, 2, "borderscape did not write it");
    assert_eq!(snapshot(&project), before);
}

/// Absurd parameters are refused by `check`, naming the parameter and its bound — every one of
/// them, several in one section included, in one run.
#[test]
fn parameters_beyond_their_bounds_are_named_by_check() {
    let (_parent, project) = user_folders();
    let manifest = std::fs::read_to_string(project.join("borderscape.toml")).unwrap();
    std::fs::write(
        project.join("borderscape.toml"),
        format!("{manifest}[analysis.synergy]\npermutations = 1e12\nseed = \"x\"\npermutaions = 9\n[analysis.borders]\nzone_width_m = 1e308\n"),
    )
    .unwrap();
    let run = borderscape(&["check", project.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    for expected in [
        "analysis `synergy`: parameter `permutations`: must be at most 1000000, got 1000000000000",
        "analysis `synergy`: parameter `seed`: expected a number, got \"x\"",
        "analysis `synergy`: parameter `permutaions`: unknown parameter",
        "analysis `borders`: parameter `zone_width_m`: must be at most 50000, got 1e308",
    ] {
        assert!(
            run.stdout.contains(expected),
            "«{expected}» missing:\n{}",
            run.stdout
        );
    }
}

/// A length within its static bound but longer than the region (two 0.1° counties, about
/// 22 km across) is named by `check` and refused by `analyze` before anything runs.
#[test]
fn lengths_beyond_the_region_are_refused() {
    let (_parent, project) = user_folders();
    let manifest = std::fs::read_to_string(project.join("borderscape.toml")).unwrap();
    std::fs::write(
        project.join("borderscape.toml"),
        format!("{manifest}[analysis.borders]\nzone_width_m = 30000\n"),
    )
    .unwrap();
    let p = project.to_str().unwrap();
    let expected = "[analysis.borders] zone_width_m = 30000 m is longer than the region's extent";
    let run = borderscape(&["check", p]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains(expected), "{}", run.stdout);
    let run = borderscape(&["analyze", p, "--quiet"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains(expected), "{}", run.stderr);
    assert!(!project.join("results").exists());
}

/// A broken manifest still gets a JSON report from `check --json`; a layer of an unknown
/// format (here a device that never ends) is refused before anything is read, its path once.
#[test]
fn check_reports_broken_manifests_and_unknown_formats_at_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("borderscape.toml"), "[region\nname = 1\n").unwrap();
    let run = borderscape(&["check", dir.path().to_str().unwrap(), "--json"]);
    assert_eq!(run.code, 1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(report["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("TOML parse error"));
    std::fs::write(
        dir.path().join("borderscape.toml"),
        "[region]\nname = \"x\"\n[layers.jurisdictions]\npath = \"/dev/zero\"\n",
    )
    .unwrap();
    let run = borderscape(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout.matches("/dev/zero").count(), 1, "{}", run.stdout);
    assert!(run.stdout.contains("unknown format"), "{}", run.stdout);
}

/// `ogrinfo -q FILE`'s layer list: name → geometry type (`None` for attribute tables).
fn ogr_layers(gpkg: &Path) -> std::collections::BTreeMap<String, String> {
    ogrinfo(&["-ro", "-q", gpkg.to_str().unwrap()])
        .lines()
        .filter_map(|l| {
            let (_, rest) = l.split_once(": ")?;
            let (name, kind) = rest.split_once(" (")?;
            Some((name.to_string(), kind.trim_end_matches(')').to_string()))
        })
        .collect()
}

/// The features of `SELECT sql` as GDAL reads them: fid and the first field's value.
fn ogr_sql(gpkg: &Path, sql: &str) -> Vec<(i64, String)> {
    let mut features = Vec::new();
    let mut fid = -1;
    for line in ogrinfo(&["-ro", "-q", gpkg.to_str().unwrap(), "-sql", sql]).lines() {
        if let Some(n) = line.strip_prefix("OGRFeature(SELECT):") {
            fid = n.trim().parse().unwrap();
        } else if let Some((_, value)) = line.trim().split_once(" = ") {
            features.push((fid, value.to_string()));
        }
    }
    features
}

/// Issue 23: a table that mixes polygons, lines and points is one GeoPackage layer per type
/// (fid = its row in tables/), read back whole; results.qgs references exactly the feature
/// layers GDAL finds, each with its geometry type, and its classes are values of the layers.
#[test]
fn mixed_layers_are_split_and_the_qgis_project_matches_the_geopackage() {
    let dir = tempfile::tempdir().unwrap();
    let results = analysed_mixed_conflicts(dir.path());
    let gpkg = results.join("results.gpkg");
    let layers = ogr_layers(&gpkg);
    assert!(!layers.contains_key("conflicts"), "{layers:?}");
    assert!(
        layers["conflicts_polygons"].ends_with("Polygon"),
        "{layers:?}"
    );
    let others: Vec<&String> = ["conflicts_lines", "conflicts_points"]
        .iter()
        .filter_map(|l| layers.get(*l))
        .collect();
    assert!(
        !others.is_empty(),
        "the road's conflict is a line or a point: {layers:?}"
    );
    assert!(
        layers.values().all(|kind| !kind.contains("Unknown")),
        "no layer of mixed type: {layers:?}"
    );

    // Every row of tables/conflicts.csv is in one layer, under its row number as fid.
    let csv = std::fs::read_to_string(results.join("tables/conflicts.csv")).unwrap();
    let types: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let mut seen = 0;
    for layer in layers
        .keys()
        .filter(|l| l.starts_with("conflicts_") && layers[*l] != "None")
    {
        for (fid, kind) in ogr_sql(&gpkg, &format!("SELECT fid, type FROM {layer}")) {
            assert_eq!(kind, types[fid as usize - 1], "{layer} fid {fid}");
            seen += 1;
        }
    }
    assert_eq!(seen, types.len());
    let joined = borderscape_io::gpkg::read_all(&gpkg).unwrap();
    let conflicts = joined.iter().find(|t| t.name == "conflicts").unwrap();
    let column = conflicts.column_index("type").unwrap();
    let read: Vec<String> = conflicts.rows.iter().map(|r| r[column].to_text()).collect();
    assert_eq!(
        read, types,
        "read back in the order of tables/conflicts.csv"
    );

    // The QGIS project: its layers are the GeoPackage's feature layers, with their types.
    let text = std::fs::read_to_string(results.join("results.qgs")).unwrap();
    let options = roxmltree::ParsingOptions {
        allow_dtd: true, // QGIS writes and expects `<!DOCTYPE qgis …>`
        ..Default::default()
    };
    let xml = roxmltree::Document::parse_with_options(&text, options).unwrap();
    let child = |n: roxmltree::Node, tag: &str| {
        n.children()
            .find(|c| c.has_tag_name(tag))
            .and_then(|c| c.text())
            .unwrap_or_default()
            .to_string()
    };
    let maplayers: Vec<roxmltree::Node> = xml
        .descendants()
        .filter(|n| n.has_tag_name("maplayer"))
        .collect();
    let mut referenced = Vec::new();
    for layer in &maplayers {
        let source = child(*layer, "datasource");
        let name = source
            .strip_prefix("./results.gpkg|layername=")
            .unwrap_or_else(|| panic!("{source}"));
        let kind = layers
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not in results.gpkg"));
        assert_eq!(
            layer.attribute("wkbType").unwrap(),
            kind.replace(' ', ""),
            "{name}"
        );
        assert_eq!(child(*layer, "provider"), "ogr");
        let renderer = layer
            .children()
            .find(|c| c.has_tag_name("renderer-v2"))
            .unwrap();
        let symbols = renderer
            .descendants()
            .filter(|n| n.has_tag_name("symbol"))
            .count();
        if renderer.attribute("type") == Some("categorizedSymbol") {
            let attr = renderer.attribute("attr").unwrap();
            let present: Vec<String> =
                ogr_sql(&gpkg, &format!("SELECT DISTINCT \"{attr}\" FROM {name}"))
                    .into_iter()
                    .map(|(_, v)| v)
                    .collect();
            let categories: Vec<roxmltree::Node> = renderer
                .descendants()
                .filter(|n| n.has_tag_name("category"))
                .collect();
            assert_eq!(categories.len(), present.len(), "{name}: {present:?}");
            assert_eq!(symbols, categories.len(), "{name}");
            for category in categories {
                let value = category.attribute("value").unwrap();
                assert!(present.iter().any(|p| p == value), "{name}: {value}");
                assert!(
                    !category.attribute("label").unwrap().contains('_'),
                    "{name}: label"
                );
            }
        } else {
            assert_eq!(symbols, 1, "{name}");
        }
        referenced.push(name.to_string());
    }
    let features: Vec<&String> = layers
        .iter()
        .filter(|(_, k)| *k != "None")
        .map(|(n, _)| n)
        .collect();
    referenced.sort();
    assert_eq!(referenced.iter().collect::<Vec<_>>(), features);
    let ids: Vec<String> = maplayers.iter().map(|l| child(*l, "id")).collect();
    for node in xml
        .descendants()
        .filter(|n| n.has_tag_name("layer-tree-layer"))
    {
        assert!(ids
            .iter()
            .any(|id| Some(id.as_str()) == node.attribute("id")));
    }
    opened_by_qgis(&results.join("results.qgs"), &layers);
}

/// QGIS itself (its Python bindings, Debian's python3-qgis) opens the project: every layer valid,
/// with the features GDAL counts. Skipped, saying so, where the bindings are not installed.
fn opened_by_qgis(project: &Path, layers: &std::collections::BTreeMap<String, String>) {
    let python = "/usr/bin/python3";
    let has_qgis = Command::new(python)
        .args(["-c", "import qgis.core"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_qgis {
        eprintln!("skipped opening results.qgs in QGIS: python3-qgis is not installed (the XML checks above ran)");
        return;
    }
    let script = "import sys, json\nfrom qgis.core import QgsApplication, QgsProject\napp = QgsApplication([], False)\napp.initQgis()\np = QgsProject.instance()\nassert p.read(sys.argv[1])\nprint(json.dumps({l.source().split('layername=')[1]: [l.isValid(), l.featureCount(), l.renderer().type()] for l in p.mapLayers().values()}))\n";
    let out = Command::new(python)
        .args(["-c", script, project.to_str().unwrap()])
        .env("QT_QPA_PLATFORM", "offscreen")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let opened: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let gpkg = project.with_file_name("results.gpkg");
    for (name, kind) in layers.iter().filter(|(_, k)| *k != "None") {
        let layer = &opened[name];
        assert_eq!(layer[0], true, "{name} ({kind}) is valid in QGIS");
        let count = ogrinfo(&["-ro", "-so", gpkg.to_str().unwrap(), name]);
        assert!(
            count.contains(&format!("Feature Count: {}", layer[1])),
            "{name}: {layer}"
        );
    }
    assert_eq!(opened["conflicts_polygons"][2], "categorizedSymbol");
}
