//! Key names, key references and the naming convention.
//!
//! A name is 1–128 characters, with no `/` (it separates provider from name in a reference and an
//! account), no `#` (it marks the `#previous` account) and no control characters. A reference
//! (`KEYREF`) is `NAME` when the name is unique, else `PROVIDER/NAME`.

use crate::{Error, Result};
use chrono::{Datelike, NaiveDate};

/// The longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 128;

/// Checks a key name against the rules above.
pub fn validate_name(name: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::InvalidName {
            name: printable(name),
            why: why.to_owned(),
        })
    };
    let chars = name.chars().count();
    if chars == 0 {
        return bad("a name cannot be empty");
    }
    if chars > MAX_NAME_CHARS {
        return bad("a name has at most 128 characters");
    }
    if name.contains('/') {
        return bad("`/` separates provider and name, it cannot be part of a name");
    }
    if name.contains('#') {
        return bad("`#` is reserved for the `#previous` keychain entry of a rotation");
    }
    if name.chars().any(char::is_control) {
        return bad("control characters (newline, tab, NUL…) are not allowed");
    }
    if name.trim() != name {
        return bad("leading or trailing spaces are not allowed");
    }
    if name == "." || name == ".." {
        return bad("`.` and `..` are not names");
    }
    Ok(())
}

/// Checks a provider name: the same rules as a key name, plus no `:`.
pub fn validate_provider_name(name: &str) -> Result<()> {
    validate_name(name).map_err(|e| match e {
        Error::InvalidName { name, why } => Error::invalid(format!("provider name {name:?}"), why),
        other => other,
    })?;
    if name.contains(':') {
        return Err(Error::invalid(
            format!("provider name {name:?}"),
            "`:` is not allowed",
        ));
    }
    Ok(())
}

/// A parsed `KEYREF`: a name, and the provider when one was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    pub provider: Option<String>,
    pub name: String,
}

impl KeyRef {
    /// Parses `NAME` or `PROVIDER/NAME`.
    pub fn parse(text: &str) -> Result<Self> {
        match text.split_once('/') {
            Some((provider, name)) => {
                validate_provider_name(provider)?;
                validate_name(name)?;
                Ok(KeyRef {
                    provider: Some(provider.to_owned()),
                    name: name.to_owned(),
                })
            }
            None => {
                validate_name(text)?;
                Ok(KeyRef {
                    provider: None,
                    name: text.to_owned(),
                })
            }
        }
    }
}

impl std::fmt::Display for KeyRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.provider {
            Some(p) => write!(f, "{p}/{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// Suggests a name after seed 004's convention `<env>-<app>-<purpose>-<YYYY-MM>`.
pub fn suggest_name(env: &str, app: &str, purpose: &str, on: NaiveDate) -> String {
    let part = |s: &str| {
        let slug: String = s
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        slug.split('-')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("-")
    };
    let parts: Vec<String> = [part(env), part(app), part(purpose)]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    format!("{}-{:04}-{:02}", parts.join("-"), on.year(), on.month())
}

/// A name made safe to show in a message: control characters escaped, long names cut.
pub fn printable(name: &str) -> String {
    let mut out: String = name
        .chars()
        .take(64)
        .flat_map(char::escape_default)
        .collect();
    if name.chars().count() > 64 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_names_pass() {
        for n in [
            "prod-api-server-main-2025-01",
            "a",
            "Stripe key (old)",
            &"x".repeat(128),
            "ключ",
        ] {
            validate_name(n).unwrap();
        }
    }

    #[test]
    fn bad_names_are_refused_with_the_reason() {
        let cases = [
            ("", "empty"),
            ("a/b", "`/`"),
            ("a#b", "`#`"),
            ("a\nb", "control"),
            ("a\0b", "control"),
            (" a", "spaces"),
            ("..", "`..`"),
        ];
        for (name, why) in cases {
            let err = validate_name(name).unwrap_err();
            assert_eq!(err.code(), "invalid_name", "{name:?}");
            assert!(err.to_string().contains(why), "{name:?}: {err}");
        }
        assert!(validate_name(&"x".repeat(129))
            .unwrap_err()
            .to_string()
            .contains("128"));
    }

    #[test]
    fn keyrefs_parse_with_and_without_provider() {
        assert_eq!(
            KeyRef::parse("k").unwrap(),
            KeyRef {
                provider: None,
                name: "k".into()
            }
        );
        let r = KeyRef::parse("acme/k").unwrap();
        assert_eq!(r.provider.as_deref(), Some("acme"));
        assert_eq!(r.to_string(), "acme/k");
        assert!(KeyRef::parse("acme/k/x").is_err());
        assert!(KeyRef::parse("/k").is_err());
    }

    #[test]
    fn suggestion_follows_the_seed_convention() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 15).unwrap();
        assert_eq!(
            suggest_name("prod", "API Server", "main", d),
            "prod-api-server-main-2025-01"
        );
        assert_eq!(
            suggest_name("dev", "", "local  machine", d),
            "dev-local-machine-2025-01"
        );
    }

    #[test]
    fn printable_escapes_control_characters() {
        assert_eq!(printable("a\nb"), "a\\nb");
        assert!(printable(&"y".repeat(200)).ends_with('…'));
    }
}
