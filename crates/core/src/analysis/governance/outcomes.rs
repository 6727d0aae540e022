//! Outcomes: did coordination across a border improve after an arrangement came to cover it?
//!
//! # Method [P]
//! The outcome is the coordination degree of the border's two sides per year, D_border (from the
//! `synergy` analysis). A border is *treated* in year T when an arrangement covering it starts in
//! T, inside the panel but after its first year (so there is a before); borders that no new
//! arrangement covers during the panel are *controls*.
//! - Change of a border around year Y: Δ(Y) = mean D over years ≥ Y − mean D over years < Y.
//! - Stacked difference-in-differences: DiD = mean over treated borders b of
//!   [Δ_b(T_b) − mean over controls c of Δ_c(T_b)].
//! - Permutation interval: treatment years are reassigned at random among all borders (seeded),
//!   DiD recomputed; the 2.5–97.5 % range of the permuted DiD is the interval under no effect, and
//!   p = share of permuted |DiD| ≥ observed |DiD|.
//! - A treated border is improved / worsened when Δ_b − mean control Δ exceeds ± `threshold`,
//!   else unchanged. By goal orientation: the same DiD over treated borders whose first new
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

use super::covering;
use super::registry::Arrangement;
use crate::error::AnalysisError;
use crate::region::Region;
use crate::table::{round_to, Column, ColumnType, Table, Value};

/// D_border by border (a, b) and year.
type BorderSeries = BTreeMap<(String, String), BTreeMap<i64, f64>>;

/// D_border by border and year, read from synergy's `synergy_border` table.
fn read_coordination(table: &Table) -> Result<BorderSeries, AnalysisError> {
    let c = |n: &str| {
        table
            .column_index(n)
            .ok_or_else(|| AnalysisError::Internal(format!("synergy_border has no `{n}`")))
    };
    let (a, b, year, d) = (c("a")?, c("b")?, c("year")?, c("D_border")?);
    let mut out = BorderSeries::new();
    for row in &table.rows {
        if let (Some(y), Some(v)) = (row[year].as_f64(), row[d].as_f64()) {
            out.entry((row[a].to_text(), row[b].to_text()))
                .or_default()
                .insert(y as i64, v);
        }
    }
    Ok(out)
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
pub struct OutcomeSettings {
    pub threshold: f64,
    pub permutations: usize,
    pub seed: u64,
}

/// The per-border outcome table and the summary.
pub fn outcomes(
    region: &Region,
    arrangements: &[Arrangement],
    synergy_border: &Table,
    settings: &OutcomeSettings,
) -> Result<(Table, serde_json::Value), AnalysisError> {
    let series = read_coordination(synergy_border)?;
    let years: Vec<i64> = series.values().flat_map(|s| s.keys().copied()).collect();
    let (Some(&first), Some(&last)) = (years.iter().min(), years.iter().max()) else {
        return Err(AnalysisError::Input(
            "no border coordination to compare".into(),
        ));
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

    let mut table = Table::new(
        "governance_outcomes",
        vec![
            Column::new(
                "a",
                ColumnType::Text,
                None,
                "code of the first unit (a < b)",
            ),
            Column::new("b", ColumnType::Text, None, "code of the second unit"),
            Column::new(
                "treatment_year",
                ColumnType::Int,
                None,
                "start of the first arrangement covering it within the panel",
            ),
            Column::new(
                "goal",
                ColumnType::Text,
                None,
                "goal orientation of that arrangement",
            ),
            Column::new("arrangements", ColumnType::Text, None, "its id(s)"),
            Column::new(
                "change_D",
                ColumnType::Real,
                None,
                "mean D_border after − before",
            ),
            Column::new(
                "control_change_D",
                ColumnType::Real,
                None,
                "the same for uncovered borders around that year",
            ),
            Column::new(
                "effect_D",
                ColumnType::Real,
                None,
                "change_D − control_change_D",
            ),
            Column::new(
                "outcome",
                ColumnType::Text,
                None,
                "improved, unchanged or worsened",
            ),
        ],
        false,
    );
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
        let class = match effect {
            Some(e) if e > settings.threshold => "improved",
            Some(e) if e < -settings.threshold => "worsened",
            Some(_) => "unchanged",
            None => "undetermined",
        };
        *classes.entry(class).or_default() += 1;
        let r = |x: Option<f64>| Value::from(x.map(|v| round_to(v, 9)));
        table.push(
            vec![
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
    let p_value = observed.filter(|_| !permuted.is_empty()).map(|o| {
        let extreme = permuted.iter().filter(|d| d.abs() >= o.abs()).count();
        round_to((extreme + 1) as f64 / (permuted.len() + 1) as f64, 6)
    });
    let goals: BTreeMap<String, serde_json::Value> = by_goal
        .iter()
        .map(|(g, t)| (g.clone(), json!({ "borders": t.len(), "did_D": did(t, &controls, &changes).map(|d| round_to(d, 6)) })))
        .collect();
    let mut summary = json!({
        "outcome": "coordination degree of the border's two sides (D_border, synergy)",
        "panel": [first, last],
        "treated_borders": treated.len(),
        "control_borders": controls.len(),
        "did_D": observed.map(|d| round_to(d, 6)),
        "permutation_interval_95": [quantile(0.025), quantile(0.975)],
        "p_value": p_value,
        "permutations": settings.permutations,
        "seed": settings.seed,
        "by_goal": goals,
        "outcomes": classes,
        "assumption": "parallel trends of covered and uncovered borders (not tested; arrangements choose their borders)",
        "not_yet": "conflict counts and plan consistency as outcomes need the conflicts analysis",
    });
    if region.synthetic_layers.contains("indicators") {
        summary["synthetic"] = json!("D_border comes from SYNTHETIC indicators: this comparison demonstrates the method and says nothing about the region");
    }
    Ok((table, summary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::AnalysisCrs;
    use crate::region::{Jurisdiction, Level};
    use crate::table::{Column, ColumnType};
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
        let registry_table = super::super::registry::table_of(&[[
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
        let arrangements = super::super::registry::parse(&registry_table, None).unwrap();
        let mut border = Table::new(
            "synergy_border",
            ["a", "b", "year", "D_border"]
                .iter()
                .map(|n| Column::new(n, ColumnType::Text, None, ""))
                .collect(),
            false,
        );
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
                border.push(
                    vec![a.into(), b.into(), Value::Int(year), Value::Real(d)],
                    None,
                );
            }
        }
        let settings = OutcomeSettings {
            threshold: 0.01,
            permutations: 99,
            seed: 1,
        };
        let (table, summary) = outcomes(&region, &arrangements, &border, &settings).unwrap();
        assert_eq!(summary["treated_borders"], 1);
        assert_eq!(summary["control_borders"], 4);
        assert!(
            (summary["did_D"].as_f64().unwrap() - 0.1).abs() < 1e-9,
            "{summary}"
        );
        assert_eq!(table.rows[0][8], Value::Text("improved".into()));
        assert_eq!(table.rows[0][2], Value::Int(2015));
        assert!(summary.get("synthetic").is_none());
    }
}
