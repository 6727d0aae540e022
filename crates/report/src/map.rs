//! Inline SVG maps. Coordinates are the analysis CRS (metres, y up), drawn into one frame shared
//! by every map of the report: the county outlines and the border lines are defined once (a
//! hidden `<defs>`), and each map only `<use>`s them with its own colours, which keeps a report
//! with a dozen maps of 305 counties near a megabyte.

use std::collections::{BTreeMap, HashMap};

use borderscape_core::palette::colour_of;
use borderscape_core::table::Table;
use geo::{BoundingRect, Centroid, Coord, Geometry, LineString, Rect, Simplify};

use crate::format::escape;
use crate::format::format_number;
use crate::labels::Lang;

/// Width of every map in SVG units; the height follows the region's aspect.
const WIDTH: f64 = 900.0;

/// Colours of the conflict classes, from none to many.
pub const CONFLICT_CLASSES: [(&str, &str); 5] = [
    ("0", "#bdbdbd"),
    ("1–2", "#fed976"),
    ("3–5", "#fd8d3c"),
    ("6–10", "#e31a1c"),
    ("> 10", "#800026"),
];

/// Sequential palette (ColorBrewer YlGnBu, 5 classes) for choropleths.
const SEQUENTIAL: [&str; 5] = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"];

fn conflict_class(n: usize) -> usize {
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

fn rings(g: &Geometry) -> Vec<&LineString> {
    match g {
        Geometry::Polygon(p) => std::iter::once(p.exterior()).chain(p.interiors()).collect(),
        Geometry::MultiPolygon(mp) => {
            mp.0.iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The units, borders and projection every map of one report shares.
pub struct Basemap<'a> {
    extent: Rect,
    scale: f64,
    height: f64,
    /// Row index in `jurisdictions` of each county-level (lowest level) unit, by code.
    units: BTreeMap<String, usize>,
    /// Centroid (SVG units) of every unit, by code.
    centroids: HashMap<String, (f64, f64)>,
    /// Row index in `jurisdictions` of each province (top level) unit.
    provinces: Vec<usize>,
    /// The borders table (county borders drawn coloured, province borders on top).
    borders: Option<&'a Table>,
    /// The language of legends and tooltips.
    lang: Lang,
}

impl<'a> Basemap<'a> {
    /// The frame of the jurisdictions table (`code`, `level`, polygons), or `None` without one.
    pub fn new(jurisdictions: &'a Table, borders: Option<&'a Table>, lang: Lang) -> Option<Self> {
        let geoms = jurisdictions.geometries.as_ref()?;
        let (code_c, level_c) = (
            jurisdictions.column_index("code")?,
            jurisdictions.column_index("level")?,
        );
        let extent = geoms
            .iter()
            .flatten()
            .filter_map(|g| g.bounding_rect())
            .reduce(borderscape_core::geometry::union_rect)?;
        let scale = WIDTH / extent.width().max(1.0);
        let level = |i: usize| jurisdictions.rows[i][level_c].to_text();
        let rank = |l: &str| match l {
            "province" => 0,
            "city" => 1,
            "county" => 2,
            _ => 3,
        };
        let lowest = (0..jurisdictions.len())
            .map(|i| rank(&level(i)))
            .max()
            .unwrap_or(0);
        let mut map = Basemap {
            extent,
            scale,
            height: extent.height() * scale,
            units: BTreeMap::new(),
            centroids: HashMap::new(),
            provinces: Vec::new(),
            borders,
            lang,
        };
        for (i, g) in geoms.iter().enumerate() {
            let Some(g) = g else { continue };
            let code = jurisdictions.rows[i][code_c].to_text();
            if let Some(c) = g.centroid() {
                map.centroids.insert(code.clone(), map.xy(c.0));
            }
            match rank(&level(i)) {
                0 if lowest > 0 => map.provinces.push(i),
                r if r == lowest => {
                    map.units.insert(code, i);
                }
                _ => {}
            }
        }
        Some(map)
    }

    fn xy(&self, c: Coord) -> (f64, f64) {
        (
            (c.x - self.extent.min().x) * self.scale,
            (self.extent.max().y - c.y) * self.scale,
        )
    }

    /// SVG path data of lines, simplified below a pixel.
    fn path(&self, parts: &[&LineString], closed: bool) -> String {
        let mut d = String::new();
        for part in parts {
            let simple = part.simplify(0.6 / self.scale);
            for (k, c) in simple.coords().enumerate() {
                let (x, y) = self.xy(*c);
                d.push_str(&format!("{}{x:.1} {y:.1}", if k == 0 { "M" } else { "L" }));
            }
            if closed {
                d.push('Z');
            }
        }
        d
    }

    /// The hidden definitions every map refers to: `u{row}` units, `p{row}` provinces,
    /// `b{row}` borders. Emit once, before the first map.
    pub fn defs(&self, jurisdictions: &Table) -> String {
        let mut svg = String::from(
            "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>",
        );
        let geoms = jurisdictions.geometries.as_ref().expect("checked in new");
        for &i in self.units.values().chain(&self.provinces) {
            if let Some(g) = &geoms[i] {
                let prefix = if self.provinces.contains(&i) {
                    'p'
                } else {
                    'u'
                };
                svg.push_str(&format!(
                    "<path id=\"{prefix}{i}\" d=\"{}\"/>",
                    self.path(&rings(g), true)
                ));
            }
        }
        if let Some(borders) = self.borders {
            for (i, g) in borders.geometries.iter().flatten().enumerate() {
                if let Some(g) = g {
                    svg.push_str(&format!(
                        "<path id=\"b{i}\" d=\"{}\"/>",
                        self.path(&lines(g), false)
                    ));
                }
            }
        }
        svg.push_str("</defs></svg>");
        svg
    }

    fn open(&self, label: &str) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH:.0} {:.0}\" width=\"100%\" role=\"img\" aria-label=\"{}\" class=\"map\">",
            self.height,
            escape(label)
        )
    }

    /// Units filled by `fill(code)` (with a tooltip), provinces outlined on top.
    fn units_layer(&self, fill: impl Fn(&str) -> (String, String)) -> String {
        let mut svg = String::new();
        for (code, i) in &self.units {
            let (colour, title) = fill(code);
            svg.push_str(&format!(
                "<use href=\"#u{i}\" fill=\"{colour}\" stroke=\"#fff\" stroke-width=\"0.3\"><title>{}</title></use>",
                escape(&title)
            ));
        }
        for i in &self.provinces {
            svg.push_str(&format!(
                "<use href=\"#p{i}\" fill=\"none\" stroke=\"#222\" stroke-width=\"1.2\"/>"
            ));
        }
        svg
    }

    fn scale_note(&self) -> String {
        self.lang.fill(
            "map.scale",
            &[
                ("width", &format!("{WIDTH:.0}")),
                ("km", &format!("{:.0}", self.extent.width() / 1000.0)),
            ],
        )
    }

    /// County borders coloured by their number of conflicts (`counts` by `a|b`), over the units.
    pub fn border_map(
        &self,
        title: &str,
        counts: &BTreeMap<(String, String), usize>,
    ) -> Option<String> {
        let borders = self.borders?;
        let (a_c, b_c, level_c) = (
            borders.column_index("a")?,
            borders.column_index("b")?,
            borders.column_index("level")?,
        );
        let mut svg = self.open(title);
        svg.push_str(&self.units_layer(|_| ("#f4f1e8".into(), String::new())));
        let geoms = borders.geometries.as_ref()?;
        // Quiet borders first, so that borders with conflicts lie on top.
        let mut order: Vec<(usize, usize)> = (0..borders.len())
            .filter(|&i| geoms[i].is_some() && borders.rows[i][level_c].to_text() == "county")
            .map(|i| {
                let key = (
                    borders.rows[i][a_c].to_text(),
                    borders.rows[i][b_c].to_text(),
                );
                (i, counts.get(&key).copied().unwrap_or(0))
            })
            .collect();
        order.sort_by_key(|&(_, n)| n);
        for (i, n) in order {
            let (colour, width) = (
                CONFLICT_CLASSES[conflict_class(n)].1,
                if n > 0 { 1.8 } else { 0.5 },
            );
            let row = &borders.rows[i];
            svg.push_str(&format!(
                "<use href=\"#b{i}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\"><title>{}</title></use>",
                escape(&self.lang.fill(
                    "map.conflicts_tip",
                    &[
                        ("a", &row[a_c].to_text()),
                        ("b", &row[b_c].to_text()),
                        ("n", &n.to_string())
                    ]
                ))
            ));
        }
        svg.push_str("</svg>");
        let mut legend = format!(
            "<p class=\"legend\">{} ",
            escape(&self.lang.t("map.conflict_legend"))
        );
        for (label, colour) in CONFLICT_CLASSES {
            legend.push_str(&swatch(colour, label));
        }
        legend.push_str(&format!(
            "· {} {}</p>",
            escape(&self.lang.t("map.province_borders")),
            escape(&self.scale_note())
        ));
        Some(format!("{svg}{legend}"))
    }

    /// County borders in grey, the `ranked` ones (most first) thick, dark and numbered by rank.
    pub fn ranked_borders(&self, title: &str, ranked: &[(String, String)]) -> Option<String> {
        let borders = self.borders?;
        let (a_c, b_c, level_c) = (
            borders.column_index("a")?,
            borders.column_index("b")?,
            borders.column_index("level")?,
        );
        let geoms = borders.geometries.as_ref()?;
        let mut svg = self.open(title);
        svg.push_str(&self.units_layer(|_| ("#f4f1e8".into(), String::new())));
        let mut marks = String::new();
        for (i, g) in geoms.iter().enumerate() {
            let Some(g) = g else { continue };
            if borders.rows[i][level_c].to_text() != "county" {
                continue;
            }
            let key = (
                borders.rows[i][a_c].to_text(),
                borders.rows[i][b_c].to_text(),
            );
            match ranked.iter().position(|r| *r == key) {
                None => svg.push_str(&format!(
                    "<use href=\"#b{i}\" fill=\"none\" stroke=\"#bdbdbd\" stroke-width=\"0.4\"/>"
                )),
                Some(rank) => {
                    svg.push_str(&format!(
                        "<use href=\"#b{i}\" fill=\"none\" stroke=\"#800026\" stroke-width=\"3.5\"><title>{}. {} | {}</title></use>",
                        rank + 1,
                        escape(&key.0),
                        escape(&key.1)
                    ));
                    if let Some(c) = g.centroid() {
                        let (x, y) = self.xy(c.0);
                        marks.push_str(&format!(
                            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"8\" fill=\"#fff\" stroke=\"#800026\"/><text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
                            y + 3.5,
                            rank + 1
                        ));
                    }
                }
            }
        }
        svg.push_str(&marks);
        svg.push_str(&format!(
            "</svg><p class=\"legend\">{} {}</p>",
            escape(&self.lang.t("map.province_borders")),
            escape(&self.scale_note())
        ));
        Some(svg)
    }

    /// Units coloured by quantile classes of a value (`unit` for the legend); grey without one.
    pub fn choropleth(
        &self,
        title: &str,
        values: &HashMap<String, f64>,
        unit: &str,
    ) -> Option<String> {
        let mut sorted: Vec<f64> = self
            .units
            .keys()
            .filter_map(|c| values.get(c))
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let breaks = quantile_breaks(&sorted);
        let classes = breaks.len() + 1;
        let steps = SEQUENTIAL.len() - 1;
        // Classes spread over the whole palette, the nearest colour for each (as the dashboard).
        let colour = |k: usize| {
            let last = (classes - 1).max(1);
            SEQUENTIAL[(2 * k * steps + last) / (2 * last)]
        };
        let class = |v: f64| breaks.iter().filter(|&&b| v >= b).count();
        let mut svg = self.open(title);
        svg.push_str(&self.units_layer(|code| match values.get(code) {
            Some(&v) if v.is_finite() => (
                colour(class(v)).into(),
                format!("{code}: {}", format_number(v)),
            ),
            _ => ("#e0e0e0".into(), format!("{code}: no value")),
        }));
        svg.push_str("</svg><p class=\"legend\">");
        for k in 0..classes {
            let members: Vec<f64> = sorted.iter().copied().filter(|&v| class(v) == k).collect();
            let (Some(&lower), Some(&upper)) = (members.first(), members.last()) else {
                continue;
            };
            let range = if lower == upper {
                format_number(lower)
            } else {
                format!("{}–{}", format_number(lower), format_number(upper))
            };
            svg.push_str(&swatch(colour(k), &range));
        }
        svg.push_str(&format!(
            "{} {}</p>",
            escape(&self.lang.fill("map.quintiles", &[("unit", unit)])),
            escape(&self.scale_note())
        ));
        Some(svg)
    }

    /// Units coloured by category (`palette` gives each category's colour, in legend order).
    pub fn categories(
        &self,
        title: &str,
        values: &HashMap<String, String>,
        palette: &[(&str, &'static str)],
    ) -> Option<String> {
        if values.is_empty() {
            return None;
        }
        let colour = |cat: &str| colour_of(palette, cat).unwrap_or("#e0e0e0");
        let mut svg = self.open(title);
        svg.push_str(&self.units_layer(|code| match values.get(code) {
            Some(cat) => (
                colour(cat).into(),
                format!("{code}: {}", self.lang.cat(cat)),
            ),
            None => ("#e0e0e0".into(), format!("{code}: no value")),
        }));
        svg.push_str("</svg><p class=\"legend\">");
        for (cat, colour) in palette {
            svg.push_str(&swatch(colour, &self.lang.cat(cat)));
        }
        svg.push_str(&format!(
            "· {} {}</p>",
            escape(&self.lang.t("map.no_value")),
            escape(&self.scale_note())
        ));
        Some(svg)
    }

    /// Arrows from unit to unit, width by the square root of the flow (`unit` for the legend).
    pub fn flows(
        &self,
        title: &str,
        flows: &[(String, String, f64)],
        unit: &str,
    ) -> Option<String> {
        let max = flows.iter().map(|f| f.2).fold(0.0, f64::max);
        if max <= 0.0 {
            return None;
        }
        let mut svg = self.open(title);
        svg.push_str("<defs><marker id=\"arrowhead\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"4\" markerHeight=\"4\" orient=\"auto\"><path d=\"M0 0L10 5L0 10z\" fill=\"#08519c\"/></marker></defs>");
        svg.push_str(&self.units_layer(|_| ("#f4f1e8".into(), String::new())));
        for (from, to, value) in flows {
            let (Some(&(x1, y1)), Some(&(x2, y2))) =
                (self.centroids.get(from), self.centroids.get(to))
            else {
                continue;
            };
            let width = 0.4 + 5.0 * (value / max).sqrt();
            svg.push_str(&format!(
                "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"#08519c\" stroke-opacity=\"0.75\" stroke-width=\"{width:.2}\" marker-end=\"url(#arrowhead)\"><title>{} → {}: {} {}</title></line>",
                escape(from),
                escape(to),
                format_number(*value),
                escape(unit)
            ));
        }
        svg.push_str(&format!(
            "</svg><p class=\"legend\">{} {}</p>",
            escape(&self.lang.fill(
                "map.flow_legend",
                &[("max", &format_number(max)), ("unit", unit)]
            )),
            escape(&self.scale_note())
        ));
        Some(svg)
    }
}

/// A legend entry: a colour swatch and its label.
pub fn swatch(colour: &str, label: &str) -> String {
    format!(
        "<span class=\"swatch\" style=\"background:{colour}\"></span>{} ",
        escape(label)
    )
}

/// Class breaks (the lower bounds of classes 2…) of sorted values at their quintiles; when a
/// fifth or more of the units share the lowest value (no habitat: a mesh of 0 km²), that value is
/// a class of its own and the quartiles of the others make the rest. The dashboard's
/// `quantileBreaks` (web/app.js) classes the same way, so a county has one class in both.
fn quantile_breaks(sorted: &[f64]) -> Vec<f64> {
    let lowest = sorted[0];
    let rest: Vec<f64> = sorted.iter().copied().filter(|&v| v > lowest).collect();
    let quantiles = |values: &[f64], n: usize| -> Vec<f64> {
        (1..n).map(|k| values[k * values.len() / n]).collect()
    };
    let mut breaks = if !rest.is_empty() && rest.len() * 5 <= sorted.len() * 4 {
        std::iter::once(rest[0])
            .chain(quantiles(&rest, 4))
            .collect()
    } else {
        quantiles(sorted, 5)
    };
    breaks.dedup();
    breaks.retain(|&b| b > lowest);
    breaks
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, polygon, MultiPolygon};

    #[test]
    fn quantile_breaks_match_the_dashboards() {
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile_breaks(&ten), [3.0, 5.0, 7.0, 9.0]);
        // Six of ten units without habitat: 0 is a class of its own.
        let tied = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_breaks(&tied), [1.0, 2.0, 3.0, 4.0]);
        // Nine of ten tied: two classes. (The expected values are what web/app.js gives.)
        let flat = [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 5.0];
        assert_eq!(quantile_breaks(&flat), [5.0]);
        assert_eq!(quantile_breaks(&[7.0]), Vec::<f64>::new());
    }

    fn square(x: f64, y: f64) -> Geometry {
        MultiPolygon::new(vec![polygon![(x: x, y: y), (x: x + 1000.0, y: y), (x: x + 1000.0, y: y + 1000.0), (x: x, y: y + 1000.0)]]).into()
    }

    #[test]
    fn maps_colour_units_and_borders_by_their_values() {
        let mut units = Table::of_text(
            "jurisdictions",
            &["code", "level"],
            &[["P", "province"], ["A", "county"], ["B", "county"]],
        );
        let mut province = square(0.0, 0.0);
        if let Geometry::MultiPolygon(mp) = &mut province {
            mp.0[0] = polygon![(x: 0.0, y: 0.0), (x: 2000.0, y: 0.0), (x: 2000.0, y: 1000.0), (x: 0.0, y: 1000.0)];
        }
        units.geometries = Some(vec![
            Some(province),
            Some(square(0.0, 0.0)),
            Some(square(1000.0, 0.0)),
        ]);
        let mut borders = Table::of_text("borders", &["a", "b", "level"], &[["A", "B", "county"]]);
        borders.geometries = Some(vec![Some(
            line_string![(x: 1000.0, y: 0.0), (x: 1000.0, y: 1000.0)].into(),
        )]);
        let map = Basemap::new(&units, Some(&borders), Lang::En).unwrap();
        // 2 km wide → 450 units per km; the border at x = 1 km is drawn at x = 450, y flipped.
        assert!(map
            .defs(&units)
            .contains("<path id=\"b0\" d=\"M450.0 450.0L450.0 0.0\"/>"));
        let counts = BTreeMap::from([(("A".to_string(), "B".to_string()), 8)]);
        let svg = map.border_map("t", &counts).unwrap();
        assert!(svg.contains("<use href=\"#b0\" fill=\"none\" stroke=\"#e31a1c\" stroke-width=\"1.8\"><title>A | B: 8 conflicts"));
        assert!(svg.contains("<use href=\"#p0\""), "provinces outlined");
        let values = HashMap::from([("A".to_string(), 1.0), ("B".to_string(), 5.0)]);
        let choropleth = map.choropleth("t", &values, "km²").unwrap();
        assert!(
            choropleth.contains("<use href=\"#u1\" fill=\"#ffffcc\""),
            "lowest class"
        );
        assert!(
            choropleth.contains("<use href=\"#u2\" fill=\"#253494\""),
            "highest class"
        );
        let flows = map
            .flows("t", &[("A".into(), "B".into(), 10.0)], "kg/yr")
            .unwrap();
        assert!(flows.contains("x1=\"225.0\" y1=\"225.0\" x2=\"675.0\" y2=\"225.0\" stroke=\"#08519c\" stroke-opacity=\"0.75\" stroke-width=\"5.40\""));
    }
}
