//! How a workstation reaches and logs in to a team's OpenBao, against a real OpenBao: logins
//! (userpass, AppRole) whose tokens expire, a periodic token kept alive by renewal, a server
//! behind a private CA, and a team given several addresses of which some do not answer.

mod common;
use common::bao::{add_team, Bao, ROOT};
use common::{json_error, secret_tool_lookup, Shelf};
use std::process::Output;
use std::time::{Duration, Instant};

#[test]
fn userpass_and_approle_log_in_keep_the_token_in_the_keychain_and_log_in_again_when_it_expires() {
    let bao = Bao::start();
    bao.rotator_token(); // writes the keyshelf-rotator policy
    for method in ["userpass", "approle"] {
        assert!(bao.cli(&["auth", "enable", method]).status.success());
    }
    let ok = |out: Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        )
    };
    ok(bao.cli(&[
        "write",
        "auth/userpass/users/alice",
        "password=alice-password-not-real",
        "token_policies=keyshelf-rotator",
    ]));
    // AppRole tokens live 2 s here: every command after that logs in again.
    ok(bao.cli(&[
        "write",
        "auth/approle/role/ci",
        "token_policies=keyshelf-rotator",
        "token_ttl=2s",
        "token_max_ttl=2s",
    ]));
    let role_id = String::from_utf8(
        bao.cli(&["read", "-field=role_id", "auth/approle/role/ci/role-id"])
            .stdout,
    )
    .unwrap();
    let secret_id = String::from_utf8(
        bao.cli(&[
            "write",
            "-f",
            "-field=secret_id",
            "auth/approle/role/ci/secret-id",
        ])
        .stdout,
    )
    .unwrap();

    let a = Shelf::new("team-userpass");
    let out = a.run_in(
        &[
            "team",
            "add",
            "up",
            "--addr",
            &bao.addr,
            "--auth",
            "userpass",
            "--credential-stdin",
            "--json",
        ],
        "alice:wrong-password-not-real",
    );
    assert_eq!(out.status.code(), Some(6));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "team_unauthorized", "{msg}");
    assert!(!msg.contains("wrong-password"), "{msg}");
    a.ok_in(
        &[
            "team",
            "add",
            "up",
            "--addr",
            &bao.addr,
            "--auth",
            "userpass",
            "--credential-stdin",
        ],
        "alice:alice-password-not-real",
    );
    let cached = secret_tool_lookup("team:up#token").expect("the login's token is in the keychain");
    assert!(!cached.contains("alice-password"));
    let name = a.name("k");
    a.json(&["generate", &name, "--env", "dev"]);
    assert_eq!(a.json(&["share", &name, "--team", "up"])["version"], 1);

    let b = Shelf::new("team-approle");
    b.ok_in(
        &[
            "team",
            "add",
            "ci",
            "--addr",
            &bao.addr,
            "--prefix",
            "keyshelf/up",
            "--auth",
            "approle",
            "--credential-stdin",
        ],
        &format!("{}:{}", role_id.trim(), secret_id.trim()),
    );
    let first_login = secret_tool_lookup("team:ci#token").expect("cached");
    std::thread::sleep(Duration::from_millis(2500));
    // The first login's token has expired: the sync logs in again and reads the team's keys.
    let r = b.json(&["team", "sync", "ci"]);
    assert_eq!(
        r["added"],
        serde_json::json!([format!("local/{name}")]),
        "{r}"
    );
    assert_ne!(
        secret_tool_lookup("team:ci#token").expect("cached"),
        first_login,
        "a new login"
    );
}

#[test]
fn a_server_with_a_private_ca_is_refused_until_its_certificate_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let bao = Bao::start_tls(dir.path());
    let ca = dir.path().join("vault-ca.pem");
    let a = Shelf::new("team-tls");
    let out = a.run_in(
        &[
            "team",
            "add",
            "tls",
            "--addr",
            &bao.addr,
            "--credential-stdin",
            "--json",
        ],
        ROOT,
    );
    assert_eq!(out.status.code(), Some(6));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "team_unreachable");
    assert!(msg.contains("--ca-cert"), "{msg}");
    a.ok_in(
        &[
            "team",
            "add",
            "tls",
            "--addr",
            &bao.addr,
            "--ca-cert",
            ca.to_str().unwrap(),
            "--credential-stdin",
        ],
        ROOT,
    );
    assert_eq!(a.json(&["team", "test", "tls"])["shared_keys"], 0);
}

#[test]
fn a_periodic_token_is_renewed_while_keyshelf_is_used_and_outlives_its_period() {
    let bao = Bao::start();
    let s = Shelf::new("team-renew");
    bao.rotator_token(); // writes the rotator policy
    let out = bao.cli(&[
        "token",
        "create",
        "-policy=keyshelf-rotator",
        "-period=6s",
        "-field=token",
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    add_team(|x, i| s.run_in(x, i), "renew", &bao, &token);
    // Twice its period of use: each call past half its life renews it; unrenewed, it would end
    // after 6 s and every later call be refused.
    let until = Instant::now() + Duration::from_secs(13);
    let mut calls = 0;
    while Instant::now() < until {
        let out = s.run(&["team", "test", "renew", "--json"]);
        assert!(
            out.status.success(),
            "call {calls}: {}",
            common::stderr(&out)
        );
        calls += 1;
        std::thread::sleep(Duration::from_millis(1500));
    }
    assert!(calls >= 8, "{calls} calls");
    let out = bao.cli(&["token", "lookup", "-format=json", &token]);
    assert!(out.status.success(), "the token still lives");
}

/// A loopback address where nothing listens: connecting to it is refused at once.
fn dead_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn a_team_with_several_addresses_is_reached_through_the_first_that_answers() {
    let bao = Bao::start();
    let s = Shelf::new("team-addrs");
    let (dead, other_dead) = (dead_addr(), dead_addr());
    // The answering address last: every request first meets a refused connection.
    let addrs = format!("{dead},{other_dead},{}", bao.addr);
    s.ok_in(
        &[
            "team",
            "add",
            "multi",
            "--addr",
            &addrs,
            "--credential-stdin",
        ],
        &bao.rotator_token(),
    );
    let name = s.name("k");
    s.json(&["generate", &name, "--env", "dev"]);
    assert_eq!(s.json(&["share", &name, "--team", "multi"])["version"], 1);
    s.json(&["rotate", &name, "--confirm-updated"]);
    assert_eq!(bao.version(&format!("keyshelf/multi/keys/local/{name}")), 2);
    assert_eq!(s.json(&["team", "sync", "multi"])["unchanged"], 1);

    // None answers: one error that names the team and the last address tried.
    let out = s.run_in(
        &[
            "team",
            "add",
            "none",
            "--addr",
            &format!("{dead},{other_dead}"),
            "--credential-stdin",
            "--json",
        ],
        &bao.rotator_token(),
    );
    assert_eq!(out.status.code(), Some(6));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "team_unreachable");
    assert!(
        msg.contains("no OpenBao address answered") && msg.contains(&other_dead),
        "{msg}"
    );
    assert!(!s.ok(&["team", "list"]).contains("none"));
}
