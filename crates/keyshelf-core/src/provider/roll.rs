//! Rotation through a service's own roll endpoint, for providers whose profile has one:
//!
//! - **same id**: the service gives the key a new secret (Cloudflare's `PUT …/tokens/{id}/value`);
//! - **new id**: the service issues a new key and revokes the old one (GitLab's
//!   `POST /personal_access_tokens/{id}/rotate`).
//!
//! Either way the old secret stops working when the service answers, so there is no grace period
//! and nothing to fall back to: the roll is sent once (never repeated after an unknown outcome,
//! which could revoke the key it just issued), its new secret goes to the keychain before anything
//! else, and a keychain refusal hands the secret back once in [`Error::KeyNotStored`]. Services
//! without a roll endpoint rotate through the guided create-new rotation (`rotation`).

use super::client::Client;
use super::declared::{Api, Params};
use super::errors::{Kind, ProviderError};
use super::profile::format::RollSemantics;
use crate::shelf::KeyView;
use crate::store::KeyStatus;
use crate::team::TeamErrorKind;
use crate::vault;
use crate::{Error, Keyshelf, Result};
use chrono::Utc;
use serde::Serialize;

/// What a roll did.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct Rolled {
    pub key: KeyView,
    /// `same-id` or `new-id`.
    pub semantics: String,
    pub old_id: String,
    pub new_id: String,
    /// What became of the old secret, in the service's terms.
    pub old_secret: String,
}

impl Keyshelf {
    /// How `keyref`'s provider rotates: `Some` when it has a roll endpoint (same id or new id),
    /// `None` when rotation creates a new key (the guided rotation).
    pub fn roll_semantics(&self, keyref: &str) -> Result<Option<RollSemantics>> {
        let key = self.resolve(keyref)?;
        let Some(p) = self.store_ref().read().provider(&key.provider)? else {
            return Ok(None);
        };
        Ok(p.declared()?
            .map(|d| d.roll_semantics())
            .filter(|s| *s != RollSemantics::None))
    }

    /// Rolls `keyref` through its service's roll endpoint (see the module doc). `params` are
    /// the roll's own (`--param expires_at=…`), checked before any request.
    pub fn roll_key(&mut self, keyref: &str, params: &Params) -> Result<Rolled> {
        let (key, p, old_id) = self.remote_key(keyref)?;
        self.refuse_during_rotation(&key)?;
        let vault = self.vault_arc();
        let client = Client::new(&p, vault.clone())?;
        let api = Api::of(&client).ok_or_else(|| no_roll(&key.full_ref()))?;
        let d = client.declared().ok_or_else(|| no_roll(&key.full_ref()))?;
        let semantics = d.roll_semantics();
        if semantics == RollSemantics::None {
            return Err(no_roll(&key.full_ref()));
        }
        let typed = api.params("roll", params)?;
        let old_secret = d
            .op("roll")
            .and_then(|r| r.old_secret_valid_for.clone())
            .unwrap_or_else(|| {
                "the previous secret stopped working when the service answered".into()
            });
        let full = key.full_ref();
        // A shared key: the roll cannot be undone, so its next version is claimed first (the
        // guided rotation publishes before its irreversible steps instead). A teammate's newer
        // version, another roll under way, or a token that may not publish stop it here.
        self.claim_shared(&key, |team| {
            format!("nothing was rolled: `keyshelf team sync {team}` brings theirs")
        })?;
        let account = vault::key_account(&key.provider, &key.name);
        let new_id = self.holding_key(&key, "rolling", |shelf, _| {
            // A trace first: if this process dies after the service answered, the audit log says
            // a roll was sent and its secret may be lost.
            shelf
                .store()
                .write(|tx| tx.audit(Some(&full), "roll-start", &format!("provider id {old_id}")))?;
            let (new_id, secret) = api.roll(&old_id, &typed).map_err(|e| unknown_outcome(e, &full))?;
            match vault.set(&account, &secret) {
                Ok(()) => {
                    shelf.store().write(|tx| {
                        tx.set_rotated(key.id, Some(&new_id), Utc::now())?;
                        tx.audit(
                            Some(&full),
                            "roll",
                            &format!("{}: provider id {old_id} -> {new_id}", semantics.as_str()),
                        )
                    })?;
                    Ok(new_id)
                }
                Err(e) => {
                    let detail = e.to_string();
                    // The stored secret is dead: the key is pending until its new value is imported.
                    let _ = shelf.store().write(|tx| {
                        tx.link_key(key.id, &new_id, KeyStatus::Pending)?;
                        tx.audit(
                            Some(&full),
                            "roll",
                            &format!("provider id {old_id} -> {new_id}; keychain refused ({}), secret handed to the user once", e.code()),
                        )
                    });
                    Err(Error::KeyNotStored {
                        key: full.clone(),
                        detail,
                        secret,
                    })
                }
            }
        })?;
        // The old secret stopped working when the service answered: teammates need the new
        // one now, and keep nothing of the old (no grace period).
        let twice = |team: &str| {
            format!("the roll here had already gone through, so this workstation holds its secret and team {team} holds theirs. If the service rolled the key twice, only the later secret works: `keyshelf verify {full}` says whether this one does; `keyshelf team sync {team}` takes theirs")
        };
        self.publish_rotated(key.id, 0, twice)
            .map_err(|e| rolled_unpublished(e, &full))?;
        Ok(Rolled {
            key: self.show(&full)?,
            semantics: semantics.as_str().to_owned(),
            old_id,
            new_id,
            old_secret,
        })
    }
}

/// A roll that went through but whose new secret the team's server did not take: teammates hold
/// the old, dead secret until it is published.
fn rolled_unpublished(e: Error, key: &str) -> Error {
    match e {
        Error::Team { kind, message } if kind != TeamErrorKind::Conflict => crate::team::error(
            kind,
            format!("{message}. {key} was rolled all the same and its new secret is stored here, but its team still holds the old secret, which no longer works: `keyshelf share {key} --team TEAM` publishes the new one once the team's server takes it"),
        ),
        other => other,
    }
}

fn no_roll(key: &str) -> Error {
    Error::invalid(
        key,
        "its provider has no roll endpoint; `keyshelf rotate` creates a new key and retires the old one instead",
    )
}

/// A roll whose answer was lost: the service may have rolled the key, and the old secret may
/// already be dead; sending it again could revoke the new key too.
fn unknown_outcome(e: Error, key: &str) -> Error {
    match e {
        Error::Provider(pe)
            if matches!(
                pe.kind,
                Kind::ServerError | Kind::Timeout | Kind::BadResponse | Kind::TooLarge | Kind::Unreachable
            ) =>
        {
            ProviderError::new(
                Kind::OutcomeUnknown,
                format!(
                    "{} The service may have rolled {key} anyway, in which case the stored secret no longer works and the new one was not received. Keyshelf did not send the roll again (a second roll can revoke the new key too). Check the key in the service's console: if it was rolled, roll it there or here once more and the new value is stored; `keyshelf verify {key}` tells whether the stored secret still works.",
                    pe.message
                ),
            )
            .into()
        }
        other => other,
    }
}
