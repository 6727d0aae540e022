//! `borderscape._native`: the Rust side of the Python package. Layers arrive as the bytes of a
//! (Geo)Parquet file that GeoPandas or pandas wrote in one piece, results leave the same way;
//! nothing crosses the boundary feature by feature. The work runs without the GIL.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use borderscape_core::stats::coupling::Subsystem;
use borderscape_core::table::Table;
use borderscape_core::{Level, Region};
use borderscape_io::geoparquet;
use borderscape_io::gpkg::Srs;
use borderscape_io::load::LoadOptions;
use borderscape_io::manifest::Project;
use borderscape_io::IoError;
use borderscape_ops::coupling::{coupling as coupling_of, CouplingOptions};
use borderscape_ops::moran::{moran as moran_of, MoranOptions};
use borderscape_ops::partition::{self, PartitionPlan};
use borderscape_ops::project::{self, MemoryLayer, Run};
use borderscape_ops::{read_parquet_bytes, OpsError};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

create_exception!(
    _native,
    BorderscapeError,
    PyException,
    "Anything borderscape refuses; the message is the command line's."
);
create_exception!(
    _native,
    InputError,
    BorderscapeError,
    "The input is invalid (the command line exits 1); the message names the layer, feature and field."
);
create_exception!(
    _native,
    UsageError,
    BorderscapeError,
    "An option asks for something that cannot be (the command line exits 2)."
);
create_exception!(
    _native,
    InternalError,
    BorderscapeError,
    "A bug in borderscape (the command line exits 3)."
);

/// The exception for `e`, with the message the command line prints after `error: `.
fn to_python(e: OpsError) -> PyErr {
    match e {
        OpsError::Input(m) => InputError::new_err(m),
        OpsError::Usage(m) => UsageError::new_err(m),
        OpsError::Io(e) => {
            let usage = matches!(e, IoError::Refused { .. });
            let input = e.is_input_error();
            let message = format!("{:#}", anyhow::Error::from(e));
            if usage {
                UsageError::new_err(message)
            } else if input {
                InputError::new_err(message)
            } else {
                InternalError::new_err(message)
            }
        }
    }
}

/// Output tables: (name, spatial, GeoParquet bytes in WGS84).
type Tables = Vec<(String, bool, Vec<u8>)>;

/// Output tables of `region` (geometries in its analysis CRS) in WGS84.
fn wgs84_tables(region: &Region, tables: &[Table]) -> Result<Tables, OpsError> {
    let mut out = Vec::new();
    for table in tables {
        let wgs84 = region.table_to_wgs84(table)?;
        let name = PathBuf::from(format!("{}.parquet", table.name));
        let bytes = geoparquet::to_bytes(&name, &wgs84, Srs::WGS84, &Default::default())?;
        out.push((table.name.clone(), wgs84.geometries.is_some(), bytes));
    }
    Ok(out)
}

/// Every output table of a run.
fn tables_of(run: &Run) -> Result<Tables, OpsError> {
    let mut out = Vec::new();
    for finished in &run.finished {
        out.extend(wgs84_tables(&run.inputs.region, &finished.output.tables)?);
    }
    Ok(out)
}

/// The tables as a dict name → (spatial, bytes), and the summary as JSON text.
fn to_python_run<'py>(
    py: Python<'py>,
    tables: Tables,
    summary: String,
) -> PyResult<(Bound<'py, PyDict>, String)> {
    let dict = PyDict::new(py);
    for (name, spatial, bytes) in tables {
        dict.set_item(name, (spatial, PyBytes::new(py, &bytes)))?;
    }
    Ok((dict, summary))
}

fn finish(run: Run) -> Result<(Tables, String), OpsError> {
    let tables = tables_of(&run)?;
    Ok((tables, run.summary.to_string()))
}

/// Runs the analyses of the project at `path` (a folder with borderscape.toml, or the manifest);
/// `only`: these analyses (with those they depend on). Returns ({table: (spatial, parquet)},
/// summary JSON).
#[pyfunction]
#[pyo3(signature = (path, only=None))]
fn analyze_project<'py>(
    py: Python<'py>,
    path: PathBuf,
    only: Option<Vec<String>>,
) -> PyResult<(Bound<'py, PyDict>, String)> {
    let (tables, summary) = py
        .detach(|| {
            let project = Project::load(&path)?;
            let run = project::run(
                project,
                &LoadOptions::default(),
                only.as_deref(),
                &mut |_| {},
            )?;
            finish(run)
        })
        .map_err(to_python)?;
    to_python_run(py, tables, summary)
}

/// One layer from Python: (kind, name in messages or the file's path, datum, fields, synthetic,
/// (Geo)Parquet bytes or `None` to read the file).
type PyLayer<Bytes> = (
    String,
    String,
    String,
    BTreeMap<String, String>,
    bool,
    Option<Bytes>,
);

/// The layers with their bytes copied out of Python (so that the work can run without the GIL).
fn owned(layers: Vec<PyLayer<Bound<'_, PyBytes>>>) -> Vec<PyLayer<Vec<u8>>> {
    layers
        .into_iter()
        .map(|(kind, name, datum, fields, synthetic, bytes)| {
            let bytes = bytes.map(|b| b.as_bytes().to_vec());
            (kind, name, datum, fields, synthetic, bytes)
        })
        .collect()
}

/// A project as the Python side describes it: (layers, `{analysis: {name: value}}` parameters
/// as JSON text, the region's name, its CRS setting).
type PySpec<'py> = (Vec<PyLayer<Bound<'py, PyBytes>>>, String, String, String);

/// A [`PySpec`] with its bytes copied out of Python (so that the work can run without the GIL).
struct Spec {
    layers: Vec<PyLayer<Vec<u8>>>,
    parameters: String,
    region: String,
    crs: String,
}

impl Spec {
    fn new((layers, parameters, region, crs): PySpec<'_>) -> Self {
        Spec {
            layers: owned(layers),
            parameters,
            region,
            crs,
        }
    }

    /// The project, and the load options holding its in-memory layers (`plans`: this table
    /// instead of the layer's file).
    fn project(&self, plans: Option<Table>) -> Result<(Project, LoadOptions), OpsError> {
        let parameters: serde_json::Value = serde_json::from_str(&self.parameters)
            .map_err(|e| OpsError::Usage(format!("parameters: {e}")))?;
        let mut memory = Vec::new();
        let mut plans = plans;
        for (kind, name, datum, fields, synthetic, bytes) in &self.layers {
            let table = match bytes {
                Some(bytes) => Some(read_parquet_bytes(bytes.clone(), name)?),
                None if kind == "plans" => plans.take(),
                None => None,
            };
            memory.push(MemoryLayer {
                kind: kind.clone(),
                name: name.clone(),
                datum: datum.clone(),
                fields: fields.clone(),
                synthetic: *synthetic,
                table,
            });
        }
        project::in_memory(&self.region, &self.crs, memory, &parameters)
    }
}

/// Runs the analyses `only` on a project given as a [`PySpec`].
#[pyfunction]
#[pyo3(signature = (spec, only))]
fn analyze_layers<'py>(
    py: Python<'py>,
    spec: PySpec<'py>,
    only: Vec<String>,
) -> PyResult<(Bound<'py, PyDict>, String)> {
    let spec = Spec::new(spec);
    let (tables, summary) = py
        .detach(|| {
            let (project, options) = spec.project(None)?;
            let run = project::run(project, &options, Some(&only), &mut |_| {})?;
            finish(run)
        })
        .map_err(to_python)?;
    to_python_run(py, tables, summary)
}

fn plan_of(json: &str) -> Result<PartitionPlan, OpsError> {
    serde_json::from_str(json).map_err(|e| OpsError::Usage(format!("partition plan: {e}")))
}

/// The partitions of the conflicts of a project whose plans layer is a file; units are grouped
/// by their ancestor at `group_level`. Returns the plan as JSON text.
#[pyfunction]
#[pyo3(signature = (spec, group_level))]
fn partition_plan<'py>(
    py: Python<'py>,
    spec: PySpec<'py>,
    group_level: String,
) -> PyResult<String> {
    let spec = Spec::new(spec);
    py.detach(|| {
        let level = Level::parse(&group_level)
            .ok_or_else(|| OpsError::Usage(format!("unknown level `{group_level}`")))?;
        let (project, options) = spec.project(None)?;
        let plan = partition::plan(project, &options, level)?;
        Ok(serde_json::to_string(&plan).expect("serialisable"))
    })
    .map_err(to_python)
}

/// One partition's share: (conflicts, plan consistency or None) as GeoParquet bytes, and the
/// notes on the inputs as JSON text.
type PartBytes = (Vec<u8>, Option<Vec<u8>>, String);

/// Runs partition `p` of `plan` (JSON text), reading its rows of the plans file.
#[pyfunction]
#[pyo3(signature = (spec, plan, p))]
fn partition_run<'py>(
    py: Python<'py>,
    spec: PySpec<'py>,
    plan: String,
    p: usize,
) -> PyResult<(Bound<'py, PyBytes>, Option<Bound<'py, PyBytes>>, String)> {
    let spec = Spec::new(spec);
    let (conflicts, consistency, notes): PartBytes = py
        .detach(|| {
            let plan = plan_of(&plan)?;
            if p >= plan.partitions.len() {
                return Err(OpsError::Usage(format!(
                    "the plan has {} partitions, not {}",
                    plan.partitions.len(),
                    p + 1
                )));
            }
            let (project, _) = spec.project(None)?;
            let rows = partition::plan_rows(&project, &plan, p)?;
            let (project, options) = spec.project(Some(rows))?;
            let part = partition::run(project, &options, &plan, p)?.pack()?;
            let notes = serde_json::to_string(&part.notes)
                .map_err(|e| OpsError::Usage(format!("partition {p}: notes: {e}")))?;
            Ok((part.conflicts, part.consistency, notes))
        })
        .map_err(to_python)?;
    Ok((
        PyBytes::new(py, &conflicts),
        consistency.map(|b| PyBytes::new(py, &b)),
        notes,
    ))
}

/// The tables of the whole run from every partition's share (as [`partition_run`] returns
/// them): ({table: (spatial, parquet)}, the conflicts summary as JSON text).
#[pyfunction]
#[pyo3(signature = (spec, plan, parts))]
fn partition_merge<'py>(
    py: Python<'py>,
    spec: PySpec<'py>,
    plan: String,
    parts: Vec<(Bound<'py, PyBytes>, Option<Bound<'py, PyBytes>>, String)>,
) -> PyResult<(Bound<'py, PyDict>, String)> {
    let spec = Spec::new(spec);
    let parts: Vec<PartBytes> = parts
        .into_iter()
        .map(|(c, k, n)| (c.as_bytes().to_vec(), k.map(|k| k.as_bytes().to_vec()), n))
        .collect();
    let (tables, summary) = py
        .detach(|| {
            let plan = plan_of(&plan)?;
            let mut packed = Vec::new();
            for (k, (conflicts, consistency, notes)) in parts.into_iter().enumerate() {
                packed.push(partition::PackedPart {
                    conflicts,
                    consistency,
                    notes: serde_json::from_str(&notes)
                        .map_err(|e| OpsError::Usage(format!("partition {k}: notes: {e}")))?,
                });
            }
            let (project, options) = spec.project(None)?;
            let merged = partition::merge(project, &options, &plan, packed)?;
            let tables = wgs84_tables(&merged.region, &merged.output.tables)?;
            Ok::<_, OpsError>((tables, merged.output.summary.to_string()))
        })
        .map_err(to_python)?;
    to_python_run(py, tables, summary)
}

/// Moran's I of `var` of a layer given as (Geo)Parquet bytes; `options` as the command line's
/// flags. Returns (report JSON, LISA table as GeoParquet bytes or None).
#[pyfunction]
#[pyo3(signature = (layer, name, var, weights, transform, permutations, seed, alternative, local, significance, fdr, bivariate, id, datum, snap_tolerance_m))]
#[allow(clippy::too_many_arguments)]
fn moran<'py>(
    py: Python<'py>,
    layer: Bound<'py, PyBytes>,
    name: String,
    var: String,
    weights: String,
    transform: String,
    permutations: Option<usize>,
    seed: Option<u64>,
    alternative: String,
    local: bool,
    significance: Option<f64>,
    fdr: bool,
    bivariate: Option<String>,
    id: Option<String>,
    datum: String,
    snap_tolerance_m: f64,
) -> PyResult<(String, Option<Bound<'py, PyBytes>>)> {
    let bytes = layer.as_bytes().to_vec();
    let options = MoranOptions {
        var,
        id,
        weights,
        transform,
        permutations,
        seed,
        alternative,
        local,
        significance,
        fdr,
        bivariate,
        datum,
        snap_tolerance_m,
    };
    let (report, lisa) = py
        .detach(|| {
            let table = read_parquet_bytes(bytes, &name)?;
            let run = moran_of(&table, Path::new(&name), &options)?;
            let lisa = run
                .lisa
                .map(|t| {
                    geoparquet::to_bytes(Path::new("lisa"), &t, Srs::WGS84, &Default::default())
                })
                .transpose()?;
            let report = serde_json::to_string(&run.report)
                .map_err(|e| OpsError::Usage(format!("the report: {e}")))?;
            Ok::<_, OpsError>((report, lisa))
        })
        .map_err(to_python)?;
    Ok((report, lisa.map(|b| PyBytes::new(py, &b))))
}

/// Coupling coordination of the rows of a table given as Parquet bytes; `systems` as the
/// command line's `--system NAME=col,col,-col`. Returns (records JSON, indicator weights JSON).
#[pyfunction]
#[pyo3(signature = (table, name, unit, systems, year, model, weights, entropy_scope, alpha))]
#[allow(clippy::too_many_arguments)]
fn coupling<'py>(
    py: Python<'py>,
    table: Bound<'py, PyBytes>,
    name: String,
    unit: String,
    systems: Vec<String>,
    year: Option<String>,
    model: String,
    weights: String,
    entropy_scope: String,
    alpha: Vec<(String, f64)>,
) -> PyResult<(String, String)> {
    let bytes = table.as_bytes().to_vec();
    py.detach(|| {
        let systems = systems
            .iter()
            .map(|s| Subsystem::parse(s).map_err(OpsError::Usage))
            .collect::<Result<Vec<_>, _>>()?;
        let table = read_parquet_bytes(bytes, &name)?;
        let options = CouplingOptions {
            unit,
            year,
            systems,
            model,
            weights,
            entropy_scope,
            alpha,
        };
        let run = coupling_of(&table, Path::new(&name), &options)?;
        Ok((
            serde_json::to_string(&run.records).expect("serialisable"),
            serde_json::to_string(&run.weights).expect("serialisable"),
        ))
    })
    .map_err(to_python)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("BorderscapeError", py.get_type::<BorderscapeError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("UsageError", py.get_type::<UsageError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(analyze_project, m)?)?;
    m.add_function(wrap_pyfunction!(analyze_layers, m)?)?;
    m.add_function(wrap_pyfunction!(partition_plan, m)?)?;
    m.add_function(wrap_pyfunction!(partition_run, m)?)?;
    m.add_function(wrap_pyfunction!(partition_merge, m)?)?;
    m.add_function(wrap_pyfunction!(moran, m)?)?;
    m.add_function(wrap_pyfunction!(coupling, m)?)?;
    Ok(())
}
