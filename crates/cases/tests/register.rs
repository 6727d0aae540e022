//! The register on SQLite and on a throw-away PostgreSQL cluster: every scenario runs on both.

mod support {
    pub mod pg;
}

use borderscape_cases::audit::{Entry, GENESIS};
use borderscape_cases::import::{Found, FoundConflict, UnitRow};
use borderscape_cases::{
    Actor, CaseError, CasePatch, NewCase, Role, State, Store, Tampered, Unverified,
};
use support::pg::Cluster;

/// A database for one scenario.
enum Db {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

impl Db {
    fn sqlite() -> Db {
        Db::Sqlite(tempfile::tempdir().unwrap())
    }

    fn location(&self) -> String {
        match self {
            Db::Sqlite(dir) => dir.path().join("cases.db").display().to_string(),
            Db::Postgres(url) => url.clone(),
        }
    }

    fn open(&self) -> Store {
        Store::open(&self.location()).unwrap()
    }

    /// Raw SQL behind the register's back.
    fn raw(&self, sql: &str) {
        match self {
            Db::Sqlite(_) => rusqlite::Connection::open(self.location())
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            Db::Postgres(url) => Cluster::execute(url, sql),
        }
    }
}

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(&super::Db::sqlite()); } )*
        }
        #[test]
        fn postgres() {
            let Some(cluster) = Cluster::start() else { return };
            $(
                eprintln!("postgres: {}", stringify!($name));
                $name(&Db::Postgres(cluster.new_database()));
            )*
        }
    };
}

scenarios!(
    create_validate_and_read,
    stale_update_loses_nothing,
    state_machine,
    roles,
    accounts,
    audit_chain_and_tampering,
    import_is_idempotent,
    concurrent_writers,
    reopen_keeps_schema,
    governance_figures,
    direct_edits_fail_verify,
    register_of_the_previous_version_opens,
    refuses_what_is_not_a_register,
);

fn office() -> Actor {
    Actor {
        name: "office1".into(),
        role: Role::Office,
        unit: None,
    }
}

fn unit(code: &str) -> Actor {
    Actor {
        name: format!("unit-{code}"),
        role: Role::Unit,
        unit: Some(code.into()),
    }
}

fn new_case(a: &str, b: &str) -> NewCase {
    NewCase {
        title: "Landfill next to the water source".into(),
        a: Some(a.into()),
        b: Some(b.into()),
        kind: "nimby_spillover".into(),
        severity: 3,
        ..Default::default()
    }
}

/// A hierarchy: province P over cities A and B, county A1 under A; C a neighbour.
fn units() -> Vec<UnitRow> {
    let u = |code: &str, parent: Option<&str>| UnitRow {
        code: code.into(),
        parent: parent.map(str::to_string),
        name: format!("unit {code}"),
    };
    vec![
        u("P", None),
        u("A", Some("P")),
        u("B", Some("P")),
        u("A1", Some("A")),
        u("C", None),
    ]
}

/// The number of entries of a register that verifies, or why it does not.
fn entries_verified(s: &mut Store) -> Result<usize, Unverified> {
    s.verify().unwrap().map(|v| v.entries)
}

fn field_of(e: &CaseError) -> &str {
    match e {
        CaseError::Invalid { field, .. } => field,
        other => panic!("expected an invalid field, got {other}"),
    }
}

fn create_validate_and_read(db: &Db) {
    let mut s = db.open();
    let case = s.create_case(&office(), new_case("B", "A")).unwrap();
    assert_eq!((case.id, case.version, case.state), (1, 1, State::Raised));
    assert_eq!(
        (case.a.as_deref(), case.b.as_deref()),
        (Some("A"), Some("B"))
    );
    assert_eq!(s.case(1).unwrap(), case);
    let bad = |f: fn(&mut NewCase)| {
        let mut n = new_case("A", "B");
        f(&mut n);
        n
    };
    let e = s
        .create_case(&office(), bad(|n| n.severity = 5))
        .unwrap_err();
    assert_eq!(field_of(&e), "severity");
    assert!(e.to_string().contains("cases"), "names the database: {e}");
    let e = s
        .create_case(&office(), bad(|n| n.kind = "flood".into()))
        .unwrap_err();
    assert_eq!(field_of(&e), "type");
    let e = s
        .create_case(&office(), bad(|n| n.b = Some("A".into())))
        .unwrap_err();
    assert_eq!(field_of(&e), "b");
    let e = s
        .create_case(&office(), bad(|n| n.title = "  ".into()))
        .unwrap_err();
    assert_eq!(field_of(&e), "title");
    let e = s
        .create_case(&office(), bad(|n| n.due = Some("2026-02-30".into())))
        .unwrap_err();
    assert_eq!(field_of(&e), "due");
    assert!(matches!(
        s.case(99),
        Err(CaseError::NotFound { id: 99, .. })
    ));
    // Once the jurisdictions are known, unknown codes are refused.
    let found = Found {
        units: units(),
        ..Default::default()
    };
    s.import(&Actor::cli("import"), &found, 1).unwrap();
    let e = s.create_case(&office(), new_case("A", "Z")).unwrap_err();
    assert!(field_of(&e) == "b" && e.to_string().contains("`Z`"), "{e}");
    assert_eq!(s.cases(&Default::default()).unwrap().len(), 1);
}

fn stale_update_loses_nothing(db: &Db) {
    let mut first = db.open();
    let mut second = db.open();
    let case = first.create_case(&office(), new_case("A", "B")).unwrap();
    let patch = |title: &str| CasePatch {
        title: Some(title.into()),
        ..Default::default()
    };
    let v2 = first
        .update_case(&office(), case.id, 1, patch("first"))
        .unwrap();
    assert_eq!(v2.version, 2);
    // The second editor still holds version 1: refused, with the case as it is now.
    match second.update_case(&office(), case.id, 1, patch("second")) {
        Err(CaseError::Stale {
            current, expected, ..
        }) => {
            assert_eq!((expected, current.version), (1, 2));
            assert_eq!(current.title, "first");
        }
        other => panic!("expected a stale version, got {other:?}"),
    }
    let v3 = second
        .update_case(&office(), case.id, 2, patch("second"))
        .unwrap();
    assert_eq!((v3.version, v3.title.as_str()), (3, "second"));
    let history = first.history(case.id).unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["case.create", "case.update", "case.update"]);
    let e = first
        .update_case(
            &office(),
            case.id,
            3,
            CasePatch {
                severity: Some(0),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(e.to_string().contains("case 1: field `severity`"), "{e}");
}

fn state_machine(db: &Db) {
    let mut s = db.open();
    let case = s.create_case(&office(), new_case("A", "B")).unwrap();
    match s.transition(&office(), case.id, 1, State::Agreed, "") {
        Err(CaseError::NotAllowed { from, to, .. }) => {
            assert_eq!((from, to), (State::Raised, State::Agreed))
        }
        other => panic!("expected not allowed, got {other:?}"),
    }
    let path = [
        State::Negotiating,
        State::Agreed,
        State::PlanRevised,
        State::Resolved,
    ];
    let mut version = 1;
    for to in path {
        let c = s
            .transition(&office(), case.id, version, to, "step")
            .unwrap();
        assert_eq!((c.state, c.version), (to, version + 1));
        version = c.version;
    }
    for to in State::ALL {
        assert!(s.transition(&office(), case.id, version, to, "").is_err());
    }
    // Only an import sets conflicts_cleared.
    let other = s.create_case(&office(), new_case("A", "B")).unwrap();
    assert!(matches!(
        s.transition(&office(), other.id, 1, State::ConflictsCleared, ""),
        Err(CaseError::NotAllowed { .. })
    ));
}

/// Import the test region's units (no conflicts), so accounts and cases have jurisdictions.
fn import_units(s: &mut Store) {
    s.import(
        &Actor::cli("import"),
        &Found {
            units: units(),
            ..Default::default()
        },
        1,
    )
    .unwrap();
}

fn roles(db: &Db) {
    let mut s = db.open();
    import_units(&mut s);
    let observer = Actor {
        name: "watcher".into(),
        role: Role::Observer,
        unit: None,
    };
    // A unit creates a case on its county's border; another unit and observers may not.
    let case = s.create_case(&unit("A"), new_case("A1", "C")).unwrap();
    assert!(matches!(
        s.create_case(&unit("B"), new_case("A1", "C")),
        Err(CaseError::Forbidden { .. })
    ));
    assert!(matches!(
        s.create_case(&observer, new_case("A1", "C")),
        Err(CaseError::Forbidden { .. })
    ));
    s.comment(&unit("A"), case.id, "we propose a joint buffer")
        .unwrap();
    s.comment(&unit("C"), case.id, "agreed in principle")
        .unwrap();
    s.comment(&unit("P"), case.id, "the province follows")
        .unwrap();
    let e = s.comment(&unit("B"), case.id, "not ours").unwrap_err();
    assert!(e.to_string().contains("does not involve B"), "{e}");
    assert!(matches!(
        s.comment(&observer, case.id, "hello"),
        Err(CaseError::Forbidden { .. })
    ));
    let c = s
        .transition(&unit("A1"), case.id, 1, State::Negotiating, "talks")
        .unwrap();
    // A unit may not agree: it proposes, and the office agrees.
    let e = s
        .transition(&unit("A1"), case.id, c.version, State::Agreed, "")
        .unwrap_err();
    assert!(matches!(e, CaseError::Forbidden { .. }), "{e}");
    let c = s
        .propose(
            &unit("A1"),
            case.id,
            c.version,
            State::Agreed,
            "signed by both",
        )
        .unwrap();
    assert_eq!(c.proposed.as_ref().map(|p| p.to), Some(State::Agreed));
    assert!(s
        .propose(&office(), case.id, c.version, State::Agreed, "")
        .is_err());
    let c = s
        .transition(&office(), case.id, c.version, State::Agreed, "")
        .unwrap();
    assert_eq!((c.state, c.proposed), (State::Agreed, None));
    assert!(matches!(
        s.transition(&observer, case.id, c.version, State::PlanRevised, ""),
        Err(CaseError::Forbidden { .. })
    ));
    let c = s
        .transition(&unit("C"), case.id, c.version, State::PlanRevised, "")
        .unwrap();
    assert_eq!(c.state, State::PlanRevised);
    assert_eq!(s.comments(case.id).unwrap().len(), 3);
    let filter = borderscape_cases::CaseFilter {
        unit: Some("P".into()),
        ..Default::default()
    };
    assert_eq!(s.cases(&filter).unwrap().len(), 1);
    let filter = borderscape_cases::CaseFilter {
        unit: Some("B".into()),
        ..Default::default()
    };
    assert!(s.cases(&filter).unwrap().is_empty());
    owners_and_own_borders(db, &mut s);
}

/// A unit opens cases only on its own borders (a side is its unit or below it): naming itself an
/// owner or another unit of a case on others' border gives it none; owners are a case's border
/// units (without a border, its units).
fn owners_and_own_borders(db: &Db, s: &mut Store) {
    let on_ab = |owners: &[&str], others: &[&str]| NewCase {
        owner_units: owners.iter().map(|o| o.to_string()).collect(),
        units: others.iter().map(|o| o.to_string()).collect(),
        ..new_case("A", "B")
    };
    for attempt in [
        on_ab(&["C"], &[]),
        on_ab(&[], &["C"]),
        on_ab(&["A"], &["C"]),
    ] {
        let e = s.create_case(&unit("C"), attempt).unwrap_err();
        assert!(
            matches!(e, CaseError::Forbidden { .. })
                && e.to_string().contains("border A|B is not on C"),
            "{e}"
        );
    }
    for actor in [office(), unit("P"), unit("A")] {
        let e = s.create_case(&actor, on_ab(&["C"], &[])).unwrap_err();
        assert_eq!(field_of(&e), "owner_units", "{e}");
        assert!(
            e.to_string()
                .contains("`C` is not a unit of the case's border A|B"),
            "{e}"
        );
    }
    // A province opens a case on a border between its cities, a county on its own border.
    let case = s.create_case(&unit("P"), on_ab(&["A"], &["C"])).unwrap();
    s.create_case(&unit("A1"), new_case("A1", "C")).unwrap();
    let to_owners = |owners: &[&str]| CasePatch {
        owner_units: Some(owners.iter().map(|o| o.to_string()).collect()),
        ..Default::default()
    };
    let e = s
        .update_case(&unit("A"), case.id, case.version, to_owners(&["P"]))
        .unwrap_err();
    assert_eq!(field_of(&e), "owner_units", "{e}");
    let case = s
        .update_case(&unit("A"), case.id, case.version, to_owners(&["B", "A"]))
        .unwrap();
    // C, among the case's other units, works it, though it could not have opened it.
    s.comment(&unit("C"), case.id, "downstream of both")
        .unwrap();
    // Without a border, owners are among the case's units.
    let inside = NewCase {
        a: None,
        b: None,
        units: vec!["C".into()],
        owner_units: vec!["A".into()],
        ..new_case("A", "B")
    };
    let e = s.create_case(&unit("C"), inside.clone()).unwrap_err();
    assert_eq!(field_of(&e), "owner_units", "{e}");
    let e = s.create_case(&unit("A"), inside).unwrap_err();
    assert!(
        e.to_string().contains("none of the case's units is A"),
        "{e}"
    );
    // An owner written before the rule grants nothing.
    let ab = s.create_case(&office(), new_case("A", "B")).unwrap();
    db.raw(&format!(
        "UPDATE cases SET owner_units = '[\"C\"]' WHERE id = {}",
        ab.id
    ));
    let e = s.comment(&unit("C"), ab.id, "mine?").unwrap_err();
    assert!(e.to_string().contains("does not involve C"), "{e}");
}

fn accounts(db: &Db) {
    let mut s = db.open();
    let cli = Actor::cli("users");
    import_units(&mut s);
    let u = s
        .add_user(
            &cli,
            "li.wei",
            Role::Unit,
            Some("A"),
            "correct horse battery",
        )
        .unwrap();
    assert_eq!((u.role, u.unit.as_deref()), (Role::Unit, Some("A")));
    let who = s.login("li.wei", "correct horse battery").unwrap();
    assert_eq!(who, unit("A").clone_with_name("li.wei"));
    assert!(matches!(
        s.login("li.wei", "wrong password!!"),
        Err(CaseError::Unauthenticated { .. })
    ));
    assert!(matches!(
        s.login("nobody", "correct horse battery"),
        Err(CaseError::Unauthenticated { .. })
    ));
    let e = s
        .add_user(&cli, "li.wei", Role::Office, None, "another password")
        .unwrap_err();
    assert_eq!(field_of(&e), "name");
    let e = s
        .add_user(&cli, "x", Role::Unit, None, "long enough pw")
        .unwrap_err();
    assert_eq!(field_of(&e), "unit");
    let e = s
        .add_user(&cli, "y", Role::Unit, Some("Q"), "long enough pw")
        .unwrap_err();
    assert_eq!(field_of(&e), "unit");
    let e = s
        .add_user(&cli, "z", Role::Office, None, "short")
        .unwrap_err();
    assert_eq!(field_of(&e), "password");
    let e = s
        .add_user(&cli, "bad name", Role::Office, None, "long enough pw")
        .unwrap_err();
    assert_eq!(field_of(&e), "name");
    let token = s.new_token(&cli, "li.wei").unwrap();
    assert!(token.starts_with("bsc_") && token.len() == 68, "{token}");
    assert_eq!(s.authenticate_token(&token).unwrap().name, "li.wei");
    assert!(s.authenticate_token("bsc_00").is_err());
    assert!(matches!(
        s.new_token(&cli, "nobody"),
        Err(CaseError::NoUser { .. })
    ));
    // Neither the password nor the token is stored or logged.
    let log = serde_json::to_string(&s.audit_log().unwrap()).unwrap();
    assert!(!log.contains("correct horse") && !log.contains(&token[4..]));
    assert_eq!(s.users().unwrap().len(), 1);
}

trait WithName {
    fn clone_with_name(&self, name: &str) -> Actor;
}
impl WithName for Actor {
    fn clone_with_name(&self, name: &str) -> Actor {
        Actor {
            name: name.into(),
            ..self.clone()
        }
    }
}

fn audit_chain_and_tampering(db: &Db) {
    let mut s = db.open();
    let case = s.create_case(&office(), new_case("A", "B")).unwrap();
    s.comment(&office(), case.id, "first").unwrap();
    s.transition(&office(), case.id, 1, State::Negotiating, "")
        .unwrap();
    s.comment(&office(), case.id, "second").unwrap();
    assert_eq!(entries_verified(&mut s), Ok(4));
    let log = s.audit_log().unwrap();
    assert_eq!(log[1].prev_hash, log[0].hash);
    assert!(log[2].before.as_deref().unwrap().contains("\"raised\""));
    assert!(log[2].after.as_deref().unwrap().contains("\"negotiating\""));
    // Rewrite what entry 2 says.
    db.raw("UPDATE audit SET after_json = replace(after_json, 'first', 'forged') WHERE seq = 2");
    let Err(Unverified::Chain(broken)) = s.verify().unwrap() else {
        panic!("a changed entry breaks the chain")
    };
    assert_eq!(broken.seq, 2, "{broken:?}");
    assert!(broken.reason.contains("content"), "{broken:?}");
    // Put it back; then change the rows an entry recorded, then remove the last entry.
    db.raw("UPDATE audit SET after_json = replace(after_json, 'forged', 'first') WHERE seq = 2");
    assert_eq!(entries_verified(&mut s), Ok(4));
    db.raw("UPDATE audit SET rows_json = replace(rows_json, '\"1\"', '\"9\"') WHERE seq = 1");
    assert!(matches!(s.verify().unwrap(), Err(Unverified::Chain(b)) if b.seq == 1));
    db.raw("UPDATE audit SET rows_json = replace(rows_json, '\"9\"', '\"1\"') WHERE seq = 1");
    db.raw("DELETE FROM audit WHERE seq = 4");
    assert!(matches!(s.verify().unwrap(), Err(Unverified::Chain(b)) if b.seq == 4));
}

fn conflict(key: &str, a: &str, b: &str, kind: &str, severity: i64) -> FoundConflict {
    FoundConflict {
        key: key.into(),
        kind: kind.into(),
        severity,
        border: Some((a.into(), b.into())),
        causing: a.into(),
        plan: Some("2035".into()),
        point: Some((120.0, 31.0)),
    }
}

fn import_is_idempotent(db: &Db) {
    let mut s = db.open();
    let cli = Actor::cli("import");
    let run = |s: &mut Store, conflicts: Vec<FoundConflict>| {
        let found = Found {
            conflicts,
            units: units(),
            latest_plan: Some("2035".into()),
        };
        s.import(&cli, &found, 2).unwrap()
    };
    let first = vec![
        conflict("k1", "A", "B", "nimby_spillover", 3),
        conflict("k2", "A", "B", "nimby_spillover", 2),
        conflict("k3", "A", "C", "incompatible_land_use", 2),
        conflict("k4", "A", "C", "incompatible_land_use", 1),
    ];
    let summary = run(&mut s, first.clone());
    assert_eq!((summary.conflicts, summary.created), (3, 2));
    let audit_len = s.audit_log().unwrap().len();
    let summary = run(&mut s, first.clone());
    assert_eq!(
        (summary.created, summary.updated, summary.unchanged),
        (0, 0, 2)
    );
    assert_eq!(
        s.audit_log().unwrap().len(),
        audit_len,
        "a no-op import writes nothing"
    );
    // A new conflict on A|B, k2 gone; A|C all gone.
    let summary = run(
        &mut s,
        vec![
            conflict("k1", "A", "B", "nimby_spillover", 3),
            conflict("k5", "A", "B", "nimby_spillover", 2),
        ],
    );
    assert_eq!(
        (summary.created, summary.linked, summary.cleared),
        (0, 1, 1)
    );
    let cases = s.cases(&Default::default()).unwrap();
    assert_eq!(cases.len(), 2);
    let ab = cases.iter().find(|c| c.b.as_deref() == Some("B")).unwrap();
    let present: Vec<&str> = ab
        .conflicts
        .iter()
        .filter(|l| l.present)
        .map(|l| l.key.as_str())
        .collect();
    assert_eq!(present, ["k1", "k5"]);
    assert!(ab
        .conflicts
        .iter()
        .any(|l| l.key == "k2" && l.gone_since.is_some()));
    let ac = cases.iter().find(|c| c.b.as_deref() == Some("C")).unwrap();
    assert_eq!(ac.state, State::ConflictsCleared);
    // The office confirms the cleared case; it is no longer touched by imports.
    s.transition(&office(), ac.id, ac.version, State::Resolved, "gone")
        .unwrap();
    let summary = run(&mut s, first);
    assert_eq!(summary.created, 0);
    let ac = s.case(ac.id).unwrap();
    assert_eq!(ac.state, State::Resolved);
    assert!(entries_verified(&mut s).is_ok_and(|n| n > 0));
}

fn concurrent_writers(db: &Db) {
    let mut s = db.open();
    let case = s.create_case(&office(), new_case("A", "B")).unwrap();
    let (threads, writes) = (4, 10);
    std::thread::scope(|scope| {
        for t in 0..threads {
            scope.spawn(move || {
                let mut s = db.open();
                let mut done = 0;
                while done < writes {
                    let current = s.case(case.id).unwrap();
                    let patch = CasePatch {
                        decision: Some(format!("writer {t} write {done}")),
                        ..Default::default()
                    };
                    match s.update_case(&office(), case.id, current.version, patch) {
                        Ok(_) => done += 1,
                        Err(CaseError::Stale { .. }) => {}
                        Err(e) => panic!("{e}"),
                    }
                }
            });
        }
    });
    let final_case = s.case(case.id).unwrap();
    assert_eq!(final_case.version, 1 + threads * writes);
    let history = s.history(case.id).unwrap();
    assert_eq!(history.len() as i64, 1 + threads * writes);
    // Every accepted write is there, each after the version before.
    let versions: Vec<i64> = history
        .iter()
        .map(|e| {
            let after: serde_json::Value =
                serde_json::from_str(e.after.as_deref().unwrap()).unwrap();
            after["version"].as_i64().unwrap()
        })
        .collect();
    assert!(
        versions.windows(2).all(|w| w[1] == w[0] + 1),
        "{versions:?}"
    );
    assert_eq!(entries_verified(&mut s), Ok(history.len()));
}

fn reopen_keeps_schema(db: &Db) {
    {
        let mut s = db.open();
        s.create_case(&office(), new_case("A", "B")).unwrap();
    }
    let mut s = db.open();
    assert_eq!(
        s.case(1).unwrap().title,
        "Landfill next to the water source"
    );
    db.raw("UPDATE schema_migrations SET version = 99 WHERE version = 2");
    let e = Store::open(&db.location()).err().unwrap();
    assert!(e.to_string().contains("newer"), "{e}");
}

fn governance_figures(db: &Db) {
    let mut s = db.open();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(s.create_case(&office(), new_case("A", "B")).unwrap().id);
    }
    s.create_case(&office(), new_case("A", "C")).unwrap();
    // Case 1: agreed and resolved; case 2: escalated, then agreed; case 3: still raised.
    let walk = |s: &mut Store, id: i64, path: &[State]| {
        for to in path {
            let v = s.case(id).unwrap().version;
            s.transition(&office(), id, v, *to, "").unwrap();
        }
    };
    walk(
        &mut s,
        ids[0],
        &[
            State::Negotiating,
            State::Agreed,
            State::PlanRevised,
            State::Resolved,
        ],
    );
    walk(&mut s, ids[1], &[State::Escalated, State::Agreed]);
    let v = s.case(ids[1]).unwrap().version;
    s.update_case(
        &office(),
        ids[1],
        v,
        CasePatch {
            instrument: Some("joint buffer agreement".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let cases = s.cases(&Default::default()).unwrap();
    let figures = borderscape_cases::report::border_figures(&cases, &s.audit_log().unwrap());
    assert_eq!(figures.len(), 2);
    let ab = &figures[0];
    assert_eq!(
        (ab.a.as_str(), ab.b.as_str(), ab.cases, ab.agreed),
        ("A", "B", 3, 2)
    );
    assert_eq!(ab.escalations, 1);
    assert!((ab.resolved_share - 1.0 / 3.0).abs() < 1e-12);
    let days = ab.median_days_to_agreement.unwrap();
    assert!((0.0..0.01).contains(&days), "{days}");
    assert_eq!(ab.instruments, ["joint buffer agreement"]);
    assert_eq!(
        (figures[1].cases, figures[1].median_days_to_agreement),
        (1, None)
    );
}

/// The rows differing from the audit log, as `verify` names them.
fn tampered(s: &mut Store) -> Vec<Tampered> {
    match s.verify().unwrap() {
        Err(Unverified::Rows(rows)) => rows,
        other => panic!("expected rows changed behind the register's back, got {other:?}"),
    }
}

/// A direct SQL edit of a user's role, a case, a linked conflict, a token, or a row added or
/// removed, passes the audit chain but fails verify, naming the table and row; undone, the
/// register verifies again.
fn direct_edits_fail_verify(db: &Db) {
    let mut s = db.open();
    let cli = Actor::cli("test");
    s.import(
        &cli,
        &Found {
            conflicts: vec![conflict("k1", "A", "B", "nimby_spillover", 3)],
            units: units(),
            latest_plan: Some("2035".into()),
        },
        1,
    )
    .unwrap();
    let observer = s
        .add_user(&cli, "watcher", Role::Observer, None, "a long password")
        .unwrap();
    s.add_user(&cli, "li.wei", Role::Unit, Some("A"), "a long password")
        .unwrap();
    s.new_token(&cli, "li.wei").unwrap();
    s.comment(&office(), 1, "a first word").unwrap();
    let verified = s.verify().unwrap().unwrap();
    // 5 units, 1 case, 2 users, 1 token, 1 comment.
    assert_eq!(verified.rows, 10);
    let token_edit = format!("UPDATE tokens SET user_id = {}", observer.id);
    let edits = [
        (
            "UPDATE users SET role = 'office' WHERE name = 'watcher'",
            "UPDATE users SET role = 'observer' WHERE name = 'watcher'",
            "table `users`, row 1 (`watcher`): differs from what audit entry",
        ),
        (
            "UPDATE cases SET state = 'resolved' WHERE id = 1",
            "UPDATE cases SET state = 'raised' WHERE id = 1",
            "table `cases`, row 1: differs",
        ),
        (
            "UPDATE case_conflicts SET present = 0 WHERE case_id = 1",
            "UPDATE case_conflicts SET present = 1 WHERE case_id = 1",
            "table `cases`, row 1: differs",
        ),
        (
            token_edit.as_str(),
            "UPDATE tokens SET user_id = 2",
            "(a token of user 1): differs",
        ),
        (
            "UPDATE units SET parent = 'C' WHERE code = 'A'",
            "UPDATE units SET parent = 'P' WHERE code = 'A'",
            "table `units`, row `A`: differs",
        ),
        (
            "INSERT INTO users (id, name, role, unit, password_hash, created_at) \
             VALUES (7, 'mallory', 'office', NULL, 'x', 'now')",
            "DELETE FROM users WHERE id = 7",
            "table `users`, row 7 (`mallory`): no audited write made it",
        ),
        (
            "DELETE FROM comments",
            "",
            "table `comments`, row 1: is gone, though audit entry",
        ),
    ];
    for (edit, undo, message) in edits {
        db.raw(edit);
        let rows = tampered(&mut s);
        assert_eq!(rows.len(), 1, "{edit}: {rows:?}");
        assert!(rows[0].to_string().contains(message), "{edit}: {}", rows[0]);
        if !undo.is_empty() {
            db.raw(undo);
            assert!(s.verify().unwrap().is_ok(), "{undo}");
        }
    }
}

/// The previous version's register: no application id, no digests in the audit log. It opens;
/// its upgrade marks it and records the rows as found, and later edits show.
fn register_of_the_previous_version_opens(db: &Db) {
    db.open();
    // Undo schema 2 and the mark, and write as the previous version did: rows and 7-field
    // entries.
    db.raw(
        "ALTER TABLE audit DROP COLUMN rows_json; DELETE FROM schema_migrations WHERE version = 2;",
    );
    if let Db::Sqlite(_) = db {
        db.raw("PRAGMA application_id = 0");
    }
    let mut prev = GENESIS.to_string();
    for seq in 1..=2 {
        let mut e = Entry {
            seq,
            at: "2025-01-01T00:00:00Z".into(),
            actor: "cli:users".into(),
            action: "user.add".into(),
            case_id: None,
            before: None,
            after: Some(format!("{{\"id\":{seq}}}")),
            rows: None,
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        e.hash = e.expected_hash(&prev);
        db.raw(&format!(
            "INSERT INTO users (id, name, role, unit, password_hash, created_at) \
             VALUES ({seq}, 'user{seq}', 'office', NULL, 'x', '{at}'); \
             INSERT INTO audit (seq, at, actor, action, case_id, before_json, after_json, prev_hash, hash) \
             VALUES ({seq}, '{at}', '{actor}', '{action}', NULL, NULL, '{after}', '{prev}', '{hash}'); \
             UPDATE audit_head SET seq = {seq}, hash = '{hash}'",
            at = e.at,
            actor = e.actor,
            action = e.action,
            after = e.after.as_deref().unwrap(),
            hash = e.hash,
        ));
        prev = e.hash;
    }
    let mut s = db.open();
    let verified = s.verify().unwrap().unwrap();
    assert_eq!((verified.entries, verified.rows), (3, 2));
    let log = s.audit_log().unwrap();
    assert_eq!(log[2].action, "register.upgrade");
    if let Db::Sqlite(dir) = db {
        let conn = rusqlite::Connection::open(dir.path().join("cases.db")).unwrap();
        let id: i32 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .unwrap();
        assert_eq!(id, borderscape_cases::APPLICATION_ID);
    }
    // Opening again adds nothing; writes go on; edits show.
    drop(s);
    let mut s = db.open();
    s.add_user(
        &Actor::cli("t"),
        "user3",
        Role::Observer,
        None,
        "a long password",
    )
    .unwrap();
    assert_eq!(s.verify().unwrap().unwrap().entries, 4);
    db.raw("UPDATE users SET role = 'unit' WHERE id = 2");
    let rows = tampered(&mut s);
    assert!(
        rows[0]
            .to_string()
            .starts_with("table `users`, row 2 (`user2`)"),
        "{rows:?}"
    );
}

/// A register is made only where there is nothing, and opened only where there is a register:
/// a GeoPackage, another SQLite database, a file of another kind, an empty file or a folder, or
/// a PostgreSQL database with other tables, is refused naming it, and left as it was.
fn refuses_what_is_not_a_register(db: &Db) {
    match db {
        Db::Postgres(url) => {
            Cluster::execute(url, "CREATE TABLE roads (id BIGINT PRIMARY KEY, name TEXT)");
            for open in [Store::open, Store::open_existing] {
                let e = open(url).err().unwrap();
                assert!(matches!(e, CaseError::Refused { .. }), "{e}");
                assert!(
                    e.to_string().contains("`roads`") && e.to_string().contains("createdb"),
                    "{e}"
                );
            }
            let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
            let tables: i64 = client
                .query_one(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
                    &[],
                )
                .unwrap()
                .get(0);
            assert_eq!(tables, 1, "nothing made beside the other tables");
        }
        Db::Sqlite(dir) => {
            let path = |name: &str| dir.path().join(name);
            let sqlite = |name: &str, sql: &str| {
                let conn = rusqlite::Connection::open(path(name)).unwrap();
                conn.execute_batch(sql).unwrap();
            };
            sqlite(
                "roads.gpkg",
                "PRAGMA application_id = 1196444487; CREATE TABLE gpkg_contents (table_name TEXT); \
                 CREATE TABLE roads (id INTEGER PRIMARY KEY)",
            );
            sqlite(
                "notes.db",
                "CREATE TABLE notes (body TEXT); CREATE TABLE users (id INTEGER)",
            );
            sqlite("empty.db", "PRAGMA user_version = 1");
            std::fs::write(
                path("lakes.geojson"),
                r#"{"type": "FeatureCollection", "features": []}"#,
            )
            .unwrap();
            std::fs::write(path("nothing.db"), "").unwrap();
            std::fs::create_dir(path("folder.db")).unwrap();
            let cases = [
                ("roads.gpkg", "is a GeoPackage"),
                (
                    "notes.db",
                    "without the case register's tables (it has `notes`, `users`)",
                ),
                ("empty.db", "is a SQLite database without tables"),
                ("lakes.geojson", "is not a SQLite database"),
                ("nothing.db", "is an empty file"),
                ("folder.db", "is a folder"),
            ];
            let listing = || {
                let mut names: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.path())
                    .unwrap()
                    .map(|e| {
                        let p = e.unwrap().path();
                        let bytes = std::fs::read(&p).unwrap_or_default();
                        (p.display().to_string(), bytes)
                    })
                    .collect();
                names.sort();
                names
            };
            let before = listing();
            for (name, what) in cases {
                let location = path(name).display().to_string();
                for open in [Store::open, Store::open_existing] {
                    let e = open(&location).err().unwrap();
                    assert!(matches!(e, CaseError::Refused { .. }), "{name}: {e}");
                    let text = e.to_string();
                    assert!(text.starts_with(&location) && text.contains(what), "{text}");
                    assert!(text.contains("path that does not exist"), "{text}");
                }
            }
            assert!(
                before == listing(),
                "a refused file is left as it was, and nothing beside it"
            );
            // A new path becomes a marked register; a copy goes only to a new path.
            let mut s = db.open();
            s.create_case(&office(), new_case("A", "B")).unwrap();
            let e = s.backup(&path("lakes.geojson")).unwrap_err();
            assert!(matches!(e, CaseError::Refused { .. }), "{e}");
            assert!(
                e.to_string().contains("lakes.geojson: exists already"),
                "{e}"
            );
            assert!(
                before
                    == listing()
                        .into_iter()
                        .filter(|(n, _)| !n.contains("cases.db"))
                        .collect::<Vec<_>>()
            );
            s.backup(&path("copy.db")).unwrap();
            let mut copy = Store::open_existing(&path("copy.db").display().to_string()).unwrap();
            assert_eq!(copy.verify().unwrap().unwrap().entries, 1);
        }
    }
}
