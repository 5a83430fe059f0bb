//! SendGrid mode: API keys under `/v3/api_keys` and `GET /v3/scopes`, as Twilio SendGrid's API
//! reference and its published OpenAPI spec describe them
//! (https://www.twilio.com/docs/sendgrid/api-reference/api-keys/create-api-keys).
//!
//! - Auth: `Authorization: Bearer`. The simulator's management token may manage keys; a key of
//!   the store may only ask for its own scopes (`GET /v3/scopes`), which is how it is verified.
//!   An `on-behalf-of` header is accepted.
//! - Lists: `{"result": [{name, api_key_id}]}`, every key in one answer (`limit` only; at most
//!   100 keys). A get answers `{"result": [{name, api_key_id, scopes}]}`, the spec's example.
//! - Create answers 201 `{api_key, api_key_id, name, scopes}`; the value (69 characters,
//!   `SG.<22>.<43>`) is in that answer only. The 101st key is refused (403).
//! - Delete answers 204. No status: a key works until it is deleted.
//! - Errors: `{"errors": [{"field", "message"}]}`.
//!
//! The simulator shares its key store with the standard API: the same keys, seen SendGrid's way.

use crate::gitlab::take_fail_after_create;
use crate::state::{lock, random, Sim, SimKey};
use crate::Shared;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

/// "If the number of maximum keys, 100, is reached, a 403 status will be returned."
const KEY_LIMIT: usize = 100;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v3/api_keys", get(list).post(create))
        .route("/v3/api_keys/{id}", get(show).delete(remove))
        .route("/v3/scopes", get(scopes))
}

fn errors(status: StatusCode, field: Option<&str>, message: &str) -> Response {
    let body = json!({"errors": [{"field": field, "message": message}]});
    (status, Json(body)).into_response()
}

fn unauthorized() -> Response {
    errors(StatusCode::UNAUTHORIZED, None, "authorization required")
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

#[allow(clippy::result_large_err)] // handlers return the Response as is
fn manager(sim: &Sim, headers: &HeaderMap) -> Result<(), Response> {
    match bearer(headers) {
        Some(t) if t == sim.config.token => Ok(()),
        Some(t) if sim.keys.iter().any(|k| k.api_key == t && !k.revoked) => Err(errors(
            StatusCode::FORBIDDEN,
            None,
            "access forbidden: this key lacks the api_keys scopes",
        )),
        _ => Err(unauthorized()),
    }
}

fn key_id(k: &SimKey) -> String {
    // SendGrid's ids are 22 characters.
    format!("sim{:019}", k.id)
}

fn position(sim: &Sim, id: &str) -> Option<usize> {
    let n: u64 = id.strip_prefix("sim")?.parse().ok()?;
    sim.keys.iter().position(|k| k.id == n && !k.revoked)
}

fn not_found() -> Response {
    errors(StatusCode::NOT_FOUND, None, "unable to find API Key")
}

async fn list(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let sim = lock(&s);
    if let Err(r) = manager(&sim, &headers) {
        return r;
    }
    let result: Vec<Value> = sim
        .keys
        .iter()
        .filter(|k| !k.revoked)
        .map(|k| json!({"name": k.api_key_name, "api_key_id": key_id(k)}))
        .collect();
    Json(json!({ "result": result })).into_response()
}

async fn show(State(s): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let sim = lock(&s);
    if let Err(r) = manager(&sim, &headers) {
        return r;
    }
    match position(&sim, &id) {
        Some(pos) => {
            let k = &sim.keys[pos];
            Json(json!({"result": [{"name": k.api_key_name, "api_key_id": key_id(k), "scopes": k.scopes}]}))
                .into_response()
        }
        None => not_found(),
    }
}

async fn remove(State(s): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = manager(&sim, &headers) {
        return r;
    }
    match position(&sim, &id) {
        Some(pos) => {
            sim.keys.remove(pos);
            StatusCode::NO_CONTENT.into_response()
        }
        None => not_found(),
    }
}

#[derive(Deserialize)]
struct CreateBody {
    name: Option<String>,
    scopes: Option<Vec<String>>,
}

async fn create(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = manager(&sim, &headers) {
        return r;
    }
    sim.stats.generate_calls += 1;
    let Ok(b) = serde_json::from_slice::<CreateBody>(&body) else {
        return errors(StatusCode::BAD_REQUEST, None, "invalid JSON");
    };
    let Some(name) = b.name.filter(|n| !n.trim().is_empty()) else {
        return errors(
            StatusCode::BAD_REQUEST,
            Some("name"),
            "missing required argument",
        );
    };
    if sim.keys.iter().filter(|k| !k.revoked).count() >= KEY_LIMIT {
        return errors(
            StatusCode::FORBIDDEN,
            None,
            "Cannot create more than 100 API keys",
        );
    }
    // Without scopes SendGrid makes a Full Access key.
    let scopes = b
        .scopes
        .unwrap_or_else(|| vec!["mail.send".into(), "api_keys.create".into()]);
    // SendGrid's shape (SG.<22>.<43>), marked as the simulator's.
    let value = format!("SG.sim{}.{}", random(19), random(43));
    let k = sim.push_key(&name, value, "1", |k| k.scopes = scopes);
    if take_fail_after_create(&mut sim) {
        return errors(StatusCode::INTERNAL_SERVER_ERROR, None, "internal error");
    }
    let body = json!({"api_key": k.api_key, "api_key_id": key_id(&k), "name": k.api_key_name, "scopes": k.scopes});
    (StatusCode::CREATED, Json(body)).into_response()
}

/// `GET /v3/scopes`: the scopes of the key presented.
async fn scopes(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let mut sim = lock(&s);
    let token = bearer(&headers).unwrap_or_default().to_owned();
    if token == sim.config.token {
        return Json(json!({"scopes": ["api_keys.create", "api_keys.read", "api_keys.delete"]}))
            .into_response();
    }
    match sim
        .keys
        .iter_mut()
        .find(|k| k.api_key == token && !k.revoked)
    {
        Some(k) => {
            k.last_used_at =
                Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            Json(json!({ "scopes": k.scopes })).into_response()
        }
        None => unauthorized(),
    }
}
