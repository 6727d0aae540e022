//! Geometry fixtures shared by the analyses' unit tests.

use geo::{polygon, Geometry, MultiPolygon};

use crate::region::{Jurisdiction, Level};

/// An axis-aligned rectangle, m in the analysis CRS.
pub fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Geometry {
    polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)].into()
}

/// A county (code = name) covering the rectangle x0–x1, y0–y1.
pub fn rect_county(code: &str, x0: f64, y0: f64, x1: f64, y1: f64) -> Jurisdiction {
    let Geometry::Polygon(p) = rect(x0, y0, x1, y1) else {
        unreachable!("rect is a polygon")
    };
    Jurisdiction {
        code: code.into(),
        name: code.into(),
        level: Level::County,
        parent: None,
        geometry: MultiPolygon::new(vec![p]),
    }
}

/// The inputs of a region with an empty model (its layers unchecked), for analyses' own tests.
pub fn unchecked(region: crate::region::Region) -> crate::inputs::Inputs {
    crate::inputs::Inputs {
        region,
        model: Default::default(),
        rasters: Vec::new(),
    }
}
