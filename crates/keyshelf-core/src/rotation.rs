//! Guided rotation (seed 004's process, made crash-safe) as a state machine persisted in SQLite.
//!
//! | step           | what has happened                                                        |
//! |----------------|--------------------------------------------------------------------------|
//! | `started`      | a rotation row exists; nothing else changed                              |
//! | `previous-saved` | the current secret is copied to `<account>#previous`                   |
//! | `creating`     | the name of the new remote key is recorded, *before* it is created        |
//! | `created`      | the new key exists and its secret is the current keychain item           |
//! | `verified`     | the new key passed the provider's verify endpoint (or there is none)     |
//! | `confirmed`    | the user confirmed that applications use the new key                      |
//! | `deactivated`  | the old key is inactive on the provider; its grace period runs            |
//! | `done`         | the old key and `#previous` are deleted                                   |
//! | `aborted`      | the old key is current again; the new one is deleted                      |
//!
//! Every step is idempotent and recorded before the next one starts, so `resume` after a crash
//! or a network failure carries on from the last recorded step. At every moment a working secret
//! is in the keychain: the old one stays in `#previous` until the new one is current, and is
//! deleted only at the end. A POST that created a key whose secret never reached the keychain
//! (a crash in between) is found again by its recorded name and deleted before a new one is
//! made, so no duplicate is left on the provider. One rotation per key at a time is enforced by
//! a unique index.

use crate::generate::{self, Spec};
use crate::store::{fmt_time, KeyRecord};
use crate::vault::{key_account, previous_account};
use crate::{Error, Keyshelf, Result, Secret};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::time::Instant;

/// Default grace period between deactivating the old key and deleting it.
pub const DEFAULT_GRACE_DAYS: u32 = 7;

/// How long to retry verification of a new key (seed 004: allow 1–2 minutes for propagation).
pub const DEFAULT_VERIFY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// What the rotation needs from a provider's management API.
pub trait RotationProvider {
    /// Creates a key named `remote_name` (for `user`) and returns its id and its secret.
    fn create(&self, remote_name: &str, user: Option<&str>) -> Result<(String, Secret)>;
    /// The id of the provider's key named `remote_name`, if there is one.
    fn find_by_name(&self, remote_name: &str) -> Result<Option<String>>;
    /// Whether the provider has a verify endpoint at all.
    fn can_verify(&self) -> bool;
    /// Checks that `secret` works against the provider (an error when it does not).
    fn verify(&self, secret: &Secret, user: Option<&str>) -> Result<()>;
    /// Activates or deactivates a key.
    fn set_active(&self, id: &str, active: bool) -> Result<()>;
    /// Deletes a key; deleting a key that is already gone is not an error.
    fn delete(&self, id: &str) -> Result<()>;
    /// Calls made with key `id` since `since`, from the usage logs.
    fn calls_since(&self, id: &str, since: DateTime<Utc>) -> Result<u64>;
}

/// Where a rotation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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
}

const STEPS: [Step; 9] = [
    Step::Started,
    Step::PreviousSaved,
    Step::Creating,
    Step::Created,
    Step::Verified,
    Step::Confirmed,
    Step::Deactivated,
    Step::Done,
    Step::Aborted,
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
        }
    }

    fn parse(s: &str) -> rusqlite::Result<Self> {
        STEPS.into_iter().find(|x| x.as_str() == s).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                format!("unknown rotation step {s:?}").into(),
            )
        })
    }

    /// Whether the rotation is over.
    pub fn is_final(self) -> bool {
        matches!(self, Step::Done | Step::Aborted)
    }
}

/// A rotation as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Rotation {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub key_id: i64,
    pub key: String,
    pub step: Step,
    /// The name the new key gets on the provider (recorded before it is created).
    pub remote_name: Option<String>,
    pub old_key_id: Option<String>,
    pub new_key_id: Option<String>,
    #[serde(skip)]
    pub old_last_rotated_at: Option<DateTime<Utc>>,
    pub grace_days: u32,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deactivated_at: Option<DateTime<Utc>>,
    /// The last failure, kept so `rotate --status` can say why a rotation stopped.
    pub last_error: Option<String>,
}

impl Rotation {
    /// When the grace period ends (once the old key is deactivated).
    pub fn grace_until(&self) -> Option<DateTime<Utc>> {
        self.deactivated_at
            .map(|d| d + Duration::days(i64::from(self.grace_days)))
    }
}

/// Where the new secret of a key without a management API comes from.
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
    /// For keys without a provider: where the new secret comes from.
    pub new_secret: Option<NewSecret>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            confirm_updated: false,
            end_grace: false,
            verify_timeout: DEFAULT_VERIFY_TIMEOUT,
            new_secret: None,
        }
    }
}

/// What a rotation waits for before it can go on. Each front end words it its own way (the CLI
/// names its flags, the desktop its buttons).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "what", rename_all = "kebab-case")]
pub enum Waiting {
    /// Step 3: the user confirms that applications use the new key.
    AppsUpdated,
    /// Step 4: the old key is deactivated and is deleted when the grace period ends.
    GracePeriod { until: DateTime<Utc> },
}

/// What a run of the rotation ended with.
#[derive(Debug, Serialize)]
pub struct Progress {
    pub rotation: Rotation,
    /// What the rotation waits for, if anything.
    pub waiting_for: Option<Waiting>,
    /// Things the user should know (old key still in use, no verify endpoint…).
    pub warnings: Vec<String>,
}

const ROTATION_COLUMNS: &str = "r.id, r.key_id, r.key_ref, r.step, r.remote_name, r.old_key_id, r.new_key_id, r.old_last_rotated_at, r.grace_days, r.started_at, r.updated_at, r.deactivated_at, r.last_error";

fn time_col(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let text: Option<String> = row.get(i)?;
    text.map(|t| {
        DateTime::parse_from_rfc3339(&t)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    i,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })
    })
    .transpose()
}

fn rotation_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Rotation> {
    let missing =
        |i| rusqlite::Error::InvalidColumnType(i, "time".into(), rusqlite::types::Type::Null);
    Ok(Rotation {
        id: row.get(0)?,
        key_id: row.get(1)?,
        key: row.get(2)?,
        step: Step::parse(&row.get::<_, String>(3)?)?,
        remote_name: row.get(4)?,
        old_key_id: row.get(5)?,
        new_key_id: row.get(6)?,
        old_last_rotated_at: time_col(row, 7)?,
        grace_days: row.get(8)?,
        started_at: time_col(row, 9)?.ok_or_else(|| missing(9))?,
        updated_at: time_col(row, 10)?.ok_or_else(|| missing(10))?,
        deactivated_at: time_col(row, 11)?,
        last_error: row.get(12)?,
    })
}

/// Stops the process right after a step was recorded, when `KEYSHELF_FAULT` names that point.
/// Only in debug builds: the fault-injection tests use it to prove a killed process can resume.
fn fault_point(point: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("KEYSHELF_FAULT").is_ok_and(|f| f == point) {
        eprintln!("keyshelf: fault injected at {point}");
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = point;
}

impl Keyshelf {
    /// The unfinished rotation of a key, if any.
    pub fn active_rotation(&self, key_id: i64) -> Result<Option<Rotation>> {
        let sql = format!("SELECT {ROTATION_COLUMNS} FROM rotations r WHERE r.key_id = ?1 AND r.step NOT IN ('done', 'aborted')");
        use rusqlite::OptionalExtension;
        Ok(self
            .store_ref()
            .read()
            .conn()
            .query_row(&sql, [key_id], rotation_from_row)
            .optional()?)
    }

    /// Rotations, newest first: all unfinished ones, plus finished ones when `all`.
    pub fn rotations(&self, all: bool) -> Result<Vec<Rotation>> {
        let sql = format!(
            "SELECT {ROTATION_COLUMNS} FROM rotations r WHERE ?1 OR r.step NOT IN ('done', 'aborted') ORDER BY r.id DESC"
        );
        let tx = self.store_ref().read();
        let mut stmt = tx.conn().prepare(&sql)?;
        let rows = stmt.query_map([all], rotation_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Starts a rotation of `keyref`. Refused while another rotation of the key is unfinished.
    pub fn start_rotation(&mut self, keyref: &str, grace_days: u32) -> Result<Rotation> {
        if grace_days > 365 {
            return Err(Error::invalid("grace", "at most 365 days"));
        }
        let key = self.resolve(keyref)?;
        if !key.has_secret {
            return Err(Error::SecretMissing(key.full_ref()));
        }
        let now = fmt_time(Utc::now());
        let id = self.store().write(|tx| {
            let res = tx.conn().execute(
                "INSERT INTO rotations (key_id, key_ref, step, old_key_id, old_last_rotated_at, grace_days, started_at, updated_at)
                 VALUES (?1, ?2, 'started', ?3, ?4, ?5, ?6, ?6)",
                rusqlite::params![key.id, key.full_ref(), key.provider_key_id, key.last_rotated_at.map(fmt_time), grace_days, now],
            );
            match res {
                Ok(_) => {}
                Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                    return Err(Error::RotationInProgress(key.full_ref()));
                }
                Err(e) => return Err(e.into()),
            }
            let id = tx.conn().last_insert_rowid();
            tx.audit(Some(&key.full_ref()), "rotate", "started")?;
            Ok(id)
        })?;
        self.rotation_by_id(id)
    }

    fn rotation_by_id(&self, id: i64) -> Result<Rotation> {
        let sql = format!("SELECT {ROTATION_COLUMNS} FROM rotations r WHERE r.id = ?1");
        Ok(self
            .store_ref()
            .read()
            .conn()
            .query_row(&sql, [id], rotation_from_row)?)
    }

    /// Records a step (and what came with it) and audits it.
    fn record_step(&mut self, r: &mut Rotation, step: Step) -> Result<()> {
        r.step = step;
        r.updated_at = Utc::now();
        r.last_error = None;
        let rc = r.clone();
        self.store().write(|tx| {
            tx.conn().execute(
                "UPDATE rotations SET step = ?2, remote_name = ?3, new_key_id = ?4, deactivated_at = ?5, updated_at = ?6, last_error = NULL WHERE id = ?1",
                rusqlite::params![rc.id, rc.step.as_str(), rc.remote_name, rc.new_key_id, rc.deactivated_at.map(fmt_time), fmt_time(rc.updated_at)],
            )?;
            tx.audit(Some(&rc.key), "rotate", rc.step.as_str())
        })?;
        fault_point(&format!("rotation:{}", step.as_str()));
        Ok(())
    }

    fn record_error(&mut self, r: &Rotation, e: &Error) {
        let text = e.to_string();
        // Best effort: the error itself is what the caller reports.
        let _ = self.store().write(|tx| {
            tx.conn().execute(
                "UPDATE rotations SET last_error = ?2, updated_at = ?3 WHERE id = ?1",
                rusqlite::params![r.id, text, fmt_time(Utc::now())],
            )?;
            Ok(())
        });
    }

    /// Carries a rotation forward as far as it can go now: until it needs the user's
    /// confirmation, waits for its grace period, or is done. Safe to call again after any
    /// failure or crash.
    pub fn advance_rotation(
        &mut self,
        keyref: &str,
        provider: Option<&dyn RotationProvider>,
        opts: Options,
    ) -> Result<Progress> {
        let key = self.resolve(keyref)?;
        let mut r = self
            .active_rotation(key.id)?
            .ok_or_else(|| Error::NoRotation(key.full_ref()))?;
        let mut warnings = Vec::new();
        match self.run_steps(&key, &mut r, provider, opts, &mut warnings) {
            Ok(waiting_for) => Ok(Progress {
                rotation: self.rotation_by_id(r.id)?,
                waiting_for,
                warnings,
            }),
            Err(e) => {
                self.record_error(&r, &e);
                Err(e)
            }
        }
    }

    fn run_steps(
        &mut self,
        key: &KeyRecord,
        r: &mut Rotation,
        provider: Option<&dyn RotationProvider>,
        mut opts: Options,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Waiting>> {
        let current = key_account(&key.provider, &key.name);
        let previous = previous_account(&key.provider, &key.name);
        loop {
            match r.step {
                Step::Started => {
                    let old = self
                        .vault()
                        .get(&current)?
                        .ok_or_else(|| Error::SecretMissing(key.full_ref()))?;
                    self.vault().set(&previous, &old)?;
                    self.record_step(r, Step::PreviousSaved)?;
                }
                Step::PreviousSaved => {
                    if provider.is_some() {
                        r.remote_name = Some(format!(
                            "{}-{}",
                            key.name,
                            Utc::now().format("%Y%m%d%H%M%S")
                        ));
                    }
                    self.record_step(r, Step::Creating)?;
                }
                Step::Creating => {
                    self.create_new_secret(key, r, provider, &current, opts.new_secret.take())?;
                    // The new secret is current: its age starts now.
                    let new_id = r.new_key_id.clone().or_else(|| key.provider_key_id.clone());
                    let (kid, now) = (key.id, fmt_time(Utc::now()));
                    self.store().write(|tx| {
                        tx.conn().execute(
                            "UPDATE keys SET provider_key_id = ?2, last_rotated_at = ?3, status = 'active', has_secret = 1 WHERE id = ?1",
                            rusqlite::params![kid, new_id, now],
                        )?;
                        Ok(())
                    })?;
                    self.record_step(r, Step::Created)?;
                }
                Step::Created => {
                    match provider.filter(|p| p.can_verify()) {
                        Some(p) => {
                            let secret = self.vault().get(&current)?.ok_or_else(|| Error::SecretMissing(key.full_ref()))?;
                            verify_with_retries(p, &key.full_ref(), &secret, key.user.as_deref(), opts.verify_timeout)?;
                        }
                        None => warnings.push("the new key could not be verified (no verify endpoint); test it yourself before confirming".into()),
                    }
                    self.record_step(r, Step::Verified)?;
                }
                Step::Verified => {
                    if !opts.confirm_updated {
                        return Ok(Some(Waiting::AppsUpdated));
                    }
                    self.record_step(r, Step::Confirmed)?;
                }
                Step::Confirmed => {
                    if let (Some(p), Some(old)) = (provider, r.old_key_id.clone()) {
                        p.set_active(&old, false)?;
                    }
                    r.deactivated_at = Some(Utc::now());
                    self.record_step(r, Step::Deactivated)?;
                }
                Step::Deactivated => {
                    if let (Some(p), Some(old), Some(since)) =
                        (provider, r.old_key_id.clone(), r.deactivated_at)
                    {
                        let calls = p.calls_since(&old, since)?;
                        if calls > 0 {
                            warnings.push(format!(
                                "the old key was used {calls} time(s) since it was deactivated: some application still has it"
                            ));
                        }
                    }
                    let until = r.grace_until().unwrap_or_else(Utc::now);
                    let local = provider.is_none();
                    if !local && !opts.end_grace && Utc::now() < until {
                        return Ok(Some(Waiting::GracePeriod { until }));
                    }
                    if let (Some(p), Some(old)) = (provider, r.old_key_id.clone()) {
                        p.delete(&old)?;
                    }
                    self.vault().delete(&previous)?;
                    self.record_step(r, Step::Done)?;
                }
                Step::Done | Step::Aborted => return Ok(None),
            }
        }
    }

    /// Step 1 proper: the new secret, made current. For a provider, any key left by an earlier
    /// attempt under the recorded name is deleted first (its secret never reached us).
    fn create_new_secret(
        &mut self,
        key: &KeyRecord,
        r: &mut Rotation,
        provider: Option<&dyn RotationProvider>,
        current: &str,
        new_secret: Option<NewSecret>,
    ) -> Result<()> {
        let Some(p) = provider else {
            let secret = match new_secret {
                Some(NewSecret::Given(s)) => crate::shelf::clean_imported(s)?.0,
                Some(NewSecret::Generate(spec)) => generate::generate(&spec)?.secret,
                None => generate::generate(&Spec::default())?.secret,
            };
            return self.vault().set(current, &secret);
        };
        let remote_name = r
            .remote_name
            .clone()
            .ok_or_else(|| Error::invalid("rotation", "no remote name recorded"))?;
        if let Some(orphan) = p.find_by_name(&remote_name)? {
            p.delete(&orphan)?;
        }
        let (id, secret) = p.create(&remote_name, key.user.as_deref())?;
        // The riskiest moment: the provider has the key, and its secret exists only here.
        fault_point("rotation:posted");
        if let Err(e) = self.vault().set(current, &secret) {
            // The secret cannot be kept: remove the key it belongs to, so no unusable duplicate
            // stays on the provider. The old key is untouched and still current.
            let _ = p.delete(&id);
            return Err(e);
        }
        r.new_key_id = Some(id);
        Ok(())
    }

    /// Abandons a rotation before the old key is deactivated: the old secret becomes current
    /// again, the new key is deleted on the provider, `#previous` is removed.
    pub fn abort_rotation(
        &mut self,
        keyref: &str,
        provider: Option<&dyn RotationProvider>,
    ) -> Result<Rotation> {
        let key = self.resolve(keyref)?;
        let mut r = self
            .active_rotation(key.id)?
            .ok_or_else(|| Error::NoRotation(key.full_ref()))?;
        if r.step >= Step::Deactivated {
            return Err(Error::invalid(
                "abort",
                "the old key is already deactivated; finish the rotation instead (Resume, or `keyshelf rotate KEYREF --resume`)",
            ));
        }
        let current = key_account(&key.provider, &key.name);
        let previous = previous_account(&key.provider, &key.name);
        // Old secret back first: from here on the old key works again, whatever fails next.
        if let Some(old) = self.vault().get(&previous)? {
            self.vault().set(&current, &old)?;
        }
        if let Some(p) = provider {
            let new_id = match (&r.new_key_id, &r.remote_name) {
                (Some(id), _) => Some(id.clone()),
                (None, Some(name)) => p.find_by_name(name)?,
                (None, None) => None,
            };
            if let Some(id) = new_id {
                p.delete(&id)?;
            }
        }
        let (kid, old_id, old_rot) = (
            key.id,
            r.old_key_id.clone(),
            r.old_last_rotated_at.map(fmt_time),
        );
        self.store().write(|tx| {
            tx.conn().execute(
                "UPDATE keys SET provider_key_id = ?2, last_rotated_at = ?3 WHERE id = ?1",
                rusqlite::params![kid, old_id, old_rot],
            )?;
            Ok(())
        })?;
        self.vault().delete(&previous)?;
        self.record_step(&mut r, Step::Aborted)?;
        Ok(r)
    }
}

fn verify_with_retries(
    p: &dyn RotationProvider,
    key: &str,
    secret: &Secret,
    user: Option<&str>,
    timeout: std::time::Duration,
) -> Result<()> {
    let start = Instant::now();
    let mut wait = std::time::Duration::from_millis(250);
    loop {
        match p.verify(secret, user) {
            Ok(()) => return Ok(()),
            Err(e) if start.elapsed() + wait > timeout => {
                return Err(Error::RotationVerifyFailed {
                    key: key.to_owned(),
                    secs: timeout.as_secs(),
                    why: e.to_string(),
                })
            }
            Err(_) => {
                std::thread::sleep(wait);
                wait = (wait * 2).min(std::time::Duration::from_secs(10));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shelf::NewKey;
    use crate::vault::{MemoryVault, Vault};
    use std::cell::{Cell, RefCell};
    use std::collections::{BTreeMap, HashSet};
    use std::sync::Arc;

    /// An in-memory provider for unit tests of this module only; the CLI tests use the simulator.
    #[derive(Default)]
    struct FakeProvider {
        keys: RefCell<BTreeMap<String, (String, String, bool)>>, // id -> (name, secret, active)
        next: Cell<u32>,
        failing: RefCell<HashSet<&'static str>>,
        verify_failures: Cell<u32>,
        old_key_calls: Cell<u64>,
    }

    impl FakeProvider {
        fn add(&self, name: &str, secret: &str) -> String {
            let n = self.next.get() + 1;
            self.next.set(n);
            let id = n.to_string();
            self.keys
                .borrow_mut()
                .insert(id.clone(), (name.into(), secret.into(), true));
            id
        }
        fn fail(&self, op: &'static str) -> Result<()> {
            if self.failing.borrow().contains(op) {
                return Err(Error::invalid("fake provider", format!("{op} failed")));
            }
            Ok(())
        }
        fn active_secrets(&self) -> Vec<String> {
            self.keys
                .borrow()
                .values()
                .filter(|k| k.2)
                .map(|k| k.1.clone())
                .collect()
        }
    }

    impl RotationProvider for FakeProvider {
        fn create(&self, remote_name: &str, _user: Option<&str>) -> Result<(String, Secret)> {
            self.fail("create")?;
            let secret = format!("new-secret-{}", self.next.get() + 1);
            Ok((self.add(remote_name, &secret), Secret::new(secret)))
        }
        fn find_by_name(&self, remote_name: &str) -> Result<Option<String>> {
            self.fail("find")?;
            Ok(self
                .keys
                .borrow()
                .iter()
                .find(|(_, k)| k.0 == remote_name)
                .map(|(id, _)| id.clone()))
        }
        fn can_verify(&self) -> bool {
            true
        }
        fn verify(&self, secret: &Secret, _user: Option<&str>) -> Result<()> {
            self.fail("verify")?;
            if self.verify_failures.get() > 0 {
                self.verify_failures.set(self.verify_failures.get() - 1);
                return Err(Error::invalid("fake provider", "not propagated yet"));
            }
            if self.active_secrets().iter().any(|s| s == secret.expose()) {
                Ok(())
            } else {
                Err(Error::invalid("fake provider", "invalid key"))
            }
        }
        fn set_active(&self, id: &str, active: bool) -> Result<()> {
            self.fail("set_active")?;
            if let Some(k) = self.keys.borrow_mut().get_mut(id) {
                k.2 = active;
            }
            Ok(())
        }
        fn delete(&self, id: &str) -> Result<()> {
            self.fail("delete")?;
            self.keys.borrow_mut().remove(id);
            Ok(())
        }
        fn calls_since(&self, _id: &str, _since: DateTime<Utc>) -> Result<u64> {
            Ok(self.old_key_calls.get())
        }
    }

    struct World {
        _dir: tempfile::TempDir,
        shelf: Keyshelf,
        vault: Arc<MemoryVault>,
        provider: FakeProvider,
    }

    const KEY: &str = "acme/prod-api-main";

    fn world() -> World {
        let dir = tempfile::tempdir().unwrap();
        let vault = Arc::new(MemoryVault::new());
        let mut shelf = Keyshelf::open(dir.path(), vault.clone()).unwrap();
        let provider = FakeProvider::default();
        let old_id = provider.add("prod-api-main", "old-secret");
        let new = NewKey {
            name: "prod-api-main".into(),
            env: "prod".into(),
            provider: Some("acme".into()),
            ..Default::default()
        };
        shelf.import(new, Secret::from("old-secret")).unwrap();
        let key = shelf.resolve(KEY).unwrap();
        shelf
            .store()
            .write(|tx| {
                tx.conn().execute(
                    "UPDATE keys SET provider_key_id = ?2 WHERE id = ?1",
                    rusqlite::params![key.id, old_id],
                )?;
                Ok(())
            })
            .unwrap();
        World {
            _dir: dir,
            shelf,
            vault,
            provider,
        }
    }

    fn fast() -> Options {
        Options {
            verify_timeout: std::time::Duration::from_millis(600),
            ..Options::default()
        }
    }

    fn current(w: &World) -> String {
        w.vault
            .get("acme/prod-api-main")
            .unwrap()
            .unwrap()
            .expose()
            .to_owned()
    }

    /// The invariant: the current keychain secret is an active key on the provider, and the
    /// provider holds at most two keys of this key (old and new).
    fn assert_consistent(w: &World) {
        let cur = current(w);
        assert!(
            w.provider.active_secrets().contains(&cur),
            "current secret {cur} is not active on the provider"
        );
        assert!(
            w.provider.keys.borrow().len() <= 2,
            "duplicate keys left: {:?}",
            w.provider.keys.borrow()
        );
    }

    #[test]
    fn a_full_rotation_keeps_a_working_key_at_every_step() {
        let mut w = world();
        w.shelf.start_rotation(KEY, 7).unwrap();
        let p = w
            .shelf
            .advance_rotation(KEY, Some(&w.provider), fast())
            .unwrap();
        assert_eq!(p.rotation.step, Step::Verified);
        assert_eq!(p.waiting_for, Some(Waiting::AppsUpdated));
        assert_ne!(current(&w), "old-secret");
        assert_eq!(
            w.vault
                .get("acme/prod-api-main#previous")
                .unwrap()
                .unwrap()
                .expose(),
            "old-secret"
        );
        assert_consistent(&w);

        let p = w
            .shelf
            .advance_rotation(
                KEY,
                Some(&w.provider),
                Options {
                    confirm_updated: true,
                    ..fast()
                },
            )
            .unwrap();
        assert_eq!(p.rotation.step, Step::Deactivated);
        assert!(
            matches!(p.waiting_for, Some(Waiting::GracePeriod { until }) if until > Utc::now())
        );
        assert_eq!(w.provider.active_secrets(), vec![current(&w)]);

        w.provider.old_key_calls.set(3);
        let p = w
            .shelf
            .advance_rotation(
                KEY,
                Some(&w.provider),
                Options {
                    end_grace: true,
                    ..fast()
                },
            )
            .unwrap();
        assert_eq!(p.rotation.step, Step::Done);
        assert!(p.warnings.iter().any(|w| w.contains("3 time(s)")));
        assert_eq!(w.provider.keys.borrow().len(), 1);
        assert!(w
            .vault
            .get("acme/prod-api-main#previous")
            .unwrap()
            .is_none());
        let key = w.shelf.resolve(KEY).unwrap();
        assert_eq!(key.provider_key_id, p.rotation.new_key_id);
        assert!(key.last_rotated_at.is_some());
    }

    #[test]
    fn only_one_rotation_per_key_at_a_time() {
        let mut w = world();
        w.shelf.start_rotation(KEY, 7).unwrap();
        assert_eq!(
            w.shelf.start_rotation(KEY, 7).unwrap_err().code(),
            "rotation_in_progress"
        );
        assert_eq!(
            w.shelf.remove(KEY).unwrap_err().code(),
            "rotation_in_progress"
        );
    }

    #[test]
    fn a_failure_at_any_provider_step_can_be_resumed_without_loss_or_duplicates() {
        for op in ["create", "find", "verify", "set_active", "delete"] {
            let mut w = world();
            w.shelf.start_rotation(KEY, 7).unwrap();
            w.provider.failing.borrow_mut().insert(op);
            let mut opts = Options {
                confirm_updated: true,
                end_grace: true,
                ..fast()
            };
            opts.verify_timeout = std::time::Duration::from_millis(300);
            let err = w
                .shelf
                .advance_rotation(KEY, Some(&w.provider), opts)
                .unwrap_err();
            assert!(err.to_string().contains("failed"), "{op}: {err}");
            assert_consistent(&w);
            let stored = w
                .shelf
                .active_rotation(w.shelf.resolve(KEY).unwrap().id)
                .unwrap()
                .unwrap();
            assert!(
                stored.last_error.is_some(),
                "{op}: the failure is recorded for --status"
            );

            w.provider.failing.borrow_mut().clear();
            let p = w
                .shelf
                .advance_rotation(
                    KEY,
                    Some(&w.provider),
                    Options {
                        confirm_updated: true,
                        end_grace: true,
                        ..fast()
                    },
                )
                .unwrap();
            assert_eq!(p.rotation.step, Step::Done, "{op}");
            assert_eq!(
                w.provider.keys.borrow().len(),
                1,
                "{op}: exactly the new key remains"
            );
            assert_consistent(&w);
        }
    }

    #[test]
    fn a_refused_keychain_write_leaves_the_old_key_current_and_no_new_key_behind() {
        let mut w = world();
        w.shelf.start_rotation(KEY, 7).unwrap();
        // Let step 1 save #previous, then refuse the write of the new secret.
        let opts = || Options {
            confirm_updated: true,
            end_grace: true,
            ..fast()
        };
        let r = w
            .shelf
            .active_rotation(w.shelf.resolve(KEY).unwrap().id)
            .unwrap()
            .unwrap();
        let mut r2 = r.clone();
        w.shelf
            .vault()
            .set("acme/prod-api-main#previous", &Secret::from("old-secret"))
            .unwrap();
        w.shelf.record_step(&mut r2, Step::PreviousSaved).unwrap();
        w.vault.fail_writes(true);
        assert_eq!(
            w.shelf
                .advance_rotation(KEY, Some(&w.provider), opts())
                .unwrap_err()
                .code(),
            "keychain_locked"
        );
        assert_eq!(current(&w), "old-secret");
        assert_eq!(
            w.provider.keys.borrow().len(),
            1,
            "the new key whose secret could not be kept was deleted"
        );
        w.vault.fail_writes(false);
        assert_eq!(
            w.shelf
                .advance_rotation(KEY, Some(&w.provider), opts())
                .unwrap()
                .rotation
                .step,
            Step::Done
        );
        assert_consistent(&w);
    }

    #[test]
    fn a_key_created_before_a_crash_is_replaced_not_duplicated() {
        let mut w = world();
        w.shelf.start_rotation(KEY, 7).unwrap();
        // Run to `creating`, then do what a process killed right after its POST leaves behind:
        // a key on the provider whose secret never reached the keychain.
        w.provider.failing.borrow_mut().insert("create");
        let _ = w.shelf.advance_rotation(KEY, Some(&w.provider), fast());
        w.provider.failing.borrow_mut().clear();
        let r = w
            .shelf
            .active_rotation(w.shelf.resolve(KEY).unwrap().id)
            .unwrap()
            .unwrap();
        assert_eq!(r.step, Step::Creating);
        w.provider
            .add(r.remote_name.as_deref().unwrap(), "lost-secret");
        assert_eq!(w.provider.keys.borrow().len(), 2);

        w.shelf
            .advance_rotation(KEY, Some(&w.provider), fast())
            .unwrap();
        let secrets: Vec<String> = w
            .provider
            .keys
            .borrow()
            .values()
            .map(|k| k.1.clone())
            .collect();
        assert_eq!(
            secrets.len(),
            2,
            "old and one new key, no duplicate: {secrets:?}"
        );
        assert!(!secrets.contains(&"lost-secret".to_string()));
        assert_consistent(&w);
    }

    #[test]
    fn verification_is_retried_while_the_key_propagates() {
        let mut w = world();
        w.shelf.start_rotation(KEY, 7).unwrap();
        w.provider.verify_failures.set(2);
        let p = w
            .shelf
            .advance_rotation(
                KEY,
                Some(&w.provider),
                Options {
                    verify_timeout: std::time::Duration::from_secs(5),
                    ..Options::default()
                },
            )
            .unwrap();
        assert_eq!(p.rotation.step, Step::Verified);
        let mut w2 = world();
        w2.shelf.start_rotation(KEY, 7).unwrap();
        w2.provider.verify_failures.set(100);
        let err = w2
            .shelf
            .advance_rotation(KEY, Some(&w2.provider), fast())
            .unwrap_err();
        assert_eq!(err.code(), "rotation_verify_failed");
        assert_consistent(&w2);
    }

    #[test]
    fn abort_restores_the_old_key_and_deletes_the_new_one() {
        let mut w = world();
        w.shelf.start_rotation(KEY, 7).unwrap();
        w.shelf
            .advance_rotation(KEY, Some(&w.provider), fast())
            .unwrap();
        let before = w.shelf.resolve(KEY).unwrap();
        assert_ne!(current(&w), "old-secret");
        let r = w.shelf.abort_rotation(KEY, Some(&w.provider)).unwrap();
        assert_eq!(r.step, Step::Aborted);
        assert_eq!(current(&w), "old-secret");
        assert_eq!(w.provider.active_secrets(), vec!["old-secret".to_string()]);
        assert!(w
            .vault
            .get("acme/prod-api-main#previous")
            .unwrap()
            .is_none());
        let after = w.shelf.resolve(KEY).unwrap();
        assert_eq!(after.provider_key_id.as_deref(), Some("1"));
        assert_ne!(after.last_rotated_at, before.last_rotated_at);
        // A new rotation can start after an abort.
        w.shelf.start_rotation(KEY, 7).unwrap();
    }

    #[test]
    fn abort_is_refused_once_the_old_key_is_deactivated() {
        let mut w = world();
        w.shelf.start_rotation(KEY, 7).unwrap();
        w.shelf
            .advance_rotation(
                KEY,
                Some(&w.provider),
                Options {
                    confirm_updated: true,
                    ..fast()
                },
            )
            .unwrap();
        assert_eq!(
            w.shelf
                .abort_rotation(KEY, Some(&w.provider))
                .unwrap_err()
                .code(),
            "invalid_input"
        );
    }

    #[test]
    fn a_local_key_rotates_to_a_generated_or_given_secret() {
        let dir = tempfile::tempdir().unwrap();
        let vault = Arc::new(MemoryVault::new());
        let mut shelf = Keyshelf::open(dir.path(), vault.clone()).unwrap();
        shelf
            .import(
                NewKey {
                    name: "k".into(),
                    env: "dev".into(),
                    ..Default::default()
                },
                Secret::from("old"),
            )
            .unwrap();
        shelf.start_rotation("k", 7).unwrap();
        let opts = Options {
            new_secret: Some(NewSecret::Given(Secret::from("pasted-new"))),
            ..fast()
        };
        let p = shelf.advance_rotation("k", None, opts).unwrap();
        assert_eq!(p.rotation.step, Step::Verified);
        assert!(p.warnings[0].contains("could not be verified"));
        assert_eq!(
            vault.get("local/k").unwrap().unwrap().expose(),
            "pasted-new"
        );
        let p = shelf
            .advance_rotation(
                "k",
                None,
                Options {
                    confirm_updated: true,
                    ..fast()
                },
            )
            .unwrap();
        assert_eq!(p.rotation.step, Step::Done);
        assert_eq!(vault.accounts(), vec!["local/k".to_string()]);
    }
}
