//! Large synthetic plans for benchmarks: a grid of 10 km square jurisdictions (in UTM 51N
//! metres, near Shanghai) cut into square zones with random classes. Nothing here resembles a
//! real place; every row is labelled synthetic.

use borderscape_core::table::{Column, Table, Value};
use geo::{polygon, Geometry};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

use super::generated_table;

/// Classes and their shares: mostly farmland and housing, a few nuisances.
const CLASSES: &[(&str, f64)] = &[
    ("0101", 0.35),
    ("0701", 0.25),
    ("08", 0.05),
    ("09", 0.08),
    ("100101", 0.05),
    ("100102", 0.05),
    ("100103", 0.02),
    ("1309", 0.01),
    ("1302", 0.01),
    ("03", 0.08),
    ("05", 0.03),
    ("14", 0.02),
];

/// Side of a jurisdiction, m.
pub const UNIT_M: f64 = 10_000.0;
/// Lower-left corner of the grid in UTM 51N (EPSG:32651).
const ORIGIN: (f64, f64) = (300_000.0, 3_400_000.0);

fn square(x: f64, y: f64, size: f64) -> Geometry {
    polygon![(x: x, y: y), (x: x + size, y: y), (x: x + size, y: y + size), (x: x, y: y + size)]
        .into()
}

/// `side × side` county-level jurisdictions (`U<i>_<j>`) and about `zones` plan zones over them.
pub fn large_plans(side: usize, zones: usize, seed: u64) -> (Table, Table) {
    let per_side = ((zones / (side * side)) as f64).sqrt().round().max(1.0) as usize;
    let cell = UNIT_M / per_side as f64;
    let mut units = generated_table(
        "jurisdictions",
        vec![
            Column::text("code", "unit code"),
            Column::text("name", "unit name"),
            Column::text("level", "county"),
        ],
        true,
    );
    let mut plans = generated_table(
        "plans",
        vec![
            Column::text("id", "zone id"),
            Column::text("jurisdiction", "unit code"),
            Column::text("class", "China 2023 class, drawn at random"),
        ],
        true,
    );
    let mut rng = Pcg64::seed_from_u64(seed);
    for i in 0..side {
        for j in 0..side {
            let code = format!("U{i}_{j}");
            let (x0, y0) = (ORIGIN.0 + i as f64 * UNIT_M, ORIGIN.1 + j as f64 * UNIT_M);
            units.push(
                vec![
                    code.clone().into(),
                    format!("unit {i},{j}").into(),
                    "county".into(),
                    true.into(),
                ],
                Some(square(x0, y0, UNIT_M)),
            );
            for a in 0..per_side {
                for b in 0..per_side {
                    let u: f64 = rng.random();
                    let mut total = 0.0;
                    let class = CLASSES
                        .iter()
                        .find(|(_, share)| {
                            total += share;
                            u < total
                        })
                        .map_or("0101", |(c, _)| c);
                    plans.push(
                        vec![
                            Value::from(format!("{code}-{a}-{b}")),
                            code.clone().into(),
                            class.into(),
                            true.into(),
                        ],
                        Some(square(x0 + a as f64 * cell, y0 + b as f64 * cell, cell)),
                    );
                }
            }
        }
    }
    (units, plans)
}
