//! The HTTP client for a provider's management API and verify route (reqwest, blocking, rustls).
//!
//! - HTTPS only, except loopback hosts (checked on every request, not only when a profile is added).
//! - Timeouts: connect 5 s, request `timeout_secs` (30 s by default), which also bounds the
//!   reading of the body: an answer that trickles forever is cut.
//! - Bodies over 8 MiB are refused, except the answers of the listing routes (keys, export,
//!   usage logs), which grow with the account and may reach 32 MiB.
//! - 429: `Retry-After` is honoured, at most 3 retries and 30 s of waiting in all. A 429 means the
//!   request was not processed, so this holds for `POST …/generate` too.
//! - 5xx and connection failures: two retries with backoff, for idempotent requests only;
//!   `POST …/generate` is never repeated (it would create a second key).
//! - OAuth2 (seed 002): the access token is cached in the keychain (`provider:<name>#access-token`)
//!   until `expires_in`, and fetched again once when the provider answers 401.
//! - No token, key, Authorization header or URL userinfo reaches an error or a log line: reqwest
//!   errors are stripped of their URL, and provider text is scrubbed of the request's secrets
//!   (each whole and its part after the first colon, so `client_id:client_secret` echoed as the
//!   bare client secret is caught too). The body of a successful verify is scrubbed the same way
//!   (of the key, its presentation and the management credential) before anyone sees it.
//! - A loopback provider is reached directly: `HTTP(S)_PROXY`/`ALL_PROXY` are ignored for it, so
//!   its token never goes to a proxy.
//! - An id goes into a request path only if it is not `.` or `..` and has no control character
//!   ([`envelope::check_id`]): either would make the request name another resource.

use super::envelope;
use super::errors::{self, scrub, scrub_value, Kind, ProviderError};
use super::profile::format::AuthKind;
use super::profile::template::{self, Ctx};
use super::profile::{check_base_url, is_loopback, Declared, ManagementAuth, ProviderProfile};
use crate::vault::{self, Vault};
use crate::{Error, Result, Secret};
use reqwest::blocking::Response;
use reqwest::Method;
use serde_json::Value;
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The largest response body accepted from a route that answers with one thing (a key, a
/// token, a status, an error).
pub const MAX_BODY_BYTES: u64 = 8 * 1024 * 1024;
/// The largest body accepted from a listing route (keys, export, usage logs): a list of 100,000
/// keys is about 17 MiB (seed 004's fields), so 32 MiB leaves room for twice that while still
/// bounding what a broken or hostile server can make Keyshelf hold in memory.
pub const MAX_LIST_BODY_BYTES: u64 = 32 * 1024 * 1024;
/// Connect timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// At most this many retries after 429…
pub const MAX_429_RETRIES: u32 = 3;
/// …and at most this long waiting for them in all.
pub const MAX_429_WAIT: Duration = Duration::from_secs(30);
/// Retries of idempotent requests after a 5xx or a failed connection.
pub const MAX_5XX_RETRIES: u32 = 2;

/// A management request's body: JSON, or a form already encoded (it may hold secrets).
#[derive(Clone, Copy)]
pub enum Payload<'a> {
    Json(&'a Value),
    Form(&'a Secret),
}

/// Whether a request may be sent again after a failure whose effect is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// GET, PUT status, DELETE: repeating has the same effect.
    Idempotent,
    /// POST generate: never repeated unless the provider said it did not process it (429, 401).
    Never,
}

/// A response that arrived whole.
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub content_type: String,
    /// The `rel="next"` target of an RFC 8288 `Link` header, as sent (a paginated list).
    pub link_next: Option<String>,
    /// Every header of the answer (a declared list's next page may be named in one).
    pub headers: reqwest::header::HeaderMap,
}

/// The keychain account of a provider's cached OAuth2 access token.
pub fn token_cache_account(provider: &str) -> String {
    format!("{}#access-token", vault::provider_account(provider))
}

/// A client for one provider.
pub struct Client<'a> {
    profile: &'a ProviderProfile,
    vault: Arc<dyn Vault>,
    http: reqwest::blocking::Client,
    /// The Bearer credential once read: one client serves one operation (a sync of 100 pages
    /// is 100 requests), and a keychain read per request cost more than the request.
    bearer: std::sync::Mutex<Option<Secret>>,
    /// The preset's or profile's description, for a declared provider.
    declared: Option<Declared>,
    /// Paths of the routes whose answers grow with the account (larger body limit).
    listing_paths: Vec<String>,
}

impl<'a> Client<'a> {
    pub fn new(profile: &'a ProviderProfile, vault: Arc<dyn Vault>) -> Result<Self> {
        let base = check_base_url(&profile.base_url)?;
        let mut builder = reqwest::blocking::Client::builder();
        if is_loopback(&base) {
            // The provider is on this machine: a proxy from the environment would only be a
            // stranger that sees its token.
            builder = builder.no_proxy();
        }
        let http = builder
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(Duration::from_secs(profile.timeout_secs))
            // A redirect could carry the Authorization header to another host or to plain HTTP.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("keyshelf/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                ProviderError::new(
                    Kind::Unreachable,
                    format!("cannot set up HTTPS: {}", e.without_url()),
                )
            })?;
        let declared = profile.declared()?;
        let listing_paths = match &declared {
            Some(d) => d
                .op("list")
                .and_then(|op| op.path.as_deref())
                .and_then(|p| {
                    let ctx = Ctx {
                        vars: Some(&d.vars),
                        ..Default::default()
                    };
                    template::render(p, &ctx).ok().flatten()
                })
                .into_iter()
                .collect(),
            None => {
                let p = &profile.paths;
                vec![p.list.clone(), p.export.clone(), p.usage.clone()]
            }
        };
        Ok(Client {
            profile,
            vault,
            http,
            bearer: std::sync::Mutex::new(None),
            declared,
            listing_paths,
        })
    }

    /// The provider this client calls.
    pub fn profile(&self) -> &ProviderProfile {
        self.profile
    }

    /// The preset's or profile's description, for a declared provider.
    pub fn declared(&self) -> Option<&Declared> {
        self.declared.as_ref()
    }

    // --- management ---------------------------------------------------------------------------

    /// Calls a management route with the provider's credential; non-2xx answers become errors.
    pub fn management(
        &self,
        method: Method,
        path: &str,
        id: Option<&str>,
        body: Option<&Value>,
        repeat: Repeat,
    ) -> Result<Reply> {
        if let Some(id) = id {
            check_path_id(id)?;
        }
        let url = self.profile.url(path, id)?;
        self.management_at(method, url, body.map(Payload::Json), repeat)
    }

    /// [`Client::management`] at a full URL: a next page the provider named, which the caller
    /// has checked is on the provider's own origin.
    pub fn management_at(
        &self,
        method: Method,
        url: reqwest::Url,
        body: Option<Payload<'_>>,
        repeat: Repeat,
    ) -> Result<Reply> {
        let (json, form) = match body {
            Some(Payload::Json(v)) => (Some(v), None),
            Some(Payload::Form(f)) => (None, Some(f)),
            None => (None, None),
        };
        let label = format!("{method} {}", url.path());
        let (mut bearer, mut fresh) = self.bearer(false)?;
        loop {
            let (headers, url) = match &self.declared {
                Some(d) => declared_auth(d, &bearer, url.clone())?,
                None => (
                    vec![(
                        "Authorization".to_owned(),
                        Secret::new(format!("Bearer {}", bearer.expose())),
                    )],
                    url.clone(),
                ),
            };
            let reply = self.send(
                &method,
                url,
                &label,
                &headers,
                json,
                form,
                repeat,
                &[&bearer],
            )?;
            if reply.status == 401 && self.profile.auth == ManagementAuth::Oauth2 && !fresh {
                // The cached token was revoked or expired early: fetch a new one, once. Safe for
                // POST too: a 401 was not processed.
                (bearer, fresh) = self.bearer(true)?;
                continue;
            }
            if !(200..300).contains(&reply.status) {
                return Err(scrub(self.error_of(&label, &reply, true), &[&bearer]).into());
            }
            return Ok(reply);
        }
    }

    /// Calls a management route and parses its JSON.
    pub fn management_json(
        &self,
        method: Method,
        path: &str,
        id: Option<&str>,
        body: Option<&Value>,
        repeat: Repeat,
    ) -> Result<Value> {
        let reply = self.management(method.clone(), path, id, body, repeat)?;
        let label = format!("{method} {}", self.profile.url(path, id)?.path());
        parse_json(&label, &reply.body)
    }

    /// A declared provider's management credential, in the parts its profile names (for a
    /// verify route that takes the management credential beside the key under test).
    pub(super) fn declared_credential(&self) -> Result<Vec<(String, Secret)>> {
        let d = self.declared.as_ref().ok_or_else(|| {
            Error::invalid(
                "provider",
                "only a preset or profile names credential parts",
            )
        })?;
        credential_parts(d, &self.bearer(false)?.0)
    }

    /// The Bearer credential: the stored token, or an OAuth2 access token. The flag says whether
    /// it was fetched just now (a fresh token is not refreshed again on 401).
    fn bearer(&self, force_refresh: bool) -> Result<(Secret, bool)> {
        let mut held = self.bearer.lock().unwrap_or_else(|p| p.into_inner());
        if let (Some(bearer), false) = (held.as_ref(), force_refresh) {
            return Ok((bearer.clone(), false));
        }
        let (bearer, fresh) = self.read_bearer(force_refresh)?;
        *held = Some(bearer.clone());
        Ok((bearer, fresh))
    }

    /// [`Client::bearer`] from the keychain (and the token endpoint, for OAuth2).
    fn read_bearer(&self, force_refresh: bool) -> Result<(Secret, bool)> {
        let name = &self.profile.name;
        let stored = self.vault.get(&vault::provider_account(name))?.ok_or_else(|| {
            ProviderError::new(
                Kind::Unauthorized,
                format!("the keychain holds no credential for provider {name:?} (account provider:{name}); remove the provider and add it again"),
            )
        })?;
        match self.profile.auth {
            ManagementAuth::Bearer => Ok((stored, false)),
            ManagementAuth::Oauth2 => {
                let cache = token_cache_account(name);
                if !force_refresh {
                    if let Some(token) = self.vault.get(&cache)?.and_then(|c| valid_cached(&c)) {
                        return Ok((token, false));
                    }
                }
                let (token, expires_in) = self.fetch_token(&stored)?;
                // A hostile `expires_in` (u64::MAX) must not overflow (found while writing the
                // fuzz targets; regression test in tests/provider_hostile.rs).
                let entry = cache_entry(&token, expires_in);
                if let Err(e) = self.vault.set(&cache, &entry) {
                    // Only a cache: the token still works for this call.
                    tracing::warn!(code = e.code(), "cannot cache the OAuth2 access token");
                }
                Ok((token, true))
            }
        }
    }

    /// `POST /oauth/token` with client credentials (seed 002).
    fn fetch_token(&self, credentials: &Secret) -> Result<(Secret, u64)> {
        let (id, secret) = credentials.expose().split_once(':').ok_or_else(|| {
            Error::invalid(
                "OAuth2 credentials",
                "the keychain entry is not `client_id:client_secret`; add the provider again",
            )
        })?;
        let url = self.profile.url(&self.profile.paths.token, None)?;
        let label = format!("POST {}", url.path());
        let form = serde_urlencoded_pairs(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ]);
        let body = Secret::new(form);
        let reply = self.send(
            &Method::POST,
            url,
            &label,
            &[],
            None,
            Some(&body),
            Repeat::Idempotent,
            &[credentials],
        )?;
        if !(200..300).contains(&reply.status) {
            return Err(scrub(
                errors::from_status(&label, reply.status, &reply.body, true),
                &[credentials],
            )
            .into());
        }
        parse_token_response(&label, &reply.body)
    }

    // --- verify -------------------------------------------------------------------------------

    /// Presents `key` under the profile's scheme on its verify route; the parsed answer on 2xx.
    pub fn verify(&self, key: &Secret, user: Option<&str>) -> Result<(u16, Value)> {
        let path = self.profile.verify_path.as_deref().ok_or_else(|| {
            Error::invalid(
                "verify",
                format!("provider {:?} has no verify path; add it again with --verify-path (e.g. /api/v1/users/me)", self.profile.name),
            )
        })?;
        if self.profile.key_scheme.needs_insecure_consent() && !self.profile.insecure_accepted {
            return Err(Error::invalid(
                "key scheme",
                "the query scheme was not accepted as insecure",
            ));
        }
        let presentation = self.profile.key_scheme.present(key, user)?;
        let mut url = self.profile.url(path, None)?;
        let label = format!("GET {}", url.path());
        if let Some((user, pass)) = &presentation.userinfo {
            // reqwest moves URL userinfo into an Authorization: Basic header and off the URL.
            let bad = || {
                ProviderError::new(
                    Kind::InsecureUrl,
                    format!("{label}: the key cannot be put in this URL"),
                )
            };
            url.set_username(user).map_err(|()| bad())?;
            url.set_password(Some(pass.expose())).map_err(|()| bad())?;
        }
        if let Some((name, value)) = &presentation.query {
            url.query_pairs_mut().append_pair(name, value.expose());
        }
        let reply = self.send(
            &Method::GET,
            url,
            &label,
            &presentation.headers,
            None,
            None,
            Repeat::Idempotent,
            &[key],
        )?;
        // The provider knows the key, its presentation and the management credential, and
        // may echo any of them, in an error or in a success.
        let credential = self.stored_credential();
        let mut secrets: Vec<&Secret> = vec![key];
        secrets.extend(presentation.headers.iter().map(|(_, v)| v));
        secrets.extend(credential.as_ref());
        if !(200..300).contains(&reply.status) {
            return Err(scrub(
                errors::from_status(&label, reply.status, &reply.body, false),
                &secrets,
            )
            .into());
        }
        let v = if reply.body.is_empty() {
            Value::Null
        } else {
            parse_json(&label, &reply.body)?
        };
        Ok((reply.status, scrub_value(v, &secrets)))
    }

    /// The error a non-2xx answer means, read the profile's way for a declared provider.
    pub(super) fn error_of(&self, label: &str, reply: &Reply, management: bool) -> ProviderError {
        match self.declared.as_ref().map(|d| &d.file.errors) {
            Some(spec) => {
                let parsed = errors::parse_declared(&reply.body, &reply.headers, spec);
                errors::from_parsed(label, reply.status, parsed, management)
            }
            None => errors::from_status(label, reply.status, &reply.body, management),
        }
    }

    /// The management credential, for scrubbing only: `None` when the keychain has none or
    /// cannot give it (verify does not need it to work).
    fn stored_credential(&self) -> Option<Secret> {
        self.vault
            .get(&vault::provider_account(&self.profile.name))
            .ok()
            .flatten()
    }

    // --- the wire -----------------------------------------------------------------------------

    /// Sends with the retry rules of the module doc; returns whatever status came back last.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send(
        &self,
        method: &Method,
        url: reqwest::Url,
        label: &str,
        headers: &[(String, Secret)],
        json: Option<&Value>,
        form: Option<&Secret>,
        repeat: Repeat,
        secrets: &[&Secret],
    ) -> Result<Reply> {
        check_base_url(&self.profile.base_url)?;
        let limit = self.body_limit(method, &url);
        let mut waited = Duration::ZERO;
        let (mut tries_429, mut tries_5xx) = (0u32, 0u32);
        loop {
            let mut req = self.http.request(method.clone(), url.clone());
            for (name, value) in headers {
                let mut v =
                    reqwest::header::HeaderValue::from_str(value.expose()).map_err(|_| {
                        Error::invalid(
                            "key",
                            "it holds characters that cannot be sent in an HTTP header",
                        )
                    })?;
                v.set_sensitive(true);
                req = req.header(name.as_str(), v);
            }
            if let Some(j) = json {
                req = req.json(j);
            }
            if let Some(f) = form {
                req = req
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(f.expose().to_owned());
            }
            // reqwest's timeout restarts with every read of the body; this deadline does not.
            let deadline = Instant::now() + Duration::from_secs(self.profile.timeout_secs);
            let outcome = req.send().map_err(|e| transport_error(label, &e, repeat));
            let resp = match outcome {
                Ok(r) => r,
                Err(e)
                    if repeat == Repeat::Idempotent
                        && e.kind == Kind::Unreachable
                        && tries_5xx < MAX_5XX_RETRIES =>
                {
                    std::thread::sleep(backoff(tries_5xx));
                    tries_5xx += 1;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let status = resp.status().as_u16();
            let retry_after = retry_after(&resp);
            if status == 429 {
                let wait = retry_after.unwrap_or(Duration::from_secs(1));
                // checked_add: a Retry-After of u64::MAX seconds after a first wait overflowed
                // the Duration sum and panicked.
                if tries_429 < MAX_429_RETRIES
                    && waited.checked_add(wait).is_some_and(|t| t <= MAX_429_WAIT)
                {
                    drop(resp);
                    tracing::info!(
                        endpoint = label,
                        wait_ms = wait.as_millis() as u64,
                        "rate limited; waiting as Retry-After asks"
                    );
                    std::thread::sleep(wait);
                    waited += wait;
                    tries_429 += 1;
                    continue;
                }
                let body = read_body(label, resp, limit, deadline)?;
                let mut e = scrub(errors::from_status(label, 429, &body, true), secrets);
                e.message.push_str(&format!(
                    " Keyshelf retried {tries_429} time(s) over {} s, honouring Retry-After{}.",
                    waited.as_secs(),
                    retry_after.map_or(String::new(), |d| format!(
                        "; the provider now asks for {} s more",
                        d.as_secs()
                    ))
                ));
                return Err(e.into());
            }
            if status >= 500
                && status != 501
                && repeat == Repeat::Idempotent
                && tries_5xx < MAX_5XX_RETRIES
            {
                drop(resp);
                std::thread::sleep(backoff(tries_5xx));
                tries_5xx += 1;
                continue;
            }
            let content_type = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let link_next = resp
                .headers()
                .get_all(reqwest::header::LINK)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(super::pagination::next_link);
            let headers = resp.headers().clone();
            let body = read_body(label, resp, limit, deadline)?;
            return Ok(Reply {
                status,
                body,
                content_type,
                link_next,
                headers,
            });
        }
    }
}

impl Client<'_> {
    /// The body cap of a request: listing routes grow with the account, nothing else should.
    fn body_limit(&self, method: &Method, url: &reqwest::Url) -> u64 {
        let listing = self
            .listing_paths
            .iter()
            .any(|route| url.path().ends_with(route.as_str()));
        if *method == Method::GET && listing {
            MAX_LIST_BODY_BYTES
        } else {
            MAX_BODY_BYTES
        }
    }
}

/// The management credential's parts, by the names `auth.parts` gives them: one part is the
/// whole stored value; two parts are stored as `first:second`.
pub(super) fn credential_parts(d: &Declared, stored: &Secret) -> Result<Vec<(String, Secret)>> {
    let names: Vec<String> = if d.file.auth.parts.is_empty() {
        vec!["token".to_owned()]
    } else {
        d.file.auth.parts.clone()
    };
    match names.as_slice() {
        [one] => Ok(vec![(one.clone(), stored.clone())]),
        [a, b] => {
            let (x, y) = stored.expose().split_once(':').ok_or_else(|| {
                Error::invalid(
                    "credential",
                    format!("the keychain entry is not `{a}:{b}`; add the provider again"),
                )
            })?;
            Ok(vec![
                (a.clone(), Secret::new(x.to_owned())),
                (b.clone(), Secret::new(y.to_owned())),
            ])
        }
        _ => Err(Error::invalid(
            "provider profile",
            "auth.parts: at most two parts are supported",
        )),
    }
}

/// `url` with a declared provider's query-parameter credential (`kind = "query"`) added. The
/// label of a request names only its path, so the URL with the credential goes into no message.
fn with_query_auth(d: &Declared, ctx: &Ctx<'_>, mut url: reqwest::Url) -> Result<reqwest::Url> {
    // A next-page link may echo the credential: set once, never twice.
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !d.file.auth.query.contains_key(k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut pairs = url.query_pairs_mut();
    pairs.clear().extend_pairs(kept);
    for (name, t) in &d.file.auth.query {
        if let Some(v) = template::render(t, ctx)? {
            pairs.append_pair(name, &v);
        }
    }
    drop(pairs);
    Ok(url)
}

/// The headers and URL that authenticate a declared provider's management call to `url` (the
/// URL changes only for `kind = "query"`). `stored` is the stored credential, or for OAuth2 the
/// access token the client credentials were exchanged for.
fn declared_auth(
    d: &Declared,
    stored: &Secret,
    url: reqwest::Url,
) -> Result<(Vec<(String, Secret)>, reqwest::Url)> {
    let parts = if d.file.auth.kind == AuthKind::Oauth2 {
        vec![("token".to_owned(), stored.clone())]
    } else {
        credential_parts(d, stored)?
    };
    let ctx = Ctx {
        vars: Some(&d.vars),
        credential: Some(&parts),
        ..Default::default()
    };
    let auth = &d.file.auth;
    let mut headers: Vec<(String, Secret)> = Vec::new();
    let url = match auth.kind {
        AuthKind::Query => with_query_auth(d, &ctx, url)?,
        _ => url,
    };
    match auth.kind {
        // In the URL instead.
        AuthKind::Query => {}
        AuthKind::Bearer | AuthKind::Oauth2 => headers.push((
            "Authorization".to_owned(),
            Secret::new(format!("Bearer {}", parts[0].1.expose())),
        )),
        AuthKind::Headers => {
            for (name, t) in &auth.headers {
                if let Some(v) = template::render(t, &ctx)? {
                    headers.push((name.clone(), Secret::new(v)));
                }
            }
        }
        AuthKind::Basic => {
            let user = template::render(auth.user.as_deref().unwrap_or_default(), &ctx)?;
            let pass = template::render(auth.password.as_deref().unwrap_or_default(), &ctx)?;
            let pair = format!("{}:{}", user.unwrap_or_default(), pass.unwrap_or_default());
            headers.push((
                "Authorization".to_owned(),
                Secret::new(format!(
                    "Basic {}",
                    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, pair)
                )),
            ));
        }
    }
    for (name, t) in &d.file.request.headers {
        if let Some(v) = template::render(t, &ctx)? {
            headers.push((name.clone(), Secret::new(v)));
        }
    }
    Ok((headers, url))
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 << attempt)
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A token that lives `ttl` seconds, as its keychain cache keeps it: `"<expires_unix> <token>"`
/// (a provider's OAuth2 access token, a team's login token).
pub(crate) fn cache_entry(token: &Secret, ttl: u64) -> Secret {
    Secret::new(format!(
        "{} {}",
        now_unix().saturating_add(ttl),
        token.expose()
    ))
}

/// The token of a cache entry `"<expires_unix> <token>"` if it is good for 30 s more.
pub(crate) fn valid_cached(entry: &Secret) -> Option<Secret> {
    let (exp, token) = entry.expose().split_once(' ')?;
    let exp: u64 = exp.parse().ok()?;
    (exp > now_unix() + 30 && !token.is_empty()).then(|| Secret::new(token.to_owned()))
}

fn serde_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// An OAuth2 token response (seed 002): the access token and its lifetime in seconds
/// (3600 when the provider gives none or an unusable one).
pub fn parse_token_response(label: &str, body: &[u8]) -> Result<(Secret, u64)> {
    let v = parse_json(label, body)?;
    let token = v
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ProviderError::new(
                Kind::BadResponse,
                format!("{label}: the answer has no access_token"),
            )
        })?;
    let expires_in = v.get("expires_in").and_then(Value::as_u64).unwrap_or(3600);
    Ok((Secret::new(token.to_owned()), expires_in))
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(resp: &Response) -> Option<Duration> {
    let v = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    parse_retry_after(v)
}

/// A `Retry-After` value (delta seconds or an HTTP date) as a wait; `None` when unreadable.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = (at.timestamp() - chrono::Utc::now().timestamp()).max(0) as u64;
    Some(Duration::from_secs(secs))
}

/// Reads a body of at most `limit` bytes before `deadline`.
fn read_body(label: &str, mut resp: Response, limit: u64, deadline: Instant) -> Result<Vec<u8>> {
    let too_large = || {
        ProviderError::new(
            Kind::TooLarge,
            format!(
                "{label}: the provider's answer is larger than {} MiB; Keyshelf refuses it",
                limit / (1024 * 1024)
            ),
        )
    };
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(too_large().into());
    }
    // Sized once when the provider says how long the answer is (a 10,000-key list is ~1.6 MB).
    let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0) as usize);
    let mut chunk = [0u8; 64 * 1024];
    loop {
        if Instant::now() > deadline {
            return Err(ProviderError::new(
                Kind::Timeout,
                format!("{label}: the provider's answer did not finish in time"),
            )
            .into());
        }
        let n = resp.read(&mut chunk).map_err(|e| {
            let kind = if e.kind() == std::io::ErrorKind::TimedOut {
                Kind::Timeout
            } else {
                Kind::BadResponse
            };
            ProviderError::new(
                kind,
                format!("{label}: the provider's answer was cut off ({})", e.kind()),
            )
        })?;
        if n == 0 {
            return Ok(body);
        }
        body.extend_from_slice(&chunk[..n]);
        if body.len() as u64 > limit {
            return Err(too_large().into());
        }
    }
}

/// Parses a JSON body, naming the endpoint when it is not JSON.
pub fn parse_json(label: &str, body: &[u8]) -> Result<Value> {
    serde_json::from_slice(body).map_err(|e| {
        let what = if e.is_eof() {
            "cut off (incomplete JSON)"
        } else {
            "not valid JSON"
        };
        ProviderError::new(
            Kind::BadResponse,
            format!(
                "{label}: the provider's answer is {what} at line {} column {}",
                e.line(),
                e.column()
            ),
        )
        .into()
    })
}

/// A transport failure, without the URL (it may carry a key in its query or userinfo).
fn transport_error(label: &str, e: &reqwest::Error, repeat: Repeat) -> ProviderError {
    let (kind, what) = if e.is_timeout() {
        (Kind::Timeout, "no answer in time".to_owned())
    } else if e.is_connect() {
        (Kind::Unreachable, "cannot connect".to_owned())
    } else {
        (Kind::Unreachable, "the connection failed".to_owned())
    };
    let mut source = String::new();
    let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = cur {
        source = s.to_string();
        cur = s.source();
    }
    let mut msg = format!("{label}: {what}");
    if !source.is_empty() && !source.contains("://") {
        msg.push_str(&format!(" ({source})"));
    }
    if repeat == Repeat::Never && kind == Kind::Timeout {
        return ProviderError::new(Kind::Timeout, msg);
    }
    ProviderError::new(kind, msg)
}

/// An id Keyshelf is about to put into a request path (from the store, or typed by the user:
/// what a provider sends is refused earlier, when it is parsed).
fn check_path_id(id: &str) -> Result<()> {
    envelope::check_id(id).map_err(|why| {
        Error::invalid(
            "provider key id",
            format!(
                "{:?} {why}; check the id (`keyshelf sync` lists the provider's keys)",
                crate::names::printable(id)
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_tokens_expire_30_seconds_early() {
        let good = Secret::new(format!("{} tok", now_unix() + 120));
        assert_eq!(valid_cached(&good).unwrap().expose(), "tok");
        assert!(valid_cached(&Secret::new(format!("{} tok", now_unix() + 10))).is_none());
        assert!(valid_cached(&Secret::from("garbage")).is_none());
    }
}
