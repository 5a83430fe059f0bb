//! Providers described by a preset or a profile file, through the real `keyshelf` binary against
//! the simulator's GitLab mode (personal access tokens under `/api/v4`, `PRIVATE-TOKEN`, pages
//! named by `x-next-page`, rotation that issues a new token and revokes the old one), with
//! secrets in the real Secret Service of the test session.

mod common;
use common::{json_error, secret_tool_lookup, sim_with, Shelf};
use keyshelf_provider_sim::{SimHandle, SimKey};
use serde_json::Value;

const TOKEN: &str = "sim-management-token-not-real";

/// Adds the simulator as a `gitlab` provider listing 5 tokens per page; returns its name.
fn add_gitlab(s: &Shelf, sim: &SimHandle, how: &[&str]) -> String {
    let p = s.name(&format!("gl{}", how.len()));
    let base = format!("{}/api/v4", sim.url);
    let mut args = vec![
        "provider",
        "add",
        &p,
        "--base-url",
        &base,
        "--set",
        "page_size=5",
        "--token-stdin",
    ];
    args.extend_from_slice(how);
    s.ok_in(&args, TOKEN);
    p
}

fn sim_key(sim: &SimHandle, id: &str) -> SimKey {
    sim.keys()
        .into_iter()
        .find(|k| k.id.to_string() == id)
        .unwrap_or_else(|| panic!("no simulator token {id}"))
}

fn names(list: &Value) -> Vec<String> {
    let mut n: Vec<String> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|k| k["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    n.sort();
    n
}

#[test]
fn presets_are_listed_with_what_they_support_and_how_they_rotate() {
    let s = Shelf::new("presets-list");
    let all = s.json(&["provider", "presets"]);
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "standard",
            "cloudflare",
            "cloudflare-account",
            "gitlab",
            "gitlab-project",
            "gitlab-group",
            "openai",
            "openai-service-account",
            "anthropic",
            "datadog",
            "datadog-application-keys",
            "sendgrid",
            "confluent",
            "twilio"
        ]
    );
    let cloudflare = &all[1];
    assert_eq!(cloudflare["roll"], "same-id");
    assert_eq!(
        cloudflare["base_url"],
        "https://api.cloudflare.com/client/v4"
    );
    let gitlab = all
        .as_array()
        .expect("array")
        .iter()
        .find(|p| p["name"] == "gitlab")
        .expect("gitlab preset");
    assert_eq!(all[0]["name"], "standard");
    assert_eq!(gitlab["roll"], "new-id");
    assert_eq!(gitlab["readable_again"], "no");
    assert_eq!(gitlab["auth"], "header PRIVATE-TOKEN");
    let ops: Vec<&str> = gitlab["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(ops, ["list", "get", "create", "delete", "roll", "verify"]);
    assert!(gitlab["docs"][0]
        .as_str()
        .unwrap()
        .starts_with("https://docs.gitlab.com/"));
    let scopes = gitlab["create_params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "scopes")
        .unwrap();
    assert_eq!(scopes["required"], true);
    let text = s.ok(&["provider", "presets"]);
    assert!(
        text.contains("gitlab  GitLab personal access tokens"),
        "{text}"
    );
    assert!(
        text.contains("issues a new key and revokes the old one"),
        "{text}"
    );
}

#[test]
fn a_gitlab_provider_syncs_creates_verifies_rotates_and_revokes() {
    let s = Shelf::new("preset-gitlab");
    // 12 tokens at 5 a page: three pages.
    let sim = sim_with(TOKEN, 12);
    let p = add_gitlab(&s, &sim, &["--preset", "gitlab"]);

    let before = sim.stats().requests;
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(r[0]["remote_keys"], 12, "{r}");
    assert_eq!(r[0]["added"].as_array().unwrap().len(), 12);
    assert_eq!(sim.stats().requests - before, 3, "one request per page");
    let listed = s.json(&["list", "--provider", &p]);
    let expected: Vec<String> = (0..12).map(|i| format!("seeded-key-{i:05}")).collect();
    assert_eq!(
        names(&listed),
        expected,
        "every token once, under its own name"
    );
    // A second sync changes nothing.
    let again = s.json(&["sync", "--provider", &p]);
    assert_eq!(again[0]["unchanged"], 12, "{again}");

    // Adopt a token made elsewhere: its value from stdin, looked up by id with GitLab's get.
    let seeded = sim
        .keys()
        .into_iter()
        .find(|k| k.api_key_name == "seeded-key-00003")
        .unwrap();
    let adopted = s.name("adopted");
    let id = seeded.id.to_string();
    let v: Value = serde_json::from_str(&s.ok_in(
        &[
            "import",
            &adopted,
            "--provider",
            &p,
            "--env",
            "staging",
            "--remote-id",
            &id,
            "--json",
        ],
        &seeded.api_key,
    ))
    .expect("JSON");
    assert_eq!(v["key"]["provider_key_id"], seeded.id.to_string(), "{v}");
    let out = s.run_in(
        &[
            "import",
            &s.name("nope"),
            "--provider",
            &p,
            "--env",
            "staging",
            "--remote-id",
            "999999",
            "--json",
        ],
        "some-value-for-a-key-that-is-not-there",
    );
    assert_eq!(json_error(&out).0, "provider_not_found_remote");

    // Create: the required scopes are asked for before any request.
    let name = s.name("ci");
    let out = s.run(&["create", &name, "--provider", &p, "--env", "dev", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "invalid_input");
    assert!(msg.contains("--param scopes=… is required"), "{msg}");
    assert_eq!(sim.stats().generate_calls, 0, "nothing was sent");
    let key = s.json(&[
        "create",
        &name,
        "--provider",
        &p,
        "--env",
        "dev",
        "--param",
        "user_id=7",
        "--param",
        "scopes=api,read_api",
        "--param",
        "expires_at=2099-01-31",
    ])["key"]
        .clone();
    let id = key["provider_key_id"].as_str().expect("id").to_owned();
    let remote = sim_key(&sim, &id);
    assert_eq!(remote.scopes, ["api", "read_api"]);
    assert_eq!(remote.user, "7");
    assert_eq!(remote.expires_at.as_deref(), Some("2099-01-31"));
    let keyref = format!("{p}/{name}");
    let account = format!("{p}/{name}");
    assert_eq!(
        secret_tool_lookup(&account).as_deref(),
        Some(remote.api_key.as_str())
    );

    // Verify presents the token as GitLab takes it (PRIVATE-TOKEN) on /personal_access_tokens/self.
    let v = s.json(&["verify", &keyref]);
    assert_eq!(v["ok"], true);
    assert_eq!(v["url_path"], "/api/v4/personal_access_tokens/self");
    assert_eq!(v["response"]["id"].to_string(), id);
    assert!(sim_key(&sim, &id).last_used_at.is_some());

    // Deactivation does not exist at GitLab: refused before any request, saying why.
    let out = s.run(&["deactivate", &keyref, "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "provider_operation_unsupported");
    assert!(msg.contains("only revoked"), "{msg}");

    // Rotate: GitLab issues a new token (new id) and revokes the old one.
    let rolled = s.json(&["rotate", &keyref, "--param", "expires_at=2099-06-30"]);
    assert_eq!(rolled["semantics"], "new-id");
    let new_id = rolled["new_id"].as_str().expect("new id").to_owned();
    assert_ne!(new_id, id);
    assert!(sim_key(&sim, &id).revoked, "the old token is revoked");
    let fresh = sim_key(&sim, &new_id);
    assert_eq!(fresh.expires_at.as_deref(), Some("2099-06-30"));
    assert_eq!(
        secret_tool_lookup(&account).as_deref(),
        Some(fresh.api_key.as_str())
    );
    let shown = s.json(&["show", &keyref]);
    assert_eq!(shown["provider_key_id"], new_id.as_str());
    assert!(shown["last_rotated_at"].is_string(), "{shown}");
    assert_eq!(sim.stats().rotate_calls, 1);
    s.json(&["verify", &keyref]);
    // The revoked token stays listed at GitLab; a sync neither re-adds it nor loses the key.
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(r[0]["added"], serde_json::json!([]), "{r}");
    assert_eq!(r[0]["gone"], serde_json::json!([]), "{r}");

    // Delete revokes the token, then forgets it locally.
    s.json(&["delete", &keyref, "--yes"]);
    assert!(sim_key(&sim, &new_id).revoked);
    assert_eq!(secret_tool_lookup(&account), None);
    assert!(s.run(&["show", &keyref]).status.code() == Some(4));
}

#[test]
fn a_user_profile_file_that_copies_the_preset_behaves_the_same() {
    let s = Shelf::new("profile-file");
    let sim = sim_with(TOKEN, 7);
    let listed = |p: &str| {
        s.json(&["sync", "--provider", p]);
        names(&s.json(&["list", "--provider", p]))
    };
    let by_preset = add_gitlab(&s, &sim, &["--preset", "gitlab"]);
    let text = s.ok(&["provider", "presets", "--show", "gitlab"]);
    let file = s.home_path().join("my-gitlab.toml");
    std::fs::write(&file, text).expect("profile file");
    let by_file = add_gitlab(
        &s,
        &sim,
        &["--profile", file.to_str().unwrap(), "--env", "dev"],
    );
    assert_eq!(listed(&by_preset), listed(&by_file));
    assert_eq!(listed(&by_file).len(), 7);
}

/// The simulator's standard API, written out as a profile: list, export and usage logs.
const STANDARD_AS_PROFILE: &str = r#"format = 1
title = "The simulator's standard API, as a profile"

[provider]
base_url_required = true

[auth]
kind = "bearer"

[item]
id = "/id"
name = "/api_key_name"
status = { at = "/status", values = { active = "active", inactive = "inactive" }, set = { active = "active", inactive = "inactive" } }

[presentation]
scheme = "bearer"

[operations.list]
path = "/api-keys"
items = "/data"

[operations.create]
method = "POST"
path = "/api-keys/generate"
object = "/data"
secret = "/api_key"
body = { api_key_name = "{name}", user = "{user?}" }

[operations.set_status]
method = "PUT"
path = "/api-keys/{id}/status"
body = { status = "{status}" }

[operations.delete]
method = "DELETE"
path = "/api-keys/{id}"

[operations.verify]
path = "/api-routes-data"

[operations.export]
path = "/api-keys/export"

[operations.usage]
path = "/api-usage-logs"
items = "/data"
[operations.usage.row]
at = { at = "/created_at", format = "rfc3339" }
key_id = "/api_key_id"
route = "/route"
status = "/status_code"
"#;

/// Adds the simulator through [`STANDARD_AS_PROFILE`], written to a file; returns its name.
fn add_standard_profile(s: &Shelf, sim: &SimHandle) -> String {
    let file = s.home_path().join("standard.toml");
    std::fs::write(&file, STANDARD_AS_PROFILE).expect("profile file");
    let p = s.name("mine");
    s.ok_in(
        &[
            "provider",
            "add",
            &p,
            "--profile",
            file.to_str().unwrap(),
            "--base-url",
            &sim.url,
            "--token-stdin",
        ],
        TOKEN,
    );
    p
}

#[test]
fn a_profile_of_the_standard_api_exports_and_reads_usage_logs_as_the_standard_provider_does() {
    let s = Shelf::new("profile-export-usage");
    let sim = sim_with(TOKEN, 4);
    sim.with(|st| {
        st.log_use(1, "/v1/things", "bearer", 200);
        st.log_use(2, "/v1/things", "bearer", 401);
        st.log_use(2, "/v1/other", "bearer", 200);
    });
    let standard = s.name("std");
    s.ok_in(
        &[
            "provider",
            "add",
            &standard,
            "--base-url",
            &sim.url,
            "--token-stdin",
        ],
        TOKEN,
    );
    let mine = add_standard_profile(&s, &sim);

    let export = s.ok(&["export", "--provider", &standard]);
    assert!(export.starts_with("id,api_key_name"), "{export}");
    assert_eq!(s.ok(&["export", "--provider", &mine]), export);

    let table = s.ok(&["usage", "--provider", &standard]);
    assert_eq!(table.lines().count(), 4, "{table}");
    assert_eq!(s.ok(&["usage", "--provider", &mine]), table);
    // The rows read into the usage report's fields; no count: each row is one call.
    let rows = s.json(&["usage", "--provider", &mine]);
    let statuses: Vec<&str> = rows
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["status"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(statuses, ["200", "401", "200"]);
    assert!(rows
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r.get("count").is_none()));
}

#[test]
fn a_rotation_through_a_profile_reports_the_old_key_still_used_from_its_usage_logs() {
    let s = Shelf::new("profile-rotate-usage");
    let sim = sim_with(TOKEN, 0);
    let p = add_standard_profile(&s, &sim);
    let name = s.name("app");
    s.json(&["create", &name, "--provider", &p, "--env", "dev"]);
    let keyref = format!("{p}/{name}");
    let old = s.ok(&["get", &keyref]);
    s.ok(&["rotate", &keyref, "--verify-timeout", "5"]);
    s.ok(&["rotate", &keyref, "--resume", "--confirm-updated"]);
    // An application that was not updated still calls with the old, now deactivated, key.
    let out = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}"])
        .args(["-H", &format!("Authorization: Bearer {}", old.trim())])
        .arg(format!("{}/api-routes-data", sim.url))
        .output()
        .expect("curl");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "401");
    let out = s.run(&["rotate", &keyref, "--resume", "--end-grace"]);
    common::assert_success(&out, &["rotate", "--end-grace"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the old key was used 1 time(s) since it was deactivated"),
        "{err}"
    );
    assert_eq!(
        sim.keys().len(),
        1,
        "the old key is deleted, the new one kept"
    );
}

#[test]
fn a_bad_profile_is_refused_with_every_problem_its_field_and_line() {
    let s = Shelf::new("profile-bad");
    let sim = sim_with(TOKEN, 0);
    let text = s
        .ok(&["provider", "presets", "--show", "gitlab"])
        .replace(
            "path = \"/personal_access_tokens/{id}/rotate\"",
            "path = \"/personal_access_tokens/{idd}/rotate\"",
        )
        .replace(
            "semantics = \"new-id\"",
            "semantics = \"new-id\"\nnew_idd = \"/id\"",
        );
    let file = s.home_path().join("broken.toml");
    std::fs::write(&file, &text).expect("profile file");
    let p = s.name("broken");
    let base = format!("{}/api/v4", sim.url);
    let out = s.run_in(
        &[
            "provider",
            "add",
            &p,
            "--base-url",
            &base,
            "--profile",
            file.to_str().unwrap(),
            "--token-stdin",
            "--json",
        ],
        TOKEN,
    );
    assert_eq!(out.status.code(), Some(2));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "provider_profile_invalid");
    let line = text.lines().position(|l| l.contains("new_idd")).unwrap() + 1;
    assert!(
        msg.contains(&format!("broken.toml:{line}: unknown field `new_idd`")),
        "{msg}"
    );
    // Nothing was added.
    assert_eq!(s.json(&["provider", "list"]), serde_json::json!([]));
    // With the typo fixed, the unknown placeholder is the next problem, with its line.
    std::fs::write(&file, text.replace("\nnew_idd = \"/id\"", "")).unwrap();
    let out = s.run_in(
        &[
            "provider",
            "add",
            &p,
            "--base-url",
            &base,
            "--profile",
            file.to_str().unwrap(),
            "--token-stdin",
            "--json",
        ],
        TOKEN,
    );
    let (_, msg) = json_error(&out);
    assert!(
        msg.contains("operations.roll.path: {idd} is not a known placeholder here (id, name, user"),
        "{msg}"
    );
    // A variable that does not fit its pattern is refused with its description.
    let out = s.run_in(
        &[
            "provider",
            "add",
            &p,
            "--base-url",
            &base,
            "--preset",
            "gitlab",
            "--set",
            "user_id=me",
            "--token-stdin",
            "--json",
        ],
        TOKEN,
    );
    assert_eq!(out.status.code(), Some(2));
    let (_, msg) = json_error(&out);
    assert!(msg.contains("user_id: \"me\" does not fit"), "{msg}");
}
