//! `borderscape analyze PROJECT`: run the registered analyses and write the results.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use borderscape_core::analysis::REGISTRY;
use borderscape_core::{Level, Region};
use borderscape_io::load::LoadOptions;
use borderscape_io::manifest::Project;
use borderscape_io::outputs::OutputDir;
use borderscape_io::pipeline::{self, write_outputs, Event, Finished, LayerFormats};
use borderscape_ops::partition;
use borderscape_report::Lang;
use serde_json::{json, Value};

use crate::context::{default_results_dir, Context, Failure};
use crate::progress::Step;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project folder (or its borderscape.toml).
    #[arg(required_unless_present = "list")]
    project: Option<PathBuf>,
    /// Output folder (default: PROJECT/results); replaced only when the run succeeds.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run only these analyses (comma-separated names).
    #[arg(long, value_delimiter = ',')]
    only: Option<Vec<String>>,
    /// List the analyses with their inputs, parameters (units, defaults) and outputs, and exit.
    #[arg(long)]
    list: bool,
    /// With --list: print the outputs and their columns as Markdown (docs/outputs.md).
    #[arg(long, requires = "list")]
    markdown: bool,
    /// Language of report.html and results.qgs: en or zh (the report in the other language is
    /// written too, as report.zh.html or report.en.html).
    #[arg(long, default_value = "en", value_parser = clap::builder::ValueParser::new(str::parse::<Lang>))]
    lang: Lang,
    /// Formats of the result layers, comma-separated: gpkg (results.gpkg and results.qgs, which
    /// the dashboard and `cases import` read) and parquet (parquet/<output>.parquet, GeoParquet 1.1).
    #[arg(long, value_delimiter = ',', default_value = "gpkg")]
    format: Vec<LayerFormat>,
    /// Run conflicts in partitions by border, the units grouped by their ancestor at this level
    /// (province, city, or the analysis level: one group per unit); with the plans layer in
    /// GeoParquet, no step holds it whole. With `--only` naming conflicts (and borders).
    #[arg(long, value_name = "LEVEL")]
    partitions: Option<String>,
}

/// A format of the result layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LayerFormat {
    Gpkg,
    Parquet,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    if args.list {
        if args.markdown {
            print!("{}", borderscape_report::outputs_markdown());
        } else {
            print_list();
        }
        return Ok(());
    }
    let project_path = args.project.expect("clap requires it without --list");
    let out = args
        .out
        .unwrap_or_else(|| default_results_dir(&project_path));
    let formats = LayerFormats {
        gpkg: args.format.contains(&LayerFormat::Gpkg),
        parquet: args.format.contains(&LayerFormat::Parquet),
    };
    let partitions = args
        .partitions
        .as_deref()
        .map(|l| Level::parse(l).ok_or_else(|| Failure::Usage(anyhow!("unknown level `{l}`"))))
        .transpose()?;
    analyze(
        ctx,
        &project_path,
        &out,
        args.only.as_deref(),
        args.lang,
        formats,
        partitions,
    )?;
    if !ctx.quiet {
        let layers = [
            (formats.gpkg, "results.gpkg, results.qgs"),
            (formats.parquet, "parquet/"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect::<Vec<_>>()
        .join(", ");
        eprintln!(
            "results in {}: report.html, {}, {layers}, summary.json, tables/",
            out.display(),
            args.lang.other().file_name()
        );
    }
    Ok(())
}

/// Loads, validates, runs and writes; returns summary.json's content.
pub fn analyze(
    ctx: &Context,
    project_path: &Path,
    out: &Path,
    only: Option<&[String]>,
    lang: Lang,
    formats: LayerFormats,
    partitions: Option<Level>,
) -> Result<Value, Failure> {
    let target = OutputDir::claim(out, Some(project_path))?;
    let project = Project::load(project_path)?;
    let (region, finished, summary) = match partitions {
        None => {
            let mut step = None;
            let run = borderscape_ops::project::run(
                project,
                &LoadOptions::default(),
                only,
                &mut |event| match event {
                    Event::Started { title } => step = Some(Step::start(ctx.quiet, title)),
                    Event::Finished { .. } => {
                        if let Some(s) = step.take() {
                            s.done();
                        }
                    }
                },
            )?;
            (run.inputs.region, run.finished, run.summary)
        }
        Some(level) => partitioned(ctx, &project, only, level)?,
    };
    let step = Step::start(ctx.quiet, "write results");
    let tables: Vec<_> = finished.iter().flat_map(|f| &f.output.tables).collect();
    // The report in the run's language as report.html, and in the other one beside it, so that
    // either reader finds theirs (the dashboard links both).
    let reports: Vec<(&str, String)> = [lang, lang.other()]
        .into_iter()
        .map(|l| {
            let name = if l == lang {
                "report.html"
            } else {
                l.file_name()
            };
            (name, borderscape_report::render(&summary, &tables, l))
        })
        .collect();
    let labels = |key: &str| lang.get(key).map(str::to_string);
    write_outputs(
        target, &region, finished, &summary, &reports, &labels, formats,
    )?;
    step.done();
    Ok(summary)
}

/// `--only borders,conflicts --partitions LEVEL`: conflicts in partitions one after another
/// (borders on the project without its plans layer); the region, runs and summary.
fn partitioned(
    ctx: &Context,
    project: &Project,
    only: Option<&[String]>,
    level: Level,
) -> Result<(Region, Vec<Finished>, Value), Failure> {
    let names = only.unwrap_or_default();
    if !names.iter().any(|n| n == "conflicts")
        || names.iter().any(|n| n != "conflicts" && n != "borders")
    {
        return Err(Failure::Usage(anyhow!(
            "--partitions runs conflicts (and borders) alone: give --only conflicts or --only borders,conflicts"
        )));
    }
    let mut finished = Vec::new();
    if names.iter().any(|n| n == "borders") {
        let mut without = project.clone();
        without.manifest.layers.remove("plans");
        let step = Step::start(ctx.quiet, "borders");
        let run = borderscape_ops::project::run(
            without,
            &LoadOptions::default(),
            Some(&["borders".to_string()]),
            &mut |_| {},
        )?;
        step.done();
        finished.extend(run.finished);
    }
    let step = Step::start(ctx.quiet, &format!("conflicts in partitions by {level}"));
    let clock = std::time::Instant::now();
    let (plan, merged) = partition::run_all(project, level, &mut |p, n, zones, seconds| {
        if !ctx.quiet && (p + 1 == n || (p + 1) % 10 == 0) {
            eprintln!("  partition {}/{n}: {zones} zones, {seconds:.1} s", p + 1);
        }
    })?;
    step.done();
    finished.push(Finished {
        name: "conflicts",
        params: partition::parameters(project)?,
        output: merged.output,
        result: Box::new(merged.findings),
        seconds: clock.elapsed().as_secs_f64(),
    });
    let name_zh = project.manifest.region.name_zh.as_deref();
    let mut summary = pipeline::summary(&merged.region, name_zh, &merged.layers, &finished);
    summary["analyses"]["conflicts"]["partitions"] = json!({
        "group_level": plan.group_level,
        "groups": plan.groups.len(),
        "partitions": plan.partitions.len(),
        "reach_m": plan.reach_m,
        "zones_away": plan.zones_away,
        "largest_partition_zones": plan.partitions.iter().map(|p| p.zones).max().unwrap_or(0),
    });
    Ok((merged.region, finished, summary))
}

fn print_list() {
    for a in REGISTRY {
        let spec = a.spec;
        println!("{} — {}\n  {}", spec.name, spec.title, spec.description);
        let any = if spec.requires_any.is_empty() {
            String::new()
        } else {
            format!(" and one of {}", spec.requires_any.join(", "))
        };
        println!("  inputs: {}{any}", spec.requires.join(", "));
        if !spec.depends_on.is_empty() {
            println!(
                "  depends on: {} (run first when their inputs are there)",
                spec.depends_on.join(", ")
            );
        }
        for p in spec.params {
            let unit = p.unit.map(|u| format!(" {u}")).unwrap_or_default();
            let default = serde_json::to_string(&p.default).unwrap_or_default();
            let bounds = match (p.min, p.max) {
                (Some(min), Some(max)) => format!(" (from {min} to {max})"),
                _ => String::new(),
            };
            println!(
                "  param {} = {default}{unit}{bounds}: {}",
                p.name, p.description
            );
        }
        for o in spec.outputs {
            println!(
                "  output {}{}: {}",
                o.name,
                if o.spatial { " (layer)" } else { " (table)" },
                o.description
            );
            for c in (o.columns)() {
                let unit = c.unit.map(|u| format!(" [{u}]")).unwrap_or_default();
                println!("    {}{unit}: {}", c.name, c.description);
            }
        }
    }
}
