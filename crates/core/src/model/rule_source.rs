//! Where a rule table comes from: the project's layer of that kind, else the default shipped
//! with borderscape. Below both the rule tables ([`super::rules`]) and the ESV tables
//! ([`super::esv`]), which read their tables through it.

use crate::error::AnalysisError;
use crate::table::{table_from_csv, Table};

/// How the project's rule tables are found: the layer of a kind with the name messages give it
/// (`None`: the project has none, the default applies).
pub type ProjectTables<'a> = &'a dyn Fn(&str) -> Option<(&'a Table, String)>;

/// The project's table of `kind`, else the shipped default; its name for messages, and whether
/// it is the default.
pub fn rule_table(
    project: ProjectTables,
    kind: &str,
    default: &str,
) -> Result<(Table, String, bool), AnalysisError> {
    match project(kind) {
        Some((t, name)) => Ok((t.clone(), name, false)),
        None => Ok((
            table_from_csv(kind, default)?,
            format!("default {kind}.csv"),
            true,
        )),
    }
}
