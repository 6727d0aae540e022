//! The register as a table (one row per case, its point in WGS84), for the io crate's writers.

use borderscape_core::table::{Column, ColumnType, Table, Value};
use geo::{Geometry, Point};

use crate::model::Case;

/// The columns of an exported case.
pub fn case_columns() -> Vec<Column> {
    let text = Column::text;
    let int = |name: &str, description: &str| Column::new(name, ColumnType::Int, None, description);
    vec![
        int("id", "case id"),
        text("title", "title"),
        text("a", "code of the first unit of the border (a < b)"),
        text("b", "code of the second unit"),
        text("units", "other units concerned, `|`-separated"),
        text("type", "conflict type"),
        int("severity", "1 low, 2 medium, 3 high"),
        text("state", "raised, negotiating, agreed, plan_revised, resolved, escalated, rejected or conflicts_cleared"),
        text("owner_units", "units owning the case, `|`-separated"),
        text("due", "due date (YYYY-MM-DD)"),
        text("decision", "decision text"),
        text("instrument", "instrument of the decision (joint plan, agreement, compensation scheme)"),
        int("conflicts", "linked conflicts found by the latest import"),
        int("conflicts_gone", "linked conflicts gone from the latest results"),
        text("arrangements", "linked arrangement ids, `|`-separated"),
        text("created_at", "created (UTC, RFC 3339)"),
        text("updated_at", "last changed (UTC, RFC 3339)"),
        int("version", "version, incremented by every change"),
    ]
}

/// The cases as a spatial table, geometries in WGS84 (the cases' representative points).
pub fn cases_table(cases: &[Case]) -> Table {
    let mut t = Table::new("cases", case_columns(), true);
    for c in cases {
        let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Text);
        let present = c.conflicts.iter().filter(|l| l.present).count() as i64;
        t.push(
            vec![
                Value::Int(c.id),
                c.title.clone().into(),
                opt(&c.a),
                opt(&c.b),
                c.units.join("|").into(),
                c.kind.clone().into(),
                Value::Int(c.severity),
                c.state.name().into(),
                c.owner_units.join("|").into(),
                opt(&c.due),
                opt(&c.decision),
                opt(&c.instrument),
                Value::Int(present),
                Value::Int(c.conflicts.len() as i64 - present),
                c.arrangements.join("|").into(),
                c.created_at.clone().into(),
                c.updated_at.clone().into(),
                Value::Int(c.version),
            ],
            c.lon
                .zip(c.lat)
                .map(|(x, y)| Geometry::Point(Point::new(x, y))),
        );
    }
    t
}
