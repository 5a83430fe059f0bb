//! `keyshelf-provider-sim --port 0`: serves the simulator on loopback and prints its URL as the
//! first line of stdout.

use clap::Parser;
use keyshelf_provider_sim::{Config, Envelope, Faults, Plan};
use std::io::Write;
use std::time::Duration;

/// A local provider key-management API for Keyshelf's tests and demo (loopback only).
#[derive(Debug, Parser)]
#[command(name = "keyshelf-provider-sim", version)]
struct Args {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The management Bearer token (seed 004).
    #[arg(long, default_value = "sim-management-token-not-real")]
    token: String,
    /// OAuth2 client id and secret (seed 002).
    #[arg(long, default_value = "sim-client")]
    client_id: String,
    #[arg(long, default_value = "sim-client-secret-not-real")]
    client_secret: String,
    /// Lifetime of OAuth2 access tokens, seconds.
    #[arg(long, default_value_t = 3600)]
    token_ttl: u64,
    /// free (2 keys), professional (10) or enterprise (unlimited).
    #[arg(long, default_value = "enterprise")]
    plan: String,
    /// bare, data, success, items or api_keys.
    #[arg(long, default_value = "success")]
    envelope: String,
    /// Ids as strings.
    #[arg(long)]
    string_ids: bool,
    /// At most N requests per --rate-window seconds, then 429 + Retry-After.
    #[arg(long)]
    rate_limit: Option<u32>,
    #[arg(long, default_value_t = 3600)]
    rate_window: u64,
    /// Start with N keys.
    #[arg(long, default_value_t = 0)]
    seed_keys: usize,
    /// Faults: milliseconds added to every response.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Faults: the first N requests answer 500.
    #[arg(long, default_value_t = 0)]
    fail_500: u32,
    /// Faults: the first N requests answer 429 with Retry-After 1.
    #[arg(long, default_value_t = 0)]
    fail_429: u32,
    /// Faults: the first N responses are not JSON.
    #[arg(long, default_value_t = 0)]
    malformed_json: u32,
    /// Faults: the first N responses are cut in half.
    #[arg(long, default_value_t = 0)]
    truncated: u32,
    /// List N keys per page, with a `Link: <…?page=N+1>; rel="next"` header while more follow
    /// (0: the whole list in one answer).
    #[arg(long, default_value_t = 0)]
    page_size: usize,
}

fn main() -> std::process::ExitCode {
    let a = Args::parse();
    let (Some(plan), Some(envelope)) = (Plan::parse(&a.plan), Envelope::parse(&a.envelope)) else {
        eprintln!("keyshelf-provider-sim: unknown --plan or --envelope");
        return std::process::ExitCode::from(2);
    };
    let config = Config {
        token: a.token,
        client_id: a.client_id,
        client_secret: a.client_secret,
        token_ttl: Duration::from_secs(a.token_ttl),
        plan,
        envelope,
        string_ids: a.string_ids,
        rate_limit: a.rate_limit,
        rate_window: Duration::from_secs(a.rate_window.max(1)),
        seed_keys: a.seed_keys,
    };
    let faults = Faults {
        latency_ms: a.latency_ms,
        fail_500: a.fail_500,
        fail_429: a.fail_429,
        retry_after_secs: 1,
        malformed_json: a.malformed_json,
        truncated: a.truncated,
        page_size: a.page_size,
        ..Faults::default()
    };
    let sim = match keyshelf_provider_sim::spawn(config, a.port) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "keyshelf-provider-sim: cannot listen on 127.0.0.1:{}: {e}",
                a.port
            );
            return std::process::ExitCode::from(1);
        }
    };
    sim.set_faults(faults);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", sim.url);
    let _ = out.flush();
    drop(out);
    eprintln!(
        "keyshelf-provider-sim: serving on {} (management token and OAuth2 client from the flags; /_sim/keys shows state). Ctrl-C stops it.",
        sim.url
    );
    // Serve until killed.
    loop {
        std::thread::park();
    }
}
