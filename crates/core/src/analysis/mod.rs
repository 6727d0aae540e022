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

pub mod borders;
pub mod compensation;
pub mod conflicts;
pub mod effective_mesh;
pub mod governance;
pub mod landcover;
pub mod rivers;
pub mod synergy;

use std::any::Any;

use crate::error::AnalysisError;
use crate::region::Region;
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
        region: &Region,
        params: &Self::Params,
        upstream: &Upstream,
    ) -> Result<Self::Result, AnalysisError>;
    /// The output tables and summary of a result.
    fn output(
        region: &Region,
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
    pub run: fn(&Region, &Params, &Upstream) -> Result<Ran, AnalysisError>,
}

impl Analysis {
    const fn of<A: AnalysisModule>() -> Analysis {
        Analysis {
            spec: A::SPEC,
            check_params: |values| A::params(values).map(drop),
            run: run_erased::<A>,
        }
    }
}

fn run_erased<A: AnalysisModule>(
    region: &Region,
    values: &Params,
    upstream: &Upstream,
) -> Result<Ran, AnalysisError> {
    let params = A::params(values)?;
    let result = A::run(region, &params, upstream)?;
    let output = A::output(region, &params, &result)?;
    Ok(Ran {
        output,
        result: Box::new(result),
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
