//! The real landscape the synthetic layers are drawn on: counties, their borders and how each
//! border is coordinated, lakes and rivers, all in the analysis CRS, indexed once.

use std::collections::HashMap;

use borderscape_core::error::AnalysisError;
use borderscape_core::geometry::SegmentIndex;
use borderscape_core::model::registry::covering;
use borderscape_core::model::registry::Arrangement;
use borderscape_core::region::{Level, Region, UnitLocator};
use borderscape_core::shared_borders::{borders_at_level, BorderKind};
use geo::{
    Area, BoundingRect, Contains, Coord, Geometry, InteriorPoint, LineString, MultiLineString,
    MultiPolygon, Point, Polygon, Rect,
};

/// The Ecological Green Integrated Development Demonstration Zone: Qingpu, Wujiang, Jiashan.
pub const DEMONSTRATION_ZONE: [&str; 3] = ["310118", "320509", "330421"];

/// How the two sides of a border planned for 2035, read from the governance registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coordination {
    /// Both sides in the Demonstration Zone, or covered by an ecological or integrated
    /// arrangement whose participants on the border are cities or counties (a jointly compiled
    /// local plan or agreement): every cross-border conflict is planned away.
    Joint,
    /// Covered by a regional plan (registry type `plan`, ecological or integrated goal) signed by
    /// the provinces only: half of the conflicts are planned away.
    Partial,
    /// No arrangement: national rules alone fix one conflict in ten, and new ones appear.
    Uncoordinated,
}

impl Coordination {
    /// The chance that a conflict of 2015 at this border is planned away by 2035.
    pub fn fix_chance(self) -> f64 {
        match self {
            Coordination::Joint => 1.0,
            Coordination::Partial => 0.5,
            Coordination::Uncoordinated => 0.1,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Coordination::Joint => "joint planning",
            Coordination::Partial => "a regional plan",
            Coordination::Uncoordinated => "no coordination",
        }
    }
}

/// A county-level border: the region indices of its sides, its line and its coordination.
pub struct CountyBorder {
    pub a: usize,
    pub b: usize,
    pub line: MultiLineString,
    pub coordination: Coordination,
}

/// A lake: name, outline and bounding box.
pub struct Lake {
    pub name: String,
    pub outline: MultiPolygon,
    bbox: Rect,
}

/// A county with what the generators ask of it.
pub struct County {
    /// Index into `Region::jurisdictions`.
    pub index: usize,
    pub area_m2: f64,
    /// The county seat: the interior point of its largest polygon.
    pub seat: Coord,
    pub lat: f64,
    /// Distance of the seat from Shanghai's centre (People's Square), km.
    pub shanghai_km: f64,
    /// Its borders (indices into `Landscape::borders`), indexed by segment.
    pub borders: SegmentIndex<usize>,
}

impl County {
    /// Built-up share of its land, b = 0.08 + 0.6·e^(−d/120 km) with d the distance of the seat
    /// from Shanghai, at most 0.85: the metropolis is built up, the periphery rural.
    pub fn built_up_share(&self) -> f64 {
        (0.08 + 0.6 * (-self.shanghai_km / 120.0).exp()).min(0.85)
    }
}

/// Everything the synthetic generators draw on.
pub struct Landscape<'r> {
    pub region: &'r Region,
    pub counties: Vec<County>,
    pub borders: Vec<CountyBorder>,
    pub lakes: Vec<Lake>,
    pub lake_shores: SegmentIndex<usize>,
    /// River lines (in digitisation order, which follows the flow on WDB II rivers), closed
    /// rings left out; `river_rows` gives each one's row in the rivers layer.
    pub rivers: Vec<LineString>,
    pub river_rows: Vec<usize>,
    pub river_index: SegmentIndex<usize>,
    /// For every vertex of every river, the county (index into `counties`) it lies in.
    pub river_counties: Vec<Vec<Option<usize>>>,
    county_by_index: HashMap<usize, usize>,
    locator: UnitLocator<'r>,
}

const SHANGHAI: (f64, f64) = (121.4737, 31.2304);

fn polygons(g: &Geometry) -> Vec<Polygon> {
    match g {
        Geometry::Polygon(p) => vec![p.clone()],
        Geometry::MultiPolygon(mp) => mp.0.clone(),
        _ => Vec::new(),
    }
}

fn lines(g: &Geometry) -> Vec<LineString> {
    match g {
        Geometry::LineString(l) => vec![l.clone()],
        Geometry::MultiLineString(ml) => ml.0.clone(),
        _ => Vec::new(),
    }
}

impl<'r> Landscape<'r> {
    pub fn new(region: &'r Region, arrangements: &[Arrangement]) -> Result<Self, AnalysisError> {
        let level = borders_at_level(region, Level::County, 1.0)?;
        let borders: Vec<CountyBorder> = level
            .borders
            .into_iter()
            .filter(|b| b.kind == BorderKind::Edge)
            .map(|b| CountyBorder {
                coordination: coordination(region, arrangements, b.a, b.b),
                a: b.a,
                b: b.b,
                line: b.geometry,
            })
            .collect();
        let (sx, sy) = region.crs.project(SHANGHAI.0, SHANGHAI.1)?;
        let mut counties = Vec::new();
        let mut county_by_index = HashMap::new();
        for index in region.indices_at(Level::County) {
            let geometry = &region.jurisdictions[index].geometry;
            let Some(largest) = geometry
                .0
                .iter()
                .max_by(|p, q| p.unsigned_area().total_cmp(&q.unsigned_area()))
            else {
                continue;
            };
            let Some(seat) = largest.interior_point() else {
                continue;
            };
            let (_, lat) = region.crs.unproject(seat.x(), seat.y())?;
            let own = borders
                .iter()
                .enumerate()
                .filter(|(_, b)| b.a == index || b.b == index)
                .flat_map(|(k, b)| b.line.0.iter().map(move |l| (l, k)));
            county_by_index.insert(index, counties.len());
            counties.push(County {
                index,
                area_m2: geometry.unsigned_area(),
                seat: seat.0,
                lat,
                shanghai_km: (seat.0 - Coord { x: sx, y: sy }).x.hypot(seat.y() - sy) / 1000.0,
                borders: SegmentIndex::new(own),
            });
        }
        let mut lakes = Vec::new();
        if let Some(table) = region.layers.get("lakes") {
            let name = table.column_index("name");
            for i in 0..table.len() {
                let Some(g) = table.geometry(i) else { continue };
                let outline = MultiPolygon::new(polygons(g));
                let Some(bbox) = outline.bounding_rect() else {
                    continue;
                };
                let label = name
                    .map(|c| table.rows[i][c].to_text())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| format!("lake #{}", i + 1));
                lakes.push(Lake {
                    name: label,
                    outline,
                    bbox,
                });
            }
        }
        let rings: Vec<(LineString, usize)> = lakes
            .iter()
            .enumerate()
            .flat_map(|(k, lake)| {
                lake.outline.0.iter().flat_map(move |p| {
                    std::iter::once(p.exterior().clone())
                        .chain(p.interiors().iter().cloned())
                        .map(move |r| (r, k))
                })
            })
            .collect();
        let lake_shores = SegmentIndex::new(rings.iter().map(|(r, k)| (r, *k)));
        let (rivers, river_rows): (Vec<LineString>, Vec<usize>) = region
            .layers
            .get("rivers")
            .map(|t| {
                (0..t.len())
                    .flat_map(|i| {
                        let parts = t.geometry(i).map(lines).unwrap_or_default();
                        parts.into_iter().map(move |l| (l, i))
                    })
                    .filter(|(l, _)| l.0.len() >= 2 && l.0.first() != l.0.last())
                    .unzip()
            })
            .unwrap_or_default();
        let river_index = SegmentIndex::new(rivers.iter().enumerate().map(|(k, l)| (l, k)));
        let mut landscape = Self {
            region,
            counties,
            borders,
            lakes,
            lake_shores,
            rivers,
            river_rows,
            river_index,
            river_counties: Vec::new(),
            county_by_index,
            locator: UnitLocator::new(region, Level::County),
        };
        landscape.river_counties = landscape
            .rivers
            .iter()
            .map(|l| l.0.iter().map(|&c| landscape.county_at(c)).collect())
            .collect();
        Ok(landscape)
    }

    /// The county record of a region index.
    pub fn county(&self, index: usize) -> Option<&County> {
        self.county_by_index.get(&index).map(|&k| &self.counties[k])
    }

    pub fn code(&self, index: usize) -> &str {
        &self.region.jurisdictions[index].code
    }

    /// The lake whose water `p` lies in.
    pub fn lake_at(&self, p: Coord) -> Option<usize> {
        self.lakes
            .iter()
            .position(|l| l.bbox.contains(&p) && l.outline.contains(&Point(p)))
    }

    /// The county (index into `counties`) whose territory holds `p`.
    pub fn county_at(&self, p: Coord) -> Option<usize> {
        self.locator
            .locate(p)
            .and_then(|i| self.county_by_index.get(&i).copied())
    }

    /// How a user finds the river in the rivers layer ("river #7" is its 7th feature).
    pub fn river_label(&self, river: usize) -> String {
        format!("river #{}", self.river_rows[river] + 1)
    }
}

/// The coordination of the border between region units `a` and `b` (rules on [`Coordination`]).
fn coordination(region: &Region, arrangements: &[Arrangement], a: usize, b: usize) -> Coordination {
    let (ca, cb) = (&region.jurisdictions[a].code, &region.jurisdictions[b].code);
    if DEMONSTRATION_ZONE.contains(&ca.as_str()) && DEMONSTRATION_ZONE.contains(&cb.as_str()) {
        return Coordination::Joint;
    }
    let covering: Vec<&Arrangement> = covering(region, arrangements, ca, cb)
        .into_iter()
        .filter(|arr| matches!(arr.goal.as_str(), "ecological" | "integrated"))
        .collect();
    if covering
        .iter()
        .any(|arr| arr.participants.iter().any(|p| !p.ends_with("0000")))
    {
        Coordination::Joint
    } else if covering.iter().any(|arr| arr.kind == "plan") {
        Coordination::Partial
    } else {
        Coordination::Uncoordinated
    }
}

/// A deterministic uniform number in [0, 1) for a key: FNV-1a over the seed and the key, then a
/// SplitMix64 finaliser. Keyed draws keep one feature's fate independent of every other's, so
/// the 2015 and 2035 plans differ only where a rule says so.
pub fn unit(seed: u64, key: &str) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for byte in key.bytes() {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::unit;

    #[test]
    fn keyed_draws_are_uniform_and_stable() {
        let draws: Vec<f64> = (0..10_000).map(|i| unit(7, &format!("k{i}"))).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
        assert_eq!(unit(7, "a"), unit(7, "a"));
        assert_ne!(unit(7, "a"), unit(8, "a"));
    }
}
