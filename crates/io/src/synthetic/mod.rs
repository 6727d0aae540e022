//! Synthetic demonstration layers, generated deterministically from a seed. They stand in for
//! data the demo cannot ship (statistical yearbooks); every row carries `synthetic = true`, the
//! manifest marks the layer `synthetic = true`, and the report says so in a banner.
//!
//! # County indicators, 2010–2023 (rules)
//! Each county is placed by the centroid of its boundary; d = great-circle distance to Shanghai
//! (People's Square, 121.4737°E 31.2304°N) in km; ε = independent normal noise, drawn anew for
//! every county and year (Box–Muller on a PCG-64 stream seeded with `seed`).
//! - `gdp_per_capita_yuan` = (40 000 + 160 000 · e^(−d/250)) · (1 + 0.08 ε): richer near Shanghai.
//! - `urbanisation_pct` = min(95, 35 + 45 · e^(−d/300) + 3 ε).
//! - `forest_cover_pct` = 12 + 50 / (1 + e^(−2(29.9 − lat))) + 3 ε: the hills of southern
//!   Zhejiang and Anhui (south of ~30°N) are forested, the plains are not.
//! - `water_quality_index` (0–100, higher is cleaner) = 55 + 20 · e^(−d_south/200) + 4 ε, with
//!   d_south the distance north of 29°N in km: cleaner upstream in the south.
//! - `pollution_load_t` (COD, tonnes/yr; more is worse) = 8 000 · e^(−d/350) · (1 + 0.1 ε).
//!
//! No rule depends on the year, and none on governance: the years differ by noise only. Trends
//! planted a drift the governance outcome comparison read as an effect of coverage (issue 38):
//! with 6 %/yr growth of GDP and a load falling in proportion to its level, counties near
//! Shanghai — where the demo's covered borders are — gained fastest, and the demo reported
//! did = 0.0217, p = 0.043 on D_border with leads rising 0.0029 a year. Run through
//! `borderscape analyze` on the demo with other noise seeds, those rules gave a mean did of
//! +0.0101 over 100 seeds (lead slope +0.0023/yr); these give −0.0001 over 200 (standard
//! deviation 0.011). Trends shared by every county would not do: D_border is concave in the
//! sides' development T and the covered borders have the highest T, so a common trend biased did
//! by −0.0065 in a replica of the pipeline over 20 seeds. The layer demonstrates methods; it has
//! no trends to read.

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
            let gdp = (40_000.0 + 160_000.0 * (-d / 250.0).exp()) * (1.0 + 0.08 * normal(&mut rng));
            let urban = (35.0 + 45.0 * (-d / 300.0).exp() + 3.0 * normal(&mut rng)).min(95.0);
            let forest =
                12.0 + 50.0 / (1.0 + (-2.0 * (29.9 - c.y())).exp()) + 3.0 * normal(&mut rng);
            let water =
                (55.0 + 20.0 * (-d_south / 200.0).exp() + 4.0 * normal(&mut rng)).clamp(0.0, 100.0);
            let load = 8_000.0 * (-d / 350.0).exp() * (1.0 + 0.1 * normal(&mut rng));
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

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Geometry};

    /// 40 counties, 0.1° squares on a 8 × 5 grid running west and south of Shanghai (distances
    /// about 0–300 km, latitudes 29.9–31.2°N), so every rule's gradient is in play.
    fn counties() -> Table {
        let mut table = Table::new(
            "jurisdictions",
            vec![Column::text("code", ""), Column::text("level", "")],
            true,
        );
        for k in 0..40 {
            let (x, y) = (121.4 - 0.35 * (k % 8) as f64, 31.2 - 0.3 * (k / 8) as f64);
            let square = polygon![
                (x: x, y: y), (x: x + 0.1, y: y), (x: x + 0.1, y: y + 0.1), (x: x, y: y + 0.1)
            ];
            table.push(
                vec![format!("c{k:02}").into(), "county".into()],
                Some(Geometry::Polygon(square)),
            );
        }
        table
    }

    /// No indicator trends, overall or by distance to Shanghai: the OLS slope on the year, pooled
    /// over the near and the far half of the counties, stays within 4 standard errors of 0 for
    /// every indicator. The rules before issue 38 (6 %/yr GDP growth, +0.8 points/yr
    /// urbanisation, water improving and COD falling after 2015) fail it by far.
    #[test]
    fn indicators_have_no_trend_to_mistake_for_an_effect() {
        let table = indicators(&counties(), "county", 2035, 2010, 2023);
        assert_eq!(table.rows.len(), 40 * 14);
        let year = table.column_index("year").unwrap();
        let code = table.column_index("code").unwrap();
        for name in [
            "gdp_per_capita_yuan",
            "urbanisation_pct",
            "forest_cover_pct",
            "water_quality_index",
            "pollution_load_t",
        ] {
            let c = table.column_index(name).unwrap();
            for near in [true, false] {
                // Counties c00–c19 are the northern, nearer half.
                let rows: Vec<(f64, f64, String)> = table
                    .rows
                    .iter()
                    .filter(|r| (r[code].to_text().as_str() < "c20") == near)
                    .map(|r| {
                        (
                            r[year].as_f64().unwrap(),
                            r[c].as_f64().unwrap(),
                            r[code].to_text(),
                        )
                    })
                    .collect();
                // Slope of the value on the year within counties (county means removed).
                let mut by_county: std::collections::BTreeMap<&str, Vec<(f64, f64)>> =
                    Default::default();
                for (t, v, k) in &rows {
                    by_county.entry(k.as_str()).or_default().push((*t, *v));
                }
                let (mut sxy, mut sxx, mut residual, mut n) = (0.0, 0.0, Vec::new(), 0.0);
                let centred: Vec<Vec<(f64, f64)>> = by_county
                    .values()
                    .map(|series| {
                        let m = series.len() as f64;
                        let (mt, mv) = series
                            .iter()
                            .fold((0.0, 0.0), |(a, b), (t, v)| (a + t / m, b + v / m));
                        series.iter().map(|(t, v)| (t - mt, v - mv)).collect()
                    })
                    .collect();
                for (t, v) in centred.iter().flatten() {
                    sxy += t * v;
                    sxx += t * t;
                    n += 1.0;
                }
                let slope = sxy / sxx;
                for (t, v) in centred.iter().flatten() {
                    residual.push(v - slope * t);
                }
                let dof = n - centred.len() as f64 - 1.0;
                let sigma2 = residual.iter().map(|r| r * r).sum::<f64>() / dof;
                let se = (sigma2 / sxx).sqrt();
                assert!(
                    slope.abs() < 4.0 * se,
                    "{name} (near: {near}): slope {slope} per year, standard error {se}"
                );
            }
        }
    }
}
