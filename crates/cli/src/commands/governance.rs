//! `borderscape governance REGISTRY.csv`: the stages of regional coordination found from a
//! registry of arrangements, with each stage's modes, goals, tools, key arrangements and network.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::anyhow;
use borderscape_core::analysis::governance::{find_stages, stage_tables, timeline};
use borderscape_core::crs::AnalysisCrs;
use borderscape_core::model::registry;
use borderscape_core::Region;
use borderscape_io::csv_io::CsvGeometry;
use borderscape_io::load::{load, LoadOptions};
use borderscape_io::manifest::{LayerKind, Project};
use borderscape_io::read::{read_table, ReadOptions};
use serde_json::json;

use crate::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The registry (.csv with the columns of data/demo/governance.csv).
    registry: PathBuf,
    /// A jurisdictions layer: participants are checked against its codes and named.
    #[arg(long)]
    jurisdictions: Option<PathBuf>,
    /// Datum of the jurisdictions layer.
    #[arg(long, default_value = "wgs84")]
    datum: String,
    /// Number of stages, or auto (least BIC).
    #[arg(long, default_value = "auto")]
    stages: String,
    #[arg(long, default_value_t = 6)]
    max_stages: usize,
    #[arg(long, default_value_t = 3)]
    min_stage_years: usize,
    /// Print JSON: {"arrangements", "years", "stages": [{"start", "end", "description", …}]}.
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    let region = match &args.jurisdictions {
        Some(path) => {
            let project =
                Project::single_layer(LayerKind::Jurisdictions, path, &args.datum, BTreeMap::new());
            load(project, &LoadOptions::default()).into_region()?.0
        }
        None => Region::new(
            "registry",
            AnalysisCrs::albers_for_bounds(0.0, 0.0, 1.0, 1.0),
            Vec::new(),
            BTreeMap::new(),
        ),
    };
    let options = ReadOptions {
        csv_geometry: CsvGeometry::None,
        ..Default::default()
    };
    let table = read_table(&args.registry, &options)?.table;
    let known: Option<Vec<String>> = args.jurisdictions.as_ref().map(|_| {
        region
            .jurisdictions
            .iter()
            .map(|j| j.code.clone())
            .collect()
    });
    let arrangements = registry::parse(&table, known.as_deref()).map_err(|problems| {
        let lines: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {p}", args.registry.display()))
            .collect();
        Failure::Input(anyhow!(
            "{} problem(s) in the registry:\n  {}",
            lines.len(),
            lines.join("\n  ")
        ))
    })?;
    if arrangements.is_empty() {
        return Err(Failure::Input(anyhow!(
            "{}: the registry has no arrangement",
            args.registry.display()
        )));
    }
    let k = match args.stages.as_str() {
        "auto" => None,
        text => Some(
            text.parse::<usize>()
                .ok()
                .filter(|k| *k >= 1)
                .ok_or_else(|| {
                    Failure::Input(anyhow!("--stages must be auto or a positive whole number"))
                })?,
        ),
    };
    let years = timeline(&arrangements);
    let horizon = years.last().map_or(0, |y| y.year);
    let stages = find_stages(
        &arrangements,
        &years,
        k,
        args.max_stages,
        args.min_stage_years,
    );
    if stages.is_empty() {
        return Err(Failure::Input(anyhow!(
            "{} years cannot hold the stages asked for (at least {} years each)",
            years.len(),
            args.min_stage_years
        )));
    }
    let (_, _, summaries) = stage_tables(&region, &arrangements, &stages, horizon);
    if args.json {
        let report = json!({ "arrangements": arrangements.len(), "years": [years.first().map(|y| y.year), horizon], "stages": summaries });
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("serialisable")
        );
    } else if !ctx.quiet {
        println!(
            "{} arrangements, {}–{}: {} stage(s)",
            arrangements.len(),
            years[0].year,
            horizon,
            stages.len()
        );
        for (i, (stage, summary)) in stages.iter().zip(&summaries).enumerate() {
            println!("stage {}: {}", i + 1, stage.description);
            for key in &stage.key_arrangements {
                println!("    {key}");
            }
            println!("    network: {}", summary["network"]);
        }
    }
    Ok(())
}
