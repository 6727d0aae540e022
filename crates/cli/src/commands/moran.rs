//! `borderscape moran LAYER --var FIELD`: global (and optionally local) Moran's I of a variable.

use std::path::PathBuf;

use anyhow::anyhow;
use borderscape_core::analysis::synergy::{self, Synergy};
use borderscape_core::analysis::AnalysisModule;
use borderscape_core::datum::Datum;
use borderscape_core::spatial_weights::{SpatialWeights, Transform};
use borderscape_core::spec::ParamValue;
use borderscape_core::stats::morans_i::{self, LocalMoran, Permutations};
use borderscape_core::table::{Column, ColumnType, Table};
use borderscape_io::gpkg::Srs;
use borderscape_io::read::{read_table, ReadOptions};
use borderscape_io::transform::to_local_albers;
use borderscape_io::write::write_table;
use borderscape_io::{IoError, Problem};
use geo::{Centroid, Geometry, MultiPolygon};
use serde_json::json;

use super::spec_params;
use crate::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Polygon layer (.shp, .geojson, .gpkg) or, with a .gal file, any table.
    layer: PathBuf,
    /// The variable.
    #[arg(long)]
    var: String,
    /// Id field matching the GAL file's ids (default: record number 1..n, as PySAL's POLYID).
    #[arg(long)]
    id: Option<String>,
    /// queen | rook (from the polygons), knn:K, distance:METRES (from centroids), or a .gal file.
    #[arg(long, default_value = "queen")]
    weights: String,
    /// r (row-standardised) or b (binary).
    #[arg(long, default_value = "r")]
    transform: String,
    /// Permutations for p_sim (default: as `analyze`'s synergy, 999; at most 1,000,000).
    #[arg(long)]
    permutations: Option<usize>,
    /// Seed of the permutations (default: as `analyze`, 12345).
    #[arg(long)]
    seed: Option<u64>,
    /// Alternative hypothesis of p_sim: two-sided, greater, less, folded or directed (esda's
    /// Moran p_sim, the default).
    #[arg(long, default_value = "directed")]
    alternative: String,
    /// Write local Moran (LISA) per unit to this file (.csv, .geojson, .gpkg).
    #[arg(long)]
    local: Option<PathBuf>,
    /// Also report the bivariate Moran's I of --var against the lag of this field.
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

fn numbers(table: &Table, field: &str, path: &std::path::Path) -> Result<Vec<f64>, IoError> {
    let column = table.column_index(field).ok_or_else(|| {
        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        IoError::invalid(Problem {
            severity: borderscape_io::Severity::Error,
            file: path.display().to_string(),
            feature: None,
            code: None,
            field: Some(field.to_string()),
            message: format!("no such field (fields: {})", names.join(", ")),
        })
    })?;
    let mut problems = Vec::new();
    let values = table
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            row[column]
                .as_f64()
                .filter(|v| v.is_finite())
                .unwrap_or_else(|| {
                    problems.push(Problem::feature(
                        borderscape_io::Severity::Error,
                        path,
                        i,
                        None,
                        Some(field),
                        format!("`{}` is not a number", row[column].to_text()),
                    ));
                    f64::NAN
                })
        })
        .collect();
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(IoError::Invalid(problems))
    }
}

fn weights(args: &Args, table: &Table, ids: &[String]) -> Result<SpatialWeights, Failure> {
    let spec = args.weights.as_str();
    if spec.to_ascii_lowercase().ends_with(".gal") {
        let text = std::fs::read_to_string(spec)
            .map_err(|e| IoError::file(std::path::Path::new(spec), e))?;
        return SpatialWeights::from_gal(&text, ids)
            .map_err(|e| Failure::Input(anyhow!("{spec}: {e}")));
    }
    let datum = Datum::parse(&args.datum)
        .ok_or_else(|| Failure::Input(anyhow!("unknown datum `{}`", args.datum)))?;
    let (projected, _) = to_local_albers(table, datum)?;
    let geometries: Vec<Option<&Geometry>> = (0..projected.len())
        .map(|i| projected.geometry(i))
        .collect();
    let centroids = || -> Result<Vec<[f64; 2]>, Failure> {
        geometries
            .iter()
            .enumerate()
            .map(|(i, g)| {
                g.and_then(|g| g.centroid())
                    .map(|c| [c.x(), c.y()])
                    .ok_or_else(|| {
                        Failure::Input(anyhow!(
                            "{}: feature {i} has no geometry",
                            args.layer.display()
                        ))
                    })
            })
            .collect()
    };
    match spec.split_once(':') {
        Some(("knn", k)) => Ok(SpatialWeights::k_nearest(
            &centroids()?,
            k.parse()
                .map_err(|_| Failure::Input(anyhow!("bad k in `{spec}`")))?,
        )),
        Some(("distance", d)) => Ok(SpatialWeights::distance_band(
            &centroids()?,
            d.parse()
                .map_err(|_| Failure::Input(anyhow!("bad distance in `{spec}`")))?,
        )),
        _ if spec == "queen" || spec == "rook" => {
            let polygons: Vec<MultiPolygon> = geometries
                .iter()
                .map(|g| match g {
                    Some(Geometry::MultiPolygon(mp)) => mp.clone(),
                    Some(Geometry::Polygon(p)) => MultiPolygon::new(vec![p.clone()]),
                    _ => MultiPolygon::new(vec![]),
                })
                .collect();
            let refs: Vec<&MultiPolygon> = polygons.iter().collect();
            Ok(SpatialWeights::contiguity(
                &refs,
                spec == "queen",
                args.snap_tolerance_m,
            ))
        }
        _ => Err(Failure::Input(anyhow!(
            "--weights must be queen, rook, knn:K, distance:METRES or a .gal file, not `{spec}`"
        ))),
    }
}

/// The permutation settings: flags, else the defaults and bounds of `analyze`'s specs.
fn permutations(args: &Args) -> Result<Permutations, Failure> {
    let number = |n: Option<f64>| n.map(ParamValue::Number);
    let values = spec_params(
        &synergy::SPEC,
        [
            ("permutations", number(args.permutations.map(|n| n as f64))),
            ("seed", number(args.seed.map(|s| s as f64))),
            (
                "alternative",
                Some(ParamValue::Text(args.alternative.clone())),
            ),
        ],
    )?;
    Ok(Synergy::params(&values)
        .map_err(|e| Failure::Usage(e.into()))?
        .permutations)
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    let table = read_table(&args.layer, &ReadOptions::default())?.table;
    let y = numbers(&table, &args.var, &args.layer)?;
    let ids: Vec<String> = match &args.id {
        Some(field) => {
            let c = table.column_index(field).ok_or_else(|| {
                Failure::Input(anyhow!("{}: no field `{field}`", args.layer.display()))
            })?;
            table.rows.iter().map(|r| r[c].to_text()).collect()
        }
        None => (1..=table.len()).map(|i| i.to_string()).collect(),
    };
    let transform = Transform::parse(&args.transform)
        .ok_or_else(|| Failure::Input(anyhow!("--transform must be r or b")))?;
    let w = weights(&args, &table, &ids)?.with_transform(transform);
    let permutations = Some(permutations(&args)?);
    let result = morans_i::global(&y, &w, permutations)?;
    let bivariate = match &args.bivariate {
        Some(field) => Some(morans_i::bivariate(
            &y,
            &numbers(&table, field, &args.layer)?,
            &w,
        )?),
        None => None,
    };
    let island_ids: Vec<&str> = result.islands.iter().map(|&i| ids[i].as_str()).collect();
    let mut report = serde_json::to_value(&result).expect("serialisable");
    report["islands"] = json!(island_ids);
    report["weights"] =
        json!({ "kind": args.weights, "transform": transform.name(), "links": w.links() });
    if let Some(b) = bivariate {
        report["I_bivariate"] = json!(b);
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("serialisable")
        );
    } else if !ctx.quiet {
        println!(
            "Moran's I of {} (n = {}, {} weights, {} links): I = {:.6}, E[I] = {:.6}, z_norm = {:.4} (p = {:.3e}), z_rand = {:.4} (p = {:.3e}){}",
            args.var,
            result.n,
            transform.name(),
            w.links(),
            result.I,
            result.EI,
            result.z_norm,
            result.p_norm,
            result.z_rand,
            result.p_rand,
            result.simulation.as_ref().map(|s| format!(", p_sim = {} ({} permutations, seed {}, {})", s.p_sim.map_or("undefined".to_string(), |p| format!("{p:.4}")), s.permutations, s.seed, s.alternative.name())).unwrap_or_default()
        );
        if !island_ids.is_empty() {
            println!("islands (no neighbours): {}", island_ids.join(", "));
        }
    }
    if let Some(out) = &args.local {
        let lisa = morans_i::local(&y, &w, permutations)?;
        let mut local = Table::new(
            "lisa",
            vec![
                Column::text("id", "unit id"),
                Column::new(&args.var, ColumnType::Real, None, "the variable"),
            ]
            .into_iter()
            .chain(LocalMoran::columns())
            .collect(),
            table.geometries.is_some(),
        );
        for (i, l) in lisa.iter().enumerate() {
            let row = [ids[i].as_str().into(), y[i].into()];
            local.push(
                row.into_iter().chain(l.values()).collect(),
                table.geometry(i).cloned(),
            );
        }
        write_table(out, &local, Srs::WGS84)?;
    }
    Ok(())
}
