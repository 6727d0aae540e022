//! `borderscape serve PROJECT|RESULTS [--cases DB]`: the local dashboard over a results folder,
//! with the case API of a register when given one.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use anyhow::anyhow;
use borderscape_cases::Store;
use borderscape_server::register::Cases;
use borderscape_server::{serve, App, Results};

use crate::context::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A results folder (with summary.json), or a project whose results/ to show.
    path: PathBuf,
    /// Address to listen on. The default, loopback, keeps the dashboard on this machine.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Port to listen on (0 picks a free one and prints it).
    #[arg(long, default_value_t = 8321)]
    port: u16,
    /// Optional basemap: a raster tile URL template such as `https://tile.example/{z}/{x}/{y}.png`.
    /// Without it the map has no basemap and makes no request outside this server.
    #[arg(long)]
    tiles: Option<String>,
    /// A case register (SQLite file or postgres:// URL, made by `cases import` or `users add`)
    /// to serve the case API over: logins, cases, comments, transitions. Without it the server
    /// only reads.
    #[arg(long, value_name = "DB")]
    cases: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    let results = Results::open(&args.path)?;
    let cases = match &args.cases {
        Some(db) => Some(Store::open_existing(db)?),
        None => None,
    };
    if !args.bind.is_loopback() && !ctx.quiet {
        eprintln!(
            "warning: listening on {}, reachable from other machines ({})",
            args.bind,
            if cases.is_some() {
                "logged-in users may write cases: put a TLS proxy in front"
            } else {
                "the API is read-only"
            }
        );
    }
    let app = App {
        results,
        tiles: args.tiles,
        layer_cache: Default::default(),
        cases: cases.map(|store| std::sync::Arc::new(Cases::new(store))),
    };
    serve(app, SocketAddr::new(args.bind, args.port), |address| {
        // Printed even with --quiet: scripts read the port from it.
        println!("borderscape dashboard on http://{address}/ (Ctrl-C to stop)");
    })
    .map_err(|e| Failure::Input(anyhow!("cannot serve on {}:{}: {e}", args.bind, args.port)))
}
