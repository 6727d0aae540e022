//! The two storage backends behind one small interface: SQLite (a file, WAL) and PostgreSQL (a
//! `postgres://` URL). Every statement is written once, with `$1 … $n` parameters (SQLite reads
//! them as `?1 … ?n`), and only integers, reals and text cross the boundary, so the schema and
//! every operation are the same on both.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use postgres::types::{ToSql, Type};
use rusqlite::types::{ToSqlOutput, ValueRef};

use crate::error::CaseError;

/// A parameter or a column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl Val {
    pub fn int(&self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn real(&self) -> Option<f64> {
        match self {
            Val::Real(x) => Some(*x),
            Val::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Val::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The text of a NOT NULL text column (empty if the database broke that).
    pub fn string(&self) -> String {
        self.text().unwrap_or_default().to_string()
    }
}

impl From<&str> for Val {
    fn from(s: &str) -> Self {
        Val::Text(s.to_string())
    }
}
impl From<String> for Val {
    fn from(s: String) -> Self {
        Val::Text(s)
    }
}
impl From<i64> for Val {
    fn from(i: i64) -> Self {
        Val::Int(i)
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Self {
        v.map_or(Val::Null, Into::into)
    }
}
impl From<f64> for Val {
    fn from(x: f64) -> Self {
        Val::Real(x)
    }
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Val::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Val::Real(x) => ToSqlOutput::Borrowed(ValueRef::Real(*x)),
            Val::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
        })
    }
}

/// The parameters of a prepared PostgreSQL statement: a null takes the type the statement expects
/// there (PostgreSQL checks every parameter's type, nulls included).
fn pg_params(types: &[Type], params: &[Val]) -> Vec<Box<dyn ToSql + Sync>> {
    params
        .iter()
        .zip(types)
        .map(|(v, ty)| -> Box<dyn ToSql + Sync> {
            match v {
                Val::Int(i) => Box::new(*i),
                Val::Real(x) => Box::new(*x),
                Val::Text(t) => Box::new(t.clone()),
                Val::Null if *ty == Type::INT8 => Box::new(None::<i64>),
                Val::Null if *ty == Type::FLOAT8 => Box::new(None::<f64>),
                Val::Null => Box::new(None::<String>),
            }
        })
        .collect()
}

/// Statements prepared on a PostgreSQL connection, by their SQL: preparing costs a round trip,
/// and the register runs the same few statements again and again.
type Prepared = HashMap<String, postgres::Statement>;

/// Runs `f` with a (cached) prepared statement in a PostgreSQL transaction and its parameters.
fn with_pg<T>(
    (t, prepared): (&mut postgres::Transaction<'_>, &mut Prepared),
    sql: &str,
    params: &[Val],
    f: impl FnOnce(
        &mut postgres::Transaction<'_>,
        &postgres::Statement,
        &[&(dyn ToSql + Sync)],
    ) -> Result<T, postgres::Error>,
) -> Result<T, String> {
    let stmt = match prepared.get(sql) {
        Some(stmt) => stmt.clone(),
        None => {
            let stmt = t.prepare(sql).map_err(|e| e.to_string())?;
            prepared.insert(sql.to_string(), stmt.clone());
            stmt
        }
    };
    let boxed = pg_params(stmt.params(), params);
    let refs: Vec<&(dyn ToSql + Sync)> = boxed.iter().map(|b| b.as_ref()).collect();
    f(t, &stmt, &refs).map_err(|e| e.to_string())
}

/// An open database.
pub enum Backend {
    Sqlite(rusqlite::Connection),
    Postgres(Box<postgres::Client>, Prepared),
}

/// An open transaction (every write runs in one).
pub enum Tx<'a> {
    Sqlite(rusqlite::Transaction<'a>),
    Postgres(postgres::Transaction<'a>, &'a mut Prepared),
}

/// How long SQLite waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// The same bounds on PostgreSQL: a lock waited for at most 30 s, a statement run at most 120 s.
const PG_TIMEOUTS: &str = "-c lock_timeout=30s -c statement_timeout=120s";

/// `$1 … $n` as SQLite's numbered `?1 … ?n`.
fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}

impl Backend {
    /// Connects to the PostgreSQL database of a `postgres://` or `postgresql://` URL.
    pub fn open_postgres(location: &str, db: &str) -> Result<Self, CaseError> {
        let mut config: postgres::Config = location.parse().map_err(|e| CaseError::open(db, e))?;
        // A write waiting on another's lock (an import holding the audit head) gives up rather
        // than hold a server's only connection indefinitely; a URL's own `options` win.
        if config.get_options().is_none() {
            config.options(PG_TIMEOUTS);
        }
        let client = config
            .connect(postgres::NoTls)
            .map_err(|e| CaseError::open(db, e))?;
        Ok(Backend::Postgres(Box::new(client), Prepared::new()))
    }

    /// Opens a SQLite file that exists: never created here, and its path never read as a URI,
    /// so the file checked as a register is the file opened.
    pub fn open_sqlite(path: &Path, db: &str) -> Result<Self, CaseError> {
        let conn = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| CaseError::open(db, e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| CaseError::open(db, e))?;
        // Room for every statement of the register (rusqlite keeps 16 by default).
        conn.set_prepared_statement_cache_capacity(64);
        // WAL lets readers work while one writer writes; foreign keys are off by default in SQLite.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))
            .and_then(|_| conn.pragma_update(None, "foreign_keys", "ON"))
            .and_then(|_| conn.pragma_update(None, "synchronous", "FULL"))
            .map_err(|e| CaseError::open(db, e))?;
        Ok(Backend::Sqlite(conn))
    }

    /// Starts a transaction. A SQLite write transaction is `IMMEDIATE`, taking the write lock at
    /// once, so two writers never both read and then fail to upgrade; a read one takes no lock
    /// (WAL readers see the last commit). A PostgreSQL read one is `REPEATABLE READ`, so that
    /// all its queries see one state (verify compares the audit log with the tables).
    pub fn begin(&mut self, write: bool) -> Result<Tx<'_>, String> {
        let behavior = if write {
            rusqlite::TransactionBehavior::Immediate
        } else {
            rusqlite::TransactionBehavior::Deferred
        };
        match self {
            Backend::Sqlite(c) => c
                .transaction_with_behavior(behavior)
                .map(Tx::Sqlite)
                .map_err(|e| e.to_string()),
            Backend::Postgres(c, prepared) => {
                let t = if write {
                    c.transaction()
                } else {
                    c.build_transaction()
                        .isolation_level(postgres::IsolationLevel::RepeatableRead)
                        .read_only(true)
                        .start()
                };
                t.map(|t| Tx::Postgres(t, prepared))
                    .map_err(|e| e.to_string())
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Backend::Postgres(..))
    }
}

/// Whether a `--db` value names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

impl Tx<'_> {
    /// Runs one statement; the number of rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, String> {
        match self {
            Tx::Sqlite(t) => t
                .prepare_cached(&sqlite_sql(sql))
                .and_then(|mut stmt| stmt.execute(rusqlite::params_from_iter(params)))
                .map(|n| n as u64)
                .map_err(|e| e.to_string()),
            Tx::Postgres(t, prepared) => {
                with_pg((t, prepared), sql, params, |t, stmt, p| t.execute(stmt, p))
            }
        }
    }

    /// Runs a query; its rows as values.
    pub fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>, String> {
        match self {
            Tx::Sqlite(t) => {
                let mut stmt = t
                    .prepare_cached(&sqlite_sql(sql))
                    .map_err(|e| e.to_string())?;
                let width = stmt.column_count();
                let rows = stmt
                    .query_map(rusqlite::params_from_iter(params), |row| {
                        (0..width)
                            .map(|i| {
                                Ok(match row.get_ref(i)? {
                                    ValueRef::Null => Val::Null,
                                    ValueRef::Integer(i) => Val::Int(i),
                                    ValueRef::Real(x) => Val::Real(x),
                                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                                        Val::Text(String::from_utf8_lossy(t).into_owned())
                                    }
                                })
                            })
                            .collect::<rusqlite::Result<Vec<Val>>>()
                    })
                    .map_err(|e| e.to_string())?;
                rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
            }
            Tx::Postgres(t, prepared) => {
                let rows = with_pg((t, prepared), sql, params, |t, stmt, p| t.query(stmt, p))?;
                rows.iter()
                    .map(|row| {
                        (0..row.len())
                            .map(|i| {
                                let ty = row.columns()[i].type_();
                                let v = if *ty == Type::INT8 {
                                    row.try_get::<_, Option<i64>>(i)?.map(Val::Int)
                                } else if *ty == Type::INT4 {
                                    row.try_get::<_, Option<i32>>(i)?
                                        .map(|x| Val::Int(x.into()))
                                } else if *ty == Type::FLOAT8 {
                                    row.try_get::<_, Option<f64>>(i)?.map(Val::Real)
                                } else {
                                    row.try_get::<_, Option<String>>(i)?.map(Val::Text)
                                };
                                Ok(v.unwrap_or(Val::Null))
                            })
                            .collect::<Result<Vec<Val>, postgres::Error>>()
                    })
                    .collect::<Result<_, _>>()
                    .map_err(|e| e.to_string())
            }
        }
    }

    /// Locks the audit chain's head row for the rest of the transaction: every write takes it
    /// first, so writes are serialised and each audit row follows the one before. (SQLite's
    /// `IMMEDIATE` transaction already holds the only write lock.)
    pub fn lock_head(&mut self) -> Result<Vec<Vec<Val>>, String> {
        let sql = match self {
            Tx::Sqlite(_) => "SELECT seq, hash FROM audit_head WHERE id = 1",
            Tx::Postgres(..) => "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
        };
        self.query(sql, &[])
    }

    /// Runs statements separated by `;` (a migration).
    pub fn batch(&mut self, sql: &str) -> Result<(), String> {
        match self {
            Tx::Sqlite(t) => t.execute_batch(sql).map_err(|e| e.to_string()),
            Tx::Postgres(t, _) => t.batch_execute(sql).map_err(|e| e.to_string()),
        }
    }

    pub fn commit(self) -> Result<(), String> {
        match self {
            Tx::Sqlite(t) => t.commit().map_err(|e| e.to_string()),
            Tx::Postgres(t, _) => t.commit().map_err(|e| e.to_string()),
        }
    }
}
