//! Cloudflare's API tokens (`cloudflare`: user tokens; `cloudflare-account`: account-owned
//! tokens) through the real `keyshelf` binary against the simulator's Cloudflare mode: the
//! `{success, errors, result}` envelope, pages by `page`/`per_page` until `total_pages`, a
//! full-replace update that must echo the token's fields, and a roll that keeps the id.

mod common;
use common::{json_error, secret_tool_lookup, sim_with, Shelf};

const TOKEN: &str = "sim-management-token-not-real";

#[test]
fn a_cloudflare_provider_pages_echoes_fields_on_status_changes_and_rolls_in_place() {
    let s = Shelf::new("preset-cloudflare");
    let sim = sim_with(TOKEN, 12);
    let p = s.name("cf");
    let base = format!("{}/client/v4", sim.url);
    s.ok_in(
        &[
            "provider",
            "add",
            &p,
            "--preset",
            "cloudflare",
            "--base-url",
            &base,
            "--set",
            "page_size=5",
            "--token-stdin",
        ],
        TOKEN,
    );

    // 12 tokens at 5 a page: three pages, stopped by result_info.total_pages.
    let before = sim.stats().requests;
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(r[0]["remote_keys"], 12, "{r}");
    assert_eq!(sim.stats().requests - before, 3);
    assert_eq!(
        s.json(&["list", "--provider", &p])
            .as_array()
            .unwrap()
            .len(),
        12
    );

    // Create takes the policies as a JSON file, and they reach Cloudflare as an array.
    let policies = s.home_path().join("policies.json");
    std::fs::write(&policies, r#"[{"effect":"allow","permission_groups":[{"id":"c8fed203ed3043cba015a93ad1616f1f"}],"resources":{"com.cloudflare.api.account.*":"*"}}]"#).unwrap();
    let name = s.name("dns");
    let key = s.json(&[
        "create",
        &name,
        "--provider",
        &p,
        "--env",
        "prod",
        "--param-file",
        &format!("policies={}", policies.display()),
        "--param",
        "expires_on=2099-01-01T00:00:00Z",
    ])["key"]
        .clone();
    let id = key["provider_key_id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 32, "Cloudflare ids are 32 hex characters");
    let keyref = format!("{p}/{name}");
    let by_id = |id: &str| {
        sim.keys()
            .into_iter()
            .find(|k| format!("{:032x}", k.id) == id)
            .expect("token")
    };
    assert_eq!(by_id(&id).attrs["policies"][0]["effect"], "allow");
    s.json(&["verify", &keyref]);

    // Deactivate is a full replace at Cloudflare: the token's policies and expiry are echoed.
    assert_eq!(s.json(&["deactivate", &keyref])["status"], "inactive");
    let t = by_id(&id);
    assert_eq!(t.status, "inactive");
    assert_eq!(t.attrs["policies"][0]["effect"], "allow", "policies kept");
    assert_eq!(t.attrs["expires_on"], "2099-01-01T00:00:00Z", "expiry kept");
    // A disabled token is known to Cloudflare but does not work: verify says so.
    let out = s.run(&["verify", &keyref, "--json"]);
    assert_eq!(out.status.code(), Some(6));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "provider_unauthorized");
    assert!(msg.contains("status is \"disabled\""), "{msg}");
    s.json(&["activate", &keyref]);

    // Rotate rolls the value in place: same id, new value, old one dead at once.
    let old_value = by_id(&id).api_key;
    let rolled = s.json(&["rotate", &keyref]);
    assert_eq!(rolled["semantics"], "same-id");
    assert_eq!(rolled["new_id"], id.as_str());
    let new_value = by_id(&id).api_key;
    assert_ne!(new_value, old_value);
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(new_value.as_str())
    );
    assert_eq!(sim.stats().rotate_calls, 1);
    s.json(&["verify", &keyref]);

    s.json(&["delete", &keyref, "--yes"]);
    assert!(sim.keys().iter().all(|k| format!("{:032x}", k.id) != id));
}

#[test]
fn account_owned_tokens_live_under_the_accounts_path_and_are_adopted_rolled_and_deleted() {
    let s = Shelf::new("preset-cloudflare-account");
    let sim = sim_with(TOKEN, 12);
    let p = s.name("cfa");
    let base = format!("{}/client/v4", sim.url);
    let account = "0123456789abcdef0123456789abcdef";
    // The account id is required and checked before anything is stored.
    let out = s.run_in(
        &[
            "provider",
            "add",
            &p,
            "--preset",
            "cloudflare-account",
            "--base-url",
            &base,
            "--token-stdin",
            "--json",
        ],
        TOKEN,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        json_error(&out).1.contains("account_id"),
        "{}",
        json_error(&out).1
    );
    s.ok_in(
        &[
            "provider",
            "add",
            &p,
            "--preset",
            "cloudflare-account",
            "--base-url",
            &base,
            "--set",
            &format!("account_id={account}"),
            "--set",
            "page_size=5",
            "--token-stdin",
        ],
        TOKEN,
    );
    let before = sim.stats().requests;
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(r[0]["remote_keys"], 12, "{r}");
    assert_eq!(sim.stats().requests - before, 3);

    // Adopt a token made elsewhere; verify presents it on the account's verify route.
    let seeded = sim.keys()[1].clone();
    let name = s.name("zone-dns");
    let id = format!("{:032x}", seeded.id);
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
        &seeded.api_key,
    );
    let keyref = format!("{p}/{name}");
    let v = s.json(&["verify", &keyref]);
    assert_eq!(
        v["url_path"],
        format!("/client/v4/accounts/{account}/tokens/verify")
    );

    let rolled = s.json(&["rotate", &keyref]);
    assert_eq!(rolled["semantics"], "same-id");
    let now = sim.keys().into_iter().find(|k| k.id == seeded.id).unwrap();
    assert_ne!(now.api_key, seeded.api_key);
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(now.api_key.as_str())
    );

    s.json(&["delete", &keyref, "--yes"]);
    assert!(sim.keys().iter().all(|k| k.id != seeded.id));
}
