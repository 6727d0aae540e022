//! borderscape-report: the self-contained `report.html` of an analysis run.
//!
//! One file, inline CSS, no network access: it opens from disk. It takes everything from the
//! run's summary and the analyses' specs (titles, parameters with units, references), so labels
//! cannot drift from the code. Each analysis's section has its maps and charts (`figures`),
//! drawn as inline SVG (`map`, `charts`); tables sort on a click on their header.

mod charts;
mod figures;
mod map;

use borderscape_core::analysis::REGISTRY;
use borderscape_core::table::Table;
use serde_json::Value;

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}th{background:#f3f3f3}
.banner{background:#fff4d6;border:1px solid #e0b84a;padding:.75rem 1rem;margin:1rem 0}code{background:#f5f5f5;padding:0 .2rem}
figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.3rem}.legend{font-size:.85rem;color:#444}
.swatch{display:inline-block;width:1.4em;height:.6em;margin:0 .3em;vertical-align:middle;border:1px solid #ccc}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(30rem,1fr));gap:0 1.5rem}
svg.map{background:#dde6ee;border:1px solid #ddd}table.sortable th{cursor:pointer}table.sortable th:hover{background:#e6e6e6}";

/// Sorts a table by the clicked column (numbers as numbers), again to reverse.
const SORT_SCRIPT: &str = "document.querySelectorAll('table.sortable').forEach(function(t){t.querySelectorAll('th').forEach(function(th,k){th.title='sort';th.addEventListener('click',function(){var rows=Array.prototype.slice.call(t.rows,1),up=th.dataset.sorted!=='up';rows.sort(function(x,y){var a=x.cells[k].textContent,b=y.cells[k].textContent,na=parseFloat(a),nb=parseFloat(b),c=(isNaN(na)||isNaN(nb))?a.localeCompare(b):na-nb;return up?c:-c;});rows.forEach(function(r){t.tBodies[0].appendChild(r);});t.querySelectorAll('th').forEach(function(h){delete h.dataset.sorted;});th.dataset.sorted=up?'up':'down';});});});";

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

/// A table as HTML (attribute columns only), with units in the headers.
fn table_html(table: &Table) -> String {
    let mut html = format!(
        "<h3><code>{}</code></h3><table class=\"sortable\"><tr>",
        escape(&table.name)
    );
    for c in &table.columns {
        let unit = c
            .unit
            .as_deref()
            .map_or(String::new(), |u| format!(" ({})", escape(u)));
        html.push_str(&format!("<th>{}{unit}</th>", escape(&c.name)));
    }
    html.push_str("</tr>");
    for row in table.rows.iter().take(MAX_ROWS) {
        html.push_str("<tr>");
        for v in row {
            html.push_str(&format!("<td>{}</td>", escape(&v.to_text())));
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
    if table.len() > MAX_ROWS {
        html.push_str(&format!("<p>First {MAX_ROWS} of {} rows.</p>", table.len()));
    }
    html
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
            for c in (output.columns)() {
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

/// Renders the report from the summary and the output tables (geometries in the analysis CRS
/// are drawn as inline SVG).
pub fn render(summary: &Value, tables: &[&Table]) -> String {
    let mut html = String::new();
    let region = summary["region"]["name"].as_str().unwrap_or("region");
    html.push_str(&format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>borderscape — {}</title><style>{STYLE}</style></head><body>",
        escape(region)
    ));
    html.push_str(&format!("<h1>borderscape report: {}</h1>", escape(region)));
    if let Some(synthetic) = summary["synthetic_layers"]
        .as_array()
        .filter(|s| !s.is_empty())
    {
        let names: Vec<String> = synthetic
            .iter()
            .filter_map(Value::as_str)
            .map(escape)
            .collect();
        html.push_str(&format!(
            "<div class=\"banner\"><strong>Synthetic data.</strong> These layers are generated, not observed: {}. Results that use them illustrate the method, not the region.</div>",
            names.join(", ")
        ));
    }
    html.push_str("<h2>Region</h2><table><tr><th>level</th><th>jurisdictions</th></tr>");
    if let Some(levels) = summary["region"]["jurisdictions"].as_object() {
        for (level, n) in levels {
            html.push_str(&format!("<tr><td>{}</td><td>{n}</td></tr>", escape(level)));
        }
    }
    html.push_str("</table>");
    let figures = figures::Figures::new(summary, tables);
    html.push_str(&figures.defs());
    for analysis in REGISTRY {
        let section = &summary["analyses"][analysis.spec.name];
        if section.is_null() {
            continue;
        }
        html.push_str(&format!(
            "<h2>{}</h2><p>{}</p>",
            escape(analysis.spec.title),
            escape(analysis.spec.description)
        ));
        html.push_str(&figures.of(analysis.spec.name));
        html.push_str(&format!(
            "<pre>{}</pre>",
            escape(&serde_json::to_string_pretty(&section["results"]).unwrap_or_default())
        ));
        html.push_str(
            "<h3>Outputs</h3><table><tr><th>table</th><th>rows</th><th>description</th><th>columns (unit)</th></tr>",
        );
        for output in analysis.spec.outputs {
            let rows = tables
                .iter()
                .find(|t| t.name == output.name)
                .map_or(0, |t| t.len());
            let columns: Vec<String> = (output.columns)()
                .iter()
                .map(|c| match &c.unit {
                    Some(unit) => format!("{} ({unit})", c.name),
                    None => c.name.clone(),
                })
                .collect();
            html.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{rows}</td><td>{}</td><td>{}</td></tr>",
                output.name,
                escape(output.description),
                escape(&columns.join(", "))
            ));
        }
        html.push_str("</table>");
        for table in tables.iter().filter(|t| SHOWN.contains(&t.name.as_str())) {
            if analysis.spec.outputs.iter().any(|o| o.name == table.name) {
                html.push_str(&table_html(table));
            }
        }
    }
    html.push_str("<h2>Methods</h2>");
    html.push_str(&format!(
        "<p>Analysis CRS: {}. Lengths in km are geodesic on the WGS84 ellipsoid; areas are computed in the equal-area analysis CRS.</p>",
        escape(summary["crs"]["name"].as_str().unwrap_or(""))
    ));
    for analysis in REGISTRY {
        let section = &summary["analyses"][analysis.spec.name];
        if section.is_null() {
            continue;
        }
        html.push_str(&format!("<h3>{}</h3><table><tr><th>parameter</th><th>value</th><th>unit</th><th>meaning</th></tr>", escape(analysis.spec.title)));
        for p in analysis.spec.params {
            html.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                p.name,
                escape(&section["params"][p.name].to_string()),
                p.unit.unwrap_or(""),
                escape(p.description)
            ));
        }
        html.push_str("</table><ul>");
        for r in analysis.spec.references {
            html.push_str(&format!("<li>{}</li>", escape(r)));
        }
        html.push_str("</ul>");
    }
    html.push_str("<h2>Inputs</h2><table><tr><th>layer</th><th>file</th><th>features</th><th>datum</th><th>synthetic</th><th>sha256</th></tr>");
    for input in summary["inputs"].as_array().into_iter().flatten() {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            escape(input["kind"].as_str().unwrap_or("")),
            escape(input["path"].as_str().unwrap_or("")),
            input["features"],
            escape(input["datum"].as_str().unwrap_or("")),
            input["synthetic"],
            escape(input["sha256"].as_str().unwrap_or(""))
        ));
    }
    html.push_str(&format!(
        "</table><p>borderscape {}</p><script>{SORT_SCRIPT}</script></body></html>\n",
        escape(summary["borderscape_version"].as_str().unwrap_or(""))
    ));
    html
}
