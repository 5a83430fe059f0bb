//! The paths of the guided rotation that a review found broken (issue 13's findings 1–6 and 8),
//! each through the real binary, the simulator and the real Secret Service. Each test failed on
//! the tree before the fix; the finding it proves is named above it.

mod common;
use common::{secret_tool_lookup, stderr, Shelf};
use keyshelf_provider_sim::{Config, Faults, SimHandle, SimKey};
use serde_json::Value;
use std::process::Output;

struct Setup {
    s: Shelf,
    sim: SimHandle,
    provider: String,
}

fn setup(test: &str) -> Setup {
    let s = Shelf::new(test);
    let sim = keyshelf_provider_sim::spawn(Config::default(), 0).expect("simulator");
    let provider = s.name("prov");
    common::add_sim_provider(&s, &sim.url, &provider, &[]);
    Setup { s, sim, provider }
}

impl Setup {
    /// A key created on the provider through Keyshelf (linked); returns its KEYREF.
    fn created(&self, short: &str) -> String {
        let name = self.s.name(short);
        self.s.ok(&[
            "create",
            &name,
            "--provider",
            &self.provider,
            "--env",
            "prod",
            "--user",
            "api_user_t",
        ]);
        format!("{}/{name}", self.provider)
    }

    /// A key made on the provider's own console, outside Keyshelf.
    fn made_elsewhere(&self, name: &str) -> SimKey {
        self.sim
            .with(|s| s.create(name, "api_user_t"))
            .expect("simulator key")
    }

    fn key(&self, id: u64) -> Option<SimKey> {
        self.sim.keys().into_iter().find(|k| k.id == id)
    }

    fn revoke(&self, id: u64) {
        self.sim.with(|s| s.keys.retain(|k| k.id != id));
    }

    fn remote_id(&self, keyref: &str) -> u64 {
        self.s.json(&["show", keyref])["provider_key_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{keyref} has no provider id"))
    }
}

/// The exit code and the error code of a failed `--json` run.
fn failure(out: &Output) -> (i32, String) {
    (out.status.code().unwrap_or(-1), common::json_error(out).0)
}

fn run_json(s: &Shelf, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.push("--json");
    s.run(&all)
}

fn rotation_status(s: &Shelf) -> Value {
    s.json(&["rotate", "--status"])
}

// --- finding 1: unlinked provider keys ------------------------------------------------------------

#[test]
fn an_unlinked_provider_key_is_refused_and_can_be_linked_then_rotated() {
    let t = setup("unlinked");
    let remote = t.made_elsewhere("console-made");
    let name = t.s.name("imported");
    let keyref = format!("{}/{name}", t.provider);
    t.s.ok_in(
        &[
            "import",
            &name,
            "--provider",
            &t.provider,
            "--env",
            "prod",
            "--user",
            "api_user_t",
        ],
        &remote.api_key,
    );

    let out = run_json(&t.s, &["rotate", &keyref, "--verify-timeout", "5"]);
    assert_eq!(
        failure(&out),
        (2, "key_not_linked".into()),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("keyshelf link"), "{}", stderr(&out));
    assert_eq!(
        rotation_status(&t.s),
        serde_json::json!([]),
        "nothing started"
    );

    // A wrong id, and an id that another key with a secret holds, are refused.
    let out = run_json(&t.s, &["link", &keyref, "--remote-id", "999999"]);
    assert_eq!(failure(&out), (6, "provider_not_found_remote".into()));
    let other = t.created("other");
    let other_id = t.remote_id(&other).to_string();
    let out = run_json(&t.s, &["link", &keyref, "--remote-id", &other_id]);
    assert_eq!(
        failure(&out),
        (2, "invalid_input".into()),
        "{}",
        stderr(&out)
    );

    t.s.ok(&["link", &keyref, "--remote-id", &remote.id.to_string()]);
    assert_eq!(t.remote_id(&keyref), remote.id);
    t.s.ok(&["rotate", &keyref, "--verify-timeout", "5"]);
    let out = t.s.run(&[
        "rotate",
        &keyref,
        "--resume",
        "--confirm-updated",
        "--end-grace",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the old key is deleted"),
        "{}",
        stderr(&out)
    );
    assert!(
        t.key(remote.id).is_none(),
        "the old key is gone from the provider"
    );
}

#[test]
fn a_local_rotation_of_a_provider_key_says_the_old_key_stays_active() {
    let t = setup("local");
    let remote = t.made_elsewhere("console-made");
    let name = t.s.name("imported");
    let keyref = format!("{}/{name}", t.provider);
    t.s.ok_in(
        &["import", &name, "--provider", &t.provider, "--env", "dev"],
        &remote.api_key,
    );
    let out =
        t.s.run(&["rotate", &keyref, "--local", "--confirm-updated"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.contains("stays active"), "{text}");
    assert!(text.contains("STILL ACTIVE"), "{text}");
    assert!(!text.contains("deleted"), "{text}");
    assert_eq!(t.key(remote.id).expect("still there").status, "active");
    assert_ne!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(remote.api_key.as_str())
    );
}

#[test]
fn import_with_a_remote_id_adopts_the_key_that_sync_listed() {
    let t = setup("adopt");
    let remote = t.made_elsewhere("console-made");
    t.s.ok(&["sync", "--provider", &t.provider]);
    let listed = t.s.json(&["list", "--provider", &t.provider]);
    let placeholder = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["provider_key_id"].as_str() == Some(remote.id.to_string().as_str()))
        .expect("sync lists the remote key");
    assert_eq!(placeholder["has_secret"], false);

    let name = t.s.name("adopted");
    let keyref = format!("{}/{name}", t.provider);
    let id = remote.id.to_string();
    t.s.ok_in(
        &[
            "import",
            &name,
            "--provider",
            &t.provider,
            "--env",
            "prod",
            "--remote-id",
            &id,
        ],
        &remote.api_key,
    );
    let keys = t.s.json(&["list", "--provider", &t.provider]);
    let with_id: Vec<&Value> = keys
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["provider_key_id"] == id)
        .collect();
    assert_eq!(
        with_id.len(),
        1,
        "the placeholder became the adopted key: {keys}"
    );
    assert_eq!(with_id[0]["name"], name);
    assert_eq!(with_id[0]["has_secret"], true);
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(remote.api_key.as_str())
    );

    // A second adoption of the same remote key is refused: it has its secret now.
    let out = t.s.run_in(
        &[
            "import",
            &t.s.name("again"),
            "--provider",
            &t.provider,
            "--env",
            "prod",
            "--remote-id",
            &id,
            "--json",
        ],
        "x-not-a-real-secret",
    );
    assert_eq!(failure(&out), (2, "invalid_input".into()));
}

// --- finding 2: delete, remove, activate and deactivate during a rotation ---------------------------

#[test]
fn a_key_in_rotation_cannot_be_deleted_removed_or_switched() {
    let t = setup("busy-delete");
    let keyref = t.created("k");
    t.s.ok(&["rotate", &keyref, "--verify-timeout", "5"]);
    let before = t.sim.keys();
    assert_eq!(before.len(), 2, "old and new key");
    for args in [
        vec!["delete", &keyref, "--yes"],
        vec!["remove", &keyref, "--yes"],
        vec!["deactivate", &keyref],
        vec!["activate", &keyref],
    ] {
        let out = run_json(&t.s, &args);
        assert_eq!(
            failure(&out),
            (4, "rotation_in_progress".into()),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(stderr(&out).contains("--resume"), "{args:?}");
        assert!(stderr(&out).contains("--abort"), "{args:?}");
    }
    assert_eq!(t.sim.keys().len(), 2, "both keys are still on the provider");
    assert!(t.sim.keys().iter().all(|k| k.status == "active"));
    assert!(secret_tool_lookup(&format!("{keyref}#previous")).is_some());
}

// --- finding 3: the old key vanished on the provider ------------------------------------------------

#[test]
fn a_rotation_whose_old_key_was_revoked_elsewhere_finishes_and_says_so() {
    let t = setup("vanished");
    let keyref = t.created("k");
    let old = t.remote_id(&keyref);
    t.s.ok(&["rotate", &keyref, "--verify-timeout", "5"]);
    t.revoke(old);
    let out = t.s.run(&[
        "rotate",
        &keyref,
        "--resume",
        "--confirm-updated",
        "--end-grace",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("already gone"), "{}", stderr(&out));
    let keys = t.sim.keys();
    assert_eq!(keys.len(), 1);
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(keys[0].api_key.as_str())
    );
    let done = &t.s.json(&["rotate", "--status", "--all"])[0];
    assert_eq!(done["step"], "done");
    assert_eq!(done["old_key"], "already-gone");
}

#[test]
fn abort_keeps_the_new_key_when_the_old_one_was_revoked_unless_forced() {
    let t = setup("abort-dead");
    let keyref = t.created("k");
    let old = t.remote_id(&keyref);
    t.s.ok(&["rotate", &keyref, "--verify-timeout", "5"]);
    let new_secret = secret_tool_lookup(&keyref).unwrap();
    t.revoke(old);
    let out = run_json(&t.s, &["rotate", &keyref, "--abort"]);
    assert_eq!(
        failure(&out),
        (2, "rotation_abort_unsafe".into()),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--force"));
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(new_secret.as_str())
    );
    assert_eq!(t.sim.keys().len(), 1, "the new key is kept");

    let out = t.s.run(&["rotate", &keyref, "--abort", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("abort forced"), "{}", stderr(&out));
    assert!(t.sim.keys().is_empty());
}

// --- finding 4: a provider without usage logs -------------------------------------------------------

#[test]
fn a_provider_without_usage_logs_gets_a_warning_and_the_rotation_finishes() {
    for status in [404, 501] {
        let t = setup(&format!("usage{status}"));
        let keyref = t.created("k");
        t.sim.set_faults(Faults {
            usage_status: status,
            ..Faults::default()
        });
        t.s.ok(&["rotate", &keyref, "--verify-timeout", "5"]);
        let out = t.s.run(&[
            "rotate",
            &keyref,
            "--resume",
            "--confirm-updated",
            "--end-grace",
        ]);
        assert!(out.status.success(), "{status}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("offers no usage logs"),
            "{status}: {}",
            stderr(&out)
        );
        assert_eq!(t.sim.keys().len(), 1, "{status}");
    }
}

// --- finding 5: two processes at once ---------------------------------------------------------------

#[test]
fn two_rotations_started_at_once_have_exactly_one_winner_that_carries_on() {
    let t = setup("race");
    let keyref = t.created("k");
    t.sim.set_faults(Faults {
        latency_ms: 150,
        ..Faults::default()
    });
    for round in 0..5 {
        let spawn = || {
            t.s.cmd(&["rotate", &keyref, "--verify-timeout", "10", "--json"])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        };
        let (a, b) = (spawn(), spawn());
        let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        let won: Vec<&Output> = outs.iter().filter(|o| o.status.success()).collect();
        assert_eq!(
            won.len(),
            1,
            "round {round}: exactly one winner: {:?}",
            outs.iter().map(stderr).collect::<Vec<_>>()
        );
        let lost = outs.iter().find(|o| !o.status.success()).unwrap();
        let (code, what) = failure(lost);
        assert_eq!(code, 4, "round {round}");
        assert!(
            ["rotation_in_progress", "rotation_busy"].contains(&what.as_str()),
            "round {round}: {what}"
        );
        let progress: Value = serde_json::from_slice(&won[0].stdout).unwrap();
        assert_eq!(
            progress[0]["rotation"]["step"], "verified",
            "round {round}: the winner carried it on"
        );
        assert_eq!(
            t.sim.keys().len(),
            2,
            "round {round}: one new key, no untracked one"
        );

        // Both finish at once: one carries it to the end, the other changes nothing.
        let finish = || {
            t.s.cmd(&[
                "rotate",
                &keyref,
                "--resume",
                "--confirm-updated",
                "--end-grace",
                "--json",
            ])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
        };
        let (a, b) = (finish(), finish());
        let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        for o in outs.iter().filter(|o| !o.status.success()) {
            assert_eq!(
                failure(o),
                (4, "rotation_busy".into()),
                "round {round}: {}",
                stderr(o)
            );
        }
        if !outs.iter().any(|o| o.status.success()) {
            panic!(
                "round {round}: nobody finished: {:?}",
                outs.iter().map(stderr).collect::<Vec<_>>()
            );
        }
        let keys = t.sim.keys();
        assert_eq!(keys.len(), 1, "round {round}: {keys:?}");
        assert_eq!(
            secret_tool_lookup(&keyref).as_deref(),
            Some(keys[0].api_key.as_str()),
            "round {round}"
        );
        assert_eq!(
            rotation_status(&t.s),
            serde_json::json!([]),
            "round {round}"
        );
    }
}

// --- finding 6: a rotation whose key is gone --------------------------------------------------------

#[test]
fn a_rotation_whose_key_was_removed_does_not_stop_the_others() {
    let t = setup("orphan");
    let gone = t.created("gone");
    let kept = t.created("kept");
    t.s.ok(&["rotate", &gone, "--verify-timeout", "5"]);
    t.s.ok(&["rotate", &kept, "--verify-timeout", "5"]);
    // What an older version's `delete` left behind: the key's row gone mid-rotation.
    let db = t.s.home_path().join("keyshelf.db");
    let name = gone.split('/').nth(1).unwrap();
    let out = std::process::Command::new("sqlite3")
        .arg(&db)
        .arg(format!("DELETE FROM keys WHERE name = '{name}'"))
        .output()
        .expect("sqlite3 is installed by scripts/setup.sh");
    assert!(out.status.success(), "{}", stderr(&out));

    let status = rotation_status(&t.s);
    let orphan = status
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == gone.as_str())
        .expect("listed");
    assert_eq!(orphan["key_gone"], true);
    let text = t.s.ok(&["rotate", "--status"]);
    assert!(text.contains("(key removed)"), "{text}");

    let out =
        t.s.run(&["rotate", "--resume", "--confirm-updated", "--end-grace"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("skipped the rotation of {gone}")),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains(&format!("Rotation of {kept}: done")),
        "{}",
        stderr(&out)
    );

    let out = t.s.run(&["rotate", &gone, "--abort"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(rotation_status(&t.s), serde_json::json!([]));
}

// --- finding 8: --confirm-updated on a rotation under way -------------------------------------------

#[test]
fn confirm_updated_on_a_key_in_rotation_carries_it_on() {
    let t = setup("confirm");
    let keyref = t.created("k");
    t.s.ok(&["rotate", &keyref, "--verify-timeout", "5"]);
    let out = t.s.run(&["rotate", &keyref, "--confirm-updated", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let progress: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(progress[0]["rotation"]["step"], "deactivated");
    // Without it, a second start is still refused: nothing says what to carry on with.
    let out = run_json(&t.s, &["rotate", &keyref]);
    assert_eq!(failure(&out), (4, "rotation_in_progress".into()));
}

// --- finding 5: orphan detection reads every page ---------------------------------------------------

#[test]
fn a_key_left_by_a_killed_process_is_found_on_any_page_of_the_list() {
    let t = setup("pages");
    let keyref = t.created("k");
    for i in 0..7 {
        t.made_elsewhere(&format!("other-{i}"));
    }
    t.sim.set_faults(Faults {
        page_size: 3,
        ..Faults::default()
    });
    // Killed right after the provider made the new key: its secret never reached the keychain.
    let mut cmd = t.s.cmd(&["rotate", &keyref, "--verify-timeout", "5"]);
    cmd.env("KEYSHELF_FAULT", "rotation:posted");
    let out = common::run_with_stdin(cmd, "");
    assert!(!out.status.success(), "the process was killed");
    assert_eq!(
        t.sim.keys().len(),
        9,
        "old key, 7 others, the lost new key (on the last page)"
    );

    let out = t.s.run(&[
        "rotate",
        &keyref,
        "--resume",
        "--confirm-updated",
        "--end-grace",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let keys = t.sim.keys();
    assert_eq!(
        keys.len(),
        8,
        "the lost key was found on page 3 and deleted: {keys:?}"
    );
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(keys.last().unwrap().api_key.as_str())
    );

    // Sync reads every page too.
    let report = t.s.json(&["sync", "--provider", &t.provider]);
    assert_eq!(report[0]["remote_keys"], 8, "{report}");
}
