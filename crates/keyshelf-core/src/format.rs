//! The shapes a key's secret takes on its way into another tool: the raw value, an HTTP header
//! under the provider's key scheme, a `NAME='value'` line, or a ready-to-run `curl` command.
//!
//! Every rendering is a [`Secret`]: it contains the value, so it is redacted in Debug output and
//! never serialized. The scheme and the verify URL are parameters, so these functions work for
//! keys of any provider (and for local keys, whose scheme the user names).

use crate::provider::KeyScheme;
use crate::{Error, Result, Secret};
use serde::Serialize;
use std::str::FromStr;

/// How `copy` renders a key.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CopyFormat {
    /// The value alone.
    Raw,
    /// `Header: value` line(s) under the key's scheme.
    Header,
    /// `NAME='value'` with the key's variable name, quoted like `env --format shell` so that
    /// pasting it into a shell sets the value and runs nothing.
    Env,
    /// A `curl` command calling the provider's verify endpoint with the key.
    Curl,
}

/// Every format, in the order the CLI lists them.
pub const ALL_FORMATS: [CopyFormat; 4] = [
    CopyFormat::Raw,
    CopyFormat::Header,
    CopyFormat::Env,
    CopyFormat::Curl,
];

impl CopyFormat {
    /// The name on the command line and in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            CopyFormat::Raw => "raw",
            CopyFormat::Header => "header",
            CopyFormat::Env => "env",
            CopyFormat::Curl => "curl",
        }
    }
}

impl FromStr for CopyFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ALL_FORMATS
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "format",
                    format!("{s:?} is not one of raw, header, env, curl"),
                )
            })
    }
}

impl std::fmt::Display for CopyFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rendering needs to know about the key besides its value.
#[derive(Debug, Clone, Default)]
pub struct KeyContext {
    /// The key's name (for the default variable name).
    pub name: String,
    /// The key's own variable name, if set.
    pub var_name: Option<String>,
    /// The key's user (sent as `X-Username` under `x-api-key-username`).
    pub user: Option<String>,
    /// How the provider takes the key; `None` for a key without a provider profile.
    pub scheme: Option<KeyScheme>,
    /// The provider's verify endpoint (full URL), needed by `curl`.
    pub verify_url: Option<String>,
    /// The preset's or profile's description of the provider, which then says how the key is
    /// presented (templates such as `PRIVATE-TOKEN: {secret}`) instead of `scheme`.
    pub declared: Option<crate::provider::profile::Declared>,
    /// The key's id on its provider (templates may present it beside the secret).
    pub remote_id: Option<String>,
}

impl KeyContext {
    /// The context of a stored key: its provider profile, when it has one, gives the scheme and
    /// the verify URL (base URL + verify path).
    pub fn of(shelf: &crate::Keyshelf, key: &crate::store::KeyRecord) -> Result<Self> {
        let profile = shelf.store_ref().read().provider(&key.provider)?;
        let declared = match &profile {
            Some(p) => p.declared()?,
            None => None,
        };
        if let (Some(p), Some(d)) = (&profile, &declared) {
            let ctx = crate::provider::profile::template::Ctx {
                vars: Some(&d.vars),
                ..Default::default()
            };
            let verify_url = match d.op("verify").and_then(|op| op.path.as_deref()) {
                Some(path) => crate::provider::profile::template::render(path, &ctx)?
                    .map(|path| format!("{}{path}", p.base_url.trim_end_matches('/'))),
                None => None,
            };
            return Ok(KeyContext {
                name: key.name.clone(),
                var_name: key.var_name.clone(),
                user: key.user.clone(),
                scheme: None,
                verify_url,
                declared,
                remote_id: key.provider_key_id.clone(),
            });
        }
        let verify_url = profile.as_ref().and_then(|p| {
            p.verify_path.as_deref().map(|path| {
                format!(
                    "{}/{}",
                    p.base_url.trim_end_matches('/'),
                    path.trim_start_matches('/')
                )
            })
        });
        Ok(KeyContext {
            name: key.name.clone(),
            var_name: key.var_name.clone(),
            user: key.user.clone(),
            scheme: profile.map(|p| p.key_scheme),
            verify_url,
            declared: None,
            remote_id: None,
        })
    }

    /// The variable name used for this key: its own, else its name in UPPER_SNAKE_CASE.
    pub fn variable(&self) -> String {
        self.var_name
            .clone()
            .unwrap_or_else(|| upper_snake(&self.name))
    }
}

/// The scheme `header` uses for a key whose provider has none (local keys): the most common one.
pub const DEFAULT_HEADER_SCHEME: KeyScheme = KeyScheme::Bearer;

/// Renders `secret` in `format`.
pub fn render(format: CopyFormat, secret: &Secret, key: &KeyContext) -> Result<Secret> {
    match format {
        CopyFormat::Raw => Ok(secret.clone()),
        CopyFormat::Env => Ok(Secret::new(format!(
            "{}={}",
            key.variable(),
            shell_quote(secret.expose())
        ))),
        CopyFormat::Header => header(secret, key),
        CopyFormat::Curl => curl(secret, key),
    }
}

/// The key presented as its provider takes it.
fn present(secret: &Secret, key: &KeyContext) -> Result<crate::provider::Presentation> {
    // A scheme given for this copy (`--scheme`) wins over the provider's description.
    if let (None, Some(d)) = (key.scheme, &key.declared) {
        let ctx = crate::provider::profile::template::Ctx {
            vars: Some(&d.vars),
            id: key.remote_id.as_deref(),
            name: Some(&key.name),
            user: key.user.as_deref(),
            secret: Some(secret),
            ..Default::default()
        };
        return crate::provider::presentation::present(d, &ctx);
    }
    key.scheme
        .unwrap_or(DEFAULT_HEADER_SCHEME)
        .present(secret, key.user.as_deref())
}

fn header(secret: &Secret, key: &KeyContext) -> Result<Secret> {
    let scheme = key.scheme.unwrap_or(DEFAULT_HEADER_SCHEME);
    let p = present(secret, key)?;
    if p.headers.is_empty() {
        return Err(Error::invalid(
            "format",
            format!("the {scheme} scheme puts the key in the URL, not in a header; use --format curl or raw"),
        ));
    }
    let lines: Vec<String> = p
        .headers
        .iter()
        .map(|(name, value)| format!("{name}: {}", value.expose()))
        .collect();
    Ok(Secret::new(lines.join("\n")))
}

fn curl(secret: &Secret, key: &KeyContext) -> Result<Secret> {
    let url = key.verify_url.as_deref().filter(|u| !u.is_empty()).ok_or_else(|| {
        Error::invalid(
            "format",
            "curl needs the provider's verify URL and this key has none; give one with --url, or use --format header",
        )
    })?;
    let (scheme_part, rest) = url
        .split_once("://")
        .ok_or_else(|| Error::invalid("url", format!("{url:?} is not an absolute http(s) URL")))?;
    if scheme_part != "http" && scheme_part != "https" {
        return Err(Error::invalid(
            "url",
            format!("{url:?} is not an http(s) URL"),
        ));
    }
    let p = present(secret, key)?;
    let mut full = match &p.userinfo {
        Some((id, pass)) => format!(
            "{scheme_part}://{}:{}@{rest}",
            percent_encode(id),
            percent_encode(pass.expose())
        ),
        None => url.to_owned(),
    };
    if let Some((name, value)) = &p.query {
        full.push(if full.contains('?') { '&' } else { '?' });
        full.push_str(&format!("{name}={}", percent_encode(value.expose())));
    }
    let mut cmd = String::from("curl -sS");
    for (name, value) in &p.headers {
        cmd.push_str(" -H ");
        cmd.push_str(&shell_quote(&format!("{name}: {}", value.expose())));
    }
    cmd.push(' ');
    cmd.push_str(&shell_quote(&full));
    Ok(Secret::new(cmd))
}

/// A key name as an environment variable: `dev-app-ci-2026-11` → `DEV_APP_CI_2026_11`.
pub fn upper_snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_owned();
    match out.chars().next() {
        None => "KEY".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("KEY_{out}"),
        Some(_) => out,
    }
}

/// Quotes `s` for a POSIX shell: single quotes, each `'` written as `'\''`. Safe for any text.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Percent-encodes everything but RFC 3986 unreserved characters (for userinfo and query values).
fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(scheme: Option<KeyScheme>) -> KeyContext {
        KeyContext {
            name: "prod-shop-checkout-2026-11".into(),
            scheme,
            verify_url: Some("https://api.example.test/v1/verify".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_preset_presents_the_key_its_own_way_in_header_and_curl() {
        let p = crate::provider::ProviderProfile::declared_new(
            "gl",
            Some("gitlab"),
            None,
            None,
            Default::default(),
        )
        .unwrap();
        let k = KeyContext {
            name: "ci".into(),
            verify_url: Some("https://gitlab.com/api/v4/personal_access_tokens/self".into()),
            declared: p.declared().unwrap(),
            ..Default::default()
        };
        assert_eq!(r(CopyFormat::Header, "tok", &k), "PRIVATE-TOKEN: tok");
        assert!(r(CopyFormat::Curl, "tok", &k).contains("PRIVATE-TOKEN: tok"));
        // A scheme chosen for one copy wins.
        let mut bearer = k.clone();
        bearer.scheme = Some(KeyScheme::Bearer);
        assert_eq!(
            r(CopyFormat::Header, "tok", &bearer),
            "Authorization: Bearer tok"
        );
    }

    fn r(f: CopyFormat, v: &str, k: &KeyContext) -> String {
        render(f, &Secret::from(v), k).unwrap().expose().to_owned()
    }

    #[test]
    fn raw_is_the_value_alone() {
        assert_eq!(
            r(CopyFormat::Raw, "fixture-value", &ctx(None)),
            "fixture-value"
        );
    }

    #[test]
    fn header_follows_the_scheme_and_defaults_to_bearer() {
        assert_eq!(
            r(CopyFormat::Header, "v1", &ctx(None)),
            "Authorization: Bearer v1"
        );
        assert_eq!(
            r(CopyFormat::Header, "v1", &ctx(Some(KeyScheme::XApiKey))),
            "X-API-Key: v1"
        );
        assert_eq!(
            r(
                CopyFormat::Header,
                "v1",
                &ctx(Some(KeyScheme::ApiKeyHeader))
            ),
            "apikey: v1"
        );
        let mut k = ctx(Some(KeyScheme::XApiKeyUsername));
        k.user = Some("api_user".into());
        assert_eq!(
            r(CopyFormat::Header, "v1", &k),
            "X-API-Key: v1\nX-Username: api_user"
        );
        assert!(
            r(CopyFormat::Header, "id:sec", &ctx(Some(KeyScheme::Basic)))
                .starts_with("Authorization: Basic ")
        );
    }

    #[test]
    fn header_refuses_schemes_that_use_the_url() {
        let e = render(
            CopyFormat::Header,
            &Secret::from("id:sec"),
            &ctx(Some(KeyScheme::Query)),
        )
        .unwrap_err();
        assert!(e.to_string().contains("--format curl"));
    }

    #[test]
    fn env_uses_the_variable_name_or_upper_snake_case() {
        assert_eq!(
            r(CopyFormat::Env, "v1", &ctx(None)),
            "PROD_SHOP_CHECKOUT_2026_11='v1'"
        );
        let mut k = ctx(None);
        k.var_name = Some("STRIPE_API_KEY".into());
        assert_eq!(r(CopyFormat::Env, "v1", &k), "STRIPE_API_KEY='v1'");
        assert_eq!(upper_snake("2026 key"), "KEY_2026_KEY");
        assert_eq!(upper_snake("--"), "KEY");
        assert_eq!(upper_snake("a.b--c"), "A_B_C");
    }

    /// Values that run code or split words when pasted unquoted after `NAME=` (issue 13, 7).
    fn hostile(marker: &str) -> Vec<String> {
        vec![
            format!("$(touch {marker})"),
            format!("`touch {marker}`"),
            format!("v; touch {marker}"),
            format!("v && touch {marker} #"),
            format!("v | touch {marker}"),
            format!("it's $(touch {marker})"),
            format!("two words\nthen touch {marker}"),
            "$HOME \"x\" \\n *".to_owned(),
            String::new(),
        ]
    }

    #[test]
    fn env_quotes_hostile_values_as_env_shell_does() {
        let mut k = ctx(None);
        k.var_name = Some("KEY".into());
        assert_eq!(
            r(CopyFormat::Env, "$(touch /tmp/x)", &k),
            "KEY='$(touch /tmp/x)'"
        );
        assert_eq!(r(CopyFormat::Env, "a;b c", &k), "KEY='a;b c'");
        assert_eq!(r(CopyFormat::Env, "`id`", &k), "KEY='`id`'");
        assert_eq!(r(CopyFormat::Env, "it's", &k), r"KEY='it'\''s'");
        // One rule: the copy line is `env --format shell`'s line without `export `.
        for v in hostile("/nonexistent") {
            let shell = crate::inject::render_env(
                &[("KEY".to_owned(), Secret::from(v.as_str()))],
                crate::inject::EnvFormat::Shell,
            )
            .unwrap();
            let line = r(CopyFormat::Env, &v, &k);
            assert_eq!(format!("export {line}\n"), shell.expose(), "{v:?}");
        }
    }

    #[test]
    fn env_line_pasted_into_sh_sets_exactly_the_value_and_runs_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("ran");
        let marker = marker.to_str().unwrap();
        let mut k = ctx(None);
        k.var_name = Some("KS_PASTED".into());
        for v in hostile(marker) {
            let line = r(CopyFormat::Env, &v, &k);
            let out = std::process::Command::new("sh")
                .args(["-c", &format!("{line}\nprintf %s \"$KS_PASTED\"")])
                .env_remove("KS_PASTED")
                .output()
                .unwrap();
            assert!(out.status.success(), "{v:?}: {out:?}");
            assert_eq!(String::from_utf8(out.stdout).unwrap(), v);
            assert!(
                !std::path::Path::new(marker).exists(),
                "pasting the env line of {v:?} ran a command"
            );
        }
    }

    #[test]
    fn curl_calls_the_verify_url_with_the_key_quoted() {
        assert_eq!(
            r(CopyFormat::Curl, "it's", &ctx(None)),
            r"curl -sS -H 'Authorization: Bearer it'\''s' 'https://api.example.test/v1/verify'"
        );
        let basic_url = r(CopyFormat::Curl, "id:s/ec", &ctx(Some(KeyScheme::BasicUrl)));
        assert_eq!(
            basic_url,
            "curl -sS 'https://id:s%2Fec@api.example.test/v1/verify'"
        );
        let q = r(CopyFormat::Curl, "a b", &ctx(Some(KeyScheme::Query)));
        assert!(q.ends_with("verify?apikey=a%20b'"), "{q}");
    }

    #[test]
    fn curl_without_a_url_is_refused_clearly() {
        let mut k = ctx(None);
        k.verify_url = None;
        let e = render(CopyFormat::Curl, &Secret::from("v"), &k).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(e.to_string().contains("verify URL"));
        k.verify_url = Some("ftp://x".into());
        assert!(render(CopyFormat::Curl, &Secret::from("v"), &k).is_err());
    }

    #[test]
    fn formats_round_trip_their_names() {
        for f in ALL_FORMATS {
            assert_eq!(f.as_str().parse::<CopyFormat>().unwrap(), f);
        }
        assert!("xml".parse::<CopyFormat>().is_err());
    }
}
