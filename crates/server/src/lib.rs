//! borderscape-server: the local dashboard of `borderscape serve` — a read-only JSON API over one
//! results folder, and the web front end (`web/`, with MapLibre GL JS vendored) embedded in the
//! binary, so nothing is fetched from the internet.
//!
//! # API
//! - `GET /api/summary`: `summary.json`; `GET /api/config`: front-end settings (basemap tiles).
//! - `GET /api/analyses`: each analysis with parameters, headline results and output tables.
//! - `GET /api/layers`, `GET /api/layers/{name}`: spatial tables as GeoJSON in WGS84.
//! - `GET /api/tables`, `GET /api/tables/{name}`: any table as JSON rows.
//! - `GET /api/borders/{a}/{b}`: everything known about one border, by analysis.
//! - `GET /api/jurisdictions/{code}`: one unit's rows in every table keyed by `code`.
//!
//! Listings take `offset`, `limit` (at most [`api::MAX_LIMIT`]) and `column=value` filters;
//! layers also take `simplify_m` (Douglas–Peucker tolerance in metres).
//!
//! # Hygiene
//! The CLI binds to 127.0.0.1 unless told otherwise. Only GET and HEAD are served. No URL is
//! ever mapped to a file: the results are read into memory at start-up and the front end is
//! embedded, so a request cannot reach outside the results folder; paths with a `..` segment
//! are refused outright. Responses are paged; errors are JSON with a message.

pub mod api;
mod results;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rust_embed::RustEmbed;

pub use results::{results_dir, Results};

/// The front end, embedded at compile time.
#[derive(RustEmbed)]
#[folder = "../../web/"]
struct Web;

/// What the handlers share.
pub struct App {
    pub results: Results,
    /// An optional basemap tile URL template (`https://…/{z}/{x}/{y}.png`), given by the user.
    pub tiles: Option<String>,
}

/// The whole site: API routes, the report, the embedded front end, JSON errors elsewhere.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/api/summary", get(api::summary))
        .route("/api/config", get(api::config))
        .route("/api/analyses", get(api::analyses))
        .route("/api/layers", get(api::layers))
        .route("/api/layers/{name}", get(api::layer))
        .route("/api/tables", get(api::tables))
        .route("/api/tables/{name}", get(api::table))
        .route("/api/borders/{a}/{b}", get(api::border))
        .route("/api/jurisdictions/{code}", get(api::jurisdiction))
        .route("/report.html", get(api::report))
        .fallback(asset)
        .layer(middleware::from_fn(guard))
        .with_state(app)
}

/// Refuses other methods than GET/HEAD and any path with a `..` segment (also percent-encoded),
/// and marks every answer `nosniff`.
async fn guard(request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return api::error(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "{} is not allowed: this server is read-only",
                request.method()
            ),
        );
    }
    let path = request
        .uri()
        .path()
        .to_ascii_lowercase()
        .replace("%2e", ".")
        .replace("%2f", "/")
        .replace("%5c", "/")
        .replace('\\', "/");
    if path.split('/').any(|segment| segment == "..") {
        return api::error(StatusCode::BAD_REQUEST, "paths with `..` are refused");
    }
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// An embedded front-end file, `/` being `index.html`; anything else is a JSON 404.
async fn asset(uri: Uri) -> Response {
    let path = match uri.path().trim_start_matches('/') {
        "" => "index.html",
        p => p,
    };
    match Web::get(path) {
        Some(file) => (
            [(header::CONTENT_TYPE, content_type(path))],
            file.data.into_owned(),
        )
            .into_response(),
        None => api::error(StatusCode::NOT_FOUND, format!("not found: {}", uri.path())),
    }
}

/// Serves until the process is stopped; `ready` gets the bound address (port 0 picks a free one).
pub fn serve(app: App, address: SocketAddr, ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(address).await?;
        ready(listener.local_addr()?);
        axum::serve(listener, router(Arc::new(app))).await
    })
}
