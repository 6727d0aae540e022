//! `borderscape coupling TABLE.csv`: coupling coordination degree of subsystems built from
//! indicator columns with entropy (or equal) weights.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::anyhow;
use borderscape_core::stats::coupling::{
    c_class, coordination, d_class, subsystem_scores, CouplingModel, Subsystem, SubsystemValues,
    Weighting,
};
use borderscape_core::table::{Column, ColumnType, Table, Value};
use borderscape_io::csv_io::CsvGeometry;
use borderscape_io::gpkg::Srs;
use borderscape_io::read::{read_table, ReadOptions};
use borderscape_io::write::write_table;
use borderscape_io::{IoError, Problem, Severity};
use serde_json::{json, Value as Json};

use crate::{Context, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Indicator table (.csv, or any layer format).
    table: PathBuf,
    /// Field naming the unit (jurisdiction code, border id, …).
    #[arg(long)]
    unit: String,
    /// Field holding the year of a panel.
    #[arg(long)]
    year: Option<String>,
    /// A subsystem: NAME=col,col,-col (a leading `-` marks an indicator where more is worse). Repeat for each.
    #[arg(long = "system", required = true, value_parser = Subsystem::parse)]
    systems: Vec<Subsystem>,
    /// standard or modified (Wang et al. 2021) coupling degree.
    #[arg(long, default_value = "standard")]
    model: String,
    /// entropy or equal indicator weights.
    #[arg(long, default_value = "entropy")]
    weights: String,
    /// With --year: entropy weights per year, or pooled over all units and years.
    #[arg(long, default_value = "pooled")]
    entropy_scope: String,
    /// Weights α of the subsystems in T, e.g. `--alpha eco=0.6 --alpha econ=0.4` (default equal).
    #[arg(long = "alpha", value_parser = parse_alpha)]
    alpha: Vec<(String, f64)>,
    /// Print the records as JSON.
    #[arg(long)]
    json: bool,
    /// Write the records to a file (.csv, .geojson, .gpkg).
    #[arg(long)]
    out: Option<PathBuf>,
}

fn parse_alpha(text: &str) -> Result<(String, f64), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not NAME=WEIGHT"))?;
    Ok((
        name.trim().to_string(),
        value
            .trim()
            .parse()
            .map_err(|_| format!("`{value}` is not a number"))?,
    ))
}

/// The indicator matrix of one subsystem, with errors naming row and field.
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
                .map(|(&c, (name, _))| {
                    row[c]
                        .as_f64()
                        .filter(|v| v.is_finite())
                        .unwrap_or_else(|| {
                            problems.push(Problem::feature(
                                Severity::Error,
                                path,
                                r,
                                None,
                                Some(name),
                                format!("`{}` is not a number", row[c].to_text()),
                            ));
                            f64::NAN
                        })
                })
                .collect()
        })
        .collect();
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(IoError::Invalid(problems))
    }
}

pub fn run(ctx: &Context, args: Args) -> Result<(), Failure> {
    let model = CouplingModel::parse(&args.model)
        .ok_or_else(|| Failure::Input(anyhow!("--model must be standard or modified")))?;
    let options = ReadOptions {
        csv_geometry: CsvGeometry::None,
        ..Default::default()
    };
    let table = read_table(&args.table, &options)?.table;
    let field_text = |field: &str| -> Result<Vec<String>, Failure> {
        let c = table.column_index(field).ok_or_else(|| {
            Failure::Input(anyhow!(
                "{}: field `{field}`: no such field",
                args.table.display()
            ))
        })?;
        Ok(table.rows.iter().map(|r| r[c].to_text()).collect())
    };
    let units = field_text(&args.unit)?;
    let years = args.year.as_deref().map(field_text).transpose()?;
    // Rows grouped for the entropy weights: all together, or per year.
    let groups: BTreeMap<String, Vec<usize>> = match (&years, args.entropy_scope.as_str()) {
        (Some(y), "year") => (0..table.len()).fold(BTreeMap::new(), |mut m, i| {
            m.entry(y[i].clone()).or_insert_with(Vec::new).push(i);
            m
        }),
        (_, "pooled" | "year") => {
            BTreeMap::from([(String::from("all"), (0..table.len()).collect())])
        }
        _ => {
            return Err(Failure::Input(anyhow!(
                "--entropy-scope must be pooled or year"
            )))
        }
    };
    let weighting = match args.weights.as_str() {
        "entropy" => Weighting::Entropy,
        "equal" => Weighting::Equal,
        _ => {
            return Err(Failure::Usage(anyhow!(
                "--weights must be entropy or equal"
            )))
        }
    };
    let all: Vec<SubsystemValues> = args
        .systems
        .iter()
        .map(|system| {
            Ok(SubsystemValues {
                rows: matrix(&table, &args.table, &system.columns)?,
                negative: system.columns.iter().map(|(_, neg)| *neg).collect(),
            })
        })
        .collect::<Result<_, Failure>>()?;
    let mut scores = vec![vec![0.0; args.systems.len()]; table.len()];
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
        for (Subsystem { name, columns }, w) in args.systems.iter().zip(scored.weights) {
            let named: BTreeMap<&str, f64> =
                columns.iter().map(|(c, _)| c.as_str()).zip(w).collect();
            weight_report.insert(format!("{name}/{group}"), json!(named));
        }
    }
    let alpha: Vec<f64> = if args.alpha.is_empty() {
        vec![1.0 / args.systems.len() as f64; args.systems.len()]
    } else {
        args.systems
            .iter()
            .map(|Subsystem { name, .. }| {
                args.alpha
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, a)| *a)
                    .ok_or_else(|| {
                        Failure::Input(anyhow!("--alpha has no weight for system `{name}`"))
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
        for (s, Subsystem { name, .. }) in args.systems.iter().enumerate() {
            record.insert(format!("U_{name}"), json!(scores[i][s]));
        }
        record.insert("C".into(), json!(c.C));
        record.insert("T".into(), json!(c.T));
        record.insert("D".into(), json!(c.D));
        record.insert("C_class".into(), json!(c_class(c.C)));
        record.insert("D_class".into(), json!(d_class(c.D)));
        records.push(Json::Object(record));
    }
    if !ctx.quiet {
        eprintln!(
            "indicator weights ({}, {} model): {}",
            args.weights,
            args.model,
            Json::Object(weight_report)
        );
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&records).expect("serialisable")
        );
    }
    if let Some(out) = &args.out {
        write_table(out, &records_table(&records), Srs::WGS84)?;
    }
    if !args.json && args.out.is_none() && !ctx.quiet {
        for r in &records {
            println!(
                "{} {} C={:.4} T={:.4} D={:.4} ({})",
                r["unit"].as_str().unwrap_or(""),
                r.get("year").and_then(Json::as_str).unwrap_or(""),
                r["C"],
                r["T"],
                r["D"],
                r["D_class"].as_str().unwrap_or("")
            );
        }
    }
    Ok(())
}

/// The records as a table (column order as in the first record).
fn records_table(records: &[Json]) -> Table {
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
