//! Provider failures: a stable kind (the error code) and a message that says what happened, what
//! the provider said (with its request id) and what to do.
//!
//! Error bodies understood (the seeds fix no single shape):
//! - seed 001: `{"error":{"code","message","request_id"}}` (`missing_api_key`, `invalid_api_key`,
//!   `expired_api_key`);
//! - seed 002: `{"error","error_description"}` (OAuth2);
//! - seed 004: `{"success":false,"message"}`, and plain `{"message"}`.
//!
//! Provider text is untrusted: control characters are dropped, it is cut to a sane length, and
//! the client removes any secret of the request from it before it reaches a message, with the
//! one mechanism here ([`scrub`] for error text, [`scrub_value`] for a JSON answer).

use crate::Secret;
use serde_json::Value;
use std::fmt;

/// What kind of failure; each has a stable code starting with `provider_`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Unauthorized,
    Forbidden,
    PlanLimit,
    NotFoundRemote,
    RateLimited,
    ServerError,
    Rejected,
    Timeout,
    Unreachable,
    BadResponse,
    TooLarge,
    InsecureUrl,
    /// 501: the provider does not implement this route.
    NotImplemented,
    /// A create whose outcome is unknown: the provider may hold a key we never received.
    OutcomeUnknown,
}

impl Kind {
    /// The stable error code.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Unauthorized => "provider_unauthorized",
            Kind::Forbidden => "provider_forbidden",
            Kind::PlanLimit => "provider_plan_limit",
            Kind::NotFoundRemote => "provider_not_found_remote",
            Kind::RateLimited => "provider_rate_limited",
            Kind::ServerError => "provider_server_error",
            Kind::Rejected => "provider_rejected",
            Kind::Timeout => "provider_timeout",
            Kind::Unreachable => "provider_unreachable",
            Kind::BadResponse => "provider_bad_response",
            Kind::TooLarge => "provider_response_too_large",
            Kind::InsecureUrl => "provider_insecure_url",
            Kind::OutcomeUnknown => "provider_outcome_unknown",
            Kind::NotImplemented => "provider_not_implemented",
        }
    }
}

/// A provider failure.
#[derive(Debug, Clone)]
pub struct ProviderError {
    pub kind: Kind,
    pub message: String,
    /// The id the provider gave its answer, for its support: a field of its own, so a front end
    /// shows it where it belongs (the CLI after the message, `request_id` in JSON and to the UI).
    pub request_id: Option<String>,
}

impl ProviderError {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        ProviderError {
            kind,
            message: message.into(),
            request_id: None,
        }
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ProviderError {}

/// What an error body said.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ErrorBody {
    pub code: Option<String>,
    pub message: Option<String>,
    pub request_id: Option<String>,
}

/// Reads any of the seeds' error bodies; unknown shapes give an empty [`ErrorBody`].
pub fn parse_error_body(body: &[u8]) -> ErrorBody {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return ErrorBody::default();
    };
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(clean);
    match v.get("error") {
        // Seed 001.
        Some(Value::Object(e)) => ErrorBody {
            code: s(e.get("code")),
            message: s(e.get("message")),
            request_id: s(e.get("request_id")).or_else(|| s(v.get("request_id"))),
        },
        // Seed 002.
        Some(Value::String(code)) => ErrorBody {
            code: Some(clean(code)),
            message: s(v.get("error_description")).or_else(|| s(v.get("message"))),
            request_id: s(v.get("request_id")),
        },
        // Seed 004 and plain `{"message"}`.
        _ => ErrorBody {
            code: s(v.get("code")),
            message: s(v.get("message")),
            request_id: s(v.get("request_id")),
        },
    }
}

/// Untrusted provider text made safe to show: no control characters, at most 300 characters.
fn clean(text: &str) -> String {
    let t: String = text.chars().filter(|c| !c.is_control()).take(300).collect();
    t.trim().to_owned()
}

/// Advice for seed 001's codes and the HTTP statuses.
fn advice(kind: Kind, code: Option<&str>, management: bool) -> &'static str {
    match (kind, code) {
        (_, Some("missing_api_key")) => "The key was not sent in a way the provider accepts: check the provider's key scheme (Providers screen, `keyshelf provider list`).",
        (_, Some("invalid_api_key")) => "The key does not match any active key: check it for typos or stray whitespace, or create a new one.",
        (_, Some("expired_api_key")) => "The key has been deactivated or has expired: activate it (Activate in the key's detail, `keyshelf activate`) or create a new one.",
        (_, Some("invalid_client")) => "The OAuth2 client id or secret is wrong: remove the provider and add it again with the right `client_id:client_secret`.",
        (Kind::Unauthorized, _) if management => "The provider's management token is missing, wrong or revoked: test the connection (Test on the Providers screen, `keyshelf provider test`) and give the provider a valid token (Edit, or add it again).",
        (Kind::Unauthorized, _) => "The provider did not accept the key.",
        (Kind::Forbidden, _) => "The account lacks the permission, or its subscription is not active.",
        (Kind::PlanLimit, _) => "The plan's key limit is reached: delete a key on the provider (Delete on provider in the key's detail, `keyshelf delete`) or upgrade the plan.",
        (Kind::NotFoundRemote, _) => "The provider has no such key or route: a sync (Sync on the Providers screen, `keyshelf sync`) brings the local list up to date.",
        (Kind::RateLimited, _) => "The provider's rate limit is reached: wait and try again.",
        (Kind::ServerError, _) => "The provider failed: try again later.",
        _ => "",
    }
}

/// Builds the error for a non-success status.
pub fn from_status(endpoint: &str, status: u16, body: &[u8], management: bool) -> ProviderError {
    from_parsed(endpoint, status, parse_error_body(body), management)
}

/// Reads an error body where a profile's `[errors]` says its parts are; what it does not name is
/// read the tolerant way.
pub fn parse_declared(
    body: &[u8],
    headers: &reqwest::header::HeaderMap,
    spec: &super::profile::format::ErrorsSpec,
) -> ErrorBody {
    let mut out = parse_error_body(body);
    let v = serde_json::from_slice::<Value>(body).ok();
    let at = |ptrs: &Option<super::profile::format::Pointers>| -> Option<String> {
        let found = super::profile::item::first(v.as_ref()?, ptrs.as_ref()?)?;
        // A message may be an object or array (validation errors per field): shown as JSON.
        let text = match found {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Some(clean(&text)).filter(|t| !t.is_empty())
    };
    out.message = at(&spec.message).or(out.message);
    out.code = at(&spec.code).or(out.code);
    out.request_id = at(&spec.request_id).or(out.request_id);
    if let Some(h) = &spec.request_id_header {
        if let Some(id) = headers.get(h.as_str()).and_then(|v| v.to_str().ok()) {
            out.request_id = Some(clean(id));
        }
    }
    out
}

/// Whether a refusal's message is about a quota of keys ("key limit reached", SendGrid's
/// "Cannot create more than 100 API keys").
fn says_limit(said: &str) -> bool {
    let s = said.to_ascii_lowercase();
    ["limit", "maximum", "more than", "too many", "quota"]
        .iter()
        .any(|w| s.contains(w))
}

/// The error for an answer whose body was already read.
pub fn from_parsed(
    endpoint: &str,
    status: u16,
    parsed: ErrorBody,
    management: bool,
) -> ProviderError {
    let said = parsed.message.clone().unwrap_or_default();
    let kind = match status {
        401 => Kind::Unauthorized,
        // Payment Required: Confluent's quota_exceeded, and what a plan's ceiling means anywhere.
        402 => Kind::PlanLimit,
        403 if says_limit(&said) => Kind::PlanLimit,
        403 => Kind::Forbidden,
        404 => Kind::NotFoundRemote,
        429 => Kind::RateLimited,
        501 => Kind::NotImplemented,
        500..=599 => Kind::ServerError,
        _ => Kind::Rejected,
    };
    let mut msg = format!("{endpoint}: the provider answered {status}");
    if let Some(code) = &parsed.code {
        msg.push_str(&format!(" {code}"));
    }
    if !said.is_empty() {
        msg.push_str(&format!(": {said}"));
    }
    msg.push('.');
    let advice = advice(kind, parsed.code.as_deref(), management);
    if !advice.is_empty() {
        msg.push(' ');
        msg.push_str(advice);
    }
    ProviderError {
        request_id: parsed
            .request_id
            .map(|id| clean(&id))
            .filter(|id| !id.is_empty()),
        ..ProviderError::new(kind, msg)
    }
}

/// The texts that must not appear in provider text for these secrets: each whole and, when it
/// has a colon, the part after the first one (the client secret of `client_id:client_secret`,
/// the secret of an `id:secret` key), which a provider may echo alone. Longest first, so a
/// whole secret goes before its part; shorter than 4 bytes would redact ordinary words.
fn redactions<'s>(secrets: &[&'s Secret]) -> Vec<&'s str> {
    let mut texts: Vec<&str> = secrets
        .iter()
        .flat_map(|s| {
            let whole = s.expose();
            std::iter::once(whole).chain(whole.split_once(':').map(|(_, part)| part))
        })
        .filter(|t| t.len() >= 4)
        .collect();
    texts.sort_by_key(|t| std::cmp::Reverse(t.len()));
    texts
}

/// Provider text with the request's secrets replaced by `[redacted]`.
pub fn redact(text: &str, secrets: &[&Secret]) -> String {
    redactions(secrets)
        .into_iter()
        .fold(text.to_owned(), |t, s| t.replace(s, "[redacted]"))
}

/// Removes the request's secrets from provider text (a provider may echo what it was sent).
pub fn scrub(mut e: ProviderError, secrets: &[&Secret]) -> ProviderError {
    e.message = redact(&e.message, secrets);
    e.request_id = e.request_id.map(|id| redact(&id, secrets));
    e
}

/// [`scrub`] for a JSON answer: every string in it, object keys included. (serde_json refuses
/// nesting deeper than 128 levels, which bounds the recursion.)
pub fn scrub_value(v: Value, secrets: &[&Secret]) -> Value {
    match v {
        Value::String(s) => Value::String(redact(&s, secrets)),
        Value::Array(a) => Value::Array(a.into_iter().map(|v| scrub_value(v, secrets)).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (redact(&k, secrets), scrub_value(v, secrets)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_001_bodies_give_code_message_and_request_id() {
        let body = br#"{"error":{"code":"expired_api_key","message":"The key has been deactivated","request_id":"req_42"}}"#;
        let e = from_status("GET /api-routes-data", 401, body, false);
        assert_eq!(e.kind.code(), "provider_unauthorized");
        assert!(e.message.contains("expired_api_key"), "{}", e.message);
        assert!(e.message.contains("activate"));
        // Issue 16: the request id is a field of the error, not part of its message.
        assert_eq!(e.request_id.as_deref(), Some("req_42"));
        assert!(!e.message.contains("req_42"), "{}", e.message);
    }

    #[test]
    fn seed_002_and_004_bodies_are_read() {
        let e = from_status(
            "POST /oauth/token",
            401,
            br#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
            true,
        );
        assert!(e
            .message
            .contains("invalid_client: Client authentication failed"));
        let e = from_status(
            "GET /api-keys",
            403,
            br#"{"success":false,"message":"Insufficient permissions"}"#,
            true,
        );
        assert_eq!(e.kind, Kind::Forbidden);
        assert!(e.message.contains("Insufficient permissions"));
        let e = from_status(
            "POST /api-keys/generate",
            403,
            br#"{"success":false,"message":"API key limit reached"}"#,
            true,
        );
        assert_eq!(e.kind, Kind::PlanLimit);
    }

    #[test]
    fn services_refusals_for_a_full_account_read_as_the_plan_limit() {
        // SendGrid's 403 (its message as the preset's pointer reads it) and Confluent's 402
        // quota_exceeded; a plain 403 stays forbidden.
        let said = |m: &str| ErrorBody {
            message: Some(m.into()),
            ..Default::default()
        };
        let e = from_parsed(
            "POST /v3/api_keys",
            403,
            said("Cannot create more than 100 API keys"),
            true,
        );
        assert_eq!(e.kind, Kind::PlanLimit);
        let confluent =
            br#"{"errors":[{"status":"402","code":"quota_exceeded","detail":"apikeys_per_org"}]}"#;
        let e = from_status("POST /iam/v2/api-keys", 402, confluent, true);
        assert_eq!(e.kind, Kind::PlanLimit);
        let e = from_status("POST /x", 403, br#"{"message":"access forbidden"}"#, true);
        assert_eq!(e.kind, Kind::Forbidden);
    }

    #[test]
    fn unknown_bodies_and_hostile_text_are_handled() {
        assert_eq!(parse_error_body(b"<html>"), ErrorBody::default());
        let e = from_status("GET /x", 502, b"", true);
        assert_eq!(e.kind, Kind::ServerError);
        let long = format!(r#"{{"message":"a\u001b[31m{}"}}"#, "x".repeat(1000));
        let b = parse_error_body(long.as_bytes());
        let m = b.message.unwrap();
        assert!(m.len() <= 300 && !m.contains('\u{1b}'));
    }

    #[test]
    fn provider_text_is_scrubbed_of_the_request_secrets() {
        let token = Secret::from("fixture-token-not-real");
        let e = ProviderError::new(Kind::Unauthorized, "bad token fixture-token-not-real");
        assert_eq!(scrub(e, &[&token]).message, "bad token [redacted]");
    }

    #[test]
    fn the_secret_half_of_a_credential_is_scrubbed_alone_and_in_json() {
        let cred = Secret::from("client-id-fixture:client-secret-fixture");
        let e = ProviderError::new(Kind::Unauthorized, "secret client-secret-fixture refused");
        assert_eq!(scrub(e, &[&cred]).message, "secret [redacted] refused");
        let whole = redact("got client-id-fixture:client-secret-fixture", &[&cred]);
        assert_eq!(whole, "got [redacted]");
        let v = serde_json::json!({"a": ["x client-secret-fixture"], "client-secret-fixture": 1, "n": 2});
        let clean = scrub_value(v, &[&cred]).to_string();
        assert!(!clean.contains("client-secret-fixture"), "{clean}");
        assert!(clean.contains("\"n\":2"), "{clean}");
    }
}
