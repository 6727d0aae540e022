//! A synthetic road network: trunk roads between the seats of neighbouring counties, some of which
//! stop short of the border (断头路, methods.md §2.1), and local roads around each seat.
//!
//! # Rules
//! - **Trunk roads**: for every shared county border, a road from each seat to the middle of the
//!   border's longest line, drawn as one feature per side. Whether it is continuous depends on the
//!   border's coordination ([`super::landscape::Coordination`]): it is broken with chance 0 under
//!   joint planning, 0.15 under a regional plan and 0.3 without coordination. A broken road stops
//!   100–700 m short of the border on each side (so the two dead ends face each other, aligned).
//! - **Local roads**: 3–6 spokes from each seat, 1–6 km long, ending inside the county.
//! - **Drainage channels** ([`channels`], a layer of their own): see there.

use borderscape_core::error::AnalysisError;
use borderscape_core::table::{Column, Table, Value};
use geo::{Contains, Coord, Euclidean, InterpolatableLine, Length, LineString, Point};

use super::generated_table;
use super::landscape::{unit, Coordination, Landscape};

/// The road network, in the analysis CRS.
pub fn roads(landscape: &Landscape, seed: u64) -> Result<Table, AnalysisError> {
    let mut table = network_table("roads", "road id", "trunk or local");
    let mut push = |id: String, class: &str, code: &str, status: String, line: LineString| {
        push_link(&mut table, id, class, code, status, line)
    };
    border_links(landscape, seed, &TRUNK_ROADS, &mut push);
    for county in &landscape.counties {
        let j = &landscape.region.jurisdictions[county.index];
        let spokes = 3 + (unit(seed, &format!("{}/spokes", j.code)) * 4.0) as usize;
        for n in 0..spokes {
            let key = format!("{}/spoke{n}", j.code);
            let angle = std::f64::consts::TAU * unit(seed, &format!("{key}/angle"));
            let length = 1000.0 + 5000.0 * unit(seed, &format!("{key}/length"));
            let end = Coord {
                x: county.seat.x + length * angle.cos(),
                y: county.seat.y + length * angle.sin(),
            };
            if !j.geometry.contains(&Point(end)) {
                continue;
            }
            push(
                format!("{}-local-{}", j.code, n + 1),
                "local",
                &j.code,
                "local road from the seat".to_string(),
                LineString::new(vec![county.seat, end]),
            );
        }
    }
    Ok(table)
}

/// How lines across county borders are drawn: trunk roads or drainage channels.
struct Link {
    /// `road` or `channel`, in ids and statuses.
    what: &'static str,
    class: &'static str,
    /// Where along the border's longest line it crosses (0–1).
    along: f64,
    /// Chance of a break under joint / regional-plan / no coordination.
    broken_chance: [f64; 3],
    /// A broken line stops this far short of the border: min + span · u metres.
    short_m: (f64, f64),
    /// How far inland from the border it starts (`None`: at the county seat).
    reach_m: Option<f64>,
    /// Only borders whose two seats lie north of this latitude (the plain) get one.
    min_lat: f64,
}

const TRUNK_ROADS: Link = Link {
    what: "road",
    class: "trunk",
    along: 0.5,
    broken_chance: [0.0, 0.15, 0.3],
    short_m: (100.0, 600.0),
    reach_m: None,
    min_lat: -90.0,
};

const CHANNELS: Link = Link {
    what: "channel",
    class: "channel",
    along: 0.3,
    broken_chance: [0.0, 0.2, 0.4],
    short_m: (50.0, 350.0),
    reach_m: Some(3000.0),
    min_lat: 30.7,
};

/// One line per side of every shared county border, meeting at the border or, when broken,
/// stopping short of it on both sides (so the two ends face each other).
fn border_links(
    landscape: &Landscape,
    seed: u64,
    link: &Link,
    push: &mut impl FnMut(String, &str, &str, String, LineString),
) {
    for border in &landscape.borders {
        let Some(longest) = border
            .line
            .0
            .iter()
            .max_by(|p, q| Euclidean.length(*p).total_cmp(&Euclidean.length(*q)))
        else {
            continue;
        };
        let Some(crossing) = longest.point_at_ratio_from_start(&Euclidean, link.along) else {
            continue;
        };
        let (Some(county_a), Some(county_b)) =
            (landscape.county(border.a), landscape.county(border.b))
        else {
            continue;
        };
        if county_a.lat < link.min_lat || county_b.lat < link.min_lat {
            continue;
        }
        let (ca, cb) = (landscape.code(border.a), landscape.code(border.b));
        let key = format!("{ca}|{cb}/{}", link.what);
        let chance = match border.coordination {
            Coordination::Joint => link.broken_chance[0],
            Coordination::Partial => link.broken_chance[1],
            Coordination::Uncoordinated => link.broken_chance[2],
        };
        let broken = unit(seed, &format!("{key}/broken")) < chance;
        for (side, (county, code, other)) in [(county_a, ca, cb), (county_b, cb, ca)]
            .into_iter()
            .enumerate()
        {
            let short_m = if broken {
                link.short_m.0 + link.short_m.1 * unit(seed, &format!("{key}/short{side}"))
            } else {
                0.0
            };
            let start = match link.reach_m {
                None => county.seat,
                Some(reach) => {
                    let (dx, dy) = (county.seat.x - crossing.x(), county.seat.y - crossing.y());
                    let d = dx.hypot(dy).max(1.0);
                    let r = reach.min(d);
                    Coord {
                        x: crossing.x() + dx / d * r,
                        y: crossing.y() + dy / d * r,
                    }
                }
            };
            let Some(line) = trunk(start, crossing.0, short_m) else {
                continue;
            };
            let status = if broken {
                format!("dead end: stops {short_m:.0} m short of the border with {other}")
            } else {
                format!("continuous across the border with {other}")
            };
            push(
                format!("{code}-{other}-{}", link.what),
                link.class,
                code,
                status,
                line,
            );
        }
    }
}

/// Drainage channels across the borders of the plain (north of 30.7°N, the Taihu plain's river
/// network), broken (断头浜, each side stopping 50–400 m short) with chance 0 / 0.2 / 0.4 under
/// joint / regional-plan / no coordination; each runs 3 km inland towards the seat.
pub fn channels(landscape: &Landscape, seed: u64) -> Result<Table, AnalysisError> {
    let mut table = network_table("channels", "channel id", "channel");
    border_links(
        landscape,
        seed,
        &CHANNELS,
        &mut |id, class, code, status, line| push_link(&mut table, id, class, code, status, line),
    );
    Ok(table)
}

/// An empty table of a generated line network.
fn network_table(name: &str, id: &str, class: &str) -> Table {
    generated_table(
        name,
        vec![
            Column::text("id", id),
            Column::text("class", class),
            Column::text("jurisdiction", "county code"),
            Column::text("status", "how the generator drew it"),
        ],
        true,
    )
}

fn push_link(
    table: &mut Table,
    id: String,
    class: &str,
    code: &str,
    status: String,
    line: LineString,
) {
    table.push(
        vec![
            id.into(),
            class.into(),
            code.into(),
            status.into(),
            Value::Bool(true),
        ],
        Some(line.into()),
    );
}

/// A road from `seat` towards `crossing`, with a bend at the midpoint, stopping `short_m` before
/// the crossing (or reaching it when `short_m` is 0).
fn trunk(seat: Coord, crossing: Coord, short_m: f64) -> Option<LineString> {
    let length = (crossing.x - seat.x).hypot(crossing.y - seat.y);
    if length <= short_m + 1.0 {
        return None;
    }
    let (dx, dy) = (
        (crossing.x - seat.x) / length,
        (crossing.y - seat.y) / length,
    );
    let bend = Coord {
        x: seat.x + 0.5 * length * dx - 0.05 * length * dy,
        y: seat.y + 0.5 * length * dy + 0.05 * length * dx,
    };
    let end = Coord {
        x: crossing.x - short_m * dx,
        y: crossing.y - short_m * dy,
    };
    Some(LineString::new(vec![seat, bend, end]))
}
