//! Hand-made fixture with known answers: three 10 km square counties (A, B to its east, C to
//! its north), plan zones, a lake, a facility and roads placed at chosen distances.

use std::collections::BTreeMap;

use geo::{line_string, Point};

use super::*;
use crate::crs::AnalysisCrs;
use crate::region::Jurisdiction;
use crate::table::{Column, Table};
use crate::test_fixtures::{rect, rect_county};

fn county(code: &str, x: f64, y: f64) -> Jurisdiction {
    Jurisdiction {
        name: format!("county {code}"),
        ..rect_county(code, x, y, x + 10_000.0, y + 10_000.0)
    }
}

fn text_table(name: &str, columns: &[&str], spatial: bool) -> Table {
    Table::new(
        name,
        columns.iter().map(|c| Column::text(c, "")).collect(),
        spatial,
    )
}

/// A zone: id, unit, class in 2015, class in 2035, control, rectangle.
type ZoneSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    [f64; 4],
);

const ZONES: &[ZoneSpec] = &[
    (
        "a1",
        "A",
        "100103",
        "1402",
        "",
        [9000.0, 1000.0, 9900.0, 2000.0],
    ),
    (
        "b1",
        "B",
        "0701",
        "0701",
        "",
        [10300.0, 1000.0, 11300.0, 2000.0],
    ),
    (
        "a2",
        "A",
        "0701",
        "0701",
        "",
        [9500.0, 3000.0, 9900.0, 3500.0],
    ),
    (
        "b2",
        "B",
        "100101",
        "100101",
        "",
        [10100.0, 3000.0, 10500.0, 3500.0],
    ),
    (
        "a3",
        "A",
        "1309",
        "1309",
        "",
        [9000.0, 5000.0, 9800.0, 5500.0],
    ),
    (
        "b3",
        "B",
        "0804",
        "0804",
        "",
        [10400.0, 5000.0, 10900.0, 5500.0],
    ),
    (
        "b4",
        "B",
        "0701",
        "0701",
        "",
        [10200.0, 5600.0, 10600.0, 6000.0],
    ),
    (
        "a5",
        "A",
        "0101",
        "100103",
        "",
        [9000.0, 7000.0, 9500.0, 7500.0],
    ),
    (
        "b5",
        "B",
        "0701",
        "0701",
        "",
        [10000.0, 7000.0, 10500.0, 7500.0],
    ),
    (
        "a6",
        "A",
        "1001",
        "0301",
        "ecological_red_line",
        [2000.0, 2000.0, 3000.0, 3000.0],
    ),
    (
        "a7",
        "A",
        "05",
        "05",
        "ecological_red_line",
        [8000.0, 8000.0, 9000.0, 9500.0],
    ),
    (
        "b7",
        "B",
        "09",
        "09",
        "",
        [11000.0, 8000.0, 12000.0, 9500.0],
    ),
    (
        "b8",
        "B",
        "0701",
        "0701",
        "",
        [10000.0, 3600.0, 10400.0, 4400.0],
    ),
];

fn fixture(facility_type: &str) -> Inputs {
    let crs = AnalysisCrs::albers_for_bounds(120.5, 30.5, 121.5, 31.5);
    let jurisdictions = vec![
        county("A", 0.0, 0.0),
        county("B", 10_000.0, 0.0),
        county("C", 0.0, 10_000.0),
    ];
    let mut plans = text_table(
        "plans",
        &["id", "jurisdiction", "plan", "class", "control"],
        true,
    );
    for (id, unit, c2015, c2035, control, [x0, y0, x1, y1]) in ZONES {
        for (plan, class) in [("2015", c2015), ("2035", c2035)] {
            let control = if *control == "ecological_red_line" && *class == "0301" {
                ""
            } else {
                control
            };
            plans.push(
                vec![
                    (*id).into(),
                    (*unit).into(),
                    plan.into(),
                    (*class).into(),
                    control.into(),
                ],
                Some(rect(*x0, *y0, *x1, *y1)),
            );
        }
    }
    let mut lakes = text_table("lakes", &["name"], true);
    lakes.push(
        vec!["Border Lake".into()],
        Some(rect(9000.0, 8000.0, 11000.0, 9500.0)),
    );
    let mut facilities = text_table("facilities", &["id", "type"], true);
    facilities.push(
        vec!["f1".into(), facility_type.into()],
        Some(Point::new(9800.0, 4000.0).into()),
    );
    let mut roads = text_table("roads", &["id", "class"], true);
    for (id, line) in [
        (
            "r1",
            line_string![(x: 5000.0, y: 500.0), (x: 9700.0, y: 500.0)],
        ),
        (
            "r2",
            line_string![(x: 15000.0, y: 520.0), (x: 10300.0, y: 520.0)],
        ),
        (
            "r3a",
            line_string![(x: 5000.0, y: 6500.0), (x: 10000.0, y: 6500.0)],
        ),
        (
            "r3b",
            line_string![(x: 10000.0, y: 6500.0), (x: 15000.0, y: 6500.0)],
        ),
        (
            "r4",
            line_string![(x: 5000.0, y: 3000.0), (x: 9900.0, y: 3000.0)],
        ),
    ] {
        roads.push(vec![id.into(), "trunk".into()], Some(line.into()));
    }
    let layers = BTreeMap::from([
        ("plans".to_string(), plans),
        ("lakes".to_string(), lakes),
        ("facilities".to_string(), facilities),
        ("roads".to_string(), roads),
    ]);
    let region = Region::new("fixture", crs, jurisdictions, layers);
    match Inputs::build(region.clone()) {
        Ok(built) => built,
        // The facility-type test checks the model's message itself.
        Err(_) => crate::test_fixtures::unchecked(region),
    }
}

fn settings() -> Settings {
    Settings::from_params(&Params::defaults(&SPEC)).unwrap()
}

/// What a test compares of a conflict: type, plan, causing, affected, distance in dm.
type Found = (
    &'static str,
    Option<String>,
    String,
    Option<String>,
    Option<i64>,
);

/// The comparable facts of every conflict.
fn found(inputs: &Inputs) -> Vec<Found> {
    let region = &inputs.region;
    let conflicts = find_conflicts(inputs, &settings()).unwrap().conflicts;
    conflicts
        .iter()
        .map(|c| {
            (
                c.kind.name(),
                c.plan.clone(),
                region.jurisdictions[c.causing].code.clone(),
                c.affected.map(|u| region.jurisdictions[u].code.clone()),
                c.distance_m.map(|d| (d * 10.0).round() as i64),
            )
        })
        .collect()
}

#[test]
fn every_planted_conflict_is_found_and_nothing_else() {
    let inputs = fixture("incinerator");
    let v = |p: &str| Some(p.to_string());
    let ab = |kind, plan: Option<String>, d: f64| {
        (
            kind,
            plan,
            "A".to_string(),
            Some("B".to_string()),
            Some((d * 10.0).round() as i64),
        )
    };
    let mut expected = vec![
        ab("incompatible_land_use", v("2015"), 400.0),
        ab("incompatible_land_use", v("2015"), 400f64.hypot(100.0)),
        ab("incompatible_land_use", v("2035"), 500.0),
        ab("incompatible_land_use", v("2035"), 400f64.hypot(100.0)),
        (
            "ecological_discontinuity",
            v("2015"),
            "B".into(),
            v("A"),
            Some(0),
        ),
        (
            "ecological_discontinuity",
            v("2035"),
            "B".into(),
            v("A"),
            Some(0),
        ),
        ab("nimby_spillover", v("2015"), 200.0),
        ab("nimby_spillover", v("2035"), 200.0),
        ab("dead_end_road", None, 600f64.hypot(20.0)),
        ab("border_terminating_road", None, 100.0),
        ("plan_constraint", v("2015"), "A".into(), None, None),
    ];
    let mut got = found(&inputs);
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
}

#[test]
fn severities_areas_and_version_changes_match_the_hand_calculation() {
    let inputs = fixture("incinerator");
    let region = &inputs.region;
    let conflicts = find_conflicts(&inputs, &settings()).unwrap().conflicts;
    let one = |kind: ConflictType, plan: &str, distance: f64| {
        conflicts
            .iter()
            .find(|c| {
                c.kind == kind
                    && c.plan.as_deref() == Some(plan)
                    && (c.distance_m.unwrap() - distance).abs() < 0.05
            })
            .unwrap()
    };
    assert_eq!(
        one(ConflictType::IncompatibleLandUse, "2015", 400.0).severity,
        3
    );
    assert_eq!(
        one(
            ConflictType::IncompatibleLandUse,
            "2015",
            400f64.hypot(100.0)
        )
        .severity,
        1
    );
    // The incinerator's 300 m radius cuts a circular segment at 200 m from its centre.
    let nimby = one(ConflictType::NimbySpillover, "2015", 200.0);
    let (r, h) = (300.0f64, 200.0f64);
    let segment_ha = (r * r * (h / r).acos() - h * (r * r - h * h).sqrt()) / 10_000.0;
    assert!(
        (nimby.area_ha.unwrap() / segment_ha - 1.0).abs() < 0.005,
        "{:?} vs {segment_ha}",
        nimby.area_ha
    );
    assert_eq!(nimby.severity, 2);
    let lake = one(ConflictType::EcologicalDiscontinuity, "2015", 0.0);
    assert!(lake.evidence.contains("Border Lake"), "{}", lake.evidence);

    let table = changes(region, &conflicts, "2015", "2035");
    let row = |kind: &str| {
        table
            .rows
            .iter()
            .find(|r| r[2].to_text() == kind)
            .map(|r| (r[5].to_text(), r[6].to_text(), r[7].to_text()))
            .unwrap()
    };
    let counts = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(row("incompatible_land_use"), counts("1", "1", "1"));
    assert_eq!(row("nimby_spillover"), counts("0", "1", "0"));
    assert_eq!(row("ecological_discontinuity"), counts("0", "1", "0"));
}

#[test]
fn bad_class_codes_and_facility_types_are_named() {
    let mut inputs = fixture("cement_kiln");
    let err = crate::model::Model::build(&inputs.region)
        .unwrap_err()
        .join("\n");
    assert!(
        err.contains("facilities layer: feature 0 (id f1): field `type`: `cement_kiln` has no nuisance radius"),
        "{err}"
    );
    let plans = inputs.region.layers.get_mut("plans").unwrap();
    plans.rows[3][3] = "99".into();
    let err = find_conflicts(&inputs, &settings())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("plans layer: feature 3 (id b1): field `class`: `99` is not a class"),
        "{err}"
    );
}

#[test]
fn plan_consistency_is_the_share_of_the_border_without_facing_conflicts() {
    // Along A|B (x = 10 km), samples every 250 m at y = 125, 375, …: in 2015 the pairs a1–b1
    // and a3–b4 face each other at 12 + 8 samples (5 km of 10); in 2035 a3–b4 and a5–b5 at
    // 15 samples (3.75 km).
    let inputs = fixture("incinerator");
    let region = &inputs.region;
    let table = find_conflicts(&inputs, &settings())
        .unwrap()
        .consistency
        .unwrap();
    let code = |i: usize| region.jurisdictions[i].code.as_str();
    let share = |b: &str, plan: &str| {
        table
            .iter()
            .find(|r| code(r.a) == "A" && code(r.b) == b && r.plan == plan)
            .map(|r| r.consistent_share)
            .unwrap()
    };
    assert_eq!(share("B", "2015"), 0.5);
    assert_eq!(share("B", "2035"), 0.625);
    assert_eq!(share("C", "2015"), 1.0);
}

/// A red-lined wetland in A, 100 m from the border, faces `across` in B 200 m beyond it; no lakes
/// or ecology layer. Commercial land across is one discontinuity; forest across is none.
#[test]
fn a_red_lined_zone_is_an_asset_without_a_lakes_layer() {
    let discontinuities = |across: &str| {
        let mut plans = text_table("plans", &["id", "jurisdiction", "class", "control"], true);
        for (id, unit, class, control, [x0, y0, x1, y1]) in [
            (
                "w",
                "A",
                "0501",
                "ecological_red_line",
                [8900.0, 1000.0, 9900.0, 3000.0],
            ),
            ("c", "B", across, "", [10200.0, 1000.0, 11200.0, 3000.0]),
        ] {
            plans.push(
                vec![id.into(), unit.into(), class.into(), control.into()],
                Some(rect(x0, y0, x1, y1)),
            );
        }
        let inputs = Inputs::build(Region::new(
            "red line",
            AnalysisCrs::albers_for_bounds(120.5, 30.5, 121.5, 31.5),
            vec![county("A", 0.0, 0.0), county("B", 10_000.0, 0.0)],
            BTreeMap::from([("plans".to_string(), plans)]),
        ))
        .unwrap();
        find_conflicts(&inputs, &settings())
            .unwrap()
            .conflicts
            .into_iter()
            .filter(|c| c.kind == ConflictType::EcologicalDiscontinuity)
            .map(|c| (inputs.region.jurisdictions[c.causing].code.clone(), c))
            .collect::<Vec<_>>()
    };
    let found = discontinuities("0901");
    assert_eq!(
        found.len(),
        1,
        "{:?}",
        found.iter().map(|f| &f.1.evidence).collect::<Vec<_>>()
    );
    let (causing, conflict) = &found[0];
    assert_eq!(causing, "B");
    assert_eq!(conflict.affected_feature, "w");
    assert_eq!(conflict.causing_feature, "c");
    assert!((conflict.distance_m.unwrap() - 300.0).abs() < 1e-6);
    // The whole land across is commercial: 1 km × 2 km = 200 ha, ≥ 2 × 25 %: severity 3.
    assert!((conflict.area_ha.unwrap() - 200.0).abs() < 1e-6);
    assert_eq!(conflict.severity, 3);
    assert!(
        conflict.evidence.contains("zone w"),
        "{}",
        conflict.evidence
    );
    assert!(discontinuities("0301").is_empty());
}

/// The partition plan of two counties A and B (west and east) with a zone by their border, one
/// in the middle of A (more than the reach and both zones' extents from every boundary), and
/// construction inside a red line in the middle of A; `deep_unit` is the middle zone's given unit.
fn band_plan(deep_unit: &str) -> partition::PartitionPlan {
    let mut plans = text_table("plans", &["id", "jurisdiction", "class", "control"], true);
    for (id, unit, class, control, [x0, y0, x1, y1]) in [
        ("edge", "A", "0701", "", [9000.0, 1000.0, 9900.0, 2000.0]),
        (
            "deep",
            deep_unit,
            "0701",
            "",
            [4000.0, 4000.0, 4500.0, 4500.0],
        ),
        (
            "breach",
            "A",
            "100103",
            "ecological_red_line",
            [4000.0, 5500.0, 4500.0, 6000.0],
        ),
    ] {
        plans.push(
            vec![id.into(), unit.into(), class.into(), control.into()],
            Some(rect(x0, y0, x1, y1)),
        );
    }
    let region = Inputs::build(Region::new(
        "band",
        AnalysisCrs::albers_for_bounds(120.5, 30.5, 121.5, 31.5),
        vec![county("A", 0.0, 0.0), county("B", 10_000.0, 0.0)],
        BTreeMap::from([("plans".to_string(), plans)]),
    ))
    .unwrap();
    partition::plan(&region, &settings(), Level::County).unwrap()
}

#[test]
fn the_border_band_leaves_out_zones_far_from_every_boundary() {
    let plan = band_plan("A");
    let rows = |p: &partition::PartitionPlan| {
        let mut rows: Vec<usize> = p.groups.iter().flat_map(|g| g.rows.clone()).collect();
        rows.sort_unstable();
        rows
    };
    // The middle zone's centroid is 4,250 m from A's boundary: more than its extent (354 m), the
    // reach (2,000 m), the largest extent (the edge zone's, 673 m) and the 1 m margin.
    assert_eq!(plan.reach_m, 2000.0);
    let partner = plan.partner_extent_m.unwrap();
    assert!((partner - 450f64.hypot(500.0)).abs() < 1e-9, "{partner}");
    assert_eq!((plan.zones, plan.zones_away), (3, 1));
    assert_eq!(rows(&plan), [0, 2], "the edge zone and the breach stay");
    // A zone whose given unit (B) does not hold it is kept, and its distance to that unit
    // (5,750 m) adds to its extent as a partner: the band widens for every zone.
    let misplaced = band_plan("B");
    let partner = misplaced.partner_extent_m.unwrap();
    assert!(
        (partner - (250f64.hypot(250.0) + 5750.0)).abs() < 1e-9,
        "{partner}"
    );
    assert_eq!(misplaced.zones_away, 0);
    assert_eq!(rows(&misplaced), [0, 1, 2]);
}

/// A plan zone around the lake of [`around_a_lake`]: id, unit, plan, class, rectangle.
type LakeZone = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    [f64; 4],
);

/// Issue 44: a 4 km lake at the corner of A, B (east) and C (north of A), the `zones` around it;
/// with `twice`, the ecology layer lists the lake again under its name.
fn around_a_lake(zones: &[LakeZone], twice: bool) -> Inputs {
    let mut plans = text_table("plans", &["id", "jurisdiction", "plan", "class"], true);
    for &(id, unit, plan, class, [x0, y0, x1, y1]) in zones {
        plans.push(
            vec![id.into(), unit.into(), plan.into(), class.into()],
            Some(rect(x0, y0, x1, y1)),
        );
    }
    let mut layers = BTreeMap::from([("plans".to_string(), plans)]);
    let kinds: &[&str] = if twice {
        &["lakes", "ecology"]
    } else {
        &["lakes"]
    };
    for kind in kinds {
        let mut lake = text_table(kind, &["name"], true);
        lake.push(
            vec!["Shared Lake".into()],
            Some(rect(8000.0, 8000.0, 12_000.0, 12_000.0)),
        );
        layers.insert(kind.to_string(), lake);
    }
    Inputs::build(Region::new(
        "shared lake",
        AnalysisCrs::albers_for_bounds(120.5, 30.5, 121.5, 31.5),
        vec![
            county("A", 0.0, 0.0),
            county("B", 10_000.0, 0.0),
            county("C", 0.0, 10_000.0),
        ],
        layers,
    ))
    .unwrap()
}

/// Shore zones 500 m from the lake's west, east and north sides, more than `shore_m` apart.
const WEST: [f64; 4] = [6500.0, 8500.0, 7500.0, 9500.0];
const EAST: [f64; 4] = [12_500.0, 8500.0, 13_500.0, 9500.0];
const NORTH: [f64; 4] = [8500.0, 12_500.0, 9500.0, 13_500.0];

/// The shore protected in A (forest) and built up in B and C (housing), the lake listed twice:
/// B|A and C|A are both reported, each once.
#[test]
fn every_pair_around_a_shared_lake_is_one_conflict() {
    let inputs = around_a_lake(
        &[
            ("a", "A", "2035", "0301", WEST),
            ("b", "B", "2035", "0701", EAST),
            ("c", "C", "2035", "0701", NORTH),
        ],
        true,
    );
    // B|A and C|A around each of the two assets: the same pair found twice.
    let raw = collect(&inputs, &settings()).unwrap().conflicts;
    assert_eq!(raw.len(), 4);
    let around = |causing: &str| {
        (
            "ecological_discontinuity",
            Some("2035".to_string()),
            causing.to_string(),
            Some("A".to_string()),
            Some(0),
        )
    };
    assert_eq!(found(&inputs), [around("B"), around("C")]);
}

/// Protected in A and built up in B in 2015, the other way round in 2035: one discontinuity
/// resolved and another introduced, not one persisting.
#[test]
fn a_discontinuity_that_turns_around_is_resolved_and_introduced() {
    let inputs = around_a_lake(
        &[
            ("a", "A", "2015", "0301", WEST),
            ("b", "B", "2015", "0701", EAST),
            ("a", "A", "2035", "0701", WEST),
            ("b", "B", "2035", "0301", EAST),
        ],
        false,
    );
    let region = &inputs.region;
    let conflicts = find_conflicts(&inputs, &settings()).unwrap().conflicts;
    let table = changes(region, &conflicts, "2015", "2035");
    let rows: Vec<String> = table
        .rows
        .iter()
        .map(|r| r.iter().map(Value::to_text).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(rows, ["A,B,ecological_discontinuity,2015,2035,1,0,1"]);
}

/// The searches through the units' own trees (issue 43) find what a brute-force search over
/// every zone (filtered by unit) finds, in the same order, for every zone and reach of the fixture.
#[test]
fn searches_by_unit_equal_the_whole_search_filtered() {
    use crate::model::plans::Units;
    let inputs = fixture("incinerator");
    let region = &inputs.region;
    let table = &region.layers["plans"];
    let locator = UnitLocator::new(region, Level::County);
    let plans = PlanZones::new(region, table, Level::County, &locator, None).unwrap();
    let mut across = 0;
    for z in &plans.zones {
        for reach in [0.0, 500.0, 1500.0, 20_000.0] {
            // By brute force: every zone of the version whose box comes within reach.
            let within = |a: geo::Rect, b: geo::Rect| {
                a.min().x - reach <= b.max().x
                    && b.min().x <= a.max().x + reach
                    && a.min().y - reach <= b.max().y
                    && b.min().y <= a.max().y + reach
            };
            let all: Vec<usize> = (0..plans.zones.len())
                .filter(|&k| {
                    plans.zones[k].version == z.version && within(z.bbox, plans.zones[k].bbox)
                })
                .collect();
            assert_eq!(
                plans.near(z.version, z.bbox, reach).collect::<Vec<_>>(),
                all
            );
            let unit = |k: &usize| plans.zones[*k].unit;
            let except: Vec<usize> = all.iter().copied().filter(|k| unit(k) != z.unit).collect();
            let only: Vec<usize> = all.iter().copied().filter(|k| unit(k) == z.unit).collect();
            let found = |which| {
                plans
                    .near_of(z.version, z.bbox, reach, which)
                    .collect::<Vec<_>>()
            };
            assert_eq!(found(Units::Except(z.unit)), except);
            assert_eq!(found(Units::Only(z.unit)), only);
            across += except.len();
        }
    }
    assert!(
        across > 0,
        "the fixture has zones across borders within reach"
    );
}

/// Two units 4 km apart with a lake between them (W protects its shore, E builds on its own),
/// the lake given as `layer` (lakes: water; ecology: not).
fn across_the_lake(layer: &str) -> Inputs {
    let crs = AnalysisCrs::albers_for_bounds(120.5, 30.5, 121.5, 31.5);
    let jurisdictions = vec![
        rect_county("W", 0.0, 0.0, 10_000.0, 10_000.0),
        rect_county("E", 14_000.0, 0.0, 24_000.0, 10_000.0),
    ];
    let mut plans = text_table(
        "plans",
        &["id", "jurisdiction", "plan", "class", "control"],
        true,
    );
    for (id, unit, class, control, x0) in [
        ("w", "W", "05", "ecological_red_line", 9_000.0),
        ("e", "E", "09", "", 14_000.0),
    ] {
        plans.push(
            vec![
                id.into(),
                unit.into(),
                "2035".into(),
                class.into(),
                control.into(),
            ],
            Some(rect(x0, 3_000.0, x0 + 1_000.0, 7_000.0)),
        );
    }
    let mut lake = text_table(layer, &["name"], true);
    lake.push(
        vec!["Middle Lake".into()],
        Some(rect(10_000.0, -1_000.0, 14_000.0, 11_000.0)),
    );
    let layers = BTreeMap::from([("plans".to_string(), plans), (layer.to_string(), lake)]);
    Inputs::build(Region::new("lake", crs, jurisdictions, layers)).unwrap()
}

#[test]
fn units_facing_across_a_lake_share_it_and_others_are_not_paired_through_it() {
    let inputs = across_the_lake("lakes");
    let region = &inputs.region;
    let shared = find_conflicts(&inputs, &settings()).unwrap().conflicts;
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert_eq!(shared[0].kind, ConflictType::EcologicalDiscontinuity);
    assert_eq!(shared[0].border_level(region), BorderLevel::SharedWaterBody);
    assert!(shared[0]
        .evidence
        .starts_with("shared water body Middle Lake"));
    let table = conflicts_table(region, &shared);
    let level = table.column_index("border_level").unwrap();
    assert_eq!(table.rows[0][level].to_text(), "shared_water_body");

    // Farther apart than water_gap_m: not paired.
    let narrow = Settings {
        water_gap_m: 3_000.0,
        ..settings()
    };
    assert!(find_conflicts(&inputs, &narrow)
        .unwrap()
        .conflicts
        .is_empty());
    // An ecology polygon is no water to face each other across.
    let ecology = across_the_lake("ecology");
    assert!(find_conflicts(&ecology, &settings())
        .unwrap()
        .conflicts
        .is_empty());
}

#[test]
fn conflicts_carry_the_level_of_the_border_they_cross() {
    let inputs = fixture("incinerator");
    let region = &inputs.region;
    let conflicts = find_conflicts(&inputs, &settings()).unwrap().conflicts;
    let levels: BTreeSet<(ConflictType, BorderLevel)> = conflicts
        .iter()
        .map(|c| (c.kind, c.border_level(region)))
        .collect();
    // The fixture's counties have no parents: each is its own province.
    assert!(levels.contains(&(ConflictType::NimbySpillover, BorderLevel::CrossProvince)));
    assert!(levels.contains(&(ConflictType::PlanConstraint, BorderLevel::InsideUnit)));
    assert!(levels
        .iter()
        .all(|(_, l)| matches!(l, BorderLevel::CrossProvince | BorderLevel::InsideUnit)));
}
