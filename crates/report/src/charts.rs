//! Inline SVG charts: bars, lines over years, the governance timeline, its stage path and its
//! network.

use std::f64::consts::TAU;

use crate::format::escape;
use crate::format::format_number;
use crate::labels::Lang;
use crate::map::swatch;

/// Width of every chart in SVG units.
const WIDTH: f64 = 900.0;

/// Series colours: viridis (van der Walt & Smith 2015) sampled so that neighbours in the list
/// differ most; viridis stays distinct for the common colour-vision deficiencies and its
/// lightness rises monotonically, so series stay apart in grey-scale print.
pub const SERIES: [&str; 8] = [
    "#440154", "#21918c", "#7ad151", "#414487", "#22a884", "#2a788e", "#bddf26", "#482475",
];

/// Dash patterns of line series, so that lines differ without colour too.
const DASHES: [&str; 4] = ["none", "8 4", "2 3", "10 3 2 3"];

/// A legend entry for a line series: a short stroke in its colour and dash.
fn line_swatch(colour: &str, dash: &str, label: &str) -> String {
    format!(
        "<svg width=\"28\" height=\"8\" aria-hidden=\"true\"><line x1=\"0\" y1=\"4\" x2=\"28\" y2=\"4\" stroke=\"{colour}\" stroke-width=\"2.5\" stroke-dasharray=\"{dash}\"/></svg> {} ",
        escape(label)
    )
}

/// The colour of bars that stand for no category.
pub const BAR: &str = "#2c7fb8";

/// Horizontal bars, one per `(label, value)`, the `k`-th in `colour(k)`; `unit` names the values.
pub fn bars(
    label: &str,
    rows: &[(String, f64)],
    unit: &str,
    colour: impl Fn(usize) -> &'static str,
) -> Option<String> {
    if rows.is_empty() {
        return None;
    }
    let max = rows.iter().map(|r| r.1).fold(1e-12, f64::max);
    let bar_h = 16.0;
    let height = rows.len() as f64 * (bar_h + 4.0) + 10.0;
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height:.0}\" width=\"100%\" role=\"img\" aria-label=\"{}\">", escape(label));
    for (k, (name, n)) in rows.iter().enumerate() {
        let y = 5.0 + k as f64 * (bar_h + 4.0);
        let w = 520.0 * n / max;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{:.0}\" font-size=\"12\">{}</text><rect x=\"300\" y=\"{y:.0}\" width=\"{w:.1}\" height=\"{bar_h}\" fill=\"{}\" stroke=\"#333\" stroke-width=\"0.5\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"12\">{}</text>",
            y + 12.0,
            escape(name),
            colour(k),
            305.0 + w,
            y + 12.0,
            format_number(*n)
        ));
    }
    svg.push_str(&format!(
        "</svg><p class=\"legend\">{} ({}).</p>",
        escape(label),
        escape(unit)
    ));
    Some(svg)
}

/// One 100 % bar per row, split into its parts' shares (coloured by part, with a legend), and
/// the row's total after it: `rows` of (label, [(part, value)]).
pub fn stacked_shares(
    lang: Lang,
    label: &str,
    rows: &[(String, Vec<(String, f64)>)],
    unit: &str,
) -> Option<String> {
    if rows.is_empty() {
        return None;
    }
    let mut parts: Vec<&str> = rows
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(name, _)| name.as_str()))
        .collect();
    parts.sort_unstable();
    parts.dedup();
    let colour = |part: &str| {
        let i = parts.iter().position(|p| *p == part).unwrap_or(0);
        SERIES[i % SERIES.len()]
    };
    let bar_h = 16.0;
    let height = rows.len() as f64 * (bar_h + 4.0) + 10.0;
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height:.0}\" width=\"100%\" role=\"img\" aria-label=\"{}\">", escape(label));
    for (k, (name, values)) in rows.iter().enumerate() {
        let y = 5.0 + k as f64 * (bar_h + 4.0);
        let total: f64 = values.iter().map(|(_, v)| v).sum();
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{:.0}\" font-size=\"12\">{}</text>",
            y + 12.0,
            escape(name)
        ));
        let mut x = 300.0;
        for (part, v) in values {
            let w = 480.0 * v / total.max(1e-12);
            svg.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{y:.0}\" width=\"{w:.1}\" height=\"{bar_h}\" fill=\"{}\"><title>{}: {:.1} %</title></rect>",
                colour(part),
                escape(part),
                100.0 * v / total.max(1e-12)
            ));
            x += w;
        }
        svg.push_str(&format!(
            "<text x=\"790\" y=\"{:.0}\" font-size=\"12\">{}</text>",
            y + 12.0,
            format_number(total)
        ));
    }
    let legend: String = parts.iter().map(|p| swatch(colour(p), p)).collect();
    svg.push_str(&format!(
        "</svg><p class=\"legend\">{legend} {}</p>",
        escape(&lang.fill("chart.totals", &[("unit", unit)]))
    ));
    Some(svg)
}

/// Lines over years: `series` of (name, [(year, value)]), with the y axis named `y_label`.
pub fn lines(
    lang: Lang,
    label: &str,
    series: &[(String, Vec<(f64, f64)>)],
    y_label: &str,
) -> Option<String> {
    let points: Vec<(f64, f64)> = series.iter().flat_map(|s| s.1.iter().copied()).collect();
    if points.len() < 2 {
        return None;
    }
    let fold = |f: fn(f64, f64) -> f64, init: f64, pick: fn(&(f64, f64)) -> f64| {
        points.iter().map(pick).fold(init, f)
    };
    let (x0, x1) = (
        fold(f64::min, f64::INFINITY, |p| p.0),
        fold(f64::max, f64::NEG_INFINITY, |p| p.0),
    );
    let (mut y0, mut y1) = (
        fold(f64::min, f64::INFINITY, |p| p.1),
        fold(f64::max, f64::NEG_INFINITY, |p| p.1),
    );
    y0 = y0.min(0.0);
    if y1 <= y0 {
        y1 = y0 + 1.0;
    }
    let (left, top, w, h) = (60.0, 10.0, WIDTH - 80.0, 200.0);
    let px = |x: f64| left + (x - x0) / (x1 - x0).max(1e-12) * w;
    let py = |y: f64| top + h - (y - y0) / (y1 - y0) * h;
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {:.0}\" width=\"100%\" role=\"img\" aria-label=\"{}\">", h + 40.0, escape(label));
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{:.0}\" x2=\"{:.0}\" y2=\"{:.0}\" stroke=\"#999\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{:.0}\" stroke=\"#999\"/>",
        top + h, left + w, top + h, top + h
    ));
    for y in [y0, (y0 + y1) / 2.0, y1] {
        svg.push_str(&format!(
            "<text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            left - 4.0,
            py(y) + 4.0,
            format_number(y)
        ));
    }
    for x in [x0, x1] {
        svg.push_str(&format!(
            "<text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"middle\">{x}</text>",
            px(x),
            top + h + 16.0
        ));
    }
    let mut legend = String::new();
    for (k, (name, pts)) in series.iter().enumerate() {
        let (colour, dash) = (SERIES[k % SERIES.len()], DASHES[k % DASHES.len()]);
        let path: Vec<String> = pts
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        svg.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\"><title>{}</title></polyline>",
            path.join(" "),
            escape(name)
        ));
        legend.push_str(&line_swatch(colour, dash, name));
    }
    svg.push_str(&format!(
        "</svg><p class=\"legend\">{legend}· y: {}; x: {}.</p>",
        escape(y_label),
        escape(&lang.t("chart.year"))
    ));
    Some(svg)
}

/// A stage of the governance timeline: number, first and last year, description.
pub struct Stage {
    pub number: i64,
    pub start: f64,
    pub end: f64,
    pub description: String,
}

/// Active arrangements per year as bars, the detected stages as labelled bands behind them.
pub fn timeline(lang: Lang, years: &[(f64, f64)], stages: &[Stage]) -> Option<String> {
    let (&(x0, _), &(x1, _)) = (years.first()?, years.last()?);
    let max = years.iter().map(|y| y.1).fold(1.0, f64::max);
    let (left, top, w, h) = (40.0, 18.0, WIDTH - 60.0, 160.0);
    let step = w / (x1 - x0 + 1.0);
    let px = |x: f64| left + (x - x0) * step;
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {:.0}\" width=\"100%\" role=\"img\" aria-label=\"{}\">", h + 40.0, escape(&lang.t("fig.timeline")));
    for (k, s) in stages.iter().enumerate() {
        let fill = if k % 2 == 0 { "#dde8f2" } else { "#eef3f8" };
        svg.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"0\" width=\"{:.1}\" height=\"{:.0}\" fill=\"{fill}\"><title>{}</title></rect><text x=\"{:.1}\" y=\"12\" font-size=\"11\">S{}</text>",
            px(s.start),
            (s.end - s.start + 1.0) * step,
            top + h,
            escape(&s.description),
            px(s.start) + 2.0,
            s.number
        ));
    }
    for &(year, n) in years {
        let bh = n / max * h;
        svg.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#2b6c9e\"><title>{}</title></rect>",
            px(year) + step * 0.15,
            top + h - bh,
            step * 0.7,
            escape(&lang.fill(
                "chart.active_title",
                &[("year", &year.to_string()), ("n", &n.to_string())]
            ))
        ));
    }
    svg.push_str(&format!(
        "<text x=\"{left}\" y=\"{:.0}\" font-size=\"11\">{x0}</text><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"end\">{x1}</text><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"end\">{max}</text>",
        top + h + 16.0,
        left + w,
        top + h + 16.0,
        left - 4.0,
        top + 10.0
    ));
    svg.push_str(&format!(
        "</svg><p class=\"legend\">{}</p>",
        escape(&lang.fill(
            "chart.timeline_legend",
            &[("max", &max.to_string()), ("n", &stages.len().to_string())]
        ))
    ));
    Some(svg)
}

/// One row of stages, `(label, [(first year, last year, name)])`.
pub type StageRow = (String, Vec<(i32, i32, String)>);

/// Stage rows on one time axis: the data-driven stages first, then each periodisation of the
/// literature, so that where their breaks agree and differ shows at a glance.
pub fn periodisations(lang: Lang, rows: &[StageRow]) -> Option<String> {
    let spans = rows.iter().flat_map(|r| r.1.iter());
    let x0 = spans.clone().map(|s| s.0).min()?;
    let x1 = spans.map(|s| s.1).max()?;
    let (left, row_h) = (130.0, 26.0);
    let w = WIDTH - left - 20.0;
    let step = w / f64::from(x1 - x0 + 1);
    let px = |x: i32| left + f64::from(x - x0) * step;
    let h = row_h * rows.len() as f64 + 24.0;
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {h:.0}\" width=\"100%\" role=\"img\" aria-label=\"{}\">", escape(&lang.t("fig.periodisations")));
    for (k, (label, stages)) in rows.iter().enumerate() {
        let y = row_h * k as f64;
        svg.push_str(&format!(
            "<text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y + 16.0,
            escape(label)
        ));
        for (j, (start, end, name)) in stages.iter().enumerate() {
            let fill = if j % 2 == 0 { "#2b6c9e" } else { "#8fb4d4" };
            svg.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{:.0}\" width=\"{:.1}\" height=\"{:.0}\" fill=\"{fill}\"><title>{}: {start}–{end}</title></rect>",
                px(*start),
                y + 4.0,
                f64::from(end - start + 1) * step - 1.0,
                row_h - 8.0,
                escape(name)
            ));
        }
    }
    let base = row_h * rows.len() as f64 + 14.0;
    svg.push_str(&format!(
        "<text x=\"{left}\" y=\"{base:.0}\" font-size=\"11\">{x0}</text><text x=\"{:.0}\" y=\"{base:.0}\" font-size=\"11\" text-anchor=\"end\">{x1}</text>",
        left + w
    ));
    svg.push_str(&format!(
        "</svg><p class=\"legend\">{}</p>",
        escape(&lang.t("chart.periodisations_legend"))
    ));
    Some(svg)
}

/// A network node: label, size (0–1) and the indices of the nodes it is tied to.
pub struct Node {
    pub label: String,
    pub size: f64,
    pub ties: Vec<usize>,
}

/// Nodes on a circle, ties as lines, node radius by `size`.
pub fn network(lang: Lang, label: &str, nodes: &[Node]) -> Option<String> {
    if nodes.is_empty() {
        return None;
    }
    let (cx, cy, r) = (WIDTH / 2.0, 260.0, 200.0);
    let at = |k: usize| {
        let angle = TAU * k as f64 / nodes.len() as f64 - TAU / 4.0;
        (cx + r * angle.cos(), cy + r * angle.sin())
    };
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} 520\" width=\"100%\" role=\"img\" aria-label=\"{}\">", escape(label));
    for (k, node) in nodes.iter().enumerate() {
        for &t in node.ties.iter().filter(|&&t| t > k) {
            let ((x1, y1), (x2, y2)) = (at(k), at(t));
            svg.push_str(&format!(
                "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"#9ecae1\" stroke-width=\"0.8\"/>"
            ));
        }
    }
    for (k, node) in nodes.iter().enumerate() {
        let (x, y) = at(k);
        let (lx, ly) = (cx + (x - cx) * 1.12, cy + (y - cy) * 1.12);
        let anchor = if lx < cx - 1.0 {
            "end"
        } else if lx > cx + 1.0 {
            "start"
        } else {
            "middle"
        };
        svg.push_str(&format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{:.1}\" fill=\"#08519c\"><title>{}</title></circle><text x=\"{lx:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"{anchor}\">{}</text>",
            3.0 + 9.0 * node.size,
            escape(&lang.fill(
                "chart.ties_title",
                &[("label", &node.label), ("n", &node.ties.len().to_string())]
            )),
            ly + 4.0,
            escape(&node.label)
        ));
    }
    svg.push_str(&format!(
        "</svg><p class=\"legend\">{}</p>",
        escape(&lang.fill("chart.network_legend", &[("label", label)]))
    ));
    Some(svg)
}

/// One step of the stage path: k, the criterion of its best segmentation, its break years.
pub struct PathStep {
    pub k: f64,
    pub criterion: f64,
    pub breaks: String,
    pub chosen: bool,
}

/// The stage path: the criterion against the number of stages k, the chosen k ringed and each
/// point labelled with its break years (how robust the chosen number is, at a glance).
pub fn stage_path(lang: Lang, steps: &[PathStep], criterion: &str) -> Option<String> {
    let (first, last) = (steps.first()?, steps.last()?);
    let fold = |f: fn(f64, f64) -> f64, init: f64| steps.iter().map(|s| s.criterion).fold(init, f);
    let (lo, mut hi) = (
        fold(f64::min, f64::INFINITY),
        fold(f64::max, f64::NEG_INFINITY),
    );
    if hi <= lo {
        hi = lo + 1.0;
    }
    let (left, top, w, h) = (70.0, 14.0, WIDTH - 160.0, 150.0);
    let px = |k: f64| left + (k - first.k) / (last.k - first.k).max(1.0) * w;
    let py = |v: f64| top + h - (v - lo) / (hi - lo) * h;
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {:.0}\" width=\"100%\" role=\"img\" aria-label=\"{}\">", h + 40.0, escape(&lang.t("fig.stage_path")));
    let points: Vec<String> = steps
        .iter()
        .map(|s| format!("{:.1},{:.1}", px(s.k), py(s.criterion)))
        .collect();
    svg.push_str(&format!(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#2b6c9e\" stroke-width=\"2\"/>",
        points.join(" ")
    ));
    for s in steps {
        let (x, y) = (px(s.k), py(s.criterion));
        let breaks = if s.breaks.is_empty() {
            lang.t("chart.no_breaks")
        } else {
            s.breaks.clone()
        };
        let title = lang.fill(
            "chart.path_title",
            &[
                ("k", &s.k.to_string()),
                ("criterion", criterion),
                ("value", &format_number(s.criterion)),
                ("breaks", &breaks),
            ],
        );
        svg.push_str(&format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"#2b6c9e\"><title>{}</title></circle><text x=\"{x:.1}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"middle\">k = {}</text>",
            escape(&title),
            top + h + 18.0,
            s.k
        ));
        if s.chosen {
            svg.push_str(&format!(
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"9\" fill=\"none\" stroke=\"#b2182b\" stroke-width=\"2\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#b2182b\">{}</text>",
                x + 12.0,
                y - 8.0,
                escape(&lang.fill("chart.chosen", &[("breaks", &breaks)]))
            ));
        }
    }
    for v in [lo, hi] {
        svg.push_str(&format!(
            "<text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            py(v) + 4.0,
            format_number(v)
        ));
    }
    svg.push_str(&format!(
        "</svg><p class=\"legend\">{}</p>",
        escape(&lang.fill(
            "chart.path_legend",
            &[("criterion", &criterion.to_uppercase())]
        ))
    ));
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hover_titles_speak_the_reports_language() {
        let bars = [(2000.0, 3.0)];
        assert!(timeline(Lang::En, &bars, &[])
            .unwrap()
            .contains("<title>2000: 3 active</title>"));
        assert!(timeline(Lang::Zh, &bars, &[])
            .unwrap()
            .contains("<title>2000 年：3 项生效</title>"));
        let nodes = [Node {
            label: "上海市".into(),
            size: 1.0,
            ties: vec![],
        }];
        assert!(network(Lang::Zh, "n", &nodes)
            .unwrap()
            .contains("<title>上海市：0 条联系</title>"));
    }

    #[test]
    fn charts_scale_their_data() {
        let stage = Stage {
            number: 1,
            start: 2000.0,
            end: 2001.0,
            description: "s".into(),
        };
        // Bars are 160 high at the maximum (2 active), so 1 active is 80.
        let t = timeline(Lang::En, &[(2000.0, 1.0), (2001.0, 2.0)], &[stage]).unwrap();
        assert!(t.contains("height=\"80.0\"") && t.contains("height=\"160.0\""));
        let nodes = [
            Node {
                label: "A".into(),
                size: 1.0,
                ties: vec![1],
            },
            Node {
                label: "B".into(),
                size: 0.0,
                ties: vec![0],
            },
        ];
        let n = network(Lang::En, "n", &nodes).unwrap();
        assert_eq!(n.matches("<line").count(), 1, "a tie is drawn once");
        assert!(n.contains("r=\"12.0\"") && n.contains("r=\"3.0\""));
        // x: 2000 → 60, 2010 → 880; y: 0 → 210, 1 → 10.
        let l = lines(
            Lang::En,
            "l",
            &[("s".into(), vec![(2000.0, 0.0), (2010.0, 1.0)])],
            "y",
        )
        .unwrap();
        assert!(l.contains("points=\"60.0,210.0 880.0,10.0\""));
        let b = bars(
            "b",
            &[("x".into(), 2.0), ("y".into(), 1.0)],
            "count",
            |_| BAR,
        )
        .unwrap();
        assert!(b.contains("width=\"520.0\"") && b.contains("width=\"260.0\""));
        assert!(
            lines(Lang::En, "empty", &[], "y").is_none()
                && network(Lang::En, "none", &[]).is_none()
        );
    }

    #[test]
    fn stage_path_rings_the_chosen_k() {
        let step = |k: f64, criterion: f64, breaks: &str, chosen: bool| PathStep {
            k,
            criterion,
            breaks: breaks.into(),
            chosen,
        };
        let steps = [
            step(1.0, -10.0, "", false),
            step(2.0, -30.0, "2000", true),
            step(3.0, -20.0, "2000;2010", false),
        ];
        // x: k 1 → 70, 3 → 810; y: −10 → 14 (the highest), −30 → 164.
        let svg = stage_path(Lang::En, &steps, "bic").unwrap();
        assert!(svg.contains("points=\"70.0,14.0 440.0,164.0 810.0,89.0\""));
        assert!(svg.contains("<circle cx=\"440.0\" cy=\"164.0\" r=\"9\""));
        assert_eq!(svg.matches("r=\"9\"").count(), 1, "one k is ringed");
        assert!(svg.contains("chosen: 2000") && svg.contains("breaks 2000;2010"));
        assert!(stage_path(Lang::En, &[], "bic").is_none());
    }
}
