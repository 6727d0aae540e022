//! borderscape-report: the self-contained `report.html` of an analysis run.
//!
//! One file, inline CSS, no network access: it opens from disk and prints on A4. Planners read it
//! first: it opens with findings generated from the results (`findings`), then one profile per
//! border that most needs coordination (`profiles`), then each analysis's section with its maps
//! and charts (`figures`, drawn as inline SVG by `map` and `charts`). Every heading, legend,
//! column and category is a human label in English or Chinese (`labels`, from
//! `data/labels.tsv`); titles, parameters and references come from the analyses' specs.

mod chapter;
mod charts;
mod figures;
mod findings;
mod format;
mod labels;
mod map;
mod profiles;
mod summary;

use borderscape_core::analysis::{Analysis, REGISTRY};
use borderscape_core::provenance::{provenance_column, Basis};
use borderscape_core::spec::{AnalysisSpec, OutputSpec};
use borderscape_core::table::{ColumnType, Table};
use serde_json::Value;

pub use labels::Lang;

/// The name every report carries in its `generator` meta tag and at the end of its title (and so
/// in its PDF's title): how `borderscape report` knows a file it may replace.
pub const GENERATOR: &str = "borderscape";

use crate::figures::Names;
use crate::findings::RankedBorder;
use crate::format::{escape, format_number, group_digits};
use crate::summary::{Run, Section, Summary};

/// Screen and print styles. Fonts are named with CJK fallbacks so that Chinese labels and place
/// names typeset on every system (Noto/Source Han on Linux, PingFang on macOS, YaHei on Windows,
/// WenQuanYi as Debian's fallback). Print: A4, each section on a new page, cards and figures not
/// split, links and backgrounds dropped; the palettes are sequential or viridis, legible in grey.
const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Hiragino Sans GB','Microsoft YaHei','WenQuanYi Micro Hei',sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#222;line-height:1.45}
:lang(zh){font-family:'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Hiragino Sans GB','Microsoft YaHei','WenQuanYi Micro Hei',system-ui,sans-serif}
h1{font-size:1.7rem}h2{border-bottom:2px solid #444;padding-bottom:.2rem;margin-top:2.5rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.banner{background:#fff4d6;border:1px solid #e0b84a;border-left:6px solid #b8860b;padding:.75rem 1rem;margin:1rem 0}code{background:#f5f5f5;padding:0 .2rem}
ol.findings li{margin:.45rem 0}ol.findings a{white-space:nowrap}
.profiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(30rem,1fr));gap:1rem}.profile{border:1px solid #bbb;border-radius:4px;padding:.2rem 1rem}.profile h3{margin:.6rem 0 .3rem}.profile h4{margin:.6rem 0 .2rem;font-size:.95rem}.profile small{color:#666;font-weight:normal}table.compact td,table.compact th{padding:.1rem .4rem;font-size:.9rem}
p.note{color:#444;font-size:.92rem;border-left:3px solid #999;padding-left:.6rem}figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.3rem}.legend{font-size:.85rem;color:#444}
.swatch{display:inline-block;width:1.4em;height:.6em;margin:0 .3em;vertical-align:middle;border:1px solid #999}
details{margin:.5rem 0 1rem}details summary{cursor:pointer;color:#444}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(30rem,1fr));gap:0 1.5rem}nav.toc ol{columns:2}
svg.map{background:#dde6ee;border:1px solid #ddd}table.sortable th{cursor:pointer}table.sortable th:hover{background:#e6e6e6}
@page{size:A4;margin:16mm 14mm}
@media print{body{max-width:none;margin:0;padding:0;font-size:10pt;color:#000}section.part{break-before:page}h2,h3,h4{break-after:avoid}.profile,figure,tr{break-inside:avoid}.profiles,.grid{display:block}.profile{margin:0 0 .6rem}svg.map{background:#fff}a{color:inherit;text-decoration:none}th{background:#eee}table.sortable th:hover{background:#eee}details.tech,details.figdata{display:none}}";

/// Sorts a table by the clicked column (numbers as numbers, thousands separators ignored), again
/// to reverse.
const SORT_SCRIPT: &str = "document.querySelectorAll('table.sortable').forEach(function(t){t.querySelectorAll('th').forEach(function(th,k){th.title='sort';th.addEventListener('click',function(){var rows=Array.prototype.slice.call(t.rows,1),up=th.dataset.sorted!=='up',num=function(s){return parseFloat(s.replace(/,/g,''));};rows.sort(function(x,y){var a=x.cells[k].textContent,b=y.cells[k].textContent,na=num(a),nb=num(b),c=(isNaN(na)||isNaN(nb))?a.localeCompare(b):na-nb;return up?c:-c;});rows.forEach(function(r){t.tBodies[0].appendChild(r);});t.querySelectorAll('th').forEach(function(h){delete h.dataset.sorted;});th.dataset.sorted=up?'up':'down';});});});";

/// Small tables shown in full (the others are in results.gpkg and tables/).
const SHOWN: [&str; 7] = [
    "compensation_balances",
    "compensation_ledger",
    "siting_bands",
    "governance_stages",
    "governance_stage_path",
    "governance_outcomes",
    "governance_event_study",
];

/// Rows shown of a table at most.
const MAX_ROWS: usize = 200;

/// Borders profiled (and ranked in the findings' table).
const TOP_BORDERS_PER_LEVEL: usize = 3;

/// Result entries shown in an analysis's technical details at most.
const MAX_DETAILS: usize = 150;

/// The output spec a table was written by.
fn output_of(name: &str) -> Option<&'static OutputSpec> {
    REGISTRY
        .iter()
        .flat_map(|a| a.spec.outputs)
        .find(|o| o.is_named(name))
}

/// A table as HTML: labelled headers with units, cells for people (types from the spec, so that
/// codes stay codes when the table was read back from CSV).
fn table_html(lang: Lang, table: &Table) -> String {
    let spec_columns = output_of(&table.name)
        .map(|o| (o.columns)())
        .unwrap_or_default();
    let kind = |name: &str| -> Option<ColumnType> {
        spec_columns.iter().find(|c| c.name == name).map(|c| c.kind)
    };
    let mut html = format!(
        "<h3>{}</h3><table class=\"sortable\"><thead><tr>",
        escape(&lang.table(&table.name))
    );
    for c in &table.columns {
        let unit = spec_columns
            .iter()
            .find(|s| s.name == c.name)
            .and_then(|s| s.unit.clone())
            .or_else(|| c.unit.clone());
        html.push_str(&format!(
            "<th>{}</th>",
            escape(&lang.header(&c.name, unit.as_deref()))
        ));
    }
    html.push_str("</tr></thead><tbody>");
    let kinds: Vec<Option<ColumnType>> = table
        .columns
        .iter()
        .map(|c| {
            kind(&c.name)
                .or(Some(c.kind))
                .filter(|_| !spec_columns.is_empty())
        })
        .collect();
    for row in table.rows.iter().take(MAX_ROWS) {
        html.push_str("<tr>");
        for (v, k) in row.iter().zip(&kinds) {
            let numeric = matches!(k, Some(ColumnType::Int | ColumnType::Real));
            html.push_str(&format!(
                "<td{}>{}</td>",
                if numeric { " class=\"num\"" } else { "" },
                escape(&lang.cell(v, *k))
            ));
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table>");
    if table.len() > MAX_ROWS {
        html.push_str(&format!(
            "<p>{}</p>",
            escape(&lang.fill(
                "ui.first_rows",
                &[
                    ("shown", &MAX_ROWS.to_string()),
                    ("total", &group_digits(table.len() as f64)),
                    ("file", &format!("tables/{}.csv", table.name)),
                ],
            ))
        ));
    }
    html
}

/// A scalar of summary.json as text (strings without quotes, numbers for people); arrays of
/// scalars joined.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Null => Some(String::new()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => n.as_f64().map(format_number),
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::Array(_) | Value::Object(_) => None,
                other => scalar(other),
            })
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(", ")),
        Value::Object(_) => None,
    }
}

/// Results flattened to `path → value` rows for the technical details (never JSON text).
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    if let Some(text) = scalar(v) {
        out.push((prefix.to_string(), text));
        return;
    }
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match v {
        Value::Object(map) => map.iter().for_each(|(k, v)| flatten(&join(k), v, out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(k, v)| flatten(&join(&(k + 1).to_string()), v, out)),
        _ => {}
    }
}

/// The folded technical details of an analysis: headline results and parameters.
fn technical(lang: Lang, spec: &AnalysisSpec, section: &Section) -> String {
    let mut html = format!(
        "<details class=\"tech\"><summary>{}</summary><p>{}</p><table><tr><th>{}</th><th>{}</th></tr>",
        escape(&lang.t("ui.technical")),
        escape(&lang.t("ui.technical_note")),
        escape(&lang.t("ui.result")),
        escape(&lang.t("ui.value"))
    );
    let mut rows = Vec::new();
    flatten("", &section.results, &mut rows);
    for (path, value) in rows.iter().take(MAX_DETAILS) {
        html.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            escape(path),
            escape(value)
        ));
    }
    html.push_str(&format!(
        "</table><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(&lang.t("ui.parameter")),
        escape(&lang.t("ui.value")),
        escape(&lang.t("ui.unit")),
        escape(&lang.t("ui.meaning"))
    ));
    for p in spec.params {
        html.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            p.name,
            escape(&scalar(&section.params[p.name]).unwrap_or_default()),
            escape(&p.unit.map(|u| lang.unit(u)).unwrap_or_default()),
            escape(&lang.param(spec.name, p))
        ));
    }
    html + "</table></details>"
}

/// The findings' table of the top borders and their map.
fn top_borders(
    lang: Lang,
    ranked: &[RankedBorder],
    names: &Names,
    figures: &figures::Figures,
) -> String {
    if ranked.is_empty() {
        return String::new();
    }
    let mut html = format!(
        "<h3 id=\"findings-top\">{}</h3><p>{}</p><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(&lang.t("ui.top_table")),
        escape(&lang.t("ui.top_table_note")),
        escape(&lang.t("column.border_level")),
        escape(&lang.t("ui.rank")),
        escape(&lang.t("ui.border_pair")),
        escape(&lang.t("column.conflicts")),
        escape(&lang.t("ui.severe"))
    );
    let mut rank = 0;
    for (k, r) in ranked.iter().enumerate() {
        rank = if k > 0 && ranked[k - 1].level == r.level {
            rank + 1
        } else {
            1
        };
        html.push_str(&format!(
            "<tr data-a=\"{}\" data-b=\"{}\" data-level=\"{}\"><td>{}</td><td class=\"num\">{}</td><td><a href=\"#border-{}-{}\">{} | {}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&r.a),
            escape(&r.b),
            r.level.name(),
            escape(&lang.cat(r.level.name())),
            rank,
            escape(&r.a),
            escape(&r.b),
            escape(&names.of(&r.a)),
            escape(&names.of(&r.b)),
            group_digits(r.conflicts as f64),
            group_digits(r.severe as f64)
        ));
    }
    html.push_str("</table>");
    let pairs: Vec<(String, String)> = ranked.iter().map(|r| (r.a.clone(), r.b.clone())).collect();
    html + &figures.ranked_map(&pairs)
}

/// The reference of every analysis's outputs and their columns (docs/outputs.md), generated
/// from the specs so that the documentation cannot drift from the tables.
pub fn outputs_markdown() -> String {
    let mut md = String::from(
        "# Outputs\n\nGenerated from the analyses' specs by `borderscape analyze --list --markdown`; a test keeps this file equal to it.\n",
    );
    for analysis in REGISTRY {
        let spec = analysis.spec;
        md.push_str(&format!(
            "\n## {} (`{}`)\n\n{}\n",
            spec.title, spec.name, spec.description
        ));
        if !spec.depends_on.is_empty() {
            md.push_str(&format!("\nDepends on: {}.\n", spec.depends_on.join(", ")));
        }
        for output in spec.outputs {
            let kind = if output.spatial { "layer" } else { "table" };
            md.push_str(&format!(
                "\n### `{}` ({kind})\n\n{}\n\n| column | type | unit | description |\n|---|---|---|---|\n",
                output.name, output.description
            ));
            for c in (output.columns)().into_iter().chain([provenance_column()]) {
                md.push_str(&format!(
                    "| `{}` | {} | {} | {} |\n",
                    c.name,
                    serde_json::to_string(&c.kind)
                        .unwrap_or_default()
                        .trim_matches('"'),
                    c.unit.as_deref().unwrap_or(""),
                    c.description.replace('|', "\\|")
                ));
            }
        }
    }
    md
}

/// Renders the report in `lang` from the summary and the output tables (geometries in the
/// analysis CRS are drawn as inline SVG).
pub fn render(summary: &Value, tables: &[&Table], lang: Lang) -> String {
    render_with(&REGISTRY.iter().collect::<Vec<_>>(), summary, tables, lang)
}

/// [`render`] with the sections of `analyses` (in their order) that ran: the registry's, or a
/// list with analyses of your own, which get their outputs and technical details.
pub fn render_with(
    analyses: &[&Analysis],
    summary: &Value,
    tables: &[&Table],
    lang: Lang,
) -> String {
    let summary = Summary::new(summary);
    let run = &summary.run;
    let ran: Vec<&Analysis> = analyses
        .iter()
        .copied()
        .filter(|a| run.analyses.contains_key(a.spec.name))
        .collect();
    let mut html = head(lang, run);
    html.push_str(&contents(lang, &ran));
    let figures = figures::Figures::new(&summary, tables, lang);
    html.push_str(&figures.defs());
    html.push_str(&findings_and_profiles(lang, &summary, tables, &figures));
    html.push_str(&region(lang, run));
    for analysis in &ran {
        let spec = analysis.spec;
        html.push_str(&analysis_section(
            lang,
            spec,
            &run.analyses[spec.name],
            tables,
            &figures,
        ));
    }
    html.push_str(&methods(lang, run, &ran));
    html.push_str(&inputs(lang, run));
    html.push_str(&format!(
        "<footer><p>{} · {}</p></footer><script>{SORT_SCRIPT}</script></body></html>\n",
        escape(&lang.fill("ui.generated", &[("version", &run.borderscape_version)])),
        escape(&lang.t("ui.lang_other"))
    ));
    html
}

/// The document's head, the title and the banner naming the synthetic inputs.
fn head(lang: Lang, run: &Run) -> String {
    let mut html = String::new();
    let region = run.region.name(lang);
    let version = run.borderscape_version.as_str();
    let title = lang.fill("ui.title", &[("region", region)]);
    html.push_str(&format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"generator\" content=\"{GENERATOR}\"><meta name=\"viewport\" content=\"width=device-width\"><title>{} — {GENERATOR}</title><style>{STYLE}</style></head><body>",
        lang.html(),
        escape(&title)
    ));
    html.push_str(&format!(
        "<header><h1>{}</h1><p>{}</p></header>",
        escape(&title),
        escape(&lang.fill("ui.subtitle", &[("version", version)]))
    ));
    if !run.synthetic_layers.is_empty() {
        let names: Vec<String> = run.synthetic_layers.iter().map(|k| lang.cat(k)).collect();
        html.push_str(&format!(
            "<div class=\"banner\" role=\"note\">{}</div>",
            escape(&lang.fill("ui.synthetic_banner", &[("layers", &names.join(", "))]))
        ));
    }
    html
}

/// The table of contents: the fixed parts and the analyses that ran.
fn contents(lang: Lang, ran: &[&Analysis]) -> String {
    let mut html = String::new();
    html.push_str(&format!(
        "<nav class=\"toc\"><h2>{}</h2><ol><li><a href=\"#findings\">{}</a></li><li><a href=\"#profiles\">{}</a></li><li><a href=\"#sec-region\">{}</a></li>",
        escape(&lang.t("ui.contents")),
        escape(&lang.t("ui.findings")),
        escape(&lang.t("ui.profiles")),
        escape(&lang.t("ui.region"))
    ));
    for a in ran {
        html.push_str(&format!(
            "<li><a href=\"#sec-{}\">{}</a></li>",
            a.spec.name,
            escape(&lang.analysis(a.spec.name))
        ));
    }
    html.push_str(&format!(
        "<li><a href=\"#methods\">{}</a></li><li><a href=\"#inputs\">{}</a></li></ol></nav>",
        escape(&lang.t("ui.methods")),
        escape(&lang.t("ui.inputs"))
    ));
    html
}

/// The findings, the table and map of the top borders, and their profiles.
fn findings_and_profiles(
    lang: Lang,
    summary: &Summary,
    tables: &[&Table],
    figures: &figures::Figures,
) -> String {
    let mut html = String::new();
    let names = Names::new(tables);
    let ranked = findings::top_per_level(
        findings::rank_borders(tables, &figures.conflict_counts(None)),
        TOP_BORDERS_PER_LEVEL,
    );
    html.push_str(&chapter::chapter(lang, summary, &ranked, &names));
    html.push_str(&format!(
        "<section id=\"findings\"><h2>{}</h2><ol class=\"findings\">",
        escape(&lang.t("ui.findings"))
    ));
    let (leading, illustrating): (Vec<_>, Vec<_>) =
        findings::findings(lang, summary, tables, &ranked, &names)
            .into_iter()
            .map(|f| {
                let basis = findings::basis_of(summary, &f);
                (f, basis)
            })
            .partition(|(_, basis)| !basis.rests_on_synthetic());
    let item = |(f, basis): &(findings::Finding, Basis)| {
        format!(
            "<li data-finding=\"{}\" data-provenance=\"{}\">{} <span class=\"provenance\">{}</span> <a href=\"#{}\">→ {}</a></li>",
            f.id,
            basis.name(),
            escape(&f.text),
            escape(&lang.fill("ui.rests_on", &[("provenance", &lang.cat(basis.name()))])),
            f.section,
            escape(&lang.t("ui.see"))
        )
    };
    html.extend(leading.iter().map(item));
    html.push_str("</ol>");
    if !illustrating.is_empty() {
        html.push_str(&format!(
            "<h3 id=\"method-illustration\">{}</h3><p>{}</p><ol class=\"findings illustration\">",
            escape(&lang.t("ui.illustration")),
            escape(&lang.t("ui.illustration_note"))
        ));
        html.extend(illustrating.iter().map(item));
        html.push_str("</ol>");
    }
    html.push_str(&top_borders(lang, &ranked, &names, figures));
    html.push_str("</section>");
    if !ranked.is_empty() {
        html.push_str(&format!(
            "<section id=\"profiles\" class=\"part\"><h2>{}</h2><p>{}</p><div class=\"profiles\">{}</div></section>",
            escape(&lang.t("ui.profiles")),
            escape(&lang.fill("ui.profiles_intro", &[("n", &ranked.len().to_string())])),
            profiles::Profiles::new(lang, tables, &names).cards(&ranked)
        ));
    }
    html
}

/// The region's jurisdictions per level.
fn region(lang: Lang, run: &Run) -> String {
    let mut html = String::new();
    html.push_str(&format!(
        "<section id=\"sec-region\" class=\"part\"><h2>{}</h2><table><tr><th>{}</th><th>{}</th></tr>",
        escape(&lang.t("ui.region")),
        escape(&lang.t("ui.level")),
        escape(&lang.t("ui.count"))
    ));
    for (level, n) in &run.region.jurisdictions {
        html.push_str(&format!(
            "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
            escape(&lang.cat(level)),
            format_number(*n as f64)
        ));
    }
    html.push_str("</table></section>");
    html
}

/// One analysis's section: its figures, its small tables in full, its outputs and the
/// technical details.
fn analysis_section(
    lang: Lang,
    spec: &AnalysisSpec,
    section: &Section,
    tables: &[&Table],
    figures: &figures::Figures,
) -> String {
    let mut html = String::new();
    html.push_str(&format!(
        "<section id=\"sec-{}\" class=\"part\"><h2>{}</h2><p>{}</p>",
        spec.name,
        escape(&lang.analysis(spec.name)),
        escape(&lang.t(&format!("about.{}", spec.name)))
    ));
    html.push_str(&figures.of(spec.name));
    for table in tables.iter().filter(|t| SHOWN.contains(&t.name.as_str())) {
        if spec.outputs.iter().any(|o| o.is_named(&table.name)) {
            html.push_str(&table_html(lang, table));
        }
    }
    html.push_str(&format!(
        "<h3>{}</h3><table><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(&lang.t("ui.outputs")),
        escape(&lang.t("ui.output")),
        escape(&lang.t("ui.file")),
        escape(&lang.t("ui.rows"))
    ));
    for (name, rows) in &section.tables {
        html.push_str(&format!(
            "<tr><td>{}</td><td><code>tables/{}.csv</code></td><td class=\"num\">{}</td></tr>",
            escape(&lang.table(name)),
            escape(name),
            format_number(*rows as f64)
        ));
    }
    html.push_str("</table>");
    html.push_str(&technical(lang, spec, section));
    html.push_str("</section>");
    html
}

/// Methods: the analysis CRS and every analysis's sources.
fn methods(lang: Lang, run: &Run, ran: &[&Analysis]) -> String {
    let mut html = String::new();
    html.push_str(&format!(
        "<section id=\"methods\" class=\"part\"><h2>{}</h2><p>{}</p>",
        escape(&lang.t("ui.methods")),
        escape(&lang.fill("ui.crs_note", &[("crs", &run.crs.name)]))
    ));
    for analysis in ran {
        html.push_str(&format!(
            "<h3>{}</h3><ul>",
            escape(&lang.analysis(analysis.spec.name))
        ));
        for r in analysis.spec.references {
            html.push_str(&format!("<li>{}</li>", escape(r)));
        }
        html.push_str("</ul>");
    }
    html.push_str("</section>");
    html
}

/// The inputs, the synthetic ones said so; their checksums folded.
fn inputs(lang: Lang, run: &Run) -> String {
    let mut html = String::new();
    html.push_str(&format!(
        "<section id=\"inputs\" class=\"part\"><h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        escape(&lang.t("ui.inputs")),
        escape(&lang.t("ui.layer")),
        escape(&lang.t("ui.file")),
        escape(&lang.t("ui.features")),
        escape(&lang.t("ui.datum")),
        escape(&lang.t("column.provenance"))
    ));
    for input in &run.inputs {
        html.push_str(&format!(
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&lang.cat(&input.kind)),
            escape(&input.path),
            format_number(input.features as f64),
            escape(input.datum.as_deref().unwrap_or("")),
            escape(&lang.cat(input.provenance().name()))
        ));
    }
    html.push_str(&format!(
        "</table><details class=\"tech\"><summary>{}</summary><table><tr><th>{}</th><th>sha256</th><th>{}</th></tr>",
        escape(&lang.t("ui.technical")),
        escape(&lang.t("ui.file")),
        escape(&lang.t("ui.meaning"))
    ));
    for input in &run.inputs {
        html.push_str(&format!(
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
            escape(&input.path),
            escape(&input.sha256),
            escape(input.description.as_deref().unwrap_or(""))
        ));
    }
    html.push_str("</table></details></section>");
    html
}
