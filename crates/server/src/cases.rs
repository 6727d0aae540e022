//! The case API of `borderscape serve --cases DB`: logins and sessions, the cases with their
//! comments, transitions and history, and the audit log, over the register of
//! `borderscape-cases`, which checks every right and version itself.
//!
//! The register is synchronous and one connection: each request takes it under a mutex on a
//! blocking thread, so writes queue here as they would in the database. Sessions live in memory
//! (a restart logs everyone out); API tokens live in the register.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State as Shared};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use borderscape_cases::audit::Entry;
use borderscape_cases::model::refusal;
use borderscape_cases::store::MAX_CODE_CHARS;
use borderscape_cases::{
    Action, Actor, Case, CaseError, CaseFilter, CasePatch, NewCase, State, Store, Units,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value as Json};

use crate::api::{error, json_response, ok};
use crate::app::App;
use crate::register::{
    lock, Cases, MAX_AUDIT_ENTRIES, MAX_BODY_BYTES, MAX_CASES, SESSION_COOKIE, SESSION_LIFETIME,
};

/// The routes of the case API, added to the server's with `--cases`.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/session", get(session))
        .route("/api/cases", get(list).post(create))
        .route("/api/cases/{id}", get(one).patch(update))
        .route("/api/cases/{id}/comments", get(comments).post(comment))
        .route("/api/cases/{id}/transition", post(transition))
        .route("/api/cases/{id}/history", get(history))
        .route("/api/audit", get(audit))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// An error answer, boxed: a response is large and most requests succeed.
pub struct Refused(Box<Response>);

impl From<Response> for Refused {
    fn from(response: Response) -> Self {
        Refused(Box::new(response))
    }
}

/// A JSON error answer (`{"error": message}`).
fn refuse(status: StatusCode, message: impl std::fmt::Display) -> Refused {
    error(status, message).into()
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// A handler's answer: the response, or the error response that stopped it.
type Answer = Result<Response, Refused>;
type Body = Result<Bytes, BytesRejection>;

fn cases_of(app: &App) -> Result<Arc<Cases>, Refused> {
    app.cases.clone().ok_or_else(|| {
        refuse(
            StatusCode::NOT_FOUND,
            "this server has no case register (start it with --cases DB)",
        )
    })
}

/// Who sends a request, before the register is asked: a token to look up, or a session's actor.
enum Who {
    Token(String),
    Session(Actor),
}

impl Who {
    fn actor(self, store: &mut Store) -> Result<Actor, CaseError> {
        match self {
            Who::Token(token) => store.authenticate_token(&token),
            Who::Session(actor) => Ok(actor),
        }
    }
}

/// The session cookie's value, if sent.
fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == SESSION_COOKIE).then(|| value.to_string())
        })
}

/// Compares two secrets in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The credentials of a request: a bearer token, or a session cookie (whose writes must carry
/// the session's CSRF token).
fn who(cases: &Cases, headers: &HeaderMap, write: bool) -> Result<Who, Refused> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                refuse(
                    StatusCode::UNAUTHORIZED,
                    "header `Authorization`: must be `Bearer TOKEN` (from `borderscape users token`)",
                )
            })?;
        return Ok(Who::Token(token.to_string()));
    }
    let Some(id) = session_id(headers) else {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "log in first (POST /api/login) or send `Authorization: Bearer TOKEN`",
        ));
    };
    let (actor, csrf) = cases.session(&id).ok_or_else(|| {
        refuse(
            StatusCode::UNAUTHORIZED,
            "the session has ended or expired: log in again",
        )
    })?;
    if write {
        check_csrf(headers, &csrf)?;
    }
    Ok(Who::Session(actor))
}

/// A cookie write must carry its session's CSRF token.
fn check_csrf(headers: &HeaderMap, csrf: &str) -> Result<(), Refused> {
    let sent = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if same_secret(sent, csrf) {
        Ok(())
    } else {
        Err(refuse(
            StatusCode::FORBIDDEN,
            "header `X-CSRF-Token`: a write with the session cookie must carry the `csrf` that POST /api/login answered",
        ))
    }
}

/// A request's credentials, checked as far as possible before the register is asked.
struct Caller {
    cases: Arc<Cases>,
    who: Who,
}

/// The caller of a request (401 without credentials, 403 for a cookie write without CSRF).
fn caller(app: &App, headers: &HeaderMap, write: bool) -> Result<Caller, Refused> {
    let cases = cases_of(app)?;
    let who = who(&cases, headers, write)?;
    Ok(Caller { cases, who })
}

impl Caller {
    /// Runs `f` for the caller's actor on the register (a token is looked up first).
    async fn run<T: Send + 'static>(
        self,
        f: impl FnOnce(&mut Store, Actor) -> Result<T, CaseError> + Send + 'static,
    ) -> Result<T, Refused> {
        let who = self.who;
        with_store(self.cases, move |store| {
            let actor = who.actor(store)?;
            f(store, actor)
        })
        .await
    }
}

/// Runs `f` on the register on a blocking thread; a register error becomes its response.
async fn with_store<T: Send + 'static>(
    cases: Arc<Cases>,
    f: impl FnOnce(&mut Store) -> Result<T, CaseError> + Send + 'static,
) -> Result<T, Refused> {
    tokio::task::spawn_blocking(move || f(&mut lock(&cases.store)))
        .await
        .map_err(|e| {
            eprintln!("borderscape serve: a case request failed: {e}");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "the request failed")
        })?
        .map_err(case_error)
}

/// The status of a register error; a stale version answers the current case.
fn case_error(e: CaseError) -> Refused {
    let status = match &e {
        CaseError::Invalid { .. } => StatusCode::BAD_REQUEST,
        CaseError::NotFound { .. } | CaseError::NoUser { .. } => StatusCode::NOT_FOUND,
        CaseError::Stale { .. } => StatusCode::PRECONDITION_FAILED,
        CaseError::NotAllowed { .. } => StatusCode::CONFLICT,
        CaseError::Forbidden { .. } => StatusCode::FORBIDDEN,
        CaseError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
        CaseError::Open { .. } | CaseError::Refused { .. } | CaseError::Database { .. } => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    match &e {
        CaseError::Stale { current, .. } => with_etag(
            json_response(status, &json!({"error": e.to_string(), "case": current})),
            current.version,
        )
        .into(),
        _ => refuse(status, e),
    }
}

fn with_etag(mut response: Response, version: i64) -> Response {
    if let Ok(value) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

fn case_response(status: StatusCode, case: &Case) -> Response {
    with_etag(json_response(status, &json!(case)), case.version)
}

/// A JSON body as `T`; a bad one is a 400 naming the field (a body over the limit, a 413).
fn parse<T: DeserializeOwned>(body: Body) -> Result<T, Refused> {
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!("the request body is over {MAX_BODY_BYTES} bytes")
        } else {
            format!("the request body: {}", rejection.body_text())
        };
        refuse(status, message)
    })?;
    let mut json = serde_json::Deserializer::from_slice(&body);
    serde_path_to_error::deserialize(&mut json).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner();
        refuse(
            StatusCode::BAD_REQUEST,
            if path == "." {
                format!("the JSON body: {message}")
            } else {
                format!("field `{path}`: {message}")
            },
        )
    })
}

/// A case id from the path (anything else names no case).
fn case_id(id: &str) -> Result<i64, Refused> {
    id.parse()
        .map_err(|_| refuse(StatusCode::NOT_FOUND, format!("no case `{id}`")))
}

/// The version an `If-Match` header names.
fn if_match(headers: &HeaderMap) -> Result<i64, Refused> {
    let value = headers.get(header::IF_MATCH).ok_or_else(|| {
        refuse(
            StatusCode::PRECONDITION_REQUIRED,
            "header `If-Match`: this write needs the case's version, the ETag of GET /api/cases/{id}",
        )
    })?;
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            refuse(
                StatusCode::BAD_REQUEST,
                "header `If-Match`: must be a case version such as \"3\"",
            )
        })
}

fn user_json(actor: &Actor) -> Json {
    json!({"name": actor.name, "role": actor.role, "unit": actor.unit})
}

/// What `actor` may do to `case` now: edit, comment, and the transitions it may make or
/// propose from the case's state (the dashboard shows only these controls).
fn actions(actor: &Actor, case: &Case, units: &Units) -> Json {
    let may = |action| refusal(actor, case, action, units).is_none();
    let states = |action: fn(State) -> Action| -> Vec<&str> {
        case.state
            .next()
            .iter()
            .filter(|to| may(action(**to)))
            .map(|to| to.name())
            .collect()
    };
    json!({
        "edit": may(Action::Edit),
        "comment": may(Action::Comment),
        "transition": states(Action::Transition),
        "propose": states(Action::Propose),
    })
}

/// An audit entry with its before, after and rows as JSON objects.
fn entry_json(entry: Entry) -> Json {
    let parse = |text: Option<String>| {
        text.map(|t| serde_json::from_str(&t).unwrap_or(Json::String(t)))
            .unwrap_or(Json::Null)
    };
    json!({
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "case_id": entry.case_id,
        "before": parse(entry.before),
        "after": parse(entry.after),
        "rows": parse(entry.rows),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    name: String,
    password: String,
}

/// `POST /api/login`: a session cookie and its CSRF token. After [`FREE_LOGIN_FAILURES`]
/// failures a name is locked out for a doubling while (429 with `Retry-After`).
async fn login(Shared(app): Shared<Arc<App>>, body: Body) -> Answer {
    let cases = cases_of(&app)?;
    let Login { name, password } = parse(body)?;
    // No account has a longer name; such a name is refused without being remembered.
    if name.chars().count() > MAX_CODE_CHARS {
        return Err(case_error(CaseError::Unauthenticated {
            db: cases.db.clone(),
        }));
    }
    if let Err(left) = cases.attempt(&name) {
        let seconds = left.as_secs() + 1;
        let mut response = error(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many failed logins for `{name}`: try again in {seconds} s"),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        return Err(response.into());
    }
    let credentials = {
        let name = name.clone();
        with_store(cases.clone(), move |store| store.credentials(&name)).await?
    };
    let actor = tokio::task::spawn_blocking(move || credentials.check(&password))
        .await
        .map_err(|_| refuse(StatusCode::INTERNAL_SERVER_ERROR, "the login failed"))?
        .map_err(case_error)?;
    cases.forget_failures(&name);
    let (id, csrf) = cases.open_session(actor.clone());
    let cookie = format!(
        "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        SESSION_LIFETIME.as_secs()
    );
    let mut response = ok(json!({"csrf": csrf, "user": user_json(&actor)}));
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `POST /api/logout`: ends the cookie's session (a live one only with its CSRF token) and
/// clears the cookie; 204 also when there was no session.
async fn logout(Shared(app): Shared<Arc<App>>, headers: HeaderMap) -> Answer {
    let cases = cases_of(&app)?;
    if let Some(id) = session_id(&headers) {
        if let Some((_, csrf)) = cases.session(&id) {
            check_csrf(&headers, &csrf)?;
            cases.end_session(&id);
        }
    }
    let expired = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `GET /api/session`: the logged-in user and the session's CSRF token (a reloaded page
/// cannot read the HttpOnly cookie, and another site cannot read this answer).
async fn session(Shared(app): Shared<Arc<App>>, headers: HeaderMap) -> Answer {
    let cases = cases_of(&app)?;
    let (actor, csrf) = session_id(&headers)
        .and_then(|id| cases.session(&id))
        .ok_or_else(|| refuse(StatusCode::UNAUTHORIZED, "not logged in"))?;
    Ok(ok(json!({"csrf": csrf, "user": user_json(&actor)})))
}

/// The filter and page of `GET /api/cases`; an unknown parameter or a bad value is a 400
/// naming it.
fn filter_of(params: HashMap<String, String>) -> Result<(CaseFilter, Page), Refused> {
    let mut filter = CaseFilter::default();
    let mut page = Page {
        offset: 0,
        limit: MAX_CASES,
    };
    for (name, value) in params.into_iter().filter(|(_, v)| !v.is_empty()) {
        let number =
            |max: usize| {
                value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n <= max)
                    .ok_or_else(|| {
                        refuse(
                    StatusCode::BAD_REQUEST,
                    format!("parameter `{name}`: `{value}` is not a whole number from 0 to {max}"),
                )
                    })
            };
        match name.as_str() {
            "state" => {
                filter.state = Some(State::parse(&value).ok_or_else(|| {
                    refuse(
                        StatusCode::BAD_REQUEST,
                        format!(
                            "parameter `state`: `{value}` is not a state ({})",
                            State::names()
                        ),
                    )
                })?)
            }
            "border" => filter.border = Some(value),
            "unit" => filter.unit = Some(value),
            "type" => filter.kind = Some(value),
            "offset" => page.offset = number(usize::MAX)?,
            "limit" => page.limit = number(MAX_CASES)?,
            _ => {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "parameter `{name}`: not a filter (state, border, unit, type) or page (offset, limit)"
                    ),
                ))
            }
        }
    }
    Ok((filter, page))
}

/// Which part of a listing to answer.
struct Page {
    offset: usize,
    limit: usize,
}

/// `GET /api/cases?state=&border=a|b&unit=&type=&offset=&limit=`: the matching cases (at most
/// [`MAX_CASES`]), their `total`, and the counts by state of the cases matching the other
/// filters (so that every state's count shows beside a state filter).
async fn list(
    Shared(app): Shared<Arc<App>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Answer {
    let caller = caller(&app, &headers, false)?;
    let (mut filter, page) = filter_of(params)?;
    let state = filter.state.take();
    let all = caller.run(move |store, _| store.cases(&filter)).await?;
    let counts: serde_json::Map<String, Json> = State::ALL
        .iter()
        .map(|s| {
            (
                s.name().to_string(),
                json!(all.iter().filter(|c| c.state == *s).count()),
            )
        })
        .collect();
    let matching: Vec<&Case> = all
        .iter()
        .filter(|c| state.is_none_or(|s| c.state == s))
        .collect();
    let listed: Vec<&&Case> = matching.iter().skip(page.offset).take(page.limit).collect();
    Ok(ok(
        json!({"cases": listed, "total": matching.len(), "counts": counts}),
    ))
}

/// `GET /api/cases/{id}`: the case with its comments and what the user may do to it.
async fn one(Shared(app): Shared<Arc<App>>, headers: HeaderMap, Path(id): Path<String>) -> Answer {
    let caller = caller(&app, &headers, false)?;
    let id = case_id(&id)?;
    let (case, comments, actions) = caller
        .run(move |store, actor| {
            let case = store.case(id)?;
            let comments = store.comments(id)?;
            let actions = actions(&actor, &case, &store.units()?);
            Ok((case, comments, actions))
        })
        .await?;
    let mut body = json!(case);
    body["comments"] = json!(comments);
    body["actions"] = actions;
    Ok(with_etag(ok(body), case.version))
}

/// `POST /api/cases`: a new case (201, with its `ETag` and `Location`).
async fn create(Shared(app): Shared<Arc<App>>, headers: HeaderMap, body: Body) -> Answer {
    let caller = caller(&app, &headers, true)?;
    let new: NewCase = parse(body)?;
    let case = caller
        .run(move |store, actor| store.create_case(&actor, new))
        .await?;
    let mut response = case_response(StatusCode::CREATED, &case);
    if let Ok(value) = HeaderValue::from_str(&format!("/api/cases/{}", case.id)) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// `PATCH /api/cases/{id}` with `If-Match`: changes fields; 412 with the current case if stale.
async fn update(
    Shared(app): Shared<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Answer {
    let caller = caller(&app, &headers, true)?;
    let id = case_id(&id)?;
    let version = if_match(&headers)?;
    let patch: CasePatch = parse(body)?;
    let case = caller
        .run(move |store, actor| store.update_case(&actor, id, version, patch))
        .await?;
    Ok(case_response(StatusCode::OK, &case))
}

/// `GET /api/cases/{id}/comments`: oldest first.
async fn comments(
    Shared(app): Shared<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    let caller = caller(&app, &headers, false)?;
    let id = case_id(&id)?;
    let comments = caller.run(move |store, _| store.comments(id)).await?;
    Ok(ok(json!({ "comments": comments })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewComment {
    body: String,
}

/// `POST /api/cases/{id}/comments` `{"body"}`: 201 with the comment.
async fn comment(
    Shared(app): Shared<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Answer {
    let caller = caller(&app, &headers, true)?;
    let id = case_id(&id)?;
    let NewComment { body } = parse(body)?;
    let comment = caller
        .run(move |store, actor| store.comment(&actor, id, &body))
        .await?;
    Ok(json_response(StatusCode::CREATED, &json!(comment)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Transition {
    to: String,
    #[serde(default)]
    note: String,
    /// A unit's proposal of a state only the office may set.
    #[serde(default)]
    propose: bool,
}

/// `POST /api/cases/{id}/transition` `{"to", "note", "propose"}` with `If-Match`: 409 when the
/// state machine does not allow it, 403 when the user may not make (or propose) it.
async fn transition(
    Shared(app): Shared<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Answer {
    let caller = caller(&app, &headers, true)?;
    let id = case_id(&id)?;
    let version = if_match(&headers)?;
    let Transition { to, note, propose } = parse(body)?;
    let to = State::parse(&to).ok_or_else(|| {
        refuse(
            StatusCode::BAD_REQUEST,
            format!("field `to`: `{to}` is not a state ({})", State::names()),
        )
    })?;
    let case = caller
        .run(move |store, actor| {
            if propose {
                store.propose(&actor, id, version, to, &note)
            } else {
                store.transition(&actor, id, version, to, &note)
            }
        })
        .await?;
    Ok(case_response(StatusCode::OK, &case))
}

/// `GET /api/cases/{id}/history`: the case's audit entries, oldest first.
async fn history(
    Shared(app): Shared<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    let caller = caller(&app, &headers, false)?;
    let id = case_id(&id)?;
    let entries = caller.run(move |store, _| store.history(id)).await?;
    let history: Vec<Json> = entries.into_iter().map(entry_json).collect();
    Ok(ok(json!({ "history": history })))
}

/// `GET /api/audit?after=SEQ&limit=N`: the audit log from after entry `after` (default 0), at
/// most [`MAX_AUDIT_ENTRIES`] entries, for the office only; `next` is the `after` of the next
/// page (none at the end).
async fn audit(
    Shared(app): Shared<Arc<App>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Answer {
    let caller = caller(&app, &headers, false)?;
    let mut after = 0;
    let mut limit = MAX_AUDIT_ENTRIES;
    for (name, value) in params {
        let slot = match name.as_str() {
            "after" => &mut after,
            "limit" => &mut limit,
            _ => {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    format!("parameter `{name}`: not a page parameter (after, limit)"),
                ))
            }
        };
        *slot = value
            .parse()
            .ok()
            .filter(|n| (0..=i64::MAX).contains(n))
            .ok_or_else(|| {
                refuse(
                    StatusCode::BAD_REQUEST,
                    format!("parameter `{name}`: `{value}` is not a whole number"),
                )
            })?;
    }
    let limit = limit.clamp(1, MAX_AUDIT_ENTRIES);
    let entries = caller
        .run(move |store, actor| store.audit_page(&actor, after, limit))
        .await?;
    let next = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    let audit: Vec<Json> = entries.into_iter().map(entry_json).collect();
    Ok(ok(json!({ "audit": audit, "next": next })))
}
