//! Fragmentation by borders: effective mesh size of habitat per jurisdiction, cut at the
//! jurisdiction's boundary (CUT) and counted whole across it (CBC), and FRAGSTATS DIVISION/SPLIT.
//!
//! # Formulas
//! Habitat polygons are merged into patches (their union; each connected polygon is a patch).
//! In a reporting unit of area A_t, patch i has the area A_i inside the unit and A_i^cmpl in all.
//! CUT (Jaeger 2000): m_eff = (1/A_t) Σ A_i², patches clipped at the unit's boundary.
//! CBC (Moser et al. 2007): m_eff = (1/A_t) Σ A_i · A_i^cmpl.
//! CBC/CUT ≥ 1 measures fragmentation that exists only because of the administrative border.
//! DIVISION = 1 − Σ (A_i / A_t)², SPLIT = A_t² / Σ A_i² (FRAGSTATS class level, clipped pieces).
//! Areas in km² from the equal-area analysis CRS. Worked example (methods.md §5.3): a 100 km² unit
//! holding 50 km² of a 150 km² patch: CUT 25 km², CBC 75 km².
//!
//! # References
//! - Jaeger, J. A. G. (2000) Landscape division, splitting index, and effective mesh size.
//!   *Landscape Ecology* 15, 115–130, doi:10.1023/A:1008129329289.
//! - Moser, B., Jaeger, J. A. G., Tappeiner, U., Tasser, E. & Eiselt, B. (2007) Modification of
//!   the effective mesh size for measuring landscape fragmentation to solve the boundary
//!   problem. *Landscape Ecology* 22, 447–459, doi:10.1007/s10980-006-9023-0.
//! - McGarigal, K. (2015) FRAGSTATS help, v4.2 (DIVISION, SPLIT, MESH).

use std::collections::BTreeMap;

use geo::{Area, BooleanOps, BoundingRect, Geometry, MultiPolygon, Polygon};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::contract::{AnalysisModule, AnalysisOutput, Upstream};
use crate::error::{contain_panic, AnalysisError};
use crate::inputs::Inputs;
use crate::region::{Jurisdiction, Level, Region};
use crate::spec::{AnalysisSpec, OutputSpec, ParamDefault, ParamSpec, Params};
use crate::table::{round_to, unit_columns, Column, ColumnType, Table, Value};

pub const SPEC: AnalysisSpec = AnalysisSpec {
    name: "effective_mesh",
    title: "Fragmentation by borders: effective mesh size (CUT, CBC)",
    description: "Effective mesh size of habitat per jurisdiction with patches cut at the boundary (CUT) and counted whole across it (CBC); their ratio is fragmentation that exists only because of the border.",
    requires: &["jurisdictions"],
    requires_any: &["ecology", "lakes"],
    reads: &[],
    depends_on: &[],
    params: &[ParamSpec {
        name: "habitat",
        unit: None,
        default: ParamDefault::Text("auto"),
        min: None,
        max: None,
        description: "Layer whose polygons are habitat: ecology, lakes, or auto (ecology if present, else lakes).",
    }],
    outputs: &[OutputSpec {
        name: "synergy_jurisdiction",
        spatial: false,
        description: "Per jurisdiction: habitat area, CUT and CBC effective mesh size, their ratio, DIVISION and SPLIT.", columns: synergy_jurisdiction_columns }],
    references: &[
        "Jaeger, J. A. G. (2000) Landscape division, splitting index, and effective mesh size. Landscape Ecology 15, 115–130. doi:10.1023/A:1008129329289",
        "Moser, B. et al. (2007) Modification of the effective mesh size for measuring landscape fragmentation to solve the boundary problem. Landscape Ecology 22, 447–459. doi:10.1007/s10980-006-9023-0",
        "McGarigal, K. (2015) FRAGSTATS help, version 4.2.",
    ],
};

/// Habitat patches: connected polygons of the union, each with its complete area.
pub struct Patches {
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    patches: Vec<(Polygon, f64)>,
}

impl Patches {
    /// Merges habitat polygons into patches.
    pub fn new(habitat: &[MultiPolygon]) -> Result<Self, AnalysisError> {
        let union = contain_panic(
            || "union of the habitat polygons".into(),
            || geo::unary_union(habitat.iter()),
        )?;
        let patches: Vec<(Polygon, f64)> = union
            .0
            .into_iter()
            .map(|p| {
                let a = p.unsigned_area();
                (p, a)
            })
            .collect();
        let tree = RTree::bulk_load(
            patches
                .iter()
                .enumerate()
                .filter_map(|(i, (p, _))| {
                    p.bounding_rect().map(|r| {
                        GeomWithData::new(
                            Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                            i,
                        )
                    })
                })
                .collect(),
        );
        Ok(Self { tree, patches })
    }

    pub fn len(&self) -> usize {
        self.patches.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patches.is_empty()
    }
}

/// Mesh sizes of one reporting unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Mesh {
    pub unit_area_km2: f64,
    pub habitat_area_km2: f64,
    pub cut_km2: f64,
    pub cbc_km2: f64,
    pub division: f64,
    /// Undefined (None) without habitat.
    pub split: Option<f64>,
}

impl Mesh {
    /// CBC / CUT, undefined without habitat.
    pub fn cbc_cut_ratio(&self) -> Option<f64> {
        (self.cut_km2 > 0.0).then(|| self.cbc_km2 / self.cut_km2)
    }
}

/// CUT and CBC effective mesh size of the habitat inside `unit`.
pub fn mesh_of(unit: &MultiPolygon, patches: &Patches, name: &str) -> Result<Mesh, AnalysisError> {
    let unit_area = unit.unsigned_area();
    let mut pieces: Vec<(f64, f64)> = Vec::new(); // (area inside, complete patch area), m²
    if let Some(r) = unit.bounding_rect() {
        let envelope = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        for candidate in patches.tree.locate_in_envelope_intersecting(&envelope) {
            let (patch, complete) = &patches.patches[candidate.data];
            let inside = contain_panic(
                || format!("habitat clipped to {name}"),
                || MultiPolygon::new(vec![patch.clone()]).intersection(unit),
            )?;
            pieces.extend(
                inside
                    .iter()
                    .map(|p| (p.unsigned_area(), *complete))
                    .filter(|(a, _)| *a > 0.0),
            );
        }
    }
    Ok(Mesh::from_pieces(unit_area, &pieces))
}

impl Mesh {
    /// The mesh of a unit of `unit_area` m² holding habitat `pieces` (area inside the unit,
    /// complete area of its patch; m²): the one definition that vector and raster patches share.
    pub fn from_pieces(unit_area: f64, pieces: &[(f64, f64)]) -> Mesh {
        let km2 = 1e-6;
        let sum_sq: f64 = pieces.iter().map(|(a, _)| a * a).sum();
        let sum_cbc: f64 = pieces.iter().map(|(a, c)| a * c).sum();
        let (cut, cbc) = if unit_area > 0.0 {
            (sum_sq / unit_area, sum_cbc / unit_area)
        } else {
            (0.0, 0.0)
        };
        Mesh {
            unit_area_km2: unit_area * km2,
            habitat_area_km2: pieces.iter().map(|(a, _)| a).sum::<f64>() * km2,
            cut_km2: cut * km2,
            cbc_km2: cbc * km2,
            division: if unit_area > 0.0 {
                1.0 - sum_sq / (unit_area * unit_area)
            } else {
                1.0
            },
            split: (sum_sq > 0.0).then(|| unit_area * unit_area / sum_sq),
        }
    }
}

/// Which layer's polygons are habitat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HabitatChoice {
    /// `ecology` if the project has it, else `lakes`.
    Auto,
    Layer(&'static str),
}

/// Typed parameters of the effective mesh analysis.
#[derive(Debug, Clone)]
pub struct EffectiveMeshParams {
    pub habitat: HabitatChoice,
}

/// The mesh of every jurisdiction (in region order) and where the habitat came from.
#[derive(Debug, Clone)]
pub struct EffectiveMeshResult {
    pub habitat_layer: String,
    pub patches: usize,
    pub meshes: Vec<Mesh>,
}

fn habitat_layer(
    region: &Region,
    choice: HabitatChoice,
) -> Result<(String, Vec<MultiPolygon>), AnalysisError> {
    let name = match choice {
        HabitatChoice::Auto => ["ecology", "lakes"]
            .into_iter()
            .find(|k| region.layers.contains_key(*k)),
        HabitatChoice::Layer(kind) => Some(kind),
    }
    .filter(|k| region.layers.contains_key(*k))
    .ok_or_else(|| {
        let wanted = match choice {
            HabitatChoice::Auto => "ecology or lakes",
            HabitatChoice::Layer(kind) => kind,
        };
        AnalysisError::Input(format!(
            "effective_mesh: the project has no `{wanted}` habitat layer"
        ))
    })?;
    let table = &region.layers[name];
    let polygons = (0..table.len())
        .filter_map(|i| match table.geometry(i) {
            Some(Geometry::MultiPolygon(mp)) => Some(mp.clone()),
            Some(Geometry::Polygon(p)) => Some(MultiPolygon::new(vec![p.clone()])),
            _ => None,
        })
        .collect();
    Ok((name.to_string(), polygons))
}

/// The effective mesh analysis in the registry.
pub struct EffectiveMesh;

impl AnalysisModule for EffectiveMesh {
    type Params = EffectiveMeshParams;
    type Result = EffectiveMeshResult;
    type Summary = EffectiveMeshSummary;
    const SPEC: &'static AnalysisSpec = &SPEC;

    fn params(values: &Params) -> Result<EffectiveMeshParams, AnalysisError> {
        let habitat = match values.text("habitat")? {
            "auto" => HabitatChoice::Auto,
            "ecology" => HabitatChoice::Layer("ecology"),
            "lakes" => HabitatChoice::Layer("lakes"),
            other => {
                return Err(values.invalid(
                    "habitat",
                    format!("`{other}` is not ecology, lakes or auto"),
                ))
            }
        };
        Ok(EffectiveMeshParams { habitat })
    }

    /// The mesh of every jurisdiction of every level.
    fn run(
        inputs: &Inputs,
        params: &EffectiveMeshParams,
        _upstream: &Upstream,
    ) -> Result<EffectiveMeshResult, AnalysisError> {
        let region = &inputs.region;
        let (layer, habitat) = habitat_layer(region, params.habitat)?;
        let patches = Patches::new(&habitat)?;
        let meshes: Vec<Result<Mesh, AnalysisError>> = region
            .jurisdictions
            .par_iter()
            .map(|j: &Jurisdiction| {
                mesh_of(&j.geometry, &patches, &format!("{} ({})", j.code, j.name))
            })
            .collect();
        Ok(EffectiveMeshResult {
            habitat_layer: layer,
            patches: patches.len(),
            meshes: meshes.into_iter().collect::<Result<Vec<_>, _>>()?,
        })
    }

    fn output(
        inputs: &Inputs,
        _params: &EffectiveMeshParams,
        result: &EffectiveMeshResult,
    ) -> Result<AnalysisOutput, AnalysisError> {
        output(&inputs.region, result)
    }
}

fn output(region: &Region, result: &EffectiveMeshResult) -> Result<AnalysisOutput, AnalysisError> {
    let meshes = &result.meshes;
    let mut table = Table::new(
        "synergy_jurisdiction",
        synergy_jurisdiction_columns(),
        false,
    );
    // Per level, units ranked by the mesh size the border takes away (CBC − CUT, km²): the ratio
    // alone ranks slivers of large patches first.
    let mut per_level: BTreeMap<Level, Vec<(f64, f64, &Jurisdiction)>> = BTreeMap::new();
    for (j, m) in region.jurisdictions.iter().zip(meshes) {
        let ratio = m.cbc_cut_ratio();
        if let Some(r) = ratio {
            per_level
                .entry(j.level)
                .or_default()
                .push((m.cbc_km2 - m.cut_km2, r, j));
        }
        table.push(
            vec![
                j.code.as_str().into(),
                j.name.as_str().into(),
                j.level.name().into(),
                Value::Real(round_to(m.unit_area_km2, 6)),
                Value::Real(round_to(m.habitat_area_km2, 6)),
                Value::Real(round_to(m.cut_km2, 6)),
                Value::Real(round_to(m.cbc_km2, 6)),
                Value::from(ratio.map(|r| round_to(r, 6))),
                Value::Real(round_to(m.division, 9)),
                Value::from(m.split.map(|s| round_to(s, 6))),
            ],
            None,
        );
    }
    let mut levels = BTreeMap::new();
    for (level, mut units) in per_level {
        units.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.2.code.cmp(&b.2.code)));
        let most_fragmented_by_borders = units
            .iter()
            .take(5)
            .map(|(lost, r, j)| FragmentedUnit {
                code: j.code.clone(),
                name: j.name.clone(),
                cbc_minus_cut_km2: round_to(*lost, 3),
                cbc_cut_ratio: round_to(*r, 4),
            })
            .collect();
        levels.insert(
            level,
            MeshLevelSummary {
                units_with_habitat: units.len(),
                most_fragmented_by_borders,
            },
        );
    }
    let summary = EffectiveMeshSummary {
        habitat_layer: result.habitat_layer.clone(),
        patches: result.patches,
        levels,
    };
    AnalysisOutput::new::<EffectiveMesh>(vec![table], &summary)
}

/// The effective_mesh section of summary.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EffectiveMeshSummary {
    /// The layer whose polygons are the habitat.
    pub habitat_layer: String,
    /// Habitat patches: connected pieces of the union of the habitat polygons.
    pub patches: usize,
    /// Per level with habitat, from the top of the hierarchy down.
    pub levels: BTreeMap<Level, MeshLevelSummary>,
}

/// The units of one level that hold habitat, and those the border fragments most.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MeshLevelSummary {
    /// Units with habitat (those with a CBC/CUT ratio).
    pub units_with_habitat: usize,
    /// The five units losing most mesh size to the border (CBC − CUT), largest first: the
    /// ratio alone would rank slivers of large patches first.
    pub most_fragmented_by_borders: Vec<FragmentedUnit>,
}

/// A unit and the mesh size its border takes away.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FragmentedUnit {
    /// Jurisdiction code.
    pub code: String,
    /// Jurisdiction name.
    pub name: String,
    /// CBC − CUT effective mesh size, km².
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub cbc_minus_cut_km2: f64,
    /// CBC / CUT (≥ 1, unitless).
    #[serde(deserialize_with = "crate::analysis::number::nan_if_null")]
    #[schemars(with = "Option<f64>")]
    pub cbc_cut_ratio: f64,
}

/// The columns of `synergy_jurisdiction` (its output spec reads them too).
fn synergy_jurisdiction_columns() -> Vec<Column> {
    unit_columns()
        .into_iter()
        .chain([
            Column::new(
                "unit_area_km2",
                ColumnType::Real,
                Some("km²"),
                "area of the jurisdiction",
            ),
            Column::new(
                "habitat_area_km2",
                ColumnType::Real,
                Some("km²"),
                "habitat inside it",
            ),
            Column::new(
                "cut_mesh_km2",
                ColumnType::Real,
                Some("km²"),
                "effective mesh size, patches cut at the boundary (CUT)",
            ),
            Column::new(
                "cbc_mesh_km2",
                ColumnType::Real,
                Some("km²"),
                "effective mesh size, patches counted whole (CBC)",
            ),
            Column::new(
                "cbc_cut_ratio",
                ColumnType::Real,
                None,
                "CBC / CUT: fragmentation by the border alone",
            ),
            Column::new(
                "division",
                ColumnType::Real,
                None,
                "FRAGSTATS DIVISION of the habitat",
            ),
            Column::new(
                "split",
                ColumnType::Real,
                None,
                "FRAGSTATS SPLIT of the habitat",
            ),
        ])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon {
        MultiPolygon::new(vec![
            polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)],
        ])
    }

    /// methods.md §5.3: a 100 km² county holding 50 km² of a 150 km² forest patch.
    #[test]
    fn worked_example_cut_25_cbc_75() {
        let county = rect(0.0, 0.0, 10_000.0, 10_000.0);
        let forest = rect(5_000.0, 0.0, 20_000.0, 10_000.0); // 150 km², half of the county's width
        let patches = Patches::new(&[forest]).unwrap();
        let m = mesh_of(&county, &patches, "county").unwrap();
        assert!((m.cut_km2 - 25.0).abs() < 1e-9, "{m:?}");
        assert!((m.cbc_km2 - 75.0).abs() < 1e-9, "{m:?}");
        assert!((m.cbc_cut_ratio().unwrap() - 3.0).abs() < 1e-12);
        assert!((m.division - 0.75).abs() < 1e-12);
        assert!((m.split.unwrap() - 4.0).abs() < 1e-12);
    }

    #[test]
    fn touching_habitat_merges_and_no_habitat_is_undefined() {
        let unit = rect(0.0, 0.0, 10_000.0, 10_000.0);
        // Two adjacent polygons form one 40 km² patch wholly inside: CUT = CBC = 16 km².
        let patches = Patches::new(&[
            rect(0.0, 0.0, 2_000.0, 10_000.0),
            rect(2_000.0, 0.0, 4_000.0, 10_000.0),
        ])
        .unwrap();
        assert_eq!(patches.len(), 1);
        let m = mesh_of(&unit, &patches, "unit").unwrap();
        assert!((m.cut_km2 - 16.0).abs() < 1e-9 && (m.cbc_km2 - 16.0).abs() < 1e-9);
        let empty = Patches::new(&[rect(50_000.0, 0.0, 51_000.0, 1_000.0)]).unwrap();
        let none = mesh_of(&unit, &empty, "unit").unwrap();
        assert_eq!(
            (none.cut_km2, none.cbc_cut_ratio(), none.split),
            (0.0, None, None)
        );
    }
}
