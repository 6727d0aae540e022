//! The contract every analysis implements: typed parameters, a typed result that later analyses
//! receive, and the output tables and summary. Kept apart from the registry so that an analysis
//! imports the contract without importing the list of every analysis.

use std::any::Any;

use crate::error::AnalysisError;
use crate::inputs::Inputs;
use crate::spec::{AnalysisSpec, Params};
use crate::table::Table;

/// What an analysis hands to the writers: tables (named as in its spec) and a summary section.
#[derive(Debug, Clone)]
pub struct AnalysisOutput {
    pub tables: Vec<Table>,
    /// Headline figures for summary.json; must be deterministic (no timestamps).
    pub summary: serde_json::Value,
}

impl AnalysisOutput {
    /// An output of analysis `A` whose summary is the serialisation of its typed summary (field
    /// order is key order in summary.json): `AnalysisOutput::new::<Self>(tables, &summary)`.
    pub fn new<A: AnalysisModule + ?Sized>(
        tables: Vec<Table>,
        summary: &A::Summary,
    ) -> Result<Self, AnalysisError> {
        let summary = serde_json::to_value(summary)
            .map_err(|e| AnalysisError::Input(format!("summary does not serialise: {e}")))?;
        Ok(Self { tables, summary })
    }
}

/// The contract of one analysis: a spec, typed parameters built from it, a typed result, and the
/// conversion of that result into output tables and a summary.
pub trait AnalysisModule: 'static {
    /// Parameters as the analysis uses them (levels parsed, lists split, counts as integers).
    type Params;
    /// What the analysis finds; the analyses that declare it in `depends_on` receive it.
    type Result: Any + Send + Sync;
    /// The typed summary: what summary.json's `analyses.<name>.results` serialises (built in
    /// `output` and passed to [`AnalysisOutput::new`]). Its JSON Schema, with the doc comments
    /// (and their units) as descriptions, is part of docs/summary.schema.json
    /// ([`crate::analysis::summary_schema`]).
    type Summary: serde::Serialize + serde::de::DeserializeOwned + schemars::JsonSchema;
    const SPEC: &'static AnalysisSpec;
    /// Builds the typed parameters from values already checked against the spec's types and
    /// bounds; what the spec cannot say (a malformed list, an unknown level) is an error here,
    /// so `check` reports it before anything runs.
    fn params(values: &Params) -> Result<Self::Params, AnalysisError>;
    fn run(
        inputs: &Inputs,
        params: &Self::Params,
        upstream: &Upstream,
    ) -> Result<Self::Result, AnalysisError>;
    /// The output tables and summary of a result.
    fn output(
        inputs: &Inputs,
        params: &Self::Params,
        result: &Self::Result,
    ) -> Result<AnalysisOutput, AnalysisError>;
}

/// The typed results of the analyses a run has finished, as handed to a later analysis: only
/// those it declares in `depends_on` (a dependency that could not run is absent).
#[derive(Default)]
pub struct Upstream<'a> {
    results: Vec<&'a (dyn Any + Send + Sync)>,
}

impl<'a> Upstream<'a> {
    pub fn new(results: Vec<&'a (dyn Any + Send + Sync)>) -> Self {
        Self { results }
    }

    /// The result of type `T` (e.g. [`rivers::RiversResult`]), if that analysis ran.
    pub fn get<T: Any>(&self) -> Option<&'a T> {
        self.results.iter().find_map(|r| r.downcast_ref::<T>())
    }
}

/// One finished analysis: its output, and its typed result for the analyses after it.
pub struct Ran {
    pub output: AnalysisOutput,
    pub result: Box<dyn Any + Send + Sync>,
}

/// A registered analysis: its spec and its entry points, the types erased so that the registry
/// is one list.
pub struct Analysis {
    pub spec: &'static AnalysisSpec,
    /// Builds the typed parameters and drops them: what `check` calls.
    pub check_params: fn(&Params) -> Result<(), AnalysisError>,
    pub run: fn(&Inputs, &Params, &Upstream) -> Result<Ran, AnalysisError>,
    /// The JSON Schema of the analysis's [`AnalysisModule::Summary`], its named types put into
    /// the generator's definitions (`$defs`) and referred to from the schema returned, so that
    /// the schemas of every analysis share one document ([`crate::analysis::summary_schema`]).
    /// [`Analysis::summary_root_schema`] is the schema alone, as a document of its own.
    pub summary_schema: fn(&mut schemars::SchemaGenerator) -> schemars::Schema,
}

impl Analysis {
    /// The registry entry of an analysis (a list of them is what runs and what the report
    /// shows: the registry's, or one with analyses of your own).
    pub const fn of<A: AnalysisModule>() -> Analysis {
        Analysis {
            spec: A::SPEC,
            check_params: |values| A::params(values).map(drop),
            run: run_erased::<A>,
            summary_schema: |generator| generator.subschema_for::<A::Summary>(),
        }
    }

    /// The JSON Schema (draft 2020-12) of the analysis's summary as a document of its own, its
    /// named types in `$defs`.
    pub fn summary_root_schema(&self) -> schemars::Schema {
        let mut generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
        let mut schema = (self.summary_schema)(&mut generator);
        let definitions = generator.take_definitions(true);
        if !definitions.is_empty() {
            schema.insert("$defs".to_string(), definitions.into());
        }
        schema.insert(
            "$schema".to_string(),
            "https://json-schema.org/draft/2020-12/schema".into(),
        );
        let mut value = schema.to_value();
        join_doc_lines(&mut value);
        schemars::Schema::try_from(value).expect("a schema stays an object")
    }
}

/// Joins the lines of every `description` into one (the derive keeps a doc comment's line
/// breaks); a blank line between paragraphs stays.
pub(super) fn join_doc_lines(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    serde_json::Value::String(text) if key == "description" => {
                        *text = text
                            .split("\n\n")
                            .map(|p| p.split('\n').map(str::trim).collect::<Vec<_>>().join(" "))
                            .collect::<Vec<_>>()
                            .join("\n\n");
                    }
                    _ => join_doc_lines(v),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(join_doc_lines),
        _ => {}
    }
}

fn run_erased<A: AnalysisModule>(
    inputs: &Inputs,
    values: &Params,
    upstream: &Upstream,
) -> Result<Ran, AnalysisError> {
    let params = A::params(values)?;
    let result = A::run(inputs, &params, upstream)?;
    let output = A::output(inputs, &params, &result)?;
    Ok(Ran {
        output,
        result: Box::new(result),
    })
}
