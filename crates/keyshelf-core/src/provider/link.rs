//! Linking local keys to their keys on the provider: `keyshelf link KEYREF --remote-id ID` and
//! `keyshelf import NAME --provider P --remote-id ID`.
//!
//! A key imported or generated "for" a provider has no id there, so nothing Keyshelf does on the
//! provider (deactivate, delete, rotate) can reach it. Linking records that id, after checking
//! that the provider has such a key and that no other key of Keyshelf holds it. The row that
//! `sync` made for a remote key it had no secret of (`no-local-secret`) is a placeholder: the key
//! that links to its id takes its place.

use super::client::Client;
use super::envelope::RemoteKey;
use super::errors::{Kind, ProviderError};
use crate::shelf::{Imported, KeyView, NewKey};
use crate::store::KeyRecord;
use crate::store::{Origin, RemoteState};
use crate::vault;
use crate::{Error, Keyshelf, Result, Secret};

impl Keyshelf {
    /// Links `keyref` to the provider's key `remote_id`.
    pub fn link_key(&mut self, keyref: &str, remote_id: &str) -> Result<KeyView> {
        let key = self.resolve(keyref)?;
        if key.provider == vault::LOCAL_PROVIDER {
            return Err(Error::invalid(
                key.full_ref(),
                "it belongs to no provider; import it again with --provider to link it",
            ));
        }
        self.refuse_during_rotation(&key)?;
        check_remote_id(remote_id)?;
        let remote = self.remote_key_by_id(&key.provider, remote_id)?;
        let full = key.full_ref();
        self.store().write(|tx| {
            if let Some(holder) = tx.key_by_remote_id(&key.provider, remote_id)? {
                if holder.id != key.id {
                    take_placeholder(tx, &holder, remote_id)?;
                }
            }
            tx.link_key(key.id, remote_id, remote.normalized_status())?;
            tx.audit(Some(&full), "link", &format!("provider id {remote_id}"))
        })?;
        self.show(&full)
    }

    /// Imports the secret of the provider's key `remote_id` as `new` (whose provider must be
    /// configured): the placeholder row `sync` made for it, if any, becomes this key.
    pub fn adopt_key(&mut self, new: NewKey, remote_id: &str, raw: Secret) -> Result<Imported> {
        let provider = new
            .provider
            .clone()
            .ok_or_else(|| Error::invalid("remote id", "--remote-id needs --provider"))?;
        let mut record = self.check_new_key(&new, Origin::Imported)?;
        check_remote_id(remote_id)?;
        let (secret, warnings) = crate::shelf::clean_imported(raw)?;
        let remote = self.remote_key_by_id(&provider, remote_id)?;
        record.provider_key_id = Some(remote_id.to_owned());
        record.remote_state = Some(RemoteState::Present);
        record.status = remote.normalized_status();
        let account = vault::key_account(&record.provider, &record.name);
        let vault = self.vault_arc();
        let key = self.store().write(|tx| {
            if let Some(holder) = tx.key_by_remote_id(&provider, remote_id)? {
                take_placeholder(tx, &holder, remote_id)?;
            }
            let key = tx.insert_key(&record)?;
            // Inside the transaction: a refused keychain write rolls the rows back.
            vault.set(&account, &secret)?;
            tx.audit(
                Some(&key.full_ref()),
                "import",
                &format!("adopted provider id {remote_id}"),
            )?;
            Ok(key)
        })?;
        Ok(Imported {
            key: self.show(&key.full_ref())?,
            warnings,
        })
    }

    /// Imports the secret of a key that `sync` listed without one (its row holds the provider's
    /// id): the same as `import NAME --provider P --remote-id ID` under the row's own name.
    pub fn import_listed_secret(&mut self, keyref: &str, raw: Secret) -> Result<Imported> {
        let key = self.resolve(keyref)?;
        let remote_id = match (&key.provider_key_id, key.has_secret) {
            (Some(id), false) => id.clone(),
            _ => {
                return Err(Error::invalid(
                    key.full_ref(),
                    "only a key listed by a sync without its secret takes one this way; import it again under a new name instead",
                ))
            }
        };
        let new = NewKey {
            name: key.name.clone(),
            env: key.env.clone(),
            provider: Some(key.provider.clone()),
            user: key.user.clone(),
            var_name: key.var_name.clone(),
            tags: key.tags.clone(),
            notes: key.notes.clone(),
            rotated_at: None,
        };
        self.adopt_key(new, &remote_id, raw)
    }

    /// The provider's key `remote_id`, looked up in its list (every key it lists).
    fn remote_key_by_id(&self, provider: &str, remote_id: &str) -> Result<RemoteKey> {
        let p = self.provider(provider)?;
        let client = Client::new(&p, self.vault_arc())?;
        let found = match super::declared::Api::of(&client) {
            // A preset's service: its `get` (or its list, when it has none).
            Some(api) => api.get(remote_id)?.map(|i| i.into_remote()),
            None => super::pagination::remote_keys(&client, &p.paths.list)?
                .into_iter()
                .find(|k| k.id == remote_id),
        };
        found.ok_or_else(|| {
                ProviderError::new(
                    Kind::NotFoundRemote,
                    format!("{provider} has no key with id {remote_id:?}; `keyshelf sync --provider {provider}` lists its keys (`keyshelf list --provider {provider} --json` shows their ids)"),
                )
                .into()
            })
    }
}

/// The row of another key holding `remote_id` goes when it is `sync`'s placeholder (no secret);
/// a key with a secret keeps its link and the new one is refused.
fn take_placeholder(tx: &crate::store::Tx<'_>, holder: &KeyRecord, remote_id: &str) -> Result<()> {
    if holder.has_secret || tx.active_rotation(holder.id)?.is_some() {
        return Err(Error::invalid(
            "remote id",
            format!(
                "{remote_id:?} is already linked to {}; one key of the provider belongs to one key of Keyshelf",
                holder.full_ref()
            ),
        ));
    }
    tx.delete_key(holder.id)?;
    tx.audit(
        Some(&holder.full_ref()),
        "remove",
        &format!("placeholder of provider id {remote_id}, now linked"),
    )
}

/// A remote id a user typed: something a provider could have issued.
fn check_remote_id(id: &str) -> Result<()> {
    if id.is_empty()
        || id.len() > 256
        || id.chars().any(char::is_control)
        || id == "."
        || id == ".."
    {
        return Err(Error::invalid(
            "remote id",
            "give the key's id as the provider shows it (1 to 256 printable characters)",
        ));
    }
    Ok(())
}
