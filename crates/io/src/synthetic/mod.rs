//! Synthetic demonstration layers, generated deterministically from a seed. They stand in for
//! data the demo cannot ship (statistical yearbooks); every row carries `synthetic = true`, the
//! manifest marks the layer `synthetic = true`, and the report says so in a banner.
//!
//! # County indicators, 2010–2023 (rules)
//! Each county is placed by the centroid of its boundary; d = great-circle distance to Shanghai
//! (People's Square, 121.4737°E 31.2304°N) in km; t = year − 2010; ε = independent normal noise
//! (Box–Muller on a PCG-64 stream seeded with `seed`).
//! - `gdp_per_capita_yuan` = (40 000 + 160 000 · e^(−d/250)) · 1.06^t · (1 + 0.08 ε): richer near
//!   Shanghai, growing 6 %/yr.
//! - `urbanisation_pct` = min(95, 35 + 45 · e^(−d/300) + 0.8 t + 3 ε).
//! - `forest_cover_pct` = 12 + 50 / (1 + e^(−2(29.9 − lat))) + 0.15 t + 3 ε: the hills of southern
//!   Zhejiang and Anhui (south of ~30°N) are forested, the plains are not.
//! - `water_quality_index` (0–100, higher is cleaner) = 55 + 20 · e^(−d_south/200) + 1.2 · max(0, t − 5) + 4 ε,
//!   with d_south the distance north of 29°N in km: cleaner upstream in the south, improving
//!   after the 2015 Water Pollution Prevention Action Plan.
//! - `pollution_load_t` (COD, tonnes/yr; more is worse) = 8 000 · e^(−d/350) · (1 − 0.03 · max(0, t − 6)) · (1 + 0.1 ε).

pub mod facilities;
pub mod landscape;
pub mod large;
pub mod plans;
pub mod roads;
pub mod stations;

use borderscape_core::table::{Column, ColumnType, Table, Value};
use geo::{Centroid, Distance, Haversine, Point};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

const SHANGHAI: (f64, f64) = (121.4737, 31.2304);

/// A table of generated rows: `columns` and then `synthetic`, which every row sets true.
fn generated_table(name: &str, mut columns: Vec<Column>, spatial: bool) -> Table {
    columns.push(Column::new(
        "synthetic",
        ColumnType::Bool,
        None,
        "generated, not observed",
    ));
    Table::new(name, columns, spatial)
}

/// Standard normal noise by Box–Muller.
fn normal(rng: &mut Pcg64) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn round(x: f64, decimals: i32) -> f64 {
    borderscape_core::table::round_to(x, decimals)
}

/// Yearly indicators for every jurisdiction of `level` in `jurisdictions` (lon/lat geometry, with
/// `code` and `level` columns), for the years `first..=last`.
pub fn indicators(jurisdictions: &Table, level: &str, seed: u64, first: i64, last: i64) -> Table {
    let code = jurisdictions
        .column_index("code")
        .expect("jurisdictions have a code");
    let level_c = jurisdictions
        .column_index("level")
        .expect("jurisdictions have a level");
    let real = |n: &str, u: &str, d: &str| Column::new(n, ColumnType::Real, Some(u), d);
    let mut table = generated_table(
        "indicators",
        vec![
            Column::text("code", "county code"),
            Column::new("year", ColumnType::Int, None, "year"),
            real("gdp_per_capita_yuan", "yuan", "GDP per capita (synthetic)"),
            real(
                "urbanisation_pct",
                "%",
                "urban population share (synthetic)",
            ),
            real("forest_cover_pct", "%", "forest cover (synthetic)"),
            real(
                "water_quality_index",
                "0–100",
                "water quality, higher is cleaner (synthetic)",
            ),
            real("pollution_load_t", "t/yr", "COD load (synthetic)"),
        ],
        false,
    );
    let mut rng = Pcg64::seed_from_u64(seed);
    for (i, row) in jurisdictions.rows.iter().enumerate() {
        if row[level_c].to_text() != level {
            continue;
        }
        let Some(c) = jurisdictions.geometry(i).and_then(|g| g.centroid()) else {
            continue;
        };
        let d = Haversine.distance(c, Point::new(SHANGHAI.0, SHANGHAI.1)) / 1000.0;
        let d_south = Haversine
            .distance(Point::new(c.x(), c.y().max(29.0)), Point::new(c.x(), 29.0))
            / 1000.0;
        for year in first..=last {
            let t = (year - 2010) as f64;
            let gdp = (40_000.0 + 160_000.0 * (-d / 250.0).exp())
                * 1.06f64.powf(t)
                * (1.0 + 0.08 * normal(&mut rng));
            let urban =
                (35.0 + 45.0 * (-d / 300.0).exp() + 0.8 * t + 3.0 * normal(&mut rng)).min(95.0);
            let forest = 12.0
                + 50.0 / (1.0 + (-2.0 * (29.9 - c.y())).exp())
                + 0.15 * t
                + 3.0 * normal(&mut rng);
            let water = (55.0
                + 20.0 * (-d_south / 200.0).exp()
                + 1.2 * (t - 5.0).max(0.0)
                + 4.0 * normal(&mut rng))
            .clamp(0.0, 100.0);
            let load = 8_000.0
                * (-d / 350.0).exp()
                * (1.0 - 0.03 * (t - 6.0).max(0.0))
                * (1.0 + 0.1 * normal(&mut rng));
            table.push(
                vec![
                    row[code].clone(),
                    Value::Int(year),
                    Value::Real(round(gdp, 0)),
                    Value::Real(round(urban, 2)),
                    Value::Real(round(forest.max(0.0), 2)),
                    Value::Real(round(water, 2)),
                    Value::Real(round(load.max(0.0), 1)),
                    Value::Bool(true),
                ],
                None,
            );
        }
    }
    table
}
