//! Loading a project: read every layer, map its fields, validate it, convert it to WGS84 and then
//! to the analysis CRS, and build the [`Region`]. Problems are collected, not thrown, so that
//! `check` can list all of them; the region is built only when there are no errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use borderscape_core::crs::AnalysisCrs;
use borderscape_core::datum::Datum;
use borderscape_core::geometry::union_rect;
use borderscape_core::model::schemes::{EsvSource, Scheme as ModelScheme};
use borderscape_core::provenance::Provenance;
use borderscape_core::raster::LandCoverLayer;
use borderscape_core::table::{Table, Value};
use borderscape_core::topology::{topology_issues, TopologyKind};
use borderscape_core::{Inputs, Jurisdiction, Level, Region};
use geo::{Centroid, Geometry, MultiPolygon};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{IoError, Problem, Severity};
use crate::geotiff::scheme_problem;
use crate::manifest::{GeometryRequirement, LayerKind, LayerSection, Project};
use crate::read::{read_table, GeometryLevels, ReadOptions};
use crate::transform::{bounds, to_analysis_crs, wgs84_box, DatumConversion};
use crate::validate::{
    check_geometry, check_jurisdictions, outside_parents, FeatureRef, JurisdictionRecord,
};

/// What is known about one input layer, for `check` and summary.json.
#[derive(Debug, Clone, Serialize)]
pub struct LayerInfo {
    pub kind: String,
    pub path: String,
    pub features: usize,
    pub datum: Option<String>,
    pub synthetic: bool,
    /// observed, template or synthetic (the manifest's `provenance`).
    pub provenance: Provenance,
    pub description: Option<String>,
    pub sha256: String,
}

/// A project after loading.
#[derive(Debug)]
pub struct LoadedProject {
    pub project: Project,
    pub layers: Vec<LayerInfo>,
    pub problems: Vec<Problem>,
    /// Present when there were no errors.
    pub inputs: Option<Inputs>,
}

impl LoadedProject {
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| !p.is_error())
    }

    /// The inputs, or every error as one `IoError`.
    pub fn into_inputs(self) -> Result<(Inputs, Vec<LayerInfo>, Project), IoError> {
        match self.inputs {
            Some(inputs) => Ok((inputs, self.layers, self.project)),
            None => Err(IoError::Invalid(self.problems)),
        }
    }
}

/// The checksum of a file, read in blocks (a large input is never held whole for it).
pub fn sha256_of(path: &Path) -> String {
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    let mut hasher = Sha256::new();
    match std::io::copy(&mut file, &mut hasher) {
        Ok(_) => format!("{:x}", hasher.finalize()),
        Err(_) => String::new(),
    }
}

/// A part of a layer (rows from `first_row` of its file, read elsewhere) as `load` prepares a
/// whole layer: fields mapped, features checked (an error names the row in the whole file),
/// geometries converted to the analysis CRS `crs`.
pub fn prepare_part(
    project: &Project,
    kind: LayerKind,
    part: crate::read::ReadResult,
    first_row: usize,
    crs: &AnalysisCrs,
) -> Result<Table, IoError> {
    let section = project.manifest.layers.get(kind.name()).ok_or_else(|| {
        IoError::file(
            &project.manifest_path,
            format!("no [layers.{}]", kind.name()),
        )
    })?;
    let path = project.layer_path(section);
    let datum = layer_datum(project, kind, section)?;
    let mut problems = part.problems;
    let layer = checked(
        project,
        kind,
        section,
        &path,
        datum,
        part.table,
        &LoadOptions::default(),
        &mut problems,
        first_row,
    )?;
    problems.retain(Problem::is_error);
    match layer {
        Some(layer) if problems.is_empty() => {
            let conversion = DatumConversion::new(datum, Datum::Wgs84)?;
            to_analysis_crs(layer.table, &conversion, crs).map_err(|e| IoError::file(&path, e))
        }
        _ => Err(IoError::Invalid(problems)),
    }
}

/// A layer after reading and validation, geometries still in its own datum.
struct ReadLayer {
    kind: LayerKind,
    path: PathBuf,
    datum: Datum,
    table: Table,
}

/// Which jurisdiction geometries to keep.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum LevelFilter {
    /// Every level.
    #[default]
    All,
    /// These levels only.
    Only(Vec<Level>),
    /// The finest level present.
    Finest,
}

/// How to load a project.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Check gaps and overlaps between neighbouring jurisdictions (reported as warnings).
    pub topology: bool,
    /// Jurisdictions outside the filter keep their attributes (the hierarchy stays whole) but lose
    /// their geometry, which is then neither validated nor converted: a command that needs one
    /// level does not pay for the others.
    pub jurisdiction_geometry: LevelFilter,
    /// Layers already in memory, by kind, read instead of their `path` (which then only names
    /// them in messages): the Python package's GeoDataFrames.
    pub tables: BTreeMap<String, Table>,
}

/// Loads and validates a project.
pub fn load(project: Project, options: &LoadOptions) -> LoadedProject {
    let mut problems = Vec::new();
    let mut infos = Vec::new();
    let mut read_layers = Vec::new();
    let mut landcover = Vec::new();
    for (kind_name, section) in &project.manifest.layers {
        let kind =
            LayerKind::parse(kind_name).expect("kinds were checked when the manifest was loaded");
        let path = project.layer_path(section);
        if kind == LayerKind::Landcover {
            match crate::geotiff::landcover_layers(&project, section) {
                Ok(layers) => {
                    for (file, layer) in layers {
                        infos.push(LayerInfo {
                            kind: kind_name.clone(),
                            path: file.display().to_string(),
                            features: 1,
                            datum: None,
                            synthetic: section.provenance() == Provenance::Synthetic,
                            provenance: section.provenance(),
                            description: section.description.clone(),
                            sha256: sha256_of(&project.root.join(&file)),
                        });
                        landcover.push(layer);
                    }
                }
                Err(IoError::Invalid(found)) => problems.extend(found),
                Err(e) => problems.push(e.into_problem(&path)),
            }
            continue;
        }
        // An unknown format is refused before anything is read (not even for the checksum).
        let in_memory = options.tables.contains_key(kind_name);
        if let (false, Err(e)) = (in_memory, crate::read::Format::require(&path)) {
            problems.push(e.into_problem(&path));
            continue;
        }
        // The checksum is taken on the other core while the layer is parsed.
        let (read, sha256) = rayon::join(
            || {
                let mut layer_problems = Vec::new();
                let read = read_layer(&project, kind, section, &path, options, &mut layer_problems);
                (read, layer_problems)
            },
            || sha256_of(&path),
        );
        let (read, layer_problems) = read;
        problems.extend(layer_problems);
        match read {
            Ok(Some(layer)) => {
                infos.push(LayerInfo {
                    kind: kind_name.clone(),
                    path: section.path.display().to_string(),
                    features: layer.table.len(),
                    datum: section.datum.clone(),
                    synthetic: section.provenance() == Provenance::Synthetic,
                    provenance: section.provenance(),
                    description: section.description.clone(),
                    sha256,
                });
                read_layers.push(layer);
            }
            Ok(None) => {}
            Err(e) => problems.push(e.into_problem(&path)),
        }
    }
    let inputs = if problems.iter().any(Problem::is_error) {
        None
    } else {
        match build_region(&project, read_layers) {
            Ok(region) => match Inputs::build(region) {
                Ok(mut inputs) => {
                    let mut found = landcover_problems(&project, &inputs, &landcover);
                    match project.manifest.governance.periodisations() {
                        Ok(p) => inputs.model.periodisations = p,
                        Err(e) => found.extend(e.into_iter().map(|m| {
                            Problem::located(format!("{}: {m}", project.manifest_path.display()))
                        })),
                    }
                    if found.is_empty() {
                        inputs.rasters = landcover;
                        // Water cells in the sea of [layers.sea] become the sea class.
                        match borderscape_core::analysis::landcover::sea::apply(&mut inputs) {
                            Ok(()) => Some(inputs),
                            Err(e) => {
                                problems.push(Problem::located(format!(
                                    "{}: [layers.sea]: {e}",
                                    project.manifest_path.display()
                                )));
                                None
                            }
                        }
                    } else {
                        problems.extend(found);
                        None
                    }
                }
                Err(found) => {
                    problems.extend(found.into_iter().map(Problem::located));
                    None
                }
            },
            Err(e) => {
                problems.push(e.into_problem(&project.manifest_path));
                None
            }
        }
    };
    if let (Some(inputs), true) = (&inputs, options.topology) {
        problems.extend(topology_warnings(&project, &inputs.region));
    }
    LoadedProject {
        project,
        layers: infos,
        problems,
        inputs,
    }
}

/// The datum a layer's section gives (wgs84 for a layer without geometry).
fn layer_datum(
    project: &Project,
    kind: LayerKind,
    section: &LayerSection,
) -> Result<Datum, IoError> {
    let manifest = &project.manifest_path;
    let spatial = kind.geometry() != GeometryRequirement::None;
    Ok(match (&section.datum, spatial) {
        (Some(text), _) => Datum::parse(text).ok_or_else(|| {
            IoError::file(
                manifest,
                format!(
                    "[layers.{}] datum `{text}` is not wgs84, cgcs2000, gcj02, bd09 or EPSG:<code>",
                    kind.name()
                ),
            )
        })?,
        (None, true) => {
            return Err(IoError::file(
                manifest,
                format!(
                    "[layers.{}] needs `datum = ...` (wgs84, cgcs2000, gcj02, bd09 or EPSG:<code>)",
                    kind.name()
                ),
            ))
        }
        (None, false) => Datum::Wgs84,
    })
}

fn read_layer(
    project: &Project,
    kind: LayerKind,
    section: &LayerSection,
    path: &Path,
    options: &LoadOptions,
    problems: &mut Vec<Problem>,
) -> Result<Option<ReadLayer>, IoError> {
    let spatial = kind.geometry() != GeometryRequirement::None;
    let datum = layer_datum(project, kind, section)?;
    let geometry_levels = match (&options.jurisdiction_geometry, kind) {
        (LevelFilter::Only(levels), LayerKind::Jurisdictions) => Some(GeometryLevels {
            field: section
                .fields
                .get("level")
                .cloned()
                .unwrap_or_else(|| "level".into()),
            levels: levels.clone(),
        }),
        _ => None,
    };
    let read_options = ReadOptions {
        layer: section.layer.clone(),
        encoding: section.encoding.clone(),
        csv_geometry: if spatial {
            Default::default()
        } else {
            crate::csv_io::CsvGeometry::None
        },
        geometry_levels,
        limits: project.manifest.limits,
    };
    let given = options.tables.get(kind.name());
    let read = match given {
        Some(table) => crate::read::ReadResult {
            table: table.clone(),
            problems: Vec::new(),
        },
        None => read_table(path, &read_options)?,
    };
    problems.extend(read.problems);
    if spatial && given.is_none() {
        if let Some(declaration) = crate::file_crs::declared(path, section.layer.as_deref())? {
            problems.extend(declaration.disagreement(kind, datum));
        }
    }
    let layer = checked(
        project, kind, section, path, datum, read.table, options, problems, 0,
    )?;
    if let Some(layer) = layer
        .as_ref()
        .filter(|l| l.kind == LayerKind::Jurisdictions)
    {
        let found = units_outside_parents(path, &layer.table, problems);
        problems.extend(found);
    }
    Ok(layer)
}

/// [`outside_parents`] on a whole jurisdictions layer (a part may lack the parents), leaving
/// out the units with an error: a broken geometry's area means nothing.
fn units_outside_parents(path: &Path, table: &Table, problems: &[Problem]) -> Vec<Problem> {
    let file = path.display().to_string();
    let failed: std::collections::HashSet<usize> = problems
        .iter()
        .filter(|p| p.is_error() && p.file == file)
        .filter_map(|p| p.feature)
        .collect();
    let geometries: Vec<Option<&Geometry>> = (0..table.len())
        .map(|i| table.geometry(i).filter(|_| !failed.contains(&i)))
        .collect();
    outside_parents(path, &jurisdiction_records(table), &geometries)
}

/// A layer's table after reading: its fields mapped to the canonical names and its features
/// checked; problems name features by their row in the whole file (`first_row` + index).
#[allow(clippy::too_many_arguments)]
fn checked(
    project: &Project,
    kind: LayerKind,
    section: &LayerSection,
    path: &Path,
    datum: Datum,
    mut table: Table,
    options: &LoadOptions,
    problems: &mut Vec<Problem>,
    first_row: usize,
) -> Result<Option<ReadLayer>, IoError> {
    let manifest = &project.manifest_path;
    let spatial = kind.geometry() != GeometryRequirement::None;
    let canonical: Vec<&str> = kind
        .required_fields()
        .iter()
        .chain(kind.optional_fields())
        .copied()
        .collect();
    for key in section.fields.keys() {
        if !canonical.contains(&key.as_str()) {
            problems.push(Problem::file(
                Severity::Error,
                manifest,
                format!(
                    "[layers.{}] fields: `{key}` is not a field of this kind (known: {})",
                    kind.name(),
                    canonical.join(", ")
                ),
            ));
        }
    }
    let mut missing = false;
    for field in &canonical {
        let source = section
            .fields
            .get(*field)
            .map(String::as_str)
            .unwrap_or(field);
        match table.column_index(source) {
            Some(i) => {
                if source != *field {
                    if let Some(clash) = table.column_index(field) {
                        table.columns[clash].name = format!("{field}_original");
                    }
                }
                table.columns[i].name = field.to_string();
            }
            None if kind.required_fields().contains(field) => {
                missing = true;
                let columns: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
                problems.push(Problem {
                    severity: Severity::Error,
                    file: path.display().to_string(),
                    feature: None,
                    code: None,
                    field: Some(source.to_string()),
                    message: format!("required field is missing (columns: {}); map it with `fields = {{ {field} = \"...\" }}`", columns.join(", ")),
                });
            }
            None => {}
        }
    }
    if missing {
        return Ok(None);
    }
    if kind == LayerKind::Jurisdictions {
        drop_unwanted_geometry(&mut table, &options.jurisdiction_geometry);
    }
    let code_column = table
        .column_index("code")
        .or_else(|| table.column_index("id"));
    if spatial {
        let found: Vec<Vec<Problem>> = (0..table.len())
            .into_par_iter()
            .map(|i| {
                let code = code_column.map(|c| table.rows[i][c].to_text());
                let at = FeatureRef {
                    file: path,
                    index: first_row + i,
                    code: code.as_deref(),
                };
                match (table.geometry(i), kind) {
                    // A jurisdiction whose geometry the level filter dropped.
                    (None, LayerKind::Jurisdictions)
                        if options.jurisdiction_geometry != LevelFilter::All =>
                    {
                        Vec::new()
                    }
                    (geometry, _) => check_geometry(&at, geometry, kind.geometry(), datum),
                }
            })
            .collect();
        problems.extend(found.into_iter().flatten());
    }
    if kind == LayerKind::Jurisdictions {
        problems.extend(check_jurisdictions(path, &jurisdiction_records(&table)));
    }
    Ok(Some(ReadLayer {
        kind,
        path: path.to_path_buf(),
        datum,
        table,
    }))
}

fn drop_unwanted_geometry(table: &mut Table, filter: &LevelFilter) {
    let levels: Vec<Option<Level>> = (0..table.len())
        .map(|i| text(table, i, "level").and_then(|l| Level::parse(&l)))
        .collect();
    let wanted: Vec<Level> = match filter {
        LevelFilter::All => return,
        LevelFilter::Only(levels) => levels.clone(),
        LevelFilter::Finest => levels.iter().flatten().max().into_iter().copied().collect(),
    };
    if let Some(geometries) = table.geometries.as_mut() {
        for (g, level) in geometries.iter_mut().zip(&levels) {
            if !level.is_some_and(|l| wanted.contains(&l)) {
                *g = None;
            }
        }
    }
}

fn text(table: &Table, row: usize, column: &str) -> Option<String> {
    let c = table.column_index(column)?;
    match &table.rows[row][c] {
        Value::Null => None,
        v => Some(v.to_text().trim().to_string()),
    }
}

fn jurisdiction_records(table: &Table) -> Vec<JurisdictionRecord> {
    (0..table.len())
        .map(|i| JurisdictionRecord {
            index: i,
            code: text(table, i, "code"),
            name: text(table, i, "name"),
            level: text(table, i, "level"),
            parent: text(table, i, "parent"),
        })
        .collect()
}

fn build_region(project: &Project, layers: Vec<ReadLayer>) -> Result<Region, IoError> {
    let mut prepared = Vec::new();
    for layer in layers {
        let conversion = DatumConversion::new(layer.datum, Datum::Wgs84)?;
        let wgs84_box = bounds(&layer.table)
            .map(|raw| wgs84_box(raw, &conversion))
            .transpose()
            .map_err(|e| IoError::file(&layer.path, e))?;
        prepared.push((layer, conversion, wgs84_box));
    }
    let boxes: Vec<(LayerKind, geo::Rect)> = prepared
        .iter()
        .filter_map(|(l, _, b)| b.map(|b| (l.kind, b)))
        .collect();
    let crs = choose_crs(project, &boxes)?;
    let mut jurisdictions = Vec::new();
    let mut others = BTreeMap::new();
    let mut files = BTreeMap::new();
    for (layer, conversion, _) in prepared {
        files.insert(
            layer.kind.name().to_string(),
            layer.path.display().to_string(),
        );
        let projected = to_analysis_crs(layer.table, &conversion, &crs)
            .map_err(|e| IoError::file(&layer.path, e))?;
        if layer.kind == LayerKind::Jurisdictions {
            jurisdictions = to_jurisdictions(&projected);
        } else {
            others.insert(layer.kind.name().to_string(), projected);
        }
    }
    let mut region = Region::new(&project.manifest.region.name, crs, jurisdictions, others);
    region.layer_files = files;
    region.schemes = project
        .manifest
        .schemes
        .iter()
        .map(|s| serde_json::to_value(s).unwrap_or_default())
        .collect();
    region.manifest = project.manifest_path.display().to_string();
    region.synthetic_layers = project
        .manifest
        .layers
        .iter()
        .filter(|(_, l)| l.provenance() == Provenance::Synthetic)
        .map(|(k, _)| k.clone())
        .collect();
    Ok(region)
}

/// The analysis CRS: the manifest's EPSG code, or an Albers projection centred on the
/// jurisdictions (on every layer when there are none). `boxes` are WGS84 extents by layer kind.
fn choose_crs(project: &Project, boxes: &[(LayerKind, geo::Rect)]) -> Result<AnalysisCrs, IoError> {
    let setting = project.manifest.region.crs.trim();
    if !setting.eq_ignore_ascii_case("auto") {
        return match Datum::parse(setting) {
            Some(Datum::Epsg(code)) => Ok(AnalysisCrs::from_epsg(code)?),
            _ => Err(IoError::file(
                &project.manifest_path,
                format!("[region] crs `{setting}` must be `auto` or a projected `EPSG:<code>`"),
            )),
        };
    }
    let preferred: Vec<geo::Rect> = boxes
        .iter()
        .filter(|(k, _)| *k == LayerKind::Jurisdictions)
        .map(|(_, b)| *b)
        .collect();
    let chosen: Vec<geo::Rect> = if preferred.is_empty() {
        boxes.iter().map(|(_, b)| *b).collect()
    } else {
        preferred
    };
    let Some(b) = chosen.into_iter().reduce(union_rect) else {
        return Err(IoError::file(
            &project.manifest_path,
            "no layer has geometry: cannot choose an analysis CRS",
        ));
    };
    Ok(AnalysisCrs::albers_for_bounds(
        b.min().x,
        b.min().y,
        b.max().x,
        b.max().y,
    ))
}

fn to_jurisdictions(table: &Table) -> Vec<Jurisdiction> {
    (0..table.len())
        .map(|i| Jurisdiction {
            code: text(table, i, "code").unwrap_or_default(),
            name: text(table, i, "name").unwrap_or_default(),
            level: text(table, i, "level")
                .and_then(|l| Level::parse(&l))
                .expect("levels were validated"),
            parent: text(table, i, "parent").filter(|p| !p.is_empty()),
            geometry: match table.geometry(i) {
                Some(Geometry::MultiPolygon(mp)) => mp.clone(),
                Some(Geometry::Polygon(p)) => MultiPolygon::new(vec![p.clone()]),
                _ => MultiPolygon::new(vec![]),
            },
        })
        .collect()
}

/// What the land-cover layers need of the built region: rasters that overlap it, user schemes
/// whose ESV rows are rows of the project's ESV table, and a landcover layer for every
/// ESV-based scheme that takes its ESV from land cover.
fn landcover_problems(
    project: &Project,
    inputs: &Inputs,
    landcover: &[LandCoverLayer],
) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Err(e) = crate::geotiff::overlapping(&inputs.region, landcover) {
        problems.push(e.into_problem(&project.manifest_path));
    }
    let user_scheme = project
        .manifest
        .layers
        .get(LayerKind::Landcover.name())
        .and_then(|s| s.scheme.as_deref())
        .filter(|s| s.to_ascii_lowercase().ends_with(".csv"));
    if let (Some(file), Some(layer)) = (user_scheme, landcover.first()) {
        let path = project.root.join(file);
        problems.extend(
            layer
                .scheme
                .unknown_esv_rows(&inputs.model.rules.esv)
                .iter()
                .map(|p| scheme_problem(&path, p)),
        );
    }
    if landcover.is_empty() {
        for (i, scheme) in inputs.model.schemes.iter().enumerate() {
            if let ModelScheme::EsvBased(s) = scheme {
                if s.esv_source == EsvSource::Landcover {
                    problems.push(Problem::located(format!(
                        "{}: schemes[{i}] ({}): field `esv_source`: `landcover` needs a [layers.landcover] section",
                        project.manifest_path.display(),
                        s.name
                    )));
                }
            }
        }
    }
    problems
}

/// Gaps and overlaps between units of one level, as warnings (the data stays usable).
fn topology_warnings(project: &Project, region: &Region) -> Vec<Problem> {
    let Some(section) = project.manifest.layers.get("jurisdictions") else {
        return Vec::new();
    };
    let path = project.layer_path(section);
    let mut problems = Vec::new();
    for level in region.levels() {
        let indices = region.indices_at(level);
        match topology_issues(region, level, &indices, 100.0, 1.0) {
            Ok(issues) => {
                for issue in issues {
                    let codes: Vec<&str> = issue
                        .units
                        .iter()
                        .map(|&i| region.jurisdictions[i].code.as_str())
                        .collect();
                    let place = issue
                        .geometry
                        .centroid()
                        .and_then(|c| region.crs.unproject(c.x(), c.y()).ok())
                        .map(|(lon, lat)| format!(" near ({lon:.5}, {lat:.5}) WGS84"))
                        .unwrap_or_default();
                    let what = match issue.kind {
                        TopologyKind::Gap => "gap (land enclosed by no unit)",
                        TopologyKind::Overlap => "overlap",
                    };
                    problems.push(Problem::file(
                        Severity::Warning,
                        &path,
                        format!(
                            "{what} of {:.0} m² along {level} units {}{place}",
                            issue.area_m2,
                            codes.join(", ")
                        ),
                    ));
                }
            }
            Err(e) => problems.push(Problem::file(
                Severity::Warning,
                &path,
                format!("topology QA failed: {e}"),
            )),
        }
    }
    problems
}

/// Feature counts per level, for `check` and summary.json.
pub fn jurisdiction_counts(region: &Region) -> BTreeMap<Level, usize> {
    let mut counts = BTreeMap::new();
    for j in &region.jurisdictions {
        *counts.entry(j.level).or_insert(0) += 1;
    }
    counts
}
