//! Twilio mode: API keys of the IAM Key resource v1 (`/v1/Keys`) and, for checking a key, the
//! REST API's message list (`/2010-04-01/Accounts/{AccountSid}/Messages.json`), as Twilio's
//! reference describes them (https://www.twilio.com/docs/iam/api-keys/key-resource-v1,
//! https://www.twilio.com/docs/usage/twilios-response). One server plays both hosts.
//!
//! - Auth: HTTP Basic. `/v1/Keys` takes the account (`AccountSid:AuthToken`: the simulator's
//!   management token); the message list takes a key of the store as `SK…:secret` (or the
//!   account). A Restricted key whose policy does not allow reading messages gets 403 there.
//! - Create is a form (`AccountSid` required, `FriendlyName`, `KeyType=restricted` with a
//!   `Policy` JSON) answered 201 `{sid, friendly_name, date_created, date_updated, secret,
//!   policy}`; dates are RFC 2822; `secret` is in that answer only.
//! - Lists: `{keys, meta {page, page_size, first_page_url, previous_page_url, next_page_url,
//!   url, key}}` paged by `PageSize` (at most 1000) and `Page`/`PageToken`; `next_page_url` is
//!   an absolute URL, null on the last page. `AccountSid` is required.
//! - Delete answers 204. No status: a key works until it is deleted.
//! - Errors: `{"code", "message", "more_info", "status"}`.

use crate::gitlab::take_fail_after_create;
use crate::state::{lock, random, Sim, SimKey};
use crate::Shared;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v1/Keys", get(list).post(create))
        .route("/v1/Keys/{sid}", get(show).post(update).delete(remove))
        .route(
            "/2010-04-01/Accounts/{account}/Messages.json",
            get(messages),
        )
}

fn error(status: StatusCode, code: u32, message: &str) -> Response {
    let body = json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status.as_u16(),
    });
    (status, Json(body)).into_response()
}

fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let raw = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let pair =
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(raw).ok()?).ok()?;
    let (user, pass) = pair.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

fn account_sid(sim: &Sim) -> &str {
    sim.config.token.split(':').next().unwrap_or_default()
}

/// The account itself, as the management token says it.
#[allow(clippy::result_large_err)] // handlers return the Response as is
fn account(sim: &Sim, headers: &HeaderMap) -> Result<(), Response> {
    match basic(headers) {
        Some((u, p)) if format!("{u}:{p}") == sim.config.token => Ok(()),
        _ => Err(error(StatusCode::UNAUTHORIZED, 20003, "Authenticate")),
    }
}

fn sid(k: &SimKey) -> String {
    format!("SK{:032x}", k.id)
}

fn position(sim: &Sim, sid: &str) -> Option<usize> {
    let n = u64::from_str_radix(sid.strip_prefix("SK")?, 16).ok()?;
    sim.keys.iter().position(|k| k.id == n && !k.revoked)
}

fn rfc2822(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.to_rfc2822())
        .unwrap_or_default()
}

fn key_json(k: &SimKey, with_secret: bool) -> Value {
    let mut v = json!({
        "sid": sid(k),
        "friendly_name": k.api_key_name,
        "date_created": rfc2822(&k.created_at),
        "date_updated": rfc2822(&k.created_at),
        "policy": k.attrs.get("policy").cloned().unwrap_or(Value::Null),
    });
    if with_secret {
        v["secret"] = Value::String(k.api_key.clone());
    }
    v
}

fn not_found(sid: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        20404,
        &format!("The requested resource /v1/Keys/{sid} was not found"),
    )
}

async fn list(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let sim = lock(&s);
    if let Err(r) = account(&sim, &headers) {
        return r;
    }
    if q.get("AccountSid").map(String::as_str) != Some(account_sid(&sim)) {
        return error(
            StatusCode::BAD_REQUEST,
            20001,
            "Missing or wrong required parameter AccountSid",
        );
    }
    let size: usize = match q.get("PageSize").map(|v| v.parse()) {
        None => 50,
        Some(Ok(n @ 1..=1000)) => n,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                20001,
                "PageSize must be between 1 and 1000",
            )
        }
    };
    let page: usize = q.get("Page").and_then(|p| p.parse().ok()).unwrap_or(0);
    let keys: Vec<&SimKey> = sim.keys.iter().filter(|k| !k.revoked).collect();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let url = |p: usize| {
        format!(
            "http://{host}/v1/Keys?AccountSid={}&PageSize={size}&Page={p}&PageToken=PT{}",
            account_sid(&sim),
            p * size
        )
    };
    let data: Vec<Value> = keys
        .iter()
        .skip(page * size)
        .take(size)
        .map(|k| key_json(k, false))
        .collect();
    let next = ((page + 1) * size < keys.len()).then(|| url(page + 1));
    Json(json!({
        "keys": data,
        "meta": {
            "page": page,
            "page_size": size,
            "first_page_url": url(0),
            "previous_page_url": (page > 0).then(|| url(page - 1)),
            "next_page_url": next,
            "url": url(page),
            "key": "keys",
        },
    }))
    .into_response()
}

async fn show(State(s): State<Shared>, headers: HeaderMap, Path(sid): Path<String>) -> Response {
    let sim = lock(&s);
    if let Err(r) = account(&sim, &headers) {
        return r;
    }
    match position(&sim, &sid) {
        Some(pos) => Json(key_json(&sim.keys[pos], false)).into_response(),
        None => not_found(&sid),
    }
}

async fn update(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(sid): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = account(&sim, &headers) {
        return r;
    }
    let Some(pos) = position(&sim, &sid) else {
        return not_found(&sid);
    };
    if let Some(name) = form.get("FriendlyName") {
        sim.keys[pos].api_key_name = name.clone();
    }
    Json(key_json(&sim.keys[pos], false)).into_response()
}

async fn remove(State(s): State<Shared>, headers: HeaderMap, Path(sid): Path<String>) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = account(&sim, &headers) {
        return r;
    }
    match position(&sim, &sid) {
        Some(pos) => {
            sim.keys.remove(pos);
            StatusCode::NO_CONTENT.into_response()
        }
        None => not_found(&sid),
    }
}

async fn create(
    State(s): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = account(&sim, &headers) {
        return r;
    }
    sim.stats.generate_calls += 1;
    if form.get("AccountSid").map(String::as_str) != Some(account_sid(&sim)) {
        return error(
            StatusCode::BAD_REQUEST,
            20001,
            "Missing required parameter AccountSid in the post body",
        );
    }
    let restricted = form.get("KeyType").map(String::as_str) == Some("restricted");
    let policy = match form.get("Policy").map(|p| serde_json::from_str::<Value>(p)) {
        None if restricted => {
            return error(
                StatusCode::BAD_REQUEST,
                20001,
                "A Restricted key needs a Policy",
            )
        }
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(_)) => return error(StatusCode::BAD_REQUEST, 20001, "Policy is not valid JSON"),
    };
    let name = form.get("FriendlyName").cloned().unwrap_or_default();
    // 32 characters like Twilio's secrets, marked as the simulator's.
    let value = format!("simtw{}", random(27));
    let k = sim.push_key(&name, value, "1", |k| {
        if let Some(p) = policy {
            k.attrs.insert("policy".into(), p);
        }
    });
    if take_fail_after_create(&mut sim) {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            20500,
            "Internal Server Error",
        );
    }
    (StatusCode::CREATED, Json(key_json(&k, true))).into_response()
}

/// The REST API's message list: a key as `SK…:secret` (or the account) may read it; a
/// Restricted key only when its policy allows reading messages.
async fn messages(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(account_in_path): Path<String>,
) -> Response {
    let mut sim = lock(&s);
    if account_in_path != account_sid(&sim) {
        return error(
            StatusCode::NOT_FOUND,
            20404,
            "The requested resource was not found",
        );
    }
    let Some((user, pass)) = basic(&headers) else {
        return error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
    };
    if format!("{user}:{pass}") != sim.config.token {
        let Some(pos) = position(&sim, &user).filter(|&p| sim.keys[p].api_key == pass) else {
            return error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
        };
        let allowed = match sim.keys[pos].attrs.get("policy") {
            None => true,
            Some(p) => p["allow"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == "/twilio/messaging/messages/read")),
        };
        if !allowed {
            return error(StatusCode::FORBIDDEN, 70051, "Authorization error");
        }
        sim.keys[pos].last_used_at =
            Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    Json(json!({"messages": [], "page": 0, "page_size": 1, "next_page_uri": null})).into_response()
}
