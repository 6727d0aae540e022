//! The JSON API. Every answer is JSON (`application/json`, GeoJSON as `application/geo+json`);
//! errors are `{"error": message}` with a 4xx status.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use borderscape_core::analysis::REGISTRY;
use borderscape_core::table::{Table, Value};
use borderscape_io::geojson_io::value_to_json;
use geo::{Geometry, MapCoords, Simplify};
use serde_json::{json, Map, Value as Json};

use crate::app::App;

/// Most features or rows in one response; page with `offset` for more.
pub const MAX_LIMIT: usize = 50_000;
/// Most rows of one table in a border or jurisdiction detail.
pub const MAX_DETAIL_ROWS: usize = 500;
/// Metres per degree of latitude, to turn `simplify_m` into degrees.
const METRES_PER_DEGREE: f64 = 111_320.0;
/// The column pairs that tie a row to two jurisdictions, in the order (first, second).
const PAIR_COLUMNS: [(&str, &str); 4] = [
    ("a", "b"),
    ("from", "to"),
    ("payer", "payee"),
    ("causing", "affected"),
];

pub fn json_response(status: StatusCode, body: &Json) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    json_response(status, &json!({ "error": message.to_string() }))
}

pub(crate) fn ok(body: Json) -> Response {
    json_response(StatusCode::OK, &body)
}

fn columns_json(table: &Table) -> Json {
    table
        .columns
        .iter()
        .map(|c| json!({"name": c.name, "unit": c.unit, "description": c.description}))
        .collect()
}

fn row_json(row: &[Value]) -> Json {
    row.iter().map(value_to_json).collect()
}

pub async fn summary(State(app): State<Arc<App>>) -> Response {
    ok(app.results.summary.clone())
}

/// Settings of the front end: the optional basemap tile URL given to `serve --tiles`, the
/// report to link in each language, and whether a case register is served (with its case types).
pub async fn config(State(app): State<Arc<App>>) -> Response {
    ok(json!({
        "tiles": app.tiles,
        "reports": app.results.report_links(),
        "cases": app.cases.is_some(),
        "case_types": app.cases.as_ref().map(|_| borderscape_cases::model::case_types().collect::<Vec<_>>()),
    }))
}

/// Each analysis that ran: title, description, parameters, headline results and output tables.
pub async fn analyses(State(app): State<Arc<App>>) -> Response {
    let results = &app.results;
    let list: Vec<Json> = REGISTRY
        .iter()
        .filter(|a| !results.summary["analyses"][a.spec.name].is_null())
        .map(|a| {
            let section = &results.summary["analyses"][a.spec.name];
            let outputs: Vec<Json> = a
                .spec
                .outputs
                .iter()
                .map(|o| {
                    json!({
                        "name": o.name,
                        "description": o.description,
                        "spatial": o.spatial,
                        "columns": (o.columns)(),
                        "rows": results.tables.get(o.name).map(Table::len),
                    })
                })
                .collect();
            json!({
                "name": a.spec.name,
                "title": a.spec.title,
                "description": a.spec.description,
                "params": section["params"],
                "results": section["results"],
                "outputs": outputs,
                "references": a.spec.references,
            })
        })
        .collect();
    ok(Json::Array(list))
}

fn geometry_type(table: &Table) -> Option<&'static str> {
    let g = table.geometries.as_ref()?.iter().flatten().next()?;
    Some(borderscape_io::validate::type_name(g))
}

fn listing(app: &App, spatial_only: bool, prefix: &str) -> Json {
    app.results
        .tables
        .iter()
        .filter(|(_, t)| !spatial_only || t.geometries.is_some())
        .map(|(name, t)| {
            json!({
                "name": name,
                "analysis": app.results.owner.get(name),
                "rows": t.len(),
                "geometry": geometry_type(t),
                "columns": columns_json(t),
                "url": format!("{prefix}/{name}"),
            })
        })
        .collect()
}

/// The spatial tables, with their columns and geometry type.
pub async fn layers(State(app): State<Arc<App>>) -> Response {
    ok(listing(&app, true, "/api/layers"))
}

/// Every table, spatial or not.
pub async fn tables(State(app): State<Arc<App>>) -> Response {
    ok(listing(&app, false, "/api/tables"))
}

/// `offset`, `limit` and column filters (`column=value`, compared as text) of a listing request.
pub(crate) struct Selection {
    pub(crate) offset: usize,
    pub(crate) limit: usize,
    simplify_m: f64,
    pub(crate) filters: Vec<(usize, String)>,
}

pub(crate) fn number<T: std::str::FromStr>(
    query: &HashMap<String, String>,
    key: &str,
    default: T,
) -> Result<T, String> {
    match query.get(key) {
        None => Ok(default),
        Some(text) => text
            .parse()
            .map_err(|_| format!("query parameter `{key}`: `{text}` is not a valid number")),
    }
}

impl Selection {
    pub(crate) fn parse(table: &Table, query: &HashMap<String, String>) -> Result<Self, String> {
        let offset = number(query, "offset", 0usize)?;
        let limit = number(query, "limit", MAX_LIMIT)?.min(MAX_LIMIT);
        let simplify_m = number(query, "simplify_m", 0.0f64)?;
        if !simplify_m.is_finite() || simplify_m < 0.0 {
            return Err("query parameter `simplify_m` must be a distance ≥ 0 in metres".into());
        }
        let mut filters = Vec::new();
        for (key, value) in query {
            if matches!(key.as_str(), "offset" | "limit" | "simplify_m") {
                continue;
            }
            let column = table.column_index(key).ok_or_else(|| {
                format!("table `{}` has no column `{key}` to filter by", table.name)
            })?;
            filters.push((column, value.clone()));
        }
        Ok(Self {
            offset,
            limit,
            simplify_m,
            filters,
        })
    }

    /// The matching row indices, and how many match in all.
    fn rows(&self, table: &Table) -> (Vec<usize>, usize) {
        self.page(table, 0..table.len())
    }

    /// The page of the `candidates` that pass the filters, and how many pass in all.
    pub(crate) fn page(
        &self,
        table: &Table,
        candidates: impl Iterator<Item = usize>,
    ) -> (Vec<usize>, usize) {
        let matching: Vec<usize> = candidates
            .filter(|&i| {
                self.filters
                    .iter()
                    .all(|(c, v)| table.rows[i][*c].to_text() == *v)
            })
            .collect();
        let total = matching.len();
        (
            matching
                .into_iter()
                .skip(self.offset)
                .take(self.limit)
                .collect(),
            total,
        )
    }
}

fn unknown_table(kind: &str, name: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!("no {kind} named `{name}` in these results"),
    )
}

/// Rows of one table as JSON, paged and filtered.
pub async fn table(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(table) = app.results.tables.get(&name) else {
        return unknown_table("table", &name);
    };
    let selection = match Selection::parse(table, &query) {
        Ok(s) => s,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let (rows, total) = selection.rows(table);
    ok(json!({
        "name": name,
        "columns": columns_json(table),
        "total": total,
        "offset": selection.offset,
        "rows": rows.iter().map(|&i| row_json(&table.rows[i])).collect::<Vec<_>>(),
    }))
}

fn rounded(g: &Geometry) -> Geometry {
    g.map_coords(|c| geo::coord! { x: (c.x * 1e6).round() / 1e6, y: (c.y * 1e6).round() / 1e6 })
}

fn simplified(g: &Geometry, epsilon_deg: f64) -> Geometry {
    if epsilon_deg <= 0.0 {
        return g.clone();
    }
    match g {
        Geometry::LineString(l) => l.simplify(epsilon_deg).into(),
        Geometry::MultiLineString(l) => l.simplify(epsilon_deg).into(),
        Geometry::Polygon(p) => p.simplify(epsilon_deg).into(),
        Geometry::MultiPolygon(p) => p.simplify(epsilon_deg).into(),
        other => other.clone(),
    }
}

/// Row `i` of a spatial table as a GeoJSON feature with this `id` (WGS84, 6 decimals, simplified
/// by `epsilon_deg`).
pub(crate) fn feature(
    table: &Table,
    geometries: &[Option<Geometry>],
    i: usize,
    id: usize,
    epsilon_deg: f64,
) -> geojson::Feature {
    let properties: Map<String, Json> = table
        .columns
        .iter()
        .zip(&table.rows[i])
        .map(|(c, v)| (c.name.clone(), value_to_json(v)))
        .collect();
    geojson::Feature {
        id: Some(geojson::feature::Id::Number(id.into())),
        geometry: geometries[i]
            .as_ref()
            .map(|g| geojson::Geometry::new((&rounded(&simplified(g, epsilon_deg))).into())),
        properties: Some(properties),
        ..Default::default()
    }
}

/// A spatial table as a GeoJSON FeatureCollection in WGS84 (lon/lat, 6 decimals), paged and
/// filtered, optionally simplified by `simplify_m` metres.
pub async fn layer(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some((table, geometries)) = app
        .results
        .tables
        .get(&name)
        .and_then(|t| Some((t, t.geometries.as_ref()?)))
    else {
        return unknown_table("layer", &name);
    };
    let selection = match Selection::parse(table, &query) {
        Ok(s) => s,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let whole =
        selection.filters.is_empty() && selection.offset == 0 && selection.limit >= table.len();
    let key = (name.clone(), selection.simplify_m.to_bits());
    if whole {
        if let Some(body) = app.layer_cache.get(&key) {
            return geojson_response(body);
        }
    }
    let (rows, total) = selection.rows(table);
    let epsilon = selection.simplify_m / METRES_PER_DEGREE;
    let features: Vec<geojson::Feature> = rows
        .iter()
        .map(|&i| feature(table, geometries, i, i, epsilon))
        .collect();
    let mut collection = geojson::FeatureCollection {
        features,
        ..Default::default()
    };
    let mut members = Map::new();
    members.insert("name".into(), json!(name));
    members.insert("numberMatched".into(), json!(total));
    members.insert("numberReturned".into(), json!(rows.len()));
    members.insert("offset".into(), json!(selection.offset));
    collection.foreign_members = Some(members);
    let body = Bytes::from(collection.to_string());
    if whole {
        app.layer_cache.put(key, body.clone());
    }
    geojson_response(body)
}

pub(crate) fn geojson_response(body: Bytes) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/geo+json")],
        body,
    )
        .into_response()
}

/// The rows of `table` that tie `x` to `y` (either way round) through one of its column pairs.
fn rows_between(table: &Table, x: &str, y: &str) -> Vec<usize> {
    let Some((first, second)) = PAIR_COLUMNS
        .iter()
        .find_map(|(p, q)| Some((table.column_index(p)?, table.column_index(q)?)))
    else {
        return Vec::new();
    };
    (0..table.len())
        .filter(|&i| {
            let (u, v) = (
                table.rows[i][first].to_text(),
                table.rows[i][second].to_text(),
            );
            (u == x && v == y) || (u == y && v == x)
        })
        .collect()
}

fn matched_rows(table: &Table, rows: &[usize]) -> Json {
    json!({
        "total": rows.len(),
        "columns": columns_json(table),
        "rows": rows.iter().take(MAX_DETAIL_ROWS).map(|&i| row_json(&table.rows[i])).collect::<Vec<_>>(),
    })
}

fn name_of(app: &App, code: &str) -> Option<String> {
    let t = app.results.tables.get("jurisdictions")?;
    let (c, n) = (t.column_index("code")?, t.column_index("name")?);
    t.rows
        .iter()
        .find(|r| r[c].to_text() == code)
        .map(|r| r[n].to_text())
}

/// Everything known about the border between `a` and `b`, by analysis and table: its own rows,
/// and the rows between the units' ancestors where those differ (a county border across a
/// province line also shows the provinces' flows, compensation and governance).
pub async fn border(State(app): State<Arc<App>>, Path((a, b)): Path<(String, String)>) -> Response {
    let results = &app.results;
    let Some(borders) = results.tables.get("borders") else {
        return error(
            StatusCode::NOT_FOUND,
            "these results have no `borders` table",
        );
    };
    if rows_between(borders, &a, &b).is_empty() {
        return error(
            StatusCode::NOT_FOUND,
            format!("no border between `{a}` and `{b}` in these results"),
        );
    }
    let pairs: Vec<(&str, &str)> = results
        .lineage(&a)
        .into_iter()
        .zip(results.lineage(&b))
        .take_while(|(x, y)| x != y)
        .collect();
    let mut analyses = Map::new();
    for (name, table) in results.tables_in_registry_order() {
        let matches: Vec<Json> = pairs
            .iter()
            .filter_map(|&(x, y)| {
                let rows = rows_between(table, x, y);
                (!rows.is_empty()).then(|| {
                    let mut m = matched_rows(table, &rows);
                    m["pair"] = json!([x, y]);
                    m
                })
            })
            .collect();
        if matches.is_empty() {
            continue;
        }
        let analysis = results.owner.get(name).copied().unwrap_or("other");
        analyses
            .entry(analysis)
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("inserted as an object")
            .insert(name.clone(), Json::Array(matches));
    }
    ok(json!({
        "a": a,
        "b": b,
        "a_name": name_of(&app, &a),
        "b_name": name_of(&app, &b),
        "pairs": pairs,
        "analyses": analyses,
    }))
}

/// One jurisdiction: its row, its borders, and the rows of every table keyed by its `code`.
pub async fn jurisdiction(State(app): State<Arc<App>>, Path(code): Path<String>) -> Response {
    let results = &app.results;
    if name_of(&app, &code).is_none() {
        return error(
            StatusCode::NOT_FOUND,
            format!("no jurisdiction `{code}` in these results"),
        );
    }
    let mut tables = Map::new();
    for (name, table) in &results.tables {
        let rows: Vec<usize> = match (
            table.column_index("code"),
            table.column_index("a"),
            table.column_index("b"),
        ) {
            (Some(c), _, _) => (0..table.len())
                .filter(|&i| table.rows[i][c].to_text() == code)
                .collect(),
            (None, Some(a), Some(b)) if name == "borders" => (0..table.len())
                .filter(|&i| {
                    table.rows[i][a].to_text() == code || table.rows[i][b].to_text() == code
                })
                .collect(),
            _ => continue,
        };
        if !rows.is_empty() {
            tables.insert(name.clone(), matched_rows(table, &rows));
        }
    }
    ok(
        json!({ "code": code, "name": name_of(&app, &code), "lineage": results.lineage(&code), "tables": tables }),
    )
}

/// One of the run's reports (`/report.html`, `/report.en.html`, `/report.zh.html`), from memory.
pub async fn report(State(app): State<Arc<App>>, uri: axum::http::Uri) -> Response {
    let file = uri.path().trim_start_matches('/');
    match app.results.reports.get(file) {
        Some(html) => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html.clone(),
        )
            .into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            format!("this results folder has no {file}"),
        ),
    }
}
