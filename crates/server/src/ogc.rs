//! OGC API – Features, Part 1: Core (OGC 17-069r4), over the layers of `results.gpkg`, so that
//! QGIS's "OGC API – Features" source and GDAL's OAPIF driver read a running borderscape.
//!
//! - `GET /` (asked for JSON: `Accept: application/json` or `?f=json`): the landing page.
//! - `GET /conformance`: the conformance classes (core, GeoJSON).
//! - `GET /collections`, `GET /collections/{id}`: one collection per GeoPackage layer (a table
//!   that mixes geometry types is one collection per type, as in the GeoPackage).
//! - `GET /collections/{id}/items`: GeoJSON in WGS84 (CRS84), `bbox=minlon,minlat,maxlon,maxlat`,
//!   `limit` (default [`DEFAULT_LIMIT`], at most [`api::MAX_LIMIT`]), `offset` (what the `next`
//!   link pages with) and `column=value` filters; `numberMatched`, `numberReturned`, `self` and
//!   `next` links.
//! - `GET /collections/{id}/items/{fid}`: one feature; its id is its fid in `results.gpkg`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::Response;
use borderscape_core::analysis::REGISTRY;
use geo::{BoundingRect, Intersects, Rect};
use serde_json::{json, Map, Value as Json};

use crate::api::{self, error, geojson_response, ok, Selection};
use crate::app::App;
use crate::results::Collection;

/// Features in one page when the request names no `limit`.
pub const DEFAULT_LIMIT: usize = 1000;
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const JSON: &str = "application/json";
const GEOJSON: &str = "application/geo+json";

/// Whether a request for `/` wants the landing page as JSON rather than the dashboard.
pub fn wants_json(headers: &HeaderMap, uri: &Uri) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .unwrap_or("");
    let asks_f = uri
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "f=json"));
    asks_f || (accept.contains("json") && !accept.contains("text/html"))
}

/// `http://host` of the request (the guard has checked the host), for absolute links.
fn base(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

fn link(href: String, rel: &str, kind: &str, title: &str) -> Json {
    json!({ "href": href, "rel": rel, "type": kind, "title": title })
}

/// The landing page.
pub fn landing(app: &App, headers: &HeaderMap) -> Response {
    let base = base(headers);
    let region = app.results.summary["region"]["name"]
        .as_str()
        .unwrap_or("borderscape results");
    ok(json!({
        "title": format!("{region}: borderscape results"),
        "description": "The layers of results.gpkg as OGC API – Features (GeoJSON, WGS84). The dashboard is at / in a browser.",
        "links": [
            link(format!("{base}/"), "self", JSON, "this document"),
            link(format!("{base}/conformance"), "conformance", JSON, "conformance classes"),
            link(format!("{base}/collections"), "data", JSON, "the layers"),
            link(format!("{base}/"), "alternate", "text/html", "the dashboard"),
        ],
    }))
}

pub async fn conformance() -> Response {
    ok(json!({ "conformsTo": [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    ]}))
}

fn find<'a>(app: &'a App, id: &str) -> Option<&'a Collection> {
    app.results.collections.iter().find(|c| c.part.name == id)
}

fn missing(id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!("no collection `{id}`: see /collections"),
    )
}

fn collection_json(app: &App, c: &Collection, base: &str) -> Json {
    let id = &c.part.name;
    let description = REGISTRY
        .iter()
        .flat_map(|a| a.spec.outputs)
        .find(|o| o.is_named(&c.table))
        .map_or("", |o| o.description);
    let mut body = json!({
        "id": id,
        "title": id,
        "description": description,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "links": [
            link(format!("{base}/collections/{id}"), "self", JSON, id),
            link(format!("{base}/collections/{id}/items"), "items", GEOJSON, "its features"),
        ],
    });
    if let Some(b) = c.bbox {
        body["extent"] = json!({ "spatial": {
            "bbox": [[b.min().x, b.min().y, b.max().x, b.max().y]],
            "crs": CRS84,
        }});
    }
    if let Some(analysis) = app.results.owner.get(&c.table) {
        body["analysis"] = json!(analysis);
    }
    body
}

pub async fn collections(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let base = base(&headers);
    let list: Vec<Json> = app
        .results
        .collections
        .iter()
        .map(|c| collection_json(&app, c, &base))
        .collect();
    ok(json!({
        "links": [link(format!("{base}/collections"), "self", JSON, "the layers")],
        "collections": list,
    }))
}

pub async fn collection(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match find(&app, &id) {
        Some(c) => ok(collection_json(&app, c, &base(&headers))),
        None => missing(&id),
    }
}

/// `bbox=minlon,minlat,maxlon,maxlat` (CRS84).
fn parse_bbox(text: &str) -> Result<Rect, String> {
    let numbers: Vec<f64> = text
        .split(',')
        .map(|v| v.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("query parameter `bbox`: `{text}` is not four numbers"))?;
    match numbers[..] {
        [x0, y0, x1, y1]
            if [x0, y0, x1, y1].iter().all(|v| v.is_finite()) && x0 <= x1 && y0 <= y1 =>
        {
            Ok(Rect::new((x0, y0), (x1, y1)))
        }
        _ => Err(format!(
            "query parameter `bbox`: `{text}` is not minlon,minlat,maxlon,maxlat with min ≤ max"
        )),
    }
}

/// The request's query string without `offset` and `limit`, for the paging links.
fn kept_query(uri: &Uri) -> String {
    uri.query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("offset=") && !p.starts_with("limit="))
        .map(|p| format!("{p}&"))
        .collect()
}

/// A page of a collection's features.
pub async fn items(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(mut query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let Some(c) = find(&app, &id) else {
        return missing(&id);
    };
    let table = &app.results.tables[&c.table];
    let Some(geometries) = table.geometries.as_ref() else {
        return error(StatusCode::NOT_FOUND, format!("`{id}` has no geometries"));
    };
    if let Some(crs) = query.remove("bbox-crs").filter(|crs| crs != CRS84) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("`bbox-crs` {crs} is not served: bbox is in {CRS84}"),
        );
    }
    if let Some(f) = query
        .remove("f")
        .filter(|f| !matches!(f.as_str(), "json" | "geojson"))
    {
        return error(
            StatusCode::BAD_REQUEST,
            format!("`f={f}`: only json is served"),
        );
    }
    let bbox = match query.remove("bbox").map(|b| parse_bbox(&b)).transpose() {
        Ok(b) => b,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    if matches!(api::number(&query, "limit", DEFAULT_LIMIT), Ok(0)) {
        return error(
            StatusCode::BAD_REQUEST,
            "query parameter `limit` must be ≥ 1",
        );
    }
    query
        .entry("limit".into())
        .or_insert_with(|| DEFAULT_LIMIT.to_string());
    let selection = match Selection::parse(table, &query) {
        Ok(s) => s,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let base = base(&headers);
    let whole = bbox.is_none()
        && selection.filters.is_empty()
        && selection.offset == 0
        && selection.limit >= c.part.rows.len();
    // Links are absolute, so the answer depends on the host it was asked by.
    let key = (format!("ogc {base} {id}"), 0);
    if whole {
        if let Some(body) = app.layer_cache.get(&key) {
            return geojson_response(body);
        }
    }
    let inside = |i: &usize| match (&bbox, &geometries[*i]) {
        (None, _) => true,
        (Some(b), Some(g)) => g.bounding_rect().is_some_and(|r| r.intersects(b)) && g.intersects(b),
        (Some(_), None) => false,
    };
    let (rows, total) = selection.page(table, c.part.rows.iter().copied().filter(inside));
    let features: Vec<geojson::Feature> = rows
        .iter()
        .map(|&i| api::feature(table, geometries, i, i + 1, 0.0))
        .collect();
    let here = format!("{base}/collections/{id}/items?{}", kept_query(&uri));
    let mut links = vec![link(
        format!(
            "{here}limit={}&offset={}",
            selection.limit, selection.offset
        ),
        "self",
        GEOJSON,
        "this page",
    )];
    let next = selection.offset + rows.len();
    if next < total {
        links.push(link(
            format!("{here}limit={}&offset={next}", selection.limit),
            "next",
            GEOJSON,
            "the next page",
        ));
    }
    let mut members = Map::new();
    members.insert("numberMatched".into(), json!(total));
    members.insert("numberReturned".into(), json!(rows.len()));
    members.insert("links".into(), Json::Array(links));
    let collection = geojson::FeatureCollection {
        features,
        foreign_members: Some(members),
        ..Default::default()
    };
    let body = Bytes::from(collection.to_string());
    if whole {
        app.layer_cache.put(key, body.clone());
    }
    geojson_response(body)
}

/// One feature by its fid.
pub async fn item(
    State(app): State<Arc<App>>,
    Path((id, fid)): Path<(String, String)>,
) -> Response {
    let Some(c) = find(&app, &id) else {
        return missing(&id);
    };
    let table = &app.results.tables[&c.table];
    let row = fid
        .parse::<usize>()
        .ok()
        .and_then(|f| f.checked_sub(1))
        .filter(|i| c.part.rows.contains(i));
    match (row, table.geometries.as_ref()) {
        (Some(i), Some(geometries)) => geojson_response(Bytes::from(
            api::feature(table, geometries, i, i + 1, 0.0).to_string(),
        )),
        _ => error(
            StatusCode::NOT_FOUND,
            format!("no feature `{fid}` in collection `{id}`"),
        ),
    }
}
