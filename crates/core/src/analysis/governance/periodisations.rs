//! The data-driven stages beside the periodisations of the literature (issue 40). A
//! periodisation is given in the manifest (`[governance.periodisations.<name>]`: named stages,
//! their years, a source); for each, where its breaks fall against the breaks the registry gives
//! and how often the two agree on whether two years belong to one stage (the Rand index, Rand
//! 1971, J. Am. Stat. Assoc. 66(336), 846–850).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::model::periodisation::{NamedStage, Periodisation};
use crate::table::{round_to, Column, ColumnType, Table, Value};

/// One periodisation set beside the data-driven stages, in summary.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PeriodisationComparison {
    /// Its name in the manifest.
    pub name: String,
    pub source: String,
    /// Its stages, in time order.
    pub stages: Vec<NamedStage>,
    /// Its breaks (first years of its stages after the first).
    pub breaks: Vec<i32>,
    /// The data-driven breaks.
    pub data_breaks: Vec<i32>,
    /// Its breaks within `break_tolerance_years` of a data-driven break.
    pub matched_breaks: usize,
    /// Mean distance (years) from each of its breaks to the nearest data-driven break; null
    /// without breaks on either side.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub mean_break_gap_years: f64,
    /// Share of the pairs of years both cover that both put in one stage or both in two
    /// (0–1); null with fewer than two such years.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub rand_index: f64,
}

/// The columns of `governance_periodisations` (its output spec reads them too).
pub(crate) fn periodisations_columns() -> Vec<Column> {
    vec![
        Column::text("periodisation", "its name in the manifest"),
        Column::text("stage", "the stage as the literature names it"),
        Column::text("stage_zh", "its Chinese name"),
        Column::new("start", ColumnType::Int, None, "first year"),
        Column::new("end", ColumnType::Int, None, "last year"),
        Column::text(
            "data_stages",
            "the data-driven stages it overlaps, `start–end`, `;`-separated",
        ),
        Column::new(
            "break_gap_years",
            ColumnType::Int,
            None,
            "its first year minus the nearest data-driven break (empty for the first stage)",
        ),
        Column::text(
            "break_agrees",
            "true when the gap is within break_tolerance_years (empty for the first stage)",
        ),
        Column::text("source", "where the periodisation is published"),
    ]
}

/// The nearest data break to `year`, as the signed gap `year − break`.
fn nearest_gap(year: i32, data_breaks: &[i32]) -> Option<i32> {
    data_breaks
        .iter()
        .map(|b| year - b)
        .min_by_key(|gap| (gap.abs(), *gap))
}

/// The Rand index of two stage assignments over the years both cover.
fn rand_index(periodisation: &Periodisation, data: &[(i32, i32)]) -> f64 {
    let ours: Vec<(i32, i32)> = periodisation
        .stages
        .iter()
        .map(|s| (s.start, s.end))
        .collect();
    let stage_of =
        |spans: &[(i32, i32)], year: i32| spans.iter().position(|&(s, e)| s <= year && year <= e);
    let years: Vec<(usize, usize)> = data
        .iter()
        .flat_map(|&(s, e)| s..=e)
        .filter_map(|y| Some((stage_of(&ours, y)?, stage_of(data, y)?)))
        .collect();
    let (mut agree, mut pairs) = (0usize, 0usize);
    for (i, a) in years.iter().enumerate() {
        for b in &years[i + 1..] {
            pairs += 1;
            agree += usize::from((a.0 == b.0) == (a.1 == b.1));
        }
    }
    if pairs == 0 {
        f64::NAN
    } else {
        agree as f64 / pairs as f64
    }
}

/// Every periodisation beside the data-driven stages (`data`: first and last years, in order):
/// the `governance_periodisations` table and the comparisons for the summary.
pub fn compare(
    periodisations: &[Periodisation],
    data: &[(i32, i32)],
    tolerance_years: i32,
) -> (Table, Vec<PeriodisationComparison>) {
    let data_breaks: Vec<i32> = data.iter().skip(1).map(|s| s.0).collect();
    let mut table = Table::new("governance_periodisations", periodisations_columns(), false);
    let mut comparisons = Vec::new();
    for p in periodisations {
        for (k, stage) in p.stages.iter().enumerate() {
            let overlapping: Vec<String> = data
                .iter()
                .filter(|(s, e)| *s <= stage.end && stage.start <= *e)
                .map(|(s, e)| format!("{s}–{e}"))
                .collect();
            let gap = (k > 0)
                .then(|| nearest_gap(stage.start, &data_breaks))
                .flatten();
            table.push(
                vec![
                    p.name.clone().into(),
                    stage.name.clone().into(),
                    stage.name_zh.clone().into(),
                    Value::Int(i64::from(stage.start)),
                    Value::Int(i64::from(stage.end)),
                    overlapping.join("; ").into(),
                    gap.map(|g| Value::Int(i64::from(g))).into(),
                    gap.map(|g| (g.abs() <= tolerance_years).to_string()).into(),
                    p.source.clone().into(),
                ],
                None,
            );
        }
        let breaks = p.breaks();
        let gaps: Vec<i32> = breaks
            .iter()
            .filter_map(|&b| nearest_gap(b, &data_breaks))
            .collect();
        comparisons.push(PeriodisationComparison {
            stages: p.stages.clone(),
            name: p.name.clone(),
            source: p.source.clone(),
            matched_breaks: gaps.iter().filter(|g| g.abs() <= tolerance_years).count(),
            mean_break_gap_years: if gaps.is_empty() {
                f64::NAN
            } else {
                round_to(
                    gaps.iter().map(|g| f64::from(g.abs())).sum::<f64>() / gaps.len() as f64,
                    3,
                )
            },
            rand_index: round_to(rand_index(p, data), 4),
            breaks,
            data_breaks: data_breaks.clone(),
        });
    }
    (table, comparisons)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::periodisation::stage;

    /// A planted periodisation: two of its three breaks fall on or near the data's, one far.
    #[test]
    fn a_planted_periodisation_is_compared_break_by_break_and_year_by_year() {
        let planted = Periodisation::new(
            "planted",
            "a test",
            vec![
                stage("a", 1980, 1989),
                stage("b", 1990, 1999),
                stage("c", 2000, 2004),
                stage("d", 2005, 2010),
            ],
        )
        .unwrap();
        let data = [(1980, 1991), (1992, 2009), (2010, 2010)];
        let (table, found) = compare(&[planted], &data, 2);
        let c = &found[0];
        assert_eq!(c.breaks, [1990, 2000, 2005]);
        assert_eq!(c.data_breaks, [1992, 2010]);
        // 1990 − 1992 = −2 (agrees), 2000 − 1992 = 8, 2005 − 2010 = −5.
        assert_eq!(c.matched_breaks, 1);
        assert!((c.mean_break_gap_years - 5.0).abs() < 1e-12);
        let gaps: Vec<String> = table.rows.iter().map(|r| r[6].to_text()).collect();
        assert_eq!(gaps, ["", "-2", "8", "-5"]);
        assert_eq!(table.rows[1][7].to_text(), "true");
        assert_eq!(table.rows[1][5].to_text(), "1980–1991; 1992–2009");
        // The same stages give a Rand index of 1; any other assignment less.
        let same = Periodisation::new(
            "same",
            "a test",
            vec![
                stage("x", 1980, 1991),
                stage("y", 1992, 2009),
                stage("z", 2010, 2010),
            ],
        )
        .unwrap();
        let (_, found_same) = compare(&[same], &data, 2);
        assert_eq!(found_same[0].rand_index, 1.0);
        assert!(c.rand_index < 1.0 && c.rand_index > 0.5, "{}", c.rand_index);
    }
}
