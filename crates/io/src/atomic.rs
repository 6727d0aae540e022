//! Atomic outputs: everything is written to a temporary path beside the target and renamed into
//! place only when complete, so a failed run leaves no half-written file or folder behind.

use std::path::{Path, PathBuf};

use crate::error::IoError;

/// The target's folder (created if needed) and the hidden prefix of its temporary sibling.
fn prepare(target: &Path) -> Result<(PathBuf, String), IoError> {
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .map_err(|e| IoError::file(&parent, format!("cannot create folder: {e}")))?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((parent, format!(".{name}.")))
}

/// A builder of hidden temporary siblings. Temporary files are private (0600) by default, but the
/// outputs are ordinary files that others may read: `mode` is what the finished output gets.
fn temporary<'a>(prefix: &'a str, mode: u32) -> tempfile::Builder<'a, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    builder
}

/// Calls `write` with a temporary path in the target's folder, then renames it to `path`.
pub fn write_file_atomically(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), IoError>,
) -> Result<(), IoError> {
    let (dir, prefix) = prepare(path)?;
    let temp = temporary(&prefix, 0o644)
        .tempfile_in(&dir)
        .map_err(|e| IoError::file(path, format!("cannot create a temporary file: {e}")))?
        .into_temp_path();
    write(&temp)?;
    temp.persist(path).map_err(|e| {
        IoError::file(
            path,
            format!("cannot move the finished file into place: {e}"),
        )
    })
}

/// The file that marks a folder as borderscape's results: written into every results folder,
/// and required (or the exact layout of an earlier version's results) before a folder is
/// replaced.
pub const RESULTS_MARKER: &str = ".borderscape-results";

/// What a results folder of a version before the marker holds, and nothing else.
const UNMARKED_RESULTS: [&str; 5] = [
    "report.html",
    "results.gpkg",
    "run.json",
    "summary.json",
    "tables",
];

/// Whether `dir` is a results folder borderscape wrote.
pub fn is_results_dir(dir: &Path) -> bool {
    if dir.join(RESULTS_MARKER).is_file() {
        return true;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names == UNMARKED_RESULTS
}

/// Refuses an output folder that is neither absent, nor empty, nor a results folder of ours, so
/// that a run never replaces the user's files (the project, a parent of it, a file). Checked
/// before any work.
pub fn check_output_dir(dir: &Path) -> Result<(), IoError> {
    let refuse = |why: &str| {
        Err(IoError::Refused {
            path: dir.display().to_string(),
            message: format!(
                "{why}: borderscape writes results only into a new or empty folder or into results it wrote itself; choose another --out"
            ),
        })
    };
    match std::fs::symlink_metadata(dir) {
        Err(_) => Ok(()),
        Ok(m) if m.file_type().is_symlink() => refuse("is a symbolic link"),
        Ok(m) if !m.is_dir() => refuse("is a file, not a folder"),
        Ok(_) => {
            let empty = std::fs::read_dir(dir)
                .map_err(|e| IoError::file(dir, e))?
                .next()
                .is_none();
            if empty || is_results_dir(dir) {
                Ok(())
            } else {
                refuse("is a folder with other content (not borderscape results)")
            }
        }
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

/// Removes what a killed run left beside `dir`: temporary folders of ours (they carry the
/// marker). A kill inside the fallback swap can leave the old results aside with no `dir`:
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
        .filter(|p| p.join(RESULTS_MARKER).is_file())
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

/// Calls `write` with a fresh temporary folder beside `dir`, then swaps it in for `dir`
/// (replacing an older one only after the new one is complete, and only when `dir` is absent,
/// empty or results of ours). Leftovers of killed runs are removed first.
pub fn write_dir_atomically(
    dir: &Path,
    write: impl FnOnce(&Path) -> Result<(), IoError>,
) -> Result<(), IoError> {
    write_dir_stopping(dir, write, None).map(drop)
}

/// [`write_dir_atomically`], stopping after `stop_after` as a kill would (tests); returns
/// whether it ran to the end.
fn write_dir_stopping(
    dir: &Path,
    write: impl FnOnce(&Path) -> Result<(), IoError>,
    stop_after: Option<Step>,
) -> Result<bool, IoError> {
    check_output_dir(dir)?;
    let (parent, prefix) = prepare(dir)?;
    clean_leftovers(&parent, &prefix, dir)?;
    let temp = temporary(&prefix, 0o755)
        .tempdir_in(&parent)
        .map_err(|e| IoError::file(dir, format!("cannot create a temporary folder: {e}")))?;
    let marker = temp.path().join(RESULTS_MARKER);
    std::fs::write(
        &marker,
        "written by borderscape: this folder is replaced by the next run\n",
    )
    .map_err(|e| IoError::file(&marker, e))?;
    write(temp.path())?;
    let finished = temp.keep();
    if stop_after == Some(Step::Written) {
        return Ok(false);
    }
    let old = parent.join(format!("{prefix}old-{}.tmp", std::process::id()));
    swap_in(&finished, dir, &old, stop_after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_writes_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let failed = write_file_atomically(&target, |tmp| {
            std::fs::write(tmp, "half").unwrap();
            Err(IoError::Internal("boom".into()))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

        let out = dir.path().join("results");
        let failed = write_dir_atomically(&out, |tmp| {
            std::fs::write(tmp.join("a.csv"), "x").unwrap();
            Err(IoError::Internal("boom".into()))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    fn results(dir: &Path, content: &str, stop_after: Option<Step>) -> bool {
        write_dir_stopping(
            dir,
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
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        results(&out, "fourth", None);
        assert_eq!(
            std::fs::read_to_string(out.join("a.txt")).unwrap(),
            "fourth"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
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
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
