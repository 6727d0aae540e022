//! The audit log: one row per write, in the write's transaction, each row's hash the SHA-256 of
//! the previous row's hash and the row's canonical content, so changing, removing or reordering
//! a row breaks every hash after it. Since schema 2 an entry also holds the digests of the rows
//! its write left (see [`crate::state`]), under the same hash.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::{Tx, Val};

/// The previous hash of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    /// What was done: `case.create`, `case.update`, `case.transition`, `case.comment`, …
    pub action: String,
    pub case_id: Option<i64>,
    /// The object before and after, as JSON text (`None`: it did not exist / was removed).
    pub before: Option<String>,
    pub after: Option<String>,
    /// The digests of the rows the write left, as JSON text `{table: {key: digest}}` (`None`:
    /// an entry written before schema 2).
    pub rows: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

pub const ENTRY_COLUMNS: &str =
    "seq, at, actor, action, case_id, before_json, after_json, prev_hash, hash, rows_json";

impl Entry {
    pub fn from_row(row: &[Val]) -> Entry {
        Entry {
            seq: row[0].int().unwrap_or_default(),
            at: row[1].string(),
            actor: row[2].string(),
            action: row[3].string(),
            case_id: row[4].int(),
            before: row[5].text().map(str::to_string),
            after: row[6].text().map(str::to_string),
            prev_hash: row[7].string(),
            hash: row[8].string(),
            rows: row[9].text().map(str::to_string),
        }
    }

    /// The row's content as canonical text: a JSON array of its fields in a fixed order (before,
    /// after and rows are kept as the exact text stored). Rows come last and only when present,
    /// so the entries written before schema 2 keep their hashes.
    fn canonical(&self) -> String {
        let mut fields = serde_json::json!([
            self.seq,
            self.at,
            self.actor,
            self.action,
            self.case_id,
            self.before,
            self.after
        ]);
        if let (Some(rows), Some(fields)) = (&self.rows, fields.as_array_mut()) {
            fields.push(rows.as_str().into());
        }
        fields.to_string()
    }

    /// The hash this row must have after `prev_hash`.
    pub fn expected_hash(&self, prev_hash: &str) -> String {
        let mut h = Sha256::new();
        h.update(prev_hash.as_bytes());
        h.update(self.canonical().as_bytes());
        hex(&h.finalize())
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends `entry` (its sequence number and hashes are set here) after the chain's head, which
/// the caller locked with [`Tx::lock_head`]; the new head.
pub fn append(
    tx: &mut Tx<'_>,
    head: (i64, String),
    mut entry: Entry,
) -> Result<(i64, String), String> {
    entry.seq = head.0 + 1;
    entry.prev_hash = head.1;
    entry.hash = entry.expected_hash(&entry.prev_hash);
    tx.execute(
        &format!(
            "INSERT INTO audit ({ENTRY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ),
        &[
            entry.seq.into(),
            entry.at.clone().into(),
            entry.actor.clone().into(),
            entry.action.clone().into(),
            entry.case_id.into(),
            entry.before.clone().into(),
            entry.after.clone().into(),
            entry.prev_hash.clone().into(),
            entry.hash.clone().into(),
            entry.rows.clone().into(),
        ],
    )?;
    tx.execute(
        "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
        &[entry.seq.into(), entry.hash.clone().into()],
    )?;
    Ok((entry.seq, entry.hash))
}

/// The first entry that breaks the chain and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Broken {
    /// Sequence number of the entry (for a missing tail: the last one the head names).
    pub seq: i64,
    pub reason: String,
}

/// Checks a chain in sequence order against the recorded head; the number of entries when whole.
pub fn check(entries: &[Entry], head: (i64, &str)) -> Result<usize, Broken> {
    let mut prev = GENESIS.to_string();
    for (i, e) in entries.iter().enumerate() {
        let want = i as i64 + 1;
        if e.seq != want {
            return Err(Broken {
                seq: want,
                reason: format!("entry {want} is missing (the next is {})", e.seq),
            });
        }
        if e.prev_hash != prev {
            return Err(Broken {
                seq: e.seq,
                reason: "its previous hash is not the hash of the entry before".into(),
            });
        }
        if e.expected_hash(&prev) != e.hash {
            return Err(Broken {
                seq: e.seq,
                reason: "its content does not match its hash (changed after it was written)".into(),
            });
        }
        prev = e.hash.clone();
    }
    let last = entries.last().map_or(0, |e| e.seq);
    if head.0 != last || head.1 != prev {
        return Err(Broken {
            seq: head.0,
            reason: format!(
                "the chain's head names entry {} but the log ends at entry {last} (entries removed?)",
                head.0
            ),
        });
    }
    Ok(entries.len())
}
