//! Meta-governance figures from the register, per border: how many cases were raised, how long
//! agreement took, how many were resolved, how often the level above was called in.

use std::collections::BTreeMap;

use borderscape_core::table::{Column, ColumnType, Table, Value};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::audit::Entry;
use crate::model::{Case, State};

/// The figures of one border.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BorderFigures {
    pub a: String,
    pub b: String,
    /// Cases on the border.
    pub cases: usize,
    /// Cases that reached `agreed` at least once.
    pub agreed: usize,
    /// Median days from a case's creation to its first agreement (none: no case agreed).
    pub median_days_to_agreement: Option<f64>,
    /// Share of the border's cases now `resolved`.
    pub resolved_share: f64,
    /// Transitions to `escalated`.
    pub escalations: usize,
    /// The instruments of its decisions, distinct, sorted.
    pub instruments: Vec<String>,
}

fn parse_time(t: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(t, &Rfc3339).ok()
}

/// The median of some numbers (the mean of the middle two for an even count).
fn median(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let mid = xs.len() / 2;
    Some(if xs.len() % 2 == 1 {
        xs[mid]
    } else {
        (xs[mid - 1] + xs[mid]) / 2.0
    })
}

/// Per border (cases without a border are left out), from the cases and the audit log's
/// transitions.
pub fn border_figures(cases: &[Case], log: &[Entry]) -> Vec<BorderFigures> {
    // Each case's transitions in order: (time, state reached).
    let mut moves: BTreeMap<i64, Vec<(String, State)>> = BTreeMap::new();
    for e in log.iter().filter(|e| e.action == "case.transition") {
        let state = e
            .after
            .as_deref()
            .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
            .and_then(|v| State::parse(v["state"].as_str()?));
        if let (Some(id), Some(state)) = (e.case_id, state) {
            moves.entry(id).or_default().push((e.at.clone(), state));
        }
    }
    let mut borders: BTreeMap<(&str, &str), Vec<&Case>> = BTreeMap::new();
    for c in cases {
        if let (Some(a), Some(b)) = (&c.a, &c.b) {
            borders.entry((a, b)).or_default().push(c);
        }
    }
    borders
        .into_iter()
        .map(|((a, b), cases)| {
            let mut days = Vec::new();
            let mut escalations = 0;
            for c in &cases {
                let steps = moves.get(&c.id).map(Vec::as_slice).unwrap_or_default();
                escalations += steps.iter().filter(|s| s.1 == State::Escalated).count();
                let agreed = steps.iter().find(|s| s.1 == State::Agreed);
                if let (Some(start), Some(end)) = (
                    parse_time(&c.created_at),
                    agreed.and_then(|s| parse_time(&s.0)),
                ) {
                    days.push((end - start).as_seconds_f64() / 86_400.0);
                }
            }
            let mut instruments: Vec<String> =
                cases.iter().filter_map(|c| c.instrument.clone()).collect();
            instruments.sort();
            instruments.dedup();
            let resolved = cases.iter().filter(|c| c.state == State::Resolved).count();
            BorderFigures {
                a: a.to_string(),
                b: b.to_string(),
                cases: cases.len(),
                agreed: days.len(),
                median_days_to_agreement: median(days),
                resolved_share: resolved as f64 / cases.len() as f64,
                escalations,
                instruments,
            }
        })
        .collect()
}

/// The name of the table [`border_figures_table`] makes, which the report's border profiles read.
pub const BORDER_TABLE: &str = "cases_border";

/// The figures as a table (one row per border), so that the report can show them in its border
/// profiles without depending on the register.
pub fn border_figures_table(figures: &[BorderFigures]) -> Table {
    let int = |name: &str, description: &str| Column::new(name, ColumnType::Int, None, description);
    let mut t = Table::new(
        BORDER_TABLE,
        vec![
            Column::text("a", "code of the first unit"),
            Column::text("b", "code of the second unit"),
            int("cases", "cases on the border"),
            int("agreed", "cases that reached agreed at least once"),
            Column::new(
                "median_days_to_agreement",
                ColumnType::Real,
                Some("d"),
                "median days from a case's creation to its first agreement",
            ),
            Column::new(
                "resolved_share",
                ColumnType::Real,
                None,
                "share of the border's cases now resolved",
            ),
            int("escalations", "transitions to escalated"),
            Column::text(
                "instruments",
                "instruments of the decisions, `; `-separated",
            ),
        ],
        false,
    );
    for f in figures {
        t.push(
            vec![
                f.a.clone().into(),
                f.b.clone().into(),
                Value::Int(f.cases as i64),
                Value::Int(f.agreed as i64),
                f.median_days_to_agreement.map_or(Value::Null, Value::Real),
                Value::Real(f.resolved_share),
                Value::Int(f.escalations as i64),
                f.instruments.join("; ").into(),
            ],
            None,
        );
    }
    t
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
