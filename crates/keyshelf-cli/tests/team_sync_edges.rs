//! Team sync and publication at their edges, through a real OpenBao (`bao server -dev` on
//! loopback): a key whose rotation here is unfinished when a teammate's version arrives, a
//! rotation that published but died before it recorded so, a key already shared with another
//! team, and a team with more keys than one list answer holds.

mod common;
use common::bao::{add_team, teammates, Bao};
use common::{json_error, secret_tool_lookup, Shelf};

#[test]
fn a_sync_leaves_a_key_alone_while_a_rotation_of_it_here_is_unfinished() {
    let bao = Bao::start();
    let (a, b) = teammates(&bao, "team-mid", "mid");
    let name = a.name("db");
    let keyref = format!("local/{name}");
    a.json(&["generate", &name, "--env", "prod"]);
    a.json(&["share", &name, "--team", "mid"]);
    b.json(&["team", "sync", "mid"]);

    // B's rotation stops after its new secret is made, before it is published.
    let mut cmd = b.cmd(&["rotate", &keyref, "--confirm-updated"]);
    cmd.env("KEYSHELF_FAULT", "rotation:created");
    let out = common::run_with_stdin(cmd, "");
    assert!(
        common::stderr(&out).contains("fault injected"),
        "{}",
        common::stderr(&out)
    );
    let made_by_b = b.bus.secret_tool_lookup(&keyref).expect("B's new secret");

    // A rotates meanwhile. B's sync does not touch the key B is rotating: its new secret and
    // the old one it saved stay, and the sync says why it left the key alone.
    a.json(&["rotate", &name, "--confirm-updated"]);
    let r = b.json(&["team", "sync", "mid"]);
    assert_eq!(r["updated"], serde_json::json!([]), "{r}");
    assert_eq!(r["skipped"][0]["key"], keyref, "{r}");
    let reason = r["skipped"][0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("rotation"), "{reason}");
    assert_eq!(
        b.bus.secret_tool_lookup(&keyref).as_deref(),
        Some(made_by_b.as_str())
    );

    // Resumed, B's rotation still starts from version 1: A's version 2 stands, B's is undone,
    // and the next sync brings A's secret.
    let out = b.run(
        &["rotate", &keyref, "--resume", "--confirm-updated", "--json"],
        "",
    );
    assert_eq!(
        json_error(&out).0,
        "team_conflict",
        "{}",
        common::stderr(&out)
    );
    assert_eq!(bao.version(&format!("keyshelf/mid/keys/{keyref}")), 2);
    assert_eq!(b.json(&["rotate", "--status"]), serde_json::json!([]));
    b.json(&["team", "sync", "mid"]);
    assert_eq!(
        b.bus.secret_tool_lookup(&keyref),
        secret_tool_lookup(&keyref)
    );
}

#[test]
fn a_share_or_rotation_that_died_after_publishing_takes_its_own_version_for_its_own_when_made_again(
) {
    let bao = Bao::start();
    let (a, b) = teammates(&bao, "team-lost", "lost");
    let name = a.name("queue");
    let keyref = format!("local/{name}");
    let path = format!("keyshelf/lost/keys/{keyref}");
    a.json(&["generate", &name, "--env", "prod"]);
    // The share is written and the process dies before it records so; shared again, the key
    // is found already there with this workstation's secret, which is no clash of names.
    let mut cmd = a.cmd(&["share", &name, "--team", "lost"]);
    cmd.env("KEYSHELF_FAULT", "team:shared");
    let out = common::run_with_stdin(cmd, "");
    assert!(
        common::stderr(&out).contains("fault injected"),
        "{}",
        common::stderr(&out)
    );
    assert_eq!(a.json(&["share", &name, "--team", "lost"])["version"], 1);

    // A's rotation publishes version 2 and dies before it records so: as after a crash there,
    // or a write whose answer was lost to a timeout.
    let mut cmd = a.cmd(&["rotate", &name, "--confirm-updated"]);
    cmd.env("KEYSHELF_FAULT", "team:published");
    let out = common::run_with_stdin(cmd, "");
    assert!(
        common::stderr(&out).contains("fault injected"),
        "{}",
        common::stderr(&out)
    );
    assert_eq!(bao.version(&path), 2);
    let made = secret_tool_lookup(&keyref).expect("A's new secret");
    // Its record says "created", but the team holds its secret: no abort may delete it.
    let out = a.run_in(&["rotate", &name, "--abort", "--json"], "");
    let (code, msg) = json_error(&out);
    assert_eq!(code, "invalid_input", "{msg}");
    assert!(msg.contains("published to team lost"), "{msg}");

    // Resumed, the rotation knows version 2 for its own and finishes: it is not a teammate's
    // rotation to give way to, and nothing is published twice.
    let out = a.run_in(
        &["rotate", &name, "--resume", "--confirm-updated", "--json"],
        "",
    );
    common::assert_success(&out, &["rotate", "--resume"]);
    assert_eq!(bao.version(&path), 2);
    assert_eq!(secret_tool_lookup(&keyref).as_deref(), Some(made.as_str()));
    assert_eq!(a.json(&["rotate", "--status"]), serde_json::json!([]));
    b.json(&["team", "sync", "lost"]);
    assert_eq!(b.bus.secret_tool_lookup(&keyref), Some(made));
    // A holds version 2 now: its next rotation publishes over it (3). Stopped once published,
    // that rotation cannot be aborted: the new key is the team's, and teammates may use it.
    let mut cmd = a.cmd(&["rotate", &name]);
    cmd.env("KEYSHELF_FAULT", "rotation:verified");
    let out = common::run_with_stdin(cmd, "");
    assert!(common::stderr(&out).contains("fault injected"));
    assert_eq!(bao.version(&path), 3);
    let out = a.run_in(&["rotate", &name, "--abort", "--json"], "");
    let (code, msg) = json_error(&out);
    assert_eq!(code, "invalid_input", "{msg}");
    assert!(msg.contains("published to team lost"), "{msg}");
    a.json(&["rotate", &name, "--resume", "--confirm-updated"]);
    assert_eq!(a.json(&["rotate", "--status"]), serde_json::json!([]));
    b.json(&["team", "sync", "lost"]);
    assert_eq!(
        b.bus.secret_tool_lookup(&keyref),
        secret_tool_lookup(&keyref)
    );
}

/// Two teams would be two copies of one key: a rotation by a member of one team only would never
/// reach the other, whose copy the rotation then retires. So a key is shared with one team.
#[test]
fn a_key_is_shared_with_one_team_only() {
    let bao = Bao::start();
    let a = Shelf::new("team-one");
    add_team(|x, i| a.run_in(x, i), "web", &bao, &bao.rotator_token());
    add_team(|x, i| a.run_in(x, i), "data", &bao, &bao.rotator_token());
    let name = a.name("cdn");
    let keyref = format!("local/{name}");
    a.json(&["generate", &name, "--env", "prod"]);
    a.json(&["share", &name, "--team", "web"]);

    // Sharing it with a second team is refused before anything is written there.
    let out = a.run(&["share", &name, "--team", "data", "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(&out));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "invalid_input");
    assert!(
        msg.contains("already shared with team web") && msg.contains("one team"),
        "{msg}"
    );
    let out = bao.cli(&["kv", "get", &format!("secret/keyshelf/data/keys/{keyref}")]);
    assert!(!out.status.success(), "nothing was written to team data");
    assert_eq!(a.json(&["team", "keys", "data"]), serde_json::json!([]));

    // An entry of that name and secret in the other team (written by another tool) is left
    // alone by its sync, with the reason, and the key stays the first team's only.
    let secret = secret_tool_lookup(&keyref).expect("the secret");
    bao.create(
        &format!("keyshelf/data/keys/{keyref}"),
        &serde_json::json!({
            "secret": secret,
            "meta": { "env": "prod", "provider": "local", "shared_by": "other@tool" },
        }),
    );
    let r = a.json(&["team", "sync", "data"]);
    assert_eq!(r["skipped"][0]["key"], keyref.as_str(), "{r}");
    let reason = r["skipped"][0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("shared here with team web"), "{reason}");
    assert_eq!(a.json(&["team", "keys", "data"]), serde_json::json!([]));
    assert_eq!(a.json(&["team", "keys", "web"])[0]["key"], keyref.as_str());
}

#[test]
fn a_sync_reads_every_page_of_a_team_with_more_keys_than_one_list_answers() {
    let bao = Bao::start();
    let s = Shelf::new("team-pages");
    add_team(|x, i| s.run_in(x, i), "big", &bao, &bao.reader_token());
    // More than one page of OpenBao's list (Keyshelf asks for 250 entries at a time).
    let n = 260;
    let prefix = s.name("p");
    std::thread::scope(|scope| {
        for t in 0..8 {
            let (bao, prefix) = (&bao, &prefix);
            scope.spawn(move || {
                for i in (t..n).step_by(8) {
                    let entry = serde_json::json!({
                        "secret": format!("team-page-test-value-{i}"),
                        "meta": { "env": "dev", "provider": "local", "shared_by": "seed@test" },
                    });
                    bao.create(&format!("keyshelf/big/keys/local/{prefix}-{i:03}"), &entry);
                }
            });
        }
    });
    let r = s.json(&["team", "sync", "big"]);
    let added = r["added"].as_array().expect("added");
    assert_eq!(added.len(), n, "{}", r["skipped"]);
    assert_eq!(
        added.last().and_then(|k| k.as_str()),
        Some(format!("local/{prefix}-{:03}", n - 1).as_str())
    );
    let r = s.json(&["team", "sync", "big"]);
    assert_eq!(r["unchanged"], n);
    assert_eq!(
        r["gone"],
        serde_json::json!([]),
        "no key of a later page is taken for gone"
    );
}
