//! `borderscape moran LAYER --var FIELD`: global (and optionally local) Moran's I of a variable.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::anyhow;
use borderscape_core::analysis::synergy::{self, Synergy, SynergyParams};
use borderscape_core::analysis::AnalysisModule;
use borderscape_core::datum::Datum;
use borderscape_core::spatial_weights::{SpatialWeights, Transform, WeightsError};
use borderscape_core::spec::ParamValue;
use borderscape_core::stats::morans_i::{self, cluster_cutoff, LocalMoran, Simulation};
use borderscape_core::table::{row_label, Column, ColumnType, Table, Value};
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
    /// Alternative hypothesis of p_sim: two-sided, greater, less, folded or directed (esda's
    /// Moran p_sim, the default).
    #[arg(long, default_value = "directed")]
    alternative: String,
    /// Write local Moran (LISA) per unit to this file (.csv, .geojson, .gpkg).
    #[arg(long)]
    local: Option<PathBuf>,
    /// p_sim threshold of a LISA cluster (default: as `analyze`'s synergy, 0.05); with --fdr the
    /// false discovery rate.
    #[arg(long)]
    significance: Option<f64>,
    /// LISA clusters at the Benjamini–Hochberg cut-off of the units' p_sim (esda's fdr).
    #[arg(long)]
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

/// The unit ids: the `--id` field's values (a whole number stored as a float written without
/// its `.0`), else the record numbers 1..n.
fn unit_ids(args: &Args, table: &Table) -> Result<Vec<String>, Failure> {
    let Some(field) = &args.id else {
        return Ok((1..=table.len()).map(|i| i.to_string()).collect());
    };
    let layer = args.layer.display().to_string();
    let c = table
        .column_index(field)
        .ok_or_else(|| Failure::Input(anyhow!("{layer}: no field `{field}`")))?;
    table
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| match &row[c] {
            Value::Null => Err(Failure::Input(anyhow!(
                "{layer}: {}: field `{field}`: the id is empty",
                row_label(&layer, i)
            ))),
            Value::Real(x) if x.fract() == 0.0 && x.abs() < 2f64.powi(53) => {
                Ok(format!("{}", *x as i64))
            }
            value => Ok(value.to_text()),
        })
        .collect()
}

fn weights(args: &Args, table: &Table, ids: &[String]) -> Result<SpatialWeights, Failure> {
    let spec = args.weights.as_str();
    let lower = spec.to_ascii_lowercase();
    if lower.ends_with(".gal") || lower.ends_with(".gwt") {
        let text = std::fs::read_to_string(spec)
            .map_err(|e| IoError::file(std::path::Path::new(spec), e))?;
        let read = if lower.ends_with(".gal") {
            SpatialWeights::from_gal(&text, ids)
        } else {
            SpatialWeights::from_gwt(&text, ids)
        };
        return read.map_err(|e| match e {
            WeightsError::DuplicateId { id, first, second } => {
                let layer = args.layer.display().to_string();
                Failure::Input(anyhow!(
                    "{layer}: {} and {}: field `{}`: the id {id} is not unique",
                    row_label(&layer, first),
                    row_label(&layer, second),
                    args.id.as_deref().unwrap_or("id")
                ))
            }
            e => Failure::Input(anyhow!("{spec}: {e}")),
        });
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
            "--weights must be queen, rook, knn:K, distance:METRES, a .gal or a .gwt file, not `{spec}`"
        ))),
    }
}

/// The permutation and LISA settings: flags, else the defaults and bounds of `analyze`'s
/// synergy spec.
fn synergy_params(args: &Args) -> Result<SynergyParams, Failure> {
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
            ("significance", number(args.significance)),
            ("fdr", Some(ParamValue::Bool(args.fdr))),
        ],
    )?;
    Synergy::params(&values).map_err(|e| Failure::Usage(e.into()))
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    let table = read_table(&args.layer, &ReadOptions::default())?.table;
    let y = numbers(&table, &args.var, &args.layer)?;
    let ids = unit_ids(&args, &table)?;
    let transform = Transform::parse(&args.transform)
        .ok_or_else(|| Failure::Input(anyhow!("--transform must be r, b or o")))?;
    let w = weights(&args, &table, &ids)?.with_transform(transform);
    let params = synergy_params(&args)?;
    let permutations = Some(params.permutations);
    let result = morans_i::global(&y, &w, permutations)?;
    let island_ids: Vec<&str> = result.islands.iter().map(|&i| ids[i].as_str()).collect();
    let mut report = serde_json::to_value(&result).expect("serialisable");
    report["islands"] = json!(island_ids);
    report["weights"] =
        json!({ "kind": args.weights, "transform": transform.name(), "links": w.links() });
    let bivariate = match &args.bivariate {
        Some(field) => {
            let other = numbers(&table, field, &args.layer)?;
            let bv = morans_i::bivariate(&y, &other, &w, permutations)?;
            let mut value = serde_json::to_value(&bv).expect("serialisable");
            value["field"] = json!(field);
            report["bivariate"] = value;
            Some((field, bv))
        }
        None => None,
    };
    let lisa = match &args.local {
        Some(_) => {
            let lisa = morans_i::local(&y, &w, permutations)?;
            let cutoff = cluster_cutoff(&lisa, params.significance, params.fdr);
            let mut clusters: BTreeMap<&str, usize> = BTreeMap::new();
            for l in &lisa {
                *clusters.entry(l.cluster(cutoff)).or_default() += 1;
            }
            report["lisa"] = json!({ "significance": params.significance, "fdr": params.fdr, "p_cutoff": cutoff, "clusters": clusters });
            Some((lisa, cutoff))
        }
        None => None,
    };
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
            transform.name(),
            w.links(),
            result.I,
            result.EI,
            result.z_norm,
            result.p_norm,
            result.z_rand,
            result.p_rand,
            p_sim(result.simulation.as_ref())
        );
        if let Some((field, bv)) = &bivariate {
            println!(
                "bivariate Moran's I of {} and the lag of {field}: I = {:.6}{}",
                args.var,
                bv.I,
                p_sim(bv.simulation.as_ref())
            );
        }
        if let Some(lisa) = report.get("lisa") {
            println!(
                "LISA clusters at p_sim ≤ {}: {}",
                lisa["p_cutoff"], lisa["clusters"]
            );
        }
        if !island_ids.is_empty() {
            println!("islands (no neighbours): {}", island_ids.join(", "));
        }
    }
    if let (Some(out), Some((lisa, cutoff))) = (&args.local, &lisa) {
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
                row.into_iter().chain(l.values(*cutoff)).collect(),
                table.geometry(i).cloned(),
            );
        }
        write_table(out, &local, Srs::WGS84)?;
    }
    Ok(())
}
