//! Datadog mode: API keys under `/api/v2/api_keys` and `GET /api/v1/validate`, as Datadog's API
//! reference describes them (https://docs.datadoghq.com/api/latest/key-management/,
//! https://docs.datadoghq.com/api/latest/authentication/validate-api-key/).
//!
//! - Auth: management routes need both `DD-API-KEY` and `DD-APPLICATION-KEY`; the simulator's
//!   management token is the pair as `API_KEY:APPLICATION_KEY`. `/api/v1/validate` takes
//!   `DD-API-KEY` alone: any key of the store.
//! - Bodies are JSON:API: `{"data": {"type": "api_keys", "id", "attributes": {name, key?, last4,
//!   created_at, modified_at, date_last_used}}}`. Ids are UUIDs made from the store id.
//! - Lists: `{"data": [...], "meta": {"page": {"total_count", "total_filtered_count"}}}`, paged
//!   by `page[size]` (at most 100; 400 above) and `page[number]` from 0; no `key` in lists.
//! - Create answers 201 with `attributes.key`; a get returns the key again (API keys stay
//!   readable at Datadog). Delete answers 204. No status: a key works until it is deleted.
//! - Errors: `{"errors": ["…"]}`.
//!
//! The simulator shares its key store with the standard API: the same keys, seen Datadog's way.

use crate::gitlab::take_fail_after_create;
use crate::state::{lock, random, Sim, SimKey};
use crate::Shared;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v2/api_keys", get(list).post(create))
        .route(
            "/api/v2/api_keys/{id}",
            get(show).patch(rename).delete(remove),
        )
        .route("/api/v1/validate", get(validate))
}

pub(crate) fn errors(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "errors": [message] }))).into_response()
}

pub(crate) fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[allow(clippy::result_large_err)] // handlers return the Response as is
pub(crate) fn authorize(sim: &Sim, headers: &HeaderMap) -> Result<(), Response> {
    match (
        header(headers, "dd-api-key"),
        header(headers, "dd-application-key"),
    ) {
        (Some(api), Some(app)) if format!("{api}:{app}") == sim.config.token => Ok(()),
        _ => Err(errors(StatusCode::FORBIDDEN, "Forbidden")),
    }
}

pub(crate) fn key_id(k: &SimKey) -> String {
    key_id_of(k.id)
}

pub(crate) fn position(sim: &Sim, id: &str) -> Option<usize> {
    let n = u64::from_str_radix(id.rsplit('-').next()?, 16).ok()?;
    (key_id_of(n) == id)
        .then(|| sim.keys.iter().position(|k| k.id == n && !k.revoked))
        .flatten()
}

/// A UUID-shaped id for store id `n`.
fn key_id_of(n: u64) -> String {
    format!("{n:08x}-0000-4000-8000-{n:012x}")
}

/// A key as Datadog shows it; `key` in create and get answers, never in lists.
fn key_json(k: &SimKey, with_key: bool) -> Value {
    let last4: String = k
        .api_key
        .chars()
        .skip(k.api_key.len().saturating_sub(4))
        .collect();
    let mut attributes = json!({
        "name": k.api_key_name,
        "last4": last4,
        "created_at": k.created_at,
        "modified_at": k.created_at,
        "date_last_used": k.last_used_at,
        "remote_config_read_enabled": false,
        "category": "default",
    });
    if with_key {
        attributes["key"] = Value::String(k.api_key.clone());
    }
    json!({ "type": "api_keys", "id": key_id(k), "attributes": attributes })
}

async fn list(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = lock(&s);
    if let Err(r) = authorize(&sim, &headers) {
        return r;
    }
    list_page(&sim, &q, key_json)
}

/// One page of the live keys as `show` gives them (without their value), by `page[size]` (at
/// most 100; 10 when absent) and `page[number]` from 0: the lists of API and application keys.
pub(crate) fn list_page(
    sim: &Sim,
    q: &HashMap<String, String>,
    show: fn(&SimKey, bool) -> Value,
) -> Response {
    let size: usize = match q.get("page[size]").map(|v| v.parse()) {
        None => 10,
        Some(Ok(n @ 1..=100)) => n,
        Some(_) => {
            return errors(
                StatusCode::BAD_REQUEST,
                "page[size] must be between 1 and 100",
            )
        }
    };
    let number: usize = match q.get("page[number]").map(|v| v.parse()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return errors(StatusCode::BAD_REQUEST, "page[number] is not a number"),
    };
    let live: Vec<&SimKey> = sim.keys.iter().filter(|k| !k.revoked).collect();
    let page: Vec<Value> = live
        .iter()
        .skip(number * size)
        .take(size)
        .map(|k| show(k, false))
        .collect();
    Json(json!({
        "data": page,
        "meta": { "page": { "total_count": live.len(), "total_filtered_count": live.len() } },
    }))
    .into_response()
}

async fn show(State(s): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let sim = lock(&s);
    if let Err(r) = authorize(&sim, &headers) {
        return r;
    }
    match position(&sim, &id) {
        Some(pos) => Json(json!({ "data": key_json(&sim.keys[pos], true) })).into_response(),
        None => errors(StatusCode::NOT_FOUND, "API key not found"),
    }
}

/// The attributes of a JSON:API body, or the answer to give instead.
#[allow(clippy::result_large_err)]
pub(crate) fn attributes(body: &Bytes, kind: &str) -> Result<Value, Response> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| errors(StatusCode::BAD_REQUEST, "the body is not valid JSON"))?;
    if v.pointer("/data/type").and_then(Value::as_str) != Some(kind) {
        return Err(errors(
            StatusCode::BAD_REQUEST,
            &format!("data.type must be {kind:?}"),
        ));
    }
    Ok(v.pointer("/data/attributes")
        .cloned()
        .unwrap_or(Value::Null))
}

async fn create(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = authorize(&sim, &headers) {
        return r;
    }
    sim.stats.generate_calls += 1;
    let attrs = match attributes(&body, "api_keys") {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(name) = attrs
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
    else {
        return errors(StatusCode::BAD_REQUEST, "name is required");
    };
    // 32 lowercase characters like Datadog's, but prefixed so nobody takes it for one.
    let value = format!("simdd{}", random(27).to_lowercase());
    let k = sim.push_key(name, value, "1", |_| {});
    if take_fail_after_create(&mut sim) {
        return errors(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
    }
    (
        StatusCode::CREATED,
        Json(json!({ "data": key_json(&k, true) })),
    )
        .into_response()
}

async fn rename(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = authorize(&sim, &headers) {
        return r;
    }
    let Some(pos) = position(&sim, &id) else {
        return errors(StatusCode::NOT_FOUND, "API key not found");
    };
    let attrs = match attributes(&body, "api_keys") {
        Ok(a) => a,
        Err(r) => return r,
    };
    if let Some(name) = attrs.get("name").and_then(Value::as_str) {
        sim.keys[pos].api_key_name = name.to_owned();
    }
    Json(json!({ "data": key_json(&sim.keys[pos], true) })).into_response()
}

async fn remove(State(s): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = authorize(&sim, &headers) {
        return r;
    }
    remove_key(&mut sim, &id, "API key not found")
}

/// Deletes key `id`: 204, or 404 saying `missing`.
pub(crate) fn remove_key(sim: &mut Sim, id: &str, missing: &str) -> Response {
    match position(sim, id) {
        Some(pos) => {
            sim.keys.remove(pos);
            StatusCode::NO_CONTENT.into_response()
        }
        None => errors(StatusCode::NOT_FOUND, missing),
    }
}

/// `GET /api/v1/validate`: is this API key (alone) one of the organization's?
async fn validate(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let mut sim = lock(&s);
    let presented = header(&headers, "dd-api-key")
        .unwrap_or_default()
        .to_owned();
    match sim
        .keys
        .iter_mut()
        .find(|k| k.api_key == presented && !k.revoked)
    {
        Some(k) => {
            k.last_used_at =
                Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            Json(json!({ "valid": true })).into_response()
        }
        None => errors(StatusCode::FORBIDDEN, "Forbidden"),
    }
}
