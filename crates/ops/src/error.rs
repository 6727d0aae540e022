//! What can go wrong in an operation, sorted as the command line sorts its exit codes.

use borderscape_core::AnalysisError;
use borderscape_io::IoError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum OpsError {
    /// The user's input is invalid (the command line exits 1).
    #[error("{0}")]
    Input(String),
    /// An option asks for something that cannot be (the command line exits 2).
    #[error("{0}")]
    Usage(String),
    /// Reading, validating or writing failed (the message names the file).
    #[error(transparent)]
    Io(#[from] IoError),
}

impl From<AnalysisError> for OpsError {
    fn from(e: AnalysisError) -> Self {
        OpsError::Io(e.into())
    }
}
