//! Tables: the one shape in which layers are read and results are written.
//!
//! A table has typed columns (with units), rows of values and optionally one geometry per row.
//! Readers produce tables in the layer's own coordinates; analyses produce them in the analysis CRS;
//! writers receive them in WGS84. The table does not know its CRS: whoever holds it does.

use geo::Geometry;
use serde::Serialize;

/// A cell value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    Text(String),
}

impl Value {
    /// The value as text, as a user would type it (empty for null).
    pub fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Real(r) => format_real(*r),
            Value::Text(t) => t.clone(),
        }
    }

    /// The value as a number, if it is one or is text that parses as one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Real(r) => Some(*r),
            Value::Text(t) => t.trim().parse().ok(),
            Value::Bool(_) | Value::Null => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}
impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Real(x)
    }
}
impl From<i64> for Value {
    fn from(x: i64) -> Self {
        Value::Int(x)
    }
}
impl From<usize> for Value {
    fn from(x: usize) -> Self {
        Value::Int(x as i64)
    }
}
impl From<bool> for Value {
    fn from(x: bool) -> Self {
        Value::Bool(x)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(x: Option<T>) -> Self {
        x.map_or(Value::Null, Into::into)
    }
}

/// Formats a real so that it round-trips exactly and stays short (`1`, `0.25`, `1e-7`).
pub fn format_real(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e15 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

/// Rounds a figure for output tables and summaries, so that they are byte-stable across
/// platforms' last-bit noise; −0 becomes 0.
pub fn round_to(x: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (x * factor).round() / factor + 0.0
}

/// How a message names record `index` (0-based) of `file`: the spreadsheet row of a CSV file
/// (the header is row 1, so the first record is row 2), else the feature index (0-based).
pub fn row_label(file: &str, index: usize) -> String {
    if file.to_ascii_lowercase().ends_with(".csv") {
        format!("row {}", index + 2)
    } else {
        format!("feature {index}")
    }
}

/// The storage type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Bool,
    Int,
    Real,
    Text,
}

/// A column: name, type, unit (e.g. `km`, `km²`, `yuan`) and a one-line description.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub name: String,
    pub kind: ColumnType,
    pub unit: Option<String>,
    pub description: String,
}

impl Column {
    pub fn new(name: &str, kind: ColumnType, unit: Option<&str>, description: &str) -> Self {
        Self {
            name: name.to_string(),
            kind,
            unit: unit.map(str::to_string),
            description: description.to_string(),
        }
    }

    /// A text column without unit (codes, names, labels).
    pub fn text(name: &str, description: &str) -> Self {
        Self::new(name, ColumnType::Text, None, description)
    }
}

/// The four columns that name a border in every per-border table: `a`, `b` (codes, a < b) and
/// their names.
pub fn border_pair_columns() -> Vec<Column> {
    let text = Column::text;
    vec![
        text("a", "code of the first unit (a < b)"),
        text("b", "code of the second unit"),
        text("a_name", "name of a"),
        text("b_name", "name of b"),
    ]
}

/// The columns that name one jurisdiction: `code`, `name`, `level`.
pub fn unit_columns() -> Vec<Column> {
    let text = Column::text;
    vec![
        text("code", "jurisdiction code"),
        text("name", "jurisdiction name"),
        text("level", "administrative level"),
    ]
}

/// A table of rows with an optional geometry per row.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
    /// One entry per row when the table is spatial; `None` for attribute-only tables.
    pub geometries: Option<Vec<Option<Geometry>>>,
}

impl Table {
    /// An empty table with the given columns; spatial when `spatial` is true.
    pub fn new(name: &str, columns: Vec<Column>, spatial: bool) -> Self {
        Self {
            name: name.to_string(),
            columns,
            rows: Vec::new(),
            geometries: spatial.then(Vec::new),
        }
    }

    /// An attribute table of text columns from rows of text (fixtures and embedded tables).
    pub fn of_text<'a, R: AsRef<[&'a str]>>(name: &str, columns: &[&str], rows: &[R]) -> Self {
        let mut t = Self::new(
            name,
            columns
                .iter()
                .map(|n| Column::new(n, ColumnType::Text, None, ""))
                .collect(),
            false,
        );
        for r in rows {
            t.push(r.as_ref().iter().map(|v| (*v).into()).collect(), None);
        }
        t
    }

    /// Index of a column by name.
    /// Adds a column holding `value` on every row.
    pub fn add_column(&mut self, column: Column, value: Value) {
        self.columns.push(column);
        for row in &mut self.rows {
            row.push(value.clone());
        }
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Appends a row (and its geometry when the table is spatial).
    pub fn push(&mut self, row: Vec<Value>, geometry: Option<Geometry>) {
        debug_assert_eq!(
            row.len(),
            self.columns.len(),
            "row width of table {}",
            self.name
        );
        self.rows.push(row);
        if let Some(geoms) = self.geometries.as_mut() {
            geoms.push(geometry);
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The geometry of row `i`, if any.
    pub fn geometry(&self, i: usize) -> Option<&Geometry> {
        self.geometries
            .as_ref()
            .and_then(|g| g.get(i))
            .and_then(Option::as_ref)
    }
}
/// A table of text columns from CSV text (the shipped defaults).
pub fn table_from_csv(name: &str, text: &str) -> Result<Table, crate::error::AnalysisError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| crate::error::AnalysisError::Internal(format!("{name}: {e}")))?
        .clone();
    let mut table = Table::new(
        name,
        headers.iter().map(|h| Column::text(h, "")).collect(),
        false,
    );
    for record in reader.records() {
        let record =
            record.map_err(|e| crate::error::AnalysisError::Internal(format!("{name}: {e}")))?;
        table.push(record.iter().map(Value::from).collect(), None);
    }
    Ok(table)
}
