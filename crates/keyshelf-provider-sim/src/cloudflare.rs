//! Cloudflare mode: user API tokens under `/client/v4`, as Cloudflare's API reference describes
//! them (https://developers.cloudflare.com/api/resources/user/subresources/tokens/), and the
//! account-owned tokens of `/accounts/{account_id}/tokens`, which have the same shape
//! (https://developers.cloudflare.com/api/resources/accounts/subresources/tokens/).
//!
//! - Auth: `Authorization: Bearer <management token>`; a token of the store authenticates its
//!   own `GET /user/tokens/verify`.
//! - Every answer is `{"success", "errors", "messages", "result"}`; lists add `result_info`
//!   `{page, per_page, count, total_count, total_pages}` and are paged by `page` (from 1) and
//!   `per_page` (5–50; 400 outside).
//! - Errors: `{"success": false, "errors": [{"code", "message"}], "messages": [], "result": null}`.
//! - Create needs `name` and a `policies` array; its `result.value` is the only time the value is
//!   shown. `PUT /user/tokens/{id}` replaces the token: without `policies` it is refused, and the
//!   optional fields it omits are cleared (so a client must echo them). `PUT …/{id}/value` rolls
//!   the value: same id, the new value as `result`, the old one dead at once.
//! - Ids are 32 hex characters; status is `active` or `disabled`.

use crate::state::{lock, random, Sim, SimKey};
use crate::Shared;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// User tokens under `/user/tokens`, account-owned tokens under `/accounts/{account_id}/tokens`:
/// the same API (the simulator keeps one store of tokens for both).
pub fn routes() -> Router<Shared> {
    let mut r = Router::new();
    for owner in ["/client/v4/user", "/client/v4/accounts/{account_id}"] {
        r = r
            .route(&format!("{owner}/tokens"), get(list).post(create))
            .route(&format!("{owner}/tokens/verify"), get(verify))
            .route(
                &format!("{owner}/tokens/{{id}}"),
                get(show).put(update).delete(remove),
            )
            .route(&format!("{owner}/tokens/{{id}}/value"), put(roll));
    }
    r
}

/// A token's id in the path (beside an account id for account-owned tokens).
#[derive(Deserialize)]
struct TokenId {
    id: String,
}

fn ok(result: Value) -> Response {
    Json(json!({"success": true, "errors": [], "messages": [], "result": result})).into_response()
}

fn error(status: StatusCode, code: u32, message: &str) -> Response {
    (
        status,
        Json(json!({"success": false, "errors": [{"code": code, "message": message}], "messages": [], "result": null})),
    )
        .into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

#[allow(clippy::result_large_err)] // handlers return the Response as is
fn management(sim: &Sim, headers: &HeaderMap) -> Result<(), Response> {
    match bearer(headers) {
        Some(t) if t == sim.config.token => Ok(()),
        _ => Err(error(
            StatusCode::UNAUTHORIZED,
            10000,
            "Authentication error",
        )),
    }
}

fn cf_id(k: &SimKey) -> String {
    format!("{:032x}", k.id)
}

#[allow(clippy::result_large_err)]
fn find(sim: &Sim, raw: &str) -> Result<usize, Response> {
    let not_found = || error(StatusCode::NOT_FOUND, 1003, "Token not found");
    if raw.len() != 32 {
        return Err(not_found());
    }
    let id = u64::from_str_radix(raw, 16).map_err(|_| not_found())?;
    sim.keys
        .iter()
        .position(|k| k.id == id)
        .ok_or_else(not_found)
}

fn status(k: &SimKey) -> &'static str {
    if k.status == "active" {
        "active"
    } else {
        "disabled"
    }
}

/// A token as Cloudflare shows it: never its value.
fn token_json(k: &SimKey) -> Value {
    let mut v = json!({
        "id": cf_id(k),
        "name": k.api_key_name,
        "status": status(k),
        "issued_on": k.created_at,
        "modified_on": k.created_at,
        "last_used_on": k.last_used_at,
        "policies": k.attrs.get("policies").cloned().unwrap_or_else(|| json!([])),
    });
    for f in ["expires_on", "not_before", "condition"] {
        if let Some(x) = k.attrs.get(f) {
            v[f] = x.clone();
        }
    }
    v
}

#[derive(Deserialize)]
struct ListQuery {
    page: Option<usize>,
    per_page: Option<usize>,
}

async fn list(State(s): State<Shared>, headers: HeaderMap, Query(q): Query<ListQuery>) -> Response {
    let sim = lock(&s);
    if let Err(r) = management(&sim, &headers) {
        return r;
    }
    let per_page = q.per_page.unwrap_or(20);
    if !(5..=50).contains(&per_page) {
        return error(
            StatusCode::BAD_REQUEST,
            1001,
            "per_page must be between 5 and 50",
        );
    }
    let page = q.page.unwrap_or(1).max(1);
    let total = sim.keys.len();
    let result: Vec<Value> = sim
        .keys
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(token_json)
        .collect();
    Json(json!({
        "success": true, "errors": [], "messages": [],
        "result_info": {"page": page, "per_page": per_page, "count": result.len(),
            "total_count": total, "total_pages": total.div_ceil(per_page).max(1)},
        "result": result,
    }))
    .into_response()
}

/// The fields of a create or update body this mode keeps.
#[derive(Deserialize)]
struct TokenBody {
    name: Option<String>,
    policies: Option<Value>,
    status: Option<String>,
    expires_on: Option<Value>,
    not_before: Option<Value>,
    condition: Option<Value>,
}

impl TokenBody {
    /// `policies` must be a non-empty array.
    fn policies(&self) -> Option<Value> {
        self.policies
            .clone()
            .filter(|p| p.as_array().is_some_and(|a| !a.is_empty()))
    }

    fn optional_attrs(&self) -> Map<String, Value> {
        let mut m = Map::new();
        for (k, v) in [
            ("expires_on", &self.expires_on),
            ("not_before", &self.not_before),
            ("condition", &self.condition),
        ] {
            if let Some(v) = v.clone().filter(|v| !v.is_null()) {
                m.insert(k.into(), v);
            }
        }
        m
    }
}

#[allow(clippy::result_large_err)]
fn parse_body(body: &Bytes) -> Result<TokenBody, Response> {
    serde_json::from_slice(body)
        .map_err(|_| error(StatusCode::BAD_REQUEST, 6003, "Invalid request body"))
}

async fn create(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = management(&sim, &headers) {
        return r;
    }
    sim.stats.generate_calls += 1;
    let b = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (Some(name), Some(policies)) = (
        b.name.clone().filter(|n| !n.trim().is_empty()),
        b.policies(),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            1001,
            "name and a policies array are required",
        );
    };
    let id = sim.next_id;
    sim.next_id += 1;
    let mut attrs = b.optional_attrs();
    attrs.insert("policies".into(), policies);
    let k = SimKey {
        id,
        api_key_name: name,
        // Made up at run time; 40 characters like Cloudflare's, marked as the simulator's.
        api_key: format!("simcf{}", random(35)),
        user: String::new(),
        status: "active".into(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        last_used_at: None,
        revoked: false,
        scopes: Vec::new(),
        expires_at: None,
        attrs,
    };
    sim.keys.push(k.clone());
    if crate::gitlab::take_fail_after_create(&mut sim) {
        return error(StatusCode::INTERNAL_SERVER_ERROR, 1000, "Internal error");
    }
    let mut v = token_json(&k);
    v["value"] = Value::String(k.api_key.clone());
    ok(v)
}

async fn show(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(TokenId { id }): Path<TokenId>,
) -> Response {
    let sim = lock(&s);
    if let Err(r) = management(&sim, &headers) {
        return r;
    }
    match find(&sim, &id) {
        Ok(pos) => ok(token_json(&sim.keys[pos])),
        Err(r) => r,
    }
}

async fn update(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(TokenId { id }): Path<TokenId>,
    body: Bytes,
) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = management(&sim, &headers) {
        return r;
    }
    let pos = match find(&sim, &id) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let b = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (Some(name), Some(policies)) = (
        b.name.clone().filter(|n| !n.trim().is_empty()),
        b.policies(),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            1001,
            "name and a policies array are required",
        );
    };
    let status = match b.status.as_deref() {
        None | Some("active") => "active",
        Some("disabled") => "inactive",
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                1001,
                "status must be active or disabled",
            )
        }
    };
    // A full replace: what the body omits is cleared.
    let mut attrs = b.optional_attrs();
    attrs.insert("policies".into(), policies);
    let k = &mut sim.keys[pos];
    k.api_key_name = name;
    k.status = status.into();
    k.attrs = attrs;
    ok(token_json(k))
}

async fn remove(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(TokenId { id }): Path<TokenId>,
) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = management(&sim, &headers) {
        return r;
    }
    match find(&sim, &id) {
        Ok(pos) => {
            let k = sim.keys.remove(pos);
            ok(json!({"id": cf_id(&k)}))
        }
        Err(r) => r,
    }
}

async fn roll(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(TokenId { id }): Path<TokenId>,
) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = management(&sim, &headers) {
        return r;
    }
    sim.stats.rotate_calls += 1;
    let pos = match find(&sim, &id) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let value = format!("simcf{}", random(35));
    sim.keys[pos].api_key = value.clone();
    if crate::gitlab::take_fail_after_create(&mut sim) {
        return error(StatusCode::INTERNAL_SERVER_ERROR, 1000, "Internal error");
    }
    ok(Value::String(value))
}

async fn verify(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let mut sim = lock(&s);
    let Some(token) = bearer(&headers).map(str::to_owned) else {
        return error(StatusCode::UNAUTHORIZED, 1000, "Invalid API Token");
    };
    let Some(pos) = sim.keys.iter().position(|k| k.api_key == token) else {
        return error(StatusCode::UNAUTHORIZED, 1000, "Invalid API Token");
    };
    sim.keys[pos].last_used_at =
        Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let k = &sim.keys[pos];
    // A disabled token is known and answered with its status (Keyshelf's check reads it).
    ok(json!({"id": cf_id(k), "status": status(k)}))
}
