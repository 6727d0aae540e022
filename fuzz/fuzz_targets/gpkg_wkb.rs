//! GeoPackage geometry blobs (GP header + WKB): decoding never panics, and a geometry written
//! once is read back unchanged by every later write and read (the first write may normalise:
//! an empty ring of an empty polygon is not kept).
#![no_main]

use borderscape_io::gpkg::{decode_geometry, encode_geometry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(Some(geometry)) = decode_geometry(data) else {
        return;
    };
    let finite =
        geo::CoordsIter::coords_iter(&geometry).all(|c| c.x.is_finite() && c.y.is_finite());
    let Ok(blob) = encode_geometry(&geometry, 4326) else {
        return;
    };
    let written = decode_geometry(&blob).expect("our own blob decodes");
    if let (Some(written), true) = (written, finite) {
        let blob = encode_geometry(&written, 4326).expect("a decoded geometry encodes");
        let again = decode_geometry(&blob).expect("our own blob decodes");
        assert_eq!(
            again.as_ref(),
            Some(&written),
            "a written geometry changed on re-reading"
        );
    }
});
