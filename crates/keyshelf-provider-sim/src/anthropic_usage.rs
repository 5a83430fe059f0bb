//! Anthropic mode, usage: `POST /v1/messages` of the normal API spends tokens with a key, and the
//! Admin API's Messages usage report adds them up per time bucket
//! (https://platform.claude.com/docs/en/api/admin-api/usage-cost/get-messages-usage-report).
//!
//! - `POST /v1/messages` takes an active key in `x-api-key`; it counts one input token per word
//!   of the messages' text and answers `max_tokens` output tokens (a model of the bill, not of a
//!   model).
//! - The report: `starting_at` (required, RFC 3339, snapped to the bucket's start in UTC),
//!   `ending_at` (default: now), `bucket_width` `1d` (default) or `1h`, `limit` buckets a page
//!   (1d: default 7, at most 31; 1h: default 24, at most 168), `page` (the `next_page` of the
//!   previous answer), `group_by[]=api_key_id` (a row per key a bucket; otherwise one row with
//!   `api_key_id: null`). Every bucket of the span is listed, empty ones with `results: []`,
//!   oldest first; `has_more` and `next_page` say what follows. The simulator's `page_size`
//!   fault caps the buckets a page.
//! - Nothing here is cached: only `uncached_input_tokens` and `output_tokens` are ever non-zero.

use crate::anthropic::{admin, api_key, error, ok};
use crate::state::{lock, TokenUse};
use crate::Shared;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v1/messages", post(messages))
        .route("/v1/organizations/usage_report/messages", get(report))
}

fn invalid(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "invalid_request_error", message)
}

async fn messages(
    State(s): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mut sim = lock(&s);
    let key_id = match api_key(&mut sim, &headers) {
        Ok(k) => k.id,
        Err(r) => return r,
    };
    let Some(max_tokens) = body["max_tokens"].as_u64() else {
        return invalid("max_tokens: Field required");
    };
    let words: u64 = body["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|msg| msg["content"].as_str())
                .map(|t| t.split_whitespace().count() as u64)
                .sum()
        })
        .unwrap_or(0);
    sim.log_use(key_id, "/v1/messages", "x-api-key", 200);
    sim.token_usage.push(TokenUse {
        api_key_id: key_id,
        at: Utc::now(),
        input_tokens: words,
        output_tokens: max_tokens,
    });
    ok(json!({
        "id": format!("msg_sim{}", sim.token_usage.len()),
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": "simulated"}],
        "usage": {"input_tokens": words, "output_tokens": max_tokens},
    }))
}

fn time(raw: Option<&String>) -> Result<Option<DateTime<Utc>>, ()> {
    raw.map(|t| {
        DateTime::parse_from_rfc3339(t)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|_| ())
    })
    .transpose()
}

async fn report(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let sim = lock(&s);
    if let Err(r) = admin(&sim, &headers) {
        return r;
    }
    let one = |name: &str| q.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let by_key = q
        .iter()
        .any(|(k, v)| (k == "group_by[]" || k == "group_by") && v == "api_key_id");
    let (width, default_limit, max_limit) = match one("bucket_width").map(String::as_str) {
        None | Some("1d") => (Duration::days(1), 7, 31),
        Some("1h") => (Duration::hours(1), 24, 168),
        Some(_) => return invalid("bucket_width: must be one of 1d, 1h, 1m"),
    };
    let Ok(Some(starting_at)) = time(one("starting_at")) else {
        return invalid("starting_at: a valid RFC 3339 date-time is required");
    };
    let Ok(ending_at) = time(one("ending_at")) else {
        return invalid("ending_at: not a valid RFC 3339 date-time");
    };
    let limit = match one("limit").map(|l| l.parse::<usize>()) {
        None => default_limit,
        Some(Ok(n)) if (1..=max_limit).contains(&n) => n,
        Some(_) => return invalid(&format!("limit: must be between 1 and {max_limit}")),
    };
    let limit = match sim.faults.page_size {
        0 => limit,
        cap => limit.min(cap),
    };
    let first = starting_at.duration_trunc(width).unwrap_or(starting_at);
    let end = ending_at.unwrap_or_else(Utc::now);
    // The page token is the start of the page's first bucket, as the reference's example
    // (`page_MjAyNS0wNS0xNFQwMDowMDowMFo=`: base64 of a time) suggests.
    let from = match one("page") {
        None => first,
        Some(token) => match token
            .strip_prefix("page_")
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        {
            Some(t) => t.with_timezone(&Utc),
            None => return invalid("page: not a page token of this report"),
        },
    };
    let starts: Vec<DateTime<Utc>> = std::iter::successors(Some(from), |t| Some(*t + width))
        .take_while(|t| *t < end)
        .take(limit + 1)
        .collect();
    let more = starts.len() > limit;
    let data: Vec<Value> = starts
        .iter()
        .take(limit)
        .map(|t| bucket(&sim.token_usage, *t, *t + width, by_key))
        .collect();
    let next = more.then(|| {
        let t = starts[limit].to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        format!(
            "page_{}",
            base64::engine::general_purpose::STANDARD.encode(t)
        )
    });
    ok(json!({"data": data, "has_more": more, "next_page": next}))
}

/// One bucket: its span and a row per key that spent tokens in it (or one row for all).
fn bucket(uses: &[TokenUse], start: DateTime<Utc>, end: DateTime<Utc>, by_key: bool) -> Value {
    let mut sums: BTreeMap<Option<u64>, (u64, u64)> = BTreeMap::new();
    for u in uses.iter().filter(|u| u.at >= start && u.at < end) {
        let sum = sums.entry(by_key.then_some(u.api_key_id)).or_default();
        sum.0 += u.input_tokens;
        sum.1 += u.output_tokens;
    }
    let results: Vec<Value> = sums
        .into_iter()
        .map(|(key, (input, output))| {
            json!({
                "api_key_id": key.map(|id| format!("apikey_{id}")),
                "workspace_id": null,
                "model": null,
                "service_tier": null,
                "context_window": null,
                "uncached_input_tokens": input,
                "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
                "cache_read_input_tokens": 0,
                "output_tokens": output,
                "server_tool_use": {"web_search_requests": 0},
            })
        })
        .collect();
    json!({
        "starting_at": start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "ending_at": end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "results": results,
    })
}
