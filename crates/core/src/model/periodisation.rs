//! Periodisations of the literature as a project gives them (`[governance.periodisations.<name>]`
//! in the manifest): named stages with their years and a source, checked; the governance
//! analysis sets them beside the data-driven stages.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One stage of a periodisation, as the literature names it (summary.json gives it as is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NamedStage {
    pub name: String,
    pub name_zh: Option<String>,
    /// First year.
    pub start: i32,
    /// Last year.
    pub end: i32,
}

/// A periodisation of the literature: its name (the manifest's key), source and stages in time
/// order, none overlapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Periodisation {
    pub name: String,
    pub source: String,
    pub stages: Vec<NamedStage>,
}

impl Periodisation {
    /// A checked periodisation; the problems say which stage is wrong and why.
    pub fn new(name: &str, source: &str, stages: Vec<NamedStage>) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        if source.trim().is_empty() {
            problems.push(format!(
                "periodisation `{name}`: `source` is empty: cite it"
            ));
        }
        if stages.is_empty() {
            problems.push(format!("periodisation `{name}` has no stage"));
        }
        for (k, s) in stages.iter().enumerate() {
            if s.start > s.end {
                problems.push(format!(
                    "periodisation `{name}`, stage {} (`{}`): starts ({}) after it ends ({})",
                    k + 1,
                    s.name,
                    s.start,
                    s.end
                ));
            }
            if let Some(before) = k.checked_sub(1).map(|b| &stages[b]) {
                if s.start <= before.end {
                    problems.push(format!(
                        "periodisation `{name}`, stage {} (`{}`): starts ({}) before the stage before it ends ({})",
                        k + 1,
                        s.name,
                        s.start,
                        before.end
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(Periodisation {
                name: name.into(),
                source: source.into(),
                stages,
            })
        } else {
            Err(problems)
        }
    }

    /// Its breaks: the first years of its stages after the first.
    pub fn breaks(&self) -> Vec<i32> {
        self.stages.iter().skip(1).map(|s| s.start).collect()
    }
}

/// A stage without a Chinese name (test fixtures).
#[cfg(test)]
pub(crate) fn stage(name: &str, start: i32, end: i32) -> NamedStage {
    NamedStage {
        name: name.into(),
        name_zh: None,
        start,
        end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_or_reversed_stages_and_a_missing_source_are_refused() {
        let problems = Periodisation::new(
            "bad",
            " ",
            vec![stage("a", 1990, 1980), stage("b", 1980, 1995)],
        )
        .unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("cite it"));
        assert!(problems[1].contains("starts (1990) after it ends (1980)"));
        assert!(problems[2].contains("before the stage before it ends"));
    }
}
