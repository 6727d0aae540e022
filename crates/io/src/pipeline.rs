//! The `analyze` pipeline: choose the analyses a project can run, run them, and write
//! `results.gpkg` (with `results.qgs`, its QGIS project) and/or `parquet/*.parquet`, `tables/*.csv`, `summary.json`, `run.json` and `report.html` into one folder,
//! atomically. summary.json and the tables hold no timestamps (same inputs → same bytes);
//! timings go to run.json.

use std::collections::BTreeMap;

use std::any::Any;
use std::collections::BTreeSet;
use std::path::Path;

use borderscape_core::analysis::{find, Analysis, AnalysisOutput, Upstream, REGISTRY};
use borderscape_core::error::AnalysisError;
use borderscape_core::model::rules::RULE_KINDS;
use borderscape_core::provenance::{provenance_column, Basis, Provenance};
use borderscape_core::spec::{ParamValue, Params};
use borderscape_core::table::{Table, Value as TableValue};
use borderscape_core::{Inputs, Region};
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use crate::error::{IoError, Problem, Severity};
use crate::geoparquet;
use crate::gpkg::{self, Srs};
use crate::load::{jurisdiction_counts, LayerInfo};
use crate::manifest::Project;
use crate::outputs::OutputDir;
use crate::write::write_csv;

/// The formats the result layers are written in (`analyze --format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerFormats {
    /// `results.gpkg` and its QGIS project `results.qgs` (what the dashboard and case import read).
    pub gpkg: bool,
    /// `parquet/<output>.parquet`: GeoParquet 1.1 for the spatial outputs, plain Parquet for the others.
    pub parquet: bool,
}

impl Default for LayerFormats {
    fn default() -> Self {
        Self {
            gpkg: true,
            parquet: false,
        }
    }
}

/// An analysis chosen to run, with its resolved parameters.
pub struct Planned {
    pub analysis: &'static Analysis,
    pub params: Params,
}

/// An analysis that ran.
pub struct Finished {
    pub name: &'static str,
    pub params: Params,
    pub output: AnalysisOutput,
    /// Its typed result, for the analyses that depend on it.
    pub result: Box<dyn Any + Send + Sync>,
    pub seconds: f64,
}

/// The Parquet files (when asked for) and the CSV tables of the result layers.
fn write_files(dir: &Path, tables: &[Table], formats: LayerFormats) -> Result<(), IoError> {
    if formats.parquet {
        let parquet = dir.join("parquet");
        std::fs::create_dir_all(&parquet).map_err(|e| IoError::file(&parquet, e))?;
        for table in tables {
            let path = parquet.join(format!("{}.parquet", table.name));
            geoparquet::write(&path, table, Srs::WGS84, &Default::default())?;
        }
    }
    let csv = dir.join("tables");
    std::fs::create_dir_all(&csv).map_err(|e| IoError::file(&csv, e))?;
    for table in tables {
        write_csv(&csv.join(format!("{}.csv", table.name)), table, false)?;
    }
    Ok(())
}

/// The analyses `only` names and, transitively, those they depend on.
fn with_dependencies(only: &[String]) -> BTreeSet<&'static str> {
    let mut wanted: BTreeSet<&'static str> = REGISTRY
        .iter()
        .map(|a| a.spec.name)
        .filter(|name| only.iter().any(|o| o == name))
        .collect();
    for analysis in REGISTRY.iter().rev() {
        if wanted.contains(analysis.spec.name) {
            wanted.extend(analysis.spec.depends_on.iter().copied());
        }
    }
    wanted
}

/// The analyses to run, in registry order (dependencies first): those named in `only` (all of
/// which must be runnable) with the analyses they depend on, or every analysis whose input layers
/// the project has. A dependency whose inputs are missing is left out; the analysis that wanted it
/// says what that costs. Parameters come from `[analysis.<name>]`.
pub fn plan(project: &Project, only: Option<&[String]>) -> Result<Vec<Planned>, IoError> {
    if let Some(names) = only {
        for name in names {
            if !REGISTRY.iter().any(|a| a.spec.name == name) {
                let known: Vec<&str> = REGISTRY.iter().map(|a| a.spec.name).collect();
                return Err(IoError::file(
                    &project.manifest_path,
                    format!("unknown analysis `{name}` (known: {})", known.join(", ")),
                ));
            }
        }
    }
    for name in project.manifest.analysis.keys() {
        if !REGISTRY.iter().any(|a| a.spec.name == name) {
            return Err(IoError::file(
                &project.manifest_path,
                format!("[analysis.{name}] is not an analysis"),
            ));
        }
    }
    let pulled_in = only.map(with_dependencies);
    let mut planned = Vec::new();
    for analysis in REGISTRY {
        let spec = analysis.spec;
        let named = only.is_none_or(|names| names.iter().any(|n| n == spec.name));
        let wanted = pulled_in
            .as_ref()
            .is_none_or(|names| names.contains(spec.name));
        let has = |k: &&str| project.manifest.layers.contains_key(*k);
        let mut missing: Vec<String> = spec
            .requires
            .iter()
            .filter(|k| !has(k))
            .map(|k| k.to_string())
            .collect();
        if !spec.requires_any.is_empty() && !spec.requires_any.iter().any(has) {
            missing.push(format!("one of {}", spec.requires_any.join("/")));
        }
        if !wanted {
            continue;
        }
        if !missing.is_empty() {
            if only.is_some() && named {
                return Err(IoError::file(
                    &project.manifest_path,
                    format!(
                        "analysis `{}` needs the layer(s) {}",
                        spec.name,
                        missing.join(", ")
                    ),
                ));
            }
            continue;
        }
        let params = resolve_params(project, analysis)?;
        planned.push(Planned { analysis, params });
    }
    Ok(planned)
}

/// The parameters of an analysis from `[analysis.<name>]`, checked against its spec and built
/// into its typed parameters (so that every problem shows before anything runs).
pub fn resolve_params(project: &Project, analysis: &Analysis) -> Result<Params, IoError> {
    let given = project.analysis_params(analysis.spec.name)?;
    let params = Params::resolve(analysis.spec, &given)
        .map_err(|e| IoError::file(&project.manifest_path, e))?;
    (analysis.check_params)(&params).map_err(|e| IoError::file(&project.manifest_path, e))?;
    Ok(params)
}

/// What [`run`] reports as it goes (for progress displays).
pub enum Event {
    Started { title: &'static str },
    Finished { title: &'static str, seconds: f64 },
}

/// Every problem of the manifest's `[analysis.*]` sections, as `plan` would find them one at a
/// time: sections that name no analysis, and parameters of a wrong name, type or range, or that
/// the analysis cannot use.
pub fn check_analysis_sections(project: &Project) -> Vec<Problem> {
    let mut problems: Vec<Problem> = project
        .manifest
        .analysis
        .keys()
        .filter(|name| find(name).is_none())
        .map(|name| {
            Problem::file(
                Severity::Error,
                &project.manifest_path,
                format!("[analysis.{name}] is not an analysis"),
            )
        })
        .collect();
    for analysis in REGISTRY {
        let given = match project.analysis_params(analysis.spec.name) {
            Ok(given) => given,
            Err(e) => {
                problems.push(Problem::located(e.to_string()));
                continue;
            }
        };
        let generic = Params::problems(analysis.spec, &given);
        let located = |e: AnalysisError| {
            Problem::located(IoError::file(&project.manifest_path, e).to_string())
        };
        if generic.is_empty() {
            // Typed parameters (choices, combinations) once names, types and bounds are right.
            if let Err(e) = resolve_params(project, analysis) {
                problems.push(Problem::located(e.to_string()));
            }
        } else {
            problems.extend(generic.into_iter().map(located));
        }
    }
    problems
}

/// Lengths given in `[analysis.*]` (parameters in m) longer than the region's extent, the
/// diagonal of its units' bounding box: a zone or radius that wide covers the whole region, so it
/// is a mistake (a value in km, or a digit too many). Values left at their defaults are not
/// judged: a small test region may be narrower than a default radius.
pub fn lengths_beyond_extent(project: &Project, region: &Region) -> Vec<Problem> {
    use geo::BoundingRect;
    let extent_m = region
        .jurisdictions
        .iter()
        .filter_map(|j| j.geometry.bounding_rect())
        .reduce(borderscape_core::geometry::union_rect)
        .map_or(f64::INFINITY, |r| r.width().hypot(r.height()));
    let mut problems = Vec::new();
    for analysis in REGISTRY {
        let Ok(given) = project.analysis_params(analysis.spec.name) else {
            continue;
        };
        for spec in analysis.spec.params.iter().filter(|p| p.unit == Some("m")) {
            if let Some(ParamValue::Number(v)) = given.get(spec.name) {
                if *v > extent_m {
                    problems.push(Problem::file(
                        Severity::Error,
                        &project.manifest_path,
                        format!(
                            "[analysis.{}] {} = {v} m is longer than the region's extent ({extent_m:.0} m, the diagonal of its units' bounding box)",
                            analysis.spec.name, spec.name
                        ),
                    ));
                }
            }
        }
    }
    problems
}

/// Runs the planned analyses in order, each receiving the typed results of the analyses it
/// depends on.
pub fn run(
    inputs: &Inputs,
    planned: Vec<Planned>,
    on_event: &mut dyn FnMut(Event),
) -> Result<Vec<Finished>, IoError> {
    let mut finished: Vec<Finished> = Vec::new();
    for p in planned {
        let title = p.analysis.spec.title;
        on_event(Event::Started { title });
        let clock = std::time::Instant::now();
        let upstream = Upstream::new(
            finished
                .iter()
                .filter(|f| p.analysis.spec.depends_on.contains(&f.name))
                .map(|f| f.result.as_ref())
                .collect(),
        );
        let ran = (p.analysis.run)(inputs, &p.params, &upstream)?;
        let seconds = clock.elapsed().as_secs_f64();
        on_event(Event::Finished { title, seconds });
        finished.push(Finished {
            name: p.analysis.spec.name,
            params: p.params,
            output: ran.output,
            result: ran.result,
            seconds,
        });
    }
    Ok(finished)
}

/// summary.json: the region, its CRS, the inputs and, per analysis in run order, its parameters,
/// its typed summary and the row count of each output table.
#[derive(Debug, Serialize)]
pub struct RunSummary<'a> {
    pub borderscape_version: &'static str,
    pub region: RegionSummary<'a>,
    pub crs: CrsSummary<'a>,
    /// Kinds of the inputs that are generated, not observed.
    pub synthetic_layers: Vec<&'a str>,
    pub inputs: &'a [LayerInfo],
    pub analyses: IndexMap<&'static str, AnalysisSummary<'a>>,
}

/// The region's names and its jurisdictions per level.
#[derive(Debug, Serialize)]
pub struct RegionSummary<'a> {
    pub name: &'a str,
    pub name_zh: Option<&'a str>,
    pub jurisdictions: BTreeMap<&'static str, usize>,
}

/// The analysis CRS.
#[derive(Debug, Serialize)]
pub struct CrsSummary<'a> {
    pub name: &'a str,
    pub proj: &'a str,
    pub epsg: Option<u16>,
}

/// One analysis in summary.json.
#[derive(Debug, Serialize)]
pub struct AnalysisSummary<'a> {
    /// What its results rest on: observed, template, synthetic or mixed, and which inputs.
    pub basis: Basis,
    pub params: &'a Params,
    /// The serialisation of the analysis's typed summary.
    pub results: &'a Value,
    /// Rows per output table.
    pub tables: BTreeMap<&'a str, usize>,
}

/// What an analysis rests on: the layers it reads (required, any-of and optional, and those of the
/// analyses it depends on) that the run has, by their provenance; a rule table the project lacks
/// is borderscape's default, a template.
pub fn basis(analysis: &str, layers: &[LayerInfo]) -> Basis {
    let mut kinds: Vec<&str> = Vec::new();
    let mut pending = vec![analysis];
    while let Some(name) = pending.pop() {
        let Some(spec) = find(name).map(|a| a.spec) else {
            continue;
        };
        kinds.extend(
            spec.requires
                .iter()
                .chain(spec.requires_any)
                .chain(spec.reads),
        );
        pending.extend(spec.depends_on);
    }
    Basis::of(
        kinds
            .into_iter()
            .filter_map(|kind| match layers.iter().find(|l| l.kind == kind) {
                Some(layer) => Some((kind, layer.provenance)),
                None if RULE_KINDS.contains(&kind) => Some((kind, Provenance::Template)),
                None => None,
            }),
    )
}

/// Adds the `provenance` column (observed, template, synthetic or mixed: [`basis`]) to every
/// table of every analysis, so that a table read alone still says what it rests on.
pub fn label_provenance(finished: &mut [Finished], layers: &[LayerInfo]) {
    for f in finished {
        label_tables(f.name, &mut f.output.tables, layers);
    }
}

/// Adds the `provenance` column to the tables of `analysis` (a partitioned run's merge labels
/// its conflicts so).
pub fn label_tables(analysis: &str, tables: &mut [Table], layers: &[LayerInfo]) {
    let provenance = basis(analysis, layers).name();
    for table in tables {
        table.add_column(provenance_column(), TableValue::Text(provenance.into()));
    }
}

/// The machine-readable summary of a run (deterministic: no times, no absolute paths).
pub fn summary(
    region: &Region,
    name_zh: Option<&str>,
    layers: &[LayerInfo],
    finished: &[Finished],
) -> Value {
    let analyses = finished
        .iter()
        .map(|f| {
            let tables = f.output.tables.iter().map(|t| (t.name.as_str(), t.len()));
            let entry = AnalysisSummary {
                basis: basis(f.name, layers),
                params: &f.params,
                results: &f.output.summary,
                tables: tables.collect(),
            };
            (f.name, entry)
        })
        .collect();
    let summary = RunSummary {
        borderscape_version: env!("CARGO_PKG_VERSION"),
        region: RegionSummary {
            name: &region.name,
            name_zh,
            jurisdictions: jurisdiction_counts(region)
                .into_iter()
                .map(|(l, n)| (l.name(), n))
                .collect(),
        },
        crs: CrsSummary {
            name: &region.crs.name,
            proj: &region.crs.proj_string,
            epsg: region.crs.epsg,
        },
        synthetic_layers: layers
            .iter()
            .filter(|l| l.synthetic)
            .map(|l| l.kind.as_str())
            .collect(),
        inputs: layers,
        analyses,
    };
    serde_json::to_value(&summary).expect("a run summary has string keys and plain values")
}

/// run.json: how long each analysis took (s); apart from summary.json, which stays the same
/// from run to run.
#[derive(Debug, Serialize)]
struct RunTimes<'a> {
    seconds: BTreeMap<&'a str, f64>,
}

/// The title of the QGIS project: the region, and which inputs are synthetic.
fn project_title(region: &Region, summary: &Value) -> String {
    let synthetic: Vec<&str> = summary["synthetic_layers"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if synthetic.is_empty() {
        format!("{}: borderscape results", region.name)
    } else {
        format!(
            "{}: borderscape results (synthetic inputs: {})",
            region.name,
            synthetic.join(", ")
        )
    }
}

/// Writes every output of a run into `out`, claimed before the run (replaced only when complete): `reports` are the
/// report's files (name, HTML), one per language; `labels` name the QGIS project's layers, groups
/// and classes in the run's language. Takes the runs so as to turn their tables into WGS84 in
/// place and drop each run's typed result once its tables are taken: at national scale a
/// second copy of the conflicts does not fit.
#[allow(clippy::too_many_arguments)]
pub fn write_outputs(
    out: OutputDir,
    region: &Region,
    finished: Vec<Finished>,
    summary: &Value,
    reports: &[(&str, String)],
    labels: crate::qgis::Labels,
    formats: LayerFormats,
) -> Result<(), IoError> {
    let run: BTreeMap<&str, f64> = finished.iter().map(|f| (f.name, f.seconds)).collect();
    out.write(|dir| {
        let mut wgs84 = Vec::new();
        for f in finished {
            for table in f.output.tables {
                wgs84.push(region.table_into_wgs84(table)?);
            }
        }
        let layers: Vec<&_> = wgs84.iter().collect();
        // The GeoPackage (one SQLite writer) beside the Parquet files and CSV tables: on two
        // cores this takes the write from their sum to the longer of the two (issue 43).
        let (gpkg, files) = rayon::join(
            || match formats.gpkg {
                true => gpkg::write(&dir.join("results.gpkg"), &layers, Srs::WGS84),
                false => Ok(()),
            },
            || write_files(dir, &wgs84, formats),
        );
        gpkg?;
        files?;
        let write = |name: &str, text: String| {
            std::fs::write(dir.join(name), text).map_err(|e| IoError::file(&dir.join(name), e))
        };
        write(
            "summary.json",
            serde_json::to_string_pretty(summary).expect("serialisable") + "\n",
        )?;
        write(
            "run.json",
            serde_json::to_string_pretty(&RunTimes { seconds: run }).expect("serialisable") + "\n",
        )?;
        if formats.gpkg {
            write(
                "results.qgs",
                crate::qgis::project_xml(
                    &project_title(region, summary),
                    "results.gpkg",
                    &layers,
                    labels,
                ),
            )?;
        }
        for (name, html) in reports {
            write(name, html.clone())?;
        }
        Ok(())
    })
}
