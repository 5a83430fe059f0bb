//! The presets of AI services through the real `keyshelf` binary against the simulator's modes
//! for them, with secrets in the real Secret Service of the test session: OpenAI's admin API keys
//! (cursor pages, no status, no roll: rotation creates a new key and deletes the old one after
//! the grace period), and the keys of an OpenAI project's service account (the project's list
//! also holds user keys, left out; a key is checked on the model API).

mod common;
use common::{json_error, secret_tool_lookup, sim_with, stderr, Shelf};
use keyshelf_provider_sim::{SimHandle, SimKey};
use serde_json::Value;

const TOKEN: &str = "sim-management-token-not-real";

/// Adds the simulator under `preset`, its API at `prefix`, listing 5 keys per page.
fn add(s: &Shelf, sim: &SimHandle, preset: &str, prefix: &str) -> String {
    let p = s.name(preset);
    let base = format!("{}{prefix}", sim.url);
    s.ok_in(
        &[
            "provider",
            "add",
            &p,
            "--preset",
            preset,
            "--base-url",
            &base,
            "--set",
            "page_size=5",
            "--token-stdin",
        ],
        TOKEN,
    );
    p
}

fn openai_key(sim: &SimHandle, id: &str) -> Option<SimKey> {
    sim.keys()
        .into_iter()
        .find(|k| format!("key_{}", k.id) == id)
}

#[test]
fn an_openai_provider_pages_by_cursor_and_rotates_by_create_then_delete_after_the_grace() {
    let s = Shelf::new("preset-openai");
    let sim = sim_with(TOKEN, 12);
    let p = add(&s, &sim, "openai", "/v1");

    // 12 keys at 5 a page: three pages, each asked for after the previous page's last id.
    let before = sim.stats().requests;
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(r[0]["remote_keys"], 12, "{r}");
    assert_eq!(sim.stats().requests - before, 3, "one request per page");

    // Adopt a key made elsewhere by its id.
    let seeded = sim.keys()[4].clone();
    let adopted = s.name("adopted");
    let id = format!("key_{}", seeded.id);
    let v: Value = serde_json::from_str(&s.ok_in(
        &[
            "import",
            &adopted,
            "--provider",
            &p,
            "--env",
            "dev",
            "--remote-id",
            &id,
            "--json",
        ],
        &seeded.api_key,
    ))
    .expect("JSON");
    assert_eq!(v["key"]["provider_key_id"], id.as_str(), "{v}");

    // Create, with the optional expiry the service takes.
    let name = s.name("ops");
    let key = s.json(&[
        "create",
        &name,
        "--provider",
        &p,
        "--env",
        "prod",
        "--param",
        "expires_in_seconds=86400",
    ])["key"]
        .clone();
    let id = key["provider_key_id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("key_"), "{id}");
    let remote = openai_key(&sim, &id).expect("created at the service");
    assert!(
        remote.expires_at.is_some(),
        "the expiry reached the service"
    );
    let keyref = format!("{p}/{name}");
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(remote.api_key.as_str())
    );
    assert_eq!(s.json(&["verify", &keyref])["ok"], true);

    // There is no disable at OpenAI: refused before any request, saying why.
    let out = s.run(&["deactivate", &keyref, "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "provider_operation_unsupported");
    assert!(msg.contains("only deleted"), "{msg}");

    // Rotate: a new key; the old one cannot be deactivated, so it stays working through the
    // grace period, and is deleted when the grace ends.
    let out = s.run(&["rotate", &keyref, "--confirm-updated"]);
    common::assert_success(&out, &["rotate"]);
    assert!(
        stderr(&out).contains("still active (its provider cannot deactivate keys)"),
        "{}",
        stderr(&out)
    );
    let old = openai_key(&sim, &id).expect("the old key still exists during the grace period");
    let new_id = s.json(&["show", &keyref])["provider_key_id"]
        .as_str()
        .expect("new id")
        .to_owned();
    assert_ne!(new_id, id);
    let new = openai_key(&sim, &new_id).expect("new key");
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(new.api_key.as_str())
    );
    assert!(!old.revoked);
    let status = s.json(&["rotate", "--status"]);
    assert_eq!(status[0]["old_key"], "untouched", "{status}");
    assert_eq!(
        status[0]["notes"][0]["code"], "old-key-kept-active",
        "{status}"
    );
    let out = s.run(&["rotate", &keyref, "--resume", "--end-grace"]);
    common::assert_success(&out, &["rotate", "--end-grace"]);
    assert!(openai_key(&sim, &id).is_none(), "the old key is deleted");
    s.json(&["verify", &keyref]);

    // Delete deletes at the service, then forgets the key locally.
    s.json(&["delete", &keyref, "--yes"]);
    assert!(openai_key(&sim, &new_id).is_none());
    assert_eq!(secret_tool_lookup(&keyref), None);
}

fn anthropic_key(sim: &SimHandle, id: &str) -> SimKey {
    sim.keys()
        .into_iter()
        .find(|k| format!("apikey_{}", k.id) == id)
        .unwrap_or_else(|| panic!("no simulator key {id}"))
}

#[test]
fn an_anthropic_provider_manages_console_made_keys_and_rotates_to_one_made_in_the_console() {
    let s = Shelf::new("preset-anthropic");
    let sim = sim_with(TOKEN, 12);
    let p = add(&s, &sim, "anthropic", "");

    let before = sim.stats().requests;
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(r[0]["remote_keys"], 12, "{r}");
    assert_eq!(sim.stats().requests - before, 3, "one request per page");

    // The Admin API cannot create keys: refused before any request, saying where keys are made.
    let out = s.run(&[
        "create",
        &s.name("x"),
        "--provider",
        &p,
        "--env",
        "dev",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "provider_operation_unsupported");
    assert!(msg.contains("Console"), "{msg}");

    // A key made in the Console is adopted with its value; verify presents it to the normal API.
    let made = sim
        .with(|st| st.create("made-in-console", "1"))
        .expect("key");
    let id = format!("apikey_{}", made.id);
    let name = s.name("claude");
    s.ok_in(
        &[
            "import",
            &name,
            "--provider",
            &p,
            "--env",
            "prod",
            "--remote-id",
            &id,
        ],
        &made.api_key,
    );
    let keyref = format!("{p}/{name}");
    let v = s.json(&["verify", &keyref]);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["url_path"], "/v1/models");

    // Deactivate: the key stops working at Anthropic; activate brings it back.
    assert_eq!(s.json(&["deactivate", &keyref])["status"], "inactive");
    assert_eq!(anthropic_key(&sim, &id).status, "inactive");
    let out = s.run(&["verify", &keyref, "--json"]);
    assert_eq!(out.status.code(), Some(6));
    assert_eq!(json_error(&out).0, "provider_unauthorized");
    s.json(&["activate", &keyref]);

    // Rotate: the service cannot make the new key, so the rotation asks for one made in the
    // Console, and starts nothing without it.
    let out = s.run(&["rotate", &keyref, "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "rotation_needs_new_key");
    assert!(msg.contains("--new-remote-id"), "{msg}");
    assert_eq!(s.json(&["rotate", "--status"]), serde_json::json!([]));
    let fresh = sim
        .with(|st| st.create("made-in-console-2", "1"))
        .expect("key");
    let fresh_id = format!("apikey_{}", fresh.id);
    let out = s.run_in(
        &[
            "rotate",
            &keyref,
            "--new-remote-id",
            &fresh_id,
            "--confirm-updated",
        ],
        &fresh.api_key,
    );
    common::assert_success(&out, &["rotate", "--new-remote-id"]);
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(fresh.api_key.as_str())
    );
    assert_eq!(
        s.json(&["show", &keyref])["provider_key_id"],
        fresh_id.as_str()
    );
    assert_eq!(
        anthropic_key(&sim, &id).status,
        "inactive",
        "old key deactivated"
    );
    let out = s.run(&["rotate", &keyref, "--resume", "--end-grace"]);
    common::assert_success(&out, &["rotate", "--end-grace"]);
    assert!(anthropic_key(&sim, &id).revoked, "old key archived");

    // Delete archives the key at Anthropic, then forgets it locally; a sync does not bring it back.
    s.json(&["delete", &keyref, "--yes"]);
    assert!(anthropic_key(&sim, &fresh_id).revoked);
    assert_eq!(secret_tool_lookup(&keyref), None);
    let r = s.json(&["sync", "--provider", &p]);
    assert!(
        !r[0]["added"].to_string().contains("made-in-console"),
        "{r}"
    );
}

#[test]
fn an_openai_service_accounts_keys_are_listed_without_user_keys_created_checked_and_rotated() {
    let s = Shelf::new("preset-openai-sa");
    let sim = sim_with(TOKEN, 12);
    // 11 keys of the project: 8 of the service account, 3 of users; and one of another project.
    sim.with(|st| {
        for (i, k) in st.keys.iter_mut().enumerate() {
            let project = if i == 11 { "proj_other" } else { "proj_abc" };
            k.attrs.insert("project".into(), project.into());
            let owner = if i % 4 == 1 {
                "user"
            } else {
                "service_account"
            };
            k.attrs.insert("owner_type".into(), owner.into());
            k.attrs
                .insert("service_account".into(), "svc_acct_1".into());
        }
    });
    let p = s.name("oasa");
    let base = format!("{}/v1", sim.url);
    s.ok_in(
        &[
            "provider",
            "add",
            &p,
            "--preset",
            "openai-service-account",
            "--base-url",
            &base,
            "--set",
            "project_id=proj_abc",
            "--set",
            "service_account_id=svc_acct_1",
            "--set",
            "page_size=3",
            "--token-stdin",
        ],
        TOKEN,
    );
    let before = sim.stats().requests;
    let r = s.json(&["sync", "--provider", &p]);
    // 11 keys in the project at 3 a page: 4 pages; the 3 user keys are not this provider's.
    assert_eq!(sim.stats().requests - before, 4, "one request per page");
    assert_eq!(r[0]["remote_keys"], 8, "{r}");

    let name = s.name("worker");
    let key = s.json(&["create", &name, "--provider", &p, "--env", "prod"])["key"].clone();
    let id = key["provider_key_id"].as_str().expect("id").to_owned();
    let by_id = |id: &str| {
        sim.keys()
            .into_iter()
            .find(|k| format!("key_p{}", k.id) == id)
    };
    let made = by_id(&id).expect("created at the service");
    assert_eq!(made.attrs["service_account"], "svc_acct_1");
    let keyref = format!("{p}/{name}");
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(made.api_key.as_str())
    );
    let v = s.json(&["verify", &keyref]);
    assert_eq!(v["url_path"], "/v1/models");

    common::rotate_through_grace(&s, &keyref, || by_id(&id).is_some());
    s.json(&["verify", &keyref]);
    s.json(&["delete", &keyref, "--yes"]);
    assert_eq!(secret_tool_lookup(&keyref), None);
}

#[test]
fn an_anthropic_usage_report_gives_each_keys_tokens_per_day_over_every_page() {
    use chrono::{Duration, DurationRound, Utc};
    use keyshelf_provider_sim::TokenUse;

    let s = Shelf::new("preset-anthropic-usage");
    let sim = sim_with(TOKEN, 3);
    let p = add(&s, &sim, "anthropic", "");
    s.json(&["sync", "--provider", &p]);
    let today = Utc::now().duration_trunc(Duration::days(1)).expect("day");
    let spent = |key: u64, days_ago: i64, input: u64, output: u64| TokenUse {
        api_key_id: key,
        at: today - Duration::days(days_ago) + Duration::hours(13),
        input_tokens: input,
        output_tokens: output,
    };
    sim.with(|st| {
        st.token_usage.extend([
            spent(1, 20, 1_000, 200),
            spent(1, 20, 500, 100), // the same day: one row of 1,800
            spent(1, 3, 40, 2),
            spent(2, 9, 7_000, 900),
            spent(3, 45, 9, 9), // before the 30 days asked for
        ]);
        // At most 7 of the 31 daily buckets a page: five pages.
        st.faults.page_size = 7;
    });

    let before = sim.stats().requests;
    let rows = s.json(&["usage", "--provider", &p]);
    assert_eq!(sim.stats().requests - before, 5, "one request per page");
    let mut got: Vec<(String, u64)> = rows
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["api_key_id"].as_str().unwrap_or("-").to_owned(),
                r["count"].as_u64().expect("a count"),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("apikey_1".to_owned(), 42),
            ("apikey_1".to_owned(), 1_800),
            ("apikey_2".to_owned(), 7_900),
        ]
    );
    let day = (today - Duration::days(20)).format("%Y-%m-%d").to_string();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["api_key_id"] == "apikey_1"
                && r["count"] == 1_800
                && r["created_at"]
                    .as_str()
                    .is_some_and(|t| t.starts_with(&day))),
        "{rows}"
    );

    // The table names the unit; a real call through the normal API adds to today's bucket.
    let key = sim.keys()[2].clone();
    let out = std::process::Command::new("curl")
        .args(["-sf", "-X", "POST", &format!("{}/v1/messages", sim.url)])
        .args(["-H", &format!("x-api-key: {}", key.api_key)])
        .args(["-H", "anthropic-version: 2023-06-01", "-H", "content-type: application/json"])
        .args(["-d", r#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"one two three"}]}"#])
        .output()
        .expect("curl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let table = s.ok(&["usage", "--provider", &p]);
    assert!(
        table.lines().next().is_some_and(|h| h.contains("TOKENS")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.contains(&format!("apikey_{}", key.id)) && l.trim_end().ends_with(" 8")),
        "3 words in, 5 tokens out: {table}"
    );
}
