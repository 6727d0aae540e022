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
use serde_json::{json, Value as Json};

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
    /// Per row: unit, year, U per subsystem, C, T, D and their classes.
    pub records: Vec<Json>,
    /// Indicator weights per subsystem and entropy group.
    pub weights: Json,
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
    let mut weight_report = serde_json::Map::new();
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
            let named: BTreeMap<&str, f64> =
                columns.iter().map(|(c, _)| c.as_str()).zip(w).collect();
            weight_report.insert(format!("{name}/{group}"), json!(named));
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
        let mut record = serde_json::Map::new();
        record.insert("unit".into(), json!(units[i]));
        if let Some(y) = &years {
            let year = y[i]
                .parse::<i64>()
                .map(Json::from)
                .unwrap_or_else(|_| json!(y[i]));
            record.insert("year".into(), year);
        }
        for (s, Subsystem { name, .. }) in options.systems.iter().enumerate() {
            record.insert(format!("U_{name}"), json!(scores[i][s]));
        }
        record.insert("C".into(), json!(c.C));
        record.insert("T".into(), json!(c.T));
        record.insert("D".into(), json!(c.D));
        record.insert("C_class".into(), json!(c_class(c.C)));
        record.insert("D_class".into(), json!(d_class(c.D)));
        records.push(Json::Object(record));
    }
    Ok(CouplingRun {
        records,
        weights: Json::Object(weight_report),
    })
}

/// The records as a table (column order as in the first record).
pub fn records_table(records: &[Json]) -> Table {
    let names: Vec<String> = records
        .first()
        .and_then(Json::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let columns = names
        .iter()
        .map(|n| {
            let numeric = records[0][n].is_number();
            Column::new(
                n,
                if numeric {
                    ColumnType::Real
                } else {
                    ColumnType::Text
                },
                None,
                "",
            )
        })
        .collect();
    let mut table = Table::new("coupling", columns, false);
    for r in records {
        table.push(
            names
                .iter()
                .map(|n| match &r[n] {
                    Json::Number(x) => Value::Real(x.as_f64().unwrap_or(f64::NAN)),
                    Json::String(s) => Value::Text(s.clone()),
                    _ => Value::Null,
                })
                .collect(),
            None,
        );
    }
    table
}
