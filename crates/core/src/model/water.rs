//! The rate fields of the water layers: a reach's `decay_per_km` and a lake's
//! `residence_time_yr`, which routing reads as they are. Each must be a finite number ≥ 0 where
//! given (an empty cell means "use the default").

use crate::region::Region;
use crate::table::{row_label, Value};

/// Problems with the rate fields, each naming the file, the feature or row, and the field.
pub fn check(region: &Region) -> Vec<String> {
    let mut problems = Vec::new();
    for (kind, field, bound) in [
        ("rivers", "decay_per_km", 10.0),
        ("lakes", "residence_time_yr", 1_000.0),
    ] {
        let Some(table) = region.layers.get(kind) else {
            continue;
        };
        let Some(c) = table.column_index(field) else {
            continue;
        };
        let file = region.layer_name(kind);
        for (i, row) in table.rows.iter().enumerate() {
            let fine = match &row[c] {
                Value::Null => true,
                Value::Text(t) if t.trim().is_empty() => true,
                v => v
                    .as_f64()
                    .is_some_and(|x| x.is_finite() && (0.0..=bound).contains(&x)),
            };
            if !fine {
                problems.push(format!(
                    "{file}: {}: field `{field}`: `{}` is not a number from 0 to {bound}",
                    row_label(&file, i),
                    row[c].to_text()
                ));
            }
        }
    }
    problems
}
