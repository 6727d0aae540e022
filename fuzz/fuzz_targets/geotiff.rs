//! The GeoTIFF reader on arbitrary bytes: open, then read every band of rows.
#![no_main]

use borderscape_fuzz::Scratch;
use borderscape_io::geotiff::GeoTiff;
use libfuzzer_sys::fuzz_target;

use borderscape_core::analysis::landcover::ClassSource;

thread_local!(static SCRATCH: Scratch = Scratch::default());

fuzz_target!(|data: &[u8]| {
    SCRATCH.with(|scratch| {
        let path = scratch.file("landcover.tif", data);
        let Ok(tif) = GeoTiff::open(&path) else { return };
        let (height, band) = (tif.grid().height, tif.band_rows());
        let mut row = 0;
        while row < height {
            let rows = band.min(height - row);
            if tif.read_rows(row, rows).is_err() {
                return;
            }
            row += rows;
        }
    });
});
