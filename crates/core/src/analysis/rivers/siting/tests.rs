//! The band test on hand-made rivers: where a discharge is measured from, what is reported
//! apart, and where the statistic sits when facilities are placed by the placebo's own rule.

use std::collections::BTreeMap;

use geo::{LineString, Point};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

use super::super::{AnalysisModule, AnalysisOutput, Params, Rivers, Upstream, SPEC};
use crate::crs::AnalysisCrs;
use crate::inputs::Inputs;
use crate::region::Region;
use crate::spec::ParamValue;
use crate::table::Table;
use crate::test_fixtures::rect_county;

/// Counties 10 km tall at the given x ranges (m), one river line, chemical parks at the points.
fn region(units: &[(&str, f64, f64)], river: &[(f64, f64)], parks: &[(f64, f64)]) -> Inputs {
    let units = units
        .iter()
        .map(|(code, x0, x1)| rect_county(code, *x0, 0.0, *x1, 10_000.0))
        .collect();
    let mut rivers = Table::of_text("rivers", &["id"], &[["r"]]);
    rivers.geometries = Some(vec![Some(LineString::from(river.to_vec()).into())]);
    let ids: Vec<String> = (0..parks.len()).map(|i| format!("f{i}")).collect();
    let rows: Vec<[&str; 2]> = ids
        .iter()
        .map(|id| [id.as_str(), "chemical_park"])
        .collect();
    let mut facilities = Table::of_text("facilities", &["id", "type"], &rows);
    facilities.geometries = Some(
        parks
            .iter()
            .map(|(x, y)| Some(Point::new(*x, *y).into()))
            .collect(),
    );
    Inputs::build(Region::new(
        "siting",
        AnalysisCrs::albers_for_bounds(120.0, 30.0, 121.0, 31.0),
        units,
        BTreeMap::from([
            ("rivers".to_string(), rivers),
            ("facilities".to_string(), facilities),
        ]),
    ))
    .unwrap()
}

fn run(inputs: &Inputs, permutations: usize, seed: u64) -> AnalysisOutput {
    let mut values = Params::defaults(&SPEC);
    values.set("permutations", ParamValue::Number(permutations as f64));
    values.set("seed", ParamValue::Number(seed as f64));
    let params = Rivers::params(&values).unwrap();
    let result = Rivers::run(inputs, &params, &Upstream::default()).unwrap();
    Rivers::output(inputs, &params, &result).unwrap()
}

/// The `siting_bands` rows, each as column → number (`None`: empty).
fn bands(out: &AnalysisOutput) -> Vec<BTreeMap<String, Option<f64>>> {
    let t = out
        .tables
        .iter()
        .find(|t| t.name == "siting_bands")
        .unwrap();
    t.rows
        .iter()
        .map(|r| {
            t.columns
                .iter()
                .zip(r)
                .map(|(c, v)| (c.name.clone(), v.as_f64()))
                .collect()
        })
        .collect()
}

fn column(rows: &[BTreeMap<String, Option<f64>>], name: &str) -> Vec<Option<f64>> {
    rows.iter().map(|r| r[name]).collect()
}

/// A (0–10 km), B (10–20 km), C (20–30 km). The river runs north through A 1 km west of B,
/// from y = 0.5 km to 8 km, then east through A (1 km), B (10 km) and C (9 km). Park f0 stands
/// in B at (10.3, 2) km: its nearest river is A's, at (9, 2) km, 1.3 km away (B's river is 6 km
/// away), so it discharges into A's reach and its flow reaches B 6 + 1 = 7 km further down.
/// Park f1 stands in B by B's river at x = 17.3 km: 2.7 km above B's exit, 7.3 km below its
/// entry.
#[test]
fn a_park_discharging_into_a_neighbours_reach_is_apart_and_distances_start_at_the_discharge() {
    let inputs = region(
        &[
            ("A", 0.0, 10_000.0),
            ("B", 10_000.0, 20_000.0),
            ("C", 20_000.0, 30_000.0),
        ],
        &[(9_000.0, 500.0), (9_000.0, 8_000.0), (29_000.0, 8_000.0)],
        &[(10_300.0, 2_000.0), (17_300.0, 8_100.0)],
    );
    let out = run(&inputs, 999, 7);
    let s = &out.summary["siting"];
    assert_eq!(s["polluting_facilities_on_rivers"], 2, "{s}");
    assert_eq!(s["on_own_river"], 1, "{s}");
    let apart = &s["into_neighbour_reach"];
    assert_eq!(apart["count"], 1, "{s}");
    let f0 = &apart["facilities"][0];
    assert_eq!(
        (&f0["id"], &f0["unit"], &f0["reach_unit"]),
        (&"f0".into(), &"B".into(), &"A".into())
    );
    assert!(
        (f0["km_down_the_flow_to_own_unit"].as_f64().unwrap() - 7.0).abs() < 1e-9,
        "{s}"
    );
    assert_eq!(s["into_reach_outside_every_unit"]["count"], 0, "{s}");
    // Only f1 is in the bands: exit 2.7 km (0–5), entry 7.3 km (5–10). Measured from the start
    // of B's piece it would be 10 km from the exit and 0 from the entry; counted by its reach,
    // f0 would be 0 km from both.
    let rows = bands(&out);
    let n = |v: Vec<Option<f64>>| v.into_iter().map(Option::unwrap).collect::<Vec<_>>();
    assert_eq!(n(column(&rows, "from_exit")), [1.0, 0.0, 0.0, 0.0]);
    assert_eq!(n(column(&rows, "from_entry")), [0.0, 1.0, 0.0, 0.0]);
    // The placebo draws f1 alone, uniformly on B's 10 km: half of the draws in each of the
    // first two bands, never farther.
    for side in ["expected_from_exit", "expected_from_entry"] {
        let e = n(column(&rows, side));
        assert!(
            (e[0] + e[1] - 1.0).abs() < 1e-9 && e[2] == 0.0 && e[3] == 0.0,
            "{side} {e:?}"
        );
        assert!((e[0] - 0.5).abs() < 0.06, "{side} {e:?}");
    }
}

/// Units of 60, 30, 15 and 60 km along a 165 km river, half the parks in the headwater unit
/// (it has exits and no entry). Each of 300 runs places every park at a uniformly random point
/// of its unit's river, the placebo's own rule: the centred rate ratio of every band averages
/// 1, while the uncentred one (the pooled river km as exposure) does not.
#[test]
fn under_the_placebos_own_rule_every_band_centres_on_one_with_an_interval() {
    let units = [
        ("U0", 0.0, 60_000.0),
        ("U1", 60_000.0, 90_000.0),
        ("U2", 90_000.0, 105_000.0),
        ("U3", 105_000.0, 165_000.0),
    ];
    let parks_in = [30, 10, 10, 10];
    let river: Vec<(f64, f64)> = (0..=165).map(|i| (i as f64 * 1_000.0, 5_000.0)).collect();
    let mut rng = Pcg64::seed_from_u64(38);
    let runs = 300;
    let (mut centred, mut uncentred) = ([0.0; 4], [0.0; 4]);
    for run_no in 0..runs {
        let parks: Vec<(f64, f64)> = units
            .iter()
            .zip(parks_in)
            .flat_map(|((_, x0, x1), n)| {
                (0..n)
                    .map(|_| (x0 + (x1 - x0) * rng.random::<f64>(), 5_010.0))
                    .collect::<Vec<_>>()
            })
            .collect();
        let out = run(&region(&units, &river, &parks), 199, run_no);
        assert_eq!(out.summary["siting"]["on_own_river"], 60);
        for (b, r) in bands(&out).iter().enumerate() {
            let v = |c: &str| r[c].unwrap_or_else(|| panic!("band {b}: no {c}"));
            assert!(
                v("placebo_low") < 1.0 && 1.0 < v("placebo_high") && v("p_placebo") > 0.0,
                "{r:?}"
            );
            centred[b] += v("rate_ratio") / runs as f64;
            uncentred[b] += (v("from_exit") + 0.5)
                / v("exit_river_km")
                / ((v("from_entry") + 0.5) / v("entry_river_km"))
                / runs as f64;
        }
    }
    for b in 0..4 {
        assert!(
            (centred[b] - 1.0).abs() < 0.06,
            "centred {centred:?}, uncentred {uncentred:?}"
        );
    }
    assert!(
        uncentred[0] > 1.2 && uncentred[3] > 1.8,
        "uncentred {uncentred:?}"
    );
}
