//! A hand-made Y network across three counties with a lake, and planted siting patterns.

use std::collections::BTreeMap;

use geo::{line_string, polygon, Geometry, MultiPolygon, Point};

use super::*;
use crate::crs::AnalysisCrs;
use crate::region::Jurisdiction;
use crate::spec::ParamValue;

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Geometry {
    polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)].into()
}

fn county(code: &str, x0: f64, x1: f64) -> Jurisdiction {
    let Geometry::Polygon(p) = rect(x0, 0.0, x1, 10_000.0) else {
        unreachable!()
    };
    Jurisdiction {
        code: code.into(),
        name: code.into(),
        level: Level::County,
        parent: None,
        geometry: MultiPolygon::new(vec![p]),
    }
}

/// A (0–10 km), B (10–20 km), C (20–30 km). r1 flows east through A into B (7 km in A, 6 km in
/// B), r2 joins it from the north in B (4 km); r3 leaves the confluence (4 km in B, 6 km in C,
/// then 4 km through a lake in C). Zones: 100 ha of paddy in A by r1, 100 ha of forest in B by
/// r2, 100 ha of housing in C by r3's second segment.
fn y_network() -> Region {
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
    Region::new(
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
    )
    .with_model()
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
    let (la, lb, lc, k, r) = (2700.0, 140.0, 630.0, 0.01f64, 0.3);
    let (own_ab, flux_ab) = row("A", "B");
    assert!(
        close(own_ab, la * (-7.0 * k).exp()) && close(flux_ab, own_ab),
        "{own_ab} {flux_ab}"
    );
    let (own_bc, flux_bc) = row("B", "C");
    assert!(close(own_bc, lb * (-8.0 * k).exp()), "{own_bc}");
    assert!(
        close(flux_bc, la * (-17.0 * k).exp() + lb * (-8.0 * k).exp()),
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
    let delivered = (la * (-23.0 * k).exp() + lb * (-14.0 * k).exp() + lc * (-6.0 * k).exp())
        * (1.0 - r)
        * (-4.0 * k).exp();
    assert!(
        (tn["delivered_kg_per_yr"].as_f64().unwrap() - delivered).abs() < 1e-3,
        "{tn}"
    );
    let sum = [
        "delivered_kg_per_yr",
        "decayed_kg_per_yr",
        "retained_kg_per_yr",
    ]
    .iter()
    .map(|f| tn[*f].as_f64().unwrap())
    .sum::<f64>();
    assert!((sum - (la + lb + lc)).abs() < 1e-2, "{tn}");
}

#[test]
fn routing_conserves_mass_exactly() {
    let region = y_network();
    let locator = UnitLocator::new(&region, Level::County);
    let lake = region.layers["lakes"].geometry(0).unwrap();
    let lakes = vec![(lake.bounding_rect().unwrap(), lake)];
    let network = Network::new(&region.layers["rivers"], 10.0, &locator, &lakes);
    assert_eq!(network.order.len(), 3);
    let injections = [
        Injection {
            reach: 0,
            segment: 0,
            origin: 0,
            kg: 1000.0,
        },
        Injection {
            reach: 1,
            segment: 0,
            origin: 1,
            kg: 10.0,
        },
        Injection {
            reach: 2,
            segment: 2,
            origin: 2,
            kg: 1.0,
        },
    ];
    assert!(network.cycles.is_empty() && network.disconnected.is_empty());
    let routed = route(&network, &injections, 0.05, 0.4);
    let out = routed.delivered + routed.decayed + routed.retained;
    assert!(((out - routed.injected) / routed.injected).abs() < 1e-12);
}

/// A 100 km river through ten 10 km counties; facilities at chosen distances from the exits.
fn long_river(facilities: &[(f64, &str)]) -> Region {
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
    Region::new(
        "line",
        AnalysisCrs::albers_for_bounds(120.0, 30.0, 121.0, 31.0),
        units,
        BTreeMap::from([
            ("rivers".to_string(), rivers),
            ("facilities".to_string(), f),
        ]),
    )
    .with_model()
    .unwrap()
}

fn siting_of(region: &Region) -> serde_json::Value {
    let mut p = params();
    p.set("permutations", ParamValue::Number(199.0));
    run_rivers(region, &p).unwrap().summary["siting"].clone()
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
    assert!(s["irr_0_5_km"].as_f64().unwrap() > 10.0, "{s}");
    assert!(s["p_placebo"].as_f64().unwrap() < 0.05, "{s}");
    // One every 2.5 km, wherever the borders are.
    let uniform: Vec<(f64, &str)> = (0..40)
        .map(|i| (1_250.0 + i as f64 * 2_500.0, "chemical_park"))
        .collect();
    let s = siting_of(&long_river(&uniform));
    let irr = s["irr_0_5_km"].as_f64().unwrap();
    assert!((0.7..1.4).contains(&irr), "{s}");
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
    let region = y_network();
    let locator = UnitLocator::new(&region, Level::County);
    let network = Network::new(&rivers, 10.0, &locator, &[]);
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
fn run_rivers(region: &Region, values: &Params) -> Result<AnalysisOutput, AnalysisError> {
    let params = Rivers::params(values)?;
    let result = Rivers::run(region, &params, &Upstream::default())?;
    Rivers::output(region, &params, &result)
}
