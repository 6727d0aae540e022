//! The project manifest `borderscape.toml`: region, layers (path, field mapping, datum) and a
//! parameter section per analysis.
//!
//! ```toml
//! [region]
//! name = "Yangtze River Delta"
//! name_zh = "长江三角洲"                 # optional: the Chinese report's and dashboard's name
//! crs = "auto"                          # or a projected EPSG code, e.g. "EPSG:32651"
//!
//! [layers.jurisdictions]
//! path = "jurisdictions.geojson"
//! datum = "gcj02"                       # wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:<code>
//! fields = { code = "code", name = "name", level = "level", parent = "parent" }
//!
//! [analysis.borders]
//! zone_width_m = 1000
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use borderscape_core::model::periodisation::{NamedStage, Periodisation};
use borderscape_core::provenance::Provenance;
use borderscape_core::spec::ParamValue;
use serde::Deserialize;

use crate::error::IoError;
use crate::limits::Limits;

/// The kinds of layer a project can declare, with the fields each needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LayerKind {
    Jurisdictions,
    Plans,
    Ecology,
    Rivers,
    Channels,
    Lakes,
    /// Polygons of sea: water cells of land cover in them are the sea, not inland water.
    Sea,
    Facilities,
    Roads,
    Stations,
    Monitoring,
    Indicators,
    Governance,
    Compatibility,
    NuisanceRadii,
    EsvFactors,
    EsvCrosswalk,
    ExportCoefficients,
    PointLoads,
    /// A land-cover GeoTIFF (one year, one class scheme; its CRS from its GeoKeys).
    Landcover,
}

/// The geometry a layer kind must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryRequirement {
    Polygonal,
    Lineal,
    Point,
    /// An attribute table (CSV); geometry is ignored if present.
    None,
}

impl LayerKind {
    pub const ALL: [LayerKind; 20] = [
        LayerKind::Jurisdictions,
        LayerKind::Plans,
        LayerKind::Ecology,
        LayerKind::Rivers,
        LayerKind::Channels,
        LayerKind::Lakes,
        LayerKind::Sea,
        LayerKind::Facilities,
        LayerKind::Roads,
        LayerKind::Stations,
        LayerKind::Monitoring,
        LayerKind::Indicators,
        LayerKind::Governance,
        LayerKind::Compatibility,
        LayerKind::NuisanceRadii,
        LayerKind::EsvFactors,
        LayerKind::EsvCrosswalk,
        LayerKind::ExportCoefficients,
        LayerKind::PointLoads,
        LayerKind::Landcover,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LayerKind::Jurisdictions => "jurisdictions",
            LayerKind::Plans => "plans",
            LayerKind::Ecology => "ecology",
            LayerKind::Rivers => "rivers",
            LayerKind::Channels => "channels",
            LayerKind::Lakes => "lakes",
            LayerKind::Sea => "sea",
            LayerKind::Facilities => "facilities",
            LayerKind::Roads => "roads",
            LayerKind::Stations => "stations",
            LayerKind::Monitoring => "monitoring",
            LayerKind::Indicators => "indicators",
            LayerKind::Governance => "governance",
            LayerKind::Compatibility => "compatibility",
            LayerKind::NuisanceRadii => "nuisance_radii",
            LayerKind::EsvFactors => "esv_factors",
            LayerKind::EsvCrosswalk => "esv_crosswalk",
            LayerKind::ExportCoefficients => "export_coefficients",
            LayerKind::PointLoads => "point_loads",
            LayerKind::Landcover => "landcover",
        }
    }

    pub fn parse(name: &str) -> Option<LayerKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Canonical fields that must be mapped to a column of the file.
    pub fn required_fields(self) -> &'static [&'static str] {
        match self {
            LayerKind::Jurisdictions => &["code", "name", "level"],
            LayerKind::Plans => &["class"],
            LayerKind::Ecology => &["kind"],
            LayerKind::Facilities => &["type"],
            LayerKind::Stations => &["id"],
            LayerKind::Monitoring => &["station", "date", "indicator", "value"],
            LayerKind::Indicators => &["unit", "year"],
            LayerKind::Governance => &["id", "start", "name"],
            LayerKind::Compatibility => &["class_a", "class_b", "rule"],
            LayerKind::NuisanceRadii => &["type", "radius_m"],
            LayerKind::EsvFactors => &["row"],
            LayerKind::EsvCrosswalk => &["class", "row"],
            LayerKind::ExportCoefficients => &["class"],
            LayerKind::PointLoads => &["type"],
            LayerKind::Rivers
            | LayerKind::Channels
            | LayerKind::Lakes
            | LayerKind::Sea
            | LayerKind::Roads
            | LayerKind::Landcover => &[],
        }
    }

    /// Canonical fields that may be mapped.
    pub fn optional_fields(self) -> &'static [&'static str] {
        match self {
            LayerKind::Jurisdictions => &["parent"],
            LayerKind::Plans => &["id", "control", "jurisdiction", "plan"],
            LayerKind::Ecology => &["id", "name", "protected"],
            LayerKind::Rivers => &[
                "id",
                "name",
                "from_node",
                "to_node",
                "decay_per_km",
                "elevation_start",
                "elevation_end",
            ],
            LayerKind::Lakes => &["id", "name", "residence_time_yr"],
            LayerKind::Sea => &["name"],
            LayerKind::Facilities => &["id", "name"],
            LayerKind::Roads | LayerKind::Channels => &["id", "class"],
            LayerKind::Stations => &["name", "river", "upstream", "downstream"],
            LayerKind::Monitoring => &["unit"],
            LayerKind::Compatibility => &["setback_m", "note"],
            LayerKind::NuisanceRadii => &["source"],
            LayerKind::EsvFactors => &["tag"],
            LayerKind::EsvCrosswalk | LayerKind::ExportCoefficients | LayerKind::PointLoads => {
                &["note"]
            }
            LayerKind::Indicators | LayerKind::Governance | LayerKind::Landcover => &[],
        }
    }

    pub fn geometry(self) -> GeometryRequirement {
        match self {
            LayerKind::Jurisdictions
            | LayerKind::Plans
            | LayerKind::Ecology
            | LayerKind::Lakes
            | LayerKind::Sea => GeometryRequirement::Polygonal,
            LayerKind::Rivers | LayerKind::Channels | LayerKind::Roads => {
                GeometryRequirement::Lineal
            }
            LayerKind::Facilities | LayerKind::Stations => GeometryRequirement::Point,
            LayerKind::Monitoring
            | LayerKind::Indicators
            | LayerKind::Governance
            | LayerKind::Compatibility
            | LayerKind::NuisanceRadii
            | LayerKind::EsvFactors
            | LayerKind::EsvCrosswalk
            | LayerKind::ExportCoefficients
            | LayerKind::PointLoads
            | LayerKind::Landcover => GeometryRequirement::None,
        }
    }
}

/// `[region]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionSection {
    pub name: String,
    /// The region's name in Chinese, for the Chinese report and dashboard (default: `name`).
    #[serde(default)]
    pub name_zh: Option<String>,
    /// `auto` (Albers equal-area centred on the region) or `EPSG:<projected code>`.
    #[serde(default = "auto")]
    pub crs: String,
}

fn auto() -> String {
    "auto".into()
}

/// `[layers.<kind>]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerSection {
    /// Path relative to the manifest's folder.
    pub path: PathBuf,
    /// Datum/CRS of the coordinates; required for spatial layers.
    pub datum: Option<String>,
    /// Canonical field → column name in the file; unmapped canonical fields default to their own name.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// GeoPackage layer name.
    pub layer: Option<String>,
    /// DBF text encoding of a Shapefile (`gbk`, `utf-8`, …).
    pub encoding: Option<String>,
    /// True for generated (not observed) data; carried into outputs and the report. Short for
    /// `provenance = "synthetic"`.
    #[serde(default)]
    pub synthetic: bool,
    /// observed (the default), template (a default or placeholder table to replace) or
    /// synthetic: what outputs built on the layer rest on.
    pub provenance: Option<Provenance>,
    /// Where the data comes from, in a sentence.
    pub description: Option<String>,
    /// The year of a land-cover raster.
    pub year: Option<i32>,
    /// The class scheme of a land-cover raster: `igbp`, `clcd`, `globeland30`, `worldcover`, or
    /// a CSV file relative to the manifest with the columns `class,name,esv_row,habitat`
    /// (docs/methods.md, *User schemes*).
    pub scheme: Option<String>,
    /// More years of land cover, `files = [{ path = "lc_2010.tif", year = 2010 }, …]`, beside
    /// `path` and `year`.
    #[serde(default)]
    pub files: Vec<YearFile>,
}

impl LayerSection {
    /// What the layer is: its `provenance`, else synthetic when `synthetic = true`, else
    /// observed.
    pub fn provenance(&self) -> Provenance {
        Provenance::declared(self.provenance, self.synthetic)
    }
}

/// One more year of a land-cover layer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearFile {
    pub path: PathBuf,
    pub year: i32,
}

/// The whole manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub region: RegionSection,
    #[serde(default)]
    pub layers: BTreeMap<String, LayerSection>,
    /// Parameters per analysis name.
    #[serde(default)]
    pub analysis: BTreeMap<String, toml::Table>,
    /// Ecological compensation schemes, `[[schemes]]` (read by the compensation analysis).
    #[serde(default)]
    pub schemes: Vec<toml::Table>,
    /// What the readers may decode of one file, `[limits]` (docs/limits.md).
    #[serde(default)]
    pub limits: Limits,
    /// `[governance.periodisations.<name>]`: periodisations of the literature to set beside the
    /// data-driven stages.
    #[serde(default)]
    pub governance: GovernanceSection,
}

/// The manifest's `[governance]` section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceSection {
    #[serde(default)]
    pub periodisations: BTreeMap<String, PeriodisationSection>,
}

/// One periodisation of the literature: its source and its named stages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodisationSection {
    pub source: String,
    pub stages: Vec<PeriodStage>,
}

/// One stage of a periodisation, `{ name = "…", name_zh = "…", start = 1982, end = 1991 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodStage {
    pub name: String,
    pub name_zh: Option<String>,
    pub start: i32,
    pub end: i32,
}

impl GovernanceSection {
    /// The periodisations, checked (the problems name the periodisation and its stage).
    pub fn periodisations(&self) -> Result<Vec<Periodisation>, Vec<String>> {
        let mut problems = Vec::new();
        let mut out = Vec::new();
        for (name, section) in &self.periodisations {
            let stages = section
                .stages
                .iter()
                .map(|s| NamedStage {
                    name: s.name.clone(),
                    name_zh: s.name_zh.clone(),
                    start: s.start,
                    end: s.end,
                })
                .collect();
            match Periodisation::new(name, &section.source, stages) {
                Ok(p) => out.push(p),
                Err(found) => problems.extend(found),
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }
}

/// A manifest with the folder its paths are relative to.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub manifest_path: PathBuf,
    pub manifest: Manifest,
}

/// The manifest's file name inside a project folder.
pub const MANIFEST_NAME: &str = "borderscape.toml";

impl Project {
    /// Loads `PROJECT/borderscape.toml` (or a manifest path given directly).
    pub fn load(path: &Path) -> Result<Project, IoError> {
        let manifest_path = if path.is_dir() {
            path.join(MANIFEST_NAME)
        } else {
            path.to_path_buf()
        };
        let text = std::fs::read_to_string(&manifest_path)
            .map_err(|e| IoError::file(&manifest_path, e))?;
        Project::parse(&text, manifest_path)
    }

    /// A project from the manifest's text; `manifest_path` locates its layers and its messages.
    pub fn parse(text: &str, manifest_path: PathBuf) -> Result<Project, IoError> {
        let manifest: Manifest = toml::from_str(text)
            .map_err(|e| IoError::file(&manifest_path, e.to_string().trim_end()))?;
        manifest
            .limits
            .validate()
            .map_err(|e| IoError::file(&manifest_path, e))?;
        for kind in manifest.layers.keys() {
            if LayerKind::parse(kind).is_none() {
                let known: Vec<&str> = LayerKind::ALL.iter().map(|k| k.name()).collect();
                return Err(IoError::file(
                    &manifest_path,
                    format!(
                        "unknown layer kind `[layers.{kind}]` (known: {})",
                        known.join(", ")
                    ),
                ));
            }
        }
        let root = manifest_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        Ok(Project {
            root,
            manifest_path,
            manifest,
        })
    }

    /// The absolute path of a layer's file.
    pub fn layer_path(&self, layer: &LayerSection) -> PathBuf {
        self.root.join(&layer.path)
    }

    /// Parameters given for an analysis, converted to spec values (numbers, text, booleans).
    pub fn analysis_params(&self, analysis: &str) -> Result<BTreeMap<String, ParamValue>, IoError> {
        let mut out = BTreeMap::new();
        for (key, value) in self.manifest.analysis.get(analysis).into_iter().flatten() {
            let v = match value {
                toml::Value::Integer(i) => ParamValue::Number(*i as f64),
                toml::Value::Float(x) => ParamValue::Number(*x),
                toml::Value::String(s) => ParamValue::Text(s.clone()),
                toml::Value::Boolean(b) => ParamValue::Bool(*b),
                toml::Value::Table(table) => {
                    ParamValue::Text(structured_text(table).ok_or_else(|| {
                        IoError::file(
                            &self.manifest_path,
                            format!("[analysis.{analysis}] {key}: a table must map names to numbers (`{{ TN = 0.005 }}`) or to lists of column names (`{{ ecology = [\"forest\", \"-pollution\"] }}`)"),
                        )
                    })?)
                }
                other => {
                    return Err(IoError::file(
                        &self.manifest_path,
                        format!("[analysis.{analysis}] {key}: expected a number, text, boolean or table, got {other}"),
                    ))
                }
            };
            out.insert(key.clone(), v);
        }
        Ok(out)
    }
}

/// A structured parameter written as a TOML table, in the text form the analyses parse:
/// `{ TN = 0.005, TP = 0.01 }` → `TN=0.005,TP=0.01` (per-pollutant values) and
/// `{ ecology = ["a", "-b"], economy = ["c"] }` → `ecology=a,-b;economy=c` (subsystems; in the
/// order of their names). `None` for any other shape.
fn structured_text(table: &toml::Table) -> Option<String> {
    let numbers: Option<Vec<String>> = table
        .iter()
        .map(|(k, v)| match v {
            toml::Value::Integer(i) => Some(format!("{k}={i}")),
            toml::Value::Float(x) => Some(format!("{k}={x}")),
            _ => None,
        })
        .collect();
    let lists = || -> Option<Vec<String>> {
        table
            .iter()
            .map(|(k, v)| {
                let columns: Option<Vec<&str>> =
                    v.as_array()?.iter().map(toml::Value::as_str).collect();
                Some(format!("{k}={}", columns?.join(",")))
            })
            .collect()
    };
    numbers
        .map(|n| n.join(","))
        .or_else(|| lists().map(|l| l.join(";")))
}

impl Project {
    /// A project of one layer, for commands that take a file instead of a project (`borders`).
    pub fn single_layer(
        kind: LayerKind,
        path: &Path,
        datum: &str,
        fields: BTreeMap<String, String>,
    ) -> Project {
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = path.file_name().map(PathBuf::from).unwrap_or_default();
        let mut layers = BTreeMap::new();
        layers.insert(
            kind.name().to_string(),
            LayerSection {
                path: name,
                datum: Some(datum.to_string()),
                fields,
                layer: None,
                encoding: None,
                synthetic: false,
                provenance: None,
                description: None,
                year: None,
                scheme: None,
                files: Vec::new(),
            },
        );
        Project {
            root,
            manifest_path: path.to_path_buf(),
            manifest: Manifest {
                region: RegionSection {
                    name: crate::features::layer_name(path),
                    name_zh: None,
                    crs: auto(),
                },
                layers,
                analysis: BTreeMap::new(),
                schemes: Vec::new(),
                limits: Limits::default(),
                governance: GovernanceSection::default(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structured_parameters_may_be_tables() {
        let table = |text: &str| -> toml::Table { toml::from_str(text).unwrap() };
        assert_eq!(
            structured_text(&table("TN = 0.005\nTP = 1")).as_deref(),
            Some("TN=0.005,TP=1")
        );
        assert_eq!(
            structured_text(&table(
                "economy = [\"gdp\"]\necology = [\"forest\", \"-load\"]"
            ))
            .as_deref(),
            Some("ecology=forest,-load;economy=gdp")
        );
        assert_eq!(structured_text(&table("a = true")), None);
        assert_eq!(structured_text(&table("a = [1, 2]")), None);
    }

    /// `[layers.sea]` (issue 38, item 5): polygons, no required field, an optional `name`.
    #[test]
    fn a_sea_layer_is_a_polygon_layer() {
        let project = Project::parse(
            "[region]\nname = \"t\"\n[layers.sea]\npath = \"sea.geojson\"\ndatum = \"wgs84\"\n",
            PathBuf::from("p/borderscape.toml"),
        )
        .unwrap();
        assert!(project.manifest.layers.contains_key("sea"));
        let sea = LayerKind::parse("sea").unwrap();
        assert_eq!(sea, LayerKind::Sea);
        assert!(LayerKind::ALL.contains(&sea));
        assert_eq!(sea.geometry(), GeometryRequirement::Polygonal);
        assert!(sea.required_fields().is_empty());
        assert_eq!(sea.optional_fields(), ["name"]);
    }
}
