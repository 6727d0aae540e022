//! A hand-made Y network across three counties with a lake, and planted siting patterns.

use std::collections::{BTreeMap, BTreeSet};

use geo::{line_string, Geometry, MultiPolygon, Point};

use super::*;
use crate::crs::AnalysisCrs;
use crate::region::Jurisdiction;
use crate::spec::ParamValue;
use crate::test_fixtures::{rect, rect_county};

fn county(code: &str, x0: f64, x1: f64) -> Jurisdiction {
    rect_county(code, x0, 0.0, x1, 10_000.0)
}

/// A (0–10 km), B (10–20 km), C (20–30 km). r1 flows east through A into B (7 km in A, 6 km in
/// B), r2 joins it from the north in B (4 km); r3 leaves the confluence (4 km in B, 6 km in C,
/// then 4 km through a lake in C). Zones: 100 ha of paddy in A by r1, 100 ha of forest in B by
/// r2, 100 ha of housing in C by r3's second segment.
fn y_network() -> Inputs {
    let mut rivers = Table::of_text("rivers", &["id"], &[["r1"], ["r2"], ["r3"]]);
    rivers.geometries = Some(vec![
        Some(line_string![(x: 2000.0, y: 5000.0), (x: 9000.0, y: 5000.0), (x: 15000.0, y: 5000.0)].into()),
        Some(line_string![(x: 15000.0, y: 9000.0), (x: 15000.0, y: 5000.0)].into()),
        Some(line_string![(x: 15000.0, y: 5000.0), (x: 19000.0, y: 5000.0), (x: 25000.0, y: 5000.0), (x: 29000.0, y: 5000.0)].into()),
    ]);
    let mut lakes = Table::of_text("lakes", &["name"], &[["lake"]]);
    lakes.geometries = Some(vec![Some(rect(26000.0, 4000.0, 28000.0, 6000.0))]);
    let mut plans = Table::of_text(
        "plans",
        &["id", "jurisdiction", "class"],
        &[["a", "A", "0101"], ["b", "B", "03"], ["c", "C", "0701"]],
    );
    plans.geometries = Some(vec![
        Some(rect(2000.0, 5100.0, 3000.0, 6100.0)),
        Some(rect(15100.0, 8000.0, 16100.0, 9000.0)),
        Some(rect(21500.0, 5100.0, 22500.0, 6100.0)),
    ]);
    Inputs::build(Region::new(
        "y",
        AnalysisCrs::albers_for_bounds(120.0, 30.0, 121.0, 31.0),
        vec![
            county("A", 0.0, 10_000.0),
            county("B", 10_000.0, 20_000.0),
            county("C", 20_000.0, 30_000.0),
        ],
        BTreeMap::from([
            ("rivers".to_string(), rivers),
            ("lakes".to_string(), lakes),
            ("plans".to_string(), plans),
        ]),
    ))
    .unwrap()
}

fn params() -> Params {
    let mut p = Params::defaults(&SPEC);
    p.set("decay", ParamValue::Text("TN=0.01,TP=0.02".into()));
    p.set("lake_retention", ParamValue::Text("TN=0.3,TP=0.5".into()));
    p.set("permutations", ParamValue::Number(9.0));
    p
}

fn close(a: f64, b: f64) -> bool {
    ((a - b) / b).abs() < 1e-9
}

#[test]
fn the_load_matrix_equals_the_hand_calculation_and_mass_is_conserved() {
    let out = run_rivers(&y_network(), &params()).unwrap();
    let matrix = out
        .tables
        .iter()
        .find(|t| t.name == "load_matrix_county")
        .unwrap();
    let row = |from: &str, to: &str| {
        let r = matrix
            .rows
            .iter()
            .find(|r| r[0].to_text() == from && r[1].to_text() == to && r[3].to_text() == "TN")
            .unwrap();
        (r[4].as_f64().unwrap(), r[5].as_f64().unwrap())
    };
    // TN export: paddy 27, forest 1.4, urban 6.3 kg/ha/yr (template) × 100 ha; k = 0.01/km.
    // Rivers are cut exactly at the borders (x = 10 km, 20 km): paddy's load travels 8 km in A,
    // forest's 4 km on r2 and 5 km on r3 before C; the lake (26–28 km) retains 30 % and has no
    // decay inside it.
    let (la, lb, lc, k, r) = (2700.0, 140.0, 630.0, 0.01f64, 0.3);
    let (own_ab, flux_ab) = row("A", "B");
    assert!(
        close(own_ab, la * (-8.0 * k).exp()) && close(flux_ab, own_ab),
        "{own_ab} {flux_ab}"
    );
    let (own_bc, flux_bc) = row("B", "C");
    assert!(close(own_bc, lb * (-9.0 * k).exp()), "{own_bc}");
    assert!(
        close(flux_bc, la * (-18.0 * k).exp() + lb * (-9.0 * k).exp()),
        "{flux_bc}"
    );
    assert_eq!(
        matrix
            .rows
            .iter()
            .filter(|r| r[3].to_text() == "TN")
            .count(),
        2
    );
    let tn = out.summary["mass_balance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["pollutant"] == "TN")
        .unwrap()
        .clone();
    let delivered =
        (la * (-25.0 * k).exp() + lb * (-16.0 * k).exp() + lc * (-7.0 * k).exp()) * (1.0 - r);
    assert!(
        close(tn["delivered_kg_per_yr"].as_f64().unwrap(), delivered),
        "{tn} {delivered}"
    );
    let sum = [
        "delivered_kg_per_yr",
        "decayed_kg_per_yr",
        "retained_kg_per_yr",
    ]
    .iter()
    .map(|f| tn[*f].as_f64().unwrap())
    .sum::<f64>();
    assert!(close(sum, la + lb + lc), "{tn}");
    assert!(
        tn["largest_origin_imbalance"].as_f64().unwrap() < 1e-12,
        "{tn}"
    );
    // The sources of B → C: origin A's paddy and origin B's forest, with their shares.
    let sources = table(&out, "load_sources_county");
    let at_bc: Vec<(String, String, f64)> = sources
        .rows
        .iter()
        .filter(|r| r[0].to_text() == "B" && r[1].to_text() == "C" && r[3].to_text() == "TN")
        .map(|r| (r[4].to_text(), r[5].to_text(), r[6].as_f64().unwrap()))
        .collect();
    assert_eq!(at_bc.len(), 2, "{at_bc:?}");
    assert_eq!(
        (at_bc[0].0.as_str(), at_bc[0].1.as_str()),
        ("A", "land use 01")
    );
    assert!(close(at_bc[0].2, la * (-18.0 * k).exp()));
    assert_eq!(
        (at_bc[1].0.as_str(), at_bc[1].1.as_str()),
        ("B", "land use 03")
    );
}

fn table<'a>(out: &'a AnalysisOutput, name: &str) -> &'a Table {
    out.tables
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no table {name}"))
}

#[test]
fn routing_conserves_mass_exactly() {
    let inputs = y_network();
    let region = &inputs.region;
    let locator = UnitLocator::new(region, Level::County);
    let lakes = lakes_of(region);
    let overlay = Overlay::new(region, Level::County, &locator, &lakes, BORDER_RIVER_M);
    let network = Network::new(&region.layers["rivers"], 10.0, &overlay);
    assert_eq!(network.order.len(), 3);
    let injection = |reach, segment, origin, kg| Injection {
        reach,
        segment,
        origin,
        source: 0,
        kg,
    };
    let injections = [
        injection(0, 0, 0, 1000.0),
        injection(1, 0, 1, 10.0),
        injection(2, 2, 2, 1.0),
    ];
    assert!(network.cycles.is_empty() && network.disconnected.is_empty());
    let rates = Rates {
        decay_per_km: 0.05,
        lake_retention: 0.4,
    };
    // Three counties, no ancestors.
    let chains: Vec<Vec<usize>> = (0..3).map(|u| vec![u]).collect();
    let routed = route(&network, &injections, &rates, &chains);
    for b in routed.balance.values() {
        let out = b.delivered + b.decayed + b.retained;
        assert!(((out - b.injected) / b.injected).abs() < 1e-12, "{b:?}");
    }
}

/// A 100 km river through ten 10 km counties; facilities at chosen distances from the exits.
fn long_river(facilities: &[(f64, &str)]) -> Inputs {
    let units: Vec<Jurisdiction> = (0..10)
        .map(|i| {
            county(
                &format!("U{i}"),
                i as f64 * 10_000.0,
                (i + 1) as f64 * 10_000.0,
            )
        })
        .collect();
    let coords: Vec<(f64, f64)> = (0..=400).map(|i| (i as f64 * 250.0, 5000.0)).collect();
    let mut rivers = Table::of_text("rivers", &["id"], &[["main"]]);
    rivers.geometries = Some(vec![Some(LineString::from(coords).into())]);
    let rows: Vec<[&str; 2]> = facilities.iter().map(|(_, kind)| ["f", *kind]).collect();
    let mut f = Table::of_text("facilities", &["id", "type"], &rows);
    f.geometries = Some(
        facilities
            .iter()
            .map(|(x, _)| Some(Point::new(*x, 5100.0).into()))
            .collect(),
    );
    Inputs::build(Region::new(
        "line",
        AnalysisCrs::albers_for_bounds(120.0, 30.0, 121.0, 31.0),
        units,
        BTreeMap::from([
            ("rivers".to_string(), rivers),
            ("facilities".to_string(), f),
        ]),
    ))
    .unwrap()
}

fn siting_of(inputs: &Inputs) -> serde_json::Value {
    let mut p = params();
    p.set("permutations", ParamValue::Number(199.0));
    run_rivers(inputs, &p).unwrap().summary["siting"].clone()
}

#[test]
fn facilities_planted_at_exits_are_detected_and_uniform_ones_are_not() {
    // Two chemical parks 1–3 km upstream of each of the nine exits.
    let planted: Vec<(f64, &str)> = (1..10)
        .flat_map(|i| {
            [
                (i as f64 * 10_000.0 - 1_100.0, "chemical_park"),
                (i as f64 * 10_000.0 - 2_900.0, "chemical_park"),
            ]
        })
        .collect();
    let s = siting_of(&long_river(&planted));
    assert!(s["rate_ratio_0_5_km"].as_f64().unwrap() > 5.0, "{s}");
    assert!(s["p_placebo"].as_f64().unwrap() < 0.05, "{s}");
    // One every 2.5 km, wherever the borders are.
    let uniform: Vec<(f64, &str)> = (0..40)
        .map(|i| (1_250.0 + i as f64 * 2_500.0, "chemical_park"))
        .collect();
    let s = siting_of(&long_river(&uniform));
    let rate_ratio = s["rate_ratio_0_5_km"].as_f64().unwrap();
    assert!((0.7..1.4).contains(&rate_ratio), "{s}");
    assert!(s["p_placebo"].as_f64().unwrap() > 0.1, "{s}");
}

#[test]
fn cycles_disconnected_pieces_and_uphill_reaches_are_named() {
    let mut rivers = Table::of_text(
        "rivers",
        &["id", "elevation_start", "elevation_end"],
        &[
            ["loop1", "5", "4"],
            ["loop2", "4", "5"],
            ["alone", "3", "1"],
        ],
    );
    rivers.geometries = Some(vec![
        Some(line_string![(x: 0.0, y: 0.0), (x: 1000.0, y: 0.0)].into()),
        Some(line_string![(x: 1000.0, y: 0.0), (x: 0.0, y: 0.0)].into()),
        Some(line_string![(x: 5000.0, y: 0.0), (x: 6000.0, y: 0.0)].into()),
    ]);
    let inputs = y_network();
    let region = &inputs.region;
    let locator = UnitLocator::new(region, Level::County);
    let overlay = Overlay::new(region, Level::County, &locator, &[], 0.0);
    let network = Network::new(&rivers, 10.0, &overlay);
    assert_eq!(
        network.cycles,
        vec!["river loop1 (feature 0)", "river loop2 (feature 1)"]
    );
    assert_eq!(
        network.disconnected,
        vec![vec!["river alone (feature 2)".to_string()]]
    );
    assert_eq!(
        network.uphill,
        vec!["river loop2 (feature 1): 4 m at its start, 5 m at its end"]
    );
}

/// The rivers analysis as `analyze` runs it: typed parameters, run, output.
fn run_rivers(inputs: &Inputs, values: &Params) -> Result<AnalysisOutput, AnalysisError> {
    let params = Rivers::params(values)?;
    let result = Rivers::run(inputs, &params, &Upstream::default())?;
    Rivers::output(inputs, &params, &result)
}

/// A unit of `level` covering the rectangle, inside `parent`.
fn unit(code: &str, level: Level, parent: Option<&str>, r: [f64; 4]) -> Jurisdiction {
    let Geometry::Polygon(p) = rect(r[0], r[1], r[2], r[3]) else {
        unreachable!()
    };
    Jurisdiction {
        code: code.into(),
        name: code.into(),
        level,
        parent: parent.map(str::to_string),
        geometry: MultiPolygon::new(vec![p]),
    }
}

/// A region of the given units, one river line, wastewater plants at the given points (TN
/// 100 000 kg/yr each, template), and lakes with residence times in years.
fn fixture(
    units: Vec<Jurisdiction>,
    river: &[(f64, f64)],
    plants: &[(f64, f64)],
    lakes: &[([f64; 4], &str)],
) -> Inputs {
    let mut rivers = Table::of_text("rivers", &["id"], &[["r"]]);
    rivers.geometries = Some(vec![Some(LineString::from(river.to_vec()).into())]);
    let rows: Vec<[&str; 2]> = plants.iter().map(|_| ["p", "wastewater_plant"]).collect();
    let mut facilities = Table::of_text("facilities", &["id", "type"], &rows);
    facilities.geometries = Some(
        plants
            .iter()
            .map(|(x, y)| Some(Point::new(*x, *y).into()))
            .collect(),
    );
    let mut layers = BTreeMap::from([
        ("rivers".to_string(), rivers),
        ("facilities".to_string(), facilities),
    ]);
    if !lakes.is_empty() {
        let rows: Vec<[&str; 2]> = lakes.iter().map(|(_, tau)| ["lake", *tau]).collect();
        let mut t = Table::of_text("lakes", &["name", "residence_time_yr"], &rows);
        t.geometries = Some(
            lakes
                .iter()
                .map(|(r, _)| Some(rect(r[0], r[1], r[2], r[3])))
                .collect(),
        );
        layers.insert("lakes".to_string(), t);
    }
    Inputs::build(Region::new(
        "fixture",
        AnalysisCrs::albers_for_bounds(120.0, 30.0, 121.0, 31.0),
        units,
        layers,
    ))
    .unwrap()
}

const PLANT_TN: f64 = 100_000.0;
const K_TN: f64 = 0.01;

/// TN rows of a load matrix: (from, to) → (load of `from`'s sources, all load crossing).
fn tn_matrix(out: &AnalysisOutput, level: &str) -> BTreeMap<(String, String), (f64, f64)> {
    table(out, &format!("load_matrix_{level}"))
        .rows
        .iter()
        .filter(|r| r[3].to_text() == "TN")
        .map(|r| {
            (
                (r[0].to_text(), r[1].to_text()),
                (r[4].as_f64().unwrap(), r[5].as_f64().unwrap()),
            )
        })
        .collect()
}

/// Every origin's TN balance closes to 1e-9 relative.
fn assert_balances_close(out: &AnalysisOutput) {
    for r in &table(out, "load_balance").rows {
        let v = |i: usize| r[i].as_f64().unwrap();
        let gap = (v(3) - v(4) - v(5) - v(6)).abs() / v(3);
        assert!(gap < 1e-9, "origin {}: {r:?}", r[0].to_text());
    }
}

/// Counties (no parent) covering the given rectangles.
fn counties(boxes: &[(&str, [f64; 4])]) -> Vec<Jurisdiction> {
    boxes
        .iter()
        .map(|(code, r)| unit(code, Level::County, None, *r))
        .collect()
}

fn county_row(codes: &[&str]) -> Vec<Jurisdiction> {
    codes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let x = i as f64 * 10_000.0;
            unit(c, Level::County, None, [x, 0.0, x + 10_000.0, 10_000.0])
        })
        .collect()
}

/// Issue 17: one straight river with one vertex in each of A, B, C: sections A→B and B→C only,
/// B's own load entering at B.
#[test]
fn a_straight_river_through_three_counties_crosses_each_border() {
    let river = [(5_000.0, 5_000.0), (15_000.0, 5_000.0), (25_000.0, 5_000.0)];
    // Plants beside the start of A's piece (5 km) and of B's (which starts at the border).
    let inputs = fixture(
        county_row(&["A", "B", "C"]),
        &river,
        &[(5_000.0, 5_100.0), (10_500.0, 5_100.0)],
        &[],
    );
    let out = run_rivers(&inputs, &params()).unwrap();
    let m = tn_matrix(&out, "county");
    assert_eq!(m.len(), 2, "{m:?}");
    let a_at_b = PLANT_TN * (-5.0 * K_TN).exp();
    let (own_ab, flux_ab) = m[&("A".into(), "B".into())];
    assert!(close(own_ab, a_at_b) && close(flux_ab, a_at_b), "{m:?}");
    let (own_bc, flux_bc) = m[&("B".into(), "C".into())];
    let b_at_c = PLANT_TN * (-10.0 * K_TN).exp();
    assert!(close(own_bc, b_at_c), "{m:?}");
    assert!(
        close(flux_bc, b_at_c + PLANT_TN * (-15.0 * K_TN).exp()),
        "{m:?}"
    );
    let sections = table(&out, "river_sections");
    let crossed: BTreeSet<(String, String)> = sections
        .rows
        .iter()
        .map(|r| (r[1].to_text(), r[2].to_text()))
        .collect();
    assert_eq!(
        crossed,
        BTreeSet::from([("A".into(), "B".into()), ("B".into(), "C".into())])
    );
    assert_balances_close(&out);
}

/// Issue 17: a river along the A|B border for 6 km, switching sides at every vertex, then into
/// C: no A↔B crossings, the load entering C shared by the two banks, the border river measured.
#[test]
fn a_border_river_counts_no_side_switches_and_is_shared_by_its_banks() {
    let units = counties(&[
        ("A", [0.0, 0.0, 10_000.0, 10_000.0]),
        ("B", [0.0, 10_000.0, 10_000.0, 20_000.0]),
        ("C", [10_000.0, 0.0, 20_000.0, 20_000.0]),
    ]);
    let river: Vec<(f64, f64)> = (0..=6)
        .map(|i| {
            let side = if i % 2 == 0 { 100.0 } else { -100.0 };
            (4_000.0 + i as f64 * 1_000.0, 10_000.0 + side)
        })
        .chain([(15_000.0, 10_100.0)])
        .collect();
    let inputs = fixture(units, &river, &[(4_000.0, 9_000.0)], &[]);
    let out = run_rivers(&inputs, &params()).unwrap();
    let m = tn_matrix(&out, "county");
    assert!(
        m.keys().all(|(from, to)| to == "C" && from != "C"),
        "only crossings into C: {m:?}"
    );
    let (own_ac, flux_ac) = m[&("A".into(), "C".into())];
    let (own_bc, flux_bc) = m[&("B".into(), "C".into())];
    assert!(
        close(flux_ac, flux_bc) && close(own_ac, flux_ac) && own_bc == 0.0,
        "{m:?}"
    );
    let length_km: f64 = river
        .windows(2)
        .take(6)
        .map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1) / 1000.0)
        .sum();
    let at_c = PLANT_TN * (-K_TN * length_km).exp();
    assert!(close(flux_ac + flux_bc, at_c), "{m:?} {at_c}");
    let border_km = out.summary["border_river_km"].as_f64().unwrap();
    assert!(
        (border_km - length_km).abs() < 1e-3,
        "{border_km} {length_km}"
    );
    assert_balances_close(&out);
}

/// Issue 17: a lake with a residence time of 4 years retains √4/(1 + √4) = 2/3 with no decay in
/// it; the river then reaches the sea (outside every unit): an outlet, not a crossing.
#[test]
fn a_lake_retains_by_vollenweider_and_the_sea_is_an_outlet() {
    let river = [
        (1_000.0, 5_000.0),
        (3_000.0, 5_000.0),
        (9_000.0, 5_000.0),
        (14_000.0, 5_000.0),
    ];
    let inputs = fixture(
        county_row(&["A"]),
        &river,
        &[(1_000.0, 5_100.0)],
        &[([4_000.0, 4_000.0, 6_000.0, 6_000.0], "4")],
    );
    let out = run_rivers(&inputs, &params()).unwrap();
    assert!(tn_matrix(&out, "county").is_empty());
    let balance = &table(&out, "load_balance").rows;
    let tn = balance.iter().find(|r| r[2].to_text() == "TN").unwrap();
    // 3 km of river before the lake, 2 km in it (no decay), 4 + 4 km to the sea and beyond.
    let before = PLANT_TN * (-3.0 * K_TN).exp();
    let retained = before * 2.0 / 3.0;
    let delivered = (before - retained) * (-8.0 * K_TN).exp();
    assert!(close(tn[6].as_f64().unwrap(), retained), "{tn:?}");
    assert!(close(tn[4].as_f64().unwrap(), delivered), "{tn:?}");
    assert_balances_close(&out);
}

/// Issue 17: A, a gap of 2 km outside every unit, then B: the crossing A → B is kept.
#[test]
fn a_gap_between_units_keeps_the_last_unit() {
    let units = counties(&[
        ("A", [0.0, 0.0, 10_000.0, 10_000.0]),
        ("B", [12_000.0, 0.0, 22_000.0, 10_000.0]),
    ]);
    let river = [(5_000.0, 5_000.0), (20_000.0, 5_000.0)];
    let inputs = fixture(units, &river, &[(5_000.0, 5_100.0)], &[]);
    let out = run_rivers(&inputs, &params()).unwrap();
    let m = tn_matrix(&out, "county");
    let (own, flux) = m[&("A".into(), "B".into())];
    let expected = PLANT_TN * (-7.0 * K_TN).exp();
    assert!(close(own, expected) && close(flux, expected), "{m:?}");
}

/// Issue 17: a plant standing in A whose nearest reach lies in B crosses A → B overland; the
/// siting test reports it apart, as discharging into a neighbour's reach (issue 38).
#[test]
fn a_source_in_a_entering_a_reach_in_b_crosses_overland() {
    let river = [(11_000.0, 5_000.0), (19_000.0, 5_000.0)];
    let inputs = fixture(county_row(&["A", "B"]), &river, &[(9_500.0, 5_000.0)], &[]);
    let out = run_rivers(&inputs, &params()).unwrap();
    let m = tn_matrix(&out, "county");
    let (own, flux) = m[&("A".into(), "B".into())];
    assert!(close(own, PLANT_TN) && close(flux, PLANT_TN), "{m:?}");
    assert!(table(&out, "river_sections").rows.is_empty());
    let tn = out.summary["mass_balance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["pollutant"] == "TN")
        .unwrap();
    assert!(close(
        tn["overland_crossing_kg_per_yr"].as_f64().unwrap(),
        PLANT_TN
    ));
    let bands = &table(&out, "siting_bands").rows[0];
    assert_eq!(
        (bands[1].as_f64(), bands[2].as_f64()),
        (Some(0.0), Some(0.0))
    );
    assert_eq!(out.summary["siting"]["into_neighbour_reach"]["count"], 1);
}

/// Province level: counties of two provinces; the province matrix sums the county crossings
/// and keeps each origin's province.
#[test]
fn the_province_matrix_and_sources_sum_the_counties() {
    let units = vec![
        unit("P", Level::Province, None, [0.0, 0.0, 20_000.0, 10_000.0]),
        unit(
            "Q",
            Level::Province,
            None,
            [20_000.0, 0.0, 30_000.0, 10_000.0],
        ),
        unit(
            "A",
            Level::County,
            Some("P"),
            [0.0, 0.0, 10_000.0, 10_000.0],
        ),
        unit(
            "B",
            Level::County,
            Some("P"),
            [10_000.0, 0.0, 20_000.0, 10_000.0],
        ),
        unit(
            "C",
            Level::County,
            Some("Q"),
            [20_000.0, 0.0, 30_000.0, 10_000.0],
        ),
    ];
    let river = [(5_000.0, 5_000.0), (15_000.0, 5_000.0), (25_000.0, 5_000.0)];
    let inputs = fixture(units, &river, &[(5_000.0, 5_100.0)], &[]);
    let out = run_rivers(&inputs, &params()).unwrap();
    let m = tn_matrix(&out, "province");
    let (own, flux) = m[&("P".into(), "Q".into())];
    let expected = PLANT_TN * (-15.0 * K_TN).exp();
    assert!(close(own, expected) && close(flux, expected), "{m:?}");
    let sources = table(&out, "load_sources_province");
    let row = sources
        .rows
        .iter()
        .find(|r| r[3].to_text() == "TN")
        .unwrap();
    assert_eq!(row[4].to_text(), "P");
    assert_eq!(row[5].to_text(), "facility wastewater_plant");
    assert!(close(row[7].as_f64().unwrap(), 1.0));
}

/// Issue 38: A (x 0–10 km) and B (10–20 km); a river meandering A → B → A → B: east along y = 2
/// km from x = 5 km to 15 km, north to y = 5 km, west to x = 5 km, north to y = 8 km, east to
/// x = 15 km. A plant in A at its start and one in B on its northward piece in B, 100 t/yr TN
/// each, no decay.
fn meander() -> Inputs {
    let river = [
        (5_000.0, 2_000.0),
        (15_000.0, 2_000.0),
        (15_000.0, 5_000.0),
        (5_000.0, 5_000.0),
        (5_000.0, 8_000.0),
        (15_000.0, 8_000.0),
    ];
    let plants = [(5_000.0, 1_900.0), (15_100.0, 3_500.0)];
    fixture(county_row(&["A", "B"]), &river, &plants, &[])
}

fn no_decay() -> Params {
    let mut p = params();
    p.set("decay", ParamValue::Text("TN=0,TP=0".into()));
    p
}

/// TN rows of `load_sources_<level>` from `from` into `to`: (origin, load, share).
fn tn_sources(out: &AnalysisOutput, level: &str, from: &str, to: &str) -> Vec<(String, f64, f64)> {
    table(out, &format!("load_sources_{level}"))
        .rows
        .iter()
        .filter(|r| r[0].to_text() == from && r[1].to_text() == to && r[3].to_text() == "TN")
        .map(|r| {
            (
                r[4].to_text(),
                r[6].as_f64().unwrap(),
                r[7].as_f64().unwrap(),
            )
        })
        .collect()
}

/// Issue 38, by hand: A's parcel crosses A → B twice and B → A once, B's parcel B → A once and
/// A → B once. The load A → B is A's 100 t once (the old count, 200 t, took it at both
/// crossings); B → A is B's 100 t (A's parcel going home is no flow into A); the flux stays
/// gross (A → B: A's parcel twice and B's once, 300 t; B → A 200 t), the net ±100 t. The sources
/// of each crossing are the other bank's parcel only, counted once.
#[test]
fn a_meandering_river_counts_each_parcel_once_per_receiving_unit() {
    let out = run_rivers(&meander(), &no_decay()).unwrap();
    let m = tn_matrix(&out, "county");
    assert_eq!(
        m[&("A".into(), "B".into())],
        (PLANT_TN, 3.0 * PLANT_TN),
        "{m:?}"
    );
    assert_eq!(
        m[&("B".into(), "A".into())],
        (PLANT_TN, 2.0 * PLANT_TN),
        "{m:?}"
    );
    let net: BTreeMap<(String, String), f64> = table(&out, "load_matrix_county")
        .rows
        .iter()
        .filter(|r| r[3].to_text() == "TN")
        .map(|r| ((r[0].to_text(), r[1].to_text()), r[6].as_f64().unwrap()))
        .collect();
    assert_eq!(
        net,
        BTreeMap::from([
            (("A".into(), "B".into()), PLANT_TN),
            (("B".into(), "A".into()), -PLANT_TN),
        ])
    );
    let plant = |origin: &str| vec![(origin.to_string(), PLANT_TN, 1.0)];
    assert_eq!(tn_sources(&out, "county", "A", "B"), plant("A"));
    assert_eq!(tn_sources(&out, "county", "B", "A"), plant("B"));
    assert_balances_close(&out);
}

/// Issue 38 across levels: province P holds county A1 (x 0–10 km), province Q counties B1 (x
/// 10–20 km, y 0–5 km) and B2 (y 5–10 km). The river runs A1 → B1 → A1 → B2 with a plant in A1,
/// no decay. At county level the parcel enters B1 and B2 once each (100 t each; going back into
/// A1 carries no load of A1's); at province level it enters Q once: P → Q 100 t of load in 200 t
/// of flux (the old count took 200 t), Q → P no load in 100 t, net ±100 t.
#[test]
fn a_parcel_entering_a_province_twice_through_two_counties_counts_once_there() {
    let province = |code, r| unit(code, Level::Province, None, r);
    let county = |code, parent, r| unit(code, Level::County, Some(parent), r);
    let units = vec![
        province("P", [0.0, 0.0, 10_000.0, 10_000.0]),
        province("Q", [10_000.0, 0.0, 20_000.0, 10_000.0]),
        county("A1", "P", [0.0, 0.0, 10_000.0, 10_000.0]),
        county("B1", "Q", [10_000.0, 0.0, 20_000.0, 5_000.0]),
        county("B2", "Q", [10_000.0, 5_000.0, 20_000.0, 10_000.0]),
    ];
    let river = [
        (5_000.0, 2_000.0),
        (15_000.0, 2_000.0),
        (15_000.0, 3_000.0),
        (5_000.0, 3_000.0),
        (5_000.0, 8_000.0),
        (15_000.0, 8_000.0),
    ];
    let inputs = fixture(units, &river, &[(5_000.0, 1_900.0)], &[]);
    let out = run_rivers(&inputs, &no_decay()).unwrap();
    let counties = tn_matrix(&out, "county");
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        counties,
        BTreeMap::from([
            (pair("A1", "B1"), (PLANT_TN, PLANT_TN)),
            (pair("B1", "A1"), (0.0, PLANT_TN)),
            (pair("A1", "B2"), (PLANT_TN, PLANT_TN)),
        ])
    );
    let provinces = tn_matrix(&out, "province");
    assert_eq!(
        provinces,
        BTreeMap::from([
            (pair("P", "Q"), (PLANT_TN, 2.0 * PLANT_TN)),
            (pair("Q", "P"), (0.0, PLANT_TN)),
        ])
    );
    assert_eq!(
        tn_sources(&out, "province", "P", "Q"),
        vec![("P".to_string(), PLANT_TN, 1.0)]
    );
    assert!(tn_sources(&out, "province", "Q", "P").is_empty());
}

/// Issue 38: load-based compensation pays on the load counted once. On the meander A pays B
/// 2 yuan/kg above 40 t: (100 t − 40 t) × 2 = 120,000 yuan (the old count, 200 t, made it
/// 320,000).
#[test]
fn load_based_compensation_pays_on_each_parcel_once() {
    use crate::analysis::find;
    use crate::model::schemes::{LoadBased, Scheme};

    let mut inputs = meander();
    inputs.model.schemes = vec![Scheme::LoadBased(LoadBased {
        name: "meander".into(),
        rule: "load_based".into(),
        from: "A".into(),
        to: "B".into(),
        pollutant: "TN".into(),
        allowance_kg: 40_000.0,
        price_yuan_per_kg: 2.0,
    })];
    let rivers = (find("rivers").unwrap().run)(&inputs, &no_decay(), &Upstream::default()).unwrap();
    let compensation = find("compensation").unwrap();
    let upstream = Upstream::new(vec![rivers.result.as_ref()]);
    let out = (compensation.run)(&inputs, &Params::defaults(compensation.spec), &upstream)
        .unwrap()
        .output;
    let ledger = table(&out, "compensation_ledger");
    let paid: Vec<(String, String, f64)> = ledger
        .rows
        .iter()
        .map(|r| (r[5].to_text(), r[6].to_text(), r[7].as_f64().unwrap()))
        .collect();
    assert_eq!(paid, vec![("A".to_string(), "B".to_string(), 120_000.0)]);
}
