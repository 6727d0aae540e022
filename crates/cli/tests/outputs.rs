//! Issue 16: a command writes only into its own outputs and never replaces the user's files.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// Every file below `dir` with its content.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                files.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

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
    // What a run killed while writing leaves: a hidden temporary folder with the marker.
    let leftover = project.join(".results.Ab12Cd.tmp");
    std::fs::create_dir(&leftover).unwrap();
    std::fs::write(leftover.join(".borderscape-results"), "").unwrap();
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
    assert_fails_with(&run, 2, "is not an earlier demo project");
    assert_eq!(snapshot(&project), before);
}

/// Absurd parameters are refused by `check`, naming the parameter and its bound.
#[test]
fn parameters_beyond_their_bounds_are_named_by_check() {
    let (_parent, project) = user_folders();
    let manifest = std::fs::read_to_string(project.join("borderscape.toml")).unwrap();
    std::fs::write(
        project.join("borderscape.toml"),
        format!("{manifest}[analysis.synergy]\npermutations = 1e12\n[analysis.borders]\nzone_width_m = 1e308\n"),
    )
    .unwrap();
    let run = borderscape(&["check", project.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    for expected in [
        "analysis `synergy`: parameter `permutations`: must be at most 1000000, got 1000000000000",
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
