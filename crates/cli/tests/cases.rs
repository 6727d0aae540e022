//! `borderscape cases …` and `borderscape users …` end to end, on the demo's results, with a
//! SQLite file and with a throw-away PostgreSQL cluster.

mod common;
#[path = "../../cases/tests/support/pg.rs"]
mod pg;

use std::collections::BTreeMap;
use std::path::Path;

use common::{borderscape, demo, users_add, Run};

/// Conflicts per (a, b, type) of the latest plan version (and plan-independent ones), as the
/// analysis counted them in `conflicts_by_border`.
fn expected_groups(results: &Path) -> BTreeMap<(String, String, String), i64> {
    let conn = rusqlite::Connection::open(results.join("results.gpkg")).unwrap();
    let latest: String = conn
        .query_row("SELECT to_plan FROM conflict_changes LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut stmt = conn
        .prepare("SELECT a, b, type, conflicts FROM conflicts_by_border WHERE plan = ?1 OR plan = '' OR plan IS NULL")
        .unwrap();
    let rows = stmt
        .query_map([latest], |r| {
            Ok(((r.get(0)?, r.get(1)?, r.get(2)?), r.get(3)?))
        })
        .unwrap();
    let mut groups = BTreeMap::new();
    for row in rows {
        let (key, n): ((String, String, String), i64) = row.unwrap();
        *groups.entry(key).or_insert(0) += n;
    }
    groups
}

/// `borderscape cases import PROJECT --db DB EXTRA…`.
fn import(project: &str, db: &str, extra: &[&str]) -> Run {
    let mut args = vec!["cases", "import", project, "--db", db];
    args.extend_from_slice(extra);
    borderscape(&args)
}

/// Import twice, check the cases against the analysis's own counts, verify, export.
fn import_verify_export(db: &str, out: &Path) {
    let project = demo().to_str().unwrap();
    let run = import(project, db, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let groups = expected_groups(&demo().join("results"));
    assert!(!groups.is_empty());
    // One case per border and type (checked below), and one per unit and type inside a unit.
    let created: usize = run
        .stderr
        .split(" case(s) created")
        .next()
        .and_then(|s| s.rsplit(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(created >= groups.len(), "{created} < {}", groups.len());
    // Idempotent: nothing created or changed the second time.
    let again = import(project, db, &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("0 case(s) created, 0 updated")
            && again.stderr.contains(&format!("{created} unchanged")),
        "{}",
        again.stderr
    );
    let verify = borderscape(&["cases", "verify", db]);
    assert_eq!(verify.code, 0, "{}", verify.stderr);
    assert!(
        verify.stdout.contains("audit chain intact")
            && verify
                .stdout
                .contains("rows of users, tokens, cases, comments, units match it")
            && verify.stdout.contains("not covered: schema_migrations"),
        "{}",
        verify.stdout
    );
    // The export: one row per border and type, each with the analysis's number of conflicts.
    let csv_path = out.join("cases.csv");
    let run = borderscape(&["cases", "export", db, "--out", csv_path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut exported = BTreeMap::new();
    let mut rows = 0;
    for record in reader.records() {
        let r = record.unwrap();
        rows += 1;
        assert_eq!(&r[col("state")], "raised");
        assert!(!r[col("wkt")].is_empty(), "every imported case has a point");
        if r[col("b")].is_empty() {
            assert!(!r[col("units")].is_empty(), "a case inside a unit names it");
            continue;
        }
        let key = (
            r[col("a")].to_string(),
            r[col("b")].to_string(),
            r[col("type")].to_string(),
        );
        let n = r[col("conflicts")].parse::<i64>().unwrap();
        assert!(
            exported.insert(key, n).is_none(),
            "one case per border and type"
        );
    }
    assert_eq!(rows, created);
    assert!(
        exported == groups,
        "the cases' conflicts differ from conflicts_by_border"
    );
    // The figures: every border's cases, none agreed yet.
    let run = borderscape(&[
        "cases",
        "report",
        demo().to_str().unwrap(),
        "--db",
        db,
        "--json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let figures: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let total: u64 = figures
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["cases"].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, groups.len());
    assert!(figures.as_array().unwrap().iter().all(|f| f["agreed"] == 0));
    let gpkg = out.join("cases.gpkg");
    let run = borderscape(&["cases", "export", db, "--out", gpkg.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn import_verify_export_backup_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("cases.db");
    let db_s = db.to_str().unwrap();
    import_verify_export(db_s, tmp.path());
    // A backup opens and verifies.
    let copy = tmp.path().join("copy.db");
    let run = borderscape(&["cases", "backup", db_s, copy.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = borderscape(&["cases", "verify", copy.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Tamper with one audit row: verify fails naming it.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE audit SET actor = 'someone else' WHERE seq = 3", [])
        .unwrap();
    let run = borderscape(&["cases", "verify", db_s]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("audit entry 3 is broken"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(db_s),
        "names the database: {}",
        run.stderr
    );
}

#[test]
fn min_severity_and_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let all = tmp.path().join("all.db");
    let high = tmp.path().join("high.db");
    let project = demo().to_str().unwrap();
    let count = |db: &Path| {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.query_row("SELECT count(*) FROM case_conflicts", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
    };
    assert_eq!(import(project, all.to_str().unwrap(), &[]).code, 0);
    let run = import(project, high.to_str().unwrap(), &["--min-severity", "3"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        count(&high) < count(&all),
        "{} vs {}",
        count(&high),
        count(&all)
    );
    let run = import(project, high.to_str().unwrap(), &["--min-severity", "4"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = import(tmp.path().to_str().unwrap(), "x.db", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("no results here"), "{}", run.stderr);
    // Commands that only read a register refuse a path that names none, and make none.
    let typo = tmp.path().join("typo.db");
    let run = borderscape(&["cases", "verify", typo.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("no such case register"),
        "{}",
        run.stderr
    );
    assert!(!typo.exists());
    // A file that is not a register is refused as a usage error.
    let junk = tmp.path().join("junk.db");
    std::fs::write(&junk, "not a database at all, just some text").unwrap();
    let run = borderscape(&["cases", "verify", junk.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("junk.db"), "{}", run.stderr);
    let run = borderscape(&[
        "cases",
        "backup",
        "postgres://u:secret@127.0.0.1:1/x",
        "c.db",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        !run.stderr.contains("secret"),
        "hides the password: {}",
        run.stderr
    );
}

#[test]
fn users_and_tokens() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("cases.db");
    let db_s = db.to_str().unwrap();
    let project = demo().to_str().unwrap();
    assert_eq!(import(project, db_s, &[]).code, 0);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let unit: String = conn
        .query_row("SELECT code FROM units ORDER BY code LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let run = users_add(db_s, "office", "office", None, "a long office password");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = users_add(
        db_s,
        "county",
        "unit",
        Some(&unit),
        "a long county password",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = users_add(
        db_s,
        "county2",
        "unit",
        Some("NOPE"),
        "a long county password",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("field `unit`") && run.stderr.contains("NOPE"),
        "{}",
        run.stderr
    );
    // A role that is not one is refused before the password is read (so none is written, which
    // could meet a closed pipe).
    let run = borderscape(&[
        "users",
        "add",
        db_s,
        "--name",
        "someone",
        "--role",
        "admin",
        "--password-stdin",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("`admin`"), "{}", run.stderr);
    let run = borderscape(&["users", "add", db_s, "--name", "x", "--role", "office"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = borderscape(&["users", "token", db_s, "--name", "county"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let token = run.stdout.trim();
    assert!(token.starts_with("bsc_"), "{token}");
    let stored: String = conn
        .query_row("SELECT hash FROM tokens", [], |r| r.get(0))
        .unwrap();
    assert_ne!(stored, token);
    let hash: String = conn
        .query_row(
            "SELECT password_hash FROM users WHERE name = 'county'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let run = borderscape(&["users", "token", db_s, "--name", "ghost"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("no user `ghost`"), "{}", run.stderr);
    assert_eq!(borderscape(&["cases", "verify", db_s]).code, 0);
}

#[test]
fn import_verify_export_on_postgres() {
    let Some(cluster) = pg::Cluster::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let url = cluster.new_database();
    import_verify_export(&url, tmp.path());
    let sql = |sql: &str| pg::Cluster::execute(&url, sql);
    edits_show(&url, sql);
    pg::Cluster::execute(&url, "UPDATE audit SET action = 'nothing' WHERE seq = 2");
    let run = borderscape(&["cases", "verify", &url]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("audit entry 2 is broken"),
        "{}",
        run.stderr
    );
    let run = borderscape(&[
        "cases",
        "backup",
        &url,
        tmp.path().join("x.db").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("pg_dump"), "{}", run.stderr);
}

/// `report --cases`: each border profile shows the register's cases on that border, as
/// `cases report` counts them; a register that does not exist is refused, not created.
#[test]
fn report_profiles_show_the_registers_cases() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("cases.db");
    let db_s = db.to_str().unwrap();
    let project = demo().to_str().unwrap();
    assert_eq!(import(project, db_s, &["--quiet"]).code, 0);
    let run = borderscape(&["cases", "report", project, "--db", db_s, "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let figures: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let cases_on = |a: &str, b: &str| {
        figures
            .as_array()
            .unwrap()
            .iter()
            .find(|f| (f["a"] == a && f["b"] == b) || (f["a"] == b && f["b"] == a))
            .map_or(0, |f| f["cases"].as_u64().unwrap())
    };
    let html_path = tmp.path().join("report.html");
    let html_s = html_path.to_str().unwrap();
    let run = borderscape(&[
        "report", project, "--cases", db_s, "--out", html_s, "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = std::fs::read_to_string(&html_path).unwrap();
    let mut cards = 0;
    for card in html
        .split("<article class=\"profile\" id=\"border-")
        .skip(1)
    {
        let (a, rest) = card.split_once('-').unwrap();
        let b = &rest[..rest.find('"').unwrap()];
        let line = card
            .split("data-profile=\"cases\">")
            .nth(1)
            .unwrap_or_else(|| panic!("no cases line in the card of {a}|{b}"));
        let n = cases_on(a, b);
        let expected = if n == 0 {
            "The register has no case on this border.".to_string()
        } else {
            format!("{n} cases in the register, 0 agreed")
        };
        assert!(line.starts_with(&expected), "{a}|{b}: {line:.120}");
        cards += 1;
    }
    assert!(cards >= 5, "{cards} profiles");
    // Without a register the cards say nothing of cases.
    let plain = tmp.path().join("plain.html");
    let run = borderscape(&[
        "report",
        project,
        "--out",
        plain.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!std::fs::read_to_string(&plain)
        .unwrap()
        .contains("data-profile=\"cases\""));
    // A register that is not there is an error, and none is made.
    let missing = tmp.path().join("typo.db");
    let run = borderscape(&[
        "report",
        project,
        "--cases",
        missing.to_str().unwrap(),
        "--out",
        html_s,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("no such case register"),
        "{}",
        run.stderr
    );
    assert!(!missing.exists());
}

/// The `identity` column that links cases to conflicts: unique within a plan version, and
/// shared by the same border conflict in two versions exactly as often as `conflict_changes`
/// counts it persisting.
#[test]
fn conflict_identity_is_unique_and_persists_across_plan_versions() {
    let conn = rusqlite::Connection::open(demo().join("results/results.gpkg")).unwrap();
    let all = ["conflicts_lines", "conflicts_points", "conflicts_polygons"]
        .map(|t| format!("SELECT plan, identity, border FROM {t}"))
        .join(" UNION ALL ");
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let duplicates = count(&format!(
        "SELECT COUNT(*) FROM (SELECT plan, identity FROM ({all}) GROUP BY plan, identity HAVING COUNT(*) > 1)"
    ));
    assert_eq!(duplicates, 0);
    let shared = count(&format!(
        "WITH c AS ({all}) SELECT COUNT(*) FROM c x JOIN c y ON x.identity = y.identity AND x.plan < y.plan WHERE x.border != ''"
    ));
    let persisting = count("SELECT SUM(persisting) FROM conflict_changes");
    assert!(shared > 100, "{shared}");
    assert_eq!(shared, persisting);
}

/// A direct SQL edit of a user's role, a case or a token makes `cases verify` fail (exit 1)
/// naming the table and row; undone, the register verifies again.
fn edits_show(db: &str, sql: impl Fn(&str)) {
    for (name, role) in [("watcher", "observer"), ("li.wei", "office")] {
        let run = users_add(db, name, role, None, "a long test password");
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let run = borderscape(&["users", "token", db, "--name", "li.wei"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let edits = [
        (
            "UPDATE users SET role = 'office' WHERE name = 'watcher'",
            "UPDATE users SET role = 'observer' WHERE name = 'watcher'",
            "table `users`, row 1 (`watcher`): differs from what audit entry",
        ),
        (
            "UPDATE cases SET title = title || ' (edited)' WHERE id = 2",
            "UPDATE cases SET title = substr(title, 1, length(title) - 9) WHERE id = 2",
            "table `cases`, row 2: differs",
        ),
        (
            "UPDATE tokens SET user_id = 1",
            "UPDATE tokens SET user_id = 2",
            "(a token of user 1): differs",
        ),
    ];
    for (edit, undo, message) in edits {
        sql(edit);
        let run = borderscape(&["cases", "verify", db]);
        assert_eq!(run.code, 1, "{edit}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("the audit chain is intact, but 1 row(s) differ")
                && run.stderr.contains(message)
                && run.stderr.contains("changed behind the register's back"),
            "{edit}: {}",
            run.stderr
        );
        sql(undo);
    }
    let run = borderscape(&["cases", "verify", db]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn verify_names_rows_edited_behind_the_registers_back() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("cases.db");
    let db_s = db.to_str().unwrap();
    assert_eq!(import(demo().to_str().unwrap(), db_s, &["--quiet"]).code, 0);
    edits_show(db_s, |sql| {
        rusqlite::Connection::open(&db)
            .unwrap()
            .execute_batch(sql)
            .unwrap()
    });
}

/// Register commands write only into a register: a project's GeoPackage, another SQLite
/// database or any other file given as the register is refused (exit 2) naming it, and a backup
/// never replaces a file; each is left byte for byte as it was, with nothing beside it.
#[test]
fn register_commands_never_write_into_other_files() {
    let tmp = tempfile::tempdir().unwrap();
    let project = demo().to_str().unwrap();
    let file = |name: &str| tmp.path().join(name).display().to_string();
    for name in ["roads.gpkg", "facilities.gpkg"] {
        std::fs::copy(demo().join("results/results.gpkg"), file(name)).unwrap();
    }
    rusqlite::Connection::open(file("other.db"))
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT)")
        .unwrap();
    std::fs::write(
        file("lakes.geojson"),
        r#"{"type": "FeatureCollection", "features": []}"#,
    )
    .unwrap();
    let listing = || {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                (path.display().to_string(), std::fs::read(&path).unwrap())
            })
            .collect();
        files.sort();
        files
    };
    let before = listing();
    let refused = |run: Run, name: &str, what: &str| {
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("{}: {what}", file(name))),
            "{name}: {}",
            run.stderr
        );
    };
    let (roads, facilities) = (file("roads.gpkg"), file("facilities.gpkg"));
    refused(
        users_add(&roads, "office", "office", None, "a long test password"),
        "roads.gpkg",
        "is a GeoPackage, not a case register",
    );
    refused(
        import(project, &facilities, &[]),
        "facilities.gpkg",
        "is a GeoPackage",
    );
    refused(
        borderscape(&["users", "token", &file("other.db"), "--name", "x"]),
        "other.db",
        "is a SQLite database without the case register's tables (it has `notes`)",
    );
    refused(
        borderscape(&["cases", "verify", &file("lakes.geojson")]),
        "lakes.geojson",
        "is not a SQLite database",
    );
    let out = file("out.csv");
    refused(
        borderscape(&["cases", "export", &roads, "--out", &out]),
        "roads.gpkg",
        "is a GeoPackage",
    );
    assert!(before == listing(), "a refused file is left as it was");
    // A register's copy goes only to a path that does not exist.
    let db = file("cases.db");
    assert_eq!(import(project, &db, &["--quiet"]).code, 0);
    for target in ["lakes.geojson", "roads.gpkg"] {
        refused(
            borderscape(&["cases", "backup", &db, &file(target)]),
            target,
            "exists already; `cases backup` writes only a new file",
        );
    }
    let copy = file("copy.db");
    assert_eq!(borderscape(&["cases", "backup", &db, &copy]).code, 0);
    refused(
        borderscape(&["cases", "backup", &db, &copy]),
        "copy.db",
        "exists already",
    );
    let unchanged: Vec<_> = listing()
        .into_iter()
        .filter(|(path, _)| before.iter().any(|(p, _)| p == path))
        .collect();
    assert!(before == unchanged, "a backup replaces no file");
}
