//! The CSV reader with WKT or lon/lat geometry detection on arbitrary bytes.
#![no_main]

use borderscape_fuzz::Scratch;
use borderscape_io::read::{read_table, ReadOptions};
use libfuzzer_sys::fuzz_target;

thread_local!(static SCRATCH: Scratch = Scratch::default());

fuzz_target!(|data: &[u8]| {
    SCRATCH.with(|scratch| {
        let path = scratch.file("table.csv", data);
        let _ = read_table(&path, &ReadOptions::default());
    });
});
