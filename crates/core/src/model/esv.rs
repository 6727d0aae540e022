//! Ecosystem-service value by the equivalent-factor method (Xie et al. 2015; methods reference
//! §4.2): ESV = Σ_k A_k · Σ_f e_kf · D, with A_k in ha, e_kf the factor of ESV row k and service
//! f, and D = 3406.50 yuan/ha (2010 prices; Xie et al. 2015). Plan classes reach the ESV rows
//! through an editable crosswalk (longest matching class prefix).

use std::collections::{BTreeMap, BTreeSet};

use super::rule_source::{rule_table, ProjectTables};
use crate::error::AnalysisError;
use crate::table::{row_label, Table};

pub const DEFAULT_FACTORS_CSV: &str = include_str!("../../data/esv_factors.csv");
pub const DEFAULT_CROSSWALK_CSV: &str = include_str!("../../data/esv_crosswalk.csv");

/// The eleven services of the table, in its column order.
pub const SERVICES: [&str; 11] = [
    "food",
    "raw_materials",
    "water_supply",
    "gas_regulation",
    "climate_regulation",
    "purification",
    "hydrological_regulation",
    "soil_conservation",
    "nutrient_cycling",
    "biodiversity",
    "aesthetics",
];

/// Factors per ESV row and the crosswalk from plan classes.
#[derive(Debug, Clone)]
pub struct EsvTables {
    /// Row → (sum of its factors over the services, confirmed against the source).
    rows: BTreeMap<String, (f64, bool)>,
    /// (class prefix, row), longest prefix first.
    crosswalk: Vec<(String, String)>,
}

impl EsvTables {
    /// The project's `esv_factors` and `esv_crosswalk` layers, else the shipped defaults.
    pub fn load(project: ProjectTables) -> Result<Self, AnalysisError> {
        let (factors, f_name, _) = rule_table(project, "esv_factors", DEFAULT_FACTORS_CSV)?;
        let (crosswalk, c_name, _) = rule_table(project, "esv_crosswalk", DEFAULT_CROSSWALK_CSV)?;
        let column = |t: &Table, name: &str, file: &str| {
            t.column_index(name)
                .ok_or_else(|| AnalysisError::Input(format!("{file}: no `{name}` field")))
        };
        let row_c = column(&factors, "row", &f_name)?;
        let service_c: Vec<usize> = SERVICES
            .iter()
            .map(|s| column(&factors, s, &f_name))
            .collect::<Result<_, _>>()?;
        let tag_c = factors.column_index("tag");
        let mut rows = BTreeMap::new();
        for (i, r) in factors.rows.iter().enumerate() {
            let mut sum = 0.0;
            for (&c, service) in service_c.iter().zip(SERVICES) {
                sum += r[c].as_f64().ok_or_else(|| {
                    AnalysisError::Input(format!(
                        "{f_name}: {}: field `{service}`: `{}` is not a number",
                        row_label(&f_name, i),
                        r[c].to_text()
                    ))
                })?;
            }
            let confirmed = tag_c.is_none_or(|c| r[c].to_text().trim() == "C");
            rows.insert(r[row_c].to_text(), (sum, confirmed));
        }
        let (class_c, target_c) = (
            column(&crosswalk, "class", &c_name)?,
            column(&crosswalk, "row", &c_name)?,
        );
        let mut pairs = Vec::new();
        for (i, r) in crosswalk.rows.iter().enumerate() {
            let target = r[target_c].to_text();
            if !rows.contains_key(&target) {
                return Err(AnalysisError::Input(format!(
                    "{c_name}: {}: field `row`: `{target}` is not a row of {f_name}",
                    row_label(&c_name, i)
                )));
            }
            pairs.push((r[class_c].to_text().trim().to_string(), target));
        }
        pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Ok(Self {
            rows,
            crosswalk: pairs,
        })
    }

    /// The ESV row of a plan class and the sum of its factors (None: no crosswalk row).
    pub fn factor(&self, class: &str) -> Option<(&str, f64)> {
        let (_, row) = self
            .crosswalk
            .iter()
            .find(|(p, _)| class.starts_with(p.as_str()))?;
        Some((row.as_str(), self.rows[row].0))
    }

    /// The sum of the factors of an ESV row (land-cover schemes name rows directly).
    pub fn row_sum(&self, row: &str) -> Option<f64> {
        self.rows.get(row).map(|(sum, _)| *sum)
    }

    /// The names of the rows, in alphabetical order (messages list them).
    pub fn row_names(&self) -> impl Iterator<Item = &str> {
        self.rows.keys().map(String::as_str)
    }

    /// The rows among `used` whose factors are not confirmed against the source ([R] or [P]).
    pub fn unconfirmed<'a>(&self, used: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
        used.into_iter()
            .filter(|r| self.rows.get(*r).is_some_and(|(_, c)| !c))
            .map(str::to_string)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_sum_the_factors_of_the_crosswalked_row() {
        let esv = EsvTables::load(&|_| None).unwrap();
        // Wetland: 0.51 + 0.50 + 2.59 + 1.90 + 3.60 + 3.60 + 24.23 + 2.31 + 0.18 + 7.87 + 4.73.
        let (row, sum) = esv.factor("0506").unwrap();
        assert_eq!(row, "wetland");
        assert!((sum - 52.02).abs() < 1e-9);
        assert_eq!(esv.factor("0102").unwrap().0, "dry_land");
        assert_eq!(esv.factor("0701").unwrap().1, 0.0);
        assert!(esv.factor("99").is_none());
        let flagged = esv.unconfirmed(["wetland", "shrub_grass", "water", "built_up"]);
        // built_up = 0 is ours: Xie et al. (2015) have no construction-land row.
        assert_eq!(
            flagged,
            BTreeSet::from(["built_up".to_string(), "shrub_grass".to_string()])
        );
    }
}
