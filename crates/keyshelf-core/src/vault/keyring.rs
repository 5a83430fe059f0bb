//! The OS keychain through the `keyring` crate, every call under a deadline.
//!
//! The deadline is [`DEFAULT_TIMEOUT`], or the whole number of seconds in the environment
//! variable [`TIMEOUT_ENV`]. On expiry a call fails with [`Error::KeychainTimeout`], naming the
//! process that owns the Secret Service's bus name when it can be learned quickly; see
//! [`super::Deadline`] for what a caller can and cannot rely on after a timeout.
//!
//! A Secret Service daemon can die or restart under a running process (gnome-keyring 42 aborts
//! now and then on a race in its client tracking; systemd or D-Bus activation starts it again).
//! A call that meets a daemon gone away connects afresh and is made once more: see
//! [`Keyring::call`].

use super::{Deadline, Vault, SERVICE};
use crate::{Error, Result, Secret};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// How long a keychain call may take when [`TIMEOUT_ENV`] does not say otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The environment variable that sets the deadline of keychain calls, in whole seconds.
pub const TIMEOUT_ENV: &str = "KEYSHELF_KEYCHAIN_TIMEOUT";

/// The bus name every Secret Service implementation owns.
#[cfg(all(unix, not(target_os = "macos")))]
const SECRET_SERVICE_BUS_NAME: &str = "org.freedesktop.secrets";

/// How long to spend learning who owns the Secret Service's name, after a call timed out.
#[cfg(all(unix, not(target_os = "macos")))]
const OWNER_LOOKUP_LIMIT: Duration = Duration::from_secs(1);

/// Whether [`KeyringVault::connect_in_background`]'s thread is still connecting, and the signal
/// it gives when it is done.
static CONNECTING: (Mutex<bool>, Condvar) = (Mutex::new(false), Condvar::new());

/// The OS keychain through the `keyring` crate.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyringVault;

impl KeyringVault {
    /// Starts connecting to the keychain on a background thread, so a command that will read a
    /// secret overlaps the D-Bus handshake (most of a lookup's cost) with its store work.
    ///
    /// Nothing waits for this thread: a keychain that does not answer keeps only it. The first
    /// real call waits for the same connection, under its deadline like every call.
    pub fn connect_in_background() {
        *CONNECTING.0.lock().unwrap_or_else(|p| p.into_inner()) = true;
        std::thread::spawn(|| {
            // The result is kept by `keyring` and reported by the first real call.
            let _ = ::keyring::Entry::store_status();
            let (connecting, done) = &CONNECTING;
            *connecting.lock().unwrap_or_else(|p| p.into_inner()) = false;
            done.notify_all();
        });
    }

    /// Waits (at most `limit`) until a connection started by [`Self::connect_in_background`]
    /// has finished its handshake. For the fault-injection point that kills the process on
    /// purpose: gnome-keyring aborts when a client vanishes in the middle of opening its
    /// session (a known gnome-keyring bug: a NULL client in the session negotiation), which would
    /// take every other test's keychain down with it.
    pub fn settle(limit: Duration) {
        let (connecting, done) = &CONNECTING;
        let guard = connecting.lock().unwrap_or_else(|p| p.into_inner());
        let _ = done.wait_timeout_while(guard, limit, |busy| *busy);
    }

    /// The keyring with the deadline of this process's environment.
    fn deadlined() -> Deadline<Keyring> {
        Deadline::new(Arc::new(Keyring), timeout(), keychain_name)
    }
}

impl Vault for KeyringVault {
    fn set(&self, account: &str, secret: &Secret) -> Result<()> {
        Self::deadlined().set(account, secret)
    }

    fn get(&self, account: &str) -> Result<Option<Secret>> {
        Self::deadlined().get(account)
    }

    fn delete(&self, account: &str) -> Result<bool> {
        Self::deadlined().delete(account)
    }

    fn get_many(&self, accounts: &[String]) -> Result<Vec<Option<Secret>>> {
        Self::deadlined().get_many(accounts)
    }
}

/// The deadline of keychain calls: [`TIMEOUT_ENV`] when it holds a positive whole number of
/// seconds, [`DEFAULT_TIMEOUT`] otherwise.
pub fn timeout() -> Duration {
    let Ok(value) = std::env::var(TIMEOUT_ENV) else {
        return DEFAULT_TIMEOUT;
    };
    match value.trim().parse::<u64>() {
        Ok(secs) if secs > 0 => Duration::from_secs(secs),
        _ => {
            tracing::warn!(
                "{TIMEOUT_ENV}={value:?} is not a positive whole number of seconds; using {} s",
                DEFAULT_TIMEOUT.as_secs()
            );
            DEFAULT_TIMEOUT
        }
    }
}

/// The keychain's name for an error message: on Linux the process that owns the Secret
/// Service's bus name (`keepassxc`, `gnome-keyring-d`…), or "the Secret Service" when that cannot
/// be learned within a second.
fn keychain_name() -> String {
    #[cfg(target_os = "macos")]
    return "the macOS Keychain".to_owned();
    #[cfg(windows)]
    return "the Windows Credential Manager".to_owned();
    #[cfg(all(unix, not(target_os = "macos")))]
    super::within(OWNER_LOOKUP_LIMIT, secret_service_owner)
        .flatten()
        .unwrap_or_else(|| "the Secret Service".to_owned())
}

/// Asks the session bus which process owns the Secret Service's name, and reads its name.
#[cfg(all(unix, not(target_os = "macos")))]
fn secret_service_owner() -> Option<String> {
    let conn = zbus::blocking::connection::Builder::session()
        .ok()?
        .method_timeout(OWNER_LOOKUP_LIMIT)
        .build()
        .ok()?;
    let bus = zbus::blocking::fdo::DBusProxy::new(&conn).ok()?;
    let name = zbus::names::BusName::try_from(SECRET_SERVICE_BUS_NAME).ok()?;
    let pid = bus.get_connection_unix_process_id(name).ok()?;
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(comm.trim().to_owned()).filter(|c| !c.is_empty())
}

/// The `keyring` crate itself, with no deadline: only ever called through [`Deadline`].
struct Keyring;

impl Keyring {
    /// Runs `op` on the entry of `account`. When the Secret Service went away under this process
    /// (its daemon died during the call, or restarted since and no longer knows this process's
    /// session), connects afresh and runs `op` once more. `keyring` alone connects once per
    /// process, so a desktop app would otherwise fail every keychain call until it restarts.
    /// Every operation here may run twice: a write sets the same value, a delete of an item
    /// already gone answers `NoEntry`.
    fn call<T>(
        account: &str,
        op: impl Fn(&keyring_core::Entry) -> ::keyring::Result<T>,
    ) -> ::keyring::Result<T> {
        match Self::entry(account).and_then(|entry| op(&entry)) {
            Err(e) if service_went_away(&e) => {
                tracing::warn!("the keychain went away under Keyshelf ({e}); connecting again");
                reconnect()?;
                op(&Self::entry(account)?)
            }
            other => other,
        }
    }

    /// The entry of `account` on the process's current connection. Inside the deadline too: the
    /// first call connects to the Secret Service (`keyring`'s one-time set-up, whose result it
    /// keeps for the process), and connects again if the daemon went away during that set-up.
    fn entry(account: &str) -> ::keyring::Result<keyring_core::Entry> {
        match ::keyring::Entry::store_status() {
            Ok(()) => {}
            Err(e) if service_went_away(e) && keyring_core::get_default_store().is_none() => {
                tracing::warn!(
                    "the keychain went away while Keyshelf connected ({e}); connecting again"
                );
                reconnect()?;
            }
            Err(_) if keyring_core::get_default_store().is_some() => {}
            Err(_) => return Err(::keyring::Error::NoDefaultStore),
        }
        keyring_core::Entry::new(SERVICE, account)
    }
}

impl Vault for Keyring {
    fn set(&self, account: &str, secret: &Secret) -> Result<()> {
        Self::call(account, |entry| entry.set_password(secret.expose())).map_err(keychain_error)
    }

    fn get(&self, account: &str) -> Result<Option<Secret>> {
        match Self::call(account, |entry| entry.get_password()) {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(::keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(e)),
        }
    }

    fn delete(&self, account: &str) -> Result<bool> {
        match Self::call(account, |entry| entry.delete_credential()) {
            Ok(()) => Ok(true),
            Err(::keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(keychain_error(e)),
        }
    }
}

/// Whether `e` says the Secret Service this process was talking to is gone: the daemon left the
/// bus without answering, or a new one does not know this connection's session. Not a locked
/// keyring, a missing item or a refused prompt: those are answers.
fn service_went_away(e: &::keyring::Error) -> bool {
    let ::keyring::Error::PlatformFailure(inner) = e else {
        return false;
    };
    let text = inner.to_string();
    [
        "org.freedesktop.DBus.Error.NoReply",
        "org.freedesktop.Secret.Error.NoSession",
        "org.freedesktop.DBus.Error.UnknownObject",
    ]
    .iter()
    .any(|name| text.contains(name))
}

/// Replaces the process's connection to the Secret Service with a new one (a new session with
/// whichever daemon owns the name now; D-Bus starts one if none does).
fn reconnect() -> ::keyring::Result<()> {
    #[cfg(all(unix, not(target_os = "macos")))]
    keyring_core::set_default_store(zbus_secret_service_keyring_store::Store::new()?);
    Ok(())
}

/// Turns a `keyring` error into one that says what is missing and how to fix it.
///
/// Only the errors' `Display` text is used: some variants carry the raw bytes of a value in their
/// fields, which must never reach a message.
fn keychain_error(e: ::keyring::Error) -> Error {
    match e {
        ::keyring::Error::NoDefaultStore => {
            let detail = match ::keyring::Entry::store_status() {
                Err(init) => init.to_string(),
                Ok(()) => "no credential store is configured".to_owned(),
            };
            Error::KeychainUnavailable { detail }
        }
        ::keyring::Error::NoStorageAccess(inner) => Error::KeychainLocked {
            detail: inner.to_string(),
        },
        ::keyring::Error::BadEncoding(_) => Error::Keychain {
            detail: "the stored value is not UTF-8 text".to_owned(),
        },
        ::keyring::Error::BadDataFormat(..) => Error::Keychain {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn platform_failure(text: &str) -> ::keyring::Error {
        ::keyring::Error::PlatformFailure(text.to_owned().into())
    }

    #[test]
    fn a_daemon_that_left_or_forgot_the_session_is_told_from_answers() {
        // Texts as zbus reports them (the first from a CI run where gnome-keyring aborted).
        for gone in [
            "zbus error: org.freedesktop.DBus.Error.NoReply: Message recipient disconnected from message bus without replying",
            "zbus error: org.freedesktop.Secret.Error.NoSession: The session does not exist",
        ] {
            assert!(service_went_away(&platform_failure(gone)), "{gone}");
        }
        for answer in [
            platform_failure("zbus error: org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files"),
            platform_failure("zbus error: org.freedesktop.Secret.Error.IsLocked: Cannot get secret of a locked object"),
            ::keyring::Error::NoEntry,
            ::keyring::Error::NoStorageAccess("SS error: prompt dismissed".to_owned().into()),
        ] {
            assert!(!service_went_away(&answer), "{answer:?}");
        }
    }

    #[test]
    fn the_deadline_comes_from_the_environment_or_falls_back() {
        // One test touches the variable, so parallel tests do not race on it.
        for (value, want) in [
            (Some("3"), 3),
            (Some(" 7 "), 7),
            (Some("0"), 10),
            (Some("-2"), 10),
            (Some("1.5"), 10),
            (Some("soon"), 10),
            (None, 10),
        ] {
            match value {
                Some(v) => std::env::set_var(TIMEOUT_ENV, v),
                None => std::env::remove_var(TIMEOUT_ENV),
            }
            assert_eq!(timeout(), Duration::from_secs(want), "{value:?}");
        }
        std::env::remove_var(TIMEOUT_ENV);
    }
}
