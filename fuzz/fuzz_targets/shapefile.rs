//! The Shapefile reader on an arbitrary .shp, .dbf and .cpg (one input split three ways).
#![no_main]

use borderscape_fuzz::{split, Scratch};
use borderscape_io::read::{read_table, ReadOptions};
use libfuzzer_sys::fuzz_target;

thread_local!(static SCRATCH: Scratch = Scratch::default());

fuzz_target!(|data: &[u8]| {
    SCRATCH.with(|scratch| {
        let pieces = split(data, 3);
        let shp = scratch.file("layer.shp", pieces[0]);
        scratch.file("layer.dbf", pieces[1]);
        let cpg = scratch.path().join("layer.cpg");
        if pieces[2].is_empty() {
            let _ = std::fs::remove_file(&cpg);
        } else {
            scratch.file("layer.cpg", pieces[2]);
        }
        let _ = read_table(&shp, &ReadOptions::default());
    });
});
