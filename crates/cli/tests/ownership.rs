//! Issue 37: a command replaces only what it provably wrote — judged by the hashes its folder's
//! ledger recorded when it wrote, never by a word in the file or a planted marker — and two runs
//! on one project take turns.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// A project of two counties in `dir/project`.
fn project_in(dir: &Path) -> PathBuf {
    let folder = dir.join("project");
    std::fs::create_dir(&folder).unwrap();
    two_counties(&folder, "")
}

/// Two analysed counties in `dir/project` (results in `results/`).
fn analysed(dir: &Path) -> PathBuf {
    let project = project_in(dir);
    let run = borderscape(&["analyze", project.to_str().unwrap(), "--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    project
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `report --out` replaces only a report it wrote: not the manifest, not summary.json, not a
/// note that mentions borderscape, not the QGIS project or the marker — byte-identical after.
#[test]
fn report_refuses_files_it_did_not_write_as_reports() {
    let dir = tempfile::tempdir().unwrap();
    let project = analysed(dir.path());
    let results = project.join("results");
    let notes = dir.path().join("notes.md");
    std::fs::write(&notes, "# My notes on the borderscape run\n").unwrap();
    let before = snapshot(dir.path());
    for target in [
        project.join("borderscape.toml"),
        results.join("summary.json"),
        results.join("results.qgs"),
        results.join(".borderscape-results"),
        notes.clone(),
    ] {
        let run = borderscape(&["report", s(&results), "--out", s(&target), "--quiet"]);
        assert_fails_with(&run, 2, "not replaced");
        assert_eq!(snapshot(dir.path()), before, "--out {}", target.display());
    }
    // Its own report, and a new file, it writes; the new one it may then write again.
    let run = borderscape(&["report", s(&results), "--lang", "zh", "--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let fresh = dir.path().join("mine.html");
    for _ in 0..2 {
        let run = borderscape(&["report", s(&results), "--out", s(&fresh), "--quiet"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    // Edited since: no longer replaced.
    std::fs::write(&fresh, "<p>my annotations</p>").unwrap();
    let run = borderscape(&["report", s(&results), "--out", s(&fresh), "--quiet"]);
    assert_fails_with(&run, 2, "changed since");
    assert_eq!(std::fs::read(&fresh).unwrap(), b"<p>my annotations</p>");
    // The report rewritten into the results keeps them results of ours.
    assert_eq!(
        borderscape_io::owned::results_folder_problem(&results),
        None
    );
    let run = borderscape(&["analyze", s(&project), "--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A marker alone licenses nothing: planted by `touch` in the project, its parent or a folder
/// of the user's, or arriving with a copy of results beside a file of the user's.
#[test]
fn a_planted_or_copied_marker_licenses_no_deletion() {
    let dir = tempfile::tempdir().unwrap();
    let project = analysed(dir.path());
    std::fs::write(project.join(".borderscape-results"), "").unwrap();
    std::fs::write(dir.path().join(".borderscape-results"), "").unwrap();
    let planted = dir.path().join("planted");
    std::fs::create_dir(&planted).unwrap();
    std::fs::write(planted.join(".borderscape-results"), "").unwrap();
    std::fs::write(planted.join("thesis.docx"), "four years").unwrap();
    let copied = dir.path().join("copied");
    std::fs::create_dir(&copied).unwrap();
    let cp = Command::new("cp")
        .args([
            "-a",
            &format!("{}/.", s(&project.join("results"))),
            s(&copied),
        ])
        .status()
        .unwrap();
    assert!(cp.success());
    std::fs::write(copied.join("thesis.docx"), "four years").unwrap();
    let before = snapshot(dir.path());
    for target in [&project, &dir.path().to_path_buf(), &planted, &copied] {
        let run = borderscape(&["analyze", s(&project), "--out", s(target), "--quiet"]);
        assert_fails_with(&run, 2, "choose another --out");
        assert_eq!(snapshot(dir.path()), before, "--out {}", target.display());
    }
    // A copy of results and nothing else is results of ours: replacing it loses nothing.
    std::fs::remove_file(copied.join("thesis.docx")).unwrap();
    let run = borderscape(&["analyze", s(&project), "--out", s(&copied), "--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Results the user edited are not replaced; `--out .` (the current folder) is refused before
/// any work and leaves nothing behind.
#[test]
fn edited_results_and_the_current_folder_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let project = analysed(dir.path());
    let table = project.join("results/tables/borders.csv");
    let mut text = std::fs::read_to_string(&table).unwrap();
    text.push_str("# checked by hand\n");
    std::fs::write(&table, &text).unwrap();
    let run = borderscape(&["analyze", s(&project), "--quiet"]);
    assert_fails_with(&run, 2, "changed since borderscape wrote it");
    assert_eq!(std::fs::read_to_string(&table).unwrap(), text);

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let before = snapshot(dir.path());
    let run = Command::new(env!("CARGO_BIN_EXE_borderscape"))
        .args(["analyze", s(&project), "--out", ".", "--quiet"])
        .current_dir(&empty)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("current folder"));
    assert_eq!(snapshot(dir.path()), before);
}

/// File-writing commands refuse their own input and any file they did not write.
#[test]
fn layer_commands_refuse_inputs_and_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    let project = project_in(dir.path());
    let layer = project.join("j.geojson");
    let lakes = dir.path().join("lakes.geojson");
    std::fs::copy(&layer, &lakes).unwrap();
    let indicators = dir.path().join("indicators.csv");
    std::fs::write(&indicators, "code,x\nA,1\nB,2\n").unwrap();
    let governance = project.join("governance.csv");
    std::fs::write(&governance, "id,name\n").unwrap();
    let before = snapshot(dir.path());
    let (j, l) = (s(&layer), s(&lakes));
    let refused: [Vec<&str>; 7] = [
        vec![
            "convert",
            j,
            j,
            "--from-datum",
            "gcj02",
            "--to-datum",
            "wgs84",
        ],
        vec!["convert", j, l],
        vec!["simplify", j, j, "--tolerance", "0.001"],
        vec!["borders", j, "--out", l],
        vec!["moran", j, "--var", "area", "--local", s(&indicators)],
        vec!["partitions", s(&project), "--out", s(&governance)],
        vec!["convert", l, s(&project)],
    ];
    for args in refused {
        let run = borderscape(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("not replaced") || run.stderr.contains("is the input"),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(snapshot(dir.path()), before, "{args:?}");
    }
    // Its own output it replaces, until someone edits it.
    let out = dir.path().join("wgs84.geojson");
    for _ in 0..2 {
        let run = borderscape(&[
            "convert",
            j,
            s(&out),
            "--from-datum",
            "gcj02",
            "--to-datum",
            "wgs84",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    std::fs::write(&out, "{}").unwrap();
    let run = borderscape(&["convert", j, s(&out)]);
    assert_fails_with(&run, 2, "changed since");
    // Another command's output of the same kind is ours too; a report is not a layer.
    let report = dir.path().join("report.geojson");
    let run = borderscape(&["borders", j, "--out", s(&report)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = borderscape(&["simplify", j, s(&report), "--tolerance", "0.001"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// 50 pairs of `analyze` racing on one project: each run succeeds or is refused with the lock
/// message, and the results are always complete and ours.
#[test]
fn racing_runs_take_turns_and_leave_complete_results() {
    let dir = tempfile::tempdir().unwrap();
    let project = project_in(dir.path());
    let results = project.join("results");
    let (mut succeeded, mut refused) = (0, 0);
    for pair in 0..50 {
        let children: Vec<_> = (0..2)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_borderscape"))
                    .args(["analyze", s(&project), "--quiet"])
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                Some(0) => succeeded += 1,
                Some(2) if stderr.contains("another borderscape run is writing") => refused += 1,
                other => panic!("pair {pair}: exit {other:?}: {stderr}"),
            }
        }
        assert_eq!(
            borderscape_io::owned::results_folder_problem(&results),
            None,
            "pair {pair}"
        );
        assert!(results.join("summary.json").is_file(), "pair {pair}");
    }
    assert!(succeeded >= 50, "{succeeded} succeeded, {refused} refused");
    let names: Vec<String> = std::fs::read_dir(&project)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(names.is_empty(), "leftovers: {names:?}");
}

/// `demo --out` over a demo whose manifest the user edited refuses without `--force`.
#[test]
fn demo_keeps_a_users_edits() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("demo");
    let cp = Command::new("cp")
        .args(["-a", s(demo()), s(&copy)])
        .status()
        .unwrap();
    assert!(cp.success());
    let manifest = copy.join("borderscape.toml");
    let edited = std::fs::read_to_string(&manifest).unwrap() + "\n# my edit\n";
    std::fs::write(&manifest, &edited).unwrap();
    let before = snapshot(dir.path());
    let run = borderscape(&["demo", "--out", s(&copy), "--quiet"]);
    assert_fails_with(&run, 2, "--force");
    assert_eq!(snapshot(dir.path()), before);
    // A folder with a file of the user's under a demo file's name is refused even with --force.
    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("governance.csv"), "mine").unwrap();
    let run = borderscape(&["demo", "--out", s(&foreign), "--force", "--quiet"]);
    assert_fails_with(&run, 2, "did not write it");
    assert_eq!(
        std::fs::read(foreign.join("governance.csv")).unwrap(),
        b"mine"
    );
}
