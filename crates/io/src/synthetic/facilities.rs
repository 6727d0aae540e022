//! Synthetic nuisance and polluting facilities: landfills, incinerators, wastewater plants and
//! chemical parks.
//!
//! # Rules
//! Per county, with b its built-up share (as in [`super::plans`]): a landfill with chance 0.7; an
//! incinerator with chance 0.4 + 0.4·b; 1 + [b > 0.3] + [b > 0.6] wastewater plants; a chemical
//! park with chance 0.35 (0.5 in Jiangsu, the chemical province).
//!
//! Each facility is placed, with chance 0.4 when a real river leaves the county, **near the
//! downstream border**: 0.5–5 km upstream of the river's exit along the river, 100–600 m to one
//! side ("polluting thy neighbour", methods.md §2.2); otherwise uniformly at random inside the
//! county. The `placement` field says which rule placed it.

use borderscape_core::error::AnalysisError;
use borderscape_core::table::{Column, Table, Value};
use geo::{BoundingRect, Contains, Coord, Point};

use super::generated_table;
use super::landscape::{unit, Landscape};

/// Facility types, as written in the `type` field.
pub const TYPES: [&str; 4] = [
    "landfill",
    "incinerator",
    "wastewater_plant",
    "chemical_park",
];

/// Chance that a facility of a county with a river exit is placed near it.
const NEAR_EXIT_CHANCE: f64 = 0.4;

/// The facilities of every county, in the analysis CRS.
pub fn facilities(landscape: &Landscape, seed: u64) -> Result<Table, AnalysisError> {
    let mut table = generated_table(
        "facilities",
        vec![
            Column::text("id", "facility id"),
            Column::text(
                "type",
                "landfill, incinerator, wastewater_plant or chemical_park",
            ),
            Column::text("name", "name"),
            Column::text("jurisdiction", "county code"),
            Column::text("placement", "the generator rule that placed it"),
        ],
        true,
    );
    for (k, county) in landscape.counties.iter().enumerate() {
        let j = &landscape.region.jurisdictions[county.index];
        let key = |what: &str| unit(seed, &format!("{}/{what}", j.code));
        let built_up = county.built_up_share();
        let chemical = if j.code.starts_with("32") { 0.5 } else { 0.35 };
        let counts = [
            usize::from(key("landfill") < 0.7),
            usize::from(key("incinerator") < 0.4 + 0.4 * built_up),
            1 + usize::from(built_up > 0.3) + usize::from(built_up > 0.6),
            usize::from(key("chemical_park") < chemical),
        ];
        let exits = landscape.river_exits(k);
        for (kind, count) in TYPES.iter().zip(counts) {
            for n in 0..count {
                let fkey = format!("{}/{kind}{n}", j.code);
                let near_exit = (!exits.is_empty()
                    && unit(seed, &format!("{fkey}/near")) < NEAR_EXIT_CHANCE)
                    .then(|| near_exit(landscape, k, &exits, seed, &fkey))
                    .flatten();
                let (point, placement) = match near_exit {
                    Some(found) => found,
                    None => (
                        random_point(landscape, k, seed, &fkey),
                        "uniformly at random in the county".to_string(),
                    ),
                };
                let Some(point) = point else { continue };
                table.push(
                    vec![
                        Value::from(format!("{}-{kind}-{}", j.code, n + 1)),
                        (*kind).into(),
                        format!("{} {} {}", j.name, kind.replace('_', " "), n + 1).into(),
                        j.code.clone().into(),
                        placement.into(),
                        true.into(),
                    ],
                    Some(Point(point).into()),
                );
            }
        }
    }
    Ok(table)
}

/// A point 0.5–5 km upstream of one of the county's river exits, 100–600 m to one side, if it
/// falls inside the county.
fn near_exit(
    landscape: &Landscape,
    county: usize,
    exits: &[(usize, usize, Option<usize>)],
    seed: u64,
    key: &str,
) -> Option<(Option<Coord>, String)> {
    let pick = (unit(seed, &format!("{key}/exit")) * exits.len() as f64) as usize;
    let (river, vertex, _) = exits[pick.min(exits.len() - 1)];
    let line = &landscape.rivers[river];
    let upstream_m = 500.0 + 4500.0 * unit(seed, &format!("{key}/upstream"));
    let side_m = (100.0 + 500.0 * unit(seed, &format!("{key}/side")))
        * if unit(seed, &format!("{key}/bank")) < 0.5 {
            -1.0
        } else {
            1.0
        };
    // Walk upstream from the exit vertex.
    let mut left = upstream_m;
    let mut i = vertex;
    while i > 0 {
        let (a, b) = (line.0[i - 1], line.0[i]);
        let length = (b.x - a.x).hypot(b.y - a.y);
        if length >= left && length > 0.0 {
            let t = 1.0 - left / length;
            let (dx, dy) = ((b.x - a.x) / length, (b.y - a.y) / length);
            let p = Coord {
                x: a.x + t * (b.x - a.x) - dy * side_m,
                y: a.y + t * (b.y - a.y) + dx * side_m,
            };
            let inside = landscape.region.jurisdictions[landscape.counties[county].index]
                .geometry
                .contains(&Point(p));
            return inside.then(|| {
                (
                    Some(p),
                    format!(
                        "near the downstream border: {:.1} km upstream of where {} leaves the county, {:.0} m from the river",
                        upstream_m / 1000.0,
                        landscape.river_label(river),
                        side_m.abs()
                    ),
                )
            });
        }
        left -= length;
        i -= 1;
    }
    None
}

/// A uniformly random point of the county (rejection sampling in its bounding box).
fn random_point(landscape: &Landscape, county: usize, seed: u64, key: &str) -> Option<Coord> {
    let geometry = &landscape.region.jurisdictions[landscape.counties[county].index].geometry;
    let bbox = geometry.bounding_rect()?;
    (0..200).find_map(|attempt| {
        let p = Coord {
            x: bbox.min().x + bbox.width() * unit(seed, &format!("{key}/x{attempt}")),
            y: bbox.min().y + bbox.height() * unit(seed, &format!("{key}/y{attempt}")),
        };
        geometry.contains(&Point(p)).then_some(p)
    })
}
