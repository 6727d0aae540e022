//! The `borderscape` command: parse arguments, resolve a plan, run it, map the outcome to an exit
//! code (0 ok, 1 invalid input, 2 usage error, 3 internal error). No analysis maths lives here.

mod commands;
mod context;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use context::{Context, Failure};

/// Cross-border ecological governance analysis for city clusters.
#[derive(Debug, Parser)]
#[command(name = "borderscape", version, about, propagate_version = true)]
struct Cli {
    /// Print nothing but errors.
    #[arg(long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the bundled Yangtze River Delta demonstration project and analyse it.
    Demo(commands::demo::Args),
    /// Validate a project's inputs and list every problem (exit 1 if any error).
    Check(commands::check::Args),
    /// Run the analyses of a project and write results.gpkg, tables/, summary.json and report.html.
    Analyze(commands::analyze::Args),
    /// Borders between the jurisdictions of one level of a polygon layer.
    Borders(commands::borders::Args),
    /// Convert a layer between formats (GeoJSON, Shapefile→, GeoPackage, GeoParquet, CSV) and datums.
    Convert(commands::convert::Args),
    /// Moran's I (global, local, bivariate) of a variable of a layer.
    Moran(commands::moran::Args),
    /// Coupling coordination degree of subsystems from an indicator table.
    Coupling(commands::coupling::Args),
    /// Stages, networks and profile of regional coordination from a registry of arrangements.
    Governance(commands::governance::Args),
    /// Simplify a polygon layer, keeping neighbours' shared borders identical.
    Simplify(commands::simplify::Args),
    /// The partition plan of a project's conflicts by border (which zones, which borders), as JSON
    Partitions(commands::partitions::Args),
    /// The local web dashboard over a results folder (read-only, loopback by default).
    Serve(commands::serve::Args),
    /// Re-render report.html from a results folder (--lang zh|en) and print it to PDF (--pdf).
    Report(commands::report::Args),
    /// The coordination case register: import cases from results, verify its audit chain, export, back up.
    Cases(commands::cases::Args),
    /// Accounts of a case register: add users, make API tokens.
    Users(commands::users::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = Context { quiet: cli.quiet };
    let outcome = std::panic::catch_unwind(|| match cli.command {
        Command::Demo(args) => commands::demo::run(&ctx, args),
        Command::Check(args) => commands::check::run(&ctx, args),
        Command::Analyze(args) => commands::analyze::run(&ctx, args),
        Command::Borders(args) => commands::borders::run(&ctx, args),
        Command::Convert(args) => commands::convert::run(&ctx, args),
        Command::Simplify(args) => commands::simplify::run(&ctx, args),
        Command::Partitions(args) => commands::partitions::run(&ctx, args),
        Command::Moran(args) => commands::moran::run(&ctx, args),
        Command::Coupling(args) => commands::coupling::run(&ctx, args),
        Command::Governance(args) => commands::governance::run(&ctx, args),
        Command::Serve(args) => commands::serve::run(&ctx, args),
        Command::Report(args) => commands::report::run(&ctx, args),
        Command::Cases(args) => commands::cases::run(&ctx, args),
        Command::Users(args) => commands::users::run(&ctx, args),
    });
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(Failure::Input(e))) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
        Ok(Err(Failure::Usage(e))) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
        Ok(Err(Failure::Internal(e))) => {
            eprintln!("internal error (this is a bug in borderscape, please report it): {e:#}");
            ExitCode::from(3)
        }
        Err(_) => {
            eprintln!("internal error: borderscape panicked (this is a bug, please report it)");
            ExitCode::from(3)
        }
    }
}
