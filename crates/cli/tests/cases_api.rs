//! Issue 20: the case API of `borderscape serve PROJECT --cases DB`, against the real binary on
//! the demo's results, with a SQLite file and with a throw-away PostgreSQL cluster: logins and
//! CSRF, the authorisation matrix (role × endpoint × own/other unit), optimistic locking, many
//! writers at once, and `kill -9` during writes.

mod common;
#[path = "../../cases/tests/support/pg.rs"]
mod pg;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{borderscape, demo, users_add, Server};
use pg::Cluster;
use serde_json::{json, Value};

/// How a request authenticates.
#[derive(Clone)]
enum Auth {
    None,
    Bearer(String),
    /// A session cookie, and the CSRF token sent with writes (`None`: sent without one).
    Cookie {
        cookie: String,
        csrf: Option<String>,
    },
}

/// An answer: status, lower-cased head, JSON body (`Null` when empty).
struct Reply {
    status: u16,
    head: String,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            l.strip_prefix(&format!("{name}: "))
                .map(|v| v.trim().to_string())
        })
    }
}

/// The header lines of a request's credentials and `If-Match`.
fn head_lines(auth: &Auth, if_match: Option<i64>) -> String {
    let mut extra = String::new();
    match auth {
        Auth::None => {}
        Auth::Bearer(token) => extra += &format!("Authorization: Bearer {token}\r\n"),
        Auth::Cookie { cookie, csrf } => {
            extra += &format!("Cookie: {cookie}\r\n");
            if let Some(csrf) = csrf {
                extra += &format!("X-CSRF-Token: {csrf}\r\n");
            }
        }
    }
    if let Some(version) = if_match {
        extra += &format!("If-Match: \"{version}\"\r\n");
    }
    extra
}

fn call(
    server: &Server,
    auth: &Auth,
    method: &str,
    path: &str,
    if_match: Option<i64>,
    body: Option<&Value>,
) -> Reply {
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut extra = head_lines(auth, if_match);
    if !body.is_empty() {
        extra += "Content-Type: application/json\r\n";
    }
    let (status, head, text) = server.raw(method, path, &server.address, &extra, body.as_bytes());
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
    };
    Reply { status, head, body }
}

/// The register of one scenario, with the demo's cases imported and one user of each kind:
/// `office`; `county` and `province`, units at and above case 1's first side; `other`, a unit
/// of another province; `observer`.
struct Register {
    db: String,
    _dir: tempfile::TempDir,
}

const PASSWORD: &str = "a long test password";
/// Case 1 of the demo's import: a border between two districts of Shanghai.
const OWN_COUNTY: &str = "310101";
const OWN_PROVINCE: &str = "310000";
const OTHER_PROVINCE: &str = "340000";

impl Register {
    fn new(location: Option<String>) -> Register {
        let dir = tempfile::tempdir().unwrap();
        let db = location.unwrap_or_else(|| dir.path().join("cases.db").display().to_string());
        let run = borderscape(&["cases", "import", demo().to_str().unwrap(), "--db", &db]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        for (name, role, unit) in [
            ("office", "office", None),
            ("county", "unit", Some(OWN_COUNTY)),
            ("province", "unit", Some(OWN_PROVINCE)),
            ("other", "unit", Some(OTHER_PROVINCE)),
            ("observer", "observer", None),
        ] {
            let run = users_add(&db, name, role, unit, PASSWORD);
            assert_eq!(run.code, 0, "{}", run.stderr);
        }
        Register { db, _dir: dir }
    }

    fn serve(&self) -> Server {
        Server::start(&["serve", demo().to_str().unwrap(), "--cases", &self.db])
    }

    /// A new API token of a user.
    fn token(&self, name: &str) -> Auth {
        let run = borderscape(&["users", "token", &self.db, "--name", name]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        Auth::Bearer(run.stdout.trim().to_string())
    }

    fn verify(&self) -> common::Run {
        borderscape(&["cases", "verify", &self.db])
    }
}

/// Logs in through `POST /api/login`: the session cookie and its CSRF token.
fn login(server: &Server, name: &str) -> Auth {
    let reply = call(
        server,
        &Auth::None,
        "POST",
        "/api/login",
        None,
        Some(&json!({"name": name, "password": PASSWORD})),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let set_cookie = reply.header("set-cookie").expect("a session cookie");
    assert!(set_cookie.contains("httponly"), "{set_cookie}");
    assert!(set_cookie.contains("samesite=strict"), "{set_cookie}");
    Auth::Cookie {
        cookie: set_cookie.split(';').next().unwrap().to_string(),
        csrf: Some(reply.body["csrf"].as_str().unwrap().to_string()),
    }
}

fn version(reply: &Reply) -> i64 {
    let etag = reply.header("etag").expect("an ETag");
    assert_eq!(
        etag,
        format!("\"{}\"", reply.body["version"]),
        "ETag = version"
    );
    reply.body["version"].as_i64().unwrap()
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(None); } )*
        }
        #[test]
        fn postgres() {
            let Some(cluster) = Cluster::start() else { return };
            $(
                eprintln!("postgres: {}", stringify!($name));
                $name(Some(cluster.new_database()));
            )*
        }
    };
}

on_both!(
    sessions_csrf_and_errors,
    authorization_matrix,
    two_editors_one_case,
    many_writers_lose_nothing,
);

/// Logins, sessions and CSRF, tokens, and the error statuses, each naming what is wrong.
fn sessions_csrf_and_errors(location: Option<String>) {
    let register = Register::new(location);
    let server = register.serve();
    let anonymous = Auth::None;
    // Without credentials: 401; the results stay readable.
    assert_eq!(
        call(&server, &anonymous, "GET", "/api/cases", None, None).status,
        401
    );
    assert_eq!(
        call(&server, &anonymous, "GET", "/api/summary", None, None).status,
        200
    );
    let config = call(&server, &anonymous, "GET", "/api/config", None, None);
    assert_eq!(config.body["cases"], true);
    let wrong = json!({"name": "office", "password": "not the password"});
    let reply = call(
        &server,
        &anonymous,
        "POST",
        "/api/login",
        None,
        Some(&wrong),
    );
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert!(reply.header("set-cookie").is_none());

    let office = login(&server, "office");
    let session = call(&server, &office, "GET", "/api/session", None, None);
    assert_eq!(session.body["user"]["role"], "office");
    let Auth::Cookie { cookie, csrf } = &office else {
        unreachable!()
    };
    let no_csrf = Auth::Cookie {
        cookie: cookie.clone(),
        csrf: None,
    };
    let bad_csrf = Auth::Cookie {
        cookie: cookie.clone(),
        csrf: Some(format!("{}x", csrf.as_deref().unwrap())),
    };
    let comment = json!({"body": "the two districts meet next week"});
    for auth in [&no_csrf, &bad_csrf] {
        let reply = call(
            &server,
            auth,
            "POST",
            "/api/cases/1/comments",
            None,
            Some(&comment),
        );
        assert_eq!(reply.status, 403, "{}", reply.body);
        assert!(reply.body["error"]
            .as_str()
            .unwrap()
            .contains("X-CSRF-Token"));
    }
    // Reads need no CSRF; a token needs none either.
    assert_eq!(
        call(&server, &no_csrf, "GET", "/api/cases/1", None, None).status,
        200
    );
    let token = register.token("office");
    let reply = call(
        &server,
        &token,
        "POST",
        "/api/cases/1/comments",
        None,
        Some(&comment),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let bogus = Auth::Bearer("bsc_0000".into());
    assert_eq!(
        call(&server, &bogus, "GET", "/api/cases", None, None).status,
        401
    );

    // The list, its filters and counts.
    let all = call(&server, &office, "GET", "/api/cases", None, None);
    let total = all.body["cases"].as_array().unwrap().len();
    assert!(total > 10, "{total} cases");
    let counted: u64 = all.body["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(counted as usize, total);
    let path = format!("/api/cases?unit={OWN_PROVINCE}&type=ecological_discontinuity");
    let some = call(&server, &office, "GET", &path, None, None);
    let some = some.body["cases"].as_array().unwrap();
    assert!(!some.is_empty() && some.len() < total);
    assert!(some.iter().all(|c| c["type"] == "ecological_discontinuity"
        && [&c["a"], &c["b"]]
            .iter()
            .any(|code| code.as_str().unwrap().starts_with("31"))));
    let case1 = call(&server, &office, "GET", "/api/cases/1", None, None);
    let border = format!(
        "/api/cases?border={}%7C{}",
        case1.body["b"].as_str().unwrap(),
        case1.body["a"].as_str().unwrap()
    );
    let on_border = call(&server, &office, "GET", &border, None, None);
    assert!(on_border.body["cases"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == 1));
    let reply = call(&server, &office, "GET", "/api/cases?state=open", None, None);
    assert_eq!(reply.status, 400);
    assert!(reply.body["error"].as_str().unwrap().contains("`state`"));

    // Create, read with its ETag, change with If-Match.
    let new = json!({"title": "joint wetland plan", "a": OWN_COUNTY, "b": "310104",
                     "type": "ecological_discontinuity", "severity": 2});
    let created = call(&server, &office, "POST", "/api/cases", None, Some(&new));
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(created.body["state"], "raised");
    assert_eq!(version(&created), 1);
    assert_eq!(created.header("location"), Some(format!("/api/cases/{id}")));
    let path = format!("/api/cases/{id}");
    let got = call(&server, &office, "GET", &path, None, None);
    assert_eq!(version(&got), 1);
    assert_eq!(
        got.body["actions"]["transition"],
        json!(["negotiating", "escalated", "rejected"])
    );
    let patch = json!({"severity": 3});
    let reply = call(&server, &office, "PATCH", &path, None, Some(&patch));
    assert_eq!(reply.status, 428, "no If-Match: {}", reply.body);
    let reply = call(&server, &office, "PATCH", &path, Some(1), Some(&patch));
    assert_eq!((reply.status, version(&reply)), (200, 2));

    // Bad values: 400 naming the field; unknown ids 404; bodies over the limit 413.
    let cases = [
        (json!({"severity": "high"}), "severity"),
        (json!({"severty": 1}), "severty"),
        (json!({"severity": 9}), "severity"),
        (json!({"due": "next week"}), "due"),
    ];
    for (body, field) in cases {
        let reply = call(&server, &office, "PATCH", &path, Some(2), Some(&body));
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        let message = reply.body["error"].as_str().unwrap();
        assert!(message.contains(&format!("`{field}`")), "{message}");
    }
    let bad = json!({"title": "x", "a": OWN_COUNTY, "b": "310104", "type": "flood", "severity": 1});
    let reply = call(&server, &office, "POST", "/api/cases", None, Some(&bad));
    assert_eq!(reply.status, 400);
    assert!(reply.body["error"].as_str().unwrap().contains("`type`"));
    let reply = call(&server, &office, "POST", "/api/cases", None, None);
    assert_eq!(reply.status, 400, "empty body: {}", reply.body);
    let reply = call(
        &server,
        &office,
        "POST",
        &format!("{path}/transition"),
        Some(2),
        Some(&json!({"to": "resolved"})),
    );
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(reply.body["error"]
        .as_str()
        .unwrap()
        .contains("cannot go from `raised` to `resolved`"));
    for missing in [
        "/api/cases/999999",
        "/api/cases/abc",
        "/api/cases/999999/history",
    ] {
        assert_eq!(
            call(&server, &office, "GET", missing, None, None).status,
            404,
            "{missing}"
        );
    }
    let huge = json!({"body": "x".repeat(100_000)});
    let reply = call(
        &server,
        &office,
        "POST",
        "/api/cases/1/comments",
        None,
        Some(&huge),
    );
    assert_eq!(reply.status, 413, "{}", reply.body);

    // History and audit: every write, who and what, before and after.
    let history = call(
        &server,
        &office,
        "GET",
        &format!("{path}/history"),
        None,
        None,
    );
    let actions: Vec<&str> = history.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["case.create", "case.update"]);
    let update = &history.body["history"][1];
    assert_eq!(
        (
            update["before"]["severity"].as_i64(),
            update["after"]["severity"].as_i64()
        ),
        (Some(2), Some(3))
    );
    assert_eq!(update["actor"], "office");
    // The audit log, page by page: every entry once, in order.
    let (mut after, mut seqs) = (0, Vec::new());
    loop {
        let page = call(
            &server,
            &office,
            "GET",
            &format!("/api/audit?after={after}"),
            None,
            None,
        );
        let entries = page.body["audit"].as_array().unwrap();
        assert!(entries.len() <= 1000);
        seqs.extend(entries.iter().map(|e| e["seq"].as_i64().unwrap()));
        match page.body["next"].as_i64() {
            Some(next) => after = next,
            None => break,
        }
    }
    assert!(seqs.len() > 1000, "{} entries", seqs.len());
    assert!(seqs.iter().enumerate().all(|(i, s)| *s == i as i64 + 1));
    let page = call(&server, &office, "GET", "/api/audit?limit=2", None, None);
    assert_eq!(page.body["next"], 2);

    // Counts by state ignore the state filter; lists page.
    let to = json!({"to": "negotiating"});
    let moved = call(
        &server,
        &office,
        "POST",
        &format!("{path}/transition"),
        Some(2),
        Some(&to),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
    let raised = call(
        &server,
        &office,
        "GET",
        "/api/cases?state=raised&limit=3",
        None,
        None,
    );
    assert_eq!(raised.body["cases"].as_array().unwrap().len(), 3);
    assert_eq!(raised.body["counts"]["negotiating"], 1);
    assert_eq!(raised.body["total"], raised.body["counts"]["raised"]);
    assert_eq!(raised.body["total"].as_u64(), Some(total as u64));

    // Writes another site could make: a form's text/plain body, a cross-site fetch.
    let session = call(&server, &office, "GET", "/api/session", None, None);
    assert_eq!(session.header("cache-control").as_deref(), Some("no-store"));
    let form = server.raw(
        "POST",
        "/api/login",
        &server.address,
        "Content-Type: text/plain\r\n",
        wrong.to_string().as_bytes(),
    );
    assert_eq!(form.0, 415, "{}", form.2);
    let cross = server.raw(
        "POST",
        "/api/cases/1/comments",
        &server.address,
        &(head_lines(&token, None)
            + "Content-Type: application/json\r\nSec-Fetch-Site: cross-site\r\n"),
        comment.to_string().as_bytes(),
    );
    assert_eq!(cross.0, 403, "{}", cross.2);

    // Logout needs the CSRF token of a live session, ends it, and always clears the cookie.
    let reply = call(&server, &no_csrf, "POST", "/api/logout", None, None);
    assert_eq!(reply.status, 403);
    let reply = call(&server, &office, "POST", "/api/logout", None, None);
    assert_eq!(reply.status, 204);
    assert!(reply.header("set-cookie").unwrap().contains("max-age=0"));
    assert_eq!(
        call(&server, &office, "GET", "/api/cases", None, None).status,
        401
    );
    assert_eq!(
        call(&server, &office, "POST", "/api/logout", None, None).status,
        204
    );

    // Repeated failures lock a name out for a while, also when they arrive at once; an
    // overlong name is refused without being remembered.
    let long = json!({"name": "n".repeat(5000), "password": "x"});
    assert_eq!(
        call(&server, &anonymous, "POST", "/api/login", None, Some(&long)).status,
        401
    );
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let attempts: Vec<_> = (0..12)
            .map(|_| {
                scope.spawn(|| {
                    call(
                        &server,
                        &anonymous,
                        "POST",
                        "/api/login",
                        None,
                        Some(&wrong),
                    )
                    .status
                })
            })
            .collect();
        attempts.into_iter().map(|a| a.join().unwrap()).collect()
    });
    let guessed = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!(
        guessed, 6,
        "at most 6 passwords tried before the lock-out: {statuses:?}"
    );
    assert_eq!(
        statuses.len() - guessed,
        statuses.iter().filter(|s| **s == 429).count()
    );
    let locked = call(
        &server,
        &anonymous,
        "POST",
        "/api/login",
        None,
        Some(&json!({"name": "office", "password": PASSWORD})),
    );
    assert_eq!(locked.status, 429, "the right password waits too");
    assert!(locked.header("retry-after").is_some());
    assert_eq!(register.verify().code, 0);
}

/// Every endpoint for every role and for a unit's own and another's case, against the rules:
/// the office acts on all cases; a unit on cases of its unit or a unit below it, proposing the
/// office's states, and opens cases only on a border one side of which is its unit or below it
/// (naming itself an owner or another unit of the case gives it none); owners are units of the
/// case's border; an observer reads; nobody without credentials.
fn authorization_matrix(location: Option<String>) {
    let register = Register::new(location);
    let server = register.serve();
    let office = register.token("office");
    let users = [
        ("office", office.clone()),
        ("county", register.token("county")),
        ("province", register.token("province")),
        ("other", register.token("other")),
        ("observer", register.token("observer")),
        ("anonymous", Auth::None),
    ];
    // A fresh case of the own border, in a given state, for each write.
    let fresh = |state: &str| -> (String, i64) {
        let new = json!({"title": "matrix", "a": OWN_COUNTY, "b": "310104",
                         "type": "incompatible_land_use", "severity": 1});
        let created = call(&server, &office, "POST", "/api/cases", None, Some(&new));
        let id = created.body["id"].as_i64().unwrap();
        let path = format!("/api/cases/{id}");
        let mut version = 1;
        if state == "negotiating" {
            let to = json!({"to": "negotiating"});
            let moved = call(
                &server,
                &office,
                "POST",
                &format!("{path}/transition"),
                Some(1),
                Some(&to),
            );
            version = moved.body["version"].as_i64().unwrap();
        }
        (path, version)
    };
    // Expected statuses: office, county, province, other, observer, anonymous.
    type Request = (&'static str, &'static str, &'static str, Option<Value>);
    let endpoints: [(Request, [u16; 6]); 15] = [
        (("list", "GET", "", None), [200, 200, 200, 200, 200, 401]),
        (
            ("read", "GET", "raised", None),
            [200, 200, 200, 200, 200, 401],
        ),
        (
            ("history", "GET", "raised/history", None),
            [200, 200, 200, 200, 200, 401],
        ),
        (
            ("audit", "GET", "audit", None),
            [200, 403, 403, 403, 403, 401],
        ),
        (
            (
                "create",
                "POST",
                "new",
                Some(
                    json!({"title": "t", "a": OWN_COUNTY, "b": "310104", "type": "other", "severity": 1}),
                ),
            ),
            [201, 201, 201, 403, 403, 401],
        ),
        (
            (
                "create owned by a unit of its border",
                "POST",
                "new",
                Some(
                    json!({"title": "t", "a": OWN_COUNTY, "b": "310104", "type": "other", "severity": 1,
                           "owner_units": [OWN_COUNTY]}),
                ),
            ),
            [201, 201, 201, 403, 403, 401],
        ),
        (
            (
                "create owned by a unit off its border",
                "POST",
                "new",
                Some(
                    json!({"title": "t", "a": OWN_COUNTY, "b": "310104", "type": "other", "severity": 1,
                           "owner_units": [OTHER_PROVINCE]}),
                ),
            ),
            [400, 400, 400, 403, 403, 401],
        ),
        (
            (
                "create naming another unit",
                "POST",
                "new",
                Some(
                    json!({"title": "t", "a": OWN_COUNTY, "b": "310104", "type": "other", "severity": 1,
                           "units": [OTHER_PROVINCE]}),
                ),
            ),
            [201, 201, 201, 403, 403, 401],
        ),
        (
            ("edit", "PATCH", "raised", Some(json!({"severity": 2}))),
            [200, 200, 200, 403, 403, 401],
        ),
        (
            (
                "edit owners off the border",
                "PATCH",
                "raised",
                Some(json!({"owner_units": [OTHER_PROVINCE]})),
            ),
            [400, 400, 400, 403, 403, 401],
        ),
        (
            (
                "comment",
                "POST",
                "raised/comments",
                Some(json!({"body": "b"})),
            ),
            [201, 201, 201, 403, 403, 401],
        ),
        (
            (
                "move to negotiating",
                "POST",
                "raised/transition",
                Some(json!({"to": "negotiating"})),
            ),
            [200, 200, 200, 403, 403, 401],
        ),
        (
            (
                "move to agreed",
                "POST",
                "negotiating/transition",
                Some(json!({"to": "agreed"})),
            ),
            [200, 403, 403, 403, 403, 401],
        ),
        (
            (
                "propose agreed",
                "POST",
                "negotiating/transition",
                Some(json!({"to": "agreed", "propose": true})),
            ),
            [403, 200, 200, 403, 403, 401],
        ),
        (
            (
                "move to rejected",
                "POST",
                "raised/transition",
                Some(json!({"to": "rejected"})),
            ),
            [200, 403, 403, 403, 403, 401],
        ),
    ];
    let mut failures = Vec::new();
    for ((what, method, target, body), expected) in &endpoints {
        for ((who, auth), expected) in users.iter().zip(expected) {
            let (path, version) = match *target {
                "" => ("/api/cases".to_string(), None),
                "audit" => ("/api/audit".to_string(), None),
                "new" => ("/api/cases".to_string(), None),
                _ => {
                    let (state, rest) = target.split_once('/').unwrap_or((target, ""));
                    let (case, version) = fresh(state);
                    let path = if rest.is_empty() {
                        case
                    } else {
                        format!("{case}/{rest}")
                    };
                    (path, Some(version))
                }
            };
            let if_match = version.filter(|_| *method == "PATCH" || target.ends_with("transition"));
            let reply = call(&server, auth, method, &path, if_match, body.as_ref());
            if reply.status != *expected {
                failures.push(format!(
                    "{who} {what}: {} (expected {expected}) {}",
                    reply.status, reply.body
                ));
            }
            if reply.status == 403 {
                assert!(
                    reply.body["error"].as_str().unwrap().contains("may not"),
                    "{who} {what}: {}",
                    reply.body
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // A unit may not open a case on another province's internal border, even naming itself
    // both an owner and a unit of it.
    let other = &users[3].1;
    let theirs = json!({"title": "t", "a": OWN_COUNTY, "b": "310104", "type": "other", "severity": 1,
                        "owner_units": [OTHER_PROVINCE], "units": [OTHER_PROVINCE]});
    let reply = call(&server, other, "POST", "/api/cases", None, Some(&theirs));
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(
        reply.body["error"].as_str().unwrap().contains(&format!(
            "border {OWN_COUNTY}|310104 is not on {OTHER_PROVINCE}"
        )),
        "{}",
        reply.body
    );
    // An observer's session cookie with its CSRF token is still refused a write.
    let observer = login(&server, "observer");
    let reply = call(
        &server,
        &observer,
        "POST",
        "/api/cases/1/comments",
        None,
        Some(&json!({"body": "b"})),
    );
    assert_eq!(reply.status, 403);
    assert_eq!(register.verify().code, 0);
}

/// Two users edit one case at once: one write wins, the other gets 412 with the current case,
/// and its retry on that version keeps both changes.
fn two_editors_one_case(location: Option<String>) {
    let register = Register::new(location);
    let server = register.serve();
    let (office, county) = (register.token("office"), register.token("county"));
    let first = call(&server, &office, "GET", "/api/cases/1", None, None);
    let second = call(&server, &county, "GET", "/api/cases/1", None, None);
    let v = version(&first);
    assert_eq!(v, version(&second));
    let a = call(
        &server,
        &office,
        "PATCH",
        "/api/cases/1",
        Some(v),
        Some(&json!({"decision": "joint buffer of 200 m"})),
    );
    assert_eq!(a.status, 200);
    let b = call(
        &server,
        &county,
        "PATCH",
        "/api/cases/1",
        Some(v),
        Some(&json!({"instrument": "Huangpu–Xuhui agreement"})),
    );
    assert_eq!(b.status, 412, "{}", b.body);
    assert_eq!(b.body["case"]["decision"], "joint buffer of 200 m");
    let current = b.body["case"]["version"].as_i64().unwrap();
    assert_eq!(b.header("etag"), Some(format!("\"{current}\"")));
    let retry = call(
        &server,
        &county,
        "PATCH",
        "/api/cases/1",
        Some(current),
        Some(&json!({"instrument": "Huangpu–Xuhui agreement"})),
    );
    assert_eq!(retry.status, 200);
    assert_eq!(retry.body["decision"], "joint buffer of 200 m");
    assert_eq!(retry.body["instrument"], "Huangpu–Xuhui agreement");
}

/// What a load run measured.
struct Load {
    accepted: Vec<String>,
    stale: usize,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

/// `writers` threads change case 1's title for `seconds`, each reading the version and
/// retrying on 412; returns the titles accepted (each unique) and every request's latency.
fn load(server: &Server, auth: &Auth, writers: usize, seconds: f64) -> Load {
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let stale = Arc::new(Mutex::new(0));
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(seconds);
    std::thread::scope(|scope| {
        for writer in 0..writers {
            let (accepted, latencies, stale) = (&accepted, &latencies, &stale);
            scope.spawn(move || {
                let mut version = call(server, auth, "GET", "/api/cases/1", None, None).body
                    ["version"]
                    .as_i64()
                    .unwrap();
                let mut n = 0;
                while Instant::now() < end {
                    let title = format!("load {writer}.{n}");
                    let t = Instant::now();
                    let reply = call(
                        server,
                        auth,
                        "PATCH",
                        "/api/cases/1",
                        Some(version),
                        Some(&json!({ "title": title })),
                    );
                    latencies.lock().unwrap().push(t.elapsed());
                    match reply.status {
                        200 => {
                            accepted.lock().unwrap().push(title);
                            version = reply.body["version"].as_i64().unwrap();
                            n += 1;
                        }
                        412 => {
                            *stale.lock().unwrap() += 1;
                            version = reply.body["case"]["version"].as_i64().unwrap();
                        }
                        other => panic!("writer {writer}: {other} {}", reply.body),
                    }
                }
            });
        }
    });
    let elapsed = start.elapsed();
    let accepted = std::mem::take(&mut *accepted.lock().unwrap());
    let latencies = std::mem::take(&mut *latencies.lock().unwrap());
    let stale = *stale.lock().unwrap();
    Load {
        accepted,
        stale,
        latencies,
        elapsed,
    }
}

/// After a load run: every accepted write is in case 1's history once, versions strictly
/// increase, and the audit chain verifies.
fn check_history(server: &Server, auth: &Auth, register: &Register, accepted: &[String]) {
    let history = call(server, auth, "GET", "/api/cases/1/history", None, None);
    let updates: Vec<&Value> = history.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "case.update")
        .collect();
    let titles: BTreeSet<&str> = updates
        .iter()
        .map(|e| e["after"]["title"].as_str().unwrap())
        .collect();
    let missing: Vec<&String> = accepted
        .iter()
        .filter(|t| !titles.contains(t.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "accepted but not in the history: {missing:?}"
    );
    assert_eq!(
        updates.len(),
        accepted.len(),
        "one history entry per accepted write"
    );
    let versions: Vec<i64> = updates
        .iter()
        .map(|e| e["after"]["version"].as_i64().unwrap())
        .collect();
    assert!(
        versions.windows(2).all(|w| w[1] > w[0]),
        "versions strictly increase"
    );
    let run = register.verify();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

fn percentile(latencies: &mut [Duration], p: f64) -> Duration {
    latencies.sort();
    latencies[((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1]
}

/// 50 writers on one case for a few seconds (the 30 s load test runs outside CI:
/// `BORDERSCAPE_LOAD_SECONDS=30 cargo test --release -p borderscape-cli --test cases_api -- many_writers --nocapture`).
fn many_writers_lose_nothing(location: Option<String>) {
    let seconds = std::env::var("BORDERSCAPE_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let postgres = location.is_some();
    let register = Register::new(location);
    let server = register.serve();
    let auth = register.token("office");
    let mut run = load(&server, &auth, 50, seconds);
    assert!(!run.accepted.is_empty());
    check_history(&server, &auth, &register, &run.accepted);
    let requests = run.latencies.len();
    eprintln!(
        "load on {}: 50 writers × {:.1} s: {} accepted, {} stale (412), {:.0} requests/s, {:.0} accepted/s, p50 {:.1} ms, p99 {:.1} ms",
        if postgres { "PostgreSQL" } else { "SQLite" },
        run.elapsed.as_secs_f64(),
        run.accepted.len(),
        run.stale,
        requests as f64 / run.elapsed.as_secs_f64(),
        run.accepted.len() as f64 / run.elapsed.as_secs_f64(),
        percentile(&mut run.latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&mut run.latencies, 0.99).as_secs_f64() * 1e3,
    );
}

/// `kill -9` of the server in the middle of writes leaves a register that opens and verifies,
/// holding every write whose answer arrived, and a server that starts on it again.
#[test]
fn killed_server_leaves_a_register_that_verifies() {
    let register = Register::new(None);
    let mut server = register.serve();
    let auth = register.token("office");
    let stop = AtomicBool::new(false);
    let accepted = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for writer in 0..8 {
            let (server, auth, stop, accepted) = (&server, &auth, &stop, &accepted);
            scope.spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    let body = format!("writer {writer} comment {n}");
                    let Some(reply) = try_call(
                        server,
                        auth,
                        &format!("/api/cases/{}/comments", 1 + writer),
                        &body,
                    ) else {
                        return;
                    };
                    if reply == 201 {
                        accepted.lock().unwrap().push((1 + writer, body));
                    }
                    n += 1;
                }
            });
        }
        std::thread::sleep(Duration::from_millis(1500));
        // SIGKILL: no chance to finish a transaction or close the database.
        let pid = server.child.id().to_string();
        let killed = std::process::Command::new("kill")
            .args(["-9", &pid])
            .status();
        assert!(killed.unwrap().success());
        stop.store(true, Ordering::SeqCst);
    });
    server.child.wait().unwrap();
    let accepted = accepted.into_inner().unwrap();
    assert!(
        accepted.len() > 10,
        "{} writes before the kill",
        accepted.len()
    );
    let run = register.verify();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let server = register.serve();
    for case in 1..=8 {
        let comments = call(
            &server,
            &auth,
            "GET",
            &format!("/api/cases/{case}/comments"),
            None,
            None,
        );
        let stored: BTreeSet<&str> = comments.body["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["body"].as_str().unwrap())
            .collect();
        for (_, body) in accepted.iter().filter(|(c, _)| *c == case) {
            assert!(stored.contains(body.as_str()), "accepted but lost: {body}");
        }
    }
}

/// A comment posted to a server that may die meanwhile: its status, or `None` once it is gone.
fn try_call(server: &Server, auth: &Auth, path: &str, body: &str) -> Option<u16> {
    let body = json!({ "body": body }).to_string();
    let extra = head_lines(auth, None) + "Content-Type: application/json\r\n";
    server
        .try_raw("POST", path, &server.address, &extra, body.as_bytes())
        .ok()
        .map(|(status, _, _)| status)
}

#[test]
fn without_cases_the_server_stays_read_only() {
    let server = Server::start(&["serve", demo().to_str().unwrap()]);
    let reply = call(
        &server,
        &Auth::None,
        "POST",
        "/api/login",
        None,
        Some(&json!({"name": "x", "password": "y"})),
    );
    assert_eq!(reply.status, 405);
    assert_eq!(
        call(&server, &Auth::None, "GET", "/api/cases", None, None).status,
        404
    );
    assert_eq!(
        call(&server, &Auth::None, "GET", "/api/config", None, None).body["cases"],
        false
    );
}
