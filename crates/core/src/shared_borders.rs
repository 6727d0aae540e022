//! The borders of one level: which units touch, their shared lines and geodesic lengths. Every
//! analysis that works per border starts from here (the borders analysis reports them).

use geo::{LineString, MultiLineString};
use rayon::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::adjacency;
use crate::error::AnalysisError;
use crate::region::{Level, Region};

/// How two units touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BorderKind {
    /// They share a line of positive length.
    Edge,
    /// They touch at points only.
    Point,
}

impl BorderKind {
    pub fn name(self) -> &'static str {
        match self {
            BorderKind::Edge => "edge",
            BorderKind::Point => "point",
        }
    }
}

/// Which border a conflict crosses, so that rankings compare like with like (district pairs of
/// one city do not bury provincial borders).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum BorderLevel {
    /// The two units lie in different provinces.
    CrossProvince,
    /// In one province, different cities.
    CrossCity,
    /// In one city.
    WithinCity,
    /// Units that do not touch, facing each other across a water body they both border.
    SharedWaterBody,
    /// Inside one unit (a plan breaching its own control lines away from any border).
    InsideUnit,
    /// At the edge of the study region, where the neighbour lies outside it.
    RegionEdge,
}

impl BorderLevel {
    /// Every level, in ranking order.
    pub const ALL: [BorderLevel; 6] = [
        BorderLevel::CrossProvince,
        BorderLevel::CrossCity,
        BorderLevel::WithinCity,
        BorderLevel::SharedWaterBody,
        BorderLevel::InsideUnit,
        BorderLevel::RegionEdge,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BorderLevel::CrossProvince => "cross_province",
            BorderLevel::CrossCity => "cross_city",
            BorderLevel::WithinCity => "within_city",
            BorderLevel::SharedWaterBody => "shared_water_body",
            BorderLevel::InsideUnit => "inside_unit",
            BorderLevel::RegionEdge => "region_edge",
        }
    }

    pub fn parse(text: &str) -> Option<BorderLevel> {
        BorderLevel::ALL.into_iter().find(|l| l.name() == text)
    }

    /// The highest level at which two units' ancestors differ (a unit above a level counts as
    /// its own ancestor there, so the pair differs at it).
    pub fn of_pair(region: &Region, a: usize, b: usize) -> BorderLevel {
        let differ_at = |level: Level| {
            let up = |k: usize| {
                region
                    .ancestor_at(&region.jurisdictions[k], level)
                    .map(|u| u.code.as_str())
            };
            match (up(a), up(b)) {
                (Some(x), Some(y)) => x != y,
                _ => true,
            }
        };
        if differ_at(Level::Province) {
            BorderLevel::CrossProvince
        } else if differ_at(Level::City) {
            BorderLevel::CrossCity
        } else {
            BorderLevel::WithinCity
        }
    }
}

/// The border between two units of one level; `a` and `b` are region indices with code(a) < code(b).
#[derive(Debug, Clone)]
pub struct Border {
    pub a: usize,
    pub b: usize,
    pub level: Level,
    pub kind: BorderKind,
    pub length_km: f64,
    pub cross_province: bool,
    pub cross_city: bool,
    /// The shared line in the analysis CRS (empty for point borders).
    pub geometry: MultiLineString,
}

/// Borders and islands of one level.
#[derive(Debug, Clone)]
pub struct LevelBorders {
    pub level: Level,
    pub borders: Vec<Border>,
    /// Region indices of units with no neighbour at this level.
    pub islands: Vec<usize>,
}

/// Borders and islands among the units of one level.
pub fn borders_at_level(
    region: &Region,
    level: Level,
    snap_tolerance_m: f64,
) -> Result<LevelBorders, AnalysisError> {
    let indices = region.indices_at(level);
    let geometries: Vec<_> = indices
        .iter()
        .map(|&i| &region.jurisdictions[i].geometry)
        .collect();
    let contacts = adjacency::find_contacts(&geometries, snap_tolerance_m);
    let mut has_neighbour = vec![false; indices.len()];
    let built: Vec<Result<Border, AnalysisError>> = contacts
        .par_iter()
        .map(|(&(x, y), contact)| {
            build_border(
                region,
                level,
                indices[x as usize],
                indices[y as usize],
                contact,
            )
        })
        .collect();
    for &(x, y) in contacts.keys() {
        has_neighbour[x as usize] = true;
        has_neighbour[y as usize] = true;
    }
    let mut borders = built.into_iter().collect::<Result<Vec<_>, _>>()?;
    borders.sort_by(|p, q| {
        let code = |i: usize| region.jurisdictions[i].code.as_str();
        (code(p.a), code(p.b)).cmp(&(code(q.a), code(q.b)))
    });
    let islands = indices
        .iter()
        .zip(&has_neighbour)
        .filter(|(_, &n)| !n)
        .map(|(&i, _)| i)
        .collect();
    Ok(LevelBorders {
        level,
        borders,
        islands,
    })
}

fn build_border(
    region: &Region,
    level: Level,
    i: usize,
    j: usize,
    contact: &adjacency::Contact,
) -> Result<Border, AnalysisError> {
    let (ju, jv) = (&region.jurisdictions[i], &region.jurisdictions[j]);
    let (a, b) = if ju.code <= jv.code { (i, j) } else { (j, i) };
    let lines: Vec<LineString> = adjacency::merge_pieces(&contact.pieces);
    let mut length_m = 0.0;
    for line in &lines {
        length_m += region.geodesic_length_m(line)?;
    }
    let pair = BorderLevel::of_pair(region, a, b);
    Ok(Border {
        a,
        b,
        level,
        kind: if lines.is_empty() {
            BorderKind::Point
        } else {
            BorderKind::Edge
        },
        length_km: length_m / 1000.0,
        cross_province: pair == BorderLevel::CrossProvince,
        cross_city: pair != BorderLevel::WithinCity,
        geometry: MultiLineString::new(lines),
    })
}
