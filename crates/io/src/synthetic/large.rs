//! Large synthetic plans for benchmarks: a grid of 10 km square jurisdictions (in UTM 51N
//! metres, near Shanghai) cut into square zones with random classes. Nothing here resembles a
//! real place; every row is labelled synthetic.

use borderscape_core::table::{Column, Table, Value};
use geo::{polygon, Geometry};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

use super::generated_table;

/// Classes and their shares: mostly farmland and housing, a few nuisances.
const CLASSES: &[(&str, f64)] = &[
    ("0101", 0.35),
    ("0701", 0.25),
    ("08", 0.05),
    ("09", 0.08),
    ("100101", 0.05),
    ("100102", 0.05),
    ("100103", 0.02),
    ("1309", 0.01),
    ("1302", 0.01),
    ("03", 0.08),
    ("05", 0.03),
    ("14", 0.02),
];

/// A class drawn by the shares of [`CLASSES`].
fn random_class(rng: &mut Pcg64) -> &'static str {
    let u: f64 = rng.random();
    let mut total = 0.0;
    CLASSES
        .iter()
        .find(|(_, share)| {
            total += share;
            u < total
        })
        .map_or("0101", |(c, _)| c)
}

/// Side of a jurisdiction, m.
pub const UNIT_M: f64 = 10_000.0;
/// Lower-left corner of the grid in UTM 51N (EPSG:32651).
const ORIGIN: (f64, f64) = (300_000.0, 3_400_000.0);

fn square(x: f64, y: f64, size: f64) -> Geometry {
    polygon![(x: x, y: y), (x: x + size, y: y), (x: x + size, y: y + size), (x: x, y: y + size)]
        .into()
}

/// `side × side` county-level square jurisdictions (`U<i>_<j>`) of [`UNIT_M`].
pub fn grid_units(side: usize) -> Table {
    let mut units = generated_table(
        "jurisdictions",
        vec![
            Column::text("code", "unit code"),
            Column::text("name", "unit name"),
            Column::text("level", "county"),
        ],
        true,
    );
    for i in 0..side {
        for j in 0..side {
            let (x0, y0) = (ORIGIN.0 + i as f64 * UNIT_M, ORIGIN.1 + j as f64 * UNIT_M);
            units.push(
                vec![
                    format!("U{i}_{j}").into(),
                    format!("unit {i},{j}").into(),
                    "county".into(),
                    true.into(),
                ],
                Some(square(x0, y0, UNIT_M)),
            );
        }
    }
    units
}

/// A river network of about `reaches` straight reaches over the `side × side` grid of
/// [`grid_units`], and `plants` wastewater plants at random points. Nodes sit on a regular grid
/// finer than the units; each drains to its east or north neighbour (at random, seeded), so the
/// network is a tree with its outlet in the north-east corner and most reaches cross no border
/// while many do, at no vertex.
pub fn large_rivers(side: usize, reaches: usize, plants: usize, seed: u64) -> (Table, Table) {
    let n = ((reaches + 1) as f64).sqrt().ceil() as usize;
    let extent = side as f64 * UNIT_M;
    let cell = extent / n as f64;
    let node = |a: usize, b: usize| {
        (
            ORIGIN.0 + (a as f64 + 0.5) * cell,
            ORIGIN.1 + (b as f64 + 0.5) * cell,
        )
    };
    let mut rivers = generated_table("rivers", vec![Column::text("id", "reach id")], true);
    let mut rng = Pcg64::seed_from_u64(seed);
    for a in 0..n {
        for b in 0..n {
            let east = match (a + 1 < n, b + 1 < n) {
                (true, true) => rng.random::<bool>(),
                (east, _) => east,
            };
            let to = if east { (a + 1, b) } else { (a, b + 1) };
            if to.0 >= n || to.1 >= n {
                continue; // the outlet
            }
            let (p, q) = (node(a, b), node(to.0, to.1));
            rivers.push(
                vec![format!("r{a}_{b}").into(), true.into()],
                Some(geo::LineString::from(vec![p, q]).into()),
            );
        }
    }
    let mut facilities = generated_table(
        "facilities",
        vec![
            Column::text("id", "plant id"),
            Column::text("type", "facility type"),
        ],
        true,
    );
    for k in 0..plants {
        let (x, y) = (
            ORIGIN.0 + rng.random::<f64>() * extent,
            ORIGIN.1 + rng.random::<f64>() * extent,
        );
        facilities.push(
            vec![
                format!("p{k}").into(),
                "wastewater_plant".into(),
                true.into(),
            ],
            Some(geo::Point::new(x, y).into()),
        );
    }
    (rivers, facilities)
}

/// The units of [`grid_units`] and about `zones` plan zones over them.
pub fn large_plans(side: usize, zones: usize, seed: u64) -> (Table, Table) {
    let per_side = ((zones / (side * side)) as f64).sqrt().round().max(1.0) as usize;
    let cell = UNIT_M / per_side as f64;
    let units = grid_units(side);
    let mut plans = generated_table(
        "plans",
        vec![
            Column::text("id", "zone id"),
            Column::text("jurisdiction", "unit code"),
            Column::text("class", "China 2023 class, drawn at random"),
        ],
        true,
    );
    let mut rng = Pcg64::seed_from_u64(seed);
    for i in 0..side {
        for j in 0..side {
            let code = format!("U{i}_{j}");
            let (x0, y0) = (ORIGIN.0 + i as f64 * UNIT_M, ORIGIN.1 + j as f64 * UNIT_M);
            for a in 0..per_side {
                for b in 0..per_side {
                    let class = random_class(&mut rng);
                    plans.push(
                        vec![
                            Value::from(format!("{code}-{a}-{b}")),
                            code.clone().into(),
                            class.into(),
                            true.into(),
                        ],
                        Some(square(x0 + a as f64 * cell, y0 + b as f64 * cell, cell)),
                    );
                }
            }
        }
    }
    (units, plans)
}

/// The plan zones of the national benchmark: about `zones` squares of one lattice (in the
/// jurisdictions' lon/lat degrees) over every county-level unit of `jurisdictions` (field
/// `level` = `county`), each zone in the unit that holds its centre, with the classes of
/// [`large_plans`]. Rows go to `sink` in tables of at most `chunk_rows`, so that 10⁸ zones never
/// sit in memory together. Returns the number of zones.
pub fn national_plans(
    jurisdictions: &Table,
    zones: usize,
    seed: u64,
    chunk_rows: usize,
    sink: &mut dyn FnMut(Table) -> Result<(), crate::IoError>,
) -> Result<usize, crate::IoError> {
    use geo::{Area, BoundingRect};
    let (code_c, level_c) = (
        jurisdictions.column_index("code"),
        jurisdictions.column_index("level"),
    );
    let counties: Vec<(String, &Geometry)> = (0..jurisdictions.len())
        .filter(|&i| level_c.is_some_and(|c| jurisdictions.rows[i][c].to_text() == "county"))
        .filter_map(|i| {
            let code = code_c.map(|c| jurisdictions.rows[i][c].to_text())?;
            Some((code, jurisdictions.geometry(i)?))
        })
        .collect();
    let area: f64 = counties.iter().map(|(_, g)| g.unsigned_area()).sum();
    let side = (area / zones.max(1) as f64).sqrt();
    let empty = || {
        generated_table(
            "plans",
            vec![
                Column::text("id", "zone id: county code, lattice row and column"),
                Column::text("jurisdiction", "county code"),
                Column::text("class", "China 2023 class, drawn at random"),
            ],
            true,
        )
    };
    let mut rng = Pcg64::seed_from_u64(seed);
    let (mut chunk, mut written) = (empty(), 0);
    for (code, geometry) in counties {
        let Some(bbox) = geometry.bounding_rect() else {
            continue;
        };
        let edges = polygon_edges(geometry);
        let rows = (bbox.min().y / side).floor() as i64..=(bbox.max().y / side).floor() as i64;
        for row in rows {
            let y = (row as f64 + 0.5) * side;
            for (x0, x1) in inside_spans(&edges, y) {
                let first = (x0 / side - 0.5).ceil() as i64;
                let last = (x1 / side - 0.5).ceil() as i64;
                for col in first..last {
                    let x = col as f64 * side;
                    chunk.push(
                        vec![
                            Value::from(format!("{code}-{row}-{col}")),
                            code.clone().into(),
                            random_class(&mut rng).into(),
                            true.into(),
                        ],
                        Some(square(x, row as f64 * side, side)),
                    );
                    if chunk.len() >= chunk_rows {
                        written += chunk.len();
                        sink(std::mem::replace(&mut chunk, empty()))?;
                    }
                }
            }
        }
    }
    written += chunk.len();
    sink(chunk)?;
    Ok(written)
}

/// Every ring edge of a (multi)polygon.
fn polygon_edges(g: &Geometry) -> Vec<geo::Line> {
    let polygons: Vec<&geo::Polygon> = match g {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(mp) => mp.0.iter().collect(),
        _ => Vec::new(),
    };
    polygons
        .into_iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.lines().collect::<Vec<_>>())
        .collect()
}

/// The x intervals where the horizontal line at `y` is inside the rings (even-odd rule).
fn inside_spans(edges: &[geo::Line], y: f64) -> Vec<(f64, f64)> {
    let mut xs: Vec<f64> = edges
        .iter()
        .filter(|e| (e.start.y > y) != (e.end.y > y))
        .map(|e| e.start.x + (y - e.start.y) * (e.end.x - e.start.x) / (e.end.y - e.start.y))
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.chunks_exact(2).map(|p| (p[0], p[1])).collect()
}
