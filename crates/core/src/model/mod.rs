//! The typed domain model beyond the jurisdictions: what the layers and the manifest declare,
//! built and validated once when a project loads, so that `check` lists every problem and the
//! analyses read typed structures instead of re-parsing columns.
//!
//! - [`registry`]: the coordination arrangements (governance layer).
//! - [`rules`], [`esv`]: the editable rule tables (compatibility, nuisance radii, ESV factors and
//!   crosswalk, export coefficients, point loads), the project's or the shipped defaults.
//! - [`schemes`]: the compensation schemes (`[[schemes]]`).
//! - [`sites`]: monitoring stations and facilities.
//! - [`plans`]: plan zones (built per analysis level; checked here), [`indicators`]: the
//!   indicator panel (checked here).
//! - [`water`]: the rate fields of rivers and lakes (checked here).
//! - [`monitoring`]: the monitoring series (station, date, indicator, value, unit).
//! - [`plans`]: plan zones with their unit, class and version, indexed (built per analysis level).

pub mod esv;
pub mod indicators;
pub mod monitoring;
pub mod periodisation;
pub mod plans;
pub mod registry;
pub mod rule_source;
pub mod rules;
pub mod schemes;
pub mod sites;
pub mod water;

use crate::region::Region;
use monitoring::Series;
use registry::Arrangement;
use rules::RuleTables;
use schemes::Scheme;
use sites::{Facility, Station};

/// Everything typed that the region's layers and manifest declare besides the jurisdictions.
#[derive(Debug, Clone)]
pub struct Model {
    /// The rule tables (the shipped defaults where the project has none).
    pub rules: RuleTables,
    /// The governance registry (empty without a governance layer).
    pub arrangements: Vec<Arrangement>,
    /// The compensation schemes, in manifest order.
    pub schemes: Vec<Scheme>,
    /// The monitoring series, when the project has a monitoring layer.
    pub series: Option<Series>,
    /// The monitoring stations, when the project has a stations layer.
    pub stations: Option<Vec<Station>>,
    pub facilities: Vec<Facility>,
    /// The periodisations of the literature the manifest gives (`[governance.periodisations]`).
    pub periodisations: Vec<periodisation::Periodisation>,
}

/// No registry, schemes or series, and the shipped rule tables.
impl Default for Model {
    fn default() -> Self {
        Model {
            rules: RuleTables::defaults(),
            arrangements: Vec::new(),
            schemes: Vec::new(),
            series: None,
            stations: None,
            facilities: Vec::new(),
            periodisations: Vec::new(),
        }
    }
}

impl Model {
    /// Builds the model of a region from its layers and manifest entries; every problem is
    /// returned, each naming its file, row or entry, and field.
    pub fn build(region: &Region) -> Result<Model, Vec<String>> {
        let mut problems = Vec::new();
        let project = |kind: &str| {
            region
                .layers
                .get(kind)
                .map(|t| (t, region.layer_name(kind)))
        };
        let rules = RuleTables::load(&project).map_err(|found| problems.extend(found));
        problems.extend(plans::check(region));
        problems.extend(indicators::check(region));
        problems.extend(water::check(region));
        let stations = sites::stations(region).unwrap_or_else(|found| {
            problems.extend(found);
            None
        });
        let facilities = match &rules {
            Ok(rules) => sites::facilities(region, &rules.nuisance_radii).unwrap_or_else(|found| {
                problems.extend(found);
                Vec::new()
            }),
            Err(()) => Vec::new(),
        };
        let arrangements = match region.layers.get("governance") {
            Some(table) => {
                let known: Vec<String> = region
                    .jurisdictions
                    .iter()
                    .map(|j| j.code.clone())
                    .collect();
                let file = region.layer_name("governance");
                registry::parse(table, Some(&known)).unwrap_or_else(|found| {
                    problems.extend(found.iter().map(|p| p.in_file(&file)));
                    Vec::new()
                })
            }
            None => Vec::new(),
        };
        let mut schemes = Vec::new();
        for (i, value) in region.schemes.iter().enumerate() {
            match Scheme::parse(value, i, &region.manifest) {
                Ok(scheme) => {
                    problems.extend(scheme.check_against(region, stations.as_deref(), i));
                    schemes.push(scheme);
                }
                Err(found) => problems.extend(found),
            }
        }
        let series = Series::read(region, stations.as_deref()).unwrap_or_else(|e| {
            problems.extend(e.to_string().lines().map(str::to_string));
            None
        });
        match rules {
            Ok(rules) if problems.is_empty() => Ok(Model {
                rules,
                stations,
                facilities,
                arrangements,
                schemes,
                series,
                periodisations: Vec::new(),
            }),
            _ => Err(problems),
        }
    }
}
