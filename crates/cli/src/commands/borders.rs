//! `borderscape borders LAYER`: the borders between the jurisdictions of one level.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::anyhow;
use borderscape_core::analysis::borders::{borders_at_level, borders_table, BorderKind, SPEC};
use borderscape_core::spec::ParamValue;
use borderscape_core::{Inputs, Level};
use borderscape_io::csv_io;
use borderscape_io::gpkg::Srs;
use borderscape_io::load::{load, LevelFilter, LoadOptions};
use borderscape_io::manifest::{LayerKind, Project};
use borderscape_io::outputs::OutputFile;
use borderscape_io::owned::OutputKind;
use borderscape_io::read::Format;
use borderscape_io::write::{write_csv, write_table};

use crate::context::{Context, Failure};
use crate::progress::Step;
use borderscape_ops::spec_params;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A polygon layer of jurisdictions with code, name and level fields (and parent, for the cross-province/-city flags).
    layer: PathBuf,
    /// The level to analyse (default: the finest level in the layer).
    #[arg(long)]
    level: Option<String>,
    /// Datum of the layer: wgs84, cgcs2000, gcj02, bd09 or EPSG:<code>.
    #[arg(long, default_value = "wgs84")]
    datum: String,
    /// Output file: .csv (attributes), .geojson or .gpkg (with the shared lines). Default: CSV on stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Field mapping, e.g. `--field code=adcode --field name=NAME`.
    #[arg(long = "field", value_parser = parse_mapping)]
    fields: Vec<(String, String)>,
    /// Boundary segments within this distance count as shared (metres; 0 = exact vertices only;
    /// default: as `analyze`'s borders, 1 m).
    #[arg(long)]
    snap_tolerance_m: Option<f64>,
}

fn parse_mapping(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        .ok_or_else(|| format!("`{text}` is not FIELD=COLUMN"))
}

/// The flag, checked against the borders spec's bounds, or the spec's default.
fn snap_tolerance_m(args: &Args) -> Result<f64, Failure> {
    let flag = args.snap_tolerance_m.map(ParamValue::Number);
    Ok(spec_params(&SPEC, [("snap_tolerance_m", flag)])?.number("snap_tolerance_m")?)
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    let target = args
        .out
        .as_deref()
        .map(|out| OutputFile::claim(out, OutputKind::Layer, &[&args.layer]))
        .transpose()?;
    let fields: BTreeMap<String, String> = args.fields.iter().cloned().collect();
    let project = Project::single_layer(LayerKind::Jurisdictions, &args.layer, &args.datum, fields);
    let requested = match &args.level {
        Some(text) => Some(
            Level::parse(text).ok_or_else(|| Failure::Input(anyhow!("unknown level `{text}`")))?,
        ),
        None => None,
    };
    let options = LoadOptions {
        topology: false,
        jurisdiction_geometry: requested
            .map_or(LevelFilter::Finest, |l| LevelFilter::Only(vec![l])),
        ..Default::default()
    };
    let step = Step::start(ctx.quiet, "read and validate");
    let (Inputs { region, .. }, _, _) = load(project, &options).into_inputs()?;
    step.done();
    let level = match requested {
        Some(level) => level,
        None => *region
            .levels()
            .last()
            .ok_or_else(|| Failure::Input(anyhow!("the layer has no jurisdictions")))?,
    };
    let step = Step::start(ctx.quiet, &format!("borders at {level} level"));
    let result = borders_at_level(&region, level, snap_tolerance_m(&args)?)?;
    step.done();
    let borders: Vec<_> = result.borders.iter().collect();
    let table = borders_table(&region, &borders);
    // CSV has no geometry: only the other formats need the shared lines back in WGS84.
    let to_wgs84 = || region.table_to_wgs84(&table);
    match &target {
        None => csv_io::write(std::io::stdout().lock(), &table, false)
            .map_err(|e| Failure::Internal(anyhow!("writing to stdout: {e}")))?,
        Some(target) => target.write(|path| match Format::require(path)? {
            Format::Csv => write_csv(path, &table, false),
            _ => write_table(path, &to_wgs84()?, Srs::WGS84),
        })?,
    }
    if !ctx.quiet {
        let edges = result
            .borders
            .iter()
            .filter(|b| b.kind == BorderKind::Edge)
            .count();
        let islands: Vec<String> = result
            .islands
            .iter()
            .map(|&i| {
                format!(
                    "{} {}",
                    region.jurisdictions[i].code, region.jurisdictions[i].name
                )
            })
            .collect();
        eprintln!(
            "{} {level} units: {edges} edge borders, {} point borders, islands: {}",
            region.indices_at(level).len(),
            result.borders.len() - edges,
            if islands.is_empty() {
                "none".to_string()
            } else {
                islands.join(", ")
            }
        );
    }
    Ok(())
}
