//! `borderscape moran LAYER --var FIELD`: global (and optionally local) Moran's I of a variable.

use std::path::PathBuf;

use borderscape_core::stats::morans_i::Simulation;
use borderscape_io::gpkg::Srs;
use borderscape_io::outputs::OutputFile;
use borderscape_io::owned::OutputKind;
use borderscape_io::read::{read_table, ReadOptions};
use borderscape_io::write::write_table;
use borderscape_ops::moran::{moran, MoranOptions};

use crate::context::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Polygon layer (.shp, .geojson, .gpkg) or, with a .gal or .gwt file, any table.
    layer: PathBuf,
    /// The variable.
    #[arg(long)]
    var: String,
    /// Id field matching the GAL/GWT file's ids, by value when both are numbers (37009 =
    /// 37009.0), else as text (default: record number 1..n, as PySAL's POLYID).
    #[arg(long)]
    id: Option<String>,
    /// queen | rook (from the polygons), knn:K, distance:METRES (from centroids), a .gal file
    /// (binary) or a .gwt file (weights as given).
    #[arg(long, default_value = "queen")]
    weights: String,
    /// r (row-standardised: w_ij / Σ_j w_ij, as esda's default), b (binary) or o (as given).
    #[arg(long, default_value = "r")]
    transform: String,
    /// Permutations for p_sim (default: as `analyze`'s synergy, 999; at most 1,000,000).
    #[arg(long)]
    permutations: Option<usize>,
    /// Seed of the permutations (default: as `analyze`, 12345).
    #[arg(long)]
    seed: Option<u64>,
    /// Alternative hypothesis of p_sim: two-sided (the default), greater, less, folded or
    /// directed (esda's Moran p_sim, one-tailed in the tail the statistic fell in).
    #[arg(long, default_value = "two-sided")]
    alternative: String,
    /// Write local Moran (LISA) per unit to this file (.csv, .geojson, .gpkg).
    #[arg(long)]
    local: Option<PathBuf>,
    /// p_sim threshold of a LISA cluster (default: as `analyze`'s synergy, 0.05); with --fdr the
    /// false discovery rate.
    #[arg(long)]
    significance: Option<f64>,
    /// LISA clusters at the Benjamini–Hochberg cut-off of the units' p_sim (esda's fdr; the
    /// default); `--fdr false` for p_sim ≤ significance, one test per unit.
    #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    fdr: bool,
    /// Also report the bivariate Moran's I of --var against the lag of this field, with its
    /// permutation test (this field permuted, as esda's Moran_BV).
    #[arg(long)]
    bivariate: Option<String>,
    /// Datum of the layer's coordinates (for geometry-based weights).
    #[arg(long, default_value = "wgs84")]
    datum: String,
    /// Boundaries within this distance count as shared (metres; 0 = exact vertices, as PySAL).
    #[arg(long, default_value_t = 0.0)]
    snap_tolerance_m: f64,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    let local_target = args
        .local
        .as_deref()
        .map(|out| OutputFile::claim(out, OutputKind::Layer, &[&args.layer]))
        .transpose()?;
    let table = read_table(&args.layer, &ReadOptions::default())?.table;
    let options = MoranOptions {
        var: args.var.clone(),
        id: args.id.clone(),
        weights: args.weights.clone(),
        transform: args.transform.clone(),
        permutations: args.permutations,
        seed: args.seed,
        alternative: args.alternative.clone(),
        local: args.local.is_some(),
        significance: args.significance,
        fdr: args.fdr,
        bivariate: args.bivariate.clone(),
        datum: args.datum.clone(),
        snap_tolerance_m: args.snap_tolerance_m,
    };
    let run = moran(&table, &args.layer, &options)?;
    let (result, report) = (&run.report.global, &run.report);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("serialisable")
        );
    } else if !ctx.quiet {
        let p_sim = |s: Option<&Simulation>| {
            s.map(|s| {
                format!(
                    ", p_sim = {} ({} permutations, seed {}, {})",
                    s.p_sim
                        .map_or("undefined".to_string(), |p| format!("{p:.4}")),
                    s.permutations,
                    s.seed,
                    s.alternative.name()
                )
            })
            .unwrap_or_default()
        };
        println!(
            "Moran's I of {} (n = {}, {} weights, {} links): I = {:.6}, E[I] = {:.6}, z_norm = {:.4} (p = {:.3e}), z_rand = {:.4} (p = {:.3e}){}",
            args.var,
            result.n,
            run.transform.name(),
            report.weights.links,
            result.I,
            result.EI,
            result.z_norm,
            result.p_norm,
            result.z_rand,
            result.p_rand,
            p_sim(result.simulation.as_ref())
        );
        if let Some(bv) = &report.bivariate {
            println!(
                "bivariate Moran's I of {} and the lag of {}: I = {:.6}{}",
                args.var,
                bv.field,
                bv.moran.I,
                p_sim(bv.moran.simulation.as_ref())
            );
        }
        if let Some(lisa) = &report.lisa {
            println!(
                "LISA clusters at p_sim ≤ {}: {}",
                lisa.p_cutoff,
                serde_json::to_string(&lisa.clusters).expect("serialisable")
            );
        }
        if !report.islands.is_empty() {
            println!("islands (no neighbours): {}", report.islands.join(", "));
        }
    }
    if let (Some(target), Some(lisa)) = (&local_target, &run.lisa) {
        target.write(|path| write_table(path, lisa, Srs::WGS84))?;
    }
    Ok(())
}
