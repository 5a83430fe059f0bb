//! GitLab mode: personal access tokens under `/api/v4`, as GitLab's REST reference describes
//! them (https://docs.gitlab.com/api/personal_access_tokens/, https://docs.gitlab.com/api/user_tokens/,
//! https://docs.gitlab.com/api/rest/ for pagination).
//!
//! - Auth: the `PRIVATE-TOKEN` header. The simulator's management token acts as an administrator
//!   (user 1); a token of the store authenticates as itself, which is how
//!   `GET /personal_access_tokens/self` checks a token.
//! - Lists are bare arrays paged by `page` / `per_page` (at most 100), with `x-next-page` (empty
//!   on the last page), `x-page`, `x-per-page`, `x-total`, `x-total-pages` and a `Link` header.
//! - A revoked or rotated-away token stays listed with `revoked: true, active: false`.
//! - The value (`token`) is in the create and rotate answers only.
//! - Errors: `{"message": "401 Unauthorized"}`, `{"message": "404 Not Found"}`, and for a missing
//!   parameter `{"error": "scopes is missing"}`.
//!
//! The simulator shares its key store with the standard API: the same keys, seen GitLab's way.

use crate::state::{lock, random, Sim, SimKey};
use crate::Shared;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

/// The administrator the management token belongs to.
const ADMIN_USER: u64 = 1;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v4/personal_access_tokens", get(list))
        .route(
            "/api/v4/personal_access_tokens/{id}",
            get(show).delete(revoke),
        )
        .route("/api/v4/personal_access_tokens/{id}/rotate", post(rotate))
        .route(
            "/api/v4/users/{user_id}/personal_access_tokens",
            post(create),
        )
}

pub(crate) fn message(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "message": text }))).into_response()
}

pub(crate) fn unauthorized() -> Response {
    message(StatusCode::UNAUTHORIZED, "401 Unauthorized")
}

pub(crate) fn not_found() -> Response {
    message(StatusCode::NOT_FOUND, "404 Not Found")
}

/// Who a request is: the administrator, or one token of the store (by its position).
enum Caller {
    Admin,
    Token(usize),
}

#[allow(clippy::result_large_err)] // handlers return the Response as is
fn caller(sim: &Sim, headers: &HeaderMap) -> Result<Caller, Response> {
    let token = headers
        .get("private-token")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(unauthorized)?;
    if token == sim.config.token {
        return Ok(Caller::Admin);
    }
    sim.keys
        .iter()
        .position(|k| k.api_key == token && usable(k))
        .map(Caller::Token)
        .ok_or_else(unauthorized)
}

pub(crate) fn usable(k: &SimKey) -> bool {
    !k.revoked && k.status == "active" && !expired(k)
}

fn expired(k: &SimKey) -> bool {
    let today = chrono::Utc::now().date_naive().to_string();
    k.expires_at.as_deref().is_some_and(|d| d <= today.as_str())
}

fn user_id(k: &SimKey) -> u64 {
    k.user.parse().unwrap_or(ADMIN_USER)
}

/// A token as GitLab shows it; `token` only right after create or rotate.
pub(crate) fn token_json(k: &SimKey, with_value: bool) -> Value {
    let mut v = json!({
        "id": k.id,
        "name": k.api_key_name,
        "revoked": k.revoked,
        "created_at": k.created_at,
        "description": "",
        "scopes": k.scopes,
        "user_id": user_id(k),
        "last_used_at": k.last_used_at,
        "active": usable(k),
        "expires_at": k.expires_at,
    });
    if with_value {
        v["token"] = Value::String(k.api_key.clone());
    }
    v
}

/// The position of token `raw` (`self`: the caller's own), or the answer to give instead.
#[allow(clippy::result_large_err)]
fn find(sim: &Sim, who: &Caller, raw: &str) -> Result<usize, Response> {
    if raw == "self" {
        return match who {
            Caller::Token(i) => Ok(*i),
            Caller::Admin => Err(not_found()),
        };
    }
    let id: u64 = raw.parse().map_err(|_| not_found())?;
    let pos = sim
        .keys
        .iter()
        .position(|k| k.id == id)
        .ok_or_else(not_found)?;
    match who {
        Caller::Admin => Ok(pos),
        Caller::Token(i) if user_id(&sim.keys[*i]) == user_id(&sim.keys[pos]) => Ok(pos),
        Caller::Token(_) => Err(not_found()),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    page: Option<usize>,
    per_page: Option<usize>,
    user_id: Option<u64>,
}

async fn list(State(s): State<Shared>, headers: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    let sim = lock(&s);
    let who = match caller(&sim, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let own = match who {
        Caller::Token(i) => Some(user_id(&sim.keys[i])),
        Caller::Admin => None,
    };
    let user = q.user_id.or(own);
    let mine: Vec<&SimKey> = sim
        .keys
        .iter()
        .filter(|k| user.is_none_or(|u| user_id(k) == u))
        .collect();
    let extra = q
        .user_id
        .map(|u| format!("&user_id={u}"))
        .unwrap_or_default();
    paged(
        &mine,
        q.page,
        q.per_page,
        &headers,
        "/api/v4/personal_access_tokens",
        &extra,
    )
}

/// One page of `tokens` as GitLab answers a list: a bare array with `x-next-page` (empty on the
/// last page), `x-page`, `x-per-page`, `x-total`, `x-total-pages` and a `Link` to the next page
/// (`path` plus `extra` query).
pub(crate) fn paged(
    tokens: &[&SimKey],
    page: Option<usize>,
    per_page: Option<usize>,
    headers: &HeaderMap,
    path: &str,
    extra: &str,
) -> Response {
    let per_page = per_page.unwrap_or(20).clamp(1, 100);
    let page = page.unwrap_or(1).max(1);
    let total_pages = tokens.len().div_ceil(per_page).max(1);
    let body: Vec<Value> = tokens
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|k| token_json(k, false))
        .collect();
    let next = if page < total_pages {
        (page + 1).to_string()
    } else {
        String::new()
    };
    let mut resp = Json(Value::Array(body)).into_response();
    let h = resp.headers_mut();
    for (name, value) in [
        ("x-next-page", next.clone()),
        ("x-page", page.to_string()),
        ("x-per-page", per_page.to_string()),
        ("x-total", tokens.len().to_string()),
        ("x-total-pages", total_pages.to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(HeaderName::from_static(name), v);
        }
    }
    if !next.is_empty() {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("127.0.0.1");
        let link =
            format!("<http://{host}{path}?page={next}&per_page={per_page}{extra}>; rel=\"next\"");
        if let Ok(v) = HeaderValue::from_str(&link) {
            h.insert(header::LINK, v);
        }
    }
    resp
}

async fn show(State(s): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let mut sim = lock(&s);
    let who = match caller(&sim, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match find(&sim, &who, &id) {
        Ok(pos) => {
            if id == "self" {
                // Using a token is what `self` does: GitLab records it as a use.
                sim.keys[pos].last_used_at =
                    Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            }
            Json(token_json(&sim.keys[pos], false)).into_response()
        }
        Err(r) => r,
    }
}

async fn revoke(State(s): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let mut sim = lock(&s);
    let who = match caller(&sim, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match find(&sim, &who, &id) {
        // The reference does not say what revoking a revoked token answers; 404 here, which
        // Keyshelf reads as "already gone".
        Ok(pos) if sim.keys[pos].revoked => not_found(),
        Ok(pos) => {
            sim.keys[pos].revoked = true;
            StatusCode::NO_CONTENT.into_response()
        }
        Err(r) => r,
    }
}

#[derive(Deserialize, Default)]
struct RotateBody {
    expires_at: Option<String>,
}

async fn rotate(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let mut sim = lock(&s);
    let who = match caller(&sim, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    sim.stats.rotate_calls += 1;
    let body: RotateBody = if body.is_empty() {
        RotateBody::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(b) => b,
            Err(_) => {
                return message(
                    StatusCode::BAD_REQUEST,
                    "400 Bad request - body is not JSON",
                )
            }
        }
    };
    let pos = match find(&sim, &who, &id) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if sim.keys[pos].revoked {
        return message(
            StatusCode::BAD_REQUEST,
            "400 Bad request - Token already revoked",
        );
    }
    let old = sim.keys[pos].clone();
    sim.keys[pos].revoked = true;
    let new = new_token(
        &mut sim,
        &old.api_key_name,
        &old.user,
        old.scopes.clone(),
        body.expires_at,
    );
    if take_fail_after_create(&mut sim) {
        return message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "500 Internal Server Error",
        );
    }
    Json(token_json(&new, true)).into_response()
}

#[derive(Deserialize)]
struct CreateBody {
    name: Option<String>,
    scopes: Option<Vec<String>>,
    expires_at: Option<String>,
}

async fn create(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(user): Path<String>,
    body: Bytes,
) -> Response {
    let mut sim = lock(&s);
    match caller(&sim, &headers) {
        Ok(Caller::Admin) => {}
        Ok(Caller::Token(_)) => return message(StatusCode::FORBIDDEN, "403 Forbidden"),
        Err(r) => return r,
    }
    sim.stats.generate_calls += 1;
    let Ok(b) = serde_json::from_slice::<CreateBody>(&body) else {
        return message(
            StatusCode::BAD_REQUEST,
            "400 Bad request - body is not JSON",
        );
    };
    let Some(name) = b.name.filter(|n| !n.trim().is_empty()) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "name is missing"})),
        )
            .into_response();
    };
    let Some(scopes) = b.scopes.filter(|s| !s.is_empty()) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "scopes is missing"})),
        )
            .into_response();
    };
    if user.parse::<u64>().is_err() {
        return message(StatusCode::NOT_FOUND, "404 User Not Found");
    }
    let k = new_token(&mut sim, &name, &user, scopes, b.expires_at);
    if take_fail_after_create(&mut sim) {
        return message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "500 Internal Server Error",
        );
    }
    (StatusCode::CREATED, Json(token_json(&k, true))).into_response()
}

pub(crate) fn new_token(
    sim: &mut Sim,
    name: &str,
    user: &str,
    scopes: Vec<String>,
    expires_at: Option<String>,
) -> SimKey {
    // Made up at run time, shaped so nobody takes it for a real GitLab token.
    let value = format!("simglpat-{}", random(20));
    sim.push_key(name, value, user, |k| {
        k.scopes = scopes;
        k.expires_at = expires_at;
    })
}

pub(crate) fn take_fail_after_create(sim: &mut Sim) -> bool {
    if sim.faults.fail_after_create > 0 {
        sim.faults.fail_after_create -= 1;
        true
    } else {
        false
    }
}
