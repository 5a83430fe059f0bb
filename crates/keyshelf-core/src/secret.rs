//! The type every secret value travels in.
//!
//! A [`Secret`] zeroizes its memory on drop, prints `[redacted]` through `Debug` and `Display`,
//! and implements no `Serialize`, so a secret cannot reach a log line, an error text, a JSON file
//! or the web view by accident. Reading the value is the explicit call [`Secret::expose`].

use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// A secret value (an API key, a token, a client secret).
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a value. The `String`'s buffer is moved, not copied, and zeroized on drop.
    pub fn new(value: String) -> Self {
        Secret(SecretString::from(value))
    }

    /// The value itself. Every caller of this is a place a secret leaves the type: keep them few.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Length in bytes, for reports that must not show the value.
    pub fn len(&self) -> usize {
        self.expose().len()
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl Clone for Secret {
    fn clone(&self) -> Self {
        Secret::new(self.expose().to_owned())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        // Not constant-time: Keyshelf compares its own values, never attacker-supplied guesses.
        self.expose() == other.expose()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::from("sk_test_visible_value");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&s)), "Some([redacted])");
    }

    #[test]
    fn expose_returns_the_value() {
        let s = Secret::from("abc");
        assert_eq!(s.expose(), "abc");
        assert_eq!(s.len(), 3);
        assert_eq!(s.clone(), s);
    }
}
