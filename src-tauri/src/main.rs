//! Keyshelf's desktop app: a Tauri 2 shell over `keyshelf-core`.
//!
//! The window's web view (ui/) calls the commands in [`commands`]; each is a thin wrapper over a
//! core operation. Secrets cross to the web view only on an explicit reveal; copying happens here.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod clipboard;
mod commands;
mod error;
mod notify;
mod reminders;
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

    let shelf = state::Shelf::new(shelf);
    let reminders = reminders::Reminders::default();
    let result = tauri::Builder::default()
        // A second launch focuses the running window instead of opening another store handle.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            show_window(app, false);
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .manage(shelf.clone())
        .manage(reminders.clone())
        .setup(move |app| {
            // A click on one of our reminders opens the window on the due keys.
            let handle = app.handle().clone();
            let ours = reminders.clone();
            reminders.connect(move |id, action| {
                if action == notify::ACTION.0 && ours.is_ours(id) {
                    ours.set_pending_view("due");
                    show_window(&handle, true);
                }
            });
            reminders.start(shelf.clone(), |_status| {});
            Ok(())
        })
        .manage(clipboard::Clipboard::default())
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("keyshelf-desktop: the window could not start: {e}");
        std::process::exit(1);
    }
}

/// Shows, unminimises and focuses the main window; with `nudge`, tells the UI to ask for the
/// view it should open (`take_pending_view`).
fn show_window(app: &tauri::AppHandle, nudge: bool) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
        if nudge {
            let _ = w.eval("window.dispatchEvent(new Event('keyshelf-pending-view'))");
        }
    }
}
