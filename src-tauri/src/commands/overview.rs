//! The start page, and importing a `.env` file from it: the shell shows the open dialog (in a
//! child process, see [`crate::file_dialog`]) and remembers the chosen file, so the web view
//! never names a path the shell reads.

use crate::error::{CmdResult, CommandError};
use crate::file_dialog::{self, Purpose};
use crate::state::Shelf;
use keyshelf_core::env_import::{EnvImported, Plan};
use keyshelf_core::overview::Overview;
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::State;

/// The counts per environment, the 90-day timeline, the last reminder check, failed syncs.
#[tauri::command]
#[specta::specta]
pub async fn overview(shelf: State<'_, Shelf>) -> CmdResult<Overview> {
    shelf.run(|s| Ok(s.overview()?)).await
}

/// The `.env` file the user chose last, for the preview and the import that follow.
#[derive(Default)]
pub struct ChosenEnvFile(Mutex<Option<PathBuf>>);

impl ChosenEnvFile {
    fn get(&self) -> CmdResult<PathBuf> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| {
                CommandError::new(
                    "invalid_input",
                    "Choose a .env file first (Import a .env file).",
                )
            })
    }
}

/// Shows the open dialog titled `title`, remembers the chosen file and previews importing it
/// into `env` (nothing stored). `None` when the user cancelled.
#[tauri::command]
#[specta::specta]
pub async fn choose_env_file(
    shelf: State<'_, Shelf>,
    chosen: State<'_, ChosenEnvFile>,
    title: String,
    env: String,
) -> CmdResult<Option<Plan>> {
    let picked = tauri::async_runtime::spawn_blocking(move || {
        file_dialog::choose(Purpose::OpenEnv, &title, "")
    })
    .await
    .map_err(|e| CommandError::new("internal", format!("the dialog stopped: {e}")))??;
    let Some(file) = picked.map(|p| PathBuf::from(p.trim())) else {
        return Ok(None);
    };
    *chosen.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(file.clone());
    shelf
        .run(move |s| Ok(Some(s.preview_env_import(&file, &env, &[])?)))
        .await
}

/// The preview of the chosen file again (another environment; nothing stored).
#[tauri::command]
#[specta::specta]
pub async fn preview_env_file(
    shelf: State<'_, Shelf>,
    chosen: State<'_, ChosenEnvFile>,
    env: String,
) -> CmdResult<Plan> {
    let file = chosen.get()?;
    shelf
        .run(move |s| Ok(s.preview_env_import(&file, &env, &[])?))
        .await
}

/// Imports the chosen file into `env`: the variables in `only`, or (`None`) every one the
/// preview marks for import. All or nothing.
#[tauri::command]
#[specta::specta]
pub async fn import_env_file(
    shelf: State<'_, Shelf>,
    chosen: State<'_, ChosenEnvFile>,
    env: String,
    only: Option<Vec<String>>,
) -> CmdResult<EnvImported> {
    let file = chosen.get()?;
    let only = only.unwrap_or_default();
    shelf
        .run(move |s| Ok(s.import_env_file(&file, &env, &only)?))
        .await
}
