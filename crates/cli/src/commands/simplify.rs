//! `borderscape simplify IN OUT --tolerance T`: simplify a polygon layer without opening gaps
//! between neighbours (shared borders are simplified once; see `borderscape_core::simplify`).

use std::path::PathBuf;

use borderscape_core::simplify::simplify_shared;
use borderscape_io::gpkg::Srs;
use borderscape_io::read::{read_table, ReadOptions};
use borderscape_io::write::write_table;
use geo::{Coord, Geometry, MapCoords, MultiPolygon};

use crate::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input polygon layer.
    input: PathBuf,
    /// Output layer (.geojson, .gpkg, .csv).
    output: PathBuf,
    /// Douglas–Peucker tolerance in the layer's coordinate unit (degrees for lon/lat: 0.001° ≈ 100 m).
    #[arg(long)]
    tolerance: f64,
    /// Round coordinates to this many decimals after simplifying (shared vertices stay shared).
    #[arg(long)]
    decimals: Option<i32>,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    let read = read_table(&args.input, &ReadOptions::default())?;
    let mut table = read.table;
    let polygons: Vec<MultiPolygon> = (0..table.len())
        .map(|i| match table.geometry(i) {
            Some(Geometry::MultiPolygon(mp)) => mp.clone(),
            Some(Geometry::Polygon(p)) => MultiPolygon::new(vec![p.clone()]),
            _ => MultiPolygon::new(vec![]),
        })
        .collect();
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
    write_table(&args.output, &table, Srs::WGS84)?;
    if !ctx.quiet {
        eprintln!(
            "{} features: {before} → {after} exterior vertices",
            table.len()
        );
    }
    Ok(())
}
