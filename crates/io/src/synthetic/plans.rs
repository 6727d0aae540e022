//! Synthetic territorial spatial plans: land-use zones of every county in the China 2023 classes,
//! with control lines, in two versions.
//!
//! # Zones
//! Each county is cut by a square grid whose cell side is √(area / 160), so that every county has
//! about 100–300 zones whatever its size; cells on the county boundary are clipped to it (slivers
//! under 1 % of a cell, and the rare clipped cell that the overlay returns invalid, are dropped). Both versions use the same zones.
//!
//! # Classes of the 2015 baseline (drawn county by county, without coordination)
//! The first rule that applies gives a zone its class; the zone's `reason` field names it. Places
//! are those of the zone's centre; random draws are keyed by seed, county and zone (or lake, river).
//! 1. **Lake**: in a real lake → 1702 lake water, ecological red line.
//! 2. **Lakeshore** (≤ 1 km from a real lake): each county decides once per lake, protecting its
//!    shore with chance 60 % (05 wetland, red line) or planning waterfront development (09
//!    commercial). Lakes shared by two counties are thus often protected on one side only.
//! 3. **River corridor** (≤ 250 m from a real river): protected with chance 50 % per county and
//!    river (1701 river water, red line); otherwise the next rules apply.
//! 4. **Border band** (≤ 2 km from a border with another county): with chance 7 % heavily
//!    polluting industry (100103), with a further 3 % sanitation (1309): counties put nuisances at
//!    their edge.
//! 5. **Town** (within the urban radius R = √(b·A/π) of the seat, with the built-up share
//!    b = 0.08 + 0.6·e^(−d/120 km), d the distance to Shanghai, at most 0.85): urban classes drawn by
//!    ring (core r < R/2: housing 40 %, public services 15 %, commerce 20 %, parks 10 %, transport
//!    5 %, class-1 industry 10 %; outer ring: housing 25 %, class-2 industry 25 %, warehousing 10 %,
//!    protective green 10 %, public services 5 %, sewage plants 5 %, commerce 10 %, transport 10 %),
//!    inside the urban development boundary.
//! 6. **Countryside**: forest with chance 0.08 + 0.7/(1 + e^(−4(30.2 − lat))) (the southern hills),
//!    a third of it in the ecological red line; otherwise paddy 70 % (four in five in permanent
//!    basic farmland), orchard 10 %, rural housing 10 %, agricultural facilities 5 %, grassland 5 %.
//! 7. **Violation**: a zone under a red line or farmland control is, with chance 1.5 %, planned as
//!    industry (1001) all the same.
//!
//! # The 2035 plan
//! Towns grow (R × 1.15). Each 2015 conflict-prone choice near a border (unprotected lakeshore or
//! river corridor, border-band industry or sanitation) is planned away with the chance of the
//! nearest border's coordination ([`Coordination::fix_chance`]: joint 1, regional plan 0.5, none
//! 0.1): shores become wetland, corridors river water, border industry protective green. Where a
//! border is not jointly planned, new border industry appears (chance 3 % uncoordinated, 1.5 %
//! regional plan). Violations are removed with chance 60 % (control-line enforcement since 2019).

use borderscape_core::error::{contain_panic, AnalysisError};
use borderscape_core::geometry::{first_crossing, SegmentIndex};
use borderscape_core::landuse::{
    self, ECOLOGICAL_RED_LINE, PERMANENT_BASIC_FARMLAND, URBAN_DEVELOPMENT_BOUNDARY,
};
use borderscape_core::table::{Column, Table, Value};
use geo::{Area, BooleanOps, BoundingRect, Centroid, Contains, Coord, MultiPolygon, Rect};
use rayon::prelude::*;

use super::generated_table;
use super::landscape::{unit, Coordination, County, Landscape};

/// Zones per county aimed at.
const ZONES_PER_COUNTY: f64 = 160.0;
const LAKESHORE_M: f64 = 1000.0;
const RIVER_CORRIDOR_M: f64 = 250.0;
const BORDER_BAND_M: f64 = 2000.0;
/// Beyond this distance from any border a zone's choices are nobody else's business.
const NEIGHBOURHOOD_M: f64 = 5000.0;

/// A zone's class, control line and the rule that gave them.
#[derive(Debug, Clone, PartialEq)]
struct Decision {
    class: &'static str,
    control: Option<&'static str>,
    reason: String,
}

fn decide(class: &'static str, control: Option<&'static str>, reason: String) -> Decision {
    Decision {
        class,
        control,
        reason,
    }
}

/// What a zone's centre knows about its surroundings.
struct Site<'a> {
    key: String,
    lake: Option<usize>,
    shore: Option<(usize, f64)>,
    river: Option<(usize, f64)>,
    /// (neighbour's code, distance m, the border's coordination)
    border: Option<(&'a str, f64, Coordination)>,
    seat_m: f64,
}

/// A zone's attribute row and its geometry.
type ZoneRow = (Vec<Value>, MultiPolygon);

/// The zones of every county in both plan versions, in the analysis CRS.
pub fn plans(landscape: &Landscape, seed: u64) -> Result<Table, AnalysisError> {
    let per_county: Vec<Result<Vec<ZoneRow>, AnalysisError>> = landscape
        .counties
        .par_iter()
        .map(|county| county_plans(landscape, county, seed))
        .collect();
    let mut table = generated_table("plans", plan_columns(), true);
    for rows in per_county {
        for (row, geometry) in rows? {
            table.push(row, Some(geometry.into()));
        }
    }
    Ok(table)
}

fn plan_columns() -> Vec<Column> {
    vec![
        Column::text("id", "zone id: county code and zone number"),
        Column::text("jurisdiction", "county code"),
        Column::text("plan", "plan version: 2015 baseline or 2035 plan"),
        Column::text("class", "land-use class, China 2023 classification"),
        Column::text("class_name", "name of the class"),
        Column::text(
            "control",
            "control line: ecological_red_line, permanent_basic_farmland, urban_development_boundary",
        ),
        Column::text("reason", "the generator rule that gave the class"),
    ]
}

fn county_plans(
    landscape: &Landscape,
    county: &County,
    seed: u64,
) -> Result<Vec<ZoneRow>, AnalysisError> {
    let j = &landscape.region.jurisdictions[county.index];
    let mut zones = grid_zones(&j.geometry, &j.code)?;
    zones.retain(|zone| valid_in_wgs84(landscape, zone));
    let built_up = county.built_up_share();
    let urban_radius = (built_up * county.area_m2 / std::f64::consts::PI).sqrt();
    let mut out = Vec::with_capacity(zones.len() * 2);
    for (n, zone) in zones.into_iter().enumerate() {
        let Some(centre) = zone.centroid() else {
            continue;
        };
        let site = site(landscape, county, &j.code, n, centre.0);
        let planner = Planner {
            landscape,
            county,
            seed,
        };
        let baseline = planner.baseline(&site, urban_radius);
        let future = planner.plan_2035(&site, urban_radius, &baseline);
        for (version, d) in [("2015", baseline), ("2035", future)] {
            let name = landuse::lookup(d.class).map_or("", |c| c.1);
            out.push((
                vec![
                    format!("{}-{}", j.code, n + 1).into(),
                    j.code.clone().into(),
                    version.into(),
                    d.class.into(),
                    name.into(),
                    d.control.into(),
                    d.reason.into(),
                    true.into(),
                ],
                zone.clone(),
            ));
        }
    }
    Ok(out)
}

/// Whether the zone is still a valid polygon once written in lon/lat: the overlay can return
/// rings that touch so closely that rounding makes them cross.
fn valid_in_wgs84(landscape: &Landscape, zone: &MultiPolygon) -> bool {
    match landscape.region.to_wgs84(&zone.clone().into()) {
        Ok(geo::Geometry::MultiPolygon(mp)) => {
            first_crossing(&mp.0.iter().collect::<Vec<_>>()).is_none()
        }
        _ => false,
    }
}

/// Grid cells over the county, clipped to it where they cross its boundary.
fn grid_zones(county: &MultiPolygon, code: &str) -> Result<Vec<MultiPolygon>, AnalysisError> {
    let Some(bbox) = county.bounding_rect() else {
        return Ok(Vec::new());
    };
    let side = ((county.unsigned_area() / ZONES_PER_COUNTY).sqrt() / 10.0).round() * 10.0;
    let side = side.max(100.0);
    let rings = county.0.iter().flat_map(|p| {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .map(|r| (r, ()))
    });
    let boundary = SegmentIndex::new(rings);
    let (x0, y0) = (
        (bbox.min().x / side).floor() * side,
        (bbox.min().y / side).floor() * side,
    );
    let mut zones = Vec::new();
    let mut y = y0;
    while y < bbox.max().y {
        let mut x = x0;
        while x < bbox.max().x {
            let cell = Rect::new(
                Coord { x, y },
                Coord {
                    x: x + side,
                    y: y + side,
                },
            );
            if boundary.touches_rect(cell) {
                let clipped = contain_panic(
                    || format!("county {code}: clipping a plan zone"),
                    || cell.to_polygon().intersection(county),
                )?;
                if clipped.unsigned_area() > 0.01 * side * side {
                    zones.push(clipped);
                }
            } else if county.contains(&cell.center()) {
                zones.push(MultiPolygon::new(vec![cell.to_polygon()]));
            }
            x += side;
        }
        y += side;
    }
    Ok(zones)
}

fn site<'a>(
    landscape: &'a Landscape,
    county: &County,
    code: &str,
    n: usize,
    centre: Coord,
) -> Site<'a> {
    let near = |index: &borderscape_core::geometry::SegmentIndex<usize>, limit: f64| {
        index.nearest(centre).filter(|(_, d)| *d <= limit)
    };
    let border = near(&county.borders, NEIGHBOURHOOD_M).map(|(k, d)| {
        let b = &landscape.borders[k];
        let other = if b.a == county.index { b.b } else { b.a };
        (landscape.code(other), d, b.coordination)
    });
    Site {
        key: format!("{code}/{n}"),
        lake: landscape.lake_at(centre),
        shore: near(&landscape.lake_shores, LAKESHORE_M),
        river: near(&landscape.river_index, RIVER_CORRIDOR_M),
        border,
        seat_m: (centre.x - county.seat.x).hypot(centre.y - county.seat.y),
    }
}

/// One county's planner: the rules of the module documentation, applied zone by zone.
struct Planner<'a> {
    landscape: &'a Landscape<'a>,
    county: &'a County,
    seed: u64,
}

impl Planner<'_> {
    /// The 2015 baseline (rules 1–7 of the module documentation).
    fn baseline(&self, site: &Site, urban_radius: f64) -> Decision {
        violate(self.unviolated(site, urban_radius), site, self.seed, "2015")
    }

    /// Rules 1–6, for a town of the given radius.
    fn unviolated(&self, site: &Site, urban_radius: f64) -> Decision {
        let (landscape, county, seed) = (self.landscape, self.county, self.seed);
        let code = landscape.code(county.index);
        if let Some(lake) = site.lake {
            let name = &landscape.lakes[lake].name;
            return decide(
                "1702",
                Some(ECOLOGICAL_RED_LINE),
                format!("rule 1: in the water of {name}"),
            );
        }
        if let Some((lake, distance)) = site.shore {
            let name = &landscape.lakes[lake].name;
            return if unit(seed, &format!("{code}/lake{lake}/protect")) < 0.6 {
                decide(
                    "05",
                    Some(ECOLOGICAL_RED_LINE),
                    format!("rule 2: shore of {name} ({distance:.0} m), protected by this county"),
                )
            } else {
                decide(
                "09",
                None,
                format!(
                    "rule 2: shore of {name} ({distance:.0} m), waterfront development planned by this county alone"
                ),
            )
            };
        }
        if let Some((river, distance)) = site.river {
            if unit(seed, &format!("{code}/river{river}/protect")) < 0.5 {
                return decide(
                    "1701",
                    Some(ECOLOGICAL_RED_LINE),
                    format!(
                    "rule 3: river corridor ({distance:.0} m from {}), protected by this county",
                    landscape.river_label(river)
                ),
                );
            }
        }
        if let Some(d) = border_band(site, seed) {
            return d;
        }
        town_or_country(site, county, urban_radius, seed)
    }

    /// The 2035 plan: the baseline with each border conflict fixed by the border's coordination.
    fn plan_2035(&self, site: &Site, urban_radius: f64, baseline: &Decision) -> Decision {
        let (landscape, seed) = (self.landscape, self.seed);
        let without = self.unviolated(site, urban_radius * 1.15);
        let coordination = site
            .border
            .map_or(Coordination::Uncoordinated, |(_, _, c)| c);
        let fixed = |what: &str| {
            unit(seed, &format!("{}/{what}/fix", site.key)) < coordination.fix_chance()
        };
        let by = coordination.name();
        let mut d = match without.class {
            "09" if without.reason.starts_with("rule 2") && fixed("shore") => decide(
                "05",
                Some(ECOLOGICAL_RED_LINE),
                format!(
                    "2035: shore protected under {by} (2015: {})",
                    without.reason
                ),
            ),
            "100103" | "1309" if without.reason.starts_with("rule 4") && fixed("band") => decide(
                "1402",
                None,
                format!(
                    "2035: border nuisance relocated under {by} (2015: {})",
                    without.reason
                ),
            ),
            _ => without,
        };
        if let Some((river, _)) = site.river {
            let protected_2015 = d.class == "1701";
            if !protected_2015 && site.lake.is_none() && site.shore.is_none() && fixed("corridor") {
                d = decide(
                    "1701",
                    Some(ECOLOGICAL_RED_LINE),
                    format!(
                        "2035: river corridor of {} protected under {by}",
                        landscape.river_label(river)
                    ),
                );
            }
        }
        if coordination != Coordination::Joint && !landuse::is_construction(d.class) {
            let chance = if coordination == Coordination::Partial {
                0.015
            } else {
                0.03
            };
            if site.border.is_some_and(|b| b.1 <= BORDER_BAND_M)
                && unit(seed, &format!("{}/new", site.key)) < chance
                && d.control != Some(ECOLOGICAL_RED_LINE)
            {
                d = decide(
                    "100103",
                    None,
                    format!("2035: new heavily polluting industry at the border ({by})"),
                );
            }
        }
        if baseline.reason.starts_with("rule 7")
            && unit(seed, &format!("{}/enforce", site.key)) >= 0.6
        {
            return violate_again(baseline);
        }
        d
    }
}

/// Rule 4: border-band nuisances.
fn border_band(site: &Site, seed: u64) -> Option<Decision> {
    let (neighbour, distance, _) = site.border.filter(|b| b.1 <= BORDER_BAND_M)?;
    let u = unit(seed, &format!("{}/border", site.key));
    let (class, what) = if (0.0..0.07).contains(&u) {
        ("100103", "heavily polluting industry")
    } else if (0.07..0.10).contains(&u) {
        ("1309", "sanitation (landfill or incinerator)")
    } else {
        return None;
    };
    Some(decide(
        class,
        None,
        format!("rule 4: {what} sited {distance:.0} m from the border with {neighbour}"),
    ))
}

/// Rules 5 and 6: the town around the seat and the countryside.
fn town_or_country(site: &Site, county: &County, urban_radius: f64, seed: u64) -> Decision {
    let u = unit(seed, &format!("{}/use", site.key));
    let r = site.seat_m / urban_radius;
    if r <= 1.0 {
        let (rings, ring): (&[(&'static str, f64)], &str) = if r < 0.5 {
            (
                &[
                    ("0701", 0.40),
                    ("0804", 0.08),
                    ("0806", 0.07),
                    ("09", 0.20),
                    ("1401", 0.10),
                    ("12", 0.05),
                    ("100101", 0.10),
                ],
                "core",
            )
        } else {
            (
                &[
                    ("0701", 0.25),
                    ("100102", 0.25),
                    ("11", 0.10),
                    ("1402", 0.10),
                    ("08", 0.05),
                    ("1302", 0.05),
                    ("09", 0.10),
                    ("12", 0.10),
                ],
                "outer ring",
            )
        };
        return decide(
            pick(rings, u),
            Some(URBAN_DEVELOPMENT_BOUNDARY),
            format!(
                "rule 5: town {ring}, {:.1} km from the seat (urban radius {:.1} km)",
                site.seat_m / 1000.0,
                urban_radius / 1000.0
            ),
        );
    }
    let forest = 0.08 + 0.7 / (1.0 + (-4.0 * (30.2 - county.lat)).exp());
    let v = unit(seed, &format!("{}/control", site.key));
    if u < forest {
        let control = (v < 0.35).then_some(ECOLOGICAL_RED_LINE);
        return decide(
            "0301",
            control,
            format!(
                "rule 6: countryside, forest (chance {forest:.2} at latitude {:.2})",
                county.lat
            ),
        );
    }
    let u = (u - forest) / (1.0 - forest);
    let class = pick(
        &[
            ("0101", 0.70),
            ("02", 0.10),
            ("0703", 0.10),
            ("06", 0.05),
            ("04", 0.05),
        ],
        u,
    );
    let control = (class == "0101" && v < 0.8).then_some(PERMANENT_BASIC_FARMLAND);
    decide(class, control, "rule 6: countryside".to_string())
}

/// The class whose cumulative share first exceeds `u` (shares sum to 1).
fn pick(shares: &[(&'static str, f64)], u: f64) -> &'static str {
    let mut total = 0.0;
    for (class, share) in shares {
        total += share;
        if u < total {
            return class;
        }
    }
    shares[shares.len() - 1].0
}

/// Rule 7: a controlled zone planned as industry all the same.
fn violate(d: Decision, site: &Site, seed: u64, version: &str) -> Decision {
    let Some(control) = d.control.filter(|c| *c != URBAN_DEVELOPMENT_BOUNDARY) else {
        return d;
    };
    if landuse::first_level(d.class) == "17"
        || unit(seed, &format!("{}/violation", site.key)) >= 0.015
    {
        return d;
    }
    decide(
        "1001",
        Some(control),
        format!("rule 7: industry planned inside the {control} ({version})"),
    )
}

/// A 2015 violation that enforcement did not remove persists in 2035.
fn violate_again(baseline: &Decision) -> Decision {
    decide(
        baseline.class,
        baseline.control,
        baseline
            .reason
            .replace("(2015)", "(2015, not removed by 2035)"),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use borderscape_core::crs::AnalysisCrs;
    use borderscape_core::region::{Jurisdiction, Level, Region};
    use geo::{polygon, MultiPolygon};

    use super::*;

    fn square(x: f64, y: f64, size_m: f64) -> MultiPolygon {
        MultiPolygon::new(vec![polygon![
            (x: x, y: y), (x: x + size_m, y: y), (x: x + size_m, y: y + size_m), (x: x, y: y + size_m)
        ]])
    }

    /// Qingpu and Wujiang (both in the Demonstration Zone: a jointly planned border) side by side,
    /// 20 km squares, with a lake across their border; Kunshan above Qingpu (no arrangement).
    pub(crate) fn fixture() -> Region {
        let crs = AnalysisCrs::albers_for_bounds(120.5, 30.5, 121.5, 31.5);
        let county = |code: &str, geometry| Jurisdiction {
            code: code.into(),
            name: format!("county {code}"),
            level: Level::County,
            parent: None,
            geometry,
        };
        let jurisdictions = vec![
            county("310118", square(0.0, 0.0, 20_000.0)),
            county("320509", square(20_000.0, 0.0, 20_000.0)),
            county("320583", square(0.0, 20_000.0, 20_000.0)),
        ];
        let mut lakes = Table::new("lakes", vec![Column::text("name", "")], true);
        lakes.push(
            vec!["Dianshan Lake".into()],
            Some(square(17_000.0, 8_000.0, 6_000.0).into()),
        );
        Region::new(
            "fixture",
            crs,
            jurisdictions,
            BTreeMap::from([("lakes".to_string(), lakes)]),
        )
    }

    fn column(table: &Table, row: usize, name: &str) -> String {
        table.rows[row][table.column_index(name).unwrap()].to_text()
    }

    #[test]
    fn zones_have_known_classes_reasons_and_both_versions() {
        let region = fixture();
        let landscape = Landscape::new(&region, &[]).unwrap();
        let plans = plans(&landscape, 7).unwrap();
        assert_eq!(plans.rows, super::plans(&landscape, 7).unwrap().rows);
        for code in ["310118", "320509", "320583"] {
            let n = (0..plans.len())
                .filter(|&i| column(&plans, i, "jurisdiction") == code)
                .count();
            assert!((200..=600).contains(&n), "{code}: {n} rows");
        }
        for i in 0..plans.len() {
            assert!(landuse::is_known(&column(&plans, i, "class")));
            assert!(!column(&plans, i, "reason").is_empty());
            let version = column(&plans, i, "plan");
            assert!(version == "2015" || version == "2035");
        }
        let lake_zones: Vec<usize> = (0..plans.len())
            .filter(|&i| column(&plans, i, "class") == "1702")
            .collect();
        assert!(!lake_zones.is_empty());
        assert!(lake_zones
            .iter()
            .all(|&i| column(&plans, i, "control") == ECOLOGICAL_RED_LINE));
    }

    #[test]
    fn the_jointly_planned_border_has_no_nuisance_or_unprotected_shore_in_2035() {
        let region = fixture();
        let landscape = Landscape::new(&region, &[]).unwrap();
        let joint = landscape
            .borders
            .iter()
            .find(|b| b.coordination == Coordination::Joint)
            .expect("the Demonstration Zone border is jointly planned");
        assert_eq!(
            (landscape.code(joint.a), landscape.code(joint.b)),
            ("310118", "320509")
        );
        let plans = plans(&landscape, 11).unwrap();
        let near_joint_border = |i: usize| {
            let c = plans.geometry(i).unwrap().centroid().unwrap();
            (c.x() - 20_000.0).abs() <= BORDER_BAND_M && c.y() < 20_000.0 - BORDER_BAND_M
        };
        let mut nuisances_2015 = 0;
        for i in (0..plans.len()).filter(|&i| near_joint_border(i)) {
            let (class, version) = (column(&plans, i, "class"), column(&plans, i, "plan"));
            let nuisance = class == "100103" || class == "1309";
            let shore_development = class == "09" && column(&plans, i, "reason").contains("shore");
            if version == "2035" {
                assert!(!nuisance && !shore_development, "row {i}: {class}");
            } else if nuisance {
                nuisances_2015 += 1;
            }
        }
        assert!(
            nuisances_2015 > 0,
            "the baseline has border nuisances to fix"
        );
    }
}
