//! OpenAI mode, project keys: `/v1/organization/projects/{project_id}/api_keys…`, the
//! service-account key create, and `/v1/models` for checking a key, as OpenAI's reference
//! describes them (https://developers.openai.com/api/reference/resources/organization/subresources/projects/).
//!
//! - Auth: an admin key (the management token) on the organization routes; a project key only
//!   on `/v1/models` (an admin key there: 401).
//! - A key belongs to a project through its `project` attribute and is owned by a user or a
//!   service account (`owner_type`, `service_account`); tests set them on seeded keys.
//! - Lists: `{object: "list", data, first_id, last_id, has_more}` paged by `after` and `limit`;
//!   the value is in the create answer only. Delete answers `{object, id, deleted: true}`.

use crate::openai::{authorize, error, unix};
use crate::state::{lock, random, Sim, SimKey};
use crate::Shared;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v1/organization/projects/{project}/api_keys", get(list))
        .route(
            "/v1/organization/projects/{project}/api_keys/{id}",
            get(show).delete(remove),
        )
        .route(
            "/v1/organization/projects/{project}/service_accounts/{sa}/api_keys",
            post(create),
        )
}

fn attr<'k>(k: &'k SimKey, name: &str) -> Option<&'k str> {
    k.attrs.get(name).and_then(Value::as_str)
}

fn key_id(k: &SimKey) -> String {
    format!("key_p{}", k.id)
}

fn key_json(k: &SimKey, with_value: bool) -> Value {
    let owner = match attr(k, "owner_type") {
        Some("service_account") => json!({
            "type": "service_account",
            "service_account": {"id": attr(k, "service_account"), "name": "Simulated service account", "role": "member"},
        }),
        _ => {
            json!({"type": "user", "user": {"id": format!("user-{}", k.user), "name": "Simulated user"}})
        }
    };
    let mut v = json!({
        "object": "organization.project.api_key",
        "id": key_id(k),
        "name": k.api_key_name,
        "redacted_value": "sk-...sim",
        "created_at": unix(&k.created_at),
        "expires_at": k.expires_at.as_deref().and_then(unix),
        "last_used_at": k.last_used_at.as_deref().and_then(unix),
        "owner": owner,
    });
    if with_value {
        v["value"] = Value::String(k.api_key.clone());
    }
    v
}

fn position(sim: &Sim, project: &str, id: &str) -> Option<usize> {
    let n: u64 = id.strip_prefix("key_p")?.parse().ok()?;
    sim.keys
        .iter()
        .position(|k| k.id == n && attr(k, "project") == Some(project))
}

fn not_found(id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("No API key found with id '{id}'."),
        None,
    )
}

/// The management token only: a project's keys are managed with an admin key.
#[allow(clippy::result_large_err)]
fn admin(sim: &Sim, headers: &HeaderMap) -> Result<(), Response> {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match bearer {
        Some(t) if t == sim.config.token => Ok(()),
        _ => authorize(sim, headers).and(Err(error(
            StatusCode::FORBIDDEN,
            "This key cannot manage the project's keys.",
            None,
        ))),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    after: Option<String>,
    limit: Option<usize>,
}

async fn list(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(project): Path<String>,
    Query(q): Query<ListQuery>,
) -> Response {
    let sim = lock(&s);
    if let Err(r) = admin(&sim, &headers) {
        return r;
    }
    let keys: Vec<&SimKey> = sim
        .keys
        .iter()
        .filter(|k| attr(k, "project") == Some(project.as_str()))
        .collect();
    let start = match q.after.as_deref() {
        None => 0,
        Some(after) => match keys.iter().position(|k| key_id(k) == after) {
            Some(i) => i + 1,
            None => return not_found(after),
        },
    };
    let page: Vec<&SimKey> = keys
        .iter()
        .skip(start)
        .take(q.limit.unwrap_or(20).clamp(1, 100))
        .copied()
        .collect();
    Json(json!({
        "object": "list",
        "data": page.iter().map(|k| key_json(k, false)).collect::<Vec<_>>(),
        "first_id": page.first().map(|k| key_id(k)),
        "last_id": page.last().map(|k| key_id(k)),
        "has_more": start + page.len() < keys.len(),
    }))
    .into_response()
}

async fn show(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path((project, id)): Path<(String, String)>,
) -> Response {
    let sim = lock(&s);
    if let Err(r) = admin(&sim, &headers) {
        return r;
    }
    match position(&sim, &project, &id) {
        Some(pos) => Json(key_json(&sim.keys[pos], false)).into_response(),
        None => not_found(&id),
    }
}

async fn remove(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path((project, id)): Path<(String, String)>,
) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = admin(&sim, &headers) {
        return r;
    }
    match position(&sim, &project, &id) {
        Some(pos) => {
            sim.keys.remove(pos);
            Json(json!({"object": "organization.project.api_key.deleted", "id": id, "deleted": true}))
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

async fn create(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path((project, sa)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = admin(&sim, &headers) {
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
    let name = b.name.unwrap_or_default();
    // Made up at run time, shaped so nobody takes it for a real OpenAI key.
    let value = format!("simproj-{}", random(40));
    let k = sim.push_key(&name, value, "1", |k| {
        k.attrs.insert("project".into(), Value::String(project));
        k.attrs
            .insert("owner_type".into(), Value::String("service_account".into()));
        k.attrs.insert("service_account".into(), Value::String(sa));
        k.expires_at = b.expires_in_seconds.map(|s| {
            (chrono::Utc::now() + chrono::Duration::seconds(s))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        });
    });
    let mut v = key_json(&k, true);
    v["object"] = Value::String("organization.project.service_account.api_key".into());
    Json(v).into_response()
}

/// The model list: any project key of the store (an admin key cannot call the model API).
/// `GET /v1/models` is Anthropic's route too: `anthropic.rs` hands over a request that carries
/// a Bearer key instead of `x-api-key`.
pub(crate) async fn models(State(s): State<Shared>, headers: HeaderMap) -> Response {
    let mut sim = lock(&s);
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let Some(k) = sim
        .keys
        .iter_mut()
        .find(|k| k.api_key == token && attr(k, "project").is_some())
    else {
        return error(
            StatusCode::UNAUTHORIZED,
            "Incorrect API key provided.",
            Some("invalid_api_key"),
        );
    };
    k.last_used_at = Some(crate::state::now());
    Json(json!({"object": "list", "data": [{"id": "sim-model-1", "object": "model", "owned_by": "simulator"}]}))
        .into_response()
}
