//! A user's profile file whose management API takes OAuth2 client credentials, through the real
//! `keyshelf` binary against the simulator's token endpoint: the credentials go to the token
//! endpoint only, the access token is kept and reused, and a revoked one is replaced once.

mod common;
use common::{json_error, sim_with, stderr, Shelf, SIM_TOKEN};

const PROFILE: &str = r#"format = 1
title = "A service whose management API takes OAuth2 client credentials"

[provider]
base_url_required = true

[auth]
kind = "oauth2"
token_path = "/oauth/token"

[item]
id = "/id"
name = "/api_key_name"

[presentation]
scheme = "x-api-key-username"

[operations.list]
path = "/api-keys"
items = "/data"
"#;

#[test]
fn a_profile_with_oauth2_client_credentials_fetches_a_token_reuses_it_and_renews_a_revoked_one() {
    let s = Shelf::new("profile-oauth2");
    let sim = sim_with(SIM_TOKEN, 5);
    let (id, secret) =
        sim.with(|st| (st.config.client_id.clone(), st.config.client_secret.clone()));
    let file = s.home_path().join("oauth2.toml");
    std::fs::write(&file, PROFILE).unwrap();
    let p = s.name("oauth");
    let add = |name: &str, stdin: &str| {
        s.run_in(
            &[
                "provider",
                "add",
                name,
                "--base-url",
                &sim.url,
                "--profile",
                file.to_str().unwrap(),
                "--token-stdin",
                "--json",
            ],
            stdin,
        )
    };

    // A credential that is not `client_id:client_secret` is refused before anything is kept.
    let out = add(&p, "only-a-token");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        json_error(&out).1.contains("client_id:client_secret"),
        "{}",
        stderr(&out)
    );

    let out = add(&p, &format!("{id}:{secret}"));
    common::assert_success(&out, &["provider", "add"]);
    let added: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(added["auth"], "oauth2", "{added}");

    // The first call exchanges the credentials for a token; the next ones reuse it.
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(r[0]["remote_keys"], 5, "{r}");
    assert_eq!(sim.stats().tokens_issued, 1);
    s.json(&["sync", "--provider", &p]);
    assert_eq!(sim.stats().tokens_issued, 1, "the cached token is reused");

    // Revoked at the service: the next call gets a 401, fetches a new token once, and works.
    sim.with(|st| st.tokens.clear());
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(r[0]["remote_keys"], 5, "{r}");
    assert_eq!(sim.stats().tokens_issued, 2);
    assert!(sim.stats().stale_tokens >= 1);

    // The client secret went to the token endpoint only: it is in no output.
    let out = s.run(&["provider", "list", "--json"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&secret));
    assert!(!stderr(&out).contains(&secret));
}
