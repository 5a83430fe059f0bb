//! The ways real providers take an API key (the seeds), and how a key is presented under each.
//!
//! | scheme               | seed | on the wire                                        |
//! |----------------------|------|----------------------------------------------------|
//! | `apikey`             | 000  | `apikey: <key>` header (recommended by 000)         |
//! | `basic`              | 000  | HTTP Basic, the key split at its first `:`          |
//! | `basic-url`          | 000  | `https://id:secret@host/…` (000: not recommended)   |
//! | `query`              | 000  | `?apikey=<key>` (000: insecure, 001: never)         |
//! | `bearer`             | 001, 002 | `Authorization: Bearer <key>`                   |
//! | `x-api-key`          | 001  | `X-API-Key: <key>`                                  |
//! | `x-api-key-username` | 004  | `X-API-Key: <key>` and `X-Username: <user>`         |

use crate::{Error, Result, Secret};
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// How a provider takes a key.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyScheme {
    #[serde(rename = "apikey")]
    ApiKeyHeader,
    Basic,
    BasicUrl,
    Query,
    Bearer,
    XApiKey,
    XApiKeyUsername,
}

/// Every scheme, in the order the seeds present them.
pub const ALL_SCHEMES: [KeyScheme; 7] = [
    KeyScheme::ApiKeyHeader,
    KeyScheme::Basic,
    KeyScheme::BasicUrl,
    KeyScheme::Query,
    KeyScheme::Bearer,
    KeyScheme::XApiKey,
    KeyScheme::XApiKeyUsername,
];

impl KeyScheme {
    /// The name used on the command line, in the store and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyScheme::ApiKeyHeader => "apikey",
            KeyScheme::Basic => "basic",
            KeyScheme::BasicUrl => "basic-url",
            KeyScheme::Query => "query",
            KeyScheme::Bearer => "bearer",
            KeyScheme::XApiKey => "x-api-key",
            KeyScheme::XApiKeyUsername => "x-api-key-username",
        }
    }

    /// The seeds' warning about this scheme, if they give one.
    pub fn warning(self) -> Option<&'static str> {
        match self {
            KeyScheme::BasicUrl => Some(
                "Basic authorization in the URL is not recommended: the key is part of the URL, which proxies and tools may log. Use it only when a header cannot be sent.",
            ),
            KeyScheme::Query => Some(
                "The key in the query string is insecure: URLs end up in server logs, browser history and referrer headers.",
            ),
            _ => None,
        }
    }

    /// Whether the user must explicitly accept the scheme's risk before it is used.
    pub fn needs_insecure_consent(self) -> bool {
        self == KeyScheme::Query
    }

    /// Presents `key` (with the key's `user` for `x-api-key-username`) under this scheme.
    pub fn present(self, key: &Secret, user: Option<&str>) -> Result<Presentation> {
        let value = key.expose();
        let mut p = Presentation::default();
        match self {
            KeyScheme::ApiKeyHeader => p.headers.push(("apikey".into(), key.clone())),
            KeyScheme::Bearer => p.headers.push((
                "Authorization".into(),
                Secret::new(format!("Bearer {value}")),
            )),
            KeyScheme::XApiKey => p.headers.push(("X-API-Key".into(), key.clone())),
            KeyScheme::XApiKeyUsername => {
                let user = user.filter(|u| !u.is_empty()).ok_or_else(|| {
                    Error::invalid("user", "this provider's scheme (x-api-key-username) sends the key's user as X-Username beside the key; set it with --user")
                })?;
                p.headers.push(("X-API-Key".into(), key.clone()));
                p.headers
                    .push(("X-Username".into(), Secret::new(user.to_owned())));
            }
            KeyScheme::Basic => {
                let encoded =
                    base64::engine::general_purpose::STANDARD.encode(split_pair(value)?.join(":"));
                p.headers.push((
                    "Authorization".into(),
                    Secret::new(format!("Basic {encoded}")),
                ));
            }
            KeyScheme::BasicUrl => {
                let [id, secret] = split_pair(value)?;
                p.userinfo = Some((id.to_owned(), Secret::new(secret.to_owned())));
            }
            KeyScheme::Query => p.query = Some(("apikey".into(), key.clone())),
        }
        Ok(p)
    }
}

/// Seed 000's keys are `id:secret`; the Basic schemes need both halves.
fn split_pair(value: &str) -> Result<[&str; 2]> {
    match value.split_once(':') {
        Some((id, secret)) if !id.is_empty() && !secret.is_empty() => Ok([id, secret]),
        _ => Err(Error::invalid(
            "key",
            "the Basic schemes need an `id:secret` key (the id is the user name, the secret the password); this key has no `:`",
        )),
    }
}

impl FromStr for KeyScheme {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ALL_SCHEMES
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = ALL_SCHEMES.iter().map(|k| k.as_str()).collect();
                Error::invalid(
                    "key scheme",
                    format!("{s:?} is not one of {}", names.join(", ")),
                )
            })
    }
}

impl std::fmt::Display for KeyScheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a key goes on a request. Every value is a [`Secret`], header values included.
#[derive(Debug, Default)]
pub struct Presentation {
    /// Header name and value.
    pub headers: Vec<(String, Secret)>,
    /// `user:password@` in the URL.
    pub userinfo: Option<(String, Secret)>,
    /// A query parameter.
    pub query: Option<(String, Secret)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(p: &Presentation, name: &str) -> String {
        p.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.expose().to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn every_scheme_round_trips_its_name() {
        for s in ALL_SCHEMES {
            assert_eq!(s.as_str().parse::<KeyScheme>().unwrap(), s);
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert!("nope"
            .parse::<KeyScheme>()
            .unwrap_err()
            .to_string()
            .contains("x-api-key-username"));
    }

    #[test]
    fn headers_follow_the_seeds() {
        let k = Secret::from("e047nbp2UnWuHD9m:Xqc37DHP");
        assert_eq!(
            header(
                &KeyScheme::ApiKeyHeader.present(&k, None).unwrap(),
                "apikey"
            ),
            k.expose()
        );
        assert_eq!(
            header(
                &KeyScheme::Bearer.present(&k, None).unwrap(),
                "Authorization"
            ),
            format!("Bearer {}", k.expose())
        );
        let basic = KeyScheme::Basic.present(&k, None).unwrap();
        let expected =
            base64::engine::general_purpose::STANDARD.encode("e047nbp2UnWuHD9m:Xqc37DHP");
        assert_eq!(header(&basic, "Authorization"), format!("Basic {expected}"));
        let url = KeyScheme::BasicUrl.present(&k, None).unwrap();
        let (user, pass) = url.userinfo.unwrap();
        assert_eq!(
            (user.as_str(), pass.expose()),
            ("e047nbp2UnWuHD9m", "Xqc37DHP")
        );
        let q = KeyScheme::Query.present(&k, None).unwrap().query.unwrap();
        assert_eq!(q.0, "apikey");
    }

    #[test]
    fn x_api_key_username_needs_the_user() {
        let k = Secret::from("sk_live_x");
        let p = KeyScheme::XApiKeyUsername
            .present(&k, Some("api_user_prod"))
            .unwrap();
        assert_eq!(header(&p, "X-API-Key"), "sk_live_x");
        assert_eq!(header(&p, "X-Username"), "api_user_prod");
        assert!(KeyScheme::XApiKeyUsername.present(&k, None).is_err());
    }

    #[test]
    fn basic_needs_a_pair() {
        assert!(KeyScheme::Basic
            .present(&Secret::from("nocolon"), None)
            .is_err());
        assert!(KeyScheme::BasicUrl
            .present(&Secret::from(":x"), None)
            .is_err());
    }

    #[test]
    fn risky_schemes_carry_the_seeds_warnings() {
        assert!(KeyScheme::BasicUrl
            .warning()
            .unwrap()
            .contains("not recommended"));
        assert!(KeyScheme::Query.needs_insecure_consent());
        assert!(KeyScheme::Bearer.warning().is_none());
    }
}
