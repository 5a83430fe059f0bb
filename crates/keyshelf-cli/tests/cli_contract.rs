//! The CLI's contract: JSON fields, exit codes, where output goes, and bad input changing nothing.

mod common;
use common::{assert_quiet, stderr, Shelf};

#[test]
fn list_json_carries_the_documented_fields_and_never_a_value() {
    let s = Shelf::new("list-json");
    let name = s.name("k");
    s.ok_in(
        &[
            "import",
            &name,
            "--env",
            "prod",
            "--rotated-at",
            "2026-01-01",
            "--var",
            "ACME_KEY",
        ],
        "list-json-fixture\n",
    );
    let list = s.json(&["list"]);
    let key = &list.as_array().expect("array")[0];
    for field in [
        "name",
        "provider",
        "env",
        "status",
        "created_at",
        "last_rotated_at",
        "due_at",
        "state",
        "days_left",
        "interval_days",
        "var_name",
    ] {
        assert!(key.get(field).is_some(), "missing {field} in {key}");
    }
    assert_eq!(key["name"], name.as_str());
    assert_eq!(key["provider"], "local");
    assert_eq!(key["status"], "active");
    assert_eq!(key["last_rotated_at"], "2026-01-01T00:00:00Z");
    assert_eq!(key["due_at"], "2026-04-01T00:00:00Z");
    assert_eq!(key["interval_days"], 90);
    assert!(!list.to_string().contains("list-json-fixture"));
}

#[test]
fn get_prints_the_value_and_nothing_else() {
    let s = Shelf::new("get");
    let name = s.name("k");
    s.ok_in(&["import", &name, "--env", "dev"], "exact-value\n");
    let out = s.run(&["get", &name]);
    assert_eq!(out.stdout, b"exact-value");
    assert_quiet(&out, "get");
}

#[test]
fn due_exits_3_only_when_a_key_is_overdue() {
    let s = Shelf::new("due");
    s.ok_in(&["import", &s.name("fresh"), "--env", "prod"], "v1\n");
    assert_eq!(s.run(&["due"]).status.code(), Some(0));
    s.ok_in(
        &[
            "import",
            &s.name("old"),
            "--env",
            "dev",
            "--rotated-at",
            "2020-01-01",
        ],
        "v2\n",
    );
    let out = s.run(&["due", "--json"]);
    assert_eq!(out.status.code(), Some(3));
    let due: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(due.as_array().expect("array").len(), 1);
    assert_eq!(due[0]["state"], "overdue");
    // A wider window reports the fresh key as due soon too, without changing the exit code.
    let within = s.run(&["due", "--within", "365", "--json"]);
    let due: serde_json::Value = serde_json::from_slice(&within.stdout).expect("json");
    assert_eq!(due.as_array().expect("array").len(), 2);
}

#[test]
fn policy_set_changes_due_dates_and_defines_environments() {
    let s = Shelf::new("policy");
    let envs = s.json(&["policy", "list"]);
    assert_eq!(
        envs["environments"].to_string(),
        r#"[{"interval_days":30,"name":"dev"},{"interval_days":90,"name":"prod"},{"interval_days":60,"name":"staging"}]"#
    );
    s.ok(&["policy", "set", "sandbox", "14"]);
    let name = s.name("sb");
    s.ok_in(
        &[
            "import",
            &name,
            "--env",
            "sandbox",
            "--rotated-at",
            "2026-01-01",
        ],
        "v\n",
    );
    assert_eq!(s.json(&["show", &name])["due_at"], "2026-01-15T00:00:00Z");
    assert_eq!(
        s.run(&["policy", "set", "sandbox", "0"]).status.code(),
        Some(2)
    );
}

#[test]
fn bad_input_gets_a_clear_error_exit_2_and_changes_nothing() {
    let s = Shelf::new("bad");
    let name = s.name("k");
    let cases: &[(&[&str], &str, &str)] = &[
        (&["import", "a/b", "--env", "dev"], "v\n", "`/` separates"),
        (
            &["import", &name, "--env", "nope"],
            "v\n",
            "unknown environment",
        ),
        (&["import", &name, "--env", "dev"], "", "empty"),
        (
            &["import", &name, "--env", "dev"],
            "a\u{0}b",
            "control characters",
        ),
        (
            &["import", &name, "--env", "dev", "--rotated-at", "yesterday"],
            "v\n",
            "not a date",
        ),
        (
            &["import", &name, "--env", "dev", "--var", "1BAD"],
            "v\n",
            "variable name",
        ),
        (
            &["generate", &name, "--env", "dev", "--length", "16"],
            "",
            "--allow-short",
        ),
        (
            &["generate", &name, "--env", "dev", "--alphabet", "emoji"],
            "",
            "base62",
        ),
    ];
    for (args, stdin, expect) in cases {
        let out = s.run_in(args, stdin);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(expect), "{args:?}: {}", stderr(&out));
    }
    let huge = "x".repeat(10 * 1024 * 1024);
    let out = s.run_in(&["import", &name, "--env", "dev"], &huge);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(s.json(&["list"]), serde_json::json!([]));
    assert_eq!(common::secret_tool_lookup(&format!("local/{name}")), None);
}

#[test]
fn secrets_are_not_accepted_as_arguments() {
    let s = Shelf::new("argv");
    let out = s.run(&[
        "import",
        &s.name("k"),
        "--env",
        "dev",
        "sk_live_would_leak_in_ps",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(s.json(&["list"]), serde_json::json!([]));
}

#[test]
fn unknown_keys_exit_4_and_json_errors_carry_a_code() {
    let s = Shelf::new("notfound");
    let out = s.run(&["show", "missing-key", "--json"]);
    assert_eq!(out.status.code(), Some(4));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).expect("JSON error on stderr");
    assert_eq!(err["error"]["code"], "key_not_found");
    assert!(out.stdout.is_empty());
}

#[test]
fn ambiguous_names_ask_for_the_provider() {
    let s = Shelf::new("ambig");
    let name = s.name("dup");
    s.ok_in(&["import", &name, "--env", "dev"], "one\n");
    s.ok_in(
        &["import", &name, "--env", "dev", "--provider", "acme"],
        "two\n",
    );
    let out = s.run(&["get", &name]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("PROVIDER/NAME"));
    assert_eq!(s.ok(&["get", &format!("acme/{name}")]), "two");
}

#[test]
fn import_warns_about_surrounding_whitespace_on_stderr() {
    let s = Shelf::new("ws");
    let name = s.name("k");
    let out = s.run_in(&["import", &name, "--env", "dev"], " padded \n");
    assert!(out.status.success());
    assert!(stderr(&out).contains("whitespace"));
    assert_eq!(s.ok(&["get", &name]), " padded ");
}

#[test]
fn generate_reports_entropy_and_honours_the_pair_form() {
    let s = Shelf::new("gen");
    let name = s.name("pair");
    let out = s.json(&["generate", &name, "--env", "dev", "--pair"]);
    assert!(out["entropy_bits"].as_f64().expect("bits") > 280.0);
    let value = s.ok(&["get", &name]);
    let (id, secret) = value.split_once(':').expect("id:secret");
    assert_eq!((id.len(), secret.len()), (16, 32));
}

#[test]
fn remove_without_a_terminal_needs_yes() {
    let s = Shelf::new("rm-yes");
    let name = s.name("k");
    s.ok(&["generate", &name, "--env", "dev"]);
    let out = s.run(&["remove", &name]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--yes"));
    assert_eq!(s.json(&["list"]).as_array().expect("array").len(), 1);
}

#[test]
fn audit_records_actions_without_values() {
    let s = Shelf::new("audit");
    let name = s.name("k");
    s.ok_in(&["import", &name, "--env", "dev"], "audit-fixture-value\n");
    s.ok(&["get", &name]);
    let events = s.json(&["audit", &name]);
    let actions: Vec<&str> = events
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, vec!["get", "import"]);
    assert!(!events.to_string().contains("audit-fixture-value"));
}
