//! The typed domain model beyond the jurisdictions: what the layers and the manifest declare,
//! built and validated once when a project loads, so that `check` lists every problem and the
//! analyses read typed structures instead of re-parsing columns.
//!
//! - [`registry`]: the coordination arrangements (governance layer).
//! - [`schemes`]: the compensation schemes (`[[schemes]]`).
//! - [`monitoring`]: the monitoring series (station, date, indicator, value, unit).
//! - [`plans`]: plan zones with their unit, class and version, indexed (built per analysis level).

pub mod monitoring;
pub mod plans;
pub mod registry;
pub mod schemes;

use crate::region::Region;
use monitoring::Series;
use registry::Arrangement;
use schemes::Scheme;

/// Everything typed that the region's layers and manifest declare besides the jurisdictions.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// The governance registry (empty without a governance layer).
    pub arrangements: Vec<Arrangement>,
    /// The compensation schemes, in manifest order.
    pub schemes: Vec<Scheme>,
    /// The monitoring series, when the project has a monitoring layer.
    pub series: Option<Series>,
}

impl Model {
    /// Builds the model of a region from its layers and manifest entries; every problem is
    /// returned, each naming its file, row or entry, and field.
    pub fn build(region: &Region) -> Result<Model, Vec<String>> {
        let mut problems = Vec::new();
        let arrangements = match region.layers.get("governance") {
            Some(table) => {
                let known: Vec<String> = region
                    .jurisdictions
                    .iter()
                    .map(|j| j.code.clone())
                    .collect();
                let file = region.layer_name("governance");
                registry::parse(table, Some(&known)).unwrap_or_else(|found| {
                    problems.extend(found.iter().map(|p| format!("{file}: {p}")));
                    Vec::new()
                })
            }
            None => Vec::new(),
        };
        let mut schemes = Vec::new();
        for (i, value) in region.schemes.iter().enumerate() {
            match Scheme::parse(value, i, &region.manifest) {
                Ok(scheme) => {
                    problems.extend(scheme.check_against(region, i));
                    schemes.push(scheme);
                }
                Err(problem) => problems.push(problem),
            }
        }
        let series = Series::read(region).unwrap_or_else(|e| {
            problems.extend(e.to_string().lines().map(str::to_string));
            None
        });
        if problems.is_empty() {
            Ok(Model {
                arrangements,
                schemes,
                series,
            })
        } else {
            Err(problems)
        }
    }
}
