//! Errors and validation problems of the io crate. Every message names the file, and where it
//! applies the feature (index and code) and the field.

use std::fmt;
use std::path::Path;

use borderscape_core::table::row_label;
use borderscape_core::AnalysisError;
use serde::Serialize;
use thiserror::Error;

/// How serious a validation problem is: errors stop a run, warnings are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One validation finding, located as precisely as the input allows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub file: String,
    /// 0-based index of the feature (row) in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<usize>,
    /// The feature's code (or id) when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    /// A problem with a whole file.
    pub fn file(severity: Severity, file: &Path, message: impl Into<String>) -> Self {
        Self {
            severity,
            file: file.display().to_string(),
            feature: None,
            code: None,
            field: None,
            message: message.into(),
        }
    }

    /// An error whose message already names its file, row or entry, and field (the domain
    /// model's checks).
    pub fn located(message: String) -> Self {
        Self {
            severity: Severity::Error,
            file: String::new(),
            feature: None,
            code: None,
            field: None,
            message,
        }
    }

    /// A problem with one feature, optionally one field of it.
    pub fn feature(
        severity: Severity,
        file: &Path,
        feature: usize,
        code: Option<&str>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            file: file.display().to_string(),
            feature: Some(feature),
            code: code.map(str::to_string),
            field: field.map(str::to_string),
            message: message.into(),
        }
    }

    /// An error in the geometry of one feature (no code known yet at read time).
    pub fn geometry(file: &Path, feature: usize, message: impl Into<String>) -> Self {
        Self::feature(
            Severity::Error,
            file,
            feature,
            None,
            Some("geometry"),
            message,
        )
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.file.is_empty() {
            return f.write_str(&self.message);
        }
        write!(f, "{}", self.file)?;
        if let Some(i) = self.feature {
            write!(f, ": {}", row_label(&self.file, i))?;
            if let Some(code) = &self.code {
                write!(f, " (code {code})")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why reading, validating or writing failed.
#[derive(Debug, Error)]
pub enum IoError {
    /// The file cannot be opened, parsed or written at all.
    #[error("{path}: {message}")]
    File { path: String, message: String },
    /// The input was read but is invalid; every problem is listed.
    #[error("{}", format_problems(.0))]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// An output target the command will not write to (it would replace the user's files).
    #[error("{path}: {message}")]
    Refused { path: String, message: String },
    /// A bug in borderscape.
    #[error("internal error (this is a bug in borderscape, please report it): {0}")]
    Internal(String),
}

fn format_problems(problems: &[Problem]) -> String {
    let errors: Vec<String> = problems
        .iter()
        .filter(|p| p.is_error())
        .map(|p| p.to_string())
        .collect();
    format!(
        "{} error(s) in the input:\n  {}",
        errors.len(),
        errors.join("\n  ")
    )
}

impl IoError {
    /// A whole-file error.
    pub fn file(path: &Path, message: impl fmt::Display) -> Self {
        IoError::File {
            path: path.display().to_string(),
            message: message.to_string(),
        }
    }

    /// A single invalid feature/field.
    pub fn invalid(problem: Problem) -> Self {
        IoError::Invalid(vec![problem])
    }

    /// True when the cause is the user's input (exit code 1) rather than a bug (exit code 3).
    /// The error as one problem of `path`, the file named once (a `File` error names its own).
    pub fn into_problem(self, path: &Path) -> Problem {
        match self {
            IoError::File { path, message } => {
                Problem::file(Severity::Error, Path::new(&path), message)
            }
            other => Problem::file(Severity::Error, path, other.to_string()),
        }
    }

    pub fn is_input_error(&self) -> bool {
        match self {
            IoError::File { .. } | IoError::Invalid(_) => true,
            IoError::Analysis(e) => !matches!(e, AnalysisError::Internal(_)),
            IoError::Internal(_) => false,
            IoError::Refused { .. } => true,
        }
    }
}
