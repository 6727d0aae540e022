//! Synthetic monitoring: stations where real rivers cross province borders, and their monthly
//! water-quality series.
//!
//! # Stations
//! Every place where a real river's vertex sequence passes from one province to another (WDB II
//! digitisation order, which follows the flow) gets a station at the first vertex downstream of
//! the border; crossings closer than 5 km to a station already on the same river are skipped (a
//! river meandering along a border crosses it again and again).
//!
//! # Monthly series, 2008-01 to 2023-12 (CODMn, NH3-N, TN, TP, mg/L)
//! value = base · s · (1 + 0.2·cos(2π(month − 7)/12)) · trend · e^(0.15 ε), with the bases
//! CODMn 4.0, NH3-N 0.6, TN 2.2, TP 0.12 mg/L; s = e^(0.3 η) a station factor; trend = 1 until 2011
//! and 0.97^(year − 2011) after (the basin programmes of the 2010s); ε, η standard normal. A month
//! is missing with chance 4 %, and each station loses July–December of one year (equipment
//! failure), so that coverage rules have something to decide.

use borderscape_core::error::AnalysisError;
use borderscape_core::region::Level;
use borderscape_core::table::{Column, ColumnType, Table, Value};
use geo::Point;

use super::generated_table;
use super::landscape::{unit, Landscape};

/// Indicators, their base concentrations (mg/L).
pub const INDICATORS: [(&str, f64); 4] =
    [("CODMn", 4.0), ("NH3-N", 0.6), ("TN", 2.2), ("TP", 0.12)];

/// Crossings closer than this to a station on the same river get no station of their own.
const MIN_SPACING_M: f64 = 5000.0;

/// The stations, in the analysis CRS.
pub fn stations(landscape: &Landscape) -> Result<Table, AnalysisError> {
    let region = landscape.region;
    let mut table = generated_table(
        "stations",
        vec![
            Column::text("id", "station id"),
            Column::text("name", "name: upstream and downstream province"),
            Column::new(
                "river",
                ColumnType::Int,
                None,
                "river row in the rivers layer (1-based)",
            ),
            Column::text("upstream", "province code upstream"),
            Column::text("downstream", "province code downstream"),
        ],
        true,
    );
    let province = |county: Option<usize>| {
        let j = &region.jurisdictions[landscape.counties[county?].index];
        region
            .ancestor_at(j, Level::Province)
            .map(|p| p.code.clone())
    };
    for (r, owners) in landscape.river_counties.iter().enumerate() {
        let line = &landscape.rivers[r];
        let mut placed: Vec<geo::Coord> = Vec::new();
        for (i, pair) in owners.windows(2).enumerate() {
            let (Some(up), Some(down)) = (province(pair[0]), province(pair[1])) else {
                continue;
            };
            if up == down {
                continue;
            }
            let at = line.0[i + 1];
            if placed
                .iter()
                .any(|c| (c.x - at.x).hypot(c.y - at.y) < MIN_SPACING_M)
            {
                continue;
            }
            placed.push(at);
            let name = |code: &str| {
                region
                    .by_code(code)
                    .map_or(code.to_string(), |j| j.name.clone())
            };
            table.push(
                vec![
                    format!("S{:02}", table.len() + 1).into(),
                    format!(
                        "{} → {} ({})",
                        name(&up),
                        name(&down),
                        landscape.river_label(r)
                    )
                    .into(),
                    Value::Int(landscape.river_rows[r] as i64 + 1),
                    up.into(),
                    down.into(),
                    true.into(),
                ],
                Some(Point(at).into()),
            );
        }
    }
    Ok(table)
}

/// Monthly series of every station (rules in the module documentation).
pub fn monitoring(stations: &Table, seed: u64, first: i32, last: i32) -> Table {
    let mut table = generated_table(
        "monitoring",
        vec![
            Column::text("station", "station id"),
            Column::text("date", "month, YYYY-MM"),
            Column::text("indicator", "CODMn, NH3-N, TN or TP"),
            Column::new(
                "value",
                ColumnType::Real,
                Some("mg/L"),
                "monthly concentration",
            ),
            Column::text("unit", "unit of the value"),
        ],
        false,
    );
    let id = stations.column_index("id").expect("stations have ids");
    for row in &stations.rows {
        let station = row[id].to_text();
        let normal = |key: &str| {
            let u1 = 1.0 - unit(seed, &format!("{station}/{key}/u1"));
            let u2 = unit(seed, &format!("{station}/{key}/u2"));
            (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        };
        let failure_year = first
            + (unit(seed, &format!("{station}/failure")) * f64::from(last - first + 1)) as i32;
        for year in first..=last {
            for month in 1..=12 {
                let date = format!("{year}-{month:02}");
                if (year == failure_year && month >= 7)
                    || unit(seed, &format!("{station}/{date}/missing")) < 0.04
                {
                    continue;
                }
                let season =
                    1.0 + 0.2 * (std::f64::consts::TAU * f64::from(month - 7) / 12.0).cos();
                let trend = 0.97f64.powi((year - 2011).max(0));
                for (indicator, base) in INDICATORS {
                    let s = (0.3 * normal(indicator)).exp();
                    let noise = (0.15 * normal(&format!("{date}/{indicator}"))).exp();
                    let value = base * s * season * trend * noise;
                    table.push(
                        vec![
                            station.clone().into(),
                            date.clone().into(),
                            indicator.into(),
                            Value::Real(borderscape_core::table::round_to(value, 4)),
                            "mg/L".into(),
                            true.into(),
                        ],
                        None,
                    );
                }
            }
        }
    }
    table
}
