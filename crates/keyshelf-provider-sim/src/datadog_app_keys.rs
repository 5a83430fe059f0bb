//! Datadog application keys: the current user's keys under `/api/v2/current_user/application_keys`
//! and `GET /api/v2/validate_keys`, as Datadog's API reference describes them
//! (https://docs.datadoghq.com/api/latest/key-management/).
//!
//! - Auth: as for API keys (`datadog.rs`): both `DD-API-KEY` and `DD-APPLICATION-KEY`, the
//!   simulator's management token being the pair `API_KEY:APPLICATION_KEY`.
//! - `validate_keys` checks a pair: `DD-API-KEY` must be the organization's (the management
//!   pair's API key) and `DD-APPLICATION-KEY` one of its application keys; `{"status": "ok"}`,
//!   else 403 `{"errors": ["Forbidden"]}`.
//! - Bodies are JSON:API with `type = "application_keys"` and `attributes {name, key?, last4,
//!   created_at, last_used_at, scopes}`; lists are paged by `page[size]` (≤ 100) and
//!   `page[number]` from 0. The key is shown once, in the create answer (One-Time Read mode, the
//!   default for organizations created since August 2025): a get has no `key`.
//!
//! The keys are the simulator's one store, as in every mode.

use crate::datadog::{
    attributes, authorize, errors, header, key_id, list_page, position, remove_key,
};
use crate::gitlab::take_fail_after_create;
use crate::state::{lock, random, SimKey};
use crate::Shared;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;

const KIND: &str = "application_keys";

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/api/v2/current_user/application_keys",
            get(list).post(create),
        )
        .route(
            "/api/v2/current_user/application_keys/{id}",
            get(show).delete(remove),
        )
        .route("/api/v2/validate_keys", get(validate))
}

/// An application key as Datadog shows it; `key` only in the create answer.
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
        "last_used_at": k.last_used_at,
        "scopes": if k.scopes.is_empty() { Value::Null } else { json!(k.scopes) },
    });
    if with_key {
        attributes["key"] = Value::String(k.api_key.clone());
    }
    json!({ "type": KIND, "id": key_id(k), "attributes": attributes })
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

async fn show(State(s): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let sim = lock(&s);
    if let Err(r) = authorize(&sim, &headers) {
        return r;
    }
    match position(&sim, &id) {
        Some(pos) => Json(json!({ "data": key_json(&sim.keys[pos], false) })).into_response(),
        None => errors(StatusCode::NOT_FOUND, "Application key not found"),
    }
}

async fn create(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = authorize(&sim, &headers) {
        return r;
    }
    sim.stats.generate_calls += 1;
    let attrs = match attributes(&body, KIND) {
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
    let scopes: Vec<String> = match attrs.get("scopes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => a
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect(),
        Some(_) => return errors(StatusCode::BAD_REQUEST, "scopes must be a list of strings"),
    };
    // 40 characters like Datadog's application keys, prefixed so nobody takes it for one.
    let value = format!("simddapp{}", random(32).to_lowercase());
    let k = sim.push_key(name, value, "1", |k| k.scopes = scopes);
    if take_fail_after_create(&mut sim) {
        return errors(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
    }
    (
        StatusCode::CREATED,
        Json(json!({ "data": key_json(&k, true) })),
    )
        .into_response()
}

async fn remove(State(s): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = authorize(&sim, &headers) {
        return r;
    }
    remove_key(&mut sim, &id, "Application key not found")
}

/// `GET /api/v2/validate_keys`: the organization's API key with one of its application keys.
async fn validate(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let mut sim = lock(&s);
    let org_api_key = sim
        .config
        .token
        .split_once(':')
        .map(|(api, _)| api.to_owned())
        .unwrap_or_default();
    if header(&headers, "dd-api-key") != Some(org_api_key.as_str()) {
        return errors(StatusCode::FORBIDDEN, "Forbidden");
    }
    let presented = header(&headers, "dd-application-key")
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
            Json(json!({ "status": "ok" })).into_response()
        }
        None => errors(StatusCode::FORBIDDEN, "Forbidden"),
    }
}
