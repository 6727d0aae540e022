//! Border-siting tests, "polluting thy neighbour" (methods reference §2.2) [P]. A unit bears
//! little of the damage of what it discharges just above where its river leaves it, so polluters
//! gather there: rivers that cross borders carry more pollution (Sigman 2002, AER 92(4)), polluting
//! activity moves to the downstream edge of counties (Lipscomb & Mobarak 2017, REStud 84(1)),
//! water quality at China's province borders follows the cadres' incentives (Kahn, Li & Zhao
//! 2015, AEJ: Policy 7(4)), and polluting firms crowd the most-downstream counties (Cai, Chen &
//! Gong 2016, JEEM 76).
//!
//! 1. **Band test**: a polluting facility (a type with a point load) belongs to the unit it
//!    stands in, and discharges at the nearest point of the river. When that point lies on its
//!    own unit's river, the distance is measured along the flow from it down to where the flow
//!    leaves the unit into another unit of the region (an *exit*; the sea or land outside every
//!    unit is not one), and up to where a river enters it, and the facility is counted in its
//!    bands (0–5, 5–10, 10–20, 20–50 km). A facility that discharges straight into another
//!    unit's reach (or a reach outside every unit) has no distance to its own exit: it is
//!    reported apart, with how far down the flow reaches its own unit.
//!    Each band's rate ratio ((n_exit + 0.5)/L_exit) / ((n_entry + 0.5)/L_entry) (L: river km in
//!    the band from an exit or an entry; the 0.5 keeps empty bands finite) is divided by its mean
//!    over the placebo. Uncentred it is not 1 under the null: it pools every unit's river, while
//!    the facilities are not spread like river km (a headwater unit has exits and no entry).
//!    Placebo: every facility of the band test moved to a uniformly random point of its own
//!    unit's river (seeded), the support the observed ones are measured on; per band,
//!    p = (1 + #{RR_perm ≥ RR}) / (1 + N) with the default alternative `greater`, and the
//!    2.5–97.5 % placebo interval.
//! 2. **Most-downstream counties** (after Cai et al. 2016), descriptive: every county where a
//!    river leaves its province into another province of the region, its density of polluting
//!    facilities (per 1000 km²) against the other counties of its province; the mean difference
//!    with a permutation p (exit labels shuffled among the counties of each province).

use std::collections::{BTreeMap, BTreeSet};

use geo::Area;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

use super::network::{Network, Segment};
use super::summary::{ExitCounty, FacilitiesApart, FacilityApart, MostDownstream, SitingSummary};
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

    /// Distance (km) from the start of segment `i` of reach `k` down the flow to the first piece
    /// whose unit (`None`: outside every unit) meets `stop`, within `limit`.
    fn down_to(
        &self,
        k: usize,
        i: usize,
        limit: f64,
        stop: impl Fn(Option<usize>) -> bool,
    ) -> Option<f64> {
        let (mut k, mut i, mut d) = (k, i, 0.0);
        let mut steps = 0;
        loop {
            let reach = &self.network.reaches[k];
            while i < reach.segments.len() {
                if stop(self.units[k][i]) {
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

    /// For every piece in a unit, the distances from its start down to where the flow leaves
    /// that unit and up to where a river enters it; computed once, as every facility and
    /// placebo draw on the piece reads them.
    fn distances(&self) -> Vec<Vec<FromStart>> {
        self.network
            .reaches
            .iter()
            .enumerate()
            .map(|(k, reach)| {
                reach
                    .segments
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let Some(unit) = self.units[k][i] else {
                            return FromStart::default();
                        };
                        let leaves = |u: Option<usize>| u.is_some_and(|u| u != unit);
                        FromStart {
                            exit: self.down_to(k, i, HORIZON_KM + s.length_km, leaves),
                            entry: self.to_entry(k, i, unit, HORIZON_KM),
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

/// Distances (km) from the start of a piece in a unit: down to the exit (within the horizon plus
/// the piece's length, so that every point of the piece is measured), up to the entry.
#[derive(Debug, Default, Clone, Copy)]
struct FromStart {
    exit: Option<f64>,
    entry: Option<f64>,
}

impl FromStart {
    /// The exit and entry bands of a discharge `offset` km down the piece.
    fn bands(&self, offset: f64) -> (Option<usize>, Option<usize>) {
        (
            self.exit.and_then(|d| band_of(d - offset)),
            self.entry.and_then(|d| band_of(d + offset)),
        )
    }
}

/// How far down `segment` (km) the point nearest `p` lies: where a facility at `p` discharges.
fn offset_km(segment: &Segment, p: geo::Coord) -> f64 {
    let (dx, dy) = (
        segment.end.x - segment.start.x,
        segment.end.y - segment.start.y,
    );
    let t = ((p.x - segment.start.x) * dx + (p.y - segment.start.y) * dy) / (dx * dx + dy * dy);
    t.clamp(0.0, 1.0) * segment.length_km
}

/// A unit's river segments (reach, segment) and their cumulative length, km.
type RiverInUnit = (Vec<(usize, usize)>, Vec<f64>);

fn band_of(d: f64) -> Option<usize> {
    BANDS_KM.iter().position(|(a, b)| d >= *a && d < *b)
}

/// Facilities per band from an exit and from an entry.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    exit: [usize; 4],
    entry: [usize; 4],
}

impl Counts {
    fn add(&mut self, (exit, entry): (Option<usize>, Option<usize>)) {
        if let Some(b) = exit {
            self.exit[b] += 1;
        }
        if let Some(b) = entry {
            self.entry[b] += 1;
        }
    }
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
    fn of(network: &Network, from_start: &[Vec<FromStart>]) -> Exposure {
        let mut e = Exposure::default();
        for (reach, distances) in network.reaches.iter().zip(from_start) {
            for (s, d) in reach.segments.iter().zip(distances) {
                // The piece spans [exit − length, exit] from its exit, [entry, entry + length]
                // from its entry.
                if let Some(x) = d.exit {
                    add_to_bands(&mut e.exit_km, (x - s.length_km).max(0.0), s.length_km);
                }
                if let Some(x) = d.entry {
                    add_to_bands(&mut e.entry_km, x, s.length_km);
                }
            }
        }
        e
    }

    /// The uncentred rate ratio of band `b` for these counts (`None` without river in either
    /// band).
    fn rate_ratio(&self, b: usize, counts: &Counts) -> Option<f64> {
        let (exit, entry) = (counts.exit[b] as f64, counts.entry[b] as f64);
        (self.exit_km[b] > 0.0 && self.entry_km[b] > 0.0)
            .then(|| ((exit + 0.5) / self.exit_km[b]) / ((entry + 0.5) / self.entry_km[b]))
    }
}

/// One band's figures against the placebo.
#[derive(Debug)]
struct Band {
    expected_exit: Option<f64>,
    expected_entry: Option<f64>,
    /// The rate ratio over its placebo mean.
    rate_ratio: Option<f64>,
    p: Option<f64>,
    /// 2.5 and 97.5 % quantiles of the placebo rate ratios over their mean.
    interval: Option<(f64, f64)>,
}

impl Band {
    fn of(
        b: usize,
        exposure: &Exposure,
        observed: &Counts,
        draws: &[Counts],
        alternative: Alternative,
    ) -> Band {
        let mean = |xs: &mut dyn Iterator<Item = f64>| {
            let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
            (n > 0).then(|| sum / n as f64)
        };
        let mut placebo: Vec<f64> = draws
            .iter()
            .filter_map(|c| exposure.rate_ratio(b, c))
            .collect();
        let centre = mean(&mut placebo.iter().copied());
        let raw = exposure.rate_ratio(b, observed);
        placebo.sort_by(f64::total_cmp);
        let interval = quantile(&placebo, 0.025).zip(quantile(&placebo, 0.975));
        Band {
            expected_exit: mean(&mut draws.iter().map(|c| c.exit[b] as f64)),
            expected_entry: mean(&mut draws.iter().map(|c| c.entry[b] as f64)),
            rate_ratio: raw.zip(centre).map(|(r, m)| r / m),
            p: raw.and_then(|r| pseudo_p(r, &placebo, alternative)),
            interval: interval.zip(centre).map(|((lo, hi), m)| (lo / m, hi / m)),
        }
    }
}

/// A polluting facility on a river: the unit it stands in (siting level), where it discharges
/// (reach, segment, km down the segment) and its index among the facilities.
#[derive(Debug, Clone, Copy)]
struct Site {
    facility: usize,
    unit: usize,
    reach: usize,
    segment: usize,
    offset_km: f64,
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
) -> Result<(Table, SitingSummary), AnalysisError> {
    let walker = Walker::new(region, network, level);
    let polluting = |kind: &str| {
        point_loads
            .get(kind.trim())
            .is_some_and(|m| m.values().any(|v| *v > 0.0))
    };
    let sites: Vec<Site> = facilities
        .iter()
        .zip(attached)
        .enumerate()
        .filter(|(_, (f, _))| polluting(&f.kind))
        .filter_map(|(facility, (f, at))| {
            let (reach, segment) = (*at)?;
            Some(Site {
                facility,
                unit: region.unit_at(f.unit, level)?,
                reach,
                segment,
                offset_km: offset_km(&network.reaches[reach].segments[segment], f.at),
            })
        })
        .collect();
    // The band test measures only facilities discharging into their own unit's river.
    let (own, elsewhere): (Vec<Site>, Vec<Site>) = sites
        .iter()
        .partition(|s| walker.units[s.reach][s.segment] == Some(s.unit));
    let from_start = walker.distances();
    let exposure = Exposure::of(network, &from_start);
    let mut observed = Counts::default();
    for s in &own {
        observed.add(from_start[s.reach][s.segment].bands(s.offset_km));
    }
    // Placebo: every facility of the band test to a uniformly random point of its unit's river.
    let mut river_of: BTreeMap<usize, RiverInUnit> = BTreeMap::new();
    for (k, r) in network.reaches.iter().enumerate() {
        for (i, s) in r.segments.iter().enumerate() {
            if let Some(u) = walker.units[k][i] {
                let e = river_of.entry(u).or_default();
                let total = e.1.last().copied().unwrap_or(0.0) + s.length_km;
                e.0.push((k, i));
                e.1.push(total);
            }
        }
    }
    let mut rng = Pcg64::seed_from_u64(seed);
    let draws: Vec<Counts> = (0..permutations)
        .map(|_| {
            let mut counts = Counts::default();
            for s in &own {
                // A unit holding a facility's own piece has river: never empty.
                let (pieces, cumulative) = &river_of[&s.unit];
                let total = cumulative[cumulative.len() - 1];
                let x = rng.random::<f64>() * total;
                let n = cumulative.partition_point(|c| *c < x).min(pieces.len() - 1);
                let (k, i) = pieces[n];
                let length = network.reaches[k].segments[i].length_km;
                let offset = (length - (cumulative[n] - x)).clamp(0.0, length);
                counts.add(from_start[k][i].bands(offset));
            }
            counts
        })
        .collect();
    let bands: Vec<Band> = (0..BANDS_KM.len())
        .map(|b| Band::of(b, &exposure, &observed, &draws, alternative))
        .collect();
    let mut table = Table::new("siting_bands", siting_bands_columns(), false);
    let real = |x: Option<f64>| Value::from(x.map(|x| round_to(x, 6)));
    for (b, (lo, hi)) in BANDS_KM.iter().enumerate() {
        let band = &bands[b];
        table.push(
            vec![
                format!("{lo}-{hi}").into(),
                Value::Int(observed.exit[b] as i64),
                Value::Int(observed.entry[b] as i64),
                real(band.expected_exit),
                real(band.expected_entry),
                Value::Real(round_to(exposure.exit_km[b], 3)),
                Value::Real(round_to(exposure.entry_km[b], 3)),
                real(band.rate_ratio),
                real(band.p),
                real(band.interval.map(|i| i.0)),
                real(band.interval.map(|i| i.1)),
            ],
            None,
        );
    }
    // The facilities left out of the bands, by where they discharge.
    let apart = |into_a_unit: bool| {
        let listed: Vec<FacilityApart> = elsewhere
            .iter()
            .filter(|s| walker.units[s.reach][s.segment].is_some() == into_a_unit)
            .map(|s| {
                let f = &facilities[s.facility];
                let home = walker.down_to(s.reach, s.segment, f64::INFINITY, |u| u == Some(s.unit));
                FacilityApart {
                    id: f.id.clone(),
                    kind: f.kind.trim().to_string(),
                    unit: region.jurisdictions[s.unit].code.clone(),
                    reach_unit: walker.units[s.reach][s.segment]
                        .map(|u| region.jurisdictions[u].code.clone()),
                    km_down_the_flow_to_own_unit: home.map(|d| round_to(d - s.offset_km, 3)),
                }
            })
            .collect();
        FacilitiesApart {
            count: listed.len(),
            facilities: listed,
        }
    };
    let downstream = most_downstream(region, network, facilities, &polluting, permutations, seed);
    Ok((
        table,
        SitingSummary {
            level,
            polluting_facilities_on_rivers: sites.len(),
            on_own_river: own.len(),
            into_neighbour_reach: apart(true),
            into_reach_outside_every_unit: apart(false),
            rate_ratio_0_5_km: bands[0].rate_ratio.map(|x| round_to(x, 6)),
            p_placebo: bands[0].p.map(|p| round_to(p, 6)),
            placebo_interval_0_5_km: bands[0]
                .interval
                .map(|(a, b)| [round_to(a, 6), round_to(b, 6)]),
            alternative: alternative.name().into(),
            permutations,
            seed,
            most_downstream: downstream,
        },
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
) -> MostDownstream {
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
    let exit_counties = provinces
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
                .map(move |&(c, d)| ExitCounty {
                    province: region.jurisdictions[p].code.clone(),
                    county: region.jurisdictions[c].code.clone(),
                    density_per_1000_km2: round_to(d, 4),
                    others_mean_density_per_1000_km2: round_to(mean, 4),
                })
                .collect::<Vec<_>>()
        })
        .collect();
    MostDownstream {
        descriptive: "counties where a river leaves its province, against the other counties of that province; a comparison, not a causal estimate".into(),
        exit_counties,
        mean_difference_per_1000_km2: observed.map(|x| round_to(x, 6)),
        p_permutation: p.map(|p| round_to(p, 6)),
        alternative: Alternative::Greater.name().into(),
    }
}

/// The columns of `siting_bands` (its output spec reads them too).
pub(crate) fn siting_bands_columns() -> Vec<Column> {
    let km = |name: &str, what: &str| Column::new(name, ColumnType::Real, Some("km"), what);
    let real = |name: &str, what: &str| Column::new(name, ColumnType::Real, None, what);
    vec![
        Column::new("band_km", ColumnType::Text, Some("km"), "distance band along the flow from the discharge point"),
        Column::new(
            "from_exit",
            ColumnType::Int,
            None,
            "polluting facilities discharging into their own unit's river this far upstream of where the flow leaves the unit into another",
        ),
        Column::new(
            "from_entry",
            ColumnType::Int,
            None,
            "polluting facilities discharging into their own unit's river this far downstream of where a river enters the unit",
        ),
        real(
            "expected_from_exit",
            "mean of from_exit over the placebo (each facility at a uniformly random point of its unit's river)",
        ),
        real("expected_from_entry", "mean of from_entry over the placebo"),
        km("exit_river_km", "river length in the band from an exit (the exposure)"),
        km("entry_river_km", "river length in the band from an entry"),
        real(
            "rate_ratio",
            "((from_exit + 0.5) / exit_river_km) / ((from_entry + 0.5) / entry_river_km) over its mean in the placebo: 1 when facilities sit where the placebo puts them",
        ),
        real("p_placebo", "permutation p of the band's rate ratio"),
        real("placebo_low", "2.5 % quantile of the placebo rate ratios, over their mean"),
        real("placebo_high", "97.5 % quantile of the placebo rate ratios, over their mean"),
    ]
}

#[cfg(test)]
mod tests;
