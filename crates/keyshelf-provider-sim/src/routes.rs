//! The HTTP routes: seed 004's management API, the verify routes, the OAuth2 token route, and the
//! `/_sim/` test hooks. Faults and the rate limit are applied by a middleware.

use crate::state::{lock, Envelope, Faults, Plan, Sim, SimKey};
use crate::Shared;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json, Router};
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Instant;

pub fn router(state: Shared) -> Router {
    let api = Router::new()
        .route("/api-keys", get(list_keys))
        .route("/api-keys/export", get(export))
        .route("/api-keys/generate", post(generate))
        .route("/api-keys/{id}", get(get_key).delete(delete_key))
        .route("/api-keys/{id}/status", put(set_status))
        .route("/api-usage-logs", get(usage))
        .route("/api-routes-data", get(verify))
        .route("/api/v1/users/me", get(verify))
        .route("/oauth/token", post(token))
        .merge(crate::gitlab::routes())
        .merge(crate::gitlab_scoped::routes())
        .merge(crate::cloudflare::routes())
        .merge(crate::openai::routes())
        .merge(crate::openai_projects::routes())
        .merge(crate::anthropic::routes())
        .merge(crate::datadog::routes())
        .merge(crate::datadog_app_keys::routes())
        .merge(crate::sendgrid::routes())
        .merge(crate::confluent::routes())
        .merge(crate::twilio::routes())
        .layer(middleware::from_fn_with_state(state.clone(), faults))
        .layer(middleware::map_request(query_token));
    Router::new()
        .route("/_sim/keys", get(sim_keys))
        .route("/_sim/stats", get(sim_stats))
        .route("/_sim/faults", post(sim_faults))
        .route("/_sim/plan", post(sim_plan))
        .route("/_sim/revoke-tokens", post(sim_revoke))
        .merge(api)
        .with_state(state)
}

/// RFC 6750 §2.3: an access token may come as the `access_token` query parameter instead of the
/// `Authorization` header (what a profile with `auth.kind = "query"` sends); it is then taken as
/// if it came as `Authorization: Bearer`.
async fn query_token(mut req: Request) -> Request {
    if req.headers().contains_key(header::AUTHORIZATION) {
        return req;
    }
    let token = Query::<HashMap<String, String>>::try_from_uri(req.uri())
        .ok()
        .and_then(|Query(q)| q.get("access_token").cloned());
    if let Some(v) = token.and_then(|t| HeaderValue::from_str(&format!("Bearer {t}")).ok()) {
        req.headers_mut().insert(header::AUTHORIZATION, v);
    }
    req
}

// --- responses --------------------------------------------------------------------------------

/// Seed 004's error body.
fn fail(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"success": false, "message": message}))).into_response()
}

fn request_id() -> String {
    format!("req_{}", crate::state::random(12))
}

/// Seed 001's error body.
fn key_error(code: &str, message: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error": {"code": code, "message": message, "request_id": request_id()}})),
    )
        .into_response()
}

fn id_value(sim: &Sim, id: u64) -> Value {
    if sim.config.string_ids {
        Value::String(id.to_string())
    } else {
        Value::from(id)
    }
}

/// A key as the API shows it: never the value, except right after generation.
fn key_json(sim: &Sim, k: &SimKey, with_value: bool) -> Value {
    let mut v = json!({
        "id": shown_id(sim, k),
        "api_key_name": k.api_key_name,
        "user": k.user,
        "status": k.status,
        "created_at": k.created_at,
        "last_used_at": k.last_used_at,
        "plan": sim.config.plan,
    });
    if with_value {
        v["api_key"] = Value::String(k.api_key.clone());
    }
    v
}

fn wrap(envelope: Envelope, value: Value, is_list: bool) -> Value {
    match envelope {
        Envelope::Bare => value,
        Envelope::Data => json!({ "data": value }),
        Envelope::Success => json!({ "success": true, "data": value }),
        Envelope::Items if is_list => {
            json!({ "items": value, "total": value.as_array().map_or(0, Vec::len) })
        }
        Envelope::ApiKeys if is_list => json!({ "api_keys": value }),
        Envelope::Items | Envelope::ApiKeys => value,
    }
}

fn ok(sim: &Sim, value: Value, is_list: bool) -> Response {
    Json(wrap(sim.config.envelope, value, is_list)).into_response()
}

// --- management authentication ----------------------------------------------------------------

/// Checks the management Bearer token (static or OAuth2-issued). Seed 004's 401 otherwise.
#[allow(clippy::result_large_err)] // handlers return the Response as is
fn authorize(sim: &mut Sim, headers: &HeaderMap) -> Result<(), Response> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = bearer else {
        return Err(fail(
            StatusCode::UNAUTHORIZED,
            "Invalid or missing authentication",
        ));
    };
    if token == sim.config.token {
        return Ok(());
    }
    match sim.tokens.get(token) {
        Some(exp) if *exp > Instant::now() => Ok(()),
        Some(_) => {
            sim.stats.stale_tokens += 1;
            Err(fail(
                StatusCode::UNAUTHORIZED,
                "Invalid or missing authentication",
            ))
        }
        None => {
            if token.starts_with("simtok_") {
                sim.stats.stale_tokens += 1;
            }
            Err(fail(
                StatusCode::UNAUTHORIZED,
                "Invalid or missing authentication",
            ))
        }
    }
}

fn parse_id(raw: &str) -> Option<u64> {
    raw.parse().ok()
}

// --- seed 004 ---------------------------------------------------------------------------------

#[derive(Deserialize)]
struct PageQuery {
    page: Option<usize>,
}

async fn list_keys(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = authorize(&mut sim, &headers) {
        return r;
    }
    let size = sim.faults.page_size;
    if size == 0 {
        let list: Vec<Value> = sim.keys.iter().map(|k| key_json(&sim, k, false)).collect();
        return ok(&sim, Value::Array(list), true);
    }
    paged_list(&sim, &headers, q.page.unwrap_or(1).max(1), size)
}

/// One page of the key list, with a `Link` header to the next one while more follow.
fn paged_list(sim: &Sim, headers: &HeaderMap, page: usize, size: usize) -> Response {
    let list: Vec<Value> = sim
        .keys
        .iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .map(|k| key_json(sim, k, false))
        .collect();
    let mut resp = ok(sim, Value::Array(list), true);
    if page.saturating_mul(size) < sim.keys.len() {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        let link = format!("<http://{host}/api-keys?page={}>; rel=\"next\"", page + 1);
        if let Ok(v) = HeaderValue::from_str(&link) {
            resp.headers_mut().insert(header::LINK, v);
        }
    }
    resp
}

async fn get_key(State(s): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = authorize(&mut sim, &headers) {
        return r;
    }
    match parse_id(&id).and_then(|id| sim.keys.iter().find(|k| k.id == id)) {
        Some(k) => {
            let v = key_json(&sim, k, false);
            ok(&sim, v, false)
        }
        None => fail(StatusCode::NOT_FOUND, "API key not found"),
    }
}

#[derive(Deserialize)]
struct GenerateBody {
    api_key_name: String,
    #[serde(default)]
    user: String,
}

async fn generate(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = authorize(&mut sim, &headers) {
        return r;
    }
    sim.stats.generate_calls += 1;
    let Ok(body) = serde_json::from_slice::<GenerateBody>(&body) else {
        return fail(
            StatusCode::BAD_REQUEST,
            "Body must be JSON {\"api_key_name\", \"user\"}",
        );
    };
    if body.api_key_name.trim().is_empty() {
        return fail(StatusCode::UNPROCESSABLE_ENTITY, "api_key_name is required");
    }
    match sim.create(&body.api_key_name, &body.user) {
        Ok(k) => {
            let k = issued_value_fault(&mut sim, k);
            if sim.faults.fail_after_create > 0 {
                sim.faults.fail_after_create -= 1;
                return fail(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
            }
            let v = key_json(&sim, &k, true);
            ok(&sim, v, false)
        }
        Err(limit) => fail(
            StatusCode::FORBIDDEN,
            &format!(
                "API key limit reached: the {} plan allows {limit} keys. Upgrade your plan or delete a key.",
                serde_json::to_value(sim.config.plan)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
        ),
    }
}

#[derive(Deserialize)]
struct StatusBody {
    status: String,
}

async fn set_status(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = authorize(&mut sim, &headers) {
        return r;
    }
    let status = match serde_json::from_slice::<StatusBody>(&body) {
        Ok(b) if b.status == "active" || b.status == "inactive" => b.status,
        _ => {
            return fail(
                StatusCode::BAD_REQUEST,
                "status must be \"active\" or \"inactive\"",
            )
        }
    };
    let Some(id) = parse_id(&id) else {
        return fail(StatusCode::NOT_FOUND, "API key not found");
    };
    let Some(pos) = sim.keys.iter().position(|k| k.id == id) else {
        return fail(StatusCode::NOT_FOUND, "API key not found");
    };
    sim.keys[pos].status = status;
    let v = key_json(&sim, &sim.keys[pos], false);
    ok(&sim, v, false)
}

async fn delete_key(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = authorize(&mut sim, &headers) {
        return r;
    }
    let Some(pos) = parse_id(&id).and_then(|id| sim.keys.iter().position(|k| k.id == id)) else {
        return fail(StatusCode::NOT_FOUND, "API key not found");
    };
    sim.keys.remove(pos);
    Json(json!({"success": true, "message": "API key deleted"})).into_response()
}

async fn export(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = authorize(&mut sim, &headers) {
        return r;
    }
    let mut csv = String::from("id,api_key_name,user,status,created_at,last_used_at\n");
    for k in &sim.keys {
        csv.push_str(&format!(
            "{},{},{},{},{},{}\n",
            k.id,
            csv_field(&k.api_key_name),
            csv_field(&k.user),
            k.status,
            k.created_at,
            k.last_used_at.as_deref().unwrap_or("")
        ));
    }
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response()
}

fn csv_field(v: &str) -> String {
    if v.contains([',', '"', '\n']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_owned()
    }
}

async fn usage(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = authorize(&mut sim, &headers) {
        return r;
    }
    if sim.faults.usage_status != 0 {
        return usage_missing(sim.faults.usage_status);
    }
    let logs: Vec<Value> = sim
        .usage
        .iter()
        .map(|u| {
            json!({
                "id": id_value(&sim, u.id),
                "api_key_id": id_value(&sim, u.api_key_id),
                "route": u.route,
                "scheme": u.scheme,
                "status_code": u.status,
                "created_at": u.created_at,
            })
        })
        .collect();
    ok(&sim, Value::Array(logs), true)
}

/// The answer of a provider that keeps no usage logs.
fn usage_missing(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::NOT_FOUND);
    let body = json!({ "success": false, "message": "Usage logs are not available" });
    (status, Json(body)).into_response()
}

// --- verify: every presentation scheme ---------------------------------------------------------

/// Finds the key in the request under any of the seeds' schemes; returns it and the scheme name.
fn presented(
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Option<(String, &'static str, Option<String>)> {
    let h = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if let Some(auth) = h("authorization") {
        if let Some(b) = auth.strip_prefix("Bearer ") {
            return Some((b.to_owned(), "bearer", None));
        }
        if let Some(b) = auth.strip_prefix("Basic ") {
            let decoded = base64::engine::general_purpose::STANDARD.decode(b).ok()?;
            return Some((String::from_utf8(decoded).ok()?, "basic", None));
        }
    }
    if let Some(k) = h("x-api-key") {
        let user = h("x-username");
        let scheme = if user.is_some() {
            "x-api-key-username"
        } else {
            "x-api-key"
        };
        return Some((k, scheme, user));
    }
    if let Some(k) = h("apikey") {
        return Some((k, "apikey", None));
    }
    query.get("apikey").map(|k| (k.clone(), "query", None))
}

async fn verify(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    req_path: axum::extract::OriginalUri,
) -> Response {
    let mut sim = lock(&s);
    let route = req_path.path().to_owned();
    let Some((value, scheme, user)) = presented(&headers, &query) else {
        return key_error(
            "missing_api_key",
            "API key is required. Include it in the Authorization header as \"Bearer sk_live_...\" or in the X-API-Key header.",
        );
    };
    let Some(k) = sim.keys.iter().find(|k| k.api_key == value).cloned() else {
        return key_error(
            "invalid_api_key",
            "The key was provided but does not match any active key",
        );
    };
    if k.status != "active" {
        sim.log_use(k.id, &route, scheme, 401);
        return key_error("expired_api_key", "The key has been deactivated or expired");
    }
    if let Some(u) = user {
        if u != k.user {
            sim.log_use(k.id, &route, scheme, 401);
            return fail(
                StatusCode::UNAUTHORIZED,
                "Invalid or missing authentication",
            );
        }
    }
    sim.log_use(k.id, &route, scheme, 200);
    let v = json!({"key_id": id_value(&sim, k.id), "api_key_name": k.api_key_name, "user": k.user, "scheme": scheme});
    let v = verify_echo_fault(&mut sim, v, &value);
    ok(&sim, v, false)
}

// --- OAuth2 (seed 002) ------------------------------------------------------------------------

async fn token(State(s): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    let mut sim = lock(&s);
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "unsupported_grant_type", "error_description": "Only client_credentials is supported"})),
        )
            .into_response();
    }
    if let Some(r) = token_echo_fault(&mut sim) {
        return r;
    }
    if form.get("client_id") != Some(&sim.config.client_id)
        || form.get("client_secret") != Some(&sim.config.client_secret)
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client", "error_description": "Client authentication failed"})),
        )
            .into_response();
    }
    let token = sim.issue_token();
    Json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": sim.config.token_ttl.as_secs(),
        "scope": "read write",
    }))
    .into_response()
}

// --- hostile answers (faults of the routes themselves) -----------------------------------------

/// The id a key is shown with: `shown_id` for the newest key while that fault is set.
fn shown_id(sim: &Sim, k: &SimKey) -> Value {
    match &sim.faults.shown_id {
        Some(id) if k.id + 1 == sim.next_id => Value::String(id.clone()),
        _ => id_value(sim, k.id),
    }
}

/// `issued_value`: the new key gets the test's value, on the provider and in the answer.
fn issued_value_fault(sim: &mut Sim, mut k: SimKey) -> SimKey {
    if let Some(value) = sim.faults.issued_value.take() {
        k.api_key = value;
        if let Some(held) = sim.keys.iter_mut().find(|h| h.id == k.id) {
            held.api_key = k.api_key.clone();
        }
    }
    k
}

/// `verify_echo`: a 200 that repeats what it was sent and the account's credentials.
fn verify_echo_fault(sim: &mut Sim, mut v: Value, presented: &str) -> Value {
    if take(&mut sim.faults.verify_echo) {
        v["echo"] = json!({
            "presented": presented,
            "nested": [{"note": format!("you sent {presented}")}],
            "management_token": sim.config.token,
            "client_secret": sim.config.client_secret,
        });
    }
    v
}

/// `token_echo`: a token error whose message holds the client secret and nothing else of the
/// credentials.
fn token_echo_fault(sim: &mut Sim) -> Option<Response> {
    if !take(&mut sim.faults.token_echo) {
        return None;
    }
    let description = format!("client secret {} is not accepted", sim.config.client_secret);
    Some(
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client", "error_description": description})),
        )
            .into_response(),
    )
}

// --- faults and rate limit --------------------------------------------------------------------

fn take(counter: &mut u32) -> bool {
    if *counter > 0 {
        *counter -= 1;
        true
    } else {
        false
    }
}

enum Fault {
    None,
    Status500,
    Forbidden,
    Status429(u64),
    Malformed,
    Truncated,
    Oversized,
}

async fn faults(State(s): State<Shared>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let (latency, fault) = {
        let mut sim = lock(&s);
        sim.stats.requests += 1;
        let f = &mut sim.faults;
        let applies = path.starts_with(&f.path_prefix);
        let fault = if !applies {
            Fault::None
        } else if take(&mut f.fail_429) {
            Fault::Status429(f.retry_after_secs)
        } else if take(&mut f.forbidden) {
            Fault::Forbidden
        } else if take(&mut f.fail_500) {
            Fault::Status500
        } else if take(&mut f.malformed_json) {
            Fault::Malformed
        } else if take(&mut f.truncated) {
            Fault::Truncated
        } else if take(&mut f.oversized) {
            Fault::Oversized
        } else {
            Fault::None
        };
        let latency = f.latency_ms;
        let fault = match (fault, sim.rate_check()) {
            (Fault::None, Some(after)) => Fault::Status429(after),
            (f, _) => f,
        };
        if matches!(fault, Fault::Status429(_)) {
            sim.stats.rate_limited += 1;
        }
        (latency, fault)
    };
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    match fault {
        Fault::Forbidden => fail(StatusCode::FORBIDDEN, "Insufficient permissions"),
        Fault::Status500 => fail(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"),
        Fault::Status429(after) => {
            let mut r = fail(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded");
            if let Ok(v) = HeaderValue::from_str(&after.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Fault::Malformed => (
            [(header::CONTENT_TYPE, "application/json")],
            "<html><body>502 Bad Gateway</body></html>",
        )
            .into_response(),
        Fault::Truncated | Fault::Oversized => {
            let resp = next.run(req).await;
            let (parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let out = if matches!(fault, Fault::Truncated) {
                bytes.slice(..bytes.len() / 2)
            } else {
                let mut v = bytes.to_vec();
                // Past the client's largest limit (keyshelf_core::provider::client::MAX_LIST_BODY_BYTES).
                v.extend(std::iter::repeat_n(b' ', 33 * 1024 * 1024));
                Bytes::from(v)
            };
            let mut parts = parts;
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(out))
        }
        Fault::None => next.run(req).await,
    }
}

// --- test hooks -------------------------------------------------------------------------------

async fn sim_keys(State(s): State<Shared>) -> Response {
    Json(lock(&s).keys.clone()).into_response()
}

async fn sim_stats(State(s): State<Shared>) -> Response {
    Json(lock(&s).stats.clone()).into_response()
}

async fn sim_faults(State(s): State<Shared>, Json(f): Json<Faults>) -> Response {
    lock(&s).faults = f;
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct PlanBody {
    plan: Plan,
}

async fn sim_plan(State(s): State<Shared>, Json(p): Json<PlanBody>) -> Response {
    lock(&s).config.plan = p.plan;
    StatusCode::NO_CONTENT.into_response()
}

async fn sim_revoke(State(s): State<Shared>) -> Response {
    lock(&s).tokens.clear();
    StatusCode::NO_CONTENT.into_response()
}
