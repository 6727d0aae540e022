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
    use borderscape_io::limits::Limits;
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
            let outcome =
                std::panic::catch_unwind(|| geoparquet::read(&bad, &Limits::default()).map(drop));
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

/// Writes `batches` of `schema` to a Parquet file with `properties`.
fn parquet_file(
    path: &Path,
    schema: arrow_schema::SchemaRef,
    batches: impl IntoIterator<Item = arrow_array::RecordBatch>,
    properties: parquet::file::properties::WriterProperties,
) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, Some(properties)).unwrap();
    for batch in batches {
        writer.write(&batch).unwrap();
    }
    writer.close().unwrap();
}

/// A column `n` of `pages` × 2^20 zeros (int64, no dictionary, 64 MiB pages, `compression`):
/// each page stores a few hundred bytes.
fn zeros_file(path: &Path, pages: usize, compression: parquet::basic::Compression) {
    use arrow_array::{Int64Array, RecordBatch};
    use arrow_schema::{DataType, Field, Schema};
    let schema = std::sync::Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]));
    let zeros: arrow_array::ArrayRef = std::sync::Arc::new(Int64Array::from(vec![0i64; 1 << 20]));
    let batch = RecordBatch::try_new(schema.clone(), vec![zeros]).unwrap();
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_compression(compression)
        .set_dictionary_enabled(false)
        .set_data_page_size_limit(64 << 20)
        .set_data_page_row_count_limit(usize::MAX)
        .set_max_row_group_row_count(Some(1 << 26))
        .build();
    parquet_file(path, schema, std::iter::repeat_n(batch, pages), properties);
}

fn parquet_error(path: &Path, limits: &borderscape_io::limits::Limits) -> String {
    let started = std::time::Instant::now();
    let error = borderscape_io::geoparquet::read(path, limits)
        .map(|r| r.table.len())
        .expect_err("refused");
    assert!(started.elapsed().as_secs() < 2, "{:?}", started.elapsed());
    error.to_string()
}

/// Issue 37: a small zstd GeoParquet file made `analyze` reach 3.45 GB. A column of 2^30 bytes
/// of zeros in two row groups of 2^26 rows, stored in 34 KB (zstd's 32,768:1 on constant bytes),
/// is refused from its footer: by the ratio of what it declares to what it stores, by the bytes
/// its values decode to when that ratio is raised, and by its rows per row group when those are
/// limited.
#[test]
fn a_zstd_bomb_is_refused_from_its_footer() {
    use borderscape_io::limits::Limits;
    use parquet::basic::{Compression, ZstdLevel};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.parquet");
    zeros_file(&path, 128, Compression::ZSTD(ZstdLevel::default()));
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < 40_000, "{size} bytes");
    let e = parquet_error(&path, &Limits::default());
    assert!(
        e.contains("bomb.parquet")
            && e.contains("its row groups declare 10737")
            && e.contains("[limits] decompression_ratio = 10000")
            && e.contains("borderscape.toml"),
        "{e}"
    );
    let ratio = Limits {
        decompression_ratio: u64::MAX,
        decoded_bytes: 1 << 28,
        ..Limits::default()
    };
    let e = parquet_error(&path, &ratio);
    assert!(
        e.contains("row group 0, column `n`: the values declared so far decode to 536870912 bytes")
            && e.contains("[limits] decoded_bytes = 268435456"),
        "{e}"
    );
    let rows = Limits {
        row_group_rows: 1000,
        ..Limits::default()
    };
    let e = parquet_error(&path, &rows);
    assert!(
        e.contains("row group 0 declares 67108864 rows") && e.contains("row_group_rows = 1000"),
        "{e}"
    );
}

/// A dictionary of one 16 KiB string that 65,536 rows repeat is stored in a few kilobytes and
/// declares little, but decodes to 1 GiB: the read stops as the decoded values pass the limit.
#[test]
fn a_dictionary_bomb_stops_as_its_values_decode() {
    use arrow_array::{DictionaryArray, Int32Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use borderscape_io::limits::Limits;
    use parquet::basic::{Compression, ZstdLevel};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dictionary.parquet");
    let text = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let schema = std::sync::Arc::new(Schema::new(vec![Field::new("name", text, false)]));
    let values = StringArray::from(vec!["x".repeat(16 << 10)]);
    let names = DictionaryArray::try_new(
        Int32Array::from(vec![0; 1 << 16]),
        std::sync::Arc::new(values),
    )
    .unwrap();
    let batch = RecordBatch::try_new(schema.clone(), vec![std::sync::Arc::new(names)]).unwrap();
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    parquet_file(&path, schema, [batch], properties);
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < 10_000, "{size} bytes");
    let e = parquet_error(&path, &Limits::default());
    assert!(
        e.contains("dictionary.parquet: row ")
            && e.contains("the rows read so far decode to")
            && e.contains("[limits] decompression_ratio = 10000"),
        "{e}"
    );
    let held = Limits {
        decompression_ratio: u64::MAX,
        decoded_bytes: 100 << 20,
        ..Limits::default()
    };
    let e = parquet_error(&path, &held);
    assert!(
        e.contains("the rows read so far decode to")
            && e.contains("[limits] decoded_bytes = 104857600"),
        "{e}"
    );
}

/// The first page header of a one-page column chunk, its uncompressed size rewritten to `size`
/// (the same number of varint bytes): a header that lies.
fn rewrite_page_size(path: &Path, size: u32) {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let at = reader.metadata().row_group(0).column(0).data_page_offset() as usize;
    let mut bytes = std::fs::read(path).unwrap();
    let varint = |v: u32| {
        let mut v = v << 1; // zigzag of a positive i32
        let mut out = Vec::new();
        while v >= 0x80 {
            out.push(v as u8 | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
        out
    };
    // type DATA_PAGE, then field 2: uncompressed_page_size.
    let old = varint(8 << 20);
    assert_eq!(&bytes[at..at + 3], &[0x15, 0x00, 0x15]);
    assert_eq!(&bytes[at + 3..at + 3 + old.len()], &old[..]);
    let new = varint(size);
    assert_eq!(new.len(), old.len());
    bytes[at + 3..at + 3 + new.len()].copy_from_slice(&new);
    std::fs::write(path, bytes).unwrap();
}

/// A page header may claim more than the footer does (the Parquet crate allocates what the
/// header says), and a Brotli page may decompress to more than its header claims (the crate's
/// codec reads on to its end): both are refused before the page is decoded.
#[test]
fn page_headers_are_checked_before_their_pages_decode() {
    use borderscape_io::limits::Limits;
    use parquet::basic::{BrotliLevel, Compression, ZstdLevel};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("header.parquet");
    zeros_file(&path, 1, Compression::ZSTD(ZstdLevel::default()));
    rewrite_page_size(&path, (1 << 27) - 1);
    // A ratio that lets the footer's 8 MiB through but not the header's 128 MiB.
    let size = std::fs::metadata(&path).unwrap().len();
    let limits = Limits {
        decompression_ratio: (16 << 20) / size,
        ..Limits::default()
    };
    let e = parquet_error(&path, &limits);
    assert!(
        e.contains("row group 0, column `n`: page 0: the page headers declare 134217727 bytes"),
        "{e}"
    );
    let path = dir.path().join("brotli.parquet");
    zeros_file(&path, 1, Compression::BROTLI(BrotliLevel::default()));
    rewrite_page_size(&path, 2 << 20);
    let e = parquet_error(&path, &Limits::default());
    assert!(
        e.contains("brotli.parquet: row group 0, column `n`: page 0 decompresses to more than the 2097152 bytes its header declares"),
        "{e}"
    );
}

/// Genuine Brotli files read, with v1 pages and v2 pages (whose levels are stored uncompressed
/// ahead of the Brotli stream), nulls and text among the values.
#[test]
fn brotli_files_read_with_either_page_version() {
    use arrow_array::{Int64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use borderscape_io::limits::Limits;
    use parquet::basic::{BrotliLevel, Compression};
    use parquet::file::properties::{WriterProperties, WriterVersion};
    let dir = tempfile::tempdir().unwrap();
    let schema = std::sync::Arc::new(Schema::new(vec![
        Field::new("n", DataType::Int64, true),
        Field::new("name", DataType::Utf8, true),
    ]));
    let n = Int64Array::from_iter((0..5000i64).map(|i| (i % 7 != 0).then_some(i)));
    let name = StringArray::from_iter((0..5000).map(|i| (i % 5 != 0).then(|| format!("n{i}"))));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![std::sync::Arc::new(n), std::sync::Arc::new(name)],
    )
    .unwrap();
    for version in [WriterVersion::PARQUET_1_0, WriterVersion::PARQUET_2_0] {
        let path = dir.path().join("brotli.parquet");
        let properties = WriterProperties::builder()
            .set_writer_version(version)
            .set_compression(Compression::BROTLI(BrotliLevel::default()))
            .build();
        parquet_file(&path, schema.clone(), [batch.clone()], properties);
        let read = borderscape_io::geoparquet::read(&path, &Limits::default())
            .unwrap_or_else(|e| panic!("{version:?}: {e}"));
        assert_eq!(read.table.len(), 5000);
        assert_eq!(read.table.rows[7][0], borderscape_core::table::Value::Null);
        assert_eq!(read.table.rows[8][1].to_text(), "n8");
    }
}
