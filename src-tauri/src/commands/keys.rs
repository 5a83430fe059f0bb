//! The key list and one key: detail, reveal, copy, generate, import, link, remove.

use crate::clipboard::Clipboard;
use crate::error::CmdResult;
use crate::state::Shelf;
use chrono::Utc;
use keyshelf_core::actions::KeyDetail;
use keyshelf_core::copy::CopyOverrides;
use keyshelf_core::format::CopyFormat;
use keyshelf_core::generate::Spec;
use keyshelf_core::shelf::{GeneratedKey, Imported, KeyView, NewKey};
use keyshelf_core::store::KeyFilter;
use keyshelf_core::timestamp::parse_date;
use keyshelf_core::{names, Secret};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tauri::State;

/// Every key with its schedule. Never a secret.
#[tauri::command]
#[specta::specta]
pub async fn list_keys(shelf: State<'_, Shelf>) -> CmdResult<Vec<KeyView>> {
    shelf.run(|s| Ok(s.list(&KeyFilter::default())?)).await
}

/// A key and its audit history (actions only, never values).
#[tauri::command]
#[specta::specta]
pub async fn key_detail(shelf: State<'_, Shelf>, keyref: String) -> CmdResult<KeyDetail> {
    shelf.run(move |s| Ok(s.key_detail(&keyref)?)).await
}

/// The one command that sends a secret to the web view, on the user's explicit reveal. The UI
/// hides it again after 10 s. Recorded in the audit log as `reveal`.
#[tauri::command]
#[specta::specta]
pub async fn reveal_secret(shelf: State<'_, Shelf>, keyref: String) -> CmdResult<String> {
    shelf
        .run(move |s| Ok(s.secret(&keyref, "reveal")?.expose().to_owned()))
        .await
}

/// What a copy did.
#[derive(Serialize, specta::Type)]
pub struct Copied {
    format: CopyFormat,
    /// Seconds until the clipboard is cleared (0: not cleared).
    clear_after_secs: u32,
}

/// Copies a key to the clipboard in Rust (the value never reaches the web view), rendered in
/// `format` (`raw`, `header`, `env`; default raw) by the core's copy action, as `keyshelf copy`
/// does, and cleared after the configured delay.
#[tauri::command]
#[specta::specta]
pub async fn copy_secret(
    shelf: State<'_, Shelf>,
    clipboard: State<'_, Clipboard>,
    keyref: String,
    format: Option<String>,
) -> CmdResult<Copied> {
    let clipboard = clipboard.inner().clone();
    shelf
        .run(move |s| {
            let format: CopyFormat = format.as_deref().unwrap_or("raw").parse()?;
            let secs = s.clipboard_clear_secs()?;
            // Open the clipboard before reading the secret: no audit event for a copy that fails.
            let board = clipboard.handle()?;
            let text = s
                .copy_text(&keyref, format, &CopyOverrides::default())?
                .text;
            board.copy(&text, (secs > 0).then(|| Duration::from_secs(secs.into())))?;
            Ok(Copied {
                format,
                clear_after_secs: secs,
            })
        })
        .await
}

/// Removes a key from Keyshelf (keychain entry and metadata).
#[tauri::command]
#[specta::specta]
pub async fn remove_key(shelf: State<'_, Shelf>, keyref: String) -> CmdResult<()> {
    shelf
        .run(move |s| s.remove(&keyref).map(drop).map_err(Into::into))
        .await
}

/// Sets (or with `None` clears) a key's own rotation interval.
#[tauri::command]
#[specta::specta]
pub async fn set_key_interval(
    shelf: State<'_, Shelf>,
    keyref: String,
    days: Option<u32>,
) -> CmdResult<KeyView> {
    shelf
        .run(move |s| Ok(s.set_key_interval(&keyref, days)?))
        .await
}

/// The fields of a new key the UI sends.
#[derive(Deserialize, specta::Type)]
pub struct NewKeyInput {
    name: String,
    env: String,
    provider: Option<String>,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    tags: Vec<String>,
    /// `YYYY-MM-DD`, for imports of keys rotated earlier.
    rotated_at: Option<String>,
}

impl NewKeyInput {
    pub fn into_new_key(self) -> CmdResult<NewKey> {
        let rotated_at = self
            .rotated_at
            .as_deref()
            .filter(|d| !d.is_empty())
            .map(|d| parse_date("rotated-at", d))
            .transpose()?;
        Ok(NewKey {
            name: self.name,
            env: self.env,
            provider: self.provider.filter(|p| !p.is_empty()),
            tags: self.tags,
            notes: self.notes,
            rotated_at,
            ..NewKey::default()
        })
    }
}

/// Generates a key locally; the secret goes straight into the keychain.
#[tauri::command]
#[specta::specta]
pub async fn generate_key(
    shelf: State<'_, Shelf>,
    key: NewKeyInput,
    spec: Spec,
) -> CmdResult<GeneratedKey> {
    shelf
        .run(move |s| Ok(s.generate(key.into_new_key()?, &spec)?))
        .await
}

/// Imports a pasted secret. The value comes from the web view (where the user pasted it) and
/// goes to the keychain; it is never sent back.
#[tauri::command]
#[specta::specta]
pub async fn import_key(
    shelf: State<'_, Shelf>,
    key: NewKeyInput,
    secret: String,
) -> CmdResult<Imported> {
    let secret = Secret::new(secret);
    shelf
        .run(move |s| Ok(s.import(key.into_new_key()?, secret)?))
        .await
}

/// A name after the naming convention `<env>-<app>-<purpose>-<YYYY-MM>`.
#[tauri::command]
#[specta::specta]
pub fn suggest_name(env: String, app: String, purpose: String) -> String {
    names::suggest_name(&env, &app, &purpose, Utc::now().date_naive())
}

/// Imports the secret of a key a sync listed without one (as `keyshelf import --remote-id`).
#[tauri::command]
#[specta::specta]
pub async fn import_listed_secret(
    shelf: State<'_, Shelf>,
    keyref: String,
    secret: String,
) -> CmdResult<Imported> {
    let secret = Secret::new(secret);
    shelf
        .run(move |s| Ok(s.import_listed_secret(&keyref, secret)?))
        .await
}

/// Links a key to its key on the provider (by the provider's id).
#[tauri::command]
#[specta::specta]
pub async fn link_key(
    shelf: State<'_, Shelf>,
    keyref: String,
    remote_id: String,
) -> CmdResult<KeyView> {
    shelf
        .run(move |s| Ok(s.link_key(&keyref, &remote_id)?))
        .await
}
