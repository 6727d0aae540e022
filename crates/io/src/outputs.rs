//! Output targets: a command claims every file or folder it will write before any work, and
//! writes only a target that does not exist or one that borderscape provably wrote
//! ([`crate::owned`]). Results folders are written beside the target and swapped in whole, under
//! a lock, so that a crash leaves the old or the new results and two runs never mix.

use std::path::{Path, PathBuf};

use crate::atomic::{prepare, temporary};
use crate::error::IoError;
use crate::owned::{
    ledger_of, ownership, record_of, refusal, refused, results_folder_problem, split, Ledger,
    LedgerLock, OutputKind, RESULTS_MARKER,
};

/// Why `dir` may not receive results, checked before any work: it is not a new or empty
/// folder nor results that borderscape wrote ([`results_folder_problem`]), or it is the project
/// or a folder above it, the current folder, a mount point or the root.
pub fn check_output_dir(dir: &Path, project: Option<&Path>) -> Result<PathBuf, IoError> {
    let refuse = |why: String| {
        Err(IoError::Refused {
            path: dir.display().to_string(),
            message: format!(
                "{why}: borderscape writes results only into a new or empty folder or into results it wrote itself; choose another --out"
            ),
        })
    };
    let absolute = absolute_target(dir)?;
    if absolute.parent().is_none() {
        return refuse("is the root folder".into());
    }
    if let Some(project) = project {
        let project = absolute_target(project)?;
        let project = if project.is_file() {
            project.parent().map(Path::to_path_buf).unwrap_or(project)
        } else {
            project
        };
        if project.starts_with(&absolute) {
            return refuse("is the project folder or a folder that holds it".into());
        }
    }
    if std::env::current_dir().is_ok_and(|cwd| cwd == absolute) {
        return refuse(
            "is the current folder (replacing it would leave your shell in a removed folder); give the folder by name from its parent"
                .into(),
        );
    }
    match std::fs::symlink_metadata(&absolute) {
        Err(_) => Ok(absolute),
        Ok(m) if m.file_type().is_symlink() => refuse("is a symbolic link".into()),
        Ok(m) if !m.is_dir() => refuse("is a file, not a folder".into()),
        Ok(m) => {
            if is_mount_point(&absolute, &m) {
                return refuse(
                    "is a mount point (results are swapped in by renaming, which cannot replace one); choose a folder inside it"
                        .into(),
                );
            }
            let empty = std::fs::read_dir(&absolute)
                .map_err(|e| IoError::file(dir, e))?
                .next()
                .is_none();
            match results_folder_problem(&absolute) {
                _ if empty => Ok(absolute),
                None => Ok(absolute),
                Some(why) => refuse(format!("is not results that borderscape wrote: it {why}")),
            }
        }
    }
}

/// `path` made absolute and free of `.` and `..` (through the real folder of its parent, so
/// that `--out .` and `--out ../x` name the folders they mean).
fn absolute_target(path: &Path) -> Result<PathBuf, IoError> {
    let absolute = std::path::absolute(path).map_err(|e| IoError::file(path, e))?;
    if let Ok(real) = std::fs::canonicalize(&absolute) {
        if !std::fs::symlink_metadata(&absolute).is_ok_and(|m| m.file_type().is_symlink()) {
            return Ok(real);
        }
    }
    let mut clean = PathBuf::new();
    for part in absolute.components() {
        match part {
            std::path::Component::ParentDir => {
                clean.pop();
            }
            std::path::Component::CurDir => {}
            other => clean.push(other),
        }
    }
    Ok(clean)
}

/// Whether `dir` is on another file system than its parent.
fn is_mount_point(dir: &Path, meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        dir.parent()
            .and_then(|p| std::fs::metadata(p).ok())
            .is_some_and(|parent| parent.dev() != meta.dev())
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, meta);
        false
    }
}

/// A lock on one output folder, held from before the work until the results are in place, so
/// that two runs writing the same folder never remove each other's temporary folders. It is an
/// advisory lock on `.NAME.lock` beside the folder: the kernel releases it when its run ends,
/// however it ends, so a killed run leaves no stale lock.
#[derive(Debug)]
pub struct DirLock {
    _file: std::fs::File,
}

impl DirLock {
    /// Takes the lock of `dir` (absolute), or refuses at once when another run holds it.
    pub fn try_acquire(dir: &Path) -> Result<Self, IoError> {
        let (parent, prefix) = prepare(dir)?;
        let path = parent.join(format!("{prefix}lock"));
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| IoError::file(&path, format!("cannot create the lock file: {e}")))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = std::io::Read::read_to_string(&mut file, &mut holder);
                return Err(IoError::Refused {
                    path: dir.display().to_string(),
                    message: format!(
                        "another borderscape run is writing this folder ({}); wait until it finishes, or choose another --out",
                        holder.trim()
                    ),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(IoError::file(&path, format!("cannot lock: {e}")))
            }
        }
        use std::io::{Seek, Write};
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = writeln!(file, "process {}", std::process::id());
        Ok(DirLock { _file: file })
    }
}

/// A results folder claimed before any work: checked ([`check_output_dir`]) and locked.
#[derive(Debug)]
pub struct OutputDir {
    dir: PathBuf,
    _lock: DirLock,
}

impl OutputDir {
    /// Claims `dir` for a run on `project` (never the project or a folder above it).
    pub fn claim(dir: &Path, project: Option<&Path>) -> Result<Self, IoError> {
        let absolute = check_output_dir(dir, project)?;
        let lock = DirLock::try_acquire(&absolute)?;
        // Checked again under the lock: a run that held it may just have written the folder.
        check_output_dir(&absolute, project)?;
        Ok(OutputDir {
            dir: absolute,
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Calls `write` with a fresh temporary folder beside the target, records every file it
    /// wrote in the marker, then swaps it in (replacing older results only once the new ones
    /// are complete). Leftovers of killed runs are removed first.
    pub fn write(self, write: impl FnOnce(&Path) -> Result<(), IoError>) -> Result<(), IoError> {
        self.write_stopping(write, None).map(drop)
    }

    /// [`OutputDir::write`], stopping after `stop_after` as a kill would (tests); returns
    /// whether it ran to the end. A failure removes the run's temporary folder.
    fn write_stopping(
        self,
        write: impl FnOnce(&Path) -> Result<(), IoError>,
        stop_after: Option<Step>,
    ) -> Result<bool, IoError> {
        let dir = &self.dir;
        let (parent, prefix) = prepare(dir)?;
        clean_leftovers(&parent, &prefix, dir)?;
        let temp = temporary(&prefix, 0o755)
            .tempdir_in(&parent)
            .map_err(|e| IoError::file(dir, format!("cannot create a temporary folder: {e}")))?;
        // An empty marker first, so that a run killed while writing leaves a folder the next
        // run recognises as its leftover.
        let mut marker = Ledger::new_results()?;
        write_results_marker(&marker, temp.path())?;
        write(temp.path())?;
        marker.record_tree(temp.path())?;
        write_results_marker(&marker, temp.path())?;
        // The user may have put files into the target while the analysis ran.
        check_output_dir(dir, None)?;
        let finished = temp.keep();
        if stop_after == Some(Step::Written) {
            return Ok(false);
        }
        let old = parent.join(format!("{prefix}old-{}.tmp", std::process::id()));
        swap_in(&finished, dir, &old, stop_after).inspect_err(|_| {
            if finished.exists() && Ledger::results_of(&finished).is_some() {
                let _ = std::fs::remove_dir_all(&finished);
            }
        })
    }
}

/// The steps of replacing a results folder, so that a test can stop a run between them as a
/// kill would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The new results are complete in their temporary folder.
    Written,
    /// The new results are in place; the old ones wait in the temporary folder for deletion.
    Swapped,
}

/// Removes what a killed run left beside `dir`: temporary folders of ours (they carry our
/// marker). Called under the folder's lock, so no live run owns them. A kill inside the fallback swap can leave the old results aside with no `dir`:
/// they are moved back first.
fn clean_leftovers(parent: &Path, prefix: &str, dir: &Path) -> Result<(), IoError> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(());
    };
    let mut leftovers: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(prefix) && name.ends_with(".tmp")
        })
        .map(|e| e.path())
        .filter(|p| Ledger::results_of(p).is_some())
        .collect();
    leftovers.sort();
    if !dir.exists() {
        if let Some(kept) = leftovers
            .iter()
            .position(|p| p.to_string_lossy().contains(".old-"))
        {
            let old = leftovers.remove(kept);
            std::fs::rename(&old, dir).map_err(|e| IoError::file(dir, e))?;
        }
    }
    for leftover in leftovers {
        std::fs::remove_dir_all(&leftover).map_err(|e| IoError::file(&leftover, e))?;
    }
    Ok(())
}

/// Swaps `finished` in for `dir`. On Linux one `renameat2(RENAME_EXCHANGE)` exchanges the two
/// folders, so a crash leaves either the old or the new results at `dir`; elsewhere the old
/// folder is renamed aside first (and put back by the next run if a crash comes between).
fn swap_in(
    finished: &Path,
    dir: &Path,
    old: &Path,
    stop_after: Option<Step>,
) -> Result<bool, IoError> {
    let moved =
        |e: std::io::Error| IoError::file(dir, format!("cannot move the output into place: {e}"));
    if !dir.exists() {
        std::fs::rename(finished, dir).map_err(moved)?;
        return Ok(true);
    }
    #[cfg(target_os = "linux")]
    let exchanged = rustix::fs::renameat_with(
        rustix::fs::CWD,
        finished,
        rustix::fs::CWD,
        dir,
        rustix::fs::RenameFlags::EXCHANGE,
    )
    .is_ok();
    #[cfg(not(target_os = "linux"))]
    let exchanged = false;
    let aside = if exchanged {
        finished
    } else {
        std::fs::rename(dir, old)
            .map_err(|e| IoError::file(dir, format!("cannot move the old output aside: {e}")))?;
        std::fs::rename(finished, dir).map_err(moved)?;
        old
    };
    if stop_after == Some(Step::Swapped) {
        return Ok(false);
    }
    std::fs::remove_dir_all(aside)
        .map_err(|e| IoError::file(aside, format!("cannot remove the old output: {e}")))?;
    Ok(true)
}

/// Claims `dir` (no project) and writes results into it: [`OutputDir::claim`] then
/// [`OutputDir::write`].
pub fn write_dir_atomically(
    dir: &Path,
    write: impl FnOnce(&Path) -> Result<(), IoError>,
) -> Result<(), IoError> {
    OutputDir::claim(dir, None)?.write(write)
}

/// Whether two paths name one file (same device and inode), so that an output never replaces
/// the input it is made from.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
    }
}

/// An output file, claimed before any work: it does not exist, or borderscape wrote it as the
/// same kind and it is unchanged, and it is none of the command's inputs.
#[derive(Debug)]
pub struct OutputFile {
    path: PathBuf,
    kind: OutputKind,
}

impl OutputFile {
    /// Claims `path` for an output of `kind` made from `inputs`, or refuses it (exit 2).
    pub fn claim(path: &Path, kind: OutputKind, inputs: &[&Path]) -> Result<Self, IoError> {
        if let Some(input) = inputs.iter().find(|i| same_file(i, path)) {
            return Err(refused(
                path,
                format!(
                    "is the input {} of this command: write the output to another file",
                    input.display()
                ),
            ));
        }
        let status = ownership(path, kind)?;
        if let Some(e) = refusal(path, &status, kind) {
            return Err(e);
        }
        Ok(OutputFile {
            path: path.to_path_buf(),
            kind,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the output with `write` (which writes `path` atomically) and records it in its
    /// folder's ledger. The folder's ledger is locked throughout, and the target checked again
    /// under the lock: it may have changed since it was claimed.
    pub fn write(&self, write: impl FnOnce(&Path) -> Result<(), IoError>) -> Result<(), IoError> {
        let (folder, name) = split(&self.path)?;
        std::fs::create_dir_all(&folder)
            .map_err(|e| IoError::file(&folder, format!("cannot create folder: {e}")))?;
        let (ledger_path, _) = ledger_of(&folder);
        // Into a results folder: not while a run replaces it.
        let _results_lock = if ledger_path.ends_with(RESULTS_MARKER) {
            Some(DirLock::try_acquire(&absolute_target(&folder)?)?)
        } else {
            None
        };
        let mut lock = LedgerLock::open(&ledger_path)?;
        if let Some(e) = refusal(&self.path, &ownership(&self.path, self.kind)?, self.kind) {
            return Err(e);
        }
        write(&self.path)?;
        let record = record_of(&self.path, self.kind)?;
        lock.record(&name, record)
    }
}

/// Writes `ledger` as `dir`'s results marker, atomically.
fn write_results_marker(ledger: &Ledger, dir: &Path) -> Result<(), IoError> {
    let path = dir.join(RESULTS_MARKER);
    crate::atomic::write_file_atomically(&path, |tmp| {
        std::fs::write(tmp, ledger.to_json()).map_err(|e| IoError::file(&path, e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a folder holds, apart from the output folders' lock files (which stay).
    fn entries(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                !e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".lock")
            })
            .count()
    }

    #[test]
    fn a_failed_run_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("results");
        let failed = write_dir_atomically(&out, |tmp| {
            std::fs::write(tmp.join("a.csv"), "x").unwrap();
            Err(IoError::Internal("boom".into()))
        });
        assert!(failed.is_err());
        assert_eq!(entries(dir.path()), 0);
    }

    fn results(dir: &Path, content: &str, stop_after: Option<Step>) -> bool {
        OutputDir::claim(dir, None)
            .unwrap()
            .write_stopping(
                |tmp| std::fs::write(tmp.join("a.txt"), content).map_err(|e| IoError::file(tmp, e)),
                stop_after,
            )
            .unwrap()
    }

    /// A kill after the new results are written, or between the swap and the removal of the
    /// old ones, leaves a whole results folder; the next run removes what was left.
    #[test]
    fn a_killed_swap_leaves_old_or_new_and_the_next_run_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("results");
        results(&out, "first", None);
        assert!(!results(&out, "second", Some(Step::Written)));
        assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "first");
        assert!(!results(&out, "third", Some(Step::Swapped)));
        assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "third");
        // The third run removed the second's leftover; its own old results wait beside.
        assert_eq!(entries(dir.path()), 2);
        results(&out, "fourth", None);
        assert_eq!(
            std::fs::read_to_string(out.join("a.txt")).unwrap(),
            "fourth"
        );
        assert_eq!(entries(dir.path()), 1);
    }

    /// The fallback swap renames the old folder aside first; a kill right then leaves no
    /// results folder, and the next run puts the old one back before anything else.
    #[test]
    fn old_results_left_aside_are_restored() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("results");
        results(&out, "first", None);
        let aside = dir.path().join(".results.old-1.tmp");
        std::fs::rename(&out, &aside).unwrap();
        clean_leftovers(dir.path(), ".results.", &out).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "first");
        assert!(!aside.exists());
    }

    #[test]
    fn foreign_folders_and_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let refused = |target: &Path| {
            let e = write_dir_atomically(target, |_| Ok(())).unwrap_err();
            assert!(matches!(e, IoError::Refused { .. }), "{e}");
        };
        refused(dir.path());
        refused(&dir.path().join("notes.txt"));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
            "mine"
        );
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        write_dir_atomically(&empty, |_| Ok(())).unwrap();
        assert!(empty.join(RESULTS_MARKER).exists());
    }

    #[test]
    fn successful_writes_replace_old_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("results");
        for content in ["first", "second"] {
            write_dir_atomically(&out, |tmp| {
                std::fs::write(tmp.join("a.txt"), content).map_err(|e| IoError::file(tmp, e))
            })
            .unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(out.join("a.txt")).unwrap(),
            "second"
        );
        assert_eq!(entries(dir.path()), 1);
    }
}
