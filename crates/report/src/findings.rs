//! The findings the report opens with: one sentence per result that matters for coordination,
//! each with its number and a link to its section, generated from `summary.json` and the output
//! tables in the report's language. A finding whose inputs are missing is left out.

use std::collections::{BTreeMap, HashMap};

use borderscape_core::table::Table;
use serde_json::Value;

use crate::figures::{cell, cell_size, find, latest, numbers, text, Names};
use crate::format::{format_number, group_digits, percent};
use crate::labels::Lang;

/// One finding: what it is about (`data-finding`), the section it links to, its sentence.
pub struct Finding {
    pub id: &'static str,
    pub section: &'static str,
    pub text: String,
}

/// A county border ranked by its conflicts in the latest plan version (and the network
/// conflicts, which belong to no version).
pub struct RankedBorder {
    pub a: String,
    pub b: String,
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

/// County borders by their conflicts (latest version and networks), most first; ties by the
/// high-severity ones, then by code so that the order is stable.
pub fn rank_borders(
    tables: &[&Table],
    counts: &BTreeMap<(String, String), usize>,
) -> Vec<RankedBorder> {
    let plan = latest_plan(tables);
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
            conflicts: n,
            severe: severe.get(&format!("{a}|{b}")).copied().unwrap_or(0),
        })
        .collect();
    ranked.sort_by(|x, y| {
        (y.conflicts, y.severe)
            .cmp(&(x.conflicts, x.severe))
            .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
    });
    ranked
}

/// The findings, in the order a coordination meeting reads them.
pub fn findings(
    lang: Lang,
    summary: &Value,
    tables: &[&Table],
    ranked: &[RankedBorder],
    names: &Names,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |id, section, text: Option<String>| {
        if let Some(text) = text {
            out.push(Finding { id, section, text });
        }
    };
    push("data", "inputs", data(lang, summary));
    let results = |name: &str| &summary["analyses"][name]["results"];
    let conflicts = results("conflicts");
    push(
        "conflict_total",
        "sec-conflicts",
        conflicts["conflicts"].as_f64().map(|total| {
            lang.fill(
                "find.conflict_total",
                &[
                    ("total", &group_digits(total)),
                    (
                        "borders",
                        &format_number(conflicts["borders_with_conflicts"].as_f64().unwrap_or(0.0)),
                    ),
                ],
            )
        }),
    );
    let latest = lang.fill("ui.latest", &[("plan", &latest_plan(tables))]);
    push(
        "top_border",
        "findings-top",
        ranked.first().map(|top| {
            lang.fill(
                "find.top_border",
                &[
                    ("a", &names.of(&top.a)),
                    ("b", &names.of(&top.b)),
                    ("n", &group_digits(top.conflicts as f64)),
                    ("latest", &latest),
                    ("severe", &group_digits(top.severe as f64)),
                ],
            )
        }),
    );
    push(
        "top_severe",
        "findings-top",
        ranked
            .iter()
            .max_by_key(|r| (r.severe, std::cmp::Reverse((&r.a, &r.b))))
            .filter(|r| r.severe > 0)
            .map(|r| {
                lang.fill(
                    "find.top_severe",
                    &[
                        ("a", &names.of(&r.a)),
                        ("b", &names.of(&r.b)),
                        ("severe", &group_digits(r.severe as f64)),
                    ],
                )
            }),
    );
    push("changes", "sec-conflicts", changes(lang, conflicts));
    push(
        "load",
        "sec-rivers",
        load(lang, &summary["analyses"]["rivers"], tables, names),
    );
    push(
        "load_province",
        "sec-rivers",
        load_province(lang, tables, names),
    );
    let compensation = results("compensation");
    for balance in compensation["balances"].as_array().into_iter().flatten() {
        push(
            "balance",
            "sec-compensation",
            self::balance(lang, balance, names),
        );
    }
    if let Some(schemes) = compensation["schemes"]
        .as_object()
        .filter(|s| !s.is_empty())
    {
        let total: f64 = schemes
            .values()
            .filter_map(|s| s["transferred_yuan"].as_f64())
            .sum();
        push(
            "schemes",
            "sec-compensation",
            Some(lang.fill(
                "find.schemes",
                &[
                    ("n", &schemes.len().to_string()),
                    ("amount", &group_digits(total)),
                ],
            )),
        );
    }
    push("synergy", "sec-synergy", synergy(lang, results("synergy")));
    push(
        "least_coordinated",
        "sec-synergy",
        least_coordinated(lang, results("synergy"), names),
    );
    push(
        "fragmentation",
        "sec-effective_mesh",
        fragmentation(lang, results("effective_mesh")),
    );
    push(
        "landcover",
        "sec-landcover",
        landcover(lang, results("landcover"), tables, names),
    );
    let governance = results("governance");
    push("stages", "sec-governance", stages(lang, governance, tables));
    push("coverage", "sec-governance", coverage(lang, governance));
    for (measure, outcome) in governance["outcomes"].as_object().into_iter().flatten() {
        push(
            "outcome",
            "sec-governance",
            self::outcome(lang, measure, outcome),
        );
    }
    out
}

fn data(lang: Lang, summary: &Value) -> Option<String> {
    let inputs = summary["inputs"].as_array()?;
    let synthetic: Vec<String> = inputs
        .iter()
        .filter(|i| i["synthetic"] == true)
        .filter_map(|i| Some(lang.cat(i["kind"].as_str()?)))
        .collect();
    let total = inputs.len().to_string();
    if synthetic.is_empty() {
        return Some(lang.fill("find.data_real", &[("total", &total)]));
    }
    Some(lang.fill(
        "find.data",
        &[
            ("real", &(inputs.len() - synthetic.len()).to_string()),
            ("total", &total),
            ("synthetic", &synthetic.len().to_string()),
            ("layers", &synthetic.join(", ")),
        ],
    ))
}

fn changes(lang: Lang, conflicts: &Value) -> Option<String> {
    let c = &conflicts["changes"];
    let (from, to) = (c["from"].as_str()?, c["to"].as_str()?);
    let consistency = |v: &str| {
        conflicts["plan_consistency"][v]
            .as_f64()
            .map_or_else(|| "–".to_string(), percent)
    };
    let n = |k: &str| group_digits(c[k].as_f64().unwrap_or(0.0));
    Some(lang.fill(
        "find.changes",
        &[
            ("from", from),
            ("to", to),
            ("resolved", &n("resolved")),
            ("persisting", &n("persisting")),
            ("introduced", &n("introduced")),
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
fn load(lang: Lang, rivers: &Value, tables: &[&Table], names: &Names) -> Option<String> {
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
    let balance = rivers["results"]["mass_balance"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|b| b["plan"] == m.plan.as_str() && b["pollutant"] == m.pollutant.as_str());
    if let Some(b) = balance {
        let (routed, unrouted) = (
            b["injected_kg_per_yr"].as_f64().unwrap_or(0.0),
            b["unrouted_kg_per_yr"].as_f64().unwrap_or(0.0),
        );
        if unrouted > 0.0 {
            text.push(' ');
            text.push_str(&lang.fill(
                "find.load_unrouted",
                &[
                    ("share", &percent(unrouted / (routed + unrouted))),
                    ("pollutant", &lang.cat(&m.pollutant)),
                    ("unrouted", &format_number(unrouted)),
                    (
                        "connect_km",
                        &format_number(
                            rivers["params"]["connect_m"].as_f64().unwrap_or(0.0) / 1000.0,
                        ),
                    ),
                ],
            ));
        }
    }
    let coefficients = &rivers["results"]["coefficients"];
    let template = |k: &str| {
        coefficients[k]
            .as_str()
            .is_some_and(|c| c.starts_with("TEMPLATE"))
    };
    if template("export") || template("point_loads") {
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
fn balance(lang: Lang, balance: &Value, names: &Names) -> Option<String> {
    let (a, b, net) = (
        balance["a"].as_str()?,
        balance["b"].as_str()?,
        balance["net_to_a_yuan"].as_f64()?,
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

fn synergy(lang: Lang, synergy: &Value) -> Option<String> {
    let (indicator, m) = synergy["moran_latest"]
        .as_object()?
        .iter()
        .filter(|(_, m)| m["I"].is_number())
        .max_by(|x, y| {
            let i = |m: &Value| m["I"].as_f64().unwrap_or(f64::NAN);
            i(x.1).total_cmp(&i(y.1))
        })?;
    let d = synergy["coupling"]["mean_D_by_year"].as_object()?;
    let ((y0, d0), (y1, d1)) = (d.iter().next()?, d.iter().next_back()?);
    let n = |v: &Value| format_number(v.as_f64().unwrap_or(f64::NAN));
    Some(lang.fill(
        "find.moran",
        &[
            ("indicator", &lang.cat(indicator)),
            ("I", &n(&m["I"])),
            ("year", &m["year"].to_string()),
            ("d0", &n(d0)),
            ("y0", y0),
            ("d1", &n(d1)),
            ("y1", y1),
        ],
    ))
}

fn least_coordinated(lang: Lang, synergy: &Value, names: &Names) -> Option<String> {
    let borders = &synergy["borders"];
    let first = borders["least_coordinated"].as_array()?.first()?;
    Some(lang.fill(
        "find.least_coordinated",
        &[
            ("year", &borders["year"].to_string()),
            ("a", &names.of(first["a"].as_str()?)),
            ("b", &names.of(first["b"].as_str()?)),
            ("d", &format_number(first["D_border"].as_f64()?)),
        ],
    ))
}

fn fragmentation(lang: Lang, mesh: &Value) -> Option<String> {
    let first = mesh["levels"]["county"]["most_fragmented_by_borders"]
        .as_array()?
        .first()?;
    Some(lang.fill(
        "find.fragmentation",
        &[
            ("name", first["name"].as_str()?),
            ("ratio", &format_number(first["cbc_cut_ratio"].as_f64()?)),
        ],
    ))
}

/// Land cover of the latest year: the region's ecosystem-service value and the county richest in
/// it per hectare, at the raster's resolution; then the county whose borders cut its habitat
/// most.
fn landcover(lang: Lang, results: &Value, tables: &[&Table], names: &Names) -> Option<String> {
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
                &cell_size(lang, results).unwrap_or_else(|| "–".into()),
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
fn stages(lang: Lang, governance: &Value, tables: &[&Table]) -> Option<String> {
    let stages = governance["stages"].as_array()?;
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
    let parts: Vec<String> = stages
        .iter()
        .filter_map(|s| {
            let (start, end) = (s["start"].as_f64()?, s["end"].as_f64()?);
            let modes: Vec<String> = s["dominant_modes"]
                .as_str()?
                .split(" + ")
                .map(|m| lang.cat(m))
                .collect();
            Some(lang.fill(
                "find.stage",
                &[
                    ("start", &start.to_string()),
                    ("end", &end.to_string()),
                    ("modes", &modes.join(" + ")),
                    ("goals", &goals(start, end)),
                ],
            ))
        })
        .collect();
    let years = governance["years"].as_array()?;
    let (k, robust) = stage_count(lang, &governance["stage_robustness"], parts.len());
    Some(lang.fill(
        "find.stages",
        &[
            ("n", &governance["arrangements"].to_string()),
            ("y0", &years.first()?.to_string()),
            ("y1", &years.last()?.to_string()),
            ("k", &k),
            ("robust", &robust),
            ("stages", &parts.join(lang.get("ui.sep").unwrap_or("; "))),
        ],
    ))
}

/// The number of stages as the robustness summary bounds it ("2–4"), and the most recurrent
/// break; without that summary, the `shown` stages. The count is not stated as fact when nearby
/// k fit about as well (stages.rs, Robustness).
fn stage_count(lang: Lang, robustness: &Value, shown: usize) -> (String, String) {
    let count = |name: &str| robustness[name].as_u64();
    let (Some(low), Some(high), Some(variants)) = (
        count("stage_count_min"),
        count("stage_count_max"),
        count("variants"),
    ) else {
        return (shown.to_string(), String::new());
    };
    let k = if low == high {
        low.to_string()
    } else {
        format!("{low}–{high}")
    };
    let top = &robustness["break_recurrence"][0];
    let robust = match (top["year"].as_i64(), top["variants"].as_u64()) {
        (Some(year), Some(m)) => lang.fill(
            "find.stages_robust",
            &[
                ("year", &year.to_string()),
                ("m", &m.to_string()),
                ("v", &variants.to_string()),
                ("shown", &shown.to_string()),
            ],
        ),
        _ => String::new(),
    };
    (k, robust)
}

fn coverage(lang: Lang, governance: &Value) -> Option<String> {
    let county = &governance["coverage"]["county"];
    Some(lang.fill(
        "find.coverage",
        &[
            (
                "covered",
                &group_digits(county["covered_borders"].as_f64()?),
            ),
            ("borders", &group_digits(county["edge_borders"].as_f64()?)),
            ("share", &percent(county["covered_length_share"].as_f64()?)),
        ],
    ))
}

/// A difference-in-differences outcome, worded as cautiously as its interval and inputs allow.
fn outcome(lang: Lang, measure: &str, o: &Value) -> Option<String> {
    let did = o["did"].as_f64()?;
    let interval = o["interval_95"].as_array();
    let bound = |k: usize| interval.and_then(|i| i.get(k)).and_then(Value::as_f64);
    let (low, high) = (bound(0), bound(1));
    let shown = |x: Option<f64>| x.map_or_else(|| "–".to_string(), format_number);
    let mut text = lang.fill(
        "find.outcome",
        &[
            ("measure", &lang.cat(measure)),
            ("did", &format_number(did)),
            ("low", &shown(low)),
            ("high", &shown(high)),
            ("p", &shown(o["p_value"].as_f64())),
            ("treated", &o["treated_borders"].to_string()),
        ],
    );
    if o["p_value_not_estimable"].is_string() {
        let n = o["distinct_assignments"].as_u64().unwrap_or(0);
        text.push(' ');
        text.push_str(&lang.fill("find.outcome_no_inference", &[("n", &n.to_string())]));
    }
    let trend = &o["pre_trend"];
    let net = &o["net_of_pre_trend"];
    if let (Some(slope), Some(net_did)) = (trend["slope_per_period"].as_f64(), net["did"].as_f64())
    {
        text.push(' ');
        text.push_str(&lang.fill(
            "find.outcome_trend",
            &[
                ("slope", &format_number(slope)),
                ("slope_p", &shown(trend["slope_p_value"].as_f64())),
                ("net", &format_number(net_did)),
                ("net_p", &shown(net["p_value"].as_f64())),
            ],
        ));
    }
    // The interval inverts a test of an additive effect, the p-value tests no effect at all:
    // the finding is worded as clear only where both say so, and net of the pre-trend too.
    let significant = |p: &Value| p.as_f64().is_some_and(|p| p <= 0.05);
    let excludes_zero = matches!((low, high), (Some(l), Some(h)) if l > 0.0 || h < 0.0);
    let clear = excludes_zero
        && significant(&o["p_value"])
        && (net["p_value"].is_null() || significant(&net["p_value"]));
    text.push(' ');
    text.push_str(&lang.t(if clear {
        "find.caution_clear"
    } else {
        "find.caution_open"
    }));
    if o["synthetic"].is_string() {
        text.push(' ');
        text.push_str(&lang.t("find.caution_synthetic"));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn findings_say_who_pays_and_how_sure_an_outcome_is() {
        let names = Names(HashMap::from([
            ("330000".to_string(), "浙江省".to_string()),
            ("340000".to_string(), "安徽省".to_string()),
        ]));
        let b = json!({"a": "330000", "b": "340000", "net_to_a_yuan": -1_518_833_733.28});
        assert_eq!(
            balance(Lang::En, &b, &names).unwrap(),
            "Compensation balance: 浙江省 paid 安徽省 a net 1,518,833,733 yuan across all schemes."
        );
        let b = json!({"a": "330000", "b": "340000", "net_to_a_yuan": 10.0});
        assert!(balance(Lang::Zh, &b, &names)
            .unwrap()
            .contains("安徽省净支付浙江省 10 元"));
        let o = json!({"did": -2.736, "interval_95": [-7.74, 1.24], "p_value": 0.15, "treated_borders": 4, "synthetic": "SYNTHETIC"});
        let text = outcome(Lang::En, "conflicts", &o).unwrap();
        assert!(text
            .starts_with("Covered against uncovered borders, conflicts: a difference of -2.736"));
        assert!(text.contains("cannot tell an effect from chance") && text.contains("synthetic"));
        let o = json!({"did": 0.0217, "interval_95": [0.0002, 0.0427], "p_value": 0.043, "treated_borders": 4});
        let text = outcome(Lang::Zh, "D_border", &o).unwrap();
        assert!(text.contains("不包含零效应") && !text.contains("合成"));
        // A drift before coverage that explains the effect: the finding gives the line and
        // does not call the effect clear.
        let o = json!({"did": 0.0217, "interval_95": [0.0002, 0.0427], "p_value": 0.043, "treated_borders": 4,
            "pre_trend": {"slope_per_period": 0.0029, "slope_p_value": 0.196},
            "net_of_pre_trend": {"did": 0.0036, "p_value": 0.761}});
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
        let o = json!({"did": 0.5, "interval_95": [0.1, 0.9], "p_value": 0.08, "treated_borders": 4,
            "p_value_not_estimable": "…", "distinct_assignments": 3});
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
        let rivers = json!({
            "params": {"connect_m": 5000.0},
            "results": {
                "mass_balance": [{"plan": "2035", "pollutant": "TN", "injected_kg_per_yr": 13.0, "unrouted_kg_per_yr": 87.0}],
                "coefficients": {"export": "TEMPLATE (InVEST NDR sample table, not YRD values)", "point_loads": "project table"},
            }
        });
        let names = Names(HashMap::new());
        let text = load(Lang::En, &rivers, &[&matrix], &names).unwrap();
        assert!(
            text.contains("87.0 % of the total nitrogen (TN) load"),
            "{text}"
        );
        assert!(text.contains("no river within 5 km"), "{text}");
        assert!(text.contains("template"), "{text}");
        let rivers = json!({"results": {"coefficients": {"export": "project table"}}});
        let text = load(Lang::En, &rivers, &[&matrix], &names).unwrap();
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

    #[test]
    fn the_stage_count_follows_the_robustness_summary() {
        let stage = json!({"start": 1980, "end": 1990, "dominant_modes": "hierarchy"});
        let mut governance = json!({
            "arrangements": 45,
            "years": [1980, 2020],
            "stages": [stage.clone(), stage.clone(), stage],
            "stage_robustness": {
                "variants": 12, "stage_count_min": 2, "stage_count_max": 4,
                "break_recurrence": [{"year": 1987, "variants": 11}, {"year": 2012, "variants": 3}],
            },
        });
        let text = stages(Lang::En, &governance, &[]).unwrap();
        assert!(
            text.starts_with("45 coordination arrangements (1980–2020) fall into 2–4 stages (the 1987 break recurs in 11 of 12 variants"),
            "{text}"
        );
        assert!(text.contains("shown: the 3-stage fit") && !text.contains("into 3 stages"));
        governance["stage_robustness"]["stage_count_max"] = json!(2);
        assert!(stages(Lang::Zh, &governance, &[])
            .unwrap()
            .contains("可分为 2 个阶段（1987 年断点在 12 个"));
        // Without a robustness summary (older results), the stages shown.
        governance
            .as_object_mut()
            .unwrap()
            .remove("stage_robustness");
        assert!(stages(Lang::En, &governance, &[])
            .unwrap()
            .contains("fall into 3 stages: "));
    }
}
