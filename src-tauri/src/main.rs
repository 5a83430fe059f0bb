//! Keyshelf's desktop app: a Tauri 2 shell over `keyshelf-core`.
//!
//! The window's web view (ui/) calls the commands in [`commands`]; each is a thin wrapper over a
//! core operation. Secrets cross to the web view only on an explicit reveal; copying happens here.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// The generated TypeScript bindings and the test that keeps them current.
#[cfg(test)]
mod bindings;
mod clipboard;
mod commands;
mod error;
mod file_dialog;
mod reminders;
mod state;
mod tray;

use keyshelf_core::{notify, Keyshelf};
use tauri::Manager;

/// The argument the login start passes: start in the tray, without showing the window.
const HIDDEN_ARG: &str = "--hidden";

fn main() {
    paint_without_compositing();
    // A file-dialog child (see file_dialog): nothing of the app starts in it.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let text = |i: usize| args.get(i).and_then(|a| a.to_str()).unwrap_or_default();
    if args.get(1).is_some_and(|a| a == file_dialog::CHILD_ARG) {
        file_dialog::run_child(file_dialog::Purpose::SaveCsv, text(2), text(3));
    }
    if args
        .get(1)
        .is_some_and(|a| a == file_dialog::OPEN_CHILD_ARG)
    {
        file_dialog::run_child(file_dialog::Purpose::OpenEnv, text(2), "");
    }
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
    let tray = tray::Tray::default();
    let clipboard = clipboard::Clipboard::default();
    let app = tauri::Builder::default()
        // A second launch focuses the running window instead of opening another store handle.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            show_window(app, false);
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        // Start at login (off until turned on in Settings); such a start goes to the tray.
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .app_name("Keyshelf")
                .arg(HIDDEN_ARG)
                .build(),
        )
        .manage(shelf.clone())
        .manage(reminders.clone())
        .manage(tray.clone())
        .manage(clipboard.clone())
        .manage(commands::overview::ChosenEnvFile::default())
        .setup({
            let tray = tray.clone();
            move |app| {
                // A click on one of our reminders opens the window on the due keys.
                let handle = app.handle().clone();
                let ours = reminders.clone();
                reminders.connect(move |id, action| {
                    if action == notify::ACTION.0 && ours.is_ours(id) {
                        ours.set_pending_view("due");
                        show_window(&handle, true);
                    }
                });
                tray.create(app.handle(), reminders.bus().as_ref());
                // Started at login: straight to the tray, when there is one.
                if std::env::args().any(|a| a == HIDDEN_ARG) && tray.present() {
                    if let Some(w) = app.get_webview_window("main") {
                        let _ = w.hide();
                    }
                }
                reminders.start(shelf.clone(), move |status| tray.show(status));
                Ok(())
            }
        })
        // With a tray, closing the window hides it there; Quit in the tray menu quits.
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                if window.state::<tray::Tray>().present() {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .invoke_handler(commands::builder().invoke_handler())
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("keyshelf-desktop: the window could not start: {e}");
            std::process::exit(1);
        }
    };
    app.run(move |_app, event| {
        // However the app ends (last window closed, Quit in the tray), what it copied goes.
        if let tauri::RunEvent::Exit = event {
            clipboard.clear_on_quit();
        }
    });
}

/// Has WebKitGTK paint the window without accelerated compositing, unless the user chose
/// otherwise (`WEBKIT_DISABLE_COMPOSITING_MODE=0` keeps compositing on).
///
/// Keyshelf's screens are text and lists, which WebKit paints cheaply on the CPU. With
/// compositing, the key list's scroll area becomes a layer of its own, and where the GL is
/// software (virtual machines, remote desktops, Xvfb: Mesa's llvmpipe) the blinking caret of the
/// focused search box kept the compositor repainting: 1.4-1.9 cores busy while nobody touched
/// the window. Without compositing the idle window uses no CPU, and the process tree is about
/// 60 MB smaller, mostly the GL stack (docs/perf/desktop-memory-2026-12.md, BENCHMARKS.md).
/// Runs first in `main`, before any thread exists (the environment is the process's).
fn paint_without_compositing() {
    const VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if cfg!(target_os = "linux") && std::env::var_os(VAR).is_none() {
        std::env::set_var(VAR, "1");
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
