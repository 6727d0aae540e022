//! Inputs that crashed or exhausted memory under fuzzing (`scripts/fuzz`), kept as regressions:
//! each is refused with a message naming what is wrong, or read, never a panic.

use std::path::Path;

use borderscape_io::gpkg::{decode_geometry, encode_geometry};
use borderscape_io::read::{read_table, ReadOptions};

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// A GeoPackage blob: GP header without envelope, then the WKB.
fn gp(wkb: &[u8]) -> Vec<u8> {
    let mut blob = b"GP\x00\x01".to_vec();
    blob.extend_from_slice(&4326i32.to_le_bytes());
    blob.extend_from_slice(wkb);
    blob
}

fn point(order: u8, code: u32) -> Vec<u8> {
    let mut wkb = vec![order];
    wkb.extend_from_slice(&code.to_le_bytes());
    wkb.extend_from_slice(&1.0f64.to_le_bytes());
    wkb.extend_from_slice(&2.0f64.to_le_bytes());
    wkb
}

fn multipoint(members: &[Vec<u8>]) -> Vec<u8> {
    let mut wkb = vec![1];
    wkb.extend_from_slice(&4u32.to_le_bytes());
    wkb.extend_from_slice(&(members.len() as u32).to_le_bytes());
    for m in members {
        wkb.extend_from_slice(m);
    }
    wkb
}

#[test]
fn lying_wkb_is_refused_not_a_panic() {
    let good = multipoint(&[point(1, 1), point(1, 1)]);
    assert!(decode_geometry(&gp(&good)).unwrap().is_some());
    for (what, wkb, expected) in [
        (
            "member with byte order 0x76",
            multipoint(&[point(1, 1), point(0x76, 1)]),
            "byte order",
        ),
        (
            "member with its own SRID",
            multipoint(&[point(1, 1), point(1, 0x2000_0001)]),
            "SRID",
        ),
        (
            "member of another type",
            multipoint(&[point(1, 1), point(1, 2)]),
            "differs",
        ),
        (
            "count beyond the blob",
            {
                let mut m = multipoint(&[point(1, 1)]);
                m[5..9].copy_from_slice(&u32::MAX.to_le_bytes());
                m
            },
            "cannot fit",
        ),
        ("truncated point", point(1, 1)[..12].to_vec(), "bytes"),
    ] {
        let error = decode_geometry(&gp(&wkb)).expect_err(what);
        assert!(error.contains(expected), "{what}: {error}");
    }
}

/// POLYGON(EMPTY, EMPTY) once came out as a blob with a dangling ring count.
#[test]
fn an_empty_polygon_with_holes_writes_a_readable_blob() {
    let polygon = geo::Polygon::new(
        geo::LineString::new(vec![]),
        vec![geo::LineString::new(vec![])],
    );
    let collection = geo::Geometry::GeometryCollection(geo::GeometryCollection::new_from(vec![
        polygon.into(),
        geo::Point::new(1.0, 2.0).into(),
    ]));
    let blob = encode_geometry(&collection, 4326).unwrap();
    let read = decode_geometry(&blob).unwrap().unwrap();
    let geo::Geometry::GeometryCollection(members) = read else {
        panic!("{read:?}")
    };
    assert_eq!(members.0.len(), 2);
    assert_eq!(members.0[1], geo::Point::new(1.0, 2.0).into());
}

/// A .shp whose record declares a part starting at point -167772160 (the crate sized a ring of
/// 167 million points from it) or 2^30 points: refused, naming the record.
#[test]
fn lying_shapefile_counts_are_refused() {
    let source = repo("data/pysal_examples/columbus/columbus");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(source.with_extension("dbf"), dir.path().join("c.dbf")).unwrap();
    let shp = std::fs::read(source.with_extension("shp")).unwrap();
    // Record 0 content starts at 108: type, box (32), parts, points, then part starts.
    for (what, at, value, expected) in [
        (
            "negative part start",
            108 + 44,
            0xf600_0000u32,
            "part 0 starts at point",
        ),
        ("points beyond the record", 108 + 40, 1 << 30, "cannot fit"),
        (
            "record longer than the file",
            104,
            0x7fff_ffffu32.swap_bytes(),
            "runs past the end",
        ),
    ] {
        let mut bytes = shp.clone();
        bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
        let path = dir.path().join("c.shp");
        std::fs::write(&path, &bytes).unwrap();
        let error = read_table(&path, &ReadOptions::default())
            .err()
            .unwrap_or_else(|| panic!("{what}: read"))
            .to_string();
        assert!(
            error.contains("record 0") && error.contains(expected),
            "{what}: {error}"
        );
    }
}

#[test]
fn a_geojson_position_of_one_number_is_a_problem_of_that_feature() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.geojson");
    std::fs::write(
        &path,
        r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"code":"1"},"geometry":{"type":"Point","coordinates":[1,2]}},
            {"type":"Feature","properties":{"code":"2"},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1],[1,1],[0,0]]]]}}]}"#,
    )
    .unwrap();
    let read = read_table(&path, &ReadOptions::default()).unwrap();
    assert_eq!(read.table.len(), 2);
    assert!(read.table.geometry(1).is_none());
    let problem = &read.problems[0];
    assert_eq!(problem.feature, Some(1));
    assert!(
        problem.message.contains("fewer than 2 numbers"),
        "{problem:?}"
    );
}

/// Every byte of a small GeoParquet file, flipped one at a time (header, pages, footer, `geo`
/// metadata): each read either succeeds or fails with a message, and never panics.
#[test]
fn corrupted_geoparquet_is_refused_not_a_panic() {
    use borderscape_core::table::{Column, ColumnType, Table};
    use borderscape_io::geoparquet::{self, GeometryEncoding, WriteOptions};
    use borderscape_io::gpkg::Srs;
    let dir = tempfile::tempdir().unwrap();
    for encoding in [GeometryEncoding::Wkb, GeometryEncoding::GeoArrow] {
        let mut table = Table::new("t", vec![Column::new("n", ColumnType::Int, None, "")], true);
        for i in 0..5 {
            let x = i as f64;
            let ring = vec![(x, 0.), (x + 1., 0.), (x + 1., 1.), (x, 0.)];
            let square = geo::Polygon::new(ring.into(), vec![]);
            table.push(vec![(i as i64).into()], Some(square.into()));
        }
        let good = dir.path().join("good.parquet");
        let options = WriteOptions {
            encoding,
            row_group_rows: 2,
        };
        geoparquet::write(&good, &table, Srs::WGS84, &options).unwrap();
        let bytes = std::fs::read(&good).unwrap();
        let bad = dir.path().join("bad.parquet");
        for at in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x5a;
            std::fs::write(&bad, &flipped).unwrap();
            let outcome = std::panic::catch_unwind(|| geoparquet::read(&bad).map(drop));
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(e)) => assert!(e.to_string().contains("bad.parquet"), "{e}"),
                Err(_) => panic!(
                    "{encoding:?}: flipping byte {at} of {} panics the reader",
                    bytes.len()
                ),
            }
        }
    }
}
