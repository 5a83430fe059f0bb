//! A rotation of a provider key, through the real binary and the simulator, stopped after every
//! step — by a killed process or a failing provider call — and resumed. In every case the
//! keychain's current secret is a key the provider accepts, and the end state is exactly one
//! active key on the provider, whose secret is the current one.

mod common;
use common::{secret_tool_lookup, stderr, Shelf};
use keyshelf_provider_sim::{Config, Faults, SimHandle};

struct Setup {
    s: Shelf,
    sim: SimHandle,
    keyref: String,
}

fn setup(test: &str) -> Setup {
    let s = Shelf::new(test);
    let sim = keyshelf_provider_sim::spawn(Config::default(), 0).expect("simulator");
    let p = s.name("prov");
    common::add_sim_provider(&s, &sim.url, &p, &[]);
    let name = s.name("k");
    s.ok(&[
        "create",
        &name,
        "--provider",
        &p,
        "--env",
        "prod",
        "--user",
        "api_user_rot",
    ]);
    Setup {
        keyref: format!("{p}/{name}"),
        s,
        sim,
    }
}

/// The current keychain secret is an active key on the provider.
fn assert_current_works(t: &Setup, when: &str) {
    let current =
        secret_tool_lookup(&t.keyref).unwrap_or_else(|| panic!("{when}: no current secret"));
    let keys = t.sim.keys();
    assert!(
        keys.iter()
            .any(|k| k.api_key == current && k.status == "active"),
        "{when}: the current secret is not an active key on the provider: {keys:?}"
    );
    assert!(
        keys.len() <= 3,
        "{when}: too many keys on the provider: {}",
        keys.len()
    );
}

fn resume_to_the_end(t: &Setup, when: &str) {
    let out = t.s.run(&[
        "rotate",
        &t.keyref,
        "--resume",
        "--confirm-updated",
        "--end-grace",
        "--verify-timeout",
        "5",
    ]);
    assert!(
        out.status.success(),
        "{when}: resume failed: {}",
        stderr(&out)
    );
    let keys = t.sim.keys();
    assert_eq!(
        keys.len(),
        1,
        "{when}: exactly the new key is left: {keys:?}"
    );
    assert_eq!(keys[0].status, "active");
    assert_eq!(
        secret_tool_lookup(&t.keyref).as_deref(),
        Some(keys[0].api_key.as_str()),
        "{when}"
    );
    assert_eq!(
        secret_tool_lookup(&format!("{}#previous", t.keyref)),
        None,
        "{when}"
    );
    assert_eq!(
        t.s.json(&["show", &t.keyref])["provider_key_id"],
        keys[0].id.to_string(),
        "{when}"
    );
    assert_eq!(
        t.s.json(&["rotate", "--status"]),
        serde_json::json!([]),
        "{when}"
    );
}

/// Runs a rotation of the test's key whose process is killed right after `step`.
fn rotate_killed_after(t: &Setup, step: &str) {
    let mut cmd =
        t.s.cmd(&["rotate", &t.keyref, "--confirm-updated", "--end-grace"]);
    cmd.env("KEYSHELF_FAULT", format!("rotation:{step}"));
    let out = cmd.output().expect("run");
    assert!(
        stderr(&out).contains("fault injected"),
        "{step}: {}",
        stderr(&out)
    );
}

#[test]
fn a_rotation_killed_after_any_step_resumes_to_one_working_key() {
    let steps = [
        "previous-saved",
        "creating",
        "posted",
        "created",
        "verified",
        "confirmed",
        "deactivated",
    ];
    for step in steps {
        let t = setup(&format!("rpk-{step}"));
        rotate_killed_after(&t, step);
        assert_current_works(&t, step);
        if step == "posted" {
            assert_eq!(
                t.sim.keys().len(),
                2,
                "the dead process left a key on the provider"
            );
        }
        resume_to_the_end(&t, step);
    }
}

/// The keys of the test's provider in the local list, by reference.
fn local_keys(t: &Setup) -> Vec<String> {
    let provider = t.keyref.split('/').next().unwrap();
    t.s.json(&["list", "--provider", provider])
        .as_array()
        .expect("a list")
        .iter()
        .map(|k| {
            format!(
                "{}/{}",
                k["provider"].as_str().unwrap(),
                k["name"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_sync_while_a_rotation_is_unfinished_leaves_its_keys_to_it() {
    // Between creating the new key and deleting the old one, the provider lists a key that no
    // local row names yet (the new one, before `created`) or no longer names (the old one,
    // after). A sync must not list either as a key of its own: the rotation owns both, and a
    // stray local row would outlive them (and deleting it would delete a key on the provider).
    for step in ["posted", "created", "verified", "confirmed", "deactivated"] {
        let t = setup(&format!("rps-{step}"));
        rotate_killed_after(&t, step);
        assert_eq!(
            t.sim.keys().len(),
            2,
            "{step}: the old key and the new one are on the provider"
        );

        let provider = t.keyref.split('/').next().unwrap();
        let report = t.s.json(&["sync", "--provider", provider]);
        assert_eq!(local_keys(&t), vec![t.keyref.clone()], "{step}: {report}");
        assert_eq!(
            report[0]["added"],
            serde_json::json!([]),
            "{step}: {report}"
        );
        assert_eq!(
            report[0]["rotating"],
            serde_json::json!([t.keyref]),
            "{step}: the sync says which rotation holds the key it left alone: {report}"
        );
        assert_current_works(&t, step);

        resume_to_the_end(&t, step);
        let report = t.s.json(&["sync", "--provider", provider]);
        assert_eq!(
            local_keys(&t),
            vec![t.keyref.clone()],
            "{step}: after the rotation: {report}"
        );
        assert_eq!(report[0]["gone"], serde_json::json!([]), "{step}: {report}");
        assert_eq!(
            report[0]["rotating"],
            serde_json::json!([]),
            "{step}: {report}"
        );
    }
}

#[test]
fn a_failing_provider_call_at_any_step_can_be_resumed() {
    // (what fails, the faults that make it fail)
    let cases: [(&str, Faults); 4] = [
        (
            "create answers 500",
            Faults {
                path_prefix: "/api-keys/generate".into(),
                fail_500: 1,
                ..Faults::default()
            },
        ),
        (
            "create succeeds, then 500",
            Faults {
                fail_after_create: 1,
                ..Faults::default()
            },
        ),
        (
            "verify keeps failing",
            Faults {
                path_prefix: "/api-routes-data".into(),
                fail_500: 1000,
                ..Faults::default()
            },
        ),
        (
            "deactivate fails",
            Faults {
                path_prefix: "/api-keys/1/status".into(),
                fail_500: 1000,
                ..Faults::default()
            },
        ),
    ];
    for (what, faults) in cases {
        let t = setup("rpf");
        t.sim.set_faults(faults);
        let out = t.s.run(&[
            "rotate",
            &t.keyref,
            "--confirm-updated",
            "--end-grace",
            "--verify-timeout",
            "2",
        ]);
        assert!(
            !out.status.success(),
            "{what}: the fault stopped the rotation"
        );
        assert_eq!(out.status.code(), Some(6), "{what}: {}", stderr(&out));
        assert_current_works(&t, what);
        let status = t.s.json(&["rotate", "--status"]);
        assert!(
            status[0]["last_error"].is_string(),
            "{what}: --status says why it stopped: {status}"
        );
        t.sim.set_faults(Faults::default());
        resume_to_the_end(&t, what);
    }
}

#[test]
fn a_failing_delete_of_the_old_key_after_the_grace_period_can_be_resumed() {
    let t = setup("rpf-del");
    // Up to the grace period: the old key is deactivated, the new one current.
    let out = t.s.run(&["rotate", &t.keyref, "--confirm-updated"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("grace period"), "{}", stderr(&out));
    assert_eq!(t.sim.keys()[0].status, "inactive");
    // Only the old key's DELETE can match now (its status was set above).
    t.sim.set_faults(Faults {
        path_prefix: "/api-keys/1".into(),
        fail_500: 1000,
        ..Faults::default()
    });
    let out = t.s.run(&["rotate", &t.keyref, "--resume", "--end-grace"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_current_works(&t, "delete fails");
    assert!(
        secret_tool_lookup(&format!("{}#previous", t.keyref)).is_some(),
        "#previous stays until the old key is gone"
    );
    t.sim.set_faults(Faults::default());
    resume_to_the_end(&t, "delete fails");
}
