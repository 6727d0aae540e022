//! Atomic writes: a file is written to a temporary path beside the target and renamed into place
//! only when complete, so a failed write leaves no half-written file behind.

use std::path::{Path, PathBuf};

use crate::error::IoError;

/// The target's folder (created if needed) and the hidden prefix of its temporary sibling.
pub(crate) fn prepare(target: &Path) -> Result<(PathBuf, String), IoError> {
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
pub(crate) fn temporary<'a>(prefix: &'a str, mode: u32) -> tempfile::Builder<'a, 'static> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let failed = write_file_atomically(&target, |tmp| {
            std::fs::write(tmp, "half").unwrap();
            Err(IoError::Internal("boom".into()))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
