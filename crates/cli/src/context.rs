//! What every command receives ([`Context`]) and how it fails ([`Failure`], which decides the
//! exit code); the commands and `main` both import it, so it stands below them.

use std::path::PathBuf;

/// How a command failed, which decides the exit code.
pub enum Failure {
    /// The user's input is invalid (exit 1).
    Input(anyhow::Error),
    /// The command line asks for something that cannot be (exit 2, as clap's own usage errors).
    Usage(anyhow::Error),
    /// A bug (exit 3).
    Internal(anyhow::Error),
}

impl From<borderscape_io::IoError> for Failure {
    fn from(e: borderscape_io::IoError) -> Self {
        if matches!(e, borderscape_io::IoError::Refused { .. }) {
            Failure::Usage(e.into())
        } else if e.is_input_error() {
            Failure::Input(e.into())
        } else {
            Failure::Internal(e.into())
        }
    }
}

impl From<borderscape_cases::CaseError> for Failure {
    fn from(e: borderscape_cases::CaseError) -> Self {
        if matches!(e, borderscape_cases::CaseError::Refused { .. }) {
            Failure::Usage(e.into())
        } else if e.is_input_error() {
            Failure::Input(e.into())
        } else {
            Failure::Internal(e.into())
        }
    }
}

impl From<borderscape_ops::OpsError> for Failure {
    fn from(e: borderscape_ops::OpsError) -> Self {
        match e {
            borderscape_ops::OpsError::Input(m) => Failure::Input(anyhow::anyhow!(m)),
            borderscape_ops::OpsError::Usage(m) => Failure::Usage(anyhow::anyhow!(m)),
            borderscape_ops::OpsError::Io(e) => e.into(),
        }
    }
}

impl From<borderscape_core::AnalysisError> for Failure {
    fn from(e: borderscape_core::AnalysisError) -> Self {
        borderscape_io::IoError::from(e).into()
    }
}

/// Shared options every command receives.
pub struct Context {
    pub quiet: bool,
}

/// A path argument's default output folder next to a project.
pub fn default_results_dir(project: &std::path::Path) -> PathBuf {
    let root = if project.is_dir() {
        project.to_path_buf()
    } else {
        project.parent().map(PathBuf::from).unwrap_or_default()
    };
    root.join("results")
}
