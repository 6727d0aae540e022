//! The river network: lines in flow direction (vertex order, or `from_node`/`to_node` fields),
//! joined at shared end nodes, cut into segments that know their unit and lake; and the routing
//! of loads down it with first-order decay and lake retention (methods reference §3.2).

use std::collections::{BTreeMap, HashMap};

use geo::{Coord, Geometry, LineString, Point};

use crate::region::UnitLocator;
use crate::table::Table;

/// One straight piece of a river line.
#[derive(Debug, Clone)]
pub struct Segment {
    pub start: Coord,
    pub end: Coord,
    pub length_km: f64,
    /// Region index of the unit holding its midpoint.
    pub unit: Option<usize>,
    /// Index of the lake holding its midpoint.
    pub lake: Option<usize>,
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
    pub fn new(
        table: &Table,
        snap_m: f64,
        locator: &UnitLocator,
        lakes: &[(geo::Rect, &Geometry)],
    ) -> Self {
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
        let lake_at = |p: Coord| {
            use geo::Contains;
            lakes
                .iter()
                .position(|(b, g)| b.contains(&p) && g.contains(&Point(p)))
        };
        let mut reaches = Vec::new();
        let mut ends: Vec<(String, String)> = Vec::new();
        for i in 0..table.len() {
            let Some(g) = table.geometry(i) else { continue };
            for line in parts(g) {
                if line.0.len() < 2 || line.is_closed() {
                    continue;
                }
                let segments = line
                    .lines()
                    .map(|l| {
                        let mid = Coord {
                            x: (l.start.x + l.end.x) / 2.0,
                            y: (l.start.y + l.end.y) / 2.0,
                        };
                        Segment {
                            start: l.start,
                            end: l.end,
                            length_km: (l.end.x - l.start.x).hypot(l.end.y - l.start.y) / 1000.0,
                            unit: locator.locate(mid),
                            lake: lake_at(mid),
                        }
                    })
                    .collect();
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

/// A load entering the network: at the start of segment `segment` of reach `reach`, from a
/// source in unit `origin`, kg/yr.
#[derive(Debug, Clone, Copy)]
pub struct Injection {
    pub reach: usize,
    pub segment: usize,
    pub origin: usize,
    pub kg: f64,
}

/// Where a pollutant's loads went.
#[derive(Debug, Default, Clone)]
pub struct Routed {
    /// (from unit, to unit) → load of sources in `from` crossing from `from` into `to`, kg/yr.
    pub from_sources: BTreeMap<(usize, usize), f64>,
    /// (from unit, to unit) → all load crossing from `from` into `to` (transit included), kg/yr.
    pub flux: BTreeMap<(usize, usize), f64>,
    /// Crossing places: (reach, segment entered, from, to) → load crossing there, kg/yr.
    pub sections: BTreeMap<(usize, usize, usize, usize), f64>,
    pub injected: f64,
    pub decayed: f64,
    pub retained: f64,
    /// Leaving the network at its outlets (or at reaches on a cycle).
    pub delivered: f64,
}

/// Routes injections down the network with decay k (1/km; a reach's own value overrides it) and
/// lake retention R (a share, applied once on entering a lake).
pub fn route(
    network: &Network,
    injections: &[Injection],
    decay_per_km: f64,
    retention: f64,
) -> Routed {
    let mut at: Vec<Vec<Vec<(usize, f64)>>> = network
        .reaches
        .iter()
        .map(|r| vec![Vec::new(); r.segments.len()])
        .collect();
    let mut routed = Routed::default();
    for inj in injections {
        at[inj.reach][inj.segment].push((inj.origin, inj.kg));
        routed.injected += inj.kg;
    }
    let mut incoming: Vec<BTreeMap<usize, f64>> = vec![BTreeMap::new(); network.reaches.len()];
    // The (unit, lake) of the segment upstream of each reach's first, so that a border or lake
    // met right at a node is still seen.
    let mut upstream_of: Vec<Option<(Option<usize>, Option<usize>)>> =
        vec![None; network.reaches.len()];
    let mut in_order = vec![false; network.reaches.len()];
    for &k in &network.order {
        in_order[k] = true;
    }
    for &k in &network.order {
        let reach = &network.reaches[k];
        let k_decay = reach.decay_per_km.unwrap_or(decay_per_km);
        let mut carry = std::mem::take(&mut incoming[k]);
        let mut previous = upstream_of[k];
        for (i, seg) in reach.segments.iter().enumerate() {
            if let Some((Some(from), _)) = previous {
                if let Some(to) = seg.unit.filter(|u| *u != from) {
                    let total: f64 = carry.values().sum();
                    *routed.flux.entry((from, to)).or_default() += total;
                    *routed.sections.entry((k, i, from, to)).or_default() += total;
                    if let Some(own) = carry.get(&from) {
                        *routed.from_sources.entry((from, to)).or_default() += own;
                    }
                }
            }
            let entering_lake =
                seg.lake.is_some() && previous.is_none_or(|(_, lake)| lake != seg.lake);
            for (origin, kg) in at[k][i].drain(..) {
                *carry.entry(origin).or_default() += kg;
            }
            if entering_lake && retention > 0.0 {
                for v in carry.values_mut() {
                    routed.retained += *v * retention;
                    *v *= 1.0 - retention;
                }
            }
            let keep = (-k_decay * seg.length_km).exp();
            for v in carry.values_mut() {
                routed.decayed += *v * (1.0 - keep);
                *v *= keep;
            }
            previous = Some((seg.unit, seg.lake));
        }
        let next: Vec<usize> = reach
            .downstream
            .iter()
            .copied()
            .filter(|d| in_order[*d])
            .collect();
        if next.is_empty() {
            routed.delivered += carry.values().sum::<f64>();
        } else {
            let share = 1.0 / next.len() as f64;
            for d in next {
                upstream_of[d] = previous;
                for (o, v) in &carry {
                    *incoming[d].entry(*o).or_default() += v * share;
                }
            }
        }
    }
    // Loads injected on reaches on a cycle never move: count them as delivered where they are.
    for (k, segs) in at.iter().enumerate() {
        if !in_order[k] {
            routed.delivered += segs.iter().flatten().map(|(_, kg)| kg).sum::<f64>();
        }
    }
    routed
}
