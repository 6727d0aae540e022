//! The GeoParquet reader (WKB and native GeoArrow encodings, `geo` metadata) on arbitrary bytes:
//! an error naming the file, never a panic (the Parquet crate's own panics are caught there).
#![no_main]

use borderscape_fuzz::Scratch;
use borderscape_io::read::{read_table, ReadOptions};
use libfuzzer_sys::fuzz_target;

thread_local!(static SCRATCH: Scratch = Scratch::default());

fuzz_target!(|data: &[u8]| {
    SCRATCH.with(|scratch| {
        let path = scratch.file("layer.parquet", data);
        let _ = read_table(&path, &ReadOptions::default());
    });
});
