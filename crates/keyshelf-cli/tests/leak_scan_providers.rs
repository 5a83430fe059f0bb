//! Logs redact: the provider flows at `KEYSHELF_LOG=trace`, on success and on every error path
//! (401, 500, not JSON, a failing OAuth2 token fetch, a base URL with userinfo), with known
//! tokens, client secrets and key values in play. No value, token, Authorization header or URL
//! userinfo appears on stderr, and none (nor the OAuth2 access token, which lives only in the
//! keychain) in the home or temp directory. Searched raw, base64 and hex.

mod common;
use base64::Engine;
use common::{secret_tool_lookup, Shelf};
use keyshelf_provider_sim::{Config, Faults};
use std::path::Path;
use std::process::Output;

const MGMT_TOKEN: &str = "leak-mgmt-token-Hq83z1";
const CLIENT: &str = "leak-client-id";
const CLIENT_SECRET: &str = "leak-client-secret-Pw9x";
const USERINFO_PASS: &str = "leak-userinfo-pass-Z0q";

fn forms(value: &str) -> Vec<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
    vec![
        value.as_bytes().to_vec(),
        b64.encode(value).into_bytes(),
        b64url.encode(value).into_bytes(),
        hex.into_bytes(),
    ]
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn provider_error_paths_at_trace_level_leak_no_token_key_header_or_userinfo() {
    let s = Shelf::new("leak-prov");
    let tmp = tempfile::tempdir().expect("tmp");
    let sim = keyshelf_provider_sim::spawn(
        Config {
            token: MGMT_TOKEN.into(),
            client_id: CLIENT.into(),
            client_secret: CLIENT_SECRET.into(),
            ..Config::default()
        },
        0,
    )
    .expect("simulator");
    let run = |args: &[&str], stdin: &str| -> Output {
        let mut c = s.cmd(args);
        c.env("TMPDIR", tmp.path()).env("KEYSHELF_LOG", "trace");
        let mut child = c
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        use std::io::Write;
        let _ = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes());
        child.wait_with_output().expect("wait")
    };
    let (pb, po, pw, pu) = (
        s.name("bearer"),
        s.name("oauth"),
        s.name("wrongoauth"),
        s.name("userinfo"),
    );
    let (k1, k2) = (s.name("k1"), s.name("k2"));
    let verify = [
        "--key-scheme",
        "bearer",
        "--verify-path",
        "/api/v1/users/me",
    ];
    let mut outs: Vec<(String, Output)> = Vec::new();
    let mut step = |label: &str, args: &[&str], stdin: &str| {
        let out = run(args, stdin);
        outs.push((label.to_owned(), out));
    };
    let mut add = vec![
        "provider",
        "add",
        &pb,
        "--base-url",
        &sim.url,
        "--token-stdin",
    ];
    add.extend_from_slice(&verify);
    step("add bearer", &add, &format!("{MGMT_TOKEN}\n"));
    step(
        "create k1",
        &[
            "create",
            &k1,
            "--provider",
            &pb,
            "--env",
            "dev",
            "--user",
            "u",
        ],
        "",
    );
    step("verify ok", &["verify", &k1], "");
    step("usage ok", &["usage", "--provider", &pb], "");
    // 500s (more than the retries), not JSON, cut off.
    for (label, f) in [
        (
            "500",
            Faults {
                fail_500: 20,
                ..Faults::default()
            },
        ),
        (
            "malformed",
            Faults {
                malformed_json: 20,
                ..Faults::default()
            },
        ),
        (
            "truncated",
            Faults {
                truncated: 20,
                ..Faults::default()
            },
        ),
    ] {
        sim.set_faults(f);
        step(
            &format!("sync {label}"),
            &["sync", "--provider", &pb, "--json"],
            "",
        );
        step(&format!("verify {label}"), &["verify", &k1, "--json"], "");
        step(&format!("usage {label}"), &["usage", "--provider", &pb], "");
        step(
            &format!("create {label}"),
            &[
                "create",
                &k2,
                "--provider",
                &pb,
                "--env",
                "dev",
                "--user",
                "u",
            ],
            "",
        );
    }
    sim.set_faults(Faults::default());
    // 401 on verify: the provider no longer knows the key's value.
    let k1_value = sim.keys()[0].api_key.clone();
    sim.with(|st| st.keys[0].api_key = "leak-changed-on-provider-Mm2".into());
    step("verify 401", &["verify", &k1, "--json"], "");
    // 401 on management: the token was revoked.
    sim.with(|st| st.config.token = "leak-rotated-mgmt-token-Xy7".into());
    step("sync 401", &["sync", "--provider", &pb], "");
    step(
        "create 401",
        &[
            "create",
            &k2,
            "--provider",
            &pb,
            "--env",
            "dev",
            "--user",
            "u",
        ],
        "",
    );
    step("usage 401", &["usage", "--provider", &pb], "");
    // OAuth2: a good fetch (the access token is cached in the keychain), a failing one, a 500.
    let creds = format!("{CLIENT}:{CLIENT_SECRET}\n");
    step(
        "add oauth",
        &[
            "provider",
            "add",
            &po,
            "--base-url",
            &sim.url,
            "--auth",
            "oauth2",
            "--token-stdin",
        ],
        &creds,
    );
    step("sync oauth", &["sync", "--provider", &po], "");
    let mut access_tokens: Vec<String> = sim.with(|st| st.tokens.keys().cloned().collect());
    assert!(!access_tokens.is_empty(), "the OAuth2 fetch did not happen");
    // The access token is cached in the keychain (and, below, found in no file).
    let cached = secret_tool_lookup(&format!("provider:{po}#access-token"));
    assert!(
        cached.is_some_and(|c| access_tokens.iter().any(|t| c.contains(t.as_str()))),
        "the access token is not in the keychain"
    );
    let wrong = format!("{CLIENT}:leak-wrong-client-secret-Tt4\n");
    step(
        "add wrong oauth",
        &[
            "provider",
            "add",
            &pw,
            "--base-url",
            &sim.url,
            "--auth",
            "oauth2",
            "--token-stdin",
        ],
        &wrong,
    );
    step(
        "sync wrong oauth",
        &["sync", "--provider", &pw, "--json"],
        "",
    );
    sim.with(|st| st.tokens.clear());
    sim.set_faults(Faults {
        fail_500: 20,
        path_prefix: "/oauth/token".into(),
        ..Faults::default()
    });
    sim.with(|st| st.config.token_ttl = std::time::Duration::from_secs(1));
    step(
        "usage oauth 500",
        &["usage", "--provider", &po, "--json"],
        "",
    );
    sim.set_faults(Faults::default());
    access_tokens.extend(sim.with(|st| st.tokens.keys().cloned().collect::<Vec<_>>()));
    // A base URL with userinfo.
    let with_userinfo = sim
        .url
        .replacen("://", &format!("://leakuser:{USERINFO_PASS}@"), 1);
    step(
        "add userinfo",
        &[
            "provider",
            "add",
            &pu,
            "--base-url",
            &with_userinfo,
            "--token-stdin",
        ],
        "leak-userinfo-flow-token-Ab1\n",
    );
    step("sync userinfo", &["sync", "--provider", &pu], "");

    // The flows ran: the successes succeeded, the failures failed with a provider error.
    let find = |l: &str| &outs.iter().find(|(x, _)| x == l).expect(l).1;
    for ok in [
        "add bearer",
        "create k1",
        "verify ok",
        "usage ok",
        "add oauth",
        "sync oauth",
    ] {
        assert!(
            find(ok).status.success(),
            "{ok}: {}",
            String::from_utf8_lossy(&find(ok).stderr)
        );
    }
    for bad in [
        "sync 500",
        "verify malformed",
        "verify 401",
        "sync 401",
        "sync wrong oauth",
        "usage oauth 500",
    ] {
        let code = find(bad).status.code();
        assert!(
            matches!(code, Some(4..=6)),
            "{bad}: {code:?} {}",
            String::from_utf8_lossy(&find(bad).stderr)
        );
    }
    for (label, out) in &outs {
        assert!(
            !out.stderr.is_empty() || out.status.success(),
            "{label}: no trace output"
        );
    }

    let secrets = [
        MGMT_TOKEN,
        "leak-rotated-mgmt-token-Xy7",
        CLIENT_SECRET,
        "leak-wrong-client-secret-Tt4",
        USERINFO_PASS,
        "leak-userinfo-flow-token-Ab1",
        "leak-changed-on-provider-Mm2",
        &k1_value,
    ];
    let all: Vec<&str> = secrets
        .iter()
        .copied()
        .chain(access_tokens.iter().map(String::as_str))
        .collect();
    for (label, out) in &outs {
        let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
        assert!(
            !err.contains("authorization:") && !err.contains("\"authorization\""),
            "{label}: an Authorization header in {err}"
        );
        assert!(
            !err.contains("leakuser:"),
            "{label}: URL userinfo in stderr"
        );
        for v in &all {
            for f in forms(v) {
                assert!(
                    !contains(&out.stderr, &f),
                    "{label}: a secret ({} chars) on stderr",
                    v.len()
                );
                // stdout carries the value only where it was asked for (create hands it over).
                if label != "create k1" {
                    assert!(!contains(&out.stdout, &f), "{label}: a secret on stdout");
                }
            }
        }
    }
    let mut files = Vec::new();
    files_under(s.home_path(), &mut files);
    files_under(tmp.path(), &mut files);
    assert!(
        files.iter().any(|f| f.ends_with("keyshelf.db")),
        "{files:?}"
    );
    for file in &files {
        let bytes = std::fs::read(file).expect("read");
        for v in &all {
            for f in forms(v) {
                assert!(!contains(&bytes, &f), "a secret is in {}", file.display());
            }
        }
    }
}

/// The team flows at `KEYSHELF_LOG=trace` against a real `bao server -dev`: a refused token, a
/// refused userpass login, then add, share, sync, test, a userpass login whose token is cached,
/// a teammate's key arriving and its new version replacing it, a rotation publishing its new
/// secret, and a sealed server. No token, password or shared value (the ones the test chose, and
/// those Keyshelf made: the login's token, the rotated secret) appears on stdout, stderr, or in
/// the home or temp dir.
#[test]
fn team_flows_at_trace_level_leak_no_token_password_or_shared_value() {
    const ROOT: &str = "leak-bao-root-Kd72m";
    const PASSWORD: &str = "leak-bao-password-Vx31";
    const PASSWORD2: &str = "leak-bao-password-Wz84";
    const VALUE: &str = "leak-shared-value-Qm58";
    const TEAMMATES: [&str; 2] = ["leak-teammate-value-Jp17", "leak-teammate-value-Hc92"];
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("http://127.0.0.1:{port}");
    let mut bao = std::process::Command::new("bao")
        .args([
            "server",
            "-dev",
            &format!("-dev-root-token-id={ROOT}"),
            &format!("-dev-listen-address=127.0.0.1:{port}"),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("bao is installed by scripts/setup.sh");
    let cli = |args: &[&str]| {
        std::process::Command::new("bao")
            .args(args)
            .env("BAO_ADDR", &addr)
            .env("BAO_TOKEN", ROOT)
            .output()
            .expect("bao")
    };
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !common::bao::mount_ready(&cli(&["kv", "list", "secret/"])) {
        assert!(
            std::time::Instant::now() < until,
            "bao server -dev did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(cli(&["auth", "enable", "userpass"]).status.success());
    assert!(cli(&[
        "write",
        "auth/userpass/users/leak",
        "password=other-password"
    ])
    .status
    .success());
    assert!(cli(&[
        "write",
        "auth/userpass/users/leak2",
        &format!("password={PASSWORD2}"),
        "token_policies=default,keyshelf-leak",
    ])
    .status
    .success());
    let mut policy = std::process::Command::new("bao");
    policy
        .args(["policy", "write", "keyshelf-leak", "-"])
        .env("BAO_ADDR", &addr)
        .env("BAO_TOKEN", ROOT);
    let out = common::run_with_stdin(
        policy,
        r#"path "secret/*" { capabilities = ["read", "list"] }"#,
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    // A teammate's publication: version `cas + 1` of `path`, with `secret`.
    let publish = |path: &str, secret: &str, cas: u64| {
        let entry = serde_json::json!({
            "secret": secret,
            "meta": { "env": "dev", "provider": "local", "shared_by": "teammate@leak" },
        });
        let answer = reqwest::blocking::Client::new()
            .post(format!("{addr}/v1/secret/data/{path}"))
            .header("X-Vault-Token", ROOT)
            .json(&serde_json::json!({ "data": entry, "options": { "cas": cas } }))
            .send()
            .expect("OpenBao answers");
        assert!(answer.status().is_success(), "{:?}", answer.text());
    };

    let s = Shelf::new("leak-team");
    let tmp = tempfile::tempdir().expect("tmp");
    let run = |args: &[&str], stdin: &str| -> Output {
        let mut cmd = s.cmd(args);
        cmd.env("KEYSHELF_LOG", "trace").env("TMPDIR", tmp.path());
        common::run_with_stdin(cmd, stdin)
    };
    let name = s.name("shared");
    let mut outs = vec![
        (
            "bad token",
            run(
                &["team", "add", "bad", "--addr", &addr, "--credential-stdin"],
                &format!("{ROOT}x"),
            ),
        ),
        (
            "bad login",
            run(
                &[
                    "team",
                    "add",
                    "up",
                    "--addr",
                    &addr,
                    "--auth",
                    "userpass",
                    "--credential-stdin",
                ],
                &format!("leak:{PASSWORD}"),
            ),
        ),
        (
            "add",
            run(
                &["team", "add", "ops", "--addr", &addr, "--credential-stdin"],
                ROOT,
            ),
        ),
        ("import", run(&["import", &name, "--env", "dev"], VALUE)),
        ("share", run(&["share", &name, "--team", "ops"], "")),
        ("sync", run(&["team", "sync", "ops", "--json"], "")),
        ("test", run(&["team", "test", "ops", "--json"], "")),
        (
            "login",
            run(
                &[
                    "team",
                    "add",
                    "up2",
                    "--addr",
                    &addr,
                    "--auth",
                    "userpass",
                    "--credential-stdin",
                ],
                &format!("leak2:{PASSWORD2}"),
            ),
        ),
        ("cached login", run(&["team", "test", "up2", "--json"], "")),
    ];
    let theirs = s.name("theirs");
    publish(
        &format!("keyshelf/ops/keys/local/{theirs}"),
        TEAMMATES[0],
        0,
    );
    outs.push(("arrives", run(&["team", "sync", "ops", "--json"], "")));
    publish(
        &format!("keyshelf/ops/keys/local/{theirs}"),
        TEAMMATES[1],
        1,
    );
    outs.push(("replaced", run(&["team", "sync", "ops", "--json"], "")));
    outs.push((
        "rotate",
        run(&["rotate", &name, "--confirm-updated", "--json"], ""),
    ));
    assert!(
        outs.iter().skip(2).all(|(_, o)| o.status.success()),
        "the team flow works: {:?}",
        outs.iter()
            .map(|(l, o)| (l, common::stderr(o)))
            .collect::<Vec<_>>()
    );
    // What Keyshelf made: the login's token (cached in the keychain as "<expiry> <token>") and
    // the rotated secret; and the teammate's secrets did arrive.
    let login = secret_tool_lookup("team:up2#token").expect("the login's token is cached");
    let login = login
        .split_once(' ')
        .expect("<expiry> <token>")
        .1
        .to_owned();
    let rotated = secret_tool_lookup(&format!("local/{name}")).expect("the rotated secret");
    assert_ne!(rotated, VALUE, "the key was rotated");
    let theirs_ref = format!("local/{theirs}");
    assert_eq!(
        secret_tool_lookup(&theirs_ref).as_deref(),
        Some(TEAMMATES[1])
    );
    assert_eq!(
        secret_tool_lookup(&format!("{theirs_ref}#previous")).as_deref(),
        Some(TEAMMATES[0])
    );
    assert!(cli(&["operator", "seal"]).status.success());
    outs.push(("sealed", run(&["team", "sync", "ops"], "")));
    let _ = bao.kill();
    let _ = bao.wait();
    let secrets = [
        ROOT,
        PASSWORD,
        PASSWORD2,
        VALUE,
        TEAMMATES[0],
        TEAMMATES[1],
        &login,
        &rotated,
    ];
    for (label, out) in &outs {
        for v in secrets {
            for f in forms(v) {
                assert!(!contains(&out.stderr, &f), "{label}: a secret on stderr");
                assert!(!contains(&out.stdout, &f), "{label}: a secret on stdout");
            }
        }
    }
    let mut files = Vec::new();
    files_under(s.home_path(), &mut files);
    files_under(tmp.path(), &mut files);
    for file in files {
        let bytes = std::fs::read(&file).unwrap_or_default();
        for v in secrets {
            for f in forms(v) {
                assert!(!contains(&bytes, &f), "a secret is in {}", file.display());
            }
        }
    }
}
