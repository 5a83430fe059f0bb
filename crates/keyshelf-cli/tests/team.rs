//! Team keys through a real OpenBao (`bao server -dev` on loopback, one per test) and two
//! workstations: A in the test session's keychain, B with its own D-Bus session and
//! gnome-keyring, so each holds its own secrets as two engineers' machines do.

mod common;
use common::bao::{add_team, json_as, teammates, Bao, Workstation, B_USER};
use common::{json_error, secret_tool_lookup, Shelf};

#[test]
fn a_key_shared_on_one_workstation_reaches_the_others_keychain_and_its_new_versions_follow() {
    let bao = Bao::start();
    let (a, b) = teammates(&bao, "team", "ops");

    let name = a.name("mail");
    a.json(&[
        "generate",
        &name,
        "--env",
        "staging",
        "--tag",
        "mail",
        "--notes",
        "the outbound relay",
    ]);
    a.json(&["edit", &name, "--interval", "21"]);
    let keyref = format!("local/{name}");
    let first = secret_tool_lookup(&keyref).expect("A's secret");
    let shared = a.json(&["share", &name, "--team", "ops"]);
    assert_eq!(shared["version"], 1);

    // B syncs: the same secret, in B's own keychain, under the same name and environment.
    let r = b.json(&["team", "sync", "ops"]);
    assert_eq!(r["added"], serde_json::json!([keyref]), "{r}");
    assert_eq!(
        b.bus.secret_tool_lookup(&keyref).as_deref(),
        Some(first.as_str())
    );
    // With what a teammate needs to know of it: its environment, tags, notes and own interval.
    let shown = b.json(&["show", &keyref]);
    assert_eq!(shown["env"], "staging");
    assert_eq!(shown["tags"], serde_json::json!(["mail"]));
    assert_eq!(shown["notes"], "the outbound relay");
    assert_eq!(shown["interval_override_days"], 21);
    // Its age is the sharer's: made when A made it, so both are reminded on the same day.
    assert_eq!(
        b.json(&["show", &keyref])["created_at"],
        a.json(&["show", &keyref])["created_at"]
    );
    // Twice changes nothing.
    let r = b.json(&["team", "sync", "ops"]);
    assert_eq!(r["unchanged"], 1, "{r}");
    assert_eq!(r["added"], serde_json::json!([]));

    // A rotates: the rotation publishes version 2 over the version A holds; B gets it, and
    // keeps the old secret as previous for tools that still have it.
    a.json(&["rotate", &name, "--confirm-updated"]);
    let second = secret_tool_lookup(&keyref).expect("A's new secret");
    assert_ne!(second, first);
    assert_eq!(bao.version(&format!("keyshelf/ops/keys/local/{name}")), 2);
    let r = b.json(&["team", "sync", "ops"]);
    assert_eq!(r["updated"], serde_json::json!([keyref]), "{r}");
    assert_eq!(
        b.bus.secret_tool_lookup(&keyref).as_deref(),
        Some(second.as_str())
    );
    assert_eq!(
        b.bus
            .secret_tool_lookup(&format!("{keyref}#previous"))
            .as_deref(),
        Some(first.as_str())
    );

    // B still holds version 2 when A publishes 3: B's rotation is undone before anything
    // irreversible, its keychain still holds version 2's secret, nothing is written.
    a.json(&["rotate", &name, "--confirm-updated"]);
    let out = b.run(&["rotate", &keyref, "--confirm-updated", "--json"], "");
    assert_eq!(out.status.code(), Some(6));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "team_conflict");
    assert!(
        msg.contains("published version 3") && msg.contains("after version 2"),
        "{msg}"
    );
    // It says when the teammate rotated, the day of A's rotation.
    let rotated = a.json(&["show", &keyref])["last_rotated_at"]
        .as_str()
        .expect("A's rotation time")
        .to_owned();
    assert!(msg.contains(&rotated[..10]), "{msg} names {rotated}");
    // And who: A, as A's own view of the key says it published the version.
    let by_a = a.json(&["show", &keyref])["rotated_by"]
        .as_str()
        .expect("A published it")
        .to_owned();
    assert!(!by_a.starts_with(B_USER), "{by_a}");
    assert!(
        msg.starts_with(&format!("{by_a} published")),
        "{msg} names {by_a}"
    );
    assert_eq!(bao.version(&format!("keyshelf/ops/keys/local/{name}")), 3);
    assert_eq!(
        b.bus.secret_tool_lookup(&keyref).as_deref(),
        Some(second.as_str())
    );
    assert_eq!(
        b.json(&["rotate", "--status"]),
        serde_json::json!([]),
        "B's rotation ended"
    );
    b.json(&["team", "sync", "ops"]);
    assert_eq!(
        b.bus.secret_tool_lookup(&keyref),
        secret_tool_lookup(&keyref)
    );

    // The team's policy: staging keys every 14 days, applied on B at its next sync.
    assert_eq!(
        a.json(&["team", "policy", "set", "ops", "staging", "14"])["intervals"]["staging"],
        14
    );
    assert_eq!(
        b.json(&["team", "policy", "show", "ops"])["intervals"]["staging"],
        14
    );
    b.json(&["team", "sync", "ops"]);
    assert_eq!(b.json(&["show", &keyref])["interval_override_days"], 14);

    // Unshare asks first: without a terminal to type the name, it needs --yes.
    let out = a.run(&["unshare", &name, "--team", "ops"]);
    assert!(!out.status.success());
    assert!(
        common::stderr(&out).contains("--yes"),
        "{}",
        common::stderr(&out)
    );
    assert_eq!(bao.version(&format!("keyshelf/ops/keys/local/{name}")), 3);
    // Unshared: gone at B's next sync; B's key stays, marked gone.
    a.ok(&["unshare", &name, "--team", "ops", "--yes"]);
    let r = b.json(&["team", "sync", "ops"]);
    assert_eq!(r["gone"], serde_json::json!([keyref]), "{r}");
    assert_eq!(b.json(&["show", &keyref])["status"], "gone");

    // B disconnects: the team and its token leave; the keys it brought stay usable.
    b.json(&["team", "remove", "ops"]);
    assert_eq!(b.json(&["team", "list"]), serde_json::json!([]));
    assert_eq!(b.bus.secret_tool_lookup("team:ops"), None);
    let out = b.run(&["get", &keyref], "");
    assert!(out.status.success(), "{}", common::stderr(&out));
}

#[test]
fn two_teammates_rotating_one_shared_key_at_once_make_exactly_one_new_version() {
    let bao = Bao::start();
    let (a, b) = teammates(&bao, "team-race", "race");
    let name = a.name("shared");
    a.json(&["generate", &name, "--env", "prod"]);
    a.json(&["share", &name, "--team", "race"]);
    let keyref = format!("local/{name}");
    let path = format!("keyshelf/race/keys/local/{name}");
    for round in 1..=20u64 {
        // Both hold the latest version, then both rotate at the same moment.
        b.json(&["team", "sync", "race"]);
        let ca = a.cmd(&["rotate", &keyref, "--confirm-updated", "--json"]);
        let cb = b.cmd(&["rotate", &keyref, "--confirm-updated", "--json"]);
        let (ta, tb) = (
            std::thread::spawn(move || common::run_with_stdin(ca, "")),
            std::thread::spawn(move || common::run_with_stdin(cb, "")),
        );
        let (oa, ob) = (ta.join().unwrap(), tb.join().unwrap());
        let won: Vec<bool> = [&oa, &ob].iter().map(|o| o.status.success()).collect();
        assert_eq!(
            won.iter().filter(|w| **w).count(),
            1,
            "round {round}: exactly one wins"
        );
        let loser = if won[0] { &ob } else { &oa };
        assert_eq!(json_error(loser).0, "team_conflict", "round {round}");
        assert_eq!(
            bao.version(&path),
            round + 1,
            "round {round}: one new version"
        );
        // Both take the winner's version: the same secret on both workstations.
        a.json(&["team", "sync", "race"]);
        b.json(&["team", "sync", "race"]);
        assert_eq!(
            secret_tool_lookup(&keyref),
            b.bus.secret_tool_lookup(&keyref),
            "round {round}"
        );
    }
}

#[test]
fn a_reader_cannot_share_and_a_down_or_sealed_server_is_said_plainly() {
    let bao = Bao::start();
    let a = Shelf::new("team-reader");
    let reader = bao.reader_token();
    add_team(|x, i| a.run_in(x, i), "ro", &bao, &reader);
    // A bad token is refused before anything is stored.
    let out = a.run_in(
        &[
            "team",
            "add",
            "bad",
            "--addr",
            &bao.addr,
            "--credential-stdin",
            "--json",
        ],
        "not-a-token-openbao-knows",
    );
    assert_eq!(out.status.code(), Some(6));
    assert!(!a.ok(&["team", "list"]).contains("bad"));
    // Plain HTTP beyond loopback would send the token in the clear: refused, nothing kept.
    let out = a.run_in(
        &[
            "team",
            "add",
            "far",
            "--addr",
            "http://bao.example.com:8200",
            "--credential-stdin",
        ],
        "not-a-token-openbao-knows",
    );
    assert!(!out.status.success());
    assert!(
        common::stderr(&out).contains("https://"),
        "{}",
        common::stderr(&out)
    );
    assert!(!a.ok(&["team", "list"]).contains("far"));

    let name = a.name("k");
    a.json(&["generate", &name, "--env", "dev"]);
    let out = a.run(&["share", &name, "--team", "ro", "--json"]);
    assert_eq!(out.status.code(), Some(6));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "team_forbidden");
    assert!(msg.contains("keyshelf-rotator"), "{msg}");
    assert!(!msg.contains(&reader), "the token is never printed");
    let out = bao.cli(&[
        "kv",
        "get",
        &format!("secret/keyshelf/ro/keys/local/{name}"),
    ]);
    assert!(!out.status.success(), "nothing was written");
    assert_eq!(
        a.json(&["team", "sync", "ro"])["added"],
        serde_json::json!([])
    );
    let out = a.run(&["team", "policy", "set", "ro", "prod", "30", "--json"]);
    assert_eq!(
        json_error(&out).0,
        "team_forbidden",
        "a reader cannot change the policy"
    );

    // A reader syncs a rotator's key, then tries to rotate it: refused when the new version is
    // published, and undone: the synced secret stays current, nothing is left half-way.
    let w = Workstation::start("team-reader-w");
    add_team(|x, i| w.run(x, i), "ro", &bao, &bao.rotator_token());
    let shared = w.shelf.name("s");
    w.json(&["generate", &shared, "--env", "dev"]);
    w.json(&["share", &shared, "--team", "ro"]);
    let keyref = format!("local/{shared}");
    assert_eq!(
        a.json(&["team", "sync", "ro"])["added"],
        serde_json::json!([keyref])
    );
    let synced = secret_tool_lookup(&keyref).expect("the synced secret");
    let before = a.json(&["show", &keyref]);
    let out = a.run(&["rotate", &keyref, "--confirm-updated", "--json"]);
    assert_eq!(out.status.code(), Some(6), "{}", common::stderr(&out));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "team_forbidden");
    assert!(msg.contains("undone"), "{msg}");
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(synced.as_str()),
        "the reader's keychain still holds the team's secret"
    );
    assert_eq!(secret_tool_lookup(&format!("{keyref}#previous")), None);
    assert_eq!(
        a.json(&["rotate", "--status"]),
        serde_json::json!([]),
        "no rotation is left in progress"
    );
    assert_eq!(
        a.json(&["show", &keyref])["last_rotated_at"],
        before["last_rotated_at"]
    );
    assert_eq!(bao.version(&format!("keyshelf/ro/keys/{keyref}")), 1);

    // Sealed: the error says so.
    assert!(bao.cli(&["operator", "seal"]).status.success());
    let out = a.run(&["team", "sync", "ro", "--json"]);
    assert_eq!(out.status.code(), Some(6));
    let (code, msg) = json_error(&out);
    assert!(msg.contains("sealed"), "{code}: {msg}");

    // Down: a clear error, and local keys keep working.
    drop(bao);
    let out = a.run(&["team", "test", "ro", "--json"]);
    assert_eq!(out.status.code(), Some(6));
    assert_eq!(json_error(&out).0, "team_unreachable");
    a.ok(&["get", &name]);
}

#[test]
fn the_team_policy_sets_due_soon_and_naming_and_the_due_list_says_who_rotated_last() {
    let bao = Bao::start();
    let (a, b) = teammates(&bao, "team-pol", "pol");

    // Naming: only "<env>-…" names are shared; another is refused and nothing is written.
    a.json(&["team", "policy", "set", "pol", "--naming", "{env}-*"]);
    let odd = a.name("mail");
    a.json(&["generate", &odd, "--env", "staging"]);
    let out = a.run(&["share", &odd, "--team", "pol", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "invalid_input");
    assert!(msg.contains("{env}-*") && msg.contains(&odd), "{msg}");
    assert!(
        !bao.cli(&[
            "kv",
            "get",
            &format!("secret/keyshelf/pol/keys/local/{odd}")
        ])
        .status
        .success(),
        "nothing shared"
    );
    let name = format!("staging-{}", a.name("mail"));
    let keyref = format!("local/{name}");
    a.json(&["generate", &name, "--env", "staging"]);
    json_as(&a, "alice", &["share", &name, "--team", "pol"]);

    // Due soon 90 days before: a new staging key (due in 60) is due soon on every workstation.
    a.json(&["team", "policy", "set", "pol", "--due-soon", "90"]);
    let policy = b.json(&["team", "policy", "show", "pol"]);
    assert_eq!(policy["due_soon_days"], 90, "{policy}");
    assert_eq!(policy["naming"], "{env}-*", "{policy}");
    let r = b.json(&["team", "sync", "pol"]);
    assert_eq!(r["added"], serde_json::json!([keyref]), "{r}");
    let shown = b.json(&["show", &keyref]);
    assert_eq!(shown["due_soon_override_days"], 90, "{shown}");
    assert_eq!(shown["origin"], "team", "{shown}");
    let due = b.json(&["due"]);
    let entry = due
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == name.as_str())
        .unwrap_or_else(|| panic!("the team key is due soon on B: {due}"));
    assert_eq!(entry["state"], "due-soon");
    assert!(
        entry["rotated_by"].as_str().unwrap().starts_with("alice@"),
        "{entry}"
    );
    let table = String::from_utf8(b.run(&["due"], "").stdout).unwrap();
    assert!(
        table.contains("ROTATED BY") && table.contains("alice@"),
        "{table}"
    );
    // A window asked for applies to every key.
    let due = b.json(&["due", "--within", "0"]);
    assert!(
        !due.as_array()
            .unwrap()
            .iter()
            .any(|k| k["name"] == name.as_str()),
        "{due}"
    );
    // The reminder names who rotated last.
    let reminder = b.json(&["remind", "--dry-run", "--all"]);
    assert!(
        reminder["reminder"]["body"]
            .as_str()
            .unwrap()
            .contains("last rotated by alice@"),
        "{reminder}"
    );

    // A rotates as carol, with no grace period: B's list of the team's keys says version 2, by
    // carol; B keeps the replaced secret as previous until the next sync finds the grace over.
    let before = b.bus.secret_tool_lookup(&keyref).expect("B's copy");
    let mut rotate = a.cmd(&[
        "rotate",
        &name,
        "--grace",
        "0",
        "--confirm-updated",
        "--json",
    ]);
    rotate.env("USER", "carol");
    common::assert_success(&common::run_with_stdin(rotate, ""), &["rotate"]);
    let r = b.json(&["team", "sync", "pol"]);
    assert_eq!(r["previous_removed"], serde_json::json!([]), "{r}");
    assert_eq!(
        b.bus.secret_tool_lookup(&format!("{keyref}#previous")),
        Some(before)
    );
    let keys = b.json(&["team", "keys", "pol"]);
    assert_eq!(keys[0]["key"], keyref.as_str(), "{keys}");
    assert_eq!(keys[0]["version"], 2, "{keys}");
    assert!(
        keys[0]["rotated_by"]
            .as_str()
            .unwrap()
            .starts_with("carol@"),
        "{keys}"
    );
    let teams = b.json(&["team", "list"]);
    assert_eq!(
        teams[0]["last_sync"]["summary"], "0 added, 1 updated, 0 gone, 0 unchanged",
        "{teams}"
    );
    let r = b.json(&["team", "sync", "pol"]);
    assert_eq!(r["previous_removed"], serde_json::json!([keyref]), "{r}");
    assert!(b
        .bus
        .secret_tool_lookup(&format!("{keyref}#previous"))
        .is_none());
    assert_eq!(
        b.bus.secret_tool_lookup(&keyref),
        secret_tool_lookup(&keyref),
        "the current secret stays"
    );
}

#[test]
fn a_sync_never_replaces_a_key_that_did_not_come_from_the_team_and_skips_an_unreadable_entry() {
    let bao = Bao::start();
    let (a, b) = teammates(&bao, "team-skip", "skip");

    // B has its own key of the name A shares: B's secret stays, the sync says why.
    let name = a.name("mail");
    let keyref = format!("local/{name}");
    b.json(&["generate", &name, "--env", "dev"]);
    let mine = b.bus.secret_tool_lookup(&keyref).expect("B's secret");
    a.json(&["generate", &name, "--env", "dev"]);
    a.json(&["share", &name, "--team", "skip"]);
    // An entry written by hand that Keyshelf cannot read is skipped; the others still come.
    let other = a.name("other");
    a.json(&["generate", &other, "--env", "dev"]);
    a.json(&["share", &other, "--team", "skip"]);
    let out = bao.cli(&[
        "kv",
        "put",
        "-cas=0",
        "secret/keyshelf/skip/keys/local/handmade",
        "secret=not-a-real-secret",
        "meta=not-json",
    ]);
    assert!(out.status.success());

    let r = b.json(&["team", "sync", "skip"]);
    assert_eq!(
        r["added"],
        serde_json::json!([format!("local/{other}")]),
        "{r}"
    );
    let skipped = |key: &str| {
        r["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .map(|s| s["reason"].as_str().unwrap().to_owned())
    };
    assert_eq!(r["skipped"].as_array().unwrap().len(), 2, "{r}");
    assert!(
        skipped("local/handmade").is_some_and(|why| why.contains("unreadable metadata")),
        "{r}"
    );
    assert!(
        skipped(&keyref).is_some_and(|why| why.contains("did not come from team skip")),
        "{r}"
    );
    assert_eq!(b.bus.secret_tool_lookup(&keyref), Some(mine));
    assert!(b
        .bus
        .secret_tool_lookup(&format!("{keyref}#previous"))
        .is_none());

    // A failed sync is recorded for the Teams screen and `team list`.
    drop(bao);
    let out = b.run(&["team", "sync", "skip", "--json"], "");
    assert_eq!(out.status.code(), Some(6));
    let teams = b.json(&["team", "list"]);
    assert_eq!(
        teams[0]["last_sync"]["error_code"], "team_unreachable",
        "{teams}"
    );
}
