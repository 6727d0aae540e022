//! The coordination case register (issue 20): cases raised from the conflicts of the results and
//! worked by the jurisdictions and the coordination office, accounts with roles, and an audit
//! log hash-chained so that any later change to it shows. One schema on SQLite (a file) or
//! PostgreSQL (a URL); see docs/cases.md.

pub mod accounts;
pub mod audit;
mod db;
pub mod error;
pub mod export;
pub mod import;
mod mark;
pub mod model;
pub mod report;
pub mod state;
pub mod store;

pub use db::is_postgres;
pub use error::CaseError;
pub use mark::APPLICATION_ID;
pub use model::{Action, Actor, Case, CasePatch, Comment, NewCase, Role, State, Units};
pub use state::{Tampered, Unverified};
pub use store::{CaseFilter, Credentials, Store, User, Verified};
