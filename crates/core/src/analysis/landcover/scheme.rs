//! Land-cover class schemes: each class's name, its row of the Xie et al. (2015) ESV table and
//! whether it is habitat for fragmentation. The built-in schemes ship as
//! `data/landcover_schemes.csv`, with the source of every scheme and every choice marked.

use std::collections::BTreeMap;

use crate::error::AnalysisError;

pub const SCHEMES_CSV: &str = include_str!("../../../data/landcover_schemes.csv");

/// The built-in scheme names.
pub const BUILT_IN: [&str; 4] = ["igbp", "clcd", "globeland30", "worldcover"];

/// One class of a scheme.
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    pub name: String,
    /// A row of the ESV factor table (`esv_factors.csv`).
    pub esv_row: String,
    pub habitat: bool,
}

/// A class scheme.
#[derive(Debug, Clone, PartialEq)]
pub struct Scheme {
    pub name: String,
    pub classes: BTreeMap<u16, Class>,
}

impl Scheme {
    /// A built-in scheme by name.
    pub fn built_in(name: &str) -> Result<Scheme, AnalysisError> {
        if !BUILT_IN.contains(&name) {
            return Err(AnalysisError::Input(format!(
                "unknown land-cover scheme `{name}` (built in: {})",
                BUILT_IN.join(", ")
            )));
        }
        let mut reader = csv::Reader::from_reader(SCHEMES_CSV.as_bytes());
        let mut classes = BTreeMap::new();
        for record in reader.records() {
            let r = record
                .map_err(|e| AnalysisError::Internal(format!("landcover_schemes.csv: {e}")))?;
            if &r[0] != name {
                continue;
            }
            let class: u16 = r[1].parse().map_err(|_| {
                AnalysisError::Internal(format!("landcover_schemes.csv: class `{}`", &r[1]))
            })?;
            classes.insert(
                class,
                Class {
                    name: r[2].to_string(),
                    esv_row: r[3].to_string(),
                    habitat: &r[4] == "true",
                },
            );
        }
        Ok(Scheme {
            name: name.to_string(),
            classes,
        })
    }

    /// The class's name, or `class N` for a class the scheme does not know.
    pub fn class_name(&self, class: u16) -> String {
        self.classes
            .get(&class)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| format!("class {class}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::esv::EsvTables;

    /// Every built-in class reaches a row of the shipped ESV factor table.
    #[test]
    fn every_built_in_class_has_an_esv_row() {
        let esv = EsvTables::load(&|_| None).unwrap();
        for name in BUILT_IN {
            let scheme = Scheme::built_in(name).unwrap();
            assert!(scheme.classes.len() >= 9, "{name}");
            for (class, c) in &scheme.classes {
                assert!(
                    esv.row_sum(&c.esv_row).is_some(),
                    "{name} {class}: {}",
                    c.esv_row
                );
            }
        }
        assert_eq!(
            Scheme::built_in("igbp").unwrap().classes[&5].name,
            "mixed forest"
        );
        assert!(Scheme::built_in("modis").is_err());
    }
}
