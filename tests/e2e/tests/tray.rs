//! The tray, for real: a StatusNotifierWatcher on the private session bus (so the app finds a
//! tray host, as under KDE or GNOME with the AppIndicator extension), the app's item read over
//! D-Bus as a host reads it, the window closed as a window manager closes it, and the item's menu
//! clicked as a host clicks it.
//!
//! Its own test binary: the watcher owns a well-known name on the session bus, and every app
//! started while it does gets a tray (closing its window would then hide it instead of quitting).

use chrono::{Duration as Days, Utc};
use keyshelf_e2e::app::{running, App};
use keyshelf_e2e::require_test_session;
use keyshelf_e2e::seed::{self, open};
use keyshelf_e2e::tray::{Item, MenuEntry, Watcher};
use keyshelf_e2e::window::Display;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// What the tray's menu line says for `n` due keys (the app's wording).
fn due_line(n: usize) -> String {
    match n {
        0 => "No key due".to_owned(),
        1 => "1 key due".to_owned(),
        n => format!("{n} keys due"),
    }
}

/// Waits until the item's menu starts with `line` and its label (the text beside the icon)
/// reads `label`; says what it saw when it does not.
fn wait_count(item: &Item, line: &str, label: &str) -> Vec<MenuEntry> {
    let start = std::time::Instant::now();
    loop {
        let menu = item.menu().expect("the tray menu is readable");
        let shown = item.text("XAyatanaLabel").expect("the label is readable");
        if menu.first().is_some_and(|e| e.label == line) && shown == label {
            return menu;
        }
        assert!(
            start.elapsed() < WAIT,
            "the tray shows {shown:?} and the menu {menu:?}; expected {line:?} and {label:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_tray_shows_the_due_count_keeps_the_app_when_the_window_closes_and_opens_and_quits_it() {
    require_test_session();
    let home = tempfile::tempdir().expect("temp home");
    // Two overdue in prod, one due soon in staging, one fine in dev.
    let names = seed::due_mix(
        &mut open(home.path()),
        &format!("t{:x}", std::process::id()),
    );
    // The count the tray must show is the core's, not a number written here; the seeding
    // above is meant to make it three.
    let due = open(home.path()).due(None).expect("due keys").len();
    assert_eq!(due, 3, "the seeded keys: two overdue, one due soon");

    let watcher = Watcher::start();
    let app = App::start(home.path());
    app.wait_ready();
    let pid = app.pid().expect("the app's process under our driver");
    let display = Display::open();
    assert!(display.shows_window(pid), "the window is on screen");

    // The app registers its item with the watcher; a host reads it over the bus.
    let item = watcher
        .wait_item_of(pid, WAIT)
        .expect("the app registers a tray item");
    assert_eq!(item.text("Status").unwrap(), "Active");
    let menu = wait_count(&item, &due_line(due), &due.to_string());
    let labels: Vec<&str> = menu
        .iter()
        .filter(|e| e.visible && e.kind != "separator")
        .map(|e| e.label.as_str())
        .collect();
    assert_eq!(
        labels,
        [due_line(due).as_str(), "Open Keyshelf", "Check now", "Quit"]
    );
    assert!(!menu[0].enabled, "the count line is not a command");

    // Check now from the tray: a key snoozed meanwhile is no longer counted.
    open(home.path())
        .snooze(&names[0], Some(Utc::now() + Days::days(3)))
        .expect("snooze a key");
    let due_now = open(home.path()).due(None).expect("due keys").len();
    assert_eq!(due_now, due - 1);
    item.click("Check now").expect("click Check now");
    wait_count(&item, &due_line(due_now), &due_now.to_string());

    // Close the window as a window manager does: it goes, the app and its tray item stay.
    assert_eq!(display.close_windows_of(pid), 1, "one window to close");
    app.s()
        .wait_until("the window hidden", WAIT, |_| !display.shows_window(pid))
        .expect("closing the window hides it");
    std::thread::sleep(Duration::from_secs(1));
    assert!(running(pid), "the app still runs with its window closed");
    assert!(
        watcher.registered().contains(&item.address),
        "the tray item stays: {:?}",
        watcher.registered()
    );
    wait_count(&item, &due_line(due_now), &due_now.to_string());

    // Open from the tray: the same window is back, its page as it was.
    item.click("Open Keyshelf").expect("click Open");
    app.s()
        .wait_until("the window shown", WAIT, |_| display.shows_window(pid))
        .expect("Open shows the window again");
    app.wait_ready();

    // Quit from the tray: the app ends and its item leaves the tray.
    let clicked = item.click("Quit");
    app.s()
        .wait_until("the app to exit", WAIT, |_| !running(pid))
        .unwrap_or_else(|e| panic!("{e} (the click: {clicked:?})"));
    watcher
        .wait_gone(&item, WAIT)
        .expect("the item is unregistered when the app quits");
    drop(app);

    // Clean up this run's keychain items (the session's keychain is shared by all tests).
    let mut shelf = open(home.path());
    for k in shelf.list(&Default::default()).unwrap() {
        shelf.remove(&k.key.full_ref()).unwrap();
    }
}
