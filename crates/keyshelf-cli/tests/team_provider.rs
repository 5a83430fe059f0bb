//! Shared keys of providers (the simulator over loopback HTTP), through a real OpenBao: one
//! rotated by two teammates at the same moment (exactly one rotation stands, the other is undone
//! on the provider too, so no key is left behind there whoever wins), and one of a preset's
//! service whose rotation gives the key a new id, which reaches the teammate with the secret.

mod common;
use common::bao::{add_team, teammates, Bao, Workstation, B_USER};
use common::{add_sim_provider, json_error, secret_tool_lookup, SIM_TOKEN};
use keyshelf_provider_sim::{Config, Plan};

#[test]
fn two_teammates_rotating_one_shared_provider_key_at_once_leave_one_key_on_the_provider() {
    let bao = Bao::start();
    let sim = keyshelf_provider_sim::spawn(
        Config {
            token: SIM_TOKEN.into(),
            // Room for the old key and both new ones at once.
            plan: Plan::Enterprise,
            ..Config::default()
        },
        0,
    )
    .expect("the simulator starts on loopback");
    let (a, b) = teammates(&bao, "team-prov", "prov");
    add_sim_provider(&a, &sim.url, "acme", &[]);
    let out = b.run(
        &[
            "provider",
            "add",
            "acme",
            "--base-url",
            &sim.url,
            "--verify-path",
            "/api-routes-data",
            "--token-stdin",
        ],
        SIM_TOKEN,
    );
    common::assert_success(&out, &["provider", "add"]);

    let name = a.name("billing");
    let keyref = format!("acme/{name}");
    a.json(&[
        "create",
        &name,
        "--provider",
        "acme",
        "--env",
        "prod",
        "--user",
        "ops",
    ]);
    a.json(&["share", &keyref, "--team", "prov"]);
    let on_provider = || {
        sim.keys()
            .into_iter()
            .map(|k| k.id.to_string())
            .collect::<Vec<_>>()
    };
    let path = format!("keyshelf/prov/keys/acme/{name}");
    for round in 1..=20u64 {
        // Both hold the latest version, then both rotate at the same moment, with no grace
        // period: the winner's old key is deleted as soon as its rotation confirms.
        b.json(&["team", "sync", "prov"]);
        let args = [
            "rotate",
            keyref.as_str(),
            "--confirm-updated",
            "--grace",
            "0",
            "--json",
        ];
        let ca = a.cmd(&args);
        let cb = b.cmd(&args);
        let (ta, tb) = (
            std::thread::spawn(move || common::run_with_stdin(ca, "")),
            std::thread::spawn(move || common::run_with_stdin(cb, "")),
        );
        let (oa, ob) = (ta.join().unwrap(), tb.join().unwrap());
        let won: Vec<bool> = [&oa, &ob].iter().map(|o| o.status.success()).collect();
        assert_eq!(
            won.iter().filter(|w| **w).count(),
            1,
            "round {round}: exactly one wins; A: {} B: {}",
            common::stderr(&oa),
            common::stderr(&ob)
        );
        let loser = if won[0] { &ob } else { &oa };
        let (code, msg) = json_error(loser);
        assert_eq!(code, "team_conflict", "round {round}: {msg}");
        assert_eq!(
            bao.version(&path),
            round + 1,
            "round {round}: one new version"
        );
        // Both take the winner's key; the provider holds that key and no other.
        a.json(&["team", "sync", "prov"]);
        b.json(&["team", "sync", "prov"]);
        let (ka, kb) = (a.json(&["show", &keyref]), b.json(&["show", &keyref]));
        assert_eq!(
            ka["provider_key_id"], kb["provider_key_id"],
            "round {round}"
        );
        // The loser was told who rotated first: the winner, by the name its publication bears.
        let winner = ka["rotated_by"].as_str().expect("published").to_owned();
        assert_eq!(
            winner.starts_with(B_USER),
            won[1],
            "round {round}: {winner}"
        );
        assert!(
            msg.starts_with(&format!("{winner} published")),
            "round {round}: {msg}"
        );
        let id = ka["provider_key_id"].as_str().expect("linked").to_owned();
        assert_eq!(
            on_provider(),
            [id],
            "round {round}: one key on the provider"
        );
        assert_eq!(
            secret_tool_lookup(&keyref),
            b.bus.secret_tool_lookup(&keyref),
            "round {round}: the same secret on both"
        );
        assert_eq!(a.json(&["rotate", "--status"]), serde_json::json!([]));
        assert_eq!(b.json(&["rotate", "--status"]), serde_json::json!([]));
    }
    // Deactivating it would break the teammate's copy: refused, nothing sent, until unshared.
    let out = a.run_in(&["deactivate", &keyref, "--json"], "");
    let (code, msg) = json_error(&out);
    assert_eq!(code, "invalid_input", "{msg}");
    assert!(msg.contains("shared with team prov"), "{msg}");
    assert!(
        sim.keys().iter().all(|k| k.status == "active"),
        "nothing was deactivated"
    );
}

#[test]
fn a_shared_key_of_a_preset_service_rotated_here_reaches_the_teammate_with_its_new_id() {
    const GITLAB_TOKEN: &str = "sim-gitlab-management-token-not-real";
    let bao = Bao::start();
    let sim = common::sim_with(GITLAB_TOKEN, 0);
    let (a, b) = teammates(&bao, "team-preset", "gl");
    let base = format!("{}/api/v4", sim.url);
    let add = [
        "provider",
        "add",
        "gitlab",
        "--base-url",
        &base,
        "--preset",
        "gitlab",
        "--token-stdin",
    ];
    a.ok_in(&add, GITLAB_TOKEN);
    common::assert_success(&b.run(&add, GITLAB_TOKEN), &add);

    let name = a.name("ci");
    let keyref = format!("gitlab/{name}");
    let made = a.json(&[
        "create",
        &name,
        "--provider",
        "gitlab",
        "--env",
        "dev",
        "--param",
        "user_id=7",
        "--param",
        "scopes=api",
        "--param",
        "expires_at=2099-01-31",
    ]);
    let old_id = made["key"]["provider_key_id"]
        .as_str()
        .expect("id")
        .to_owned();
    a.json(&["share", &keyref, "--team", "gl"]);
    assert_eq!(
        b.json(&["team", "sync", "gl"])["added"],
        serde_json::json!([keyref])
    );
    assert_eq!(b.json(&["verify", &keyref])["ok"], true);

    // GitLab rotates by issuing a new token with a new id and revoking the old one. A roll
    // cannot be undone, so A first claims the next version (2, the same secret), then publishes
    // the rolled one (3).
    let rolled = a.json(&["rotate", &keyref, "--param", "expires_at=2099-06-30"]);
    let new_id = rolled["new_id"].as_str().expect("new id").to_owned();
    assert_ne!(new_id, old_id);
    assert_eq!(bao.version(&format!("keyshelf/gl/keys/{keyref}")), 3);

    // B, not synced since, rolls the key too: refused before the roll is sent, since the roll
    // could not be undone and A's new token would be the one it revoked.
    let rolls = sim.stats().rotate_calls;
    let out = b.run(&["rotate", &keyref, "--json"], "");
    let (code, msg) = json_error(&out);
    assert_eq!(code, "team_conflict", "{msg}");
    assert!(
        msg.contains("published version 3") && msg.contains("nothing was rolled"),
        "{msg}"
    );
    assert_eq!(sim.stats().rotate_calls, rolls, "no roll was sent");

    // A teammate with a reader's token holds the latest version but may not publish: refused
    // before the roll too, or the team would keep the secret the roll killed.
    let c = Workstation::start("team-preset-c");
    add_team(|x, i| c.run(x, i), "gl", &bao, &bao.reader_token());
    common::assert_success(&c.run(&add, GITLAB_TOKEN), &add);
    c.json(&["team", "sync", "gl"]);
    let held = c.bus.secret_tool_lookup(&keyref);
    let out = c.run(&["rotate", &keyref, "--json"], "");
    assert_eq!(
        json_error(&out).0,
        "team_forbidden",
        "{}",
        common::stderr(&out)
    );
    assert_eq!(sim.stats().rotate_calls, rolls, "no roll was sent");
    assert_eq!(c.bus.secret_tool_lookup(&keyref), held);
    assert_eq!(
        b.json(&["team", "sync", "gl"])["updated"],
        serde_json::json!([keyref])
    );
    assert_eq!(
        b.json(&["show", &keyref])["provider_key_id"],
        new_id.as_str()
    );
    let sim_token = |id: &str| {
        sim.keys()
            .into_iter()
            .find(|k| k.id.to_string() == id)
            .expect("the token")
    };
    let fresh = sim_token(&new_id);
    assert_eq!(
        b.bus.secret_tool_lookup(&keyref).as_deref(),
        Some(fresh.api_key.as_str())
    );
    assert_eq!(b.json(&["verify", &keyref])["ok"], true);

    // Deleting a shared key on the service would break every teammate's copy: refused, nothing
    // sent, until it is unshared.
    let out = b.run(&["delete", &keyref, "--yes", "--json"], "");
    let (code, msg) = json_error(&out);
    assert_eq!(code, "invalid_input", "{msg}");
    assert!(
        msg.contains("shared with team gl") && msg.contains("unshare"),
        "{msg}"
    );
    assert!(!sim_token(&new_id).revoked, "nothing was deleted");
    a.json(&["unshare", &keyref, "--team", "gl", "--yes"]);
    a.json(&["delete", &keyref, "--yes"]);
    assert!(sim_token(&new_id).revoked);
}
