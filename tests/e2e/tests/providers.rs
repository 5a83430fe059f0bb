//! The provider screens end to end, in a real window, against the provider simulator on
//! loopback: add a provider, test and sync it, create a key on it (its secret only in the
//! keychain, never on the page), find it and copy it (`xclip`), verify, deactivate, see the failed call flagged on Usage,
//! export the CSV through the native save dialog (cancelled, then saved), delete the key on the provider; and a provider key rotated with the wizard
//! through the provider's API. Checked after each step against the simulator's own state and
//! `secret-tool`.
//!
//! Writes providers.png, provider-form.png, new-key-provider.png, key-detail-provider.png, link.png,
//! usage.png, delete-on-provider.png, rotation.png, settings-export.png, and of the whole screen
//! export-dialog.png and export-replace.png (the GTK save dialog over the app) to docs/screenshots/.

use chrono::{Local, Utc};
use keyshelf_core::vault::KeyringVault;
use keyshelf_core::Keyshelf;
use keyshelf_e2e::app::App;
use keyshelf_e2e::file_chooser::Chooser;
use keyshelf_e2e::ui::{choose, click, page_text, text_of, type_in, wait_text, WAIT};
use keyshelf_e2e::{clipboard_text, keychain_lookup, require_test_session, shot};
use keyshelf_provider_sim::{Config, Plan};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn open(home: &Path) -> Keyshelf {
    Keyshelf::open(home, Arc::new(KeyringVault)).expect("open the test home")
}

/// The parent process of `pid` (field 4 of `/proc/<pid>/stat`, after the parenthesised name).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ")?.1.split(' ').nth(1)?.parse().ok()
}

/// Adds the simulator at `url` as provider `name`, with its verify route (the set-up the provider
/// screens test does through the window, here through the core).
fn add_sim_provider(shelf: &mut Keyshelf, name: &str, url: &str) {
    let mut p = keyshelf_core::provider::ProviderProfile::new(name, url);
    p.verify_path = Some("/api-routes-data".into());
    shelf
        .add_provider(keyshelf_core::provider::ops::NewProvider {
            profile: p,
            credential: keyshelf_core::Secret::from(Config::default().token.as_str()),
        })
        .expect("add the simulator as a provider");
}

/// Opens the detail of the key named `name` from the Keys screen.
fn open_detail(app: &App, name: &str) {
    let s = app.s();
    click(s, r#"[data-testid="nav-keys"]"#);
    app.wait_ready();
    type_in(s, r#"[data-testid="search"]"#, name);
    s.wait_until("one match", WAIT, |s| {
        text_of(s, r#"[data-testid="count"]"#).starts_with("1 of")
    })
    .unwrap();
    click(s, r#"[data-testid="key-row"] .link"#);
    s.wait_for(r#"[data-testid="provider-actions"]"#, WAIT)
        .unwrap();
}

#[test]
fn provider_add_sync_create_verify_deactivate_usage_export_delete_in_the_real_window() {
    require_test_session();
    // A free plan (2 keys) holding one key Keyshelf does not know yet.
    let sim = keyshelf_provider_sim::spawn(
        Config {
            plan: Plan::Free,
            seed_keys: 1,
            ..Config::default()
        },
        0,
    )
    .expect("the simulator starts on loopback");
    let token = Config::default().token;
    let home = tempfile::tempdir().expect("temp home");
    let t = format!("{:x}", std::process::id());
    let provider = format!("sim-{t}");
    let month = Utc::now().format("%Y-%m");
    let name = format!("prod-api-server-main-{month}-{t}");
    let keyref = format!("{provider}/{name}");

    let app = App::start(home.path());
    let s = app.s();
    app.wait_ready();

    // Add the provider: the token goes through a password field once, into the keychain.
    click(s, r#"[data-testid="nav-providers"]"#);
    s.wait_for(r#"[data-testid="no-providers"]"#, WAIT).unwrap();
    click(s, r#"[data-testid="add-provider"]"#);
    type_in(s, r#"[data-testid="prov-name"]"#, &provider);
    type_in(s, r#"[data-testid="prov-base-url"]"#, &sim.url);
    type_in(s, r#"[data-testid="prov-credential"]"#, &token);
    type_in(s, r#"[data-testid="prov-verify-path"]"#, "/api-routes-data");
    type_in(s, r#"[data-testid="prov-key-limit"]"#, "2");
    // The query scheme shows the seeds' warning and cannot be submitted unticked.
    choose(s, r#"[data-testid="prov-scheme"]"#, "query");
    wait_text(
        s,
        r#"[data-testid="scheme-warning"]"#,
        "the query warning",
        "insecure",
    );
    let submit = s.find(r#"[data-testid="prov-submit"]"#).unwrap();
    assert_eq!(s.property(&submit, "disabled").unwrap(), json!(true));
    shot(s, "provider-form");
    choose(s, r#"[data-testid="prov-scheme"]"#, "x-api-key-username");
    s.wait_until("the warning goes", WAIT, |s| {
        s.find(r#"[data-testid="scheme-warning"]"#).is_err()
    })
    .unwrap();
    click(s, r#"[data-testid="prov-submit"]"#);
    wait_text(
        s,
        r#"[data-testid="providers-notice"]"#,
        "the provider is added",
        "in the keychain",
    );
    assert_eq!(
        keychain_lookup(&format!("provider:{provider}")).as_deref(),
        Some(token.as_str()),
        "the management token is in the keychain"
    );
    assert!(
        !page_text(s).contains(&token),
        "the token is not on the page"
    );
    let cred = s
        .execute(
            "return Array.from(document.querySelectorAll('input')).map(i => i.value).join('\\n')",
            json!([]),
        )
        .unwrap();
    assert!(
        !cred.as_str().unwrap_or_default().contains(&token),
        "no input still holds the token"
    );

    // Test connection, then sync: the provider's own key appears (no local secret).
    click(s, r#"[data-testid="prov-test"]"#);
    wait_text(
        s,
        r#"[data-testid="providers-notice"]"#,
        "test connection",
        "answers: 1 key(s) on the provider of at most 2",
    );
    click(s, r#"[data-testid="prov-sync"]"#);
    wait_text(
        s,
        r#"[data-testid="providers-notice"]"#,
        "sync",
        "1 new (no local secret)",
    );
    wait_text(
        s,
        r#"[data-testid="plan-usage"]"#,
        "plan usage",
        "1 of 2 keys used",
    );

    // Create a key on the provider: its secret goes to the keychain and never to the page.
    click(s, r#"[data-testid="nav-new"]"#);
    click(s, r#"[data-testid="path-provider"]"#);
    s.wait_for(r#"[data-testid="remote-provider"]"#, WAIT)
        .unwrap();
    choose(s, r#"[data-testid="env"]"#, "prod");
    type_in(s, r#"[data-testid="name"]"#, &name);
    type_in(s, r#"[data-testid="remote-user"]"#, "api_user_prod");
    shot(s, "new-key-provider");
    click(s, r#"[data-testid="submit"]"#);
    wait_text(
        s,
        r#"[data-testid="new-result"]"#,
        "the key is created",
        "went straight into the keychain",
    );
    let remote = sim
        .keys()
        .into_iter()
        .find(|k| k.api_key_name == name)
        .expect("the simulator holds the new key");
    assert_eq!(
        keychain_lookup(&keyref).as_deref(),
        Some(remote.api_key.as_str()),
        "the provider's value is in the keychain"
    );
    assert!(
        !page_text(s).contains(&remote.api_key),
        "the new secret is never shown"
    );

    // The plan is now full.
    click(s, r#"[data-testid="nav-providers"]"#);
    wait_text(
        s,
        r#"[data-testid="plan-usage"]"#,
        "plan usage",
        "2 of 2 keys used",
    );
    shot(s, "providers");

    // Found by search and copied: the clipboard holds the provider's value (read by xclip).
    open_detail(&app, &name);
    click(s, r#"[data-testid="copy"]"#);
    s.wait_until("the clipboard holds the key", WAIT, |_| {
        clipboard_text() == remote.api_key
    })
    .unwrap();

    // Verify, then deactivate: the simulator sees both.
    click(s, r#"[data-testid="verify"]"#);
    wait_text(
        s,
        r#"[data-testid="detail-notice"]"#,
        "verify",
        "answered 200",
    );
    click(s, r#"[data-testid="deactivate"]"#);
    wait_text(
        s,
        r#"[data-testid="detail-notice"]"#,
        "deactivate",
        "now inactive",
    );
    s.wait_for(r#"[data-testid="activate"]"#, WAIT).unwrap();
    let status = |sim: &keyshelf_provider_sim::SimHandle| {
        sim.keys()
            .into_iter()
            .find(|k| k.api_key_name == name)
            .map(|k| k.status)
    };
    assert_eq!(status(&sim).as_deref(), Some("inactive"));
    assert_eq!(text_of(s, r#"[data-testid="detail-status"]"#), "inactive");
    // A deactivated key is refused: the error shows the provider's words and request id.
    click(s, r#"[data-testid="verify"]"#);
    let err = wait_text(
        s,
        r#"[data-testid="detail-error"]"#,
        "verify of an inactive key fails",
        "request id",
    );
    assert!(err.contains("401"), "{err}");
    shot(s, "key-detail-provider");
    let found = keyshelf_e2e::axe::serious_violations(s, "a provider key's detail");
    assert!(
        found.is_empty(),
        "axe found on the key detail:\n{}",
        found.join("\n")
    );

    // Usage: the refused call is flagged as a failed authentication attempt.
    click(s, r#"[data-testid="nav-usage"]"#);
    s.wait_for(r#"tr[data-testid="usage-row"]"#, WAIT).unwrap();
    let flagged = s
        .wait_for(r#"tr[data-testid="usage-row"].alarm"#, WAIT)
        .unwrap();
    let row = s.text(&flagged).unwrap();
    assert!(
        row.contains("failed auth") && row.contains("401") && row.contains(&name),
        "{row}"
    );
    assert_eq!(
        s.find_all(r#"tr[data-testid="usage-row"]"#).unwrap().len(),
        2,
        "one call verified, one refused"
    );
    wait_text(
        s,
        r#"[data-testid="usage-summary"]"#,
        "usage summary",
        "1 failed auth",
    );
    // The chart: drawn on its canvas (uPlot, in the real web view), with a text summary beside
    // it for those who do not see it, counting the same two calls and the failed one.
    if let Err(e) = s.wait_for(
        r#"[data-testid="usage-chart"][data-drawn="true"] canvas"#,
        WAIT,
    ) {
        let chart = s
            .execute(
                "return document.querySelector('[data-testid=\"usage-chart\"]')?.outerHTML ?? 'no chart'",
                json!([]),
            )
            .unwrap_or_default();
        panic!("the usage chart is not drawn ({e}): {chart}");
    }
    let size = s
        .execute(
            "const c = document.querySelector('[data-testid=\"usage-chart\"] canvas');\n\
             return [c.width, c.height];",
            json!([]),
        )
        .unwrap();
    assert!(
        size[0].as_u64() > Some(100) && size[1].as_u64() > Some(50),
        "{size}"
    );
    let summary = text_of(s, r#"[data-testid="usage-chart-summary"]"#);
    assert!(
        summary.contains(&format!("{name}: 2 calls"))
            && summary.contains("1 failed authentication"),
        "{summary}"
    );
    shot(s, "usage");
    // The chart, the flags and the table pass axe (the other screens: tests/overview.rs).
    let found = keyshelf_e2e::axe::serious_violations(s, "usage with a chart");
    assert!(
        found.is_empty(),
        "axe found on Usage:\n{}",
        found.join("\n")
    );

    // Export the CSV through the native save dialog (GTK's file chooser, driven by keystrokes
    // under Xvfb). From Settings first, cancelled: the dialog offers `<provider>-keys-<date>.csv`,
    // and Escape writes nothing and says nothing.
    let pid = app.pid().expect("the app's process");
    let dialog_title = format!("^Export {provider}");
    // Into the app's own data folder, on purpose. A chooser showing the folder of the database
    // opens that file to guess its type and closes it; inside the app's process that dropped
    // SQLite's POSIX locks, the next connection of another process to close deleted the WAL
    // under the app, and the app's later writes were lost. The dialog runs in a child process
    // since (src-tauri/src/file_dialog.rs); the provider edit further down, checked through a
    // connection of this process after others were opened and closed, proves nothing is lost.
    let csv_path = home.path().join("export.csv");
    click(s, r#"[data-testid="nav-settings"]"#);
    s.wait_for(r#"[data-testid="settings-export"]"#, WAIT)
        .unwrap();
    s.execute(
        "document.querySelector('[data-testid=\"settings-export\"]').scrollIntoView({block: 'center'})",
        json!([]),
    )
    .unwrap();
    shot(s, "settings-export");
    click(s, r#"[data-testid="settings-export"]"#);
    let chooser = Chooser::wait(&dialog_title, WAIT).expect("the save dialog opens");
    assert_ne!(
        chooser.pid, pid,
        "the dialog is not shown by the app's process"
    );
    assert_eq!(
        parent_of(chooser.pid),
        Some(pid),
        "the dialog is shown by a child of the app"
    );
    // The name field has the focus; select it all and copy it, to read it back with xclip.
    chooser.key(&["ctrl+a", "ctrl+c"]).unwrap();
    let suggested = format!("{provider}-keys-{}.csv", Local::now().format("%Y-%m-%d"));
    let mut copied = String::new();
    let named = s.wait_until("the suggested file name", WAIT, |_| {
        copied = clipboard_text();
        copied == suggested
    });
    assert!(
        named.is_ok(),
        "the dialog's name field holds {copied:?}, not {suggested:?}"
    );
    chooser.key(&["Escape"]).unwrap();
    chooser.wait_closed(WAIT).expect("Escape closes the dialog");
    s.wait_for(r#"[data-testid="settings-export"]:not([disabled])"#, WAIT)
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(text_of(s, r#"[data-testid="settings-notice"]"#), "");
    assert_eq!(text_of(s, r#"[data-testid="settings-error"]"#), "");
    assert!(!csv_path.exists(), "a cancelled export writes nothing");

    // Then from the provider's row, saved to a path typed into the dialog: the key list without
    // values.
    click(s, r#"[data-testid="nav-providers"]"#);
    click(s, r#"[data-testid="prov-export"]"#);
    let chooser = Chooser::wait(&dialog_title, WAIT).expect("the save dialog opens");
    chooser.key(&["ctrl+a"]).unwrap();
    chooser.type_text(&csv_path.display().to_string()).unwrap();
    chooser.shot("export-dialog").unwrap();
    chooser.key(&["Return"]).unwrap();
    chooser
        .wait_closed(WAIT)
        .expect("Return saves and closes the dialog");
    let notice = wait_text(
        s,
        r#"[data-testid="providers-notice"]"#,
        "export",
        "no key values",
    );
    assert!(notice.contains(&csv_path.display().to_string()), "{notice}");
    let csv = std::fs::read_to_string(&csv_path).expect("the export is written");
    assert!(csv.contains(&name), "{csv}");
    assert!(!csv.contains(&remote.api_key), "no values in the export");

    // Saving over that file: the dialog asks first, and declining leaves the file as it was.
    std::fs::write(&csv_path, "kept\n").unwrap();
    click(s, r#"[data-testid="prov-export"]"#);
    let chooser = Chooser::wait(&dialog_title, WAIT).expect("the save dialog opens");
    chooser.key(&["ctrl+a"]).unwrap();
    chooser.type_text(&csv_path.display().to_string()).unwrap();
    chooser.key(&["Return"]).unwrap();
    let replace = chooser
        .wait_prompt(WAIT)
        .expect("the dialog asks before replacing the file");
    replace.shot("export-replace").unwrap();
    replace.key(&["Escape"]).unwrap();
    replace.wait_closed(WAIT).unwrap();
    chooser.refocus(WAIT).unwrap();
    chooser.key(&["Escape"]).unwrap();
    chooser.wait_closed(WAIT).unwrap();
    s.wait_for(r#"[data-testid="prov-export"]:not([disabled])"#, WAIT)
        .unwrap();
    assert_eq!(text_of(s, r#"[data-testid="providers-notice"]"#), "");
    assert_eq!(
        std::fs::read_to_string(&csv_path).unwrap(),
        "kept\n",
        "declined, so not replaced"
    );

    // The web view names no path to write (issue 13): the old path-taking door is gone, and a
    // path slipped into the export's arguments is ignored — the shell still shows its dialog and
    // writes only where the user chooses there (here: nowhere, cancelled).
    let refused = s
        .execute_async(
            "const done = arguments[arguments.length - 1];\n\
             window.__TAURI_INTERNALS__.invoke('choose_save_path', {title: 'x', defaultName: 'x.csv'})\n\
               .then(() => done('answered'), (e) => done('refused: ' + String(e)));",
            json!([]),
        )
        .unwrap();
    assert!(
        refused.as_str().is_some_and(|r| r.starts_with("refused")),
        "{refused}"
    );
    let named = home.path().join("named-by-the-web-view.csv");
    s.execute(
        "window.__ksExport = null;\n\
         window.__TAURI_INTERNALS__.invoke('export_provider_csv', {provider: arguments[0],\n\
           title: arguments[1], defaultName: 'x.csv', path: arguments[2], overwrite: true})\n\
           .then((r) => { window.__ksExport = {answer: r}; }, (e) => { window.__ksExport = {error: String(e)}; });",
        json!([provider, format!("Export {provider} (a path named)"), named.display().to_string()]),
    )
    .unwrap();
    let chooser = Chooser::wait(&dialog_title, WAIT).expect("the export still shows its dialog");
    chooser.key(&["Escape"]).unwrap();
    chooser.wait_closed(WAIT).unwrap();
    let mut answer = json!(null);
    s.wait_until("the export answers", WAIT, |s| {
        answer = s.execute("return window.__ksExport;", json!([])).unwrap();
        !answer.is_null()
    })
    .unwrap();
    assert_eq!(
        answer,
        json!({"answer": null}),
        "cancelled: nothing written"
    );
    assert!(
        !named.exists(),
        "the shell wrote to a path the web view named"
    );

    // Delete on the provider: typed name, permanent, then gone everywhere.
    open_detail(&app, &name);
    click(s, r#"[data-testid="delete-remote"]"#);
    let warning = wait_text(
        s,
        r#"[data-testid="confirm-remote-text"]"#,
        "the permanent warning",
        "Deletion is permanent",
    );
    assert!(warning.contains("cannot be recovered"));
    let confirm = s.find(r#"[data-testid="confirm-delete"]"#).unwrap();
    assert_eq!(s.property(&confirm, "disabled").unwrap(), json!(true));
    type_in(s, r#"[data-testid="confirm-name"]"#, &name);
    shot(s, "delete-on-provider");
    s.click(&confirm).unwrap();
    s.wait_until("the key is deleted on the provider", WAIT, |_| {
        status(&sim).is_none()
    })
    .unwrap();
    s.wait_until("the keychain item is removed", WAIT, |_| {
        keychain_lookup(&keyref).is_none()
    })
    .unwrap();
    s.wait_until("the detail closes", WAIT, |s| {
        s.find(r#"[data-testid="key-detail"]"#).is_err()
    })
    .unwrap();
    assert!(open(home.path()).show(&keyref).is_err(), "the row is gone");

    // Edit: a new plan limit, the credential left empty keeps the stored token.
    click(s, r#"[data-testid="nav-providers"]"#);
    click(s, r#"[data-testid="prov-edit"]"#);
    type_in(s, r#"[data-testid="prov-key-limit"]"#, "10");
    click(s, r#"[data-testid="prov-submit"]"#);
    wait_text(
        s,
        r#"[data-testid="providers-notice"]"#,
        "the edit is saved",
        "Saved",
    );
    wait_text(
        s,
        r#"[data-testid="plan-usage"]"#,
        "plan usage after the edit",
        "1 of 10 keys used",
    );
    assert_eq!(
        open(home.path()).provider(&provider).unwrap().key_limit,
        Some(10)
    );
    assert_eq!(
        keychain_lookup(&format!("provider:{provider}")).as_deref(),
        Some(token.as_str()),
        "the stored token is kept"
    );
    click(s, r#"[data-testid="prov-test"]"#);
    wait_text(
        s,
        r#"[data-testid="providers-notice"]"#,
        "test connection after the edit",
        "of at most 10",
    );

    // Clean up this run's keychain items (shared by every test in the session).
    drop(app);
    let mut shelf = open(home.path());
    for k in shelf.list(&Default::default()).unwrap() {
        shelf.remove(&k.key.full_ref()).unwrap();
    }
    shelf.remove_provider(&provider).unwrap();
    assert_eq!(keychain_lookup(&format!("provider:{provider}")), None);
}

/// A key of a configured provider, rotated from its detail with the wizard: the new key is
/// created on the provider and verified there, the old one deactivated and deleted, and at each
/// step the keychain holds a secret the provider accepts. A second rotation is aborted at the
/// "update your apps" step: the old key is current again and the new one gone on the provider.
#[test]
fn a_provider_key_rotates_through_the_provider_api_in_the_wizard() {
    require_test_session();
    let sim = keyshelf_provider_sim::spawn(Config::default(), 0)
        .expect("the simulator starts on loopback");
    let home = tempfile::tempdir().expect("temp home");
    let t = format!("{:x}", std::process::id());
    let provider = format!("rot-{t}");
    let name = format!("prod-billing-worker-{}-{t}", Utc::now().format("%Y-%m"));
    let keyref = format!("{provider}/{name}");
    let previous = format!("{keyref}#previous");
    {
        // The set-up the provider screens test does through the window, here through the core.
        let mut shelf = open(home.path());
        add_sim_provider(&mut shelf, &provider, &sim.url);
        shelf
            .create_key(keyshelf_core::shelf::NewKey {
                name: name.clone(),
                env: "prod".into(),
                provider: Some(provider.clone()),
                user: Some("api_user_prod".into()),
                var_name: None,
                tags: vec![],
                notes: String::new(),
                rotated_at: None,
            })
            .expect("create the key on the simulator");
    }
    let on_sim = |sim: &keyshelf_provider_sim::SimHandle| {
        let mut keys: Vec<_> = sim
            .keys()
            .into_iter()
            .filter(|k| k.api_key_name.starts_with(&name))
            .collect();
        keys.sort_by_key(|k| k.id);
        keys
    };
    let old = on_sim(&sim).pop().expect("the key is on the simulator");
    assert_eq!(
        keychain_lookup(&keyref).as_deref(),
        Some(old.api_key.as_str())
    );

    let app = App::start(home.path());
    let s = app.s();
    app.wait_ready();
    open_detail(&app, &name);
    let steps = text_of(s, r#"[data-testid="rotate-steps"]"#);
    assert!(steps.contains(&format!("created on {provider}")), "{steps}");

    // Steps 1–2: a new key on the provider, its secret current in the keychain, the old one kept
    // as #previous; the wizard stops at the apps checklist.
    click(s, r#"[data-testid="rotate-start"]"#);
    let confirm = s
        .wait_for(
            r#"[data-testid="rotate-confirm"]"#,
            Duration::from_secs(150),
        )
        .expect("the wizard reaches the apps checklist");
    let keys = on_sim(&sim);
    assert_eq!(keys.len(), 2, "old and new key on the provider: {keys:?}");
    let new = keys.last().unwrap().clone();
    assert!(new.api_key_name.starts_with(&format!("{name}-")));
    assert!(keys.iter().all(|k| k.status == "active"));
    assert_eq!(
        keychain_lookup(&keyref).as_deref(),
        Some(new.api_key.as_str())
    );
    assert_eq!(
        keychain_lookup(&previous).as_deref(),
        Some(old.api_key.as_str())
    );
    assert!(
        !page_text(s).contains(&new.api_key),
        "the new secret is never shown"
    );
    assert!(
        sim.with(|st| st
            .usage
            .iter()
            .any(|u| u.api_key_id == new.id && u.status == 200)),
        "the new key was verified on the provider"
    );
    // Step 3 is a checklist: nothing is deactivated until the user ticks it.
    assert_eq!(s.property(&confirm, "disabled").unwrap(), json!(true));
    click(s, r#"[data-testid="rotate-apps-updated"]"#);
    s.execute(
        "document.querySelector('[data-testid=rotate-confirm]').scrollIntoView({block: 'center'})",
        json!([]),
    )
    .unwrap();
    shot(s, "rotation");
    s.click(&confirm).unwrap();

    // Step 4: the old key is deactivated and its grace period shown.
    wait_text(
        s,
        r#"[data-testid="rotate-grace"]"#,
        "the grace period",
        "deleted after the grace period",
    );
    let status_of = |id: u64| {
        sim.keys()
            .into_iter()
            .find(|k| k.id == id)
            .map(|k| k.status)
    };
    assert_eq!(status_of(old.id).as_deref(), Some("inactive"));
    assert_eq!(status_of(new.id).as_deref(), Some("active"));
    assert_eq!(
        keychain_lookup(&keyref).as_deref(),
        Some(new.api_key.as_str())
    );

    // Step 5, ending the grace period now: the old key is deleted there and #previous here.
    click(s, r#"[data-testid="rotate-end-grace"]"#);
    wait_text(
        s,
        r#"[data-testid="rotate-finished"]"#,
        "the rotation ends",
        "Rotation done",
    );
    // What it says follows what happened: the old key was deleted there.
    wait_text(
        s,
        r#"[data-testid="rotate-finished"]"#,
        "the outcome",
        &format!("old key is deleted on {provider}"),
    );
    assert_eq!(
        status_of(old.id),
        None,
        "the old key is deleted on the provider"
    );
    assert_eq!(keychain_lookup(&previous), None);
    assert_eq!(
        keychain_lookup(&keyref).as_deref(),
        Some(new.api_key.as_str())
    );
    let shelf = open(home.path());
    let key = shelf.show(&keyref).expect("the key is still there");
    assert_eq!(
        key.key.provider_key_id.as_deref(),
        Some(new.id.to_string().as_str())
    );
    drop(shelf);

    // A second rotation, aborted at the checklist: the new key goes, the current one stays.
    open_detail(&app, &name);
    click(s, r#"[data-testid="rotate-start"]"#);
    s.wait_for(
        r#"[data-testid="rotate-confirm"]"#,
        Duration::from_secs(150),
    )
    .expect("the second rotation reaches the checklist");
    assert_eq!(on_sim(&sim).len(), 2);
    click(s, r#"[data-testid="rotate-abort"]"#);
    wait_text(
        s,
        r#"[data-testid="rotate-finished"]"#,
        "the abort",
        "old secret is current again",
    );
    let keys = on_sim(&sim);
    assert_eq!(
        keys.iter().map(|k| k.id).collect::<Vec<_>>(),
        vec![new.id],
        "only the current key is left"
    );
    assert_eq!(
        keychain_lookup(&keyref).as_deref(),
        Some(new.api_key.as_str())
    );
    assert_eq!(keychain_lookup(&previous), None);

    drop(app);
    let mut shelf = open(home.path());
    shelf.remove(&keyref).unwrap();
    shelf.remove_provider(&provider).unwrap();
}

/// A key imported for a provider has no id there: the wizard refuses to rotate it through the
/// provider (offering a local rotation instead), and the key's detail links it by its id.
#[test]
fn an_unlinked_provider_key_is_linked_from_its_detail() {
    require_test_session();
    let sim = keyshelf_provider_sim::spawn(Config::default(), 0)
        .expect("the simulator starts on loopback");
    let home = tempfile::tempdir().expect("temp home");
    let t = format!("{:x}", std::process::id());
    let provider = format!("link-{t}");
    let name = format!("prod-mail-sender-{}-{t}", Utc::now().format("%Y-%m"));
    let keyref = format!("{provider}/{name}");
    let remote = sim
        .with(|s| s.create("made-in-the-console", "api_user_link"))
        .expect("a key made outside Keyshelf");
    {
        let mut shelf = open(home.path());
        add_sim_provider(&mut shelf, &provider, &sim.url);
        shelf
            .import(
                keyshelf_core::shelf::NewKey {
                    name: name.clone(),
                    env: "prod".into(),
                    provider: Some(provider.clone()),
                    ..Default::default()
                },
                keyshelf_core::Secret::from(remote.api_key.as_str()),
            )
            .expect("import the key without its id on the provider");
    }

    let app = App::start(home.path());
    let s = app.s();
    app.wait_ready();
    open_detail(&app, &name);
    click(s, r#"[data-testid="rotate-start"]"#);
    wait_text(
        s,
        r#"[data-testid="rotate-not-linked"]"#,
        "the offer of a local rotation",
        "stays active on",
    );
    assert_eq!(sim.keys().len(), 1, "nothing was created on the provider");
    type_in(
        s,
        r#"[data-testid="link-remote-id"]"#,
        &remote.id.to_string(),
    );
    shot(s, "link");
    click(s, r#"[data-testid="link"]"#);
    wait_text(
        s,
        r#"[data-testid="detail-notice"]"#,
        "the link",
        &format!("Linked to its key {}", remote.id),
    );
    assert!(
        s.find(r#"[data-testid="link-form"]"#).is_err(),
        "the form is gone once linked"
    );
    drop(app);
    let shelf = open(home.path());
    assert_eq!(
        shelf.resolve(&keyref).unwrap().provider_key_id,
        Some(remote.id.to_string())
    );
}

#[test]
fn a_gitlab_preset_provider_is_added_and_synced_in_the_real_window() {
    require_test_session();
    // 12 GitLab tokens, listed 5 a page.
    let sim = keyshelf_provider_sim::spawn(
        Config {
            seed_keys: 12,
            ..Config::default()
        },
        0,
    )
    .expect("the simulator starts on loopback");
    let token = Config::default().token;
    let home = tempfile::tempdir().expect("temp home");
    let provider = format!("gitlab-{:x}", std::process::id());

    let app = App::start(home.path());
    let s = app.s();
    app.wait_ready();
    click(s, r#"[data-testid="nav-providers"]"#);
    s.wait_for(r#"[data-testid="no-providers"]"#, WAIT).unwrap();
    click(s, r#"[data-testid="add-provider"]"#);
    choose(s, r#"[data-testid="prov-preset"]"#, "gitlab");
    wait_text(
        s,
        r#"[data-testid="preset-info"]"#,
        "what the preset offers",
        "issues a new key and revokes the old one",
    );
    assert!(
        s.find(r#"[data-testid="prov-scheme"]"#).is_err(),
        "no key scheme to choose: the preset says it"
    );
    type_in(s, r#"[data-testid="prov-name"]"#, &provider);
    type_in(
        s,
        r#"[data-testid="prov-base-url"]"#,
        &format!("{}/api/v4", sim.url),
    );
    type_in(s, r#"[data-testid="prov-var-page_size"]"#, "5");
    type_in(s, r#"[data-testid="prov-credential"]"#, &token);
    shot(s, "provider-preset");
    click(s, r#"[data-testid="prov-submit"]"#);
    wait_text(
        s,
        r#"[data-testid="providers-notice"]"#,
        "the provider is added",
        "in the keychain",
    );
    assert_eq!(
        keychain_lookup(&format!("provider:{provider}")).as_deref(),
        Some(token.as_str())
    );
    let row = wait_text(
        s,
        r#"[data-testid="provider-row"]"#,
        "the provider's row",
        "GitLab personal access tokens",
    );
    assert!(
        s.find(r#"[data-testid="prov-export"]"#).is_err(),
        "GitLab has no export, so none is offered: {row}"
    );
    let before = sim.stats().requests;
    click(s, r#"[data-testid="prov-sync"]"#);
    wait_text(
        s,
        r#"[data-testid="providers-notice"]"#,
        "sync",
        "12 key(s) on the provider; 12 new",
    );
    assert_eq!(sim.stats().requests - before, 3, "three pages of five");
    let mut shelf = open(home.path());
    let p = shelf.provider(&provider).expect("stored");
    assert_eq!(p.preset.as_deref(), Some("gitlab"));
    assert_eq!(p.vars.get("page_size").map(String::as_str), Some("5"));

    // A token made with Keyshelf, then rolled from its detail: GitLab issues a new token and
    // revokes the old one; the new secret reaches the keychain, never the page.
    let name = format!("ci-deploy-{:x}", std::process::id());
    let params = [
        ("user_id".to_owned(), "1".to_owned()),
        ("scopes".to_owned(), "api".to_owned()),
    ]
    .into();
    let key = shelf
        .create_key_with(
            keyshelf_core::shelf::NewKey {
                name: name.clone(),
                env: "prod".into(),
                provider: Some(provider.clone()),
                ..Default::default()
            },
            &params,
        )
        .expect("create a token on the simulator");
    drop(shelf);
    let old_id = key.key.provider_key_id.clone().expect("linked");
    let keyref = format!("{provider}/{name}");
    open_detail(&app, &name);
    assert!(
        s.find(r#"[data-testid="deactivate"]"#).is_err(),
        "GitLab tokens cannot be deactivated, so it is not offered"
    );
    click(s, r#"[data-testid="rotate-roll"]"#);
    let said = wait_text(
        s,
        r#"[data-testid="rotate-rolled"]"#,
        "the roll",
        "revoked the old one",
    );
    shot(s, "rotation-roll");
    let tokens = sim.keys();
    let old = tokens.iter().find(|k| k.id.to_string() == old_id).unwrap();
    assert!(old.revoked, "the old token is revoked");
    let new = tokens
        .iter()
        .find(|k| k.api_key_name == name && !k.revoked)
        .expect("the new token");
    assert!(said.contains(&new.id.to_string()), "{said}");
    assert_eq!(
        keychain_lookup(&keyref).as_deref(),
        Some(new.api_key.as_str())
    );
    assert!(
        !page_text(s).contains(&new.api_key),
        "the new secret is not on the page"
    );
}
