//! Providers and their keys' management API: add, edit, test, sync, create, verify, activate,
//! delete, export, usage.

use super::keys::NewKeyInput;
use crate::error::{CmdResult, CommandError};
use crate::file_dialog::{self, Purpose};
use crate::state::Shelf;
use keyshelf_core::actions::{Deleted, Exported, ProviderInput, ProviderSummary};
use keyshelf_core::provider::ops::{NewProvider, ProviderCheck, VerifyReport};
use keyshelf_core::provider::profile::presets::PresetSummary;
use keyshelf_core::provider::sync::SyncReport;
use keyshelf_core::provider::usage::UsageReport;
use keyshelf_core::shelf::KeyView;
use keyshelf_core::Secret;
use tauri::State;

#[tauri::command]
#[specta::specta]
pub async fn list_providers(shelf: State<'_, Shelf>) -> CmdResult<Vec<ProviderSummary>> {
    shelf.run(|s| Ok(s.provider_summaries()?)).await
}

/// Adds a provider. The credential (a token, or `client_id:client_secret`) arrives once from the
/// form's password field and goes to the keychain; it is never sent back.
#[tauri::command]
#[specta::specta]
pub async fn add_provider(
    shelf: State<'_, Shelf>,
    provider: ProviderInput,
    credential: String,
) -> CmdResult<ProviderSummary> {
    let credential = Secret::new(credential);
    shelf
        .run(move |s| {
            let p = s.add_provider(NewProvider {
                profile: provider.apply(None)?,
                credential,
            })?;
            Ok(s.provider_summary(p)?)
        })
        .await
}

/// Changes a provider's settings; a new credential only when one is given.
#[tauri::command]
#[specta::specta]
pub async fn update_provider(
    shelf: State<'_, Shelf>,
    provider: ProviderInput,
    credential: Option<String>,
) -> CmdResult<ProviderSummary> {
    let credential = credential.filter(|c| !c.is_empty()).map(Secret::new);
    shelf
        .run(move |s| {
            let base = s.provider(&provider.name)?;
            let p = s.update_provider(provider.apply(Some(base))?, credential)?;
            Ok(s.provider_summary(p)?)
        })
        .await
}

/// The presets for services' own key-management APIs (what each offers and needs).
#[tauri::command]
#[specta::specta]
pub async fn provider_presets() -> CmdResult<Vec<PresetSummary>> {
    Ok(keyshelf_core::provider::profile::presets::summaries()?)
}

/// What a profile file the user picked offers (checked as `provider add --profile` checks it).
#[tauri::command]
#[specta::specta]
pub async fn profile_summary(text: String) -> CmdResult<PresetSummary> {
    Ok(keyshelf_core::provider::profile::presets::summary_of_text(
        "the profile file",
        &text,
    )?)
}

/// Removes a provider and its credential (refused while Keyshelf holds keys of it).
#[tauri::command]
#[specta::specta]
pub async fn remove_provider(shelf: State<'_, Shelf>, name: String) -> CmdResult<()> {
    shelf
        .run(move |s| s.remove_provider(&name).map(drop).map_err(Into::into))
        .await
}

/// Calls the provider's key list with the stored credential.
#[tauri::command]
#[specta::specta]
pub async fn test_provider(shelf: State<'_, Shelf>, name: String) -> CmdResult<ProviderCheck> {
    shelf.run(move |s| Ok(s.test_provider(&name)?)).await
}

/// Brings the local list in step with the provider's (every provider when `name` is `None`).
#[tauri::command]
#[specta::specta]
pub async fn sync_provider(
    shelf: State<'_, Shelf>,
    name: Option<String>,
) -> CmdResult<Vec<SyncReport>> {
    shelf.run(move |s| Ok(s.sync(name.as_deref())?)).await
}

/// Creates a key on its provider; the secret goes straight into the keychain and is never sent
/// to the web view. When the keychain refuses it, the key is recorded `pending` and the error
/// says so in the app's words (the value is dropped: the provider still holds the key).
#[tauri::command]
#[specta::specta]
pub async fn create_provider_key(
    shelf: State<'_, Shelf>,
    key: NewKeyInput,
    user: Option<String>,
) -> CmdResult<KeyView> {
    shelf
        .run(move |s| {
            let mut new = key.into_new_key()?;
            new.user = user.filter(|u| !u.trim().is_empty());
            s.create_key(new).map_err(|e| match e {
                keyshelf_core::Error::KeyNotStored { key, detail, .. } => {
                    CommandError::new(
                        "key_not_stored",
                        format!("the provider created {key}, but the keychain refused its secret ({detail}). The value was not kept anywhere: delete the key on the provider (Delete on provider) and create it again once the keychain works"),
                    )
                }
                other => other.into(),
            })
        })
        .await
}

/// Presents the key under its provider's scheme on the verify route.
#[tauri::command]
#[specta::specta]
pub async fn verify_key(shelf: State<'_, Shelf>, keyref: String) -> CmdResult<VerifyReport> {
    shelf.run(move |s| Ok(s.verify_key(&keyref)?)).await
}

/// Activates or deactivates a key on its provider.
#[tauri::command]
#[specta::specta]
pub async fn set_key_active(
    shelf: State<'_, Shelf>,
    keyref: String,
    active: bool,
) -> CmdResult<KeyView> {
    shelf
        .run(move |s| Ok(s.set_key_active(&keyref, active)?))
        .await
}

/// Deletes a key on its provider (permanent), then its keychain entry and metadata.
#[tauri::command]
#[specta::specta]
pub async fn delete_provider_key(shelf: State<'_, Shelf>, keyref: String) -> CmdResult<Deleted> {
    shelf.run(move |s| Ok(s.delete_on_provider(&keyref)?)).await
}

/// Exports the provider's key list (CSV, no key values): shows the native save dialog for
/// `title` on the file name `default_name` (in a child process, see [`crate::file_dialog`]) and
/// writes to the path the dialog returned; `None` when the user cancelled (nothing written). The
/// web view names no path: the only place the shell writes is the one the user chose. The file
/// is replaced when it exists, because the dialog has already asked the user about that.
#[tauri::command]
#[specta::specta]
pub async fn export_provider_csv(
    shelf: State<'_, Shelf>,
    provider: String,
    title: String,
    default_name: String,
) -> CmdResult<Option<Exported>> {
    let chosen = tauri::async_runtime::spawn_blocking(move || {
        file_dialog::choose(Purpose::SaveCsv, &title, &default_name)
    })
    .await
    .map_err(|e| CommandError::new("internal", format!("the dialog stopped: {e}")))??;
    let Some(path) = chosen else {
        return Ok(None);
    };
    shelf
        .run(move |s| Ok(Some(s.export_keys_to(&provider, path.trim().as_ref())?)))
        .await
}

/// The provider's usage logs with the warning signs flagged and the chart's series, in the
/// machine's local time.
#[tauri::command]
#[specta::specta]
pub async fn usage_report(shelf: State<'_, Shelf>, provider: String) -> CmdResult<UsageReport> {
    let offset = *chrono::Local::now().offset();
    shelf
        .run(move |s| Ok(s.usage_report(&provider, offset)?))
        .await
}

#[cfg(test)]
mod tests {
    /// The web view names no path the shell writes to (issue 13, finding 10): no command that
    /// takes one is registered or allowed. `export_provider_csv`'s arguments are the provider and
    /// the dialog's title and suggested name; the path comes from the dialog in the same call.
    /// Likewise the `.env` import reads only the file its own open dialog returned.
    #[test]
    fn no_command_lets_the_web_view_name_a_path() {
        let capability = include_str!("../../capabilities/main.json");
        let build = include_str!("../../build.rs");
        let handler = include_str!("mod.rs");
        for gone in ["choose_save_path", "choose-save-path"] {
            assert!(!capability.contains(gone), "{gone} is still allowed");
            assert!(
                !build.contains(&format!("\"{gone}\"")),
                "{gone} still has a permission"
            );
        }
        let handler = &handler[handler.find("collect_commands![").unwrap()..];
        let handler = &handler[..handler.find(']').unwrap()];
        assert!(!handler.contains("choose_save_path"), "{handler}");
        for (file, command) in [
            (
                include_str!("providers.rs"),
                "pub async fn export_provider_csv(",
            ),
            (include_str!("overview.rs"), "pub async fn choose_env_file("),
            (
                include_str!("overview.rs"),
                "pub async fn preview_env_file(",
            ),
            (include_str!("overview.rs"), "pub async fn import_env_file("),
        ] {
            let body = &file[file.find(command).unwrap()..];
            let args = &body[..body.find(')').unwrap()];
            assert!(!args.contains("path"), "{command} takes a path: {args}");
        }
    }
}
