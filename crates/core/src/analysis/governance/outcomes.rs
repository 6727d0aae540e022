//! Outcomes: did coordination across a border improve after an arrangement came to cover it?
//!
//! # Method [P]
//! An outcome is a measure of each border over time: the coordination degree of its two sides per
//! year, D_border (from `synergy`), and, per plan version (read as its year), the number of
//! plan-dependent conflicts and the plan consistency (from `conflicts`). A border is *treated* in
//! year T when an arrangement covering it starts in T, inside the panel but after its first year
//! (so there is a before); borders that no new arrangement covers during the panel are *controls*.
//! - Change of a border around year Y: Δ(Y) = mean D over years ≥ Y − mean D over years < Y.
//! - Stacked difference-in-differences: DiD = mean over treated borders b of
//!   [Δ_b(T_b) − mean over controls c of Δ_c(T_b)].
//! - Permutation interval: treatment years are reassigned at random among all borders (seeded),
//!   DiD recomputed; the 2.5–97.5 % range of the permuted DiD is the interval under no effect, and
//!   p is the pseudo p-value of the observed DiD against the permuted ones under `alternative`
//!   (default `folded`: |DiD − mean| at least as large, esda's folded form).
//! - A treated border is improved / worsened when Δ_b − mean control Δ exceeds ± the measure's
//!   threshold in its good direction (up for D and consistency, down for conflicts), else
//!   unchanged. By goal orientation: the same DiD over treated borders whose first new
//!   arrangement has that goal.
//! - Assumption: covered and uncovered borders would have followed parallel trends. It is not
//!   tested, and the permutation interval does not protect against its failure: arrangements
//!   choose their borders (a basin regulation covers exactly the cross-province borders), so a
//!   "significant" DiD can reflect where borders are, not what arrangements did.
//!
//! # References
//! - Angrist, J. D. & Pischke, J.-S. (2009) *Mostly Harmless Econometrics*, ch. 5 (DiD).
//! - Fisher, R. A. (1935) *The Design of Experiments* (randomisation inference).

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_pcg::Pcg64;
use serde_json::json;

use crate::analysis::conflicts::consistency::BorderConsistency;
use crate::analysis::synergy::BorderCoordination;
use crate::error::AnalysisError;
use crate::model::registry::covering;
use crate::model::registry::Arrangement;
use crate::region::Region;
use crate::stats::significance::{pseudo_p, Alternative};
use crate::table::{round_to, Column, ColumnType, Table, Value};

/// D_border by border (a, b) and year.
type BorderSeries = BTreeMap<(String, String), BTreeMap<i64, f64>>;

/// A border measure over time, and how to read its changes.
pub struct Measure {
    /// Its name in the outputs (`D_border`, `conflicts`, `plan_consistency`).
    pub name: &'static str,
    pub description: &'static str,
    /// Whether a rise is an improvement.
    pub higher_is_better: bool,
    /// The effect beyond which a treated border counts as improved or worsened.
    pub threshold: f64,
    pub series: BorderSeries,
    /// Why the comparison only demonstrates the method, when it rests on synthetic layers.
    pub synthetic: Option<&'static str>,
}

/// D_border by border and year, from synergy's border coordination.
pub fn coordination(rows: &[BorderCoordination], threshold: f64, synthetic: bool) -> Measure {
    let mut series = BorderSeries::new();
    for row in rows {
        series
            .entry((row.a.clone(), row.b.clone()))
            .or_default()
            .insert(row.year, row.d_border);
    }
    Measure {
        name: "D_border",
        description: "coordination degree of the border's two sides (D_border, synergy)",
        higher_is_better: true,
        threshold,
        series,
        synthetic: synthetic.then_some(
            "D_border comes from SYNTHETIC indicators: this comparison demonstrates the method and says nothing about the region",
        ),
    }
}

/// Plan consistency and the number of plan-dependent conflicts per border and plan version (the
/// version read as a year; versions that are not years are left out), from the `conflicts`
/// analysis. Every border with a consistency is counted, with 0 where it has no conflict.
pub fn plan_measures(
    region: &Region,
    consistency: &[BorderConsistency],
    conflicts_by_border: &BTreeMap<(String, String), BTreeMap<String, usize>>,
    threshold: f64,
    synthetic: bool,
) -> Vec<Measure> {
    let mut shares = BorderSeries::new();
    let mut counts = BorderSeries::new();
    for row in consistency {
        let Ok(year) = row.plan.trim().parse::<i64>() else {
            continue;
        };
        let key = (
            region.jurisdictions[row.a].code.clone(),
            region.jurisdictions[row.b].code.clone(),
        );
        shares
            .entry(key.clone())
            .or_default()
            .insert(year, row.consistent_share);
        counts.entry(key).or_default().insert(year, 0.0);
    }
    for (border, by_plan) in conflicts_by_border {
        for (plan, n) in by_plan {
            let Ok(year) = plan.trim().parse::<i64>() else {
                continue;
            };
            if let Some(series) = counts.get_mut(border) {
                *series.entry(year).or_default() += *n as f64;
            }
        }
    }
    let note = synthetic.then_some(
        "the plans are SYNTHETIC: this comparison demonstrates the method and says nothing about the region",
    );
    vec![
        Measure {
            name: "conflicts",
            description: "plan-dependent conflicts across the border (conflicts)",
            higher_is_better: false,
            threshold: 0.5,
            series: counts,
            synthetic: note,
        },
        Measure {
            name: "plan_consistency",
            description:
                "share of the border where the plans facing each other are compatible (conflicts)",
            higher_is_better: true,
            threshold,
            series: shares,
            synthetic: note,
        },
    ]
}

/// Δ(Y): mean after minus mean before; `None` without years on both sides.
fn change(series: &BTreeMap<i64, f64>, split: i64) -> Option<f64> {
    let mean = |it: Vec<f64>| (!it.is_empty()).then(|| it.iter().sum::<f64>() / it.len() as f64);
    let before = mean(series.range(..split).map(|(_, v)| *v).collect())?;
    let after = mean(series.range(split..).map(|(_, v)| *v).collect())?;
    Some(after - before)
}

/// DiD of the treated (border index, year) against the controls, from precomputed changes.
fn did(
    treated: &[(usize, i64)],
    controls: &[usize],
    changes: &BTreeMap<i64, Vec<Option<f64>>>,
) -> Option<f64> {
    let mut effects = Vec::new();
    for &(b, year) in treated {
        let row = &changes[&year];
        let control: Vec<f64> = controls.iter().filter_map(|&c| row[c]).collect();
        if let (Some(own), false) = (row[b], control.is_empty()) {
            effects.push(own - control.iter().sum::<f64>() / control.len() as f64);
        }
    }
    (!effects.is_empty()).then(|| effects.iter().sum::<f64>() / effects.len() as f64)
}

/// Settings of the outcome comparison.
#[derive(Debug, Clone)]
pub struct OutcomeSettings {
    pub permutations: usize,
    pub seed: u64,
    pub alternative: Alternative,
}

/// The per-border outcome table and the summary.
pub fn outcomes(
    region: &Region,
    arrangements: &[Arrangement],
    measure: &Measure,
    settings: &OutcomeSettings,
    table: &mut Table,
) -> Result<serde_json::Value, AnalysisError> {
    let series = &measure.series;
    let years: Vec<i64> = series.values().flat_map(|s| s.keys().copied()).collect();
    let (Some(&first), Some(&last)) = (years.iter().min(), years.iter().max()) else {
        return Err(AnalysisError::Input(format!(
            "no {} to compare",
            measure.description
        )));
    };
    let borders: Vec<&(String, String)> = series.keys().collect();
    // Treatment: the first arrangement covering the border that starts inside the panel.
    let mut treated: Vec<(usize, i64)> = Vec::new();
    let mut treatment: BTreeMap<usize, (i64, String, String)> = BTreeMap::new();
    let mut controls = Vec::new();
    for (i, (a, b)) in borders.iter().map(|k| (&k.0, &k.1)).enumerate() {
        let new: Vec<&Arrangement> = covering(region, arrangements, a, b)
            .into_iter()
            .filter(|arr| (arr.start.year as i64) > first && (arr.start.year as i64) <= last)
            .collect();
        match new.iter().map(|arr| arr.start.year as i64).min() {
            Some(year) => {
                let firsts: Vec<&&Arrangement> = new
                    .iter()
                    .filter(|arr| arr.start.year as i64 == year)
                    .collect();
                let mut goals: Vec<&str> = firsts.iter().map(|arr| arr.goal.as_str()).collect();
                goals.sort_unstable();
                goals.dedup();
                let goal = if goals.len() == 1 {
                    goals[0].to_string()
                } else {
                    "mixed".to_string()
                };
                let ids = firsts
                    .iter()
                    .map(|arr| arr.id.clone())
                    .collect::<Vec<_>>()
                    .join(";");
                treated.push((i, year));
                treatment.insert(i, (year, goal, ids));
            }
            None => controls.push(i),
        }
    }
    let split_years: Vec<i64> = {
        let mut y: Vec<i64> = treated.iter().map(|t| t.1).collect();
        y.sort_unstable();
        y.dedup();
        y
    };
    let changes: BTreeMap<i64, Vec<Option<f64>>> = split_years
        .iter()
        .map(|&y| (y, borders.iter().map(|k| change(&series[*k], y)).collect()))
        .collect();
    let observed = did(&treated, &controls, &changes);

    let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_goal: BTreeMap<String, Vec<(usize, i64)>> = BTreeMap::new();
    for &(b, year) in &treated {
        let (_, goal, ids) = &treatment[&b];
        by_goal.entry(goal.clone()).or_default().push((b, year));
        let own = changes[&year][b];
        let control: Vec<f64> = controls.iter().filter_map(|&c| changes[&year][c]).collect();
        let control_mean =
            (!control.is_empty()).then(|| control.iter().sum::<f64>() / control.len() as f64);
        let effect = own.zip(control_mean).map(|(o, c)| o - c);
        let sign = if measure.higher_is_better { 1.0 } else { -1.0 };
        let class = match effect.map(|e| e * sign) {
            Some(e) if e > measure.threshold => "improved",
            Some(e) if e < -measure.threshold => "worsened",
            Some(_) => "unchanged",
            None => "undetermined",
        };
        *classes.entry(class).or_default() += 1;
        let r = |x: Option<f64>| Value::from(x.map(|v| round_to(v, 9)));
        table.push(
            vec![
                measure.name.into(),
                borders[b].0.as_str().into(),
                borders[b].1.as_str().into(),
                Value::Int(year),
                goal.as_str().into(),
                ids.as_str().into(),
                r(own),
                r(control_mean),
                r(effect),
                class.into(),
            ],
            None,
        );
    }

    // Permutation: the same treatment years, assigned to random borders.
    let mut rng = Pcg64::seed_from_u64(settings.seed);
    let mut pool: Vec<usize> = (0..borders.len()).collect();
    let mut permuted = Vec::with_capacity(settings.permutations);
    if observed.is_some() {
        for _ in 0..settings.permutations {
            pool.shuffle(&mut rng);
            let fake: Vec<(usize, i64)> = pool
                .iter()
                .zip(&treated)
                .map(|(&b, &(_, y))| (b, y))
                .collect();
            let fake_controls: Vec<usize> = pool[treated.len()..].to_vec();
            if let Some(d) = did(&fake, &fake_controls, &changes) {
                permuted.push(d);
            }
        }
    }
    permuted.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        (!permuted.is_empty()).then(|| {
            round_to(
                permuted[((permuted.len() - 1) as f64 * q).round() as usize],
                6,
            )
        })
    };
    let p_value = observed
        .and_then(|o| pseudo_p(o, &permuted, settings.alternative))
        .map(|p| round_to(p, 6));
    let goals: BTreeMap<String, serde_json::Value> = by_goal
        .iter()
        .map(|(g, t)| (g.clone(), json!({ "borders": t.len(), "did": did(t, &controls, &changes).map(|d| round_to(d, 6)) })))
        .collect();
    let mut summary = json!({
        "outcome": measure.description,
        "higher_is_better": measure.higher_is_better,
        "panel": [first, last],
        "treated_borders": treated.len(),
        "control_borders": controls.len(),
        "did": observed.map(|d| round_to(d, 6)),
        "permutation_interval_95": [quantile(0.025), quantile(0.975)],
        "p_value": p_value,
        "permutations": settings.permutations,
        "seed": settings.seed,
        "by_goal": goals,
        "outcomes": classes,
        "assumption": "parallel trends of covered and uncovered borders (not tested; arrangements choose their borders)",
    });
    if let Some(note) = measure.synthetic {
        summary["synthetic"] = json!(note);
    }
    Ok(summary)
}

/// The per-border outcome table, one block of rows per measure.
pub fn outcome_table() -> Table {
    Table::new("governance_outcomes", governance_outcomes_columns(), false)
}

/// The columns of `governance_outcomes` (its output spec reads them too).
pub(crate) fn governance_outcomes_columns() -> Vec<Column> {
    let real = |n: &str, d: &str| Column::new(n, ColumnType::Real, None, d);
    vec![
        Column::text("measure", "D_border, conflicts or plan_consistency"),
        Column::text("a", "code of the first unit (a < b)"),
        Column::text("b", "code of the second unit"),
        Column::new(
            "treatment_year",
            ColumnType::Int,
            None,
            "start of the first arrangement covering it within the panel",
        ),
        Column::text("goal", "goal orientation of that arrangement"),
        Column::text("arrangements", "its id(s)"),
        real("change", "mean of the measure after − before"),
        real(
            "control_change",
            "the same for uncovered borders around that year",
        ),
        real("effect", "change − control_change"),
        Column::text(
            "outcome",
            "improved, unchanged or worsened (in the measure's good direction)",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::AnalysisCrs;
    use crate::region::{Jurisdiction, Level};
    use geo::MultiPolygon;

    fn unit(code: &str, level: Level, parent: Option<&str>) -> Jurisdiction {
        Jurisdiction {
            code: code.into(),
            name: code.into(),
            level,
            parent: parent.map(Into::into),
            geometry: MultiPolygon::new(vec![]),
        }
    }

    /// A planted effect: the only cross-province border (a1–b1) gains 0.1 in D from 2015, when an
    /// arrangement of provinces P1 and P2 starts; the borders inside P1 stay flat.
    #[test]
    fn planted_effect_is_measured_and_classified() {
        let mut units = vec![
            unit("P1", Level::Province, None),
            unit("P2", Level::Province, None),
            unit("b1", Level::County, Some("P2")),
        ];
        units.extend((1..=5).map(|i| unit(&format!("a{i}"), Level::County, Some("P1"))));
        let region = Region::new(
            "t",
            AnalysisCrs::albers_for_bounds(120.0, 30.0, 121.0, 31.0),
            units,
            Default::default(),
        );
        let registry_table = crate::model::registry::table_of(&[[
            "7",
            "2015",
            "",
            "pact",
            "provincial",
            "agreement",
            "ecological",
            "N",
            "P1;P2",
            "3",
            "design",
        ]]);
        let arrangements = crate::model::registry::parse(&registry_table, None).unwrap();
        let mut border = Vec::new();
        let pairs = [
            ("a1", "b1"),
            ("a1", "a2"),
            ("a2", "a3"),
            ("a3", "a4"),
            ("a4", "a5"),
        ];
        for (a, b) in pairs {
            for year in 2010..=2020 {
                let d = if a == "a1" && b == "b1" && year >= 2015 {
                    0.6
                } else {
                    0.5
                };
                border.push(BorderCoordination {
                    a: a.into(),
                    b: b.into(),
                    year,
                    d_border: d,
                });
            }
        }
        let settings = OutcomeSettings {
            permutations: 99,
            seed: 1,
            alternative: Alternative::Folded,
        };
        let measure = coordination(&border, 0.01, false);
        let mut table = outcome_table();
        let summary = outcomes(&region, &arrangements, &measure, &settings, &mut table).unwrap();
        assert_eq!(summary["treated_borders"], 1);
        assert_eq!(summary["control_borders"], 4);
        assert!(
            (summary["did"].as_f64().unwrap() - 0.1).abs() < 1e-9,
            "{summary}"
        );
        assert_eq!(table.rows[0][9], Value::Text("improved".into()));
        assert_eq!(table.rows[0][3], Value::Int(2015));
        assert!(summary.get("synthetic").is_none());
    }

    /// Conflict counts: fewer is better, and borders without conflicts count as 0.
    #[test]
    fn plan_measures_read_versions_as_years_and_fill_zero_conflicts() {
        let region = Region::new(
            "t",
            AnalysisCrs::albers_for_bounds(120.0, 30.0, 121.0, 31.0),
            ["x", "y", "z"]
                .iter()
                .map(|c| unit(c, Level::County, None))
                .collect(),
            Default::default(),
        );
        let consistency: Vec<BorderConsistency> = [
            (0, 1, "2015", 0.5),
            (0, 1, "2035", 0.9),
            (1, 2, "2015", 1.0),
            (1, 2, "2035", 1.0),
        ]
        .into_iter()
        .map(|(a, b, plan, share)| BorderConsistency {
            a,
            b,
            plan: plan.into(),
            sampled_km: 1.0,
            consistent_share: share,
        })
        .collect();
        let by_border = BTreeMap::from([(
            ("x".to_string(), "y".to_string()),
            BTreeMap::from([("2015".to_string(), 4), ("2035".to_string(), 1)]),
        )]);
        let measures = plan_measures(&region, &consistency, &by_border, 0.01, true);
        let conflicts = &measures[0].series;
        assert_eq!(conflicts[&("x".into(), "y".into())][&2015], 4.0);
        assert_eq!(conflicts[&("x".into(), "y".into())][&2035], 1.0);
        assert_eq!(conflicts[&("y".into(), "z".into())][&2035], 0.0);
        assert!(!measures[0].higher_is_better && measures[1].higher_is_better);
        assert_eq!(measures[1].series[&("x".into(), "y".into())][&2035], 0.9);
        assert!(measures[0].synthetic.is_some());
    }
}
