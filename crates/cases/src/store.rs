//! The register: opening (with migrations), cases, comments, accounts, the audit log. Every
//! write runs in one transaction that first locks the audit chain's head, checks the actor's
//! rights and the case's version, writes, and appends its audit row.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::accounts;
use crate::audit::{self, Entry, ENTRY_COLUMNS, GENESIS};
use crate::db::{is_postgres, Backend, Tx, Val};
use crate::error::CaseError;
use crate::mark::{self, Temporary};
use crate::model::{
    case_types, refusal, Action, Actor, Case, CasePatch, Comment, LinkedConflict, NewCase,
    Proposal, Role, State, Units,
};
use crate::state::{self, Unverified, CASE_COLUMNS};

/// The schema, one migration per version, applied in order at open. Only integers, reals and
/// text, written so that SQLite and PostgreSQL read them alike. Version 2 gives audit entries
/// the digests of the rows they wrote ([`crate::state`]).
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE users (
        id BIGINT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        unit TEXT,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,
        user_id BIGINT NOT NULL REFERENCES users (id),
        created_at TEXT NOT NULL
    );
    CREATE TABLE units (
        code TEXT PRIMARY KEY,
        parent TEXT,
        name TEXT NOT NULL
    );
    CREATE TABLE cases (
        id BIGINT PRIMARY KEY,
        title TEXT NOT NULL,
        a TEXT,
        b TEXT,
        units TEXT NOT NULL,
        type TEXT NOT NULL,
        severity BIGINT NOT NULL,
        state TEXT NOT NULL,
        owner_units TEXT NOT NULL,
        due TEXT,
        decision TEXT,
        instrument TEXT,
        arrangements TEXT NOT NULL,
        proposed TEXT,
        lon DOUBLE PRECISION,
        lat DOUBLE PRECISION,
        import_key TEXT UNIQUE,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version BIGINT NOT NULL
    );
    CREATE INDEX cases_state ON cases (state);
    CREATE TABLE case_conflicts (
        case_id BIGINT NOT NULL REFERENCES cases (id),
        conflict_key TEXT NOT NULL,
        plan TEXT,
        severity BIGINT NOT NULL,
        present BIGINT NOT NULL,
        first_seen TEXT NOT NULL,
        gone_since TEXT,
        PRIMARY KEY (case_id, conflict_key)
    );
    CREATE TABLE comments (
        id BIGINT PRIMARY KEY,
        case_id BIGINT NOT NULL REFERENCES cases (id),
        author TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX comments_case ON comments (case_id);
    CREATE TABLE audit (
        seq BIGINT PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        case_id BIGINT,
        before_json TEXT,
        after_json TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_case ON audit (case_id);
    CREATE TABLE audit_head (
        id BIGINT PRIMARY KEY,
        seq BIGINT NOT NULL,
        hash TEXT NOT NULL
    );",
    ),
    (2, "ALTER TABLE audit ADD COLUMN rows_json TEXT"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 2;

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest decision, comment or note, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// Longest code (unit, arrangement id) or user name, in characters.
pub const MAX_CODE_CHARS: usize = 64;

/// The time now, RFC 3339 in UTC.
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Which cases to list (each given filter must match).
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub state: Option<State>,
    /// `a|b` (either order).
    pub border: Option<String>,
    /// Cases involving this unit or a unit below it.
    pub unit: Option<String>,
    pub kind: Option<String>,
}

/// An account as listed (never its password or tokens).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub unit: Option<String>,
    pub created_at: String,
}

/// A user's name looked up: the actor and password hash, if the user exists.
pub struct Credentials {
    db: String,
    user: Option<(Actor, String)>,
}

impl Credentials {
    /// The actor, if `password` is the user's. A missing user is verified against a dummy
    /// hash (made once), so that it costs one argon2 run like a wrong password and timing does
    /// not tell them apart.
    pub fn check(&self, password: &str) -> Result<Actor, CaseError> {
        static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            accounts::hash_password("no such user").unwrap_or_default()
        });
        let stored = self.user.as_ref().map_or(DUMMY_HASH.as_str(), |(_, h)| h);
        let matches = accounts::verify_password(password, stored);
        match &self.user {
            Some((actor, _)) if matches => Ok(actor.clone()),
            _ => Err(CaseError::Unauthenticated {
                db: self.db.clone(),
            }),
        }
    }
}

/// An open case register.
pub struct Store {
    backend: Backend,
    /// How the database is named in messages (a path, or a URL without its password).
    db: String,
}

/// A write in progress: its transaction, the audit chain's head, the time of the write and the
/// rows it wrote since its last audit entry.
pub(crate) struct Write<'a> {
    pub tx: Tx<'a>,
    pub db: &'a str,
    head: (i64, String),
    pub now: String,
    touched: Vec<(&'static str, Val)>,
}

impl Write<'_> {
    /// Notes a row written (`table`, key), for the digests of the next audit entry.
    pub fn touch(&mut self, table: &'static str, key: impl Into<Val>) {
        self.touched.push((table, key.into()));
    }

    /// Appends the audit row of this write, with the digests of the rows touched since the last.
    pub fn audit<T: Serialize>(
        &mut self,
        actor: &Actor,
        action: &str,
        case_id: Option<i64>,
        before: Option<&T>,
        after: Option<&T>,
    ) -> Result<(), CaseError> {
        let json = |v: Option<&T>| v.map(|v| serde_json::to_string(v).unwrap_or_default());
        let touched = std::mem::take(&mut self.touched);
        let rows = state::written(&mut self.tx, &touched).map_err(db_error(self.db))?;
        let entry = Entry {
            seq: 0,
            at: self.now.clone(),
            actor: actor.name.clone(),
            action: action.to_string(),
            case_id,
            before: json(before),
            after: json(after),
            rows: Some(serde_json::to_string(&rows).unwrap_or_default()),
            prev_hash: String::new(),
            hash: String::new(),
        };
        self.head =
            audit::append(&mut self.tx, self.head.clone(), entry).map_err(db_error(self.db))?;
        Ok(())
    }

    pub fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, CaseError> {
        self.tx.execute(sql, params).map_err(db_error(self.db))
    }

    pub fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>, CaseError> {
        self.tx.query(sql, params).map_err(db_error(self.db))
    }

    /// The next free id of a table (writes are serialised, so it stays free until commit).
    pub fn next_id(&mut self, table: &str) -> Result<i64, CaseError> {
        let rows = self.query(
            &format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"),
            &[],
        )?;
        Ok(rows[0][0].int().unwrap_or(1))
    }
}

pub(crate) fn db_error(db: &str) -> impl Fn(String) -> CaseError + '_ {
    move |message| CaseError::Database {
        db: db.to_string(),
        message,
    }
}

/// A `--db` value as shown in messages: a URL's password is hidden.
fn display_name(location: &str) -> String {
    match (location.find("://"), location.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &location[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => {
                    format!("{}{user}:***{}", &location[..scheme + 3], &location[at..])
                }
                None => location.to_string(),
            }
        }
        _ => location.to_string(),
    }
}

impl Store {
    /// Opens the register at `location` (a SQLite file or a `postgres://` URL) and brings its
    /// schema up to date, making a new register where there is none: at a SQLite path that does
    /// not exist, or in an empty PostgreSQL database. Anything else that is not a register is
    /// refused ([`CaseError::Refused`]) before anything is written to it.
    pub fn open(location: &str) -> Result<Store, CaseError> {
        Store::open_with(location, true)
    }

    /// Opens a register that must exist already (commands that only read it, or work on its
    /// accounts): a mistyped SQLite path or an empty database is an error rather than a new,
    /// empty register.
    pub fn open_existing(location: &str) -> Result<Store, CaseError> {
        Store::open_with(location, false)
    }

    fn open_with(location: &str, create: bool) -> Result<Store, CaseError> {
        let db = display_name(location);
        if location.trim().is_empty() {
            return Err(CaseError::open(&db, "no database given"));
        }
        let backend = if is_postgres(location) {
            Backend::open_postgres(location, &db)?
        } else {
            let path = Path::new(location);
            let exists = std::fs::symlink_metadata(path).is_ok();
            if !exists && !create {
                return Err(CaseError::open(
                    &db,
                    "no such case register (`borderscape cases import` or `users add` makes one)",
                ));
            }
            if !exists {
                Store::create_sqlite(path, &db)?;
            }
            mark::check_sqlite_file(path)?;
            Backend::open_sqlite(path, &db)?
        };
        let mut store = Store { backend, db };
        store.migrate(create)?;
        Ok(store)
    }

    /// Makes a SQLite register at `path`, which does not exist: whole in a temporary file beside
    /// it, then linked into place, so the path never holds half a register and a file put there
    /// meanwhile is neither replaced nor written (it is checked like any existing file).
    fn create_sqlite(path: &Path, db: &str) -> Result<(), CaseError> {
        let open = |e: String| CaseError::open(db, e);
        let temp = Temporary::beside(path).map_err(open)?;
        let mut store = Store {
            backend: Backend::open_sqlite(temp.path(), db)?,
            db: db.to_string(),
        };
        store.migrate(true)?;
        // Closed (its write-ahead log folded back into the file) before it takes the name.
        drop(store);
        temp.place(path).map_err(open)?;
        Ok(())
    }

    /// The database as named in messages.
    pub fn db(&self) -> &str {
        &self.db
    }

    pub fn is_postgres(&self) -> bool {
        self.backend.is_postgres()
    }

    /// Applies the migrations this database lacks, each in its own transaction with its record
    /// in `schema_migrations` (PostgreSQL: under an advisory lock, so two servers starting at
    /// once do not both migrate). A PostgreSQL database with tables but not the register's is
    /// refused here, under the lock; an empty one is made a register only if `create`. A SQLite
    /// register gets its application id if it was made before it.
    fn migrate(&mut self, create: bool) -> Result<(), CaseError> {
        let db = self.db.clone();
        let open = |e: String| CaseError::open(&db, e);
        let postgres = self.backend.is_postgres();
        let mut tx = self.backend.begin(true).map_err(open)?;
        if postgres {
            tx.execute("SELECT pg_advisory_xact_lock(7368201)", &[])
                .map_err(open)?;
            let tables: Vec<String> = tx
                .query(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
                    &[],
                )
                .map_err(open)?
                .iter()
                .map(|r| r[0].string())
                .collect();
            if !mark::check_postgres_tables(&db, &tables)? && !create {
                return Err(CaseError::open(
                    &db,
                    "no case register in this database (`borderscape cases import` or `users add` makes one)",
                ));
            }
        } else {
            let id = tx.query("PRAGMA application_id", &[]).map_err(open)?;
            if id.first().and_then(|r| r[0].int()) != Some(mark::APPLICATION_ID.into()) {
                tx.execute(
                    &format!("PRAGMA application_id = {}", mark::APPLICATION_ID),
                    &[],
                )
                .map_err(open)?;
            }
        }
        tx.batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY,
                applied_at TEXT NOT NULL
            )",
        )
        .map_err(open)?;
        let applied = tx
            .query(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .map_err(open)?[0][0]
            .int()
            .unwrap_or(0);
        if applied > SCHEMA_VERSION {
            return Err(CaseError::open(
                &db,
                format!(
                    "its schema is version {applied}, newer than this borderscape's ({SCHEMA_VERSION}); use a newer borderscape"
                ),
            ));
        }
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > applied) {
            tx.batch(sql)
                .map_err(|e| CaseError::open(&db, format!("migration {version}: {e}")))?;
            match version {
                1 => {
                    tx.execute(
                        "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, $1)",
                        &[GENESIS.into()],
                    )
                    .map_err(open)?;
                }
                2 => baseline(&mut tx).map_err(open)?,
                _ => {}
            }
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                &[(*version).into(), now().into()],
            )
            .map_err(open)?;
        }
        tx.commit().map_err(open)
    }

    /// Runs `f` in a write transaction: audit head locked, committed when `f` succeeds, rolled
    /// back when it fails.
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&mut Write<'_>) -> Result<T, CaseError>,
    ) -> Result<T, CaseError> {
        let db = self.db.clone();
        let mut tx = self.backend.begin(true).map_err(db_error(&db))?;
        let head = tx.lock_head().map_err(db_error(&db))?;
        let head = head
            .first()
            .map(|r| (r[0].int().unwrap_or(0), r[1].string()))
            .ok_or_else(|| CaseError::open(&db, "the audit chain's head row is missing"))?;
        let mut w = Write {
            tx,
            db: &db,
            head,
            now: now(),
            touched: Vec::new(),
        };
        let out = f(&mut w)?;
        w.tx.commit().map_err(db_error(&db))?;
        Ok(out)
    }

    /// Runs `f` in a read transaction.
    fn read<T>(
        &mut self,
        f: impl FnOnce(&mut Tx<'_>, &str) -> Result<T, String>,
    ) -> Result<T, CaseError> {
        let db = self.db.clone();
        let mut tx = self.backend.begin(false).map_err(db_error(&db))?;
        let out = f(&mut tx, &db).map_err(db_error(&db))?;
        tx.commit().map_err(db_error(&db))?;
        Ok(out)
    }

    // ---- accounts

    /// Adds an account; its password is stored as an argon2id hash.
    pub fn add_user(
        &mut self,
        actor: &Actor,
        name: &str,
        role: Role,
        unit: Option<&str>,
        password: &str,
    ) -> Result<User, CaseError> {
        let db = self.db.clone();
        check_name(&db, name)?;
        match (role, unit) {
            (Role::Unit, None) => {
                return Err(CaseError::invalid(
                    &db,
                    None,
                    "unit",
                    "a unit user needs --unit CODE",
                ))
            }
            (Role::Office | Role::Observer, Some(_)) => {
                return Err(CaseError::invalid(
                    &db,
                    None,
                    "unit",
                    format!("only unit users have a unit, not {} users", role.name()),
                ))
            }
            _ => {}
        }
        if password.chars().count() < accounts::MIN_PASSWORD_CHARS
            || password.len() > accounts::MAX_PASSWORD_BYTES
        {
            return Err(CaseError::invalid(
                &db,
                None,
                "password",
                format!(
                    "must have at least {} characters and at most {} bytes",
                    accounts::MIN_PASSWORD_CHARS,
                    accounts::MAX_PASSWORD_BYTES
                ),
            ));
        }
        let hash = accounts::hash_password(password).map_err(db_error(&db))?;
        self.write(|w| {
            if let Some(unit) = unit {
                check_codes(w.db, None, "unit", &[unit.to_string()], &load_units(w)?)?;
            }
            if !w
                .query("SELECT id FROM users WHERE name = $1", &[name.into()])?
                .is_empty()
            {
                return Err(CaseError::invalid(
                    w.db,
                    None,
                    "name",
                    format!("a user `{name}` exists already"),
                ));
            }
            let user = User {
                id: w.next_id("users")?,
                name: name.to_string(),
                role,
                unit: unit.map(str::to_string),
                created_at: w.now.clone(),
            };
            w.execute(
                "INSERT INTO users (id, name, role, unit, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    user.id.into(),
                    user.name.clone().into(),
                    role.name().into(),
                    user.unit.clone().into(),
                    hash.into(),
                    user.created_at.clone().into(),
                ],
            )?;
            w.touch("users", user.id);
            w.audit(actor, "user.add", None, None, Some(&user))?;
            Ok(user)
        })
    }

    /// Makes a new API token for a user; the token itself is returned once and only its hash kept.
    pub fn new_token(&mut self, actor: &Actor, name: &str) -> Result<String, CaseError> {
        let token = accounts::new_token();
        let hash = accounts::token_hash(&token);
        self.write(|w| {
            let user = find_user(w, name)?;
            w.execute(
                "INSERT INTO tokens (hash, user_id, created_at) VALUES ($1, $2, $3)",
                &[hash.clone().into(), user.id.into(), w.now.clone().into()],
            )?;
            w.touch("tokens", hash.clone());
            // The audit row names the token by the start of its hash, never the token.
            let record = serde_json::json!({"user": name, "token_hash": &hash[..12]});
            w.audit(actor, "user.token", None, None, Some(&record))?;
            Ok(token)
        })
    }

    /// The accounts.
    pub fn users(&mut self) -> Result<Vec<User>, CaseError> {
        self.read(|tx, _| {
            Ok(tx
                .query(
                    "SELECT id, name, role, unit, created_at FROM users ORDER BY id",
                    &[],
                )?
                .iter()
                .map(|r| user_from_row(r))
                .collect())
        })
    }

    /// The actor of a name and password.
    pub fn login(&mut self, name: &str, password: &str) -> Result<Actor, CaseError> {
        self.credentials(name)?.check(password)
    }

    /// A user's stored credentials, to be checked with [`Credentials::check`] — a server reads
    /// them under its lock on the register and runs argon2 (tens of milliseconds) outside it.
    pub fn credentials(&mut self, name: &str) -> Result<Credentials, CaseError> {
        let row = self.read(|tx, _| {
            tx.query(
                "SELECT id, name, role, unit, created_at, password_hash FROM users WHERE name = $1",
                &[name.into()],
            )
        })?;
        Ok(Credentials {
            db: self.db.clone(),
            user: row
                .first()
                .map(|r| (actor_of(&user_from_row(r)), r[5].string())),
        })
    }

    /// The actor of an API token.
    pub fn authenticate_token(&mut self, token: &str) -> Result<Actor, CaseError> {
        let hash = accounts::token_hash(token);
        let rows = self.read(|tx, _| {
            tx.query(
                "SELECT u.id, u.name, u.role, u.unit, u.created_at FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1",
                &[hash.into()],
            )
        })?;
        rows.first()
            .map(|r| actor_of(&user_from_row(r)))
            .ok_or_else(|| CaseError::Unauthenticated {
                db: self.db.clone(),
            })
    }

    // ---- cases

    /// Creates a case in state `raised`.
    pub fn create_case(&mut self, actor: &Actor, new: NewCase) -> Result<Case, CaseError> {
        self.write(|w| {
            let units = load_units(w)?;
            let mut case = Case::raised(&w.now);
            case.title = check_text(w.db, None, "title", &new.title, MAX_TITLE_CHARS)?;
            if !case_types().any(|t| t == new.kind) {
                return Err(CaseError::invalid(
                    w.db,
                    None,
                    "type",
                    format!(
                        "`{}` is not a case type ({})",
                        new.kind,
                        case_types().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            case.kind = new.kind;
            case.severity = check_severity(w.db, None, new.severity)?;
            (case.a, case.b) = check_border(w.db, None, (new.a, new.b), &units)?;
            case.units = check_codes(w.db, None, "units", &new.units, &units)?;
            case.owner_units = check_codes(w.db, None, "owner_units", &new.owner_units, &units)?;
            case.arrangements = check_ids(w.db, None, "arrangements", &new.arrangements)?;
            case.due = check_due(w.db, None, new.due)?;
            check_involves_someone(w.db, None, &case)?;
            authorize(w.db, actor, &case, Action::Create, &units)?;
            check_owners(w.db, None, &case)?;
            case.id = w.next_id("cases")?;
            insert_case(w, &case)?;
            w.audit(actor, "case.create", Some(case.id), None, Some(&case))?;
            Ok(case)
        })
    }

    /// One case.
    pub fn case(&mut self, id: i64) -> Result<Case, CaseError> {
        let db = self.db.clone();
        self.read(|tx, _| load_cases(tx, Some(id)))?
            .pop()
            .ok_or(CaseError::NotFound { db, id })
    }

    /// The cases matching a filter, by id.
    pub fn cases(&mut self, filter: &CaseFilter) -> Result<Vec<Case>, CaseError> {
        let (cases, units) = self.read(|tx, _| Ok((load_cases(tx, None)?, units_of(tx)?)))?;
        let border = filter.border.as_deref().map(|b| {
            let (x, y) = b.split_once('|').unwrap_or((b, ""));
            if x <= y {
                (x.to_string(), y.to_string())
            } else {
                (y.to_string(), x.to_string())
            }
        });
        Ok(cases
            .into_iter()
            .filter(|c| filter.state.is_none_or(|s| c.state == s))
            .filter(|c| filter.kind.as_ref().is_none_or(|k| &c.kind == k))
            .filter(|c| {
                border.as_ref().is_none_or(|(a, b)| {
                    c.a.as_deref() == Some(a.as_str()) && c.b.as_deref() == Some(b.as_str())
                })
            })
            .filter(|c| {
                filter
                    .unit
                    .as_ref()
                    .is_none_or(|u| c.involved().any(|code| units.within(code, u)))
            })
            .collect())
    }

    /// Changes a case's fields, if `expected_version` is still its version.
    pub fn update_case(
        &mut self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        patch: CasePatch,
    ) -> Result<Case, CaseError> {
        self.write(|w| {
            let (before, units) = begin_change(w, actor, id, expected_version, Action::Edit)?;
            let mut case = before.clone();
            let some = Some(id);
            if let Some(title) = patch.title {
                case.title = check_text(w.db, some, "title", &title, MAX_TITLE_CHARS)?;
            }
            if let Some(severity) = patch.severity {
                case.severity = check_severity(w.db, some, severity)?;
            }
            // Owners are checked when they or the units they come from change (a case written
            // before the rule keeps its owners until then).
            let owners_changed = patch.units.is_some() || patch.owner_units.is_some();
            if let Some(list) = patch.units {
                case.units = check_codes(w.db, some, "units", &list, &units)?;
            }
            if let Some(list) = patch.owner_units {
                case.owner_units = check_codes(w.db, some, "owner_units", &list, &units)?;
            }
            if let Some(list) = patch.arrangements {
                case.arrangements = check_ids(w.db, some, "arrangements", &list)?;
            }
            if let Some(due) = patch.due {
                case.due = check_due(w.db, some, Some(due).filter(|d| !d.is_empty()))?;
            }
            if let Some(text) = patch.decision {
                case.decision = check_optional_text(w.db, some, "decision", &text)?;
            }
            if let Some(text) = patch.instrument {
                case.instrument = check_optional_text(w.db, some, "instrument", &text)?;
            }
            check_involves_someone(w.db, some, &case)?;
            // A unit may not edit a case out of its own reach.
            authorize(w.db, actor, &case, Action::Edit, &units)?;
            if owners_changed {
                check_owners(w.db, some, &case)?;
            }
            save_case(w, &before, &mut case)?;
            w.audit(actor, "case.update", some, Some(&before), Some(&case))?;
            Ok(case)
        })
    }

    /// Moves a case to another state, if the state machine allows it from its current state,
    /// the actor's role may, and `expected_version` is still its version. An office transition
    /// to the state a unit proposed settles the proposal.
    pub fn transition(
        &mut self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        to: State,
        note: &str,
    ) -> Result<Case, CaseError> {
        self.write(|w| {
            let (before, _) = begin_change(w, actor, id, expected_version, Action::Transition(to))?;
            let note = check_optional_text(w.db, Some(id), "note", note)?;
            check_next_state(w.db, &before, to)?;
            let mut case = before.clone();
            case.state = to;
            case.proposed = None;
            save_case(w, &before, &mut case)?;
            // The entry's after is the case with the transition's note.
            let mut after = serde_json::to_value(&case).unwrap_or_default();
            after["note"] = note.into();
            let before_json = serde_json::to_value(&before).unwrap_or_default();
            w.audit(
                actor,
                "case.transition",
                Some(id),
                Some(&before_json),
                Some(&after),
            )?;
            Ok(case)
        })
    }

    /// Records a unit's proposal of a transition only the office may make.
    pub fn propose(
        &mut self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        to: State,
        note: &str,
    ) -> Result<Case, CaseError> {
        self.write(|w| {
            let (before, _) = begin_change(w, actor, id, expected_version, Action::Propose(to))?;
            let note = check_optional_text(w.db, Some(id), "note", note)?.unwrap_or_default();
            check_next_state(w.db, &before, to)?;
            let mut case = before.clone();
            case.proposed = Some(Proposal {
                to,
                by: actor.name.clone(),
                note,
                at: w.now.clone(),
            });
            save_case(w, &before, &mut case)?;
            w.audit(actor, "case.propose", Some(id), Some(&before), Some(&case))?;
            Ok(case)
        })
    }

    /// Adds a comment (comments do not change the case's version).
    pub fn comment(&mut self, actor: &Actor, id: i64, body: &str) -> Result<Comment, CaseError> {
        self.write(|w| {
            let case = load_one(w, id)?;
            let units = load_units(w)?;
            authorize(w.db, actor, &case, Action::Comment, &units)?;
            let body = check_text(w.db, Some(id), "body", body, MAX_TEXT_CHARS)?;
            let comment = Comment {
                id: w.next_id("comments")?,
                case_id: id,
                author: actor.name.clone(),
                body,
                created_at: w.now.clone(),
            };
            w.execute(
                "INSERT INTO comments (id, case_id, author, body, created_at) VALUES ($1, $2, $3, $4, $5)",
                &[
                    comment.id.into(),
                    id.into(),
                    comment.author.clone().into(),
                    comment.body.clone().into(),
                    comment.created_at.clone().into(),
                ],
            )?;
            w.touch("comments", comment.id);
            w.audit(actor, "case.comment", Some(id), None, Some(&comment))?;
            Ok(comment)
        })
    }

    /// A case's comments, oldest first.
    pub fn comments(&mut self, id: i64) -> Result<Vec<Comment>, CaseError> {
        self.case(id)?;
        self.read(|tx, _| {
            Ok(tx
                .query(
                    "SELECT id, case_id, author, body, created_at FROM comments WHERE case_id = $1 ORDER BY id",
                    &[id.into()],
                )?
                .iter()
                .map(|r| Comment {
                    id: r[0].int().unwrap_or_default(),
                    case_id: r[1].int().unwrap_or_default(),
                    author: r[2].string(),
                    body: r[3].string(),
                    created_at: r[4].string(),
                })
                .collect())
        })
    }

    /// A case's audit entries, oldest first.
    pub fn history(&mut self, id: i64) -> Result<Vec<Entry>, CaseError> {
        self.case(id)?;
        self.entries(Some(id))
    }

    /// The whole audit log, oldest first.
    pub fn audit_log(&mut self) -> Result<Vec<Entry>, CaseError> {
        self.entries(None)
    }

    /// Up to `limit` audit entries after sequence number `after`, for an actor who may read the
    /// log: the office only (the log holds every account's actions).
    pub fn audit_page(
        &mut self,
        actor: &Actor,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Entry>, CaseError> {
        if actor.role != Role::Office {
            return Err(CaseError::Forbidden {
                db: self.db.clone(),
                case: None,
                who: actor.label(),
                what: "read the audit log".into(),
                why: "only the office reads it".into(),
            });
        }
        self.read(|tx, _| {
            let rows = tx.query(
                &format!("SELECT {ENTRY_COLUMNS} FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2"),
                &[after.into(), limit.into()],
            )?;
            Ok(rows.iter().map(|r| Entry::from_row(r)).collect())
        })
    }

    fn entries(&mut self, case: Option<i64>) -> Result<Vec<Entry>, CaseError> {
        self.read(|tx, _| {
            let rows = match case {
                Some(id) => tx.query(
                    &format!("SELECT {ENTRY_COLUMNS} FROM audit WHERE case_id = $1 ORDER BY seq"),
                    &[id.into()],
                )?,
                None => tx.query(
                    &format!("SELECT {ENTRY_COLUMNS} FROM audit ORDER BY seq"),
                    &[],
                )?,
            };
            Ok(rows.iter().map(|r| Entry::from_row(r)).collect())
        })
    }

    /// Checks the audit chain, then every row of the register's tables against the digests the
    /// chain recorded: how much was checked, or the first broken entry or the rows that differ.
    pub fn verify(&mut self) -> Result<Result<Verified, Unverified>, CaseError> {
        self.read(|tx, _| {
            let entries = tx
                .query(
                    &format!("SELECT {ENTRY_COLUMNS} FROM audit ORDER BY seq"),
                    &[],
                )?
                .iter()
                .map(|r| Entry::from_row(r))
                .collect::<Vec<_>>();
            let head = tx.query("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?;
            let head = head
                .first()
                .map(|r| (r[0].int().unwrap_or(-1), r[1].string()))
                .unwrap_or((-1, String::new()));
            let count = match audit::check(&entries, (head.0, &head.1)) {
                Ok(n) => n,
                Err(broken) => return Ok(Err(Unverified::Chain(broken))),
            };
            Ok(state::check(tx, &entries)?.map(|rows| Verified {
                entries: count,
                rows,
            }))
        })
    }

    /// The jurisdictions' hierarchy known to the register.
    pub fn units(&mut self) -> Result<Units, CaseError> {
        self.read(|tx, _| units_of(tx))
    }

    /// Copies a SQLite register to `path` with SQLite's online backup (writers may go on), via
    /// a temporary file linked into place: `path` must not exist, so a copy never replaces a
    /// file (a typo naming a project's data is refused, not overwritten). PostgreSQL has its
    /// own tool.
    pub fn backup(&self, path: &Path) -> Result<(), CaseError> {
        let Backend::Sqlite(conn) = &self.backend else {
            return Err(CaseError::invalid(
                &self.db,
                None,
                "DB",
                "backup copies SQLite registers; for PostgreSQL use pg_dump (e.g. `pg_dump -Fc -f cases.dump URL`)",
            ));
        };
        let name = path.display().to_string();
        let exists = || {
            CaseError::refused(
                &name,
                "exists already; `cases backup` writes only a new file, never over one: give a path that does not exist",
            )
        };
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(exists());
        }
        let failed = |e: String| CaseError::invalid(&self.db, None, "FILE", format!("{name}: {e}"));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| failed(format!("cannot create folder {}: {e}", dir.display())))?;
        }
        let temp = Temporary::beside(path).map_err(failed)?;
        conn.backup(rusqlite::MAIN_DB, temp.path(), None)
            .map_err(|e| failed(format!("backup failed: {e}")))?;
        if !temp.place(path).map_err(failed)? {
            return Err(exists());
        }
        Ok(())
    }
}

/// What a whole register's check covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// Audit entries whose chain is whole.
    pub entries: usize,
    /// Rows of the covered tables that match the digests the chain recorded.
    pub rows: usize,
}

/// Schema 2 on a register made before it: one entry vouching for its rows as they are, since no
/// earlier entry recorded their digests (a change made behind the register's back before the
/// upgrade can no longer be told apart).
fn baseline(tx: &mut Tx<'_>) -> Result<(), String> {
    let rows = state::all(tx)?;
    if rows.is_empty() {
        return Ok(());
    }
    let head = tx
        .lock_head()?
        .first()
        .map(|r| (r[0].int().unwrap_or(0), r[1].string()))
        .ok_or("the audit chain's head row is missing")?;
    let entry = Entry {
        seq: 0,
        at: now(),
        actor: "cli:upgrade".into(),
        action: "register.upgrade".into(),
        case_id: None,
        before: None,
        after: Some(
            serde_json::json!({
                "schema": 2,
                "note": "the rows as found at the upgrade: entries before this one did not record them"
            })
            .to_string(),
        ),
        rows: Some(serde_json::to_string(&rows).unwrap_or_default()),
        prev_hash: String::new(),
        hash: String::new(),
    };
    audit::append(tx, head, entry).map(|_| ())
}

// ---- helpers on a transaction

/// Refuses the action if the actor may not do it.
pub(crate) fn authorize(
    db: &str,
    actor: &Actor,
    case: &Case,
    action: Action,
    units: &Units,
) -> Result<(), CaseError> {
    match refusal(actor, case, action, units) {
        None => Ok(()),
        Some(why) => Err(CaseError::Forbidden {
            db: db.to_string(),
            case: (case.id > 0).then_some(case.id),
            who: actor.label(),
            what: action.describe(),
            why,
        }),
    }
}

/// Loads a case for a change: it exists, the actor may, and it is still at `expected_version`.
fn begin_change(
    w: &mut Write<'_>,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    action: Action,
) -> Result<(Case, Units), CaseError> {
    let case = load_one(w, id)?;
    let units = load_units(w)?;
    authorize(w.db, actor, &case, action, &units)?;
    if case.version != expected_version {
        return Err(CaseError::Stale {
            db: w.db.to_string(),
            expected: expected_version,
            current: Box::new(case),
        });
    }
    Ok((case, units))
}

pub(crate) fn load_one(w: &mut Write<'_>, id: i64) -> Result<Case, CaseError> {
    load_cases(&mut w.tx, Some(id))
        .map_err(db_error(w.db))?
        .pop()
        .ok_or(CaseError::NotFound {
            db: w.db.to_string(),
            id,
        })
}

pub(crate) fn load_units(w: &mut Write<'_>) -> Result<Units, CaseError> {
    units_of(&mut w.tx).map_err(db_error(w.db))
}

fn units_of(tx: &mut Tx<'_>) -> Result<Units, String> {
    Ok(Units {
        parent: tx
            .query("SELECT code, parent FROM units", &[])?
            .into_iter()
            .map(|r| (r[0].string(), r[1].string()))
            .collect(),
    })
}

fn json_list(v: &Val) -> Vec<String> {
    v.text()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

/// Cases (one, or all) with their linked conflicts.
pub(crate) fn load_cases(tx: &mut Tx<'_>, id: Option<i64>) -> Result<Vec<Case>, String> {
    let (filter, params): (&str, Vec<Val>) = match id {
        Some(id) => ("WHERE id = $1", vec![id.into()]),
        None => ("", vec![]),
    };
    let rows = tx.query(
        &format!("SELECT {CASE_COLUMNS} FROM cases {filter} ORDER BY id"),
        &params,
    )?;
    let conflict_filter = if id.is_some() {
        "WHERE case_id = $1"
    } else {
        ""
    };
    let mut conflicts: BTreeMap<i64, Vec<LinkedConflict>> = BTreeMap::new();
    for r in tx.query(
        &format!(
            "SELECT case_id, conflict_key, plan, severity, present, first_seen, gone_since \
             FROM case_conflicts {conflict_filter} ORDER BY case_id, conflict_key"
        ),
        &params,
    )? {
        conflicts
            .entry(r[0].int().unwrap_or_default())
            .or_default()
            .push(LinkedConflict {
                key: r[1].string(),
                plan: r[2].text().map(str::to_string),
                severity: r[3].int().unwrap_or_default(),
                present: r[4].int() == Some(1),
                first_seen: r[5].string(),
                gone_since: r[6].text().map(str::to_string),
            });
    }
    rows.into_iter()
        .map(|r| {
            let id = r[0].int().unwrap_or_default();
            let state = State::parse(&r[7].string()).ok_or_else(|| {
                format!(
                    "case {id}: field `state`: unknown state `{}`",
                    r[7].string()
                )
            })?;
            Ok(Case {
                id,
                title: r[1].string(),
                a: r[2].text().map(str::to_string),
                b: r[3].text().map(str::to_string),
                units: json_list(&r[4]),
                kind: r[5].string(),
                severity: r[6].int().unwrap_or_default(),
                state,
                owner_units: json_list(&r[8]),
                due: r[9].text().map(str::to_string),
                decision: r[10].text().map(str::to_string),
                instrument: r[11].text().map(str::to_string),
                arrangements: json_list(&r[12]),
                proposed: r[13].text().and_then(|t| serde_json::from_str(t).ok()),
                lon: r[14].real(),
                lat: r[15].real(),
                import_key: r[16].text().map(str::to_string),
                created_at: r[17].string(),
                updated_at: r[18].string(),
                version: r[19].int().unwrap_or_default(),
                conflicts: conflicts.remove(&id).unwrap_or_default(),
            })
        })
        .collect()
}

/// The values of a case's row, in [`CASE_COLUMNS`] order.
fn case_values(case: &Case) -> Vec<Val> {
    let json = |v: &Vec<String>| Val::Text(serde_json::to_string(v).unwrap_or_default());
    vec![
        case.id.into(),
        case.title.clone().into(),
        case.a.clone().into(),
        case.b.clone().into(),
        json(&case.units),
        case.kind.clone().into(),
        case.severity.into(),
        case.state.name().into(),
        json(&case.owner_units),
        case.due.clone().into(),
        case.decision.clone().into(),
        case.instrument.clone().into(),
        json(&case.arrangements),
        case.proposed
            .as_ref()
            .map(|p| serde_json::to_string(p).unwrap_or_default())
            .into(),
        case.lon.into(),
        case.lat.into(),
        case.import_key.clone().into(),
        case.created_at.clone().into(),
        case.updated_at.clone().into(),
        case.version.into(),
    ]
}

pub(crate) fn insert_case(w: &mut Write<'_>, case: &Case) -> Result<(), CaseError> {
    let placeholders: Vec<String> = (1..=20).map(|i| format!("${i}")).collect();
    w.execute(
        &format!(
            "INSERT INTO cases ({CASE_COLUMNS}) VALUES ({})",
            placeholders.join(", ")
        ),
        &case_values(case),
    )?;
    w.touch("cases", case.id);
    Ok(())
}

/// Writes a changed case as the next version of `before` (`updated_at` and `version` set here).
pub(crate) fn save_case(
    w: &mut Write<'_>,
    before: &Case,
    case: &mut Case,
) -> Result<(), CaseError> {
    case.version = before.version + 1;
    case.updated_at = w.now.clone();
    let names: Vec<&str> = CASE_COLUMNS.split(", ").collect();
    let sets: Vec<String> = names
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, n)| format!("{n} = ${}", i + 1))
        .collect();
    let mut params = case_values(case);
    params.push(before.version.into());
    let changed = w.execute(
        &format!(
            "UPDATE cases SET {} WHERE id = $1 AND version = $21",
            sets.join(", ")
        ),
        &params,
    )?;
    if changed != 1 {
        let current = load_one(w, case.id)?;
        return Err(CaseError::Stale {
            db: w.db.to_string(),
            expected: before.version,
            current: Box::new(current),
        });
    }
    w.touch("cases", case.id);
    Ok(())
}

fn find_user(w: &mut Write<'_>, name: &str) -> Result<User, CaseError> {
    w.query(
        "SELECT id, name, role, unit, created_at FROM users WHERE name = $1",
        &[name.into()],
    )?
    .first()
    .map(|r| user_from_row(r))
    .ok_or_else(|| CaseError::NoUser {
        db: w.db.to_string(),
        name: name.to_string(),
    })
}

fn user_from_row(r: &[Val]) -> User {
    User {
        id: r[0].int().unwrap_or_default(),
        name: r[1].string(),
        role: Role::parse(&r[2].string()).unwrap_or(Role::Observer),
        unit: r[3].text().map(str::to_string),
        created_at: r[4].string(),
    }
}

fn actor_of(user: &User) -> Actor {
    Actor {
        name: user.name.clone(),
        role: user.role,
        unit: user.unit.clone(),
    }
}

// ---- checks of user input

fn check_name(db: &str, name: &str) -> Result<(), CaseError> {
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_CODE_CHARS
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "._-@".contains(c));
    if ok {
        Ok(())
    } else {
        Err(CaseError::invalid(
            db,
            None,
            "name",
            format!("`{name}`: use 1 to {MAX_CODE_CHARS} letters, digits and . _ - @"),
        ))
    }
}

fn check_text(
    db: &str,
    case: Option<i64>,
    field: &str,
    text: &str,
    max: usize,
) -> Result<String, CaseError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(CaseError::invalid(db, case, field, "is empty"));
    }
    if text.chars().count() > max {
        return Err(CaseError::invalid(
            db,
            case,
            field,
            format!("is longer than {max} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(CaseError::invalid(
            db,
            case,
            field,
            "contains control characters",
        ));
    }
    Ok(text.to_string())
}

/// A text that may be cleared with an empty one.
fn check_optional_text(
    db: &str,
    case: Option<i64>,
    field: &str,
    text: &str,
) -> Result<Option<String>, CaseError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    check_text(db, case, field, text, MAX_TEXT_CHARS).map(Some)
}

fn check_severity(db: &str, case: Option<i64>, severity: i64) -> Result<i64, CaseError> {
    if (1..=3).contains(&severity) {
        Ok(severity)
    } else {
        Err(CaseError::invalid(
            db,
            case,
            "severity",
            format!("{severity} is not 1 (low), 2 (medium) or 3 (high)"),
        ))
    }
}

/// The state machine allows `to` from the case's current state.
fn check_next_state(db: &str, case: &Case, to: State) -> Result<(), CaseError> {
    if case.state.next().contains(&to) {
        return Ok(());
    }
    Err(CaseError::NotAllowed {
        db: db.to_string(),
        id: case.id,
        from: case.state,
        to,
    })
}

/// A case belongs to a border or to at least one unit, or no one could work it.
fn check_involves_someone(db: &str, id: Option<i64>, case: &Case) -> Result<(), CaseError> {
    if case.involved().next().is_none() {
        return Err(CaseError::invalid(
            db,
            id,
            "units",
            "a case needs a border (a, b) or at least one unit",
        ));
    }
    Ok(())
}

/// A case is owned by units of its border (without a border, by some of its units), so that an
/// owner is always a unit the case is about.
fn check_owners(db: &str, id: Option<i64>, case: &Case) -> Result<(), CaseError> {
    let allowed = case.possible_owners();
    match case.owner_units.iter().find(|o| !allowed.contains(&o.as_str())) {
        None => Ok(()),
        Some(owner) => Err(CaseError::invalid(
            db,
            id,
            "owner_units",
            match (&case.a, &case.b) {
                (Some(a), Some(b)) => format!(
                    "`{owner}` is not a unit of the case's border {a}|{b}: a case is owned by its border's units"
                ),
                _ => format!(
                    "`{owner}` is not among the case's units ({}): a case without a border is owned by its units",
                    allowed.join(", ")
                ),
            },
        )),
    }
}

fn check_due(
    db: &str,
    case: Option<i64>,
    due: Option<String>,
) -> Result<Option<String>, CaseError> {
    let Some(due) = due else { return Ok(None) };
    let format = time::format_description::parse_borrowed::<2>("[year]-[month]-[day]")
        .map_err(|e| CaseError::invalid(db, case, "due", e.to_string()))?;
    time::Date::parse(due.trim(), &format)
        .map(|d| Some(d.to_string()))
        .map_err(|_| {
            CaseError::invalid(db, case, "due", format!("`{due}` is not a date YYYY-MM-DD"))
        })
}

/// Identifiers (arrangement ids): short, without spaces or control characters.
fn check_ids(
    db: &str,
    case: Option<i64>,
    field: &str,
    ids: &[String],
) -> Result<Vec<String>, CaseError> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        let id = id.trim();
        if id.is_empty()
            || id.chars().count() > MAX_CODE_CHARS
            || id.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(CaseError::invalid(
                db,
                case,
                field,
                format!("`{id}` is not an id (1 to {MAX_CODE_CHARS} characters, no spaces)"),
            ));
        }
        if !out.iter().any(|o| o == id) {
            out.push(id.to_string());
        }
    }
    Ok(out)
}

/// Unit codes: ids, and known jurisdictions once an import has recorded them.
pub(crate) fn check_codes(
    db: &str,
    case: Option<i64>,
    field: &str,
    codes: &[String],
    units: &Units,
) -> Result<Vec<String>, CaseError> {
    let codes = check_ids(db, case, field, codes)?;
    if !units.parent.is_empty() {
        if let Some(unknown) = codes.iter().find(|c| !units.parent.contains_key(*c)) {
            return Err(CaseError::invalid(
                db,
                case,
                field,
                format!("`{unknown}` is not a jurisdiction code of the imported results"),
            ));
        }
    }
    Ok(codes)
}

/// A border: both codes or neither, different, ordered a < b.
fn check_border(
    db: &str,
    case: Option<i64>,
    (a, b): (Option<String>, Option<String>),
    units: &Units,
) -> Result<(Option<String>, Option<String>), CaseError> {
    let a = a.filter(|s| !s.trim().is_empty());
    let b = b.filter(|s| !s.trim().is_empty());
    match (a, b) {
        (None, None) => Ok((None, None)),
        (Some(a), Some(b)) => {
            let a = check_codes(db, case, "a", &[a], units)?.remove(0);
            let b = check_codes(db, case, "b", &[b], units)?.remove(0);
            if a == b {
                return Err(CaseError::invalid(
                    db,
                    case,
                    "b",
                    format!("a border needs two different units, not `{a}` twice"),
                ));
            }
            Ok(if a < b {
                (Some(a), Some(b))
            } else {
                (Some(b), Some(a))
            })
        }
        (Some(_), None) => Err(CaseError::invalid(
            db,
            case,
            "b",
            "a border needs both a and b",
        )),
        (None, Some(_)) => Err(CaseError::invalid(
            db,
            case,
            "a",
            "a border needs both a and b",
        )),
    }
}
