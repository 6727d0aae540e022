//! The JSON Schema (draft 2020-12) of summary.json's `analyses` object, as
//! docs/summary.schema.json has it, built from the registry: a property per analysis holding its
//! `params` (from the spec), `results` (the schema of its [`AnalysisModule::Summary`], doc comments
//! as descriptions) and `tables` (rows per output table). The named types of every summary are
//! in `$defs`, sorted by name.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::contract::join_doc_lines;
#[cfg(doc)]
use super::contract::AnalysisModule;
use super::REGISTRY;
use crate::provenance::Basis;
use crate::region::Level;
use crate::spec::{AnalysisSpec, ParamDefault};

/// The schema document.
#[derive(Serialize)]
struct Document {
    #[serde(rename = "$schema")]
    schema: &'static str,
    title: &'static str,
    description: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    properties: BTreeMap<String, Object<Value>>,
    #[serde(rename = "additionalProperties")]
    additional_properties: bool,
    #[serde(rename = "$defs")]
    definitions: BTreeMap<String, Value>,
}

/// An object schema: named properties (all or some required), properties by name pattern, and
/// no others.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Object<P> {
    description: String,
    #[serde(rename = "type")]
    kind: &'static str,
    properties: BTreeMap<String, P>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pattern_properties: BTreeMap<String, P>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    required: Vec<&'static str>,
    additional_properties: bool,
}

impl<P> Object<P> {
    fn new(description: impl Into<String>, properties: BTreeMap<String, P>) -> Self {
        Object {
            description: description.into(),
            kind: "object",
            properties,
            pattern_properties: BTreeMap::new(),
            required: Vec::new(),
            additional_properties: false,
        }
    }
}

/// A parameter as summary.json gives it: its type, meaning, default and bounds.
#[derive(Serialize)]
struct Param {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    default: &'static ParamDefault,
    #[serde(skip_serializing_if = "Option::is_none")]
    minimum: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    maximum: Option<f64>,
}

/// A table's row count.
#[derive(Serialize)]
struct Rows {
    description: String,
    #[serde(rename = "type")]
    kind: &'static str,
    minimum: u64,
}

/// The schema of summary.json's `analyses` (see the module's comment).
pub fn summary_schema() -> Value {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let mut analyses = BTreeMap::new();
    for a in REGISTRY {
        let properties = BTreeMap::from([
            (
                "basis".to_string(),
                generator.subschema_for::<Basis>().to_value(),
            ),
            ("params".to_string(), to_value(params_schema(a.spec))),
            (
                "results".to_string(),
                (a.summary_schema)(&mut generator).to_value(),
            ),
            ("tables".to_string(), to_value(tables_schema(a.spec))),
        ]);
        let mut analysis = Object::new(
            format!("{}: {}", a.spec.title, a.spec.description),
            properties,
        );
        analysis.required = vec!["basis", "params", "results", "tables"];
        analyses.insert(a.spec.name.to_string(), analysis);
    }
    let document = Document {
        schema: "https://json-schema.org/draft/2020-12/schema",
        title: "borderscape summary.json: analyses",
        description: "The `analyses` object of summary.json: one property per analysis that ran, \
            with the parameters it ran with, its results (its typed summary) and the rows of each \
            table it wrote. Generated from the analyses' summary types \
            (borderscape_core::analysis::summary_schema); do not edit by hand.",
        kind: "object",
        properties: analyses,
        additional_properties: false,
        definitions: generator.take_definitions(true).into_iter().collect(),
    };
    let mut schema = to_value(document);
    join_doc_lines(&mut schema);
    schema
}

/// A schema part as JSON (its types have string keys and plain values).
fn to_value(part: impl Serialize) -> Value {
    serde_json::to_value(part).expect("schema parts serialise")
}

/// `params` of an analysis in summary.json: every parameter of its spec, resolved (defaults
/// filled in), by name.
fn params_schema(spec: &AnalysisSpec) -> Object<Param> {
    let properties = spec
        .params
        .iter()
        .map(|p| {
            let kind = match p.default {
                ParamDefault::Number(_) => "number",
                ParamDefault::Text(_) => "string",
                ParamDefault::Bool(_) => "boolean",
            };
            let description = match p.unit {
                Some(unit) => format!("{} Unit: {unit}.", p.description),
                None => p.description.to_string(),
            };
            let param = Param {
                kind,
                description,
                default: &p.default,
                minimum: p.min,
                maximum: p.max,
            };
            (p.name.to_string(), param)
        })
        .collect();
    let mut params = Object::new(
        "The parameters the analysis ran with (defaults filled in).",
        properties,
    );
    params.required = spec.params.iter().map(|p| p.name).collect();
    params
}

/// `tables` of an analysis in summary.json: rows per table written, by table name (a per-level
/// output once per level, `<level>` replaced by the level's name).
fn tables_schema(spec: &AnalysisSpec) -> Object<Rows> {
    let mut tables = Object::new(
        "Rows of each table the analysis wrote, by table name.",
        BTreeMap::new(),
    );
    for o in spec.outputs {
        let rows = Rows {
            description: format!("Rows of the table: {}", o.description),
            kind: "integer",
            minimum: 0,
        };
        match o.name.split_once("<level>") {
            None => {
                tables.properties.insert(o.name.to_string(), rows);
            }
            Some((prefix, suffix)) => {
                let levels: Vec<&str> = Level::ALL.iter().map(|l| l.name()).collect();
                let pattern = format!("^{prefix}({}){suffix}$", levels.join("|"));
                tables.pattern_properties.insert(pattern, rows);
            }
        }
    }
    tables
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/summary.schema.json is `summary_schema()`'s output
    /// (`BORDERSCAPE_UPDATE_SCHEMA=1 cargo test -p borderscape-core summary_schema` rewrites it).
    #[test]
    fn summary_schema_file_is_current() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/summary.schema.json"
        );
        let now = serde_json::to_string_pretty(&summary_schema()).unwrap() + "\n";
        if std::env::var_os("BORDERSCAPE_UPDATE_SCHEMA").is_some() {
            std::fs::write(path, &now).unwrap();
        }
        let file = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            file == now,
            "docs/summary.schema.json is stale: BORDERSCAPE_UPDATE_SCHEMA=1 cargo test -p borderscape-core summary_schema"
        );
    }

    /// Every `$ref` of the schema resolves within it, and every analysis has its results.
    #[test]
    fn summary_schema_refers_only_to_its_definitions() {
        fn refs_resolve(schema: &serde_json::Value) {
            let text = schema.to_string();
            for (at, _) in text.match_indices("\"$ref\":\"#/$defs/") {
                let name: String = text[at + 16..].chars().take_while(|c| *c != '"').collect();
                assert!(
                    schema["$defs"].get(&name).is_some(),
                    "no definition of {name}"
                );
            }
        }
        let schema = summary_schema();
        refs_resolve(&schema);
        for a in REGISTRY {
            let results = &schema["properties"][a.spec.name]["properties"]["results"];
            assert!(results.is_object(), "{}", a.spec.name);
            refs_resolve(a.summary_root_schema().as_value());
        }
    }
}
