//! The user-editable rule tables: the compatibility matrix over land-use classes, the nuisance
//! radius of each facility type, the ESV factors and crosswalk ([`super::esv`]), and the export
//! coefficients and point loads of the river loads. Defaults ship as CSV files
//! (`crates/core/data/`), documented row by row; a project replaces any of them with a layer of
//! that kind. All are parsed and checked when the project loads ([`RuleTables::load`]).

use std::collections::{BTreeMap, HashMap};

use super::esv::EsvTables;
use super::rule_source::{rule_table, ProjectTables};
use crate::error::AnalysisError;
use crate::landuse;
use crate::table::{row_label, Table};

/// The default export coefficients, as shipped (a TEMPLATE, not YRD values).
pub const DEFAULT_EXPORT_CSV: &str = include_str!("../../data/export_coefficients.csv");
/// The default point loads, as shipped (a TEMPLATE, not permit data).
pub const DEFAULT_POINT_LOADS_CSV: &str = include_str!("../../data/point_loads.csv");

/// Key (class or facility type) → pollutant → coefficient.
pub type Coefficients = BTreeMap<String, BTreeMap<String, f64>>;

/// A coefficient table with the pollutant columns it has.
fn coefficient_table(
    project: ProjectTables,
    kind: &str,
    default: &str,
    key: &str,
) -> Result<Coefficients, AnalysisError> {
    let (table, name, _) = rule_table(project, kind, default)?;
    let key_c = table
        .column_index(key)
        .ok_or_else(|| AnalysisError::Input(format!("{name}: no `{key}` field")))?;
    let pollutants: Vec<usize> = (0..table.columns.len())
        .filter(|&c| c != key_c && !matches!(table.columns[c].name.as_str(), "note" | "source"))
        .collect();
    let mut out = BTreeMap::new();
    for (i, row) in table.rows.iter().enumerate() {
        let mut values = BTreeMap::new();
        for &c in &pollutants {
            let v = row[c].as_f64().filter(|v| *v >= 0.0).ok_or_else(|| {
                AnalysisError::Input(format!(
                    "{name}: {}: field `{}`: `{}` is not a non-negative number",
                    row_label(&name, i),
                    table.columns[c].name,
                    row[c].to_text()
                ))
            })?;
            values.insert(table.columns[c].name.clone(), v);
        }
        out.insert(row[key_c].to_text().trim().to_string(), values);
    }
    Ok(out)
}

/// The shipped coefficient table of `kind`, parsed.
fn shipped(kind: &str, csv: &str, key: &str) -> Coefficients {
    coefficient_table(&|_| None, kind, csv, key).unwrap_or_default()
}

/// Every rule table of a project, parsed and checked.
#[derive(Debug, Clone)]
pub struct RuleTables {
    pub compatibility: CompatibilityMatrix,
    pub nuisance_radii: NuisanceRadii,
    pub esv: EsvTables,
    pub export_coefficients: Coefficients,
    pub point_loads: Coefficients,
    /// The kinds whose shipped default is used (for summaries and the TEMPLATE labels),
    /// including coefficient tables of the project whose values equal the shipped template: the
    /// demo writes the templates beside the project for users to edit, and a copy left as it was
    /// is still the template (judged by its values, not by what its notes say).
    pub defaults: Vec<&'static str>,
}

/// The kinds of the rule tables.
pub const RULE_KINDS: [&str; 6] = [
    "compatibility",
    "nuisance_radii",
    "esv_factors",
    "esv_crosswalk",
    "export_coefficients",
    "point_loads",
];

impl RuleTables {
    /// The project's tables where it has them, else the defaults; every problem is returned.
    pub fn load(project: ProjectTables) -> Result<RuleTables, Vec<String>> {
        let mut problems = Vec::new();
        fn checked<T>(problems: &mut Vec<String>, r: Result<T, AnalysisError>) -> Option<T> {
            r.map_err(|e| problems.push(e.to_string())).ok()
        }
        let p = &mut problems;
        let compatibility = checked(
            p,
            rule_table(project, "compatibility", DEFAULT_COMPATIBILITY_CSV),
        );
        let nuisance = checked(
            p,
            rule_table(project, "nuisance_radii", DEFAULT_NUISANCE_RADII_CSV),
        );
        let esv = checked(p, EsvTables::load(project));
        let export = checked(
            p,
            coefficient_table(project, "export_coefficients", DEFAULT_EXPORT_CSV, "class"),
        );
        let points = checked(
            p,
            coefficient_table(project, "point_loads", DEFAULT_POINT_LOADS_CSV, "type"),
        );
        let compatibility = compatibility.and_then(|(t, name, _)| {
            CompatibilityMatrix::from_table(&t, &name)
                .map_err(|p| problems.extend(p))
                .ok()
        });
        let nuisance_radii = nuisance.and_then(|(t, name, _)| {
            NuisanceRadii::from_table(&t, &name)
                .map_err(|p| problems.extend(p))
                .ok()
        });
        match (compatibility, nuisance_radii, esv, export, points) {
            (
                Some(compatibility),
                Some(nuisance_radii),
                Some(esv),
                Some(export_coefficients),
                Some(point_loads),
            ) => Ok(RuleTables {
                compatibility,
                nuisance_radii,
                esv,
                defaults: RULE_KINDS
                    .into_iter()
                    .filter(|k| {
                        project(k).is_none()
                            || match *k {
                                "export_coefficients" => {
                                    export_coefficients == shipped(k, DEFAULT_EXPORT_CSV, "class")
                                }
                                "point_loads" => {
                                    point_loads == shipped(k, DEFAULT_POINT_LOADS_CSV, "type")
                                }
                                _ => false,
                            }
                    })
                    .collect(),
                export_coefficients,
                point_loads,
            }),
            _ => Err(problems),
        }
    }

    /// The shipped defaults.
    pub fn defaults() -> RuleTables {
        RuleTables::load(&|_| None).expect("the shipped rule tables parse (tested)")
    }

    /// Whether the table of `kind` is the shipped default.
    pub fn is_default(&self, kind: &str) -> bool {
        self.defaults.contains(&kind)
    }
}

/// The default compatibility matrix, as shipped.
pub const DEFAULT_COMPATIBILITY_CSV: &str = include_str!("../../data/compatibility.csv");
/// The default nuisance radii, as shipped.
pub const DEFAULT_NUISANCE_RADII_CSV: &str = include_str!("../../data/nuisance_radii.csv");

/// How two classes may face each other across a border (methods.md §1.2).
#[derive(Debug, Clone, PartialEq)]
pub enum Compatibility {
    /// Compatible at any distance.
    Compatible,
    /// Compatible only beyond the setback.
    Setback { setback_m: f64 },
    /// Incompatible anywhere within the analysis radius.
    Incompatible,
}

/// One row of the matrix: the causing class (prefix), the affected class (prefix), the rule.
#[derive(Debug, Clone)]
pub struct CompatibilityRule {
    pub causing: String,
    pub affected: String,
    pub rule: Compatibility,
    pub note: String,
}

/// The compatibility matrix; lookups take the most specific matching row.
#[derive(Debug, Clone)]
pub struct CompatibilityMatrix {
    pub rules: Vec<CompatibilityRule>,
}

/// A problem in a rule table: its row (as [`row_label`] names it), field, message.
fn row_problem(layer: &str, row: usize, field: &str, message: String) -> String {
    format!(
        "{layer}: {}: field `{field}`: {message}",
        row_label(layer, row)
    )
}

fn field(table: &Table, name: &str, layer: &str) -> Result<usize, String> {
    table
        .column_index(name)
        .ok_or_else(|| format!("{layer}: no `{name}` field"))
}

impl CompatibilityMatrix {
    /// Parses a matrix table (`class_a`, `class_b`, `rule` 0/1/2, `setback_m` for rule 1, `note`).
    /// `layer` names the table in messages (its file).
    pub fn from_table(table: &Table, layer: &str) -> Result<Self, Vec<String>> {
        let columns = ["class_a", "class_b", "rule", "setback_m"].map(|n| field(table, n, layer));
        let [a, b, r, s] = match columns {
            [Ok(a), Ok(b), Ok(r), Ok(s)] => [a, b, r, s],
            other => return Err(other.into_iter().filter_map(Result::err).collect()),
        };
        let note = table.column_index("note");
        let mut rules = Vec::new();
        let mut problems = Vec::new();
        for (i, row) in table.rows.iter().enumerate() {
            let (causing, affected) = (row[a].to_text(), row[b].to_text());
            for (value, name) in [(&causing, "class_a"), (&affected, "class_b")] {
                if !landuse::is_known(value) {
                    problems.push(row_problem(
                        layer,
                        i,
                        name,
                        format!("`{value}` is not a class of the China 2023 classification"),
                    ));
                }
            }
            let setback = row[s].as_f64();
            let rule = match (row[r].to_text().trim(), setback) {
                ("0", _) => Compatibility::Compatible,
                ("2", _) => Compatibility::Incompatible,
                ("1", Some(d)) if d > 0.0 => Compatibility::Setback { setback_m: d },
                ("1", _) => {
                    problems.push(row_problem(
                        layer,
                        i,
                        "setback_m",
                        "rule 1 needs a positive setback in metres".into(),
                    ));
                    continue;
                }
                (other, _) => {
                    problems.push(row_problem(
                        layer,
                        i,
                        "rule",
                        format!("`{other}` is not 0 (compatible), 1 (setback) or 2 (incompatible)"),
                    ));
                    continue;
                }
            };
            rules.push(CompatibilityRule {
                causing: causing.trim().to_string(),
                affected: affected.trim().to_string(),
                rule,
                note: note.map(|c| row[c].to_text()).unwrap_or_default(),
            });
        }
        if problems.is_empty() {
            Ok(Self { rules })
        } else {
            Err(problems)
        }
    }

    /// The most specific rule for a causing and an affected class (longest matching prefixes).
    pub fn lookup(&self, causing: &str, affected: &str) -> Option<&CompatibilityRule> {
        self.rules
            .iter()
            .filter(|r| causing.starts_with(&r.causing) && affected.starts_with(&r.affected))
            .max_by_key(|r| (r.causing.len(), r.affected.len()))
    }

    /// Every (causing, affected) class pair of `classes` with a setback or incompatible rule.
    pub fn conflicting_pairs<'c>(
        &self,
        classes: &[&'c str],
    ) -> HashMap<(&'c str, &'c str), &CompatibilityRule> {
        let mut pairs = HashMap::new();
        for &c in classes {
            for &a in classes {
                if let Some(rule) = self.lookup(c, a) {
                    if rule.rule != Compatibility::Compatible {
                        pairs.insert((c, a), rule);
                    }
                }
            }
        }
        pairs
    }
}

/// Nuisance radius by facility type, with its source.
#[derive(Debug, Clone)]
pub struct NuisanceRadii {
    pub radius_m: HashMap<String, f64>,
}

impl NuisanceRadii {
    /// Parses a table of `type`, `radius_m` (and `source`).
    pub fn from_table(table: &Table, layer: &str) -> Result<Self, Vec<String>> {
        let (t, r) = match (field(table, "type", layer), field(table, "radius_m", layer)) {
            (Ok(t), Ok(r)) => (t, r),
            (a, b) => return Err([a.err(), b.err()].into_iter().flatten().collect()),
        };
        let mut radius_m = HashMap::new();
        let mut problems = Vec::new();
        for (i, row) in table.rows.iter().enumerate() {
            match row[r].as_f64() {
                Some(d) if d > 0.0 => {
                    radius_m.insert(row[t].to_text().trim().to_string(), d);
                }
                _ => problems.push(row_problem(
                    layer,
                    i,
                    "radius_m",
                    format!(
                        "`{}` is not a positive distance in metres",
                        row[r].to_text()
                    ),
                )),
            }
        }
        if problems.is_empty() {
            Ok(Self { radius_m })
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::table_from_csv;

    fn defaults() -> (CompatibilityMatrix, NuisanceRadii) {
        let m = table_from_csv("compatibility", DEFAULT_COMPATIBILITY_CSV).unwrap();
        let r = table_from_csv("nuisance_radii", DEFAULT_NUISANCE_RADII_CSV).unwrap();
        (
            CompatibilityMatrix::from_table(&m, "default").unwrap(),
            NuisanceRadii::from_table(&r, "default").unwrap(),
        )
    }

    #[test]
    fn the_shipped_tables_parse_and_the_most_specific_row_wins() {
        let (matrix, radii) = defaults();
        assert_eq!(matrix.rules.len(), 15);
        assert_eq!(
            matrix.lookup("100103", "0701").unwrap().rule,
            Compatibility::Incompatible
        );
        assert_eq!(
            matrix.lookup("100102", "0701").unwrap().rule,
            Compatibility::Setback { setback_m: 300.0 }
        );
        assert!(
            matrix.lookup("0701", "100103").is_none(),
            "the matrix is directed"
        );
        assert!(
            matrix.lookup("100101", "07").is_none(),
            "class-1 industry is compatible"
        );
        assert_eq!(radii.radius_m["incinerator"], 300.0);
    }

    /// A project copy of the template export coefficients is still the template (the demo
    /// writes one); one changed coefficient makes it the project's own table.
    #[test]
    fn a_copy_of_the_template_is_the_template() {
        let copy = table_from_csv("export_coefficients", DEFAULT_EXPORT_CSV).unwrap();
        let mut edited = copy.clone();
        let tn = edited.column_index("TN").unwrap();
        edited.rows[0][tn] = "12.5".into();
        for (table, template) in [(copy, true), (edited, false)] {
            let project = |kind: &str| {
                (kind == "export_coefficients").then(|| (&table, "export.csv".to_string()))
            };
            let rules = RuleTables::load(&project).unwrap();
            assert_eq!(rules.is_default("export_coefficients"), template);
            assert!(rules.is_default("point_loads"));
        }
    }

    #[test]
    fn bad_rows_are_named() {
        let mut m = table_from_csv("m", DEFAULT_COMPATIBILITY_CSV).unwrap();
        m.rows[2][0] = "99".into();
        m.rows[4][2] = "1".into();
        m.rows[4][3] = "".into();
        let problems = CompatibilityMatrix::from_table(&m, "matrix.csv").unwrap_err();
        assert_eq!(
            problems,
            vec![
                "matrix.csv: row 4: field `class_a`: `99` is not a class of the China 2023 classification",
                "matrix.csv: row 6: field `setback_m`: rule 1 needs a positive setback in metres",
            ]
        );
    }
}
