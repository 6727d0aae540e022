//! The figures of each analysis's section, built from its output tables. A figure whose table
//! is missing (an analysis not run, `--only`) is left out, never drawn empty.

use std::collections::{BTreeMap, HashMap};

use borderscape_core::analysis::landcover::summary::LandCoverSummary;
use borderscape_core::palette::{colour_of, CONFLICT_TYPES, LISA_CLUSTERS};
use borderscape_core::table::Table;

use crate::charts::{self, Node, PathStep, Stage};
use crate::format::escape;
use crate::format::format_number;
use crate::labels::Lang;
use crate::map::Basemap;
use crate::summary::Summary;

/// The tables and the shared basemap the figures draw from.
pub struct Figures<'a> {
    summary: &'a Summary,
    tables: &'a [&'a Table],
    basemap: Option<Basemap<'a>>,
    lang: Lang,
    names: Names,
}

/// Rows of a map's folded data table (its text alternative): the largest values.
const FIGURE_ROWS: usize = 10;

/// Names of jurisdictions by code (codes stand in where a name is missing).
pub struct Names(pub(crate) HashMap<String, String>);

impl Names {
    pub fn new(tables: &[&Table]) -> Self {
        let map = find(tables, "jurisdictions")
            .and_then(|j| Some(text(j, "code")?.into_iter().zip(text(j, "name")?).collect()))
            .unwrap_or_default();
        Self(map)
    }

    pub fn of(&self, code: &str) -> String {
        self.0
            .get(code)
            .filter(|n| !n.is_empty())
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }
}

/// The table of that name among the results.
pub fn find<'a>(tables: &[&'a Table], name: &str) -> Option<&'a Table> {
    tables.iter().find(|t| t.name == name).copied()
}

/// A column's values as text / numbers, by row.
pub fn text(t: &Table, column: &str) -> Option<Vec<String>> {
    let c = t.column_index(column)?;
    Some(t.rows.iter().map(|r| r[c].to_text()).collect())
}

pub fn numbers(t: &Table, column: &str) -> Option<Vec<f64>> {
    let c = t.column_index(column)?;
    Some(
        t.rows
            .iter()
            .map(|r| r[c].as_f64().unwrap_or(f64::NAN))
            .collect(),
    )
}

pub fn figure(title: &str, body: Option<String>) -> String {
    body.map_or(String::new(), |svg| {
        format!(
            "<figure><figcaption>{}</figcaption>{svg}</figure>",
            escape(title)
        )
    })
}

/// The text of a row's cell in a column (empty without the column).
pub fn cell(t: &Table, row: usize, column: &str) -> String {
    t.column_index(column)
        .map_or(String::new(), |c| t.rows[row][c].to_text())
}

/// Classes named in a composition; the rest are summed as "other".
const COMPOSITION_CLASSES: usize = 7;

/// The land cover's cell size in words ("about 5,565 × 5,565 m"), from the landcover analysis's
/// results: in metres (approximate for a geographic raster), or the grid as the run stated it.
pub fn cell_size(lang: Lang, landcover: &LandCoverSummary) -> Option<String> {
    match &landcover.resolution {
        Some(r) => {
            let size = format!(
                "{} × {} m",
                format_number(r.cell_size_m.x.round()),
                format_number(r.cell_size_m.y.round())
            );
            Some(if r.cell_size_approximate {
                lang.fill("ui.approximately", &[("value", &size)])
            } else {
                size
            })
        }
        None => landcover.years.first().map(|y| y.cell_size.clone()),
    }
}

/// What the land cover's resolution means for its results, stated wherever they are shown.
pub fn resolution(lang: Lang, landcover: &LandCoverSummary) -> Option<String> {
    let years: Vec<String> = landcover.years.iter().map(|y| y.year.to_string()).collect();
    Some(lang.fill(
        "ui.landcover_resolution",
        &[
            ("cells", &cell_size(lang, landcover)?),
            (
                "scheme",
                &lang.cat(landcover.years.first().map_or("", |y| &y.scheme)),
            ),
            ("years", &years.join(", ")),
        ],
    ))
}

/// The greatest value of a text column (the latest plan version or year).
pub fn latest(values: &[String]) -> String {
    values.iter().max().cloned().unwrap_or_default()
}

impl<'a> Figures<'a> {
    pub fn new(summary: &'a Summary, tables: &'a [&'a Table], lang: Lang) -> Self {
        let find = |name: &str| tables.iter().find(|t| t.name == name).copied();
        let basemap = find("jurisdictions").and_then(|j| Basemap::new(j, find("borders"), lang));
        Self {
            summary,
            tables,
            basemap,
            lang,
            names: Names::new(tables),
        }
    }

    /// The map of the top borders, numbered by rank.
    pub fn ranked_map(&self, ranked: &[(String, String)]) -> String {
        let Some(map) = &self.basemap else {
            return String::new();
        };
        let title = self
            .lang
            .fill("fig.top_map", &[("n", &ranked.len().to_string())]);
        figure(&title, map.ranked_borders(&title, ranked))
    }

    fn find(&self, name: &str) -> Option<&'a Table> {
        find(self.tables, name)
    }

    /// The shared map definitions (emit once, before the first figure).
    pub fn defs(&self) -> String {
        match (&self.basemap, self.find("jurisdictions")) {
            (Some(map), Some(units)) => map.defs(units),
            _ => String::new(),
        }
    }

    /// The figures of one analysis's section.
    pub fn of(&self, analysis: &str) -> String {
        match analysis {
            "borders" => self.conflict_map(None),
            "conflicts" => self.conflicts(),
            "effective_mesh" => self.effective_mesh(),
            "synergy" => self.synergy(),
            "rivers" => self.flows(),
            "governance" => self.governance(),
            "landcover" => self.landcover(),
            _ => String::new(),
        }
    }

    /// Conflicts per county border `(a, b)` of one type (all types for `None`): those of the
    /// latest plan version plus those tied to no version (networks).
    pub fn conflict_counts(&self, kind: Option<&str>) -> BTreeMap<(String, String), usize> {
        let mut out = BTreeMap::new();
        let Some(t) = self.find("conflicts_by_border") else {
            return out;
        };
        let (Some(a), Some(b), Some(types), Some(plans), Some(n)) = (
            text(t, "a"),
            text(t, "b"),
            text(t, "type"),
            text(t, "plan"),
            numbers(t, "conflicts"),
        ) else {
            return out;
        };
        let last = latest(&plans);
        for i in 0..t.len() {
            if kind.is_some_and(|k| k != types[i]) || !(plans[i].is_empty() || plans[i] == last) {
                continue;
            }
            *out.entry((a[i].clone(), b[i].clone())).or_default() += n[i] as usize;
        }
        out
    }

    fn conflict_map(&self, kind: Option<&str>) -> String {
        let Some(map) = &self.basemap else {
            return String::new();
        };
        let title = match kind {
            None => self.lang.t("fig.region_map"),
            Some(k) => self
                .lang
                .fill("fig.conflict_type_map", &[("type", &self.lang.cat(k))]),
        };
        let counts = self.conflict_counts(kind);
        let mut top: Vec<(String, f64)> = counts
            .iter()
            .filter(|(_, &n)| n > 0)
            .map(|((a, b), &n)| {
                (
                    format!("{} | {}", self.names.of(a), self.names.of(b)),
                    n as f64,
                )
            })
            .collect();
        top.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        top.truncate(FIGURE_ROWS);
        figure(&title, map.border_map(&title, &counts))
            + &self.data_table(
                &[
                    self.lang.t("ui.border_pair"),
                    self.lang.t("column.conflicts"),
                ],
                &top,
            )
    }

    /// A figure's numbers as a folded table: its text alternative, and what print readers of a
    /// grey-scale copy can read off exactly.
    fn data_table(&self, headers: &[String], rows: &[(String, f64)]) -> String {
        if rows.is_empty() {
            return String::new();
        }
        let mut html = format!(
            "<details class=\"figdata\"><summary>{}</summary><table><tr>",
            escape(&self.lang.t("ui.figure_data"))
        );
        for h in headers {
            html.push_str(&format!("<th>{}</th>", escape(h)));
        }
        html.push_str("</tr>");
        for (label, value) in rows {
            html.push_str(&format!(
                "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
                escape(label),
                format_number(*value)
            ));
        }
        html + "</table></details>"
    }

    fn conflicts(&self) -> String {
        let Some(conflicts) = &self.summary.conflicts else {
            return String::new();
        };
        // Each bar in its type's colour, as the QGIS project draws the type.
        let (kinds, rows): (Vec<&str>, Vec<(String, f64)>) = conflicts
            .by_type
            .iter()
            .flat_map(|(kind, versions)| {
                versions.iter().map(move |(version, &n)| {
                    let version = self.lang.cat(version);
                    (
                        kind.as_str(),
                        (format!("{} · {version}", self.lang.cat(kind)), n as f64),
                    )
                })
            })
            .unzip();
        let title = self.lang.t("fig.conflict_bars");
        let mut html = figure(
            &title,
            charts::bars(&title, &rows, &self.lang.t("chart.count"), |k| {
                colour_of(&CONFLICT_TYPES, kinds[k]).unwrap_or(charts::BAR)
            }),
        );
        html.push_str(&self.data_table(
            &[self.lang.t("ui.type"), self.lang.t("column.conflicts")],
            &rows,
        ));
        html.push_str("<div class=\"grid\">");
        for kind in conflicts.by_type.keys() {
            html.push_str(&self.conflict_map(Some(kind)));
        }
        html.push_str("</div>");
        html
    }

    /// Values of a column per unit code of a table, for the rows `keep` accepts.
    fn by_code(
        &self,
        table: &str,
        column: &str,
        keep: impl Fn(&Table, usize) -> bool,
    ) -> HashMap<String, f64> {
        let Some(t) = self.find(table) else {
            return HashMap::new();
        };
        let (Some(codes), Some(values)) = (text(t, "code"), numbers(t, column)) else {
            return HashMap::new();
        };
        (0..t.len())
            .filter(|&i| keep(t, i))
            .map(|i| (codes[i].clone(), values[i]))
            .collect()
    }

    fn effective_mesh(&self) -> String {
        let Some(map) = &self.basemap else {
            return String::new();
        };
        let level_is = |t: &Table, i: usize| cell(t, i, "level") == "county";
        let ratio = self.by_code("synergy_jurisdiction", "cbc_cut_ratio", level_is);
        let title = self.lang.t("fig.mesh_map");
        figure(
            &title,
            map.choropleth(&title, &ratio, &self.lang.t("fig.mesh_unit")),
        )
    }

    /// Land cover of the latest year: the resolution it rests on, ESV per hectare and the CUT and
    /// CBC effective mesh of habitat per county, and the composition of the top-level units.
    fn landcover(&self) -> String {
        let Some(esv) = self.find("landcover_esv") else {
            return String::new();
        };
        let year = text(esv, "year").map(|y| latest(&y)).unwrap_or_default();
        let mut html = (self.summary.landcover.as_ref())
            .and_then(|landcover| resolution(self.lang, landcover))
            .map_or(String::new(), |note| {
                format!("<p class=\"note\">{}</p>", escape(&note))
            });
        if let Some(map) = &self.basemap {
            let county =
                |t: &Table, i: usize| cell(t, i, "level") == "county" && cell(t, i, "year") == year;
            let per_ha = self.by_code("landcover_esv", "esv_yuan_per_ha", county);
            let unit = self.lang.unit("yuan/ha/yr");
            let title = self.lang.fill("fig.landcover_esv_map", &[("year", &year)]);
            html.push_str(&figure(&title, map.choropleth(&title, &per_ha, &unit)));
            html.push_str(&self.data_table(
                &[
                    self.lang.t("ui.unit_name"),
                    self.lang.header("esv_yuan_per_ha", Some("yuan/ha/yr")),
                ],
                &self.largest(&per_ha),
            ));
            html.push_str("<div class=\"grid\">");
            for (column, key) in [
                ("cut_mesh_km2", "fig.landcover_cut_map"),
                ("cbc_mesh_km2", "fig.landcover_cbc_map"),
            ] {
                let mesh = self.by_code("landcover_fragmentation", column, county);
                let title = self.lang.fill(key, &[("year", &year)]);
                html.push_str(&figure(
                    &title,
                    map.choropleth(&title, &mesh, &self.lang.unit("km²")),
                ));
            }
            html.push_str("</div>");
        }
        html + &self.composition(&year)
    }

    /// The largest values of a map by unit name, for its data table.
    fn largest(&self, values: &HashMap<String, f64>) -> Vec<(String, f64)> {
        let mut rows: Vec<(String, f64)> = values
            .iter()
            .filter(|(_, v)| v.is_finite())
            .map(|(code, v)| (self.names.of(code), *v))
            .collect();
        rows.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        rows.truncate(FIGURE_ROWS);
        rows
    }

    /// The land-cover composition of the top-level units (provinces) in `year`: a 100 % bar per
    /// unit and a compact table of shares, the region's largest classes named and the rest
    /// summed as "other".
    fn composition(&self, year: &str) -> String {
        let Some(t) = self.find("landcover_jurisdiction") else {
            return String::new();
        };
        let (Some(codes), Some(levels), Some(years), Some(classes), Some(area)) = (
            text(t, "code"),
            text(t, "level"),
            text(t, "year"),
            text(t, "class_name"),
            numbers(t, "area_ha"),
        ) else {
            return String::new();
        };
        let Some(top) = ["province", "city", "county"]
            .into_iter()
            .find(|l| levels.iter().any(|x| x == l))
        else {
            return String::new();
        };
        let rows: Vec<usize> = (0..t.len())
            .filter(|&i| levels[i] == top && years[i] == year)
            .collect();
        let mut totals: BTreeMap<&str, f64> = BTreeMap::new();
        for &i in &rows {
            *totals.entry(&classes[i]).or_default() += area[i];
        }
        let mut order: Vec<(&str, f64)> = totals.into_iter().collect();
        order.sort_by(|x, y| y.1.total_cmp(&x.1));
        let named: Vec<&str> = order
            .iter()
            .take(COMPOSITION_CLASSES)
            .map(|c| c.0)
            .collect();
        let other = self.lang.t("ui.other_classes");
        let part = |class: &str| {
            if named.contains(&class) {
                self.lang.cat(class)
            } else {
                other.clone()
            }
        };
        let mut units: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
        for &i in &rows {
            *units
                .entry(self.names.of(&codes[i]))
                .or_default()
                .entry(part(&classes[i]))
                .or_default() += area[i];
        }
        let mut columns: Vec<String> = named.iter().map(|c| self.lang.cat(c)).collect();
        if order.len() > named.len() {
            columns.push(other);
        }
        let title = self.lang.fill(
            "fig.landcover_composition",
            &[("level", &self.lang.cat(top)), ("year", year)],
        );
        let bars: Vec<(String, Vec<(String, f64)>)> = units
            .iter()
            .map(|(unit, parts)| (unit.clone(), parts.clone().into_iter().collect()))
            .collect();
        let mut html = figure(
            &title,
            charts::stacked_shares(self.lang, &title, &bars, &self.lang.unit("ha")),
        );
        html.push_str(&format!(
            "<table class=\"compact\"><tr><th>{}</th>",
            escape(&self.lang.cat(top))
        ));
        for c in &columns {
            html.push_str(&format!("<th>{} (%)</th>", escape(c)));
        }
        html.push_str("</tr>");
        for (unit, parts) in &units {
            let total: f64 = parts.values().sum();
            html.push_str(&format!("<tr><td>{}</td>", escape(unit)));
            for c in &columns {
                let share = parts.get(c).copied().unwrap_or(0.0) / total.max(f64::MIN_POSITIVE);
                // One decimal, integers as integers.
                let pct = format_number((1000.0 * share).round() / 10.0);
                html.push_str(&format!("<td class=\"num\">{pct}</td>"));
            }
            html.push_str("</tr>");
        }
        html + "</table>"
    }

    /// The test behind an indicator's LISA map: the p cut-off the clusters used (the
    /// significance, or its FDR cut-off) and the permutations.
    fn lisa_test(&self, indicator: &str) -> String {
        let params = self.summary.synergy_params.as_ref();
        let significance = params.map(|p| p.significance);
        let cutoff = (self.summary.synergy.as_ref())
            .and_then(|s| s.moran_latest.get(indicator))
            .map(|m| m.lisa_p_cutoff)
            .filter(|c| !c.is_nan())
            .or(significance)
            .unwrap_or(f64::NAN);
        let fdr = match params {
            Some(p) if p.fdr => format!(", FDR {}", p.significance),
            _ => String::new(),
        };
        let permutations = params.map_or(f64::NAN, |p| p.permutations);
        self.lang.fill(
            "fig.lisa_test",
            &[
                ("cutoff", &format!("{cutoff:.4}")),
                ("fdr", &fdr),
                ("permutations", &format_number(permutations)),
            ],
        )
    }

    fn synergy(&self) -> String {
        let mut html = String::new();
        if let (Some(map), Some(t)) = (&self.basemap, self.find("coupling_jurisdiction")) {
            let year = text(t, "year").map(|y| latest(&y)).unwrap_or_default();
            let d = self.by_code("coupling_jurisdiction", "D", |t, i| {
                cell(t, i, "year") == year
            });
            let title = self.lang.fill("fig.coupling_map", &[("year", &year)]);
            html.push_str(&figure(
                &title,
                map.choropleth(&title, &d, &self.lang.t("fig.coupling_unit")),
            ));
        }
        if let (Some(map), Some(t)) = (&self.basemap, self.find("lisa_clusters")) {
            if let (Some(codes), Some(indicators), Some(years), Some(clusters)) = (
                text(t, "code"),
                text(t, "indicator"),
                text(t, "year"),
                text(t, "cluster"),
            ) {
                let mut per: BTreeMap<(String, String), HashMap<String, String>> = BTreeMap::new();
                for i in 0..t.len() {
                    per.entry((indicators[i].clone(), years[i].clone()))
                        .or_default()
                        .insert(codes[i].clone(), clusters[i].clone());
                }
                html.push_str("<div class=\"grid\">");
                for ((indicator, year), values) in &per {
                    let title = self.lang.fill(
                        "fig.lisa_map",
                        &[
                            ("indicator", &self.lang.cat(indicator)),
                            ("year", year),
                            ("test", &self.lisa_test(indicator)),
                        ],
                    );
                    html.push_str(&figure(
                        &title,
                        map.categories(&title, values, &LISA_CLUSTERS),
                    ));
                }
                html.push_str("</div>");
            }
        }
        if let Some(t) = self.find("moran_indicators") {
            if let (Some(ind), Some(years), Some(i_values)) =
                (text(t, "indicator"), numbers(t, "year"), numbers(t, "I"))
            {
                let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
                for k in 0..t.len() {
                    series
                        .entry(self.lang.cat(&ind[k]))
                        .or_default()
                        .push((years[k], i_values[k]));
                }
                let series: Vec<(String, Vec<(f64, f64)>)> = series.into_iter().collect();
                let title = self.lang.t("fig.moran_lines");
                html.push_str(&figure(
                    &title,
                    charts::lines(self.lang, &title, &series, &self.lang.t("fig.moran_axis")),
                ));
            }
        }
        html
    }

    fn flows(&self) -> String {
        let (Some(map), Some(t)) = (&self.basemap, self.find("load_flows")) else {
            return String::new();
        };
        let (Some(from), Some(to), Some(plans), Some(pollutants), Some(flux)) = (
            text(t, "from"),
            text(t, "to"),
            text(t, "plan"),
            text(t, "pollutant"),
            numbers(t, "flux_kg_per_yr"),
        ) else {
            return String::new();
        };
        let plan = latest(&plans);
        let pollutant = if pollutants.iter().any(|p| p == "TN") {
            "TN".to_string()
        } else {
            latest(&pollutants)
        };
        let mut flows: Vec<(String, String, f64)> = (0..t.len())
            .filter(|&i| plans[i] == plan && pollutants[i] == pollutant)
            .map(|i| (from[i].clone(), to[i].clone(), flux[i]))
            .collect();
        flows.sort_by(|x, y| y.2.total_cmp(&x.2));
        let shown = flows.len().min(200);
        let title = self.lang.fill(
            "fig.flow_map",
            &[
                ("pollutant", &self.lang.cat(&pollutant)),
                ("plan", &plan),
                ("shown", &shown.to_string()),
                ("total", &flows.len().to_string()),
            ],
        );
        let largest: Vec<(String, f64)> = flows
            .iter()
            .take(FIGURE_ROWS)
            .map(|(f, t, v)| (format!("{} → {}", self.names.of(f), self.names.of(t)), *v))
            .collect();
        figure(
            &title,
            map.flows(&title, &flows[..shown], &self.lang.unit("kg/yr")),
        ) + &self.data_table(
            &[
                self.lang.t("ui.border_pair"),
                self.lang.header("flux_kg_per_yr", Some("kg/yr")),
            ],
            &largest,
        ) + &self.crossing_origins(&plan, &pollutant)
    }

    /// For each province-border crossing, the shares of its load by origin province.
    fn crossing_origins(&self, plan: &str, pollutant: &str) -> String {
        let Some(t) = self.find("load_sources_province") else {
            return String::new();
        };
        let (Some(from), Some(to), Some(plans), Some(pollutants), Some(origin), Some(load)) = (
            text(t, "from"),
            text(t, "to"),
            text(t, "plan"),
            text(t, "pollutant"),
            text(t, "origin"),
            numbers(t, "load_kg_per_yr"),
        ) else {
            return String::new();
        };
        let name = |code: &str| self.names.of(code);
        let mut crossings: BTreeMap<(String, String), BTreeMap<String, f64>> = BTreeMap::new();
        for i in (0..t.len()).filter(|&i| plans[i] == plan && pollutants[i] == pollutant) {
            *crossings
                .entry((name(&from[i]), name(&to[i])))
                .or_default()
                .entry(self.lang.fill("fig.from", &[("name", &name(&origin[i]))]))
                .or_default() += load[i];
        }
        let rows: Vec<(String, Vec<(String, f64)>)> = crossings
            .into_iter()
            .map(|((a, b), parts)| (format!("{a} → {b}"), parts.into_iter().collect()))
            .collect();
        let title = self.lang.fill(
            "fig.origins",
            &[("pollutant", &self.lang.cat(pollutant)), ("plan", plan)],
        );
        figure(
            &title,
            charts::stacked_shares(self.lang, &title, &rows, &self.lang.unit("kg/yr")),
        )
    }

    /// The stage path of `governance_stage_path`, the chosen k ringed.
    fn stage_path(&self) -> String {
        let Some(t) = self.find("governance_stage_path") else {
            return String::new();
        };
        let (Some(k), Some(criterion), Some(names), Some(breaks), Some(chosen)) = (
            numbers(t, "k"),
            numbers(t, "criterion"),
            text(t, "criterion_name"),
            text(t, "breaks"),
            text(t, "chosen"),
        ) else {
            return String::new();
        };
        let steps: Vec<PathStep> = (0..t.len())
            .map(|i| PathStep {
                k: k[i],
                criterion: criterion[i],
                breaks: breaks[i].clone(),
                chosen: chosen[i] == "true",
            })
            .collect();
        let name = names.first().map_or("criterion", String::as_str);
        figure(
            &self.lang.t("fig.stage_path"),
            charts::stage_path(self.lang, &steps, &self.lang.cat(name)),
        )
    }

    fn governance(&self) -> String {
        let mut html = String::new();
        if let Some(t) = self.find("governance_timeline") {
            let (years, active) = (
                numbers(t, "year").unwrap_or_default(),
                numbers(t, "active").unwrap_or_default(),
            );
            let stages: Vec<Stage> = self
                .find("governance_stages")
                .and_then(|s| {
                    let (n, start, end, d) = (
                        numbers(s, "stage")?,
                        numbers(s, "start")?,
                        numbers(s, "end")?,
                        text(s, "description")?,
                    );
                    Some(
                        (0..s.len())
                            .map(|i| Stage {
                                number: n[i] as i64,
                                start: start[i],
                                end: end[i],
                                description: d[i].clone(),
                            })
                            .collect(),
                    )
                })
                .unwrap_or_default();
            let bars: Vec<(f64, f64)> = years.iter().copied().zip(active.iter().copied()).collect();
            html.push_str(&figure(
                &self.lang.t("fig.timeline"),
                charts::timeline(self.lang, &bars, &stages),
            ));
            html.push_str(&self.stage_path());
            let modes: Vec<(String, Vec<(f64, f64)>)> = ["hierarchy", "market", "network"]
                .iter()
                .filter_map(|m| {
                    let share = numbers(t, &format!("share_{m}"))?;
                    Some((self.lang.cat(m), years.iter().copied().zip(share).collect()))
                })
                .collect();
            let title = self.lang.t("fig.modes");
            html.push_str(&figure(
                &title,
                charts::lines(self.lang, &title, &modes, &self.lang.t("fig.modes_axis")),
            ));
        }
        if let Some(t) = self.find("governance_network") {
            if let (Some(stage), Some(codes), Some(names), Some(degree), Some(linked)) = (
                numbers(t, "stage"),
                text(t, "code"),
                text(t, "name"),
                numbers(t, "degree_centrality"),
                text(t, "linked"),
            ) {
                let last = stage.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let rows: Vec<usize> = (0..t.len()).filter(|&i| stage[i] == last).collect();
                let index: HashMap<&str, usize> = rows
                    .iter()
                    .enumerate()
                    .map(|(k, &i)| (codes[i].as_str(), k))
                    .collect();
                let nodes: Vec<Node> = rows
                    .iter()
                    .map(|&i| Node {
                        label: if names[i].is_empty() {
                            codes[i].clone()
                        } else {
                            names[i].clone()
                        },
                        size: degree[i],
                        ties: linked[i]
                            .split(';')
                            .filter_map(|c| index.get(c).copied())
                            .collect(),
                    })
                    .collect();
                let title = self
                    .lang
                    .fill("fig.network", &[("stage", &format_number(last))]);
                html.push_str(&figure(&title, charts::network(self.lang, &title, &nodes)));
            }
        }
        html
    }
}
