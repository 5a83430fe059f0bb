//! Errors with a stable machine code and a message a person can act on.
//!
//! The code (`Error::code`) is part of the CLI's `--json` output and crosses to the desktop UI as
//! `{code, message}`; it never changes once published. Messages never contain a secret value.

use thiserror::Error;

/// Result with Keyshelf's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    // --- Input -------------------------------------------------------------------------------
    /// A value given by the user is not acceptable; nothing was changed.
    #[error("{what}: {why}")]
    InvalidInput { what: String, why: String },

    /// A key name breaks the naming rules.
    #[error("invalid key name {name:?}: {why}")]
    InvalidName { name: String, why: String },

    /// No key matches a reference.
    #[error("no key named {0:?}; `keyshelf list` shows the keys there are")]
    KeyNotFound(String),

    /// A bare name matches keys of several providers.
    #[error("{name:?} is ambiguous, it exists for {candidates}; name one as PROVIDER/NAME")]
    AmbiguousKey { name: String, candidates: String },

    /// A key of that name already exists for that provider.
    #[error("a key named {0:?} already exists; pick another name or remove the old key first")]
    KeyExists(String),

    /// The environment is not defined.
    #[error("unknown environment {0:?}; define it with `keyshelf policy set {0} DAYS` or use one of `keyshelf policy list`")]
    UnknownEnvironment(String),

    // --- Keychain ----------------------------------------------------------------------------
    /// No keychain can be reached at all (e.g. no D-Bus session bus on Linux).
    #[error("no OS keychain is reachable: {detail}. On Linux Keyshelf needs a Secret Service (GNOME Keyring or KeePassXC) on the D-Bus session bus; over SSH or in a container start one with `dbus-run-session` and `gnome-keyring-daemon --unlock`. Keyshelf never falls back to storing secrets in a file")]
    KeychainUnavailable { detail: String },

    /// The keychain is there but refuses access (typically: locked, and no prompt could be shown).
    #[error("the OS keychain refused access ({detail}); it is probably locked. Unlock it (log in to the desktop session, or `gnome-keyring-daemon --unlock` on Linux) and try again")]
    KeychainLocked { detail: String },

    /// The keychain did not answer within its deadline (a Secret Service that owns the bus name
    /// but is not ready, or hangs). Nothing was written by Keyshelf's side of the call.
    #[error("the OS keychain ({service}) did not answer within {secs} s; it may still be starting or waiting for you to unlock it. Check that it is running and unlocked, then try again (the deadline is set with KEYSHELF_KEYCHAIN_TIMEOUT, in seconds)")]
    KeychainTimeout { service: String, secs: u64 },

    /// The keychain failed for another reason.
    #[error("the OS keychain failed: {detail}")]
    Keychain { detail: String },

    /// The metadata says a secret exists, the keychain has none.
    #[error("no secret for {0:?} in the keychain; it may have been removed by another tool. Import it again with `keyshelf import`")]
    SecretMissing(String),

    // --- Providers ---------------------------------------------------------------------------
    /// No provider of that name is configured.
    #[error("no provider named {0:?}; the Providers screen or `keyshelf provider list` shows the providers, and adds one (`keyshelf provider add`)")]
    ProviderNotFound(String),

    /// A provider of that name is already configured.
    #[error("a provider named {0:?} already exists; `keyshelf provider remove` it first or pick another name")]
    ProviderExists(String),

    /// The provider (or the way to it) refused or failed; the kind gives the stable code.
    #[error("{0}")]
    Provider(crate::provider::ProviderError),

    /// The provider created a key but the keychain refused its secret. The secret travels here,
    /// once, so the caller can hand it to the user; it is never in the message.
    #[error("the provider created {key} but the keychain refused to store its secret ({detail}). Its value is given to you once now and cannot be shown again: save it. Keyshelf recorded {key} as pending, without a secret; unlock the keychain and `keyshelf import` the value under a new name, or `keyshelf delete {key}` on the provider")]
    KeyNotStored {
        key: String,
        detail: String,
        secret: crate::Secret,
    },
    // --- Rotation ----------------------------------------------------------------------------
    /// A rotation of the key is already under way.
    #[error("{0} is already being rotated; `keyshelf rotate {0} --status` shows where it stands, `--resume` carries it on, `--abort` abandons it")]
    RotationInProgress(String),

    /// Another process (the desktop app, another `keyshelf`) is carrying this rotation on right
    /// now; this one stopped before changing anything.
    #[error("the rotation of {0} is being carried on by another Keyshelf process (the desktop app or another `keyshelf rotate`) right now; nothing was changed here. Wait for it to finish, then `keyshelf rotate {0} --status` shows where it stands")]
    RotationBusy(String),

    /// A provider key whose id on the provider Keyshelf does not know cannot be rotated or
    /// managed through the provider: the old key could not be deactivated or deleted.
    #[error("{0} is not linked to its key on the provider, so Keyshelf could not deactivate or delete the old key there. Link it first: `keyshelf link {0} --remote-id ID` (`keyshelf sync --provider {provider}` lists the provider's keys and their ids), or rotate only the local secret with `keyshelf rotate {0} --local` (the old key then stays active on the provider)", provider = .0.split('/').next().unwrap_or_default())]
    KeyNotLinked(String),

    /// Aborting would delete the new key although the old one no longer works.
    #[error("the rotation of {key} was not aborted: {why}, so the new key is the only one that works. Finish the rotation instead (`keyshelf rotate {key} --resume`, or Resume). To delete the new key anyway and keep the old, no longer working one, run `keyshelf rotate {key} --abort --force`")]
    RotationAbortUnsafe { key: String, why: String },

    /// No rotation of the key is under way.
    #[error("no rotation of {0} is under way; start one with `keyshelf rotate {0}`")]
    NoRotation(String),

    /// The new key did not pass verification in time.
    #[error("the new key of {key} did not verify within {secs} s: {why}. A new key can take a minute or two to reach all of a provider's servers: `keyshelf rotate {key} --resume` tries again, `--abort` restores the old key")]
    RotationVerifyFailed { key: String, secs: u64, why: String },

    // --- Clipboard ---------------------------------------------------------------------------
    /// The system clipboard cannot be reached or refused the operation.
    #[error("the clipboard is not usable: {detail}. Copying needs a graphical session (DISPLAY or WAYLAND_DISPLAY set); without one use `keyshelf get`, `keyshelf env` or `keyshelf exec`")]
    Clipboard { detail: String },

    // --- Store -------------------------------------------------------------------------------
    /// The SQLite store failed.
    #[error("the Keyshelf database failed: {0}")]
    Store(String),

    /// A filesystem operation failed.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    // --- Notifications -----------------------------------------------------------------------
    /// No desktop notification server answers (no session bus, or nothing owns
    /// `org.freedesktop.Notifications` on it).
    #[error("no desktop notification server is reachable ({detail}). Reminders are shown by the desktop's notification service (GNOME Shell, KDE Plasma, dunst, mako…) on the D-Bus session bus: run `keyshelf remind` inside the graphical session, or use `keyshelf due` from cron instead (it exits 3 when a key is overdue)")]
    NotificationUnavailable { detail: String },

    /// The notification server is there but the notification failed.
    #[error("the desktop notification could not be sent: {detail}")]
    Notification { detail: String },
}

impl Error {
    /// A stable, machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidInput { .. } => "invalid_input",
            Error::InvalidName { .. } => "invalid_name",
            Error::KeyNotFound(_) => "key_not_found",
            Error::AmbiguousKey { .. } => "ambiguous_key",
            Error::KeyExists(_) => "key_exists",
            Error::UnknownEnvironment(_) => "unknown_environment",
            Error::KeychainUnavailable { .. } => "keychain_unavailable",
            Error::KeychainLocked { .. } => "keychain_locked",
            Error::KeychainTimeout { .. } => "keychain_timeout",
            Error::Keychain { .. } => "keychain_error",
            Error::SecretMissing(_) => "secret_missing",
            Error::ProviderNotFound(_) => "provider_not_found",
            Error::ProviderExists(_) => "provider_exists",
            Error::Provider(p) => p.kind.code(),
            Error::KeyNotStored { .. } => "key_not_stored",
            Error::RotationInProgress(_) => "rotation_in_progress",
            Error::RotationBusy(_) => "rotation_busy",
            Error::KeyNotLinked(_) => "key_not_linked",
            Error::RotationAbortUnsafe { .. } => "rotation_abort_unsafe",
            Error::NoRotation(_) => "no_rotation",
            Error::RotationVerifyFailed { .. } => "rotation_verify_failed",
            Error::Clipboard { .. } => "clipboard_unavailable",
            Error::Store(_) => "store_error",
            Error::Io { .. } => "io_error",
            Error::NotificationUnavailable { .. } => "notification_unavailable",
            Error::Notification { .. } => "notification_failed",
        }
    }

    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid(what: impl Into<String>, why: impl Into<String>) -> Self {
        Error::InvalidInput {
            what: what.into(),
            why: why.into(),
        }
    }
}

impl From<crate::provider::ProviderError> for Error {
    fn from(e: crate::provider::ProviderError) -> Self {
        Error::Provider(e)
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Store(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_and_messages_say_what_to_do() {
        let e = Error::UnknownEnvironment("qa".into());
        assert_eq!(e.code(), "unknown_environment");
        assert!(e.to_string().contains("keyshelf policy set qa"));
        let e = Error::KeychainUnavailable {
            detail: "no session bus".into(),
        };
        assert!(e.to_string().contains("dbus-run-session"));
    }
}
