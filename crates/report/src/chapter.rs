//! The report's first chapter, "Meta-governance" (issue 40): the four questions of the study the
//! tool serves, each answered from the run and saying what the answer rests on — where border
//! externalities are (by border level), how coordination evolved in stages beside the
//! literature's periodisations, what became of the arrangements of each goal orientation, and
//! how far the plans facing each other across borders agree.

use borderscape_core::analysis::governance::summary::GovernanceSummary;
use borderscape_core::provenance::Basis;
use borderscape_core::shared_borders::BorderLevel;

use crate::charts;
use crate::figures::{figure, Names};
use crate::findings::{basis_of_analysis, registry_basis, stage_modes, RankedBorder};
use crate::format::{escape, format_number, group_digits, percent};
use crate::labels::Lang;
use crate::summary::Summary;

/// One answer: its question's letter, its text (absent: the run cannot answer it) and basis.
struct Answer {
    question: &'static str,
    text: Option<String>,
    basis: Basis,
}

/// The chapter: the four answers in the study's order.
pub fn chapter(lang: Lang, summary: &Summary, ranked: &[RankedBorder], names: &Names) -> String {
    let governance = summary.governance.as_ref();
    let answers = [
        Answer {
            question: "a",
            text: externalities(lang, summary, ranked, names),
            basis: basis_of_analysis(summary, "conflicts"),
        },
        Answer {
            question: "b",
            text: governance.map(|g| stages(lang, g)),
            basis: registry_basis(summary),
        },
        Answer {
            question: "c",
            text: governance.map(|g| goals(lang, g)),
            basis: registry_basis(summary),
        },
        Answer {
            question: "d",
            text: synergy(lang, summary),
            basis: basis_of_analysis(summary, "conflicts"),
        },
    ];
    let mut html = format!(
        "<section id=\"meta-governance\" class=\"part\"><h2>{}</h2><p>{}</p>",
        escape(&lang.t("meta.title")),
        escape(&lang.t("meta.intro"))
    );
    for a in &answers {
        let figure = match (a.question, governance) {
            ("b", Some(g)) => periodisation_figure(lang, g),
            _ => String::new(),
        };
        let text = a
            .text
            .clone()
            .unwrap_or_else(|| lang.t("meta.not_answered"));
        let note = if a.basis.rests_on_synthetic() {
            format!(" {}", lang.t("meta.synthetic_note"))
        } else {
            String::new()
        };
        html.push_str(&format!(
            "<div class=\"answer\" data-question=\"{}\" data-provenance=\"{}\"><h3>{}</h3><p>{} <span class=\"provenance\">{}</span>{}</p></div>",
            a.question,
            a.basis.name(),
            escape(&lang.t(&format!("meta.q_{}", a.question))),
            escape(&text),
            escape(&lang.fill("ui.rests_on", &[("provenance", &lang.cat(a.basis.name()))])),
            escape(&note)
        ));
        html.push_str(&figure);
    }
    html + "</section>"
}

/// The data-driven stages and each periodisation of the literature on one time axis (none
/// without periodisations).
fn periodisation_figure(lang: Lang, governance: &GovernanceSummary) -> String {
    if governance.periodisations.is_empty() {
        return String::new();
    }
    let data = governance
        .stages
        .iter()
        .map(|s| (s.start, s.end, stage_modes(lang, s)))
        .collect();
    let mut rows = vec![(lang.t("fig.data_stages"), data)];
    rows.extend(governance.periodisations.iter().map(|p| {
        let spans = p
            .stages
            .iter()
            .map(|s| {
                let name = match (lang, &s.name_zh) {
                    (Lang::Zh, Some(zh)) => zh.clone(),
                    _ => s.name.clone(),
                };
                (s.start, s.end, name)
            })
            .collect();
        // The manifest's key, a code name, read as words.
        (p.name.replace('_', " "), spans)
    }));
    figure(
        &lang.t("fig.periodisations"),
        charts::periodisations(lang, &rows),
    )
}

/// (a) The conflicts by border level, and the top border of each level.
fn externalities(
    lang: Lang,
    summary: &Summary,
    ranked: &[RankedBorder],
    names: &Names,
) -> Option<String> {
    let conflicts = summary.conflicts.as_ref()?;
    let level = |l: BorderLevel| {
        group_digits(
            conflicts
                .by_border_level
                .get(l.name())
                .copied()
                .unwrap_or(0) as f64,
        )
    };
    let mut text = lang.fill(
        "meta.a",
        &[
            ("total", &group_digits(conflicts.conflicts as f64)),
            ("province", &level(BorderLevel::CrossProvince)),
            ("city", &level(BorderLevel::CrossCity)),
            ("within", &level(BorderLevel::WithinCity)),
            ("water", &level(BorderLevel::SharedWaterBody)),
        ],
    );
    // The ranking is by level first: the first border of each level is its top one.
    for (k, r) in ranked.iter().enumerate() {
        if k > 0 && ranked[k - 1].level == r.level {
            continue;
        }
        text.push(' ');
        text.push_str(&lang.fill(
            "meta.a_top",
            &[
                ("level", &lang.cat(r.level.name())),
                ("a", &names.of(&r.a)),
                ("b", &names.of(&r.b)),
                ("n", &group_digits(r.conflicts as f64)),
            ],
        ));
    }
    Some(text)
}

/// (b) The data-driven stages, and each periodisation of the literature beside them.
fn stages(lang: Lang, governance: &GovernanceSummary) -> String {
    let spans: Vec<String> = governance
        .stages
        .iter()
        .map(|s| format!("{}–{} ({})", s.start, s.end, stage_modes(lang, s)))
        .collect();
    let mut text = lang.fill(
        "meta.b",
        &[
            ("n", &governance.stages.len().to_string()),
            ("stages", &spans.join(", ")),
        ],
    );
    for p in &governance.periodisations {
        let breaks: Vec<String> = p.breaks.iter().map(i32::to_string).collect();
        text.push(' ');
        text.push_str(&lang.fill(
            "meta.b_periodisation",
            &[
                ("name", &p.name),
                ("breaks", &breaks.join(", ")),
                ("matched", &p.matched_breaks.to_string()),
                ("total", &p.breaks.len().to_string()),
                ("gap", &format_number(p.mean_break_gap_years)),
                ("rand", &format_number(p.rand_index)),
            ],
        ));
    }
    text
}

/// (c) What became of the arrangements of each goal orientation, from the registry.
fn goals(lang: Lang, governance: &GovernanceSummary) -> String {
    let mut parts = Vec::new();
    for (goal, outcomes) in &governance.outcomes_by_goal {
        let count = |kinds: &[&str]| -> usize {
            kinds
                .iter()
                .map(|k| outcomes.get(*k).copied().unwrap_or(0))
                .sum()
        };
        parts.push(lang.fill(
            "meta.c_goal",
            &[
                ("goal", &lang.cat(goal)),
                ("n", &outcomes.values().sum::<usize>().to_string()),
                (
                    "ended",
                    &count(&["abolished", "superseded", "lapsed"]).to_string(),
                ),
                (
                    "lasting",
                    &count(&["sustained", "expanded", "renewed"]).to_string(),
                ),
                ("unknown", &count(&["unknown", "unrecorded"]).to_string()),
            ],
        ));
    }
    parts.push(lang.t("meta.c_indicators"));
    parts.join(" ")
}

/// (d) Plan consistency along the borders, latest version; the coupling index named for what
/// it measures.
fn synergy(lang: Lang, summary: &Summary) -> Option<String> {
    let consistency = summary.conflicts.as_ref()?.plan_consistency.as_ref()?;
    let (plan, share) = consistency.iter().next_back()?;
    Some(lang.fill("meta.d", &[("plan", plan), ("share", &percent(*share))]))
}
