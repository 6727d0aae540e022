//! `borderscape simplify IN OUT --tolerance T`: simplify a polygon layer without opening gaps
//! between neighbours (shared borders are simplified once; see `borderscape_core::simplify`).

use std::path::PathBuf;

use anyhow::anyhow;
use borderscape_core::simplify::simplify_shared;
use borderscape_io::gpkg::Srs;
use borderscape_io::outputs::OutputFile;
use borderscape_io::owned::OutputKind;
use borderscape_io::read::{read_table, ReadOptions};
use borderscape_io::write::write_table;
use geo::{BoundingRect, Coord, Geometry, MapCoords, MultiPolygon, Rect};

use crate::context::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input polygon layer.
    input: PathBuf,
    /// Output layer (.geojson, .gpkg, .csv).
    output: PathBuf,
    /// Douglas–Peucker tolerance in the layer's coordinate unit (degrees for lon/lat: 0.001° ≈ 100 m),
    /// above 0 and at most the layer's extent.
    #[arg(long, value_parser = parse_tolerance)]
    tolerance: f64,
    /// Round coordinates to this many decimals after simplifying (shared vertices stay shared).
    #[arg(long)]
    decimals: Option<i32>,
}

/// A tolerance that simplifies: NaN or infinity would keep or drop every vertex, 0 or less none.
fn parse_tolerance(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(t) if t.is_finite() && t > 0.0 => Ok(t),
        _ => Err(
            "the tolerance must be a finite number above 0 (in the layer's coordinate unit)".into(),
        ),
    }
}

/// Refuses a tolerance beyond the larger side of the layer's bounding box: every ring would
/// collapse to its simplest shape, which is never what was meant.
fn check_extent(tolerance: f64, polygons: &[MultiPolygon]) -> Result<(), Failure> {
    let Some(extent) = polygons
        .iter()
        .filter_map(|p| p.bounding_rect())
        .reduce(|a, b| {
            Rect::new(
                Coord {
                    x: a.min().x.min(b.min().x),
                    y: a.min().y.min(b.min().y),
                },
                Coord {
                    x: a.max().x.max(b.max().x),
                    y: a.max().y.max(b.max().y),
                },
            )
        })
        .map(|r| r.width().max(r.height()))
        .filter(|&extent| extent > 0.0)
    else {
        return Ok(());
    };
    if tolerance > extent {
        // Six significant digits, without the coordinates' rounding noise.
        let decimals = (5 - extent.log10().floor() as i32).max(0) as usize;
        let extent = format!("{extent:.decimals$}");
        let extent = extent.trim_end_matches('0').trim_end_matches('.');
        return Err(Failure::Usage(anyhow!(
            "--tolerance {tolerance:?}: the tolerance must be above 0 and at most the layer's extent, {extent} (in its coordinate unit)"
        )));
    }
    Ok(())
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    let target = OutputFile::claim(&args.output, OutputKind::Layer, &[&args.input])?;
    let read = read_table(&args.input, &ReadOptions::default())?;
    let mut table = read.table;
    let polygons: Vec<MultiPolygon> = (0..table.len())
        .map(|i| match table.geometry(i) {
            Some(Geometry::MultiPolygon(mp)) => mp.clone(),
            Some(Geometry::Polygon(p)) => MultiPolygon::new(vec![p.clone()]),
            _ => MultiPolygon::new(vec![]),
        })
        .collect();
    check_extent(args.tolerance, &polygons)?;
    let before: usize = polygons
        .iter()
        .map(|p| p.0.iter().map(|q| q.exterior().0.len()).sum::<usize>())
        .sum();
    let simplified = simplify_shared(&polygons, args.tolerance);
    let round = |c: Coord| match args.decimals {
        Some(d) => {
            let f = 10f64.powi(d);
            Coord {
                x: (c.x * f).round() / f,
                y: (c.y * f).round() / f,
            }
        }
        None => c,
    };
    let after: usize = simplified
        .iter()
        .map(|p| p.0.iter().map(|q| q.exterior().0.len()).sum::<usize>())
        .sum();
    if let Some(geoms) = table.geometries.as_mut() {
        for (g, s) in geoms.iter_mut().zip(simplified) {
            if g.is_some() {
                *g = Some(Geometry::MultiPolygon(s.map_coords(round)));
            }
        }
    }
    target.write(|path| write_table(path, &table, Srs::WGS84))?;
    if !ctx.quiet {
        eprintln!(
            "{} features: {before} → {after} exterior vertices",
            table.len()
        );
    }
    Ok(())
}
