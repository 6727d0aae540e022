//! Border profiles: one card per border that gathers what every analysis says about it —
//! conflicts by type and version, loads crossing it and their origins, compensation between its
//! provinces, coordination across it, the arrangements covering it and, when the report is
//! rendered with a case register (`borderscape report --cases`), the register's cases on it —
//! so that the two sides' planners can discuss it from one page.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use borderscape_core::palette::{colour_of, CONFLICT_TYPES};
use borderscape_core::table::Table;

use crate::charts::BAR;
use crate::figures::Names;
use crate::figures::{find, latest, numbers, text};
use crate::findings::RankedBorder;
use crate::format::escape;
use crate::format::{format_number, group_digits, percent};
use crate::labels::Lang;
use crate::map::swatch;

/// What the cards read from, indexed once.
pub struct Profiles<'a> {
    lang: Lang,
    tables: &'a [&'a Table],
    names: &'a Names,
    parents: HashMap<String, String>,
    levels: HashMap<String, String>,
}

impl<'a> Profiles<'a> {
    pub fn new(lang: Lang, tables: &'a [&'a Table], names: &'a Names) -> Self {
        let (mut parents, mut levels) = (HashMap::new(), HashMap::new());
        if let Some(j) = find(tables, "jurisdictions") {
            if let (Some(codes), Some(parent), Some(level)) =
                (text(j, "code"), text(j, "parent"), text(j, "level"))
            {
                for i in 0..j.len() {
                    parents.insert(codes[i].clone(), parent[i].clone());
                    levels.insert(codes[i].clone(), level[i].clone());
                }
            }
        }
        Self {
            lang,
            tables,
            names,
            parents,
            levels,
        }
    }

    /// The province a unit lies in (itself for a province).
    fn province(&self, code: &str) -> String {
        let mut code = code.to_string();
        for _ in 0..8 {
            if self.levels.get(&code).is_some_and(|l| l == "province") {
                break;
            }
            match self.parents.get(&code).filter(|p| !p.is_empty()) {
                Some(p) => code = p.clone(),
                None => break,
            }
        }
        code
    }

    /// The cards of the ranked borders, numbered as in the findings' table.
    pub fn cards(&self, ranked: &[RankedBorder]) -> String {
        ranked
            .iter()
            .enumerate()
            .map(|(k, r)| self.card(k + 1, r))
            .collect()
    }

    fn card(&self, rank: usize, r: &RankedBorder) -> String {
        let (a, b) = (&r.a, &r.b);
        let mut html = format!(
            "<article class=\"profile\" id=\"border-{}-{}\"><h3>{rank}. {} | {} <small>({a} | {b})</small></h3>",
            escape(a),
            escape(b),
            escape(&self.names.of(a)),
            escape(&self.names.of(b)),
        );
        html.push_str(&self.facts(a, b));
        html.push_str(&self.conflicts(a, b));
        html.push_str(&self.flows(a, b));
        html.push_str(&self.compensation(a, b));
        html.push_str(&self.coordination(a, b));
        html.push_str(&self.cases(a, b));
        html.push_str("</article>");
        html
    }

    /// Length and provinces.
    fn facts(&self, a: &str, b: &str) -> String {
        let mut facts = Vec::new();
        if let Some(t) = find(self.tables, "borders") {
            if let (Some(ta), Some(tb), Some(km)) =
                (text(t, "a"), text(t, "b"), numbers(t, "length_km"))
            {
                if let Some(i) = (0..t.len()).find(|&i| ta[i] == a && tb[i] == b) {
                    facts.push(
                        self.lang
                            .fill("ui.length", &[("km", &format_number(km[i]))]),
                    );
                }
            }
        }
        let (pa, pb) = (self.province(a), self.province(b));
        facts.push(if pa == pb {
            self.lang
                .fill("ui.same_province", &[("province", &self.names.of(&pa))])
        } else {
            self.lang.fill(
                "ui.province_pair",
                &[("a", &self.names.of(&pa)), ("b", &self.names.of(&pb))],
            )
        });
        format!("<p>{}</p>", escape(&facts.join(" · ")))
    }

    /// Conflicts by type (rows) and plan version (columns).
    fn conflicts(&self, a: &str, b: &str) -> String {
        let Some(t) = find(self.tables, "conflicts_by_border") else {
            return String::new();
        };
        let (Some(ta), Some(tb), Some(types), Some(plans), Some(n)) = (
            text(t, "a"),
            text(t, "b"),
            text(t, "type"),
            text(t, "plan"),
            numbers(t, "conflicts"),
        ) else {
            return String::new();
        };
        let mut grid: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
        let mut versions = BTreeSet::new();
        for i in (0..t.len()).filter(|&i| ta[i] == a && tb[i] == b) {
            let version = if plans[i].is_empty() {
                "all"
            } else {
                plans[i].as_str()
            };
            versions.insert(version.to_string());
            *grid
                .entry(types[i].clone())
                .or_default()
                .entry(version.to_string())
                .or_default() += n[i];
        }
        if grid.is_empty() {
            return String::new();
        }
        let mut html = format!(
            "<h4>{}</h4><table class=\"compact\"><tr><th>{}</th>",
            escape(&self.lang.t("ui.conflicts_by_type")),
            escape(&self.lang.t("ui.type"))
        );
        for v in &versions {
            html.push_str(&format!("<th>{}</th>", escape(&self.lang.cat(v))));
        }
        html.push_str("</tr>");
        for (kind, row) in &grid {
            // The type's swatch in the colour the maps and the QGIS project give it.
            let colour = colour_of(&CONFLICT_TYPES, kind).unwrap_or(BAR);
            html.push_str(&format!(
                "<tr><td>{}</td>",
                swatch(colour, &self.lang.cat(kind))
            ));
            for v in &versions {
                let cell = row.get(v).map_or(String::new(), |&x| group_digits(x));
                html.push_str(&format!("<td class=\"num\">{cell}</td>"));
            }
            html.push_str("</tr>");
        }
        html + "</table>"
    }

    /// Loads crossing the border both ways (latest plan), each with its three largest origins.
    fn flows(&self, a: &str, b: &str) -> String {
        let mut lines = Vec::new();
        if let Some(t) = find(self.tables, "load_flows") {
            if let (Some(from), Some(to), Some(plans), Some(pollutants), Some(flux)) = (
                text(t, "from"),
                text(t, "to"),
                text(t, "plan"),
                text(t, "pollutant"),
                numbers(t, "flux_kg_per_yr"),
            ) {
                let plan = latest(&plans);
                for i in 0..t.len() {
                    let crosses = (from[i] == a && to[i] == b) || (from[i] == b && to[i] == a);
                    if crosses && plans[i] == plan && flux[i] > 0.0 {
                        lines.push(self.lang.fill(
                            "ui.flow",
                            &[
                                ("from", &self.names.of(&from[i])),
                                ("to", &self.names.of(&to[i])),
                                ("flux", &format_number(flux[i])),
                                ("pollutant", &self.lang.cat(&pollutants[i])),
                                ("plan", &plan),
                                (
                                    "origins",
                                    &self.origins(&from[i], &to[i], &plan, &pollutants[i]),
                                ),
                            ],
                        ));
                    }
                }
            }
        }
        let body = if lines.is_empty() {
            format!("<p>{}</p>", escape(&self.lang.t("ui.no_flows")))
        } else {
            let items: String = lines
                .iter()
                .map(|l| format!("<li>{}</li>", escape(l)))
                .collect();
            format!("<ul>{items}</ul>")
        };
        format!("<h4>{}</h4>{body}", escape(&self.lang.t("ui.flows_out")))
    }

    /// The three largest origins of one crossing with their shares.
    fn origins(&self, from: &str, to: &str, plan: &str, pollutant: &str) -> String {
        let Some(t) = find(self.tables, "load_sources_county") else {
            return String::new();
        };
        let (Some(f), Some(tt), Some(p), Some(pol), Some(origin), Some(share)) = (
            text(t, "from"),
            text(t, "to"),
            text(t, "plan"),
            text(t, "pollutant"),
            text(t, "origin"),
            numbers(t, "share"),
        ) else {
            return String::new();
        };
        let mut by_origin: BTreeMap<&str, f64> = BTreeMap::new();
        for i in 0..t.len() {
            if f[i] == from && tt[i] == to && p[i] == plan && pol[i] == pollutant {
                *by_origin.entry(&origin[i]).or_default() += share[i];
            }
        }
        let mut sorted: Vec<(&str, f64)> = by_origin.into_iter().collect();
        sorted.sort_by(|x, y| y.1.total_cmp(&x.1));
        sorted
            .iter()
            .take(3)
            .map(|(o, s)| format!("{} {}", self.names.of(o), percent(*s)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The balance between the two sides' provinces, when a scheme pays across them.
    fn compensation(&self, a: &str, b: &str) -> String {
        let Some(t) = find(self.tables, "compensation_balances") else {
            return String::new();
        };
        let (pa, pb) = (self.province(a), self.province(b));
        let (pa, pb) = if pa <= pb { (pa, pb) } else { (pb, pa) };
        let line = (|| {
            let (ta, tb, net) = (text(t, "a")?, text(t, "b")?, numbers(t, "net_to_a_yuan")?);
            let i = (0..t.len()).find(|&i| ta[i] == pa && tb[i] == pb)?;
            let (payer, payee) = if net[i] < 0.0 { (&pa, &pb) } else { (&pb, &pa) };
            Some(self.lang.fill(
                "ui.balance",
                &[
                    ("payer", &self.names.of(payer)),
                    ("payee", &self.names.of(payee)),
                    ("amount", &group_digits(net[i].abs())),
                ],
            ))
        })()
        .unwrap_or_else(|| self.lang.t("ui.no_compensation"));
        format!(
            "<h4>{}</h4><p>{}</p>",
            escape(&self.lang.t("ui.compensation_between")),
            escape(&line)
        )
    }

    /// The case register's work on the border (table `cases_border`, present only when the
    /// report is rendered with a register): cases, agreements, resolution and escalations.
    fn cases(&self, a: &str, b: &str) -> String {
        let Some(t) = find(self.tables, "cases_border") else {
            return String::new();
        };
        let line = (|| {
            let (ta, tb) = (text(t, "a")?, text(t, "b")?);
            // The register keeps a border as its cases were raised; either order is the border.
            let i =
                (0..t.len()).find(|&i| (ta[i] == a && tb[i] == b) || (ta[i] == b && tb[i] == a))?;
            let number = |column: &str| numbers(t, column).map(|v| v[i]);
            let days = number("median_days_to_agreement")
                .filter(|d| d.is_finite())
                .map_or_else(|| "–".to_string(), format_number);
            Some(self.lang.fill(
                "ui.register_cases_line",
                &[
                    ("cases", &group_digits(number("cases")?)),
                    ("agreed", &group_digits(number("agreed")?)),
                    ("days", &days),
                    ("resolved", &percent(number("resolved_share")?)),
                    ("escalations", &group_digits(number("escalations")?)),
                ],
            ))
        })()
        .unwrap_or_else(|| self.lang.t("ui.register_no_cases"));
        format!(
            "<h4>{}</h4><p data-profile=\"cases\">{}</p>",
            escape(&self.lang.t("ui.register_cases")),
            escape(&line)
        )
    }

    /// Coordination degree across the border (first and last year) and the arrangements
    /// covering it.
    fn coordination(&self, a: &str, b: &str) -> String {
        let mut html = String::new();
        if let Some(t) = find(self.tables, "synergy_border") {
            if let (Some(ta), Some(tb), Some(year), Some(d)) = (
                text(t, "a"),
                text(t, "b"),
                numbers(t, "year"),
                numbers(t, "D_border"),
            ) {
                let rows: Vec<usize> = (0..t.len()).filter(|&i| ta[i] == a && tb[i] == b).collect();
                let first = rows.iter().min_by(|&&x, &&y| year[x].total_cmp(&year[y]));
                let last = rows.iter().max_by(|&&x, &&y| year[x].total_cmp(&year[y]));
                if let (Some(&i), Some(&j)) = (first, last) {
                    html.push_str(&format!(
                        "<h4>{}</h4><p>{}</p>",
                        escape(&self.lang.t("ui.coordination")),
                        escape(&self.lang.fill(
                            "ui.d_border",
                            &[
                                ("d0", &format_number(d[i])),
                                ("y0", &year[i].to_string()),
                                ("d1", &format_number(d[j])),
                                ("y1", &year[j].to_string()),
                            ],
                        ))
                    ));
                }
            }
        }
        if let Some(t) = find(self.tables, "border_governance") {
            let line = (|| {
                let (ta, tb, n) = (text(t, "a")?, text(t, "b")?, numbers(t, "arrangements")?);
                let i = (0..t.len()).find(|&i| ta[i] == a && tb[i] == b && n[i] > 0.0)?;
                let list = |column: &str| {
                    text(t, column).map_or(String::new(), |v| {
                        v[i].split(';')
                            .filter(|s| !s.is_empty())
                            .map(|s| self.lang.cat(s))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                };
                Some(self.lang.fill(
                    "ui.covered",
                    &[
                        ("n", &group_digits(n[i])),
                        ("year", &text(t, "first_year")?[i]),
                        ("binding", &text(t, "max_binding")?[i]),
                        ("modes", &list("modes")),
                        ("goals", &list("goals")),
                    ],
                ))
            })()
            .unwrap_or_else(|| self.lang.t("ui.not_covered"));
            html.push_str(&format!(
                "<h4>{}</h4><p>{}</p>",
                escape(&self.lang.t("ui.coverage")),
                escape(&line)
            ));
        }
        html
    }
}
