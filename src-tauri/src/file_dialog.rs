//! The native file dialogs (save an export, open a `.env` file), shown by a child process of
//! the app rather than inside it.
//!
//! Why a child: GTK's file chooser opens the files of every folder it shows (to guess their
//! types) and closes them again. Closing *any* descriptor of a file drops every POSIX lock the
//! process holds on it, SQLite's included, so a chooser that passed by Keyshelf's data folder
//! silently unlocked the app's open store: the next `keyshelf` process to close its connection
//! then took itself for the last one and deleted the write-ahead log under the running app, whose
//! later writes were lost (seen in the end-to-end run). A child process holds no lock to lose.
//!
//! The child is this same executable started with [`CHILD_ARG`] (save) or [`OPEN_CHILD_ARG`]
//! (open): it shows the dialog, prints the chosen path on stdout and exits, before anything of
//! the app (store, keychain, window) starts.

use crate::error::{CmdResult, CommandError};
use std::path::PathBuf;
use std::process::Command;

/// The argument that makes the executable a save-dialog child: `--choose-save-path TITLE NAME`.
pub const CHILD_ARG: &str = "--choose-save-path";
/// The argument that makes the executable an open-dialog child: `--choose-open-path TITLE`.
pub const OPEN_CHILD_ARG: &str = "--choose-open-path";

/// Which dialog.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Save a CSV export, on a suggested file name.
    SaveCsv,
    /// Open a `.env` file (hidden files shown: `.env` is one).
    OpenEnv,
}

/// In the child: shows the dialog for `title` on the file name `name` (a CSV filter, starting in
/// the user's home), prints the chosen path and exits 0; exits 0 with no output when the user
/// cancels, 2 when no dialog can be shown. The dialog asks before replacing an existing file.
pub fn run_child(purpose: Purpose, title: &str, name: &str) -> ! {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match show(purpose, title, name, home) {
        Ok(Some(path)) => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let written = out
                .write_all(path.as_os_str().as_encoded_bytes())
                .and_then(|()| out.flush());
            std::process::exit(if written.is_ok() { 0 } else { 2 })
        }
        Ok(None) => std::process::exit(0),
        Err(why) => {
            eprintln!("{why}");
            std::process::exit(2)
        }
    }
}

/// GTK's file chooser, run on this (the main) thread. Not through rfd here: rfd runs GTK on a
/// thread of its own and waits for ever when GTK cannot start there (seen: a child hung).
#[cfg(target_os = "linux")]
fn show(
    purpose: Purpose,
    title: &str,
    name: &str,
    home: Option<PathBuf>,
) -> Result<Option<PathBuf>, String> {
    use gtk::prelude::*;
    gtk::init().map_err(|e| format!("GTK cannot start: {e}"))?;
    let (action, accept) = match purpose {
        Purpose::SaveCsv => (gtk::FileChooserAction::Save, "_Save"),
        Purpose::OpenEnv => (gtk::FileChooserAction::Open, "_Open"),
    };
    let dialog = gtk::FileChooserDialog::with_buttons(
        Some(title),
        None::<&gtk::Window>,
        action,
        &[
            ("_Cancel", gtk::ResponseType::Cancel),
            (accept, gtk::ResponseType::Accept),
        ],
    );
    if let Some(home) = home {
        dialog.set_current_folder(home);
    }
    match purpose {
        Purpose::SaveCsv => {
            dialog.set_do_overwrite_confirmation(true);
            dialog.set_current_name(name);
            let csv = gtk::FileFilter::new();
            csv.set_name(Some("CSV"));
            csv.add_pattern("*.csv");
            dialog.add_filter(csv);
        }
        Purpose::OpenEnv => {
            dialog.set_show_hidden(true);
            let env = gtk::FileFilter::new();
            env.set_name(Some("Environment files"));
            for pattern in [".env", ".env.*", "*.env"] {
                env.add_pattern(pattern);
            }
            dialog.add_filter(env);
            let all = gtk::FileFilter::new();
            all.set_name(Some("All files"));
            all.add_pattern("*");
            dialog.add_filter(all);
        }
    }
    let chosen = match dialog.run() {
        gtk::ResponseType::Accept => dialog.filename(),
        _ => None,
    };
    dialog.hide();
    Ok(chosen)
}

/// The platform's own panels (macOS, Windows) through rfd.
#[cfg(not(target_os = "linux"))]
fn show(
    purpose: Purpose,
    title: &str,
    name: &str,
    home: Option<PathBuf>,
) -> Result<Option<PathBuf>, String> {
    let mut dialog = rfd::FileDialog::new().set_title(title);
    if let Some(home) = home {
        dialog = dialog.set_directory(home);
    }
    Ok(match purpose {
        Purpose::SaveCsv => dialog
            .set_file_name(name)
            .add_filter("CSV", &["csv"])
            .save_file(),
        Purpose::OpenEnv => dialog.pick_file(),
    })
}

/// In the app: runs the child and answers the chosen path, or `None` when the user cancelled.
/// Blocks until the dialog closes; call it off the main thread.
pub fn choose(purpose: Purpose, title: &str, name: &str) -> CmdResult<Option<String>> {
    let failed = |why: String| {
        CommandError::new(
            "dialog_failed",
            format!("The file dialog could not be shown: {why}"),
        )
    };
    let exe = std::env::current_exe().map_err(|e| failed(e.to_string()))?;
    let arg = match purpose {
        Purpose::SaveCsv => CHILD_ARG,
        Purpose::OpenEnv => OPEN_CHILD_ARG,
    };
    let out = Command::new(exe)
        .args([arg, title, name])
        .output()
        .map_err(|e| failed(e.to_string()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(failed(format!("{} ({})", out.status, err.trim())));
    }
    if out.stdout.is_empty() {
        return Ok(None);
    }
    let path = String::from_utf8(out.stdout).map_err(|_| {
        CommandError::new(
            "invalid_input",
            "The chosen path is not valid UTF-8: choose another folder or file name.",
        )
    })?;
    Ok(Some(path))
}
