//! The OS keychain, the only place Keyshelf keeps secret values.
//!
//! [`Vault`] is a small trait so the rest of the core does not care which keychain it talks to:
//! [`KeyringVault`] (in `keyring.rs`) is the real one (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows, through the `keyring` crate), every call under a deadline;
//! [`MemoryVault`] (in `memory.rs`) keeps values in memory for unit tests of other modules. There
//! is deliberately no file-backed fallback. [`Deadline`] is the deadline itself, a wrapper around
//! any vault, so its behaviour is tested on the in-memory store.
//!
//! Convention (documented in the README so other tools can read the secrets): service
//! [`SERVICE`], account `<provider>/<name>` for the current secret of a key, `local/<name>` for
//! keys that belong to no provider, `<account>#previous` for the secret being rotated out, and
//! `provider:<name>` for a provider's management token.

mod keyring;
mod memory;

pub use self::keyring::{timeout, KeyringVault, DEFAULT_TIMEOUT, TIMEOUT_ENV};
pub use self::memory::MemoryVault;

use crate::{Error, Result, Secret};
use std::sync::{mpsc, Arc};
use std::time::Duration;

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
    /// Reads the secrets under several accounts, in order: what `exec` and `env` need. A
    /// keychain that can do better than one call after the other (one thread under one deadline,
    /// see [`Deadline`]) says so here.
    fn get_many(&self, accounts: &[String]) -> Result<Vec<Option<Secret>>> {
        accounts.iter().map(|a| self.get(a)).collect()
    }
}

/// A vault whose every call gives up after `limit` with [`Error::KeychainTimeout`].
///
/// A keychain can hold a call forever: a Secret Service that owns its bus name before it is ready
/// (KeePassXC in its first seconds), or one waiting on a prompt nobody sees. Each call runs on a
/// thread of its own and the caller waits at most `limit` for it.
///
/// What a caller can rely on when a call times out: Keyshelf's side did nothing with the result.
/// Every caller writes its store row only after the keychain call returned `Ok` (or inside the
/// transaction the error rolls back), so a timed-out `set` never leaves a row that points at a
/// secret. What it cannot rely on: that the keychain did nothing. The request may already be on
/// the bus, and the abandoned thread may still finish it later: a timed-out `set` can land after
/// the caller gave up (an orphan item, or a value replaced late), a timed-out `delete` can still
/// delete. The CLI exits right after the error, which ends the thread, but a request already
/// queued at the Secret Service is served when it wakes up.
pub struct Deadline<V> {
    inner: Arc<V>,
    limit: Duration,
    service: fn() -> String,
}

impl<V: Vault + 'static> Deadline<V> {
    /// `inner` with a deadline of `limit` on every call; `service` names the keychain in the
    /// error (it is asked only once a call has timed out).
    pub fn new(inner: Arc<V>, limit: Duration, service: fn() -> String) -> Self {
        Self {
            inner,
            limit,
            service,
        }
    }

    /// Runs `call` on its own thread and waits for it at most `self.limit`.
    fn run<T: Send + 'static>(
        &self,
        call: impl FnOnce(&V) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let inner = Arc::clone(&self.inner);
        match within(self.limit, move || call(&inner)) {
            Some(result) => result,
            None => Err(Error::KeychainTimeout {
                service: (self.service)(),
                secs: self.limit.as_secs(),
            }),
        }
    }
}

impl<V: Vault + 'static> Vault for Deadline<V> {
    fn set(&self, account: &str, secret: &Secret) -> Result<()> {
        let (account, secret) = (account.to_owned(), secret.clone());
        self.run(move |v| v.set(&account, &secret))
    }

    fn get(&self, account: &str) -> Result<Option<Secret>> {
        let account = account.to_owned();
        self.run(move |v| v.get(&account))
    }

    fn delete(&self, account: &str) -> Result<bool> {
        let account = account.to_owned();
        self.run(move |v| v.delete(&account))
    }

    /// Every read on one thread under one deadline: a thread per read would cost more than the
    /// reads themselves once the Secret Service session is open.
    fn get_many(&self, accounts: &[String]) -> Result<Vec<Option<Secret>>> {
        let accounts = accounts.to_vec();
        self.run(move |v| v.get_many(&accounts))
    }
}

/// Runs `f` on a thread of its own and returns its result if it comes within `limit`, `None`
/// otherwise (the thread is left to finish or to die with the process).
pub(crate) fn within<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    // Capacity 1: a late result is dropped into the buffer, never blocks the abandoned thread.
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("keychain-call".into())
        .spawn(move || {
            let _ = tx.send(f());
        });
    if spawned.is_err() {
        return None;
    }
    rx.recv_timeout(limit).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn accounts_follow_the_documented_convention() {
        assert_eq!(
            key_account("local", "dev-app-ci-2026-11"),
            "local/dev-app-ci-2026-11"
        );
        assert_eq!(previous_account("acme", "k"), "acme/k#previous");
        assert_eq!(provider_account("acme"), "provider:acme");
    }

    fn test_service() -> String {
        "test-keychain".into()
    }

    #[test]
    fn a_hung_call_fails_with_keychain_timeout_at_the_deadline() {
        let memory = Arc::new(MemoryVault::new());
        let vault = Deadline::new(Arc::clone(&memory), Duration::from_secs(1), test_service);
        memory.hang(true);
        let started = Instant::now();
        let err = vault.set("a", &Secret::from("x")).unwrap_err();
        let took = started.elapsed();
        assert_eq!(err.code(), "keychain_timeout");
        assert!(err.to_string().contains("test-keychain"), "{err}");
        assert!(err.to_string().contains("1 s"), "{err}");
        assert!(
            took >= Duration::from_secs(1) && took < Duration::from_millis(1500),
            "returned after {took:?}"
        );
        for err in [
            vault.get("a").map(drop).unwrap_err(),
            vault.delete("a").map(drop).unwrap_err(),
            vault
                .get_many(&["a".into(), "b".into()])
                .map(drop)
                .unwrap_err(),
        ] {
            assert_eq!(err.code(), "keychain_timeout");
        }
        memory.hang(false);
    }

    #[test]
    fn a_timed_out_write_may_still_land_later() {
        // The documented limit of the deadline: the abandoned call is not cancelled.
        let memory = Arc::new(MemoryVault::new());
        let vault = Deadline::new(Arc::clone(&memory), Duration::from_secs(1), test_service);
        memory.hang(true);
        assert!(vault.set("late", &Secret::from("x")).is_err());
        assert!(memory.accounts().is_empty());
        memory.hang(false);
        let until = Instant::now() + Duration::from_secs(5);
        while memory.accounts().is_empty() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(memory.accounts(), ["late"]);
    }

    #[test]
    fn calls_within_the_deadline_pass_through_with_their_own_errors() {
        let memory = Arc::new(MemoryVault::new());
        let vault = Deadline::new(Arc::clone(&memory), Duration::from_secs(5), test_service);
        vault.set("a", &Secret::from("x")).unwrap();
        assert_eq!(vault.get("a").unwrap().unwrap().expose(), "x");
        vault.set("b", &Secret::from("y")).unwrap();
        let many = vault
            .get_many(&["b".into(), "none".into(), "a".into()])
            .unwrap();
        let many: Vec<_> = many
            .iter()
            .map(|s| s.as_ref().map(Secret::expose))
            .collect();
        assert_eq!(many, [Some("y"), None, Some("x")]);
        assert!(vault.delete("a").unwrap());
        assert!(!vault.delete("a").unwrap());
        memory.fail_writes(true);
        let err = vault.set("a", &Secret::from("x")).unwrap_err();
        assert_eq!(err.code(), "keychain_locked");
    }
}
