//! `borderscape check PROJECT`: validate every input and list every problem.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::anyhow;
use borderscape_io::load::{jurisdiction_counts, load, LoadOptions};
use borderscape_io::manifest::Project;
use borderscape_io::pipeline::{check_analysis_sections, lengths_beyond_extent};
use borderscape_io::validate::landcover_warnings;
use serde_json::json;

use crate::context::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project folder (or its borderscape.toml).
    project: PathBuf,
    /// Print a JSON report: {"layers", "jurisdictions", "errors", "warnings"}.
    #[arg(long)]
    json: bool,
    /// Skip the gap/overlap check between neighbouring jurisdictions.
    #[arg(long)]
    no_topology: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    let project = match Project::load(&args.project) {
        Ok(project) => project,
        // The manifest itself is broken: with --json the report still comes, with that one error.
        Err(e) if args.json => {
            let report = json!({
                "layers": {}, "jurisdictions": {}, "warnings": [],
                "errors": [e.into_problem(&args.project)],
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&report).expect("serialisable")
            );
            return Err(Failure::Input(anyhow!(
                "the manifest of {} cannot be read",
                args.project.display()
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let loaded = load(
        project,
        &LoadOptions {
            topology: !args.no_topology,
            ..Default::default()
        },
    );
    let counts: BTreeMap<String, usize> = loaded
        .inputs
        .as_ref()
        .map(|inputs| {
            jurisdiction_counts(&inputs.region)
                .into_iter()
                .map(|(l, n)| (l.name().to_string(), n))
                .collect()
        })
        .unwrap_or_default();
    let mut errors: Vec<_> = loaded.errors().cloned().collect();
    errors.extend(check_analysis_sections(&loaded.project));
    if let Some(inputs) = &loaded.inputs {
        errors.extend(lengths_beyond_extent(&loaded.project, &inputs.region));
    }
    let mut warnings: Vec<_> = loaded.warnings().cloned().collect();
    if let Some(inputs) = &loaded.inputs {
        // As analyze would warn: land-cover classes that count in no ESV.
        for p in landcover_warnings(inputs) {
            if p.is_error() {
                errors.push(p);
            } else {
                warnings.push(p);
            }
        }
    }
    if args.json {
        let layers: BTreeMap<&str, usize> = loaded
            .layers
            .iter()
            .map(|l| (l.kind.as_str(), l.features))
            .collect();
        let report = json!({ "layers": layers, "jurisdictions": counts, "errors": errors, "warnings": warnings });
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("serialisable")
        );
    } else if !ctx.quiet || !errors.is_empty() {
        for layer in &loaded.layers {
            println!(
                "{:<14} {:>7} features  {}",
                layer.kind, layer.features, layer.path
            );
        }
        for (level, n) in &counts {
            println!("{level:<14} {n:>7} jurisdictions");
        }
        for p in &errors {
            println!("error: {p}");
        }
        for p in &warnings {
            println!("warning: {p}");
        }
        println!("{} error(s), {} warning(s)", errors.len(), warnings.len());
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::Input(anyhow!(
            "{} error(s) in the inputs of {}",
            errors.len(),
            args.project.display()
        )))
    }
}
