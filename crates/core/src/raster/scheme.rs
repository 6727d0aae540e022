//! Land-cover class schemes: each class's name, its row of the Xie et al. (2015) ESV table and
//! whether it is habitat for fragmentation. The built-in schemes ship as
//! `data/landcover_schemes.csv`, with the source of every scheme and every choice marked; a
//! project may give its own as a CSV file with the columns [`USER_COLUMNS`].

use std::collections::BTreeMap;

use crate::error::AnalysisError;
use crate::model::esv::EsvTables;

pub const SCHEMES_CSV: &str = include_str!("../../data/landcover_schemes.csv");

/// The built-in scheme names.
pub const BUILT_IN: [&str; 4] = ["igbp", "clcd", "globeland30", "worldcover"];

/// The columns of a user scheme CSV, in any order (further columns, e.g. a note, are ignored).
pub const USER_COLUMNS: [&str; 4] = ["class", "name", "esv_row", "habitat"];

/// One class of a scheme.
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    pub name: String,
    /// A row of the ESV factor table (`esv_factors.csv`).
    pub esv_row: String,
    pub habitat: bool,
    /// Its record (0-based) in the scheme's CSV, so that a later check can name the row.
    pub record: usize,
}

/// A problem of a user scheme CSV: the record (0-based; None for the header), the field, and
/// what is wrong. The caller names the file.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemeProblem {
    pub record: Option<usize>,
    pub field: Option<&'static str>,
    pub message: String,
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
        for (i, record) in reader.records().enumerate() {
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
                    record: i,
                },
            );
        }
        Ok(Scheme {
            name: name.to_string(),
            classes,
        })
    }

    /// A user scheme from the text of its CSV (columns [`USER_COLUMNS`]; `habitat` true/false,
    /// yes/no or 1/0). Every problem is returned, each with its record and field. The ESV rows
    /// are checked later against the project's ESV table ([`Scheme::unknown_esv_rows`]).
    pub fn from_csv(name: &str, text: &str) -> Result<Scheme, Vec<SchemeProblem>> {
        let problem = |record, field, message: String| SchemeProblem {
            record,
            field,
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let header = reader
            .headers()
            .map_err(|e| vec![problem(None, None, format!("not a readable CSV: {e}"))])?
            .clone();
        let columns: Vec<Option<usize>> = USER_COLUMNS
            .iter()
            .map(|c| header.iter().position(|h| h == *c))
            .collect();
        let missing: Vec<&str> = USER_COLUMNS
            .iter()
            .zip(&columns)
            .filter(|(_, c)| c.is_none())
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() {
            return Err(vec![problem(
                None,
                None,
                format!(
                    "no column {} (a land-cover scheme has the columns {})",
                    missing.join(", "),
                    USER_COLUMNS.join(",")
                ),
            )]);
        }
        let [class_c, name_c, row_c, habitat_c] = [0, 1, 2, 3].map(|i| columns[i].unwrap_or(0));
        let mut classes: BTreeMap<u16, Class> = BTreeMap::new();
        let mut problems = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let r = match record {
                Ok(r) => r,
                Err(e) => {
                    problems.push(problem(
                        Some(i),
                        None,
                        format!("not a readable CSV record: {e}"),
                    ));
                    continue;
                }
            };
            let field = |c: usize| r.get(c).unwrap_or("");
            let class = match field(class_c).parse::<u16>() {
                Ok(k) => Some(k),
                Err(_) => {
                    problems.push(problem(
                        Some(i),
                        Some("class"),
                        format!(
                            "`{}` is not a class code (a whole number from 0 to 65535)",
                            field(class_c)
                        ),
                    ));
                    None
                }
            };
            let habitat = match field(habitat_c).to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Some(true),
                "false" | "no" | "0" => Some(false),
                other => {
                    problems.push(problem(
                        Some(i),
                        Some("habitat"),
                        format!("`{other}` is not true or false (yes/no, 1/0)"),
                    ));
                    None
                }
            };
            if field(name_c).is_empty() {
                problems.push(problem(Some(i), Some("name"), "is empty".into()));
            }
            if field(row_c).is_empty() {
                problems.push(problem(
                    Some(i),
                    Some("esv_row"),
                    "is empty (a row of the ESV factor table)".into(),
                ));
            }
            let (Some(class), Some(habitat)) = (class, habitat) else {
                continue;
            };
            if let Some(first) = classes.get(&class) {
                problems.push(problem(
                    Some(i),
                    Some("class"),
                    format!(
                        "class {class} is given twice (first in row {})",
                        first.record + 2
                    ),
                ));
                continue;
            }
            classes.insert(
                class,
                Class {
                    name: field(name_c).to_string(),
                    esv_row: field(row_c).to_string(),
                    habitat,
                    record: i,
                },
            );
        }
        if classes.is_empty() && problems.is_empty() {
            problems.push(problem(None, None, "has no classes".into()));
        }
        if problems.is_empty() {
            Ok(Scheme {
                name: name.to_string(),
                classes,
            })
        } else {
            Err(problems)
        }
    }

    /// The classes whose ESV row is not a row of `esv`, each naming the valid rows (not the sea
    /// class of `[layers.sea]`, unvalued on purpose without a row `sea`).
    pub fn unknown_esv_rows(&self, esv: &EsvTables) -> Vec<SchemeProblem> {
        let valid = || esv.row_names().collect::<Vec<_>>().join(", ");
        let mut unknown: Vec<&Class> = self
            .classes
            .iter()
            .filter(|(k, _)| !is_sea(self, u32::from(**k)))
            .map(|(_, c)| c)
            .filter(|c| esv.row_sum(&c.esv_row).is_none())
            .collect();
        unknown.sort_by_key(|c| c.record);
        unknown
            .into_iter()
            .map(|c| SchemeProblem {
                record: Some(c.record),
                field: Some("esv_row"),
                message: format!(
                    "`{}` is not a row of the ESV factor table (rows: {})",
                    c.esv_row,
                    valid()
                ),
            })
            .collect()
    }

    /// The scheme's class of a raster value (none for a value beyond the scheme's u16 codes, which
    /// must not wrap onto another class).
    pub fn class(&self, value: u32) -> Option<&Class> {
        u16::try_from(value).ok().and_then(|c| self.classes.get(&c))
    }

    /// The class's name, or `class N` for a class the scheme does not know.
    pub fn class_name(&self, value: u32) -> String {
        self.class(value)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| format!("class {value}"))
    }
}

/// The class code of the sea: reserved, used by no built-in scheme (their codes run 0–100); a
/// user scheme must not use it, nor a raster as its nodata.
pub const SEA_CLASS: u16 = 65_534;

/// The name and the ESV row of the sea class.
pub const SEA: &str = "sea";

/// The sea class as a scheme gains it.
pub fn sea_class() -> Class {
    Class {
        name: SEA.into(),
        esv_row: SEA.into(),
        habitat: false,
        record: usize::MAX,
    }
}

/// Whether `class` is the sea class that `[layers.sea]` adds (not a user class of the same code).
pub fn is_sea(scheme: &Scheme, class: u32) -> bool {
    class == u32::from(SEA_CLASS) && scheme.class(class).is_some_and(|c| *c == sea_class())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_user_scheme_is_read_with_its_columns_in_any_order() {
        let text = "name,class,habitat,esv_row,note\nforest,1,yes,broadleaf,ours\nfields, 2 ,false,dry_land,\nlake,3,1,water,\n";
        let scheme = Scheme::from_csv("my.csv", text).unwrap();
        assert_eq!(scheme.classes.len(), 3);
        assert_eq!(scheme.classes[&2].name, "fields");
        assert_eq!(scheme.classes[&3].esv_row, "water");
        assert!(scheme.classes[&1].habitat && !scheme.classes[&2].habitat);
        let esv = EsvTables::load(&|_| None).unwrap();
        assert!(scheme.unknown_esv_rows(&esv).is_empty());
    }

    /// Every bad record is reported with its record and field; unknown ESV rows list the valid.
    #[test]
    fn user_scheme_problems_name_the_record_and_field() {
        let text = "class,name,esv_row,habitat\n1,forest,broadleaf,true\nx,fields,dry_land,false\n1,again,water,true\n4,lake,lakes,maybe\n";
        let problems = Scheme::from_csv("my.csv", text).unwrap_err();
        let found: Vec<(Option<usize>, Option<&str>)> =
            problems.iter().map(|p| (p.record, p.field)).collect();
        assert_eq!(
            found,
            [
                (Some(1), Some("class")),
                (Some(2), Some("class")),
                (Some(3), Some("habitat"))
            ]
        );
        assert!(problems[1].message.contains("given twice (first in row 2)"));
        let missing = Scheme::from_csv("my.csv", "class,name,row\n1,a,b\n").unwrap_err();
        assert!(
            missing[0].message.contains("no column esv_row, habitat"),
            "{missing:?}"
        );
        let lakes = Scheme::from_csv(
            "my.csv",
            "class,name,esv_row,habitat\n1,f,broadleaf,true\n4,lake,lakes,no\n",
        )
        .unwrap();
        let esv = EsvTables::load(&|_| None).unwrap();
        let unknown = lakes.unknown_esv_rows(&esv);
        assert_eq!(unknown.len(), 1);
        assert_eq!(
            (unknown[0].record, unknown[0].field),
            (Some(1), Some("esv_row"))
        );
        assert!(
            unknown[0].message.contains("`lakes` is not a row")
                && unknown[0].message.contains("steppe, water, wetland"),
            "{}",
            unknown[0].message
        );
    }
}
