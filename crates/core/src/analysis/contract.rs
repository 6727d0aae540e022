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
    /// An output whose summary is the serialisation of the analysis's typed summary (field order
    /// is key order in summary.json).
    pub fn new<S: serde::Serialize>(
        tables: Vec<Table>,
        summary: &S,
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
}

impl Analysis {
    pub(super) const fn of<A: AnalysisModule>() -> Analysis {
        Analysis {
            spec: A::SPEC,
            check_params: |values| A::params(values).map(drop),
            run: run_erased::<A>,
        }
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
