//! The OS keychain, the only place Keyshelf keeps secret values.
//!
//! [`Vault`] is a small trait so the rest of the core does not care which keychain it talks to:
//! [`KeyringVault`] is the real one (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows, through the `keyring` crate); [`MemoryVault`] keeps values in memory for
//! unit tests of other modules. There is deliberately no file-backed fallback.
//!
//! Convention (documented in the README so other tools can read the secrets): service
//! [`SERVICE`], account `<provider>/<name>` for the current secret of a key, `local/<name>` for
//! keys that belong to no provider, `<account>#previous` for the secret being rotated out, and
//! `provider:<name>` for a provider's management token.

use crate::{Error, Result, Secret};
use std::collections::HashMap;
use std::sync::Mutex;

/// The keychain service name every Keyshelf item is stored under.
pub const SERVICE: &str = "keyshelf";

/// The provider name of keys that belong to no provider.
pub const LOCAL_PROVIDER: &str = "local";

/// The keychain account of a key's current secret.
pub fn key_account(provider: &str, name: &str) -> String {
    format!("{provider}/{name}")
}

/// The keychain account of the secret a rotation is replacing.
pub fn previous_account(provider: &str, name: &str) -> String {
    format!("{provider}/{name}#previous")
}

/// The keychain account of a provider's management credential.
pub fn provider_account(provider: &str) -> String {
    format!("provider:{provider}")
}

/// A place secrets can be stored, read and deleted by account.
pub trait Vault: Send + Sync {
    /// Stores `secret` under `account`, replacing what was there.
    fn set(&self, account: &str, secret: &Secret) -> Result<()>;
    /// Reads the secret under `account`, `None` when there is none.
    fn get(&self, account: &str) -> Result<Option<Secret>>;
    /// Deletes the secret under `account`; `Ok(false)` when there was none.
    fn delete(&self, account: &str) -> Result<bool>;
}

/// The OS keychain through the `keyring` crate.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyringVault;

impl KeyringVault {
    /// Starts connecting to the keychain on a background thread, so a command that will read a
    /// secret overlaps the D-Bus handshake (most of a lookup's cost) with its store work.
    pub fn connect_in_background() {
        std::thread::spawn(|| {
            // The result is kept by `keyring` and reported by the first real call.
            let _ = keyring::Entry::store_status();
        });
    }

    fn entry(account: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(SERVICE, account).map_err(keychain_error)
    }
}

impl Vault for KeyringVault {
    fn set(&self, account: &str, secret: &Secret) -> Result<()> {
        Self::entry(account)?
            .set_password(secret.expose())
            .map_err(keychain_error)
    }

    fn get(&self, account: &str) -> Result<Option<Secret>> {
        match Self::entry(account)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(e)),
        }
    }

    fn delete(&self, account: &str) -> Result<bool> {
        match Self::entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(keychain_error(e)),
        }
    }
}

/// Turns a `keyring` error into one that says what is missing and how to fix it.
///
/// Only the errors' `Display` text is used: some variants carry the raw bytes of a value in their
/// fields, which must never reach a message.
fn keychain_error(e: keyring::Error) -> Error {
    match e {
        keyring::Error::NoDefaultStore => {
            let detail = match keyring::Entry::store_status() {
                Err(init) => init.to_string(),
                Ok(()) => "no credential store is configured".to_owned(),
            };
            Error::KeychainUnavailable { detail }
        }
        keyring::Error::NoStorageAccess(inner) => Error::KeychainLocked {
            detail: inner.to_string(),
        },
        keyring::Error::BadEncoding(_) => Error::Keychain {
            detail: "the stored value is not UTF-8 text".to_owned(),
        },
        keyring::Error::BadDataFormat(..) => Error::Keychain {
            detail: "the stored value is malformed".to_owned(),
        },
        other => {
            let detail = other.to_string();
            // A Secret Service that cannot be activated looks like a platform failure; say what it is.
            if detail.contains("ServiceUnknown") || detail.contains("org.freedesktop.secrets") {
                Error::KeychainUnavailable { detail }
            } else {
                Error::Keychain { detail }
            }
        }
    }
}

/// An in-memory vault for unit tests. Never used by the shipped binaries.
#[derive(Default)]
pub struct MemoryVault {
    items: Mutex<HashMap<String, String>>,
    fail_writes: Mutex<bool>,
}

impl MemoryVault {
    /// An empty vault.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every later `set` fail as a locked keychain would.
    pub fn fail_writes(&self, fail: bool) {
        if let Ok(mut f) = self.fail_writes.lock() {
            *f = fail;
        }
    }

    /// The accounts present, sorted.
    pub fn accounts(&self) -> Vec<String> {
        let mut v: Vec<String> = self.lock().keys().cloned().collect();
        v.sort();
        v
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        // A poisoned lock only means another test thread panicked; the map itself is fine.
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Vault for MemoryVault {
    fn set(&self, account: &str, secret: &Secret) -> Result<()> {
        if self.fail_writes.lock().map(|f| *f).unwrap_or(false) {
            return Err(Error::KeychainLocked {
                detail: "write refused (test vault)".into(),
            });
        }
        self.lock()
            .insert(account.to_owned(), secret.expose().to_owned());
        Ok(())
    }

    fn get(&self, account: &str) -> Result<Option<Secret>> {
        Ok(self.lock().get(account).map(|v| Secret::new(v.clone())))
    }

    fn delete(&self, account: &str) -> Result<bool> {
        Ok(self.lock().remove(account).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_follow_the_documented_convention() {
        assert_eq!(
            key_account("local", "dev-app-ci-2026-11"),
            "local/dev-app-ci-2026-11"
        );
        assert_eq!(previous_account("acme", "k"), "acme/k#previous");
        assert_eq!(provider_account("acme"), "provider:acme");
    }

    #[test]
    fn memory_vault_round_trips_and_reports_absence() {
        let v = MemoryVault::new();
        assert!(v.get("a").unwrap().is_none());
        v.set("a", &Secret::from("x")).unwrap();
        assert_eq!(v.get("a").unwrap().unwrap().expose(), "x");
        assert!(v.delete("a").unwrap());
        assert!(!v.delete("a").unwrap());
    }

    #[test]
    fn memory_vault_can_refuse_writes() {
        let v = MemoryVault::new();
        v.fail_writes(true);
        let err = v.set("a", &Secret::from("x")).unwrap_err();
        assert_eq!(err.code(), "keychain_locked");
        assert!(v.get("a").unwrap().is_none());
    }
}
