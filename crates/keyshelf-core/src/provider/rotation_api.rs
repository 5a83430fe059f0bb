//! The management API as the guided rotation needs it ([`RotationProvider`]).

use super::client::{Client, Repeat};
use super::declared::Api;
use super::envelope::{self, RemoteKey};
use super::errors::{Kind, ProviderError};
use super::ops::read_usage;
use super::profile::ProviderProfile;
use crate::rotation::{Options, Presence, Progress, Rotation, RotationProvider, Start};
use crate::store::KeyStatus;
use crate::vault::Vault;
use crate::{Error, Keyshelf, Result, Secret};
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Arc;

/// A configured provider's API, owning what a call needs.
pub struct ProviderApi {
    profile: ProviderProfile,
    vault: Arc<dyn Vault>,
}

impl ProviderApi {
    fn client(&self) -> Result<Client<'_>> {
        Client::new(&self.profile, Arc::clone(&self.vault))
    }

    /// Every key the provider lists, all pages read.
    fn remote_keys(&self) -> Result<Vec<RemoteKey>> {
        let client = self.client()?;
        match Api::of(&client) {
            Some(api) => Ok(api.list()?.into_iter().map(|i| i.into_remote()).collect()),
            None => super::pagination::remote_keys(&client, &self.profile.paths.list),
        }
    }

    fn bad(&self, path: &str, what: &str) -> Error {
        ProviderError::new(Kind::BadResponse, format!("{path}: {what}")).into()
    }
}

impl Keyshelf {
    /// The API of provider `name` for a rotation, `None` when no such provider is configured
    /// (keys imported for a provider Keyshelf has no access to).
    pub fn rotation_provider(&self, name: &str) -> Result<Option<ProviderApi>> {
        Ok(self
            .store_ref()
            .read()
            .provider(name)?
            .map(|profile| ProviderApi {
                profile,
                vault: self.vault_arc(),
            }))
    }

    /// Starts the rotation of `keyref` and carries it as far as it goes now, through its
    /// provider's API when that provider is configured ([`Keyshelf::rotate`]).
    pub fn rotate_via_provider(
        &mut self,
        keyref: &str,
        start: &Start,
        opts: Options,
    ) -> Result<Progress> {
        let api = self.rotation_provider_of(keyref)?;
        self.rotate(
            keyref,
            start,
            api.as_ref().map(|a| a as &dyn RotationProvider),
            opts,
        )
    }

    /// Carries the rotation of `keyref` forward through its provider's API when that provider
    /// is configured, else to `opts.new_secret` ([`Keyshelf::advance_rotation`]).
    pub fn advance_rotation_via_provider(
        &mut self,
        keyref: &str,
        opts: Options,
    ) -> Result<Progress> {
        let api = self.rotation_provider_of(keyref)?;
        self.advance_rotation(
            keyref,
            api.as_ref().map(|a| a as &dyn RotationProvider),
            opts,
        )
    }

    /// Abandons the rotation of `keyref`, deleting the new key on its provider when that
    /// provider is configured ([`Keyshelf::abort_rotation`]).
    pub fn abort_rotation_via_provider(&mut self, keyref: &str, force: bool) -> Result<Rotation> {
        let api = match self.resolve(keyref) {
            Ok(key) => self.rotation_provider(&key.provider)?,
            // A rotation whose key was removed needs no provider to end.
            Err(Error::KeyNotFound(_)) => None,
            Err(e) => return Err(e),
        };
        self.abort_rotation(
            keyref,
            api.as_ref().map(|a| a as &dyn RotationProvider),
            force,
        )
    }

    /// The API the rotation of `keyref` goes through, `None` for a key of no configured provider.
    fn rotation_provider_of(&self, keyref: &str) -> Result<Option<ProviderApi>> {
        let key = self.resolve(keyref)?;
        self.rotation_provider(&key.provider)
    }
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl RotationProvider for ProviderApi {
    fn create(&self, remote_name: &str, user: Option<&str>) -> Result<(String, Secret)> {
        let client = self.client()?;
        if let Some(api) = Api::of(&client) {
            // Only defaults: a create that needs parameters the user gives on the command line
            // is refused here with the list of them, before any request.
            let params = api.params("create", &Default::default())?;
            return api
                .create(remote_name, user, &params)
                .map(|(item, secret)| (item.id, secret));
        }
        let path = &self.profile.paths.generate;
        let body = json!({ "api_key_name": remote_name, "user": user.unwrap_or_default() });
        // Never repeated: the rotation looks the key up by name before creating again.
        let v =
            self.client()?
                .management_json(Method::POST, path, None, Some(&body), Repeat::Never)?;
        let k: RemoteKey = envelope::object(v)
            .and_then(|v| serde_json::from_value(v).ok())
            .ok_or_else(|| self.bad(path, "the answer is not a key object with an id"))?;
        let value = k
            .api_key
            .filter(|s| !s.is_empty())
            .ok_or_else(|| self.bad(path, "the answer holds no key value (api_key)"))?;
        // A value that fails the checks is refused like a bad import; the key it belongs to is
        // found again by its recorded name and deleted when the rotation resumes or is aborted.
        let secret =
            super::issued::check_issued(value, &self.profile.name, &k.id, &format!("POST {path}"))?;
        Ok((k.id, secret))
    }

    fn find_by_name(&self, remote_name: &str) -> Result<Option<String>> {
        Ok(self
            .remote_keys()?
            .into_iter()
            .find(|k| k.api_key_name.as_deref() == Some(remote_name))
            .map(|k| k.id))
    }

    fn key_state(&self, id: &str) -> Result<Option<bool>> {
        Ok(self
            .remote_keys()?
            .into_iter()
            .find(|k| k.id == id)
            .map(|k| k.normalized_status() == KeyStatus::Active))
    }

    fn can_verify(&self) -> bool {
        match self.profile.declared() {
            Ok(Some(d)) => d.op("verify").is_some(),
            Ok(None) => self.profile.verify_path.is_some(),
            Err(_) => false,
        }
    }

    fn verify(&self, secret: &Secret, id: Option<&str>, user: Option<&str>) -> Result<()> {
        let client = self.client()?;
        match Api::of(&client) {
            Some(api) => api.verify(secret, id, user).map(drop),
            None => client.verify(secret, user).map(drop),
        }
    }

    fn can_create(&self) -> bool {
        match self.profile.declared() {
            Ok(Some(d)) => d.op("create").is_some(),
            _ => true,
        }
    }

    fn can_deactivate(&self) -> bool {
        match self.profile.declared() {
            Ok(Some(d)) => d.op("set_status").is_some(),
            _ => true,
        }
    }

    fn set_active(&self, id: &str, active: bool) -> Result<Presence> {
        let client = self.client()?;
        if let Some(api) = Api::of(&client) {
            return presence(api.set_active(id, active));
        }
        let status = if active { "active" } else { "inactive" };
        presence(self.client()?.management(
            Method::PUT,
            &self.profile.paths.status,
            Some(id),
            Some(&json!({ "status": status })),
            Repeat::Idempotent,
        ))
    }

    fn delete(&self, id: &str) -> Result<Presence> {
        let client = self.client()?;
        if let Some(api) = Api::of(&client) {
            return match api.delete(id)? {
                true => Ok(Presence::Gone),
                false => Ok(Presence::Found),
            };
        }
        presence(self.client()?.management(
            Method::DELETE,
            &self.profile.paths.delete,
            Some(id),
            None,
            Repeat::Idempotent,
        ))
    }

    fn calls_since(&self, id: &str, since: DateTime<Utc>) -> Result<Option<u64>> {
        let client = self.client()?;
        let keeps_logs = match client.declared() {
            Some(d) => d.op("usage").is_some(),
            None => !self.profile.paths.usage.is_empty(),
        };
        if !keeps_logs {
            return Ok(None);
        }
        let (logs, unit) = read_usage(&client, &self.profile, since)?;
        // A report of counts per period (tokens per day) cannot say whether a call came after
        // `since`: "unknown", as for a provider without usage logs.
        if unit != "calls" {
            return Ok(None);
        }
        let calls = logs
            .iter()
            .filter(|l| {
                ["api_key_id", "key_id"]
                    .iter()
                    .find_map(|f| l.get(*f))
                    .and_then(id_text)
                    .as_deref()
                    == Some(id)
            })
            .filter(|l| {
                ["created_at", "timestamp", "at"]
                    .iter()
                    .find_map(|f| l.get(*f).and_then(Value::as_str))
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    // A log without a readable time counts: better a false "still in use".
                    .is_none_or(|t| t.with_timezone(&Utc) >= since)
            })
            .count();
        Ok(Some(calls as u64))
    }
}

/// A call on one key: done, or the key was not there (404).
fn presence<T>(reply: Result<T>) -> Result<Presence> {
    match reply {
        Ok(_) => Ok(Presence::Found),
        Err(Error::Provider(e)) if e.kind == Kind::NotFoundRemote => Ok(Presence::Gone),
        Err(e) => Err(e),
    }
}
