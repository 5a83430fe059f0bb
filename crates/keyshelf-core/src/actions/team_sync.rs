//! Team sync: bring a team's shared keys into this workstation's keychain and store (new keys,
//! teammates' new versions with the replaced secret kept for their grace period, keys no longer
//! shared), apply the team's policy, and keep how it went for the Teams screen.

use super::teams::{read_policy, shared_paths};
use crate::rotation::Step;
use crate::shelf::NewKey;
use crate::store::teams::Share;
use crate::team::client::BaoClient;
use crate::team::{self, SharedKey, TeamErrorKind, TeamPolicy, TeamProfile};
use crate::vault;
use crate::{Error, Keyshelf, Result, Secret};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

/// What a team sync did.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct TeamSyncReport {
    pub team: String,
    /// Shared keys new to this workstation.
    pub added: Vec<String>,
    /// Keys whose shared secret changed (a teammate rotated): the old one is kept as previous.
    pub updated: Vec<String>,
    /// Keys no longer shared.
    pub gone: Vec<String>,
    /// Keys whose previous secret (replaced by a teammate's rotation) was removed: its grace
    /// period is over, so the old key no longer works.
    pub previous_removed: Vec<String>,
    /// Shared keys left alone this time (listed but not readable yet, an entry Keyshelf cannot
    /// read, a local key of that name not from the team); the next sync tries again.
    pub skipped: Vec<SkippedShare>,
    pub unchanged: usize,
}

impl TeamSyncReport {
    /// One line: "2 added, 1 updated, 0 gone, 10 unchanged" (and the skipped, if any).
    pub fn summary(&self) -> String {
        let mut line = format!(
            "{} added, {} updated, {} gone, {} unchanged",
            self.added.len(),
            self.updated.len(),
            self.gone.len(),
            self.unchanged
        );
        if !self.skipped.is_empty() {
            line.push_str(&format!(", {} skipped", self.skipped.len()));
        }
        line
    }
}

/// A shared key a sync left alone, and why.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct SkippedShare {
    /// `provider/name`.
    pub key: String,
    pub reason: String,
}

impl Keyshelf {
    /// Brings the team's shared keys here: new ones into the keychain and the store, newer
    /// versions over the local secret (the replaced one kept as `#previous`), keys no longer
    /// shared marked gone, the team's policy applied to its keys. Running it twice changes
    /// nothing. How it went is kept for the Teams screen.
    pub fn sync_team(&mut self, name: &str) -> Result<TeamSyncReport> {
        let outcome = self.sync_team_now(name);
        let recorded = match &outcome {
            Ok(report) => Ok(report.summary()),
            Err(e) => Err((e.code(), e.to_string())),
        };
        if self.store_ref().read().team(name)?.is_some() {
            self.store().write(|tx| {
                tx.set_team_synced(
                    name,
                    recorded
                        .as_ref()
                        .map(String::as_str)
                        .map_err(|(c, m)| (*c, m.as_str())),
                )
            })?;
        }
        outcome
    }

    /// Syncs every team whose last sync is older than `every` (or never ran): the desktop's
    /// schedule. Each team's outcome, by name; one team's failure does not stop the others.
    pub fn sync_stale_teams(
        &mut self,
        every: Duration,
    ) -> Result<Vec<(String, Result<TeamSyncReport>)>> {
        let now = Utc::now();
        let every = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX);
        let mut out = Vec::new();
        // Only each team's last sync: its shares are not counted here, unlike the Teams screen.
        let stale: Vec<String> = {
            let tx = self.store_ref().read();
            let mut stale = Vec::new();
            for team in tx.teams()? {
                let fresh = tx
                    .team_last_sync(&team.name)?
                    .and_then(|s| DateTime::parse_from_rfc3339(&s.at).ok())
                    .is_some_and(|at| now.signed_duration_since(at) < every);
                if !fresh {
                    stale.push(team.name);
                }
            }
            stale
        };
        for name in stale {
            let outcome = self.sync_team(&name);
            out.push((name, outcome));
        }
        Ok(out)
    }

    fn sync_team_now(&mut self, name: &str) -> Result<TeamSyncReport> {
        let (team, token) = self.team_and_token(name)?;
        let client = BaoClient::new(&team, token)?;
        let mut report = TeamSyncReport {
            team: team.name.clone(),
            ..Default::default()
        };
        let paths = shared_paths(&client, &team)?;
        // Before the new versions: a previous secret kept by this sync lives a grace period.
        self.remove_expired_previous(&team.name, &mut report)?;
        for ((provider, key_name), entry) in paths.iter().zip(read_all(&client, &team, &paths)?) {
            let keyref = vault::key_account(provider, key_name);
            let Some((data, version)) = entry else {
                // Listed but not readable: a standby node that has not applied the write yet,
                // or deleted between the list and the read. Not gone; the next sync tries again.
                report.skipped.push(SkippedShare {
                    key: keyref,
                    reason: "listed by OpenBao but not readable yet".into(),
                });
                continue;
            };
            match self.apply_shared(&team, provider, key_name, &data, version, &mut report) {
                Ok(()) => {}
                Err(Error::Team {
                    kind: TeamErrorKind::BadResponse,
                    message,
                }) => report.skipped.push(SkippedShare {
                    key: keyref,
                    reason: message,
                }),
                Err(e) => return Err(e),
            }
        }
        // Keys no longer listed are gone; a listed one skipped above is not.
        let listed: BTreeSet<String> = paths
            .iter()
            .map(|(p, n)| vault::key_account(p, n))
            .collect();
        let shares = self.store_ref().read().shares(&team.name)?;
        for s in shares {
            let Ok(key) = self.store_ref().read().key_by_id(s.key_id) else {
                continue;
            };
            if listed.contains(&key.full_ref()) {
                continue;
            }
            self.store().write(|tx| {
                tx.delete_share(&team.name, s.key_id)?;
                tx.mark_gone(s.key_id)
            })?;
            report.gone.push(key.full_ref());
        }
        let (policy, _) = read_policy(&client, &team)?;
        self.apply_team_policy(&team.name, &policy)?;
        Ok(report)
    }

    /// Removes the previous secrets that teammates' rotations replaced once their grace period
    /// is over (the old key is deleted by then).
    fn remove_expired_previous(&mut self, team: &str, report: &mut TeamSyncReport) -> Result<()> {
        let expired = self.store_ref().read().expired_previous(team, Utc::now())?;
        let vault = self.vault_arc();
        for key_id in expired {
            let key = self.store_ref().read().key_by_id(key_id)?;
            self.store().write(|tx| {
                vault.delete(&vault::previous_account(&key.provider, &key.name))?;
                tx.set_previous_until(team, key_id, None)?;
                tx.audit(Some(&key.full_ref()), "team-previous-removed", team)
            })?;
            report.previous_removed.push(key.full_ref());
        }
        Ok(())
    }

    /// The team's intervals and due-soon window become its keys' own here.
    fn apply_team_policy(&mut self, team: &str, policy: &TeamPolicy) -> Result<()> {
        let shares = self.store_ref().read().shares(team)?;
        self.store().write(|tx| {
            for s in &shares {
                let key = tx.key_by_id(s.key_id)?;
                if let Some(days) = policy.intervals.get(&key.env) {
                    if key.interval_days != Some(*days) {
                        tx.set_key_interval(key.id, Some(*days))?;
                    }
                }
                if key.due_soon_days != policy.due_soon_days {
                    tx.set_key_due_soon(key.id, policy.due_soon_days)?;
                }
            }
            Ok(())
        })
    }

    /// One shared entry applied here.
    fn apply_shared(
        &mut self,
        team: &TeamProfile,
        provider: &str,
        key_name: &str,
        data: &Value,
        version: u64,
        report: &mut TeamSyncReport,
    ) -> Result<()> {
        let bad = |what: &str| {
            team::error(
                TeamErrorKind::BadResponse,
                format!(
                    "team {}: the shared key {provider}/{key_name} {what}",
                    team.name
                ),
            )
        };
        let secret = data["secret"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(|s| Secret::new(s.to_owned()))
            .ok_or_else(|| bad("holds no secret"))?;
        let meta: SharedKey = serde_json::from_value(data["meta"].clone())
            .map_err(|_| bad("has unreadable metadata"))?;
        let keyref = vault::key_account(provider, key_name);
        let vault = self.vault_arc();
        let existing = match self.resolve(&keyref) {
            Ok(k) => Some(k),
            Err(Error::KeyNotFound(_)) => None,
            Err(e) => return Err(e),
        };
        let share = |key_id| Share {
            team: team.name.clone(),
            key_id,
            version,
            shared_by: meta.shared_by.clone(),
        };
        let rotated = past_time(meta.last_rotated_at.as_deref());
        let Some(key) = existing else {
            let new = NewKey {
                name: key_name.to_owned(),
                env: meta.env.clone(),
                provider: (provider != vault::LOCAL_PROVIDER).then(|| provider.to_owned()),
                user: meta.user.clone(),
                var_name: meta.var_name.clone(),
                tags: meta.tags.clone(),
                notes: meta.notes.clone(),
                rotated_at: rotated,
            };
            let id = self.add_team_key(new, &secret, &team.name)?.key.id;
            let created = past_time(meta.created_at.as_deref());
            self.store().write(|tx| {
                if let Some(remote) = &meta.provider_key_id {
                    tx.restore_rotated(id, Some(remote), rotated)?;
                }
                if let Some(at) = created {
                    tx.set_key_created(id, at)?;
                }
                // The sharer's own interval for the key; the team's policy for its
                // environment, applied after the entries, still comes first.
                if meta.interval_override_days.is_some() {
                    tx.set_key_interval(id, meta.interval_override_days)?;
                }
                tx.set_share(&share(id))
            })?;
            report.added.push(keyref);
            return Ok(());
        };
        let known = self.store_ref().read().share(&team.name, key.id)?;
        if known.is_none() {
            if let Some(other) = self.shared_elsewhere(key.id, &team.name)? {
                // A key is shared with one team: a second team's copy would miss the
                // rotations of the first team's members.
                report.skipped.push(SkippedShare {
                    key: keyref.clone(),
                    reason: format!(
                        "{keyref} is shared here with team {other}, and a key is shared with one team only; team {}'s entry of that name is left alone (unshare it from one of the two teams)",
                        team.name
                    ),
                });
                return Ok(());
            }
            // A key of that name that did not come from this team: its secret is the user's,
            // never replaced by the team's unseen. The same secret is the same key.
            let current = vault.get(&keyref)?;
            if current.as_ref().map(Secret::expose) != Some(secret.expose()) {
                report.skipped.push(SkippedShare {
                    key: keyref.clone(),
                    reason: format!(
                        "a key {keyref} with another secret is here and did not come from team {}; `keyshelf remove {keyref}` (after saving its secret if you need it) and sync again to take the team's",
                        team.name
                    ),
                });
                return Ok(());
            }
        }
        let newer = known.as_ref().is_none_or(|s| s.version < version);
        let unpublished = self
            .store_ref()
            .read()
            .active_rotation(key.id)?
            .is_some_and(|r| r.step < Step::Verified || r.step == Step::Aborting);
        if newer && unpublished {
            // A rotation here holds a new secret not published yet (or is being undone), the
            // old one saved beside it, and the version it started from: replacing either would
            // lose a key, and its publish must still meet the teammate's version and be undone
            // by it. A rotation already published is the team's version; newer ones apply.
            report.skipped.push(SkippedShare {
                key: keyref.clone(),
                reason: format!(
                    "a rotation of {keyref} is unfinished here; finish it (`keyshelf rotate {keyref} --resume`) or abort it (`--abort`), then sync again"
                ),
            });
            return Ok(());
        }
        match known {
            Some(s) if s.version >= version => {
                report.unchanged += 1;
            }
            _ => {
                let current = vault.get(&keyref)?;
                let replaced = current.as_ref().map(Secret::expose) != Some(secret.expose());
                if !replaced {
                    report.unchanged += 1;
                } else {
                    // The teammate's new secret becomes current; the replaced one stays as
                    // previous, for tools that still have it until the old key is retired.
                    if let Some(old) = &current {
                        vault.set(&vault::previous_account(provider, key_name), old)?;
                    }
                    vault.set(&keyref, &secret)?;
                    report.updated.push(keyref.clone());
                }
                let grace = meta
                    .grace_days
                    .unwrap_or(crate::rotation::DEFAULT_GRACE_DAYS);
                self.store().write(|tx| {
                    tx.restore_rotated(
                        key.id,
                        meta.provider_key_id.as_deref(),
                        rotated.or(key.last_rotated_at),
                    )?;
                    tx.set_share(&share(key.id))?;
                    if meta.interval_override_days.is_some()
                        && key.interval_days != meta.interval_override_days
                    {
                        tx.set_key_interval(key.id, meta.interval_override_days)?;
                    }
                    if replaced {
                        let until = Utc::now() + chrono::Duration::days(i64::from(grace));
                        tx.set_previous_until(&team.name, key.id, Some(until))?;
                    }
                    tx.audit(Some(&keyref), "team-sync", &team.name)
                })?;
            }
        }
        Ok(())
    }
}

/// A time from a shared entry (RFC 3339), when it is readable and not in the future: a
/// teammate's clock ahead of ours must not make a key younger than new.
fn past_time(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| *t <= Utc::now())
}

/// Requests in flight at once when a sync reads the team's keys.
const PARALLEL_READS: usize = 8;

/// The latest version of every key in `paths`, in order, read [`PARALLEL_READS`] at a time (a
/// sync of 1,000 keys is 1,000 reads; one at a time they would wait on each other's round trip).
fn read_all(
    client: &BaoClient<'_>,
    team: &TeamProfile,
    paths: &[(String, String)],
) -> Result<Vec<Option<(Value, u64)>>> {
    let chunk = paths.len().div_ceil(PARALLEL_READS).max(1);
    std::thread::scope(|s| {
        let workers: Vec<_> = paths
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|(p, n)| client.read(&team.key_path(p, n)))
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(paths.len());
        for w in workers {
            out.extend(w.join().expect("a read worker panicked")?);
        }
        Ok(out)
    })
}
