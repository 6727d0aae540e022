//! The register's rows as the audit log vouches for them. The chain alone shows changes to the
//! log, not to the tables it describes: a direct `UPDATE users SET role = 'office'` would pass.
//! So every audited write records in its entry, under the chain's hashes, the digest of each row
//! it wrote as read back in its transaction, and `verify` recomputes every row's digest and
//! compares it with the latest recorded: a row changed, added or removed behind the register's
//! back shows, named by table and key.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use sha2::{Digest, Sha256};

use crate::audit::{hex, Broken, Entry};
use crate::db::{Tx, Val};

/// The columns of a case's row, in the order the store reads and writes them (and its digest
/// covers them).
pub(crate) const CASE_COLUMNS: &str = "id, title, a, b, units, type, severity, state, owner_units, due, \
    decision, instrument, arrangements, proposed, lon, lat, import_key, created_at, updated_at, version";

/// Digests of rows: table → row key → SHA-256 of the row's values (JSON text in an entry).
pub type Rows = BTreeMap<String, BTreeMap<String, String>>;

/// A table whose rows are covered: its key column and the columns digested, in order.
struct Covered {
    table: &'static str,
    key: &'static str,
    columns: &'static str,
}

/// Every table of the register's state. A case's linked conflicts are digested with its row
/// (they change with it); `audit`, `audit_head` are the chain itself and `schema_migrations`
/// only records upgrades.
const COVERED: [Covered; 5] = [
    Covered {
        table: "users",
        key: "id",
        columns: "id, name, role, unit, password_hash, created_at",
    },
    Covered {
        table: "tokens",
        key: "hash",
        columns: "hash, user_id, created_at",
    },
    Covered {
        table: "cases",
        key: "id",
        columns: CASE_COLUMNS,
    },
    Covered {
        table: "comments",
        key: "id",
        columns: "id, case_id, author, body, created_at",
    },
    Covered {
        table: "units",
        key: "code",
        columns: "code, parent, name",
    },
];

/// The tables covered, for messages.
pub fn covered_tables() -> String {
    COVERED.map(|c| c.table).join(", ")
}

const CONFLICT_COLUMNS: &str =
    "case_id, conflict_key, plan, severity, present, first_seen, gone_since";

/// Hex characters of a token's hash that key it: enough to tell tokens apart, and no more of the
/// hash in the log than the `user.token` entry's own 12.
const TOKEN_KEY_CHARS: usize = 16;

/// One row as read now.
struct Row {
    key: String,
    digest: String,
    /// The row as named in messages.
    label: String,
}

fn json(v: &Val) -> serde_json::Value {
    match v {
        Val::Null => serde_json::Value::Null,
        Val::Int(i) => (*i).into(),
        Val::Real(x) => (*x).into(),
        Val::Text(t) => t.as_str().into(),
    }
}

fn key_text(v: &Val) -> String {
    match v {
        Val::Null => "NULL".into(),
        Val::Int(i) => i.to_string(),
        Val::Real(x) => x.to_string(),
        Val::Text(t) => t.clone(),
    }
}

/// The rows of a covered table, or the one whose key is `key`.
fn rows_of(tx: &mut Tx<'_>, c: &Covered, key: Option<&Val>) -> Result<Vec<Row>, String> {
    let (filter, params) = match key {
        Some(k) => (format!("WHERE {} = $1", c.key), vec![k.clone()]),
        None => (String::new(), Vec::new()),
    };
    let rows = tx.query(
        &format!("SELECT {} FROM {} {filter}", c.columns, c.table),
        &params,
    )?;
    // A case's links, grouped by case and sorted here (a database's collation may sort text
    // otherwise).
    let mut links: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    if c.table == "cases" {
        let filter = if key.is_some() {
            "WHERE case_id = $1"
        } else {
            ""
        };
        for r in tx.query(
            &format!("SELECT {CONFLICT_COLUMNS} FROM case_conflicts {filter}"),
            &params,
        )? {
            links
                .entry(key_text(&r[0]))
                .or_default()
                .push(r.iter().map(json).collect());
        }
        for list in links.values_mut() {
            list.sort_by_key(|l| l[1].to_string());
        }
    }
    Ok(rows
        .iter()
        .map(|r| {
            let mut key = key_text(&r[0]);
            let mut content = serde_json::Value::Array(r.iter().map(json).collect());
            if c.table == "cases" {
                content = serde_json::json!([content, links.remove(&key).unwrap_or_default()]);
            }
            let label = match c.table {
                "users" => format!("{key} (`{}`)", key_text(&r[1])),
                "tokens" => {
                    key = key.chars().take(TOKEN_KEY_CHARS).collect();
                    format!("`{key}…` (a token of user {})", key_text(&r[1]))
                }
                "units" => format!("`{key}`"),
                _ => key.clone(),
            };
            Row {
                key,
                digest: hex(&Sha256::digest(content.to_string().as_bytes())),
                label,
            }
        })
        .collect())
}

fn covered(table: &str) -> Option<&'static Covered> {
    COVERED.iter().find(|c| c.table == table)
}

/// The digests of the rows a write touched (`table`, key), as they are now in its transaction.
pub fn written(tx: &mut Tx<'_>, touched: &[(&'static str, Val)]) -> Result<Rows, String> {
    let mut out = Rows::new();
    for (table, key) in touched {
        let c = covered(table).ok_or_else(|| format!("table `{table}` is not covered"))?;
        for row in rows_of(tx, c, Some(key))? {
            out.entry(table.to_string())
                .or_default()
                .insert(row.key, row.digest);
        }
    }
    Ok(out)
}

/// The digests of every row of the covered tables (what a register made before schema 2 vouches
/// for when it is upgraded).
pub fn all(tx: &mut Tx<'_>) -> Result<Rows, String> {
    let mut out = Rows::new();
    for c in &COVERED {
        for row in rows_of(tx, c, None)? {
            out.entry(c.table.to_string())
                .or_default()
                .insert(row.key, row.digest);
        }
    }
    Ok(out)
}

/// A row that differs from what the audit log recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Tampered {
    pub table: String,
    /// The row's key as named in messages (a user also by name).
    pub row: String,
    pub what: String,
}

impl fmt::Display for Tampered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "table `{}`, row {}: {}", self.table, self.row, self.what)
    }
}

/// Per (table, key): the latest digest recorded and the entry that recorded it.
type Recorded = BTreeMap<(String, String), (String, i64)>;

/// Each row's latest recorded digest, from an intact chain.
fn recorded(entries: &[Entry]) -> Result<Recorded, Broken> {
    let mut out = BTreeMap::new();
    for e in entries {
        let Some(text) = &e.rows else { continue };
        let rows: Rows = serde_json::from_str(text).map_err(|err| Broken {
            seq: e.seq,
            reason: format!("its rows are not digests by table and key ({err})"),
        })?;
        for (table, keys) in rows {
            for (key, digest) in keys {
                out.insert((table.clone(), key), (digest, e.seq));
            }
        }
    }
    Ok(out)
}

/// Why a register does not verify.
#[derive(Debug, Clone, PartialEq)]
pub enum Unverified {
    /// The audit chain itself is broken (its first broken entry).
    Chain(Broken),
    /// The chain is whole, but these rows differ from what it recorded.
    Rows(Vec<Tampered>),
}

/// Compares every covered row with the digests recorded in `entries` (a chain already checked):
/// the number of rows checked, or what differs.
pub fn check(tx: &mut Tx<'_>, entries: &[Entry]) -> Result<Result<usize, Unverified>, String> {
    let mut expected = match recorded(entries) {
        Ok(r) => r,
        Err(broken) => return Ok(Err(Unverified::Chain(broken))),
    };
    let mut tampered = Vec::new();
    let mut checked = 0;
    for c in &COVERED {
        let mut seen = BTreeSet::new();
        for row in rows_of(tx, c, None)? {
            checked += 1;
            let what = if !seen.insert(row.key.clone()) {
                "has the key of another row (added behind the register's back)".to_string()
            } else {
                match expected.remove(&(c.table.to_string(), row.key)) {
                    None => "no audited write made it (added behind the register's back)".into(),
                    Some((digest, seq)) if digest != row.digest => format!(
                        "differs from what audit entry {seq} recorded (changed behind the register's back)"
                    ),
                    Some(_) => continue,
                }
            };
            tampered.push(Tampered {
                table: c.table.into(),
                row: row.label,
                what,
            });
        }
    }
    for ((table, key), (_, seq)) in expected {
        tampered.push(Tampered {
            table,
            row: key,
            what: format!(
                "is gone, though audit entry {seq} recorded it (removed behind the register's back)"
            ),
        });
    }
    Ok(if tampered.is_empty() {
        Ok(checked)
    } else {
        Err(Unverified::Rows(tampered))
    })
}
