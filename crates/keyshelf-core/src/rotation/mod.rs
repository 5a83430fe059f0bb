//! Guided rotation (the provider documents' rotation process, made crash-safe) as a state machine
//! persisted in the store.
//!
//! | step             | what has happened                                                      |
//! |------------------|------------------------------------------------------------------------|
//! | `started`        | a rotation row exists; nothing else changed                            |
//! | `previous-saved` | the current secret is copied to `<account>#previous`                   |
//! | `creating`       | the name of the new remote key is recorded, *before* it is created      |
//! | `created`        | the new key exists and its secret is the current keychain item         |
//! | `verified`       | the new key passed the provider's verify endpoint (or a note says not) |
//! | `confirmed`      | the user confirmed that applications use the new key                    |
//! | `deactivated`    | the old key is inactive on the provider (or was already gone)           |
//! | `done`           | the old key and `#previous` are deleted                                 |
//! | `aborted`        | the old key is current again; the new one is deleted                    |
//! | `aborting`       | an abort is under way: the working secret is current and recorded so;   |
//! |                  | the new key is still to be deleted (resume or abort finishes it)         |
//!
//! The guarantees, each tested in `tests.rs` and by the model-based test of the CLI:
//! - **A working secret is always in the keychain.** The old one stays in `#previous` until the
//!   new one is current and is deleted only at the end; abort puts it back only after checking
//!   that it still works on the provider (`--force` overrides, and says what is lost).
//! - **One process at a time.** A run claims the rotation before it acts and every step is a
//!   compare-and-set (`store/rotations.rs`); a second process stops with `rotation_busy` having
//!   changed nothing. A claim left by a process that died is taken over.
//! - **No untracked key on the provider.** The new key's name is recorded before it is created;
//!   a POST whose answer never arrived is found again by that name and deleted first.
//! - **What it says is what happened.** Every step that was skipped (no verify endpoint, no usage
//!   route, an old key already gone, an old key left active by a local rotation) is a [`Note`] on
//!   the rotation, and [`OldKey`] says what became of the old key.
//!
//! [`steps`] says what each step does for each [`Mode`]; [`machine`] runs the steps.

mod machine;
pub mod owner;
mod steps;

use crate::generate::Spec;
use crate::{Result, Secret};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Default grace period between deactivating the old key and deleting it.
pub const DEFAULT_GRACE_DAYS: u32 = 7;

/// How long to retry verification of a new key: providers ask to allow 1–2 minutes for a new key
/// to propagate (seed 004).
pub const DEFAULT_VERIFY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Whether a key was there when the provider was asked to change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Found,
    /// The provider answered 404: the key is gone (revoked or deleted elsewhere).
    Gone,
}

/// What the rotation needs from a provider's management API.
pub trait RotationProvider {
    /// Creates a key named `remote_name` (for `user`) and returns its id and its secret.
    fn create(&self, remote_name: &str, user: Option<&str>) -> Result<(String, Secret)>;
    /// The id of the provider's key named `remote_name`, if there is one (every page searched).
    fn find_by_name(&self, remote_name: &str) -> Result<Option<String>>;
    /// Whether the key `id` is on the provider: `Some(active)`, or `None` when it is not.
    fn key_state(&self, id: &str) -> Result<Option<bool>>;
    /// Whether the provider has a verify endpoint at all.
    fn can_verify(&self) -> bool;
    /// Checks that `secret` (of the provider's key `id`, when known: composite credentials
    /// present both) works against the provider (an error when it does not).
    fn verify(&self, secret: &Secret, id: Option<&str>, user: Option<&str>) -> Result<()>;
    /// Whether the provider can create keys through its API (some only list and manage them).
    fn can_create(&self) -> bool {
        true
    }
    /// Whether the provider can deactivate a key (some can only delete it). Without it the old
    /// key stays active through the grace period and is deleted when the grace period ends.
    fn can_deactivate(&self) -> bool {
        true
    }
    /// Activates or deactivates a key.
    fn set_active(&self, id: &str, active: bool) -> Result<Presence>;
    /// Deletes a key.
    fn delete(&self, id: &str) -> Result<Presence>;
    /// Calls made with key `id` since `since`, from the usage logs; `None` when the provider
    /// offers no usage logs (no route, 404, 501).
    fn calls_since(&self, id: &str, since: DateTime<Utc>) -> Result<Option<u64>>;
}

/// How a rotation goes, decided when it starts.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// A new secret generated here or pasted; nothing is changed on any provider.
    Local,
    /// Through the provider's API: a new key is created, the old one deactivated, then deleted.
    CreateNew,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Local => "local",
            Mode::CreateNew => "create-new",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Mode::Local, Mode::CreateNew]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// What became of the old key on its provider.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OldKey {
    /// Not changed yet: still active, still the fallback.
    Untouched,
    /// Deactivated on the provider; deleted when the grace period ends.
    Deactivated,
    /// Deleted on the provider.
    Deleted,
    /// The provider no longer had it (revoked or deleted elsewhere).
    AlreadyGone,
    /// A local rotation of a provider's key: the old key stays active on the provider.
    LeftActive,
    /// A key of no provider: there is no remote key.
    NotRemote,
    /// The rotation was aborted: the old key is current again.
    Restored,
}

impl OldKey {
    pub fn as_str(self) -> &'static str {
        match self {
            OldKey::Untouched => "untouched",
            OldKey::Deactivated => "deactivated",
            OldKey::Deleted => "deleted",
            OldKey::AlreadyGone => "already-gone",
            OldKey::LeftActive => "left-active",
            OldKey::NotRemote => "not-remote",
            OldKey::Restored => "restored",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        use OldKey::*;
        [
            Untouched,
            Deactivated,
            Deleted,
            AlreadyGone,
            LeftActive,
            NotRemote,
            Restored,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// Why a note was written.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoteCode {
    /// The new key was not verified (no verify endpoint, or a local key).
    NotVerified,
    /// The old key stays active on its provider (local rotation of a provider's key).
    OldKeyLeftActive,
    /// The old key was already gone on the provider when it was to be deactivated or deleted.
    OldKeyAlreadyGone,
    /// The provider cannot deactivate keys: the old key stays active until the grace period
    /// ends, then it is deleted.
    OldKeyKeptActive,
    /// The usage logs could not be checked for calls with the old key.
    UsageNotChecked,
    /// The old key was used after it was deactivated.
    OldKeyStillUsed,
    /// An abort was forced although the old key no longer works.
    AbortForced,
    /// The rotation's key was removed; the rotation was ended without touching any key.
    KeyGone,
}

/// A step that was skipped or did something other than planned, as the user should hear it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub step: Step,
    pub code: NoteCode,
    pub message: String,
}

/// Where a rotation stands.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    Started,
    PreviousSaved,
    Creating,
    Created,
    Verified,
    Confirmed,
    Deactivated,
    Done,
    Aborted,
    /// Between the two halves of an abort (declared last: it comes after any step it can
    /// interrupt, and only an abort or a resume carries it on, to `aborted`).
    Aborting,
}

const STEPS: [Step; 10] = [
    Step::Started,
    Step::PreviousSaved,
    Step::Creating,
    Step::Created,
    Step::Verified,
    Step::Confirmed,
    Step::Deactivated,
    Step::Done,
    Step::Aborted,
    Step::Aborting,
];

impl Step {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Started => "started",
            Step::PreviousSaved => "previous-saved",
            Step::Creating => "creating",
            Step::Created => "created",
            Step::Verified => "verified",
            Step::Confirmed => "confirmed",
            Step::Deactivated => "deactivated",
            Step::Done => "done",
            Step::Aborted => "aborted",
            Step::Aborting => "aborting",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        STEPS.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether the rotation is over.
    pub fn is_final(self) -> bool {
        matches!(self, Step::Done | Step::Aborted)
    }
}

/// A rotation as stored.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct Rotation {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub key_id: i64,
    pub key: String,
    pub step: Step,
    /// How it goes; `None` only for a row of an older version not run since.
    pub mode: Option<Mode>,
    /// The name the new key gets on the provider (recorded before it is created).
    pub remote_name: Option<String>,
    pub old_key_id: Option<String>,
    pub new_key_id: Option<String>,
    /// What became of the old key.
    pub old_key: OldKey,
    /// Steps skipped or changed, in order.
    pub notes: Vec<Note>,
    #[serde(skip)]
    pub old_last_rotated_at: Option<DateTime<Utc>>,
    pub grace_days: u32,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deactivated_at: Option<DateTime<Utc>>,
    /// The last failure, kept so `rotate --status` can say why a rotation stopped.
    pub last_error: Option<String>,
    /// The key of this rotation was removed (a rotation of an older version, or removed by hand).
    pub key_gone: bool,
    #[serde(skip)]
    pub owner: Option<String>,
    #[serde(skip)]
    pub claimed_at: Option<DateTime<Utc>>,
}

impl Rotation {
    /// When the grace period ends (once the old key is deactivated).
    pub fn grace_until(&self) -> Option<DateTime<Utc>> {
        self.deactivated_at
            .map(|d| d + Duration::days(i64::from(self.grace_days)))
    }
}

/// What a new rotation row holds.
#[derive(Debug, Clone)]
pub struct NewRotation {
    pub key_id: i64,
    pub key_ref: String,
    pub old_key_id: Option<String>,
    pub old_last_rotated_at: Option<DateTime<Utc>>,
    pub grace_days: u32,
    pub mode: Mode,
    pub old_key: OldKey,
    pub notes: Vec<Note>,
}

/// How to start a rotation.
#[derive(Debug, Clone)]
pub struct Start {
    /// Days between deactivating the old key and deleting it.
    pub grace_days: u32,
    /// Rotate only the local secret, even for a key of a configured provider: the old key then
    /// stays active on the provider (and a note says so).
    pub local: bool,
}

impl Default for Start {
    fn default() -> Self {
        Start {
            grace_days: DEFAULT_GRACE_DAYS,
            local: false,
        }
    }
}

/// Where the new secret of a local rotation comes from.
pub enum NewSecret {
    Generate(Spec),
    Given(Secret),
}

/// What the caller allows this run of the rotation to do.
pub struct Options {
    /// The user confirmed that applications use the new key (step 3).
    pub confirm_updated: bool,
    /// End the grace period now instead of waiting for it.
    pub end_grace: bool,
    /// How long to retry verifying the new key.
    pub verify_timeout: std::time::Duration,
    /// For local rotations: where the new secret comes from.
    pub new_secret: Option<NewSecret>,
    /// For provider rotations: a new key the user made on the provider (its console), used
    /// instead of creating one; the only way for a service that cannot create keys.
    pub made_elsewhere: Option<MadeElsewhere>,
}

/// A new key made on the provider outside Keyshelf: its id there and its value.
pub struct MadeElsewhere {
    pub id: String,
    pub secret: Secret,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            confirm_updated: false,
            end_grace: false,
            verify_timeout: DEFAULT_VERIFY_TIMEOUT,
            new_secret: None,
            made_elsewhere: None,
        }
    }
}

/// What a rotation waits for before it can go on. Each front end words it its own way (the CLI
/// names its flags, the desktop its buttons).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "what", rename_all = "kebab-case")]
pub enum Waiting {
    /// Step 3: the user confirms that applications use the new key.
    AppsUpdated,
    /// Step 4: the old key is deactivated and is deleted when the grace period ends.
    GracePeriod { until: DateTime<Utc> },
}

/// What a run of the rotation ended with.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Serialize)]
pub struct Progress {
    pub rotation: Rotation,
    /// What the rotation waits for, if anything.
    pub waiting_for: Option<Waiting>,
    /// The notes written by this run (the rotation holds all of them).
    pub warnings: Vec<String>,
}

/// Stops the process right after a step was recorded (or a team publication made), when
/// `KEYSHELF_FAULT` names that point. Only in debug builds: the fault-injection tests use it to
/// prove a killed process can resume.
pub(crate) fn fault_point(point: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("KEYSHELF_FAULT").is_ok_and(|f| f == point) {
        eprintln!("keyshelf: fault injected at {point}");
        // A crash after this step, not in the middle of the keychain's handshake (see settle).
        crate::vault::KeyringVault::settle(std::time::Duration::from_secs(5));
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = point;
}

#[cfg(test)]
mod tests;
