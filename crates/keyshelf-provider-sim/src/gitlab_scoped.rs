//! GitLab mode, project and group access tokens: `/api/v4/projects/{project}/access_tokens…` and
//! `/api/v4/groups/{group}/access_tokens…`, as GitLab's REST reference describes them
//! (https://docs.gitlab.com/api/project_access_tokens/, https://docs.gitlab.com/api/group_access_tokens/).
//!
//! A token belongs to a project or group through its `project` or `group` attribute (an id or a
//! full path; tests set it on seeded keys). Auth, lists, the token object, errors and rotation
//! (a new id; the old token revoked) are those of personal access tokens (`gitlab.rs`). Creating
//! needs a personal or administrator token, and `expires_at` is required. `GET /projects/{p}` and
//! `GET /groups/{g}` answer for the management token and for the scope's own tokens (404
//! otherwise, as GitLab hides what a token cannot see): that is how a token is verified.

use crate::gitlab::{
    message, new_token, not_found, paged, take_fail_after_create, token_json, unauthorized, usable,
};
use crate::state::{lock, Sim, SimKey};
use crate::Shared;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

/// Projects or groups.
#[derive(Clone, Copy)]
enum Kind {
    Project,
    Group,
}

impl Kind {
    fn attr(self) -> &'static str {
        match self {
            Kind::Project => "project",
            Kind::Group => "group",
        }
    }
    fn plural(self) -> &'static str {
        match self {
            Kind::Project => "projects",
            Kind::Group => "groups",
        }
    }
}

pub fn routes() -> Router<Shared> {
    let mut r = Router::new();
    for kind in [Kind::Project, Kind::Group] {
        let base = format!("/api/v4/{}/{{scope}}", kind.plural());
        r = r
            .route(
                &base,
                get(move |s: State<Shared>, h: HeaderMap, p: Path<String>| {
                    show_scope(kind, s, h, p)
                }),
            )
            .route(
                &format!("{base}/access_tokens"),
                get(
                    move |s: State<Shared>, h: HeaderMap, p: Path<String>, q: Query<ListQuery>| {
                        list(kind, s, h, p, q)
                    },
                )
                .post(
                    move |s: State<Shared>, h: HeaderMap, p: Path<String>, b: Bytes| {
                        create(kind, s, h, p, b)
                    },
                ),
            )
            .route(
                &format!("{base}/access_tokens/{{id}}"),
                get(
                    move |s: State<Shared>, h: HeaderMap, p: Path<(String, String)>| {
                        show(kind, s, h, p)
                    },
                )
                .delete(
                    move |s: State<Shared>, h: HeaderMap, p: Path<(String, String)>| {
                        revoke(kind, s, h, p)
                    },
                ),
            )
            .route(
                &format!("{base}/access_tokens/{{id}}/rotate"),
                post(
                    move |s: State<Shared>, h: HeaderMap, p: Path<(String, String)>, b: Bytes| {
                        rotate(kind, s, h, p, b)
                    },
                ),
            );
    }
    r
}

fn scope_of(k: &SimKey, kind: Kind) -> Option<&str> {
    k.attrs.get(kind.attr()).and_then(Value::as_str)
}

/// Who a request is: the administrator, or a usable token of this scope (by position).
enum Caller {
    Admin,
    Token(usize),
}

#[allow(clippy::result_large_err)] // handlers return the Response as is
fn caller(sim: &Sim, headers: &HeaderMap, kind: Kind, scope: &str) -> Result<Caller, Response> {
    let token = headers
        .get("private-token")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(unauthorized)?;
    if token == sim.config.token {
        return Ok(Caller::Admin);
    }
    match sim
        .keys
        .iter()
        .position(|k| k.api_key == token && usable(k))
    {
        Some(i) if scope_of(&sim.keys[i], kind) == Some(scope) => Ok(Caller::Token(i)),
        // A token of another project or group does not see this one.
        Some(_) => Err(not_found()),
        None => Err(unauthorized()),
    }
}

/// The position of token `id` of `scope`.
#[allow(clippy::result_large_err)]
fn find(sim: &Sim, kind: Kind, scope: &str, id: &str) -> Result<usize, Response> {
    let id: u64 = id.parse().map_err(|_| not_found())?;
    sim.keys
        .iter()
        .position(|k| k.id == id && scope_of(k, kind) == Some(scope))
        .ok_or_else(not_found)
}

#[derive(Deserialize)]
struct ListQuery {
    page: Option<usize>,
    per_page: Option<usize>,
}

async fn list(
    kind: Kind,
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(scope): Path<String>,
    Query(q): Query<ListQuery>,
) -> Response {
    let sim = lock(&s);
    if let Err(r) = caller(&sim, &headers, kind, &scope) {
        return r;
    }
    let tokens: Vec<&SimKey> = sim
        .keys
        .iter()
        .filter(|k| scope_of(k, kind) == Some(scope.as_str()))
        .collect();
    let path = format!(
        "/api/v4/{}/{}/access_tokens",
        kind.plural(),
        scope.replace('/', "%2F")
    );
    paged(&tokens, q.page, q.per_page, &headers, &path, "")
}

async fn show_scope(
    kind: Kind,
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(scope): Path<String>,
) -> Response {
    let mut sim = lock(&s);
    match caller(&sim, &headers, kind, &scope) {
        Ok(who) => {
            if let Caller::Token(i) = who {
                // Using a token is what reading its project does: GitLab records it as a use.
                sim.keys[i].last_used_at =
                    Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            }
            Json(json!({"id": 42, "path_with_namespace": scope, "name": scope.rsplit('/').next()}))
                .into_response()
        }
        Err(r) => r,
    }
}

async fn show(
    kind: Kind,
    State(s): State<Shared>,
    headers: HeaderMap,
    Path((scope, id)): Path<(String, String)>,
) -> Response {
    let sim = lock(&s);
    if let Err(r) = caller(&sim, &headers, kind, &scope) {
        return r;
    }
    match find(&sim, kind, &scope, &id) {
        Ok(pos) => Json(token_json(&sim.keys[pos], false)).into_response(),
        Err(r) => r,
    }
}

async fn revoke(
    kind: Kind,
    State(s): State<Shared>,
    headers: HeaderMap,
    Path((scope, id)): Path<(String, String)>,
) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = caller(&sim, &headers, kind, &scope) {
        return r;
    }
    match find(&sim, kind, &scope, &id) {
        Ok(pos) if sim.keys[pos].revoked => not_found(),
        Ok(pos) => {
            sim.keys[pos].revoked = true;
            StatusCode::NO_CONTENT.into_response()
        }
        Err(r) => r,
    }
}

#[derive(Deserialize, Default)]
struct Body {
    name: Option<String>,
    scopes: Option<Vec<String>>,
    expires_at: Option<String>,
}

/// A new token of `scope`, pushed to the store.
fn new_scoped(
    sim: &mut Sim,
    kind: Kind,
    scope: &str,
    name: &str,
    scopes: Vec<String>,
    expires_at: Option<String>,
) -> SimKey {
    let mut k = new_token(sim, name, "900", scopes, expires_at);
    let owner = Value::String(scope.to_owned());
    k.attrs.insert(kind.attr().into(), owner.clone());
    if let Some(last) = sim.keys.last_mut() {
        last.attrs.insert(kind.attr().into(), owner);
    }
    k
}

async fn create(
    kind: Kind,
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(scope): Path<String>,
    body: Bytes,
) -> Response {
    let mut sim = lock(&s);
    match caller(&sim, &headers, kind, &scope) {
        Ok(Caller::Admin) => {}
        // "You cannot authenticate with a project access token" to create one.
        Ok(Caller::Token(_)) => return message(StatusCode::FORBIDDEN, "403 Forbidden"),
        Err(r) => return r,
    }
    sim.stats.generate_calls += 1;
    let Ok(b) = serde_json::from_slice::<Body>(&body) else {
        return message(
            StatusCode::BAD_REQUEST,
            "400 Bad request - body is not JSON",
        );
    };
    let missing = |what: &str| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": format!("{what} is missing") })),
        )
            .into_response()
    };
    let Some(name) = b.name.filter(|n| !n.trim().is_empty()) else {
        return missing("name");
    };
    let Some(scopes) = b.scopes.filter(|s| !s.is_empty()) else {
        return missing("scopes");
    };
    let Some(expires_at) = b.expires_at else {
        return missing("expires_at");
    };
    let k = new_scoped(&mut sim, kind, &scope, &name, scopes, Some(expires_at));
    if take_fail_after_create(&mut sim) {
        return message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "500 Internal Server Error",
        );
    }
    (StatusCode::CREATED, Json(token_json(&k, true))).into_response()
}

async fn rotate(
    kind: Kind,
    State(s): State<Shared>,
    headers: HeaderMap,
    Path((scope, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let mut sim = lock(&s);
    if let Err(r) = caller(&sim, &headers, kind, &scope) {
        return r;
    }
    sim.stats.rotate_calls += 1;
    let b: Body = if body.is_empty() {
        Body::default()
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
    let pos = match find(&sim, kind, &scope, &id) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if sim.keys[pos].revoked {
        return message(
            StatusCode::BAD_REQUEST,
            "400 Bad request - Token already revoked",
        );
    }
    sim.keys[pos].revoked = true;
    let old = sim.keys[pos].clone();
    let k = new_scoped(
        &mut sim,
        kind,
        &scope,
        &old.api_key_name,
        old.scopes,
        b.expires_at,
    );
    Json(token_json(&k, true)).into_response()
}
