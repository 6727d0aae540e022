//! borderscape-server: the local dashboard of `borderscape serve` — a read-only JSON API over one
//! results folder, and the web front end (`web/`, with MapLibre GL JS vendored) embedded in the
//! binary, so nothing is fetched from the internet. With a case register (`--cases DB`) it also
//! serves the case API ([`cases`]): logins, cases, comments, transitions, history, audit log.
//!
//! # API
//! - `GET /api/summary`: `summary.json`; `GET /api/config`: front-end settings (basemap tiles,
//!   the report of each language).
//! - `GET /api/analyses`: each analysis with parameters, headline results and output tables.
//! - `GET /api/layers`, `GET /api/layers/{name}`: spatial tables as GeoJSON in WGS84.
//! - `GET /api/tables`, `GET /api/tables/{name}`: any table as JSON rows.
//! - `GET /api/borders/{a}/{b}`: everything known about one border, by analysis.
//! - `GET /api/jurisdictions/{code}`: one unit's rows in every table keyed by `code`.
//! - `GET /report.html`, `/report.en.html`, `/report.zh.html`: the run's reports, when written.
//! - `GET /` (as JSON), `/conformance`, `/collections[/{id}[/items[/{fid}]]]`: the layers of
//!   `results.gpkg` as OGC API – Features ([`ogc`]), for QGIS and GDAL.
//!
//! Listings take `offset`, `limit` (at most [`api::MAX_LIMIT`]) and `column=value` filters;
//! layers also take `simplify_m` (Douglas–Peucker tolerance in metres).
//!
//! # Hygiene
//! The CLI binds to 127.0.0.1 unless told otherwise. Requests whose `Host` is neither
//! localhost, a loopback address, the bound address nor the address the connection reached (the
//! machine's address the client used, when bound to all interfaces) are refused (DNS
//! rebinding). Every answer carries a
//! Content-Security-Policy (`default-src 'self'`; the self-contained report only its own inline
//! script and styles), `X-Frame-Options: DENY`, `frame-ancestors 'none'` and
//! `Referrer-Policy: no-referrer`. Only GET and HEAD are served, and with a case register also
//! POST and PATCH under `/api/` (the case API's own rules: [`cases`]). A request target over
//! [`MAX_URI_BYTES`] gets a JSON 414, headers over [`MAX_HEADER_BYTES`] or [`MAX_HEADERS`] a
//! JSON 431, also beyond the HTTP parser's own limits ([`refusal`]). No URL is
//! ever mapped to a file: the results are read into memory at start-up and the front end is
//! embedded, so a request cannot reach outside the results folder; paths with a `..` segment
//! are refused outright. Responses are paged; errors are JSON with a message.

pub mod api;
mod app;
pub mod cases;
mod limits;
pub mod ogc;
mod refusal;
pub mod register;
mod results;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rust_embed::RustEmbed;
use tokio::sync::{Notify, Semaphore, TryAcquireError};

pub use app::{App, LayerCache, LAYER_CACHE_BYTES};
pub use limits::{
    CONNECTION_TIMEOUT, HEADER_TIMEOUT, MAX_CONNECTIONS, MAX_HEADERS, MAX_HEADER_BYTES,
    MAX_URI_BYTES,
};
use limits::{PARSER_BUFFER_BYTES, PARSER_MAX_HEADERS};
use results::REPORT_FILES;
pub use results::{results_dir, results_file, Results};

/// The front end, embedded at compile time.
#[derive(RustEmbed)]
#[folder = "../../web/"]
struct Web;

/// What the guard checks every request against.
struct Policy {
    /// The address listened on (`None`: loopback only).
    bound: Option<IpAddr>,
    /// The Content-Security-Policy of the dashboard (the tile server added when given).
    dashboard_csp: HeaderValue,
    /// Whether the case API takes writes (POST, PATCH under `/api/`).
    writes: bool,
}

impl Policy {
    fn new(app: &App, bound: Option<IpAddr>) -> Policy {
        let tiles = app
            .tiles
            .as_deref()
            .and_then(origin_of)
            .map(|o| format!(" {o}"))
            .unwrap_or_default();
        let csp = format!(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{tiles}; connect-src 'self'{tiles}; worker-src 'self' blob:; child-src blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
        );
        Policy {
            bound,
            dashboard_csp: HeaderValue::from_str(&csp)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
            writes: app.cases.is_some(),
        }
    }
}

/// The local address a request's connection reached, which [`serve`] puts in its extensions.
#[derive(Clone, Copy)]
struct Reached(IpAddr);

/// Whether a `Host` header (with or without port) names this server: `localhost`, a loopback
/// address, the bound address (also `0.0.0.0` when bound to it) or the address the connection
/// reached — bound to all interfaces, the one the client knows this machine by, whichever
/// interface it is. Names are refused: a page whose name an attacker points at this machine
/// (DNS rebinding) sends its own name, and only an address names the machine itself.
fn host_allowed(host: &str, bound: Option<IpAddr>, reached: Option<IpAddr>) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let literal = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    let Ok(ip) = literal.parse::<IpAddr>().map(|ip| ip.to_canonical()) else {
        return false;
    };
    ip.is_loopback()
        || [bound, reached]
            .into_iter()
            .flatten()
            .any(|own| own.to_canonical() == ip)
}

/// `scheme://host[:port]` of a URL template, for the Content-Security-Policy.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next()?;
    (!host.is_empty() && !host.contains(['{', '}', ';', ' ', '\'']))
        .then(|| format!("{scheme}://{host}"))
}

/// The report is one self-contained file: its inline script and styles, nothing else.
const REPORT_CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'";

/// The whole site for a server bound to `bound` (`None`: answer localhost only).
pub fn router(app: Arc<App>, bound: Option<IpAddr>) -> Router {
    let policy = Arc::new(Policy::new(&app, bound));
    let site = if app.cases.is_some() {
        cases::routes()
    } else {
        Router::new()
    };
    site.route("/api/summary", get(api::summary))
        .route("/api/config", get(api::config))
        .route("/api/analyses", get(api::analyses))
        .route("/api/layers", get(api::layers))
        .route("/api/layers/{name}", get(api::layer))
        .route("/api/tables", get(api::tables))
        .route("/api/tables/{name}", get(api::table))
        .route("/api/borders/{a}/{b}", get(api::border))
        .route("/api/jurisdictions/{code}", get(api::jurisdiction))
        .route("/report.html", get(api::report))
        .route("/report.en.html", get(api::report))
        .route("/report.zh.html", get(api::report))
        .route("/", get(root))
        .route("/conformance", get(ogc::conformance))
        .route("/collections", get(ogc::collections))
        .route("/collections/{id}", get(ogc::collection))
        .route("/collections/{id}/items", get(ogc::items))
        .route("/collections/{id}/items/{fid}", get(ogc::item))
        .fallback(asset)
        .layer(middleware::from_fn_with_state(policy, guard))
        .with_state(app)
}

/// Refuses other methods than GET/HEAD (but POST/PATCH of the case API), a `Host` that is not
/// this server, and any path with a `..` segment (also percent-encoded); sets the security
/// headers of every answer.
async fn guard(State(policy): State<Arc<Policy>>, request: Request, next: Next) -> Response {
    if let Some(refusal) = oversized(&request) {
        return refusal;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let reached = request.extensions().get::<Reached>().map(|r| r.0);
    if !host_allowed(host, policy.bound, reached) {
        return api::error(
            StatusCode::MISDIRECTED_REQUEST,
            format!("host `{host}` is not this server: use http://127.0.0.1:PORT/ or http://localhost:PORT/"),
        );
    }
    let case_write = policy.writes
        && matches!(*request.method(), Method::POST | Method::PATCH)
        && request.uri().path().starts_with("/api/");
    if !case_write && !matches!(*request.method(), Method::GET | Method::HEAD) {
        return api::error(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "{} is not allowed here: {}",
                request.method(),
                if policy.writes {
                    "only the case API (/api/…) takes writes"
                } else {
                    "this server is read-only (serve --cases DB takes case writes)"
                }
            ),
        );
    }
    if case_write {
        if let Some(refusal) = cross_site_write(&request) {
            return refusal;
        }
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
    let report = REPORT_FILES
        .iter()
        .any(|f| request.uri().path().strip_prefix('/') == Some(f));
    // Case answers carry CSRF tokens and register contents: no cache keeps them.
    let private = policy.writes && request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if private {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        if report {
            HeaderValue::from_static(REPORT_CSP)
        } else {
            policy.dashboard_csp.clone()
        },
    );
    response
}

/// A case write another site could have made: one its browser marks as cross-site
/// (`Sec-Fetch-Site`), or a body that is not JSON — an HTML form can post `text/plain` without
/// CORS, and a JSON-looking one would otherwise log the user in under another account.
fn cross_site_write(request: &Request) -> Option<Response> {
    let headers = request.headers();
    let site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("same-origin");
    if !matches!(site, "same-origin" | "none") {
        return Some(api::error(
            StatusCode::FORBIDDEN,
            format!("header `Sec-Fetch-Site`: a {site} request may not write cases"),
        ));
    }
    let has_body = headers
        .get(header::CONTENT_LENGTH)
        .is_some_and(|v| v.as_bytes() != b"0")
        || headers.contains_key(header::TRANSFER_ENCODING);
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    (has_body && !json).then(|| {
        api::error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "header `Content-Type`: a case write's body must be `application/json`",
        )
    })
}

/// A JSON 414 or 431 for a request over the limits of its target or headers.
fn oversized(request: &Request) -> Option<Response> {
    let uri = request.uri().to_string().len();
    if uri > MAX_URI_BYTES {
        return Some(api::error(
            StatusCode::URI_TOO_LONG,
            format!("the request target is {uri} bytes; at most {MAX_URI_BYTES} are served"),
        ));
    }
    let headers = request.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if bytes > MAX_HEADER_BYTES || headers.len() > MAX_HEADERS {
        return Some(api::error(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "{} headers of {bytes} bytes; at most {MAX_HEADERS} headers of {MAX_HEADER_BYTES} bytes are served",
                headers.len()
            ),
        ));
    }
    None
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

/// `/`: the OGC API landing page to a client that asks for JSON (GDAL, QGIS), else the dashboard.
async fn root(State(app): State<Arc<App>>, headers: axum::http::HeaderMap, uri: Uri) -> Response {
    if ogc::wants_json(&headers, &uri) {
        ogc::landing(&app, &headers)
    } else {
        asset(uri).await
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
    // Two workers: one slow client cannot hold up the others' answers.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .enable_time()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(address).await?;
        ready(listener.local_addr()?);
        let site = router(Arc::new(app), Some(address.ip()));
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let crowded = Arc::new(Notify::new());
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let slot = match slots.clone().try_acquire_owned() {
                Ok(slot) => slot,
                Err(TryAcquireError::Closed) => return Ok(()),
                Err(TryAcquireError::NoPermits) => {
                    // Connections idle between requests close now, instead of keeping this
                    // client waiting for their header timeout.
                    crowded.notify_waiters();
                    let Ok(slot) = slots.clone().acquire_owned().await else {
                        return Ok(());
                    };
                    slot
                }
            };
            let reached = stream.local_addr().ok().map(|a| Reached(a.ip()));
            // Whether a request has arrived on this connection: only such a connection, idle
            // between requests, closes for a crowd; a fresh one may have its first request in
            // flight, and closing it would answer nothing.
            let served = Arc::new(AtomicBool::new(false));
            let site = TowerToHyperService::new(site.clone());
            let seen = served.clone();
            let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
                seen.store(true, Ordering::Relaxed);
                if let Some(reached) = reached {
                    request.extensions_mut().insert(reached);
                }
                hyper::service::Service::call(&site, request)
            });
            let crowded = crowded.clone();
            tokio::spawn(async move {
                let _slot = slot;
                let mut http = hyper::server::conn::http1::Builder::new();
                http.timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .max_buf_size(PARSER_BUFFER_BYTES)
                    .max_headers(PARSER_MAX_HEADERS);
                let io = TokioIo::new(refusal::Answering::new(stream));
                let mut connection = std::pin::pin!(http.serve_connection(io, service));
                // A connection past its time is dropped, whatever it was doing.
                let deadline = tokio::time::Instant::now() + CONNECTION_TIMEOUT;
                loop {
                    tokio::select! {
                        _ = connection.as_mut() => break,
                        _ = tokio::time::sleep_until(deadline) => break,
                        _ = crowded.notified() => {
                            if served.load(Ordering::Relaxed) {
                                // Closes at once when idle, else after the answer in progress.
                                connection.as_mut().graceful_shutdown();
                                let _ = tokio::time::timeout_at(deadline, connection.as_mut()).await;
                                break;
                            }
                        }
                    }
                }
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_to_all_interfaces_the_address_reached_is_this_server() {
        let any = Some("0.0.0.0".parse().unwrap());
        let lan: Option<IpAddr> = Some("192.168.1.5".parse().unwrap());
        for host in [
            "192.168.1.5:8321",
            "192.168.1.5",
            "0.0.0.0:8321",
            "localhost:8321",
            "LOCALHOST",
            "127.0.0.1:8321",
            "[::1]:8321",
        ] {
            assert!(host_allowed(host, any, lan), "{host}");
        }
        // An IPv4 client of a dual-stack socket reaches an IPv4-mapped address.
        let mapped = Some("::ffff:192.168.1.5".parse().unwrap());
        assert!(host_allowed(
            "192.168.1.5:8321",
            Some("::".parse().unwrap()),
            mapped
        ));
        // Names are refused (DNS rebinding), and so are addresses this connection did not reach.
        for host in [
            "evil.example:8321",
            "192.168.1.5.nip.io:8321",
            "192.168.1.6:8321",
            "[fe80::1]:8321",
            "",
        ] {
            assert!(!host_allowed(host, any, lan), "{host}");
        }
    }

    #[test]
    fn bound_to_one_address_only_it_and_loopback_are_this_server() {
        let bound = Some("10.0.0.7".parse().unwrap());
        assert!(host_allowed("10.0.0.7:8321", bound, bound));
        assert!(host_allowed("localhost:8321", bound, bound));
        assert!(!host_allowed("0.0.0.0:8321", bound, bound));
        assert!(!host_allowed("10.0.0.8:8321", bound, bound));
        let loopback = Some("127.0.0.1".parse().unwrap());
        assert!(!host_allowed("0.0.0.0:8321", loopback, loopback));
        assert!(host_allowed("[::1]:8321", loopback, loopback));
    }
}
