//! The river network: lines in flow direction (vertex order, or `from_node`/`to_node` fields),
//! joined at shared end nodes, cut exactly where they cross the boundary of a unit or a lake, so
//! that every piece lies in one unit (or none: a gap, the sea) and one lake (or none); pieces
//! that run along a shared border are marked as a border river of the pair (methods §3.2).

use std::collections::{BTreeMap, HashMap};

use geo::{Coord, Geometry, Line, LineString, Point, Polygon, Rect};

use crate::geometry::{rings, SegmentIndex};
use crate::region::{Level, Region, UnitLocator};
use crate::table::Table;

/// One piece of a river line, inside one unit and one lake (or none).
#[derive(Debug, Clone)]
pub struct Segment {
    pub start: Coord,
    pub end: Coord,
    pub length_km: f64,
    /// Region index of the unit holding it (`None`: outside every unit, a gap or the sea).
    pub unit: Option<usize>,
    /// Index of the lake holding it.
    pub lake: Option<usize>,
    /// The unit on the other bank when the piece runs along the border of `unit` with it (a
    /// border river), within `border_river_m` at both ends and over a long enough stretch.
    pub bank: Option<usize>,
}

/// A lake: its outline, and its residence time when the lakes layer gives one.
pub struct Lake<'a> {
    pub bbox: Rect,
    pub geometry: &'a Geometry,
    pub residence_time_yr: Option<f64>,
}

/// The polygons that river lines are cut at: the units of one level and the lakes.
pub struct Overlay<'a> {
    locator: &'a UnitLocator<'a>,
    boundaries: SegmentIndex<usize>,
    lakes: &'a [Lake<'a>],
    shores: SegmentIndex<usize>,
    /// A piece within this distance of another unit's boundary at both ends runs along it.
    border_river_m: f64,
}

/// The polygons of a lake's geometry (none for other geometry types).
fn polygons_of(g: &Geometry) -> &[Polygon] {
    match g {
        Geometry::Polygon(p) => std::slice::from_ref(p),
        Geometry::MultiPolygon(mp) => &mp.0,
        _ => &[],
    }
}

impl<'a> Overlay<'a> {
    pub fn new(
        region: &Region,
        level: Level,
        locator: &'a UnitLocator<'a>,
        lakes: &'a [Lake<'a>],
        border_river_m: f64,
    ) -> Self {
        let boundaries = region
            .indices_at(level)
            .into_iter()
            .flat_map(|i| rings(&region.jurisdictions[i].geometry).map(move |ring| (ring, i)));
        let shores = lakes
            .iter()
            .enumerate()
            .flat_map(|(i, l)| rings(polygons_of(l.geometry)).map(move |ring| (ring, i)));
        Overlay {
            locator,
            boundaries: SegmentIndex::new(boundaries),
            lakes,
            shores: SegmentIndex::new(shores),
            border_river_m,
        }
    }

    fn lake_at(&self, p: Coord) -> Option<usize> {
        use geo::Contains;
        self.lakes
            .iter()
            .position(|l| l.bbox.contains(&p) && l.geometry.contains(&Point(p)))
    }

    /// The straight piece `line` cut at every unit boundary and lake shore it crosses, each
    /// piece with the unit and lake holding its midpoint (exact: nothing is decided by a
    /// vertex, so a river crossing a unit without a vertex in it still enters and leaves it).
    fn cut(&self, line: Line) -> Vec<Segment> {
        let magnitude = line.start.x.hypot(line.start.y).max(1.0);
        let mut cuts: Vec<f64> = self
            .boundaries
            .crossings(line)
            .into_iter()
            .chain(self.shores.crossings(line))
            .map(|(_, t)| t)
            .chain([0.0, 1.0])
            .collect();
        cuts.sort_by(f64::total_cmp);
        // Cuts closer than 1e-9 of the coordinates' magnitude (a millimetre in metres) are one.
        cuts.dedup_by(|b, a| (*b - *a) * line.delta().x.hypot(line.delta().y) < 1e-9 * magnitude);
        let at = |t: f64| Coord {
            x: line.start.x + t * line.delta().x,
            y: line.start.y + t * line.delta().y,
        };
        cuts.windows(2)
            .map(|w| {
                let (start, end) = (at(w[0]), at(w[1]));
                let mid = at((w[0] + w[1]) / 2.0);
                Segment {
                    start,
                    end,
                    length_km: (end.x - start.x).hypot(end.y - start.y) / 1000.0,
                    unit: self.locator.locate(mid),
                    lake: self.lake_at(mid),
                    bank: None,
                }
            })
            .filter(|s| s.length_km > 0.0)
            .collect()
    }

    /// The unit across the border when `segment` runs along it: the nearest other unit whose
    /// boundary lies within `border_river_m` of the piece's start, middle and end.
    fn bank_of(&self, segment: &Segment) -> Option<usize> {
        let unit = segment.unit?;
        let d = self.border_river_m;
        if d <= 0.0 {
            return None;
        }
        let mid = Coord {
            x: (segment.start.x + segment.end.x) / 2.0,
            y: (segment.start.y + segment.end.y) / 2.0,
        };
        let (other, _, _) = self
            .boundaries
            .within(mid, d)
            .filter(|(u, _, _)| *u != unit)
            .min_by(|a, b| a.1.total_cmp(&b.1))?;
        let near = |p: Coord| self.boundaries.within(p, d).any(|(u, _, _)| u == other);
        (near(segment.start) && near(segment.end)).then_some(other)
    }

    /// Marks the border-river pieces of one reach: runs of pieces along the same pair of units
    /// at least `4 × border_river_m` long (a river crossing a border at 30° or more stays within
    /// the distance for less than that, so a crossing is never mistaken for a border river).
    fn mark_banks(&self, segments: &mut [Segment]) {
        let pair = |s: &Segment| s.unit.zip(s.bank).map(|(a, b)| (a.min(b), a.max(b)));
        let banks: Vec<Option<usize>> = segments.iter().map(|s| self.bank_of(s)).collect();
        for (s, bank) in segments.iter_mut().zip(banks) {
            s.bank = bank;
        }
        let mut i = 0;
        while i < segments.len() {
            let Some(p) = pair(&segments[i]) else {
                i += 1;
                continue;
            };
            let run = segments[i..]
                .iter()
                .take_while(|s| pair(s) == Some(p))
                .count();
            let length_m: f64 = segments[i..i + run]
                .iter()
                .map(|s| s.length_km)
                .sum::<f64>()
                * 1000.0;
            if length_m < 4.0 * self.border_river_m {
                for s in &mut segments[i..i + run] {
                    s.bank = None;
                }
            }
            i += run;
        }
    }
}

/// A river line (one reach between nodes).
#[derive(Debug, Clone)]
pub struct Reach {
    /// Feature number in the rivers layer (0-based) and its `id`/`name` for messages.
    pub feature: usize,
    pub label: String,
    pub segments: Vec<Segment>,
    /// Decay constant of this reach, 1/km, per pollutant (overrides the defaults when given).
    pub decay_per_km: Option<f64>,
    /// Reaches that start where this one ends.
    pub downstream: Vec<usize>,
}

/// The network, its reaches in upstream-to-downstream order, and what did not fit.
pub struct Network {
    pub reaches: Vec<Reach>,
    /// Residence time of each lake, years, where the lakes layer gives it.
    pub lake_residence_yr: Vec<Option<f64>>,
    /// Reach indices in topological order (every reach after all reaches flowing into it).
    pub order: Vec<usize>,
    /// Reaches on a cycle (left out of the routing), by label.
    pub cycles: Vec<String>,
    /// Connected pieces of the network beyond the largest, each as the labels of its reaches.
    pub disconnected: Vec<Vec<String>>,
    /// Reaches whose `elevation_start` is below their `elevation_end` (flowing uphill against
    /// the declared direction), by label.
    pub uphill: Vec<String>,
}

fn parts(g: &Geometry) -> Vec<&LineString> {
    match g {
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(ml) => ml.0.iter().collect(),
        _ => Vec::new(),
    }
}

/// A node key: the end point snapped to a grid of `snap_m`, or the given node id.
fn node_key(c: Coord, snap_m: f64) -> String {
    let s = snap_m.max(1e-6);
    format!("{}:{}", (c.x / s).round() as i64, (c.y / s).round() as i64)
}

impl Network {
    /// Builds the network of a rivers layer. Flow runs from the first vertex to the last unless
    /// the layer has `from_node` and `to_node`, which then define the joins.
    pub fn new(table: &Table, snap_m: f64, overlay: &Overlay) -> Self {
        let column = |n: &str| table.column_index(n);
        let (id_c, name_c, from_c, to_c, decay_c) = (
            column("id"),
            column("name"),
            column("from_node"),
            column("to_node"),
            column("decay_per_km"),
        );
        let elevations = column("elevation_start").zip(column("elevation_end"));
        let mut uphill = Vec::new();
        let mut reaches = Vec::new();
        let mut ends: Vec<(String, String)> = Vec::new();
        for i in 0..table.len() {
            let Some(g) = table.geometry(i) else { continue };
            for line in parts(g) {
                if line.0.len() < 2 || line.is_closed() {
                    continue;
                }
                let mut segments: Vec<Segment> =
                    line.lines().flat_map(|l| overlay.cut(l)).collect();
                overlay.mark_banks(&mut segments);
                let text = |c: Option<usize>| {
                    c.map(|c| table.rows[i][c].to_text())
                        .filter(|t| !t.is_empty())
                };
                let label = text(id_c).or_else(|| text(name_c)).map_or_else(
                    || format!("river feature {i}"),
                    |t| format!("river {t} (feature {i})"),
                );
                let (from, to) = match (text(from_c), text(to_c)) {
                    (Some(f), Some(t)) => (format!("n{f}"), format!("n{t}")),
                    _ => (
                        node_key(line.0[0], snap_m),
                        node_key(line.0[line.0.len() - 1], snap_m),
                    ),
                };
                ends.push((from, to));
                if let Some((a, b)) = elevations {
                    if let (Some(za), Some(zb)) =
                        (table.rows[i][a].as_f64(), table.rows[i][b].as_f64())
                    {
                        if za < zb {
                            uphill.push(format!("{label}: {za} m at its start, {zb} m at its end"));
                        }
                    }
                }
                reaches.push(Reach {
                    feature: i,
                    label,
                    segments,
                    decay_per_km: decay_c.and_then(|c| table.rows[i][c].as_f64()),
                    downstream: Vec::new(),
                });
            }
        }
        let mut starting: HashMap<&str, Vec<usize>> = HashMap::new();
        for (k, (from, _)) in ends.iter().enumerate() {
            starting.entry(from.as_str()).or_default().push(k);
        }
        for (k, (_, to)) in ends.iter().enumerate() {
            reaches[k].downstream = starting.get(to.as_str()).cloned().unwrap_or_default();
            reaches[k].downstream.retain(|&d| d != k);
        }
        // Kahn's algorithm; what remains is on a cycle.
        let mut indegree = vec![0usize; reaches.len()];
        for r in &reaches {
            for &d in &r.downstream {
                indegree[d] += 1;
            }
        }
        let mut ready: Vec<usize> = (0..reaches.len())
            .filter(|&k| indegree[k] == 0)
            .rev()
            .collect();
        let mut order = Vec::with_capacity(reaches.len());
        while let Some(k) = ready.pop() {
            order.push(k);
            for &d in reaches[k].downstream.iter().rev() {
                indegree[d] -= 1;
                if indegree[d] == 0 {
                    ready.push(d);
                }
            }
        }
        let cycles = (0..reaches.len())
            .filter(|&k| indegree[k] > 0)
            .map(|k| reaches[k].label.clone())
            .collect();
        let disconnected = pieces(&reaches);
        Self {
            reaches,
            lake_residence_yr: overlay.lakes.iter().map(|l| l.residence_time_yr).collect(),
            order,
            cycles,
            disconnected,
            uphill,
        }
    }
}

/// The connected pieces of the reach graph (joined at nodes, either direction) other than the
/// largest, largest first, as reach labels.
fn pieces(reaches: &[Reach]) -> Vec<Vec<String>> {
    let mut parent: Vec<usize> = (0..reaches.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (k, r) in reaches.iter().enumerate() {
        for &d in &r.downstream {
            let (a, b) = (root(&mut parent, k), root(&mut parent, d));
            parent[a] = b;
        }
    }
    let mut groups: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (k, r) in reaches.iter().enumerate() {
        let g = root(&mut parent, k);
        groups.entry(g).or_default().push(r.label.clone());
    }
    let mut groups: Vec<Vec<String>> = groups.into_values().collect();
    groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    groups.into_iter().skip(1).collect()
}
