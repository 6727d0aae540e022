//! Borders: which jurisdictions of each level touch, where, and for how long; the zones along the
//! borders; and the gaps and overlaps between neighbours.
//!
//! # Method
//! Adjacency from shared boundary segments (exact vertex matching, then near-collinear matching
//! within `snap_tolerance_m`; see [`adjacency`]). A pair sharing a line of positive length is an
//! `edge` border (PySAL's rook contiguity); a pair touching only at points is a `point` border
//! (queen minus rook). `length_km` is the geodesic length on the WGS84 ellipsoid (Karney 2013) of
//! the shared line, not its planar length. Border zones: the shared line buffered by
//! `zone_width_m`, clipped to each side. Topology QA: see [`topology`].
//!
//! # Units
//! Lengths in km, areas in km² (zones) and m² (topology issues), distances in m.
//!
//! # References
//! - Anselin, L. (1988) *Spatial Econometrics: Methods and Models*, Kluwer (rook/queen contiguity).
//! - Rey, S. J. & Anselin, L. (2007) PySAL: a Python library of spatial analytical methods,
//!   *Review of Regional Studies* 37(1), 5–27 (`libpysal.weights.Rook/Queen`).
//! - Karney, C. F. F. (2013) Algorithms for geodesics, *J. Geodesy* 87, 43–55,
//!   doi:10.1007/s00190-012-0578-z.

pub mod zones;

use std::collections::BTreeMap;

use geo::{Area, Centroid, Geometry};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::contract::{AnalysisModule, AnalysisOutput, Upstream};
use crate::error::AnalysisError;
use crate::inputs::Inputs;
use crate::region::{Level, Region};
pub use crate::shared_borders::{borders_at_level, Border, BorderKind, LevelBorders};
use crate::spec::{AnalysisSpec, OutputSpec, ParamDefault, ParamSpec, Params};
use crate::table::{border_pair_columns, round_to, unit_columns, Column, ColumnType, Table, Value};
use crate::topology;
pub use crate::topology::{TopologyIssue, TopologyKind};
pub use zones::BorderZone;

pub const SPEC: AnalysisSpec = AnalysisSpec {
    name: "borders",
    title: "Borders, border zones and topology QA",
    description: "Which jurisdictions of each level touch, the shared boundary and its geodesic length, \
                  the zones within a distance of each border on both sides, and gaps/overlaps between neighbours.",
    requires: &["jurisdictions"],
    requires_any: &[],
    reads: &[],
    depends_on: &[],
    params: &[
        ParamSpec {
            name: "zone_width_m",
            unit: Some("m"),
            default: ParamDefault::Number(1000.0),
            min: Some(1.0),
            max: Some(50_000.0),
            description: "Width of the border zone on each side of a border.",
        },
        ParamSpec {
            name: "snap_tolerance_m",
            unit: Some("m"),
            default: ParamDefault::Number(1.0),
            min: Some(0.0),
            max: Some(1_000.0),
            description: "Boundary segments of two units that run within this distance of each other count as shared (0: exact vertices only, as PySAL).",
        },
        ParamSpec {
            name: "topology_min_area_m2",
            unit: Some("m²"),
            default: ParamDefault::Number(100.0),
            min: Some(0.0),
            max: Some(1_000_000_000.0),
            description: "Smallest gap or overlap between neighbours that is reported.",
        },
        ParamSpec {
            name: "levels",
            unit: None,
            default: ParamDefault::Text("all"),
            min: None,
            max: None,
            description: "Levels to analyse: `all` or a comma-separated list of province, city, county, township.",
        },
    ],
    outputs: &[
        OutputSpec { name: "borders", spatial: true, description: "One row per pair of touching units of one level (a < b), with the shared line.", columns: borders_columns },
        OutputSpec { name: "border_islands", spatial: false, description: "Units with no neighbour at their level.", columns: border_islands_columns },
        OutputSpec { name: "border_zones", spatial: true, description: "Land within zone_width_m of each edge border, one row per side.", columns: border_zones_columns },
        OutputSpec { name: "topology_issues", spatial: true, description: "Gaps and overlaps between units of one level.", columns: topology_issues_columns },
        OutputSpec { name: "jurisdictions", spatial: true, description: "Every unit of every level with its area and number of neighbours (the base map of the report and the dashboard).", columns: jurisdictions_columns },
    ],
    references: &[
        "Anselin, L. (1988) Spatial Econometrics: Methods and Models. Kluwer.",
        "Rey, S. J. & Anselin, L. (2007) PySAL: a Python library of spatial analytical methods. Review of Regional Studies 37(1), 5–27.",
        "Karney, C. F. F. (2013) Algorithms for geodesics. J. Geodesy 87, 43–55. doi:10.1007/s00190-012-0578-z",
    ],
};

/// Typed parameters of the borders analysis.
#[derive(Debug, Clone)]
pub struct BordersParams {
    pub zone_width_m: f64,
    pub snap_tolerance_m: f64,
    pub topology_min_area_m2: f64,
    /// `None` for every level present.
    pub levels: Option<Vec<Level>>,
}

impl BordersParams {
    pub fn from_params(params: &Params) -> Result<Self, AnalysisError> {
        let text = params.text("levels")?.trim();
        let levels = if text.eq_ignore_ascii_case("all") {
            None
        } else {
            let parsed: Option<Vec<Level>> = text.split(',').map(Level::parse).collect();
            Some(parsed.ok_or_else(|| AnalysisError::Param {
                analysis: SPEC.name.into(),
                param: "levels".into(),
                message: format!(
                    "`{text}` is not `all` or a list of province, city, county, township"
                ),
            })?)
        };
        Ok(Self {
            zone_width_m: params.number("zone_width_m")?,
            snap_tolerance_m: params.number("snap_tolerance_m")?,
            topology_min_area_m2: params.number("topology_min_area_m2")?,
            levels,
        })
    }
}

/// Everything the borders analysis finds.
#[derive(Debug, Clone)]
pub struct BordersResult {
    pub levels: Vec<LevelBorders>,
    pub zones: Vec<BorderZone>,
    pub topology: Vec<TopologyIssue>,
}

impl BordersResult {
    /// All borders of all levels, in output order.
    pub fn all_borders(&self) -> Vec<&Border> {
        self.levels.iter().flat_map(|l| &l.borders).collect()
    }
}

/// Runs the whole analysis.
pub fn run(region: &Region, params: &BordersParams) -> Result<BordersResult, AnalysisError> {
    let levels = params.levels.clone().unwrap_or_else(|| region.levels());
    let mut result = BordersResult {
        levels: Vec::new(),
        zones: Vec::new(),
        topology: Vec::new(),
    };
    for level in levels {
        let level_borders = borders_at_level(region, level, params.snap_tolerance_m)?;
        let indices = region.indices_at(level);
        result.topology.extend(topology::topology_issues(
            region,
            level,
            &indices,
            params.topology_min_area_m2,
            params.snap_tolerance_m.max(1.0),
        )?);
        result.levels.push(level_borders);
    }
    let all: Vec<Border> = result.all_borders().into_iter().cloned().collect();
    result.zones = zones::border_zones(region, &all, params.zone_width_m)?;
    Ok(result)
}

/// The `borders` table (geometry in the analysis CRS; point borders have none).
pub fn borders_table(region: &Region, borders: &[&Border]) -> Table {
    let mut table = Table::new("borders", borders_columns(), true);
    for border in borders {
        let (a, b) = (
            &region.jurisdictions[border.a],
            &region.jurisdictions[border.b],
        );
        let geometry = (!border.geometry.0.is_empty())
            .then(|| Geometry::MultiLineString(border.geometry.clone()));
        table.push(
            vec![
                a.code.as_str().into(),
                b.code.as_str().into(),
                a.name.as_str().into(),
                b.name.as_str().into(),
                border.level.name().into(),
                border.kind.name().into(),
                Value::Real(round_to(border.length_km, 6)),
                border.cross_province.into(),
                border.cross_city.into(),
            ],
            geometry,
        );
    }
    table
}

/// Every unit with its parent, planar area (the analysis CRS is equal-area) and neighbour count.
fn jurisdictions_table(region: &Region, borders: &[&Border]) -> Table {
    let mut neighbours = vec![0usize; region.jurisdictions.len()];
    for border in borders {
        neighbours[border.a] += 1;
        neighbours[border.b] += 1;
    }
    let mut table = Table::new("jurisdictions", jurisdictions_columns(), true);
    for (j, n) in region.jurisdictions.iter().zip(neighbours) {
        table.push(
            vec![
                j.code.as_str().into(),
                j.name.as_str().into(),
                j.level.name().into(),
                j.parent.as_deref().unwrap_or("").into(),
                Value::Real(round_to(j.geometry.unsigned_area() / 1e6, 6)),
                Value::Int(n as i64),
            ],
            Some(Geometry::MultiPolygon(j.geometry.clone())),
        );
    }
    table
}

/// The columns of `border_islands`.
fn border_islands_columns() -> Vec<Column> {
    unit_columns()
}

fn islands_table(region: &Region, result: &BordersResult) -> Table {
    let mut table = Table::new("border_islands", border_islands_columns(), false);
    for level in &result.levels {
        for &i in &level.islands {
            let j = &region.jurisdictions[i];
            table.push(
                vec![
                    j.code.as_str().into(),
                    j.name.as_str().into(),
                    level.level.name().into(),
                ],
                None,
            );
        }
    }
    table
}

fn zones_table(region: &Region, result: &BordersResult, borders: &[&Border]) -> Table {
    let mut table = Table::new("border_zones", border_zones_columns(), true);
    for zone in &result.zones {
        let border = borders[zone.border];
        let side = &region.jurisdictions[zone.side];
        table.push(
            vec![
                region.jurisdictions[border.a].code.as_str().into(),
                region.jurisdictions[border.b].code.as_str().into(),
                border.level.name().into(),
                side.code.as_str().into(),
                side.name.as_str().into(),
                Value::Real(round_to(zone.area_km2, 6)),
            ],
            Some(Geometry::MultiPolygon(zone.geometry.clone())),
        );
    }
    table
}

fn topology_table(region: &Region, result: &BordersResult) -> Result<Table, AnalysisError> {
    let mut table = Table::new("topology_issues", topology_issues_columns(), true);
    for issue in &result.topology {
        let codes: Vec<&str> = issue
            .units
            .iter()
            .map(|&i| region.jurisdictions[i].code.as_str())
            .collect();
        let (lon, lat) = match issue.geometry.centroid() {
            Some(c) => region.crs.unproject(c.x(), c.y())?,
            None => (f64::NAN, f64::NAN),
        };
        table.push(
            vec![
                issue.kind.name().into(),
                issue.level.name().into(),
                codes.join(";").into(),
                Value::Real(round_to(issue.area_m2, 3)),
                Value::Real(round_to(lon, 7)),
                Value::Real(round_to(lat, 7)),
            ],
            Some(Geometry::MultiPolygon(issue.geometry.clone())),
        );
    }
    Ok(table)
}

/// The borders section of summary.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BordersSummary {
    /// Width of the border zones on each side of a border, m.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub zone_width_m: f64,
    /// Per level, by level name.
    pub levels: BTreeMap<String, BorderLevelSummary>,
}

/// The borders and topology of one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BorderLevelSummary {
    /// Jurisdictions of the level.
    pub units: usize,
    /// Pairs sharing a line.
    pub edge_borders: usize,
    /// Pairs touching at corners only.
    pub point_borders: usize,
    /// Length of the edge borders, km.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub total_length_km: f64,
    /// Edge borders between units of two provinces.
    pub cross_province_edge_borders: usize,
    /// Their length, km.
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub cross_province_length_km: f64,
    /// Codes of the units with no neighbour at this level.
    pub islands: Vec<String>,
    /// Gaps between units found by the topology check.
    pub gaps: usize,
    /// Overlaps between units found by the topology check.
    pub overlaps: usize,
}

fn summary(region: &Region, result: &BordersResult, zone_width_m: f64) -> BordersSummary {
    let mut levels = BTreeMap::new();
    for level in &result.levels {
        let edges: Vec<&Border> = level
            .borders
            .iter()
            .filter(|b| b.kind == BorderKind::Edge)
            .collect();
        let cross: Vec<&&Border> = edges.iter().filter(|b| b.cross_province).collect();
        let count = |kind: TopologyKind| {
            result
                .topology
                .iter()
                .filter(|t| t.level == level.level && t.kind == kind)
                .count()
        };
        levels.insert(
            level.level.name().to_string(),
            BorderLevelSummary {
                units: region.indices_at(level.level).len(),
                edge_borders: edges.len(),
                point_borders: level.borders.len() - edges.len(),
                total_length_km: round_to(edges.iter().map(|b| b.length_km).sum(), 3),
                cross_province_edge_borders: cross.len(),
                cross_province_length_km: round_to(cross.iter().map(|b| b.length_km).sum(), 3),
                islands: level
                    .islands
                    .iter()
                    .map(|&i| region.jurisdictions[i].code.clone())
                    .collect(),
                gaps: count(TopologyKind::Gap),
                overlaps: count(TopologyKind::Overlap),
            },
        );
    }
    BordersSummary {
        zone_width_m,
        levels,
    }
}

/// The borders analysis in the registry.
pub struct Borders;

impl AnalysisModule for Borders {
    type Params = BordersParams;
    type Result = BordersResult;
    type Summary = BordersSummary;
    const SPEC: &'static AnalysisSpec = &SPEC;

    fn params(values: &Params) -> Result<BordersParams, AnalysisError> {
        BordersParams::from_params(values)
    }

    fn run(
        inputs: &Inputs,
        params: &BordersParams,
        _upstream: &Upstream,
    ) -> Result<BordersResult, AnalysisError> {
        let region = &inputs.region;
        run(region, params)
    }

    fn output(
        inputs: &Inputs,
        params: &BordersParams,
        result: &BordersResult,
    ) -> Result<AnalysisOutput, AnalysisError> {
        let region = &inputs.region;
        let borders = result.all_borders();
        AnalysisOutput::new::<Self>(
            vec![
                borders_table(region, &borders),
                islands_table(region, result),
                zones_table(region, result, &borders),
                topology_table(region, result)?,
                jurisdictions_table(region, &borders),
            ],
            &summary(region, result, params.zone_width_m),
        )
    }
}

/// The columns of `borders` (its output spec reads them too).
fn borders_columns() -> Vec<Column> {
    border_pair_columns()
        .into_iter()
        .chain([
            Column::text("level", "administrative level of both units"),
            Column::text("kind", "edge: shared line; point: corner contact only"),
            Column::new(
                "length_km",
                ColumnType::Real,
                Some("km"),
                "geodesic length of the shared line (WGS84)",
            ),
            Column::new(
                "cross_province",
                ColumnType::Bool,
                None,
                "the units lie in different provinces",
            ),
            Column::new(
                "cross_city",
                ColumnType::Bool,
                None,
                "the units lie in different cities",
            ),
        ])
        .collect()
}

/// The columns of `jurisdictions` (its output spec reads them too).
fn jurisdictions_columns() -> Vec<Column> {
    unit_columns()
        .into_iter()
        .chain([
            Column::text("parent", "code of the unit one level up (empty at the top)"),
            Column::new(
                "area_km2",
                ColumnType::Real,
                Some("km²"),
                "area in the equal-area analysis CRS",
            ),
            Column::new(
                "neighbours",
                ColumnType::Int,
                None,
                "units of the same level it touches (edge or point)",
            ),
        ])
        .collect()
}

/// The columns of `border_zones` (its output spec reads them too).
fn border_zones_columns() -> Vec<Column> {
    vec![
        Column::text("a", "code of the border's first unit"),
        Column::text("b", "code of the border's second unit"),
        Column::text("level", "administrative level"),
        Column::text("side", "code of the unit this part lies in"),
        Column::text("side_name", "name of that unit"),
        Column::new(
            "area_km2",
            ColumnType::Real,
            Some("km²"),
            "area of this side's zone",
        ),
    ]
}

/// The columns of `topology_issues` (its output spec reads them too).
fn topology_issues_columns() -> Vec<Column> {
    vec![
        Column::text("kind", "gap or overlap"),
        Column::text("level", "administrative level"),
        Column::text("units", "codes of the units involved, `;`-separated"),
        Column::new(
            "area_m2",
            ColumnType::Real,
            Some("m²"),
            "area of the gap or overlap",
        ),
        Column::new(
            "lon",
            ColumnType::Real,
            Some("°"),
            "longitude of its centroid (WGS84)",
        ),
        Column::new(
            "lat",
            ColumnType::Real,
            Some("°"),
            "latitude of its centroid (WGS84)",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::AnalysisCrs;
    use crate::region::Jurisdiction;
    use geo::{polygon, MultiPolygon};

    /// A square of side `size_m` with its lower-left corner at (x, y), in metres.
    fn square(x: f64, y: f64, size_m: f64) -> MultiPolygon {
        MultiPolygon::new(vec![polygon![
            (x: x, y: y), (x: x + size_m, y: y), (x: x + size_m, y: y + size_m), (x: x, y: y + size_m)
        ]])
    }

    fn unit(code: &str, parent: &str, geometry: MultiPolygon) -> Jurisdiction {
        Jurisdiction {
            code: code.into(),
            name: format!("unit {code}"),
            level: Level::County,
            parent: Some(parent.into()),
            geometry,
        }
    }

    /// The named fixture, in an Albers CRS centred on Shanghai (metres near the origin):
    /// - A and B share a 10 km edge (A in province P1, B in P2);
    /// - C touches B at one corner only;
    /// - D is an island;
    /// - E lies 50 m from F along 10 km: a gap strip only if enclosed, so G closes it;
    /// - H and I overlap by a 1 km × 100 m strip.
    fn fixture() -> Region {
        let crs = AnalysisCrs::albers_for_bounds(120.5, 30.5, 122.5, 32.0);
        let mut units = vec![
            Jurisdiction {
                code: "P1".into(),
                name: "province 1".into(),
                level: Level::Province,
                parent: None,
                geometry: square(-50_000.0, -50_000.0, 1.0),
            },
            Jurisdiction {
                code: "P2".into(),
                name: "province 2".into(),
                level: Level::Province,
                parent: None,
                geometry: square(-60_000.0, -60_000.0, 1.0),
            },
        ];
        units.push(unit("A", "P1", square(0.0, 0.0, 10_000.0)));
        units.push(unit("B", "P2", square(10_000.0, 0.0, 10_000.0)));
        units.push(unit("C", "P2", square(20_000.0, 10_000.0, 10_000.0)));
        units.push(unit("D", "P1", square(100_000.0, 100_000.0, 5_000.0)));
        // E (0..10 km) and F (10.05..20 km) with a 50 m gap, closed above and below by G.
        units.push(unit("E", "P1", square(0.0, -40_000.0, 10_000.0)));
        let f = polygon![(x: 10_050.0, y: -40_000.0), (x: 20_000.0, y: -40_000.0), (x: 20_000.0, y: -30_000.0), (x: 10_050.0, y: -30_000.0)];
        units.push(unit("F", "P1", MultiPolygon::new(vec![f])));
        let g = MultiPolygon::new(vec![
            polygon![(x: 0.0, y: -30_000.0), (x: 20_000.0, y: -30_000.0), (x: 20_000.0, y: -29_000.0), (x: 0.0, y: -29_000.0)],
            polygon![(x: 0.0, y: -41_000.0), (x: 20_000.0, y: -41_000.0), (x: 20_000.0, y: -40_000.0), (x: 0.0, y: -40_000.0)],
        ]);
        units.push(unit("G", "P1", g));
        units.push(unit("H", "P2", square(50_000.0, 0.0, 1_000.0)));
        units.push(unit("I", "P2", square(50_900.0, 0.0, 1_000.0)));
        Region::new("fixture", crs, units, BTreeMap::new())
    }

    fn params() -> BordersParams {
        BordersParams {
            zone_width_m: 1000.0,
            snap_tolerance_m: 1.0,
            topology_min_area_m2: 100.0,
            levels: Some(vec![Level::County]),
        }
    }

    fn find<'a>(
        result: &'a BordersResult,
        region: &Region,
        a: &str,
        b: &str,
    ) -> Option<&'a Border> {
        result
            .all_borders()
            .into_iter()
            .find(|x| region.jurisdictions[x.a].code == a && region.jurisdictions[x.b].code == b)
    }

    #[test]
    fn finds_edges_corners_islands_gaps_and_overlaps() {
        let region = fixture();
        let result = run(&region, &params()).unwrap();

        let ab = find(&result, &region, "A", "B").expect("A–B border");
        assert_eq!(ab.kind, BorderKind::Edge);
        // 10 km in an equal-area projection near its centre: geodesic length within 0.2 %.
        assert!((ab.length_km - 10.0).abs() < 0.02, "{}", ab.length_km);
        assert!(ab.cross_province && ab.cross_city);

        let bc = find(&result, &region, "B", "C").expect("B–C corner");
        assert_eq!(bc.kind, BorderKind::Point);
        assert_eq!(bc.length_km, 0.0);

        let islands: Vec<&str> = result.levels[0]
            .islands
            .iter()
            .map(|&i| region.jurisdictions[i].code.as_str())
            .collect();
        assert_eq!(islands, ["D"]);
        assert!(
            find(&result, &region, "E", "F").is_none(),
            "a 50 m gap is not a shared border"
        );

        let gaps: Vec<&TopologyIssue> = result
            .topology
            .iter()
            .filter(|t| t.kind == TopologyKind::Gap)
            .collect();
        assert_eq!(gaps.len(), 1);
        assert!(
            (gaps[0].area_m2 - 50.0 * 10_000.0).abs() < 1.0,
            "{}",
            gaps[0].area_m2
        );
        let gap_units: Vec<&str> = gaps[0]
            .units
            .iter()
            .map(|&i| region.jurisdictions[i].code.as_str())
            .collect();
        assert_eq!(gap_units, ["E", "F", "G"]);

        let overlaps: Vec<&TopologyIssue> = result
            .topology
            .iter()
            .filter(|t| t.kind == TopologyKind::Overlap)
            .collect();
        assert_eq!(overlaps.len(), 1);
        assert!((overlaps[0].area_m2 - 100.0 * 1_000.0).abs() < 1.0);
    }

    #[test]
    fn border_zones_cover_both_sides() {
        let region = fixture();
        let result = run(&region, &params()).unwrap();
        let borders = result.all_borders();
        let ab = borders
            .iter()
            .position(|b| {
                region.jurisdictions[b.a].code == "A" && region.jurisdictions[b.b].code == "B"
            })
            .unwrap();
        let sides: Vec<&BorderZone> = result.zones.iter().filter(|z| z.border == ab).collect();
        assert_eq!(sides.len(), 2);
        for zone in sides {
            // 1 km deep along the 10 km border; the round end caps fall outside both squares.
            assert!((zone.area_km2 - 10.0).abs() < 0.01, "{}", zone.area_km2);
        }
    }

    #[test]
    fn pipeline_tables_and_summary() {
        let inputs = crate::test_fixtures::unchecked(fixture());
        let mut params = Params::defaults(&SPEC);
        params.set("levels", crate::spec::ParamValue::Text("county".into()));
        let output = crate::analysis::find("borders").unwrap().run;
        let output = output(&inputs, &params, &Upstream::default())
            .unwrap()
            .output;
        let names: Vec<&str> = output.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "borders",
                "border_islands",
                "border_zones",
                "topology_issues",
                "jurisdictions"
            ]
        );
        // Every unit, with its parent, area and neighbour count (A touches B; D is an island).
        let units = &output.tables[4];
        let row = |code: &str| {
            units
                .rows
                .iter()
                .find(|r| r[0].to_text() == code)
                .unwrap()
                .clone()
        };
        assert_eq!(units.len(), inputs.region.jurisdictions.len());
        assert_eq!(row("A")[3].to_text(), "P1");
        assert_eq!(row("A")[4].as_f64(), Some(100.0));
        assert_eq!(row("A")[5].as_f64(), Some(1.0));
        assert_eq!(row("D")[4].as_f64(), Some(25.0));
        assert_eq!(row("D")[5].as_f64(), Some(0.0));
        assert_eq!(
            output.summary["levels"]["county"]["islands"],
            serde_json::json!(["D"])
        );
        assert_eq!(output.summary["levels"]["county"]["gaps"], 1);
        assert_eq!(output.summary["levels"]["county"]["point_borders"], 1);
    }
}
