//! Border-siting tests, "polluting thy neighbour" (methods reference §2.2) [P]:
//!
//! 1. **Band test**: for each polluting facility (a type with a point load), the distance along
//!    the river from where it meets the network down to its unit's exit border, and up to its
//!    entry border; counts per band (0–5, 5–10, 10–20, 20–50 km) from the exit and from the entry;
//!    the incidence-rate ratio IRR = (n_exit + 0.5)/(n_entry + 0.5) per band (the 0.5 keeps empty
//!    bands finite). Placebo: each facility is moved to a uniformly random point of the river
//!    inside its unit (seeded), the 0–5 km IRR recomputed; p = (1 + #{IRR_perm ≥ IRR}) / (1 + N) with the default
//!    alternative `greater` (any other through `alternative`).
//! 2. **Most-downstream unit** (Cai et al. 2016): per province, the county where its longest
//!    river leaves it, and its density of polluting facilities (per 1000 km²) against the mean of
//!    the province's other counties.

use std::collections::BTreeMap;

use geo::Area;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use serde_json::json;

use super::network::Network;
use crate::error::AnalysisError;
use crate::region::{Level, Region};
use crate::stats::significance::{pseudo_p, Alternative};
use crate::table::{round_to, Column, ColumnType, Table, Value};

pub const BANDS_KM: [(f64, f64); 4] = [(0.0, 5.0), (5.0, 10.0), (10.0, 20.0), (20.0, 50.0)];
const HORIZON_KM: f64 = 50.0;

/// The network seen at one level: each segment's unit there, and who flows into each reach.
struct Walker<'n> {
    network: &'n Network,
    units: Vec<Vec<Option<usize>>>,
    upstream: Vec<Vec<usize>>,
}

impl<'n> Walker<'n> {
    fn new(region: &Region, network: &'n Network, level: Level) -> Self {
        let up = |u: Option<usize>| region.unit_at(u?, level);
        let units = network
            .reaches
            .iter()
            .map(|r| r.segments.iter().map(|s| up(s.unit)).collect())
            .collect();
        let mut upstream = vec![Vec::new(); network.reaches.len()];
        for (k, r) in network.reaches.iter().enumerate() {
            for &d in &r.downstream {
                upstream[d].push(k);
            }
        }
        Self {
            network,
            units,
            upstream,
        }
    }

    /// Distance (km) from the start of segment `i` of reach `k` down to where the river leaves
    /// `unit`, within `limit`.
    fn to_exit(&self, k: usize, i: usize, unit: usize, limit: f64) -> Option<f64> {
        let (mut k, mut i, mut d) = (k, i, 0.0);
        let mut steps = 0;
        loop {
            let reach = &self.network.reaches[k];
            while i < reach.segments.len() {
                if self.units[k][i] != Some(unit) {
                    return Some(d);
                }
                d += reach.segments[i].length_km;
                if d > limit {
                    return None;
                }
                i += 1;
            }
            steps += 1;
            k = *reach.downstream.first()?;
            i = 0;
            if steps > self.network.reaches.len() {
                return None;
            }
        }
    }

    /// Distance (km) from the start of segment `i` of reach `k` up to the nearest place upstream
    /// where the river enters `unit`, within `limit`.
    fn to_entry(&self, k: usize, i: usize, unit: usize, limit: f64) -> Option<f64> {
        let mut best: Option<f64> = None;
        let mut stack = vec![(k, i, 0.0)];
        let mut visited = 0;
        while let Some((k, end, d0)) = stack.pop() {
            visited += 1;
            if visited > 10_000 {
                break;
            }
            let reach = &self.network.reaches[k];
            let mut d = d0;
            let mut left = false;
            for j in (0..end).rev() {
                if self.units[k][j] != Some(unit) {
                    best = Some(best.map_or(d, |b: f64| b.min(d)));
                    left = true;
                    break;
                }
                d += reach.segments[j].length_km;
                if d > limit {
                    left = true;
                    break;
                }
            }
            if !left {
                for &u in &self.upstream[k] {
                    stack.push((u, self.network.reaches[u].segments.len(), d));
                }
            }
        }
        best
    }
}

/// A unit's river segments (reach, segment) and their cumulative length, km.
type RiverInUnit = (Vec<(usize, usize)>, Vec<f64>);

fn band_of(d: f64) -> Option<usize> {
    BANDS_KM.iter().position(|(a, b)| d >= *a && d < *b)
}

fn irr(exit: usize, entry: usize) -> f64 {
    (exit as f64 + 0.5) / (entry as f64 + 0.5)
}

/// Runs both tests on the facilities (units at the analysis level).
#[allow(clippy::too_many_arguments)]
pub fn siting(
    region: &Region,
    network: &Network,
    facilities: &[super::PointSource],
    attached: &[Option<(usize, usize)>],
    point_loads: &crate::model::rules::Coefficients,
    level: Level,
    permutations: usize,
    seed: u64,
    alternative: Alternative,
) -> Result<(Table, serde_json::Value), AnalysisError> {
    let walker = Walker::new(region, network, level);
    let polluting = |kind: &str| {
        point_loads
            .get(kind.trim())
            .is_some_and(|m| m.values().any(|v| *v > 0.0))
    };
    // (unit at the siting level, reach, segment) of each attached polluting facility.
    let sited: Vec<(usize, usize, usize)> = facilities
        .iter()
        .zip(attached)
        .filter(|(f, _)| polluting(&f.kind))
        .filter_map(|(_, at)| {
            let (k, i) = (*at)?;
            Some((walker.units[k][i]?, k, i))
        })
        .collect();
    let count = |sites: &[(usize, usize, usize)], limit: f64| {
        let mut exit = [0usize; 4];
        let mut entry = [0usize; 4];
        for &(unit, k, i) in sites {
            if let Some(b) = walker.to_exit(k, i, unit, limit).and_then(band_of) {
                exit[b] += 1;
            }
            if let Some(b) = walker.to_entry(k, i, unit, limit).and_then(band_of) {
                entry[b] += 1;
            }
        }
        (exit, entry)
    };
    let (exit, entry) = count(&sited, HORIZON_KM);
    let observed = irr(exit[0], entry[0]);
    // Placebo: every facility to a random river point of its unit.
    let mut segments_of: BTreeMap<usize, RiverInUnit> = BTreeMap::new();
    for (k, r) in network.reaches.iter().enumerate() {
        for (i, s) in r.segments.iter().enumerate() {
            if let Some(u) = walker.units[k][i] {
                let e = segments_of.entry(u).or_default();
                let total = e.1.last().copied().unwrap_or(0.0) + s.length_km;
                e.0.push((k, i));
                e.1.push(total);
            }
        }
    }
    let mut rng = Pcg64::seed_from_u64(seed);
    let mut placebo = Vec::with_capacity(permutations);
    for _ in 0..permutations {
        let moved: Vec<(usize, usize, usize)> = sited
            .iter()
            .map(|&(unit, k, i)| {
                let Some((segs, cumulative)) = segments_of.get(&unit) else {
                    return (unit, k, i);
                };
                let x = rng.random::<f64>() * cumulative.last().copied().unwrap_or(0.0);
                let n = cumulative.partition_point(|c| *c < x).min(segs.len() - 1);
                (unit, segs[n].0, segs[n].1)
            })
            .collect();
        let (e, n) = count(&moved, BANDS_KM[0].1);
        placebo.push(irr(e[0], n[0]));
    }
    let p = pseudo_p(observed, &placebo, alternative);
    let mut table = Table::new("siting_bands", siting_bands_columns(), false);
    for (b, (lo, hi)) in BANDS_KM.iter().enumerate() {
        table.push(
            vec![
                format!("{lo}-{hi}").into(),
                Value::Int(exit[b] as i64),
                Value::Int(entry[b] as i64),
                Value::Real(round_to(irr(exit[b], entry[b]), 6)),
                if b == 0 {
                    Value::from(p.map(|p| round_to(p, 6)))
                } else {
                    Value::Null
                },
            ],
            None,
        );
    }
    let downstream = most_downstream(region, network, facilities, &polluting);
    Ok((
        table,
        json!({
            "level": level.name(),
            "polluting_facilities_on_rivers": sited.len(),
            "irr_0_5_km": round_to(observed, 6),
            "p_placebo": p.map(|p| round_to(p, 6)),
            "alternative": alternative.name(),
            "permutations": permutations,
            "seed": seed,
            "most_downstream": downstream,
        }),
    ))
}

/// Per province: the county where its longest river leaves it, and polluting-facility densities.
fn most_downstream(
    region: &Region,
    network: &Network,
    facilities: &[super::PointSource],
    polluting: &dyn Fn(&str) -> bool,
) -> serde_json::Value {
    let province = Walker::new(region, network, Level::Province);
    // Length of river upstream of each reach's start.
    let mut upstream_km = vec![0.0; network.reaches.len()];
    for &k in &network.order {
        let own: f64 = network.reaches[k]
            .segments
            .iter()
            .map(|s| s.length_km)
            .sum();
        for &d in &network.reaches[k].downstream {
            upstream_km[d] += upstream_km[k] + own;
        }
    }
    // Province → (upstream km, county) of its main exit.
    let mut exits: BTreeMap<usize, (f64, usize)> = BTreeMap::new();
    for (k, r) in network.reaches.iter().enumerate() {
        let mut along = upstream_km[k];
        for i in 1..r.segments.len() {
            along += r.segments[i - 1].length_km;
            let (Some(p), Some(county)) = (province.units[k][i - 1], r.segments[i - 1].unit) else {
                continue;
            };
            if province.units[k][i] != Some(p)
                && exits.get(&p).is_none_or(|(best, _)| along > *best)
            {
                exits.insert(p, (along, county));
            }
        }
    }
    let density = |county: usize| {
        let n = facilities
            .iter()
            .filter(|f| f.unit == county && polluting(&f.kind))
            .count();
        let area_km2 = region.jurisdictions[county].geometry.unsigned_area() / 1e6;
        n as f64 / area_km2.max(1e-9) * 1000.0
    };
    let rows: Vec<serde_json::Value> = exits
        .iter()
        .map(|(&p, &(_, county))| {
            let pj = &region.jurisdictions[p];
            let others: Vec<f64> = region
                .indices_at(Level::County)
                .into_iter()
                .filter(|&c| {
                    c != county
                        && region
                            .ancestor_at(&region.jurisdictions[c], Level::Province)
                            .is_some_and(|a| a.code == pj.code)
                })
                .map(density)
                .collect();
            let mean = others.iter().sum::<f64>() / others.len().max(1) as f64;
            json!({
                "province": pj.code,
                "most_downstream_county": region.jurisdictions[county].code,
                "density_per_1000_km2": round_to(density(county), 4),
                "others_mean_density_per_1000_km2": round_to(mean, 4),
            })
        })
        .collect();
    json!(rows)
}

/// The columns of `siting_bands` (its output spec reads them too).
pub(crate) fn siting_bands_columns() -> Vec<Column> {
    vec![
        Column::new(
            "band_km",
            ColumnType::Text,
            Some("km"),
            "distance band along the river",
        ),
        Column::new(
            "from_exit",
            ColumnType::Int,
            None,
            "polluting facilities this far upstream of their unit's exit border",
        ),
        Column::new(
            "from_entry",
            ColumnType::Int,
            None,
            "polluting facilities this far downstream of its entry border",
        ),
        Column::new(
            "irr",
            ColumnType::Real,
            None,
            "(from_exit + 0.5) / (from_entry + 0.5)",
        ),
        Column::new(
            "p_placebo",
            ColumnType::Real,
            None,
            "permutation p of the 0–5 km IRR (first band only)",
        ),
    ]
}
