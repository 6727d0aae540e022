//! The operations behind the command line's `moran`, `coupling` and `analyze` and behind the
//! Python package: each takes tables already read (or a project) and typed options and returns
//! tables and reports, so that both front ends compute the same thing and fail with the same
//! message. Reading the user's files and printing stay with the front ends.

pub mod coupling;
pub mod error;
pub mod moran;
pub mod partition;
pub mod project;

pub use error::OpsError;

use std::path::Path;

use borderscape_core::spec::{AnalysisSpec, ParamValue, Params};
use borderscape_core::table::{Table, Value};
use borderscape_io::geoparquet;
use borderscape_io::{Problem, Severity};

/// The parameters of an analysis's spec from the options a command was given (`None`: not
/// given, the spec's default applies), checked against the spec's types and bounds as `analyze`
/// checks the manifest; a value out of bounds is a usage error.
pub fn spec_params<const N: usize>(
    spec: &AnalysisSpec,
    given: [(&str, Option<ParamValue>); N],
) -> Result<Params, OpsError> {
    let given = given
        .into_iter()
        .filter_map(|(name, value)| Some((name.to_string(), value?)))
        .collect();
    Params::resolve(spec, &given).map_err(|e| OpsError::Usage(e.to_string()))
}

/// `value` (row `row`, field `field` of `path`) as a finite number, or NaN with the problem
/// recorded.
fn number(value: &Value, path: &Path, row: usize, field: &str, problems: &mut Vec<Problem>) -> f64 {
    value.as_f64().filter(|v| v.is_finite()).unwrap_or_else(|| {
        problems.push(Problem::feature(
            Severity::Error,
            path,
            row,
            None,
            Some(field),
            format!("`{}` is not a number", value.to_text()),
        ));
        f64::NAN
    })
}

/// A table from the bytes of a (Geo)Parquet file (a layer the Python side wrote, a partition's
/// packed share); `name` stands for the file in messages.
pub fn read_parquet_bytes(bytes: Vec<u8>, name: &str) -> Result<Table, OpsError> {
    let read = geoparquet::read_bytes(bytes, Path::new(name))?;
    if let Some(problem) = read.problems.iter().find(|p| p.is_error()) {
        return Err(OpsError::Input(problem.to_string()));
    }
    Ok(read.table)
}
