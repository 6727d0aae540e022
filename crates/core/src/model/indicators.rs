//! The indicator panel (`unit`, `year` and numeric indicator columns), checked when the project
//! loads: every unit a jurisdiction, every year a whole number, every value finite.

use crate::region::Region;
use crate::table::{row_label, ColumnType, Table};

/// The indicator columns of the panel: every numeric column but `unit` and `year`.
pub fn numeric_columns(table: &Table, unit_c: usize, year_c: usize) -> Vec<usize> {
    (0..table.columns.len())
        .filter(|&c| {
            c != unit_c
                && c != year_c
                && matches!(table.columns[c].kind, ColumnType::Int | ColumnType::Real)
        })
        .collect()
}

/// Every problem of the indicators layer, naming row and field.
pub fn check(region: &Region) -> Vec<String> {
    let Some(table) = region.layers.get("indicators") else {
        return Vec::new();
    };
    let file = region.layer_name("indicators");
    let (Some(unit_c), Some(year_c)) = (table.column_index("unit"), table.column_index("year"))
    else {
        return vec![format!("{file}: needs the fields `unit` and `year`")];
    };
    let numeric = numeric_columns(table, unit_c, year_c);
    let mut problems = Vec::new();
    for (r, row) in table.rows.iter().enumerate() {
        let code = row[unit_c].to_text();
        if region.by_code(code.trim()).is_none() {
            problems.push(format!(
                "{file}: {}: field `unit`: `{code}` is not a jurisdiction",
                row_label(&file, r)
            ));
        }
        if !row[year_c]
            .as_f64()
            .is_some_and(|y| y.fract() == 0.0 && (1000.0..=9999.0).contains(&y))
        {
            problems.push(format!(
                "{file}: {}: field `year`: `{}` is not a year",
                row_label(&file, r),
                row[year_c].to_text()
            ));
        }
        for &c in &numeric {
            if row[c].as_f64().is_some_and(|v| !v.is_finite()) {
                problems.push(format!(
                    "{file}: {}: field `{}`: `{}` is not a finite number",
                    row_label(&file, r),
                    table.columns[c].name,
                    row[c].to_text()
                ));
            }
        }
    }
    problems
}
