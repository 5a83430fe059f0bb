//! The simulator's state: configuration, keys, issued tokens, faults and counters.

use rand::distr::{Alphanumeric, SampleString};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A plan and its key limit (seed 004's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    Free,
    Professional,
    Enterprise,
}

impl Plan {
    /// The most keys the plan allows; `None` for unlimited.
    pub fn key_limit(self) -> Option<usize> {
        match self {
            Plan::Free => Some(2),
            Plan::Professional => Some(10),
            Plan::Enterprise => None,
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "free" => Some(Plan::Free),
            "professional" => Some(Plan::Professional),
            "enterprise" => Some(Plan::Enterprise),
            _ => None,
        }
    }
}

/// How list and object responses are wrapped (the seeds fix none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Envelope {
    /// The bare object or array.
    Bare,
    /// `{"data": …}`.
    Data,
    /// `{"success": true, "data": …}`.
    Success,
    /// `{"items": …}` (lists only; objects bare).
    Items,
    /// `{"api_keys": …}` (lists only; objects bare).
    ApiKeys,
}

impl Envelope {
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

/// The simulator's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The management Bearer token (seed 004).
    pub token: String,
    /// OAuth2 client credentials (seed 002).
    pub client_id: String,
    pub client_secret: String,
    /// Lifetime of issued access tokens.
    pub token_ttl: Duration,
    pub plan: Plan,
    pub envelope: Envelope,
    /// Ids as JSON strings instead of numbers.
    pub string_ids: bool,
    /// At most this many requests per window (`None`: no limit), answered 429 + Retry-After.
    pub rate_limit: Option<u32>,
    pub rate_window: Duration,
    /// Keys present at start.
    pub seed_keys: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token: "sim-management-token-not-real".into(),
            client_id: "sim-client".into(),
            client_secret: "sim-client-secret-not-real".into(),
            token_ttl: Duration::from_secs(3600),
            plan: Plan::Enterprise,
            envelope: Envelope::Success,
            string_ids: false,
            rate_limit: None,
            rate_window: Duration::from_secs(3600),
            seed_keys: 0,
        }
    }
}

/// Faults injected into the next matching requests (admin routes are never affected).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Added to every response.
    pub latency_ms: u64,
    /// Only requests whose path starts with this are affected (empty: all).
    pub path_prefix: String,
    /// The next N matching requests answer 500.
    pub fail_500: u32,
    /// The next N matching requests answer 429 with `Retry-After: retry_after_secs`.
    pub fail_429: u32,
    pub retry_after_secs: u64,
    /// The next N matching responses are not JSON.
    pub malformed_json: u32,
    /// The next N matching responses are cut in half.
    pub truncated: u32,
    /// The next N matching responses are padded past 9 MiB.
    pub oversized: u32,
    /// The next N matching requests answer 403 "Insufficient permissions" (seed 004).
    pub forbidden: u32,
    /// The next N `POST /api-keys/generate` create the key and then answer 500.
    pub fail_after_create: u32,
    /// The next `POST /api-keys/generate` issues this value instead of a random one (a value
    /// with a control character, surrounding whitespace or 16 KiB and more), then is cleared.
    pub issued_value: Option<String>,
    /// The next N successful verify answers echo the presented key and the management
    /// credentials (token and OAuth2 client secret) in their body.
    pub verify_echo: u32,
    /// The next N `POST /oauth/token` answer 401 with the client secret alone in the message.
    pub token_echo: u32,
    /// List, get and generate answers show this instead of the newest key's id (e.g. `..`, or
    /// an id with control characters); it stays until the faults are changed.
    pub shown_id: Option<String>,
    /// When not 0, `GET /api-usage-logs` answers this status (404: a provider without usage
    /// logs, 501: not implemented); it stays until the faults are changed.
    pub usage_status: u16,
    /// When not 0, `GET /api-keys` answers pages of this many keys (`?page=N`, from 1) with an
    /// RFC 8288 `Link: <…?page=N+1>; rel="next"` header while more follow, and Anthropic's usage
    /// report at most this many buckets a page; it stays until the faults are changed.
    pub page_size: usize,
}

/// A key the provider holds.
#[derive(Debug, Clone, Serialize)]
pub struct SimKey {
    pub id: u64,
    pub api_key_name: String,
    /// The value (the simulator exposes it under `/_sim/keys` for tests; the API shows it once).
    pub api_key: String,
    pub user: String,
    pub status: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    /// Revoked (GitLab mode): still listed, no longer usable.
    #[serde(default)]
    pub revoked: bool,
    /// Scopes given at creation (GitLab mode).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Expiry date `YYYY-MM-DD` (GitLab mode).
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Other attributes a mode keeps as given (Cloudflare: policies, expires_on, not_before,
    /// condition).
    #[serde(default)]
    pub attrs: serde_json::Map<String, serde_json::Value>,
}

/// One logged API call made with a key.
#[derive(Debug, Clone, Serialize)]
pub struct UsageLog {
    pub id: u64,
    pub api_key_id: u64,
    pub route: String,
    pub scheme: String,
    pub status: u16,
    pub created_at: String,
}

/// Tokens one key spent in one call of a model API (Anthropic mode's `POST /v1/messages`, or
/// seeded by a test at any time).
#[derive(Debug, Clone, Serialize)]
pub struct TokenUse {
    pub api_key_id: u64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// Counters tests read to prove what happened on the wire.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub requests: u64,
    pub tokens_issued: u64,
    pub generate_calls: u64,
    pub rate_limited: u64,
    /// Management requests that presented a revoked or expired OAuth2 token.
    pub stale_tokens: u64,
    /// Roll/rotate requests received (GitLab mode's `POST …/rotate`).
    #[serde(default)]
    pub rotate_calls: u64,
}

/// Everything the simulator knows.
pub struct Sim {
    pub config: Config,
    pub keys: Vec<SimKey>,
    pub usage: Vec<UsageLog>,
    pub token_usage: Vec<TokenUse>,
    pub faults: Faults,
    pub stats: Stats,
    /// Issued access tokens and when they expire.
    pub tokens: HashMap<String, Instant>,
    pub next_id: u64,
    window_start: Instant,
    window_count: u32,
}

/// Locks the state; a poisoned lock (a panicked handler) still holds usable data.
pub fn lock(m: &Mutex<Sim>) -> MutexGuard<'_, Sim> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A random alphanumeric string.
pub fn random(n: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), n)
}

/// Now, as the store keeps times (RFC 3339, seconds, UTC).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Sim {
    pub fn new(config: Config) -> Self {
        let mut sim = Sim {
            keys: Vec::with_capacity(config.seed_keys),
            usage: Vec::new(),
            token_usage: Vec::new(),
            faults: Faults::default(),
            stats: Stats::default(),
            tokens: HashMap::new(),
            next_id: 1,
            window_start: Instant::now(),
            window_count: 0,
            config,
        };
        let created = now();
        for i in 0..sim.config.seed_keys {
            let id = sim.next_id;
            sim.next_id += 1;
            sim.keys.push(SimKey {
                id,
                api_key_name: format!("seeded-key-{i:05}"),
                // Seeded keys need no strong values; they exist to be listed.
                api_key: format!("simkey_seeded{id:012}:{}", "x".repeat(24)),
                user: "seed_user".into(),
                status: if i % 7 == 0 { "inactive" } else { "active" }.into(),
                created_at: created.clone(),
                last_used_at: None,
                revoked: false,
                scopes: Vec::new(),
                expires_at: None,
                attrs: Default::default(),
            });
        }
        sim
    }

    /// Adds an active key made by a service mode's create: its name, value and user; `edit`
    /// sets what else that service keeps (scopes, expiry, attributes). Returns a copy.
    pub fn push_key(
        &mut self,
        name: &str,
        value: String,
        user: &str,
        edit: impl FnOnce(&mut SimKey),
    ) -> SimKey {
        let id = self.next_id;
        self.next_id += 1;
        let mut k = SimKey {
            id,
            api_key_name: name.to_owned(),
            api_key: value,
            user: user.to_owned(),
            status: "active".into(),
            created_at: now(),
            last_used_at: None,
            revoked: false,
            scopes: Vec::new(),
            expires_at: None,
            attrs: Default::default(),
        };
        edit(&mut k);
        self.keys.push(k.clone());
        k
    }

    /// Creates a key; `Err(limit)` when the plan is full.
    pub fn create(&mut self, name: &str, user: &str) -> Result<SimKey, usize> {
        if let Some(limit) = self.config.plan.key_limit() {
            if self.keys.len() >= limit {
                return Err(limit);
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        // `id:secret` (seed 000's shape) so every scheme, Basic included, can present it.
        let key = SimKey {
            id,
            api_key_name: name.to_owned(),
            api_key: format!("simkey_{}:{}", random(16), random(32)),
            user: user.to_owned(),
            status: "active".into(),
            created_at: now(),
            last_used_at: None,
            revoked: false,
            scopes: Vec::new(),
            expires_at: None,
            attrs: Default::default(),
        };
        self.keys.push(key.clone());
        Ok(key)
    }

    /// Issues an access token.
    pub fn issue_token(&mut self) -> String {
        let token = format!("simtok_{}", random(32));
        self.tokens
            .insert(token.clone(), Instant::now() + self.config.token_ttl);
        self.stats.tokens_issued += 1;
        token
    }

    /// Counts a request against the rate limit; `Some(retry_after_secs)` when over it.
    pub fn rate_check(&mut self) -> Option<u64> {
        let limit = self.config.rate_limit?;
        let now = Instant::now();
        if now.duration_since(self.window_start) >= self.config.rate_window {
            self.window_start = now;
            self.window_count = 0;
        }
        self.window_count += 1;
        if self.window_count > limit {
            let left = self
                .config
                .rate_window
                .saturating_sub(now.duration_since(self.window_start));
            return Some(left.as_secs().max(1));
        }
        None
    }

    /// Records a use of a key.
    pub fn log_use(&mut self, key_id: u64, route: &str, scheme: &str, status: u16) {
        let id = self.usage.len() as u64 + 1;
        let at = now();
        if let Some(k) = self.keys.iter_mut().find(|k| k.id == key_id) {
            k.last_used_at = Some(at.clone());
        }
        self.usage.push(UsageLog {
            id,
            api_key_id: key_id,
            route: route.to_owned(),
            scheme: scheme.to_owned(),
            status,
            created_at: at,
        });
    }
}
