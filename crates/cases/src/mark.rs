//! What makes a file or database a case register, so that the register never writes its tables
//! into anything else (a project's GeoPackage, another program's database) and never replaces a
//! file: a SQLite register carries [`APPLICATION_ID`] in its header from creation, and is made
//! whole in a temporary file that is then linked to a path that must not exist.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::CaseError;

/// `PRAGMA application_id` of a SQLite register: "BSCR" (borderscape case register), as a
/// GeoPackage carries "GPKG".
pub const APPLICATION_ID: i32 = 0x4253_4352;

/// The tables every register has (since schema 1); on PostgreSQL, and in SQLite registers made
/// before the application id, they are what marks a register.
const TABLES: [&str; 9] = [
    "schema_migrations",
    "users",
    "tokens",
    "units",
    "cases",
    "case_conflicts",
    "comments",
    "audit",
    "audit_head",
];

/// The end of every refusal: what to do instead.
const PROCEED: &str = "borderscape reads and writes a register only in a file it made as one \
     (`cases import` and `users add` make a new one at a path that does not exist, e.g. cases.db)";

/// Checks, reading only, that the existing file at `path` is a register: it carries
/// [`APPLICATION_ID`], or (a register made before the id, marked when it is opened) it has no id
/// but all of [`TABLES`]. Anything else is refused naming what it is.
pub fn check_sqlite_file(path: &Path) -> Result<(), CaseError> {
    let name = path.display().to_string();
    let refuse =
        |what: &str| CaseError::refused(&name, format!("{what}, not a case register; {PROCEED}"));
    let meta = std::fs::metadata(path).map_err(|e| CaseError::open(&name, e))?;
    if meta.is_dir() {
        return Err(refuse("is a folder"));
    }
    let mut header = Vec::with_capacity(100);
    std::fs::File::open(path)
        .and_then(|f| f.take(100).read_to_end(&mut header))
        .map_err(|e| CaseError::open(&name, e))?;
    if header.is_empty() {
        return Err(refuse("is an empty file"));
    }
    if header.len() < 100 || !header.starts_with(b"SQLite format 3\0") {
        return Err(refuse("is not a SQLite database"));
    }
    let id = i32::from_be_bytes([header[68], header[69], header[70], header[71]]);
    match id {
        APPLICATION_ID => return Ok(()),
        0 => {}
        0x4750_4B47 => return Err(refuse("is a GeoPackage")),
        other => {
            return Err(refuse(&format!(
                "is the SQLite database of another program (application id {other:#010x})"
            )))
        }
    }
    // No id in the file's header: a register made before the id (or marked since, with the
    // header still in its write-ahead log), else another SQLite database.
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| CaseError::open(&name, e))?;
    let read = |e: rusqlite::Error| refuse(&format!("cannot be read as a SQLite database ({e})"));
    let id: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(read)?;
    if id == APPLICATION_ID {
        return Ok(());
    }
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .map_err(read)?;
    let tables = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(read)?;
    if TABLES.iter().all(|t| tables.iter().any(|have| have == t)) {
        return Ok(());
    }
    Err(refuse(&if tables.is_empty() {
        "is a SQLite database without tables".to_string()
    } else {
        format!(
            "is a SQLite database without the case register's tables (it has {})",
            some_names(&tables)
        )
    }))
}

/// Refuses a PostgreSQL database that has tables but not all of the register's (`tables`: those
/// of its current schema). An empty database may become a register; `Ok(true)`: it is one.
pub fn check_postgres_tables(db: &str, tables: &[String]) -> Result<bool, CaseError> {
    if TABLES.iter().all(|t| tables.iter().any(|have| have == t)) {
        return Ok(true);
    }
    if tables.is_empty() {
        return Ok(false);
    }
    Err(CaseError::refused(
        db,
        format!(
            "the database has tables that are not a case register's ({}); borderscape makes a register only in an empty database: create one (createdb) and give its URL",
            some_names(tables)
        ),
    ))
}

/// Up to five names, and how many more.
fn some_names(names: &[String]) -> String {
    let mut text = names
        .iter()
        .take(5)
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 5 {
        text += &format!(" and {} more", names.len() - 5);
    }
    text
}

/// A new, empty temporary file beside `target` (in its folder), removed when dropped unless
/// [`Temporary::place`] linked it into place.
pub struct Temporary {
    path: PathBuf,
}

impl Temporary {
    pub fn beside(target: &Path) -> Result<Temporary, String> {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let file_name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or("the path names no file")?;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        for attempt in 0..100 {
            let path = dir.join(format!(
                ".{file_name}.{}.{stamp}.{attempt}.tmp",
                std::process::id()
            ));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(_) => return Ok(Temporary { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(format!("cannot create a file in {}: {e}", dir.display())),
            }
        }
        Err(format!("no free temporary name in {}", dir.display()))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Gives the finished file the name `target`, which must not exist: a hard link, which the
    /// operating system refuses atomically when the name is taken (a rename would replace it).
    /// `Ok(false)`: the name was taken meanwhile, and nothing was replaced.
    pub fn place(self, target: &Path) -> Result<bool, String> {
        match std::fs::hard_link(&self.path, target) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(format!("cannot create {}: {e}", target.display())),
        }
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
