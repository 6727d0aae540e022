//! One results folder, read once at start-up: `summary.json`, the reports and every table of
//! `results.gpkg` (which `analyze` writes in WGS84, EPSG:4326, so its geometries go out as they
//! are; a table split into one layer per geometry type is joined back). Nothing is read from disk after that, so no request can name a file.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use borderscape_core::analysis::REGISTRY;
use borderscape_core::geometry::union_rect;
use borderscape_core::table::Table;
use borderscape_io::gpkg::{self, Part};
use borderscape_io::IoError;
use geo::{BoundingRect, Rect};
use serde_json::Value;

/// A results folder in memory.
pub struct Results {
    /// The folder (for messages).
    pub dir: PathBuf,
    /// `summary.json` as written by `analyze`.
    pub summary: Value,
    /// The reports the run wrote, by file name ([`REPORT_FILES`]): `report.html` in the run's
    /// language and the other language's `report.zh.html` or `report.en.html`.
    pub reports: BTreeMap<&'static str, String>,
    /// Every table of `results.gpkg` by name, geometries in WGS84 lon/lat.
    pub tables: BTreeMap<String, Table>,
    /// The analysis that wrote each table.
    pub owner: BTreeMap<String, &'static str>,
    /// Each jurisdiction's parent code (from the `jurisdictions` table).
    pub parents: HashMap<String, String>,
    /// The feature collections of the OGC API: the layers of `results.gpkg` (a table that mixes
    /// geometry types is one collection per type, as in the GeoPackage).
    pub collections: Vec<Collection>,
}

/// The report files a results folder may hold: `report.html` in the language of the run, and
/// `report.{en,zh}.html` in the other (see `analyze --lang` and `borderscape report`).
pub const REPORT_FILES: [&str; 3] = ["report.html", "report.en.html", "report.zh.html"];

/// One feature collection: a layer of `results.gpkg`, the rows of one table.
pub struct Collection {
    pub table: String,
    pub part: Part,
    /// Extent in WGS84 lon/lat (`None` when it has no geometry).
    pub bbox: Option<Rect>,
}

/// The results folder of a `PROJECT|RESULTS` argument: the folder itself if it holds
/// `summary.json`, else the project's `results/` folder.
pub fn results_dir(path: &Path) -> PathBuf {
    if path.join("summary.json").is_file() {
        return path.to_path_buf();
    }
    let project = if path.is_file() {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        path.to_path_buf()
    };
    project.join("results")
}

/// A file of the results of a `PROJECT|RESULTS` argument, which must exist: else an error that
/// says to run `analyze` first.
pub fn results_file(path: &Path, name: &str) -> Result<PathBuf, IoError> {
    let file = results_dir(path).join(name);
    if file.is_file() {
        Ok(file)
    } else {
        Err(IoError::file(
            path,
            format!(
                "no results here (no {}): run `borderscape analyze {}` first",
                file.display(),
                path.display()
            ),
        ))
    }
}

impl Results {
    /// Reads a results folder (or a project's `results/`).
    pub fn open(path: &Path) -> Result<Self, IoError> {
        let dir = results_dir(path);
        let summary_path = results_file(path, "summary.json")?;
        let text =
            std::fs::read_to_string(&summary_path).map_err(|e| IoError::file(&summary_path, e))?;
        let summary: Value = serde_json::from_str(&text)
            .map_err(|e| IoError::file(&summary_path, format!("not valid JSON: {e}")))?;
        let gpkg_path = dir.join("results.gpkg");
        if !gpkg_path.is_file() {
            return Err(IoError::file(
                &gpkg_path,
                "missing: the dashboard reads results.gpkg; run `analyze` with --format gpkg (the default) or gpkg,parquet",
            ));
        }
        for (name, kind) in gpkg::list_layers(&gpkg_path)? {
            if kind == "features" && gpkg::layer_srs_id(&gpkg_path, &name)? != Some(4326) {
                return Err(IoError::file(
                    &gpkg_path,
                    format!("layer `{name}` is not in WGS84 (EPSG:4326); was it written by `borderscape analyze`?"),
                ));
            }
        }
        // A table written as one layer per geometry type comes back whole, as in tables/.
        let tables: BTreeMap<String, Table> = gpkg::read_all(&gpkg_path)?
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        let collections = tables
            .values()
            .filter(|t| t.geometries.is_some())
            .flat_map(|t| {
                gpkg::layer_parts(t).into_iter().map(|part| Collection {
                    bbox: part
                        .rows
                        .iter()
                        .filter_map(|&i| t.geometry(i)?.bounding_rect())
                        .reduce(union_rect),
                    table: t.name.clone(),
                    part,
                })
            })
            .collect();
        let reports = REPORT_FILES
            .into_iter()
            .filter_map(|f| Some((f, std::fs::read_to_string(dir.join(f)).ok()?)))
            .collect();
        let owner = tables
            .keys()
            .filter_map(|table| {
                REGISTRY.iter().find_map(|a| {
                    a.spec
                        .outputs
                        .iter()
                        .any(|o| o.is_named(table))
                        .then(|| (table.clone(), a.spec.name))
                })
            })
            .collect();
        let parents = tables
            .get("jurisdictions")
            .and_then(|t| Some((t, t.column_index("code")?, t.column_index("parent")?)))
            .map(|(t, code, parent)| {
                t.rows
                    .iter()
                    .filter(|r| !r[parent].is_null() && !r[parent].to_text().is_empty())
                    .map(|r| (r[code].to_text(), r[parent].to_text()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            dir,
            summary,
            reports,
            tables,
            owner,
            parents,
            collections,
        })
    }

    /// The tables in the order the analyses run and list their outputs, then any others.
    pub fn tables_in_registry_order(&self) -> Vec<(&String, &Table)> {
        let mut order: Vec<(&String, &Table)> = REGISTRY
            .iter()
            .flat_map(|a| a.spec.outputs)
            .flat_map(|o| self.tables.iter().filter(|(name, _)| o.is_named(name)))
            .collect();
        let others: Vec<(&String, &Table)> = self
            .tables
            .iter()
            .filter(|(name, _)| !self.owner.contains_key(*name))
            .collect();
        order.extend(others);
        order
    }

    /// The report to link for each language: `report.{lang}.html` when the run wrote it, else
    /// `report.html` (which is then in that language, or the only report there is).
    pub fn report_links(&self) -> BTreeMap<&'static str, String> {
        ["en", "zh"]
            .into_iter()
            .filter_map(|lang| {
                let own = format!("report.{lang}.html");
                let file = [own.as_str(), "report.html"]
                    .into_iter()
                    .find(|f| self.reports.contains_key(f))?;
                Some((lang, format!("/{file}")))
            })
            .collect()
    }

    /// The code and its ancestors, from the unit up.
    pub fn lineage<'a>(&'a self, code: &'a str) -> Vec<&'a str> {
        let mut chain = vec![code];
        while let Some(parent) = self.parents.get(*chain.last().expect("never empty")) {
            if chain.contains(&parent.as_str()) {
                break; // a cycle in bad input must not hang the server
            }
            chain.push(parent);
        }
        chain
    }
}
