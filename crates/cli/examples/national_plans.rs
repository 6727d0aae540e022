//! Writes the SYNTHETIC plan zones of the national benchmark (benches/national) as GeoParquet:
//! about ZONES squares of one lattice over every county-level unit of JURISDICTIONS (fields
//! code, level; lon/lat), by the rules of borderscape_io::synthetic::large::national_plans,
//! streamed in row groups so that 10⁸ zones never sit in memory together.
//!
//! Usage: cargo run --release --example national_plans -- JURISDICTIONS OUT.parquet ZONES [SEED]

use std::path::PathBuf;

use borderscape_io::atomic::write_file_atomically;
use borderscape_io::geoparquet::{WriteOptions, Writer};
use borderscape_io::gpkg::Srs;
use borderscape_io::read::{read_table, ReadOptions};
use borderscape_io::synthetic::large::national_plans;
use borderscape_io::IoError;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: national_plans JURISDICTIONS OUT.parquet ZONES [SEED]";
    let (input, out) = match (args.first(), args.get(1)) {
        (Some(i), Some(o)) => (PathBuf::from(i), PathBuf::from(o)),
        _ => return Err(usage.into()),
    };
    let zones: usize = args.get(2).ok_or(usage)?.parse()?;
    let seed: u64 = args.get(3).map_or(Ok(1), |s| s.parse())?;
    let jurisdictions = read_table(&input, &ReadOptions::default())?.table;
    let mut written = 0;
    write_file_atomically(&out, |tmp| {
        let mut writer: Option<Writer> = None;
        written = national_plans(&jurisdictions, zones, seed, 1 << 20, &mut |chunk| {
            if writer.is_none() {
                let kinds = chunk.columns.clone();
                let file = std::fs::File::create(tmp).map_err(|e| IoError::file(&out, e))?;
                writer = Some(Writer::create(
                    file,
                    &out,
                    &kinds,
                    Some(None),
                    Srs::WGS84,
                    &WriteOptions::default(),
                )?);
            }
            writer.as_mut().expect("created above").write(&chunk)
        })?;
        writer
            .expect("national_plans calls its sink at least once")
            .finish()
            .map(drop)
    })?;
    eprintln!("wrote {written} SYNTHETIC zones to {}", out.display());
    Ok(())
}
