//! The start page in the real window: a first run's empty Overview and its `.env` import
//! through the native open dialog, the Overview of a shelf with keys (bars per environment, the
//! 90-day timeline whose marks open their key), both colour themes, and axe-core's check of
//! every screen in each theme (no serious or critical violation). Screenshots of both themes go
//! to docs/screenshots/.

use keyshelf_e2e::app::App;
use keyshelf_e2e::axe::serious_violations;
use keyshelf_e2e::file_chooser::Chooser;
use keyshelf_e2e::seed::{due_mix, import_aged, open};
use keyshelf_e2e::ui::{choose, click, page_text};
use keyshelf_e2e::webdriver::Session;
use keyshelf_e2e::{keychain_lookup, require_test_session, shot};
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

fn attr_all(s: &Session, css: &str, name: &str) -> Vec<String> {
    s.find_all(css)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| s.attribute(e, name).ok().flatten())
        .collect()
}

/// Unique per run: the keychain is shared by every test running in the session.
fn tag() -> String {
    format!("{:x}", std::process::id())
}

/// The tests of this file one after the other (each starts the app and drives dialogs with
/// the real keyboard).
fn one_test_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

#[test]
fn a_first_run_imports_a_dotenv_file_from_the_empty_overview() {
    require_test_session();
    let _serial = one_test_at_a_time();
    let home = tempfile::tempdir().expect("temp home");
    let t = tag();
    // An environment of this run's own keeps the imported names apart on the shared keyring.
    let env = format!("e2e{t}");
    open(home.path()).set_environment(&env, 30).unwrap();
    let dotenv = home.path().join(".env");
    let value = format!("sk_test_placeholder_not_real_{t}");
    std::fs::write(
        &dotenv,
        format!("# the app\nPORT=3000\nexport STRIPE_SECRET_KEY={value}\nDEBUG=true\n"),
    )
    .unwrap();

    let app = App::start(home.path());
    let s = app.s();
    let empty = s
        .wait_for(r#"[data-testid="overview-empty"]"#, WAIT)
        .expect("the empty overview");
    let text = s.text(&empty).unwrap();
    assert!(text.to_lowercase().contains(".env"), "{text}");
    shot(s, "overview-empty");

    click(s, r#"[data-testid="import-env"]"#);
    // Pick the environment, then the file: the shell's open dialog, in a child process.
    choose(s, r#"[data-testid="env-import-env"]"#, &env);
    click(s, r#"[data-testid="env-import-choose"]"#);
    let chooser = Chooser::wait("env", WAIT).expect("the open dialog shows");
    chooser.key(&["ctrl+l"]).unwrap();
    chooser.type_text(dotenv.to_str().unwrap()).unwrap();
    chooser.key(&["Return"]).unwrap();
    chooser.wait_closed(WAIT).unwrap();

    s.wait_for(r#"[data-testid="env-import-preview"]"#, WAIT)
        .expect("the preview");
    let rows = attr_all(s, r#"[data-testid="env-import-row"]"#, "data-var");
    assert_eq!(rows, ["PORT", "STRIPE_SECRET_KEY", "DEBUG"]);
    let actions = attr_all(s, r#"[data-testid="env-import-row"]"#, "data-action");
    assert_eq!(actions, ["skip", "import", "skip"]);
    // Nothing is stored before the user confirms.
    assert!(open(home.path())
        .list(&Default::default())
        .unwrap()
        .is_empty());
    shot(s, "env-import");
    let found = serious_violations(s, "the .env import preview");
    assert!(found.is_empty(), "axe found:\n{}", found.join("\n"));

    click(s, r#"[data-testid="env-import-confirm"]"#);
    let done = s
        .wait_for(r#"[data-testid="env-import-done"]"#, WAIT)
        .expect("the import's result");
    let said = s.text(&done).unwrap();
    assert!(
        said.contains(&format!("keyshelf exec --env {env}")),
        "{said}"
    );
    let name = format!("{env}-stripe-secret-key");
    assert_eq!(
        keychain_lookup(&format!("local/{name}")).as_deref(),
        Some(value.as_str())
    );
    let key = open(home.path()).show(&name).unwrap();
    assert_eq!(key.key.var_name.as_deref(), Some("STRIPE_SECRET_KEY"));
    assert_eq!(
        std::fs::read_to_string(&dotenv)
            .unwrap()
            .matches(&value)
            .count(),
        1
    );
    drop(app);
    let _ = keyshelf_e2e::seed::open(home.path()).remove(&name);
}

#[test]
fn the_overview_shows_each_environment_and_the_timeline_opens_a_key_in_both_themes() {
    require_test_session();
    let _serial = one_test_at_a_time();
    let home = tempfile::tempdir().expect("temp home");
    let t = tag();
    let mut shelf = open(home.path());
    let names = due_mix(&mut shelf, &format!("ov{t}"));
    // A busy day: 14 staging keys due in 20 days, more than a column draws (12).
    let busy: Vec<String> = (0..14)
        .map(|i| {
            let name = format!("staging-batch-{i:02}-ov{t}");
            import_aged(
                &mut shelf,
                &name,
                "staging",
                None,
                40,
                &format!("fixture-{name}"),
            );
            format!("local/{name}")
        })
        .collect();
    drop(shelf);

    let app = App::start(home.path());
    let s = app.s();
    s.wait_for(r#"[data-testid="overview"]"#, WAIT)
        .expect("the overview");
    s.wait_until("a bar per environment", WAIT, |s| {
        attr_all(s, r#"[data-testid="env-bar"]"#, "data-env").len() >= 3
    })
    .unwrap();
    let marks = attr_all(s, r#"[data-testid="timeline-mark"]"#, "data-key");
    // Every key is due within 90 days here (the dev key in 28, the others sooner or overdue).
    for n in &names {
        assert!(
            marks.contains(&format!("local/{n}")),
            "{n} not on the timeline: {marks:?}"
        );
    }

    // The busy day's "more" block (its column draws 11 marks and a count) lists every key of
    // that day.
    click(s, r#"[data-testid="timeline-more"]"#);
    let mut listed = Vec::new();
    let found = s.wait_until("the busy day's 14 keys listed", WAIT, |s| {
        listed = attr_all(s, r#"[data-testid="timeline-day-key"]"#, "data-key");
        listed.len() == busy.len()
    });
    assert!(
        found.is_ok(),
        "the day's list holds {listed:?}; the page says: {}",
        page_text(s)
    );
    assert_eq!(listed, busy, "the day's keys, soonest first (then by name)");
    click(s, r#"[data-testid="timeline-day-close"]"#);

    // A mark opens its key.
    let first = format!("local/{}", names[0]);
    let mark = s
        .find(&format!(
            r#"[data-testid="timeline-mark"][data-key="{first}"]"#
        ))
        .unwrap();
    s.click(&mark).unwrap();
    s.wait_for(r#"[data-testid="key-detail"]"#, WAIT)
        .expect("the key's detail opens");
    let mut found: Vec<String> = serious_violations(s, "key detail")
        .into_iter()
        .map(|v| format!("key detail: {v}"))
        .collect();

    // Every screen in both themes: axe finds nothing serious, and a screenshot of each theme.
    for theme in ["light", "dark"] {
        click(s, r#"[data-testid="nav-settings"]"#);
        choose(s, r#"[data-testid="theme-select"]"#, theme);
        s.wait_until("the theme applies", WAIT, |s| {
            s.execute(
                "return document.documentElement.dataset.theme || ''",
                json!([]),
            )
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .as_deref()
                == Some(theme)
        })
        .unwrap();
        for screen in ["overview", "keys", "new", "providers", "usage", "settings"] {
            click(s, &format!(r#"[data-testid="nav-{screen}"]"#));
            s.wait_painted().unwrap();
            std::thread::sleep(Duration::from_millis(300));
            for v in serious_violations(s, &format!("{screen} ({theme})")) {
                found.push(format!("{screen} ({theme}): {v}"));
            }
        }
        click(s, r#"[data-testid="nav-overview"]"#);
        s.wait_for(r#"[data-testid="env-bar"]"#, WAIT).unwrap();
        shot(s, &format!("overview-{theme}"));
    }
    assert!(found.is_empty(), "axe found:\n{}", found.join("\n"));
}
