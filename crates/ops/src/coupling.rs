//! Coupling coordination degree of subsystems built from indicator columns with entropy (or
//! equal) weights: the command line's `coupling` and the Python package's `coupling`.

use std::collections::BTreeMap;
use std::path::Path;

use borderscape_core::stats::coupling::{
    c_class, coordination, d_class, subsystem_scores, CouplingModel, Subsystem, SubsystemValues,
    Weighting,
};
use borderscape_core::table::{Column, ColumnType, Table, Value};
use borderscape_io::{IoError, Problem, Severity};
use indexmap::IndexMap;
use serde::Serialize;

use crate::{number, OpsError};

/// What to compute (the command line's flags).
#[derive(Debug, Clone)]
pub struct CouplingOptions {
    /// Field naming the unit of a row.
    pub unit: String,
    /// Field giving the year of a row (panel data).
    pub year: Option<String>,
    /// The subsystems, `NAME=col,col,-col` (a `-` marks an indicator where less is better).
    pub systems: Vec<Subsystem>,
    /// standard (C = n·(ΠU)^(1/n)/ΣU) or modified.
    pub model: String,
    /// entropy or equal indicator weights.
    pub weights: String,
    /// Entropy weights over all rows (`pooled`) or per year (`year`).
    pub entropy_scope: String,
    /// Subsystem weights of T (default: equal).
    pub alpha: Vec<(String, f64)>,
}

/// What came out.
pub struct CouplingRun {
    pub records: Vec<CouplingRecord>,
    /// Indicator weights by `subsystem/entropy group`, then by column, in the subsystems' order.
    pub weights: IndexMap<String, BTreeMap<String, f64>>,
}

/// One row's coupling: its unit and year, the score U of each subsystem, and the coupling C,
/// development T and coordination D (all 0–1, unitless) with their classes.
#[derive(Debug, Clone, Serialize)]
pub struct CouplingRecord {
    pub unit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<Year>,
    /// `U_<subsystem>` → its score, in the order the subsystems were given.
    #[serde(flatten)]
    pub scores: IndexMap<String, f64>,
    #[serde(rename = "C")]
    pub c: f64,
    #[serde(rename = "T")]
    pub t: f64,
    #[serde(rename = "D")]
    pub d: f64,
    #[serde(rename = "C_class")]
    pub c_class: &'static str,
    #[serde(rename = "D_class")]
    pub d_class: &'static str,
}

/// A year as the year field gives it: a number when it reads as one.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Year {
    Number(i64),
    Text(String),
}

impl std::fmt::Display for Year {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Year::Number(y) => write!(f, "{y}"),
            Year::Text(y) => f.write_str(y),
        }
    }
}

fn matrix(
    table: &Table,
    path: &std::path::Path,
    columns: &[(String, bool)],
) -> Result<Vec<Vec<f64>>, IoError> {
    let mut problems = Vec::new();
    let mut indices = Vec::new();
    for (name, _) in columns {
        match table.column_index(name) {
            Some(i) => indices.push(i),
            None => problems.push(Problem {
                severity: Severity::Error,
                file: path.display().to_string(),
                feature: None,
                code: None,
                field: Some(name.clone()),
                message: "no such field".into(),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(IoError::Invalid(problems));
    }
    let rows = table
        .rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            indices
                .iter()
                .zip(columns)
                .map(|(&c, (name, _))| number(&row[c], path, r, name, &mut problems))
                .collect()
        })
        .collect();
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(IoError::Invalid(problems))
    }
}

/// The coupling coordination of the rows of `table`, read from `path` (which names it in
/// messages).
pub fn coupling(
    table: &Table,
    path: &Path,
    options: &CouplingOptions,
) -> Result<CouplingRun, OpsError> {
    let model = CouplingModel::parse(&options.model)
        .ok_or_else(|| OpsError::Input("--model must be standard or modified".into()))?;
    let field_text = |field: &str| -> Result<Vec<String>, OpsError> {
        let c = table.column_index(field).ok_or_else(|| {
            OpsError::Input(format!(
                "{}: field `{field}`: no such field",
                path.display()
            ))
        })?;
        Ok(table.rows.iter().map(|r| r[c].to_text()).collect())
    };
    let units = field_text(&options.unit)?;
    let years = options.year.as_deref().map(field_text).transpose()?;
    // Rows grouped for the entropy weights: all together, or per year.
    let groups: BTreeMap<String, Vec<usize>> = match (&years, options.entropy_scope.as_str()) {
        (Some(y), "year") => (0..table.len()).fold(BTreeMap::new(), |mut m, i| {
            m.entry(y[i].clone()).or_insert_with(Vec::new).push(i);
            m
        }),
        (_, "pooled" | "year") => {
            BTreeMap::from([(String::from("all"), (0..table.len()).collect())])
        }
        _ => {
            return Err(OpsError::Input(
                "--entropy-scope must be pooled or year".into(),
            ))
        }
    };
    let weighting = match options.weights.as_str() {
        "entropy" => Weighting::Entropy,
        "equal" => Weighting::Equal,
        _ => return Err(OpsError::Usage("--weights must be entropy or equal".into())),
    };
    let all: Vec<SubsystemValues> = options
        .systems
        .iter()
        .map(|system| {
            Ok(SubsystemValues {
                rows: matrix(table, path, &system.columns)?,
                negative: system.columns.iter().map(|(_, neg)| *neg).collect(),
            })
        })
        .collect::<Result<_, OpsError>>()?;
    let mut scores = vec![vec![0.0; options.systems.len()]; table.len()];
    let mut weight_report = IndexMap::new();
    for (group, rows) in &groups {
        let subset: Vec<SubsystemValues> = all
            .iter()
            .map(|system| SubsystemValues {
                rows: rows.iter().map(|&i| system.rows[i].clone()).collect(),
                negative: system.negative.clone(),
            })
            .collect();
        let scored = subsystem_scores(&subset, weighting)?;
        for (&i, u) in rows.iter().zip(scored.u) {
            scores[i] = u;
        }
        for (Subsystem { name, columns }, w) in options.systems.iter().zip(scored.weights) {
            let named: BTreeMap<String, f64> =
                columns.iter().map(|(c, _)| c.clone()).zip(w).collect();
            weight_report.insert(format!("{name}/{group}"), named);
        }
    }
    let alpha: Vec<f64> = if options.alpha.is_empty() {
        vec![1.0 / options.systems.len() as f64; options.systems.len()]
    } else {
        options
            .systems
            .iter()
            .map(|Subsystem { name, .. }| {
                options
                    .alpha
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, a)| *a)
                    .ok_or_else(|| {
                        OpsError::Input(format!("--alpha has no weight for system `{name}`"))
                    })
            })
            .collect::<Result<_, _>>()?
    };
    let mut records = Vec::new();
    for i in 0..table.len() {
        let c = coordination(&scores[i], &alpha, model)?;
        records.push(CouplingRecord {
            unit: units[i].clone(),
            year: years.as_ref().map(|y| {
                y[i].parse::<i64>()
                    .map_or_else(|_| Year::Text(y[i].clone()), Year::Number)
            }),
            scores: options
                .systems
                .iter()
                .zip(&scores[i])
                .map(|(Subsystem { name, .. }, u)| (format!("U_{name}"), *u))
                .collect(),
            c: c.C,
            t: c.T,
            d: c.D,
            c_class: c_class(c.C),
            d_class: d_class(c.D),
        });
    }
    Ok(CouplingRun {
        records,
        weights: weight_report,
    })
}

/// The records as a table: unit, year (when given; a number column when the first year reads
/// as one), U per subsystem, C, T, D and their classes.
pub fn records_table(records: &[CouplingRecord]) -> Table {
    let year_type = match records.first().and_then(|r| r.year.as_ref()) {
        Some(Year::Number(_)) => Some(ColumnType::Real),
        Some(Year::Text(_)) => Some(ColumnType::Text),
        None => None,
    };
    let real = |name: &str| Column::new(name, ColumnType::Real, None, "");
    let mut columns = vec![Column::new("unit", ColumnType::Text, None, "")];
    columns.extend(year_type.map(|t| Column::new("year", t, None, "")));
    columns.extend(
        records
            .first()
            .into_iter()
            .flat_map(|r| r.scores.keys().map(|k| real(k))),
    );
    columns.extend(["C", "T", "D"].map(real));
    columns.extend(["C_class", "D_class"].map(|n| Column::new(n, ColumnType::Text, None, "")));
    let mut table = Table::new("coupling", columns, false);
    for r in records {
        let mut row = vec![Value::Text(r.unit.clone())];
        row.extend(year_type.map(|t| match (&r.year, t) {
            (Some(Year::Number(y)), ColumnType::Real) => Value::Real(*y as f64),
            (Some(y), _) => Value::Text(y.to_string()),
            (None, _) => Value::Null,
        }));
        row.extend(r.scores.values().map(|u| Value::Real(*u)));
        row.extend([r.c, r.t, r.d].map(Value::Real));
        row.extend([r.c_class, r.d_class].map(|c| Value::Text(c.into())));
        table.push(row, None);
    }
    table
}
