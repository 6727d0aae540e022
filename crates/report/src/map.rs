//! Inline SVG figures: the regional map of borders coloured by their conflicts, and a bar chart
//! of conflicts by type and plan version. Coordinates are the analysis CRS (metres, y up).

use std::collections::BTreeMap;

use borderscape_core::table::Table;
use geo::{BoundingRect, Geometry, LineString, Rect, Simplify};

use crate::escape;

/// Width of the map in SVG units; the height follows the region's aspect.
const WIDTH: f64 = 900.0;

/// Colours of the conflict classes, from none to many.
const CLASSES: [(&str, &str); 5] = [
    ("0", "#bdbdbd"),
    ("1–2", "#fed976"),
    ("3–5", "#fd8d3c"),
    ("6–10", "#e31a1c"),
    ("> 10", "#800026"),
];

fn class_of(n: usize) -> usize {
    match n {
        0 => 0,
        1..=2 => 1,
        3..=5 => 2,
        6..=10 => 3,
        _ => 4,
    }
}

fn lines(g: &Geometry) -> Vec<&LineString> {
    match g {
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(ml) => ml.0.iter().collect(),
        _ => Vec::new(),
    }
}

/// Conflicts per border `a|b` of the latest plan version, plus those not tied to a version.
fn conflicts_per_border(by_border: Option<&Table>) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    let Some(t) = by_border else { return out };
    let c = |n: &str| t.column_index(n);
    let (Some(a), Some(b), Some(plan), Some(n)) = (c("a"), c("b"), c("plan"), c("conflicts"))
    else {
        return out;
    };
    let latest = t
        .rows
        .iter()
        .map(|r| r[plan].to_text())
        .max()
        .unwrap_or_default();
    for r in &t.rows {
        let p = r[plan].to_text();
        if p.is_empty() || p == latest {
            *out.entry((r[a].to_text(), r[b].to_text())).or_default() +=
                r[n].as_f64().unwrap_or(0.0) as usize;
        }
    }
    out
}

/// The regional map: every border, provinces thick, coloured by its number of conflicts.
pub fn border_map(borders: &Table, by_border: Option<&Table>) -> Option<String> {
    let geoms = borders.geometries.as_ref()?;
    let (a_c, b_c, level_c) = (
        borders.column_index("a")?,
        borders.column_index("b")?,
        borders.column_index("level")?,
    );
    let mut extent: Option<Rect> = None;
    for g in geoms.iter().flatten() {
        if let Some(r) = g.bounding_rect() {
            extent = Some(extent.map_or(r, |e| borderscape_core::geometry::union_rect(e, r)));
        }
    }
    let extent = extent?;
    let scale = WIDTH / extent.width().max(1.0);
    let height = extent.height() * scale;
    let tolerance = 0.6 / scale; // below a pixel
    let counts = conflicts_per_border(by_border);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH:.0} {height:.0}\" width=\"100%\" role=\"img\" aria-label=\"borders coloured by conflicts\" style=\"background:#fafafa;border:1px solid #ddd\">"
    );
    // Counties first, provinces last, so the thick lines lie on top.
    let mut order: Vec<usize> = (0..borders.len()).collect();
    let rank = |l: &str| match l {
        "province" => 2,
        "city" => 1,
        _ => 0,
    };
    order.sort_by_key(|&i| rank(&borders.rows[i][level_c].to_text()));
    for i in order {
        let Some(g) = &geoms[i] else { continue };
        let level = borders.rows[i][level_c].to_text();
        let key = (
            borders.rows[i][a_c].to_text(),
            borders.rows[i][b_c].to_text(),
        );
        let n = counts.get(&key).copied().unwrap_or(0);
        let (colour, width) = match level.as_str() {
            "province" => ("#222", 2.2),
            "city" => ("#555", 1.0),
            _ => (CLASSES[class_of(n)].1, if n > 0 { 1.6 } else { 0.6 }),
        };
        for line in lines(g) {
            let simple = line.simplify(tolerance);
            let points: Vec<String> = simple
                .coords()
                .map(|c| {
                    format!(
                        "{:.1},{:.1}",
                        (c.x - extent.min().x) * scale,
                        (extent.max().y - c.y) * scale
                    )
                })
                .collect();
            if points.len() >= 2 {
                svg.push_str(&format!(
                    "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\"><title>{} | {} ({level}): {n} conflicts</title></polyline>",
                    points.join(" "),
                    escape(&key.0),
                    escape(&key.1)
                ));
            }
        }
    }
    svg.push_str("</svg>");
    let mut legend = String::from(
        "<p class=\"legend\">County borders by conflicts (latest plan version and networks): ",
    );
    for (label, colour) in CLASSES {
        legend.push_str(&format!(
            "<span style=\"display:inline-block;width:1.5em;height:.4em;background:{colour};margin:0 .3em\"></span>{label} "
        ));
    }
    legend.push_str(
        "· city borders grey, province borders black. Scale: the map is 900 units wide for ",
    );
    legend.push_str(&format!("{:.0} km.</p>", extent.width() / 1000.0));
    Some(format!("{svg}{legend}"))
}

/// Horizontal bars of conflicts per type and plan version.
pub fn conflict_bars(by_type: &serde_json::Value) -> Option<String> {
    let types = by_type.as_object()?;
    let mut rows: Vec<(String, String, f64)> = Vec::new();
    for (kind, versions) in types {
        for (version, n) in versions.as_object()? {
            rows.push((kind.clone(), version.clone(), n.as_f64().unwrap_or(0.0)));
        }
    }
    let max = rows.iter().map(|r| r.2).fold(1.0, f64::max);
    let bar_h = 16.0;
    let height = rows.len() as f64 * (bar_h + 4.0) + 10.0;
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 900 {height:.0}\" width=\"100%\" role=\"img\" aria-label=\"conflicts by type\">");
    for (k, (kind, version, n)) in rows.iter().enumerate() {
        let y = 5.0 + k as f64 * (bar_h + 4.0);
        let w = 560.0 * n / max;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{:.0}\" font-size=\"12\">{} · {}</text><rect x=\"300\" y=\"{y:.0}\" width=\"{w:.1}\" height=\"{bar_h}\" fill=\"#e31a1c\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"12\">{n}</text>",
            y + 12.0,
            escape(kind),
            escape(version),
            305.0 + w,
            y + 12.0
        ));
    }
    svg.push_str("</svg><p class=\"legend\">Conflicts by type and plan version (count).</p>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use borderscape_core::table::Table;
    use geo::line_string;

    #[test]
    fn borders_are_drawn_in_the_colour_of_their_conflicts() {
        let mut borders = Table::of_text(
            "borders",
            &["a", "b", "level"],
            &[
                ["A", "B", "county"],
                ["B", "C", "county"],
                ["P", "Q", "province"],
            ],
        );
        borders.geometries = Some(vec![
            Some(line_string![(x: 0.0, y: 0.0), (x: 0.0, y: 1000.0)].into()),
            Some(line_string![(x: 1000.0, y: 0.0), (x: 1000.0, y: 1000.0)].into()),
            Some(line_string![(x: 0.0, y: 0.0), (x: 2000.0, y: 0.0)].into()),
        ]);
        let by_border = Table::of_text(
            "conflicts_by_border",
            &["a", "b", "plan", "conflicts"],
            &[
                ["A", "B", "2015", "1"],
                ["A", "B", "2035", "7"],
                ["A", "B", "", "1"],
            ],
        );
        let svg = border_map(&borders, Some(&by_border)).unwrap();
        // A|B: 7 in the latest version + 1 network conflict = 8 → "6–10"; B|C none; P|Q black.
        assert!(svg.contains(
            "stroke=\"#e31a1c\" stroke-width=\"1.6\"><title>A | B (county): 8 conflicts"
        ));
        assert!(svg.contains(
            "stroke=\"#bdbdbd\" stroke-width=\"0.6\"><title>B | C (county): 0 conflicts"
        ));
        assert!(svg.contains("stroke=\"#222\""));
        // y is flipped: the province border at y = 0 is drawn at the bottom of the 900 × 450 box.
        assert!(svg.contains("points=\"0.0,450.0 900.0,450.0\""));
        let bars =
            conflict_bars(&serde_json::json!({"nimby_spillover": {"2015": 2, "2035": 4}})).unwrap();
        assert!(bars.contains("width=\"560.0\"") && bars.contains("width=\"280.0\""));
    }
}
