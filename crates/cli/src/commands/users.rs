//! `borderscape users add|token DB`: the accounts of a case register.

use std::io::BufRead;

use anyhow::anyhow;
use borderscape_cases::{Actor, Role, Store};

use crate::context::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Add an account (its password, from standard input, is stored as an argon2id hash).
    Add {
        /// The register: a SQLite file (made at a path that does not exist) or a postgres:// URL.
        db: String,
        /// Login name (letters, digits, . _ - @).
        #[arg(long)]
        name: String,
        /// office (acts on every case), unit (its unit's cases and those below it) or observer (reads).
        #[arg(long)]
        role: String,
        /// The jurisdiction code of a unit user.
        #[arg(long)]
        unit: Option<String>,
        /// Read the password from the first line of standard input (required: never on the command line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Print a new API token for an account, once (only its hash is kept).
    Token {
        /// The register.
        db: String,
        /// Login name.
        #[arg(long)]
        name: String,
    },
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    match args.command {
        Command::Add {
            db,
            name,
            role,
            unit,
            password_stdin,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                Failure::Usage(anyhow!("--role: `{role}` is not office, unit or observer"))
            })?;
            if !password_stdin {
                return Err(Failure::Usage(anyhow!(
                    "give the password on standard input with --password-stdin"
                )));
            }
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .map_err(|e| {
                    Failure::Input(anyhow!("cannot read the password from standard input: {e}"))
                })?;
            let password = password.trim_end_matches(['\r', '\n']);
            let mut store = Store::open(&db)?;
            let user =
                store.add_user(&Actor::cli("users"), &name, role, unit.as_deref(), password)?;
            if !ctx.quiet {
                eprintln!(
                    "{}: added {} user `{}`{}",
                    store.db(),
                    user.role.name(),
                    user.name,
                    user.unit
                        .map(|u| format!(" of unit {u}"))
                        .unwrap_or_default()
                );
            }
        }
        Command::Token { db, name } => {
            let mut store = Store::open_existing(&db)?;
            let token = store.new_token(&Actor::cli("users"), &name)?;
            // Printed even with --quiet: it is the command's output, and shown only this once.
            println!("{token}");
        }
    }
    Ok(())
}
