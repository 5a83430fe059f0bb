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

    // --- Teams --------------------------------------------------------------------------------
    /// No team of that name is configured.
    #[error("no team named {0:?}; `keyshelf team list` shows the teams, `keyshelf team add` connects one")]
    TeamNotFound(String),

    /// A team of that name is already configured.
    #[error(
        "a team named {0:?} already exists; `keyshelf team remove` it first or pick another name"
    )]
    TeamExists(String),

    /// The team's OpenBao refused or failed; the kind gives the stable code.
    #[error("{message}")]
    Team {
        kind: crate::team::TeamErrorKind,
        message: String,
    },

    /// The provider (or the way to it) refused or failed; the kind gives the stable code.
    #[error("{0}")]
    Provider(crate::provider::ProviderError),

    /// A provider profile (a preset or a user's file) cannot be used; every problem is listed,
    /// each with the file's line where it has one.
    #[error("{origin} cannot be used:\n  {}\nThe README's \"Provider profiles\" section describes the format", problems.join("\n  "))]
    ProfileInvalid {
        origin: String,
        problems: Vec<String>,
    },

    /// The provider's API (as its preset or profile describes it) has no such operation.
    #[error("provider {provider:?} cannot {operation} keys through its API: {why}")]
    OperationUnsupported {
        provider: String,
        operation: String,
        why: String,
    },

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

    /// Another process is changing the key on its provider right now.
    #[error("another Keyshelf process (the desktop app or another `keyshelf`) is {action} {key} right now; nothing was changed here. Try again when it is done")]
    KeyBusy { key: String, action: String },

    /// Aborting would delete the new key although the old one no longer works.
    #[error("the rotation of {key} was not aborted: {why}, so the new key is the only one that works. Finish the rotation instead (`keyshelf rotate {key} --resume`, or Resume). To delete the new key anyway and keep the old, no longer working one, run `keyshelf rotate {key} --abort --force`")]
    RotationAbortUnsafe { key: String, why: String },

    /// The key's service cannot create keys through its API, and no key made elsewhere was given.
    #[error("{provider} cannot create keys through its API, so Keyshelf cannot make the new key of {key}. Make it in {provider}'s console, then give it to the rotation: `keyshelf rotate {key} --new-remote-id ID` with its value on stdin (its id is listed by `keyshelf sync --provider {provider}`)")]
    RotationNeedsNewKey { key: String, provider: String },

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
            Error::TeamNotFound(_) => "team_not_found",
            Error::TeamExists(_) => "team_exists",
            Error::Team { kind, .. } => kind.code(),
            Error::Provider(p) => p.kind.code(),
            Error::ProfileInvalid { .. } => "provider_profile_invalid",
            Error::OperationUnsupported { .. } => "provider_operation_unsupported",
            Error::KeyNotStored { .. } => "key_not_stored",
            Error::RotationInProgress(_) => "rotation_in_progress",
            Error::RotationBusy(_) => "rotation_busy",
            Error::KeyBusy { .. } => "key_busy",
            Error::KeyNotLinked(_) => "key_not_linked",
            Error::RotationAbortUnsafe { .. } => "rotation_abort_unsafe",
            Error::RotationNeedsNewKey { .. } => "rotation_needs_new_key",
            Error::NoRotation(_) => "no_rotation",
            Error::RotationVerifyFailed { .. } => "rotation_verify_failed",
            Error::Clipboard { .. } => "clipboard_unavailable",
            Error::Store(_) => "store_error",
            Error::Io { .. } => "io_error",
            Error::NotificationUnavailable { .. } => "notification_unavailable",
            Error::Notification { .. } => "notification_failed",
        }
    }

    /// The provider's request id, when the error is a provider's answer that carried one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Provider(p) => p.request_id.as_deref(),
            _ => None,
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

/// Declares the catalogue from one list of `pattern => [examples]`: [`catalogue`] returns the
/// examples, and `listed` matches on exactly the listed patterns with no wildcard arm. Inside this
/// crate `#[non_exhaustive]` does not apply, so a variant added to [`Error`] and not to the list
/// makes `listed`'s match non-exhaustive: a compile error, not a test that someone must remember
/// to update. `catalogue` calls `listed` on every example, and the unit test below checks that
/// each example is of its own pattern (so an example cannot stand in for another variant).
macro_rules! catalogue {
    ($($pattern:pat => [$($example:expr),+ $(,)?]),+ $(,)?) => {
        /// One value of every variant, with placeholder fields (the provider variant once per
        /// advice the core gives), so tests can check every message a user can see.
        #[doc(hidden)]
        pub fn catalogue() -> Vec<Error> {
            let all = vec![$($($example),+),+];
            all.iter().for_each(listed);
            all
        }

        /// Compiles only while the list above names every variant (see the macro's comment).
        fn listed(e: &Error) {
            match e {
                $($pattern => {}),+
            }
        }

        /// Whether every example is of the pattern it is listed under.
        #[cfg(test)]
        fn examples_match_their_patterns() -> bool {
            true $($(&& matches!($example, $pattern))+)+
        }
    };
}

/// Placeholder text for the catalogue's fields.
const SAMPLE: &str = "placeholder";

/// The provider's error for `status` and an error body with `code` and `message`, as the client
/// builds it (the advice for that status and code included).
fn provider_sample(status: u16, code: &str, message: &str, management: bool) -> Error {
    let body =
        format!(r#"{{"error":{{"code":"{code}","message":"{message}","request_id":"req_1"}}}}"#);
    crate::provider::errors::from_status("GET /placeholder", status, body.as_bytes(), management)
        .into()
}

catalogue! {
    Error::InvalidInput { .. } => [Error::invalid("what", SAMPLE)],
    Error::InvalidName { .. } => [Error::InvalidName { name: SAMPLE.into(), why: SAMPLE.into() }],
    Error::KeyNotFound(_) => [Error::KeyNotFound(SAMPLE.into())],
    Error::AmbiguousKey { .. } => [Error::AmbiguousKey { name: SAMPLE.into(), candidates: SAMPLE.into() }],
    Error::KeyExists(_) => [Error::KeyExists(SAMPLE.into())],
    Error::UnknownEnvironment(_) => [Error::UnknownEnvironment(SAMPLE.into())],
    Error::KeychainUnavailable { .. } => [Error::KeychainUnavailable { detail: SAMPLE.into() }],
    Error::KeychainLocked { .. } => [Error::KeychainLocked { detail: SAMPLE.into() }],
    Error::KeychainTimeout { .. } => [Error::KeychainTimeout { service: SAMPLE.into(), secs: 1 }],
    Error::Keychain { .. } => [Error::Keychain { detail: SAMPLE.into() }],
    Error::SecretMissing(_) => [Error::SecretMissing(SAMPLE.into())],
    Error::ProviderNotFound(_) => [Error::ProviderNotFound(SAMPLE.into())],
    Error::ProviderExists(_) => [Error::ProviderExists(SAMPLE.into())],
    Error::TeamNotFound(_) => [Error::TeamNotFound(SAMPLE.into())],
    Error::TeamExists(_) => [Error::TeamExists(SAMPLE.into())],
    Error::Team { .. } => [Error::Team { kind: crate::team::TeamErrorKind::Unreachable, message: SAMPLE.into() }],
    Error::Provider(_) => [
        provider_sample(401, SAMPLE, SAMPLE, true),
        provider_sample(401, SAMPLE, SAMPLE, false),
        provider_sample(401, "missing_api_key", SAMPLE, false),
        provider_sample(401, "invalid_api_key", SAMPLE, false),
        provider_sample(401, "expired_api_key", SAMPLE, false),
        provider_sample(401, "invalid_client", SAMPLE, true),
        provider_sample(403, SAMPLE, SAMPLE, true),
        provider_sample(403, SAMPLE, "key limit reached", true),
        provider_sample(404, SAMPLE, SAMPLE, true),
        provider_sample(429, SAMPLE, SAMPLE, true),
        provider_sample(500, SAMPLE, SAMPLE, true),
        provider_sample(501, SAMPLE, SAMPLE, true),
        provider_sample(418, SAMPLE, SAMPLE, true),
    ],
    Error::ProfileInvalid { .. } => [Error::ProfileInvalid { origin: SAMPLE.into(), problems: vec![SAMPLE.into()] }],
    Error::OperationUnsupported { .. } => [Error::OperationUnsupported { provider: SAMPLE.into(), operation: SAMPLE.into(), why: SAMPLE.into() }],
    Error::KeyNotStored { .. } => [Error::KeyNotStored {
        key: SAMPLE.into(),
        detail: SAMPLE.into(),
        secret: crate::Secret::from(SAMPLE),
    }],
    Error::RotationInProgress(_) => [Error::RotationInProgress(SAMPLE.into())],
    Error::RotationBusy(_) => [Error::RotationBusy(SAMPLE.into())],
    Error::KeyBusy { .. } => [Error::KeyBusy { key: SAMPLE.into(), action: SAMPLE.into() }],
    Error::KeyNotLinked(_) => [Error::KeyNotLinked(SAMPLE.into())],
    Error::RotationAbortUnsafe { .. } => [Error::RotationAbortUnsafe { key: SAMPLE.into(), why: SAMPLE.into() }],
    Error::RotationNeedsNewKey { .. } => [Error::RotationNeedsNewKey { key: SAMPLE.into(), provider: SAMPLE.into() }],
    Error::NoRotation(_) => [Error::NoRotation(SAMPLE.into())],
    Error::RotationVerifyFailed { .. } => [Error::RotationVerifyFailed { key: SAMPLE.into(), secs: 1, why: SAMPLE.into() }],
    Error::Clipboard { .. } => [Error::Clipboard { detail: SAMPLE.into() }],
    Error::Store(_) => [Error::Store(SAMPLE.into())],
    Error::Io { .. } => [Error::Io { what: SAMPLE.into(), source: std::io::Error::other(SAMPLE) }],
    Error::NotificationUnavailable { .. } => [Error::NotificationUnavailable { detail: SAMPLE.into() }],
    Error::Notification { .. } => [Error::Notification { detail: SAMPLE.into() }],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_holds_every_variant_under_its_own_pattern() {
        // That every variant is listed is the compiler's check (`listed`); here: no example is
        // listed under another variant's pattern, and the provider's advice is all there.
        assert!(examples_match_their_patterns());
        let codes: std::collections::BTreeSet<&str> = catalogue().iter().map(Error::code).collect();
        for code in [
            "provider_unauthorized",
            "provider_forbidden",
            "provider_plan_limit",
            "provider_not_found_remote",
            "provider_rate_limited",
            "provider_server_error",
            "provider_not_implemented",
            "provider_rejected",
        ] {
            assert!(codes.contains(code), "{code} missing from {codes:?}");
        }
    }

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
