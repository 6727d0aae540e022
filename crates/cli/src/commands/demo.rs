//! `borderscape demo`: write the bundled YRD demonstration project and analyse it.

use std::path::PathBuf;

use anyhow::anyhow;

use crate::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the demo project.
    #[arg(long, default_value = "borderscape-demo")]
    out: PathBuf,
    /// Seed of the synthetic layers.
    #[arg(long, default_value_t = 2035)]
    seed: u64,
}

pub fn run(_ctx: &Context, args: Args) -> Result<(), Failure> {
    Err(Failure::Internal(anyhow!(
        "demo into {} (seed {}) is not built yet",
        args.out.display(),
        args.seed
    )))
}
