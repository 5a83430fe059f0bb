//! The desktop app end to end, in a real window: tauri-driver + WebKitWebDriver under Xvfb, the
//! real Secret Service of the private test session, checked with `secret-tool` and `xclip`.
//!
//! Writes 1280×800 screenshots of each screen to docs/screenshots/.

use chrono::Utc;
use keyshelf_core::rotation::Start;
use keyshelf_e2e::app::App;
use keyshelf_e2e::seed::{self, import_aged, open};
use keyshelf_e2e::webdriver::Session;
use keyshelf_e2e::{clipboard_text, keychain_lookup, require_test_session, shot};
use std::path::Path;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);
const ENTER: &str = "\u{E007}";

fn count_text(s: &Session) -> String {
    s.find(r#"[data-testid="count"]"#)
        .and_then(|e| s.text(&e))
        .unwrap_or_default()
}

fn rows(s: &Session) -> Vec<String> {
    s.find_all(r#"[data-testid="key-row"]"#)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| s.attribute(e, "data-keyref").ok().flatten())
        .collect()
}

/// The tests of this file one after the other, each whole. Their apps already take turns
/// (`App::start`), but an app's reminder check reaches the session bus whenever a notification
/// server is there: the reminder test's server and bus monitor must not see another test's app,
/// nor its click land on another test's notification.
fn one_test_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// Unique per run: the keychain is shared by every test running in the session.
fn tag() -> String {
    format!("{:x}", std::process::id())
}

#[test]
fn local_keys_search_copy_reveal_generate_import_delete_in_the_real_window() {
    require_test_session();
    let _serial = one_test_at_a_time();
    let home = tempfile::tempdir().expect("temp home");
    let t = tag();
    let month = Utc::now().format("%Y-%m");
    let target = format!("prod-billing-stripe-{month}-{t}");
    let target_value = format!("fixture-value-not-a-real-key-{t}");
    let mut seeded_values = Vec::new();
    {
        let mut shelf = open(home.path());
        let keys: [(&str, &str, Option<&str>, i64); 9] = [
            ("dev-web-frontend", "dev", None, 3),
            ("dev-billing-stripe", "dev", Some("stripe-test"), 26),
            ("dev-search-indexer", "dev", None, 41),
            ("staging-web-frontend", "staging", None, 12),
            (
                "staging-billing-webhooks",
                "staging",
                Some("stripe-test"),
                55,
            ),
            ("staging-mail-sender", "staging", Some("postmark"), 75),
            ("prod-web-frontend", "prod", None, 20),
            ("prod-mail-sender", "prod", Some("postmark"), 140),
            ("prod-maps-geocoding", "prod", Some("mapbox"), 1),
        ];
        for (name, env, provider, age) in keys {
            let name = format!("{name}-{month}-{t}");
            let value = format!("fixture-{name}");
            import_aged(&mut shelf, &name, env, provider, age, &value);
            seeded_values.push(value);
        }
        import_aged(
            &mut shelf,
            &target,
            "prod",
            Some("stripe"),
            86,
            &target_value,
        );
    }
    let target_ref = format!("stripe/{target}");

    let app = App::start(home.path());
    let s = app.s();
    app.wait_ready();
    s.wait_until("ten keys listed", WAIT, |s| count_text(s) == "10 of 10")
        .unwrap();
    shot(s, "keys");

    // Find it by search: typing narrows the list to the one key.
    let search = s.find(r#"[data-testid="search"]"#).unwrap();
    s.type_into(&search, "billing stripe prod").unwrap();
    s.wait_until("one match", WAIT, |s| count_text(s) == "1 of 10")
        .unwrap();
    assert_eq!(rows(s), vec![target_ref.clone()]);

    // Enter copies the selected key; the clipboard holds it, read back by xclip.
    s.type_into(&search, ENTER).unwrap();
    s.wait_until("the clipboard holds the key", WAIT, |_| {
        clipboard_text() == target_value
    })
    .unwrap();
    let notice = s.wait_for(r#"[data-testid="notice"]"#, WAIT).unwrap();
    assert!(s.text(&notice).unwrap().contains("Copied"));
    assert!(open(home.path())
        .show(&target_ref)
        .unwrap()
        .key
        .last_copied_at
        .is_some());

    // Details: metadata and history; reveal shows the value and hides it again later.
    s.click(&s.find(r#"[data-testid="key-row"] .link"#).unwrap())
        .unwrap();
    s.wait_until("audit shows the copy", WAIT, |s| {
        s.find(r#"[data-testid="audit"]"#)
            .and_then(|e| s.text(&e))
            .is_ok_and(|t| t.contains("copy") && t.contains("import"))
    })
    .unwrap();
    shot(s, "key-detail");
    s.click(&s.find(r#"[data-testid="reveal"]"#).unwrap())
        .unwrap();
    let revealed = s.wait_for(r#"[data-testid="revealed"]"#, WAIT).unwrap();
    assert!(s.text(&revealed).unwrap().contains(&target_value));
    let shown_at = Instant::now();
    s.wait_until(
        "the revealed value hides again",
        Duration::from_secs(15),
        |s| s.find(r#"[data-testid="revealed"]"#).is_err(),
    )
    .unwrap();
    let hidden_after = shown_at.elapsed();
    assert!(
        hidden_after >= Duration::from_secs(8),
        "hid after {hidden_after:?}"
    );

    // Delete: the typed name is required, then the key leaves the keychain and the store.
    s.click(&s.find(r#"[data-testid="delete"]"#).unwrap())
        .unwrap();
    let confirm = s
        .wait_for(r#"[data-testid="confirm-delete"]"#, WAIT)
        .unwrap();
    assert_eq!(
        s.property(&confirm, "disabled").unwrap(),
        serde_json::json!(true)
    );
    let typed = s.find(r#"[data-testid="confirm-name"]"#).unwrap();
    s.type_into(&typed, &target).unwrap();
    shot(s, "delete-confirm");
    assert!(
        keychain_lookup(&target_ref).is_some(),
        "still in the keychain before confirming"
    );
    s.click(&confirm).unwrap();
    s.wait_until("the key is gone from the list", WAIT, |s| {
        count_text(s) == "0 of 9"
    })
    .unwrap();
    assert_eq!(
        keychain_lookup(&target_ref),
        None,
        "the keychain item is removed"
    );
    assert!(
        open(home.path()).show(&target_ref).is_err(),
        "the store row is removed"
    );

    // Generate locally: a 64-character base62 secret lands in the keychain, never on screen.
    s.click(&s.find(r#"[data-testid="nav-new"]"#).unwrap())
        .unwrap();
    let app_field = s.wait_for(r#"[data-testid="app"]"#, WAIT).unwrap();
    s.type_into(&app_field, "billing").unwrap();
    s.type_into(&s.find(r#"[data-testid="purpose"]"#).unwrap(), "reports")
        .unwrap();
    let name_field = s.find(r#"[data-testid="name"]"#).unwrap();
    s.wait_until("a conventional name is suggested", WAIT, |s| {
        s.property(&name_field, "value")
            .is_ok_and(|v| v.as_str() == Some(&format!("dev-billing-reports-{month}")))
    })
    .unwrap();
    s.type_into(&name_field, &format!("-{t}")).unwrap();
    let generated = format!("dev-billing-reports-{month}-{t}");
    shot(s, "new-key-generate");
    s.click(&s.find(r#"[data-testid="submit"]"#).unwrap())
        .unwrap();
    let result = s.wait_for(r#"[data-testid="new-result"]"#, WAIT).unwrap();
    assert!(s.text(&result).unwrap().contains("bits of entropy"));
    let value =
        keychain_lookup(&format!("local/{generated}")).expect("generated key in the keychain");
    assert_eq!(value.len(), 64);
    assert!(value.chars().all(|c| c.is_ascii_alphanumeric()));
    let page = s
        .execute("return document.body.innerText", serde_json::json!([]))
        .unwrap();
    assert!(
        !page.as_str().unwrap_or_default().contains(&value),
        "the generated secret is not shown"
    );

    // Import by pasting: surrounding whitespace is warned about and kept as given.
    s.click(&s.find(r#"[data-testid="path-import"]"#).unwrap())
        .unwrap();
    let imported = format!("staging-search-query-{month}-{t}");
    let pasted = format!(" fixture-value-not-a-real-key-{t}");
    let name_field = s.wait_for(r#"[data-testid="name"]"#, WAIT).unwrap();
    s.clear(&name_field).unwrap();
    s.type_into(&name_field, &imported).unwrap();
    s.type_into(&s.find(r#"[data-testid="secret"]"#).unwrap(), &pasted)
        .unwrap();
    s.wait_for(r#"[data-testid="paste-warning"]"#, WAIT)
        .unwrap();
    shot(s, "new-key-import");
    s.click(&s.find(r#"[data-testid="submit"]"#).unwrap())
        .unwrap();
    s.wait_for(r#"[data-testid="new-result"]"#, WAIT).unwrap();
    assert_eq!(
        keychain_lookup(&format!("local/{imported}")).as_deref(),
        Some(pasted.as_str())
    );

    // Back on the list, both new keys are there.
    s.click(&s.find(r#"[data-testid="nav-keys"]"#).unwrap())
        .unwrap();
    app.wait_ready();
    s.wait_until("eleven keys", WAIT, |s| count_text(s) == "11 of 11")
        .unwrap();

    // Settings: a changed interval reaches the store.
    s.click(&s.find(r#"[data-testid="nav-settings"]"#).unwrap())
        .unwrap();
    let staging = s.wait_for(r#"tr[data-env="staging"] input"#, WAIT).unwrap();
    s.clear(&staging).unwrap();
    s.type_into(&staging, "45").unwrap();
    s.click(&s.find(r#"tr[data-env="staging"] button"#).unwrap())
        .unwrap();
    s.wait_for(r#"[data-testid="settings-notice"]"#, WAIT)
        .unwrap();
    let envs = open(home.path()).environments().unwrap();
    assert_eq!(
        envs.iter()
            .find(|e| e.name == "staging")
            .map(|e| e.interval_days),
        Some(45)
    );
    shot(s, "settings");

    // Without providers, both provider screens say where to add one (the provider flow has its
    // own test and screenshots).
    for (nav, empty) in [
        ("providers", "no-providers"),
        ("usage", "usage-no-providers"),
    ] {
        s.click(&s.find(&format!(r#"[data-testid="nav-{nav}"]"#)).unwrap())
            .unwrap();
        s.wait_for(&format!(r#"[data-testid="{empty}"]"#), WAIT)
            .unwrap();
    }

    // Leak scan: with the app closed, no value it handled (copied, revealed, generated,
    // pasted) is anywhere on disk — its home, its TMPDIR, the web view's storage and caches
    // under the session's HOME — except in the keychain's own files.
    let app_tmp = app.quit();
    let session_home = std::path::PathBuf::from(std::env::var_os("HOME").expect("HOME"));
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| session_home.join(".local/share"));
    let webview_dirs = [
        data_home.join("dev.keyshelf.desktop"),
        session_home.join(".cache/dev.keyshelf.desktop"),
    ];
    assert!(
        webview_dirs.iter().any(|d| d.is_dir()),
        "the web view's storage is not where the scan looks: {webview_dirs:?}"
    );
    let mut values = vec![target_value.clone(), value.clone(), pasted.clone()];
    values.extend(seeded_values);
    let (leaks, read) = keyshelf_e2e::find_leaks(
        &[
            home.path().to_path_buf(),
            app_tmp.path().to_path_buf(),
            session_home,
        ],
        &[data_home.join("keyrings")],
        &values,
    );
    assert!(read > 0, "the leak scan read no file");
    assert!(leaks.is_empty(), "secret values on disk: {leaks:?}");

    // Clean up this run's keychain items (the session's keychain is shared by all tests).
    let mut shelf = open(home.path());
    for k in shelf.list(&Default::default()).unwrap() {
        shelf.remove(&k.key.full_ref()).unwrap();
    }
}

/// The reminder at start, for real on the session bus: one grouped Notify call for the due keys,
/// nothing more within 24 h (neither from "Check now" nor from the check of a second start), and
/// a click on it (dunst's default action) opens the key list filtered to the due keys.
#[test]
fn one_grouped_reminder_at_start_then_quiet_and_a_click_shows_the_due_keys() {
    require_test_session();
    let _serial = one_test_at_a_time();
    let home = tempfile::tempdir().expect("temp home");
    // Two overdue in prod, one due soon in staging, one fine in dev.
    seed::due_mix(&mut open(home.path()), &format!("r{}", tag()));
    let mut bus = keyshelf_e2e::notifications::Monitor::start();
    assert!(bus.notifications("Keyshelf").is_empty());

    let app = App::start(home.path());
    let s = app.s();
    app.wait_ready();
    let sent = bus.wait_notifications("Keyshelf", 1, WAIT);
    assert_eq!(sent.len(), 1, "one grouped notification at start: {sent:?}");
    assert_eq!(
        sent[0].summary,
        "2 keys overdue in prod, 1 due soon in staging"
    );
    for key in ["prod-billing-api", "prod-mail-sender", "staging-search-api"] {
        assert!(sent[0].body.contains(key), "{key} in {:?}", sent[0].body);
    }
    assert!(
        !sent[0].body.contains("dev-web-frontend"),
        "{:?}",
        sent[0].body
    );
    assert_eq!(sent[0].rest.first().map(String::as_str), Some("default"));

    // Check now, within 24 h: nothing new, nothing sent.
    s.click(&s.find(r#"[data-testid="nav-settings"]"#).unwrap())
        .unwrap();
    s.click(&s.wait_for(r#"[data-testid="check-now"]"#, WAIT).unwrap())
        .unwrap();
    s.wait_until("the check's outcome", WAIT, |s| {
        s.find(r#"[data-testid="settings-notice"]"#)
            .and_then(|e| s.text(&e))
            .is_ok_and(|t| t.contains("3 keys are due, all announced in the last 24 hours"))
    })
    .unwrap();
    assert_eq!(
        bus.notifications("Keyshelf").len(),
        1,
        "no second notification"
    );

    // A click on the notification (dunst invokes its default action) opens the due keys.
    let clicked = std::process::Command::new("dunstctl")
        .arg("action")
        .status()
        .expect("dunstctl");
    assert!(clicked.success());
    if let Err(e) = s.wait_until("the due keys", WAIT, |s| count_text(s) == "3 of 4") {
        panic!("{e}; the bus saw:\n{}", bus.text());
    }
    let filter = s.find(r#"[data-testid="filter-due"]"#).unwrap();
    assert_eq!(s.property(&filter, "value").unwrap(), "due");
    assert!(rows(s).iter().all(|r| !r.contains("dev-web-frontend")));
    drop(app);

    // A second start within 24 h checks again and sends nothing.
    let app = App::start(home.path());
    let s = app.s();
    app.wait_ready();
    s.click(&s.find(r#"[data-testid="nav-settings"]"#).unwrap())
        .unwrap();
    s.wait_until("the start-up check", WAIT, |s| {
        s.find(r#"[data-testid="last-check"]"#)
            .and_then(|e| s.text(&e))
            .is_ok_and(|t| t.contains("all announced in the last 24 hours"))
    })
    .unwrap();
    assert_eq!(
        bus.notifications("Keyshelf").len(),
        1,
        "no notification on the second start"
    );

    // Start at login: off by default; on writes the XDG autostart entry (starting in the
    // tray), off removes it.
    let entry = Path::new(&std::env::var_os("HOME").expect("HOME"))
        .join(".config/autostart/Keyshelf.desktop");
    let toggle = s.find(r#"[data-testid="autostart"]"#).unwrap();
    assert_eq!(s.property(&toggle, "checked").unwrap(), false);
    assert!(!entry.exists());
    s.click(&toggle).unwrap();
    s.wait_until("the autostart entry", WAIT, |_| entry.exists())
        .unwrap();
    let text = std::fs::read_to_string(&entry).expect("autostart entry");
    assert!(
        text.contains("keyshelf-desktop") && text.contains("--hidden"),
        "{text}"
    );
    s.wait_until("the notice and the box checked", WAIT, |s| {
        let checked = s
            .find(r#"[data-testid="autostart"]"#)
            .and_then(|e| s.property(&e, "checked"))
            .is_ok_and(|v| v == true);
        let notice = s
            .find(r#"[data-testid="settings-notice"]"#)
            .and_then(|e| s.text(&e))
            .is_ok_and(|t| t.contains("starts at login"));
        checked && notice
    })
    .unwrap();
    // The web view under Xvfb paints late after the last DOM change; give it time.
    std::thread::sleep(Duration::from_millis(1500));
    shot(s, "settings-reminders");
    s.click(&s.find(r#"[data-testid="autostart"]"#).unwrap())
        .unwrap();
    s.wait_until("the autostart entry removed", WAIT, |_| !entry.exists())
        .unwrap();
}

/// A rotation left unfinished (recorded as started, then the process went away) is offered to
/// resume when the key's panel opens; resuming carries it on in the real keychain: the new
/// secret is current and the old one kept under `#previous`.
#[test]
fn an_interrupted_rotation_is_offered_and_resumed_in_the_real_window() {
    require_test_session();
    let _serial = one_test_at_a_time();
    let home = tempfile::tempdir().expect("temp home");
    let t = tag();
    let month = Utc::now().format("%Y-%m");
    let name = format!("prod-orders-api-{month}-i{t}");
    let keyref = format!("local/{name}");
    let old = format!("fixture-old-{t}");
    {
        let mut shelf = open(home.path());
        import_aged(&mut shelf, &name, "prod", None, 10, &old);
        shelf
            .start_rotation(&keyref, &Start::default(), false)
            .expect("start a rotation");
    }

    let app = App::start(home.path());
    let s = app.s();
    app.wait_ready();
    s.click(&s.find(r#"[data-testid="key-row"] .link"#).unwrap())
        .unwrap();
    let banner = s
        .wait_for(r#"[data-testid="rotate-interrupted"]"#, WAIT)
        .unwrap();
    assert!(s.text(&banner).unwrap().contains("unfinished rotation"));
    assert!(s
        .find(r#"[data-testid="rotate-abort-interrupted"]"#)
        .is_ok());
    s.click(&s.find(r#"[data-testid="rotate-resume"]"#).unwrap())
        .unwrap();
    s.wait_until("the rotation resumed to its confirm step", WAIT, |s| {
        s.find(r#"[data-testid="rotate-confirm"]"#).is_ok()
    })
    .unwrap();
    assert!(s.find(r#"[data-testid="rotate-interrupted"]"#).is_err());
    let current = keychain_lookup(&keyref).expect("a current secret");
    assert_ne!(current, old, "the new secret is current");
    assert_eq!(
        keychain_lookup(&format!("{keyref}#previous")).as_deref(),
        Some(old.as_str()),
        "the old secret is kept under #previous"
    );
}

/// An open window that nobody uses costs no CPU: on the Overview and on the Keys screen with
/// 1,000 keys, the app and its WebKit processes together stay under a fifth of a core over
/// five idle seconds (at rest they use about 1%). Once, the blinking caret of the Keys screen's
/// search box kept WebKit's compositor repainting the list: 1.4-1.9 cores, all the time.
#[test]
fn the_window_rests_while_nobody_uses_it() {
    require_test_session();
    let _serial = one_test_at_a_time();
    let home = tempfile::tempdir().expect("temp home");
    seed::store_only(home.path(), 1_000);
    let app = App::start(home.path());
    let s = app.s();
    s.wait_for(r#"[data-testid="overview"]"#, WAIT)
        .expect("the Overview shows");
    let pid = app.pid().expect("the app's process");
    for screen in ["Overview", "Keys"] {
        if screen == "Keys" {
            app.wait_ready();
        }
        // Let the screen finish loading and painting before measuring it at rest.
        std::thread::sleep(Duration::from_secs(3));
        let shares = keyshelf_e2e::app::cpu_share(pid, Duration::from_secs(5));
        let total: f64 = shares.iter().map(|(_, share)| share).sum();
        assert!(
            total < 0.20,
            "the idle {screen} screen used {:.0}% of a core over 5 s: {shares:?}",
            total * 100.0
        );
    }
}
