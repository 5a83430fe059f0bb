//! The tray icon: the due count (beside the icon, in the tooltip and a menu line), Open, Check now
//! and Quit. With a tray, closing the window hides it there; without one (no tray host, e.g. under
//! Xvfb or a desktop without StatusNotifier support) the app says so once and closing the window
//! quits as before.
//!
//! On Linux the tooltip goes nowhere: the tray-icon crate ignores it there and libayatana-
//! appindicator's StatusNotifierItem has no ToolTip property. What a host reads is the item's
//! label (`XAyatanaLabel`, which the tray title sets) and its menu, so the count is in both.

use crate::reminders::{Reminders, Status};
use crate::state::Shelf;
use std::sync::{Arc, Mutex};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Wry};

struct Parts {
    icon: TrayIcon<Wry>,
    due: MenuItem<Wry>,
}

/// The tray, if the app has one; managed by Tauri.
#[derive(Clone, Default)]
pub struct Tray(Arc<Mutex<Option<Parts>>>);

impl Tray {
    /// Whether the app has a tray icon (then closing the window hides it).
    pub fn present(&self) -> bool {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// Shows the due count of the last check.
    pub fn show(&self, status: &Status) {
        let guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(parts) = guard.as_ref() {
            let text = due_text(status.due);
            let _ = parts.due.set_text(&text);
            let _ = parts.icon.set_tooltip(Some(format!("Keyshelf: {text}")));
            let _ = parts.icon.set_title(count_label(status.due));
        }
    }

    /// Creates the tray icon; logs why when it cannot and carries on without one.
    pub fn create(&self, app: &AppHandle, bus: Option<&zbus::blocking::Connection>) {
        if cfg!(target_os = "linux") && !bus.is_some_and(host_present) {
            eprintln!(
                "keyshelf-desktop: no tray host (org.kde.StatusNotifierWatcher) on the session bus: \
                 no tray icon; closing the window quits"
            );
            return;
        }
        match build(app) {
            Ok(parts) => *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(parts),
            Err(e) => eprintln!(
                "keyshelf-desktop: the tray icon could not be created ({e}); closing the window quits"
            ),
        }
    }
}

/// "2 keys due", "1 key due", "No key due".
pub fn due_text(due: usize) -> String {
    match due {
        0 => "No key due".to_owned(),
        1 => "1 key due".to_owned(),
        n => format!("{n} keys due"),
    }
}

/// The text beside the icon: the count when a key is due, nothing otherwise.
pub fn count_label(due: usize) -> Option<String> {
    (due > 0).then(|| due.to_string())
}

/// Whether a StatusNotifier host (the tray of KDE, GNOME's AppIndicator extension, waybar…)
/// is on the session bus.
fn host_present(bus: &zbus::blocking::Connection) -> bool {
    bus.call_method(
        Some("org.freedesktop.DBus"),
        "/org/freedesktop/DBus",
        Some("org.freedesktop.DBus"),
        "NameHasOwner",
        &("org.kde.StatusNotifierWatcher",),
    )
    .ok()
    .and_then(|reply| reply.body().deserialize::<bool>().ok())
    .unwrap_or(false)
}

fn build(app: &AppHandle) -> tauri::Result<Parts> {
    let due = MenuItem::with_id(app, "due", due_text(0), false, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", "Open Keyshelf", true, None::<&str>)?;
    let check = MenuItem::with_id(app, "check", "Check now", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let sep = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&due, &sep, &open, &check, &quit])?;
    let mut builder = TrayIconBuilder::with_id("main")
        .tooltip("Keyshelf")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => crate::show_window(app, false),
            "check" => check_now(app),
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                crate::show_window(tray.app_handle(), false);
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    let icon = builder.build(app)?;
    Ok(Parts { icon, due })
}

/// "Check now" from the tray: a check off the UI thread, then the new count.
fn check_now(app: &AppHandle) {
    let shelf = app.state::<Shelf>().inner().clone();
    let reminders = app.state::<Reminders>().inner().clone();
    let tray = app.state::<Tray>().inner().clone();
    tauri::async_runtime::spawn_blocking(move || {
        let status = reminders.check(&mut shelf.lock());
        tray.show(&status);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_due_count_reads_naturally() {
        assert_eq!(due_text(0), "No key due");
        assert_eq!(due_text(1), "1 key due");
        assert_eq!(due_text(2), "2 keys due");
    }

    #[test]
    fn the_icon_carries_the_count_only_when_a_key_is_due() {
        assert_eq!(count_label(0), None);
        assert_eq!(count_label(3).as_deref(), Some("3"));
    }
}
