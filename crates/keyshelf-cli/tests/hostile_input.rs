//! Hostile input at every entry point that `cli_contract.rs` does not cover: non-UTF-8 names,
//! `..`, 129-character names, an unknown environment on every command that takes one, an invalid
//! URL on `provider add`, invalid dates everywhere dates are taken. Each gets exit 2 and a clear
//! message, and nothing is written: no key row, no provider, no keychain item.

mod common;

use common::{stderr, Shelf};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::process::{Output, Stdio};

/// Runs with raw `OsString` arguments (for invalid UTF-8) and `stdin`.
fn run_os(s: &Shelf, args: &[OsString], stdin: &str) -> Output {
    let mut c = s.cmd(&[]);
    c.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn keyshelf");
    if let Some(mut i) = child.stdin.take() {
        use std::io::Write;
        let _ = i.write_all(stdin.as_bytes());
    }
    child.wait_with_output().expect("wait")
}

fn assert_nothing_written(s: &Shelf, names: &[&str]) {
    assert_eq!(s.json(&["list"]), serde_json::json!([]));
    assert_eq!(s.json(&["provider", "list"]), serde_json::json!([]));
    for n in names {
        for account in [
            format!("local/{n}"),
            format!("acme/{n}"),
            format!("provider:{n}"),
        ] {
            assert_eq!(common::secret_tool_lookup(&account), None, "{account}");
        }
    }
}

#[test]
fn non_utf8_names_are_refused_on_every_command_that_takes_a_name() {
    let s = Shelf::new("hostile-utf8");
    let bad = OsString::from_vec(b"key-\xff\xfe-name".to_vec());
    let o = |v: &str| OsString::from(v);
    let cases: Vec<Vec<OsString>> = vec![
        vec![o("import"), bad.clone(), o("--env"), o("dev")],
        vec![o("generate"), bad.clone(), o("--env"), o("dev")],
        vec![
            o("create"),
            bad.clone(),
            o("--provider"),
            o("acme"),
            o("--env"),
            o("dev"),
        ],
        vec![o("show"), bad.clone()],
        vec![o("get"), bad.clone()],
        vec![o("edit"), bad.clone(), o("--interval"), o("30")],
        vec![o("snooze"), bad.clone(), o("--until"), o("2030-01-01")],
        vec![o("remove"), bad.clone(), o("--yes")],
        vec![o("rotate"), bad.clone()],
        vec![
            o("provider"),
            o("add"),
            bad.clone(),
            o("--base-url"),
            o("http://127.0.0.1:9"),
            o("--token-stdin"),
        ],
        vec![o("import"), o("ok-name"), o("--env"), bad.clone()],
    ];
    for args in &cases {
        let out = run_os(&s, args, "fixture-value-not-a-real-key\n");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("UTF-8"), "{args:?}: {err}");
    }
    assert_nothing_written(&s, &["ok-name"]);
}

#[test]
fn dot_dot_and_129_character_names_are_refused() {
    let s = Shelf::new("hostile-names");
    let long = "n".repeat(129);
    let max = "m".repeat(128);
    for name in ["..", ".", "../escape", long.as_str()] {
        for args in [
            vec!["import", name, "--env", "dev"],
            vec!["generate", name, "--env", "dev"],
            vec![
                "provider",
                "add",
                name,
                "--base-url",
                "http://127.0.0.1:9",
                "--token-stdin",
            ],
        ] {
            let out = s.run_in(&args, "fixture-value-not-a-real-key\n");
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            assert!(!err.is_empty() && err.len() < 2000, "{args:?}: {err}");
        }
    }
    assert_nothing_written(&s, &["..", ".", long.as_str()]);
    // 128 characters is the documented limit and works.
    s.ok_in(
        &["import", &max, "--env", "dev"],
        "fixture-value-not-a-real-key\n",
    );
    s.ok(&["remove", &max, "--yes"]);
}

#[test]
fn an_unknown_environment_is_refused_by_every_command_that_takes_one() {
    let s = Shelf::new("hostile-env");
    let name = s.name("k");
    let env = "no-such-env";
    let cases: Vec<Vec<&str>> = vec![
        vec!["import", &name, "--env", env],
        vec!["generate", &name, "--env", env],
        vec!["create", &name, "--provider", "acme", "--env", env],
        vec!["list", "--env", env],
        vec!["exec", "--env", env, "--", "true"],
        vec!["env", "--env", env],
        vec!["policy", "remove", env],
        vec![
            "provider",
            "add",
            "hostile-p",
            "--base-url",
            "http://127.0.0.1:9",
            "--env",
            env,
            "--token-stdin",
        ],
    ];
    for args in &cases {
        let out = s.run_in(args, "fixture-value-not-a-real-key\n");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("unknown environment"), "{args:?}: {err}");
    }
    assert_nothing_written(&s, &[name.as_str(), "hostile-p"]);
}

#[test]
fn invalid_urls_on_provider_add_are_refused() {
    let s = Shelf::new("hostile-url");
    for url in [
        "not a url",
        "ftp://example.com",
        "http://example.com",
        "https://",
        "https://user:fixture-password@example.com",
        "javascript:alert(1)",
        "",
    ] {
        let args = [
            "provider",
            "add",
            "hostile-u",
            "--base-url",
            url,
            "--token-stdin",
        ];
        let out = s.run_in(&args, "fixture-token-not-real\n");
        let err = stderr(&out);
        assert!(
            matches!(out.status.code(), Some(2) | Some(6)),
            "{url:?}: {:?} {err}",
            out.status.code()
        );
        assert!(
            !err.contains("fixture-password") && !err.contains("fixture-token-not-real"),
            "{err}"
        );
    }
    assert_nothing_written(&s, &["hostile-u"]);
}

#[test]
fn invalid_dates_are_refused_everywhere_dates_are_taken() {
    let s = Shelf::new("hostile-dates");
    let name = s.name("k");
    let bad_dates = [
        "yesterday",
        "2026-02-30",
        "2026-13-01",
        "99999-01-01",
        "2026-1-1x",
        "",
    ];
    for d in bad_dates {
        let out = s.run_in(
            &["import", &name, "--env", "dev", "--rotated-at", d],
            "fixture-value-not-a-real-key\n",
        );
        assert_eq!(out.status.code(), Some(2), "import {d:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("date"), "{d:?}: {}", stderr(&out));
    }
    assert_nothing_written(&s, &[name.as_str()]);
    // snooze takes a date on an existing key: the key is left as it was.
    s.ok_in(
        &["import", &name, "--env", "dev"],
        "fixture-value-not-a-real-key\n",
    );
    let before = s.json(&["show", &name]);
    for d in bad_dates {
        let out = s.run(&["snooze", &name, "--until", d]);
        assert_eq!(out.status.code(), Some(2), "snooze {d:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("date"), "{d:?}: {}", stderr(&out));
    }
    assert_eq!(s.json(&["show", &name]), before);
    s.ok(&["remove", &name, "--yes"]);
}
