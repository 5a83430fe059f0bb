//! Team actions, one function per user action: connect a team's OpenBao, share a key with it,
//! stop sharing, publish a rotated key, the team's policy. The sync is in `team_sync.rs`.

use crate::names;
use crate::policy;
use crate::provider::client::{cache_entry, valid_cached};
use crate::store::teams::{Share, TeamSyncStatus};
use crate::store::KeyRecord;
use crate::team::client::BaoClient;
use crate::team::{self, PolicyChange, SharedKey, TeamErrorKind, TeamPolicy, TeamProfile};
use crate::vault;
use crate::{Error, Keyshelf, Result, Secret};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

/// The keychain account of a team's OpenBao credential (a token, `user:password` or
/// `role_id:secret_id`).
pub fn team_account(team: &str) -> String {
    format!("team:{team}")
}

/// The keychain account of the token a login obtained, as `"<expires_unix> <token>"` (for a
/// team added with a token: `"<renew_at_unix> <token>"`).
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

    /// The team key `key_id` is shared with, if any (a key is shared with one team).
    pub(crate) fn team_of_key(&self, key_id: i64) -> Result<Option<String>> {
        let shares = self.store_ref().read().shares_of_key(key_id)?;
        Ok(shares.into_iter().next().map(|s| s.team))
    }

    /// The team other than `team` that key `key_id` is shared with, if any.
    pub(super) fn shared_elsewhere(&self, key_id: i64, team: &str) -> Result<Option<String>> {
        Ok(self
            .store_ref()
            .read()
            .shares_of_key(key_id)?
            .into_iter()
            .map(|s| s.team)
            .find(|t| t != team))
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
        let mut by = who_am_i();
        let meta = shared_meta(&key, &by);
        let path = team.key_path(&key.provider, &key.name);
        let held = self.store_ref().read().share(&team.name, key.id)?;
        if held.is_none() {
            if let Some(other) = self.shared_elsewhere(key.id, &team.name)? {
                return Err(Error::invalid(
                    "--team",
                    format!(
                        "{} is already shared with team {other}, and a key is shared with one team only: two teams would hold two copies, and a rotation by a member of one would never reach the other. Nothing was shared; share it with a team everyone who needs it is in (unshare it from {other} first: `keyshelf unshare {} --team {other}`)",
                        key.full_ref(),
                        key.full_ref()
                    ),
                ));
            }
        }
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
        let version = match client.write(&path, &entry(&meta, &secret), Some(cas)) {
            Ok(v) => v,
            // The version this write would have made holds this secret: this very share, made
            // before (its answer was lost, or the process died before recording it), or the
            // same key shared by a teammate who holds the same secret.
            Err(Error::Team { kind: TeamErrorKind::Conflict, .. }) => match own_write(&client, &path, cas + 1, &secret)? {
                Some(data) => {
                    if let Some(first) = data["meta"]["shared_by"].as_str().filter(|b| !b.is_empty()) {
                        by = first.to_owned();
                    }
                    cas + 1
                }
                _ if cas == 0 => return Err(team::error(
                    TeamErrorKind::Conflict,
                    format!("team {team_name} already has a key named {}: `keyshelf team sync {team_name}` brings it, or rename this key before sharing", key.full_ref()),
                )),
                _ => return Err(team::error(
                    TeamErrorKind::Conflict,
                    format!("a teammate published {} to team {team_name} after version {cas}, which this workstation holds; nothing was written. `keyshelf team sync {team_name}` brings their version", key.full_ref()),
                )),
            },
            Err(e) => return Err(e),
        };
        crate::rotation::fault_point("team:shared");
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

    /// Claims a shared key's next version before a step that cannot be undone (a service's
    /// roll): the current secret published again over the version this workstation holds
    /// (`cas=N`). A teammate who published since, or claimed it for their own roll, wins:
    /// [`TeamErrorKind::Conflict`] naming who and when, ending with `then(team)`; a token that
    /// may not publish gets [`TeamErrorKind::Forbidden`]. Either way nothing was changed, and
    /// two teammates can never both roll one key.
    pub(crate) fn claim_shared(
        &mut self,
        key: &KeyRecord,
        then: impl Fn(&str) -> String,
    ) -> Result<()> {
        // A claim that was taken but not recorded is not this roll's own: another roll may be
        // under way, so it stops this one as a teammate's claim would.
        self.publish_current(key, None, false, then)
    }

    /// Publishes a rotated key's new secret to every team it is shared with, each over the
    /// version this workstation holds (`cas=N`). A teammate who published since wins:
    /// [`TeamErrorKind::Conflict`] naming who and when, nothing written, its message ending with
    /// `then(team)`: what the caller does about it. Called by the rotation before its
    /// irreversible steps, and by a roll right after the service rolled the key.
    pub(crate) fn publish_rotated(
        &mut self,
        key_id: i64,
        grace_days: u32,
        then: impl Fn(&str) -> String,
    ) -> Result<()> {
        let key = self.store_ref().read().key_by_id(key_id)?;
        self.publish_current(&key, Some(grace_days), true, then)
    }

    /// Publishes `key`'s current secret to every team it is shared with, over the version held
    /// here, with the grace period `grace_days` for the secret it replaces. `own_earlier`: a
    /// refused write whose version holds this very secret is an earlier write of this one (a
    /// new secret is made fresh for each rotation), taken as published.
    fn publish_current(
        &mut self,
        key: &KeyRecord,
        grace_days: Option<u32>,
        own_earlier: bool,
        then: impl Fn(&str) -> String,
    ) -> Result<()> {
        let shares = self.store_ref().read().shares_of_key(key.id)?;
        if shares.is_empty() {
            return Ok(());
        }
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
                grace_days,
                ..shared_meta(key, &by)
            };
            let version = match client.write(&path, &entry(&meta, &secret), Some(held.version)) {
                Ok(v) => v,
                Err(Error::Team {
                    kind: TeamErrorKind::Conflict,
                    ..
                }) => {
                    // This very publication, made before: the rotation goes on from it.
                    let mine = held.version + 1;
                    if own_earlier && own_write(&client, &path, mine, &secret)?.is_some() {
                        self.record_published(&held, mine, &by, key, &team.name)?;
                        continue;
                    }
                    let latest = client.read(&path)?;
                    return Err(teammate_first(
                        latest.as_ref(),
                        key,
                        &team.name,
                        held.version,
                        &then(&team.name),
                    ));
                }
                Err(e) => return Err(e),
            };
            crate::rotation::fault_point("team:published");
            self.record_published(&held, version, &by, key, &team.name)?;
        }
        Ok(())
    }

    /// The team that took this key's current secret at the version after the one held here
    /// without this workstation recording it (a lost answer, a crash right after the write):
    /// the rotation that made the secret is then published, whatever its record says. `None`
    /// also when no team's server answers: that cannot be told then.
    pub(crate) fn unrecorded_publication(&self, key: &KeyRecord) -> Option<String> {
        let secret = self
            .vault_arc()
            .get(&vault::key_account(&key.provider, &key.name))
            .ok()??;
        let shares = self.store_ref().read().shares_of_key(key.id).ok()?;
        shares.into_iter().find_map(|held| {
            let (team, token) = self.team_and_token(&held.team).ok()?;
            let client = BaoClient::new(&team, token).ok()?;
            let path = team.key_path(&key.provider, &key.name);
            own_write(&client, &path, held.version + 1, &secret).ok()??;
            Some(team.name)
        })
    }

    /// Records that this workstation holds `version` of a shared key it published.
    fn record_published(
        &mut self,
        held: &Share,
        version: u64,
        by: &str,
        key: &KeyRecord,
        team: &str,
    ) -> Result<()> {
        self.store().write(|tx| {
            tx.set_share(&Share {
                version,
                shared_by: by.to_owned(),
                ..held.clone()
            })?;
            tx.audit(Some(&key.full_ref()), "team-publish", team)
        })
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

    pub(super) fn team_and_token(&self, name: &str) -> Result<(TeamProfile, Secret)> {
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
            renew_when_half_spent(vault.as_ref(), &team, &credential)?;
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

/// Renews a team's token (`--auth token`) once half its life is spent, so a token that expires
/// (a periodic one above all) lives on while Keyshelf is in use: the desktop syncs every 15
/// minutes. For such a team the `#token` cache holds only the time of the next renewal.
fn renew_when_half_spent(
    vault: &dyn vault::Vault,
    team: &TeamProfile,
    token: &Secret,
) -> Result<()> {
    let cache = team_token_account(&team.name);
    if vault.get(&cache)?.as_ref().and_then(valid_cached).is_some() {
        return Ok(());
    }
    let next = match BaoClient::new(team, token.clone())?.renew_self() {
        Ok(Some(ttl)) => ttl / 2,
        Ok(None) => u64::MAX,
        // No server to ask: the request that follows would wait on the same addresses.
        Err(
            e @ Error::Team {
                kind: TeamErrorKind::Unreachable | TeamErrorKind::Sealed,
                ..
            },
        ) => return Err(e),
        // Anything else is the request's to report (a token refused), or not in its way; the
        // next use tries the renewal again.
        Err(e) => {
            tracing::debug!(team = %team.name, error = %e.code(), "the team's token was not renewed");
            return Ok(());
        }
    };
    vault.set(&cache, &cache_entry(token, next))
}

/// The team's policy and its version (0: none yet, so the first write creates it).
pub(super) fn read_policy(client: &BaoClient<'_>, team: &TeamProfile) -> Result<(TeamPolicy, u64)> {
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
        created_at: Some(crate::store::fmt_time(key.created_at)),
        last_rotated_at: key.last_rotated_at.map(crate::store::fmt_time),
        interval_override_days: key.interval_days,
        shared_by: by.to_owned(),
        grace_days: None,
    }
}

/// The conflict of a teammate who published `entry` (`None`: unshared since) over version
/// `held` of `key`, which this workstation holds; the message ends with `then`.
fn teammate_first(
    entry: Option<&(Value, u64)>,
    key: &KeyRecord,
    team: &str,
    held: u64,
    then: &str,
) -> Error {
    let message = match entry {
        Some((data, v)) => format!(
            "{} published version {v} of {}{} to team {team} after version {held}, which this rotation started from; {then}",
            data["meta"]["shared_by"].as_str().filter(|b| !b.is_empty()).unwrap_or("a teammate"),
            key.full_ref(),
            rotated_when(&data["meta"]["last_rotated_at"]),
        ),
        None => format!(
            "a teammate unshared {} from team {team} after version {held}, which this rotation started from; {then}",
            key.full_ref()
        ),
    };
    team::error(TeamErrorKind::Conflict, message)
}

/// " (rotated 2026-12-07 13:45 UTC)" from a shared entry's `last_rotated_at`; empty when the
/// entry does not say.
fn rotated_when(at: &Value) -> String {
    at.as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| {
            let utc = t.with_timezone(&chrono::Utc);
            format!(" (rotated {})", utc.format("%Y-%m-%d %H:%M UTC"))
        })
        .unwrap_or_default()
}

/// The shared entry: the secret beside its metadata.
fn entry(meta: &SharedKey, secret: &Secret) -> Value {
    json!({ "secret": secret.expose(), "meta": meta })
}

/// Version `version` of `path` when it holds `secret`: the version a write of this
/// workstation's would have made, so that write was made before (its answer lost, or the
/// process died before recording it). A new secret is made fresh for each rotation, so no
/// teammate's rotation holds the same one.
fn own_write(
    client: &BaoClient<'_>,
    path: &str,
    version: u64,
    secret: &Secret,
) -> Result<Option<Value>> {
    Ok(client
        .read_version(path, version)?
        .filter(|data| data["secret"].as_str() == Some(secret.expose())))
}

/// Every shared key of the team as `(provider, name)`.
pub(super) fn shared_paths(
    client: &BaoClient<'_>,
    team: &TeamProfile,
) -> Result<Vec<(String, String)>> {
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
