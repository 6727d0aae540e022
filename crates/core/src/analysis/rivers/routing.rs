//! Routing loads down the river network (methods §3.2): each load travels as parcels that
//! remember their origin unit and source type; first-order decay along the river, retention on
//! entering a lake (a share, or R = √τ/(1 + √τ) from the lake's residence time τ: Vollenweider
//! 1976, Larsen & Mercier 1976),
//! no decay inside a lake on top of it. A parcel is in one unit, or on a border river shared by
//! two banks; every change of unit is a crossing, recorded by origin and source. A parcel also
//! remembers which units it has been in, so that its load is counted into a unit once however
//! often a meandering river takes it back across the border (issue 38).

use std::collections::{BTreeMap, BTreeSet};

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
    /// unit), kg/yr: the gross flux, a parcel counted each time it crosses.
    pub crossings: BTreeMap<Crossing, f64>,
    /// (crossing, unit entered) → the part of the crossing load that enters that unit (of any
    /// level: the crossing's `to` or an ancestor it enters with it) for the first time, kg/yr: a
    /// parcel is counted into a unit at most once and never into its origin's units.
    pub first_entries: BTreeMap<(Crossing, usize), f64>,
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

/// A parcel's load, kg/yr, and for each unit it has been in, the share of it that has been there
/// (1 for its origin and the origin's ancestors). On a border river a parcel is in each bank by
/// half, well mixed: the share that has been in a unit after a visit with presence p is
/// 1 − (1 − b)(1 − p), and parcels that merge average their shares by mass, so a share stays
/// the probability that the load has been in the unit.
#[derive(Debug, Clone, Default)]
struct Parcel {
    kg: f64,
    been: BTreeMap<usize, f64>,
}

impl Parcel {
    /// Adds `other` (a parcel at the same place, of the same origin and source).
    fn absorb(&mut self, other: Parcel) {
        let total = self.kg + other.kg;
        if self.kg <= 0.0 {
            self.been = other.been;
        } else if other.kg > 0.0 && self.been != other.been {
            let units: BTreeSet<usize> =
                self.been.keys().chain(other.been.keys()).copied().collect();
            let share =
                |been: &BTreeMap<usize, f64>, u: usize| been.get(&u).copied().unwrap_or(0.0);
            self.been = units
                .into_iter()
                .map(|u| {
                    let mixed =
                        (self.kg * share(&self.been, u) + other.kg * share(&other.been, u)) / total;
                    (u, mixed)
                })
                .collect();
        }
        self.kg = total;
    }
}

/// Parcels in a stretch of river: (place, origin, source) → parcel.
type Parcels = BTreeMap<(Place, usize, usize), Parcel>;

/// Adds a parcel to `parcels`.
fn put(parcels: &mut Parcels, key: (Place, usize, usize), parcel: Parcel) {
    parcels.entry(key).or_default().absorb(parcel);
}

/// Moves every parcel to `place`, calling `cross(crossing, kg, first)` for each unit it
/// leaves, `first` the (unit entered, kg) of that crossing's load entering a unit (the unit
/// crossed into or an ancestor of it) for the first time: a bank that is also a bank of the new
/// place is not left; a parcel on a border river leaves from each bank by half, and enters each
/// bank of a border river by half. A unit's first-entry load at one move is the rise of the share
/// that has been there, at most the load crossing into it (entering a border river from one of
/// its banks puts half a parcel in the other bank with no crossing, and nothing is counted).
fn enter(
    parcels: &mut Parcels,
    place: Place,
    chains: &[Vec<usize>],
    mut cross: impl FnMut(Crossing, f64, &[(usize, f64)]),
) {
    if parcels.keys().all(|(p, _, _)| *p == place) {
        return;
    }
    let new_banks = place.banks();
    // Presence of a parcel at the new place in each unit of every level.
    let mut presence: BTreeMap<usize, f64> = BTreeMap::new();
    for &(bank, share) in &new_banks {
        for &u in &chains[bank] {
            *presence.entry(u).or_default() += share;
        }
    }
    let moved = std::mem::take(parcels);
    for ((old, origin, source), mut parcel) in moved {
        if old != place {
            let mut moves: Vec<(Crossing, f64)> = Vec::new();
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
                    moves.push((crossing, share_from * share_to));
                }
            }
            let entered = |c: &Crossing| {
                let from = &chains[c.from];
                chains[c.to]
                    .iter()
                    .copied()
                    .filter(move |u| !from.contains(u))
            };
            // The share of the parcel crossing into each unit, and the part of it counted.
            let mut crossing_into: BTreeMap<usize, f64> = BTreeMap::new();
            for (c, share) in &moves {
                for u in entered(c) {
                    *crossing_into.entry(u).or_default() += share;
                }
            }
            let mut counted: BTreeMap<usize, f64> = BTreeMap::new();
            for (&u, &p) in &presence {
                let before = parcel.been.get(&u).copied().unwrap_or(0.0);
                let after = 1.0 - (1.0 - before) * (1.0 - p);
                if let Some(&s) = crossing_into.get(&u) {
                    counted.insert(u, ((after - before) / s).min(1.0));
                }
                parcel.been.insert(u, after);
            }
            for (c, share) in moves {
                let kg = parcel.kg * share;
                let first: Vec<(usize, f64)> = entered(&c)
                    .map(|u| (u, kg * counted[&u]))
                    .filter(|(_, kg)| *kg > 0.0)
                    .collect();
                cross(c, kg, &first);
            }
        }
        put(parcels, (place, origin, source), parcel);
    }
}

/// Takes `share` of every parcel away, booking it to its origin with `book`.
fn remove_share(parcels: &mut Parcels, share: f64, mut book: impl FnMut(usize, f64)) {
    if share <= 0.0 {
        return;
    }
    for ((_, origin, _), parcel) in parcels.iter_mut() {
        book(*origin, parcel.kg * share);
        parcel.kg *= 1.0 - share;
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

/// Routes the injections down the network. `chains[u]` holds unit `u` and its ancestors: the
/// units a parcel in `u` is in, which a crossing into `u` enters unless the parcel has been there.
pub fn route(
    network: &Network,
    injections: &[Injection],
    rates: &Rates,
    chains: &[Vec<usize>],
) -> Routed {
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
                enter(&mut carry, place, chains, |c, kg, first| {
                    *routed.crossings.entry(c).or_default() += kg;
                    *routed.sections.entry((k, i, c.from, c.to)).or_default() += kg;
                    for &(u, kg) in first {
                        *routed.first_entries.entry((c, u)).or_default() += kg;
                    }
                });
            }
            if let Some(l) = seg.lake.filter(|l| lake != Some(*l)) {
                remove_share(&mut carry, rates.retention(network, l), |o, kg| {
                    routed.balance.entry(o).or_default().retained += kg
                });
            }
            lake = seg.lake;
            for inj in at[k][i].drain(..) {
                let fresh = Parcel {
                    kg: inj.kg,
                    been: chains[inj.origin].iter().map(|&u| (u, 1.0)).collect(),
                };
                let mut parcel =
                    Parcels::from([((Place::Unit(inj.origin), inj.origin, inj.source), fresh)]);
                if let Some(place) = place {
                    enter(&mut parcel, place, chains, |c, kg, first| {
                        *routed.crossings.entry(c).or_default() += kg;
                        *routed.overland.entry((c.from, c.to)).or_default() += kg;
                        for &(u, kg) in first {
                            *routed.first_entries.entry((c, u)).or_default() += kg;
                        }
                    });
                }
                // A load discharged into a lake enters it.
                if let Some(l) = seg.lake {
                    remove_share(&mut parcel, rates.retention(network, l), |o, kg| {
                        routed.balance.entry(o).or_default().retained += kg
                    });
                }
                for (key, p) in parcel {
                    put(&mut carry, key, p);
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
            for ((_, origin, _), p) in carry {
                routed.balance.entry(origin).or_default().delivered += p.kg;
            }
            continue;
        }
        let split = 1.0 / next.len() as f64;
        for d in next {
            let mut share: Parcels = carry
                .iter()
                .map(|(key, p)| {
                    let part = Parcel {
                        kg: p.kg * split,
                        been: p.been.clone(),
                    };
                    (*key, part)
                })
                .collect();
            // Entering a lake at the confluence: retained on the way in.
            let first_lake = network.reaches[d].segments.first().and_then(|s| s.lake);
            if let Some(l) = first_lake.filter(|l| lake != Some(*l)) {
                remove_share(&mut share, rates.retention(network, l), |o, kg| {
                    routed.balance.entry(o).or_default().retained += kg
                });
            }
            for (key, p) in share {
                put(&mut incoming[d], key, p);
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
