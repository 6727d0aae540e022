//! `borderscape coupling TABLE.csv`: coupling coordination degree of subsystems built from
//! indicator columns with entropy (or equal) weights.

use std::path::PathBuf;

use borderscape_core::stats::coupling::Subsystem;
use borderscape_io::csv_io::CsvGeometry;
use borderscape_io::gpkg::Srs;
use borderscape_io::outputs::OutputFile;
use borderscape_io::owned::OutputKind;
use borderscape_io::read::{read_table, ReadOptions};
use borderscape_io::write::write_table;
use borderscape_ops::coupling::{coupling, records_table, CouplingOptions, Year};

use crate::context::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Indicator table (.csv, or any layer format).
    table: PathBuf,
    /// Field naming the unit (jurisdiction code, border id, …).
    #[arg(long)]
    unit: String,
    /// Field holding the year of a panel.
    #[arg(long)]
    year: Option<String>,
    /// A subsystem: NAME=col,col,-col (a leading `-` marks an indicator where more is worse). Repeat for each.
    #[arg(long = "system", required = true, value_parser = Subsystem::parse)]
    systems: Vec<Subsystem>,
    /// standard or modified (Wang et al. 2021) coupling degree.
    #[arg(long, default_value = "standard")]
    model: String,
    /// entropy or equal indicator weights.
    #[arg(long, default_value = "entropy")]
    weights: String,
    /// With --year: entropy weights per year, or pooled over all units and years.
    #[arg(long, default_value = "pooled")]
    entropy_scope: String,
    /// Weights α of the subsystems in T, e.g. `--alpha eco=0.6 --alpha econ=0.4` (default equal).
    #[arg(long = "alpha", value_parser = parse_alpha)]
    alpha: Vec<(String, f64)>,
    /// Print the records as JSON.
    #[arg(long)]
    json: bool,
    /// Write the records to a file (.csv, .geojson, .gpkg).
    #[arg(long)]
    out: Option<PathBuf>,
}

fn parse_alpha(text: &str) -> Result<(String, f64), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not NAME=WEIGHT"))?;
    Ok((
        name.trim().to_string(),
        value
            .trim()
            .parse()
            .map_err(|_| format!("`{value}` is not a number"))?,
    ))
}

/// The indicator matrix of one subsystem, with errors naming row and field.
pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    let target = args
        .out
        .as_deref()
        .map(|out| OutputFile::claim(out, OutputKind::Layer, &[&args.table]))
        .transpose()?;
    let options = ReadOptions {
        csv_geometry: CsvGeometry::None,
        ..Default::default()
    };
    let table = read_table(&args.table, &options)?.table;
    let run = coupling(
        &table,
        &args.table,
        &CouplingOptions {
            unit: args.unit.clone(),
            year: args.year.clone(),
            systems: args.systems.clone(),
            model: args.model.clone(),
            weights: args.weights.clone(),
            entropy_scope: args.entropy_scope.clone(),
            alpha: args.alpha.clone(),
        },
    )?;
    let records = run.records;
    if !ctx.quiet {
        eprintln!(
            "indicator weights ({}, {} model): {}",
            args.weights,
            args.model,
            serde_json::to_string(&run.weights).expect("serialisable")
        );
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&records).expect("serialisable")
        );
    }
    if let Some(target) = &target {
        target.write(|path| write_table(path, &records_table(&records), Srs::WGS84))?;
    }
    if !args.json && args.out.is_none() && !ctx.quiet {
        for r in &records {
            println!(
                "{} {} C={:.4} T={:.4} D={:.4} ({})",
                r.unit,
                r.year.as_ref().map(Year::to_string).unwrap_or_default(),
                r.c,
                r.t,
                r.d,
                r.d_class
            );
        }
    }
    Ok(())
}
