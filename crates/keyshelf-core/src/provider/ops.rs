//! The provider operations a user can do: add/list/test/remove providers; create, activate,
//! deactivate, delete, verify keys; export and usage. Sync is in [`super::sync`].
//!
//! Ordering rules, so no key is ever lost:
//! - create: `POST generate` → the secret into the keychain at once → the metadata. When the
//!   keychain refuses, a `pending` row without secret is recorded and the secret goes back to the
//!   caller inside [`Error::KeyNotStored`], once; it is never written anywhere else.
//! - delete: the provider confirms first; only then the keychain entry and the row go.

use super::client::{token_cache_account, Client, Repeat};
use super::declared::{Api, Params};
use super::envelope::{self, RemoteKey};
use super::errors::{Kind, ProviderError};
use super::issued::check_issued;
use super::profile::{self, ProviderProfile};
use crate::names;
use crate::shelf::{KeyView, NewKey};
use crate::store::{fmt_time, KeyFilter, KeyRecord, KeyStatus, NewKeyRecord, Origin, RemoteState};
use crate::vault;
use crate::{Error, Keyshelf, Result, Secret};
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Serialize;
use serde_json::{json, Value};

/// What `provider test` found.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct ProviderCheck {
    pub provider: String,
    pub keys: usize,
    pub key_limit: Option<u32>,
}

/// The result of a verify call.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub key: String,
    pub scheme: String,
    pub url_path: String,
    pub status: u16,
    pub ok: bool,
    /// What the provider answered (never a secret of ours).
    pub response: Value,
}

/// Options of `provider add`.
#[derive(Debug, Clone)]
pub struct NewProvider {
    pub profile: ProviderProfile,
    /// The Bearer token, or `client_id:client_secret` for OAuth2.
    pub credential: Secret,
}

impl Keyshelf {
    // --- profiles -----------------------------------------------------------------------------

    /// Adds a provider: validates it, stores its credential in the keychain and its profile in the
    /// store, together or not at all.
    pub fn add_provider(&mut self, new: NewProvider) -> Result<ProviderProfile> {
        let mut p = new.profile;
        self.check_profile(&p)?;
        let cred = trim_newline(new.credential);
        if cred.is_empty() || cred.expose().chars().any(char::is_control) {
            return Err(Error::invalid("credential", "empty or spans several lines; pipe the token (or client_id:client_secret) on stdin"));
        }
        if p.auth == profile::ManagementAuth::Oauth2 && !cred.expose().contains(':') {
            return Err(Error::invalid(
                "credential",
                "OAuth2 needs `client_id:client_secret` on stdin",
            ));
        }
        let vault = self.vault_arc();
        let account = vault::provider_account(&p.name);
        self.store().write(|tx| {
            tx.insert_provider(&p)?;
            vault.set(&account, &cred)?;
            // A stale token of an earlier provider of the same name must not be reused.
            vault.delete(&token_cache_account(&p.name))?;
            tx.audit(None, "provider-add", &p.name)
        })?;
        p.created_at = Some(Utc::now());
        Ok(p)
    }

    /// The checks a profile passes before it is added or changed: its own fields, and a
    /// default environment that exists.
    fn check_profile(&self, p: &ProviderProfile) -> Result<()> {
        p.validate()?;
        if self
            .store_ref()
            .read()
            .environment(&p.default_env)?
            .is_none()
        {
            return Err(Error::UnknownEnvironment(names::printable(&p.default_env)));
        }
        Ok(())
    }

    /// All providers.
    pub fn providers(&self) -> Result<Vec<ProviderProfile>> {
        self.store_ref().read().providers()
    }

    /// One provider.
    pub fn provider(&self, name: &str) -> Result<ProviderProfile> {
        self.store_ref()
            .read()
            .provider(name)?
            .ok_or_else(|| Error::ProviderNotFound(names::printable(name)))
    }

    /// Checks that the management API answers with the stored credential.
    pub fn test_provider(&self, name: &str) -> Result<ProviderCheck> {
        let p = self.provider(name)?;
        let keys = self.remote_keys(&p)?;
        Ok(ProviderCheck {
            provider: p.name,
            keys: keys.len(),
            key_limit: p.key_limit,
        })
    }

    /// Removes a provider and its credential. Refused while Keyshelf holds keys of it.
    pub fn remove_provider(&mut self, name: &str) -> Result<ProviderProfile> {
        let p = self.provider(name)?;
        let n = self
            .store_ref()
            .read()
            .keys(&KeyFilter {
                provider: Some(p.name.clone()),
                ..Default::default()
            })?
            .len();
        if n > 0 {
            return Err(Error::invalid(
                format!("provider {:?}", p.name),
                format!("Keyshelf still holds {n} key(s) of it; delete them on the provider or remove them locally first (`keyshelf delete` / `keyshelf remove`, or in each key's detail)"),
            ));
        }
        let vault = self.vault_arc();
        self.store().write(|tx| {
            tx.delete_provider(&p.name)?;
            vault.delete(&vault::provider_account(&p.name))?;
            vault.delete(&token_cache_account(&p.name))?;
            tx.audit(None, "provider-remove", &p.name)
        })?;
        Ok(p)
    }

    /// Changes a provider's settings (its name stays: it keys the keychain), and its credential
    /// when one is given. Validated like [`Keyshelf::add_provider`]; all or nothing.
    pub fn update_provider(
        &mut self,
        profile: ProviderProfile,
        credential: Option<Secret>,
    ) -> Result<ProviderProfile> {
        let old = self.provider(&profile.name)?;
        let mut p = profile;
        p.name = old.name.clone();
        self.check_profile(&p)?;
        let cred = match credential.map(trim_newline).filter(|c| !c.is_empty()) {
            Some(c) if c.expose().chars().any(char::is_control) => {
                return Err(Error::invalid("credential", "it spans several lines"));
            }
            Some(c) => Some(c),
            None => None,
        };
        if p.auth == profile::ManagementAuth::Oauth2 {
            let has_colon = match &cred {
                Some(c) => c.expose().contains(':'),
                // Switching to OAuth2 needs the client credentials; keeping it needs nothing new.
                None => old.auth == profile::ManagementAuth::Oauth2,
            };
            if !has_colon {
                return Err(Error::invalid(
                    "credential",
                    "OAuth2 needs `client_id:client_secret`",
                ));
            }
        }
        let vault = self.vault_arc();
        let account = vault::provider_account(&p.name);
        self.store().write(|tx| {
            tx.update_provider(&p)?;
            if let Some(c) = &cred {
                vault.set(&account, c)?;
            }
            // A cached access token may belong to other credentials or another token URL.
            vault.delete(&token_cache_account(&p.name))?;
            tx.audit(
                None,
                "provider-edit",
                &format!(
                    "{}{}",
                    p.name,
                    if cred.is_some() {
                        "; new credential"
                    } else {
                        ""
                    }
                ),
            )
        })?;
        self.provider(&p.name)
    }

    fn client<'a>(&self, p: &'a ProviderProfile) -> Result<Client<'a>> {
        Client::new(p, self.vault_arc())
    }

    pub(super) fn remote_keys(&self, p: &ProviderProfile) -> Result<Vec<RemoteKey>> {
        let client = self.client(p)?;
        match Api::of(&client) {
            Some(api) => Ok(api.list()?.into_iter().map(|i| i.into_remote()).collect()),
            None => super::pagination::remote_keys(&client, &p.paths.list),
        }
    }

    // --- keys ---------------------------------------------------------------------------------

    /// Creates a key on the provider and stores its secret (see the module doc for the order).
    pub fn create_key(&mut self, new: NewKey) -> Result<KeyView> {
        self.create_key_with(new, &Params::new())
    }

    /// [`Keyshelf::create_key`] with the parameters a declared provider's create takes
    /// (`--param NAME=VALUE`: scopes, expiry…); checked before any request.
    pub fn create_key_with(&mut self, new: NewKey, params: &Params) -> Result<KeyView> {
        let pname = new
            .provider
            .clone()
            .ok_or_else(|| Error::invalid("provider", "create needs --provider"))?;
        // The request's own fields first: a bad name or environment is reported as such
        // whatever the state of the shelf.
        self.check_new(&new)?;
        let p = self.provider(&pname)?;
        if self.resolve(&format!("{}/{}", p.name, new.name)).is_ok() {
            return Err(Error::KeyExists(format!("{}/{}", p.name, new.name)));
        }
        if !p.is_declared() && !params.is_empty() {
            return Err(Error::invalid("--param", "the standard API takes no parameters; --param goes with providers added with --preset or --profile"));
        }
        if !p.is_declared()
            && p.key_scheme == super::KeyScheme::XApiKeyUsername
            && new.user.as_deref().unwrap_or("").is_empty()
        {
            return Err(Error::invalid("user", "this provider presents keys with X-Username beside the key; give the key's user with --user"));
        }
        if let Some(limit) = p.key_limit {
            let held = self.keys_held(&p.name)?;
            if held >= limit as usize {
                return Err(ProviderError::new(
                    Kind::PlanLimit,
                    format!("provider {:?} allows {limit} keys on its plan and Keyshelf knows of {held}; delete one on the provider (`keyshelf delete`, or in the key's detail) or raise the provider's key limit (`--key-limit`, or Edit on the Providers screen). Nothing was sent", p.name),
                )
                .into());
            }
        }

        let label = format!("POST {}", p.paths.generate);
        let maybe_created = |e: Error| -> Error {
            match e {
                // The provider may have created the key before failing: say so, never retry.
                Error::Provider(pe)
                    if matches!(pe.kind, Kind::ServerError | Kind::Timeout | Kind::BadResponse | Kind::TooLarge | Kind::Unreachable) =>
                {
                    ProviderError::new(
                        Kind::OutcomeUnknown,
                        format!(
                            "{} The provider may have created the key anyway; Keyshelf did not send the request again, which could create a second key. Sync the provider (`keyshelf sync --provider {}`, or Sync on the Providers screen) to see it, and delete it on the provider if it is there: its value was not received.",
                            pe.message, p.name
                        ),
                    )
                    .into()
                }
                other => other,
            }
        };
        let client = self.client(&p)?;
        let (remote, secret) = match Api::of(&client) {
            Some(api) => {
                let typed = api.params("create", params)?;
                let (item, secret) = api
                    .create(&new.name, new.user.as_deref(), &typed)
                    .map_err(maybe_created)?;
                (item.into_remote(), secret)
            }
            None => self.create_standard(&client, &new, &label, maybe_created)?,
        };
        drop(client);
        self.record_created(&p, &new, remote, secret)
    }

    /// `POST generate` of the standard API: the new key and its checked value.
    fn create_standard(
        &self,
        client: &Client<'_>,
        new: &NewKey,
        label: &str,
        maybe_created: impl Fn(Error) -> Error,
    ) -> Result<(RemoteKey, Secret)> {
        let p = client.profile();
        let body =
            json!({ "api_key_name": new.name, "user": new.user.clone().unwrap_or_default() });
        let value = client
            .management_json(
                Method::POST,
                &p.paths.generate,
                None,
                Some(&body),
                Repeat::Never,
            )
            .map_err(&maybe_created)?;
        let object = envelope::object(value);
        if let Some(why) = object
            .as_ref()
            .and_then(envelope::raw_id)
            .and_then(|id| envelope::check_id(id).err())
        {
            // Not "outcome unknown": the key was made, and Keyshelf cannot name it in a request.
            return Err(ProviderError::new(
                Kind::BadResponse,
                format!("{label}: the provider gave the new key an id that {why}; nothing was stored. Delete the key named {:?} in the provider's console.", new.name),
            )
            .into());
        }
        let remote: RemoteKey = object
            .and_then(|v| serde_json::from_value(v).ok())
            .ok_or_else(|| {
                maybe_created(
                    ProviderError::new(
                        Kind::BadResponse,
                        format!("{label}: the answer is not a key object with an id"),
                    )
                    .into(),
                )
            })?;
        let secret = match remote.api_key.clone().filter(|v| !v.is_empty()) {
            // The key exists and its id is known: a refused value is a bad answer, not an
            // unknown outcome.
            Some(v) => check_issued(v, &p.name, &remote.id, label)?,
            None => {
                return Err(maybe_created(
                    ProviderError::new(
                        Kind::BadResponse,
                        format!("{label}: the answer holds no key value (api_key)"),
                    )
                    .into(),
                ))
            }
        };
        Ok((remote, secret))
    }

    /// The secret of a key just created into the keychain, then its row (module doc's order).
    fn record_created(
        &mut self,
        p: &ProviderProfile,
        new: &NewKey,
        remote: RemoteKey,
        secret: Secret,
    ) -> Result<KeyView> {
        let account = vault::key_account(&p.name, &new.name);
        let stored = self.vault().set(&account, &secret);
        let full = format!("{}/{}", p.name, new.name);
        let record = NewKeyRecord {
            name: new.name.clone(),
            provider: p.name.clone(),
            provider_key_id: Some(remote.id.clone()),
            env: new.env.clone(),
            status: if stored.is_ok() {
                remote.normalized_status()
            } else {
                KeyStatus::Pending
            },
            has_secret: stored.is_ok(),
            remote_state: Some(RemoteState::Present),
            user: new.user.clone().or(remote.user.clone()),
            var_name: new.var_name.clone(),
            origin: Origin::Provider,
            created_at: Utc::now(),
            last_rotated_at: None,
            tags: new.tags.clone(),
            notes: new.notes.clone(),
        };
        let detail = match &stored {
            Ok(()) => format!("provider id {}", remote.id),
            Err(e) => format!(
                "provider id {}; keychain refused ({}), secret handed to the user once",
                remote.id,
                e.code()
            ),
        };
        let inserted = self.store().write(|tx| {
            tx.insert_key(&record)?;
            tx.audit(Some(&full), "create", &detail)
        });
        match (stored, inserted) {
            (Ok(()), Ok(())) => self.show(&full),
            (Ok(()), Err(e)) => Err(Error::Store(format!(
                "{full} was created and its secret is in the keychain (account {account}), but its metadata could not be recorded: {e}. A sync of the provider will list it"
            ))),
            (Err(e), _) => Err(Error::KeyNotStored { key: full, detail: e.to_string(), secret }),
        }
    }

    /// Activates (`true`) or deactivates a key on its provider, then locally.
    pub fn set_key_active(&mut self, keyref: &str, active: bool) -> Result<KeyView> {
        let (key, p, id) = self.remote_key(keyref)?;
        if !active {
            self.refuse_if_shared(
                &key,
                "deactivated",
                "deactivate it; or rotate it, which gives teammates the new key",
            )?;
        }
        let (status, doing) = if active {
            (KeyStatus::Active, "activating")
        } else {
            (KeyStatus::Inactive, "deactivating")
        };
        self.holding_key(&key, doing, |shelf, _| {
            let client = shelf.client(&p)?;
            match Api::of(&client) {
                Some(api) => api.set_active(&id, active)?,
                None => {
                    client.management(
                        Method::PUT,
                        &p.paths.status,
                        Some(&id),
                        Some(&json!({ "status": status.as_str() })),
                        Repeat::Idempotent,
                    )?;
                }
            }
            shelf.store().write(|tx| {
                tx.set_remote_status(key.id, status)?;
                tx.audit(
                    Some(&key.full_ref()),
                    if active { "activate" } else { "deactivate" },
                    "",
                )
            })
        })?;
        self.show(&key.full_ref())
    }

    /// Refuses to stop a shared key working on its provider: teammates use it, and would find
    /// it broken unseen. `done`: what was not done to it; `then`: what to do after unsharing.
    fn refuse_if_shared(&self, key: &KeyRecord, done: &str, then: &str) -> Result<()> {
        match self.team_of_key(key.id)? {
            Some(team) => Err(Error::invalid(
                key.full_ref(),
                format!(
                    "it is shared with team {team}, whose members use it, so it was not {done}. Unshare it first (`keyshelf unshare {k} --team {team}`), then {then}",
                    k = key.full_ref()
                ),
            )),
            None => Ok(()),
        }
    }

    /// Deletes a key on its provider; once the provider confirmed, its keychain entry and row.
    /// Returns the key and whether the provider had already lost it (404).
    pub fn delete_key(&mut self, keyref: &str) -> Result<(KeyRecord, bool)> {
        let (key, p, id) = self.remote_key(keyref)?;
        // The team's entry would also bring the deleted key back here at the next sync.
        self.refuse_if_shared(&key, "deleted", "delete it")?;
        self.holding_key(&key, "deleting", |shelf, me| {
            let client = shelf.client(&p)?;
            let already_gone = match Api::of(&client) {
                Some(api) => api.delete(&id)?,
                None => match client.management(
                    Method::DELETE,
                    &p.paths.delete,
                    Some(&id),
                    None,
                    Repeat::Idempotent,
                ) {
                    Ok(_) => false,
                    Err(Error::Provider(e)) if e.kind == Kind::NotFoundRemote => true,
                    Err(e) => return Err(e),
                },
            };
            let vault = shelf.vault_arc();
            let full = key.full_ref();
            shelf.store().write(|tx| {
                tx.delete_key(key.id)?;
                tx.release_key(key.id, me)?;
                vault.delete(&vault::key_account(&key.provider, &key.name))?;
                tx.audit(
                    Some(&full),
                    "delete",
                    if already_gone {
                        "already gone on the provider"
                    } else {
                        "deleted on the provider"
                    },
                )
            })?;
            Ok(already_gone)
        })
        .map(|gone| (key, gone))
    }

    /// Presents a key under its provider's scheme on the verify route.
    pub fn verify_key(&mut self, keyref: &str) -> Result<VerifyReport> {
        let key = self.resolve(keyref)?;
        let p = self.provider(&key.provider)?;
        let secret = self.secret_for_own_use(&key, "verify")?;
        let client = self.client(&p)?;
        if let Some(api) = Api::of(&client) {
            let (status, response, url_path) =
                api.verify(&secret, key.provider_key_id.as_deref(), key.user.as_deref())?;
            return Ok(VerifyReport {
                key: key.full_ref(),
                scheme: p.preset.clone().unwrap_or_else(|| "profile".into()),
                url_path,
                status,
                ok: true,
                response,
            });
        }
        let (status, response) = client.verify(&secret, key.user.as_deref())?;
        Ok(VerifyReport {
            key: key.full_ref(),
            scheme: p.key_scheme.as_str().into(),
            url_path: p.verify_path.clone().unwrap_or_default(),
            status,
            ok: true,
            response: envelope::object(response.clone()).unwrap_or(response),
        })
    }

    /// The provider's CSV export of its keys (no values, per seed 004); a declared provider's
    /// export as its service gives it.
    pub fn export_keys(&self, provider: &str) -> Result<String> {
        let p = self.provider(provider)?;
        let client = self.client(&p)?;
        if let Some(api) = Api::of(&client) {
            return api.export();
        }
        let reply =
            client.management(Method::GET, &p.paths.export, None, None, Repeat::Idempotent)?;
        String::from_utf8(reply.body).map_err(|_| {
            ProviderError::new(
                Kind::BadResponse,
                format!("GET {}: the export is not UTF-8 text", p.paths.export),
            )
            .into()
        })
    }

    /// The provider's usage logs and what their counts count (`calls`, or the service's unit).
    /// The standard API's rows come as it gives them; a declared provider's are read into the same
    /// fields (see [`profile::usage_row`]), every page of the last [`USAGE_DAYS`] days.
    pub fn usage_logs(&self, provider: &str) -> Result<(Vec<Value>, String)> {
        let p = self.provider(provider)?;
        let client = self.client(&p)?;
        read_usage(&client, &p, Utc::now() - chrono::Duration::days(USAGE_DAYS))
    }

    /// A key with its provider and provider id, for calls that act on the remote key.
    pub(super) fn remote_key(&self, keyref: &str) -> Result<(KeyRecord, ProviderProfile, String)> {
        let key = self.resolve(keyref)?;
        if key.provider == vault::LOCAL_PROVIDER {
            return Err(Error::invalid(
                key.full_ref(),
                "it belongs to no provider; remove it locally instead (`keyshelf remove`, or Remove from Keyshelf in its detail)",
            ));
        }
        let p = self.provider(&key.provider)?;
        let id = key
            .provider_key_id
            .clone()
            .ok_or_else(|| Error::KeyNotLinked(key.full_ref()))?;
        Ok((key, p, id))
    }
}

/// How far back a declared provider's usage is asked for (`{since}` in its usage query).
pub const USAGE_DAYS: i64 = 30;

/// A provider's usage logs and their unit: a declared provider's usage operation, asked for the
/// rows since `since` (every page); else the standard API's usage path, whose logs come whole.
/// Shared by the usage report and a rotation's "was the old key still used?".
pub(super) fn read_usage(
    client: &Client<'_>,
    p: &ProviderProfile,
    since: DateTime<Utc>,
) -> Result<(Vec<Value>, String)> {
    if let Some(api) = Api::of(client) {
        return api.usage(&since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    let path = &p.paths.usage;
    let v = client.management_json(Method::GET, path, None, None, Repeat::Idempotent)?;
    let rows = envelope::list(v).ok_or_else(|| {
        Error::from(ProviderError::new(
            Kind::BadResponse,
            format!("GET {path}: the answer holds no list of logs"),
        ))
    })?;
    Ok((rows, "calls".to_owned()))
}

fn trim_newline(s: Secret) -> Secret {
    let v = s.expose();
    match v.strip_suffix("\r\n").or_else(|| v.strip_suffix('\n')) {
        Some(t) => Secret::new(t.to_owned()),
        None => s,
    }
}

/// For the time column of tables.
pub fn time_text(t: Option<DateTime<Utc>>) -> String {
    t.map_or("-".into(), fmt_time)
}
