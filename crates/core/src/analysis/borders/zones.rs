//! Border zones: the land within w metres of a border, split by side.
//!
//! The border line is simplified (Douglas–Peucker, tolerance w/20 capped at 50 m, far below the
//! zone width) before buffering, then the buffer is clipped to each side's polygon. Overlay runs
//! in the analysis CRS near its origin, as i_overlay wants.

use geo::{Area, BooleanOps, Buffer, MultiPolygon, Simplify};
use rayon::prelude::*;

use super::Border;
use crate::error::{contain_panic, AnalysisError};
use crate::region::Region;

/// The part of one side's territory within the zone width of one border.
#[derive(Debug, Clone)]
pub struct BorderZone {
    /// Index of the border in the borders list.
    pub border: usize,
    /// The jurisdiction (index in the region) on this side.
    pub side: usize,
    pub area_km2: f64,
    pub geometry: MultiPolygon,
}

/// Zones on both sides of every `edge` border.
pub fn border_zones(
    region: &Region,
    borders: &[Border],
    width_m: f64,
) -> Result<Vec<BorderZone>, AnalysisError> {
    let per_border: Vec<Result<Vec<BorderZone>, AnalysisError>> = borders
        .par_iter()
        .enumerate()
        .filter(|(_, b)| !b.geometry.0.is_empty())
        .map(|(i, border)| zones_of(region, i, border, width_m))
        .collect();
    let mut zones = Vec::new();
    for z in per_border {
        zones.extend(z?);
    }
    Ok(zones)
}

fn zones_of(
    region: &Region,
    index: usize,
    border: &Border,
    width_m: f64,
) -> Result<Vec<BorderZone>, AnalysisError> {
    let name = || {
        let (a, b) = (
            &region.jurisdictions[border.a],
            &region.jurisdictions[border.b],
        );
        format!("border {} ({}) – {} ({})", a.code, a.name, b.code, b.name)
    };
    let line = border.geometry.simplify((width_m / 20.0).clamp(0.5, 50.0));
    let zone = contain_panic(name, || line.buffer(width_m))?;
    [border.a, border.b]
        .into_iter()
        .map(|side| {
            let part = contain_panic(name, || {
                zone.intersection(&region.jurisdictions[side].geometry)
            })?;
            Ok(BorderZone {
                border: index,
                side,
                area_km2: part.unsigned_area() / 1e6,
                geometry: part,
            })
        })
        .collect()
}
