//! Strong local key generation from the OS CSPRNG.
//!
//! Characters are drawn uniformly (rejection sampling inside `rand`'s range sampling, no modulo
//! bias) from one of three alphabets. A prefix such as `sk_live_` counts in the total length but
//! not in the entropy. The pair form is seed 000's `id:secret` (16 + 32 characters).

use crate::{Error, Result, Secret};
use rand::rngs::OsRng;
use rand::{Rng, TryRngCore};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Default total length (seed 003 recommends 64 or more).
pub const DEFAULT_LENGTH: usize = 64;
/// Shortest length accepted without `allow_short`.
pub const MIN_LENGTH: usize = 32;
/// Longest length accepted.
pub const MAX_LENGTH: usize = 4096;

/// The characters a generated key is made of.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Alphabet {
    /// `A–Z a–z 0–9`.
    Base62,
    /// `0–9 a–f`.
    Hex,
    /// `A–Z a–z 0–9 - _`.
    Base64url,
}

impl Alphabet {
    /// The characters.
    pub fn chars(self) -> &'static [u8] {
        match self {
            Alphabet::Base62 => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            Alphabet::Hex => b"0123456789abcdef",
            Alphabet::Base64url => {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            }
        }
    }

    /// Bits of entropy per character.
    pub fn bits_per_char(self) -> f64 {
        (self.chars().len() as f64).log2()
    }
}

impl FromStr for Alphabet {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "base62" => Ok(Alphabet::Base62),
            "hex" => Ok(Alphabet::Hex),
            "base64url" => Ok(Alphabet::Base64url),
            other => Err(Error::invalid(
                "alphabet",
                format!("{other:?} is not one of base62, hex, base64url"),
            )),
        }
    }
}

/// What to generate.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Spec {
    /// Total length including the prefix (ignored for the pair form, which is 16 + 1 + 32).
    pub length: usize,
    pub alphabet: Alphabet,
    #[serde(default)]
    pub prefix: String,
    /// Seed 000's `id:secret` form.
    #[serde(default)]
    pub pair: bool,
    /// Accept lengths below [`MIN_LENGTH`].
    #[serde(default)]
    pub allow_short: bool,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            length: DEFAULT_LENGTH,
            alphabet: Alphabet::Base62,
            prefix: String::new(),
            pair: false,
            allow_short: false,
        }
    }
}

/// A generated key and its entropy.
#[derive(Debug)]
pub struct Generated {
    pub secret: Secret,
    /// Bits of entropy of the random part (the prefix adds none).
    pub entropy_bits: f64,
}

/// Checks a spec without generating anything.
pub fn validate(spec: &Spec) -> Result<()> {
    if spec
        .prefix
        .chars()
        .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(Error::invalid("prefix", "no spaces or control characters"));
    }
    if spec.pair {
        if !spec.prefix.is_empty() {
            return Err(Error::invalid(
                "prefix",
                "the pair form `id:secret` takes no prefix",
            ));
        }
        return Ok(());
    }
    if spec.length > MAX_LENGTH {
        return Err(Error::invalid(
            "length",
            format!("at most {MAX_LENGTH} characters"),
        ));
    }
    if spec.length < MIN_LENGTH && !spec.allow_short {
        return Err(Error::invalid(
            "length",
            format!("{} is shorter than {MIN_LENGTH}; 64 characters or more is recommended. Pass --allow-short if the provider demands it", spec.length),
        ));
    }
    let random = spec.length.saturating_sub(spec.prefix.len());
    if random < 16 {
        return Err(Error::invalid(
            "length",
            format!("leaves {random} random characters after the prefix; at least 16 are needed"),
        ));
    }
    Ok(())
}

/// Generates a key after `spec`.
pub fn generate(spec: &Spec) -> Result<Generated> {
    validate(spec)?;
    if spec.pair {
        let id = random_string(Alphabet::Base62, 16);
        let secret = random_string(Alphabet::Base62, 32);
        let entropy_bits = 48.0 * Alphabet::Base62.bits_per_char();
        return Ok(Generated {
            secret: Secret::new(format!("{id}:{secret}")),
            entropy_bits,
        });
    }
    let random = spec.length - spec.prefix.len();
    let mut value = String::with_capacity(spec.length);
    value.push_str(&spec.prefix);
    value.push_str(&random_string(spec.alphabet, random));
    Ok(Generated {
        secret: Secret::new(value),
        entropy_bits: random as f64 * spec.alphabet.bits_per_char(),
    })
}

fn random_string(alphabet: Alphabet, len: usize) -> String {
    let chars = alphabet.chars();
    // OsRng reads the kernel's CSPRNG; a failure there is not something we can work around.
    let mut rng = OsRng.unwrap_err();
    (0..len)
        .map(|_| chars[rng.random_range(0..chars.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_64_base62_characters_with_381_bits() {
        let g = generate(&Spec::default()).unwrap();
        assert_eq!(g.secret.len(), 64);
        assert!(g.secret.expose().bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!((g.entropy_bits - 381.0).abs() < 1.0, "{}", g.entropy_bits);
    }

    #[test]
    fn prefix_counts_in_length_not_in_entropy() {
        let spec = Spec {
            prefix: "sk_live_".into(),
            ..Spec::default()
        };
        let g = generate(&spec).unwrap();
        assert_eq!(g.secret.len(), 64);
        assert!(g.secret.expose().starts_with("sk_live_"));
        assert!((g.entropy_bits - 56.0 * 62f64.log2()).abs() < 1e-9);
    }

    #[test]
    fn pair_form_is_16_colon_32() {
        let g = generate(&Spec {
            pair: true,
            ..Spec::default()
        })
        .unwrap();
        let (id, secret) = g.secret.expose().split_once(':').unwrap();
        assert_eq!((id.len(), secret.len()), (16, 32));
    }

    #[test]
    fn hex_and_base64url_use_only_their_alphabet() {
        for a in [Alphabet::Hex, Alphabet::Base64url] {
            let g = generate(&Spec {
                alphabet: a,
                length: 200,
                ..Spec::default()
            })
            .unwrap();
            assert!(g.secret.expose().bytes().all(|b| a.chars().contains(&b)));
        }
    }

    #[test]
    fn short_keys_need_allow_short() {
        let spec = Spec {
            length: 24,
            ..Spec::default()
        };
        assert!(generate(&spec)
            .unwrap_err()
            .to_string()
            .contains("--allow-short"));
        let g = generate(&Spec {
            allow_short: true,
            ..spec
        })
        .unwrap();
        assert_eq!(g.secret.len(), 24);
    }

    #[test]
    fn a_prefix_that_leaves_too_little_randomness_is_refused() {
        let spec = Spec {
            length: 32,
            prefix: "x".repeat(20),
            ..Spec::default()
        };
        assert_eq!(generate(&spec).unwrap_err().code(), "invalid_input");
    }

    #[test]
    fn two_keys_differ_and_characters_are_spread() {
        let a = generate(&Spec::default()).unwrap();
        let b = generate(&Spec::default()).unwrap();
        assert_ne!(a.secret, b.secret);
        // 62 * 200 draws: every character of base62 should appear (chance of a miss ~ 62·e^-200).
        let g = generate(&Spec {
            length: 4096,
            ..Spec::default()
        })
        .unwrap();
        for c in Alphabet::Base62.chars() {
            assert!(g.secret.expose().as_bytes().contains(c));
        }
    }
}
