//! Issue 37: decompression bombs in a project are refused by `borderscape check` within seconds
//! (and bounded memory), with exit code 1 and a message naming the file and the limit.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use borderscape_core::table::{Column, Table, Value};
use borderscape_io::geoparquet::{WriteOptions, Writer};
use borderscape_io::gpkg::Srs;
use common::two_counties;

/// How long `check` may take on a bomb; unguarded, the GeoTIFF ran past 15 minutes.
const WITHIN: Duration = Duration::from_secs(20);

/// `check PROJECT`'s run; killed, failing the test, when it takes
/// longer than [`WITHIN`].
fn check(project: &Path) -> common::Run {
    let out = tempfile::tempdir().unwrap();
    let (stdout, stderr) = (out.path().join("stdout"), out.path().join("stderr"));
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_borderscape"))
        .args(["check", project.to_str().unwrap()])
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > WITHIN {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("check {} still runs after {WITHIN:?}", project.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    common::Run {
        code: status.code().unwrap_or(-1),
        stdout: std::fs::read_to_string(stdout).unwrap(),
        stderr: std::fs::read_to_string(stderr).unwrap(),
    }
}

/// A classic little-endian GeoTIFF (WGS84, 8-bit DEFLATE) of `width` × `height` cells in
/// `tile` × `tile` tiles that all point at the one stored tile `data`: the reported bomb.
fn shared_tile_tiff(width: u32, height: u32, tile: u32, data: &[u8]) -> Vec<u8> {
    let tiles = (width.div_ceil(tile) * height.div_ceil(tile)) as usize;
    let mut out = b"II\x2a\x00\0\0\0\0".to_vec();
    let extra = |out: &mut Vec<u8>, bytes: &[u8]| {
        while !out.len().is_multiple_of(8) {
            out.push(0);
        }
        let at = out.len() as u32;
        out.extend_from_slice(bytes);
        at
    };
    let data_at = extra(&mut out, data);
    let words = |v: &[u32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let offsets = extra(&mut out, &words(&vec![data_at; tiles]));
    let counts = extra(&mut out, &words(&vec![data.len() as u32; tiles]));
    let doubles = |v: &[f64]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let scale = extra(&mut out, &doubles(&[1e-4, 1e-4, 0.0]));
    let tie = extra(&mut out, &doubles(&[0.0, 0.0, 0.0, 121.0, 31.1, 0.0]));
    let keys: Vec<u8> = [
        1u16, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326,
    ]
    .iter()
    .flat_map(|k| k.to_le_bytes())
    .collect();
    let keys_at = extra(&mut out, &keys);
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const DOUBLE: u16 = 12;
    let entries: [(u16, u16, u32, u32); 14] = [
        (256, LONG, 1, width),
        (257, LONG, 1, height),
        (258, SHORT, 1, 8),
        (259, SHORT, 1, 8),
        (262, SHORT, 1, 1),
        (277, SHORT, 1, 1),
        (322, LONG, 1, tile),
        (323, LONG, 1, tile),
        (324, LONG, tiles as u32, offsets),
        (325, LONG, tiles as u32, counts),
        (339, SHORT, 1, 1),
        (33550, DOUBLE, 3, scale),
        (33922, DOUBLE, 6, tie),
        (34735, SHORT, 16, keys_at),
    ];
    let ifd = extra(&mut out, &[]);
    out[4..8].copy_from_slice(&ifd.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, kind, count, value) in entries {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&value.to_le_bytes());
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out
}

#[test]
fn check_refuses_a_geotiff_bomb_within_seconds() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&vec![0u8; 8192 * 8192]).unwrap();
    let tile = z.finish().unwrap();
    let bomb = shared_tile_tiff(1_000_000, 1_000_000, 8192, &tile);
    assert!(bomb.len() < 200_000, "{} bytes", bomb.len());
    std::fs::write(dir.path().join("bomb.tif"), bomb).unwrap();
    let project = two_counties(
        dir.path(),
        "[layers.landcover]\npath = \"bomb.tif\"\nyear = 2020\nscheme = \"igbp\"\n",
    );
    let run = check(&project);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("bomb.tif")
            && run.stdout.contains("1000000 × 1000000")
            && run.stdout.contains("[limits] raster_cells = 10000000000"),
        "{}",
        run.stdout
    );
    // Raised in the manifest, the cell limit lets the tags through to the ratio's check.
    let manifest = project.join("borderscape.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        format!("{text}[limits]\nraster_cells = 1_000_000_000_000\n"),
    )
    .unwrap();
    let run = check(&project);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("bomb.tif") && run.stdout.contains("[limits] decompression_ratio"),
        "{}",
        run.stdout
    );
}

/// 65,536 rows repeating one 16 KiB string: a few kilobytes of Parquet (a dictionary of one
/// value, run-length-encoded indices) that decode to 1 GiB of text.
#[test]
fn check_refuses_a_geoparquet_bomb_within_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.parquet");
    let columns = [Column::text("unit", "")];
    let options = WriteOptions::default();
    let file = std::fs::File::create(&path).unwrap();
    let mut writer = Writer::create(file, &path, &columns, None, Srs::WGS84, &options).unwrap();
    let value = Value::Text("x".repeat(16 << 10));
    for _ in 0..64 {
        let mut chunk = Table::new("bomb", columns.to_vec(), false);
        for _ in 0..1024 {
            chunk.push(vec![value.clone()], None);
        }
        writer.write(&chunk).unwrap();
    }
    writer.finish().unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < 10_000, "{size} bytes");
    let project = two_counties(
        dir.path(),
        "[layers.indicators]\npath = \"bomb.parquet\"\nfields = { unit = \"unit\", year = \"unit\" }\n",
    );
    let run = check(&project);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("bomb.parquet")
            && run.stdout.contains("decode to")
            && run.stdout.contains("[limits] decompression_ratio = 10000"),
        "{}",
        run.stdout
    );
    // A limit the manifest sets takes effect (and a bad one is refused).
    let manifest = project.join("borderscape.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        format!(
            "{text}[limits]\ndecompression_ratio = 1_000_000_000\ndecoded_bytes = 50_000_000\n"
        ),
    )
    .unwrap();
    let run = check(&project);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("[limits] decoded_bytes = 50000000"),
        "{}",
        run.stdout
    );
    std::fs::write(&manifest, format!("{text}[limits]\ndecoded_bytes = 0\n")).unwrap();
    let run = check(&project);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("borderscape.toml") && run.stderr.contains("decoded_bytes = 0"),
        "{}",
        run.stderr
    );
}
