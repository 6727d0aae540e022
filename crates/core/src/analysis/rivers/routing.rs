//! Routing loads down the river network (methods §3.2): each load travels as parcels that
//! remember their origin unit and source type; first-order decay along the river, retention on
//! entering a lake (a share, or R = √τ/(1 + √τ) from the lake's residence time τ: Vollenweider
//! 1976, Larsen & Mercier 1976),
//! no decay inside a lake on top of it. A parcel is in one unit, or on a border river shared by
//! two banks; every change of unit is a crossing, recorded by origin and source.

use std::collections::BTreeMap;

use super::network::{Network, Segment};

/// Where a parcel is: in one unit, or on a border river of two (smaller index first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    Unit(usize),
    Banks(usize, usize),
}

impl Place {
    /// The place of a river piece (`None` outside every unit: a parcel keeps its place there).
    pub fn of(segment: &Segment) -> Option<Place> {
        let unit = segment.unit?;
        Some(match segment.bank {
            Some(bank) => Place::Banks(unit.min(bank), unit.max(bank)),
            None => Place::Unit(unit),
        })
    }

    /// The units of the place with their shares of a parcel there.
    fn banks(self) -> Vec<(usize, f64)> {
        match self {
            Place::Unit(u) => vec![(u, 1.0)],
            Place::Banks(a, b) => vec![(a, 0.5), (b, 0.5)],
        }
    }
}

/// A load entering the network: at the start of segment `segment` of reach `reach`, from a
/// source of type `source` (an index the caller keeps names for) in unit `origin`, kg/yr.
#[derive(Debug, Clone, Copy)]
pub struct Injection {
    pub reach: usize,
    pub segment: usize,
    pub origin: usize,
    pub source: usize,
    pub kg: f64,
}

/// One origin's mass balance, kg/yr: injected = delivered + decayed + retained.
#[derive(Debug, Default, Clone, Copy)]
pub struct Balance {
    pub injected: f64,
    pub delivered: f64,
    pub decayed: f64,
    pub retained: f64,
}

/// A crossing of load from unit `from` into unit `to`, of a source of type `source` in unit
/// `origin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Crossing {
    pub from: usize,
    pub to: usize,
    pub origin: usize,
    pub source: usize,
}

/// All load crossing each (from, to) pair, over every origin and source type.
pub fn flux_by_pair<'a>(
    crossings: impl IntoIterator<Item = (&'a Crossing, &'a f64)>,
) -> BTreeMap<(usize, usize), f64> {
    let mut flux = BTreeMap::new();
    for (c, kg) in crossings {
        *flux.entry((c.from, c.to)).or_default() += kg;
    }
    flux
}

/// Where a pollutant's loads went.
#[derive(Debug, Default, Clone)]
pub struct Routed {
    /// Every crossing, along a river or overland (a source whose load enters a reach in another
    /// unit), kg/yr.
    pub crossings: BTreeMap<Crossing, f64>,
    /// Crossings along rivers by place: (reach, segment entered, from, to) → kg/yr.
    pub sections: BTreeMap<(usize, usize, usize, usize), f64>,
    /// Overland crossings (from, to) → kg/yr.
    pub overland: BTreeMap<(usize, usize), f64>,
    /// Mass balance per origin unit.
    pub balance: BTreeMap<usize, Balance>,
}

impl Routed {
    /// The balance of all origins together.
    pub fn total(&self) -> Balance {
        self.balance
            .values()
            .fold(Balance::default(), |t, b| Balance {
                injected: t.injected + b.injected,
                delivered: t.delivered + b.delivered,
                decayed: t.decayed + b.decayed,
                retained: t.retained + b.retained,
            })
    }
}

/// Parcels in a stretch of river: (place, origin, source) → kg/yr.
type Parcels = BTreeMap<(Place, usize, usize), f64>;

/// Moves every parcel to `place`, calling `cross(from, to, origin, source, kg)` for each unit it
/// leaves: a bank that is also a bank of the new place is not left; a parcel on a border river
/// leaves from each bank by half, and enters each bank of a border river by half.
fn enter(parcels: &mut Parcels, place: Place, mut cross: impl FnMut(Crossing, f64)) {
    if parcels.keys().all(|(p, _, _)| *p == place) {
        return;
    }
    let new_banks = place.banks();
    let moved = std::mem::take(parcels);
    for ((old, origin, source), kg) in moved {
        if old != place {
            for (from, share_from) in old.banks() {
                if new_banks.iter().any(|(u, _)| *u == from) {
                    continue;
                }
                for &(to, share_to) in &new_banks {
                    let crossing = Crossing {
                        from,
                        to,
                        origin,
                        source,
                    };
                    cross(crossing, kg * share_from * share_to);
                }
            }
        }
        *parcels.entry((place, origin, source)).or_default() += kg;
    }
}

/// Takes `share` of every parcel away, booking it to its origin with `book`.
fn remove_share(parcels: &mut Parcels, share: f64, mut book: impl FnMut(usize, f64)) {
    if share <= 0.0 {
        return;
    }
    for ((_, origin, _), kg) in parcels.iter_mut() {
        book(*origin, *kg * share);
        *kg *= 1.0 - share;
    }
}

/// What routing needs besides the network and the loads.
pub struct Rates {
    /// First-order decay constant, 1/km (a reach's own value overrides it).
    pub decay_per_km: f64,
    /// Share retained on entering a lake without a residence time.
    pub lake_retention: f64,
}

impl Rates {
    /// Retention of lake `lake` when its residence time τ (years) is known: the share a lake
    /// keeps in Vollenweider's (1976) steady state, P_lake = P_in / (1 + √τ), i.e. R = 1 − 1/(1 +
    /// √τ) = √τ/(1 + √τ) (Larsen & Mercier's 1/(1 + √ρ) with the flushing rate ρ = 1/τ); else
    /// the fixed share.
    fn retention(&self, network: &Network, lake: usize) -> f64 {
        match network.lake_residence_yr.get(lake).copied().flatten() {
            Some(tau) if tau >= 0.0 => tau.sqrt() / (1.0 + tau.sqrt()),
            _ => self.lake_retention,
        }
    }
}

/// Routes the injections down the network.
pub fn route(network: &Network, injections: &[Injection], rates: &Rates) -> Routed {
    let mut routed = Routed::default();
    let mut at: Vec<Vec<Vec<Injection>>> = network
        .reaches
        .iter()
        .map(|r| vec![Vec::new(); r.segments.len()])
        .collect();
    for inj in injections {
        at[inj.reach][inj.segment].push(*inj);
        routed.balance.entry(inj.origin).or_default().injected += inj.kg;
    }
    let mut in_order = vec![false; network.reaches.len()];
    for &k in &network.order {
        in_order[k] = true;
    }
    let mut incoming: Vec<Parcels> = vec![Parcels::new(); network.reaches.len()];
    for &k in &network.order {
        let reach = &network.reaches[k];
        let decay = reach.decay_per_km.unwrap_or(rates.decay_per_km);
        let mut carry = std::mem::take(&mut incoming[k]);
        // The lake the parcels are in: loads arriving at a reach that starts in a lake were
        // retained on the way in (below, at the confluence).
        let mut lake = reach.segments.first().and_then(|s| s.lake);
        for (i, seg) in reach.segments.iter().enumerate() {
            let place = Place::of(seg);
            if let Some(place) = place {
                enter(&mut carry, place, |c, kg| {
                    *routed.crossings.entry(c).or_default() += kg;
                    *routed.sections.entry((k, i, c.from, c.to)).or_default() += kg;
                });
            }
            if let Some(l) = seg.lake.filter(|l| lake != Some(*l)) {
                remove_share(&mut carry, rates.retention(network, l), |o, kg| {
                    routed.balance.entry(o).or_default().retained += kg
                });
            }
            lake = seg.lake;
            for inj in at[k][i].drain(..) {
                let mut parcel =
                    Parcels::from([((Place::Unit(inj.origin), inj.origin, inj.source), inj.kg)]);
                if let Some(place) = place {
                    enter(&mut parcel, place, |c, kg| {
                        *routed.crossings.entry(c).or_default() += kg;
                        *routed.overland.entry((c.from, c.to)).or_default() += kg;
                    });
                }
                // A load discharged into a lake enters it.
                if let Some(l) = seg.lake {
                    remove_share(&mut parcel, rates.retention(network, l), |o, kg| {
                        routed.balance.entry(o).or_default().retained += kg
                    });
                }
                for (key, kg) in parcel {
                    *carry.entry(key).or_default() += kg;
                }
            }
            if seg.lake.is_none() {
                let lost = 1.0 - (-decay * seg.length_km).exp();
                remove_share(&mut carry, lost, |o, kg| {
                    routed.balance.entry(o).or_default().decayed += kg
                });
            }
        }
        let next: Vec<usize> = reach
            .downstream
            .iter()
            .copied()
            .filter(|d| in_order[*d])
            .collect();
        if next.is_empty() {
            for ((_, origin, _), kg) in carry {
                routed.balance.entry(origin).or_default().delivered += kg;
            }
            continue;
        }
        let split = 1.0 / next.len() as f64;
        for d in next {
            let mut share: Parcels = carry.iter().map(|(key, kg)| (*key, kg * split)).collect();
            // Entering a lake at the confluence: retained on the way in.
            let first_lake = network.reaches[d].segments.first().and_then(|s| s.lake);
            if let Some(l) = first_lake.filter(|l| lake != Some(*l)) {
                remove_share(&mut share, rates.retention(network, l), |o, kg| {
                    routed.balance.entry(o).or_default().retained += kg
                });
            }
            for (key, kg) in share {
                *incoming[d].entry(key).or_default() += kg;
            }
        }
    }
    // Loads injected on reaches on a cycle never move: delivered where they are.
    for (k, segments) in at.iter().enumerate() {
        if !in_order[k] {
            for inj in segments.iter().flatten() {
                routed.balance.entry(inj.origin).or_default().delivered += inj.kg;
            }
        }
    }
    routed
}
