//! Where inputs come from, and so what a result rests on: observed (measured, surveyed or
//! published), template (borderscape's default or placeholder tables, to be replaced by the
//! user's), synthetic (generated), or mixed. Every output says which (issue 40).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::table::Column;

/// The provenance of an input layer or of a result.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    Observed,
    Template,
    Synthetic,
    /// Resting on inputs of more than one of the above.
    Mixed,
}

impl Provenance {
    /// A layer's provenance as declared: `provenance` when given, else synthetic when flagged
    /// `synthetic = true`, else observed.
    pub fn declared(given: Option<Provenance>, synthetic: bool) -> Provenance {
        given.unwrap_or(if synthetic {
            Provenance::Synthetic
        } else {
            Provenance::Observed
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Provenance::Observed => "observed",
            Provenance::Template => "template",
            Provenance::Synthetic => "synthetic",
            Provenance::Mixed => "mixed",
        }
    }
}

/// What a result rests on: its inputs by provenance (layer kinds, in order).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Basis {
    /// observed, template, synthetic or mixed.
    pub provenance: Option<Provenance>,
    /// The input layers (kinds) by their provenance.
    pub inputs: BTreeMap<Provenance, Vec<String>>,
}

impl Basis {
    /// The basis of a result read from these inputs (kind, provenance).
    pub fn of<'a>(inputs: impl IntoIterator<Item = (&'a str, Provenance)>) -> Basis {
        let mut by: BTreeMap<Provenance, Vec<String>> = BTreeMap::new();
        for (kind, provenance) in inputs {
            let kinds = by.entry(provenance).or_default();
            if !kinds.iter().any(|k| k == kind) {
                kinds.push(kind.to_string());
            }
        }
        let provenance = match by.keys().collect::<Vec<_>>().as_slice() {
            [] => None,
            [one] => Some(**one),
            _ => Some(Provenance::Mixed),
        };
        Basis {
            provenance,
            inputs: by,
        }
    }

    /// Whether any input is synthetic (or mixed): a finding on it illustrates the method and
    /// must not lead.
    pub fn rests_on_synthetic(&self) -> bool {
        self.inputs.contains_key(&Provenance::Synthetic)
            || self.inputs.contains_key(&Provenance::Mixed)
    }

    /// `observed`, `template`, `synthetic` or `mixed` (`observed` without inputs).
    pub fn name(&self) -> &'static str {
        self.provenance.unwrap_or(Provenance::Observed).name()
    }
}

/// The column every output table ends with (the pipeline adds it; docs/outputs.md lists it).
pub fn provenance_column() -> Column {
    Column::text(
        "provenance",
        "observed, template, synthetic or mixed: what the inputs of the analysis that wrote the table are (summary.json names them)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_kind_of_input_gives_it_and_several_give_mixed() {
        let observed = Basis::of([("jurisdictions", Provenance::Observed)]);
        assert_eq!(observed.name(), "observed");
        assert!(!observed.rests_on_synthetic());
        let mixed = Basis::of([
            ("jurisdictions", Provenance::Observed),
            ("plans", Provenance::Synthetic),
            ("compatibility", Provenance::Template),
        ]);
        assert_eq!(mixed.provenance, Some(Provenance::Mixed));
        assert!(mixed.rests_on_synthetic());
        assert_eq!(mixed.inputs[&Provenance::Synthetic], ["plans"]);
        let templated = Basis::of([
            ("jurisdictions", Provenance::Observed),
            ("point_loads", Provenance::Template),
        ]);
        assert_eq!(templated.name(), "mixed");
        assert!(!templated.rests_on_synthetic());
    }
}
