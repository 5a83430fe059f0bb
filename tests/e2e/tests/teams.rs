//! The Teams screen and a key's Share action in the real window, against a real OpenBao
//! (`bao server -dev` on loopback): connect a team through the form, share a key from its
//! detail, see a teammate's key arrive with Sync, both marked shared in the key list, and a
//! rotation that a teammate's came before undone in the wizard, which takes their key.

use keyshelf_core::shelf::NewKey;
use keyshelf_core::vault::KeyringVault;
use keyshelf_core::{Keyshelf, Secret};
use keyshelf_e2e::app::App;
use keyshelf_e2e::ui::{choose, click, page_text, text_of, type_in, wait_text, WAIT};
use keyshelf_e2e::{free_port, keychain_lookup, require_test_session, shot};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ROOT: &str = "e2e-root-token-not-real";

struct Bao(Child);

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn bao_cli(addr: &str, args: &[&str]) -> std::process::Output {
    Command::new("bao")
        .args(args)
        .env("BAO_ADDR", addr)
        .env("BAO_TOKEN", ROOT)
        .output()
        .expect("bao")
}

#[test]
fn a_team_is_connected_a_key_shared_and_a_teammates_key_synced_in_the_real_window() {
    require_test_session();
    let port = free_port();
    let addr = format!("http://127.0.0.1:{port}");
    let _bao = Bao(Command::new("bao")
        .args([
            "server",
            "-dev",
            &format!("-dev-root-token-id={ROOT}"),
            &format!("-dev-listen-address=127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("bao is installed by scripts/setup.sh"));
    let until = Instant::now() + Duration::from_secs(20);
    // Exit code 2 alone is no proof of a mount: the CLI also exits 2 when what answers on the
    // port is not an API listener (another server's cluster port).
    let mount_ready = |out: std::process::Output| {
        out.status.success() || String::from_utf8_lossy(&out.stderr).contains("No value found")
    };
    while !mount_ready(bao_cli(&addr, &["kv", "list", "secret/"])) {
        assert!(Instant::now() < until, "bao server -dev did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let tag = format!("{:x}", std::process::id());
    let home = tempfile::tempdir().expect("temp home");
    let name = format!("staging-mail-{tag}");
    {
        let mut shelf = Keyshelf::open(home.path(), Arc::new(KeyringVault)).unwrap();
        shelf
            .import(
                NewKey {
                    name: name.clone(),
                    env: "staging".into(),
                    ..Default::default()
                },
                Secret::from("e2e-team-value-not-a-real-key"),
            )
            .unwrap();
    }

    let app = App::start(home.path());
    let s = app.s();
    app.wait_ready();
    click(s, r#"[data-testid="nav-teams"]"#);
    s.wait_for(r#"[data-testid="no-teams"]"#, WAIT).unwrap();
    click(s, r#"[data-testid="add-team"]"#);
    let team = format!("ops-{tag}");
    type_in(s, r#"[data-testid="team-name"]"#, &team);
    type_in(s, r#"[data-testid="team-addrs"]"#, &addr);
    choose(s, r#"[data-testid="team-auth"]"#, "token");
    type_in(s, r#"[data-testid="team-credential"]"#, ROOT);
    click(s, r#"[data-testid="team-save"]"#);
    wait_text(
        s,
        r#"[data-testid="teams-notice"]"#,
        "the team is connected",
        "in the keychain",
    );
    assert_eq!(
        keychain_lookup(&format!("team:{team}")).as_deref(),
        Some(ROOT)
    );
    assert!(!page_text(s).contains(ROOT), "the token is not on the page");

    // Share the key from its detail: the badge says where it is shared.
    click(s, r#"[data-testid="nav-keys"]"#);
    app.wait_ready();
    type_in(s, r#"[data-testid="search"]"#, &name);
    s.wait_until("one match", WAIT, |s| {
        text_of(s, r#"[data-testid="count"]"#).starts_with("1 of")
    })
    .unwrap();
    click(s, r#"[data-testid="key-row"] .link"#);
    click(s, r#"[data-testid="detail-share"]"#);
    wait_text(
        s,
        r#"[data-testid="shared-badge"]"#,
        "the shared badge",
        &format!("shared with {team}"),
    );
    let stored = bao_cli(
        &addr,
        &[
            "kv",
            "get",
            "-field=secret",
            &format!("secret/keyshelf/{team}/keys/local/{name}"),
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&stored.stdout).trim(),
        "e2e-team-value-not-a-real-key"
    );

    // A teammate, bob, publishes a version of key `local/NAME` (its data from a file: a secret
    // never goes on a command line).
    let entry = home.path().join("teammate.json");
    let bob_publishes = |name: &str, env: &str, secret: &str| {
        let data = serde_json::json!({
            "secret": secret,
            "meta": { "env": env, "provider": "local", "shared_by": "bob@laptop" },
        });
        std::fs::write(&entry, data.to_string()).unwrap();
        let put = bao_cli(
            &addr,
            &[
                "kv",
                "put",
                &format!("secret/keyshelf/{team}/keys/local/{name}"),
                &format!("@{}", entry.display()),
            ],
        );
        assert!(
            put.status.success(),
            "{}",
            String::from_utf8_lossy(&put.stderr)
        );
    };

    // A teammate shares a key; Sync brings it into this keychain.
    let theirs = format!("prod-db-{tag}");
    bob_publishes(&theirs, "prod", "e2e-teammate-value-not-a-real-key");
    // The app's own schedule brings it: each scheduled reminder check first syncs every team
    // not synced for 15 minutes, on a store handle of its own. A new interval wakes the
    // schedule at once.
    click(s, r#"[data-testid="nav-settings"]"#);
    type_in(s, r#"[data-testid="remind-interval"]"#, "30");
    click(s, r#"[data-testid="save-remind-interval"]"#);
    click(s, r#"[data-testid="nav-teams"]"#);
    s.wait_until("the scheduled sync", WAIT, |s| {
        // The screen reads the store when it opens: reopen it until the sync is there.
        let t = text_of(s, r#"[data-testid="team-last-sync"]"#);
        if !t.contains("1 added") {
            click(s, r#"[data-testid="nav-keys"]"#);
            click(s, r#"[data-testid="nav-teams"]"#);
        }
        t.contains("1 added")
    })
    .unwrap();
    assert_eq!(
        keychain_lookup(&format!("local/{theirs}")).as_deref(),
        Some("e2e-teammate-value-not-a-real-key")
    );
    // Sync on demand: nothing new.
    click(s, r#"[data-testid="team-sync"]"#);
    let said = s.wait_until("the sync", WAIT, |s| {
        text_of(s, r#"[data-testid="teams-notice"]"#).contains("0 added")
    });
    assert!(
        said.is_ok(),
        "the sync: {}",
        text_of(s, r#"[data-testid="teams-error"]"#)
    );
    wait_text(s, r#"[data-testid="team-row"]"#, "the row", "2");
    wait_text(
        s,
        r#"[data-testid="team-last-sync"]"#,
        "the last sync's outcome",
        "2 unchanged",
    );
    // The team's keys held here: version and who rotated (or shared) each last.
    click(s, r#"[data-testid="team-keys-toggle"]"#);
    s.wait_until("the team's keys", WAIT, |s| {
        let t = text_of(s, r#"[data-testid="team-keys"]"#);
        t.contains(&theirs) && t.contains("bob@laptop") && t.contains(&name)
    })
    .unwrap();
    shot(s, "teams");

    // The key list marks both shared keys, and "shared" finds them.
    click(s, r#"[data-testid="nav-keys"]"#);
    app.wait_ready();
    type_in(s, r#"[data-testid="search"]"#, "shared");
    s.wait_until("the shared keys", WAIT, |s| {
        text_of(s, r#"[data-testid="count"]"#).starts_with("2 of")
    })
    .unwrap();
    let marks = s
        .find_all(r#"[data-testid="row-shared"]"#)
        .expect("the rows' shared marks");
    assert_eq!(marks.len(), 2);
    shot(s, "keys-shared");

    // A teammate rotated the shared key first (version 2, published over the 1 held here): the
    // wizard's rotation is undone, says who was first, and takes their key on request.
    bob_publishes(&name, "staging", "e2e-teammate-rotated-not-a-real-key");
    click(s, &format!(r#"[data-keyref="local/{name}"] .link"#));
    click(s, r#"[data-testid="rotate-start"]"#);
    wait_text(
        s,
        r#"[data-testid="rotate-team-conflict"]"#,
        "the team conflict",
        "bob@laptop published version 2",
    );
    assert_eq!(
        keychain_lookup(&format!("local/{name}")).as_deref(),
        Some("e2e-team-value-not-a-real-key"),
        "the rotation was undone: the old secret is current"
    );
    shot(s, "rotate-team-conflict");
    click(s, r#"[data-testid="rotate-team-sync"]"#);
    s.wait_until("their key", WAIT, |_| {
        keychain_lookup(&format!("local/{name}")).as_deref()
            == Some("e2e-teammate-rotated-not-a-real-key")
    })
    .unwrap();
}
