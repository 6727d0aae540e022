//! Running a project's analyses without writing anything: the command line's `analyze` (which
//! then writes the results and the report) and the Python package's `analyze`, `borders` and
//! `conflicts` (whose layers may be GeoDataFrames already in memory).

use std::collections::BTreeMap;
use std::path::PathBuf;

use borderscape_core::table::Table;
use borderscape_core::Inputs;
use borderscape_io::load::{load, LayerInfo, LoadOptions};
use borderscape_io::manifest::{LayerKind, LayerSection, Manifest, Project, RegionSection};
use borderscape_io::pipeline::{self, plan, Event, Finished};
use borderscape_io::IoError;
use serde_json::Value as Json;

use crate::OpsError;

/// What a run computed.
pub struct Run {
    pub inputs: Inputs,
    pub layers: Vec<LayerInfo>,
    pub project: Project,
    pub finished: Vec<Finished>,
    /// summary.json.
    pub summary: Json,
}

/// Loads and validates `project` and runs the analyses `only` names (with those they depend
/// on), or every analysis its layers allow; `on_event` hears of each step.
pub fn run(
    project: Project,
    options: &LoadOptions,
    only: Option<&[String]>,
    on_event: &mut dyn FnMut(Event),
) -> Result<Run, OpsError> {
    let planned = plan(&project, only)?;
    if planned.is_empty() {
        return Err(OpsError::Input(
            "no analysis can run: the project lacks their input layers (see `analyze --list`)"
                .into(),
        ));
    }
    let title = "read and validate inputs";
    on_event(Event::Started { title });
    let clock = std::time::Instant::now();
    let (inputs, layers, project) = load(project, options).into_inputs()?;
    let too_long = pipeline::lengths_beyond_extent(&project, &inputs.region);
    if !too_long.is_empty() {
        return Err(IoError::Invalid(too_long).into());
    }
    on_event(Event::Finished {
        title,
        seconds: clock.elapsed().as_secs_f64(),
    });
    let mut finished = pipeline::run(&inputs, planned, on_event)?;
    pipeline::label_provenance(&mut finished, &layers);
    let name_zh = project.manifest.region.name_zh.as_deref();
    let summary = pipeline::summary(&inputs.region, name_zh, &layers, &finished);
    Ok(Run {
        inputs,
        layers,
        project,
        finished,
        summary,
    })
}

/// A layer held in memory, or a file.
pub struct MemoryLayer {
    /// Its kind (`jurisdictions`, `plans`, …).
    pub kind: String,
    /// What names it in messages (in place of a file name), or the file's path.
    pub name: String,
    /// Datum of its coordinates: wgs84, cgcs2000, gcj02, bd09 or EPSG:<code>.
    pub datum: String,
    /// Canonical field → its column, as a manifest's `fields`.
    pub fields: BTreeMap<String, String>,
    /// Generated rather than observed (carried into the outputs).
    pub synthetic: bool,
    /// The layer, or `None` to read the file `name`.
    pub table: Option<Table>,
}

/// A project of layers in memory, with `[analysis.<name>]` parameters given as JSON objects
/// (`{"conflicts": {"radius_m": 500}}`), and the load options that read its layers.
pub fn in_memory(
    region: &str,
    crs: &str,
    layers: Vec<MemoryLayer>,
    analysis: &Json,
) -> Result<(Project, LoadOptions), OpsError> {
    let mut sections = BTreeMap::new();
    let mut tables = BTreeMap::new();
    for layer in layers {
        if LayerKind::parse(&layer.kind).is_none() {
            let known: Vec<&str> = LayerKind::ALL.iter().map(|k| k.name()).collect();
            return Err(OpsError::Usage(format!(
                "unknown layer kind `{}` (known: {})",
                layer.kind,
                known.join(", ")
            )));
        }
        sections.insert(
            layer.kind.clone(),
            LayerSection {
                path: PathBuf::from(&layer.name),
                datum: Some(layer.datum),
                fields: layer.fields,
                layer: None,
                encoding: None,
                synthetic: layer.synthetic,
                provenance: None,
                description: None,
                year: None,
                scheme: None,
                files: Vec::new(),
            },
        );
        if let Some(table) = layer.table {
            tables.insert(layer.kind, table);
        }
    }
    let parameters = match analysis {
        Json::Null => BTreeMap::new(),
        Json::Object(by_analysis) => by_analysis
            .iter()
            .map(|(name, values)| match toml::Value::try_from(values) {
                Ok(toml::Value::Table(t)) => Ok((name.clone(), t)),
                _ => Err(OpsError::Usage(format!(
                    "the parameters of `{name}` must be an object of names and values"
                ))),
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(OpsError::Usage(
                "parameters must be an object by analysis name".into(),
            ))
        }
    };
    let manifest = Manifest {
        region: RegionSection {
            name: region.to_string(),
            name_zh: None,
            crs: crs.to_string(),
        },
        layers: sections,
        analysis: parameters,
        schemes: Vec::new(),
        limits: Default::default(),
        governance: Default::default(),
    };
    let project = Project {
        root: PathBuf::new(),
        manifest_path: PathBuf::from("parameters"),
        manifest,
    };
    let options = LoadOptions {
        tables,
        ..Default::default()
    };
    Ok((project, options))
}
