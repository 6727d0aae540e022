//! Governance and meta-governance: the registry of coordination arrangements over time, the
//! stages of the coordination model found from the data, the co-participation networks of each
//! stage, and which arrangements cover each border (its meta-governance profile).
//!
//! # Indicators (methods.md §6) [P unless noted]
//! - Active in year y: start ≤ y ≤ end; without an end date an arrangement lasts to the registry's
//!   last year, except a declaration or abolition (binding 0), which is an event of its year.
//! - Mode mix: the mean over active arrangements of their mode vectors (equal shares of the modes
//!   each uses: H hierarchy, M market, N network; Meuleman 2008 [C]); mode diversity = Shannon
//!   entropy of the mix (nats). Goal mix likewise (economic / ecological / integrated).
//! - Meta-governance tools: hands-off (framing, storytelling, design) and hands-on (facilitation,
//!   participation) (Sørensen 2006; Sørensen & Torfing 2009 [R]); the share of hands-on uses.
//! - Shadow of hierarchy (proxy): the share of active arrangements that use H or are national.
//! - Stages: [`stages`] on the log-ratio coordinates of the yearly mode mix (years without an
//!   arrangement in force flagged, not zeros), with the best segmentation for every k (the stage
//!   path). Networks: [`network`] per stage, of participants and aggregated to provinces.
//! - Coverage: an arrangement covers a border when two *different* participants represent its two
//!   sides (a participant represents a unit it equals, contains or lies in). So a Shanghai–Jiangsu
//!   agreement covers every county border between them, but not the borders inside Jiangsu.
//!
//! # References
//! - Meuleman, L. (2008) *Public Management and the Metagovernance of Hierarchies, Networks and
//!   Markets*. Physica-Verlag.
//! - Sørensen, E. (2006) Metagovernance: the changing role of politicians in processes of
//!   democratic governance. *American Review of Public Administration* 36(1), 98–114.
//! - Jessop, B. (1998) The rise of governance and the risks of failure. *ISSJ* 50(155), 29–45.

pub mod network;
pub mod outcomes;
pub mod periodisations;
pub mod stages;
pub mod summary;

use std::collections::BTreeMap;

use serde::Serialize;

use super::conflicts::Findings;
use super::contract::{AnalysisModule, AnalysisOutput, Upstream};
use super::synergy::SynergyResult;
use crate::error::AnalysisError;
use crate::inputs::Inputs;
use crate::model::registry::{self, covering, Arrangement, Mode, GOALS};
use crate::region::{Level, Region};
use crate::shared_borders::{borders_at_level, BorderKind};
use crate::spec::{
    alternative, AnalysisSpec, OutputSpec, ParamDefault, ParamSpec, Params, PERMUTATIONS, SEED,
};
use crate::table::{round_to, Column, ColumnType, Table, Value};
use network::Network;
use summary::{CoverageSummary, GovernanceSummary, OutcomesSummary, StageNetwork, StageSummary};

pub const SPEC: AnalysisSpec = AnalysisSpec {
    name: "governance",
    title: "Governance and meta-governance: timeline, stages, networks, border coverage",
    description: "The yearly mix of governance modes, goals, bindingness and meta-governance tools of the registered arrangements; the stages of the coordination model found from the data; co-participation networks per stage; and which arrangements cover each border.",
    requires: &["jurisdictions", "governance"],
    requires_any: &[],
    reads: &["indicators", "plans"],
    depends_on: &["conflicts", "synergy"],
    params: &[
        ParamSpec { name: "stages", unit: None, default: ParamDefault::Text("auto"), min: None, max: None, description: "Number of stages, or auto (least stage_criterion)." },
        ParamSpec { name: "max_stages", unit: None, default: ParamDefault::Number(6.0), min: Some(1.0), max: Some(50.0), description: "Most stages tried with auto (the stage path runs k = 1 … max_stages)." },
        ParamSpec { name: "min_stage_years", unit: Some("yr"), default: ParamDefault::Number(5.0), min: Some(1.0), max: Some(100.0), description: "Shortest stage, in years with an arrangement in force (default: one Five-Year Plan period)." },
        ParamSpec { name: "stage_zero_share", unit: None, default: ParamDefault::Number(0.01), min: Some(1e-6), max: Some(0.1), description: "δ replacing a zero share of a mix before its log-ratios (multiplicative replacement)." },
        ParamSpec { name: "stage_features", unit: None, default: ParamDefault::Text("none"), min: None, max: None, description: "Features standardised and added to the mode mix's log-ratios: none or a comma-separated list of goal, binding, level." },
        ParamSpec { name: "stage_criterion", unit: None, default: ParamDefault::Text("bic"), min: None, max: None, description: "Criterion choosing the number of stages: bic or lwz (heavier penalty)." },
        ParamSpec { name: "break_tolerance_years", unit: None, default: ParamDefault::Number(2.0), min: Some(0.0), max: Some(50.0), description: "A break of a periodisation of the literature agrees with the data-driven stages when one of their breaks lies within this many years of it." },
        ParamSpec { name: "outcome_threshold", unit: None, default: ParamDefault::Number(0.01), min: Some(0.0), max: Some(1.0), description: "Change of D_border or plan consistency beyond the controls' that counts as improved or worsened (conflict counts: 0.5)." },
        ParamSpec { name: "did_controls", unit: None, default: ParamDefault::Text("never"), min: None, max: None, description: "Controls of the outcome comparison: never (borders not covered within the panel) or not_yet (also those covered later)." },
        ParamSpec { name: "did_coverage", unit: None, default: ParamDefault::Text("any"), min: None, max: None, description: "Arrangements that count as covering a border in the outcome comparison: any (also those of the units' provinces or cities) or direct (made by the border's own units or units inside them)." },
        PERMUTATIONS,
        SEED,
        alternative("folded"),
    ],
    outputs: &[
        OutputSpec { name: "governance_timeline", spatial: false, description: "Per year: active arrangements, mode/goal mix, mode diversity, bindingness, tools, shadow of hierarchy.", columns: governance_timeline_columns },
        OutputSpec { name: "governance_stages", spatial: false, description: "The stages found: years, dominant modes, goals, tools, key arrangements, network metrics.", columns: governance_stages_columns },
        OutputSpec { name: "governance_stage_path", spatial: false, description: "The stage path: for k = 1 … max_stages the best k-stage segmentation, its cost, criterion and break years; the chosen k marked.", columns: governance_stage_path_columns },
        OutputSpec { name: "governance_stage_robustness", spatial: false, description: "The choice of the number of stages rerun per criterion (bic, lwz) × zero replacement δ × features (configured, raw mode shares): k chosen, break years, and the k within ΔBIC ≤ 2 of the least BIC.", columns: stages::governance_stage_robustness_columns },
        OutputSpec { name: "governance_periodisations", spatial: false, description: "The periodisations of the literature given in the manifest ([governance.periodisations.<name>]) stage by stage beside the data-driven stages: the stages each overlaps, the gap from its first year to the nearest data-driven break and whether it agrees.", columns: periodisations::periodisations_columns },
        OutputSpec { name: "governance_network", spatial: false, description: "Per stage and participant: degree and betweenness centrality, and its ties.", columns: governance_network_columns },
        OutputSpec { name: "border_governance", spatial: false, description: "Per border: the arrangements covering it, first year, modes, bindingness, tools, goals.", columns: border_governance_columns },
        OutputSpec { name: "governance_outcomes", spatial: false, description: "Borders first covered within the panel: change of coordination (synergy), conflicts and plan consistency (conflicts) since coverage against never-covered borders.", columns: outcomes::governance_outcomes_columns },
        OutputSpec { name: "governance_event_study", spatial: false, description: "Effect of first coverage by periods since it (leads and lags), with randomisation intervals from permuting spatial blocks, and the effect net of a linear pre-trend.", columns: outcomes::governance_event_study_columns },
    ],
    references: &[
        "Meuleman, L. (2008) Public Management and the Metagovernance of Hierarchies, Networks and Markets. Physica-Verlag.",
        "Sørensen, E. (2006) Metagovernance. American Review of Public Administration 36(1), 98–114.",
        "Fisher, W. D. (1958) On grouping for maximum homogeneity. JASA 53, 789–798.",
        "Egozcue, J. J. et al. (2003) Isometric logratio transformations for compositional data analysis. Math. Geology 35(3), 279–300.",
        "Martín-Fernández, J. A., Barceló-Vidal, C. & Pawlowsky-Glahn, V. (2003) Dealing with zeros and missing values in compositional data sets. Math. Geology 35(3), 253–278.",
        "Brandes, U. (2001) A faster algorithm for betweenness centrality. J. Math. Sociology 25(2), 163–177.",
    ],
};

/// One year of the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct YearMix {
    pub year: i32,
    pub active: usize,
    /// H, M, N shares.
    pub modes: [f64; 3],
    pub mode_diversity: f64,
    /// economic, ecological, integrated shares.
    pub goals: [f64; 3],
    pub mean_binding: f64,
    pub hands_off_tools: usize,
    pub hands_on_tools: usize,
    pub shadow_of_hierarchy: f64,
}

/// A stage of the coordination model.
#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub start: i32,
    pub end: i32,
    pub modes: [f64; 3],
    pub goals: [f64; 3],
    pub mean_binding: f64,
    pub hands_on_share: f64,
    pub dominant: String,
    /// Ids and names of the most binding arrangements started in the stage.
    pub key_arrangements: Vec<String>,
    /// Years of the stage without an arrangement in force (left out of its means and the cost).
    pub empty_years: Vec<i32>,
    pub description: String,
}

fn mean_of(vectors: &[[f64; 3]]) -> [f64; 3] {
    let mut m = [0.0; 3];
    for v in vectors {
        for k in 0..3 {
            m[k] += v[k] / vectors.len() as f64;
        }
    }
    m
}

/// The timeline from the first start year to the registry's last year.
pub fn timeline(arrangements: &[Arrangement]) -> Vec<YearMix> {
    let first = arrangements.iter().map(|a| a.start.year).min().unwrap_or(0);
    let horizon = arrangements
        .iter()
        .map(|a| {
            a.end
                .date()
                .map_or(a.start.year, |e| e.year)
                .max(a.start.year)
        })
        .max()
        .unwrap_or(0);
    (first..=horizon)
        .map(|year| {
            let active: Vec<&Arrangement> = arrangements
                .iter()
                .filter(|a| a.active_in(year, horizon))
                .collect();
            let modes = mean_of(&active.iter().map(|a| a.mode_shares()).collect::<Vec<_>>());
            let goals = mean_of(
                &active
                    .iter()
                    .map(|a| GOALS.map(|g| f64::from(u8::from(a.goal == g))))
                    .collect::<Vec<_>>(),
            );
            let tools: Vec<registry::Tool> = active
                .iter()
                .flat_map(|a| a.tools.iter().copied())
                .collect();
            let n = active.len().max(1) as f64;
            YearMix {
                year,
                active: active.len(),
                modes,
                mode_diversity: -modes
                    .iter()
                    .filter(|&&p| p > 0.0)
                    .map(|p| p * p.ln())
                    .sum::<f64>(),
                goals,
                mean_binding: active.iter().map(|a| a.binding as f64).sum::<f64>() / n,
                hands_off_tools: tools.iter().filter(|t| !t.hands_on()).count(),
                hands_on_tools: tools.iter().filter(|t| t.hands_on()).count(),
                shadow_of_hierarchy: active
                    .iter()
                    .filter(|a| a.modes.contains(&Mode::H) || a.level == "national")
                    .count() as f64
                    / n,
            }
        })
        .collect()
}

/// One step of the stage path: the best segmentation into `k` stages.
#[derive(Debug, Clone, Serialize)]
pub struct PathStep {
    pub k: usize,
    /// Within-stage sum of squares of the features.
    pub cost: f64,
    /// The stage criterion (BIC or LWZ) of this k.
    pub criterion: f64,
    /// First years of stages 2 … k.
    pub breaks: Vec<i32>,
}

/// The stages found, the path they were chosen from, and the chosen k.
#[derive(Debug, Clone)]
pub struct StagePath {
    pub stages: Vec<Stage>,
    pub path: Vec<PathStep>,
    pub chosen: usize,
}

/// Finds the stages of the timeline (`k` given, or by the criterion) and describes them. Years
/// without an arrangement in force stay out of the features; such a gap closes the stage before it.
pub fn find_stages(
    arrangements: &[Arrangement],
    years: &[YearMix],
    settings: &stages::StageSettings,
) -> Result<StagePath, AnalysisError> {
    let features = stages::features(arrangements, years, settings).map_err(AnalysisError::Input)?;
    let (rows, observed) = (&features.rows, &features.observed);
    let asked = settings.k.unwrap_or(1);
    if observed.len() < asked * settings.min_years.max(1) {
        return Err(AnalysisError::Input(format!(
            "{} years with an arrangement in force cannot hold {asked} stage(s) of at least {} such years (min_stage_years)",
            observed.len(),
            settings.min_years
        )));
    }
    let segmentations = stages::path(rows, settings.max_stages.max(asked), settings.min_years);
    let d = rows.first().map_or(0, Vec::len);
    let path: Vec<PathStep> = segmentations
        .iter()
        .zip(1..)
        .map(|(s, k)| PathStep {
            k,
            cost: s.cost,
            criterion: settings.criterion.value(s.cost, rows.len(), d, k),
            breaks: s.starts[1..]
                .iter()
                .map(|&r| years[observed[r]].year)
                .collect(),
        })
        .collect();
    let chosen = settings.k.unwrap_or_else(|| {
        path.iter()
            .min_by(|a, b| a.criterion.total_cmp(&b.criterion))
            .map_or(1, |p| p.k)
    });
    let mut starts: Vec<usize> = segmentations[chosen - 1]
        .starts
        .iter()
        .map(|&r| observed[r])
        .collect();
    starts.push(years.len());
    let stages = starts
        .windows(2)
        .map(|w| describe_stage(arrangements, &years[w[0]..w[1]]))
        .collect();
    Ok(StagePath {
        stages,
        path,
        chosen,
    })
}

/// A stage spanning `span`: means over its years with an arrangement in force.
fn describe_stage(arrangements: &[Arrangement], span: &[YearMix]) -> Stage {
    let (start, end) = (span[0].year, span[span.len() - 1].year);
    let (full, empty): (Vec<&YearMix>, Vec<&YearMix>) = span.iter().partition(|y| y.active > 0);
    let empty_years: Vec<i32> = empty.iter().map(|y| y.year).collect();
    let modes = mean_of(&full.iter().map(|y| y.modes).collect::<Vec<_>>());
    let goals = mean_of(&full.iter().map(|y| y.goals).collect::<Vec<_>>());
    let (on, off): (usize, usize) = full.iter().fold((0, 0), |(a, b), y| {
        (a + y.hands_on_tools, b + y.hands_off_tools)
    });
    let mut started: Vec<&Arrangement> = arrangements
        .iter()
        .filter(|a| (start..=end).contains(&a.start.year))
        .collect();
    started.sort_by(|a, b| b.binding.cmp(&a.binding).then(a.start.cmp(&b.start)));
    let key_arrangements: Vec<String> = started
        .iter()
        .take(3)
        .map(|a| format!("{} {} ({})", a.id, a.name, a.start.year))
        .collect();
    let dominant = describe_modes(modes);
    // What marks a stage is what it starts: the goals of the arrangements begun in it.
    let started_goals = GOALS.map(|g| started.iter().filter(|a| a.goal == g).count());
    let goal_text = GOALS
        .iter()
        .zip(started_goals)
        .filter(|(_, n)| *n > 0)
        .map(|(g, n)| format!("{n} {g}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mean_binding = full.iter().map(|y| y.mean_binding).sum::<f64>() / full.len().max(1) as f64;
    let hands_on_share = if on + off > 0 {
        on as f64 / (on + off) as f64
    } else {
        0.0
    };
    let gap = match empty_years.len() {
        0 => String::new(),
        n => format!("; {n} year(s) without an arrangement in force"),
    };
    let description = format!(
        "{start}–{end}: {dominant}; mean bindingness {mean_binding:.1}; {:.0} % hands-on tools; {} arrangements started ({}){gap}",
        hands_on_share * 100.0,
        started.len(),
        if goal_text.is_empty() { "none".to_string() } else { goal_text }
    );
    Stage {
        start,
        end,
        modes,
        goals,
        mean_binding,
        hands_on_share,
        dominant,
        key_arrangements,
        empty_years,
        description,
    }
}

/// "hierarchy", "network + hierarchy", …: the modes with at least a quarter of the mix, largest first.
fn describe_modes(modes: [f64; 3]) -> String {
    let mut ranked: Vec<(f64, Mode)> = Mode::ALL.iter().map(|&m| (modes[m as usize], m)).collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let main: Vec<&str> = ranked
        .iter()
        .filter(|(s, _)| *s >= 0.25)
        .map(|(_, m)| m.name())
        .collect();
    if main.is_empty() {
        ranked[0].1.name().to_string()
    } else {
        main.join(" + ")
    }
}

/// The participants' co-participation network among arrangements active in [start, end].
pub fn stage_network(arrangements: &[Arrangement], start: i32, end: i32, horizon: i32) -> Network {
    let active = arrangements
        .iter()
        .filter(|a| a.start.year <= end && a.last_year(horizon) >= start);
    Network::from_groups(active.map(|a| a.participants.as_slice()))
}

fn province_of(region: &Region, code: &str) -> String {
    region
        .by_code(code)
        .and_then(|j| region.ancestor_at(j, Level::Province))
        .map_or_else(|| code.chars().take(2).collect(), |p| p.code.clone())
}

/// Typed parameters of the governance analysis.
#[derive(Debug, Clone)]
pub struct GovernanceParams {
    pub stage: stages::StageSettings,
    pub break_tolerance_years: i32,
    pub outcome_threshold: f64,
    pub outcomes: outcomes::OutcomeSettings,
}

/// `auto` or a whole number of stages ≥ 1.
pub fn parse_stages(text: &str) -> Option<Option<usize>> {
    match text {
        "auto" => Some(None),
        text => text.parse::<usize>().ok().filter(|k| *k >= 1).map(Some),
    }
}

/// The stage parameters of the spec, checked.
fn stage_settings(values: &Params) -> Result<stages::StageSettings, AnalysisError> {
    let text = |name: &str| values.text(name);
    let invalid = |name: &str, got: &str, expected: &str| {
        values.invalid(name, format!("`{got}` is not {expected}"))
    };
    let (k, features, criterion) = (
        text("stages")?,
        text("stage_features")?,
        text("stage_criterion")?,
    );
    Ok(stages::StageSettings {
        k: parse_stages(k)
            .ok_or_else(|| invalid("stages", k, "auto or a positive whole number"))?,
        max_stages: values.count("max_stages")?,
        min_years: values.count("min_stage_years")?,
        zero_share: values.number("stage_zero_share")?,
        features: stages::Feature::parse_list(features)
            .ok_or_else(|| invalid("stage_features", features, stages::Feature::NAMES))?,
        criterion: stages::Criterion::parse(criterion)
            .ok_or_else(|| invalid("stage_criterion", criterion, stages::Criterion::NAMES))?,
    })
}

/// The timeline, stages, networks, coverage and outcomes, as written.
#[derive(Debug, Clone)]
pub struct GovernanceResult {
    pub tables: Vec<Table>,
    pub summary: GovernanceSummary,
}

/// The governance analysis in the registry.
pub struct Governance;

impl AnalysisModule for Governance {
    type Params = GovernanceParams;
    type Result = GovernanceResult;
    type Summary = GovernanceSummary;
    const SPEC: &'static AnalysisSpec = &SPEC;

    fn params(values: &Params) -> Result<GovernanceParams, AnalysisError> {
        Ok(GovernanceParams {
            stage: stage_settings(values)?,
            break_tolerance_years: values.number("break_tolerance_years")? as i32,
            outcome_threshold: values.number("outcome_threshold")?,
            outcomes: outcomes::OutcomeSettings {
                permutations: values.count("permutations")?,
                seed: values.number("seed")? as u64,
                alternative: values.alternative()?,
                reach: match values.text("did_coverage")? {
                    "any" => registry::Reach::Any,
                    "direct" => registry::Reach::Direct,
                    other => {
                        return Err(values
                            .invalid("did_coverage", format!("`{other}` is not any or direct")))
                    }
                },
                controls: {
                    let text = values.text("did_controls")?;
                    outcomes::Controls::parse(text).ok_or_else(|| {
                        values.invalid(
                            "did_controls",
                            format!("`{text}` is not {}", outcomes::Controls::NAMES),
                        )
                    })?
                },
            },
        })
    }

    fn run(
        inputs: &Inputs,
        params: &GovernanceParams,
        upstream: &Upstream,
    ) -> Result<GovernanceResult, AnalysisError> {
        run(
            inputs,
            params,
            upstream.get::<SynergyResult>(),
            upstream.get::<Findings>(),
        )
    }

    fn output(
        _inputs: &Inputs,
        _params: &GovernanceParams,
        result: &GovernanceResult,
    ) -> Result<AnalysisOutput, AnalysisError> {
        AnalysisOutput::new::<Self>(result.tables.clone(), &result.summary)
    }
}

/// The timeline of a registry and its stages, with their tables and summaries: the first part
/// of the analysis, and all that `borderscape governance` prints.
pub struct Staged {
    pub years: Vec<YearMix>,
    pub stages: Vec<Stage>,
    /// The best segmentation for each k = 1 … max_stages, and the k chosen.
    pub path: Vec<PathStep>,
    pub chosen: usize,
    pub stage_table: Table,
    pub network_table: Table,
    pub path_table: Table,
    pub summaries: Vec<StageSummary>,
    /// The stage choice rerun over its variants (criterion × δ × features).
    pub robustness: stages::RobustnessSummary,
    pub robustness_table: Table,
}

impl Staged {
    /// The last year of the timeline.
    pub fn horizon(&self) -> i32 {
        self.years.last().map_or(0, |y| y.year)
    }
}

/// Finds the stages of the arrangements (errors for an empty registry or a timeline too short
/// for the stages asked for).
pub fn stages_of(
    region: &Region,
    arrangements: &[Arrangement],
    params: &GovernanceParams,
) -> Result<Staged, AnalysisError> {
    if arrangements.is_empty() {
        return Err(AnalysisError::Input(
            "the governance registry has no arrangement".into(),
        ));
    }
    let years = timeline(arrangements);
    let horizon = years.last().map_or(0, |y| y.year);
    let StagePath {
        stages,
        path,
        chosen,
    } = find_stages(arrangements, &years, &params.stage)?;
    let (stage_table, network_table, summaries) =
        stage_tables(region, arrangements, &stages, horizon);
    let path_table = path_table(&path, chosen, params.stage.criterion);
    let robustness =
        stages::robustness(arrangements, &years, &params.stage).map_err(AnalysisError::Input)?;
    Ok(Staged {
        robustness: robustness.summary(arrangements),
        robustness_table: robustness.table(&params.stage.features),
        years,
        stages,
        path,
        chosen,
        stage_table,
        network_table,
        path_table,
        summaries,
    })
}

/// The stage path as a table, the chosen k marked.
fn path_table(path: &[PathStep], chosen: usize, criterion: stages::Criterion) -> Table {
    let mut t = Table::new(
        "governance_stage_path",
        governance_stage_path_columns(),
        false,
    );
    for step in path {
        let breaks: Vec<String> = step.breaks.iter().map(i32::to_string).collect();
        t.push(
            vec![
                step.k.into(),
                Value::Real(round_to(step.cost, 9)),
                criterion.name().into(),
                Value::Real(round_to(step.criterion, 6)),
                breaks.join(";").into(),
                Value::Bool(step.k == chosen),
            ],
            None,
        );
    }
    t
}

fn run(
    inputs: &Inputs,
    params: &GovernanceParams,
    synergy: Option<&SynergyResult>,
    conflicts: Option<&Findings>,
) -> Result<GovernanceResult, AnalysisError> {
    let region = &inputs.region;
    let arrangements = inputs.model.arrangements.as_slice();
    let staged = stages_of(region, arrangements, params)?;
    let horizon = staged.horizon();
    let years = &staged.years;
    let stage_summaries = staged.summaries;
    let stage_robustness = staged.robustness;
    let mut tables = vec![
        timeline_table(years),
        staged.stage_table,
        staged.path_table,
        staged.robustness_table,
        staged.network_table,
    ];
    let data_stages: Vec<(i32, i32)> = stage_summaries.iter().map(|s| (s.start, s.end)).collect();
    let (periodisation_table, periodisations) = periodisations::compare(
        &inputs.model.periodisations,
        &data_stages,
        params.break_tolerance_years,
    );
    if !periodisations.is_empty() {
        tables.push(periodisation_table);
    }
    let (coverage, coverage_summary) = coverage_table(region, arrangements, horizon)?;
    tables.push(coverage);
    let threshold = params.outcome_threshold;
    let mut measures = Vec::new();
    if let Some(synergy) = synergy.filter(|s| !s.border_coordination.is_empty()) {
        let synthetic = region.synthetic_layers.contains("indicators");
        measures.push(outcomes::coordination(
            &synergy.border_coordination,
            threshold,
            synthetic,
        ));
    }
    if let Some(findings) = conflicts {
        if let Some(consistency) = &findings.consistency {
            let synthetic = region.synthetic_layers.contains("plans");
            measures.extend(outcomes::plan_measures(
                region,
                consistency,
                &findings.plan_conflicts_by_border(region),
                threshold,
                synthetic,
            ));
        }
    }
    let settings = &params.outcomes;
    let mut outcome_tables = outcomes::OutcomeTables::default();
    let mut outcome_summary = OutcomesSummary::default();
    for measure in &measures {
        let slot = match measure.name {
            "D_border" => &mut outcome_summary.d_border,
            "conflicts" => &mut outcome_summary.conflicts,
            "plan_consistency" => &mut outcome_summary.plan_consistency,
            other => {
                return Err(AnalysisError::Internal(format!(
                    "the governance summary has no place for the measure `{other}`"
                )))
            }
        };
        *slot = Some(outcomes::outcomes(
            region,
            arrangements,
            measure,
            settings,
            &mut outcome_tables,
        )?);
    }
    if measures.is_empty() {
        outcome_summary.not_computed = Some(
            "neither synergy (indicators with coupling systems) nor conflicts (plans) ran".into(),
        );
    } else {
        tables.push(outcome_tables.borders);
        tables.push(outcome_tables.events);
    }
    Ok(GovernanceResult {
        tables,
        summary: GovernanceSummary {
            arrangements: arrangements.len(),
            years: (years.first().map(|y| y.year), horizon),
            stages: stage_summaries,
            stage_robustness,
            periodisations,
            coverage: coverage_summary,
            outcomes_by_goal: outcomes_by_goal(arrangements),
            outcomes: outcome_summary,
        },
    })
}

/// The registry's arrangements by goal orientation and outcome.
fn outcomes_by_goal(arrangements: &[Arrangement]) -> BTreeMap<String, BTreeMap<String, usize>> {
    let mut by_goal: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for a in arrangements {
        let outcome = a.outcome.as_ref().map_or("unrecorded", |o| o.kind.name());
        *by_goal
            .entry(a.goal.clone())
            .or_default()
            .entry(outcome.to_string())
            .or_default() += 1;
    }
    by_goal
}

fn timeline_table(years: &[YearMix]) -> Table {
    let mut t = Table::new("governance_timeline", governance_timeline_columns(), false);
    for y in years {
        let r = |x: f64| Value::Real(round_to(x, 6));
        t.push(
            vec![
                Value::Int(y.year as i64),
                y.active.into(),
                r(y.modes[0]),
                r(y.modes[1]),
                r(y.modes[2]),
                r(y.mode_diversity),
                r(y.goals[0]),
                r(y.goals[1]),
                r(y.goals[2]),
                r(y.mean_binding),
                y.hands_off_tools.into(),
                y.hands_on_tools.into(),
                r(y.shadow_of_hierarchy),
            ],
            None,
        );
    }
    t
}

/// The stages table, the per-stage network table and the summary of each stage.
pub fn stage_tables(
    region: &Region,
    arrangements: &[Arrangement],
    stage_list: &[Stage],
    horizon: i32,
) -> (Table, Table, Vec<StageSummary>) {
    let mut stages_t = Table::new("governance_stages", governance_stages_columns(), false);
    let mut network_t = Table::new("governance_network", governance_network_columns(), false);
    let mut summaries = Vec::new();
    for (s, stage) in stage_list.iter().enumerate() {
        let net = stage_network(arrangements, stage.start, stage.end, horizon);
        let provinces: Vec<Vec<String>> = arrangements
            .iter()
            .filter(|a| a.start.year <= stage.end && a.last_year(horizon) >= stage.start)
            .map(|a| {
                a.participants
                    .iter()
                    .map(|p| province_of(region, p))
                    .collect()
            })
            .collect();
        let province_net = Network::from_groups(provinces.iter().map(Vec::as_slice));
        let cross = net.cross_share(|c| province_of(region, c));
        let r = |x: f64| Value::Real(round_to(x, 6));
        stages_t.push(
            vec![
                Value::Int(s as i64 + 1),
                Value::Int(stage.start as i64),
                Value::Int(stage.end as i64),
                stage.dominant.as_str().into(),
                r(stage.modes[0]),
                r(stage.modes[1]),
                r(stage.modes[2]),
                r(stage.mean_binding),
                r(stage.hands_on_share),
                net.nodes.len().into(),
                r(net.density()),
                r(province_net.density()),
                Value::from(cross.map(|c| round_to(c, 6))),
                stage.key_arrangements.join("; ").into(),
                stage
                    .empty_years
                    .iter()
                    .map(i32::to_string)
                    .collect::<Vec<_>>()
                    .join(";")
                    .into(),
                stage.description.as_str().into(),
            ],
            None,
        );
        for (((code, degree), between), linked) in net
            .nodes
            .iter()
            .zip(net.degree_centrality())
            .zip(net.betweenness())
            .zip(&net.neighbours)
        {
            let name = region.by_code(code).map_or("", |j| j.name.as_str());
            let linked: Vec<&str> = linked.iter().map(|&k| net.nodes[k].as_str()).collect();
            network_t.push(
                vec![
                    Value::Int(s as i64 + 1),
                    code.as_str().into(),
                    name.into(),
                    r(degree),
                    r(between),
                    linked.join(";").into(),
                ],
                None,
            );
        }
        summaries.push(StageSummary {
            start: stage.start,
            end: stage.end,
            description: stage.description.clone(),
            dominant_modes: stage.dominant.clone(),
            key_arrangements: stage.key_arrangements.clone(),
            empty_years: stage.empty_years.clone(),
            network: StageNetwork {
                nodes: net.nodes.len(),
                density: round_to(net.density(), 4),
                cross_province_share: cross.map(|c| round_to(c, 4)),
            },
        });
    }
    (stages_t, network_t, summaries)
}

fn coverage_table(
    region: &Region,
    arrangements: &[Arrangement],
    horizon: i32,
) -> Result<(Table, BTreeMap<String, CoverageSummary>), AnalysisError> {
    let mut t = Table::new("border_governance", border_governance_columns(), false);
    let mut summary = BTreeMap::new();
    for level in region.levels() {
        let borders = borders_at_level(region, level, 1.0)?;
        let (mut total_km, mut covered_km, mut covered_n) = (0.0, 0.0, 0usize);
        let edges: Vec<_> = borders
            .borders
            .iter()
            .filter(|b| b.kind == BorderKind::Edge)
            .collect();
        for border in &edges {
            let (a, b) = (
                &region.jurisdictions[border.a].code,
                &region.jurisdictions[border.b].code,
            );
            let covering = covering(region, arrangements, a, b);
            total_km += border.length_km;
            if !covering.is_empty() {
                covered_km += border.length_km;
                covered_n += 1;
            }
            let join = |items: Vec<String>| {
                let mut items = items;
                items.sort();
                items.dedup();
                items.join(";")
            };
            t.push(
                vec![
                    a.as_str().into(),
                    b.as_str().into(),
                    level.name().into(),
                    Value::Real(round_to(border.length_km, 6)),
                    covering.len().into(),
                    covering
                        .iter()
                        .map(|c| c.id.clone())
                        .collect::<Vec<_>>()
                        .join(";")
                        .into(),
                    Value::from(covering.iter().map(|c| c.start.year as i64).min()),
                    covering
                        .iter()
                        .filter(|c| c.active_in(horizon, horizon))
                        .count()
                        .into(),
                    Value::from(covering.iter().map(|c| c.binding as i64).max()),
                    join(
                        covering
                            .iter()
                            .flat_map(|c| c.modes.iter().map(|m| format!("{m:?}")))
                            .collect(),
                    )
                    .into(),
                    join(
                        covering
                            .iter()
                            .flat_map(|c| c.tools.iter().map(|t| t.name().to_string()))
                            .collect(),
                    )
                    .into(),
                    join(covering.iter().map(|c| c.goal.clone()).collect()).into(),
                ],
                None,
            );
        }
        summary.insert(
            level.name().to_string(),
            CoverageSummary {
                edge_borders: edges.len(),
                covered_borders: covered_n,
                covered_length_share: if total_km > 0.0 {
                    round_to(covered_km / total_km, 4)
                } else {
                    0.0
                },
            },
        );
    }
    Ok((t, summary))
}

/// The columns of `governance_timeline` (its output spec reads them too).
fn governance_timeline_columns() -> Vec<Column> {
    vec![
        Column::new("year", ColumnType::Int, None, "year"),
        Column::new("active", ColumnType::Int, None, "arrangements in force"),
        Column::new(
            "share_hierarchy",
            ColumnType::Real,
            None,
            "H share of the mode mix",
        ),
        Column::new("share_market", ColumnType::Real, None, "M share"),
        Column::new("share_network", ColumnType::Real, None, "N share"),
        Column::new(
            "mode_diversity",
            ColumnType::Real,
            Some("nats"),
            "Shannon entropy of the mode mix",
        ),
        Column::new(
            "share_economic",
            ColumnType::Real,
            None,
            "economic goal share",
        ),
        Column::new(
            "share_ecological",
            ColumnType::Real,
            None,
            "ecological goal share",
        ),
        Column::new(
            "share_integrated",
            ColumnType::Real,
            None,
            "integrated goal share",
        ),
        Column::new(
            "mean_binding",
            ColumnType::Real,
            Some("0–5"),
            "mean bindingness",
        ),
        Column::new(
            "hands_off_tools",
            ColumnType::Int,
            None,
            "uses of framing, storytelling, design",
        ),
        Column::new(
            "hands_on_tools",
            ColumnType::Int,
            None,
            "uses of facilitation, participation",
        ),
        Column::new(
            "shadow_of_hierarchy",
            ColumnType::Real,
            None,
            "share using H or national",
        ),
    ]
}

/// The columns of `governance_stages` (its output spec reads them too).
fn governance_stages_columns() -> Vec<Column> {
    vec![
        Column::new("stage", ColumnType::Int, None, "stage number"),
        Column::new("start", ColumnType::Int, None, "first year"),
        Column::new("end", ColumnType::Int, None, "last year"),
        Column::text("dominant_modes", "modes with ≥ 25 % of the mix"),
        Column::new("share_hierarchy", ColumnType::Real, None, "mean H share"),
        Column::new("share_market", ColumnType::Real, None, "mean M share"),
        Column::new("share_network", ColumnType::Real, None, "mean N share"),
        Column::new(
            "mean_binding",
            ColumnType::Real,
            Some("0–5"),
            "mean bindingness",
        ),
        Column::new(
            "hands_on_share",
            ColumnType::Real,
            None,
            "share of hands-on tool uses",
        ),
        Column::new(
            "network_nodes",
            ColumnType::Int,
            None,
            "participants in force in the stage",
        ),
        Column::new(
            "network_density",
            ColumnType::Real,
            None,
            "density of the co-participation network",
        ),
        Column::new(
            "province_network_density",
            ColumnType::Real,
            None,
            "density with participants aggregated to provinces",
        ),
        Column::new(
            "cross_province_share",
            ColumnType::Real,
            None,
            "share of ties between different provinces",
        ),
        Column::text(
            "key_arrangements",
            "most binding arrangements started in the stage",
        ),
        Column::text(
            "empty_years",
            "years of the stage without an arrangement in force, `;`-separated (left out of its means and of the segmentation)",
        ),
        Column::text("description", "summary"),
    ]
}

/// The columns of `governance_stage_path` (its output spec reads them too).
fn governance_stage_path_columns() -> Vec<Column> {
    vec![
        Column::new("k", ColumnType::Int, None, "number of stages"),
        Column::new(
            "cost",
            ColumnType::Real,
            None,
            "within-stage sum of squares of the features (log-ratio coordinates)",
        ),
        Column::text("criterion_name", "bic or lwz (stage_criterion)"),
        Column::new(
            "criterion",
            ColumnType::Real,
            None,
            "criterion value; auto picks the least",
        ),
        Column::text("breaks", "first years of stages 2 … k, `;`-separated"),
        Column::new("chosen", ColumnType::Bool, None, "the k the stages use"),
    ]
}

/// The columns of `governance_network` (its output spec reads them too).
fn governance_network_columns() -> Vec<Column> {
    vec![
            Column::new("stage", ColumnType::Int, None, "stage number"),
            Column::text("code", "participant code"),
            Column::text("name", "participant name"),
            Column::new(
                "degree_centrality",
                ColumnType::Real,
                None,
                "degree / (n − 1)",
            ),
            Column::new(
                "betweenness",
                ColumnType::Real,
                None,
                "normalised betweenness centrality",
            ),
            Column::text(
                "linked",
                "codes of the participants it shares an arrangement with in the stage, `;`-separated (the network's ties)",
            ),
        ]
}

/// The columns of `border_governance` (its output spec reads them too).
fn border_governance_columns() -> Vec<Column> {
    vec![
        Column::text("a", "code of the first unit (a < b)"),
        Column::text("b", "code of the second unit"),
        Column::text("level", "administrative level"),
        Column::new("length_km", ColumnType::Real, Some("km"), "border length"),
        Column::new(
            "arrangements",
            ColumnType::Int,
            None,
            "arrangements covering the border",
        ),
        Column::text("ids", "their ids, `;`-separated"),
        Column::new(
            "first_year",
            ColumnType::Int,
            None,
            "first year any was in force",
        ),
        Column::new(
            "active_in_last_year",
            ColumnType::Int,
            None,
            "arrangements in force in the registry's last year",
        ),
        Column::new(
            "max_binding",
            ColumnType::Int,
            Some("0–5"),
            "strongest bindingness",
        ),
        Column::text("modes", "modes used (H, M, N)"),
        Column::text("tools", "meta-governance tools used"),
        Column::text("goals", "goal orientations"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One-year arrangements: hierarchy only 1990–1999, network 2000–2009, mixed H;N 2010–2019.
    fn planted() -> Vec<Arrangement> {
        let rows: Vec<(i32, &str, &str)> = (1990..2020)
            .map(|y| {
                let modes = match y {
                    ..2000 => "H",
                    2000..2010 => "N",
                    _ => "H;N",
                };
                (y, modes, "integrated")
            })
            .collect();
        yearly(&rows)
    }

    #[test]
    fn stage_finder_recovers_planted_regimes() {
        let arrangements = planted();
        let years = timeline(&arrangements);
        let found = find_stages(&arrangements, &years, &settings(None)).unwrap();
        let spans: Vec<(i32, i32)> = found.stages.iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(spans, vec![(1990, 1999), (2000, 2009), (2010, 2019)]);
        assert_eq!(found.chosen, 3);
        assert_eq!(found.path[2].breaks, [2000, 2010]);
        assert_eq!(found.stages[0].dominant, "hierarchy");
        assert_eq!(found.stages[1].dominant, "network");
        assert_eq!(found.stages[2].dominant, "hierarchy + network");
        // Asked for two, it makes the best single break, and the path still runs to max_stages.
        let two = find_stages(&arrangements, &years, &settings(Some(2))).unwrap();
        assert_eq!((two.stages.len(), two.chosen, two.path.len()), (2, 2, 6));
    }

    /// The spec's default stage settings, with `k` stages.
    fn settings(k: Option<usize>) -> stages::StageSettings {
        stages::StageSettings {
            k,
            ..stage_settings(&Params::defaults(&SPEC)).unwrap()
        }
    }

    /// One-year arrangements `(year, modes, goal)`.
    fn yearly(rows: &[(i32, &str, &str)]) -> Vec<Arrangement> {
        let years: Vec<String> = rows.iter().map(|r| r.0.to_string()).collect();
        let rows: Vec<[&str; 11]> = rows
            .iter()
            .zip(&years)
            .map(|(&(_, modes, goal), y)| {
                [
                    y.as_str(),
                    y.as_str(),
                    y.as_str(),
                    "a",
                    "provincial",
                    "agreement",
                    goal,
                    modes,
                    "1;2",
                    "2",
                    "design",
                ]
            })
            .collect();
        registry::parse(&registry::table_of(&rows), None).unwrap()
    }

    #[test]
    fn empty_years_are_flagged_and_close_the_stage_before_them() {
        // Hierarchy 1990–1999, nothing in force 2000–2001, network 2002–2011.
        let mut rows: Vec<(i32, &str, &str)> = (1990..2000).map(|y| (y, "H", "economic")).collect();
        rows.extend((2002..2012).map(|y| (y, "N", "economic")));
        let arrangements = yearly(&rows);
        let years = timeline(&arrangements);
        let found = find_stages(&arrangements, &years, &settings(None)).unwrap();
        let spans: Vec<(i32, i32, Vec<i32>)> = found
            .stages
            .iter()
            .map(|s| (s.start, s.end, s.empty_years.clone()))
            .collect();
        assert_eq!(
            spans,
            [(1990, 2001, vec![2000, 2001]), (2002, 2011, vec![])]
        );
        // The empty years do not dilute the stage's mix into zeros.
        let modes = found.stages[0].modes;
        assert!(
            (modes[0] - 1.0).abs() < 1e-12 && modes[1..] == [0.0, 0.0],
            "{modes:?}"
        );
        assert!(found.stages[0].description.contains("2 year(s) without"));
        // min_stage_years counts years with arrangements in force: 20 such years hold at most 4
        // stages of 5, though the timeline has 22 years.
        let mut five = settings(Some(4));
        assert!(find_stages(&arrangements, &years, &five).is_ok());
        five.k = Some(5);
        let error = find_stages(&arrangements, &years, &five)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("20 years with an arrangement in force"),
            "{error}"
        );
    }

    #[test]
    fn extra_features_find_a_change_the_modes_do_not_show() {
        // The same mode throughout; the goal turns from economic to ecological in 2005.
        let rows: Vec<(i32, &str, &str)> = (1990..2020)
            .map(|y| (y, "H;N", if y < 2005 { "economic" } else { "ecological" }))
            .collect();
        let arrangements = yearly(&rows);
        let years = timeline(&arrangements);
        let modes_only = find_stages(&arrangements, &years, &settings(None)).unwrap();
        assert_eq!(modes_only.chosen, 1);
        let with_goal = stages::StageSettings {
            features: vec![stages::Feature::Goal],
            ..settings(None)
        };
        let found = find_stages(&arrangements, &years, &with_goal).unwrap();
        assert_eq!(found.chosen, 2);
        assert_eq!(found.path[1].breaks, [2005]);
    }

    #[test]
    fn unchanging_registry_is_one_stage() {
        let rows: Vec<[&str; 11]> = vec![[
            "1", "1990", "2020", "a", "national", "plan", "economic", "H;N", "1;2", "3", "framing",
        ]];
        let arrangements = registry::parse(&registry::table_of(&rows), None).unwrap();
        let years = timeline(&arrangements);
        let found = find_stages(&arrangements, &years, &settings(None)).unwrap();
        assert_eq!((found.stages.len(), found.chosen), (1, 1));
    }

    #[test]
    fn registry_problems_name_row_and_column() {
        let rows: Vec<[&str; 11]> = vec![
            [
                "1", "2001-13", "", "a", "city", "plan", "economic", "H", "1", "2", "design",
            ],
            [
                "2",
                "2005",
                "2003",
                "b",
                "city",
                "plan",
                "economical",
                "X",
                "9",
                "7",
                "hugging",
            ],
        ];
        let problems =
            registry::parse(&registry::table_of(&rows), Some(&["1".to_string()])).unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            text,
            [
                "row 0: column `start`: `2001-13` is not YYYY or YYYY-MM",
                "row 1: column `end`: ends (2003) before it starts (2005)",
                "row 1: column `goal`: `economical` is not economic, ecological or integrated",
                "row 1: column `modes`: unknown mode `X` (H, M, N)",
                "row 1: column `modes`: no mode given",
                "row 1: column `tools`: unknown tool `hugging` (framing, storytelling, design, facilitation, participation)",
                "row 1: column `binding`: `7` is not 0–5",
                "row 1: column `participants`: 9 is not a jurisdiction code",
            ]
        );
    }
}
