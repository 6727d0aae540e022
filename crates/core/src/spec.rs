//! Declared specifications of analyses: inputs, parameters (with units and defaults) and outputs.
//!
//! The spec beside each analysis is the single source of truth: the CLI (`analyze --list`), the
//! manifest parser, the output metadata and the report all read it (the pattern of InVEST's
//! `MODEL_SPEC`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::AnalysisError;
use crate::table::Column;

/// The default of a parameter, which also fixes its type.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParamDefault {
    Number(f64),
    Text(&'static str),
    Bool(bool),
}

impl ParamDefault {
    /// What a value of this type is, for messages.
    fn kind(&self) -> &'static str {
        match self {
            ParamDefault::Number(_) => "a number",
            ParamDefault::Text(_) => "text",
            ParamDefault::Bool(_) => "true or false",
        }
    }
}

/// One parameter of an analysis.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ParamSpec {
    pub name: &'static str,
    /// Unit of a numeric parameter (`m`, `km`, `m²`, …); `None` for dimensionless or text.
    pub unit: Option<&'static str>,
    pub default: ParamDefault,
    /// Smallest allowed value of a numeric parameter.
    pub min: Option<f64>,
    /// Largest allowed value of a numeric parameter (so that a typo cannot ask for 10¹² permutations).
    pub max: Option<f64>,
    pub description: &'static str,
}

/// One output (a layer or an attribute table) of an analysis.
#[derive(Debug, Clone, Copy)]
pub struct OutputSpec {
    pub name: &'static str,
    /// True for a layer with geometry, false for an attribute-only table.
    pub spatial: bool,
    pub description: &'static str,
    /// Its columns (name, type, unit, description): the function the analysis builds the table
    /// with, so that the spec and the table cannot differ.
    pub columns: fn() -> Vec<Column>,
}

impl OutputSpec {
    /// Whether `table` is this output: its name, or for a per-level output
    /// (`load_matrix_<level>`) the name with a level's name in place of `<level>`.
    pub fn is_named(&self, table: &str) -> bool {
        match self.name.split_once("<level>") {
            None => self.name == table,
            Some((prefix, suffix)) => crate::region::Level::ALL
                .iter()
                .any(|l| table == format!("{prefix}{}{suffix}", l.name())),
        }
    }
}

/// Serialises with the columns listed (for `analyze --list --json` and the server).
impl Serialize for OutputSpec {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("OutputSpec", 4)?;
        s.serialize_field("name", self.name)?;
        s.serialize_field("spatial", &self.spatial)?;
        s.serialize_field("description", self.description)?;
        s.serialize_field("columns", &(self.columns)())?;
        s.end()
    }
}

/// What an analysis needs, accepts and produces.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AnalysisSpec {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// Layer kinds that must be present for the analysis to run (`jurisdictions`, `plans`, …).
    pub requires: &'static [&'static str],
    /// Layer kinds of which at least one must be present (empty: no such condition).
    pub requires_any: &'static [&'static str],
    /// Other layer kinds it reads when present (optional layers and rule tables): with the
    /// required ones, what its results rest on (their provenance).
    pub reads: &'static [&'static str],
    /// Analyses whose typed results this one uses: the run plan runs them first (when their
    /// inputs are there) and hands their results over; `analyze --list` shows them.
    pub depends_on: &'static [&'static str],
    pub params: &'static [ParamSpec],
    pub outputs: &'static [OutputSpec],
    /// Method references (full citations) shown in docs and the report.
    pub references: &'static [&'static str],
}

/// Permutations behind a pseudo p-value, shared by the analyses that permute.
pub const PERMUTATIONS: ParamSpec = ParamSpec {
    name: "permutations",
    unit: None,
    default: ParamDefault::Number(999.0),
    min: Some(0.0),
    max: Some(1_000_000.0),
    description: "Permutations for the pseudo p-values.",
};

/// Seed of the permutations: same seed, same results.
pub const SEED: ParamSpec = ParamSpec {
    name: "seed",
    unit: None,
    default: ParamDefault::Number(12345.0),
    min: Some(0.0),
    max: Some(9_007_199_254_740_992.0),
    description: "Seed of the permutations (same seed, same results).",
};

/// The alternative hypothesis of the pseudo p-values, with the analysis's default.
pub const fn alternative(default: &'static str) -> ParamSpec {
    ParamSpec {
        name: "alternative",
        unit: None,
        default: ParamDefault::Text(default),
        min: None,
        max: None,
        description: "Alternative hypothesis of the pseudo p-values: two-sided, greater, less, folded or directed (esda's names and formulas).",
    }
}

impl ParamSpec {
    /// The default of a numeric parameter.
    pub fn number_default(&self) -> Option<f64> {
        match self.default {
            ParamDefault::Number(x) => Some(x),
            _ => None,
        }
    }
}

/// A parameter value as given in the manifest or resolved from its default.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    Number(f64),
    Text(String),
    Bool(bool),
}

/// A number as a message shows it: plain, or in exponent form when huge or tiny (1e308).
fn short_number(x: f64) -> String {
    if x != 0.0 && !(1e-6..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Parameters of one analysis, resolved against its spec: every declared parameter has a value
/// of the declared type.
#[derive(Debug, Clone)]
pub struct Params {
    analysis: &'static str,
    values: BTreeMap<String, ParamValue>,
}

/// Serialises as the plain name → value map (for summary.json).
impl Serialize for Params {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.values.serialize(serializer)
    }
}

fn param_error(spec: &AnalysisSpec, param: &str, message: String) -> AnalysisError {
    AnalysisError::Param {
        analysis: spec.name.to_string(),
        param: param.to_string(),
        message,
    }
}

impl Params {
    /// Fills defaults and checks names, types and ranges of the given values.
    pub fn resolve(
        spec: &AnalysisSpec,
        given: &BTreeMap<String, ParamValue>,
    ) -> Result<Params, AnalysisError> {
        let mut values = BTreeMap::new();
        let mut problems = Self::unknown_names(spec, given);
        for p in spec.params {
            match Self::value(spec, p, given.get(p.name)) {
                Ok(value) => {
                    values.insert(p.name.to_string(), value);
                }
                Err(e) => problems.push(e),
            }
        }
        match problems.into_iter().next() {
            Some(first) => Err(first),
            None => Ok(Params {
                analysis: spec.name,
                values,
            }),
        }
    }

    /// Every problem [`Params::resolve`] would refuse, not only the first: unknown names, wrong
    /// types and values out of bounds (so that `check` lists them all in one run).
    pub fn problems(
        spec: &AnalysisSpec,
        given: &BTreeMap<String, ParamValue>,
    ) -> Vec<AnalysisError> {
        let mut problems = Self::unknown_names(spec, given);
        problems.extend(
            spec.params
                .iter()
                .filter_map(|p| Self::value(spec, p, given.get(p.name)).err()),
        );
        problems
    }

    fn unknown_names(
        spec: &AnalysisSpec,
        given: &BTreeMap<String, ParamValue>,
    ) -> Vec<AnalysisError> {
        let known: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
        given
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .map(|unknown| {
                param_error(
                    spec,
                    unknown,
                    format!("unknown parameter (known: {})", known.join(", ")),
                )
            })
            .collect()
    }

    /// The value of one parameter: the given one, checked against the spec's type and bounds,
    /// or the default.
    fn value(
        spec: &AnalysisSpec,
        p: &ParamSpec,
        given: Option<&ParamValue>,
    ) -> Result<ParamValue, AnalysisError> {
        let error = |message: String| param_error(spec, p.name, message);
        match (given, p.default) {
            (None, ParamDefault::Number(x)) => Ok(ParamValue::Number(x)),
            (None, ParamDefault::Text(t)) => Ok(ParamValue::Text(t.to_string())),
            (None, ParamDefault::Bool(b)) => Ok(ParamValue::Bool(b)),
            (Some(v @ ParamValue::Number(x)), ParamDefault::Number(_)) => {
                let got = short_number(*x);
                if !x.is_finite() {
                    return Err(error(format!("must be a finite number, got {got}")));
                }
                if let Some(min) = p.min.filter(|min| x < min) {
                    return Err(error(format!("must be at least {min}, got {got}")));
                }
                if let Some(max) = p.max.filter(|max| x > max) {
                    return Err(error(format!("must be at most {max}, got {got}")));
                }
                Ok(v.clone())
            }
            (Some(v @ ParamValue::Text(_)), ParamDefault::Text(_))
            | (Some(v @ ParamValue::Bool(_)), ParamDefault::Bool(_)) => Ok(v.clone()),
            (Some(v), default) => Err(error(format!(
                "expected {}, got {}",
                default.kind(),
                serde_json::to_string(v).unwrap_or_default()
            ))),
        }
    }

    /// All defaults of a spec.
    pub fn defaults(spec: &AnalysisSpec) -> Params {
        Self::resolve(spec, &BTreeMap::new()).expect("defaults satisfy their own spec")
    }

    /// A parameter the analysis did not declare: a bug, reported as such (never a panic).
    fn undeclared(&self, name: &str, kind: &str) -> AnalysisError {
        AnalysisError::Internal(format!(
            "analysis {} read undeclared {kind} parameter `{name}`",
            self.analysis
        ))
    }

    /// A numeric parameter.
    pub fn number(&self, name: &str) -> Result<f64, AnalysisError> {
        match self.values.get(name) {
            Some(ParamValue::Number(x)) => Ok(*x),
            _ => Err(self.undeclared(name, "number")),
        }
    }

    /// A whole-number parameter (counts, seeds); the spec's bounds keep it in range.
    pub fn count(&self, name: &str) -> Result<usize, AnalysisError> {
        self.number(name).map(|x| x as usize)
    }

    /// A true/false parameter.
    pub fn flag(&self, name: &str) -> Result<bool, AnalysisError> {
        match self.values.get(name) {
            Some(ParamValue::Bool(b)) => Ok(*b),
            _ => Err(self.undeclared(name, "true/false")),
        }
    }

    /// A text parameter.
    pub fn text(&self, name: &str) -> Result<&str, AnalysisError> {
        match self.values.get(name) {
            Some(ParamValue::Text(t)) => Ok(t),
            _ => Err(self.undeclared(name, "text")),
        }
    }

    /// A parameter that does not fit the analysis although it fits its spec's type.
    pub fn invalid(&self, name: &str, message: String) -> AnalysisError {
        AnalysisError::Param {
            analysis: self.analysis.to_string(),
            param: name.into(),
            message,
        }
    }

    /// The `alternative` parameter of a permutation test.
    pub fn alternative(&self) -> Result<crate::stats::significance::Alternative, AnalysisError> {
        let text = self.text("alternative")?;
        crate::stats::significance::Alternative::parse(text).ok_or_else(|| {
            self.invalid(
                "alternative",
                format!(
                    "`{text}` is not {}",
                    crate::stats::significance::Alternative::NAMES
                ),
            )
        })
    }

    /// The `level` parameter as a level (`province`, `city`, `county`, `township`).
    pub fn level(&self) -> Result<crate::region::Level, AnalysisError> {
        self.level_of("level")
    }

    /// A level-valued parameter.
    pub fn level_of(&self, name: &str) -> Result<crate::region::Level, AnalysisError> {
        let text = self.text(name)?;
        crate::region::Level::parse(text).ok_or_else(|| {
            self.invalid(
                name,
                format!("`{text}` is not a level (province, city, county, township)"),
            )
        })
    }

    /// Replaces one value (used by CLI flags that override the manifest).
    pub fn set(&mut self, name: &str, value: ParamValue) {
        self.values.insert(name.to_string(), value);
    }

    pub fn values(&self) -> &BTreeMap<String, ParamValue> {
        &self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: AnalysisSpec = AnalysisSpec {
        name: "demo",
        title: "Demo",
        description: "",
        requires: &[],
        requires_any: &[],
        reads: &[],
        depends_on: &[],
        params: &[ParamSpec {
            name: "width_m",
            unit: Some("m"),
            default: ParamDefault::Number(1000.0),
            min: Some(0.0),
            max: Some(100_000.0),
            description: "",
        }],
        outputs: &[],
        references: &[],
    };

    #[test]
    fn resolves_defaults_and_rejects_bad_values() {
        assert_eq!(Params::defaults(&SPEC).number("width_m").unwrap(), 1000.0);
        assert!(matches!(
            Params::defaults(&SPEC).number("widht_m"),
            Err(AnalysisError::Internal(_))
        ));
        let mut huge = BTreeMap::new();
        huge.insert("width_m".to_string(), ParamValue::Number(1e308));
        assert!(Params::resolve(&SPEC, &huge)
            .unwrap_err()
            .to_string()
            .contains("at most 100000"));
        let mut given = BTreeMap::new();
        given.insert("width_m".to_string(), ParamValue::Number(-1.0));
        assert!(Params::resolve(&SPEC, &given)
            .unwrap_err()
            .to_string()
            .contains("at least 0"));
        given.insert("width_m".to_string(), ParamValue::Text("wide".into()));
        assert!(Params::resolve(&SPEC, &given).is_err());
        let mut unknown = BTreeMap::new();
        unknown.insert("height_m".to_string(), ParamValue::Number(1.0));
        assert!(Params::resolve(&SPEC, &unknown)
            .unwrap_err()
            .to_string()
            .contains("unknown parameter"));
    }
}
