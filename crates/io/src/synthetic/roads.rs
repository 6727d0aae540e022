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

use borderscape_core::error::AnalysisError;
use borderscape_core::table::{Table, Value};
use geo::{Contains, Coord, Euclidean, InterpolatableLine, Length, LineString, Point};

use super::landscape::{unit, Coordination, Landscape};
use super::{generated_table, text_column};

/// The road network, in the analysis CRS.
pub fn roads(landscape: &Landscape, seed: u64) -> Result<Table, AnalysisError> {
    let mut table = generated_table(
        "roads",
        vec![
            text_column("id", "road id"),
            text_column("class", "trunk or local"),
            text_column("jurisdiction", "county code"),
            text_column("status", "how the generator drew it"),
        ],
        true,
    );
    let mut push = |id: String, class: &str, code: &str, status: String, line: LineString| {
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
    };
    for border in &landscape.borders {
        let Some(longest) = border
            .line
            .0
            .iter()
            .max_by(|p, q| Euclidean.length(*p).total_cmp(&Euclidean.length(*q)))
        else {
            continue;
        };
        let Some(crossing) = longest.point_at_ratio_from_start(&Euclidean, 0.5) else {
            continue;
        };
        let (ca, cb) = (landscape.code(border.a), landscape.code(border.b));
        let key = format!("{ca}|{cb}");
        let broken_chance = match border.coordination {
            Coordination::Joint => 0.0,
            Coordination::Partial => 0.15,
            Coordination::Uncoordinated => 0.3,
        };
        let broken = unit(seed, &format!("{key}/broken")) < broken_chance;
        for (side, (index, code, other)) in [(border.a, ca, cb), (border.b, cb, ca)]
            .into_iter()
            .enumerate()
        {
            let Some(county) = landscape.county(index) else {
                continue;
            };
            let short_m = if broken {
                100.0 + 600.0 * unit(seed, &format!("{key}/short{side}"))
            } else {
                0.0
            };
            let Some(line) = trunk(county.seat, crossing.0, short_m) else {
                continue;
            };
            let status = if broken {
                format!("dead end: stops {short_m:.0} m short of the border with {other}")
            } else {
                format!("continuous across the border with {other}")
            };
            push(format!("{code}-{other}"), "trunk", code, status, line);
        }
    }
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
