//! Settings: environments and intervals, the due-soon window, the clipboard delay, the window's
//! colours, start at login.

use crate::error::{CmdResult, CommandError};
use crate::state::Shelf;
use keyshelf_core::actions::Settings;
use keyshelf_core::policy::Environment;
use keyshelf_core::preferences::Theme;
use serde::Serialize;
use tauri::State;

/// The core's settings and the app's version and commit (the About line).
#[derive(Serialize, specta::Type)]
pub struct AppSettings {
    #[serde(flatten)]
    settings: Settings,
    version: &'static str,
    commit: &'static str,
}

#[tauri::command]
#[specta::specta]
pub async fn settings(shelf: State<'_, Shelf>) -> CmdResult<AppSettings> {
    shelf
        .run(|s| {
            Ok(AppSettings {
                settings: s.settings()?,
                version: env!("CARGO_PKG_VERSION"),
                // Set by build.rs from `git rev-parse --short HEAD` ("unknown" outside git).
                commit: env!("KEYSHELF_COMMIT"),
            })
        })
        .await
}

/// Creates an environment or changes its rotation interval.
#[tauri::command]
#[specta::specta]
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
#[specta::specta]
pub async fn remove_environment(shelf: State<'_, Shelf>, name: String) -> CmdResult<()> {
    shelf.run(move |s| Ok(s.remove_environment(&name)?)).await
}

/// Sets the due-soon window.
#[tauri::command]
#[specta::specta]
pub async fn set_due_soon_days(shelf: State<'_, Shelf>, days: u32) -> CmdResult<()> {
    shelf.run(move |s| Ok(s.set_due_soon_days(days)?)).await
}

/// Sets the clipboard clear delay in seconds (0 = never clear).
#[tauri::command]
#[specta::specta]
pub async fn set_clipboard_clear_secs(shelf: State<'_, Shelf>, secs: u32) -> CmdResult<()> {
    shelf
        .run(move |s| Ok(s.set_clipboard_clear_secs(secs)?))
        .await
}

/// The window's colours: the system's, or always light or dark.
#[tauri::command]
#[specta::specta]
pub async fn set_theme(shelf: State<'_, Shelf>, theme: Theme) -> CmdResult<()> {
    shelf.run(move |s| Ok(s.set_theme(theme)?)).await
}

/// Whether the app starts at login.
#[tauri::command]
#[specta::specta]
pub fn autostart_enabled(app: tauri::AppHandle) -> CmdResult<bool> {
    use tauri_plugin_autostart::ManagerExt;
    app.autolaunch().is_enabled().map_err(autostart_error)
}

/// Turns starting at login on (an XDG autostart entry on Linux) or off.
#[tauri::command]
#[specta::specta]
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
