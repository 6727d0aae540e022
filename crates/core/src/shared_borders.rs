//! The borders of one level: which units touch, their shared lines and geodesic lengths. Every
//! analysis that works per border starts from here (the borders analysis reports them).

use geo::{LineString, MultiLineString};
use rayon::prelude::*;
use serde::Serialize;

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
    let differ_at = |level: Level| {
        let up = |k: usize| {
            region
                .ancestor_at(&region.jurisdictions[k], level)
                .map(|u| u.code.as_str())
        };
        // A unit above `level` has no ancestor there: count it as its own, so the flag is set.
        match (up(a), up(b)) {
            (Some(x), Some(y)) => x != y,
            _ => true,
        }
    };
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
        cross_province: differ_at(Level::Province),
        cross_city: differ_at(Level::City),
        geometry: MultiLineString::new(lines),
    })
}
