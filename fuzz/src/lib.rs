//! What the fuzz targets share: the readers take paths, so each input is written to a file of
//! the right extension in a private temporary folder first.

use std::path::{Path, PathBuf};

/// A temporary folder that holds one fuzz input at a time.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }
}

impl Scratch {
    /// Writes `bytes` to `name` inside the folder and returns its path.
    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("writing a fuzz input");
        path
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Splits one input into `parts` pieces: the first bytes give each piece's length (u16, little
/// endian, capped at what is left), so the fuzzer can shape every file of a multi-file format
/// independently. The last piece takes the rest. `make_seeds.py` frames its seeds this way.
pub fn split(data: &[u8], parts: usize) -> Vec<&[u8]> {
    let header = 2 * (parts - 1);
    if data.len() < header {
        return vec![&data[..0]; parts];
    }
    let (lengths, mut rest) = data.split_at(header);
    let mut pieces = Vec::with_capacity(parts);
    for pair in lengths.chunks_exact(2) {
        let wanted = u16::from_le_bytes([pair[0], pair[1]]) as usize;
        let (piece, tail) = rest.split_at(wanted.min(rest.len()));
        pieces.push(piece);
        rest = tail;
    }
    pieces.push(rest);
    pieces
}
