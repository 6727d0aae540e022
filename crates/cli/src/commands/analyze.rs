//! `borderscape analyze PROJECT`: run the registered analyses and write the results.

use std::path::PathBuf;

use anyhow::anyhow;

use crate::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    project: PathBuf,
}

pub fn run(_ctx: &Context, args: Args) -> Result<(), Failure> {
    Err(Failure::Internal(anyhow!(
        "analyze {} is not built yet",
        args.project.display()
    )))
}
