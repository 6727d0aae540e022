//! `borderscape._native`: the Rust side of the Python package. Layers arrive as the bytes of a
//! (Geo)Parquet file that GeoPandas or pandas wrote in one piece, results leave the same way;
//! nothing crosses the boundary feature by feature. The work runs without the GIL.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use borderscape_core::stats::coupling::Subsystem;
use borderscape_core::table::Table;
use borderscape_io::geoparquet;
use borderscape_io::gpkg::Srs;
use borderscape_io::load::LoadOptions;
use borderscape_io::manifest::Project;
use borderscape_io::IoError;
use borderscape_ops::coupling::{coupling as coupling_of, CouplingOptions};
use borderscape_ops::moran::{moran as moran_of, MoranOptions};
use borderscape_ops::project::{self, MemoryLayer, Run};
use borderscape_ops::OpsError;
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

/// A layer the Python side wrote as (Geo)Parquet.
fn read_layer(bytes: Vec<u8>, name: &str) -> Result<Table, OpsError> {
    let read = geoparquet::read_bytes(bytes, Path::new(name))?;
    if let Some(problem) = read.problems.iter().find(|p| p.is_error()) {
        return Err(OpsError::Input(problem.to_string()));
    }
    Ok(read.table)
}

/// Output tables: (name, spatial, GeoParquet bytes in WGS84).
type Tables = Vec<(String, bool, Vec<u8>)>;

/// Every output table of a run.
fn tables_of(run: &Run) -> Result<Tables, OpsError> {
    let mut out = Vec::new();
    for finished in &run.finished {
        for table in &finished.output.tables {
            let wgs84 = run.region.table_to_wgs84(table)?;
            let name = PathBuf::from(format!("{}.parquet", table.name));
            let bytes = geoparquet::to_bytes(&name, &wgs84, Srs::WGS84, &Default::default())?;
            out.push((table.name.clone(), wgs84.geometries.is_some(), bytes));
        }
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

/// One layer from Python: (kind, name in messages, datum, fields, synthetic, parquet bytes).
type PyLayer<Bytes> = (
    String,
    String,
    String,
    BTreeMap<String, String>,
    bool,
    Bytes,
);

/// Runs analyses on layers given as (Geo)Parquet bytes; `parameters`: JSON text of
/// `{analysis: {name: value}}`.
#[pyfunction]
#[pyo3(signature = (layers, only, parameters, region, crs))]
fn analyze_layers<'py>(
    py: Python<'py>,
    layers: Vec<PyLayer<Bound<'py, PyBytes>>>,
    only: Vec<String>,
    parameters: String,
    region: String,
    crs: String,
) -> PyResult<(Bound<'py, PyDict>, String)> {
    let layers: Vec<PyLayer<Vec<u8>>> = layers
        .into_iter()
        .map(|(kind, name, datum, fields, synthetic, bytes)| {
            (
                kind,
                name,
                datum,
                fields,
                synthetic,
                bytes.as_bytes().to_vec(),
            )
        })
        .collect();
    let (tables, summary) = py
        .detach(|| {
            let parameters: serde_json::Value = serde_json::from_str(&parameters)
                .map_err(|e| OpsError::Usage(format!("parameters: {e}")))?;
            let mut memory = Vec::new();
            for (kind, name, datum, fields, synthetic, bytes) in layers {
                memory.push(MemoryLayer {
                    table: read_layer(bytes, &name)?,
                    kind,
                    name,
                    datum,
                    fields,
                    synthetic,
                });
            }
            let (project, options) = project::in_memory(&region, &crs, memory, &parameters)?;
            let run = project::run(project, &options, Some(&only), &mut |_| {})?;
            finish(run)
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
            let table = read_layer(bytes, &name)?;
            let run = moran_of(&table, Path::new(&name), &options)?;
            let lisa = run
                .lisa
                .map(|t| {
                    geoparquet::to_bytes(Path::new("lisa"), &t, Srs::WGS84, &Default::default())
                })
                .transpose()?;
            Ok::<_, OpsError>((run.report.to_string(), lisa))
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
        let table = read_layer(bytes, &name)?;
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
            serde_json::Value::Array(run.records).to_string(),
            run.weights.to_string(),
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
    m.add_function(wrap_pyfunction!(moran, m)?)?;
    m.add_function(wrap_pyfunction!(coupling, m)?)?;
    Ok(())
}
