//! `borderscape analyze PROJECT`: run the registered analyses and write the results.

use std::path::{Path, PathBuf};

use borderscape_core::analysis::REGISTRY;
use borderscape_io::atomic::check_output_dir;
use borderscape_io::load::LoadOptions;
use borderscape_io::manifest::Project;
use borderscape_io::pipeline::{write_outputs, Event, LayerFormats};
use borderscape_report::Lang;
use serde_json::Value;

use crate::progress::Step;
use crate::{default_results_dir, Context, Failure};

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
    analyze(
        ctx,
        &project_path,
        &out,
        args.only.as_deref(),
        args.lang,
        formats,
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
) -> Result<Value, Failure> {
    check_output_dir(out)?;
    let project = Project::load(project_path)?;
    let mut step = None;
    let run =
        borderscape_ops::project::run(project, &LoadOptions::default(), only, &mut |event| {
            match event {
                Event::Started { title } => step = Some(Step::start(ctx.quiet, title)),
                Event::Finished { .. } => {
                    if let Some(s) = step.take() {
                        s.done();
                    }
                }
            }
        })?;
    let (region, finished, summary) = (&run.region, &run.finished, &run.summary);
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
            (name, borderscape_report::render(summary, &tables, l))
        })
        .collect();
    let labels = |key: &str| lang.get(key).map(str::to_string);
    write_outputs(out, region, finished, summary, &reports, &labels, formats)?;
    step.done();
    Ok(run.summary)
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
