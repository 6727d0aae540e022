//! Border-siting tests, "polluting thy neighbour" (methods reference §2.2) [P]:
//!
//! 1. **Band test**: a polluting facility (a type with a point load) belongs to the unit it
//!    stands in. From where it meets the network, the distance along the river down to where
//!    the river leaves that unit into another unit of the region (an *exit*; the sea or land
//!    outside every unit is not one), and up to where a river enters it. Exposure is the river
//!    length in each distance band (0–5, 5–10, 10–20, 20–50 km) from an exit and from an entry,
//!    so each band's figure is a rate ratio RR = ((n_exit + 0.5)/L_exit) / ((n_entry + 0.5)/L_entry)
//!    (facilities per km of river; the 0.5 keeps empty bands finite). Placebo: every facility
//!    moved to a uniformly random point of the river in its unit (seeded), the 0–5 km RR
//!    recomputed; p = (1 + #{RR_perm ≥ RR}) / (1 + N) with the default alternative `greater`,
//!    and the 2.5–97.5 % placebo interval.
//! 2. **Most-downstream counties** (after Cai et al. 2016), descriptive: every county where a
//!    river leaves its province into another province of the region, its density of polluting
//!    facilities (per 1000 km²) against the other counties of its province; the mean difference
//!    with a permutation p (exit labels shuffled among the counties of each province).

use std::collections::{BTreeMap, BTreeSet};

use geo::Area;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use serde_json::json;

use super::network::Network;
use crate::error::AnalysisError;
use crate::region::{Level, Region};
use crate::stats::significance::{pseudo_p, quantile, Alternative};
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

    /// Distance (km) from the start of segment `i` of reach `k` down to where the river enters
    /// another unit than `unit` (pieces outside every unit do not end the walk), within `limit`.
    fn to_exit(&self, k: usize, i: usize, unit: usize, limit: f64) -> Option<f64> {
        let (mut k, mut i, mut d) = (k, i, 0.0);
        let mut steps = 0;
        loop {
            let reach = &self.network.reaches[k];
            while i < reach.segments.len() {
                if self.units[k][i].is_some_and(|u| u != unit) {
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
    /// where the river comes from another unit than `unit`, within `limit`.
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
                if self.units[k][j].is_some_and(|u| u != unit) {
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

/// River km in each band from an exit (`exit`) and from an entry, over all units' rivers.
#[derive(Debug, Default, Clone, Copy)]
struct Exposure {
    exit_km: [f64; 4],
    entry_km: [f64; 4],
}

/// Length of the piece spanning distances [near, near + length] that falls in each band.
fn add_to_bands(bands: &mut [f64; 4], near: f64, length: f64) {
    for (b, (lo, hi)) in BANDS_KM.iter().enumerate() {
        bands[b] += ((near + length).min(*hi) - near.max(*lo)).max(0.0);
    }
}

impl Exposure {
    fn of(walker: &Walker) -> Exposure {
        let mut e = Exposure::default();
        for (k, reach) in walker.network.reaches.iter().enumerate() {
            for (i, s) in reach.segments.iter().enumerate() {
                let Some(unit) = walker.units[k][i] else {
                    continue;
                };
                // Distance to the exit from the piece's end (the start of the next piece).
                if let Some(d) = walker.to_exit(k, i, unit, HORIZON_KM + s.length_km) {
                    add_to_bands(&mut e.exit_km, (d - s.length_km).max(0.0), s.length_km);
                }
                if let Some(d) = walker.to_entry(k, i, unit, HORIZON_KM) {
                    add_to_bands(&mut e.entry_km, d, s.length_km);
                }
            }
        }
        e
    }

    /// The rate ratio of band `b` for these counts (`None` without river in either band).
    fn rate_ratio(&self, b: usize, exit: usize, entry: usize) -> Option<f64> {
        (self.exit_km[b] > 0.0 && self.entry_km[b] > 0.0).then(|| {
            ((exit as f64 + 0.5) / self.exit_km[b]) / ((entry as f64 + 0.5) / self.entry_km[b])
        })
    }
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
    // (unit it stands in at the siting level, reach, segment) of each attached polluting
    // facility: a facility in A that meets a reach of B counts for A.
    let sited: Vec<(usize, usize, usize)> = facilities
        .iter()
        .zip(attached)
        .filter(|(f, _)| polluting(&f.kind))
        .filter_map(|(f, at)| {
            let (k, i) = (*at)?;
            Some((region.unit_at(f.unit, level)?, k, i))
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
    let exposure = Exposure::of(&walker);
    let (exit, entry) = count(&sited, HORIZON_KM);
    let observed = exposure.rate_ratio(0, exit[0], entry[0]);
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
        placebo.extend(exposure.rate_ratio(0, e[0], n[0]));
    }
    let p = observed.and_then(|rr| pseudo_p(rr, &placebo, alternative));
    placebo.sort_by(f64::total_cmp);
    let interval = quantile(&placebo, 0.025).zip(quantile(&placebo, 0.975));
    let mut table = Table::new("siting_bands", siting_bands_columns(), false);
    let real = |x: Option<f64>| Value::from(x.map(|x| round_to(x, 6)));
    for (b, (lo, hi)) in BANDS_KM.iter().enumerate() {
        let first = |x: Option<f64>| if b == 0 { real(x) } else { Value::Null };
        table.push(
            vec![
                format!("{lo}-{hi}").into(),
                Value::Int(exit[b] as i64),
                Value::Int(entry[b] as i64),
                Value::Real(round_to(exposure.exit_km[b], 3)),
                Value::Real(round_to(exposure.entry_km[b], 3)),
                real(exposure.rate_ratio(b, exit[b], entry[b])),
                first(p),
                first(interval.map(|i| i.0)),
                first(interval.map(|i| i.1)),
            ],
            None,
        );
    }
    let downstream = most_downstream(region, network, facilities, &polluting, permutations, seed);
    Ok((
        table,
        json!({
            "level": level.name(),
            "polluting_facilities_on_rivers": sited.len(),
            "rate_ratio_0_5_km": observed.map(|x| round_to(x, 6)),
            "p_placebo": p.map(|p| round_to(p, 6)),
            "placebo_interval_0_5_km": interval.map(|(a, b)| [round_to(a, 6), round_to(b, 6)]),
            "alternative": alternative.name(),
            "permutations": permutations,
            "seed": seed,
            "most_downstream": downstream,
        }),
    ))
}

/// Every county where a river leaves its province into another province of the region: the
/// county of the last piece in the province before a piece in another (gaps skipped within a
/// reach and from a reach to the next).
fn exit_counties(region: &Region, network: &Network) -> BTreeSet<usize> {
    let at = |s: &super::network::Segment, level| s.unit.and_then(|u| region.unit_at(u, level));
    let mut exits = BTreeSet::new();
    // (province, county) of the last piece in a unit, per reach.
    let last: Vec<Option<(usize, usize)>> = network
        .reaches
        .iter()
        .map(|r| {
            r.segments
                .iter()
                .rev()
                .find_map(|s| at(s, Level::Province).zip(at(s, Level::County)))
        })
        .collect();
    for (k, r) in network.reaches.iter().enumerate() {
        let mut previous: Option<(usize, usize)> = None;
        for s in &r.segments {
            let Some(here) = at(s, Level::Province).zip(at(s, Level::County)) else {
                continue;
            };
            if let Some((_, county)) = previous.filter(|(p, _)| *p != here.0) {
                exits.insert(county);
            }
            previous = Some(here);
        }
        let Some((p, county)) = last[k] else { continue };
        for &d in &r.downstream {
            let first = network.reaches[d]
                .segments
                .iter()
                .find_map(|s| at(s, Level::Province));
            if first.is_some_and(|q| q != p) {
                exits.insert(county);
            }
        }
    }
    exits
}

/// Most-downstream counties against the other counties of their provinces (descriptive).
fn most_downstream(
    region: &Region,
    network: &Network,
    facilities: &[super::PointSource],
    polluting: &dyn Fn(&str) -> bool,
    permutations: usize,
    seed: u64,
) -> serde_json::Value {
    let exits = exit_counties(region, network);
    let density = |county: usize| {
        let n = facilities
            .iter()
            .filter(|f| region.unit_at(f.unit, Level::County) == Some(county) && polluting(&f.kind))
            .count();
        let area_km2 = region.jurisdictions[county].geometry.unsigned_area() / 1e6;
        n as f64 / area_km2.max(1e-9) * 1000.0
    };
    // Province → its counties with their densities.
    let mut provinces: BTreeMap<usize, Vec<(usize, f64)>> = BTreeMap::new();
    for c in region.indices_at(Level::County) {
        if let Some(p) = region.unit_at(c, Level::Province) {
            provinces.entry(p).or_default().push((c, density(c)));
        }
    }
    // Provinces with exit counties and other counties; per province the exit flags.
    let strata: Vec<(Vec<f64>, Vec<bool>)> = provinces
        .values()
        .map(|cs| {
            (
                cs.iter().map(|(_, d)| *d).collect(),
                cs.iter().map(|(c, _)| exits.contains(c)).collect(),
            )
        })
        .filter(|(_, flags): &(Vec<f64>, Vec<bool>)| {
            flags.iter().any(|f| *f) && flags.iter().any(|f| !*f)
        })
        .collect();
    // Mean over exit counties of (its density − the mean of its province's other counties).
    let statistic = |strata: &[(Vec<f64>, Vec<bool>)]| {
        let mut sum = 0.0;
        let mut n = 0usize;
        for (densities, flags) in strata {
            let others: Vec<f64> = densities
                .iter()
                .zip(flags)
                .filter(|(_, f)| !**f)
                .map(|(d, _)| *d)
                .collect();
            let mean = others.iter().sum::<f64>() / others.len() as f64;
            for (d, _) in densities.iter().zip(flags).filter(|(_, f)| **f) {
                sum += d - mean;
                n += 1;
            }
        }
        (n > 0).then(|| sum / n as f64)
    };
    let observed = statistic(&strata);
    let mut rng = Pcg64::seed_from_u64(seed);
    let mut shuffled = strata.clone();
    let placebo: Vec<f64> = (0..permutations)
        .filter_map(|_| {
            for (_, flags) in &mut shuffled {
                flags.shuffle(&mut rng);
            }
            statistic(&shuffled)
        })
        .collect();
    let p = observed.and_then(|x| pseudo_p(x, &placebo, Alternative::Greater));
    let rows: Vec<serde_json::Value> = provinces
        .iter()
        .flat_map(|(&p, counties)| {
            let others: Vec<f64> = counties
                .iter()
                .filter(|(c, _)| !exits.contains(c))
                .map(|(_, d)| *d)
                .collect();
            let mean = others.iter().sum::<f64>() / others.len().max(1) as f64;
            counties
                .iter()
                .filter(|(c, _)| exits.contains(c))
                .map(move |&(c, d)| {
                    json!({
                        "province": region.jurisdictions[p].code,
                        "county": region.jurisdictions[c].code,
                        "density_per_1000_km2": round_to(d, 4),
                        "others_mean_density_per_1000_km2": round_to(mean, 4),
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect();
    json!({
        "descriptive": "counties where a river leaves its province, against the other counties of that province; a comparison, not a causal estimate",
        "exit_counties": rows,
        "mean_difference_per_1000_km2": observed.map(|x| round_to(x, 6)),
        "p_permutation": p.map(|p| round_to(p, 6)),
        "alternative": Alternative::Greater.name(),
    })
}

/// The columns of `siting_bands` (its output spec reads them too).
pub(crate) fn siting_bands_columns() -> Vec<Column> {
    let km = |name: &str, what: &str| Column::new(name, ColumnType::Real, Some("km"), what);
    let real = |name: &str, what: &str| Column::new(name, ColumnType::Real, None, what);
    vec![
        Column::new("band_km", ColumnType::Text, Some("km"), "distance band along the river"),
        Column::new(
            "from_exit",
            ColumnType::Int,
            None,
            "polluting facilities this far upstream of where a river leaves their unit into another",
        ),
        Column::new(
            "from_entry",
            ColumnType::Int,
            None,
            "polluting facilities this far downstream of where a river enters their unit",
        ),
        km("exit_river_km", "river length in the band from an exit (the exposure)"),
        km("entry_river_km", "river length in the band from an entry"),
        real(
            "rate_ratio",
            "((from_exit + 0.5) / exit_river_km) / ((from_entry + 0.5) / entry_river_km)",
        ),
        real("p_placebo", "permutation p of the 0–5 km rate ratio (first band only)"),
        real("placebo_low", "2.5 % quantile of the placebo rate ratios (first band only)"),
        real("placebo_high", "97.5 % quantile of the placebo rate ratios (first band only)"),
    ]
}
