//! A secret a provider issues (create, roll, rotate) is untrusted input like an imported one:
//! the same limits hold, but nothing is trimmed or kept with a warning, since Keyshelf cannot
//! ask the provider what it meant. A refused value fails the call with `provider_bad_response`
//! and names the key's id on the provider, which now holds a key nobody has: the user deletes it.

use super::errors::{Kind, ProviderError};
use crate::shelf::MAX_SECRET_BYTES;
use crate::{Result, Secret};

/// Checks a value the provider issued for its key `key_id` of provider `provider`; `label` is
/// the request (`POST /api-keys/generate`). The value itself never reaches the error.
pub fn check_issued(value: String, provider: &str, key_id: &str, label: &str) -> Result<Secret> {
    let secret = Secret::new(value);
    match problem(secret.expose()) {
        None => Ok(secret),
        Some(why) => Err(ProviderError::new(
            Kind::BadResponse,
            format!(
                "{label}: the provider issued a value Keyshelf refuses for its key id {key_id} ({why}); nothing was stored. That key now exists on the provider with a value nobody holds: delete it, with `keyshelf sync --provider {provider}` and then `keyshelf delete` on the key listed with id {key_id}, or in the provider's console."
            ),
        )
        .into()),
    }
}

/// What is wrong with an issued value, `None` when it can be kept as it is.
fn problem(value: &str) -> Option<String> {
    if value.is_empty() {
        return Some("it is empty".into());
    }
    if value.len() > MAX_SECRET_BYTES {
        return Some(format!(
            "it is {} bytes, more than the {MAX_SECRET_BYTES} an API key can plausibly be",
            value.len()
        ));
    }
    if value.chars().any(char::is_control) {
        return Some("it contains control characters".into());
    }
    if value.trim() != value {
        return Some("it has leading or trailing whitespace".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_an_import_would_refuse_or_warn_about_is_refused() {
        for bad in [
            String::new(),
            "a\0b".into(),
            "a\nb".into(),
            "abc\n".into(),
            "\tabc".into(),
            " abc".into(),
            "abc ".into(),
            "a\u{1b}[2Jb".into(),
            "x".repeat(MAX_SECRET_BYTES + 1),
        ] {
            let e = check_issued(bad.clone(), "acme", "42", "POST /g").unwrap_err();
            assert_eq!(e.code(), "provider_bad_response", "{bad:?}");
            let msg = e.to_string();
            assert!(msg.contains("key id 42") && msg.contains("keyshelf sync --provider acme"));
        }
        let ok = check_issued("sk_live_ok value".into(), "acme", "42", "POST /g").unwrap();
        assert_eq!(ok.expose(), "sk_live_ok value");
        let max = "x".repeat(MAX_SECRET_BYTES);
        assert!(check_issued(max, "acme", "42", "POST /g").is_ok());
    }
}
