//! Which files borderscape may replace: only those it provably wrote.
//!
//! Every folder that receives an output keeps a ledger of what borderscape wrote there: for each
//! file its kind and the SHA-256 of the bytes written. A results folder's ledger is its marker,
//! `.borderscape-results`; any other folder's is `.borderscape-outputs`. A file is ours when the
//! ledger of its folder records it with the same kind and its bytes still hash to the recorded
//! value — never because of what the file says about itself: a report that mentions
//! "borderscape", an empty marker planted by `touch` or a file edited since it was written are
//! not ours, and are refused before any work.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::IoError;

/// The ledger of a results folder (inside it).
pub const RESULTS_MARKER: &str = ".borderscape-results";
/// The ledger of any other folder borderscape writes files into.
pub const OUTPUTS_LEDGER: &str = ".borderscape-outputs";

const RESULTS_FORMAT: &str = "borderscape-results/1";
const OUTPUTS_FORMAT: &str = "borderscape-outputs/1";

/// What a written file is; a command replaces only a file of its own kind, so that `report --out
/// summary.json` cannot replace the results it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    /// A file of a results folder that `analyze` wrote.
    Results,
    /// An HTML report.
    Report,
    /// A report printed to PDF.
    Pdf,
    /// A layer or table (`convert`, `simplify`, `borders`, `moran --local`, `coupling`, exports).
    Layer,
    /// A JSON document (`partitions --out`).
    Json,
    /// An input file of the demonstration project.
    Demo,
}

impl OutputKind {
    fn describe(self) -> &'static str {
        match self {
            OutputKind::Results => "a file of analysis results",
            OutputKind::Report => "a report",
            OutputKind::Pdf => "a PDF report",
            OutputKind::Layer => "a layer or table",
            OutputKind::Json => "a JSON document",
            OutputKind::Demo => "a demo project file",
        }
    }
}

/// What the ledger records of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub kind: OutputKind,
    pub sha256: String,
    pub bytes: u64,
}

/// A folder's ledger: the run that wrote it (results folders) and its files by path relative to
/// the folder, `/`-separated.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Ledger {
    pub format: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub run: String,
    pub files: BTreeMap<String, Record>,
}

impl Ledger {
    /// An empty results marker for a new run with a random id.
    pub fn new_results() -> Result<Self, IoError> {
        Ok(Ledger {
            format: RESULTS_FORMAT.into(),
            run: random_id()?,
            files: BTreeMap::new(),
        })
    }

    /// Reads a ledger; `None` when the file is absent or is not a ledger of `format` (a planted
    /// or damaged marker records nothing).
    fn read(path: &Path, format: &str) -> Option<Self> {
        let text = std::fs::read_to_string(path).ok()?;
        serde_json::from_str::<Ledger>(&text)
            .ok()
            .filter(|l| l.format == format)
    }

    /// The results marker of `dir`, if it is one of ours.
    pub fn results_of(dir: &Path) -> Option<Self> {
        Self::read(&dir.join(RESULTS_MARKER), RESULTS_FORMAT)
    }

    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("serialisable") + "\n"
    }

    /// Records every file under `dir` (but the marker), hashing what is there now: the reports
    /// at its top (`report*.html`, which `borderscape report` may write again) as reports, the
    /// rest as results.
    pub fn record_tree(&mut self, dir: &Path) -> Result<(), IoError> {
        for (relative, path) in files_under(dir)? {
            let report = relative.starts_with("report") && relative.ends_with(".html");
            let kind = if report && !relative.contains('/') {
                OutputKind::Report
            } else {
                OutputKind::Results
            };
            let record = record_of(&path, kind)?;
            self.files.insert(relative, record);
        }
        Ok(())
    }
}

/// 128 random bits in hex: the id of a run.
fn random_id() -> Result<String, IoError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| IoError::Internal(format!("no randomness for a run id: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The SHA-256 of a file's bytes, in hex.
pub fn sha256_file(path: &Path) -> Result<(String, u64), IoError> {
    let mut file = File::open(path).map_err(|e| IoError::file(path, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(|e| IoError::file(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    let digest = hasher.finalize();
    Ok((digest.iter().map(|b| format!("{b:02x}")).collect(), bytes))
}

pub(crate) fn record_of(path: &Path, kind: OutputKind) -> Result<Record, IoError> {
    let (sha256, bytes) = sha256_file(path)?;
    Ok(Record {
        kind,
        sha256,
        bytes,
    })
}

/// Every file under `dir` but its results marker, by `/`-separated relative path. A symbolic
/// link or anything but files and folders is an error: borderscape never writes one.
fn files_under(dir: &Path) -> Result<Vec<(String, PathBuf)>, IoError> {
    let mut found = Vec::new();
    let mut pending = vec![(String::new(), dir.to_path_buf())];
    while let Some((prefix, folder)) = pending.pop() {
        for entry in std::fs::read_dir(&folder).map_err(|e| IoError::file(&folder, e))? {
            let entry = entry.map_err(|e| IoError::file(&folder, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let relative = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let kind = entry.file_type().map_err(|e| IoError::file(&folder, e))?;
            if kind.is_dir() {
                pending.push((relative, entry.path()));
            } else if kind.is_file() {
                if relative != RESULTS_MARKER {
                    found.push((relative, entry.path()));
                }
            } else {
                return Err(IoError::file(
                    &entry.path(),
                    "is a symbolic link or special file, which borderscape never writes",
                ));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Why a folder is not results that borderscape wrote, or `None` when it is: its marker is ours
/// and every file in it is recorded there with the bytes it was written with (files removed
/// since do not matter: nothing of the user's is lost by replacing the rest).
pub fn results_folder_problem(dir: &Path) -> Option<String> {
    let Some(marker) = Ledger::results_of(dir) else {
        return Some(
            "holds no results marker that borderscape wrote (`.borderscape-results` is missing, planted or from a version before 0.2)"
                .into(),
        );
    };
    let files = match files_under(dir) {
        Ok(files) => files,
        Err(e) => return Some(e.to_string()),
    };
    for (relative, path) in files {
        let Some(record) = marker.files.get(&relative) else {
            return Some(format!(
                "holds {relative}, which borderscape did not write there"
            ));
        };
        match sha256_file(&path) {
            Ok((sha, _)) if sha == record.sha256 => {}
            Ok(_) => return Some(format!("{relative} changed since borderscape wrote it")),
            Err(e) => return Some(e.to_string()),
        }
    }
    None
}

/// Whether an existing file may be replaced by an output of `kind`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ownership {
    /// There is nothing at the path.
    Absent,
    /// borderscape wrote it as this kind, and it is unchanged.
    Ours,
    /// borderscape wrote it as this kind, and it was changed since.
    Changed,
    /// borderscape wrote it as another kind.
    OtherKind(OutputKind),
    /// borderscape did not write it (or it is not a plain file).
    Foreign,
}

/// The ledger that records files written into `folder`, and the file that holds it.
pub(crate) fn ledger_of(folder: &Path) -> (PathBuf, Option<Ledger>) {
    let marker = folder.join(RESULTS_MARKER);
    if let Some(ledger) = Ledger::read(&marker, RESULTS_FORMAT) {
        return (marker, Some(ledger));
    }
    let path = folder.join(OUTPUTS_LEDGER);
    let ledger = Ledger::read(&path, OUTPUTS_FORMAT);
    (path, ledger)
}

/// The folder of a file path and the file's name in it.
pub(crate) fn split(path: &Path) -> Result<(PathBuf, String), IoError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| refused(path, "names no file"))?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((folder, name))
}

/// Whether the file at `path` may be replaced by an output of `kind`.
pub fn ownership(path: &Path, kind: OutputKind) -> Result<Ownership, IoError> {
    let meta = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ownership::Absent),
        Err(e) => return Err(IoError::file(path, e)),
        Ok(meta) => meta,
    };
    if !meta.is_file() {
        return Ok(Ownership::Foreign);
    }
    let (folder, name) = split(path)?;
    let Some(record) = ledger_of(&folder)
        .1
        .and_then(|l| l.files.get(&name).cloned())
    else {
        return Ok(Ownership::Foreign);
    };
    if record.kind != kind {
        return Ok(Ownership::OtherKind(record.kind));
    }
    let (sha, _) = sha256_file(path)?;
    Ok(if sha == record.sha256 {
        Ownership::Ours
    } else {
        Ownership::Changed
    })
}

pub(crate) fn refused(path: &Path, message: impl Into<String>) -> IoError {
    IoError::Refused {
        path: path.display().to_string(),
        message: message.into(),
    }
}

/// The refusal for a file that may not be replaced, saying how to proceed.
pub fn refusal(path: &Path, ownership: &Ownership, kind: OutputKind) -> Option<IoError> {
    let why = match ownership {
        Ownership::Absent | Ownership::Ours => return None,
        Ownership::Changed => format!(
            "borderscape wrote this {} but it was changed since; it is not replaced",
            kind.describe()
        ),
        Ownership::OtherKind(other) => format!(
            "is {} that borderscape wrote, not {}; it is not replaced",
            other.describe(),
            kind.describe()
        ),
        Ownership::Foreign => "exists and borderscape did not write it; it is not replaced".into(),
    };
    Some(refused(
        path,
        format!("{why}: choose another name for the output, or move the file away first"),
    ))
}

/// Records a file that was just written at `path` in its folder's ledger as `kind` (the demo's
/// inputs, written one by one).
pub fn record_written(path: &Path, kind: OutputKind) -> Result<(), IoError> {
    let (folder, name) = split(path)?;
    let (ledger_path, _) = ledger_of(&folder);
    let record = record_of(path, kind)?;
    LedgerLock::open(&ledger_path)?.record(&name, record)
}

/// A folder's ledger held under an exclusive advisory lock (the kernel releases it when a run
/// dies), so that two commands writing into one folder do not lose each other's records.
pub(crate) struct LedgerLock {
    file: File,
    path: PathBuf,
    format: &'static str,
}

impl LedgerLock {
    pub(crate) fn open(path: &Path) -> Result<Self, IoError> {
        let format = if path.file_name().is_some_and(|n| n == RESULTS_MARKER) {
            RESULTS_FORMAT
        } else {
            OUTPUTS_FORMAT
        };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| IoError::file(path, format!("cannot open the outputs ledger: {e}")))?;
        file.lock()
            .map_err(|e| IoError::file(path, format!("cannot lock the outputs ledger: {e}")))?;
        Ok(LedgerLock {
            file,
            path: path.to_path_buf(),
            format,
        })
    }

    /// Adds or replaces the record of `name`, rewriting the ledger in place under the lock.
    pub(crate) fn record(&mut self, name: &str, record: Record) -> Result<(), IoError> {
        let io = |e: std::io::Error| IoError::file(&self.path, e);
        let mut text = String::new();
        self.file.rewind().map_err(io)?;
        self.file.read_to_string(&mut text).map_err(io)?;
        let mut ledger = serde_json::from_str::<Ledger>(&text)
            .ok()
            .filter(|l| l.format == self.format)
            .unwrap_or_else(|| Ledger {
                format: self.format.into(),
                ..Ledger::default()
            });
        ledger.files.insert(name.to_string(), record);
        let json = ledger.to_json();
        self.file.rewind().map_err(io)?;
        self.file.set_len(0).map_err(io)?;
        self.file.write_all(json.as_bytes()).map_err(io)?;
        self.file.sync_all().map_err(io)
    }
}
