//! The case, its states and who may do what: the rules of the register as types.

use std::collections::HashMap;
use std::fmt;

use borderscape_core::analysis::conflicts::ConflictType;
use serde::{Deserialize, Serialize};

/// Where a case stands in the coordination loop (raised → negotiating → agreed → plan revised →
/// resolved), with the two ways out (escalated to the level above, rejected) and the state an
/// import gives a case whose conflicts have all gone from the results, for the office to confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Raised,
    Negotiating,
    Agreed,
    PlanRevised,
    Resolved,
    Escalated,
    Rejected,
    ConflictsCleared,
}

impl State {
    pub const ALL: [State; 8] = [
        State::Raised,
        State::Negotiating,
        State::Agreed,
        State::PlanRevised,
        State::Resolved,
        State::Escalated,
        State::Rejected,
        State::ConflictsCleared,
    ];

    pub fn name(self) -> &'static str {
        match self {
            State::Raised => "raised",
            State::Negotiating => "negotiating",
            State::Agreed => "agreed",
            State::PlanRevised => "plan_revised",
            State::Resolved => "resolved",
            State::Escalated => "escalated",
            State::Rejected => "rejected",
            State::ConflictsCleared => "conflicts_cleared",
        }
    }

    pub fn parse(name: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Every state's name, for messages: `raised, negotiating, …`.
    pub fn names() -> String {
        State::ALL.map(State::name).join(", ")
    }

    /// The states a transition may lead to from this one. `conflicts_cleared` is never among
    /// them: only an import sets it.
    pub fn next(self) -> &'static [State] {
        use State::*;
        match self {
            Raised => &[Negotiating, Escalated, Rejected],
            Negotiating => &[Agreed, Escalated, Rejected],
            Agreed => &[PlanRevised, Negotiating, Escalated],
            PlanRevised => &[Resolved, Negotiating],
            Escalated => &[Negotiating, Agreed, Rejected],
            ConflictsCleared => &[Resolved, Raised, Negotiating],
            Rejected => &[Raised],
            Resolved => &[],
        }
    }

    /// States only the coordination office may move a case to.
    pub fn office_only(self) -> bool {
        matches!(
            self,
            State::Agreed | State::Resolved | State::Escalated | State::Rejected
        )
    }

    /// Whether the case is closed (an import leaves closed cases' states alone).
    pub fn is_closed(self) -> bool {
        matches!(self, State::Resolved | State::Rejected)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The coordination office: acts on every case.
    Office,
    /// A jurisdiction: reads everything, works the cases of its unit and the units below it.
    Unit,
    /// Reads.
    Observer,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Office => "office",
            Role::Unit => "unit",
            Role::Observer => "observer",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        [Role::Office, Role::Unit, Role::Observer]
            .into_iter()
            .find(|r| r.name() == name)
    }
}

/// Who is acting: an authenticated user, or the command line (which has the file, so the
/// office's rights).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub name: String,
    pub role: Role,
    /// The unit of a `unit` user.
    pub unit: Option<String>,
}

impl Actor {
    /// The command line, acting as the office (`cli:import`, …).
    pub fn cli(what: &str) -> Self {
        Actor {
            name: format!("cli:{what}"),
            role: Role::Office,
            unit: None,
        }
    }

    /// The actor as named in messages.
    pub fn label(&self) -> String {
        match &self.unit {
            Some(unit) => format!("user `{}` ({} {unit})", self.name, self.role.name()),
            None => format!("user `{}` ({})", self.name, self.role.name()),
        }
    }
}

/// A conflict of the results linked to a case, by the identity that persists across runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedConflict {
    pub key: String,
    /// Plan version it was last seen in (none: not plan-dependent).
    pub plan: Option<String>,
    pub severity: i64,
    /// Whether the latest import found it.
    pub present: bool,
    /// When an import first found it.
    pub first_seen: String,
    /// When an import first found it gone (none while present).
    pub gone_since: Option<String>,
}

/// A transition a unit asked for that only the office may make.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub to: State,
    pub by: String,
    pub note: String,
    pub at: String,
}

/// One coordination case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: i64,
    pub title: String,
    /// The border, codes with a < b (none for a case about units without a shared border).
    pub a: Option<String>,
    pub b: Option<String>,
    /// Units concerned besides the border's.
    pub units: Vec<String>,
    /// Conflict type (a type of the conflicts analysis, or `other`).
    #[serde(rename = "type")]
    pub kind: String,
    /// 1 low, 2 medium, 3 high.
    pub severity: i64,
    pub state: State,
    pub owner_units: Vec<String>,
    /// Due date, YYYY-MM-DD.
    pub due: Option<String>,
    pub decision: Option<String>,
    /// The instrument of the decision: a joint plan, an agreement, a compensation scheme's name.
    pub instrument: Option<String>,
    pub conflicts: Vec<LinkedConflict>,
    /// Ids of arrangements of the governance registry.
    pub arrangements: Vec<String>,
    pub proposed: Option<Proposal>,
    /// A representative point, WGS84 degrees (the mean of its conflicts' centroids).
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// `a|b|type` of a case made by an import (what makes re-imports find it).
    pub import_key: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Incremented by every change; an update names the version it was based on.
    pub version: i64,
}

impl Case {
    /// A case in state `raised` at version 1, made at `now`, its other fields empty to be filled.
    pub fn raised(now: &str) -> Case {
        Case {
            id: 0,
            title: String::new(),
            a: None,
            b: None,
            units: Vec::new(),
            kind: String::new(),
            severity: 1,
            state: State::Raised,
            owner_units: Vec::new(),
            due: None,
            decision: None,
            instrument: None,
            conflicts: Vec::new(),
            arrangements: Vec::new(),
            proposed: None,
            lon: None,
            lat: None,
            import_key: None,
            created_at: now.to_string(),
            updated_at: now.to_string(),
            version: 1,
        }
    }

    /// The units the case involves: its border's and its other units. Not its owners: they
    /// must be among these, and naming oneself an owner must bring a unit no case (nor does it
    /// in a case written before that rule).
    pub fn involved(&self) -> impl Iterator<Item = &str> {
        self.a
            .iter()
            .chain(self.b.iter())
            .chain(self.units.iter())
            .map(String::as_str)
    }

    /// The units that may own the case: its border's two, or without a border its units.
    pub fn possible_owners(&self) -> Vec<&str> {
        match (&self.a, &self.b) {
            (Some(a), Some(b)) => vec![a.as_str(), b.as_str()],
            _ => self.units.iter().map(String::as_str).collect(),
        }
    }
}

/// A comment on a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub id: i64,
    pub case_id: i64,
    pub author: String,
    pub body: String,
    pub created_at: String,
}

/// A new case as a user gives it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    pub title: String,
    #[serde(default)]
    pub a: Option<String>,
    #[serde(default)]
    pub b: Option<String>,
    #[serde(default)]
    pub units: Vec<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub severity: i64,
    #[serde(default)]
    pub owner_units: Vec<String>,
    #[serde(default)]
    pub due: Option<String>,
    #[serde(default)]
    pub arrangements: Vec<String>,
}

/// Changes to a case's fields (state changes go through transitions). A field left out stays;
/// an empty text clears `due`, `decision` or `instrument`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasePatch {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub severity: Option<i64>,
    #[serde(default)]
    pub units: Option<Vec<String>>,
    #[serde(default)]
    pub owner_units: Option<Vec<String>>,
    #[serde(default)]
    pub due: Option<String>,
    #[serde(default)]
    pub decision: Option<String>,
    #[serde(default)]
    pub instrument: Option<String>,
    #[serde(default)]
    pub arrangements: Option<Vec<String>>,
}

/// The case types: the conflicts analysis's, and `other` for what it does not find.
pub fn case_types() -> impl Iterator<Item = &'static str> {
    ConflictType::ALL
        .into_iter()
        .map(ConflictType::name)
        .chain(["other"])
}

/// The jurisdictions' hierarchy: each code's parent code (from the results' `jurisdictions`).
#[derive(Debug, Clone, Default)]
pub struct Units {
    pub parent: HashMap<String, String>,
}

impl Units {
    /// Whether `code` is `unit` or lies below it.
    pub fn within(&self, code: &str, unit: &str) -> bool {
        let mut current = code;
        // Bounded by the number of units, so a cycle in the data cannot loop.
        for _ in 0..=self.parent.len() {
            if current == unit {
                return true;
            }
            match self.parent.get(current) {
                Some(p) if !p.is_empty() => current = p,
                _ => return false,
            }
        }
        false
    }
}

/// What an actor wants to do to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Edit,
    Comment,
    Transition(State),
    Propose(State),
}

impl Action {
    /// The action as named in messages.
    pub fn describe(self) -> String {
        match self {
            Action::Create => "create this case".into(),
            Action::Edit => "edit this case".into(),
            Action::Comment => "comment on this case".into(),
            Action::Transition(to) => format!("move this case to `{to}`"),
            Action::Propose(to) => format!("propose moving this case to `{to}`"),
        }
    }
}

/// Why an actor may not do an action on a case (`None`: they may). Offices act on every case;
/// units on cases involving their unit or a unit below it, and not to the office's states
/// (they propose those instead); observers only read. A unit opens a case only on a border one
/// side of which is its unit or below it (a case without a border: one of whose units is):
/// listing itself among a new case's other units gives it no case on others' borders.
pub fn refusal(actor: &Actor, case: &Case, action: Action, units: &Units) -> Option<String> {
    match actor.role {
        Role::Office => match action {
            Action::Propose(_) => Some("the office makes the transition itself".into()),
            _ => None,
        },
        Role::Observer => Some("observers only read".into()),
        Role::Unit => {
            let Some(unit) = &actor.unit else {
                return Some("the account has no unit".into());
            };
            if action == Action::Create {
                if !case
                    .possible_owners()
                    .iter()
                    .any(|code| units.within(code, unit))
                {
                    return Some(match (&case.a, &case.b) {
                        (Some(a), Some(b)) => format!(
                            "the border {a}|{b} is not on {unit} or a unit below it (a unit opens cases on its own borders)"
                        ),
                        _ => format!("none of the case's units is {unit} or a unit below it"),
                    });
                }
            } else if !case.involved().any(|code| units.within(code, unit)) {
                return Some(format!(
                    "the case does not involve {unit} or a unit below it"
                ));
            }
            match action {
                Action::Transition(to) if to.office_only() => Some(format!(
                    "only the office moves a case to `{to}` (propose it instead)"
                )),
                Action::Propose(to) if !to.office_only() => {
                    Some(format!("make the transition to `{to}` directly"))
                }
                _ => None,
            }
        }
    }
}
