//! The findings the report opens with: one sentence per result that matters for coordination,
//! each with its number and a link to its section, generated from `summary.json` and the output
//! tables in the report's language. A finding whose inputs are missing is left out.

use std::collections::{BTreeMap, HashMap};

use borderscape_core::analysis::compensation::summary::{Balance, CompensationSummary};
use borderscape_core::analysis::conflicts::summary::ConflictsSummary;
use borderscape_core::analysis::effective_mesh::EffectiveMeshSummary;
use borderscape_core::analysis::governance::stages::RobustnessSummary;
use borderscape_core::analysis::governance::summary::{
    GovernanceSummary, NetOfPreTrend, OutcomeSummary, OutcomesSummary, PreTrend, StageSummary,
};
use borderscape_core::analysis::landcover::summary::LandCoverSummary;
use borderscape_core::analysis::rivers::summary::RiversSummary;
use borderscape_core::analysis::synergy::SynergySummary;
use borderscape_core::provenance::{Basis, Provenance};
use borderscape_core::region::Level;
use borderscape_core::shared_borders::BorderLevel;
use borderscape_core::table::Table;

use crate::figures::{cell, cell_size, find, latest, numbers, text, Names};
use crate::format::{format_number, group_digits, percent};
use crate::labels::Lang;
use crate::summary::{Input, Summary};

/// One finding: what it is about (`data-finding`), the section it links to, its sentence.
pub struct Finding {
    pub id: &'static str,
    pub section: &'static str,
    pub text: String,
}

/// A county border ranked, within its border level, by its conflicts in the latest plan version
/// (and the network conflicts, which belong to no version).
pub struct RankedBorder {
    pub a: String,
    pub b: String,
    pub level: BorderLevel,
    pub conflicts: usize,
    /// Of them, of high severity (3).
    pub severe: usize,
}

/// The latest plan version of `conflicts_by_border` (empty without plans).
pub fn latest_plan(tables: &[&Table]) -> String {
    find(tables, "conflicts_by_border")
        .and_then(|t| text(t, "plan"))
        .map(|p| latest(&p))
        .unwrap_or_default()
}

/// County borders by level (across provinces first, then across cities, within a city, around
/// a shared water body), and within a level by their conflicts (latest version and networks),
/// most first; ties by the high-severity ones, then by code so that the order is stable.
pub fn rank_borders(
    tables: &[&Table],
    counts: &BTreeMap<(String, String), usize>,
) -> Vec<RankedBorder> {
    let plan = latest_plan(tables);
    let mut levels: HashMap<(String, String), BorderLevel> = HashMap::new();
    if let Some(t) = find(tables, "conflicts_by_border") {
        if let (Some(a), Some(b), Some(level)) =
            (text(t, "a"), text(t, "b"), text(t, "border_level"))
        {
            for i in 0..t.len() {
                if let Some(l) = BorderLevel::parse(&level[i]) {
                    levels.insert((a[i].clone(), b[i].clone()), l);
                }
            }
        }
    }
    let mut severe: HashMap<String, usize> = HashMap::new();
    if let Some(t) = find(tables, "conflicts") {
        if let (Some(borders), Some(plans), Some(severity)) =
            (text(t, "border"), text(t, "plan"), numbers(t, "severity"))
        {
            for i in 0..t.len() {
                if severity[i] >= 3.0 && (plans[i].is_empty() || plans[i] == plan) {
                    *severe.entry(borders[i].clone()).or_default() += 1;
                }
            }
        }
    }
    let mut ranked: Vec<RankedBorder> = counts
        .iter()
        .filter(|(_, &n)| n > 0)
        .map(|((a, b), &n)| RankedBorder {
            a: a.clone(),
            b: b.clone(),
            level: levels
                .get(&(a.clone(), b.clone()))
                .copied()
                .unwrap_or(BorderLevel::WithinCity),
            conflicts: n,
            severe: severe.get(&format!("{a}|{b}")).copied().unwrap_or(0),
        })
        .collect();
    ranked.sort_by(|x, y| {
        x.level
            .cmp(&y.level)
            .then_with(|| (y.conflicts, y.severe).cmp(&(x.conflicts, x.severe)))
            .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
    });
    ranked
}

/// The first `per_level` ranked borders of each level, in ranking order.
pub fn top_per_level(ranked: Vec<RankedBorder>, per_level: usize) -> Vec<RankedBorder> {
    let mut taken: HashMap<BorderLevel, usize> = HashMap::new();
    ranked
        .into_iter()
        .filter(|r| {
            let n = taken.entry(r.level).or_default();
            *n += 1;
            *n <= per_level
        })
        .collect()
}

/// The findings, in the order a coordination meeting reads them.
pub fn findings(
    lang: Lang,
    summary: &Summary,
    tables: &[&Table],
    ranked: &[RankedBorder],
    names: &Names,
) -> Vec<Finding> {
    let mut entries = conflicts_and_loads(lang, summary, tables, ranked, names);
    if let Some(compensation) = &summary.compensation {
        let balances = compensation.balances.iter().flatten();
        entries.extend(balances.map(|b| ("balance", "sec-compensation", balance(lang, b, names))));
        entries.push(("schemes", "sec-compensation", schemes(lang, compensation)));
    }
    let synergy = summary.synergy.as_ref();
    let mesh = summary.effective_mesh.as_ref();
    entries.extend([
        (
            "synergy",
            "sec-synergy",
            synergy.and_then(|s| self::synergy(lang, s)),
        ),
        (
            "least_coordinated",
            "sec-synergy",
            synergy.and_then(|s| least_coordinated(lang, s, names)),
        ),
        (
            "fragmentation",
            "sec-effective_mesh",
            mesh.and_then(|m| fragmentation(lang, m)),
        ),
        (
            "landcover",
            "sec-landcover",
            landcover(lang, summary.landcover.as_ref(), tables, names),
        ),
    ]);
    if let Some(governance) = &summary.governance {
        entries.push(("stages", "sec-governance", stages(lang, governance, tables)));
        entries.push(("coverage", "sec-governance", coverage(lang, governance)));
        let outcomes = measures(&governance.outcomes);
        entries.extend(outcomes.map(|(m, o)| ("outcome", "sec-governance", outcome(lang, m, o))));
    }
    entries
        .into_iter()
        .filter_map(|(id, section, text)| {
            Some(Finding {
                id,
                section,
                text: text?,
            })
        })
        .collect()
}

/// A finding's `data-finding` id, the section it links to, its sentence (none: left out).
type Entry = (&'static str, &'static str, Option<String>);

/// The findings on the data, the conflicts and the top borders, and the pollution loads.
fn conflicts_and_loads(
    lang: Lang,
    summary: &Summary,
    tables: &[&Table],
    ranked: &[RankedBorder],
    names: &Names,
) -> Vec<Entry> {
    let conflicts = summary.conflicts.as_ref();
    let connect_m = summary.rivers_params.as_ref().map_or(0.0, |p| p.connect_m);
    vec![
        ("data", "inputs", data(lang, &summary.run.inputs)),
        (
            "conflict_total",
            "sec-conflicts",
            conflicts.map(|c| conflict_total(lang, c)),
        ),
        (
            "top_border",
            "findings-top",
            top_border(lang, ranked, tables, names),
        ),
        (
            "top_severe",
            "findings-top",
            top_severe(lang, ranked, names),
        ),
        (
            "changes",
            "sec-conflicts",
            conflicts.and_then(|c| changes(lang, c)),
        ),
        (
            "load",
            "sec-rivers",
            load(lang, summary.rivers.as_ref(), connect_m, tables, names),
        ),
        (
            "load_province",
            "sec-rivers",
            load_province(lang, tables, names),
        ),
    ]
}

fn conflict_total(lang: Lang, conflicts: &ConflictsSummary) -> String {
    lang.fill(
        "find.conflict_total",
        &[
            ("total", &group_digits(conflicts.conflicts as f64)),
            (
                "borders",
                &format_number(conflicts.borders_with_conflicts as f64),
            ),
        ],
    )
}

/// The border with most conflicts in the latest plan version.
fn top_border(
    lang: Lang,
    ranked: &[RankedBorder],
    tables: &[&Table],
    names: &Names,
) -> Option<String> {
    let top = ranked.first()?;
    let latest = lang.fill("ui.latest", &[("plan", &latest_plan(tables))]);
    Some(lang.fill(
        "find.top_border",
        &[
            ("level", &lang.cat(top.level.name())),
            ("a", &names.of(&top.a)),
            ("b", &names.of(&top.b)),
            ("n", &group_digits(top.conflicts as f64)),
            ("latest", &latest),
            ("severe", &group_digits(top.severe as f64)),
        ],
    ))
}

/// The border with most high-severity conflicts (the first by code among ties).
fn top_severe(lang: Lang, ranked: &[RankedBorder], names: &Names) -> Option<String> {
    let r = ranked
        .iter()
        .max_by_key(|r| (r.severe, std::cmp::Reverse((&r.a, &r.b))))
        .filter(|r| r.severe > 0)?;
    Some(lang.fill(
        "find.top_severe",
        &[
            ("a", &names.of(&r.a)),
            ("b", &names.of(&r.b)),
            ("severe", &group_digits(r.severe as f64)),
        ],
    ))
}

/// The outcome of each measure computed, by its name in summary.json, in its order there.
fn measures(o: &OutcomesSummary) -> impl Iterator<Item = (&'static str, &OutcomeSummary)> {
    [
        ("D_border", &o.d_border),
        ("conflicts", &o.conflicts),
        ("plan_consistency", &o.plan_consistency),
    ]
    .into_iter()
    .filter_map(|(measure, outcome)| Some((measure, outcome.as_ref()?)))
}

/// The number of compensation schemes and the total they transferred.
fn schemes(lang: Lang, compensation: &CompensationSummary) -> Option<String> {
    let schemes = &compensation.schemes;
    if schemes.is_empty() {
        return None;
    }
    let total: f64 = schemes.values().map(|s| s.transferred_yuan).sum();
    Some(lang.fill(
        "find.schemes",
        &[
            ("n", &schemes.len().to_string()),
            ("amount", &group_digits(total)),
        ],
    ))
}

fn data(lang: Lang, inputs: &[Input]) -> Option<String> {
    let of = |p: Provenance| -> Vec<String> {
        inputs
            .iter()
            .filter(|i| i.provenance() == p)
            .map(|i| lang.cat(&i.kind))
            .collect()
    };
    let (observed, template, synthetic) = (
        of(Provenance::Observed),
        of(Provenance::Template),
        of(Provenance::Synthetic),
    );
    let total = inputs.len().to_string();
    if observed.len() == inputs.len() {
        return Some(lang.fill("find.data_real", &[("total", &total)]));
    }
    Some(lang.fill(
        "find.data",
        &[
            ("real", &observed.len().to_string()),
            ("total", &total),
            ("template", &template.len().to_string()),
            ("templates", &template.join(", ")),
            ("synthetic", &synthetic.len().to_string()),
            ("layers", &synthetic.join(", ")),
        ],
    ))
}

/// What a finding rests on: the basis of the analysis whose section it links to (the top
/// borders are the conflicts'), except the governance findings that read the registry alone
/// (the stages, the coverage of borders); the inputs finding rests on the inputs themselves.
pub fn basis_of(summary: &Summary, finding: &Finding) -> Basis {
    if matches!(finding.id, "stages" | "coverage") {
        return registry_basis(summary);
    }
    let analysis = match finding.section {
        "findings-top" => "conflicts",
        s => s.strip_prefix("sec-").unwrap_or(""),
    };
    basis_of_analysis(summary, analysis)
}

/// A stage's dominant governance modes in `lang`.
pub fn stage_modes(lang: Lang, stage: &StageSummary) -> String {
    let modes: Vec<String> = stage
        .dominant_modes
        .split(" + ")
        .map(|m| lang.cat(m))
        .collect();
    modes.join(" + ")
}

/// What the registry and the boundaries alone rest on.
pub fn registry_basis(summary: &Summary) -> Basis {
    let registry = ["governance", "jurisdictions"];
    Basis::of(
        summary
            .run
            .inputs
            .iter()
            .filter(|i| registry.contains(&i.kind.as_str()))
            .map(|i| (i.kind.as_str(), i.provenance())),
    )
}

/// The basis of an analysis as summary.json gives it (none when it did not run).
pub fn basis_of_analysis(summary: &Summary, analysis: &str) -> Basis {
    summary
        .run
        .analyses
        .get(analysis)
        .map(|s| s.basis.clone())
        .unwrap_or_default()
}

fn changes(lang: Lang, conflicts: &ConflictsSummary) -> Option<String> {
    let c = conflicts.changes.as_ref()?;
    let (from, to) = (c.from.as_str(), c.to.as_str());
    let consistency = |v: &str| {
        conflicts
            .plan_consistency
            .as_ref()
            .and_then(|by_plan| by_plan.get(v))
            .map_or_else(|| "–".to_string(), |&share| percent(share))
    };
    let n = |k: i64| group_digits(k as f64);
    Some(lang.fill(
        "find.changes",
        &[
            ("from", from),
            ("to", to),
            ("resolved", &n(c.resolved)),
            ("persisting", &n(c.persisting)),
            ("introduced", &n(c.introduced)),
            ("c_from", &consistency(from)),
            ("c_to", &consistency(to)),
        ],
    ))
}

/// The pollutant the load findings speak of: TN when there is one.
fn pollutant_of(pollutants: &[String]) -> String {
    if pollutants.iter().any(|p| p == "TN") {
        "TN".into()
    } else {
        latest(pollutants)
    }
}

/// The rows of a load matrix for the latest plan and the findings' pollutant, between two units:
/// (from, to, plan, pollutant, net transfer, gross flux).
struct Transfers {
    from: Vec<String>,
    to: Vec<String>,
    plan: String,
    pollutant: String,
    net: Vec<f64>,
    flux: Vec<f64>,
    rows: Vec<usize>,
}

impl Transfers {
    fn of(t: &Table) -> Option<Self> {
        let (from, to, plans, pollutants) = (
            text(t, "from")?,
            text(t, "to")?,
            text(t, "plan")?,
            text(t, "pollutant")?,
        );
        let (net, flux) = (numbers(t, "net_kg_per_yr")?, numbers(t, "flux_kg_per_yr")?);
        let (plan, pollutant) = (latest(&plans), pollutant_of(&pollutants));
        let rows = (0..t.len())
            .filter(|&i| plans[i] == plan && pollutants[i] == pollutant && from[i] != to[i])
            .collect();
        Some(Transfers {
            from,
            to,
            plan,
            pollutant,
            net,
            flux,
            rows,
        })
    }

    /// The row of the largest net transfer: a meander that crosses a line again and again adds
    /// to the gross flux both ways, not to the net (issue 38).
    fn largest(&self) -> Option<usize> {
        self.rows
            .iter()
            .copied()
            .filter(|&i| self.net[i] > 0.0)
            .max_by(|&x, &y| self.net[x].total_cmp(&self.net[y]))
    }
}

/// The largest net county-to-county transfer of the latest plan and where most of the load
/// first entering that way comes from; then how much of the load the flows leave out (no river
/// within reach) and whether the coefficients are templates, so that no reader takes the
/// amounts for the region's.
fn load(
    lang: Lang,
    rivers: Option<&RiversSummary>,
    connect_m: f64,
    tables: &[&Table],
    names: &Names,
) -> Option<String> {
    let m = Transfers::of(find(tables, "load_matrix_county")?)?;
    let i = m.largest()?;
    let (from, to) = (&m.from[i], &m.to[i]);
    let (origin, share) = find(tables, "load_sources_county")
        .and_then(|s| {
            let (sf, st, sp, spol, so, sshare) = (
                text(s, "from")?,
                text(s, "to")?,
                text(s, "plan")?,
                text(s, "pollutant")?,
                text(s, "origin")?,
                numbers(s, "share")?,
            );
            let mut by_origin: BTreeMap<String, f64> = BTreeMap::new();
            for k in 0..s.len() {
                if &sf[k] == from && &st[k] == to && sp[k] == m.plan && spol[k] == m.pollutant {
                    *by_origin.entry(so[k].clone()).or_default() += sshare[k];
                }
            }
            by_origin.into_iter().max_by(|x, y| x.1.total_cmp(&y.1))
        })
        .unwrap_or_else(|| (from.clone(), 1.0));
    let mut text = lang.fill(
        "find.load",
        &[
            ("pollutant", &lang.cat(&m.pollutant)),
            ("from", &names.of(from)),
            ("to", &names.of(to)),
            ("net", &format_number(m.net[i])),
            ("flux", &format_number(m.flux[i])),
            ("plan", &m.plan),
            ("share", &percent(share)),
            ("origin", &names.of(&origin)),
        ],
    );
    let Some(rivers) = rivers else {
        return Some(text);
    };
    let balance = rivers
        .mass_balance
        .iter()
        .find(|b| b.plan == m.plan && b.pollutant == m.pollutant);
    if let Some(b) = balance {
        let (routed, unrouted) = (b.injected_kg_per_yr, b.unrouted_kg_per_yr);
        if unrouted > 0.0 {
            text.push(' ');
            text.push_str(&lang.fill(
                "find.load_unrouted",
                &[
                    ("share", &percent(unrouted / (routed + unrouted))),
                    ("pollutant", &lang.cat(&m.pollutant)),
                    ("unrouted", &format_number(unrouted)),
                    ("connect_km", &format_number(connect_m / 1000.0)),
                ],
            ));
        }
    }
    let template = |c: &str| c.starts_with("TEMPLATE");
    if template(&rivers.coefficients.export) || template(&rivers.coefficients.point_loads) {
        text.push(' ');
        text.push_str(&lang.t("find.load_template"));
    }
    Some(text)
}

fn load_province(lang: Lang, tables: &[&Table], names: &Names) -> Option<String> {
    let m = Transfers::of(find(tables, "load_matrix_province")?)?;
    let i = m.largest()?;
    Some(lang.fill(
        "find.load_province",
        &[
            ("from", &names.of(&m.from[i])),
            ("to", &names.of(&m.to[i])),
            ("pollutant", &lang.cat(&m.pollutant)),
            ("net", &format_number(m.net[i])),
        ],
    ))
}

/// Who paid whom, net: `net_to_a_yuan` < 0 means a paid b.
fn balance(lang: Lang, balance: &Balance, names: &Names) -> Option<String> {
    let (a, b, net) = (
        balance.a.as_str(),
        balance.b.as_str(),
        balance.net_to_a_yuan,
    );
    let (payer, payee) = if net < 0.0 { (a, b) } else { (b, a) };
    Some(lang.fill(
        "find.balance",
        &[
            ("payer", &names.of(payer)),
            ("payee", &names.of(payee)),
            ("amount", &group_digits(net.abs())),
        ],
    ))
}

/// The indicator of the strongest spatial clustering (an undefined I, read back as NaN, left
/// out) and the mean coordination degree from the first year to the last.
fn synergy(lang: Lang, synergy: &SynergySummary) -> Option<String> {
    let (indicator, m) = synergy
        .moran_latest
        .iter()
        .filter(|(_, m)| m.i.is_finite())
        .max_by(|x, y| x.1.i.total_cmp(&y.1.i))?;
    let d = &synergy.coupling.as_ref()?.mean_d_by_year;
    let ((y0, &d0), (y1, &d1)) = (d.iter().next()?, d.iter().next_back()?);
    Some(lang.fill(
        "find.moran",
        &[
            ("indicator", &lang.cat(indicator)),
            ("I", &format_number(m.i)),
            ("year", &m.year.to_string()),
            ("d0", &format_number(d0)),
            ("y0", &y0.to_string()),
            ("d1", &format_number(d1)),
            ("y1", &y1.to_string()),
        ],
    ))
}

fn least_coordinated(lang: Lang, synergy: &SynergySummary, names: &Names) -> Option<String> {
    let borders = synergy.borders.as_ref()?;
    let first = borders.least_coordinated.first()?;
    Some(lang.fill(
        "find.least_coordinated",
        &[
            ("year", &borders.year.to_string()),
            ("a", &names.of(&first.a)),
            ("b", &names.of(&first.b)),
            ("d", &format_number(first.d_border)),
        ],
    ))
}

fn fragmentation(lang: Lang, mesh: &EffectiveMeshSummary) -> Option<String> {
    let first = mesh
        .levels
        .get(&Level::County)?
        .most_fragmented_by_borders
        .first()?;
    Some(lang.fill(
        "find.fragmentation",
        &[
            ("name", &first.name),
            ("ratio", &format_number(first.cbc_cut_ratio)),
        ],
    ))
}

/// Land cover of the latest year: the region's ecosystem-service value and the county richest in
/// it per hectare, at the raster's resolution; then the county whose borders cut its habitat
/// most.
fn landcover(
    lang: Lang,
    results: Option<&LandCoverSummary>,
    tables: &[&Table],
    names: &Names,
) -> Option<String> {
    let t = find(tables, "landcover_esv")?;
    let (codes, levels, years, area, esv, per_ha) = (
        text(t, "code")?,
        text(t, "level")?,
        text(t, "year")?,
        numbers(t, "area_ha")?,
        numbers(t, "esv_yuan")?,
        numbers(t, "esv_yuan_per_ha")?,
    );
    let year = latest(&years);
    let top_level = ["province", "city", "county"]
        .into_iter()
        .find(|l| levels.iter().any(|x| x == l))?;
    let rows = |level: &str| {
        (0..t.len())
            .filter(|&i| levels[i] == level && years[i] == year)
            .collect::<Vec<usize>>()
    };
    let region = rows(top_level);
    let (total_ha, total) = region
        .iter()
        .fold((0.0, 0.0), |acc, &i| (acc.0 + area[i], acc.1 + esv[i]));
    let richest = rows("county")
        .into_iter()
        .filter(|&i| per_ha[i].is_finite())
        .max_by(|&x, &y| per_ha[x].total_cmp(&per_ha[y]))?;
    // No class with an ESV row at the top level: no per-hectare value to state.
    if total_ha <= 0.0 {
        return None;
    }
    let mut text = lang.fill(
        "find.landcover",
        &[
            ("year", &year),
            (
                "cells",
                &results
                    .and_then(|r| cell_size(lang, r))
                    .unwrap_or_else(|| "–".into()),
            ),
            ("esv", &group_digits(total)),
            ("per_ha", &format_number(total / total_ha)),
            ("top", &names.of(&codes[richest])),
            ("top_per_ha", &format_number(per_ha[richest])),
        ],
    );
    // The county whose own borders cost its habitat the most effective mesh (CBC − CUT, km²).
    if let Some(f) = find(tables, "landcover_fragmentation") {
        let (cut, cbc) = (
            numbers(f, "cut_mesh_km2").unwrap_or_default(),
            numbers(f, "cbc_mesh_km2").unwrap_or_default(),
        );
        let most = (0..cut.len().min(cbc.len()))
            .filter(|&i| {
                cell(f, i, "level") == "county"
                    && cell(f, i, "year") == year
                    && cbc[i] - cut[i] > 0.0
            })
            .max_by(|&x, &y| (cbc[x] - cut[x]).total_cmp(&(cbc[y] - cut[y])));
        if let Some(i) = most {
            text.push(' ');
            text.push_str(&lang.fill(
                "find.landcover_habitat",
                &[
                    ("name", &names.of(&cell(f, i, "code"))),
                    ("cut", &format_number(cut[i])),
                    ("cbc", &format_number(cbc[i])),
                ],
            ));
        }
    }
    Some(text)
}

/// Each stage with its dominant modes and its goal orientation: the goals holding at least a
/// quarter of the arrangements in force over the stage's years (from the timeline).
fn stages(lang: Lang, governance: &GovernanceSummary, tables: &[&Table]) -> Option<String> {
    let timeline = find(tables, "governance_timeline");
    let goals = |start: f64, end: f64| -> String {
        let Some(t) = timeline else {
            return String::new();
        };
        let Some(years) = numbers(t, "year") else {
            return String::new();
        };
        let mut shares: Vec<(f64, String)> = ["ecological", "economic", "integrated"]
            .iter()
            .filter_map(|g| {
                let share = numbers(t, &format!("share_{g}"))?;
                let inside: Vec<f64> = (0..t.len())
                    .filter(|&i| years[i] >= start && years[i] <= end && share[i].is_finite())
                    .map(|i| share[i])
                    .collect();
                let mean = inside.iter().sum::<f64>() / inside.len().max(1) as f64;
                (mean >= 0.25).then(|| (mean, format!("{} {}", lang.cat(g), percent(mean))))
            })
            .collect();
        shares.sort_by(|x, y| y.0.total_cmp(&x.0));
        shares
            .into_iter()
            .map(|s| s.1)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let parts: Vec<String> = governance
        .stages
        .iter()
        .map(|s| {
            lang.fill(
                "find.stage",
                &[
                    ("start", &s.start.to_string()),
                    ("end", &s.end.to_string()),
                    ("modes", &stage_modes(lang, s)),
                    ("goals", &goals(f64::from(s.start), f64::from(s.end))),
                ],
            )
        })
        .collect();
    let (y0, y1) = (governance.years.0?, governance.years.1);
    let (k, robust) = stage_count(lang, &governance.stage_robustness, parts.len());
    Some(lang.fill(
        "find.stages",
        &[
            ("n", &governance.arrangements.to_string()),
            ("y0", &y0.to_string()),
            ("y1", &y1.to_string()),
            ("k", &k),
            ("robust", &robust),
            ("stages", &parts.join(lang.get("ui.sep").unwrap_or("; "))),
        ],
    ))
}

/// The number of stages as the robustness summary bounds it ("2–4"), and the most recurrent
/// break of the `shown` stages. The count is not stated as fact when nearby k fit about as well
/// (stages.rs, Robustness).
fn stage_count(lang: Lang, robustness: &RobustnessSummary, shown: usize) -> (String, String) {
    let (low, high, variants) = (
        robustness.stage_count_min,
        robustness.stage_count_max,
        robustness.variants,
    );
    let k = if low == high {
        low.to_string()
    } else {
        format!("{low}–{high}")
    };
    let robust = robustness
        .break_recurrence
        .first()
        .map_or_else(String::new, |top| {
            lang.fill(
                "find.stages_robust",
                &[
                    ("year", &top.year.to_string()),
                    ("m", &top.variants.to_string()),
                    ("v", &variants.to_string()),
                    ("shown", &shown.to_string()),
                ],
            )
        });
    (k, robust)
}

fn coverage(lang: Lang, governance: &GovernanceSummary) -> Option<String> {
    let county = governance.coverage.get(Level::County.name())?;
    Some(lang.fill(
        "find.coverage",
        &[
            ("covered", &group_digits(county.covered_borders as f64)),
            ("borders", &group_digits(county.edge_borders as f64)),
            ("share", &percent(county.covered_length_share)),
        ],
    ))
}

/// A difference-in-differences outcome, worded as cautiously as its interval and inputs allow.
fn outcome(lang: Lang, measure: &str, o: &OutcomeSummary) -> Option<String> {
    let did = o.did?;
    let [low, high] = o.interval_95;
    let shown = |x: Option<f64>| x.map_or_else(|| "–".to_string(), format_number);
    let mut text = lang.fill(
        "find.outcome",
        &[
            ("measure", &lang.cat(measure)),
            ("did", &format_number(did)),
            ("low", &shown(low)),
            ("high", &shown(high)),
            ("p", &shown(o.p_value)),
            ("treated", &o.treated_borders.to_string()),
        ],
    );
    if o.p_value_not_estimable.is_some() {
        text.push(' ');
        text.push_str(&lang.fill(
            "find.outcome_no_inference",
            &[("n", &o.distinct_assignments.to_string())],
        ));
    }
    let net_p = match o.net_of_pre_trend {
        NetOfPreTrend::Estimated { p_value, .. } => p_value,
        NetOfPreTrend::NotEstimated { .. } => None,
    };
    if let (
        PreTrend::Tested {
            slope_per_period,
            slope_p_value,
            ..
        },
        NetOfPreTrend::Estimated { did: net_did, .. },
    ) = (&o.pre_trend, &o.net_of_pre_trend)
    {
        text.push(' ');
        text.push_str(&lang.fill(
            "find.outcome_trend",
            &[
                ("slope", &format_number(*slope_per_period)),
                ("slope_p", &shown(*slope_p_value)),
                ("net", &format_number(*net_did)),
                ("net_p", &shown(net_p)),
            ],
        ));
    }
    // The interval inverts a test of an additive effect, the p-value tests no effect at all:
    // the finding is worded as clear only where both say so, and net of the pre-trend too.
    let significant = |p: Option<f64>| p.is_some_and(|p| p <= 0.05);
    let excludes_zero = matches!((low, high), (Some(l), Some(h)) if l > 0.0 || h < 0.0);
    let clear = excludes_zero && significant(o.p_value) && (net_p.is_none() || significant(net_p));
    text.push(' ');
    text.push_str(&lang.t(if clear {
        "find.caution_clear"
    } else {
        "find.caution_open"
    }));
    if o.synthetic.is_some() {
        text.push(' ');
        text.push_str(&lang.t("find.caution_synthetic"));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;
    use serde_json::{json, Value};

    /// A summary of type `T` from `base` with `fields` set over it: the tests give only the
    /// fields a finding reads.
    fn typed<T: DeserializeOwned>(mut base: Value, fields: Value) -> T {
        if let (Some(base), Some(fields)) = (base.as_object_mut(), fields.as_object()) {
            base.extend(fields.clone());
        }
        serde_json::from_value(base).expect("a complete summary")
    }

    fn outcome_of(fields: Value) -> OutcomeSummary {
        let base = json!({
            "outcome": "", "higher_is_better": true, "estimator": "", "controls": "never",
            "coverage": "direct", "panel": [2000, 2020], "periods": 21, "treated_borders": 0,
            "control_borders": 0, "already_covered_borders": 0, "did": null,
            "interval_95": [null, null], "null_interval_95": [null, null], "p_value": null,
            "permutations": 999, "permutation_unit": "", "assignment_units": 0,
            "covered_clusters": 0, "largest_unit_borders": null, "distinct_assignments": 0,
            "seed": 0, "pre_trend": {"leads": 0, "note": ""},
            "net_of_pre_trend": {"note": ""}, "by_goal": {}, "outcomes": {}, "assumption": "",
        });
        typed(base, fields)
    }

    fn rivers_of(fields: Value) -> RiversSummary {
        let apart = json!({"count": 0, "facilities": []});
        let base = json!({
            "reaches": 0, "cycles": [], "disconnected_pieces": 0, "disconnected_sample": [],
            "uphill": [], "sections": 0, "border_river_km": 0.0, "matrix_rows": {},
            "mass_balance": [],
            "coefficients": {"export": "", "point_loads": "", "decay": "", "lake_retention": ""},
            "siting": {
                "level": "county", "polluting_facilities_on_rivers": 0, "on_own_river": 0,
                "into_neighbour_reach": apart, "into_reach_outside_every_unit": apart,
                "rate_ratio_0_5_km": null, "p_placebo": null, "placebo_interval_0_5_km": null,
                "alternative": "greater", "permutations": 0, "seed": 0,
                "most_downstream": {"descriptive": "", "exit_counties": [],
                    "mean_difference_per_1000_km2": null, "p_permutation": null,
                    "alternative": "greater"},
            },
            "synthetic_inputs": [],
        });
        typed(base, fields)
    }

    fn governance_of(fields: Value) -> GovernanceSummary {
        let base = json!({
            "arrangements": 0, "years": [null, 2020], "stages": [], "coverage": {},
            "stage_robustness": {"variants": 1, "k_within_2_bic": [], "stage_count_min": 1,
                "stage_count_max": 1, "break_recurrence": [], "ends_dated": 0,
                "ends_ongoing": 0, "ends_event": 0, "ends_unknown": 0},
            "outcomes": {},
        });
        typed(base, fields)
    }

    #[test]
    fn findings_say_who_pays_and_how_sure_an_outcome_is() {
        let names = Names(HashMap::from([
            ("330000".to_string(), "浙江省".to_string()),
            ("340000".to_string(), "安徽省".to_string()),
        ]));
        let b = Balance {
            a: "330000".into(),
            b: "340000".into(),
            net_to_a_yuan: -1_518_833_733.28,
        };
        assert_eq!(
            balance(Lang::En, &b, &names).unwrap(),
            "Compensation balance: 浙江省 paid 安徽省 a net 1,518,833,733 yuan across all schemes."
        );
        let b = Balance {
            net_to_a_yuan: 10.0,
            ..b
        };
        assert!(balance(Lang::Zh, &b, &names)
            .unwrap()
            .contains("安徽省净支付浙江省 10 元"));
        let o = outcome_of(
            json!({"did": -2.736, "interval_95": [-7.74, 1.24], "p_value": 0.15, "treated_borders": 4, "synthetic": "SYNTHETIC"}),
        );
        let text = outcome(Lang::En, "conflicts", &o).unwrap();
        assert!(text
            .starts_with("Covered against uncovered borders, conflicts: a difference of -2.736"));
        assert!(text.contains("cannot tell an effect from chance") && text.contains("synthetic"));
        let o = outcome_of(
            json!({"did": 0.0217, "interval_95": [0.0002, 0.0427], "p_value": 0.043, "treated_borders": 4}),
        );
        let text = outcome(Lang::Zh, "D_border", &o).unwrap();
        assert!(text.contains("不包含零效应") && !text.contains("合成"));
        // A drift before coverage that explains the effect: the finding gives the line and
        // does not call the effect clear.
        let o = outcome_of(
            json!({"did": 0.0217, "interval_95": [0.0002, 0.0427], "p_value": 0.043, "treated_borders": 4,
            "pre_trend": {"leads": 3, "statistic": 0.0, "p_value": null, "slope_per_period": 0.0029,
                "slope_p_value": 0.196, "reading": ""},
            "net_of_pre_trend": {"did": 0.0036, "pre_trend_part": null, "interval_95": [null, null],
                "null_interval_95": [null, null], "p_value": 0.761, "method": ""}}),
        );
        let text = outcome(Lang::En, "D_border", &o).unwrap();
        assert!(
            text.contains("drifted 0.0029 a period (p = 0.196)"),
            "{text}"
        );
        assert!(
            text.contains("net of that line 0.0036 (p = 0.761)"),
            "{text}"
        );
        assert!(text.contains("cannot tell an effect from chance"), "{text}");
        // An interval that excludes 0 beside a p above 0.05 is not worded as clear either.
        let o = outcome_of(
            json!({"did": 0.5, "interval_95": [0.1, 0.9], "p_value": 0.08, "treated_borders": 4,
            "p_value_not_estimable": "…", "distinct_assignments": 3}),
        );
        let text = outcome(Lang::En, "conflicts", &o).unwrap();
        assert!(
            text.contains("only 3 distinct placements") && text.contains("cannot tell"),
            "{text}"
        );
    }

    /// The load finding says how much of the load is not routed and that template coefficients
    /// make its amounts illustrative.
    #[test]
    fn the_load_finding_says_what_it_leaves_out() {
        let matrix = Table::of_text(
            "load_matrix_county",
            &[
                "from",
                "to",
                "plan",
                "pollutant",
                "net_kg_per_yr",
                "flux_kg_per_yr",
            ],
            &[["1", "2", "2035", "TN", "2311546", "8366524"]],
        );
        let rivers = rivers_of(json!({
            "mass_balance": [{"plan": "2035", "pollutant": "TN", "injected_kg_per_yr": 13.0,
                "delivered_kg_per_yr": 13.0, "decayed_kg_per_yr": 0.0, "retained_kg_per_yr": 0.0,
                "unrouted_kg_per_yr": 87.0, "overland_crossing_kg_per_yr": 0.0, "origins": 1,
                "largest_origin_imbalance": 0.0}],
            "coefficients": {"export": "TEMPLATE (InVEST NDR sample table, not YRD values)",
                "point_loads": "project table", "decay": "", "lake_retention": ""},
        }));
        let names = Names(HashMap::new());
        let text = load(Lang::En, Some(&rivers), 5000.0, &[&matrix], &names).unwrap();
        assert!(
            text.contains("87.0 % of the total nitrogen (TN) load"),
            "{text}"
        );
        assert!(text.contains("no river within 5 km"), "{text}");
        assert!(text.contains("template"), "{text}");
        let rivers = rivers_of(json!({}));
        let text = load(Lang::En, Some(&rivers), 5000.0, &[&matrix], &names).unwrap();
        assert!(
            !text.contains("template") && !text.contains("no river"),
            "{text}"
        );
    }

    #[test]
    fn borders_rank_by_conflicts_then_severity() {
        let mut conflicts = Table::of_text(
            "conflicts",
            &["border", "plan", "severity"],
            &[["1|2", "2035", "3"], ["1|3", "", "3"], ["1|3", "2015", "3"]],
        );
        conflicts.name = "conflicts".into();
        let by_border = Table::of_text("conflicts_by_border", &["plan"], &[["2035"]]);
        let counts = BTreeMap::from([
            (("1".to_string(), "2".to_string()), 2),
            (("1".to_string(), "3".to_string()), 2),
            (("2".to_string(), "3".to_string()), 0),
        ]);
        let ranked = rank_borders(&[&conflicts, &by_border], &counts);
        let order: Vec<(&str, usize)> = ranked.iter().map(|r| (r.b.as_str(), r.severe)).collect();
        // Equal counts: both have one high-severity conflict of 2035 or of no version (the 2015
        // one is not the latest), so the codes decide; a border without conflicts is left out.
        assert_eq!(order, [("2", 1), ("3", 1)]);
    }

    /// A border between provinces ranks before busier ones inside a city: each level is ranked
    /// on its own, and the top of each level is kept.
    #[test]
    fn borders_rank_within_their_level() {
        let none: &[[&str; 3]] = &[];
        let conflicts = Table::of_text("conflicts", &["border", "plan", "severity"], none);
        let by_border = Table::of_text(
            "conflicts_by_border",
            &["a", "b", "border_level", "plan"],
            &[
                ["1", "2", "within_city", "2035"],
                ["1", "3", "within_city", "2035"],
                ["1", "4", "cross_province", "2035"],
                ["2", "4", "cross_city", "2035"],
            ],
        );
        let count = |a: &str, b: &str, n| ((a.to_string(), b.to_string()), n);
        let counts = BTreeMap::from([
            count("1", "2", 90),
            count("1", "3", 80),
            count("1", "4", 2),
            count("2", "4", 5),
        ]);
        let ranked = rank_borders(&[&conflicts, &by_border], &counts);
        let order: Vec<(&str, &str)> = ranked
            .iter()
            .map(|r| (r.a.as_str(), r.b.as_str()))
            .collect();
        assert_eq!(order, [("1", "4"), ("2", "4"), ("1", "2"), ("1", "3")]);
        let top: Vec<BorderLevel> = top_per_level(ranked, 1).iter().map(|r| r.level).collect();
        assert_eq!(
            top,
            [
                BorderLevel::CrossProvince,
                BorderLevel::CrossCity,
                BorderLevel::WithinCity
            ]
        );
    }

    #[test]
    fn the_stage_count_follows_the_robustness_summary() {
        let stage = json!({"start": 1980, "end": 1990, "description": "", "dominant_modes": "hierarchy",
            "key_arrangements": [], "empty_years": [],
            "network": {"nodes": 0, "density": 0.0, "cross_province_share": null}});
        let mut governance = governance_of(json!({
            "arrangements": 45,
            "years": [1980, 2020],
            "stages": [stage.clone(), stage.clone(), stage],
            "stage_robustness": {
                "variants": 12, "k_within_2_bic": [2, 3, 4], "stage_count_min": 2,
                "stage_count_max": 4,
                "break_recurrence": [{"year": 1987, "variants": 11}, {"year": 2012, "variants": 3}],
                "ends_dated": 0, "ends_ongoing": 0, "ends_event": 0, "ends_unknown": 0,
            },
        }));
        let text = stages(Lang::En, &governance, &[]).unwrap();
        assert!(
            text.starts_with("45 coordination arrangements (1980–2020) fall into 2–4 stages (the 1987 break recurs in 11 of 12 variants"),
            "{text}"
        );
        assert!(text.contains("shown: the 3-stage fit") && !text.contains("into 3 stages"));
        governance.stage_robustness.stage_count_max = 2;
        assert!(stages(Lang::Zh, &governance, &[])
            .unwrap()
            .contains("可分为 2 个阶段（1987 年断点在 12 个"));
    }
}
