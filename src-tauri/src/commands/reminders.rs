//! The reminder checks the app runs (see [`crate::reminders`] for the schedule).

use crate::error::CmdResult;
use crate::reminders::{Reminders, Status};
use crate::state::Shelf;
use crate::tray::Tray;
use tauri::State;

/// What the last reminder check found, and the check interval.
#[tauri::command]
#[specta::specta]
pub async fn reminder_status(
    shelf: State<'_, Shelf>,
    reminders: State<'_, Reminders>,
) -> CmdResult<Status> {
    let mut status = reminders.status();
    status.interval_minutes = shelf.run(|s| Ok(s.remind_interval_minutes())).await?;
    Ok(status)
}

/// Sets how often the app checks for due keys (minutes); the next check follows the new interval.
#[tauri::command]
#[specta::specta]
pub async fn set_remind_interval(
    shelf: State<'_, Shelf>,
    reminders: State<'_, Reminders>,
    minutes: u32,
) -> CmdResult<()> {
    shelf
        .run(move |s| Ok(s.set_remind_interval_minutes(minutes)?))
        .await?;
    reminders.wake();
    Ok(())
}

/// Runs a reminder check now (the same as the scheduled one: nothing is announced twice).
#[tauri::command]
#[specta::specta]
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
#[specta::specta]
pub fn take_pending_view(reminders: State<'_, Reminders>) -> Option<String> {
    reminders.take_pending_view()
}
