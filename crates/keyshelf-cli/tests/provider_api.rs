//! The provider commands through the real `keyshelf` binary, against the simulator serving real
//! HTTP on loopback, with secrets in the real Secret Service of the test session.

mod common;
use common::{secret_tool_lookup, stderr, Shelf};
use keyshelf_provider_sim::{Config, Faults, Plan, SimHandle};
use serde_json::Value;
use std::process::Output;
use std::time::{Duration, Instant};

const TOKEN: &str = "sim-management-token-not-real";

fn sim(config: Config) -> SimHandle {
    keyshelf_provider_sim::spawn(config, 0).expect("simulator")
}

fn err_json(out: &Output) -> Value {
    let text = stderr(out);
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON error in {text}"));
    serde_json::from_str(line).expect("error JSON")
}

fn code(out: &Output) -> String {
    err_json(out)["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Adds the simulator as provider `P` of this shelf; returns P.
fn add(s: &Shelf, sim: &SimHandle, extra: &[&str]) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let p = s.name(&format!(
        "prov{}",
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    let mut args = vec![
        "provider",
        "add",
        &p,
        "--base-url",
        &sim.url,
        "--token-stdin",
    ];
    args.extend_from_slice(extra);
    s.ok_in(&args, TOKEN);
    p
}

fn create(s: &Shelf, p: &str, name: &str) -> Value {
    s.json(&[
        "create",
        name,
        "--provider",
        p,
        "--env",
        "dev",
        "--user",
        "api_user_test",
    ])["key"]
        .clone()
}

#[test]
fn a_created_key_is_in_the_keychain_and_readable_by_secret_tool() {
    let s = Shelf::new("prov-create");
    let sim = sim(Config::default());
    let p = add(&s, &sim, &["--verify-path", "/api-routes-data"]);
    let name = s.name("k");
    let key = create(&s, &p, &name);
    assert_eq!(key["status"], "active");
    assert_eq!(key["origin"], "provider");
    let remote = sim.keys();
    assert_eq!(remote.len(), 1);
    assert_eq!(key["provider_key_id"], remote[0].id.to_string());
    assert_eq!(remote[0].user, "api_user_test");
    let account = format!("{p}/{name}");
    assert_eq!(
        secret_tool_lookup(&account).as_deref(),
        Some(remote[0].api_key.as_str())
    );
    // The management token is in the keychain too, and nowhere in the database.
    assert_eq!(
        secret_tool_lookup(&format!("provider:{p}")).as_deref(),
        Some(TOKEN)
    );
    // The WAL holds the latest writes until SQLite checkpoints it: scan both files.
    for file in ["keyshelf.db", "keyshelf.db-wal"] {
        let bytes = std::fs::read(s.home_path().join(file)).unwrap_or_default();
        assert!(
            !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
            "{file}"
        );
    }
    let providers = s.json(&["provider", "list"]);
    assert_eq!(providers[0]["name"], p.as_str());
    assert_eq!(providers[0]["key_scheme"], "x-api-key-username");
    assert!(!providers.to_string().contains(TOKEN));
    let test = s.json(&["provider", "test", &p]);
    assert_eq!(test["keys"], 1);
}

#[test]
fn verify_presents_the_key_under_every_scheme_of_the_seeds() {
    let s = Shelf::new("prov-schemes");
    let sim = sim(Config::default());
    // (scheme, extra flags, what the simulator sees on the wire)
    let cases: [(&str, &[&str], &str); 7] = [
        ("apikey", &[], "apikey"),
        ("basic", &[], "basic"),
        ("basic-url", &[], "basic"),
        ("query", &["--allow-insecure"], "query"),
        ("bearer", &[], "bearer"),
        ("x-api-key", &[], "x-api-key"),
        ("x-api-key-username", &[], "x-api-key-username"),
    ];
    for (i, (scheme, extra, seen)) in cases.iter().enumerate() {
        let p = s.name(&format!("p{i}"));
        let verify_path = if i % 2 == 0 {
            "/api-routes-data"
        } else {
            "/api/v1/users/me"
        };
        let mut args = vec![
            "provider",
            "add",
            &p,
            "--base-url",
            &sim.url,
            "--key-scheme",
            scheme,
            "--verify-path",
            verify_path,
        ];
        args.extend_from_slice(extra);
        let out = s.run_in(&args, TOKEN);
        common::assert_success(&out, &args);
        if *scheme == "basic-url" || *scheme == "query" {
            assert!(
                stderr(&out).contains("warning"),
                "{scheme}: {}",
                stderr(&out)
            );
        }
        let name = s.name(&format!("k{i}"));
        create(&s, &p, &name);
        let r = s.json(&["verify", &format!("{p}/{name}")]);
        assert_eq!(r["ok"], true, "{scheme}");
        assert_eq!(r["scheme"], *scheme);
        assert_eq!(
            r["response"]["scheme"], *seen,
            "{scheme}: the simulator saw {}",
            r["response"]
        );
        assert_eq!(r["response"]["api_key_name"], name.as_str());
    }
    // The usage logs record every verify with its scheme.
    let p0 = s.name("p0");
    let logs = s.json(&["usage", "--provider", &p0]);
    let schemes: Vec<&str> = logs
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|l| l["scheme"].as_str())
        .collect();
    for seen in [
        "apikey",
        "basic",
        "query",
        "bearer",
        "x-api-key",
        "x-api-key-username",
    ] {
        assert!(schemes.contains(&seen), "{seen} missing from {schemes:?}");
    }
}

#[test]
fn the_query_scheme_is_refused_without_allow_insecure_and_http_needs_loopback() {
    let s = Shelf::new("prov-insecure");
    let p = s.name("p");
    let out = s.run_in(
        &[
            "provider",
            "add",
            &p,
            "--base-url",
            "https://api.example.com",
            "--key-scheme",
            "query",
            "--json",
        ],
        TOKEN,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--allow-insecure"));
    let out = s.run_in(
        &[
            "provider",
            "add",
            &p,
            "--base-url",
            "http://api.example.com",
            "--json",
        ],
        TOKEN,
    );
    assert_eq!(out.status.code(), Some(6));
    assert_eq!(code(&out), "provider_insecure_url");
    let out = s.run_in(
        &[
            "provider",
            "add",
            &p,
            "--base-url",
            "https://user:fixture-userinfo-pass@api.example.com",
        ],
        TOKEN,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains("fixture-userinfo-pass"));
    assert_eq!(s.json(&["provider", "list"]), serde_json::json!([]));
    assert_eq!(secret_tool_lookup(&format!("provider:{p}")), None);
}

#[test]
fn status_export_usage_delete_and_sync_follow_the_provider() {
    let s = Shelf::new("prov-endpoints");
    let sim = sim(Config {
        string_ids: true,
        ..Config::default()
    });
    let p = add(
        &s,
        &sim,
        &["--verify-path", "/api-routes-data", "--env", "staging"],
    );
    let a = s.name("a");
    let b = s.name("b");
    create(&s, &p, &a);
    create(&s, &p, &b);
    let a_ref = format!("{p}/{a}");

    // Deactivate: the provider's status changes, and verify then fails with seed 001's body.
    let v = s.json(&["deactivate", &a_ref]);
    assert_eq!(v["status"], "inactive");
    assert_eq!(sim.keys()[0].status, "inactive");
    let out = s.run(&["verify", &a_ref, "--json"]);
    assert_eq!(out.status.code(), Some(6));
    let e = err_json(&out);
    assert_eq!(e["error"]["code"], "provider_unauthorized");
    let msg = e["error"]["message"].as_str().unwrap_or_default();
    assert!(msg.contains("expired_api_key"), "{msg}");
    // The provider's request id is a field of the error, not part of its message.
    let id = e["error"]["request_id"].as_str().unwrap_or_default();
    assert!(id.starts_with("req_") && !msg.contains(id), "{e}");
    assert!(!msg.contains(&sim.keys()[0].api_key));
    s.json(&["activate", &a_ref]);
    assert_eq!(sim.keys()[0].status, "active");
    s.json(&["verify", &a_ref]);

    // Export: CSV of names, never values.
    let csv = s.ok(&["export", "--provider", &p]);
    assert!(csv.starts_with("id,api_key_name,"), "{csv}");
    assert!(csv.contains(&a) && csv.contains(&b));
    for k in sim.keys() {
        assert!(!csv.contains(&k.api_key));
    }
    let file = s.home_path().join("export.csv");
    s.ok(&[
        "export",
        "--provider",
        &p,
        "--output",
        file.to_str().expect("utf-8"),
    ]);
    assert_eq!(std::fs::read_to_string(&file).expect("export file"), csv);

    // Usage: the verify calls above, as the provider logged them.
    let logs = s.json(&["usage", "--provider", &p]);
    assert!(logs.as_array().expect("array").len() >= 2, "{logs}");
    assert!(s
        .ok(&["usage", "--provider", &p])
        .contains("/api-routes-data"));

    // Sync: a key made elsewhere appears without local secret; one deleted elsewhere is marked.
    let other = sim
        .with(|st| st.create("made-in-the-portal", "ops"))
        .expect("room");
    let b_id = sim.keys()[1].id;
    sim.with(|st| st.keys.retain(|k| k.id != b_id));
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(
        r[0]["added"],
        serde_json::json!([format!("{p}/made-in-the-portal")])
    );
    assert_eq!(r[0]["gone"], serde_json::json!([format!("{p}/{b}")]));
    let list = s.json(&["list", "--provider", &p]);
    let status = |n: &str| {
        list.as_array()
            .expect("array")
            .iter()
            .find(|k| k["name"] == n)
            .map(|k| k["status"].clone())
    };
    assert_eq!(status("made-in-the-portal"), Some("no-local-secret".into()));
    assert_eq!(status(&b), Some("gone".into()));
    assert_eq!(status(&a), Some("active".into()));
    let portal = list
        .as_array()
        .expect("array")
        .iter()
        .find(|k| k["name"] == "made-in-the-portal")
        .cloned()
        .expect("portal key");
    assert_eq!(portal["provider_key_id"], other.id.to_string());
    assert_eq!(portal["env"], "staging");
    // Idempotent.
    let again = s.json(&["sync", "--provider", &p]);
    assert_eq!(again[0]["added"], serde_json::json!([]));
    assert_eq!(again[0]["updated"], serde_json::json!([]));
    assert_eq!(again[0]["gone"], serde_json::json!([]));
    assert_eq!(again[0]["unchanged"], 2);

    // Delete: gone on the provider, then from the keychain and the list.
    s.json(&["delete", &a_ref, "--yes"]);
    assert!(sim.keys().iter().all(|k| k.api_key_name != a));
    assert_eq!(secret_tool_lookup(&a_ref), None);
    // A key the provider no longer has: its 404 counts as confirmation.
    let gone = s.json(&["delete", &format!("{p}/{b}"), "--yes"]);
    assert_eq!(gone["already_gone"], true);
    // Activating a key the provider no longer has says so.
    let portal_ref = format!("{p}/made-in-the-portal");
    sim.with(|st| st.keys.clear());
    let out = s.run(&["activate", &portal_ref, "--json"]);
    assert_eq!(out.status.code(), Some(6));
    assert_eq!(code(&out), "provider_not_found_remote");
    // The provider cannot be removed while keys of it remain.
    assert_eq!(s.run(&["provider", "remove", &p]).status.code(), Some(2));
    s.ok(&["remove", &portal_ref, "--yes"]);
    s.ok(&["provider", "remove", &p]);
    assert_eq!(secret_tool_lookup(&format!("provider:{p}")), None);
}

#[test]
fn every_envelope_and_id_form_is_understood() {
    for envelope in ["bare", "data", "success", "items", "api_keys"] {
        let s = Shelf::new(&format!("prov-env-{envelope}"));
        let sim = sim(Config {
            envelope: keyshelf_provider_sim::Envelope::parse(envelope).expect("envelope"),
            string_ids: envelope == "items",
            seed_keys: 3,
            ..Config::default()
        });
        let p = add(&s, &sim, &[]);
        create(&s, &p, &s.name("k"));
        let r = s.json(&["sync", "--provider", &p]);
        assert_eq!(r[0]["remote_keys"], 4, "{envelope}");
        assert_eq!(
            r[0]["added"].as_array().expect("added").len(),
            3,
            "{envelope}"
        );
        assert_eq!(
            s.json(&["usage", "--provider", &p]),
            serde_json::json!([]),
            "{envelope}"
        );
    }
}

#[test]
fn the_plan_limit_refuses_a_create_and_leaves_no_keychain_entry() {
    let s = Shelf::new("prov-plan");
    let sim = sim(Config {
        plan: Plan::Free,
        ..Config::default()
    });
    let p = add(&s, &sim, &[]);
    create(&s, &p, &s.name("one"));
    create(&s, &p, &s.name("two"));
    let third = s.name("three");
    let out = s.run(&[
        "create",
        &third,
        "--provider",
        &p,
        "--env",
        "dev",
        "--user",
        "u",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(6));
    let e = err_json(&out);
    assert_eq!(e["error"]["code"], "provider_plan_limit");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("free plan allows 2"),
        "{e}"
    );
    assert_eq!(secret_tool_lookup(&format!("{p}/{third}")), None);
    assert_eq!(sim.keys().len(), 2);
    assert!(out.stdout.is_empty());
    // A profile's own key limit refuses before anything is sent.
    let s2 = Shelf::new("prov-plan-local");
    let p2 = add(&s2, &sim, &["--key-limit", "1"]);
    sim.with(|st| st.config.plan = Plan::Enterprise);
    create(&s2, &p2, &s2.name("one"));
    let calls = sim.stats().generate_calls;
    let out = s2.run(&[
        "create",
        &s2.name("two"),
        "--provider",
        &p2,
        "--env",
        "dev",
        "--user",
        "u",
        "--json",
    ]);
    assert_eq!(code(&out), "provider_plan_limit");
    assert_eq!(sim.stats().generate_calls, calls);
}

#[test]
fn rate_limits_are_retried_as_retry_after_asks_then_reported() {
    let s = Shelf::new("prov-429");
    let sim = sim(Config::default());
    let p = add(&s, &sim, &[]);
    sim.set_faults(Faults {
        fail_429: 2,
        retry_after_secs: 1,
        ..Faults::default()
    });
    let start = Instant::now();
    s.json(&["sync", "--provider", &p]);
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "Retry-After was not honoured"
    );
    assert_eq!(sim.stats().rate_limited, 2);
    // More than 3 in a row: reported, with what was tried.
    sim.set_faults(Faults {
        fail_429: 10,
        retry_after_secs: 1,
        ..Faults::default()
    });
    let out = s.run(&["sync", "--provider", &p, "--json"]);
    assert_eq!(out.status.code(), Some(6));
    let e = err_json(&out);
    assert_eq!(e["error"]["code"], "provider_rate_limited");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("retried 3 time(s)"),
        "{e}"
    );
    // A 429 on generate was not processed: retrying it creates exactly one key.
    sim.set_faults(Faults {
        fail_429: 1,
        retry_after_secs: 1,
        path_prefix: "/api-keys/generate".into(),
        ..Faults::default()
    });
    create(&s, &p, &s.name("k"));
    assert_eq!(sim.keys().len(), 1);
}

#[test]
fn a_failed_generate_is_never_repeated_and_no_duplicate_key_appears() {
    let s = Shelf::new("prov-nodup");
    let sim = sim(Config::default());
    let p = add(&s, &sim, &[]);
    for (i, faults) in [
        Faults {
            fail_after_create: 1,
            ..Faults::default()
        },
        Faults {
            truncated: 1,
            path_prefix: "/api-keys/generate".into(),
            ..Faults::default()
        },
        Faults {
            malformed_json: 1,
            path_prefix: "/api-keys/generate".into(),
            ..Faults::default()
        },
    ]
    .into_iter()
    .enumerate()
    {
        let before = sim.stats().requests;
        let keys_before = sim.keys().len();
        sim.set_faults(faults);
        let name = s.name(&format!("k{i}"));
        let out = s.run(&[
            "create",
            &name,
            "--provider",
            &p,
            "--env",
            "dev",
            "--user",
            "u",
            "--json",
        ]);
        assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
        let e = err_json(&out);
        assert_eq!(e["error"]["code"], "provider_outcome_unknown", "{e}");
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("keyshelf sync"),
            "{e}"
        );
        assert_eq!(sim.stats().requests, before + 1, "generate was sent again");
        let keys_after = sim.keys().len();
        if i == 0 {
            assert_eq!(keys_after, keys_before + 1);
        }
        assert!(keys_after <= keys_before + 1, "a second key was created");
        assert_eq!(secret_tool_lookup(&format!("{p}/{name}")), None);
    }
    // A 500 before the provider did anything: also not repeated.
    sim.set_faults(Faults {
        fail_500: 1,
        path_prefix: "/api-keys/generate".into(),
        ..Faults::default()
    });
    let before = sim.stats().requests;
    let out = s.run(&[
        "create",
        &s.name("k9"),
        "--provider",
        &p,
        "--env",
        "dev",
        "--user",
        "u",
    ]);
    assert_eq!(out.status.code(), Some(6));
    assert_eq!(sim.stats().requests, before + 1);
    // What the provider made anyway shows up on sync, without a local secret.
    let r = s.json(&["sync", "--provider", &p]);
    assert!(!r[0]["added"].as_array().expect("added").is_empty());
    // Idempotent requests do retry a 5xx.
    sim.set_faults(Faults {
        fail_500: 2,
        ..Faults::default()
    });
    s.json(&["sync", "--provider", &p]);
}

#[test]
fn error_bodies_of_every_seed_become_actionable_messages() {
    let s = Shelf::new("prov-errors");
    let sim = sim(Config::default());
    // Seed 004 401: a wrong management token.
    let p = s.name("p");
    s.ok_in(
        &[
            "provider",
            "add",
            &p,
            "--base-url",
            &sim.url,
            "--token-stdin",
        ],
        "wrong-token-fixture\n",
    );
    let out = s.run(&["sync", "--provider", &p, "--json"]);
    assert_eq!(out.status.code(), Some(6));
    let e = err_json(&out);
    assert_eq!(e["error"]["code"], "provider_unauthorized");
    let msg = e["error"]["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("GET /api-keys")
            && msg.contains("Invalid or missing authentication")
            && msg.contains("provider test"),
        "{msg}"
    );
    assert!(!stderr(&out).contains("wrong-token-fixture"));
    // Seed 004 403.
    let p2 = add(&s, &sim, &[]);
    sim.set_faults(Faults {
        forbidden: 1,
        ..Faults::default()
    });
    let out = s.run(&["sync", "--provider", &p2, "--json"]);
    assert_eq!(code(&out), "provider_forbidden");
    assert!(stderr(&out).contains("Insufficient permissions"));
    // Seed 002: a wrong OAuth2 client.
    let p3 = s.name("p3");
    s.ok_in(
        &[
            "provider",
            "add",
            &p3,
            "--base-url",
            &sim.url,
            "--auth",
            "oauth2",
            "--token-stdin",
        ],
        "sim-client:wrong-secret-fixture",
    );
    let out = s.run(&["sync", "--provider", &p3, "--json"]);
    assert_eq!(code(&out), "provider_unauthorized");
    assert!(
        stderr(&out).contains("invalid_client: Client authentication failed"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("wrong-secret-fixture"));
    // Seed 001: a key the provider does not know.
    let p4 = add(
        &s,
        &sim,
        &[
            "--key-scheme",
            "bearer",
            "--verify-path",
            "/api/v1/users/me",
        ],
    );
    let k = s.name("k");
    create(&s, &p4, &k);
    sim.with(|st| st.keys[0].api_key = "changed-on-the-provider-fixture".into());
    let out = s.run(&["verify", &format!("{p4}/{k}"), "--json"]);
    let e = err_json(&out);
    let msg = e["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(msg.contains("invalid_api_key"), "{msg}");
    assert!(
        e["error"]["request_id"]
            .as_str()
            .unwrap_or_default()
            .starts_with("req_"),
        "{e}"
    );
    // Without --json, the id follows the message.
    let out = s.run(&["verify", &format!("{p4}/{k}")]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("(request id req_"), "{text}");
    // Not JSON, and too large: named, refused.
    sim.set_faults(Faults {
        malformed_json: 1,
        ..Faults::default()
    });
    let out = s.run(&["sync", "--provider", &p2, "--json"]);
    assert_eq!(code(&out), "provider_bad_response");
    assert!(stderr(&out).contains("GET /api-keys"));
    sim.set_faults(Faults {
        oversized: 1,
        ..Faults::default()
    });
    let out = s.run(&["sync", "--provider", &p2, "--json"]);
    assert_eq!(code(&out), "provider_response_too_large");
    // Unknown provider: exit 4.
    assert_eq!(
        s.run(&["sync", "--provider", "no-such-provider"])
            .status
            .code(),
        Some(4)
    );
}

#[test]
fn oauth2_tokens_are_cached_and_refreshed_once_after_a_401() {
    let s = Shelf::new("prov-oauth");
    let sim = sim(Config::default());
    let p = s.name("p");
    s.ok_in(
        &[
            "provider",
            "add",
            &p,
            "--base-url",
            &sim.url,
            "--auth",
            "oauth2",
            "--token-stdin",
        ],
        "sim-client:sim-client-secret-not-real\n",
    );
    s.json(&["sync", "--provider", &p]);
    create(&s, &p, &s.name("k"));
    s.json(&["sync", "--provider", &p]);
    assert_eq!(sim.stats().tokens_issued, 1, "the token was not reused");
    sim.with(|st| st.tokens.clear());
    s.json(&["sync", "--provider", &p]);
    let st = sim.stats();
    assert_eq!((st.tokens_issued, st.stale_tokens), (2, 1));
    // An expired token is replaced before use.
    sim.with(|st| st.config.token_ttl = Duration::from_secs(1));
    sim.with(|st| st.tokens.clear());
    s.json(&["sync", "--provider", &p]);
    s.json(&["sync", "--provider", &p]);
    assert!(sim.stats().tokens_issued >= 4);
}

#[test]
fn a_refused_keychain_write_hands_the_key_over_once_and_records_it_pending() {
    let s = Shelf::new("prov-locked");
    let sim = sim(Config::default());
    // Slow generate, so the keyring can be locked while the request is in flight (the token
    // has been read by then): the write of the new key then fails as on a locked desktop.
    sim.set_faults(Faults {
        latency_ms: 2500,
        path_prefix: "/api-keys/generate".into(),
        ..Faults::default()
    });
    let p = s.name("p");
    let name = s.name("k");
    let keyring_home = tempfile::tempdir().expect("keyring home");
    let out_file = keyring_home.path().join("stdout");
    let script = format!(
        r#"eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"
printf %s {TOKEN} | {bin} provider add {p} --base-url {url} --token-stdin || exit 90
{bin} create {name} --provider {p} --env dev --user u > {out} &
pid=$!
sleep 1
busctl --user call org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.Secret.Service Lock ao 1 /org/freedesktop/secrets/aliases/default >/dev/null
wait $pid"#,
        bin = common::bin().display(),
        url = sim.url,
        out = out_file.display(),
    );
    let out = std::process::Command::new("timeout")
        .args(["60", "dbus-run-session", "--", "sh", "-c", &script])
        .env("KEYSHELF_HOME", s.home_path())
        .env("HOME", keyring_home.path())
        .env("XDG_DATA_HOME", keyring_home.path().join("data"))
        // Its own runtime dir too: gnome-keyring-daemon's control socket lives there, and a
        // second daemon on the session's socket can take over or stop the session's keyring.
        .env("XDG_RUNTIME_DIR", private_runtime_dir(keyring_home.path()))
        .env_remove("DISPLAY")
        .env_remove("KEYSHELF_IN_TEST_SESSION")
        .output()
        .expect("dbus-run-session");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    let value = sim.keys()[0].api_key.clone();
    let stdout = std::fs::read_to_string(&out_file).expect("stdout");
    assert_eq!(
        stdout,
        format!("{value}\n"),
        "the value is handed over exactly once"
    );
    assert!(
        err.contains("keychain refused") && err.contains("pending"),
        "{err}"
    );
    assert!(!err.contains(&value));
    // A pending row without secret; no file in the home holds the value.
    let list = s.json(&["list"]);
    assert_eq!(list[0]["status"], "pending");
    assert_eq!(list[0]["has_secret"], false);
    assert_eq!(list[0]["provider_key_id"], sim.keys()[0].id.to_string());
    for entry in std::fs::read_dir(s.home_path()).expect("home").flatten() {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        assert!(
            !bytes.windows(value.len()).any(|w| w == value.as_bytes()),
            "value in {:?}",
            entry.path()
        );
    }
    assert_eq!(sim.keys().len(), 1);
}

#[test]
fn a_rotation_of_a_provider_key_goes_through_the_management_api() {
    let s = Shelf::new("prov-rotate");
    let sim = sim(Config::default());
    let p = add(&s, &sim, &["--verify-path", "/api-routes-data"]);
    let name = s.name("k");
    create(&s, &p, &name);
    let keyref = format!("{p}/{name}");
    let out = s.run(&["rotate", &keyref, "--confirm-updated"]);
    common::assert_success(&out, &["rotate"]);
    let keys = sim.keys();
    assert_eq!(keys.len(), 2, "one new key on the provider");
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(keys[1].api_key.as_str())
    );
    assert_eq!(
        keys[0].status, "inactive",
        "the old key is deactivated for its grace period"
    );
    // The new key was verified under the provider's scheme.
    assert!(sim.with(|st| st
        .usage
        .iter()
        .any(|u| u.api_key_id == keys[1].id && u.status == 200)));
}

/// A fresh `XDG_RUNTIME_DIR` (mode 700, as the spec asks) under `home`.
fn private_runtime_dir(home: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::fs::DirBuilderExt;
    let dir = home.join("run");
    std::fs::DirBuilder::new()
        .mode(0o700)
        .recursive(true)
        .create(&dir)
        .expect("a runtime dir");
    dir
}
