//! The region: jurisdictions and the other layers of a project, all in one projected analysis CRS.

use std::collections::{BTreeMap, HashMap};

use geo::{Coord, Geometry, LineString, MapCoords, MultiPolygon};
use serde::Serialize;

use crate::crs::AnalysisCrs;
use crate::error::AnalysisError;
use crate::geometry::ellipsoidal_distance_m;
use crate::table::Table;

/// An administrative level, from the top of the hierarchy down.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Province,
    City,
    County,
    Township,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Province, Level::City, Level::County, Level::Township];

    /// Parses the English names (`province`, `city`, `county`, `township`) and the Chinese ones
    /// (省, 市, 区县/县/区, 乡镇/街道).
    pub fn parse(text: &str) -> Option<Level> {
        match text.trim().to_lowercase().as_str() {
            "province" | "省" | "省级" => Some(Level::Province),
            "city" | "prefecture" | "市" | "地级市" | "市级" => Some(Level::City),
            "county" | "district" | "区县" | "县" | "区" | "县级" => Some(Level::County),
            "township" | "town" | "乡镇" | "街道" | "乡" | "镇" => Some(Level::Township),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A jurisdiction (province, city, county, township) with its geometry in the analysis CRS.
#[derive(Debug, Clone)]
pub struct Jurisdiction {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent: Option<String>,
    pub geometry: MultiPolygon,
}

/// Everything an analysis reads, in one projected CRS.
#[derive(Debug, Clone)]
pub struct Region {
    pub name: String,
    pub crs: AnalysisCrs,
    pub jurisdictions: Vec<Jurisdiction>,
    /// Other input layers by kind (`plans`, `rivers`, …), geometries in the analysis CRS.
    pub layers: BTreeMap<String, Table>,
    /// Kinds of the layers that are generated, not observed (outputs built on them must say so).
    pub synthetic_layers: std::collections::BTreeSet<String>,
    /// The file each layer was read from, by kind (for messages that name the file).
    pub layer_files: BTreeMap<String, String>,
    /// The compensation schemes of the manifest (`[[schemes]]`), as written.
    pub schemes: Vec<serde_json::Value>,
    /// The manifest's path (for messages about what it declares).
    pub manifest: String,
    index_by_code: HashMap<String, usize>,
}

impl Region {
    /// Builds a region; codes are assumed unique (validation checks that before).
    pub fn new(
        name: &str,
        crs: AnalysisCrs,
        jurisdictions: Vec<Jurisdiction>,
        layers: BTreeMap<String, Table>,
    ) -> Self {
        let index_by_code = jurisdictions
            .iter()
            .enumerate()
            .map(|(i, j)| (j.code.clone(), i))
            .collect();
        Self {
            name: name.to_string(),
            crs,
            jurisdictions,
            layers,
            synthetic_layers: Default::default(),
            layer_files: Default::default(),
            schemes: Vec::new(),
            manifest: "borderscape.toml".into(),
            index_by_code,
        }
    }

    /// The region index of a jurisdiction by code.
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.index_by_code.get(code).copied()
    }

    /// The unit of `level` that unit `unit` is or lies in (itself, or its ancestor there).
    pub fn unit_at(&self, unit: usize, level: Level) -> Option<usize> {
        let j = &self.jurisdictions[unit];
        if j.level == level {
            Some(unit)
        } else {
            self.ancestor_at(j, level)
                .and_then(|a| self.index_of(&a.code))
        }
    }

    /// How messages name a layer: its file, or its kind when it was not read from a file.
    pub fn layer_name(&self, kind: &str) -> String {
        self.layer_files
            .get(kind)
            .cloned()
            .unwrap_or_else(|| format!("{kind} layer"))
    }

    /// The levels present in the data, top first.
    pub fn levels(&self) -> Vec<Level> {
        let mut levels: Vec<Level> = self.jurisdictions.iter().map(|j| j.level).collect();
        levels.sort();
        levels.dedup();
        levels
    }

    /// Indices of the jurisdictions of one level, in input order.
    pub fn indices_at(&self, level: Level) -> Vec<usize> {
        (0..self.jurisdictions.len())
            .filter(|&i| self.jurisdictions[i].level == level)
            .collect()
    }

    pub fn by_code(&self, code: &str) -> Option<&Jurisdiction> {
        self.index_by_code
            .get(code)
            .map(|&i| &self.jurisdictions[i])
    }

    /// The unit itself if it is at `level`, else its ancestor at `level` (walking parents);
    /// `None` when the unit is above `level` or the chain is broken.
    pub fn ancestor_at<'a>(
        &'a self,
        j: &'a Jurisdiction,
        level: Level,
    ) -> Option<&'a Jurisdiction> {
        let mut current = j;
        for _ in 0..Level::ALL.len() + 2 {
            if current.level == level {
                return Some(current);
            }
            if current.level < level {
                return None;
            }
            current = self.by_code(current.parent.as_deref()?)?;
        }
        None
    }

    /// Length on the WGS84 ellipsoid of a line given in the analysis CRS, in metres: the vertices
    /// are unprojected and each segment measured by [`ellipsoidal_distance_m`] (geodesic to 1e-7).
    pub fn geodesic_length_m(&self, line: &LineString) -> Result<f64, AnalysisError> {
        let mut total = 0.0;
        let mut previous: Option<(f64, f64)> = None;
        for c in line.coords() {
            let p = self.crs.unproject(c.x, c.y)?;
            if let Some(q) = previous {
                total += ellipsoidal_distance_m(q, p);
            }
            previous = Some(p);
        }
        Ok(total)
    }

    /// A geometry in the analysis CRS converted to WGS84 lon/lat.
    pub fn to_wgs84(&self, geometry: &Geometry) -> Result<Geometry, AnalysisError> {
        geometry.try_map_coords(|c: Coord| {
            let (x, y) = self.crs.unproject(c.x, c.y)?;
            Ok(Coord { x, y })
        })
    }

    /// Converts every geometry of a table from the analysis CRS to WGS84 (for writers).
    pub fn table_to_wgs84(&self, table: &Table) -> Result<Table, AnalysisError> {
        self.table_into_wgs84(table.clone())
    }

    /// [`Self::table_to_wgs84`] in place: no second copy of a large table.
    pub fn table_into_wgs84(&self, mut table: Table) -> Result<Table, AnalysisError> {
        if let Some(geoms) = table.geometries.as_mut() {
            for g in geoms.iter_mut().flatten() {
                *g = self.to_wgs84(g)?;
            }
        }
        Ok(table)
    }
}

/// Which unit of one level holds a point: an R-tree of the units' bounding boxes, then
/// point-in-polygon on the few candidates.
pub struct UnitLocator<'r> {
    region: &'r Region,
    tree: rstar::RTree<
        rstar::primitives::GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, usize>,
    >,
}

impl<'r> UnitLocator<'r> {
    pub fn new(region: &'r Region, level: Level) -> Self {
        use geo::BoundingRect;
        let boxes = region
            .indices_at(level)
            .into_iter()
            .filter_map(|i| {
                let b = region.jurisdictions[i].geometry.bounding_rect()?;
                Some(rstar::primitives::GeomWithData::new(
                    rstar::primitives::Rectangle::from_corners(
                        [b.min().x, b.min().y],
                        [b.max().x, b.max().y],
                    ),
                    i,
                ))
            })
            .collect();
        Self {
            region,
            tree: rstar::RTree::bulk_load(boxes),
        }
    }

    /// The region index of the unit holding `p` (the first in code order when borders overlap).
    pub fn locate(&self, p: Coord) -> Option<usize> {
        use geo::Intersects;
        self.tree
            .locate_all_at_point(&[p.x, p.y])
            .map(|g| g.data)
            .filter(|&i| self.region.jurisdictions[i].geometry.intersects(&p))
            .min()
    }
}
