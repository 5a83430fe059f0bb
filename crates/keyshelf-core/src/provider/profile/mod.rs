//! Provider profiles: where a provider's management API is, how Keyshelf authenticates to it,
//! how its keys are presented, and its paths. Stored as JSON in the `providers` table; the token
//! (or OAuth2 `client_id:client_secret`) lives only in the keychain under `provider:<name>`.
//!
//! A provider speaks either the standard API (the fields of [`ProviderProfile`] say all there
//! is) or a **declared** one: a built-in preset or a user's profile file, in the TOML format of
//! [`format`], read through [`Declared`].

pub mod format;
pub mod item;
pub mod presets;
pub mod template;
pub mod usage_row;
pub mod validate;

use std::collections::BTreeMap;

use super::errors::{Kind, ProviderError};
use super::scheme::KeyScheme;
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use reqwest::Url;
use serde::{Deserialize, Serialize};

/// How Keyshelf authenticates to the management API.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ManagementAuth {
    /// `Authorization: Bearer <token>` (seed 004).
    Bearer,
    /// OAuth2 client credentials (seed 002): `POST /oauth/token`, then Bearer.
    Oauth2,
}

impl std::str::FromStr for ManagementAuth {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "bearer" => Ok(ManagementAuth::Bearer),
            "oauth2" => Ok(ManagementAuth::Oauth2),
            _ => Err(Error::invalid(
                "auth",
                format!("{s:?} is not bearer or oauth2"),
            )),
        }
    }
}

/// The management paths, seed 004's by default. `{id}` stands for the provider's key id.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Paths {
    pub list: String,
    pub get: String,
    pub generate: String,
    pub status: String,
    pub delete: String,
    pub export: String,
    pub usage: String,
    pub token: String,
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            list: "/api-keys".into(),
            get: "/api-keys/{id}".into(),
            generate: "/api-keys/generate".into(),
            status: "/api-keys/{id}/status".into(),
            delete: "/api-keys/{id}".into(),
            export: "/api-keys/export".into(),
            usage: "/api-usage-logs".into(),
            token: "/oauth/token".into(),
        }
    }
}

impl Paths {
    /// Sets one path by its name (`list`, `get`, `generate`, `status`, `delete`, `export`,
    /// `usage`, `token`).
    pub fn set(&mut self, name: &str, path: &str) -> Result<()> {
        validate_path(path)?;
        let slot = match name {
            "list" => &mut self.list,
            "get" => &mut self.get,
            "generate" => &mut self.generate,
            "status" => &mut self.status,
            "delete" => &mut self.delete,
            "export" => &mut self.export,
            "usage" => &mut self.usage,
            "token" => &mut self.token,
            _ => {
                return Err(Error::invalid(
                    "path",
                    format!("{name:?} is not one of list, get, generate, status, delete, export, usage, token"),
                ))
            }
        };
        *slot = path.to_owned();
        Ok(())
    }
}

/// The default request timeout (the connect timeout is 5 s).
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// A configured provider. Holds no secret.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderProfile {
    #[serde(skip_deserializing)]
    pub name: String,
    pub base_url: String,
    pub auth: ManagementAuth,
    pub key_scheme: KeyScheme,
    #[serde(default)]
    pub verify_path: Option<String>,
    #[serde(default)]
    pub key_limit: Option<u32>,
    /// The environment given to keys that sync finds only on the provider.
    #[serde(default = "default_env")]
    pub default_env: String,
    #[serde(default)]
    pub paths: Paths,
    /// The user accepted the `query` scheme's risk.
    #[serde(default)]
    pub insecure_accepted: bool,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// The built-in preset this provider follows; `None` (and `standard`) is the standard API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// A user's profile file, as it was when the provider was added (the provider keeps working
    /// when the file is moved or edited later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_text: Option<String>,
    /// Values of the preset's or profile's variables (`--set VAR=VALUE`); never secret.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, String>,
    #[serde(skip_deserializing)]
    pub created_at: Option<DateTime<Utc>>,
}

/// A provider described by a preset or a profile file, with its variables filled in.
#[derive(Debug, Clone)]
pub struct Declared {
    pub file: format::ProfileFile,
    /// The provider's variables over the file's defaults.
    pub vars: BTreeMap<String, String>,
}

impl Declared {
    /// The operation `name`, when the profile offers it.
    pub fn op(&self, name: &str) -> Option<&format::OpSpec> {
        let o = &self.file.operations;
        match name {
            "list" => o.list.as_ref(),
            "get" => o.get.as_ref(),
            "create" => o.create.as_ref(),
            "set_status" => o.set_status.as_ref(),
            "delete" => o.delete.as_ref(),
            "roll" => o.roll.as_ref(),
            "verify" => o.verify.as_ref(),
            "usage" => o.usage.as_ref(),
            "export" => o.export.as_ref(),
            _ => None,
        }
        .filter(|op| op.is_supported())
    }

    /// [`Declared::op`], or an error that says the service does not offer it.
    pub fn require(&self, provider: &str, name: &str) -> Result<&format::OpSpec> {
        self.op(name).ok_or_else(|| {
            let why = self
                .declared_absent(name)
                .unwrap_or_else(|| format!("the profile of {provider:?} does not describe it"));
            Error::OperationUnsupported {
                provider: provider.to_owned(),
                operation: name.replace('_', " "),
                why,
            }
        })
    }

    fn declared_absent(&self, name: &str) -> Option<String> {
        let o = &self.file.operations;
        let op = match name {
            "get" => o.get.as_ref(),
            "create" => o.create.as_ref(),
            "set_status" => o.set_status.as_ref(),
            "delete" => o.delete.as_ref(),
            "roll" => o.roll.as_ref(),
            "verify" => o.verify.as_ref(),
            "usage" => o.usage.as_ref(),
            "export" => o.export.as_ref(),
            _ => None,
        }?;
        op.why.clone()
    }

    /// How the service rolls a key.
    pub fn roll_semantics(&self) -> format::RollSemantics {
        self.op("roll")
            .and_then(|r| r.semantics)
            .unwrap_or(format::RollSemantics::None)
    }
}

fn default_env() -> String {
    "prod".into()
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_SECS
}

impl ProviderProfile {
    /// A profile with seed 004's defaults.
    pub fn new(name: &str, base_url: &str) -> Self {
        ProviderProfile {
            name: name.to_owned(),
            base_url: base_url.to_owned(),
            auth: ManagementAuth::Bearer,
            key_scheme: KeyScheme::XApiKeyUsername,
            verify_path: None,
            key_limit: None,
            default_env: default_env(),
            paths: Paths::default(),
            insecure_accepted: false,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            preset: None,
            profile_text: None,
            vars: BTreeMap::new(),
            created_at: None,
        }
    }

    /// A provider that follows a preset (`preset`) or a user's profile file (`profile_text`),
    /// with its variables; the base URL is `base_url`, else the file's default (which may use
    /// variables, e.g. a Datadog site).
    pub fn declared_new(
        name: &str,
        preset: Option<&str>,
        profile_text: Option<String>,
        base_url: Option<&str>,
        vars: BTreeMap<String, String>,
    ) -> Result<Self> {
        let mut p = ProviderProfile::new(name, base_url.unwrap_or_default());
        p.preset = preset.map(str::to_owned);
        p.profile_text = profile_text;
        p.vars = vars;
        let Some(d) = p.declared()? else {
            if base_url.is_none() {
                return Err(Error::invalid(
                    "--base-url",
                    "the standard API needs the provider's base URL",
                ));
            }
            return Ok(p);
        };
        if base_url.is_none() {
            let default = d.file.provider.base_url.as_deref().ok_or_else(|| {
                Error::invalid("--base-url", "this profile has no default base URL; give the service's address with --base-url")
            })?;
            let ctx = template::Ctx {
                vars: Some(&d.vars),
                ..Default::default()
            };
            p.base_url = template::render(default, &ctx)?.ok_or_else(|| {
                Error::invalid(
                    "--base-url",
                    "the default base URL needs a variable that is not set (--set)",
                )
            })?;
        }
        if let Some(limit) = d.file.provider.key_limit {
            p.key_limit = Some(limit);
        }
        // OAuth2 client credentials: the client's token flow, at the file's token endpoint.
        if d.file.auth.kind == format::AuthKind::Oauth2 {
            p.auth = ManagementAuth::Oauth2;
            if let Some(path) = &d.file.auth.token_path {
                p.paths.token = path.clone();
            }
        }
        if let Some(t) = d.file.provider.timeout_secs {
            p.timeout_secs = t;
        }
        Ok(p)
    }

    /// Whether a preset or a profile file describes this provider (not the standard API).
    pub fn is_declared(&self) -> bool {
        self.profile_text.is_some()
            || self
                .preset
                .as_deref()
                .is_some_and(|p| p != presets::STANDARD)
    }

    /// The preset's or profile file's description of this provider, `None` for the standard API.
    pub fn declared(&self) -> Result<Option<Declared>> {
        let file = match (&self.profile_text, self.preset.as_deref()) {
            (Some(text), _) => {
                validate::parse(&format!("the profile of provider {:?}", self.name), text)?
            }
            (None, None) | (None, Some(presets::STANDARD)) => return Ok(None),
            (None, Some(name)) => presets::load(name).ok_or_else(|| {
                Error::invalid(
                    "preset",
                    format!("{name:?} is not a preset of this version of Keyshelf; `keyshelf provider presets` lists them"),
                )
            })??,
        };
        let mut vars: BTreeMap<String, String> = file
            .vars
            .iter()
            .filter_map(|(k, v)| v.default.clone().map(|d| (k.clone(), d)))
            .collect();
        vars.extend(self.vars.clone());
        Ok(Some(Declared { file, vars }))
    }

    /// The variables' checks of a declared provider: required ones set, unknown ones refused,
    /// values matching their pattern or list; every problem at once.
    fn validate_vars(&self, d: &Declared) -> Result<()> {
        let mut problems = Vec::new();
        for name in self.vars.keys() {
            if !d.file.vars.contains_key(name) {
                let known: Vec<&str> = d.file.vars.keys().map(String::as_str).collect();
                problems.push(format!(
                    "{name} is not a variable of this profile (it has: {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ));
            }
        }
        for (name, spec) in &d.file.vars {
            let value = d.vars.get(name).filter(|v| !v.is_empty());
            match value {
                None if spec.required => problems.push(format!(
                    "{name} is required: {} (--set {name}=VALUE)",
                    spec.description
                )),
                None => {}
                Some(v) => {
                    if let Some(allowed) = &spec.allowed {
                        if !allowed.contains(v) {
                            problems.push(format!(
                                "{name}: {v:?} is not one of {}",
                                allowed.join(", ")
                            ));
                        }
                    }
                    if let Some(p) = &spec.pattern {
                        let ok = regex::Regex::new(p).map(|r| r.is_match(v)).unwrap_or(false);
                        if !ok {
                            problems
                                .push(format!("{name}: {v:?} does not fit: {}", spec.description));
                        }
                    }
                    if v.chars().any(char::is_control) {
                        problems.push(format!("{name}: the value holds control characters"));
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::invalid("--set", problems.join("; ")))
        }
    }

    /// Checks everything that can be checked without the network.
    pub fn validate(&self) -> Result<()> {
        crate::names::validate_provider_name(&self.name)?;
        if self.name == crate::vault::LOCAL_PROVIDER {
            return Err(Error::invalid(
                "provider name",
                "`local` is reserved for keys of no provider",
            ));
        }
        check_base_url(&self.base_url)?;
        if let Some(p) = &self.verify_path {
            validate_path(p)?;
        }
        if self.key_scheme.needs_insecure_consent() && !self.insecure_accepted {
            return Err(Error::invalid(
                "key scheme",
                format!(
                    "{} Refused unless you confirm with --allow-insecure.",
                    self.key_scheme.warning().unwrap_or_default()
                ),
            ));
        }
        if self.key_limit == Some(0) {
            return Err(Error::invalid(
                "key limit",
                "use at least 1, or leave it out for unlimited",
            ));
        }
        if self.timeout_secs == 0 || self.timeout_secs > 300 {
            return Err(Error::invalid("timeout", "use 1 to 300 seconds"));
        }
        match self.declared()? {
            Some(d) if d.file.auth.kind == format::AuthKind::Query && !self.insecure_accepted => {
                Err(Error::invalid(
                    "profile auth",
                    "the management credential goes into every URL as a query parameter, and proxies, server logs and browser history keep URLs. Refused unless you confirm with --allow-insecure.",
                ))
            }
            Some(d) => self.validate_vars(&d),
            None if !self.vars.is_empty() => Err(Error::invalid(
                "--set",
                "the standard API has no variables; --set goes with --preset or --profile",
            )),
            None => Ok(()),
        }
    }

    /// The URL of `path` (with `{id}` replaced, percent-encoded) on this provider.
    pub fn url(&self, path: &str, id: Option<&str>) -> Result<Url> {
        let mut url = check_base_url(&self.base_url)?;
        let mut full = url.path().trim_end_matches('/').to_owned();
        match id {
            Some(id) => {
                let (before, after) = path.split_once("{id}").unwrap_or((path, ""));
                full.push_str(before);
                full.push_str(&percent_encode_segment(id));
                full.push_str(after);
            }
            None => full.push_str(path),
        }
        url.set_path(&full);
        Ok(url)
    }
}

/// `path` (already encoded) under `base_url`, which must pass the HTTPS rule.
pub fn url_at(base_url: &str, path: &str) -> Result<Url> {
    let mut url = check_base_url(base_url)?;
    let full = format!("{}{path}", url.path().trim_end_matches('/'));
    url.set_path(&full);
    Ok(url)
}

/// Encodes an id for a path segment (ids come from the provider and are not trusted).
pub(crate) fn percent_encode_segment(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn validate_path(p: &str) -> Result<()> {
    if !p.starts_with('/') || p.contains(['?', '#']) || p.chars().any(char::is_control) {
        return Err(Error::invalid(
            "path",
            format!("{p:?}: give a path starting with `/`, without query or fragment"),
        ));
    }
    Ok(())
}

/// Whether `host` is a loopback host (plain HTTP is accepted only there).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Parses a base URL: HTTPS (HTTP only on loopback), a host, no userinfo, query or fragment.
pub fn check_base_url(text: &str) -> Result<Url> {
    let url = Url::parse(text).map_err(|e| {
        Error::invalid(
            "base URL",
            format!("not a URL ({e}); give e.g. https://api.example.com"),
        )
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        // Never echo the URL: its userinfo may be a credential.
        return Err(Error::invalid(
            "base URL",
            "it holds a user name or password; give the token on stdin instead",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid(
            "base URL",
            "remove the query string or fragment",
        ));
    }
    if url.host().is_none() {
        return Err(Error::invalid("base URL", "it has no host"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(ProviderError::new(
            Kind::InsecureUrl,
            format!(
                "base URL {}: plain HTTP would send tokens and keys in the clear; use https:// (http:// is accepted only for loopback hosts)",
                url.host_str().unwrap_or_default()
            ),
        )
        .into()),
        other => Err(Error::invalid(
            "base URL",
            format!("scheme {other:?}; use https://"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_required_except_on_loopback() {
        check_base_url("https://api.example.com").unwrap();
        check_base_url("http://127.0.0.1:8080").unwrap();
        check_base_url("http://localhost:1").unwrap();
        check_base_url("http://[::1]:1").unwrap();
        let e = check_base_url("http://api.example.com").unwrap_err();
        assert_eq!(e.code(), "provider_insecure_url");
        let e = check_base_url("https://user:fixture-pass@api.example.com").unwrap_err();
        assert!(!e.to_string().contains("fixture-pass"));
        assert!(check_base_url("ftp://x").is_err());
    }

    #[test]
    fn urls_join_paths_and_encode_ids() {
        let p = ProviderProfile::new("acme", "https://api.example.com/v2/");
        assert_eq!(
            p.url(&p.paths.status, Some("a/b c")).unwrap().as_str(),
            "https://api.example.com/v2/api-keys/a%2Fb%20c/status"
        );
        assert_eq!(
            p.url("/api-keys", None).unwrap().as_str(),
            "https://api.example.com/v2/api-keys"
        );
    }

    #[test]
    fn the_query_scheme_needs_consent() {
        let mut p = ProviderProfile::new("acme", "https://api.example.com");
        p.key_scheme = KeyScheme::Query;
        assert!(p
            .validate()
            .unwrap_err()
            .to_string()
            .contains("--allow-insecure"));
        p.insecure_accepted = true;
        p.validate().unwrap();
    }

    #[test]
    fn profiles_round_trip_through_json() {
        let mut p = ProviderProfile::new("acme", "https://api.example.com");
        p.paths.set("list", "/v1/keys").unwrap();
        assert!(p.paths.set("nope", "/x").is_err());
        let store = crate::store::Store::open_in_memory().unwrap();
        store.read().insert_provider(&p).unwrap();
        let back = store.read().provider("acme").unwrap().unwrap();
        assert_eq!(back.paths.list, "/v1/keys");
        assert_eq!(back.key_scheme, p.key_scheme);
    }
}
