//! `borderscape partitions PROJECT`: the partition plan of the project's conflicts (which zones
//! and which borders each partition works on), as JSON: what `borderscape.dask` schedules.

use std::path::PathBuf;

use anyhow::anyhow;
use borderscape_core::Level;
use borderscape_io::atomic::write_file_atomically;
use borderscape_io::load::LoadOptions;
use borderscape_io::manifest::Project;
use borderscape_io::outputs::OutputFile;
use borderscape_io::owned::OutputKind;
use borderscape_io::IoError;
use borderscape_ops::partition;

use crate::context::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Project folder (or its borderscape.toml); conflicts' parameters from `[analysis.conflicts]`.
    project: PathBuf,
    /// Group the units of the analysis level by their ancestor at this level (province, city, or
    /// the analysis level itself: one group per unit).
    #[arg(long, default_value = "city")]
    group_level: String,
    /// Write the plan here (.json); default: only the summary on stderr.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    let target = args
        .out
        .as_deref()
        .map(|out| OutputFile::claim(out, OutputKind::Json, &[]))
        .transpose()?;
    let level = Level::parse(&args.group_level)
        .ok_or_else(|| Failure::Usage(anyhow!("unknown level `{}`", args.group_level)))?;
    let project = Project::load(&args.project)?;
    let plan = partition::plan(project, &LoadOptions::default(), level)?;
    if let Some(target) = &target {
        let text = serde_json::to_string_pretty(&plan).expect("serialisable") + "\n";
        target.write(|path| {
            write_file_atomically(path, |tmp| {
                std::fs::write(tmp, &text).map_err(|e| IoError::file(path, e))
            })
        })?;
    }
    if !ctx.quiet {
        let largest = plan.partitions.iter().map(|p| p.zones).max().unwrap_or(0);
        eprintln!(
            "{} zones of {} {} units ({} beyond the border band, left out) in {} groups by {}: {} partitions (reach {} m), the largest with {largest} zones; {} borders",
            plan.zones,
            plan.groups.iter().map(|g| g.units.len()).sum::<usize>(),
            plan.level,
            plan.zones_away,
            plan.groups.len(),
            plan.group_level,
            plan.partitions.len(),
            plan.reach_m,
            plan.borders.len()
        );
    }
    Ok(())
}
