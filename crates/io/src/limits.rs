//! Bounds on the work a reader does for one input file, so that a file declaring far more data
//! than it holds (a decompression bomb) is refused from what it declares, in seconds and bounded
//! memory, instead of being decoded until the machine runs out of time or memory. A project
//! overrides them in `borderscape.toml`:
//!
//! ```toml
//! [limits]
//! raster_cells = 20_000_000_000     # a national 30 m mosaic
//! ```
//!
//! Each limit, its default and why: docs/limits.md.

use serde::Deserialize;

/// The limits a project's readers work within; [`Limits::default`] when the manifest has no
/// `[limits]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// The most cells (width × height × samples) a raster may declare: 10^10, a 100,000 ×
    /// 100,000 raster, far more than a city cluster at 10 m needs.
    pub raster_cells: u64,
    /// The most bytes a file may declare per byte it stores (decompressed : stored): 10,000. No
    /// codec the readers take gets near it on real data (DEFLATE tops out at 1,032:1, LZW under
    /// 3,000:1 and PackBits at 64:1 even on constant cells), while a bomb needs far more.
    pub decompression_ratio: u64,
    /// The most bytes of decoded values a GeoParquet read holds at once (a whole layer, or one
    /// part of a layer read in parts): 4 GiB, which no layer a city cluster needs comes near.
    pub decoded_bytes: u64,
    /// The most rows one Parquet row group may declare: 10^8, above the largest default of the
    /// common writers (pyarrow's former 64 Mi rows).
    pub row_group_rows: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            raster_cells: 10_000_000_000,
            decompression_ratio: 10_000,
            decoded_bytes: 4 << 30,
            row_group_rows: 100_000_000,
        }
    }
}

impl Limits {
    /// Every limit must be positive: a zero would refuse every file.
    pub fn validate(&self) -> Result<(), String> {
        for (name, value) in [
            ("raster_cells", self.raster_cells),
            ("decompression_ratio", self.decompression_ratio),
            ("decoded_bytes", self.decoded_bytes),
            ("row_group_rows", self.row_group_rows),
        ] {
            if value == 0 {
                return Err(format!("[limits] {name} = 0: a limit must be at least 1"));
            }
        }
        Ok(())
    }

    /// The most bytes a file of `stored` bytes may declare or decode to.
    pub(crate) fn expanded(&self, stored: u64) -> u64 {
        stored.saturating_mul(self.decompression_ratio)
    }
}

/// The end of a message that a limit refused a file: which limit, its value, and how to raise
/// it when the file is genuine.
pub(crate) fn over(name: &str, value: u64) -> String {
    format!(
        "more than the limit [limits] {name} = {value}; if the file is genuine, raise it in borderscape.toml (docs/limits.md)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_limits_are_refused_and_names_are_checked() {
        let zero = Limits {
            decoded_bytes: 0,
            ..Limits::default()
        };
        let e = zero.validate().unwrap_err();
        assert!(e.contains("decoded_bytes = 0"), "{e}");
        assert!(Limits::default().validate().is_ok());
        let e = toml::from_str::<Limits>("raster_cell = 5").unwrap_err();
        assert!(e.to_string().contains("raster_cell"), "{e}");
        let e = toml::from_str::<Limits>("raster_cells = -5").unwrap_err();
        assert!(e.to_string().contains("raster_cells"), "{e}");
        let parsed: Limits = toml::from_str("raster_cells = 20_000_000_000").unwrap();
        assert_eq!(parsed.raster_cells, 20_000_000_000);
        assert_eq!(parsed.decompression_ratio, 10_000);
    }
}
