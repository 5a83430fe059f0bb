//! The guided rotation: status, the next step, abort.

use crate::error::{CmdResult, CommandError};
use crate::state::Shelf;
use keyshelf_core::generate::Spec;
use keyshelf_core::provider::roll::Rolled;
use keyshelf_core::rotation::{
    MadeElsewhere, NewSecret, Options, Progress, Rotation, Start, DEFAULT_GRACE_DAYS,
};
use keyshelf_core::Secret;
use serde::Deserialize;
use tauri::State;

/// The unfinished rotation of a key, if any.
#[tauri::command]
#[specta::specta]
pub async fn rotation_status(
    shelf: State<'_, Shelf>,
    keyref: String,
) -> CmdResult<Option<Rotation>> {
    shelf
        .run(move |s| {
            let key = s.resolve(&keyref)?;
            Ok(s.active_rotation(key.id)?)
        })
        .await
}

/// What the user asks the guided rotation to do (the wizard's buttons; the CLI's `rotate`,
/// `--confirm-updated`, `--end-grace` and `--resume`).
#[derive(Deserialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum RotateStep {
    /// Start a rotation and carry it as far as it goes (to the "update your apps" step).
    Start,
    /// The user confirmed that applications use the new key.
    Confirm,
    /// End the grace period now and finish.
    EndGrace,
    /// Carry on after a failure.
    Resume,
}

/// Runs the core's guided rotation (crash-safe, a working secret always in the keychain). A key
/// of a configured provider rotates through its management API, as `keyshelf rotate` does; any
/// other key to a new locally generated secret. `made_elsewhere` is a new key the user made in
/// the provider's console (its id and value; the value goes to the keychain, never back): the way
/// to rotate keys of a service whose API cannot create them.
#[tauri::command]
#[specta::specta]
pub async fn rotate_key(
    shelf: State<'_, Shelf>,
    keyref: String,
    step: RotateStep,
    grace_days: Option<u32>,
    local: Option<bool>,
    made_elsewhere: Option<MadeKey>,
) -> CmdResult<Progress> {
    shelf
        .run(move |s| {
            let opts = Options {
                confirm_updated: matches!(step, RotateStep::Confirm | RotateStep::EndGrace),
                end_grace: matches!(step, RotateStep::EndGrace),
                // Used only when the key has no provider API to create the new key.
                new_secret: Some(NewSecret::Generate(Spec::default())),
                made_elsewhere: made_elsewhere.map(|m| MadeElsewhere {
                    id: m.id.trim().to_owned(),
                    secret: Secret::new(m.value),
                }),
                ..Options::default()
            };
            if matches!(step, RotateStep::Start) {
                let start = Start {
                    grace_days: grace_days.unwrap_or(DEFAULT_GRACE_DAYS),
                    local: local.unwrap_or(false),
                };
                return Ok(s.rotate_via_provider(&keyref, &start, opts)?);
            }
            Ok(s.advance_rotation_via_provider(&keyref, opts)?)
        })
        .await
}

/// A key made in a provider's console, as the rotation panel's fields give it.
#[derive(Deserialize, specta::Type)]
pub struct MadeKey {
    pub id: String,
    pub value: String,
}

/// Rotates a key through its service's own roll endpoint (providers whose preset rolls keys:
/// same id or new id). The new secret goes to the keychain in the shell and never to the web
/// view; the old one stops working at once.
#[tauri::command]
#[specta::specta]
pub async fn roll_key(shelf: State<'_, Shelf>, keyref: String) -> CmdResult<Rolled> {
    shelf
        .run(move |s| {
            s.roll_key(&keyref, &Default::default()).map_err(|e| match e {
                keyshelf_core::Error::KeyNotStored { key, detail, .. } => CommandError::new(
                    "key_not_stored",
                    format!("the service rolled {key}, but the keychain refused the new secret ({detail}). The old secret no longer works and the new one was not kept: roll the key again once the keychain works"),
                ),
                other => other.into(),
            })
        })
        .await
}

/// Abandons a rotation before the old key is deactivated: the old secret is current again and,
/// for a provider's key, the new key is deleted there. `force`: even when the old key no longer
/// works (the user was told what is lost).
#[tauri::command]
#[specta::specta]
pub async fn abort_rotation(
    shelf: State<'_, Shelf>,
    keyref: String,
    force: Option<bool>,
) -> CmdResult<Rotation> {
    shelf
        .run(move |s| Ok(s.abort_rotation_via_provider(&keyref, force.unwrap_or(false))?))
        .await
}
