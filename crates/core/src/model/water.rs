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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::crs::AnalysisCrs;
    use crate::region::Region;
    use crate::table::Table;

    /// A negative residence time and a non-numeric decay are each named by file, feature and
    /// field; empty cells are fine.
    #[test]
    fn bad_rates_are_named_by_feature_and_field() {
        let lakes = Table::of_text("lakes", &["residence_time_yr"], &[["4"], ["-1"], [""]]);
        let rivers = Table::of_text("rivers", &["decay_per_km"], &[["fast"], ["0.01"]]);
        let region = Region::new(
            "t",
            AnalysisCrs::albers_for_bounds(120.0, 30.0, 121.0, 31.0),
            Vec::new(),
            BTreeMap::from([("lakes".to_string(), lakes), ("rivers".to_string(), rivers)]),
        );
        let Err(problems) = crate::model::Model::build(&region) else {
            panic!("bad rates were accepted")
        };
        assert!(
            problems.contains(&"lakes layer: feature 1: field `residence_time_yr`: `-1` is not a number from 0 to 1000".to_string()),
            "{problems:?}"
        );
        assert!(
            problems.contains(&"rivers layer: feature 0: field `decay_per_km`: `fast` is not a number from 0 to 10".to_string()),
            "{problems:?}"
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
