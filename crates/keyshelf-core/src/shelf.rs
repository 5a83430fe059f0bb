//! [`Keyshelf`]: the operations a user can do, over one store and one vault.
//!
//! The CLI and the desktop shell call these and nothing below them. Every operation that writes
//! both the keychain and the store orders the steps so a working secret is never lost: the store
//! change is prepared inside a transaction, the keychain written, and only then the transaction
//! committed (a keychain failure rolls the row back; nothing is written anywhere else).

use crate::generate::{self, Spec};
use crate::names::{self, KeyRef};
use crate::policy::{self, DueState, Environment, DEFAULT_DUE_SOON_DAYS, MAX_INTERVAL_DAYS};
pub use crate::store::Origin;
use crate::store::{AuditEvent, KeyFilter, KeyRecord, KeyStatus, NewKeyRecord, RemoteState, Store};
use crate::vault::{self, KeyringVault, Vault, LOCAL_PROVIDER};
use crate::{Error, Result, Secret};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The largest secret accepted on import, in bytes. API keys are far smaller; a larger input is
/// almost certainly the wrong file.
pub const MAX_SECRET_BYTES: usize = 16 * 1024;

/// The setting that holds the due-soon window in days.
const DUE_SOON_SETTING: &str = "due_soon_days";

/// The setting that holds the clipboard clear delay in seconds.
const CLIPBOARD_CLEAR_SETTING: &str = "clipboard_clear_secs";

/// How long a copied secret stays on the clipboard unless the user says otherwise.
pub const DEFAULT_CLIPBOARD_CLEAR_SECS: u32 = 30;

/// The longest clear delay accepted (a day); longer is better said as 0, never.
pub const MAX_CLIPBOARD_CLEAR_SECS: u32 = 86_400;

/// The variable that overrides where Keyshelf keeps its database.
pub const HOME_ENV: &str = "KEYSHELF_HOME";

/// A key with its rotation schedule computed, as the CLI and UI show it. Never holds the secret.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct KeyView {
    #[serde(flatten)]
    pub key: KeyRecord,
    /// The status to show: `gone` (deleted on the provider), `no-local-secret`, or the stored one.
    #[serde(rename = "status")]
    pub display_status: String,
    /// The interval in force (the key's override, else its environment's).
    #[serde(rename = "interval_days")]
    pub effective_interval_days: u32,
    #[cfg_attr(feature = "specta", specta(type = String))]
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub due_at: DateTime<Utc>,
    pub state: DueState,
    pub days_left: i64,
    /// For a key shared with a team: who published its current shared version (the teammate
    /// who rotated it last, or who shared it).
    pub rotated_by: Option<String>,
}

/// What the user gives for a new key (generated or imported).
#[derive(Debug, Clone, Default)]
pub struct NewKey {
    pub name: String,
    pub env: String,
    /// `None` for a key of no provider (`local`).
    pub provider: Option<String>,
    pub user: Option<String>,
    pub var_name: Option<String>,
    pub tags: Vec<String>,
    pub notes: String,
    /// When the secret was last rotated, if known (import of an existing key).
    pub rotated_at: Option<DateTime<Utc>>,
}

/// The result of an import: the key and what looked wrong about the value.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Serialize)]
pub struct Imported {
    pub key: KeyView,
    pub warnings: Vec<String>,
}

/// The result of a generation.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Serialize)]
pub struct GeneratedKey {
    pub key: KeyView,
    pub entropy_bits: f64,
}

/// Keyshelf over one home directory.
pub struct Keyshelf {
    home: PathBuf,
    store: Store,
    vault: Arc<dyn Vault>,
}

impl Keyshelf {
    /// The home directory: `$KEYSHELF_HOME`, else the platform's data directory + `keyshelf`.
    pub fn default_home() -> Result<PathBuf> {
        if let Some(h) = std::env::var_os(HOME_ENV).filter(|h| !h.is_empty()) {
            return Ok(PathBuf::from(h));
        }
        dirs::data_dir().map(|d| d.join("keyshelf")).ok_or_else(|| {
            Error::invalid(
                "home directory",
                format!("no data directory is known for this user; set {HOME_ENV}"),
            )
        })
    }

    /// Opens the default home with the OS keychain.
    pub fn open_default() -> Result<Self> {
        Self::open(&Self::default_home()?, Arc::new(KeyringVault))
    }

    /// Opens (creating) the home at `home` with `vault`.
    pub fn open(home: &Path, vault: Arc<dyn Vault>) -> Result<Self> {
        create_private_dir(home)?;
        let store = Store::open(&home.join("keyshelf.db"))?;
        Ok(Keyshelf {
            home: home.to_owned(),
            store,
            vault,
        })
    }

    /// The home directory in use.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The vault, for modules built on top of this one.
    pub fn vault(&self) -> &dyn Vault {
        self.vault.as_ref()
    }

    /// The vault as a shared handle, for modules that hold it across a store transaction.
    pub fn vault_arc(&self) -> Arc<dyn Vault> {
        Arc::clone(&self.vault)
    }

    /// The store, for modules built on top of this one.
    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The store, read only.
    pub fn store_ref(&self) -> &Store {
        &self.store
    }

    // --- keys ---------------------------------------------------------------------------------

    /// Generates a key locally and stores it.
    pub fn generate(&mut self, new: NewKey, spec: &Spec) -> Result<GeneratedKey> {
        generate::validate(spec)?;
        let generated = generate::generate(spec)?;
        let detail = format!("{} bits", generated.entropy_bits.floor());
        let key = self.add_key(new, &generated.secret, Origin::Generated, &detail)?;
        Ok(GeneratedKey {
            key,
            entropy_bits: generated.entropy_bits,
        })
    }

    /// Imports an existing secret. A single trailing newline is dropped (it comes with `echo` and
    /// most editors); other surrounding whitespace is kept but reported, as seed 004's
    /// troubleshooting names it as a cause of keys that "do not work".
    pub fn import(&mut self, new: NewKey, raw: Secret) -> Result<Imported> {
        let (secret, warnings) = clean_imported(raw)?;
        let key = self.add_key(new, &secret, Origin::Imported, "")?;
        Ok(Imported { key, warnings })
    }

    /// Stores a key a team shared (origin `team`; `team` in its history).
    pub(crate) fn add_team_key(
        &mut self,
        new: NewKey,
        secret: &Secret,
        team: &str,
    ) -> Result<KeyView> {
        self.add_key(new, secret, Origin::Team, team)
    }

    fn add_key(
        &mut self,
        new: NewKey,
        secret: &Secret,
        origin: Origin,
        detail: &str,
    ) -> Result<KeyView> {
        let record = self.check_new_key(&new, origin)?;
        let account = vault::key_account(&record.provider, &record.name);
        let vault = Arc::clone(&self.vault);
        let key = self.store.write(|tx| {
            let key = tx.insert_key(&record)?;
            // Inside the transaction: a refused keychain write rolls the row back.
            vault.set(&account, secret)?;
            tx.audit(Some(&key.full_ref()), origin.action(), detail)?;
            Ok(key)
        })?;
        self.view(key)
    }

    /// Checks a new key (name, environment, variable, date) without writing anything, so callers
    /// can refuse bad input before asking for the secret.
    pub fn check_new(&self, new: &NewKey) -> Result<()> {
        self.check_new_key(new, Origin::Imported).map(drop)
    }

    /// Validates a new key and turns it into a row, without writing anything.
    pub(crate) fn check_new_key(&self, new: &NewKey, origin: Origin) -> Result<NewKeyRecord> {
        names::validate_name(&new.name)?;
        let provider = match &new.provider {
            Some(p) => {
                names::validate_provider_name(p)?;
                p.clone()
            }
            None => LOCAL_PROVIDER.to_owned(),
        };
        if self.store.read().environment(&new.env)?.is_none() {
            return Err(Error::UnknownEnvironment(names::printable(&new.env)));
        }
        if let Some(var) = &new.var_name {
            validate_var_name(var)?;
        }
        let now = Utc::now();
        if let Some(at) = new.rotated_at {
            if at > now {
                return Err(Error::invalid("rotated-at", "the date is in the future"));
            }
        }
        Ok(NewKeyRecord {
            name: new.name.clone(),
            provider,
            provider_key_id: None,
            env: new.env.clone(),
            status: KeyStatus::Active,
            has_secret: true,
            remote_state: None,
            user: new.user.clone(),
            var_name: new.var_name.clone(),
            origin,
            created_at: new.rotated_at.unwrap_or(now),
            last_rotated_at: new.rotated_at,
            tags: new.tags.clone(),
            notes: new.notes.clone(),
        })
    }

    /// Resolves a `KEYREF` (`NAME` when unique, else `PROVIDER/NAME`).
    pub fn resolve(&self, keyref: &str) -> Result<KeyRecord> {
        let r = KeyRef::parse(keyref)?;
        let filter = KeyFilter {
            name: Some(r.name.clone()),
            provider: r.provider.clone(),
            ..Default::default()
        };
        let mut found = self.store.read().keys(&filter)?;
        match found.len() {
            0 => Err(Error::KeyNotFound(names::printable(keyref))),
            1 => Ok(found.remove(0)),
            _ => Err(Error::AmbiguousKey {
                name: r.name,
                candidates: found
                    .iter()
                    .map(KeyRecord::full_ref)
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// One key with its schedule.
    pub fn show(&self, keyref: &str) -> Result<KeyView> {
        let key = self.resolve(keyref)?;
        self.view(key)
    }

    /// Keys matching a filter, with their schedules.
    pub fn list(&self, filter: &KeyFilter) -> Result<Vec<KeyView>> {
        self.list_as_of(filter, Utc::now())
    }

    /// [`Keyshelf::list`] with the schedules as they stand at `now`.
    pub fn list_as_of(&self, filter: &KeyFilter, now: DateTime<Utc>) -> Result<Vec<KeyView>> {
        let envs = self.environment_intervals()?;
        // A misspelt environment would otherwise look like an empty one.
        if let Some(env) = &filter.env {
            if !envs.iter().any(|(name, _)| name == env) {
                return Err(Error::UnknownEnvironment(names::printable(env)));
            }
        }
        let ctx = ViewContext {
            envs,
            soon: self.due_soon_days()?,
            exact_window: false,
            now,
            rotated_by: self.store.read().team_publishers()?,
        };
        let keys = self.store.read().keys(filter)?;
        Ok(keys.into_iter().map(|k| make_view(k, &ctx)).collect())
    }

    /// Keys due soon or overdue, most urgent first. `within_days` overrides the due-soon window.
    pub fn due(&self, within_days: Option<u32>) -> Result<Vec<KeyView>> {
        self.due_as_of(within_days, Utc::now())
    }

    /// [`Keyshelf::due`] as it stands at `now` (reminders and tests pass their own clock).
    pub fn due_as_of(&self, within_days: Option<u32>, now: DateTime<Utc>) -> Result<Vec<KeyView>> {
        let ctx = ViewContext {
            envs: self.environment_intervals()?,
            soon: match within_days {
                Some(d) => d,
                None => self.due_soon_days()?,
            },
            exact_window: within_days.is_some(),
            now,
            rotated_by: self.store.read().team_publishers()?,
        };
        let mut due: Vec<KeyView> = self.store.read().due_candidates(now, ctx.soon, |k| {
            Some(make_view(k, &ctx)).filter(|v| v.state != DueState::Ok)
        })?;
        // Most urgent first, then by name (and provider, so the order is total). Sorted as
        // (due time, position) pairs and then put in place: a view is a few hundred bytes, and
        // sorting the views themselves was a tenth of `due` over 100,000 keys; the due time
        // beside the position spares most comparisons a look into the views.
        let mut order: Vec<(DateTime<Utc>, usize)> =
            due.iter().enumerate().map(|(i, v)| (v.due_at, i)).collect();
        order.sort_unstable_by(|&(at_a, a), &(at_b, b)| {
            at_a.cmp(&at_b).then_with(|| {
                let (a, b) = (&due[a].key, &due[b].key);
                (&a.name, &a.provider).cmp(&(&b.name, &b.provider))
            })
        });
        let mut order: Vec<usize> = order.into_iter().map(|(_, i)| i).collect();
        permute(&mut due, &mut order);
        Ok(due)
    }

    /// Reads a key's secret from the keychain and records why (`purpose`: `get`, `copy`, `exec`…).
    pub fn secret(&mut self, keyref: &str, purpose: &str) -> Result<Secret> {
        let key = self.resolve(keyref)?;
        self.secret_of(&key, purpose)
    }

    /// Reads the secret of an already resolved key and records why.
    pub fn secret_of(&mut self, key: &KeyRecord, purpose: &str) -> Result<Secret> {
        self.secret_with_detail(key, purpose, "")
    }

    /// Reads the secret of a resolved key and records why and how (`detail`: the format or
    /// variable it is handed out as; never the value). The key's "last copied" time is set.
    pub fn secret_with_detail(
        &mut self,
        key: &KeyRecord,
        purpose: &str,
        detail: &str,
    ) -> Result<Secret> {
        self.read_secret(key, purpose, detail, true)
    }

    /// Reads the secrets of several resolved keys (`exec`, `env`), each handed out as its
    /// `detail` says: one keychain call for all of them and one transaction recording them.
    /// A missing secret fails the whole call; the reads before it are recorded, as they would
    /// be one by one.
    pub fn secrets_with_details(
        &mut self,
        reads: &[(&KeyRecord, String)],
        purpose: &str,
    ) -> Result<Vec<Secret>> {
        let accounts: Vec<String> = reads
            .iter()
            .map(|(key, _)| vault::key_account(&key.provider, &key.name))
            .collect();
        let found = self.vault.get_many(&accounts)?;
        let read = found
            .iter()
            .position(Option::is_none)
            .unwrap_or(found.len());
        let now = Utc::now();
        self.store.record(|tx| {
            for (key, detail) in &reads[..read] {
                tx.touch_copied(key.id, now)?;
                tx.audit(Some(&key.full_ref()), purpose, detail)?;
            }
            Ok(())
        })?;
        reads
            .iter()
            .zip(found)
            .map(|((key, _), secret)| secret.ok_or_else(|| Error::SecretMissing(key.full_ref())))
            .collect()
    }

    /// Reads the secret of a resolved key for Keyshelf's own use (verifying it against the
    /// provider): audited, but not a hand-out, so "last copied" stays as it was.
    pub fn secret_for_own_use(&mut self, key: &KeyRecord, purpose: &str) -> Result<Secret> {
        self.read_secret(key, purpose, "", false)
    }

    fn read_secret(
        &mut self,
        key: &KeyRecord,
        purpose: &str,
        detail: &str,
        handed_out: bool,
    ) -> Result<Secret> {
        let account = vault::key_account(&key.provider, &key.name);
        let secret = self
            .vault
            .get(&account)?
            .ok_or_else(|| Error::SecretMissing(key.full_ref()))?;
        self.store.record(|tx| {
            if handed_out {
                tx.touch_copied(key.id, Utc::now())?;
            }
            tx.audit(Some(&key.full_ref()), purpose, detail)
        })?;
        Ok(secret)
    }

    /// Removes a key from Keyshelf: its metadata, then its keychain entry (not from a provider).
    ///
    /// The row goes first: a crash in between leaves an orphaned keychain item (harmless, and
    /// removable with `secret-tool clear`), never a row that points at a secret that is gone.
    pub fn remove(&mut self, keyref: &str) -> Result<KeyRecord> {
        let key = self.resolve(keyref)?;
        self.refuse_during_rotation(&key)?;
        // Check the keychain is usable before committing to anything.
        let account = vault::key_account(&key.provider, &key.name);
        self.vault.get(&account)?;
        let me = crate::rotation::owner::new_token();
        self.store.write(|tx| {
            // Checked again in the transaction that deletes: a rotation cannot start in between.
            if tx.active_rotation(key.id)?.is_some() {
                return Err(Error::RotationInProgress(key.full_ref()));
            }
            tx.refuse_claimed(
                key.id,
                &key.full_ref(),
                &me,
                crate::rotation::owner::is_alive,
            )?;
            tx.delete_key(key.id)?;
            tx.audit(Some(&key.full_ref()), "remove", "")
        })?;
        self.vault.delete(&account).map_err(|e| Error::Keychain {
            detail: format!("{} was removed from Keyshelf, but its keychain item {account:?} could not be deleted ({e}); delete it with `secret-tool clear service keyshelf username {account}`", key.full_ref()),
        })?;
        Ok(key)
    }

    /// Runs `f` (a change of `key` on its provider) holding the key: refused with
    /// [`Error::RotationInProgress`] while it is being rotated and [`Error::KeyBusy`] while
    /// another process changes it, and no rotation can start until `f` is done.
    pub(crate) fn holding_key<T>(
        &mut self,
        key: &KeyRecord,
        action: &str,
        f: impl FnOnce(&mut Self, &str) -> Result<T>,
    ) -> Result<T> {
        let me = crate::rotation::owner::new_token();
        let full = key.full_ref();
        self.store.write(|tx| {
            tx.claim_key(key.id, &full, &me, action, crate::rotation::owner::is_alive)
        })?;
        let out = f(self, &me);
        // Best effort: a claim left behind belongs to this process, which ends.
        let _ = self.store.write(|tx| tx.release_key(key.id, &me));
        out
    }

    /// Refuses a change to a key that is being rotated ([`Error::RotationInProgress`]): removing,
    /// deleting, activating or deactivating it mid-rotation would act on the new key and orphan
    /// the old one.
    pub(crate) fn refuse_during_rotation(&self, key: &KeyRecord) -> Result<()> {
        match self.active_rotation(key.id)? {
            Some(_) => Err(Error::RotationInProgress(key.full_ref())),
            None => Ok(()),
        }
    }

    /// Sets or clears a key's own rotation interval.
    pub fn set_key_interval(&mut self, keyref: &str, days: Option<u32>) -> Result<KeyView> {
        if let Some(d) = days {
            validate_interval(d)?;
        }
        let key = self.resolve(keyref)?;
        self.store.write(|tx| {
            tx.set_key_interval(key.id, days)?;
            tx.audit(
                Some(&key.full_ref()),
                "interval",
                &days.map_or("environment".into(), |d| format!("{d} days")),
            )
        })?;
        self.show(&key.full_ref())
    }

    /// Sets or clears a key's default environment variable name (for `exec`, `env`, `copy --format env`).
    pub fn set_var_name(&mut self, keyref: &str, var: Option<&str>) -> Result<KeyView> {
        if let Some(v) = var {
            validate_var_name(v)?;
        }
        let key = self.resolve(keyref)?;
        self.store.write(|tx| {
            tx.set_var_name(key.id, var)?;
            tx.audit(Some(&key.full_ref()), "var", var.unwrap_or("cleared"))
        })?;
        self.show(&key.full_ref())
    }

    /// Seconds after which a copied secret is cleared from the clipboard; 0 = never.
    pub fn clipboard_clear_secs(&self) -> Result<u32> {
        Ok(self
            .store
            .read()
            .setting(CLIPBOARD_CLEAR_SETTING)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_CLIPBOARD_CLEAR_SECS))
    }

    /// Sets the clipboard clear delay in seconds (0 = never clear).
    pub fn set_clipboard_clear_secs(&mut self, secs: u32) -> Result<()> {
        if secs > MAX_CLIPBOARD_CLEAR_SECS {
            return Err(Error::invalid(
                "clipboard clear delay",
                format!("at most {MAX_CLIPBOARD_CLEAR_SECS} seconds (0 = never clear)"),
            ));
        }
        self.store
            .write(|tx| tx.set_setting(CLIPBOARD_CLEAR_SETTING, &secs.to_string()))
    }

    /// Snoozes a key's reminder until `until` (`None` clears the snooze).
    pub fn snooze(&mut self, keyref: &str, until: Option<DateTime<Utc>>) -> Result<KeyView> {
        let key = self.resolve(keyref)?;
        self.store.write(|tx| {
            tx.set_snooze(key.id, until)?;
            tx.audit(
                Some(&key.full_ref()),
                "snooze",
                &until.map_or("cleared".into(), crate::store::fmt_time),
            )
        })?;
        self.show(&key.full_ref())
    }

    /// A key's audit history (or everyone's), newest first.
    pub fn audit(&self, keyref: Option<&str>, limit: usize) -> Result<Vec<AuditEvent>> {
        let full = keyref
            .map(|r| self.resolve(r).map(|k| k.full_ref()))
            .transpose()?;
        self.store.read().audit_events(full.as_deref(), limit)
    }

    pub(crate) fn view(&self, key: KeyRecord) -> Result<KeyView> {
        let rotated_by = self.store.read().team_publisher(key.id)?;
        let ctx = ViewContext {
            envs: self.environment_intervals()?,
            soon: self.due_soon_days()?,
            exact_window: false,
            now: Utc::now(),
            rotated_by: rotated_by.map(|by| (key.id, by)).into_iter().collect(),
        };
        Ok(make_view(key, &ctx))
    }

    // --- environments and policy --------------------------------------------------------------

    /// All environments.
    pub fn environments(&self) -> Result<Vec<Environment>> {
        self.store.read().environments()
    }

    /// Creates an environment or changes its interval.
    pub fn set_environment(&mut self, name: &str, interval_days: u32) -> Result<Environment> {
        names::validate_name(name).map_err(|_| {
            Error::invalid(
                format!("environment {:?}", names::printable(name)),
                "use 1–128 characters, no `/`, `#` or control characters",
            )
        })?;
        validate_interval(interval_days)?;
        let env = Environment {
            name: name.to_owned(),
            interval_days,
        };
        self.store.write(|tx| {
            tx.set_environment(&env)?;
            tx.audit(None, "policy", &format!("{name} = {interval_days} days"))
        })?;
        Ok(env)
    }

    /// Removes an environment no key uses.
    pub fn remove_environment(&mut self, name: &str) -> Result<()> {
        self.store.write(|tx| {
            if !tx.remove_environment(name)? {
                return Err(Error::UnknownEnvironment(names::printable(name)));
            }
            tx.audit(None, "policy", &format!("{name} removed"))
        })
    }

    /// The due-soon window in days.
    pub fn due_soon_days(&self) -> Result<u32> {
        Ok(self
            .store
            .read()
            .setting(DUE_SOON_SETTING)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_DUE_SOON_DAYS))
    }

    /// Sets the due-soon window in days.
    pub fn set_due_soon_days(&mut self, days: u32) -> Result<()> {
        if days > 365 {
            return Err(Error::invalid("due-soon window", "at most 365 days"));
        }
        self.store
            .write(|tx| tx.set_setting(DUE_SOON_SETTING, &days.to_string()))
    }

    fn environment_intervals(&self) -> Result<Vec<(String, u32)>> {
        Ok(self
            .environments()?
            .into_iter()
            .map(|e| (e.name, e.interval_days))
            .collect())
    }
}

/// Puts `items` in the order `order` gives (`order[i]` is the index of the item that goes to
/// place `i`), by swaps, without a second copy. Each place follows the chain of earlier swaps
/// to where its item went (the method of std's `sort_by_cached_key`). `order` is used up.
fn permute<T>(items: &mut [T], order: &mut [usize]) {
    for i in 0..items.len().min(order.len()) {
        let mut from = order[i];
        while from < i {
            from = order[from];
        }
        order[i] = from;
        items.swap(i, from);
    }
}

/// Computes a key's schedule from the environments' intervals.
/// A key's rotation interval: its own, else its environment's, else the strictest default (a key
/// whose environment was removed behind our back). `store::keys::due_candidates` says the same
/// in SQL.
pub(crate) fn interval_days(own: Option<u32>, env: &str, envs: &[(String, u32)]) -> u32 {
    let env_interval = envs.iter().find(|(n, _)| n == env).map(|(_, d)| *d);
    own.or(env_interval).unwrap_or(30)
}

/// What computing a key's schedule needs beside the key.
struct ViewContext {
    /// Every environment's interval.
    envs: Vec<(String, u32)>,
    /// The due-soon window in days.
    soon: u32,
    /// True when the window was asked for (`due --within`): it then applies to every key, even
    /// one with its own window from a team policy.
    exact_window: bool,
    now: DateTime<Utc>,
    /// Key id → who published the current version of the team entry it is shared as.
    rotated_by: std::collections::HashMap<i64, String>,
}

fn make_view(key: KeyRecord, ctx: &ViewContext) -> KeyView {
    let interval = interval_days(key.interval_days, &key.env, &ctx.envs);
    let soon = match key.due_soon_days {
        Some(own) if !ctx.exact_window => own,
        _ => ctx.soon,
    };
    let due = policy::due(
        key.created_at,
        key.last_rotated_at,
        interval,
        soon,
        key.snoozed_until,
        ctx.now,
    );
    let display_status = if key.remote_state == Some(RemoteState::Gone) {
        "gone".to_owned()
    } else if key.status == KeyStatus::Pending {
        "pending".to_owned()
    } else if !key.has_secret {
        "no-local-secret".to_owned()
    } else {
        key.status.as_str().to_owned()
    };
    KeyView {
        rotated_by: ctx.rotated_by.get(&key.id).cloned(),
        key,
        display_status,
        effective_interval_days: interval,
        due_at: due.due_at,
        state: due.state,
        days_left: due.days_left,
    }
}

/// Checks a secret typed or piped in by the user and drops the one trailing newline that comes
/// with it; returns warnings about other surrounding whitespace.
pub fn clean_imported(raw: Secret) -> Result<(Secret, Vec<String>)> {
    let value = raw.expose();
    let trimmed = value
        .strip_suffix("\r\n")
        .or_else(|| value.strip_suffix('\n'))
        .unwrap_or(value);
    if trimmed.is_empty() {
        return Err(Error::invalid(
            "secret",
            "it is empty; pipe the key on stdin or type it at the prompt",
        ));
    }
    if trimmed.len() > MAX_SECRET_BYTES {
        return Err(Error::invalid("secret", format!("it is {} bytes, more than the {MAX_SECRET_BYTES} an API key can plausibly be; is this the right input?", trimmed.len())));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Error::invalid(
            "secret",
            "it contains control characters (NUL, escape…); API keys are printable text",
        ));
    }
    if trimmed.contains('\n') || trimmed.contains('\r') {
        return Err(Error::invalid(
            "secret",
            "it spans several lines; pipe one key at a time",
        ));
    }
    let mut warnings = Vec::new();
    if trimmed.trim() != trimmed {
        warnings.push(
            "the key has leading or trailing whitespace, kept as given; stray spaces are a common reason a key does not work".to_owned(),
        );
    }
    Ok((Secret::new(trimmed.to_owned()), warnings))
}

/// Environment variable names: shell-safe, `[A-Za-z_][A-Za-z0-9_]*`.
pub fn validate_var_name(var: &str) -> Result<()> {
    let mut chars = var.chars();
    let ok_first = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !ok_first || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') || var.len() > 128 {
        return Err(Error::invalid(
            format!("variable name {:?}", names::printable(var)),
            "use letters, digits and `_`, not starting with a digit (e.g. STRIPE_API_KEY)",
        ));
    }
    Ok(())
}

fn validate_interval(days: u32) -> Result<()> {
    if days == 0 || days > MAX_INTERVAL_DAYS {
        return Err(Error::invalid(
            "interval",
            format!("{days} days; use 1 to {MAX_INTERVAL_DAYS}"),
        ));
    }
    Ok(())
}

/// Creates the home directory readable by the user only.
fn create_private_dir(dir: &Path) -> Result<()> {
    let io = |source| Error::Io {
        what: format!("cannot create {}", dir.display()),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::MemoryVault;
    use chrono::Duration;

    fn shelf() -> (tempfile::TempDir, Keyshelf, Arc<MemoryVault>) {
        let dir = tempfile::tempdir().unwrap();
        let vault = Arc::new(MemoryVault::new());
        let shelf = Keyshelf::open(dir.path(), vault.clone()).unwrap();
        (dir, shelf, vault)
    }

    fn new(name: &str, env: &str) -> NewKey {
        NewKey {
            name: name.into(),
            env: env.into(),
            ..Default::default()
        }
    }

    #[test]
    fn generated_keys_land_in_the_vault_under_the_convention() {
        let (_d, mut s, vault) = shelf();
        let g = s
            .generate(new("dev-app-ci-2026-11", "dev"), &Spec::default())
            .unwrap();
        assert_eq!(g.key.key.provider, "local");
        assert_eq!(
            vault.accounts(),
            vec!["local/dev-app-ci-2026-11".to_string()]
        );
        assert_eq!(s.secret("dev-app-ci-2026-11", "get").unwrap().len(), 64);
    }

    #[test]
    fn a_refused_keychain_write_leaves_no_row() {
        let (_d, mut s, vault) = shelf();
        vault.fail_writes(true);
        let err = s.generate(new("k", "dev"), &Spec::default()).unwrap_err();
        assert_eq!(err.code(), "keychain_locked");
        assert!(s.list(&KeyFilter::default()).unwrap().is_empty());
    }

    #[test]
    fn import_trims_one_newline_and_warns_about_other_whitespace() {
        let (_d, mut s, _v) = shelf();
        let i = s.import(new("a", "dev"), Secret::from("abc\n")).unwrap();
        assert!(i.warnings.is_empty());
        assert_eq!(s.secret("a", "get").unwrap().expose(), "abc");
        let i = s.import(new("b", "dev"), Secret::from(" abc \n")).unwrap();
        assert_eq!(i.warnings.len(), 1);
        assert_eq!(s.secret("b", "get").unwrap().expose(), " abc ");
    }

    #[test]
    fn bad_imports_are_refused_and_change_nothing() {
        let (_d, mut s, vault) = shelf();
        for bad in ["", "\n", "a\0b", "a\nb", &"x".repeat(MAX_SECRET_BYTES + 1)] {
            assert_eq!(
                s.import(new("a", "dev"), Secret::from(bad))
                    .unwrap_err()
                    .code(),
                "invalid_input"
            );
        }
        assert_eq!(
            s.import(new("a", "nope"), Secret::from("v"))
                .unwrap_err()
                .code(),
            "unknown_environment"
        );
        assert_eq!(
            s.import(new("a/b", "dev"), Secret::from("v"))
                .unwrap_err()
                .code(),
            "invalid_name"
        );
        assert!(vault.accounts().is_empty());
        assert!(s.list(&KeyFilter::default()).unwrap().is_empty());
    }

    #[test]
    fn a_duplicate_name_keeps_the_first_secret() {
        let (_d, mut s, _v) = shelf();
        s.import(new("a", "dev"), Secret::from("first")).unwrap();
        assert_eq!(
            s.import(new("a", "dev"), Secret::from("second"))
                .unwrap_err()
                .code(),
            "key_exists"
        );
        assert_eq!(s.secret("a", "get").unwrap().expose(), "first");
    }

    #[test]
    fn bare_names_resolve_only_when_unique() {
        let (_d, mut s, _v) = shelf();
        s.import(new("a", "dev"), Secret::from("1")).unwrap();
        s.import(
            NewKey {
                provider: Some("acme".into()),
                ..new("a", "dev")
            },
            Secret::from("2"),
        )
        .unwrap();
        assert_eq!(s.resolve("a").unwrap_err().code(), "ambiguous_key");
        assert_eq!(s.secret("acme/a", "get").unwrap().expose(), "2");
        assert_eq!(s.secret("local/a", "get").unwrap().expose(), "1");
        assert_eq!(s.resolve("zzz").unwrap_err().code(), "key_not_found");
    }

    #[test]
    fn due_uses_environment_intervals_and_overrides() {
        let (_d, mut s, _v) = shelf();
        let old = Utc::now() - Duration::days(45);
        s.import(
            NewKey {
                rotated_at: Some(old),
                ..new("dev-old", "dev")
            },
            Secret::from("1"),
        )
        .unwrap();
        s.import(
            NewKey {
                rotated_at: Some(old),
                ..new("prod-old", "prod")
            },
            Secret::from("2"),
        )
        .unwrap();
        let due = s.due(None).unwrap();
        assert_eq!(
            due.iter().map(|v| v.key.name.as_str()).collect::<Vec<_>>(),
            vec!["dev-old"]
        );
        assert_eq!(due[0].state, DueState::Overdue);
        s.set_key_interval("prod-old", Some(40)).unwrap();
        assert_eq!(s.due(None).unwrap().len(), 2);
        s.set_environment("dev", 60).unwrap();
        assert_eq!(s.due(None).unwrap().len(), 1);
    }

    #[test]
    fn due_finds_exactly_the_keys_the_full_computation_finds() {
        // `due` filters in SQL first; at every hour around the window edges of every interval
        // it must agree with computing the state of every key.
        let (_d, mut s, _v) = shelf();
        let base = Utc::now() - Duration::days(100);
        for (i, age_hours) in (0..24 * 100).step_by(7).enumerate() {
            let env = ["dev", "staging", "prod", "dev"][i % 4];
            s.import(
                NewKey {
                    rotated_at: Some(base + Duration::hours(age_hours)),
                    ..new(&format!("k{i}"), env)
                },
                Secret::from("1"),
            )
            .unwrap();
            if i % 9 == 0 {
                s.set_key_interval(&format!("k{i}"), Some(1 + (i as u32 % 50)))
                    .unwrap();
            }
        }
        s.snooze("k4", Some(Utc::now() + Duration::days(3)))
            .unwrap();
        for offset_hours in (0..24 * 40).step_by(5) {
            let now = Utc::now() + Duration::hours(offset_hours);
            for window in [None, Some(0), Some(3)] {
                let ctx = ViewContext {
                    envs: s.environment_intervals().unwrap(),
                    soon: window.unwrap_or_else(|| s.due_soon_days().unwrap()),
                    exact_window: window.is_some(),
                    now,
                    rotated_by: Default::default(),
                };
                let mut expected: Vec<KeyView> = s
                    .store
                    .read()
                    .keys(&KeyFilter::default())
                    .unwrap()
                    .into_iter()
                    .map(|k| make_view(k, &ctx))
                    .filter(|v| v.state != DueState::Ok)
                    .collect();
                // Most urgent first, ties by name: the order `due` promises.
                expected.sort_by(|a, b| {
                    (a.due_at, &a.key.name, &a.key.provider).cmp(&(
                        b.due_at,
                        &b.key.name,
                        &b.key.provider,
                    ))
                });
                let expected: Vec<String> = expected.into_iter().map(|v| v.key.name).collect();
                let got: Vec<String> = s
                    .due_as_of(window, now)
                    .unwrap()
                    .into_iter()
                    .map(|v| v.key.name)
                    .collect();
                assert_eq!(got, expected, "at +{offset_hours} h, window {window:?}");
            }
        }
    }

    #[test]
    fn permute_puts_every_item_where_the_order_says() {
        // Every permutation of five items, and a long pseudo-random one.
        let mut orders: Vec<Vec<usize>> = Vec::new();
        let mut p: Vec<usize> = (0..5).collect();
        loop {
            orders.push(p.clone());
            // The next permutation in lexicographic order; stop after the last.
            let Some(i) = (0..p.len() - 1).rev().find(|&i| p[i] < p[i + 1]) else {
                break;
            };
            let j = (i + 1..p.len()).rev().find(|&j| p[j] > p[i]).unwrap();
            p.swap(i, j);
            p[i + 1..].reverse();
        }
        assert_eq!(orders.len(), 120);
        let mut long: Vec<usize> = (0..1000).collect();
        long.sort_by_key(|&i| (i * 7919) % 1009);
        orders.push(long);
        for order in orders {
            let items: Vec<String> = (0..order.len()).map(|i| format!("item{i}")).collect();
            let expected: Vec<String> = order.iter().map(|&i| items[i].clone()).collect();
            let mut got = items.clone();
            permute(&mut got, &mut order.clone());
            assert_eq!(got, expected, "{order:?}");
        }
    }

    #[test]
    fn remove_deletes_the_keychain_entry_and_the_row() {
        let (_d, mut s, vault) = shelf();
        s.import(new("a", "dev"), Secret::from("1")).unwrap();
        s.remove("a").unwrap();
        assert!(vault.accounts().is_empty());
        assert_eq!(s.resolve("a").unwrap_err().code(), "key_not_found");
        let audit = s.audit(None, 10).unwrap();
        assert_eq!(audit[0].action, "remove");
    }

    #[test]
    fn reading_a_secret_is_audited_without_its_value() {
        let (_d, mut s, _v) = shelf();
        s.import(new("a", "dev"), Secret::from("value-123"))
            .unwrap();
        s.secret("a", "get").unwrap();
        let ev = s.audit(Some("a"), 10).unwrap();
        assert_eq!(ev[0].action, "get");
        assert!(ev.iter().all(|e| !e.detail.contains("value-123")));
        assert!(s.show("a").unwrap().key.last_copied_at.is_some());
    }

    #[test]
    fn var_names_must_be_shell_safe() {
        validate_var_name("STRIPE_API_KEY").unwrap();
        for bad in ["", "1A", "A-B", "A B", "A=B"] {
            assert!(validate_var_name(bad).is_err(), "{bad}");
        }
    }
}
