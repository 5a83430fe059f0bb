//! The commands the web view calls: thin wrappers over `keyshelf_core::Keyshelf`.
//!
//! Keys are addressed by their full reference `provider/name`, which is always unique. Every
//! command runs its core call on a blocking thread (see [`Shelf::run`]).

use crate::clipboard::Clipboard;
use crate::error::{CmdResult, CommandError};
use crate::reminders::{self, Reminders, Status};
use crate::state::Shelf;
use crate::tray::Tray;
use chrono::Utc;
use keyshelf_core::copy::CopyOverrides;
use keyshelf_core::format::CopyFormat;
use keyshelf_core::generate::{Alphabet, Spec};
use keyshelf_core::policy::Environment;
use keyshelf_core::provider::ops::{NewProvider, ProviderCheck, SyncReport, VerifyReport};
use keyshelf_core::provider::usage::UsageReport;
use keyshelf_core::provider::{KeyScheme, ManagementAuth, ProviderProfile};
use keyshelf_core::rotation::{NewSecret, Options, Progress, Rotation, Start, DEFAULT_GRACE_DAYS};
use keyshelf_core::shelf::{KeyView, NewKey};
use keyshelf_core::store::{AuditEvent, KeyFilter, RemoteState};
use keyshelf_core::{names, Secret};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tauri::State;

/// The handler with every command; build.rs lists the same names to generate permissions.
pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        list_keys,
        key_detail,
        reveal_secret,
        copy_secret,
        remove_key,
        set_key_interval,
        generate_key,
        import_key,
        suggest_name,
        settings,
        set_environment,
        remove_environment,
        set_due_soon_days,
        set_clipboard_clear_secs,
        rotation_status,
        rotate_key,
        abort_rotation,
        link_key,
        import_listed_secret,
        list_providers,
        add_provider,
        update_provider,
        remove_provider,
        test_provider,
        sync_provider,
        create_provider_key,
        verify_key,
        set_key_active,
        delete_provider_key,
        export_provider_csv,
        usage_report,
        reminder_status,
        set_remind_interval,
        check_reminders_now,
        take_pending_view,
        autostart_enabled,
        set_autostart,
    ]
}

/// Every key with its schedule. Never a secret.
#[tauri::command]
pub async fn list_keys(shelf: State<'_, Shelf>) -> CmdResult<Vec<KeyView>> {
    shelf.run(|s| Ok(s.list(&KeyFilter::default())?)).await
}

/// A key and its audit history (actions only, never values).
#[derive(Serialize)]
pub struct KeyDetail {
    key: KeyView,
    audit: Vec<AuditEvent>,
}

#[tauri::command]
pub async fn key_detail(shelf: State<'_, Shelf>, keyref: String) -> CmdResult<KeyDetail> {
    shelf
        .run(move |s| {
            let key = s.show(&keyref)?;
            let audit = s.audit(Some(&key.key.full_ref()), 200)?;
            Ok(KeyDetail { key, audit })
        })
        .await
}

/// The one command that sends a secret to the web view, on the user's explicit reveal. The UI
/// hides it again after 10 s. Recorded in the audit log as `reveal`.
#[tauri::command]
pub async fn reveal_secret(shelf: State<'_, Shelf>, keyref: String) -> CmdResult<String> {
    shelf
        .run(move |s| Ok(s.secret(&keyref, "reveal")?.expose().to_owned()))
        .await
}

/// What a copy did.
#[derive(Serialize)]
pub struct Copied {
    format: CopyFormat,
    /// Seconds until the clipboard is cleared (0: not cleared).
    clear_after_secs: u32,
}

/// Copies a key to the clipboard in Rust (the value never reaches the web view), rendered in
/// `format` (`raw`, `header`, `env`; default raw), cleared after the configured delay.
#[tauri::command]
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
            let text = copy_text(s, &keyref, format)?;
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
pub async fn remove_key(shelf: State<'_, Shelf>, keyref: String) -> CmdResult<()> {
    shelf
        .run(move |s| s.remove(&keyref).map(drop).map_err(Into::into))
        .await
}

/// Sets (or with `None` clears) a key's own rotation interval.
#[tauri::command]
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
#[derive(Deserialize)]
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
    fn into_new_key(self) -> CmdResult<NewKey> {
        let rotated_at = match self.rotated_at.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => Some(
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| {
                        keyshelf_core::Error::invalid("rotated-at", "use the form YYYY-MM-DD")
                    })?
                    .and_hms_opt(0, 0, 0)
                    .map(|t| t.and_utc())
                    .ok_or_else(|| keyshelf_core::Error::invalid("rotated-at", "not a date"))?,
            ),
            None => None,
        };
        Ok(NewKey {
            name: self.name,
            env: self.env,
            provider: self.provider.filter(|p| !p.is_empty()),
            user: None,
            var_name: None,
            tags: self.tags,
            notes: self.notes,
            rotated_at,
        })
    }
}

/// How to generate.
#[derive(Deserialize)]
pub struct SpecInput {
    length: usize,
    alphabet: Alphabet,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    pair: bool,
}

#[derive(Serialize)]
pub struct Generated {
    key: KeyView,
    entropy_bits: f64,
}

/// Generates a key locally; the secret goes straight into the keychain.
#[tauri::command]
pub async fn generate_key(
    shelf: State<'_, Shelf>,
    key: NewKeyInput,
    spec: SpecInput,
) -> CmdResult<Generated> {
    shelf
        .run(move |s| {
            let spec = Spec {
                length: spec.length,
                alphabet: spec.alphabet,
                prefix: spec.prefix,
                pair: spec.pair,
                allow_short: false,
            };
            let g = s.generate(key.into_new_key()?, &spec)?;
            Ok(Generated {
                key: g.key,
                entropy_bits: g.entropy_bits,
            })
        })
        .await
}

#[derive(Serialize)]
pub struct Imported {
    key: KeyView,
    warnings: Vec<String>,
}

/// Imports a pasted secret. The value comes from the web view (where the user pasted it) and
/// goes to the keychain; it is never sent back.
#[tauri::command]
pub async fn import_key(
    shelf: State<'_, Shelf>,
    key: NewKeyInput,
    secret: String,
) -> CmdResult<Imported> {
    let secret = Secret::new(secret);
    shelf
        .run(move |s| {
            let i = s.import(key.into_new_key()?, secret)?;
            Ok(Imported {
                key: i.key,
                warnings: i.warnings,
            })
        })
        .await
}

/// A name after seed 004's convention `<env>-<app>-<purpose>-<YYYY-MM>`.
#[tauri::command]
pub fn suggest_name(env: String, app: String, purpose: String) -> String {
    names::suggest_name(&env, &app, &purpose, Utc::now().date_naive())
}

/// Environments and the due-soon window, and the app's version and commit (the About line).
#[derive(Serialize)]
pub struct Settings {
    environments: Vec<Environment>,
    due_soon_days: u32,
    clipboard_clear_secs: u32,
    version: &'static str,
    commit: &'static str,
}

#[tauri::command]
pub async fn settings(shelf: State<'_, Shelf>) -> CmdResult<Settings> {
    shelf
        .run(|s| {
            Ok(Settings {
                environments: s.environments()?,
                due_soon_days: s.due_soon_days()?,
                clipboard_clear_secs: s.clipboard_clear_secs()?,
                version: env!("CARGO_PKG_VERSION"),
                // Set by build.rs from `git rev-parse --short HEAD` ("unknown" outside git).
                commit: env!("KEYSHELF_COMMIT"),
            })
        })
        .await
}

/// Creates an environment or changes its rotation interval.
#[tauri::command]
pub async fn set_environment(
    shelf: State<'_, Shelf>,
    name: String,
    interval_days: u32,
) -> CmdResult<Environment> {
    shelf
        .run(move |s| Ok(s.set_environment(&name, interval_days)?))
        .await
}

/// Removes an environment no key uses.
#[tauri::command]
pub async fn remove_environment(shelf: State<'_, Shelf>, name: String) -> CmdResult<()> {
    shelf.run(move |s| Ok(s.remove_environment(&name)?)).await
}

/// Sets the due-soon window.
#[tauri::command]
pub async fn set_due_soon_days(shelf: State<'_, Shelf>, days: u32) -> CmdResult<()> {
    shelf.run(move |s| Ok(s.set_due_soon_days(days)?)).await
}

/// Sets the clipboard clear delay in seconds (0 = never clear).
#[tauri::command]
pub async fn set_clipboard_clear_secs(shelf: State<'_, Shelf>, secs: u32) -> CmdResult<()> {
    shelf
        .run(move |s| Ok(s.set_clipboard_clear_secs(secs)?))
        .await
}

// --- rotation ---------------------------------------------------------------------------------

/// The unfinished rotation of a key, if any.
#[tauri::command]
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

/// What the user asks the guided rotation to do.
#[derive(Deserialize)]
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
/// of a configured provider rotates through its management API (new key created there, verified,
/// old one deactivated and deleted), as `keyshelf rotate` does; any other key to a new locally
/// generated secret.
#[tauri::command]
pub async fn rotate_key(
    shelf: State<'_, Shelf>,
    keyref: String,
    step: RotateStep,
    grace_days: Option<u32>,
    local: Option<bool>,
) -> CmdResult<Progress> {
    shelf
        .run(move |s| {
            let opts = Options {
                confirm_updated: matches!(step, RotateStep::Confirm | RotateStep::EndGrace),
                end_grace: matches!(step, RotateStep::EndGrace),
                // Used only when the key has no provider API to create the new key.
                new_secret: Some(NewSecret::Generate(Spec::default())),
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

/// Abandons a rotation before the old key is deactivated: the old secret is current again and,
/// for a provider's key, the new key is deleted there. `force`: even when the old key no longer
/// works (the user was told what is lost).
#[tauri::command]
pub async fn abort_rotation(
    shelf: State<'_, Shelf>,
    keyref: String,
    force: Option<bool>,
) -> CmdResult<Rotation> {
    shelf
        .run(move |s| Ok(s.abort_rotation_via_provider(&keyref, force.unwrap_or(false))?))
        .await
}

/// Imports the secret of a key a sync listed without one (as `keyshelf import --remote-id`).
#[tauri::command]
pub async fn import_listed_secret(
    shelf: State<'_, Shelf>,
    keyref: String,
    secret: String,
) -> CmdResult<Imported> {
    let secret = Secret::new(secret);
    shelf
        .run(move |s| {
            let i = s.import_listed_secret(&keyref, secret)?;
            Ok(Imported {
                key: i.key,
                warnings: i.warnings,
            })
        })
        .await
}

/// Links a key to its key on the provider (by the provider's id).
#[tauri::command]
pub async fn link_key(
    shelf: State<'_, Shelf>,
    keyref: String,
    remote_id: String,
) -> CmdResult<KeyView> {
    shelf
        .run(move |s| Ok(s.link_key(&keyref, &remote_id)?))
        .await
}

// --- providers --------------------------------------------------------------------------------

/// A provider as the Providers screen lists it: its profile (never its credential), the seeds'
/// warning for its key scheme, and how many of its plan's keys Keyshelf knows of.
#[derive(Serialize)]
pub struct ProviderView {
    #[serde(flatten)]
    profile: ProviderProfile,
    warning: Option<&'static str>,
    /// Keys of this provider Keyshelf holds, not counting those gone from the provider.
    keys_used: usize,
}

fn provider_view(s: &keyshelf_core::Keyshelf, p: ProviderProfile) -> CmdResult<ProviderView> {
    let keys_used = s
        .list(&KeyFilter {
            provider: Some(p.name.clone()),
            ..Default::default()
        })?
        .iter()
        .filter(|k| k.key.remote_state != Some(RemoteState::Gone))
        .count();
    Ok(ProviderView {
        warning: p.key_scheme.warning(),
        profile: p,
        keys_used,
    })
}

#[tauri::command]
pub async fn list_providers(shelf: State<'_, Shelf>) -> CmdResult<Vec<ProviderView>> {
    shelf
        .run(|s| {
            s.providers()?
                .into_iter()
                .map(|p| provider_view(s, p))
                .collect()
        })
        .await
}

/// A provider's settings as the form sends them.
#[derive(Deserialize)]
pub struct ProviderInput {
    name: String,
    base_url: String,
    auth: ManagementAuth,
    key_scheme: KeyScheme,
    #[serde(default)]
    verify_path: Option<String>,
    #[serde(default)]
    key_limit: Option<u32>,
    default_env: String,
    #[serde(default)]
    insecure_accepted: bool,
}

impl ProviderInput {
    /// Starts from `base` (an existing profile when editing) so paths and timeout are kept.
    fn apply(self, base: Option<ProviderProfile>) -> ProviderProfile {
        let mut p = base.unwrap_or_else(|| ProviderProfile::new(&self.name, &self.base_url));
        p.name = self.name.trim().to_owned();
        p.base_url = self.base_url.trim().to_owned();
        p.auth = self.auth;
        p.key_scheme = self.key_scheme;
        p.verify_path = self
            .verify_path
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        p.key_limit = self.key_limit;
        p.default_env = self.default_env;
        p.insecure_accepted = self.insecure_accepted;
        p
    }
}

/// Adds a provider. The credential (a token, or `client_id:client_secret`) arrives once from the
/// form's password field and goes to the keychain; it is never sent back.
#[tauri::command]
pub async fn add_provider(
    shelf: State<'_, Shelf>,
    provider: ProviderInput,
    credential: String,
) -> CmdResult<ProviderView> {
    let credential = Secret::new(credential);
    shelf
        .run(move |s| {
            let p = s.add_provider(NewProvider {
                profile: provider.apply(None),
                credential,
            })?;
            provider_view(s, p)
        })
        .await
}

/// Changes a provider's settings; a new credential only when one is given.
#[tauri::command]
pub async fn update_provider(
    shelf: State<'_, Shelf>,
    provider: ProviderInput,
    credential: Option<String>,
) -> CmdResult<ProviderView> {
    let credential = credential.filter(|c| !c.is_empty()).map(Secret::new);
    shelf
        .run(move |s| {
            let base = s.provider(&provider.name)?;
            let p = s.update_provider(provider.apply(Some(base)), credential)?;
            provider_view(s, p)
        })
        .await
}

/// Removes a provider and its credential (refused while Keyshelf holds keys of it).
#[tauri::command]
pub async fn remove_provider(shelf: State<'_, Shelf>, name: String) -> CmdResult<()> {
    shelf
        .run(move |s| s.remove_provider(&name).map(drop).map_err(Into::into))
        .await
}

/// Calls the provider's key list with the stored credential.
#[tauri::command]
pub async fn test_provider(shelf: State<'_, Shelf>, name: String) -> CmdResult<ProviderCheck> {
    shelf.run(move |s| Ok(s.test_provider(&name)?)).await
}

/// Brings the local list in step with the provider's (every provider when `name` is `None`).
#[tauri::command]
pub async fn sync_provider(
    shelf: State<'_, Shelf>,
    name: Option<String>,
) -> CmdResult<Vec<SyncReport>> {
    shelf.run(move |s| Ok(s.sync(name.as_deref())?)).await
}

/// Creates a key on its provider; the secret goes straight into the keychain and is never sent
/// to the web view. When the keychain refuses it, the key is recorded `pending` and the error
/// says so (the value is dropped: the provider still holds the key, which can be deleted).
#[tauri::command]
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
                    crate::error::CommandError::new(
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
pub async fn verify_key(shelf: State<'_, Shelf>, keyref: String) -> CmdResult<VerifyReport> {
    shelf.run(move |s| Ok(s.verify_key(&keyref)?)).await
}

/// Activates or deactivates a key on its provider.
#[tauri::command]
pub async fn set_key_active(
    shelf: State<'_, Shelf>,
    keyref: String,
    active: bool,
) -> CmdResult<KeyView> {
    shelf
        .run(move |s| Ok(s.set_key_active(&keyref, active)?))
        .await
}

/// What a delete on the provider did.
#[derive(Serialize)]
pub struct Deleted {
    key: String,
    /// The provider no longer had it (404); it was removed locally.
    already_gone: bool,
}

/// Deletes a key on its provider (permanent), then its keychain entry and metadata.
#[tauri::command]
pub async fn delete_provider_key(shelf: State<'_, Shelf>, keyref: String) -> CmdResult<Deleted> {
    shelf
        .run(move |s| {
            let (key, already_gone) = s.delete_key(&keyref)?;
            Ok(Deleted {
                key: key.full_ref(),
                already_gone,
            })
        })
        .await
}

/// Where an export was written.
#[derive(Serialize)]
pub struct Exported {
    path: String,
    bytes: usize,
}

/// Exports the provider's key list (CSV, no key values, seed 004): shows the native save dialog
/// for `title` on the file name `default_name` (in a child process, see [`crate::save_dialog`]) and
/// writes to the path the dialog returned; `None` when the user cancelled (nothing written). The
/// web view names no path: the only place the shell writes is the one the user chose (issue 13).
/// The file is replaced when it exists, because the dialog has already asked the user about that.
#[tauri::command]
pub async fn export_provider_csv(
    shelf: State<'_, Shelf>,
    provider: String,
    title: String,
    default_name: String,
) -> CmdResult<Option<Exported>> {
    let chosen = tauri::async_runtime::spawn_blocking(move || {
        crate::save_dialog::choose(&title, &default_name)
    })
    .await
    .map_err(|e| CommandError::new("internal", format!("the dialog stopped: {e}")))??;
    let Some(path) = chosen else {
        return Ok(None);
    };
    shelf
        .run(move |s| export_to_chosen(&path, || Ok(s.export_keys(&provider)?)).map(Some))
        .await
}

/// Writes the CSV that `csv` makes to `chosen`, the path the save dialog returned (it has asked
/// before returning an existing file, so that one is replaced).
fn export_to_chosen(chosen: &str, csv: impl FnOnce() -> CmdResult<String>) -> CmdResult<Exported> {
    let target = export_target(chosen)?;
    let csv = csv()?;
    write_export(&target, &csv, true)?;
    Ok(Exported {
        path: target.display().to_string(),
        bytes: csv.len(),
    })
}

/// The export path: absolute (surrounding spaces dropped); the dialog gives nothing else.
fn export_target(path: &str) -> CmdResult<std::path::PathBuf> {
    let target = std::path::PathBuf::from(path.trim());
    if !target.is_absolute() {
        return Err(keyshelf_core::Error::invalid(
            "export path",
            "give a full path, e.g. /home/you/keys.csv",
        )
        .into());
    }
    Ok(target)
}

/// Writes the export; an existing file only with `overwrite`.
fn write_export(target: &std::path::Path, csv: &str, overwrite: bool) -> CmdResult<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let io = |source| keyshelf_core::Error::Io {
        what: format!("cannot write {}", target.display()),
        source,
    };
    let mut file = options.open(target).map_err(io)?;
    std::io::Write::write_all(&mut file, csv.as_bytes()).map_err(io)?;
    Ok(())
}

/// The provider's usage logs with seed 004's warning signs flagged, in the machine's local time.
#[tauri::command]
pub async fn usage_report(shelf: State<'_, Shelf>, provider: String) -> CmdResult<UsageReport> {
    let offset = *chrono::Local::now().offset();
    shelf
        .run(move |s| Ok(s.usage_report(&provider, offset)?))
        .await
}

/// The text a copy of `keyref` in `format` puts on the clipboard (the core's copy action, with
/// the provider's scheme, as `keyshelf copy`).
fn copy_text(
    s: &mut keyshelf_core::Keyshelf,
    keyref: &str,
    format: CopyFormat,
) -> CmdResult<keyshelf_core::Secret> {
    Ok(s.copy_text(keyref, format, &CopyOverrides::default())?.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Issue 16: a copy in "header" format from the desktop used Bearer even for a provider
    // that takes its keys in X-API-Key.
    #[test]
    fn a_header_copy_uses_the_key_providers_scheme() {
        use keyshelf_core::provider::ops::NewProvider;
        use keyshelf_core::provider::{KeyScheme, ProviderProfile};
        use keyshelf_core::vault::MemoryVault;
        let dir = tempdir("copy-scheme");
        let mut s =
            keyshelf_core::Keyshelf::open(&dir, std::sync::Arc::new(MemoryVault::new())).unwrap();
        let mut profile = ProviderProfile::new("acme", "https://api.example.com");
        profile.key_scheme = KeyScheme::XApiKey;
        s.add_provider(NewProvider {
            profile,
            credential: Secret::from("acme-management-token-not-real"),
        })
        .unwrap();
        let key = NewKey {
            name: "prod-api".into(),
            env: "prod".into(),
            provider: Some("acme".into()),
            ..Default::default()
        };
        s.import(key, Secret::from("fixture-value-not-real"))
            .unwrap();
        let text = copy_text(&mut s, "acme/prod-api", CopyFormat::Header).unwrap();
        assert_eq!(text.expose(), "X-API-Key: fixture-value-not-real");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_export_needs_a_full_path_and_overwrites_only_when_asked() {
        assert_eq!(export_target("keys.csv").unwrap_err().code, "invalid_input");
        let dir = tempdir("rule");
        let path = dir.join("keys.csv");
        let target = export_target(&format!(" {} ", path.display())).unwrap();
        write_export(&target, "id,name\n1,a\n", false).unwrap();
        let refused = write_export(&target, "id,name\n", false).unwrap_err();
        assert_eq!(refused.code, "io_error");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "id,name\n1,a\n");
        write_export(&target, "id,name\n", true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "id,name\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempdir(what: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("keyshelf-export-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn an_export_writes_exactly_where_the_dialog_said_and_replaces_what_it_confirmed() {
        let dir = tempdir("chosen");
        let chosen = dir.join("chosen.csv");
        std::fs::write(&chosen, "old\n").unwrap();
        let x = export_to_chosen(chosen.to_str().unwrap(), || Ok("id,name\n1,a\n".into())).unwrap();
        assert_eq!(x.path, chosen.display().to_string());
        assert_eq!(x.bytes, 12);
        assert_eq!(std::fs::read_to_string(&chosen).unwrap(), "id,name\n1,a\n");
        let entries = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(entries, 1, "nothing written beside the chosen file");
        // A path the dialog cannot give (relative) is refused before the CSV is even made.
        let refused = export_to_chosen("keys.csv", || panic!("no CSV for a refused path"));
        assert_eq!(refused.err().map(|e| e.code), Some("invalid_input".into()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The web view names no path the shell writes to (issue 13, finding 10): no command that
    /// takes one is registered or allowed. `export_provider_csv`'s arguments are the provider and
    /// the dialog's title and suggested name; the path comes from the dialog in the same call.
    #[test]
    fn no_command_lets_the_web_view_name_a_path_to_write() {
        let capability = include_str!("../capabilities/main.json");
        let build = include_str!("../build.rs");
        let commands = include_str!("commands.rs");
        for gone in ["choose_save_path", "choose-save-path"] {
            assert!(!capability.contains(gone), "{gone} is still allowed");
            assert!(
                !build.contains(&format!("\"{gone}\"")),
                "{gone} still has a permission"
            );
        }
        let handler = &commands[commands.find("generate_handler![").unwrap()..];
        let handler = &handler[..handler.find(']').unwrap()];
        assert!(!handler.contains("choose_save_path"), "{handler}");
        let export = &commands[commands.find("pub async fn export_provider_csv(").unwrap()..];
        let args = &export[..export.find(')').unwrap()];
        assert!(!args.contains("path"), "the export takes a path: {args}");
    }
}

// --- reminders --------------------------------------------------------------------------------

/// What the last reminder check found, and the check interval.
#[tauri::command]
pub async fn reminder_status(
    shelf: State<'_, Shelf>,
    reminders: State<'_, Reminders>,
) -> CmdResult<Status> {
    let mut status = reminders.status();
    status.interval_minutes = shelf.run(|s| Ok(reminders::interval_minutes(s))).await?;
    Ok(status)
}

/// Sets how often the app checks for due keys (minutes); the next check follows the new interval.
#[tauri::command]
pub async fn set_remind_interval(
    shelf: State<'_, Shelf>,
    reminders: State<'_, Reminders>,
    minutes: u32,
) -> CmdResult<()> {
    shelf
        .run(move |s| reminders::set_interval_minutes(s, minutes))
        .await?;
    reminders.wake();
    Ok(())
}

/// Runs a reminder check now (the same as the scheduled one: nothing is announced twice).
#[tauri::command]
pub async fn check_reminders_now(
    shelf: State<'_, Shelf>,
    reminders: State<'_, Reminders>,
    tray: State<'_, Tray>,
) -> CmdResult<Status> {
    let r = Reminders::clone(&reminders);
    let status = shelf.run(move |s| Ok(r.check(s))).await?;
    tray.show(&status);
    Ok(status)
}

/// The view the window should open, once (set by a click on a reminder notification).
#[tauri::command]
pub fn take_pending_view(reminders: State<'_, Reminders>) -> Option<String> {
    reminders.take_pending_view()
}

// --- autostart --------------------------------------------------------------------------------

/// Whether the app starts at login.
#[tauri::command]
pub fn autostart_enabled(app: tauri::AppHandle) -> CmdResult<bool> {
    use tauri_plugin_autostart::ManagerExt;
    app.autolaunch().is_enabled().map_err(autostart_error)
}

/// Turns starting at login on (an XDG autostart entry on Linux) or off.
#[tauri::command]
pub fn set_autostart(app: tauri::AppHandle, enabled: bool) -> CmdResult<bool> {
    use tauri_plugin_autostart::ManagerExt;
    let launch = app.autolaunch();
    if enabled {
        launch.enable()
    } else {
        launch.disable()
    }
    .map_err(autostart_error)?;
    launch.is_enabled().map_err(autostart_error)
}

fn autostart_error(e: tauri_plugin_autostart::Error) -> CommandError {
    CommandError::new(
        "autostart_failed",
        format!("cannot change the start at login: {e}"),
    )
}
