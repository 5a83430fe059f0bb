//! The model-based test of the guided rotation (issue 13, "Tests"): generated interleavings of two
//! processes — the desktop and the CLI, both the real `keyshelf` binary, since the desktop calls
//! the same core functions — issuing start / resume / abort / delete / deactivate / activate, some
//! killed right after a step (`KEYSHELF_FAULT=rotation:<step>`), against the provider simulator
//! with faults (500s, a create that succeeds and then answers 500, timeouts, the old key revoked
//! elsewhere, no usage-log route). After every operation the cheap invariants are checked; after
//! every case any unfinished rotation is finished and all of them are:
//! 1. the key has exactly one current secret in the keychain and it is an active key on the
//!    provider (unless the test revoked or deactivated that very key and nothing since made a
//!    working one current, or the user forced an abort);
//! 2. the provider holds at most the keys the model allows (one for the key, none once deleted);
//! 3. no untracked key: every provider key is the key's `provider_key_id`;
//! 4. `#previous` exists only while `rotate --status` lists an unfinished rotation;
//! 5. the audit tells each rotation's steps in order, once each, and they end where
//!    `rotate --status --all` says; every step an operation reported is in it.
//!
//! Every operation must end in success or in an error whose code is allowed for it ([`allowed`]);
//! a panic, an unexpected code or a process that runs longer than 30 s fails the case.
//!
//! Seeded and reproducible: the operations of case N are drawn from `KEYSHELF_MODEL_SEED` and N
//! alone (the timing of two concurrent processes is not, so a race may need a few replays).
//!   scripts/with-keyring.sh cargo test -p keyshelf-cli --test rotation_model -- --nocapture
//!   KEYSHELF_MODEL_CASES=2000 …   the longer run (about ten times the default's wall time)
//!   KEYSHELF_MODEL_SEED=123 …     another seed (decimal or 0x-hex)
//!   KEYSHELF_MODEL_ONLY=57 …      replay one case of the seed
//! The default run: 200 cases in about 165 s of wall time on the 2-core build machine (measured
//! with other builds running; 3 to 6 operations a case, ~30% of them two processes at once).
//! Known failures when this landed (seed 0x6b65797368656c66): cases 4, 84, 89, 94, 98, 140, 157
//! (a `delete` run at the same moment as `rotate` succeeds and removes the key under its
//! rotation), 102, 194 (the same race leaves the new key live and untracked on the provider),
//! 57, 111 (two rotations started in the same second get the same remote name, and the second
//! one's orphan clean-up, then its abort, delete the current working key).

mod common;
use common::{secret_tool_lookup, Shelf};
use keyshelf_provider_sim::{Config, Faults, SimHandle};
use serde_json::Value;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const DEFAULT_SEED: u64 = 0x6b65_7973_6865_6c66;
const DEFAULT_CASES: u64 = 200;
const PROCESS_TIMEOUT: Duration = Duration::from_secs(30);
/// The provider's request timeout (`provider add --timeout`), and a latency past it.
const PROVIDER_TIMEOUT_SECS: &str = "1";
const PAST_TIMEOUT_MS: u64 = 1_100;
const KILL_POINTS: [&str; 9] = [
    "previous-saved",
    "creating",
    "posted",
    "created",
    "verified",
    "confirmed",
    "deactivated",
    "done",
    "aborted",
];

// --- the generator -------------------------------------------------------------------------------

/// splitmix64: small, seedable, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cmd {
    /// `rotate KEY`, or with `--confirm-updated --end-grace` all the way.
    Start {
        full: bool,
    },
    Resume {
        confirm: bool,
        end_grace: bool,
    },
    Abort {
        force: bool,
    },
    Delete,
    Deactivate,
    Activate,
}

#[derive(Debug, Clone)]
struct Proc {
    who: &'static str,
    cmd: Cmd,
    kill_at: Option<&'static str>,
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    None,
    /// The next `n` requests under the path answer 500.
    Fail500(&'static str, u32),
    /// The next create makes the key, then answers 500.
    FailAfterCreate,
    /// Every request of the operation takes longer than the provider's timeout.
    Timeout,
    /// The key the rotation would retire (or the current one) is revoked on the provider.
    RevokeOld,
}

#[derive(Debug, Clone)]
struct Op {
    fault: Fault,
    /// Added to every answer, so two processes overlap.
    latency_ms: u64,
    procs: Vec<Proc>,
}

#[derive(Debug)]
struct Case {
    usage_missing: bool,
    ops: Vec<Op>,
}

fn gen_cmd(rng: &mut Rng) -> Cmd {
    match rng.below(100) {
        0..=24 => Cmd::Start {
            full: rng.chance(30),
        },
        25..=59 => Cmd::Resume {
            confirm: rng.chance(60),
            end_grace: rng.chance(50),
        },
        60..=79 => Cmd::Abort {
            force: rng.chance(25),
        },
        80..=89 => Cmd::Delete,
        90..=94 => Cmd::Deactivate,
        _ => Cmd::Activate,
    }
}

fn gen_proc(rng: &mut Rng, who: &'static str) -> Proc {
    Proc {
        who,
        cmd: gen_cmd(rng),
        kill_at: rng.chance(20).then(|| rng.pick(&KILL_POINTS)),
    }
}

fn gen_fault(rng: &mut Rng) -> Fault {
    let prefixes = ["/api-keys/generate", "/api-keys/", "/api-routes-data", ""];
    match rng.below(100) {
        0..=59 => Fault::None,
        60..=77 => Fault::Fail500(rng.pick(&prefixes), 1 + rng.below(4) as u32),
        78..=85 => Fault::FailAfterCreate,
        86..=87 => Fault::Timeout,
        _ => Fault::RevokeOld,
    }
}

fn gen_case(seed: u64, n: u64) -> Case {
    let mut rng = Rng(seed ^ n.wrapping_mul(0xa076_1d64_78bd_642f));
    rng.next();
    let usage_missing = rng.chance(25);
    let count = 3 + rng.below(4);
    let ops = (0..count)
        .map(|_| {
            let both = rng.chance(30);
            let mut procs = vec![gen_proc(&mut rng, "cli")];
            if both {
                procs.push(gen_proc(&mut rng, "desktop"));
            }
            Op {
                fault: gen_fault(&mut rng),
                latency_ms: if both { 40 + rng.below(110) } else { 0 },
                procs,
            }
        })
        .collect();
    Case { usage_missing, ops }
}

// --- running processes -----------------------------------------------------------------------------

/// How a process ended.
#[derive(Debug)]
enum Outcome {
    Ok(Value),
    Failed { code: String, message: String },
    Killed,
}

fn args_of(cmd: Cmd, keyref: &str) -> Vec<String> {
    let mut a: Vec<&str> = match cmd {
        Cmd::Start { full } if full => vec!["rotate", keyref, "--confirm-updated", "--end-grace"],
        Cmd::Start { .. } => vec!["rotate", keyref],
        Cmd::Resume { confirm, end_grace } => {
            let mut v = vec!["rotate", keyref, "--resume"];
            v.extend(confirm.then_some("--confirm-updated"));
            v.extend(end_grace.then_some("--end-grace"));
            v
        }
        Cmd::Abort { force } => {
            let mut v = vec!["rotate", keyref, "--abort"];
            v.extend(force.then_some("--force"));
            v
        }
        Cmd::Delete => vec!["delete", keyref, "--yes"],
        Cmd::Deactivate => vec!["deactivate", keyref],
        Cmd::Activate => vec!["activate", keyref],
    };
    if matches!(cmd, Cmd::Start { .. } | Cmd::Resume { .. }) {
        a.extend(["--verify-timeout", "2"]);
    }
    a.push("--json");
    a.into_iter().map(str::to_owned).collect()
}

fn spawn(s: &Shelf, args: &[String], kill_at: Option<&str>) -> Child {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut c: Command = s.cmd(&refs);
    c.env_remove("KEYSHELF_FAULT");
    if let Some(step) = kill_at {
        c.env("KEYSHELF_FAULT", format!("rotation:{step}"));
    }
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn keyshelf")
}

/// Waits for `child` at most [`PROCESS_TIMEOUT`]; `Err` describes a hang or an unexplained exit.
fn finish(mut child: Child) -> Result<Outcome, String> {
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + PROCESS_TIMEOUT;
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("hang: no exit within {PROCESS_TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let (stdout, stderr) = (out_reader.join().unwrap(), err_reader.join().unwrap());
    if stderr.contains("fault injected") && status.code().is_none() {
        return Ok(Outcome::Killed);
    }
    if stderr.contains("panicked") {
        return Err(format!("panic: {stderr}"));
    }
    if status.success() {
        return Ok(Outcome::Ok(
            serde_json::from_str(&stdout).unwrap_or(Value::Null),
        ));
    }
    let error = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["error"].is_object());
    match error {
        Some(e) => Ok(Outcome::Failed {
            code: e["error"]["code"].as_str().unwrap_or("").to_owned(),
            message: e["error"]["message"].as_str().unwrap_or("").to_owned(),
        }),
        None => Err(format!(
            "exit {:?} without a JSON error: {stderr}",
            status.code()
        )),
    }
}

/// The error codes an operation may end with, whatever else runs at the same time.
fn allowed(cmd: Cmd, code: &str) -> bool {
    let provider = [
        "provider_server_error",
        "provider_timeout",
        "provider_outcome_unknown",
    ];
    // `key_busy`: another process is deleting, activating or deactivating the key right now.
    let common = ["rotation_busy", "key_busy", "key_not_found"];
    let own: &[&str] = match cmd {
        Cmd::Start { .. } => &["rotation_in_progress", "rotation_verify_failed"],
        Cmd::Resume { .. } => &["no_rotation", "rotation_verify_failed"],
        Cmd::Abort { .. } => &["no_rotation", "rotation_abort_unsafe", "invalid_input"],
        Cmd::Delete => &["rotation_in_progress"],
        // A key revoked on the provider cannot be (de)activated there.
        Cmd::Deactivate | Cmd::Activate => &["rotation_in_progress", "provider_not_found_remote"],
    };
    provider.contains(&code) || common.contains(&code) || own.contains(&code)
}

// --- the world: simulator, Keyshelf home, model state ------------------------------------------------

struct World {
    s: Shelf,
    sim: SimHandle,
    keyref: String,
    usage_missing: bool,
    /// Values of keys the test revoked on the provider.
    revoked: Vec<String>,
    /// Values of keys the test deactivated with `keyshelf deactivate` (and did not activate).
    user_inactive: Vec<String>,
    /// Whether a working key was current since the last revocation of the current key.
    working_since_revoke: bool,
    /// Whether an abort was forced since the last revocation of the current key.
    forced_since_revoke: bool,
    /// Steps operations reported (a finished or waiting rotation's step).
    reported_steps: Vec<String>,
    deleted: bool,
    log: Vec<String>,
}

fn world(n: u64, usage_missing: bool) -> World {
    let s = Shelf::new(&format!("m{n}"));
    let sim = keyshelf_provider_sim::spawn(Config::default(), 0).expect("simulator");
    let p = s.name("p");
    common::add_sim_provider(&s, &sim.url, &p, &["--timeout", PROVIDER_TIMEOUT_SECS]);
    let name = s.name("k");
    s.ok(&[
        "create",
        &name,
        "--provider",
        &p,
        "--env",
        "prod",
        "--user",
        "api_user_model",
    ]);
    let w = World {
        keyref: format!("{p}/{name}"),
        s,
        sim,
        usage_missing,
        revoked: vec![],
        user_inactive: vec![],
        working_since_revoke: true,
        forced_since_revoke: false,
        reported_steps: vec![],
        deleted: false,
        log: vec![],
    };
    w.clear_faults();
    w
}

impl World {
    fn clear_faults(&self) {
        self.sim.set_faults(Faults {
            usage_status: if self.usage_missing { 404 } else { 0 },
            ..Faults::default()
        });
    }

    fn current(&self) -> Option<String> {
        secret_tool_lookup(&self.keyref)
    }

    fn previous(&self) -> Option<String> {
        secret_tool_lookup(&format!("{}#previous", self.keyref))
    }

    /// `show --json`, `None` once the key is gone.
    fn show(&self) -> Option<Value> {
        let out = self.s.run(&["show", &self.keyref, "--json"]);
        out.status
            .success()
            .then(|| serde_json::from_slice(&out.stdout).expect("show JSON"))
    }

    fn provider_key_id(&self) -> Option<String> {
        self.show()
            .and_then(|v| v["provider_key_id"].as_str().map(str::to_owned))
    }

    /// This key's rotations from `rotate --status [--all] --json`, newest first.
    fn rotations(&self, all: bool) -> Vec<Value> {
        let mut args = vec!["rotate", "--status", "--json"];
        if all {
            args.push("--all");
        }
        let v: Value = serde_json::from_str(&self.s.ok(&args)).expect("status JSON");
        v.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["key"] == self.keyref.as_str())
            .cloned()
            .collect()
    }

    fn is_active_value(&self, value: &str) -> bool {
        self.sim
            .keys()
            .iter()
            .any(|k| k.api_key == value && k.status == "active")
    }

    fn value_of(&self, id: &str) -> Option<String> {
        let keys = self.sim.keys();
        keys.iter()
            .find(|k| k.id.to_string() == id)
            .map(|k| k.api_key.clone())
    }

    /// Notes whether a working key is current now (the model's "dead current is allowed" clock).
    fn observe(&mut self, current: Option<&str>) {
        if current.is_some_and(|c| self.is_active_value(c)) {
            self.working_since_revoke = true;
            self.forced_since_revoke = false;
        }
    }
}

// --- one operation -------------------------------------------------------------------------------

/// Sets the operation's faults on the simulator (a revocation happens right here).
fn apply_fault(w: &mut World, op: &Op) {
    let mut f = Faults {
        usage_status: if w.usage_missing { 404 } else { 0 },
        latency_ms: op.latency_ms,
        ..Faults::default()
    };
    match op.fault {
        Fault::None => {}
        Fault::Fail500(prefix, n) => {
            f.path_prefix = prefix.into();
            f.fail_500 = n;
        }
        Fault::FailAfterCreate => f.fail_after_create = 1,
        Fault::Timeout => f.latency_ms = PAST_TIMEOUT_MS,
        Fault::RevokeOld => revoke_old(w),
    }
    w.sim.set_faults(f);
}

/// Revokes "the old key" elsewhere: the one an unfinished rotation would retire, or else the
/// current one.
fn revoke_old(w: &mut World) {
    let from_rotation = w
        .rotations(false)
        .first()
        .and_then(|r| r["old_key_id"].as_str().map(str::to_owned));
    let Some(id) = from_rotation.or_else(|| w.provider_key_id()) else {
        return;
    };
    let Some(value) = w.value_of(&id) else {
        return;
    };
    w.sim.with(|s| s.keys.retain(|k| k.id.to_string() != id));
    w.log.push(format!("revoked key {id} on the provider"));
    if w.current().as_deref() == Some(value.as_str()) {
        w.working_since_revoke = false;
    }
    w.revoked.push(value);
}

fn run_op(w: &mut World, op: &Op) -> Result<(), String> {
    // Only (de)activate needs to know which key it changes (a process less per operation).
    let toggles = op
        .procs
        .iter()
        .any(|p| matches!(p.cmd, Cmd::Deactivate | Cmd::Activate));
    let target = toggles
        .then(|| w.provider_key_id().and_then(|id| w.value_of(&id)))
        .flatten();
    apply_fault(w, op);
    let args: Vec<Vec<String>> = op.procs.iter().map(|p| args_of(p.cmd, &w.keyref)).collect();
    // Both processes are started before either is waited for: they run at the same moment.
    let children: Vec<Child> = op
        .procs
        .iter()
        .zip(&args)
        .map(|(p, a)| spawn(&w.s, a, p.kill_at))
        .collect();
    let outcomes: Vec<Result<Outcome, String>> = children.into_iter().map(finish).collect();
    w.clear_faults();
    for (p, out) in op.procs.iter().zip(outcomes) {
        let out = out.map_err(|e| format!("{} {:?}: {e}", p.who, p.cmd))?;
        w.log.push(format!(
            "  {} {:?} kill_at={:?} -> {}",
            p.who,
            p.cmd,
            p.kill_at,
            brief(&out)
        ));
        record(w, p.cmd, &out, target.as_deref())?;
    }
    Ok(())
}

fn brief(o: &Outcome) -> String {
    match o {
        Outcome::Ok(v) => {
            let steps: Vec<&str> = v
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|p| p["rotation"]["step"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            format!("ok {steps:?}")
        }
        Outcome::Failed { code, message } => format!("{code}: {message}"),
        Outcome::Killed => "killed".into(),
    }
}

/// Checks an outcome against the allowed set and updates the model with what it did.
fn record(w: &mut World, cmd: Cmd, out: &Outcome, target: Option<&str>) -> Result<(), String> {
    match out {
        Outcome::Failed { code, message } if !allowed(cmd, code) => Err(format!(
            "{cmd:?} ended with a code it must not: {code}: {message}"
        )),
        Outcome::Ok(v) => {
            for p in v.as_array().into_iter().flatten() {
                if let Some(step) = p["rotation"]["step"].as_str() {
                    w.reported_steps.push(step.to_owned());
                }
            }
            match cmd {
                Cmd::Delete => w.deleted = true,
                Cmd::Abort { force: true } => w.forced_since_revoke = true,
                Cmd::Deactivate => w.user_inactive.extend(target.map(str::to_owned)),
                Cmd::Activate => w.user_inactive.retain(|v| Some(v.as_str()) != target),
                _ => {}
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

// --- the invariants ------------------------------------------------------------------------------

/// The current secret is allowed to be a key that does not work: the test revoked it and no
/// working key was current since (or the user forced an abort), or the user deactivated it.
fn dead_allowed(w: &World, current: &str) -> bool {
    let revoked = w.revoked.iter().any(|v| v == current)
        && (!w.working_since_revoke || w.forced_since_revoke);
    revoked || w.user_inactive.iter().any(|v| v == current)
}

/// After every operation: a working secret is in the keychain, `#previous` only during a
/// rotation that needs it, and no more keys on the provider than a rotation can have at once.
fn check_between(w: &World, current: Option<String>) -> Result<(), String> {
    let unfinished = w.rotations(false);
    if unfinished.iter().any(|r| r["key_gone"] == true) {
        return Err("the key was removed while its rotation was under way".into());
    }
    let previous = w.previous();
    let step = unfinished
        .first()
        .map(|r| r["step"].as_str().unwrap_or("").to_owned());
    match step.as_deref() {
        None if previous.is_some() => {
            return Err("#previous is in the keychain with no rotation under way".into())
        }
        Some("started") | Some("done") | Some("aborted") | None => {}
        Some(s) if previous.is_none() => {
            return Err(format!("the rotation is at {s} but #previous is gone"))
        }
        Some(_) => {}
    }
    let keys = w.sim.keys();
    if keys.len() > 3 {
        return Err(format!("{} keys on the provider: {keys:?}", keys.len()));
    }
    if w.show().is_none() {
        return Ok(());
    }
    let current = current.ok_or("the key exists but has no current secret")?;
    let works = |v: &str| w.is_active_value(v);
    if works(&current) || previous.as_deref().is_some_and(works) || dead_allowed(w, &current) {
        return Ok(());
    }
    Err(format!(
        "neither the current secret nor #previous is a working key on the provider: {keys:?}"
    ))
}

/// Carries any unfinished rotation to its end with the faults cleared.
fn finish_rotation(w: &mut World) -> Result<(), String> {
    w.clear_faults();
    if w.show().is_none() {
        if !w.rotations(false).is_empty() {
            return Err("the key was deleted while its rotation was unfinished".into());
        }
        return Ok(());
    }
    let args = [
        "rotate",
        &w.keyref,
        "--resume",
        "--confirm-updated",
        "--end-grace",
        "--verify-timeout",
        "5",
        "--json",
    ]
    .map(str::to_owned);
    match finish(spawn(&w.s, &args, None))? {
        Outcome::Ok(v) => {
            for p in v.as_array().into_iter().flatten() {
                w.reported_steps
                    .extend(p["rotation"]["step"].as_str().map(str::to_owned));
            }
        }
        Outcome::Failed { code, .. } if code == "no_rotation" => {}
        o => return Err(format!("finishing the rotation failed: {}", brief(&o))),
    }
    let current = w.current();
    w.observe(current.as_deref());
    Ok(())
}

/// After the case's rotation is finished: invariants 1 to 4.
fn check_final(w: &World) -> Result<(), String> {
    if !w.rotations(false).is_empty() {
        return Err("a rotation is still unfinished after finishing it".into());
    }
    if w.previous().is_some() {
        return Err("#previous is left in the keychain after the rotation ended".into());
    }
    let keys = w.sim.keys();
    let Some(id) = w
        .show()
        .map(|v| v["provider_key_id"].as_str().map(str::to_owned))
    else {
        // Deleted: nothing of it is left anywhere.
        if !keys.is_empty() || w.current().is_some() {
            return Err(format!("deleted, yet keys are left: provider {keys:?}"));
        }
        return Ok(());
    };
    let untracked: Vec<_> = keys
        .iter()
        .filter(|k| Some(k.id.to_string()) != id)
        .collect();
    if !untracked.is_empty() {
        return Err(format!(
            "untracked keys on the provider (tracked: {id:?}): {untracked:?}"
        ));
    }
    let current = w.current().ok_or("no current secret in the keychain")?;
    match keys.first() {
        Some(k) if k.api_key == current && k.status == "active" => Ok(()),
        Some(k) if k.api_key == current && dead_allowed(w, &current) => Ok(()),
        None if dead_allowed(w, &current) => Ok(()),
        _ => Err(format!(
            "the current secret is not the tracked working key on the provider: {keys:?}"
        )),
    }
}

const STEP_ORDER: [&str; 8] = [
    "started",
    "previous-saved",
    "creating",
    "created",
    "verified",
    "confirmed",
    "deactivated",
    "done",
];

/// Invariant 5: the audit tells each rotation step by step, in order and once each, ending where
/// the rotation stands; it holds every step an operation reported, and a delete that succeeded.
fn check_audit(w: &World) -> Result<(), String> {
    let all = w.s.json(&["audit", "--limit", "1000000"]);
    let mut events: Vec<&Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["key"] == w.keyref.as_str())
        .collect();
    events.reverse();
    if w.deleted && !events.iter().any(|e| e["action"] == "delete") {
        return Err("the delete is not in the audit".into());
    }
    let mut runs: Vec<Vec<&str>> = Vec::new();
    for e in events.iter().filter(|e| e["action"] == "rotate") {
        let detail = e["detail"].as_str().unwrap_or("");
        if detail.starts_with("started") {
            runs.push(vec!["started"]);
            continue;
        }
        let run = runs
            .last_mut()
            .ok_or(format!("audit: {detail} before any start"))?;
        let last = *run.last().unwrap();
        let at = STEP_ORDER.iter().position(|s| *s == last);
        // An abort goes through `aborting` (its first half recorded) unless nothing was created.
        let fits = match (detail, last, at) {
            ("aborted", "aborting", _) => true,
            ("aborted" | "aborting", _, Some(i)) => i < 6,
            (d, _, Some(i)) => STEP_ORDER.get(i + 1) == Some(&d),
            _ => false,
        };
        if !fits {
            return Err(format!(
                "audit: {detail} after {last} (runs so far {runs:?})"
            ));
        }
        run.push(detail);
    }
    let mut rotations = w.rotations(true);
    rotations.reverse();
    let ends: Vec<&str> = rotations
        .iter()
        .map(|r| r["step"].as_str().unwrap())
        .collect();
    let audited: Vec<&str> = runs.iter().map(|r| *r.last().unwrap()).collect();
    if ends != audited {
        return Err(format!(
            "audit ends {audited:?}, rotations stand at {ends:?}"
        ));
    }
    for step in &w.reported_steps {
        if !runs.iter().flatten().any(|s| s == step) {
            return Err(format!("reported step {step} is not in the audit"));
        }
    }
    Ok(())
}

// --- the driver ----------------------------------------------------------------------------------

fn run_case(n: u64, case: &Case) -> Result<(), (String, Vec<String>)> {
    let mut w = world(n, case.usage_missing);
    w.log
        .push(format!("usage logs missing: {}", case.usage_missing));
    let out = (|| {
        for (i, op) in case.ops.iter().enumerate() {
            w.log.push(format!(
                "op {i}: fault {:?}, latency {} ms",
                op.fault, op.latency_ms
            ));
            run_op(&mut w, op)?;
            let current = w.current();
            w.observe(current.as_deref());
            check_between(&w, current).map_err(|e| format!("after op {i}: {e}"))?;
        }
        finish_rotation(&mut w)?;
        check_final(&w)?;
        check_audit(&w)
    })();
    out.map_err(|e| (e, std::mem::take(&mut w.log)))
}

fn env_u64(name: &str, default: u64) -> u64 {
    let Ok(v) = std::env::var(name) else {
        return default;
    };
    let parsed = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    parsed.unwrap_or_else(|_| panic!("{name}={v} is not a number"))
}

#[test]
fn generated_interleavings_keep_the_rotation_invariants() {
    common::require_test_session();
    let seed = env_u64("KEYSHELF_MODEL_SEED", DEFAULT_SEED);
    let cases: Vec<u64> = match std::env::var("KEYSHELF_MODEL_ONLY") {
        Ok(_) => vec![env_u64("KEYSHELF_MODEL_ONLY", 0)],
        Err(_) => (0..env_u64("KEYSHELF_MODEL_CASES", DEFAULT_CASES)).collect(),
    };
    let started = Instant::now();
    let mut failures = Vec::new();
    for &n in &cases {
        let case = gen_case(seed, n);
        if let Err((why, log)) = run_case(n, &case) {
            let text = format!(
                "case {n} of seed {seed:#x} (replay: KEYSHELF_MODEL_SEED={seed:#x} KEYSHELF_MODEL_ONLY={n}): {why}\n{}",
                log.join("\n")
            );
            eprintln!("{text}\n");
            failures.push(text);
        }
    }
    eprintln!(
        "rotation model: {} cases of seed {seed:#x} in {:.0?}, {} failed",
        cases.len(),
        started.elapsed(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
