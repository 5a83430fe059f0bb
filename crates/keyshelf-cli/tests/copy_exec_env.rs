//! Keys into tools, through the real binary, keychain and X clipboard (Xvfb from
//! scripts/with-keyring.sh): `copy` serves then clears, never wipes what was copied since;
//! `exec` and `env` deliver values exactly; every hand-out is audited without its value.

mod common;

use common::{assert_quiet, assert_success, stderr, Shelf};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The X clipboard is one for the whole display: tests that use it take turns.
static CLIPBOARD: Mutex<()> = Mutex::new(());

fn clipboard_turn() -> MutexGuard<'static, ()> {
    CLIPBOARD.lock().unwrap_or_else(|p| p.into_inner())
}

/// A value with the characters that break naive quoting.
const AWKWARD: &str = r#"fixture 'not-a-real' "key" $HOME `x` \n; &|*"#;

fn import(s: &Shelf, short: &str, env: &str, var: Option<&str>, value: &str) -> String {
    let name = s.name(short);
    let mut args = vec!["import", &name, "--env", env];
    if let Some(v) = var {
        args.extend(["--var", v]);
    }
    s.ok_in(&args, value);
    name
}

/// The clipboard's text, `None` when nobody owns it.
fn clipboard() -> Option<String> {
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .stderr(Stdio::null())
        .output()
        .expect("xclip is installed by scripts/setup.sh");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn wait_for_clipboard(expected: &str) {
    let start = Instant::now();
    while clipboard().as_deref() != Some(expected) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the clipboard never held the copied text (it holds {:?})",
            clipboard().map(|c| c.len())
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until `child` (a running `keyshelf copy`) serves `expected`; fails with its stderr if it
/// exits first.
fn wait_for_copy(child: &mut Child, expected: &str) {
    let start = Instant::now();
    while clipboard().as_deref() != Some(expected) {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("keyshelf copy exited with {status} before serving: {err}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the clipboard never held the copied text"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn spawn_copy(s: &Shelf, args: &[&str]) -> Child {
    require_display();
    s.cmd(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn keyshelf copy")
}

fn require_display() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "the clipboard tests need the Xvfb display of scripts/with-keyring.sh"
    );
}

/// Another program taking the clipboard: xclip in the foreground, killed by the caller.
fn take_clipboard(text: &str) -> Child {
    let mut c = Command::new("xclip")
        .args(["-quiet", "-selection", "clipboard", "-i"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn xclip");
    c.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    wait_for_clipboard(text);
    c
}

fn audit_actions(s: &Shelf, name: &str) -> Vec<(String, String)> {
    let v = s.json(&["audit", name]);
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn copy_serves_the_value_and_clears_it_after_the_delay() {
    let s = Shelf::new("copy-clears");
    let _turn = clipboard_turn();
    let value = "fixture-value-not-a-real-key-clears";
    let name = import(&s, "k", "dev", None, value);
    let started = Instant::now();
    let mut child = spawn_copy(&s, &["copy", &name, "--clear-after", "2"]);
    wait_for_copy(&mut child, value);
    let out = child.wait_with_output().unwrap();
    assert_success(&out, &["copy"]);
    assert!(started.elapsed() >= Duration::from_secs(2), "cleared early");
    assert!(
        stderr(&out).contains("clipboard cleared"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains(value) && out.stdout.is_empty());
    assert_ne!(clipboard().as_deref(), Some(value));
}

#[test]
fn copy_leaves_alone_what_was_copied_meanwhile() {
    let s = Shelf::new("copy-left-alone");
    let _turn = clipboard_turn();
    let value = "fixture-value-not-a-real-key-alone";
    let name = import(&s, "k", "dev", None, value);
    let started = Instant::now();
    let mut child = spawn_copy(&s, &["copy", &name, "--clear-after", "2"]);
    wait_for_copy(&mut child, value);
    let mut other = take_clipboard("the user's own text");
    let out = child.wait_with_output().unwrap();
    assert_success(&out, &["copy"]);
    assert!(
        stderr(&out).contains("another program took the clipboard"),
        "{}",
        stderr(&out)
    );
    // Past the delay, the user's text is still there.
    std::thread::sleep(
        Duration::from_secs(2).saturating_sub(started.elapsed()) + Duration::from_millis(500),
    );
    assert_eq!(clipboard().as_deref(), Some("the user's own text"));
    other.kill().unwrap();
    other.wait().unwrap();
}

#[test]
fn copy_with_no_delay_serves_until_another_program_takes_over() {
    let s = Shelf::new("copy-never");
    let _turn = clipboard_turn();
    let value = "fixture-value-not-a-real-key-never";
    let name = import(&s, "k", "dev", None, value);
    s.ok(&["clear-after", "0"]);
    assert_eq!(s.ok(&["clear-after"]).trim(), "never");
    let mut child = spawn_copy(&s, &["copy", &name]);
    wait_for_copy(&mut child, value);
    std::thread::sleep(Duration::from_millis(1500));
    assert!(child.try_wait().unwrap().is_none(), "stopped serving");
    assert_eq!(clipboard().as_deref(), Some(value));
    let mut other = take_clipboard("replacement text");
    let out = child.wait_with_output().unwrap();
    assert_success(&out, &["copy"]);
    assert!(stderr(&out).contains("will not be cleared"));
    assert_eq!(clipboard().as_deref(), Some("replacement text"));
    other.kill().unwrap();
    other.wait().unwrap();
}

#[test]
fn copy_formats_reach_the_clipboard() {
    let s = Shelf::new("copy-formats");
    let _turn = clipboard_turn();
    let value = "fixture-value-not-a-real-key-fmt";
    let name = import(&s, "k", "dev", Some("SHOP_KEY"), value);
    let cases: [(&[&str], String); 4] = [
        (
            &["--format", "header"],
            format!("Authorization: Bearer {value}"),
        ),
        (
            &["--format", "header", "--scheme", "x-api-key"],
            format!("X-API-Key: {value}"),
        ),
        (&["--format", "env"], format!("SHOP_KEY='{value}'")),
        (
            &[
                "--format",
                "curl",
                "--url",
                "https://api.example.test/v1/me",
            ],
            format!("curl -sS -H 'Authorization: Bearer {value}' 'https://api.example.test/v1/me'"),
        ),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["copy", name.as_str(), "--clear-after", "1"];
        args.extend_from_slice(extra);
        let mut child = spawn_copy(&s, &args);
        wait_for_copy(&mut child, &expected);
        assert_success(&child.wait_with_output().unwrap(), &args);
    }
    let details: Vec<String> = audit_actions(&s, &name)
        .into_iter()
        .filter(|(a, _)| a == "copy")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(
        details,
        [
            "format curl",
            "format env",
            "format header",
            "format header"
        ]
    );
}

#[test]
fn copy_refuses_curl_without_a_url_before_reading_the_key() {
    let s = Shelf::new("copy-no-url");
    let name = import(&s, "k", "dev", None, "fixture-value-not-a-real-key-nourl");
    let out = s.run(&["copy", &name, "--format", "curl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--url"), "{}", stderr(&out));
    assert!(!audit_actions(&s, &name).iter().any(|(a, _)| a == "copy"));
    let out = s.run(&["copy", &name, "--format", "xml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn exec_puts_exact_values_in_the_child_environment() {
    let s = Shelf::new("exec-values");
    let a = import(&s, "a", "prod", Some("KS_TEST_A"), AWKWARD);
    let b = import(&s, "b", "prod", None, "fixture-value-not-a-real-key-b");
    let c = import(
        &s,
        "c",
        "dev",
        Some("KS_TEST_C"),
        "fixture-value-not-a-real-key-c",
    );
    let out = s.run(&[
        "exec",
        "--env",
        "prod",
        "--set",
        &format!("KS_TEST_B={b}"),
        "--",
        "sh",
        "-c",
        r#"printf '%s|%s|%s' "$KS_TEST_A" "$KS_TEST_B" "${KS_TEST_C-unset}""#,
    ]);
    assert_success(&out, &["exec"]);
    assert_eq!(
        String::from_utf8(out.stdout.clone()).unwrap(),
        format!("{AWKWARD}|fixture-value-not-a-real-key-b|unset")
    );
    assert_quiet(&out, "exec");
    // --set overrides the environment's variable.
    let out = s.run(&[
        "exec",
        "--env",
        "prod",
        "--set",
        &format!("KS_TEST_A={c}"),
        "--",
        "printenv",
        "KS_TEST_A",
    ]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "fixture-value-not-a-real-key-c\n"
    );
    let actions = audit_actions(&s, &a);
    assert_eq!(
        actions[0],
        ("exec".to_owned(), "as KS_TEST_A, for sh".to_owned())
    );
}

#[test]
fn exec_propagates_the_exit_code_and_forwards_signals() {
    let s = Shelf::new("exec-exit");
    let k = import(&s, "k", "dev", None, "fixture-value-not-a-real-key-exit");
    let set = format!("K={k}");
    let out = s.run(&["exec", "--set", &set, "--", "sh", "-c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7));
    let mut child = s
        .cmd(&[
            "exec",
            "--set",
            &set,
            "--",
            "sh",
            "-c",
            "trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "ready\n");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(child.wait().unwrap().code(), Some(42));
    // Bad input fails before anything runs.
    let out = s.run(&["exec", "--set", "1BAD=x", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    let out = s.run(&["exec", "--env", "dev", "--", "true"]);
    assert!(stderr(&out).contains("--var"), "{}", stderr(&out));
}

fn sh_eval(script: &str, prelude: &str, var: &str) -> String {
    let out: Output = Command::new("sh")
        .args([
            "-c",
            &format!("{prelude} eval \"$1\"; printf %s \"${var}\""),
            "sh",
            script,
        ])
        .env_remove(var)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn env_prints_every_format_and_each_round_trips() {
    let s = Shelf::new("env-formats");
    let a = import(&s, "a", "staging", Some("KS_ENV_A"), AWKWARD);
    let plain = "fixture-value-not-a-real-key-plain";
    import(&s, "p", "staging", Some("KS_ENV_P"), plain);
    let shell = s.ok(&["env", "--env", "staging", "--format", "shell"]);
    assert!(shell.starts_with("export KS_ENV_A='"), "{shell}");
    assert_eq!(sh_eval(&shell, "", "KS_ENV_A"), AWKWARD);
    assert_eq!(sh_eval(&shell, "", "KS_ENV_P"), plain);
    let dotenv = s.ok(&["env", "--env", "staging"]);
    assert!(dotenv.contains(&format!("KS_ENV_P={plain}\n")), "{dotenv}");
    // The quoting is also POSIX-shell compatible (set -a; . .env).
    assert_eq!(sh_eval(&dotenv, "set -a;", "KS_ENV_A"), AWKWARD);
    let json: serde_json::Value =
        serde_json::from_str(&s.ok(&["env", "--env", "staging", "--format", "json"])).unwrap();
    assert_eq!(json["KS_ENV_A"], AWKWARD);
    assert_eq!(json["KS_ENV_P"], plain);
    let details: Vec<String> = audit_actions(&s, &a)
        .into_iter()
        .map(|(_, d)| d)
        .take(3)
        .collect();
    assert_eq!(
        details,
        [
            "as KS_ENV_A, format json",
            "as KS_ENV_A, format dotenv",
            "as KS_ENV_A, format shell"
        ]
    );
    assert_eq!(
        s.run(&["env", "--env", "staging", "--format", "yaml"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn var_names_are_edited_shown_and_validated() {
    let s = Shelf::new("edit-var");
    let name = import(&s, "k", "dev", None, "fixture-value-not-a-real-key-var");
    let v = s.json(&["edit", &name, "--var", "MY_TOOL_KEY"]);
    assert_eq!(
        v["key"]["var_name"].as_str().or(v["var_name"].as_str()),
        Some("MY_TOOL_KEY")
    );
    assert!(s.ok(&["show", &name]).contains("MY_TOOL_KEY"));
    let out = s.run(&["edit", &name, "--var", "BAD-NAME", "--interval", "5"]);
    assert_eq!(out.status.code(), Some(2));
    // The bad variable refused the whole edit: the interval is unchanged.
    assert!(!s.ok(&["show", &name]).contains("(own)"));
    s.ok(&["edit", &name, "--no-var"]);
    let out = s.run(&["exec", "--env", "dev", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_audit_shows_every_hand_out_and_never_a_value() {
    let s = Shelf::new("audit-handouts");
    let _turn = clipboard_turn();
    let value = "fixture-value-not-a-real-key-audit";
    let name = import(&s, "k", "dev", Some("KS_AUDIT"), value);
    s.ok(&["get", &name]);
    s.ok(&["env", "--env", "dev"]);
    s.ok(&["exec", "--env", "dev", "--", "true"]);
    let mut child = spawn_copy(&s, &["copy", &name, "--clear-after", "1"]);
    wait_for_copy(&mut child, value);
    assert_success(&child.wait_with_output().unwrap(), &["copy"]);
    let actions: Vec<String> = audit_actions(&s, &name)
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(actions[..4], ["copy", "exec", "env", "get"]);
    let text = s.ok(&["audit", &name]);
    assert!(text.contains("copy") && !text.contains(value));
    // The WAL holds the latest writes until SQLite checkpoints it: scan both files.
    for file in ["keyshelf.db", "keyshelf.db-wal"] {
        let bytes = std::fs::read(s.home_path().join(file)).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&bytes).contains(value), "{file}");
    }
}

#[test]
fn copy_without_a_display_fails_clearly_and_reads_nothing() {
    let s = Shelf::new("copy-no-display");
    let name = import(
        &s,
        "k",
        "dev",
        None,
        "fixture-value-not-a-real-key-nodisplay",
    );
    let out = s
        .cmd(&["copy", &name, "--json"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "clipboard_unavailable");
    assert!(!audit_actions(&s, &name).iter().any(|(a, _)| a == "copy"));
}

#[test]
fn copy_takes_the_scheme_and_verify_url_from_the_keys_provider_and_the_curl_command_works() {
    let _turn = clipboard_turn();
    let s = Shelf::new("copy-prov");
    let sim = keyshelf_provider_sim::spawn(keyshelf_provider_sim::Config::default(), 0)
        .expect("simulator");
    let p = s.name("prov");
    s.ok_in(
        &[
            "provider",
            "add",
            &p,
            "--base-url",
            &sim.url,
            "--key-scheme",
            "x-api-key",
            "--verify-path",
            "/api-routes-data",
            "--token-stdin",
        ],
        "sim-management-token-not-real",
    );
    let name = s.name("k");
    s.ok(&[
        "create",
        &name,
        "--provider",
        &p,
        "--env",
        "dev",
        "--user",
        "api_user_copy",
    ]);
    let keyref = format!("{p}/{name}");
    let secret = s.ok(&["get", &keyref]);

    // No --scheme: the header follows the provider's x-api-key scheme.
    let mut child = spawn_copy(
        &s,
        &["copy", &keyref, "--format", "header", "--clear-after", "2"],
    );
    wait_for_copy(&mut child, &format!("X-API-Key: {secret}"));
    assert!(child.wait().expect("wait").success());

    // No --url: curl calls the provider's verify endpoint. Run the copied command for real.
    let mut child = spawn_copy(
        &s,
        &["copy", &keyref, "--format", "curl", "--clear-after", "3"],
    );
    let start = Instant::now();
    let command = loop {
        if let Some(text) = clipboard().filter(|t| t.starts_with("curl")) {
            break text;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "curl command never copied"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        command.contains(&format!("{}/api-routes-data", sim.url)),
        "{command}"
    );
    let ran = Command::new("sh")
        .args([
            "-c",
            &format!("{command} --fail --silent --output /dev/null"),
        ])
        .status()
        .expect("sh");
    assert!(
        ran.success(),
        "the copied curl command was refused by the provider"
    );
    let remote_id = sim.keys()[0].id;
    assert!(sim.with(|st| st
        .usage
        .iter()
        .any(|u| u.api_key_id == remote_id && u.status == 200)));
    assert!(child.wait().expect("wait").success());
}
