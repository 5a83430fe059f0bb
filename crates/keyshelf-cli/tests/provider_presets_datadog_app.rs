//! The `datadog-application-keys` preset through the real `keyshelf` binary against the
//! simulator's Datadog mode, secrets in the real Secret Service of the test session: the current
//! user's application keys (scopes at create, shown once), verified on `/api/v2/validate_keys`
//! beside the organization's API key from the management credential.

mod common;
use common::{json_error, secret_tool_lookup, sim_key_by_uuid as app_key, sim_with, Shelf};

/// Datadog's management credential: an API key and an application key.
const DD_PAIR: &str = "sim-dd-api-key-not-real:sim-dd-app-key-not-real";

#[test]
fn a_datadog_application_key_is_created_with_scopes_verified_beside_the_org_api_key_and_rotated() {
    let s = Shelf::new("preset-ddapp");
    let sim = sim_with(DD_PAIR, 7);
    let p = s.name("ddapp");
    s.ok_in(
        &[
            "provider",
            "add",
            &p,
            "--preset",
            "datadog-application-keys",
            "--base-url",
            &sim.url,
            "--set",
            "page_size=3",
            "--token-stdin",
        ],
        DD_PAIR,
    );
    let presets = s.json(&["provider", "presets"]);
    let preset = presets
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "datadog-application-keys")
        .expect("listed");
    assert_eq!(preset["roll"], "none", "{preset}");

    // 7 keys at 3 a page from page 0: three requests, the last one short.
    let before = sim.stats().requests;
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(r[0]["remote_keys"], 7, "{r}");
    assert_eq!(sim.stats().requests - before, 3, "one request per page");

    // Create with scopes: the key is stored; the service keeps the scopes.
    let name = s.name("dashboards");
    let key = s.json(&[
        "create",
        &name,
        "--provider",
        &p,
        "--env",
        "prod",
        "--param",
        "scopes=dashboards_read,monitors_read",
    ])["key"]
        .clone();
    let id = key["provider_key_id"].as_str().expect("id").to_owned();
    let remote = app_key(&sim, &id).expect("created at the service");
    assert_eq!(remote.scopes, ["dashboards_read", "monitors_read"]);
    let keyref = format!("{p}/{name}");
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(remote.api_key.as_str())
    );

    // Verify sends the organization's API key (from the management pair) with this key.
    let v = s.json(&["verify", &keyref]);
    assert_eq!(v["url_path"], "/api/v2/validate_keys", "{v}");
    assert_eq!(v["response"]["status"], "ok", "{v}");
    assert!(
        !v.to_string().contains("sim-dd-api-key-not-real"),
        "the management credential is not in the report: {v}"
    );
    // The simulator answers "ok" only to the organization's API key beside a key it holds.
    let other = sim.with(|st| {
        let v = "simddapp-revoked-elsewhere-not-real".to_owned();
        st.push_key("elsewhere", v.clone(), "1", |_| {});
        v
    });
    let elsewhere = s.name("elsewhere");
    s.ok_in(
        &["import", &elsewhere, "--provider", &p, "--env", "dev"],
        &other,
    );
    sim.with(|st| st.keys.retain(|k| k.api_key != other));
    let out = s.run(&["verify", &format!("{p}/{elsewhere}"), "--json"]);
    assert_ne!(out.status.code(), Some(0));
    let (_, msg) = json_error(&out);
    assert!(msg.contains("/api/v2/validate_keys"), "{msg}");

    // No status to set: rotation keeps the old key through the grace period, then deletes it.
    common::rotate_through_grace(&s, &keyref, || app_key(&sim, &id).is_some());
    let new_id = s.json(&["show", &keyref])["provider_key_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fresh = app_key(&sim, &new_id).expect("the new key");
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(fresh.api_key.as_str())
    );
    s.json(&["delete", &keyref, "--yes"]);
    assert!(app_key(&sim, &new_id).is_none());
}
