//! What every reader shares, below them all: the table a reader returns with its problems, the
//! levels whose geometry a caller wants, the layer name of a file, and the helpers that turn
//! records into columns and geometries. `read` dispatches to the readers and re-exports these.

use std::path::Path;

use borderscape_core::region::Level;
use borderscape_core::table::{Column, ColumnType, Table};

use crate::error::Problem;

/// The levels (by the text of field `field`) whose features' geometry is wanted.
#[derive(Debug, Clone)]
pub struct GeometryLevels {
    pub field: String,
    pub levels: Vec<Level>,
}

impl GeometryLevels {
    /// Whether a feature with this level value is wanted: yes unless its value names another
    /// level (a missing or unreadable level is left to validation, with its geometry).
    pub fn wants(&self, value: Option<&serde_json::Value>) -> bool {
        match value
            .and_then(serde_json::Value::as_str)
            .and_then(Level::parse)
        {
            Some(level) => self.levels.contains(&level),
            None => true,
        }
    }
}

/// A table read from a file, with the problems found while reading (e.g. unclosed rings).
#[derive(Debug, Clone)]
pub struct ReadResult {
    pub table: Table,
    pub problems: Vec<Problem>,
}

/// The layer name of a file: its stem.
pub fn layer_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "layer".into())
}

/// A converted geometry, or `None` with the conversion error recorded against feature `index`.
pub(crate) fn geometry_or_problem<E: std::fmt::Display>(
    converted: Result<geo::Geometry, E>,
    path: &Path,
    index: usize,
    problems: &mut Vec<Problem>,
) -> Option<geo::Geometry> {
    converted
        .map_err(|e| problems.push(Problem::geometry(path, index, e.to_string())))
        .ok()
}

/// Columns from the (name, kind) pairs of every record, in order of first appearance; a column
/// mixing integers and reals is real, any other mix is text.
pub(crate) fn infer_columns<'a, R, I>(records: R) -> Vec<Column>
where
    R: IntoIterator<Item = I>,
    I: IntoIterator<Item = (&'a str, Option<ColumnType>)>,
{
    let mut columns: Vec<(String, Option<ColumnType>)> = Vec::new();
    for record in records {
        for (name, kind) in record {
            let slot = match columns.iter().position(|(n, _)| n == name) {
                Some(i) => &mut columns[i].1,
                None => {
                    columns.push((name.to_string(), None));
                    &mut columns.last_mut().expect("just pushed").1
                }
            };
            *slot = match (*slot, kind) {
                (old, None) => old,
                (None, new) => new,
                (Some(a), Some(b)) if a == b => Some(a),
                (Some(ColumnType::Int), Some(ColumnType::Real))
                | (Some(ColumnType::Real), Some(ColumnType::Int)) => Some(ColumnType::Real),
                _ => Some(ColumnType::Text),
            };
        }
    }
    columns
        .into_iter()
        .map(|(name, kind)| Column::new(&name, kind.unwrap_or(ColumnType::Text), None, ""))
        .collect()
}
