//! Anthropic mode: the Admin API's API keys under `/v1/organizations/api_keys`, and `/v1/models`
//! of the normal API for checking a key, as Anthropic's API reference describes them
//! (https://platform.claude.com/docs/en/api/admin/api_keys/list, https://docs.anthropic.com/en/api/errors).
//!
//! - Auth: `x-api-key`. The simulator's management token is the admin key; it may not call
//!   `/v1/models`, and the API keys of the store may not call the Admin API. Every request needs
//!   the `anthropic-version` header (400 without it).
//! - Ids are `apikey_` + the store id. Lists are `{data, first_id, last_id, has_more}` paged by
//!   `after_id` and `limit` (1–1000, default 20), oldest first; archived keys stay listed.
//! - There is no create, delete or roll: keys are made in the Console (tests add them through
//!   the state), and `POST …/{id}` changes `name` and `status` (`active`, `inactive`,
//!   `archived`). An archived key cannot be set active again (400; the reference does not say).
//! - The API shows `partial_key_hint`, never the value.
//! - Errors: `{"type": "error", "error": {"type", "message"}, "request_id"}` and a `request-id`
//!   header.
//!
//! The simulator shares its key store with the standard API: the same keys, seen Anthropic's way.

use crate::state::{lock, random, Sim, SimKey};
use crate::Shared;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v1/organizations/api_keys", get(list))
        .route("/v1/organizations/api_keys/{id}", get(show).post(update))
        .route("/v1/models", get(models))
        .merge(crate::anthropic_usage::routes())
}

fn with_request_id(status: StatusCode, body: Value) -> Response {
    let id = format!("req_sim{}", random(16));
    let mut body = body;
    if body.get("type") == Some(&json!("error")) {
        body["request_id"] = Value::String(id.clone());
    }
    let mut resp = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("request-id", v);
    }
    resp
}

pub(crate) fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    with_request_id(
        status,
        json!({"type": "error", "error": {"type": kind, "message": message}}),
    )
}

pub(crate) fn ok(body: Value) -> Response {
    with_request_id(StatusCode::OK, body)
}

fn presented(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-api-key").and_then(|v| v.to_str().ok())
}

/// The admin key on an Admin API route, with its version header.
#[allow(clippy::result_large_err)] // handlers return the Response as is
pub(crate) fn admin(sim: &Sim, headers: &HeaderMap) -> Result<(), Response> {
    version(headers)?;
    match presented(headers) {
        Some(t) if t == sim.config.token => Ok(()),
        _ => Err(error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "invalid x-api-key",
        )),
    }
}

#[allow(clippy::result_large_err)]
fn version(headers: &HeaderMap) -> Result<(), Response> {
    if headers.contains_key("anthropic-version") {
        Ok(())
    } else {
        Err(error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "anthropic-version: header is required",
        ))
    }
}

fn key_id(k: &SimKey) -> String {
    format!("apikey_{}", k.id)
}

fn status(k: &SimKey) -> &str {
    if k.revoked {
        "archived"
    } else {
        &k.status
    }
}

fn key_json(k: &SimKey) -> Value {
    let tail: String = k
        .api_key
        .chars()
        .skip(k.api_key.len().saturating_sub(4))
        .collect();
    json!({
        "id": key_id(k),
        "type": "api_key",
        "name": k.api_key_name,
        "status": status(k),
        "created_at": k.created_at,
        "expires_at": k.expires_at,
        "partial_key_hint": format!("simant-...{tail}"),
        "workspace_id": null,
        "created_by": {"id": format!("user_{}", k.user), "type": "user"},
    })
}

fn position(sim: &Sim, id: &str) -> Option<usize> {
    let n: u64 = id.strip_prefix("apikey_")?.parse().ok()?;
    sim.keys.iter().position(|k| k.id == n)
}

fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "not_found_error",
        "API key not found",
    )
}

#[derive(Deserialize)]
struct ListQuery {
    after_id: Option<String>,
    limit: Option<usize>,
    status: Option<String>,
}

async fn list(State(s): State<Shared>, headers: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    let sim = lock(&s);
    if let Err(r) = admin(&sim, &headers) {
        return r;
    }
    let keys: Vec<&SimKey> = sim
        .keys
        .iter()
        .filter(|k| q.status.as_deref().is_none_or(|want| status(k) == want))
        .collect();
    let start = match q.after_id.as_deref() {
        None => 0,
        Some(after) => match keys.iter().position(|k| key_id(k) == after) {
            Some(i) => i + 1,
            None => return not_found(),
        },
    };
    let limit = q.limit.unwrap_or(20);
    if !(1..=1000).contains(&limit) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "limit: must be between 1 and 1000",
        );
    }
    let page: Vec<&SimKey> = keys.iter().skip(start).take(limit).copied().collect();
    ok(json!({
        "data": page.iter().map(|k| key_json(k)).collect::<Vec<_>>(),
        "first_id": page.first().map(|k| key_id(k)),
        "last_id": page.last().map(|k| key_id(k)),
        "has_more": start + page.len() < keys.len(),
    }))
}

async fn show(State(s): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let sim = lock(&s);
    if let Err(r) = admin(&sim, &headers) {
        return r;
    }
    match position(&sim, &id) {
        Some(pos) => ok(key_json(&sim.keys[pos])),
        None => not_found(),
    }
}

#[derive(Deserialize)]
struct UpdateBody {
    name: Option<String>,
    status: Option<String>,
}

async fn update(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = admin(&sim, &headers) {
        return r;
    }
    let Some(pos) = position(&sim, &id) else {
        return not_found();
    };
    let Ok(b) = serde_json::from_slice::<UpdateBody>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "the body is not valid JSON",
        );
    };
    let k = &mut sim.keys[pos];
    match b.status.as_deref() {
        None => {}
        Some(_) if k.revoked => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                "an archived API key cannot be changed",
            )
        }
        Some("archived") => k.revoked = true,
        Some(s @ ("active" | "inactive")) => k.status = s.to_owned(),
        Some(other) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                &format!("status: {other:?} is not one of active, inactive, archived"),
            )
        }
    }
    if let Some(name) = b.name {
        k.api_key_name = name;
    }
    ok(key_json(k))
}

/// The active API key of the store a normal-API request presents, with its version header.
#[allow(clippy::result_large_err)]
pub(crate) fn api_key<'s>(
    sim: &'s mut Sim,
    headers: &HeaderMap,
) -> Result<&'s mut SimKey, Response> {
    version(headers)?;
    let token = presented(headers).unwrap_or_default();
    sim.keys
        .iter_mut()
        .find(|k| k.api_key == token && !k.revoked && k.status == "active")
        .ok_or_else(|| {
            error(
                StatusCode::UNAUTHORIZED,
                "authentication_error",
                "invalid x-api-key",
            )
        })
}

/// The normal API: any active API key of the store may list the models.
async fn models(State(s): State<Shared>, headers: HeaderMap) -> Response {
    // The same path at OpenAI, with a Bearer key.
    if !headers.contains_key("x-api-key") && headers.contains_key("authorization") {
        return crate::openai_projects::models(State(s), headers).await;
    }
    let mut sim = lock(&s);
    let k = match api_key(&mut sim, &headers) {
        Ok(k) => k,
        Err(r) => return r,
    };
    k.last_used_at = Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    ok(json!({
        "data": [{"type": "model", "id": "sim-model-1", "display_name": "Simulated model", "created_at": "2026-01-01T00:00:00Z"}],
        "first_id": "sim-model-1",
        "last_id": "sim-model-1",
        "has_more": false,
    }))
}
