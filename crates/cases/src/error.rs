//! What can go wrong with the register. Every error names the database; those about one case
//! name its id, and those about a value name the field.

use crate::model::{Case, State};

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The database cannot be opened or its schema is not one this version knows.
    #[error("{db}: cannot open the case register: {message}")]
    Open { db: String, message: String },
    /// The path or database holds something that is not a case register (a GeoPackage, another
    /// database, a file of another kind), or a copy's target exists: nothing was written to it.
    #[error("{path}: {message}")]
    Refused { path: String, message: String },
    /// A value given by the user is invalid.
    #[error("{db}: {}field `{field}`: {message}", case_label(*.case))]
    Invalid {
        db: String,
        case: Option<i64>,
        field: String,
        message: String,
    },
    #[error("{db}: no case {id}")]
    NotFound { db: String, id: i64 },
    #[error("{db}: no user `{name}`")]
    NoUser { db: String, name: String },
    /// The update was based on an older version of the case; `current` is the case as it is now.
    #[error("{db}: case {}: field `version`: it is {} now, not {expected} (someone changed it meanwhile)", .current.id, .current.version)]
    Stale {
        db: String,
        expected: i64,
        current: Box<Case>,
    },
    /// The transition is not one the state machine allows from the case's state.
    #[error("{db}: case {id}: field `state`: cannot go from `{from}` to `{to}`")]
    NotAllowed {
        db: String,
        id: i64,
        from: State,
        to: State,
    },
    /// The user's role or unit may not do this.
    #[error("{db}: {}{who} may not {what}: {why}", case_label(*.case))]
    Forbidden {
        db: String,
        case: Option<i64>,
        who: String,
        what: String,
        why: String,
    },
    /// Wrong name, password or token (deliberately not saying which).
    #[error("{db}: wrong name, password or token")]
    Unauthenticated { db: String },
    /// The database failed under us (a bug, a full disk, a lost connection).
    #[error("{db}: database error: {message}")]
    Database { db: String, message: String },
}

fn case_label(case: Option<i64>) -> String {
    case.map(|id| format!("case {id}: ")).unwrap_or_default()
}

impl CaseError {
    pub fn open(db: &str, e: impl std::fmt::Display) -> Self {
        CaseError::Open {
            db: db.to_string(),
            message: e.to_string(),
        }
    }

    pub fn refused(path: &str, message: impl Into<String>) -> Self {
        CaseError::Refused {
            path: path.to_string(),
            message: message.into(),
        }
    }

    pub fn invalid(db: &str, case: Option<i64>, field: &str, message: impl Into<String>) -> Self {
        CaseError::Invalid {
            db: db.to_string(),
            case,
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// Whether the error is the user's (a wrong value, a stale version, a forbidden action)
    /// rather than the database's.
    pub fn is_input_error(&self) -> bool {
        !matches!(self, CaseError::Database { .. })
    }
}
