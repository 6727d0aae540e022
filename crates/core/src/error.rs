//! The one error type of the core crate.

use thiserror::Error;

/// Why an analysis could not produce its result.
#[derive(Debug, Error)]
pub enum AnalysisError {
    /// A parameter is missing, of the wrong type or out of range.
    #[error("analysis `{analysis}`: parameter `{param}`: {message}")]
    Param {
        analysis: String,
        param: String,
        message: String,
    },
    /// The input does not support the analysis (e.g. a required layer is absent).
    #[error("{0}")]
    Input(String),
    /// A geometry operation failed on a named feature.
    #[error("{feature}: {message}")]
    Geometry { feature: String, message: String },
    /// A CRS could not be built or a coordinate could not be converted.
    #[error("{0}")]
    Crs(String),
    /// A bug in borderscape.
    #[error("internal error (this is a bug in borderscape, please report it): {0}")]
    Internal(String),
}

/// Runs a geometry-library call and turns a panic inside it into an error naming the feature.
///
/// geo and i_overlay may panic on degenerate input (NaN, collapsed rings); user data must never
/// crash the program, so every overlay/buffer call on user geometry goes through here.
pub fn contain_panic<T>(
    feature: impl FnOnce() -> String,
    op: impl FnOnce() -> T,
) -> Result<T, AnalysisError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(op)).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        AnalysisError::Geometry {
            feature: feature(),
            message: format!("geometry library failed: {message}"),
        }
    })
}
