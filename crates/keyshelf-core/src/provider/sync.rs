//! `sync`: brings the local list of a provider's keys in step with the provider's own list.
//!
//! A key the provider lists and no local row names is added (with no local secret); a local key
//! the provider no longer lists is marked `gone`, never dropped. One exception: the keys of a
//! rotation under way. Between creating the new key and deleting the old one, the provider lists
//! a key no local row names yet (the new one, before the rotation records it) or no longer names
//! (the old one, after). Both belong to the rotation, which creates, keeps or deletes them; a
//! local row for either would outlive it, and deleting that row would delete the key on the
//! provider. The sync leaves them alone and says which rotation holds them.

use super::envelope::RemoteKey;
use super::profile::ProviderProfile;
use crate::names;
use crate::rotation::Mode;
use crate::store::{KeyFilter, KeyRecord, KeyStatus, NewKeyRecord, Origin, RemoteState, Tx};
use crate::{Keyshelf, Result};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// What a sync changed for one provider.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub provider: String,
    pub remote_keys: usize,
    /// Keys found only on the provider, now listed with no local secret.
    pub added: Vec<String>,
    /// Keys whose status or presence changed.
    pub updated: Vec<String>,
    /// Keys gone from the provider, now marked `gone` (not dropped).
    pub gone: Vec<String>,
    pub unchanged: usize,
    /// Local keys in a rotation whose old or new key the provider listed: the rotation creates
    /// and deletes those itself, so the sync left them alone.
    pub rotating: Vec<String>,
}

impl Keyshelf {
    /// Brings the local metadata in step with the providers' lists (all providers when `None`).
    pub fn sync(&mut self, provider: Option<&str>) -> Result<Vec<SyncReport>> {
        let profiles = match provider {
            Some(n) => vec![self.provider(n)?],
            None => self.providers()?,
        };
        let mut reports = Vec::new();
        for p in profiles {
            // A rotation that changes the provider's keys while the list is read must be known
            // to the sync, even when it finishes before the list is applied.
            let listed_at = Utc::now();
            let result = self
                .remote_keys(&p)
                .and_then(|remote| self.apply_sync(&p, remote, listed_at));
            // Recorded either way, for the overview's "failed their last sync": a success in
            // the transaction that applied it, a failure here.
            if let Err(e) = &result {
                let (code, message) = (e.code(), e.to_string());
                self.store()
                    .write(|tx| tx.record_sync(&p.name, Utc::now(), Some((code, &message))))?;
            }
            reports.push(result?);
        }
        Ok(reports)
    }

    fn apply_sync(
        &mut self,
        p: &ProviderProfile,
        remote: Vec<RemoteKey>,
        listed_at: DateTime<Utc>,
    ) -> Result<SyncReport> {
        let mut report = SyncReport {
            provider: p.name.clone(),
            remote_keys: remote.len(),
            ..Default::default()
        };
        let local = self.store_ref().read().keys(&KeyFilter {
            provider: Some(p.name.clone()),
            ..Default::default()
        })?;
        let env = if self
            .store_ref()
            .read()
            .environment(&p.default_env)?
            .is_some()
        {
            p.default_env.clone()
        } else {
            "prod".to_owned()
        };
        let now = Utc::now();
        self.store().write(|tx| {
            // foldhash, not SipHash: these take a lookup or an insert per remote key.
            let by_id: foldhash::HashMap<&str, &KeyRecord> = local
                .iter()
                .filter_map(|k| k.provider_key_id.as_deref().map(|id| (id, k)))
                .collect();
            let mut taken: foldhash::HashSet<String> =
                local.iter().map(|k| k.name.clone()).collect();
            // The local keys the provider still lists; the others are gone.
            let mut seen: foldhash::HashSet<&str> = foldhash::HashSet::default();
            // Read in this transaction, after the local keys: a rotation step saved since then
            // is seen here, and none can be saved until the sync commits.
            let held = RotationHolds::read(tx, &p.name, listed_at)?;
            let mut inserter = tx.key_inserter()?;
            for r in &remote {
                let status = r.normalized_status();
                match by_id.get(r.id.as_str()) {
                    Some(k) => {
                        seen.insert(r.id.as_str());
                        // A pending key keeps its state until its secret is imported.
                        let new_status = if k.status == KeyStatus::Pending {
                            KeyStatus::Pending
                        } else {
                            status
                        };
                        if k.status != new_status || k.remote_state != Some(RemoteState::Present) {
                            tx.set_synced(k.id, new_status, r.user.as_deref())?;
                            report.updated.push(k.full_ref());
                        } else {
                            report.unchanged += 1;
                        }
                    }
                    None => {
                        if let Some(key) = held.holder(r) {
                            if !report.rotating.iter().any(|k| k == key) {
                                report.rotating.push(key.to_owned());
                            }
                            continue;
                        }
                        let name = local_name(r, &taken);
                        taken.insert(name.clone());
                        let created_at = r
                            .created_at
                            .as_deref()
                            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                            .map(|t| t.with_timezone(&Utc))
                            .filter(|t| *t <= now)
                            .unwrap_or(now);
                        inserter.insert(&NewKeyRecord {
                            name: name.clone(),
                            provider: p.name.clone(),
                            provider_key_id: Some(r.id.clone()),
                            env: env.clone(),
                            status,
                            has_secret: false,
                            remote_state: Some(RemoteState::Present),
                            user: r.user.clone().filter(|u| !u.is_empty()),
                            var_name: None,
                            origin: Origin::Provider,
                            created_at,
                            last_rotated_at: None,
                            tags: Vec::new(),
                            notes: String::new(),
                        })?;
                        report.added.push(format!("{}/{name}", p.name));
                    }
                }
            }
            for k in &local {
                let Some(id) = k.provider_key_id.as_deref() else {
                    continue;
                };
                // A key whose rotation moved on while the list was read may be one the list
                // predates: the next sync, or the rotation itself, tells.
                if !seen.contains(id)
                    && k.remote_state != Some(RemoteState::Gone)
                    && !held.moving(k.id)
                {
                    tx.mark_gone(k.id)?;
                    report.gone.push(k.full_ref());
                }
            }
            tx.record_sync(&p.name, now, None)?;
            tx.audit(
                None,
                "sync",
                &format!(
                    "{}: {} remote, {} added, {} updated, {} gone, {} left to rotations",
                    p.name,
                    report.remote_keys,
                    report.added.len(),
                    report.updated.len(),
                    report.gone.len(),
                    report.rotating.len()
                ),
            )
        })?;
        Ok(report)
    }
}

/// How long before the list was read a rotation still counts as changing the provider's keys.
/// The store keeps whole seconds, and a provider's list can lag its own changes: providers ask
/// to allow a minute or two for a key to propagate (seed 004), so a list read just after a
/// rotation may still show the key it deleted, or not yet show the one it created.
const PROPAGATION: Duration = Duration::minutes(2);

/// The provider's keys that rotations hold, from the rotations of one provider's keys that were
/// unfinished at some moment since the list was read (less [`PROPAGATION`]). Local rotations
/// change no provider key and hold none.
struct RotationHolds {
    /// Remote id → the local key (`provider/name`) being rotated: the old and new key of every
    /// such rotation. A remote key no local row names is left to the rotation, not added.
    ids: Vec<(String, String)>,
    /// The name a new key is created under, for a rotation that never learnt the new key's id
    /// (its process died between the provider's answer and the step that records it).
    names: Vec<(String, String)>,
    /// The local rows (by row id) whose rotation moved on while the list was read: the list may
    /// not show the key the row names now, so this sync does not mark it gone. A rotation that
    /// stands still holds no row: a key revoked under it is marked gone as any other.
    moving: Vec<i64>,
}

impl RotationHolds {
    fn read(tx: &Tx<'_>, provider: &str, listed_at: DateTime<Utc>) -> Result<Self> {
        let since = listed_at - PROPAGATION;
        let prefix = format!("{provider}/");
        let mut held = RotationHolds {
            ids: Vec::new(),
            names: Vec::new(),
            moving: Vec::new(),
        };
        for r in tx.rotations_unfinished_since(since)? {
            if !r.key.starts_with(&prefix) || r.mode == Some(Mode::Local) {
                continue;
            }
            for id in [&r.old_key_id, &r.new_key_id].into_iter().flatten() {
                held.ids.push((id.clone(), r.key.clone()));
            }
            if let Some(name) = &r.remote_name {
                held.names.push((name.clone(), r.key.clone()));
            }
            if r.updated_at >= since {
                held.moving.push(r.key_id);
            }
        }
        Ok(held)
    }

    /// Whether the rotation of local row `key_id` moved on while the list was read.
    fn moving(&self, key_id: i64) -> bool {
        self.moving.contains(&key_id)
    }

    /// The local key whose rotation holds `r`, if one does.
    fn holder(&self, r: &RemoteKey) -> Option<&str> {
        let by_id = self.ids.iter().find(|(id, _)| *id == r.id);
        let by_name = || {
            let name = r.api_key_name.as_deref()?;
            self.names.iter().find(|(n, _)| n == name)
        };
        by_id.or_else(by_name).map(|(_, key)| key.as_str())
    }
}

/// A local name for a key found on the provider: its name when valid and free, else with its id.
fn local_name(r: &RemoteKey, taken: &foldhash::HashSet<String>) -> String {
    let base = r.api_key_name.clone().unwrap_or_default();
    if names::validate_name(&base).is_ok() && !taken.contains(&base) {
        return base;
    }
    let with_id = format!("{base}-{}", r.id);
    if names::validate_name(&with_id).is_ok() && !taken.contains(&with_id) {
        return with_id;
    }
    let safe: String =
        r.id.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .take(64)
            .collect();
    let mut name = format!("remote-{safe}");
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("remote-{safe}-{n}");
        n += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rotation::{NewRotation, OldKey, Step};
    use crate::store::Store;
    use crate::vault::MemoryVault;
    use std::sync::Arc;

    fn remote(id: &str, name: &str) -> RemoteKey {
        serde_json::from_value(serde_json::json!({"id": id, "name": name})).unwrap()
    }

    /// Starts a rotation of `provider/name` from old key `old`, moves it to `step` with the new
    /// key `new` (named `<name>-rotated`) saved at `at`.
    fn rotation(tx: &Tx<'_>, key_ref: &str, old: &str, step: Step, new: &str, at: DateTime<Utc>) {
        rotation_of_row(tx, key_ref, old, old, step, new, at)
    }

    /// [`rotation`] whose local row names `row_id` on the provider.
    fn rotation_of_row(
        tx: &Tx<'_>,
        key_ref: &str,
        row_id: &str,
        old: &str,
        step: Step,
        new: &str,
        at: DateTime<Utc>,
    ) {
        let (provider, name) = key_ref.split_once('/').unwrap();
        let key_id = tx
            .insert_key_row(&NewKeyRecord {
                name: name.into(),
                provider: provider.into(),
                provider_key_id: Some(row_id.into()),
                env: "prod".into(),
                status: KeyStatus::Active,
                has_secret: true,
                remote_state: Some(RemoteState::Present),
                user: None,
                var_name: None,
                origin: Origin::Provider,
                created_at: at,
                last_rotated_at: None,
                tags: Vec::new(),
                notes: String::new(),
            })
            .unwrap();
        let new_rotation = NewRotation {
            key_id,
            key_ref: key_ref.into(),
            old_key_id: Some(old.into()),
            old_last_rotated_at: None,
            grace_days: 7,
            mode: Mode::CreateNew,
            old_key: OldKey::Untouched,
            notes: Vec::new(),
        };
        let id = tx.insert_rotation(&new_rotation, "me").unwrap();
        let mut r = tx.rotation(id).unwrap();
        let from = r.step;
        r.step = step;
        r.remote_name = Some(format!("{name}-rotated"));
        r.new_key_id = (!new.is_empty()).then(|| new.to_owned());
        r.updated_at = at;
        tx.save_rotation_step(&r, from, "me").unwrap();
    }

    #[test]
    fn a_rotation_holds_its_keys_while_unfinished_and_when_it_finished_during_the_listing() {
        let mut store = Store::open_in_memory().unwrap();
        let listed_at = Utc::now();
        let before = listed_at - Duration::hours(1);
        let held = store
            .write(|tx| {
                // Unfinished, its process died before it learnt the new key's id.
                rotation(tx, "p/posted", "1", Step::Creating, "", before);
                // Unfinished, the new key recorded.
                rotation(tx, "p/created", "3", Step::Created, "4", before);
                // Finished while the list was being read: its keys may be in the list.
                rotation(tx, "p/late", "5", Step::Done, "6", listed_at);
                // Finished an hour before the list was read, and another provider's.
                rotation(tx, "p/early", "7", Step::Done, "8", before);
                rotation(tx, "q/other", "9", Step::Created, "10", before);
                RotationHolds::read(tx, "p", listed_at)
            })
            .unwrap();
        let holder = |id: &str, name: &str| held.holder(&remote(id, name)).map(str::to_owned);
        assert_eq!(
            holder("2", "posted-rotated").as_deref(),
            Some("p/posted"),
            "by name"
        );
        assert_eq!(
            holder("1", "posted").as_deref(),
            Some("p/posted"),
            "the old key"
        );
        assert_eq!(
            holder("4", "x").as_deref(),
            Some("p/created"),
            "the new key by id"
        );
        assert_eq!(
            holder("3", "x").as_deref(),
            Some("p/created"),
            "the old key by id"
        );
        assert_eq!(holder("5", "x").as_deref(), Some("p/late"));
        assert_eq!(holder("6", "x").as_deref(), Some("p/late"));
        assert_eq!(holder("7", "x"), None, "finished before the list was read");
        assert_eq!(holder("8", "early-rotated"), None);
        assert_eq!(holder("9", "x"), None, "another provider's rotation");
        assert_eq!(holder("10", "other-rotated"), None);
    }

    fn synced(
        shelf: &mut Keyshelf,
        listed: &[(&str, &str)],
        listed_at: DateTime<Utc>,
    ) -> SyncReport {
        let p = ProviderProfile::new("p", "https://api.example.com");
        let remote = listed.iter().map(|(id, name)| remote(id, name)).collect();
        shelf.apply_sync(&p, remote, listed_at).unwrap()
    }

    /// A shelf with one rotation of `p/k` (see [`rotation_of_row`]) saved `ago` before the
    /// list was read, and the time the list was read.
    fn shelf_rotating(
        row_id: &str,
        old: &str,
        step: Step,
        new: &str,
        ago: Duration,
    ) -> (tempfile::TempDir, Keyshelf, DateTime<Utc>) {
        let dir = tempfile::tempdir().unwrap();
        let mut shelf = Keyshelf::open(dir.path(), Arc::new(MemoryVault::new())).unwrap();
        let listed_at = Utc::now();
        shelf
            .store()
            .write(|tx| {
                rotation_of_row(tx, "p/k", row_id, old, step, new, listed_at - ago);
                Ok(())
            })
            .unwrap();
        (dir, shelf, listed_at)
    }

    #[test]
    fn a_sync_neither_adds_a_moving_rotation_s_keys_nor_marks_its_key_gone() {
        // The list was read before the new key "2" was made; since then the row names it, but
        // the rotation has not yet saved the step that records it (two transactions).
        let (_dir, mut shelf, listed_at) =
            shelf_rotating("2", "1", Step::Creating, "", Duration::zero());
        let report = synced(&mut shelf, &[("1", "k")], listed_at);
        assert_eq!(
            report.added,
            Vec::<String>::new(),
            "the old key is the rotation's"
        );
        assert_eq!(
            report.gone,
            Vec::<String>::new(),
            "the list predates the new key"
        );
        assert_eq!(report.rotating, vec!["p/k".to_owned()]);
    }

    #[test]
    fn a_key_revoked_under_a_rotation_that_stands_still_is_marked_gone() {
        // Waiting for the user's confirmation since yesterday; the provider lists neither key.
        let (_dir, mut shelf, listed_at) =
            shelf_rotating("6", "5", Step::Verified, "6", Duration::days(1));
        let report = synced(&mut shelf, &[("9", "unrelated")], listed_at);
        assert_eq!(report.gone, vec!["p/k".to_owned()]);
        assert_eq!(report.added, vec!["p/unrelated".to_owned()]);
        assert_eq!(report.rotating, Vec::<String>::new());
    }
}
