//! The conflicts analysis in partitions by border (core's `conflicts::partition`): the plan,
//! one partition on its zones alone, the merge of their tables. A cluster runs the partitions
//! (the Python package's `borderscape.dask`), or `analyze --partitions` runs them one after
//! another; each needs the project's small layers, the plan and its rows of the plans layer.
//!
//! With the plans layer in GeoParquet the plan reads it in parts and a partition reads only its
//! rows: no step holds the whole layer.

use borderscape_core::provenance::Provenance;
use std::path::Path;
use std::time::Instant;

use borderscape_core::analysis::conflicts::partition::Planner;
use borderscape_core::analysis::conflicts::summary::ConflictNotes;
use borderscape_core::analysis::conflicts::{self, partition, Conflicts, Findings, Settings};
use borderscape_core::analysis::{AnalysisModule, AnalysisOutput};
use borderscape_core::table::{Column, Table, Value};
use borderscape_core::{Inputs, Level, Region};
use borderscape_io::geoparquet;
use borderscape_io::gpkg::Srs;
use borderscape_io::load::{load, prepare_part, sha256_of, LayerInfo, LoadOptions};
use borderscape_io::manifest::{LayerKind, LayerSection, Project};
use borderscape_io::pipeline::{self, resolve_params};
use borderscape_io::read::{read_table, Format, ReadOptions};
use borderscape_io::IoError;

pub use partition::PartitionPlan;

use crate::{read_parquet_bytes, OpsError};

/// Rows of the plans layer read at a time while planning.
const PART_ROWS: usize = 1 << 18;

/// What one partition found: its conflicts (geometries in the analysis CRS) and plan
/// consistency, and the notes on the inputs.
pub struct Part {
    pub conflicts: Table,
    pub consistency: Option<Table>,
    pub notes: ConflictNotes,
}

/// A partition's share as GeoParquet bytes, as it travels from a cluster's worker or waits for
/// the merge: far smaller than its tables (the national benchmark's 2.3 million conflicts take
/// 0.33 GB as Parquet).
pub struct PackedPart {
    pub conflicts: Vec<u8>,
    pub consistency: Option<Vec<u8>>,
    pub notes: ConflictNotes,
}

impl Part {
    /// Its tables as GeoParquet bytes.
    pub fn pack(&self) -> Result<PackedPart, OpsError> {
        // Geometries stay in the analysis CRS (no EPSG code) until the merge: the same
        // conversion to WGS84 as a whole run's then applies.
        let bytes = |t: &Table| {
            geoparquet::to_bytes(Path::new(&t.name), t, Srs::UNKNOWN, &Default::default())
        };
        Ok(PackedPart {
            conflicts: bytes(&self.conflicts)?,
            consistency: self.consistency.as_ref().map(bytes).transpose()?,
            notes: self.notes.clone(),
        })
    }
}

impl PackedPart {
    /// Its conflicts and consistency tables; `name` names the partition in messages.
    fn unpack(self, name: &str) -> Result<(Table, Option<Table>), OpsError> {
        let read = |bytes| read_parquet_bytes(bytes, name);
        Ok((
            read(self.conflicts)?,
            self.consistency.map(read).transpose()?,
        ))
    }
}

/// The merged partitions: the region (without plans), the findings and their tables (in the
/// analysis CRS, as a whole run's), and the input layers (the plans layer described, not read).
pub struct Merged {
    pub region: Region,
    pub findings: Findings,
    pub output: AnalysisOutput,
    pub layers: Vec<LayerInfo>,
}

/// The layers the conflicts analysis reads; a partition loads no other.
const CONFLICT_LAYERS: [&str; 10] = [
    "jurisdictions",
    "plans",
    "facilities",
    "roads",
    "rivers",
    "channels",
    "lakes",
    "ecology",
    "compatibility",
    "nuisance_radii",
];

/// The project with the layers conflicts reads, and no other (a partition does not pay for the
/// land cover, the registry or the indicators) nor the compensation schemes.
fn for_conflicts(project: &Project) -> Project {
    let mut only = project.clone();
    only.manifest
        .layers
        .retain(|kind, _| CONFLICT_LAYERS.contains(&kind.as_str()));
    only.manifest.schemes.clear();
    only
}

fn settings(project: &Project) -> Result<Settings, OpsError> {
    Ok(Conflicts::params(&parameters(project)?)?)
}

/// The conflicts parameters of the project's manifest.
pub fn parameters(project: &Project) -> Result<borderscape_core::spec::Params, OpsError> {
    let analysis = borderscape_core::analysis::REGISTRY
        .iter()
        .find(|a| a.spec.name == conflicts::SPEC.name)
        .expect("conflicts is registered");
    Ok(resolve_params(project, analysis)?)
}

fn plans_section(project: &Project) -> Result<&LayerSection, OpsError> {
    project.manifest.layers.get("plans").ok_or_else(|| {
        OpsError::Input("partitions divide a plans layer, and the project has none".into())
    })
}

/// The project without its plans layer, and the region it loads to (messages about plans still
/// name the file).
fn inputs_without_plans(
    project: &Project,
    options: &LoadOptions,
) -> Result<(Inputs, Vec<LayerInfo>), OpsError> {
    let path = project.layer_path(plans_section(project)?);
    let mut without = project.clone();
    without.manifest.layers.remove("plans");
    let mut options = options.clone();
    options.tables.remove("plans");
    let (mut inputs, layers, _) = load(without, &options).into_inputs()?;
    inputs
        .region
        .layer_files
        .insert("plans".into(), path.display().to_string());
    Ok((inputs, layers))
}

/// The partitions of the project's conflicts, grouping the units of the analysis level by their
/// ancestor at `group_level`. A GeoParquet plans layer is read in parts of [`PART_ROWS`]; any
/// other (or one given in `options`) is loaded whole.
pub fn plan(
    project: Project,
    options: &LoadOptions,
    group_level: Level,
) -> Result<PartitionPlan, OpsError> {
    let settings = settings(&project)?;
    let project = for_conflicts(&project);
    let path = project.layer_path(plans_section(&project)?);
    if options.tables.contains_key("plans") || Format::from_path(&path) != Some(Format::GeoParquet)
    {
        let (inputs, _, _) = load(project, options).into_inputs()?;
        return Ok(partition::plan(&inputs, &settings, group_level)?);
    }
    let (inputs, _) = inputs_without_plans(&project, options)?;
    // A second pass only when a later part holds a larger zone than the first (see Planner).
    let mut assumed = None;
    loop {
        let mut planner = Planner::new(&inputs, &settings, group_level, assumed)?;
        geoparquet::read_in_parts(&path, PART_ROWS, &mut |first, part| {
            let table = prepare_part(&project, LayerKind::Plans, part, first, &inputs.region.crs)?;
            planner.add(&table, first).map_err(IoError::from)
        })?;
        match planner.larger_extent() {
            Some(extent) => assumed = Some(extent),
            None => return Ok(planner.finish()?),
        }
    }
}

/// The rows of the plans layer that partition `p` holds, with an `id` column naming each zone
/// by its row in the whole layer when the layer has no ids of its own (as a whole run names it).
pub fn plan_rows(project: &Project, plan: &PartitionPlan, p: usize) -> Result<Table, OpsError> {
    let section = plans_section(project)?;
    let path = project.layer_path(section);
    let rows = plan.rows(p);
    let mut table = if Format::from_path(&path) == Some(Format::GeoParquet) {
        geoparquet::read_rows(&path, &rows)?.table
    } else {
        let whole = read_table(&path, &ReadOptions::default())?.table;
        let mut part = Table::new(
            &whole.name,
            whole.columns.clone(),
            whole.geometries.is_some(),
        );
        for &r in &rows {
            let row = whole.rows.get(r).ok_or_else(|| {
                IoError::file(
                    &path,
                    format!("the partition plan names row {r}, which the file lacks"),
                )
            })?;
            part.push(row.clone(), whole.geometry(r).cloned());
        }
        part
    };
    let id = section.fields.get("id").map_or("id", String::as_str);
    if table.column_index(id).is_none() {
        table
            .columns
            .push(Column::text(id, "row in the whole layer"));
        for (row, &r) in table.rows.iter_mut().zip(&rows) {
            row.push(Value::Text(r.to_string()));
        }
    }
    Ok(table)
}

/// Partition `p`: the conflicts and consistency it keeps. `options` must give the plans layer
/// as [`plan_rows`] reads it.
pub fn run(
    project: Project,
    options: &LoadOptions,
    plan: &PartitionPlan,
    p: usize,
) -> Result<Part, OpsError> {
    let mut settings = settings(&project)?;
    settings.versions = Some(plan.versions.clone());
    let mut project = for_conflicts(&project);
    if !PartitionPlan::has_networks(p) {
        for network in ["roads", "rivers", "channels"] {
            project.manifest.layers.remove(network);
        }
    }
    let (inputs, _, _) = load(project, options).into_inputs()?;
    let region = &inputs.region;
    let mut findings = conflicts::collect(&inputs, &settings)?;
    plan.keep(region, p, &mut findings);
    Ok(Part {
        conflicts: conflicts::conflicts_table(region, &findings.conflicts),
        consistency: findings
            .consistency
            .as_deref()
            .map(|rows| conflicts::consistency::consistency_table(region, rows)),
        notes: findings.notes,
    })
}

/// The findings and tables of a whole run from those of every partition (the project is read
/// without its plans layer); each part is unpacked in turn and dropped once merged.
pub fn merge(
    project: Project,
    options: &LoadOptions,
    plan: &PartitionPlan,
    parts: Vec<PackedPart>,
) -> Result<Merged, OpsError> {
    let section = plans_section(&project)?.clone();
    let (inputs, mut layers) = inputs_without_plans(&project, options)?;
    let mut region = inputs.region;
    if section.provenance() == Provenance::Synthetic {
        region.synthetic_layers.insert("plans".into());
    }
    let path = project.layer_path(&section);
    layers.push(LayerInfo {
        kind: "plans".into(),
        path: section.path.display().to_string(),
        features: plan.zones + plan.zones_outside,
        datum: section.datum.clone(),
        synthetic: section.provenance() == Provenance::Synthetic,
        provenance: section.provenance(),
        description: section.description.clone(),
        sha256: sha256_of(&path),
    });
    // In the manifest's order, as a whole run lists them.
    let order: Vec<&String> = project.manifest.layers.keys().collect();
    layers.sort_by_key(|l| order.iter().position(|k| **k == l.kind));
    // The first partition's notes: it read every input layer (networks too).
    let notes = parts.first().map(|p| p.notes.clone()).unwrap_or_default();
    // The merge stops at the first part that does not read back; its error is the answer.
    let mut failure = None;
    let tables = parts.into_iter().enumerate().map_while(|(k, part)| {
        part.unpack(&format!("partition {k}"))
            .map_err(|e| failure = Some(e))
            .ok()
    });
    let findings = partition::merge(&region, plan, tables, &notes);
    if let Some(e) = failure {
        return Err(e);
    }
    let findings = findings?;
    let mut output = conflicts::output(&region, &findings)?;
    pipeline::label_tables("conflicts", &mut output.tables, &layers);
    Ok(Merged {
        region,
        findings,
        output,
        layers,
    })
}

/// Plan, every partition one after another (each reading its rows of the plans layer), and the
/// merge; `progress` hears (partition, partitions, its zones, seconds).
pub fn run_all(
    project: &Project,
    group_level: Level,
    progress: &mut dyn FnMut(usize, usize, usize, f64),
) -> Result<(PartitionPlan, Merged), OpsError> {
    let plan = plan(project.clone(), &LoadOptions::default(), group_level)?;
    let mut parts = Vec::with_capacity(plan.partitions.len());
    for p in 0..plan.partitions.len() {
        let clock = Instant::now();
        let options = LoadOptions {
            tables: [("plans".to_string(), plan_rows(project, &plan, p)?)].into(),
            ..Default::default()
        };
        parts.push(run(project.clone(), &options, &plan, p)?.pack()?);
        progress(
            p,
            plan.partitions.len(),
            plan.partitions[p].zones,
            clock.elapsed().as_secs_f64(),
        );
    }
    let merged = merge(project.clone(), &LoadOptions::default(), &plan, parts)?;
    Ok((plan, merged))
}
