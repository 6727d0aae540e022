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
mod schema;

pub mod borders;
pub mod compensation;
pub mod conflicts;
pub mod effective_mesh;
pub mod governance;
pub mod landcover;
pub mod rivers;
pub mod synergy;

pub use contract::{Analysis, AnalysisModule, AnalysisOutput, Ran, Upstream};
pub use schema::summary_schema;

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
