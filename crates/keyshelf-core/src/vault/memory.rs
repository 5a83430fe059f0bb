//! An in-memory vault for unit tests. Never used by the shipped binaries.
//!
//! Besides keeping values, it can play the keychain's failures: refusing writes as a locked
//! keychain does ([`MemoryVault::fail_writes`]) and holding calls as a keychain that does not
//! answer ([`MemoryVault::hang`]), to test [`super::Deadline`].

use super::Vault;
use crate::{Error, Result, Secret};
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};

/// An in-memory vault for unit tests.
#[derive(Default)]
pub struct MemoryVault {
    items: Mutex<HashMap<String, String>>,
    /// How many more writes succeed; `None`: all of them.
    writes_left: Mutex<Option<usize>>,
    hanging: Mutex<bool>,
    released: Condvar,
}

impl MemoryVault {
    /// An empty vault.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every later `set` fail as a locked keychain would.
    pub fn fail_writes(&self, fail: bool) {
        *relock(self.writes_left.lock()) = fail.then_some(0);
    }

    /// Lets `n` more writes succeed, then fails every later one (a keychain locked half-way).
    pub fn fail_writes_after(&self, n: usize) {
        *relock(self.writes_left.lock()) = Some(n);
    }

    /// While `true`, every call blocks, as a keychain that does not answer; `hang(false)` lets
    /// the blocked calls go on and finish.
    pub fn hang(&self, hang: bool) {
        *relock(self.hanging.lock()) = hang;
        self.released.notify_all();
    }

    /// The accounts present, sorted.
    pub fn accounts(&self) -> Vec<String> {
        let mut v: Vec<String> = self.items().keys().cloned().collect();
        v.sort();
        v
    }

    fn items(&self) -> MutexGuard<'_, HashMap<String, String>> {
        relock(self.items.lock())
    }

    /// Blocks while the vault is told to hang.
    fn wait_while_hanging(&self) {
        let hanging = relock(self.hanging.lock());
        drop(relock(self.released.wait_while(hanging, |h| *h)));
    }
}

/// A poisoned lock only means another test thread panicked; the data itself is fine.
fn relock<G>(r: std::result::Result<G, std::sync::PoisonError<G>>) -> G {
    r.unwrap_or_else(|p| p.into_inner())
}

impl Vault for MemoryVault {
    fn set(&self, account: &str, secret: &Secret) -> Result<()> {
        self.wait_while_hanging();
        let mut left = relock(self.writes_left.lock());
        if let Some(n) = left.as_mut() {
            if *n == 0 {
                return Err(Error::KeychainLocked {
                    detail: "write refused (test vault)".into(),
                });
            }
            *n -= 1;
        }
        drop(left);
        self.items()
            .insert(account.to_owned(), secret.expose().to_owned());
        Ok(())
    }

    fn get(&self, account: &str) -> Result<Option<Secret>> {
        self.wait_while_hanging();
        Ok(self.items().get(account).map(|v| Secret::new(v.clone())))
    }

    fn delete(&self, account: &str) -> Result<bool> {
        self.wait_while_hanging();
        Ok(self.items().remove(account).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
