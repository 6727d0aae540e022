//! Land cover from rasters: the exact class composition of every jurisdiction and every
//! border-zone side (cells weighted by the fraction inside, as exactextract), ecosystem-service
//! value from it (Xie et al. 2015 factors through each scheme's crosswalk), and habitat patches
//! with their CUT/CBC effective mesh size ([`fragmentation`]; CUT over the pieces of each patch
//! inside the unit, [`labels`]), per year.
//!
//! # Formulas
//! A_{u,k} = Σ_cells f_{u,c} · a_c · [class(c) = k], with f_{u,c} the exact fraction of cell c
//! inside unit u and a_c its area (ellipsoidal for a geographic raster); share = A_{u,k} / Σ_k A_{u,k}.
//! ESV_u = Σ_k A_{u,k} (ha) · Σ_f e_{row(k),f} · D (methods.md §4.2), over the terrestrial
//! classes: water cells more than half in the sea of `[layers.sea]` are the class [`SEA_CLASS`]
//! ([`sea`]), reported as `sea_km2` and valued apart only from an ESV row `sea`.
//!
//! # References
//! - Baston, D. (2022) exactextract: fast and accurate raster zonal statistics.
//! - Xie, G. et al. (2015) Journal of Natural Resources 30(8), 1243–1254.

pub mod coverage;
pub mod fragmentation;
pub mod labels;
pub mod sea;
pub mod summary;
pub mod zonal;

use std::collections::BTreeMap;

use geo::MultiPolygon;
use rayon::prelude::*;

use crate::inputs::Inputs;
use crate::raster;
use crate::raster::scheme::{is_sea, SEA, SEA_CLASS};
use crate::raster::{Grid, LandCoverLayer, RasterCrs, Scheme};

use super::borders::BordersResult;
use super::contract::{AnalysisModule, AnalysisOutput, Upstream};
use crate::analysis::effective_mesh::Mesh;
use crate::error::AnalysisError;
use crate::model::esv::EsvTables;
use crate::region::Region;
use crate::spec::{AnalysisSpec, OutputSpec, ParamDefault, ParamSpec, Params};
use crate::table::{round_to, unit_columns, Column, ColumnType, Table, Value};
use summary::{CellSize, LandCoverSummary, LandCoverYear, MissingClass, Resolution};
use zonal::Composition;

pub const SPEC: AnalysisSpec = AnalysisSpec {
    name: "landcover",
    title: "Land cover from rasters: composition, ecosystem-service value and fragmentation",
    description: "Exact class areas of every jurisdiction and border-zone side from land-cover rasters (cells weighted by the fraction inside), the ecosystem-service value they carry, and habitat patches with their CUT and CBC effective mesh size, per year.",
    requires: &["jurisdictions", "landcover"],
    requires_any: &[],
    reads: &["sea", "esv_factors", "esv_crosswalk"],
    depends_on: &["borders"],
    params: &[
        ParamSpec {
            name: "d_yuan_per_ha",
            unit: Some("yuan/ha"),
            default: ParamDefault::Number(3406.50),
            min: Some(0.0),
            max: Some(10_000_000.0),
            description: "Value of one equivalent factor, D (Xie et al. 2015: 2010 national average, 2010 prices).",
        },
        ParamSpec {
            name: "habitat",
            unit: None,
            default: ParamDefault::Text("scheme"),
            min: None,
            max: None,
            description: "Habitat classes for fragmentation: `scheme` (the scheme's habitat flags: forest, wetland, water) or a comma-separated list of class codes.",
        },
    ],
    outputs: &[
        OutputSpec { name: "landcover_jurisdiction", spatial: false, description: "Per jurisdiction (every level), year and class: area and share, cells weighted by the fraction inside.", columns: jurisdiction_columns },
        OutputSpec { name: "landcover_border_zone", spatial: false, description: "Per border, side of its border zone, year and class: area and share.", columns: border_zone_columns },
        OutputSpec { name: "landcover_esv", spatial: false, description: "Ecosystem-service value from land cover per jurisdiction (every level) and year.", columns: esv_columns },
        OutputSpec { name: "landcover_esv_border_zone", spatial: false, description: "Ecosystem-service value from land cover per border, border-zone side and year.", columns: esv_border_zone_columns },
        OutputSpec { name: "landcover_fragmentation", spatial: false, description: "Per jurisdiction (every level) and year: habitat area, patches (8-neighbour), mean patch area, and effective mesh size with patches cut at the boundary (CUT) and counted whole (CBC).", columns: fragmentation_columns },
        OutputSpec { name: "landcover_transitions", spatial: false, description: "Per jurisdiction (every level) and pair of consecutive years: the area that went from each class to each class (unchanged included).", columns: transition_columns },
        OutputSpec { name: "landcover_border_patches", spatial: false, description: "Per border and year: the habitat patches it cuts (patches with cells on both sides).", columns: border_patch_columns },
    ],
    references: &[
        "Baston, D. (2022) exactextract: fast and accurate raster zonal statistics. https://github.com/isciences/exactextract",
        "Xie, G., Zhang, C., Zhang, L., Chen, W. & Li, S. (2015) 基于单位面积价值当量因子的生态系统服务价值化方法改进. 自然资源学报 Journal of Natural Resources 30(8), 1243–1254.",
        "Jaeger, J. A. G. (2000) Landscape division, splitting index, and effective mesh size. Landscape Ecology 15, 115–130. doi:10.1023/A:1008129329289",
        "Moser, B. et al. (2007) Modification of the effective mesh size for measuring landscape fragmentation to solve the boundary problem. Landscape Ecology 22, 447–459. doi:10.1007/s10980-006-9023-0",
        "McGarigal, K. (2015) FRAGSTATS help, version 4.2 (8-neighbour patch rule, NP, AREA_MN).",
        "Snyder, J. P. (1987) Map projections: a working manual. USGS Professional Paper 1395 (ellipsoidal cell areas, eq. 3-12).",
    ],
};

/// Typed parameters.
#[derive(Debug, Clone)]
pub struct LandCoverParams {
    pub d_yuan_per_ha: f64,
    /// Habitat class codes; None: the scheme's habitat flags.
    pub habitat: Option<Vec<u16>>,
}

/// One year's compositions: of every jurisdiction (region order) and every border-zone side
/// (the borders analysis's zone order).
#[derive(Debug, Clone)]
pub struct YearComposition {
    pub year: i32,
    pub units: Vec<Composition>,
    pub zones: Vec<Composition>,
    /// Per jurisdiction: its mesh and its number of habitat patches.
    pub meshes: Vec<(Mesh, usize)>,
    /// Per border of [`LandCoverResult::borders`]: the patches it cuts and their complete area, m².
    pub cut_patches: Vec<(usize, f64)>,
    pub patches: usize,
}

/// Compositions of every year, oldest first.
#[derive(Debug, Clone)]
pub struct LandCoverResult {
    pub years: Vec<YearComposition>,
    /// Per border-zone side: the border's units a and b and the side's unit (region indices).
    pub zone_sides: Vec<(usize, usize, usize)>,
    /// The borders (units a and b) of `cut_patches`.
    pub borders: Vec<(usize, usize)>,
    /// Per pair of consecutive years (from, to): every jurisdiction's transition areas, keyed
    /// [`transition_key`].
    pub transitions: Vec<(i32, i32, Vec<Composition>)>,
}

/// The key of a transition from class `from` to class `to`.
pub fn transition_key(from: u16, to: u16) -> u32 {
    (u32::from(from) << 16) | u32::from(to)
}

/// The analysis in the registry.
pub struct LandCover;

impl AnalysisModule for LandCover {
    type Params = LandCoverParams;
    type Result = LandCoverResult;
    type Summary = LandCoverSummary;
    const SPEC: &'static AnalysisSpec = &SPEC;

    fn params(values: &Params) -> Result<LandCoverParams, AnalysisError> {
        let habitat = match values.text("habitat")?.trim() {
            "scheme" => None,
            list => Some(
                list.split(',')
                    .map(|c| c.trim().parse::<u16>())
                    .collect::<Result<Vec<u16>, _>>()
                    .map_err(|_| values.invalid("habitat", format!("`{list}` is not `scheme` or a list of class codes (e.g. `1,2,3,4,5,11,0`)")))?,
            ),
        };
        Ok(LandCoverParams {
            d_yuan_per_ha: values.number("d_yuan_per_ha")?,
            habitat,
        })
    }

    fn run(
        inputs: &Inputs,
        params: &LandCoverParams,
        upstream: &Upstream,
    ) -> Result<LandCoverResult, AnalysisError> {
        let region = &inputs.region;
        if inputs.rasters.is_empty() {
            return Err(AnalysisError::Input(
                "landcover: the project has no land-cover raster".into(),
            ));
        }
        let (zone_polygons, zone_sides): (Vec<&MultiPolygon>, Vec<(usize, usize, usize)>) =
            match upstream.get::<BordersResult>() {
                Some(b) => {
                    let borders = b.all_borders();
                    b.zones
                        .iter()
                        .map(|z| {
                            let border = borders[z.border];
                            (&z.geometry, (border.a, border.b, z.side))
                        })
                        .unzip()
                }
                None => Default::default(),
            };
        let borders: Vec<(usize, usize)> = upstream
            .get::<BordersResult>()
            .map(|b| b.all_borders().iter().map(|b| (b.a, b.b)).collect())
            .unwrap_or_default();
        let mut years = Vec::new();
        for layer in &inputs.rasters {
            let grid = layer.source.grid();
            let polygons: Vec<MultiPolygon> = region
                .jurisdictions
                .iter()
                .map(|j| &j.geometry)
                .chain(zone_polygons.iter().copied())
                .map(|p| zonal::to_raster_crs(p, &region.crs, grid))
                .collect::<Result<_, _>>()?;
            let failed = |e: String| AnalysisError::Input(format!("{}: {e}", layer.file));
            let mut habitat = vec![false; 1 << 16];
            match &params.habitat {
                Some(codes) => codes.iter().for_each(|c| habitat[*c as usize] = true),
                None => layer
                    .scheme
                    .classes
                    .iter()
                    .filter(|(_, c)| c.habitat)
                    .for_each(|(k, _)| habitat[*k as usize] = true),
            }
            // The sea is not habitat, whatever the list says ([`sea`]).
            habitat[SEA_CLASS as usize] = false;
            let fragmentation::Survey {
                classes: mut all,
                pieces,
                patches,
            } = fragmentation::survey(
                layer.source.as_ref(),
                &polygons,
                region.jurisdictions.len(),
                &habitat,
            )
            .map_err(failed)?;
            let zones = all.split_off(region.jurisdictions.len());
            let meshes = all
                .iter()
                .zip(&pieces)
                .map(|(c, p)| fragmentation::mesh(c.total_m2() + c.nodata_m2, p, &patches))
                .collect();
            let inside: Vec<Vec<(u32, f64)>> = pieces
                .par_iter()
                .map(fragmentation::Pieces::by_patch)
                .collect();
            let cut_patches = borders
                .par_iter()
                .map(|&(a, b)| {
                    let both = shared_patches(&inside[a], &inside[b]);
                    let area = both
                        .iter()
                        .map(|id| patches.complete_m2[*id as usize])
                        .sum();
                    (both.len(), area)
                })
                .collect();
            years.push(YearComposition {
                year: layer.year,
                units: all,
                meshes,
                cut_patches,
                patches: patches.count,
                zones,
            });
        }
        let units: Vec<&MultiPolygon> = region.jurisdictions.iter().map(|j| &j.geometry).collect();
        let transitions = inputs
            .rasters
            .windows(2)
            .map(|pair| transitions(region, &units, &pair[0], &pair[1]))
            .collect::<Result<_, _>>()?;
        Ok(LandCoverResult {
            years,
            zone_sides,
            borders,
            transitions,
        })
    }

    fn output(
        inputs: &Inputs,
        params: &LandCoverParams,
        result: &LandCoverResult,
    ) -> Result<AnalysisOutput, AnalysisError> {
        let region = &inputs.region;
        let esv = &inputs.model.rules.esv;
        let mut units = Table::new("landcover_jurisdiction", jurisdiction_columns(), false);
        let mut zones = Table::new("landcover_border_zone", border_zone_columns(), false);
        let mut values = Table::new("landcover_esv", esv_columns(), false);
        let mut zone_values = Table::new(
            "landcover_esv_border_zone",
            esv_border_zone_columns(),
            false,
        );
        let mut fragmentation =
            Table::new("landcover_fragmentation", fragmentation_columns(), false);
        let mut cut = Table::new("landcover_border_patches", border_patch_columns(), false);
        let mut changes = Table::new("landcover_transitions", transition_columns(), false);
        for (from, to, comps) in &result.transitions {
            for (j, comp) in region.jurisdictions.iter().zip(comps) {
                for (key, m2) in comp.classes.iter().filter(|c| c.1 >= 0.5) {
                    changes.push(
                        vec![
                            j.code.as_str().into(),
                            j.name.as_str().into(),
                            j.level.name().into(),
                            Value::Int((*from).into()),
                            Value::Int((*to).into()),
                            Value::Int((key >> 16).into()),
                            Value::Int((key & 0xffff).into()),
                            Value::Real(round_to(m2 / 10_000.0, 4)),
                        ],
                        None,
                    );
                }
            }
        }
        let mut years_summary = Vec::new();
        let mut warnings = Vec::new();
        let finest = region.levels().last().copied();
        for (layer, year) in inputs.rasters.iter().zip(&result.years) {
            let scheme = &layer.scheme;
            let d = params.d_yuan_per_ha;
            for (j, comp) in region.jurisdictions.iter().zip(&year.units) {
                let head = [
                    j.code.as_str().into(),
                    j.name.as_str().into(),
                    j.level.name().into(),
                ];
                push_classes(&mut units, &head, year.year, comp, scheme);
                let mut row = head.to_vec();
                row.extend(value_row(year.year, comp, scheme, esv, d));
                values.push(row, None);
            }
            // Unmapped classes and nodata are summed over the finest level (no double count).
            let finest_units: Vec<&Composition> = region
                .jurisdictions
                .iter()
                .zip(&year.units)
                .filter(|(j, _)| Some(j.level) == finest)
                .map(|(_, c)| c)
                .collect();
            let nodata_ha: f64 = finest_units.iter().map(|c| c.nodata_m2 / 10_000.0).sum();
            let sea_ha: f64 = finest_units
                .iter()
                .map(|c| marine_esv_of(c, scheme, esv, d).0)
                .sum();
            let unmapped = missing_from_crosswalk(finest_units, scheme, esv);
            let file = std::path::Path::new(&layer.file)
                .file_name()
                .map(|f| f.to_string_lossy());
            warnings.extend(
                crosswalk_warning(layer, &unmapped)
                    .map(|w| format!("{}: {w}", file.clone().unwrap_or_default())),
            );
            for (&(a, b, side), comp) in result.zone_sides.iter().zip(&year.zones) {
                let (a, b) = (&region.jurisdictions[a].code, &region.jurisdictions[b].code);
                let (a, b) = if a <= b { (a, b) } else { (b, a) };
                let head = [
                    a.as_str().into(),
                    b.as_str().into(),
                    region.jurisdictions[side].code.as_str().into(),
                ];
                push_classes(&mut zones, &head, year.year, comp, scheme);
                let mut row = head.to_vec();
                row.extend(value_row(year.year, comp, scheme, esv, d));
                zone_values.push(row, None);
            }
            for (j, (m, np)) in region.jurisdictions.iter().zip(&year.meshes) {
                let km2 = |x: f64| Value::Real(round_to(x, 6));
                fragmentation.push(
                    vec![
                        j.code.as_str().into(),
                        j.name.as_str().into(),
                        j.level.name().into(),
                        Value::Int(year.year.into()),
                        km2(m.unit_area_km2),
                        km2(m.habitat_area_km2),
                        Value::Int(*np as i64),
                        Value::from(
                            (*np > 0).then(|| round_to(m.habitat_area_km2 / *np as f64, 6)),
                        ),
                        km2(m.cut_km2),
                        km2(m.cbc_km2),
                        Value::from(m.cbc_cut_ratio().map(|r| round_to(r, 6))),
                    ],
                    None,
                );
            }
            for (&(a, b), (n, area)) in result.borders.iter().zip(&year.cut_patches) {
                let (a, b) = (&region.jurisdictions[a], &region.jurisdictions[b]);
                let (a, b) = if a.code <= b.code { (a, b) } else { (b, a) };
                cut.push(
                    vec![
                        a.code.as_str().into(),
                        b.code.as_str().into(),
                        a.level.name().into(),
                        Value::Int(year.year.into()),
                        Value::Int(*n as i64),
                        Value::Real(round_to(area / 1e6, 6)),
                    ],
                    None,
                );
            }
            years_summary.push(LandCoverYear {
                habitat_patches: year.patches,
                year: year.year,
                file: file.map(String::from),
                scheme: scheme.name.clone(),
                cell_size: cell_size_text(layer.source.grid()),
                nodata_ha: round_to(nodata_ha, 2),
                sea_km2: round_to(sea_ha / 100.0, 4),
                sea_valued: esv.row_sum(SEA).is_some(),
                classes_missing_from_crosswalk: unmapped
                    .iter()
                    .map(|(&class, a)| MissingClass {
                        class,
                        area_ha: round_to(*a, 2),
                    })
                    .collect(),
            });
        }
        // Every year shares the first year's grid (checked when the layer was loaded).
        let resolution = inputs.rasters.first().map(|l| {
            let grid = l.source.grid();
            let (x, y) = cell_size_m(grid);
            Resolution {
                cell_size_m: CellSize {
                    x: round_to(x, 1),
                    y: round_to(y, 1),
                },
                cell_size_approximate: matches!(grid.crs, RasterCrs::Geographic { .. }),
                resolution_note: resolution_note(grid),
            }
        });
        let summary = LandCoverSummary {
            years: years_summary,
            warnings,
            resolution,
        };
        AnalysisOutput::new::<Self>(
            vec![
                units,
                zones,
                values,
                zone_values,
                fragmentation,
                cut,
                changes,
            ],
            &summary,
        )
    }
}

/// The transition areas of every unit from one year's raster to the next (same grid, checked
/// when the layer was loaded); a cell nodata in either year counts in neither.
fn transitions(
    region: &Region,
    units: &[&MultiPolygon],
    from: &LandCoverLayer,
    to: &LandCoverLayer,
) -> Result<(i32, i32, Vec<Composition>), AnalysisError> {
    let grid = from.source.grid();
    let polygons: Vec<MultiPolygon> = units
        .iter()
        .map(|p| zonal::to_raster_crs(p, &region.crs, grid))
        .collect::<Result<_, _>>()?;
    let nodata = grid.nodata;
    let skip = u32::MAX;
    let comps = zonal::compose_by(
        from.source.as_ref(),
        &polygons,
        zonal::Skip::Nodata(skip),
        |row0, rows, keys| {
            let a = from.source.read_rows(row0, rows)?;
            let b = to.source.read_rows(row0, rows)?;
            keys.clear();
            keys.extend(a.iter().zip(&b).map(|(x, y)| {
                if Some(*x) == nodata || Some(*y) == nodata {
                    skip
                } else {
                    transition_key(*x, *y)
                }
            }));
            Ok(())
        },
    )
    .map_err(|e| AnalysisError::Input(format!("{} → {}: {e}", from.file, to.file)))?;
    Ok((from.year, to.year, comps))
}

/// The patches with at least 0.5 m² in both units (areas inside by patch, in patch order), in
/// order.
fn shared_patches(a: &[(u32, f64)], b: &[(u32, f64)]) -> Vec<u32> {
    let kept = |c: &[(u32, f64)], id: u32| {
        c.binary_search_by_key(&id, |p| p.0)
            .is_ok_and(|k| c[k].1 >= 0.5)
    };
    a.iter()
        .map(|p| p.0)
        .filter(|id| kept(a, *id) && kept(b, *id))
        .collect()
}

/// The columns of a value row ([`value_columns`]): year, terrestrial area, ESV and ESV per
/// hectare, the area at sea and its marine ESV (null without a `sea` row in the ESV table).
fn value_row(
    year: i32,
    comp: &Composition,
    scheme: &Scheme,
    esv: &EsvTables,
    d_yuan_per_ha: f64,
) -> [Value; 6] {
    let (area_ha, value) = esv_of(comp, scheme, esv, d_yuan_per_ha);
    let (sea_ha, marine) = marine_esv_of(comp, scheme, esv, d_yuan_per_ha);
    [
        Value::Int(year.into()),
        Value::Real(round_to(area_ha, 4)),
        Value::Real(round_to(value, 2)),
        Value::from((area_ha > 0.0).then(|| round_to(value / area_ha, 2))),
        Value::Real(round_to(sea_ha / 100.0, 6)),
        Value::from(marine.map(|m| round_to(m, 2))),
    ]
}

/// ESV per hectare of a class, yuan/ha/yr: the sum of the factors of its ESV row × D; None
/// when the scheme does not know the class or the ESV table lacks its row, and for the sea
/// ([`sea`]: valued apart, by [`marine_esv_of`]).
pub fn esv_per_ha(scheme: &Scheme, esv: &EsvTables, d_yuan_per_ha: f64, class: u32) -> Option<f64> {
    if is_sea(scheme, class) {
        return None;
    }
    let class = u16::try_from(class).ok()?;
    scheme
        .classes
        .get(&class)
        .and_then(|c| esv.row_sum(&c.esv_row))
        .map(|sum| sum * d_yuan_per_ha)
}

/// Total area (ha) and ESV (yuan/yr) of a composition; classes without an ESV row count in
/// neither, nor does the sea (terrestrial ESV only: see [`marine_esv_of`]). The compensation
/// analysis values land cover with it too.
pub fn esv_of(
    comp: &Composition,
    scheme: &Scheme,
    esv: &EsvTables,
    d_yuan_per_ha: f64,
) -> (f64, f64) {
    comp.classes
        .iter()
        .filter_map(|(class, m2)| {
            esv_per_ha(scheme, esv, d_yuan_per_ha, *class)
                .map(|v| (m2 / 10_000.0, m2 / 10_000.0 * v))
        })
        .fold((0.0, 0.0), |acc, (a, v)| (acc.0 + a, acc.1 + v))
}

/// The area of a composition at sea (ha) and its marine ESV (yuan/yr): the sea's area × the sum
/// of the factors of the ESV table's row `sea` × D, None when the table has no such row (the sea
/// is then deliberately unvalued, see [`sea`]).
pub fn marine_esv_of(
    comp: &Composition,
    scheme: &Scheme,
    esv: &EsvTables,
    d_yuan_per_ha: f64,
) -> (f64, Option<f64>) {
    let sea_ha: f64 = comp
        .classes
        .iter()
        .filter(|(class, _)| is_sea(scheme, *class))
        .map(|(_, m2)| m2 / 10_000.0)
        .sum();
    let value = esv.row_sum(SEA).map(|sum| sea_ha * sum * d_yuan_per_ha);
    (sea_ha, value)
}

/// The classes of `comps` without an ESV row (outside the scheme, or whose row the ESV table
/// lacks), with their area summed over `comps`, ha (slivers under 0.5 m² left out). The sea is
/// not among them: it is left out of the terrestrial ESV on purpose.
pub fn missing_from_crosswalk<'c>(
    comps: impl IntoIterator<Item = &'c Composition>,
    scheme: &Scheme,
    esv: &EsvTables,
) -> BTreeMap<u32, f64> {
    let mut missing: BTreeMap<u32, f64> = BTreeMap::new();
    for comp in comps {
        for (class, m2) in &comp.classes {
            if !is_sea(scheme, *class) && esv_per_ha(scheme, esv, 1.0, *class).is_none() {
                *missing.entry(*class).or_default() += m2 / 10_000.0;
            }
        }
    }
    // Slivers below 0.5 m² are rounding at cell edges, as in the class tables.
    missing.retain(|_, ha| *ha >= 0.5 / 10_000.0);
    missing
}

/// The warning about a year's classes missing from the crosswalk (None when there are none),
/// without the file: `analyze` puts it in the summary's `warnings`, `check` prints it.
pub fn crosswalk_warning(layer: &LandCoverLayer, missing: &BTreeMap<u32, f64>) -> Option<String> {
    if missing.is_empty() {
        return None;
    }
    let list: Vec<String> = missing
        .iter()
        .map(|(class, ha)| match layer.scheme.class(*class) {
            Some(c) => format!(
                "{class} {} ({ha:.2} ha; ESV row `{}` unknown)",
                c.name, c.esv_row
            ),
            None => format!("{class} ({ha:.2} ha)"),
        })
        .collect();
    Some(format!(
        "year {}: {} class(es) missing from the crosswalk of scheme {} count in no ESV: {}",
        layer.year,
        missing.len(),
        layer.scheme.name,
        list.join(", ")
    ))
}

/// Per land-cover layer of the region (in order), its classes missing from the crosswalk, with
/// their areas over the finest level's units: what `check` reports without running `analyze`.
pub fn missing_per_layer(inputs: &Inputs) -> Result<Vec<BTreeMap<u32, f64>>, AnalysisError> {
    let region = &inputs.region;
    let Some(finest) = region.levels().last().copied() else {
        return Ok(vec![BTreeMap::new(); inputs.rasters.len()]);
    };
    let esv = &inputs.model.rules.esv;
    inputs
        .rasters
        .iter()
        .map(|layer| {
            let grid = layer.source.grid();
            let polygons: Vec<MultiPolygon> = region
                .jurisdictions
                .iter()
                .filter(|j| j.level == finest)
                .map(|j| zonal::to_raster_crs(&j.geometry, &region.crs, grid))
                .collect::<Result<_, _>>()?;
            let comps = zonal::compose(layer.source.as_ref(), &polygons)
                .map_err(|e| AnalysisError::Input(format!("{}: {e}", layer.file)))?;
            Ok(missing_from_crosswalk(&comps, &layer.scheme, esv))
        })
        .collect()
}

/// One row per class of `comp`, after the `head` columns.
fn push_classes(table: &mut Table, head: &[Value], year: i32, comp: &Composition, scheme: &Scheme) {
    let total = comp.total_m2();
    // Slivers below 0.5 m² (0 ha at four decimals) are rounding at cell edges, not land cover.
    for (class, m2) in comp.classes.iter().filter(|c| c.1 >= 0.5) {
        let mut row = head.to_vec();
        row.extend([
            Value::Int(year.into()),
            Value::Int((*class).into()),
            scheme.class_name(*class).into(),
            Value::Real(round_to(m2 / 10_000.0, 4)),
            Value::Real(round_to(m2 / total, 6)),
        ]);
        table.push(row, None);
    }
}

/// The cell size in words, with its ground size for a geographic grid: the resolution is stated
/// wherever land cover is used.
pub fn cell_size_text(grid: &Grid) -> String {
    match grid.crs {
        RasterCrs::Projected { epsg } => format!("{} × {} m (EPSG:{epsg})", grid.dx, grid.dy),
        RasterCrs::Geographic { epsg } => {
            let width_m = cell_size_m(grid).0;
            // Sub-kilometre cells (e.g. 30 m Landsat products in degrees) in metres, not "0.0 km".
            let about = if width_m < 1000.0 {
                format!("{width_m:.0} m")
            } else {
                format!("{:.1} km", width_m / 1000.0)
            };
            format!(
                "{}° × {}° (about {about} at {:.1}° N; EPSG:{epsg})",
                grid.dx,
                grid.dy,
                grid.mid_latitude()
            )
        }
    }
}

/// The ground width and height of a cell, m: exact for a projected grid; for a geographic one
/// at the raster's middle latitude φ on the GRS80 ellipsoid (approximate elsewhere): width
/// Δλ·N(φ)·cos φ, height Δφ·M(φ), with the radii of curvature N = a/√(1−e² sin²φ) and
/// M = a(1−e²)/(1−e² sin²φ)^{3/2} (Snyder 1987, eqs. 4-18, 4-20).
pub fn cell_size_m(grid: &Grid) -> (f64, f64) {
    match grid.crs {
        RasterCrs::Projected { .. } => (grid.dx, grid.dy),
        RasterCrs::Geographic { .. } => {
            let phi = grid.mid_latitude().to_radians();
            let w = 1.0 - raster::E2 * phi.sin().powi(2);
            let n = raster::A_M / w.sqrt();
            let m = raster::A_M * (1.0 - raster::E2) / w.powf(1.5);
            (
                grid.dx.to_radians() * n * phi.cos(),
                grid.dy.to_radians() * m,
            )
        }
    }
}

/// The note on resolution that goes with every land-cover output: areas are exact for the
/// raster, but the raster resolves nothing finer than its cells.
fn resolution_note(grid: &Grid) -> String {
    let (x, y) = cell_size_m(grid);
    format!(
        "Land cover at {}: class areas are exact for the raster, but the raster itself generalises the ground to cells of {}{:.0} × {:.0} m; units and border-zone sides only a few cells wide carry that generalisation, and small patches of habitat are missed.",
        cell_size_text(grid),
        if matches!(grid.crs, RasterCrs::Geographic { .. }) { "about " } else { "" },
        x,
        y
    )
}

fn class_columns() -> [Column; 5] {
    [
        Column::new("year", ColumnType::Int, None, "year of the land cover"),
        Column::new("class", ColumnType::Int, None, "class code of the scheme"),
        Column::text("class_name", "class name"),
        Column::new(
            "area_ha",
            ColumnType::Real,
            Some("ha"),
            "area of the class, cells weighted by the fraction inside",
        ),
        Column::new(
            "share",
            ColumnType::Real,
            None,
            "share of the classified area",
        ),
    ]
}

fn side_columns() -> Vec<Column> {
    vec![
        Column::text("a", "code of the first unit (a < b)"),
        Column::text("b", "code of the second unit"),
        Column::text(
            "side",
            "code of the unit whose side of the border zone this is",
        ),
    ]
}

fn jurisdiction_columns() -> Vec<Column> {
    unit_columns().into_iter().chain(class_columns()).collect()
}

fn border_zone_columns() -> Vec<Column> {
    side_columns().into_iter().chain(class_columns()).collect()
}

fn value_columns() -> [Column; 6] {
    [
        Column::new("year", ColumnType::Int, None, "year of the land cover"),
        Column::new(
            "area_ha",
            ColumnType::Real,
            Some("ha"),
            "classified land and inland water with an ESV row (the sea left out)",
        ),
        Column::new(
            "esv_yuan",
            ColumnType::Real,
            Some("yuan/yr"),
            "terrestrial ecosystem-service value (the sea left out)",
        ),
        Column::new(
            "esv_yuan_per_ha",
            ColumnType::Real,
            Some("yuan/ha/yr"),
            "terrestrial ESV per hectare of area_ha",
        ),
        Column::new(
            "sea_km2",
            ColumnType::Real,
            Some("km²"),
            "area of the water cells more than half in the sea polygons of [layers.sea] (0 without it)",
        ),
        Column::new(
            "marine_esv_yuan",
            ColumnType::Real,
            Some("yuan/yr"),
            "value of sea_km2 from the ESV table's row `sea`, null without that row",
        ),
    ]
}

fn esv_columns() -> Vec<Column> {
    unit_columns().into_iter().chain(value_columns()).collect()
}

fn esv_border_zone_columns() -> Vec<Column> {
    side_columns().into_iter().chain(value_columns()).collect()
}

fn fragmentation_columns() -> Vec<Column> {
    let km2 = |name: &str, d: &str| Column::new(name, ColumnType::Real, Some("km²"), d);
    unit_columns()
        .into_iter()
        .chain([
            Column::new("year", ColumnType::Int, None, "year of the land cover"),
            km2("unit_area_km2", "area of the jurisdiction on the raster"),
            km2("habitat_area_km2", "habitat inside it"),
            Column::new(
                "patches",
                ColumnType::Int,
                None,
                "habitat patches (8-neighbour) with cells inside it",
            ),
            km2("mean_patch_area_km2", "habitat area / patches"),
            km2(
                "cut_mesh_km2",
                "effective mesh size, patches cut at the boundary (CUT)",
            ),
            km2(
                "cbc_mesh_km2",
                "effective mesh size, patches counted whole (CBC)",
            ),
            Column::new(
                "cbc_cut_ratio",
                ColumnType::Real,
                None,
                "CBC / CUT: fragmentation by the border alone",
            ),
        ])
        .collect()
}

fn border_patch_columns() -> Vec<Column> {
    vec![
        Column::text("a", "code of the first unit (a < b)"),
        Column::text("b", "code of the second unit"),
        Column::text("level", "administrative level"),
        Column::new("year", ColumnType::Int, None, "year of the land cover"),
        Column::new(
            "patches_cut",
            ColumnType::Int,
            None,
            "habitat patches with cells on both sides",
        ),
        Column::new(
            "patches_cut_area_km2",
            ColumnType::Real,
            Some("km²"),
            "complete area of those patches",
        ),
    ]
}

fn transition_columns() -> Vec<Column> {
    unit_columns()
        .into_iter()
        .chain([
            Column::new("from_year", ColumnType::Int, None, "earlier year"),
            Column::new("to_year", ColumnType::Int, None, "later year"),
            Column::new(
                "from_class",
                ColumnType::Int,
                None,
                "class in the earlier year",
            ),
            Column::new("to_class", ColumnType::Int, None, "class in the later year"),
            Column::new(
                "area_ha",
                ColumnType::Real,
                Some("ha"),
                "area that went from from_class to to_class, cells weighted by the fraction inside",
            ),
        ])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A border cuts the patches with a piece of at least 0.5 m² on both sides: 5 and 9, not 3
    /// (a sliver on one side), not 1 or 7 (one side only).
    #[test]
    fn shared_patches_have_a_piece_on_both_sides() {
        let west = [(1, 2.0), (3, 0.4), (5, 1.0), (9, 7.0)];
        let east = [(3, 1.0), (5, 0.6), (7, 1.0), (9, 0.5)];
        assert_eq!(shared_patches(&west, &east), vec![5, 9]);
        assert_eq!(shared_patches(&east, &west), vec![5, 9]);
        assert!(shared_patches(&west, &[]).is_empty());
    }

    /// One county, 2 km × 1 km of 100 m cells (20 × 10): columns 0–4 cropland (IGBP 12, paddy
    /// row), 5–9 water (a lake), 10–14 water (the sea), 15–19 cropland under the sea polygon
    /// (x ≥ 501 km; a coarse shoreline). Factor sums (Xie et al. 2015): paddy 3.89, water
    /// 125.61; D = 3406.50. With the sea: area 150 ha, ESV = (100 × 3.89 + 50 × 125.61) × D =
    /// 6669.5 × 3406.50 = 22,719,651.75 yuan/yr, 151,464.35 yuan/ha/yr, sea 0.5 km². Valued as
    /// inland water, as before `[layers.sea]`, it would be 12,950 × D = 44,114,175 over 200 ha.
    /// A table with a row `sea` (factors summing to 10) values the sea apart: 50 × 10 × D =
    /// 1,703,250 yuan/yr, the terrestrial columns unchanged.
    #[test]
    fn water_in_the_sea_is_not_inland_water() {
        use crate::analysis::{find, Upstream};
        use crate::crs::AnalysisCrs;
        use crate::raster::InMemory;
        use crate::table::table_from_csv;
        use crate::test_fixtures::{rect, rect_county};
        use std::sync::Arc;

        let mut inputs = crate::test_fixtures::unchecked(Region::new(
            "t",
            AnalysisCrs::from_epsg(32651).unwrap(),
            vec![rect_county(
                "A",
                500_000.0,
                3_400_000.0,
                502_000.0,
                3_401_000.0,
            )],
            BTreeMap::new(),
        ));
        let grid = Grid {
            width: 20,
            height: 10,
            x0: 500_000.0,
            y0: 3_401_000.0,
            dx: 100.0,
            dy: 100.0,
            crs: RasterCrs::Projected { epsg: 32651 },
            nodata: Some(255),
        };
        let classes = (0..200)
            .map(|i| match i % 20 {
                5..=14 => 0,
                _ => 12,
            })
            .collect();
        inputs.rasters = vec![LandCoverLayer {
            year: 2019,
            file: "lc.tif".into(),
            scheme: Arc::new(Scheme::built_in("igbp").unwrap()),
            source: Arc::new(InMemory { grid, classes }),
        }];
        let mut sea = Table::new("sea", vec![Column::text("name", "")], true);
        sea.push(
            vec!["East China Sea".into()],
            Some(rect(501_000.0, 3_399_000.0, 503_000.0, 3_402_000.0)),
        );
        inputs.region.layers.insert("sea".into(), sea);
        sea::apply(&mut inputs).unwrap();
        // Again: nothing changes.
        sea::apply(&mut inputs).unwrap();

        let analyse = |inputs: &Inputs| {
            let a = find("landcover").unwrap();
            let ran = (a.run)(
                inputs,
                &Params::defaults(a.spec),
                &Upstream::new(Vec::new()),
            )
            .unwrap();
            ran.output
        };
        let column = |out: &AnalysisOutput, table: &str, name: &str| {
            let t = out.tables.iter().find(|t| t.name == table).unwrap();
            let c = t.column_index(name).unwrap();
            t.rows.iter().map(|r| r[c].clone()).collect::<Vec<_>>()
        };
        let out = analyse(&inputs);
        let number = |v: &Value| v.as_f64().unwrap();
        let esv = column(&out, "landcover_esv", "esv_yuan");
        assert!((number(&esv[0]) - 22_719_651.75).abs() < 0.02, "{esv:?}");
        let per_ha = column(&out, "landcover_esv", "esv_yuan_per_ha");
        assert!(
            (number(&per_ha[0]) - 151_464.35).abs() < 0.011,
            "{per_ha:?}"
        );
        let area = column(&out, "landcover_esv", "area_ha");
        assert!((number(&area[0]) - 150.0).abs() < 1e-3, "{area:?}");
        let sea_km2 = column(&out, "landcover_esv", "sea_km2");
        assert!((number(&sea_km2[0]) - 0.5).abs() < 1e-6, "{sea_km2:?}");
        assert_eq!(
            column(&out, "landcover_esv", "marine_esv_yuan")[0],
            Value::Null
        );
        // The class table names the sea; the land under the sea polygon stays cropland (100 ha
        // with the land west of the lake), the lake stays water.
        let classes: Vec<(String, f64)> = column(&out, "landcover_jurisdiction", "class_name")
            .iter()
            .zip(column(&out, "landcover_jurisdiction", "area_ha"))
            .map(|(n, a)| (n.to_text(), number(&a)))
            .collect();
        let area_of = |name: &str| classes.iter().find(|c| c.0 == name).map(|c| c.1);
        assert!(
            (area_of("water").unwrap() - 50.0).abs() < 1e-3,
            "{classes:?}"
        );
        assert!(
            (area_of("cropland").unwrap() - 100.0).abs() < 1e-3,
            "{classes:?}"
        );
        assert!((area_of("sea").unwrap() - 50.0).abs() < 1e-3, "{classes:?}");
        // The sea is deliberately unvalued: no warning about the crosswalk.
        assert_eq!(
            out.summary["warnings"],
            serde_json::json!([]),
            "{}",
            out.summary
        );
        assert_eq!(out.summary["years"][0]["sea_km2"], serde_json::json!(0.5));
        // Not habitat: only the lake is (water is habitat in the scheme).
        let habitat = column(&out, "landcover_fragmentation", "habitat_area_km2");
        assert!((number(&habitat[0]) - 0.5).abs() < 1e-6, "{habitat:?}");

        // A marine row `sea` values the sea apart.
        let mut factors = crate::model::esv::DEFAULT_FACTORS_CSV.to_string();
        factors.push_str("sea,1,1,1,1,1,1,1,1,1,0.5,0.5,P\n");
        let factors = table_from_csv("esv_factors", &factors).unwrap();
        let tables =
            |kind: &str| (kind == "esv_factors").then(|| (&factors, "esv_factors.csv".to_string()));
        inputs.model.rules.esv = EsvTables::load(&tables).unwrap();
        let out = analyse(&inputs);
        let marine = column(&out, "landcover_esv", "marine_esv_yuan");
        assert!(
            (number(&marine[0]) - 1_703_250.0).abs() < 0.02,
            "{marine:?}"
        );
        let esv = column(&out, "landcover_esv", "esv_yuan");
        assert!((number(&esv[0]) - 22_719_651.75).abs() < 0.02, "{esv:?}");
        assert_eq!(
            out.summary["years"][0]["sea_valued"],
            serde_json::json!(true)
        );
    }

    fn geographic_grid(cell_deg: f64) -> Grid {
        Grid {
            width: 10,
            height: 10,
            x0: 120.0,
            y0: 31.0 + 10.0 * cell_deg,
            dx: cell_deg,
            dy: cell_deg,
            crs: RasterCrs::Geographic { epsg: 4326 },
            nodata: None,
        }
    }

    #[test]
    fn cell_size_text_names_fine_cells_in_metres_and_coarse_ones_in_km() {
        // 1 arc-second ≈ 26.5 m east-west at 31° N; 0.05° ≈ 4.8 km.
        let fine = cell_size_text(&geographic_grid(1.0 / 3600.0));
        assert!(fine.contains("about 27 m"), "{fine}");
        let coarse = cell_size_text(&geographic_grid(0.05));
        assert!(coarse.contains("about 4.8 km"), "{coarse}");
    }
}
