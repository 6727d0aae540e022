//! `borderscape governance REGISTRY.csv`: the stages of regional coordination found from a
//! registry of arrangements, with each stage's modes, goals, tools, key arrangements and network.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::anyhow;
use borderscape_core::analysis::governance::{stages_of, Governance, GovernanceParams, SPEC};
use borderscape_core::analysis::AnalysisModule;
use borderscape_core::crs::AnalysisCrs;
use borderscape_core::model::registry;
use borderscape_core::spec::ParamValue;
use borderscape_core::Region;
use borderscape_io::csv_io::CsvGeometry;
use borderscape_io::load::{load, LoadOptions};
use borderscape_io::manifest::{LayerKind, Project};
use borderscape_io::read::{read_table, ReadOptions};
use serde_json::json;

use crate::context::{Context, Failure};
use borderscape_ops::spec_params;

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
    /// Number of stages, or auto (least criterion) (default: as `analyze`'s governance).
    #[arg(long)]
    stages: Option<String>,
    /// Most stages `auto` tries; the stage path runs k = 1 … N (default: as `analyze`).
    #[arg(long)]
    max_stages: Option<usize>,
    /// Shortest stage, in years with an arrangement in force (default: as `analyze`).
    #[arg(long)]
    min_stage_years: Option<usize>,
    /// Features added to the mode mix: none or a comma-separated list of goal, binding, level
    /// (default: as `analyze`).
    #[arg(long)]
    stage_features: Option<String>,
    /// Criterion choosing the number of stages: bic or lwz (default: as `analyze`).
    #[arg(long)]
    criterion: Option<String>,
    /// δ replacing zero shares before the log-ratios (default: as `analyze`).
    #[arg(long)]
    zero_share: Option<f64>,
    /// Print JSON: {"arrangements", "years", "k", "criterion", "path": [{"k", "cost",
    /// "criterion", "breaks"}], "stages": [{"start", "end", "empty_years", "description", …}]}.
    #[arg(long)]
    json: bool,
}

/// The stage parameters: the flags given, the governance spec's defaults and checks for the rest.
fn params(args: &Args) -> Result<GovernanceParams, Failure> {
    let number = |n: Option<usize>| n.map(|n| ParamValue::Number(n as f64));
    let text = |t: &Option<String>| t.clone().map(ParamValue::Text);
    let values = spec_params(
        &SPEC,
        [
            ("stages", text(&args.stages)),
            ("max_stages", number(args.max_stages)),
            ("min_stage_years", number(args.min_stage_years)),
            ("stage_features", text(&args.stage_features)),
            ("stage_criterion", text(&args.criterion)),
            ("stage_zero_share", args.zero_share.map(ParamValue::Number)),
        ],
    )?;
    Governance::params(&values).map_err(|e| Failure::Usage(e.into()))
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    let region = match &args.jurisdictions {
        Some(path) => {
            let project =
                Project::single_layer(LayerKind::Jurisdictions, path, &args.datum, BTreeMap::new());
            load(project, &LoadOptions::default())
                .into_inputs()?
                .0
                .region
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
            .map(|p| p.in_file(&args.registry.display().to_string()))
            .collect();
        Failure::Input(anyhow!(
            "{} problem(s) in the registry:\n  {}",
            lines.len(),
            lines.join("\n  ")
        ))
    })?;
    let params = params(&args)?;
    let staged = stages_of(&region, &arrangements, &params)
        .map_err(|e| Failure::Input(anyhow!("{}: {e}", args.registry.display())))?;
    let (years, stages, summaries) = (&staged.years, &staged.stages, &staged.summaries);
    let horizon = staged.horizon();
    let criterion = params.stage.criterion.name();
    if args.json {
        let report = json!({
            "arrangements": arrangements.len(),
            "years": [years.first().map(|y| y.year), horizon],
            "k": staged.chosen,
            "criterion": criterion,
            "path": staged.path,
            "stages": summaries,
        });
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
        for step in &staged.path {
            let breaks: Vec<String> = step.breaks.iter().map(i32::to_string).collect();
            println!(
                "{} k = {}: cost {:.4}, {criterion} {:.2}, breaks {}",
                if step.k == staged.chosen { "*" } else { " " },
                step.k,
                step.cost,
                step.criterion,
                if breaks.is_empty() {
                    "none".into()
                } else {
                    breaks.join(", ")
                }
            );
        }
        for (i, (stage, summary)) in stages.iter().zip(summaries.iter()).enumerate() {
            println!("stage {}: {}", i + 1, stage.description);
            for key in &stage.key_arrangements {
                println!("    {key}");
            }
            println!(
                "    network: {}",
                serde_json::to_string(&summary.network).expect("serialisable")
            );
        }
    }
    Ok(())
}
