//! `borderscape cases import|verify|export|report|backup`: the coordination case register (see
//! docs/cases.md).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use borderscape_cases::export::cases_table;
use borderscape_cases::import::read_results;
use borderscape_cases::report::border_figures;
use borderscape_cases::{Actor, CaseFilter, Store, Unverified};
use borderscape_io::gpkg::Srs;
use borderscape_io::outputs::OutputFile;
use borderscape_io::owned::OutputKind;
use borderscape_io::write::write_table;
use borderscape_server::{results_dir, results_file};

use crate::context::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Make or update one case per border and conflict type from a project's latest results.
    Import {
        /// A project (its results/ are read) or a results folder.
        project: PathBuf,
        /// The register: a SQLite file (made at a path that does not exist) or a postgres:// URL.
        #[arg(long)]
        db: String,
        /// Only conflicts of at least this severity (1 low, 2 medium, 3 high).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i64).range(1..=3))]
        min_severity: i64,
    },
    /// Check the audit log's hash chain and the register's rows against it; names the first
    /// broken entry or the rows changed behind the register's back (exit 1).
    Verify {
        /// The register.
        db: String,
    },
    /// Write every case to a .gpkg, .csv or .geojson file (a point per case, WGS84).
    Export {
        /// The register.
        db: String,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Per border: cases raised, median days to agreement, share resolved, escalations.
    Report {
        /// The project whose cases these are (its results must exist).
        project: PathBuf,
        /// The register.
        #[arg(long)]
        db: String,
        /// Print JSON: [{"a", "b", "cases", "agreed", "median_days_to_agreement",
        /// "resolved_share", "escalations", "instruments"}].
        #[arg(long)]
        json: bool,
    },
    /// Copy a SQLite register with SQLite's online backup (writers may go on).
    Backup {
        /// The register (a SQLite file; for PostgreSQL use pg_dump).
        db: String,
        /// The copy: a path that does not exist (an existing file is never replaced).
        file: PathBuf,
    },
}

/// How many differing rows `verify` names before counting the rest.
const MAX_ROWS_NAMED: usize = 20;

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    match args.command {
        Command::Import {
            project,
            db,
            min_severity,
        } => {
            results_file(&project, "results.gpkg")?;
            let found = read_results(&results_dir(&project))?;
            let mut store = Store::open(&db)?;
            let s = store.import(&Actor::cli("import"), &found, min_severity)?;
            if !ctx.quiet {
                eprintln!(
                    "{}: {} conflict(s) of severity ≥ {min_severity}{}: {} case(s) created, {} updated ({} conflict(s) newly linked, {} cleared), {} unchanged",
                    store.db(),
                    s.conflicts,
                    s.latest_plan
                        .as_ref()
                        .map(|p| format!(" (plan version {p})"))
                        .unwrap_or_default(),
                    s.created,
                    s.updated,
                    s.linked,
                    s.cleared,
                    s.unchanged
                );
            }
        }
        Command::Verify { db } => {
            let mut store = Store::open_existing(&db)?;
            match store.verify()? {
                Ok(v) => {
                    if !ctx.quiet {
                        println!(
                            "{}: audit chain intact, {} entries; {} rows of {} match it",
                            store.db(),
                            v.entries,
                            v.rows,
                            borderscape_cases::state::covered_tables()
                        );
                        println!(
                            "not covered: schema_migrations, and a rewrite of the whole chain and the rows by someone with write access to the database (to catch that, keep a copy of the chain's head, `audit_head`, elsewhere and compare)"
                        );
                    }
                }
                Err(Unverified::Chain(broken)) => {
                    return Err(Failure::Input(anyhow!(
                        "{}: audit entry {} is broken: {}",
                        store.db(),
                        broken.seq,
                        broken.reason
                    )))
                }
                Err(Unverified::Rows(rows)) => {
                    let mut lines: Vec<String> = rows
                        .iter()
                        .take(MAX_ROWS_NAMED)
                        .map(|t| format!("\n  {t}"))
                        .collect();
                    if rows.len() > MAX_ROWS_NAMED {
                        lines.push(format!("\n  … and {} more", rows.len() - MAX_ROWS_NAMED));
                    }
                    return Err(Failure::Input(anyhow!(
                        "{}: the audit chain is intact, but {} row(s) differ from what it recorded:{}",
                        store.db(),
                        rows.len(),
                        lines.concat()
                    )));
                }
            }
        }
        Command::Export { db, out } => {
            let target = OutputFile::claim(&out, OutputKind::Layer, &[Path::new(&db)])?;
            let mut store = Store::open_existing(&db)?;
            let cases = store.cases(&CaseFilter::default())?;
            target.write(|path| write_table(path, &cases_table(&cases), Srs::WGS84))?;
            if !ctx.quiet {
                eprintln!("{} case(s) written to {}", cases.len(), out.display());
            }
        }
        Command::Report { project, db, json } => {
            results_file(&project, "summary.json")?;
            let mut store = Store::open_existing(&db)?;
            let cases = store.cases(&CaseFilter::default())?;
            let figures = border_figures(&cases, &store.audit_log()?);
            let text = if json {
                serde_json::to_string_pretty(&figures).expect("serialisable") + "\n"
            } else {
                let mut text = String::from("border\tcases\tagreed\tmedian_days_to_agreement\tresolved_share\tescalations\tinstruments\n");
                for f in &figures {
                    text += &format!(
                        "{}|{}\t{}\t{}\t{}\t{:.2}\t{}\t{}\n",
                        f.a,
                        f.b,
                        f.cases,
                        f.agreed,
                        f.median_days_to_agreement
                            .map_or("-".to_string(), |d| format!("{d:.1}")),
                        f.resolved_share,
                        f.escalations,
                        f.instruments.join("; ")
                    );
                }
                text
            };
            // A closed pipe (`| head`) is not an error.
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
        Command::Backup { db, file } => {
            let store = Store::open_existing(&db)?;
            store.backup(&file)?;
            if !ctx.quiet {
                eprintln!("{} copied to {}", store.db(), file.display());
            }
        }
    }
    Ok(())
}
