//! The analyses, one module each, and the registry that the CLI, the report and the server iterate.
//!
//! - [`borders`]: adjacency, shared boundary lengths, border zones and topology QA at every level.
//! - [`compensation`]: ecosystem-service value and the compensation ledger.
//! - [`conflicts`]: incompatible plans, ecological discontinuity, NIMBY, dead ends, constraints.
//! - [`coupling`]: coupling coordination degree (standard and modified C) and entropy weights.
//! - [`effective_mesh`]: fragmentation by borders, CUT and CBC effective mesh size.
//! - [`governance`]: arrangements over time, stages, networks and border coverage.
//! - [`morans_i`]: global, local (LISA) and bivariate Moran's I.
//! - [`rivers`]: river sections, transboundary loads and border-siting tests.
//! - [`synergy`]: indicators across borders: autocorrelation, coupling coordination, discontinuity.

pub mod borders;
pub mod compensation;
pub mod conflicts;
pub mod coupling;
pub mod effective_mesh;
pub mod governance;
pub mod morans_i;
pub mod rivers;
pub mod synergy;

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

/// The outputs of the analyses that ran before this one in a run (registry order), so that an
/// analysis can build on another's results (governance outcomes on synergy's border coordination).
#[derive(Default)]
pub struct Prior<'a> {
    outputs: Vec<(&'static str, &'a AnalysisOutput)>,
}

impl<'a> Prior<'a> {
    pub fn new(outputs: Vec<(&'static str, &'a AnalysisOutput)>) -> Self {
        Self { outputs }
    }

    /// A table of an earlier analysis, if it ran.
    pub fn table(&self, analysis: &str, table: &str) -> Option<&'a Table> {
        self.outputs
            .iter()
            .find(|(name, _)| *name == analysis)
            .and_then(|(_, output)| output.tables.iter().find(|t| t.name == table))
    }
}

/// A registered analysis: its spec and its entry point.
pub struct Analysis {
    pub spec: &'static AnalysisSpec,
    pub run: fn(&Region, &Params, &Prior) -> Result<AnalysisOutput, AnalysisError>,
}

/// Every analysis, in the order `analyze` runs them (later ones may read earlier outputs' inputs).
pub const REGISTRY: &[Analysis] = &[
    Analysis {
        spec: &borders::SPEC,
        run: borders::run_for_pipeline,
    },
    Analysis {
        spec: &conflicts::SPEC,
        run: conflicts::run_for_pipeline,
    },
    Analysis {
        spec: &effective_mesh::SPEC,
        run: effective_mesh::run_for_pipeline,
    },
    Analysis {
        spec: &synergy::SPEC,
        run: synergy::run_for_pipeline,
    },
    Analysis {
        spec: &rivers::SPEC,
        run: rivers::run_for_pipeline,
    },
    Analysis {
        spec: &compensation::SPEC,
        run: compensation::run_for_pipeline,
    },
    Analysis {
        spec: &governance::SPEC,
        run: governance::run_for_pipeline,
    },
];

/// Looks an analysis up by name.
pub fn find(name: &str) -> Option<&'static Analysis> {
    REGISTRY.iter().find(|a| a.spec.name == name)
}
