//! `keyshelf rotate` through the real binary and keychain, with the process killed right after each
//! recorded step (`KEYSHELF_FAULT`, honoured by debug builds only) and then resumed.

mod common;
use common::{secret_tool_lookup, stderr, Shelf};

const STEPS: [&str; 6] = [
    "previous-saved",
    "creating",
    "created",
    "verified",
    "confirmed",
    "deactivated",
];

#[test]
fn a_rotation_killed_after_any_step_resumes_and_never_loses_the_key() {
    for step in STEPS {
        let s = Shelf::new(&format!("rot-kill-{step}"));
        let name = s.name("k");
        let account = format!("local/{name}");
        s.ok_in(
            &["import", &name, "--env", "prod"],
            "rotation-old-fixture\n",
        );

        let mut cmd = s.cmd(&["rotate", &name, "--confirm-updated"]);
        cmd.env("KEYSHELF_FAULT", format!("rotation:{step}"));
        let out = cmd.output().expect("run");
        assert!(!out.status.success(), "{step}: the fault point was reached");
        assert!(
            stderr(&out).contains("fault injected"),
            "{step}: {}",
            stderr(&out)
        );

        // Killed: the key still has a secret, the old one or the new one, never none.
        let current = secret_tool_lookup(&account).expect("a current secret survives the kill");
        assert!(!current.is_empty());
        let previous = secret_tool_lookup(&format!("{account}#previous"));
        if current != "rotation-old-fixture" {
            assert_eq!(
                previous.as_deref(),
                Some("rotation-old-fixture"),
                "{step}: the old secret is kept until the end"
            );
        }

        let out = s.run(&["rotate", &name, "--resume", "--confirm-updated"]);
        assert!(
            out.status.success(),
            "{step}: resume failed: {}",
            stderr(&out)
        );
        let rotated = secret_tool_lookup(&account).expect("secret");
        assert_ne!(rotated, "rotation-old-fixture", "{step}");
        assert_eq!(rotated.len(), 64);
        assert_eq!(
            secret_tool_lookup(&format!("{account}#previous")),
            None,
            "{step}: #previous removed at the end"
        );
        assert_eq!(s.json(&["rotate", "--status"]), serde_json::json!([]));
        assert!(s.json(&["show", &name])["last_rotated_at"].is_string());
    }
}

#[test]
fn a_second_rotation_of_the_same_key_is_refused() {
    let s = Shelf::new("rot-twice");
    let name = s.name("k");
    s.ok_in(&["import", &name, "--env", "dev"], "twice-old-fixture\n");
    let first = s.run(&["rotate", &name]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("--confirm-updated"),
        "{}",
        stderr(&first)
    );
    let second = s.run(&["rotate", &name]);
    assert_eq!(
        second.status.code(),
        Some(4),
        "a rotation under way: exit 4"
    );
    assert!(stderr(&second).contains("already being rotated"));
    let status = s.json(&["rotate", "--status"]);
    assert_eq!(status[0]["step"], "verified");
}

#[test]
fn abort_puts_the_old_secret_back() {
    let s = Shelf::new("rot-abort");
    let name = s.name("k");
    s.ok_in(&["import", &name, "--env", "dev"], "abort-old-fixture\n");
    s.ok_in(&["rotate", &name, "--paste"], "abort-new-fixture\n");
    assert_eq!(s.ok(&["get", &name]), "abort-new-fixture");
    s.ok(&["rotate", &name, "--abort"]);
    assert_eq!(s.ok(&["get", &name]), "abort-old-fixture");
    assert_eq!(secret_tool_lookup(&format!("local/{name}#previous")), None);
    let out = s.run(&["rotate", &name, "--resume"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
}
