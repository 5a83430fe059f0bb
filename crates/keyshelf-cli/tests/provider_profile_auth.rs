//! Users' profile files whose management API authenticates other than by a header, through the
//! real `keyshelf` binary against the simulator: OAuth2 client credentials (they go to the token
//! endpoint only, the access token is kept and reused, a revoked one is replaced once) and a
//! token in the query string (refused without the user's consent, then sent on every call).

mod common;
use common::{json_error, sim_with, stderr, Shelf, SIM_TOKEN};

const OAUTH2: &str = r#"format = 1
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
    std::fs::write(&file, OAUTH2).unwrap();
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

#[test]
fn a_profile_with_the_token_in_the_query_string_needs_consent_and_never_prints_the_token() {
    let s = Shelf::new("profile-query");
    let sim = sim_with(SIM_TOKEN, 4);
    let file = s.home_path().join("query.toml");
    std::fs::write(
        &file,
        OAUTH2.replace(
            "kind = \"oauth2\"\ntoken_path = \"/oauth/token\"",
            "kind = \"query\"\nquery = { access_token = \"{credential}\" }",
        ),
    )
    .unwrap();
    let add = |name: &str, token: &str, consent: bool| {
        let mut args = vec![
            "provider",
            "add",
            name,
            "--base-url",
            &sim.url,
            "--profile",
            file.to_str().unwrap(),
            "--token-stdin",
            "--json",
        ];
        if consent {
            args.push("--allow-insecure");
        }
        s.run_in(&args, token)
    };
    let p = s.name("query");
    let out = add(&p, SIM_TOKEN, false);
    assert_eq!(out.status.code(), Some(2));
    let (_, msg) = json_error(&out);
    assert!(
        msg.contains("query parameter") && msg.contains("--allow-insecure"),
        "{msg}"
    );
    assert_eq!(s.json(&["provider", "list"]), serde_json::json!([]));

    common::assert_success(&add(&p, SIM_TOKEN, true), &["provider", "add"]);
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(r[0]["remote_keys"], 4, "{r}");

    // A token the service refuses: the error says so without the token.
    let wrong = s.name("wrong");
    let bad_token = "sim-wrong-query-token-not-real";
    common::assert_success(&add(&wrong, bad_token, true), &["provider", "add"]);
    let out = s.run(&["sync", "--provider", &wrong, "--json"]);
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(
        json_error(&out).0,
        "provider_unauthorized",
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains(bad_token), "{}", stderr(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(bad_token));
}
