//! The QGIS project written beside `results.gpkg` (`results.qgs`): every feature layer of the
//! GeoPackage, grouped by analysis, with classes, colours and legend labels, so that the results
//! open in QGIS in one step (double-click), styled, with no sub-layer dialog (mixed tables are
//! split by [`gpkg::layer_parts`]).
//!
//! The palettes are colour-blind safe: conflict types and LISA clusters from
//! [`borderscape_core::palette`] (the report's maps draw the same), levels in greys. Layer, group
//! and legend names are in the run's language, through a [`Labels`] lookup.

use std::fmt::Write as _;

use borderscape_core::analysis::REGISTRY;
use borderscape_core::geometry::union_rect;
use borderscape_core::palette::{CONFLICT_TYPES, LISA_CLUSTERS};
use borderscape_core::table::Table;
use geo::BoundingRect;
use quick_xml::escape::escape;

use crate::gpkg::{self, Part, Shape};

/// The project's words in the run's language, by the report's label keys (`table.<name>` for a
/// layer, `analysis.<name>` for a group, `cat.<value>` for a legend class, `qgis.*` for the
/// rest): the report crate holds the labels, and io does not depend on it. `None` keeps the
/// code name (underscores as spaces).
pub type Labels<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Administrative levels: outline colour and width in mm.
const LEVELS: [(&str, &str, f64); 3] = [
    ("province", "#252525", 0.9),
    ("city", "#636363", 0.5),
    ("county", "#969696", 0.2),
];

/// Colour of anything a class list does not name.
const OTHER: &str = "#999999";

/// How one layer is drawn.
enum Style {
    /// One symbol of this colour.
    Single(&'static str),
    /// Classes of a column: (value, colour); values absent from the layer are left out.
    Categories(&'static str, Vec<(&'static str, &'static str)>),
}

/// The style of a table's layers, by table name.
fn style_of(table: &str) -> Style {
    match table {
        "conflicts" => Style::Categories("type", CONFLICT_TYPES.to_vec()),
        "lisa_clusters" => Style::Categories("cluster", LISA_CLUSTERS.to_vec()),
        "jurisdictions" | "borders" => {
            Style::Categories("level", LEVELS.iter().map(|(v, c, _)| (*v, *c)).collect())
        }
        "border_zones" => Style::Single("#fdb863"),
        "topology_issues" => Style::Single("#D55E00"),
        "river_sections" | "load_flows" => Style::Single("#0072B2"),
        _ => Style::Single(OTHER),
    }
}

/// "r,g,b,a" of `#rrggbb` with alpha `a`.
fn rgba(hex: &str, alpha: u8) -> String {
    let channel =
        |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("99"), 16).unwrap_or(153);
    format!("{},{},{},{alpha}", channel(1), channel(3), channel(5))
}

fn option(out: &mut String, name: &str, value: &str) {
    let _ = write!(
        out,
        r#"<Option type="QString" name="{}" value="{}"/>"#,
        escape(name),
        escape(value)
    );
}

/// A QGIS symbol (`<symbol>`) of `shape` in `colour`; `width_mm` for outlines and lines.
fn symbol(name: &str, shape: Shape, colour: &str, width_mm: f64, table: &str) -> String {
    let mut props = String::new();
    let (kind, class) = match shape {
        Shape::Polygons | Shape::Collections => {
            // Units and their borders are outlines; other areas are filled, half transparent.
            let outline_only = table == "jurisdictions";
            option(&mut props, "color", &rgba(colour, 140));
            option(
                &mut props,
                "style",
                if outline_only { "no" } else { "solid" },
            );
            option(
                &mut props,
                "outline_color",
                &rgba(if outline_only { colour } else { "#4d4d4d" }, 255),
            );
            option(&mut props, "outline_style", "solid");
            option(&mut props, "outline_width", &width_mm.to_string());
            option(&mut props, "outline_width_unit", "MM");
            ("fill", "SimpleFill")
        }
        Shape::Lines => {
            option(&mut props, "line_color", &rgba(colour, 255));
            option(&mut props, "line_style", "solid");
            option(&mut props, "line_width", &width_mm.max(0.4).to_string());
            option(&mut props, "line_width_unit", "MM");
            option(&mut props, "capstyle", "round");
            ("line", "SimpleLine")
        }
        Shape::Points => {
            option(&mut props, "name", "circle");
            option(&mut props, "color", &rgba(colour, 255));
            option(&mut props, "outline_color", "35,35,35,255");
            option(&mut props, "outline_width", "0.2");
            option(&mut props, "size", "2.4");
            option(&mut props, "size_unit", "MM");
            ("marker", "SimpleMarker")
        }
    };
    format!(
        r#"<symbol type="{kind}" name="{}" alpha="1" clip_to_extent="1" force_rhr="0"><layer class="{class}" enabled="1" locked="0" pass="0"><Option type="Map">{props}</Option></layer></symbol>"#,
        escape(name)
    )
}

/// The label of `key`, or `fallback` with underscores as spaces.
fn label(labels: Labels, key: &str, fallback: &str) -> String {
    labels(key).unwrap_or_else(|| fallback.replace('_', " "))
}

/// The `<renderer-v2>` of one layer, its classes labelled in the run's language.
fn renderer(table: &Table, part: &Part, shape: Shape, labels: Labels) -> String {
    let width = |value: &str| {
        LEVELS
            .iter()
            .find(|(v, ..)| *v == value)
            .map_or(0.3, |(_, _, w)| *w)
    };
    match style_of(&table.name) {
        Style::Single(colour) => format!(
            r#"<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0"><symbols>{}</symbols></renderer-v2>"#,
            symbol("0", shape, colour, 0.3, &table.name)
        ),
        Style::Categories(column, classes) => {
            let present: std::collections::BTreeSet<String> = table
                .column_index(column)
                .map(|c| {
                    part.rows
                        .iter()
                        .map(|&i| table.rows[i][c].to_text())
                        .collect()
                })
                .unwrap_or_default();
            let mut chosen: Vec<(&str, &str)> = classes
                .into_iter()
                .filter(|(value, _)| present.contains(*value))
                .collect();
            for value in &present {
                if !chosen.iter().any(|(v, _)| v == value) {
                    chosen.push((value, OTHER));
                }
            }
            let mut cats = String::new();
            let mut symbols = String::new();
            for (i, (value, colour)) in chosen.iter().enumerate() {
                let _ = write!(
                    cats,
                    r#"<category render="true" symbol="{i}" value="{}" label="{}" type="string"/>"#,
                    escape(*value),
                    escape(label(labels, &format!("cat.{value}"), value))
                );
                symbols.push_str(&symbol(
                    &i.to_string(),
                    shape,
                    colour,
                    width(value),
                    &table.name,
                ));
            }
            format!(
                r#"<renderer-v2 type="categorizedSymbol" attr="{}" symbollevels="0" enableorderby="0" forceraster="0"><categories>{cats}</categories><symbols>{symbols}</symbols></renderer-v2>"#,
                escape(column)
            )
        }
    }
}

/// Unit names as labels (with a white halo; CJK fonts first so Chinese names typeset).
fn labeling(field: &str) -> String {
    format!(
        r#"<labeling type="simple"><settings calloutType="simple"><text-style fieldName="{}" isExpression="0" fontFamily="Noto Sans CJK SC" fontSize="8" fontSizeUnit="Point" textColor="40,40,40,255" textOpacity="1"><text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="1"/></text-style><placement placement="0" dist="0"/><rendering obstacle="1" scaleVisibility="0" displayAll="0" limitNumLabels="0"/></settings></labeling>"#,
        escape(field)
    )
}

const WGS84_SRS: &str = "<spatialrefsys><wkt>GEOGCRS[\"WGS 84\",DATUM[\"World Geodetic System 1984\",ELLIPSOID[\"WGS 84\",6378137,298.257223563,LENGTHUNIT[\"metre\",1]]],PRIMEM[\"Greenwich\",0,ANGLEUNIT[\"degree\",0.0174532925199433]],CS[ellipsoidal,2],AXIS[\"geodetic latitude (Lat)\",north,ORDER[1],ANGLEUNIT[\"degree\",0.0174532925199433]],AXIS[\"geodetic longitude (Lon)\",east,ORDER[2],ANGLEUNIT[\"degree\",0.0174532925199433]],ID[\"EPSG\",4326]]</wkt><proj4>+proj=longlat +datum=WGS84 +no_defs</proj4><srsid>3452</srsid><srid>4326</srid><authid>EPSG:4326</authid><description>WGS 84</description><projectionacronym>longlat</projectionacronym><ellipsoidacronym>EPSG:7030</ellipsoidacronym><geographicflag>true</geographicflag></spatialrefsys>";

/// The QGIS `geometry` and `wkbType` of a layer.
fn qgis_types(shape: Shape, declared: &str) -> (&'static str, &'static str) {
    let geometry = match shape {
        Shape::Polygons => "Polygon",
        Shape::Lines => "Line",
        Shape::Points => "Point",
        Shape::Collections => "Unknown geometry",
    };
    let wkb = match declared {
        "POINT" => "Point",
        "MULTIPOINT" => "MultiPoint",
        "LINESTRING" => "LineString",
        "MULTILINESTRING" => "MultiLineString",
        "POLYGON" => "Polygon",
        "MULTIPOLYGON" => "MultiPolygon",
        "GEOMETRYCOLLECTION" => "GeometryCollection",
        _ => "Unknown",
    };
    (geometry, wkb)
}

/// Drawing order: points over lines over areas, the units' outlines at the bottom.
fn draw_rank(table: &str, shape: Shape) -> u8 {
    match (table, shape) {
        ("jurisdictions", _) => 9,
        (_, Shape::Points) => 0,
        (_, Shape::Lines) => 1,
        ("borders", _) => 2,
        (_, Shape::Collections) => 3,
        (_, Shape::Polygons) => 4,
    }
}

/// Shown when the project opens: the units, their borders and the conflicts.
fn visible(table: &str) -> bool {
    matches!(table, "jurisdictions" | "borders" | "conflicts")
}

/// The `.qgs` XML of a QGIS project over `gpkg_file` (a path relative to the project), which
/// holds `tables` as [`gpkg::write`] wrote them (geometries in WGS84); its layer, group and
/// legend names come from `labels`.
pub fn project_xml(title: &str, gpkg_file: &str, tables: &[&Table], labels: Labels) -> String {
    struct Layer<'t> {
        id: String,
        table: &'t Table,
        part: Part,
        shape: Shape,
        group: String,
        /// The layer's name in the layer tree.
        name: String,
        /// The layer in the GeoPackage, as QGIS's OGR provider names it.
        source: String,
    }
    let group_of = |name: &str| {
        REGISTRY
            .iter()
            .find(|a| a.spec.outputs.iter().any(|o| o.is_named(name)))
            .map_or_else(
                || label(labels, "qgis.other_layers", "Other layers"),
                |a| label(labels, &format!("analysis.{}", a.spec.name), a.spec.title),
            )
    };
    // A table split by geometry type names its part's shape: "Conflicts (points)".
    let name_of = |table: &Table, part: &Part, shape: Shape| {
        let name = label(labels, &format!("table.{}", table.name), &table.name);
        if part.name == table.name {
            return name;
        }
        let shape = label(labels, &format!("qgis.{}", shape.suffix()), shape.suffix());
        label(labels, "qgis.layer_part", "{layer} ({shape})")
            .replace("{layer}", &name)
            .replace("{shape}", &shape)
    };
    let mut layers: Vec<Layer> = Vec::new();
    for table in tables {
        for part in gpkg::layer_parts(table) {
            let Some(shape) = part.shape else { continue };
            layers.push(Layer {
                id: format!("{}_{:02}", part.name, layers.len()),
                source: format!("./{gpkg_file}|layername={}", part.name),
                table,
                group: group_of(&table.name),
                name: name_of(table, &part, shape),
                shape,
                part,
            });
        }
    }
    layers.sort_by_key(|l| draw_rank(&l.table.name, l.shape));

    let extent = tables
        .iter()
        .filter(|t| t.name == "jurisdictions")
        .flat_map(|t| t.geometries.iter().flatten().flatten())
        .filter_map(|g| g.bounding_rect())
        .reduce(union_rect);

    let mut tree = String::new();
    let mut groups: Vec<&str> = Vec::new();
    for layer in &layers {
        if !groups.contains(&layer.group.as_str()) {
            groups.push(&layer.group);
        }
    }
    for group in &groups {
        let _ = write!(
            tree,
            r#"<layer-tree-group name="{}" checked="Qt::Checked" expanded="1">"#,
            escape(*group)
        );
        for layer in layers.iter().filter(|l| l.group == *group) {
            let _ = write!(
                tree,
                r#"<layer-tree-layer id="{}" name="{}" source="{}" providerKey="ogr" checked="{}" expanded="1"/>"#,
                escape(&layer.id),
                escape(&layer.name),
                escape(&layer.source),
                if visible(&layer.table.name) {
                    "Qt::Checked"
                } else {
                    "Qt::Unchecked"
                }
            );
        }
        tree.push_str("</layer-tree-group>");
    }

    let mut maplayers = String::new();
    for layer in &layers {
        let declared = layer.part.geometry_type.unwrap_or("GEOMETRY");
        let (geometry, wkb) = qgis_types(layer.shape, declared);
        let named = layer.table.name == "jurisdictions";
        let _ = write!(
            maplayers,
            r#"<maplayer type="vector" geometry="{geometry}" wkbType="{wkb}" labelsEnabled="{}" hasScaleBasedVisibilityFlag="0" minScale="100000000" maxScale="0" autoRefreshEnabled="0" readOnly="0"><id>{}</id><datasource>{}</datasource><layername>{}</layername><srs>{WGS84_SRS}</srs><provider encoding="UTF-8">ogr</provider>{}{}</maplayer>"#,
            named as u8,
            escape(&layer.id),
            escape(&layer.source),
            escape(&layer.name),
            renderer(layer.table, &layer.part, layer.shape, labels),
            if named {
                labeling("name")
            } else {
                String::new()
            },
        );
    }
    let canvas = extent.map_or(String::new(), |r| {
        format!(
            r#"<mapcanvas name="theMapCanvas" annotationsVisible="1"><units>degrees</units><extent><xmin>{}</xmin><ymin>{}</ymin><xmax>{}</xmax><ymax>{}</ymax></extent><rotation>0</rotation><destinationsrs>{WGS84_SRS}</destinationsrs><rendermaptile>0</rendermaptile></mapcanvas>"#,
            r.min().x,
            r.min().y,
            r.max().x,
            r.max().y
        )
    });
    format!(
        r#"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis projectname="{title}" version="3.22.16-Białowieża">
<homePath path=""/>
<title>{title}</title>
<projectCrs>{WGS84_SRS}</projectCrs>
<layer-tree-group>{tree}</layer-tree-group>
{canvas}
<projectlayers>{maplayers}</projectlayers>
<properties><Paths><Absolute type="bool">false</Absolute></Paths></properties>
</qgis>
"#,
        title = escape(title),
    )
}
