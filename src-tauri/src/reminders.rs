//! Rotation reminders while the app runs: a check at start and then every interval (a setting,
//! default hourly). The rules (what is due, grouping, the 24 h / worsening memory) are the core's
//! ([`keyshelf_core::reminders`]); this module only schedules checks, delivers the reminder as a
//! notification ([`crate::notify`]) and remembers what the last check found for the UI and tray.

use crate::state::Shelf;
use chrono::{DateTime, Utc};
use keyshelf_core::notify;
use keyshelf_core::reminders::Mode;
use keyshelf_core::{Error, Keyshelf};
use serde::Serialize;
use std::collections::HashSet;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// How often the app syncs each team on its own (the Teams screen syncs on demand too).
pub const TEAM_SYNC_EVERY: Duration = Duration::from_secs(15 * 60);

/// Syncs the teams whose last sync is older than [`TEAM_SYNC_EVERY`]; failures are recorded
/// per team by the core and shown on the Teams screen.
fn sync_teams(shelf: &mut Keyshelf) {
    match shelf.sync_stale_teams(TEAM_SYNC_EVERY) {
        Ok(done) => {
            for (team, outcome) in done {
                if let Err(e) = outcome {
                    eprintln!("keyshelf-desktop: scheduled sync of team {team} failed: {e}");
                }
            }
        }
        Err(e) => eprintln!("keyshelf-desktop: scheduled team sync: {e}"),
    }
}

/// What the last check found.
#[derive(Debug, Clone, Default, Serialize, specta::Type)]
pub struct Status {
    pub checked_at: Option<DateTime<Utc>>,
    /// Keys due soon or overdue at the last check.
    pub due: usize,
    /// The summary of the notification the last check sent, if it sent one.
    pub sent: Option<String>,
    /// Why the last check could not send its notification.
    pub error: Option<String>,
    /// How many checks ran since the app started.
    pub checks: u32,
    pub interval_minutes: u32,
}

#[derive(Default)]
struct Inner {
    status: Status,
    /// Ids of the notifications this app sent, so only clicks on ours open the window.
    sent_ids: HashSet<u32>,
    /// A view the UI should open when it next asks (a click on a notification: "due").
    pending_view: Option<String>,
    /// Set to wake the scheduler early (check now, interval changed).
    wake: bool,
    /// The session bus connection notifications are sent on (and clicks come back on).
    bus: Option<zbus::blocking::Connection>,
}

/// The reminder state, managed by Tauri and shared with the scheduler thread.
#[derive(Clone, Default)]
pub struct Reminders(Arc<(Mutex<Inner>, Condvar)>);

impl Reminders {
    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.0 .0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn status(&self) -> Status {
        self.inner().status.clone()
    }

    /// Wakes the scheduler: it checks again and rereads the interval.
    pub fn wake(&self) {
        self.inner().wake = true;
        self.0 .1.notify_all();
    }

    /// Connects to the session bus for notifications; clicks on them call `on_action`. Without
    /// a bus, says so: checks then record that notifications cannot be shown.
    pub fn connect(&self, on_action: impl Fn(u32, &str) + Send + 'static) {
        match notify::session() {
            Ok(conn) => {
                notify::watch_clicks(conn.clone(), on_action);
                self.inner().bus = Some(conn);
            }
            Err(e) => eprintln!("keyshelf-desktop: no reminder notifications: {e}"),
        }
    }

    /// The session bus connection, when the app has one.
    pub fn bus(&self) -> Option<zbus::blocking::Connection> {
        self.inner().bus.clone()
    }

    pub fn is_ours(&self, id: u32) -> bool {
        self.inner().sent_ids.contains(&id)
    }

    pub fn set_pending_view(&self, view: &str) {
        self.inner().pending_view = Some(view.to_owned());
    }

    pub fn take_pending_view(&self) -> Option<String> {
        self.inner().pending_view.take()
    }

    /// Runs one check on `shelf` now: sends the grouped notification when there is news.
    pub fn check(&self, shelf: &mut Keyshelf) -> Status {
        let interval = shelf.remind_interval_minutes();
        let bus = self.inner().bus.clone();
        let mut sent_id = None;
        let outcome = shelf.remind(Utc::now(), Mode::New, |r| {
            let bus = bus.as_ref().ok_or_else(|| Error::NotificationUnavailable {
                detail: "the app could not connect to the D-Bus session bus".into(),
            })?;
            sent_id = Some(notify::send_on(bus, r)?.id);
            Ok(())
        });
        // A check whose notification could not be sent still knows what is due: the tray and
        // Settings show the count whether or not a notification server answers.
        let due_anyway = match &outcome {
            Ok(_) => None,
            Err(_) => shelf.due(None).ok().map(|d| d.len()),
        };
        let mut inner = self.inner();
        let st = &mut inner.status;
        st.checked_at = Some(Utc::now());
        st.checks += 1;
        st.interval_minutes = interval;
        match outcome {
            Ok(check) => {
                st.due = check.due;
                st.sent = check.reminder.map(|r| r.summary);
                st.error = None;
            }
            Err(e) => {
                eprintln!("keyshelf-desktop: reminder check failed: {e}");
                if let Some(due) = due_anyway {
                    st.due = due;
                }
                st.sent = None;
                // The core's message for a missing server speaks of the CLI; say it for the app.
                st.error = Some(match e {
                    Error::NotificationUnavailable { detail } => {
                        format!("no notification server answers on the session bus ({detail})")
                    }
                    other => other.to_string(),
                });
            }
        }
        let status = st.clone();
        if let Some(id) = sent_id {
            inner.sent_ids.insert(id);
        }
        status
    }

    /// Starts the scheduler thread: a check now, then one every interval; `after` runs after
    /// every check (the tray updates its due count). Before each check, teams not synced for
    /// [`TEAM_SYNC_EVERY`] are synced, so the reminder counts a teammate's rotation; each
    /// team's outcome is kept in the store for the Teams screen. The sync runs on a store
    /// handle of its own, not the window's: a team whose servers do not answer makes only this
    /// thread wait (SQLite in WAL mode serializes the two handles' writes).
    pub fn start(&self, shelf: Shelf, after: impl Fn(&Status) + Send + 'static) {
        let me = self.clone();
        let spawned = std::thread::Builder::new()
            .name("reminders".into())
            .spawn(move || {
                let mut own = Keyshelf::open_default()
                    .map_err(|e| eprintln!("keyshelf-desktop: no scheduled team sync: {e}"))
                    .ok();
                loop {
                    if let Some(s) = own.as_mut() {
                        sync_teams(s);
                    }
                    me.check_and_wait(&shelf, &after);
                }
            });
        if let Err(e) = spawned {
            eprintln!("keyshelf-desktop: cannot schedule reminder checks: {e}");
        }
    }

    /// One reminder check on the window's shelf, then the wait for the next one (the interval,
    /// or until woken).
    fn check_and_wait(&self, shelf: &Shelf, after: &impl Fn(&Status)) {
        let status = self.check(&mut shelf.lock());
        after(&status);
        let wait = Duration::from_secs(u64::from(status.interval_minutes.max(1)) * 60);
        let guard = self.inner();
        let (mut guard, _) = self
            .0
             .1
            .wait_timeout_while(guard, wait, |i| !i.wake)
            .unwrap_or_else(|p| p.into_inner());
        guard.wake = false;
    }
}
