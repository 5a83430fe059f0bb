//! OpenAI mode: organization admin API keys under `/v1/organization/admin_api_keys`, as OpenAI's
//! API reference describes them (https://platform.openai.com/docs/api-reference/admin-api-keys).
//!
//! - Auth: `Authorization: Bearer`. The simulator's management token is an admin key; so is any
//!   key of the store (admin keys manage admin keys), which is how a new key is verified.
//! - Ids are `key_` + the store id. Lists are `{object: "list", data, first_id, last_id,
//!   has_more}` paged by `after` (an id) and `limit` (default 20), oldest first.
//! - The value is in the create answer only (`value`); lists and gets show `redacted_value`.
//! - No status: a key works until it is deleted; delete answers `{object, id, deleted: true}`.
//! - Errors: `{"error": {"message", "type", "param", "code"}}`.
//!
//! The simulator shares its key store with the standard API: the same keys, seen OpenAI's way.

use crate::gitlab::take_fail_after_create;
use crate::state::{lock, random, Sim, SimKey};
use crate::Shared;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v1/organization/admin_api_keys", get(list).post(create))
        .route(
            "/v1/organization/admin_api_keys/{id}",
            get(show).delete(remove),
        )
}

pub(crate) fn error(status: StatusCode, message: &str, code: Option<&str>) -> Response {
    let body = json!({"error": {
        "message": message,
        "type": "invalid_request_error",
        "param": null,
        "code": code,
    }});
    (status, Json(body)).into_response()
}

#[allow(clippy::result_large_err)] // handlers return the Response as is
pub(crate) fn authorize(sim: &Sim, headers: &HeaderMap) -> Result<(), Response> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let ok = token.is_some_and(|t| {
        t == sim.config.token || sim.keys.iter().any(|k| k.api_key == t && !k.revoked)
    });
    if ok {
        Ok(())
    } else {
        Err(error(
            StatusCode::UNAUTHORIZED,
            "Incorrect API key provided.",
            Some("invalid_api_key"),
        ))
    }
}

fn key_id(k: &SimKey) -> String {
    format!("key_{}", k.id)
}

pub(crate) fn unix(rfc3339: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.timestamp())
}

/// A key as OpenAI shows it; `value` only right after create.
fn key_json(k: &SimKey, with_value: bool) -> Value {
    let tail: String = k
        .api_key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let mut v = json!({
        "object": "organization.admin_api_key",
        "id": key_id(k),
        "name": k.api_key_name,
        "redacted_value": format!("simadmin-...{tail}"),
        "created_at": unix(&k.created_at),
        "expires_at": k.expires_at.as_deref().and_then(unix),
        "last_used_at": k.last_used_at.as_deref().and_then(unix),
        "owner": {
            "type": "user",
            "object": "organization.user",
            "id": format!("user-{}", k.user),
            "name": "Simulated owner",
            "role": "owner",
        },
    });
    if with_value {
        v["value"] = Value::String(k.api_key.clone());
    }
    v
}

fn position(sim: &Sim, id: &str) -> Option<usize> {
    let n: u64 = id.strip_prefix("key_")?.parse().ok()?;
    sim.keys.iter().position(|k| k.id == n && !k.revoked)
}

fn not_found(id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("No admin API key found with id '{id}'."),
        None,
    )
}

#[derive(Deserialize)]
struct ListQuery {
    after: Option<String>,
    limit: Option<usize>,
}

async fn list(State(s): State<Shared>, headers: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = authorize(&sim, &headers) {
        return r;
    }
    mark_used(&mut sim, &headers);
    let live: Vec<&SimKey> = sim.keys.iter().filter(|k| !k.revoked).collect();
    let start = match q.after.as_deref() {
        None => 0,
        Some(after) => match live.iter().position(|k| key_id(k) == after) {
            Some(i) => i + 1,
            None => return not_found(after),
        },
    };
    let limit = q.limit.unwrap_or(20).clamp(1, 100);
    let page: Vec<&SimKey> = live.iter().skip(start).take(limit).copied().collect();
    let has_more = start + page.len() < live.len();
    Json(json!({
        "object": "list",
        "data": page.iter().map(|k| key_json(k, false)).collect::<Vec<_>>(),
        "first_id": page.first().map(|k| key_id(k)),
        "last_id": page.last().map(|k| key_id(k)),
        "has_more": has_more,
    }))
    .into_response()
}

/// A call made with a key of the store counts as that key's use.
fn mark_used(sim: &mut Sim, headers: &HeaderMap) {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    if let Some(k) = sim.keys.iter_mut().find(|k| k.api_key == token) {
        k.last_used_at =
            Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
}

async fn show(State(s): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let sim = lock(&s);
    if let Err(r) = authorize(&sim, &headers) {
        return r;
    }
    match position(&sim, &id) {
        Some(pos) => Json(key_json(&sim.keys[pos], false)).into_response(),
        None => not_found(&id),
    }
}

async fn remove(State(s): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = authorize(&sim, &headers) {
        return r;
    }
    match position(&sim, &id) {
        Some(pos) => {
            sim.keys.remove(pos);
            Json(json!({"object": "organization.admin_api_key.deleted", "id": id, "deleted": true}))
                .into_response()
        }
        None => not_found(&id),
    }
}

#[derive(Deserialize)]
struct CreateBody {
    name: Option<String>,
    expires_in_seconds: Option<i64>,
}

async fn create(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = authorize(&sim, &headers) {
        return r;
    }
    sim.stats.generate_calls += 1;
    let Ok(b) = serde_json::from_slice::<CreateBody>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "We could not parse the JSON body of your request.",
            None,
        );
    };
    let Some(name) = b.name.filter(|n| !n.trim().is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "Missing required parameter: 'name'.",
            None,
        );
    };
    // Made up at run time, shaped so nobody takes it for a real OpenAI key.
    let value = format!("simadmin-{}", random(32));
    let k = sim.push_key(&name, value, "1", |k| {
        // Kept as RFC 3339 like the store's other times; shown as Unix seconds.
        k.expires_at = b.expires_in_seconds.map(|s| {
            (chrono::Utc::now() + chrono::Duration::seconds(s))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        });
    });
    if take_fail_after_create(&mut sim) {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server had an error while processing your request.",
            None,
        );
    }
    Json(key_json(&k, true)).into_response()
}
