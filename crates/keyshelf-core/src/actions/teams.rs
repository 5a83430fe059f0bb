//! Team actions, one function per user action: connect a team's OpenBao, share a key with it,
//! stop sharing, and sync the team's keys into this workstation's keychain.

use crate::names;
use crate::policy;
use crate::provider::client::{cache_entry, valid_cached};
use crate::shelf::NewKey;
use crate::store::teams::{Share, TeamSyncStatus};
use crate::team::client::BaoClient;
use crate::team::{self, PolicyChange, SharedKey, TeamErrorKind, TeamPolicy, TeamProfile};
use crate::vault;
use crate::{Error, Keyshelf, Result, Secret};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

/// The keychain account of a team's OpenBao credential (a token, `user:password` or
/// `role_id:secret_id`).
pub fn team_account(team: &str) -> String {
    format!("team:{team}")
}

/// The keychain account of the token a login obtained, as `"<expires_unix> <token>"`.
pub fn team_token_account(team: &str) -> String {
    format!("team:{team}#token")
}

/// A team as the Teams screen lists it: its settings (never its credential), when it was last
/// synced here, and how many of its keys this workstation holds.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct TeamSummary {
    #[serde(flatten)]
    pub team: TeamProfile,
    /// How the last sync went (`None`: never synced here).
    pub last_sync: Option<TeamSyncStatus>,
    pub shared_keys: usize,
}

/// A key shared with a team, as the Teams screen lists it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct TeamKey {
    /// `provider/name`.
    pub key: String,
    pub env: String,
    /// The version of the shared entry this workstation holds.
    pub version: u64,
    /// Who published that version (the teammate who rotated it last, or who shared it).
    pub rotated_by: String,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    #[serde(serialize_with = "crate::timestamp::serialize_opt")]
    pub last_rotated_at: Option<DateTime<Utc>>,
}

/// A shared key a sync left alone, and why.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct SkippedShare {
    /// `provider/name`.
    pub key: String,
    pub reason: String,
}

/// What `team test` found.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct TeamCheck {
    pub team: String,
    /// The token's display name at OpenBao.
    pub token: String,
    /// Keys shared with the team.
    pub shared_keys: usize,
}

/// A share's result: where the key is, at which version.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct Shared {
    pub key: String,
    pub team: String,
    pub path: String,
    pub version: u64,
}

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

impl Keyshelf {
    /// Connects a team: checks its addresses and token against OpenBao, then keeps its settings
    /// in the store and the token in the keychain (`team:<name>`).
    pub fn add_team(&mut self, profile: TeamProfile, token: Secret) -> Result<TeamProfile> {
        names::validate_provider_name(&profile.name)?;
        let token = Secret::new(token.expose().trim_end_matches(['\r', '\n']).to_owned());
        if token.is_empty() || token.expose().chars().any(char::is_control) {
            return Err(Error::invalid(
                "credential",
                "empty or spans several lines; pipe the team's OpenBao token on stdin",
            ));
        }
        if self.store_ref().read().team(&profile.name)?.is_some() {
            return Err(Error::TeamExists(profile.name));
        }
        // Checked before anything is kept: the server, the login, the token.
        let anonymous = BaoClient::new(&profile, Secret::new(String::new()))?;
        anonymous.health()?;
        let (session, ttl) = anonymous.login(profile.auth, &token)?;
        BaoClient::new(&profile, session.clone())?.whoami()?;
        let vault = self.vault_arc();
        self.store().write(|tx| {
            tx.insert_team(&profile)?;
            vault.set(&team_account(&profile.name), &token)?;
            let cache = team_token_account(&profile.name);
            if profile.auth == team::TeamAuth::Token {
                vault.delete(&cache)?;
            } else {
                vault.set(&cache, &cache_entry(&session, ttl))?;
            }
            tx.audit(None, "team-add", &profile.name)
        })?;
        Ok(profile)
    }

    /// Every team, by name.
    pub fn teams(&self) -> Result<Vec<TeamProfile>> {
        self.store_ref().read().teams()
    }

    /// Every team with its last sync and the shared keys held here.
    pub fn team_summaries(&self) -> Result<Vec<TeamSummary>> {
        let tx = self.store_ref().read();
        tx.teams()?
            .into_iter()
            .map(|team| {
                Ok(TeamSummary {
                    last_sync: tx.team_last_sync(&team.name)?,
                    shared_keys: tx.shares(&team.name)?.len(),
                    team,
                })
            })
            .collect()
    }

    /// The teams `keyref` is shared with.
    pub fn key_teams(&self, keyref: &str) -> Result<Vec<String>> {
        let key = self.resolve(keyref)?;
        Ok(self
            .store_ref()
            .read()
            .shares_of_key(key.id)?
            .into_iter()
            .map(|s| s.team)
            .collect())
    }

    /// Disconnects a team: its settings and token go; the keys it brought stay, unshared.
    pub fn remove_team(&mut self, name: &str) -> Result<()> {
        let vault = self.vault_arc();
        self.store().write(|tx| {
            tx.delete_team(name)?;
            vault.delete(&team_account(name))?;
            vault.delete(&team_token_account(name))?;
            tx.audit(None, "team-remove", name)
        })
    }

    /// Checks the team's OpenBao and token.
    pub fn test_team(&self, name: &str) -> Result<TeamCheck> {
        let (team, token) = self.team_and_token(name)?;
        let client = BaoClient::new(&team, token)?;
        client.health()?;
        let who = client.whoami()?;
        let shared_keys = shared_paths(&client, &team)?.len();
        Ok(TeamCheck {
            team: team.name,
            token: who,
            shared_keys,
        })
    }

    /// Shares `keyref` with `team`: its secret and metadata. The first share creates the entry
    /// (`cas=0`), so a key already shared under that name by someone else is never overwritten;
    /// sharing again publishes a new version over the one this workstation holds (`cas=N`), so a
    /// teammate's newer version is never overwritten either ([`TeamErrorKind::Conflict`]).
    pub fn share_key(&mut self, keyref: &str, team_name: &str) -> Result<Shared> {
        let key = self.resolve(keyref)?;
        let (team, token) = self.team_and_token(team_name)?;
        let secret = self
            .vault_arc()
            .get(&vault::key_account(&key.provider, &key.name))?
            .ok_or_else(|| Error::SecretMissing(key.full_ref()))?;
        let by = who_am_i();
        let meta = shared_meta(&key, &by);
        let path = team.key_path(&key.provider, &key.name);
        let held = self.store_ref().read().share(&team.name, key.id)?;
        let client = BaoClient::new(&team, token)?;
        let (policy, _) = read_policy(&client, &team)?;
        if !policy.allows_name(&key.name, &key.env) {
            return Err(Error::invalid(
                "name",
                format!(
                    "team {team_name} shares only keys named after the pattern {:?} ({{env}} stands for the environment, * for anything), which {} does not follow; nothing was shared",
                    policy.naming.as_deref().unwrap_or_default(),
                    key.full_ref()
                ),
            ));
        }
        let cas = held.as_ref().map_or(0, |s| s.version);
        let version = client
            .write(&path, &entry(&meta, &secret), Some(cas))
            .map_err(|e| match e {
                Error::Team { kind: TeamErrorKind::Conflict, .. } if cas == 0 => team::error(
                    TeamErrorKind::Conflict,
                    format!("team {team_name} already has a key named {}: `keyshelf team sync {team_name}` brings it, or rename this key before sharing", key.full_ref()),
                ),
                Error::Team { kind: TeamErrorKind::Conflict, .. } => team::error(
                    TeamErrorKind::Conflict,
                    format!("a teammate published {} to team {team_name} after version {cas}, which this workstation holds; nothing was written. `keyshelf team sync {team_name}` brings their version", key.full_ref()),
                ),
                other => other,
            })?;
        self.store().write(|tx| {
            tx.set_share(&Share {
                team: team.name.clone(),
                key_id: key.id,
                version,
                shared_by: by.clone(),
            })?;
            tx.audit(Some(&key.full_ref()), "share", &team.name)
        })?;
        Ok(Shared {
            key: key.full_ref(),
            team: team.name,
            path,
            version,
        })
    }

    /// Publishes a rotated key's new secret to every team it is shared with, each over the
    /// version this workstation holds (`cas=N`). A teammate who published since wins:
    /// [`TeamErrorKind::Conflict`] naming who and when, nothing written. Called by the rotation
    /// before its irreversible steps.
    pub(crate) fn publish_rotated(&mut self, key_id: i64, grace_days: u32) -> Result<()> {
        let shares = self.store_ref().read().shares_of_key(key_id)?;
        if shares.is_empty() {
            return Ok(());
        }
        let key = self.store_ref().read().key_by_id(key_id)?;
        let secret = self
            .vault_arc()
            .get(&vault::key_account(&key.provider, &key.name))?
            .ok_or_else(|| Error::SecretMissing(key.full_ref()))?;
        let by = who_am_i();
        for held in shares {
            let (team, token) = self.team_and_token(&held.team)?;
            let client = BaoClient::new(&team, token)?;
            let path = team.key_path(&key.provider, &key.name);
            let meta = SharedKey {
                grace_days: Some(grace_days),
                ..shared_meta(&key, &by)
            };
            let version = match client.write(&path, &entry(&meta, &secret), Some(held.version)) {
                Ok(v) => v,
                Err(Error::Team {
                    kind: TeamErrorKind::Conflict,
                    ..
                }) => {
                    let (who, v) = match client.read(&path)? {
                        Some((data, v)) => (
                            data["meta"]["shared_by"]
                                .as_str()
                                .unwrap_or("a teammate")
                                .to_owned(),
                            v,
                        ),
                        None => ("a teammate".to_owned(), held.version + 1),
                    };
                    return Err(team::error(
                        TeamErrorKind::Conflict,
                        format!(
                            "{who} published version {v} of {} to team {} after version {}, which this rotation started from; theirs stands and this rotation was undone (its new key deleted; the old secret is current here until `keyshelf team sync {}` brings theirs, and may already be retired)",
                            key.full_ref(), team.name, held.version, team.name
                        ),
                    ));
                }
                Err(e) => return Err(e),
            };
            self.store().write(|tx| {
                tx.set_share(&Share {
                    version,
                    shared_by: by.clone(),
                    ..held
                })?;
                tx.audit(Some(&key.full_ref()), "team-publish", &team.name)
            })?;
        }
        Ok(())
    }

    /// The team's policy (empty when none was set).
    pub fn team_policy(&self, name: &str) -> Result<TeamPolicy> {
        let (team, token) = self.team_and_token(name)?;
        let client = BaoClient::new(&team, token)?;
        Ok(read_policy(&client, &team)?.0)
    }

    /// Changes the team's policy (an environment's interval, the due-soon window, the naming
    /// pattern); every workstation applies it to the team's keys at its next sync. Check-and-set
    /// over the version read, so two teammates' changes never overwrite each other unseen.
    pub fn set_team_policy(&mut self, name: &str, change: PolicyChange) -> Result<TeamPolicy> {
        let what = match &change {
            PolicyChange::Interval { env, days } => {
                if *days == 0 || *days > policy::MAX_INTERVAL_DAYS {
                    return Err(Error::invalid(
                        "days",
                        format!("between 1 and {}", policy::MAX_INTERVAL_DAYS),
                    ));
                }
                names::validate_provider_name(env).map_err(|_| {
                    Error::invalid("environment", format!("{env:?} is not an environment name"))
                })?;
                format!("{env} {days} days")
            }
            PolicyChange::DueSoon(days) => {
                if *days > policy::MAX_INTERVAL_DAYS {
                    return Err(Error::invalid(
                        "--due-soon",
                        format!("at most {} days", policy::MAX_INTERVAL_DAYS),
                    ));
                }
                format!("due soon {days} days before")
            }
            PolicyChange::Naming(Some(p)) => {
                if p.trim().is_empty() || p.chars().any(char::is_control) {
                    return Err(Error::invalid(
                        "--naming",
                        "an empty pattern; give one such as \"{env}-*\", or --no-naming to lift it",
                    ));
                }
                format!("naming {p}")
            }
            PolicyChange::Naming(None) => "naming lifted".to_owned(),
        };
        let (team, token) = self.team_and_token(name)?;
        let client = BaoClient::new(&team, token)?;
        let (mut policy, version) = read_policy(&client, &team)?;
        match change {
            PolicyChange::Interval { env, days } => {
                policy.intervals.insert(env, days);
            }
            PolicyChange::DueSoon(days) => policy.due_soon_days = Some(days),
            PolicyChange::Naming(p) => policy.naming = p,
        }
        let data = serde_json::to_value(&policy).map_err(|e| Error::Store(e.to_string()))?;
        client
            .write(&team.policy_path(), &data, Some(version))
            .map_err(|e| match e {
                Error::Team {
                    kind: TeamErrorKind::Conflict,
                    ..
                } => team::error(
                    TeamErrorKind::Conflict,
                    format!("a teammate changed team {name}'s policy at the same moment; nothing was written, run the command again"),
                ),
                other => other,
            })?;
        self.store()
            .write(|tx| tx.audit(None, "team-policy", &format!("{name}: {what}")))?;
        Ok(policy)
    }

    /// Stops sharing `keyref` with `team`: deletes it there (every version); the local key stays.
    pub fn unshare_key(&mut self, keyref: &str, team_name: &str) -> Result<()> {
        let key = self.resolve(keyref)?;
        let (team, token) = self.team_and_token(team_name)?;
        BaoClient::new(&team, token)?.delete_all(&team.key_path(&key.provider, &key.name))?;
        self.store().write(|tx| {
            tx.delete_share(&team.name, key.id)?;
            tx.audit(Some(&key.full_ref()), "unshare", &team.name)
        })
    }

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
        for t in self.team_summaries()? {
            let fresh = t
                .last_sync
                .as_ref()
                .and_then(|s| DateTime::parse_from_rfc3339(&s.at).ok())
                .is_some_and(|at| now.signed_duration_since(at) < every);
            if !fresh {
                let name = t.team.name;
                let outcome = self.sync_team(&name);
                out.push((name, outcome));
            }
        }
        Ok(out)
    }

    /// The keys shared with `team` that this workstation holds, by name.
    pub fn team_keys(&self, name: &str) -> Result<Vec<TeamKey>> {
        let tx = self.store_ref().read();
        tx.team(name)?
            .ok_or_else(|| Error::TeamNotFound(name.to_owned()))?;
        let mut keys = tx
            .shares(name)?
            .into_iter()
            .map(|s| {
                let k = tx.key_by_id(s.key_id)?;
                Ok(TeamKey {
                    key: k.full_ref(),
                    env: k.env,
                    version: s.version,
                    rotated_by: s.shared_by,
                    last_rotated_at: k.last_rotated_at,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        keys.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(keys)
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
        let rotated = meta
            .last_rotated_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc));
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
            self.store().write(|tx| {
                if let Some(remote) = &meta.provider_key_id {
                    tx.restore_rotated(id, Some(remote), rotated)?;
                }
                tx.set_share(&share(id))
            })?;
            report.added.push(keyref);
            return Ok(());
        };
        let known = self.store_ref().read().share(&team.name, key.id)?;
        if known.is_none() {
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

    fn team_and_token(&self, name: &str) -> Result<(TeamProfile, Secret)> {
        let team = self
            .store_ref()
            .read()
            .team(name)?
            .ok_or_else(|| Error::TeamNotFound(name.to_owned()))?;
        let vault = self.vault_arc();
        let credential = vault.get(&team_account(name))?.ok_or_else(|| {
            Error::invalid(
                "team",
                format!("the credential of team {name} is not in the keychain; `keyshelf team remove {name}` and add it again"),
            )
        })?;
        if team.auth == team::TeamAuth::Token {
            return Ok((team, credential));
        }
        // A login's token, while it has 30 s left; else a new login (which is the renewal).
        let cache = team_token_account(name);
        if let Some(token) = vault.get(&cache)?.as_ref().and_then(valid_cached) {
            return Ok((team, token));
        }
        let (token, ttl) =
            BaoClient::new(&team, Secret::new(String::new()))?.login(team.auth, &credential)?;
        vault.set(&cache, &cache_entry(&token, ttl))?;
        Ok((team, token))
    }
}

/// The team's policy and its version (0: none yet, so the first write creates it).
fn read_policy(client: &BaoClient<'_>, team: &TeamProfile) -> Result<(TeamPolicy, u64)> {
    match client.read(&team.policy_path())? {
        None => Ok((TeamPolicy::default(), 0)),
        Some((data, v)) => serde_json::from_value(data).map(|p| (p, v)).map_err(|_| {
            team::error(
                TeamErrorKind::BadResponse,
                format!(
                    "team {}: its policy at {} is not readable",
                    team.name,
                    team.policy_path()
                ),
            )
        }),
    }
}

/// What a teammate needs of `key`, shared by `by`.
fn shared_meta(key: &crate::store::KeyRecord, by: &str) -> SharedKey {
    SharedKey {
        env: key.env.clone(),
        provider: key.provider.clone(),
        provider_key_id: key.provider_key_id.clone(),
        user: key.user.clone(),
        var_name: key.var_name.clone(),
        tags: key.tags.clone(),
        notes: key.notes.clone(),
        last_rotated_at: key.last_rotated_at.map(crate::store::fmt_time),
        interval_override_days: key.interval_days,
        shared_by: by.to_owned(),
        grace_days: None,
    }
}

/// The shared entry: the secret beside its metadata.
fn entry(meta: &SharedKey, secret: &Secret) -> Value {
    json!({ "secret": secret.expose(), "meta": meta })
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

/// Every shared key of the team as `(provider, name)`.
fn shared_paths(client: &BaoClient<'_>, team: &TeamProfile) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for folder in client.list(&format!("{}/keys", team.prefix))? {
        let Some(provider) = folder.strip_suffix('/') else {
            continue;
        };
        for name in client.list(&format!("{}/keys/{provider}", team.prefix))? {
            if !name.ends_with('/') {
                out.push((provider.to_owned(), name));
            }
        }
    }
    Ok(out)
}

/// Who this workstation is, for "shared by": the user and the host.
fn who_am_i() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "someone".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "a workstation".into());
    format!("{user}@{host}")
}
