//! Keyshelf's desktop app: a Tauri 2 shell over `keyshelf-core`.
//!
//! The window's web view (ui/) calls the commands in [`commands`]; each is a thin wrapper over a
//! core operation. Secrets cross to the web view only on an explicit reveal; copying happens here.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod clipboard;
mod commands;
mod error;
mod state;

use keyshelf_core::Keyshelf;
use tauri::Manager;

fn main() {
    let shelf = match Keyshelf::open_default() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("keyshelf-desktop: {e}");
            std::process::exit(1);
        }
    };
    keyshelf_core::vault::KeyringVault::connect_in_background();

    let result = tauri::Builder::default()
        // A second launch focuses the running window instead of opening another store handle.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.set_focus();
            }
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .manage(state::Shelf::new(shelf))
        .manage(clipboard::Clipboard::default())
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("keyshelf-desktop: the window could not start: {e}");
        std::process::exit(1);
    }
}
