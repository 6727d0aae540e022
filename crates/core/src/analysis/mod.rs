//! The analyses, one module each, and the registry that the CLI, the report and the server iterate.
//!
//! - [`borders`]: adjacency, shared boundary lengths, border zones and topology QA at every level.
//! - [`compensation`]: ecosystem-service value and the compensation ledger.
//! - [`conflicts`]: incompatible plans, ecological discontinuity, NIMBY, dead ends, constraints.
//! - [`effective_mesh`]: fragmentation by borders, CUT and CBC effective mesh size.
//! - [`governance`]: arrangements over time, stages, networks and border coverage.
//! - [`landcover`]: land-cover rasters: exact zonal composition and ecosystem-service value.
//! - [`rivers`]: river sections, transboundary loads and border-siting tests.
//! - [`synergy`]: indicators across borders: autocorrelation, coupling coordination, discontinuity.

mod contract;
pub mod number;

pub mod borders;
pub mod compensation;
pub mod conflicts;
pub mod effective_mesh;
pub mod governance;
pub mod landcover;
pub mod rivers;
pub mod synergy;

pub use contract::{Analysis, AnalysisModule, AnalysisOutput, Ran, Upstream};

use crate::{region, spec};

/// Every analysis, in the order `analyze` runs them (an analysis comes after those it depends on).
pub const REGISTRY: &[Analysis] = &[
    Analysis::of::<borders::Borders>(),
    Analysis::of::<conflicts::Conflicts>(),
    Analysis::of::<effective_mesh::EffectiveMesh>(),
    Analysis::of::<synergy::Synergy>(),
    Analysis::of::<rivers::Rivers>(),
    Analysis::of::<landcover::LandCover>(),
    Analysis::of::<compensation::Compensation>(),
    Analysis::of::<governance::Governance>(),
];

/// Looks an analysis up by name.
pub fn find(name: &str) -> Option<&'static Analysis> {
    REGISTRY.iter().find(|a| a.spec.name == name)
}

/// The JSON Schema (draft 2020-12) of summary.json's `analyses` object, as docs/summary.schema.json
/// has it: a property per registered analysis (present when it ran) holding its `params` (from
/// the spec), `results` (the schema of its [`AnalysisModule::Summary`], doc comments as
/// descriptions) and `tables` (rows per output table). The named types of every summary are in
/// `$defs`, sorted by name.
pub fn summary_schema() -> serde_json::Value {
    use serde_json::{json, Map, Value};

    let mut generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let mut analyses = Map::new();
    for a in REGISTRY {
        let results = (a.summary_schema)(&mut generator);
        analyses.insert(
            a.spec.name.to_string(),
            json!({
                "description": format!("{}: {}", a.spec.title, a.spec.description),
                "type": "object",
                "properties": {
                    "params": params_schema(a.spec),
                    "results": results,
                    "tables": tables_schema(a.spec),
                },
                "required": ["params", "results", "tables"],
                "additionalProperties": false,
            }),
        );
    }
    let definitions: std::collections::BTreeMap<String, Value> =
        generator.take_definitions(true).into_iter().collect();
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "borderscape summary.json: analyses",
        "description": "The `analyses` object of summary.json: one property per analysis that ran, \
            with the parameters it ran with, its results (its typed summary) and the rows of each \
            table it wrote. Generated from the analyses' summary types \
            (borderscape_core::analysis::summary_schema); do not edit by hand.",
        "type": "object",
        "properties": analyses,
        "additionalProperties": false,
        "$defs": definitions,
    });
    contract::join_doc_lines(&mut schema);
    schema
}

/// `params` of an analysis in summary.json: every parameter of its spec, resolved (defaults
/// filled in), by name.
fn params_schema(spec: &spec::AnalysisSpec) -> serde_json::Value {
    use serde_json::{json, Map, Value};

    let mut properties = Map::new();
    for p in spec.params {
        let mut param = Map::new();
        let kind = match p.default {
            spec::ParamDefault::Number(_) => "number",
            spec::ParamDefault::Text(_) => "string",
            spec::ParamDefault::Bool(_) => "boolean",
        };
        param.insert("type".into(), kind.into());
        let description = match p.unit {
            Some(unit) => format!("{} Unit: {unit}.", p.description),
            None => p.description.to_string(),
        };
        param.insert("description".into(), description.into());
        param.insert("default".into(), json!(p.default));
        if let Some(min) = p.min {
            param.insert("minimum".into(), json!(min));
        }
        if let Some(max) = p.max {
            param.insert("maximum".into(), json!(max));
        }
        properties.insert(p.name.to_string(), Value::Object(param));
    }
    let required: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
    json!({
        "description": "The parameters the analysis ran with (defaults filled in).",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// `tables` of an analysis in summary.json: rows per table written, by table name (a per-level
/// output once per level, `<level>` replaced by the level's name).
fn tables_schema(spec: &spec::AnalysisSpec) -> serde_json::Value {
    use serde_json::{json, Map};

    let mut properties = Map::new();
    let mut patterns = Map::new();
    for o in spec.outputs {
        let rows = json!({
            "description": format!("Rows of the table: {}", o.description),
            "type": "integer",
            "minimum": 0,
        });
        match o.name.split_once("<level>") {
            None => {
                properties.insert(o.name.to_string(), rows);
            }
            Some((prefix, suffix)) => {
                let levels: Vec<&str> = region::Level::ALL.iter().map(|l| l.name()).collect();
                let pattern = format!("^{prefix}({}){suffix}$", levels.join("|"));
                patterns.insert(pattern, rows);
            }
        }
    }
    let mut schema = json!({
        "description": "Rows of each table the analysis wrote, by table name.",
        "type": "object",
        "properties": properties,
    });
    if !patterns.is_empty() {
        schema["patternProperties"] = patterns.into();
    }
    schema["additionalProperties"] = false.into();
    schema
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Params;

    #[test]
    fn every_analysis_builds_its_params_from_its_defaults() {
        for a in REGISTRY {
            let defaults = Params::defaults(a.spec);
            (a.check_params)(&defaults).unwrap_or_else(|e| panic!("{}: {e}", a.spec.name));
        }
    }

    /// Issue 16: every numeric parameter has both bounds, and its default lies between them.
    #[test]
    fn every_number_is_bounded() {
        for a in REGISTRY {
            for p in a.spec.params {
                if let Some(default) = p.number_default() {
                    let (min, max) = (p.min, p.max);
                    assert!(
                        min.is_some_and(|m| m <= default) && max.is_some_and(|m| m >= default),
                        "{}.{} needs bounds around its default",
                        a.spec.name,
                        p.name
                    );
                }
            }
        }
    }

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

    #[test]
    fn dependencies_are_registered_earlier() {
        for (i, a) in REGISTRY.iter().enumerate() {
            for dep in a.spec.depends_on {
                let at = REGISTRY.iter().position(|b| b.spec.name == *dep);
                assert!(
                    at.is_some_and(|at| at < i),
                    "{} depends on {dep}, which must be registered before it",
                    a.spec.name
                );
            }
        }
    }
}
