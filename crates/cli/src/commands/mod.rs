//! One module per subcommand.

pub mod analyze;
pub mod borders;
pub mod cases;
pub mod check;
pub mod convert;
pub mod coupling;
pub mod demo;
pub mod governance;
pub mod moran;
pub mod report;
pub mod serve;
pub mod simplify;
pub mod users;

use borderscape_core::spec::{AnalysisSpec, ParamValue, Params};

use crate::Failure;

/// The parameters of an analysis's spec from the flags a command was given (`None`: not given,
/// the spec's default applies), checked against the spec's types and bounds as `analyze` checks
/// the manifest; a value out of bounds is a usage error.
pub fn spec_params<const N: usize>(
    spec: &AnalysisSpec,
    flags: [(&str, Option<ParamValue>); N],
) -> Result<Params, Failure> {
    let given = flags
        .into_iter()
        .filter_map(|(name, value)| Some((name.to_string(), value?)))
        .collect();
    Params::resolve(spec, &given).map_err(|e| Failure::Usage(e.into()))
}
