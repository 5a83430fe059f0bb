//! Confluent Cloud mode: API keys under `/iam/v2/api-keys`, as Confluent's API reference and
//! its published OpenAPI describe them (https://docs.confluent.io/cloud/current/ccloud/api-keys-iam-v-2/,
//! confluentinc/ccloud-sdk-go-v2 apikeys/v2).
//!
//! - Auth: HTTP Basic with a Cloud API key, `id:secret`. The simulator's management token is
//!   that pair; a key of the store made for the `cloud` resource authenticates the same way
//!   (which is how a new Cloud key is verified). Anything else: 401 with
//!   `WWW-Authenticate: Basic error="invalid_key"`.
//! - Keys: `{api_version: "iam/v2", kind: "ApiKey", id, metadata {self, resource_name,
//!   created_at, updated_at}, spec {display_name, description, owner {id}, resource {id},
//!   secret?}}`; the secret is in the create answer only (202). Lists: `{api_version, kind:
//!   "ApiKeyList", metadata {first, next?, total_size}, data}` paged by `page_size` (default 10,
//!   at most 100) and an opaque `page_token`; `metadata.next` is an absolute URL, absent on the
//!   last page. `spec.owner` and `spec.resource` filter.
//! - Delete answers 204. No status: a key works until it is deleted.
//! - Errors: `{"errors": [{"id", "status", "code", "title", "detail"}]}` and `X-Request-Id`.
//!
//! The simulator shares its key store with the standard API: the same keys, seen Confluent's way.

use crate::gitlab::take_fail_after_create;
use crate::state::{lock, random, Sim, SimKey};
use crate::Shared;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/iam/v2/api-keys", get(list).post(create))
        .route("/iam/v2/api-keys/{id}", get(show).delete(remove))
}

fn error(status: StatusCode, code: &str, detail: &str) -> Response {
    let request_id = format!("sim-{}", random(12));
    let body = json!({"errors": [{
        "id": request_id,
        "status": status.as_u16().to_string(),
        "code": code,
        "title": status.canonical_reason().unwrap_or_default(),
        "detail": detail,
    }]});
    let mut resp = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

fn key_id(k: &SimKey) -> String {
    // Confluent's ids are 16 upper-case characters.
    format!("SIMKEY{:010}", k.id)
}

fn position(sim: &Sim, id: &str) -> Option<usize> {
    let n: u64 = id.strip_prefix("SIMKEY")?.parse().ok()?;
    sim.keys.iter().position(|k| k.id == n && !k.revoked)
}

fn resource(k: &SimKey) -> &str {
    k.attrs
        .get("resource")
        .and_then(Value::as_str)
        .unwrap_or("cloud")
}

#[allow(clippy::result_large_err)] // handlers return the Response as is
fn authorize(sim: &Sim, headers: &HeaderMap) -> Result<(), Response> {
    let pair = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let ok = pair.as_deref().is_some_and(|p| {
        p == sim.config.token
            || sim.keys.iter().any(|k| {
                !k.revoked && resource(k) == "cloud" && p == format!("{}:{}", key_id(k), k.api_key)
            })
    });
    if ok {
        return Ok(());
    }
    let mut resp = error(StatusCode::UNAUTHORIZED, "unauthorized", "invalid API key");
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic error=\"invalid_key\""),
    );
    Err(resp)
}

/// A key as Confluent shows it; `spec.secret` only in the create answer.
fn key_json(base: &str, k: &SimKey, with_secret: bool) -> Value {
    let id = key_id(k);
    let mut v = json!({
        "api_version": "iam/v2",
        "kind": "ApiKey",
        "id": id,
        "metadata": {
            "self": format!("{base}/iam/v2/api-keys/{id}"),
            "resource_name": format!("crn://confluent.cloud/api-key={id}"),
            "created_at": k.created_at,
            "updated_at": k.created_at,
        },
        "spec": {
            "display_name": k.api_key_name,
            "description": "",
            "owner": {"id": k.user, "kind": "ServiceAccount"},
            "resource": {"id": resource(k)},
        },
    });
    if with_secret {
        v["spec"]["secret"] = Value::String(k.api_key.clone());
    }
    v
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
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
    let size: usize = match q.get("page_size").map(|v| v.parse()) {
        None => 10,
        Some(Ok(n @ 1..=100)) => n,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_input",
                "page_size must be between 1 and 100",
            )
        }
    };
    // The token is opaque to clients; here it is the offset, marked so a bad one is refused.
    let offset: usize = match q.get("page_token") {
        None => 0,
        Some(t) => match t.strip_prefix("off").and_then(|o| o.parse().ok()) {
            Some(o) => o,
            None => return error(StatusCode::BAD_REQUEST, "invalid_input", "bad page_token"),
        },
    };
    let keys: Vec<&SimKey> = sim
        .keys
        .iter()
        .filter(|k| !k.revoked)
        .filter(|k| q.get("spec.owner").is_none_or(|o| &k.user == o))
        .filter(|k| q.get("spec.resource").is_none_or(|r| resource(k) == r))
        .collect();
    let base = base_url(&headers);
    let data: Vec<Value> = keys
        .iter()
        .skip(offset)
        .take(size)
        .map(|k| key_json(&base, k, false))
        .collect();
    let mut metadata = json!({
        "first": format!("{base}/iam/v2/api-keys?page_size={size}"),
        "total_size": keys.len(),
    });
    if offset + size < keys.len() {
        let mut next = format!(
            "{base}/iam/v2/api-keys?page_size={size}&page_token=off{}",
            offset + size
        );
        for f in ["spec.owner", "spec.resource"] {
            if let Some(v) = q.get(f) {
                next.push_str(&format!("&{f}={v}"));
            }
        }
        metadata["next"] = Value::String(next);
    }
    Json(json!({"api_version": "iam/v2", "kind": "ApiKeyList", "metadata": metadata, "data": data}))
        .into_response()
}

async fn show(State(s): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let sim = lock(&s);
    if let Err(r) = authorize(&sim, &headers) {
        return r;
    }
    match position(&sim, &id) {
        Some(pos) => Json(key_json(&base_url(&headers), &sim.keys[pos], false)).into_response(),
        None => error(StatusCode::NOT_FOUND, "not_found", "API key not found"),
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
            StatusCode::NO_CONTENT.into_response()
        }
        None => error(StatusCode::NOT_FOUND, "not_found", "API key not found"),
    }
}

async fn create(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = authorize(&sim, &headers) {
        return r;
    }
    sim.stats.generate_calls += 1;
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            "the body is not valid JSON",
        );
    };
    let text = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_owned);
    let Some(owner) = text("/spec/owner/id").filter(|o| !o.is_empty()) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "spec.owner is required",
        );
    };
    let Some(res) = text("/spec/resource/id").filter(|r| !r.is_empty()) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "spec.resource is required",
        );
    };
    let name = text("/spec/display_name").unwrap_or_default();
    // 64 characters like Confluent's secrets, marked as the simulator's.
    let value = format!("simcfl{}", random(58));
    let k = sim.push_key(&name, value, &owner, |k| {
        k.attrs.insert("resource".into(), Value::String(res));
    });
    if take_fail_after_create(&mut sim) {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        );
    }
    (
        StatusCode::ACCEPTED,
        Json(key_json(&base_url(&headers), &k, true)),
    )
        .into_response()
}
