//! `keyshelf`: API keys in the OS keychain, from the shell.
//!
//! A thin layer over `keyshelf-core`: parse arguments, call the core, print. Data goes to stdout,
//! messages to stderr; `--json` gives stable machine output; secrets are read only from stdin or a
//! prompt. Exit codes are documented in the README and in [`exit`].

mod cli;
mod commands;
mod exit;
mod input;
mod output;
mod systemd;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    commands::connect_early(std::env::args_os().skip(1));
    let args = cli::Cli::parse();
    init_logging();
    let json = args.json;
    match commands::run(args) {
        Ok(code) => code,
        Err(e) => {
            output::error(&e, json);
            ExitCode::from(exit::for_error(&e))
        }
    }
}

/// Logs go to stderr, warnings only unless `KEYSHELF_LOG` says otherwise. Nothing logged anywhere
/// in Keyshelf carries a secret: values travel in `Secret`, whose Debug is `[redacted]`.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEYSHELF_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
