//! The floor under `keyshelf get` in `make bench`: one lookup through the `keyring` crate and
//! nothing else (no store, no name resolution, no audit event, no deadline thread).
//!
//! `bare_lookup ACCOUNT` prints the secret of service `keyshelf`, user ACCOUNT — the item
//! `keyshelf get` reads — to stdout; the benchmark sends it to /dev/null.

use std::io::Write;

fn main() -> std::process::ExitCode {
    let Some(account) = std::env::args().nth(1) else {
        eprintln!("usage: bare_lookup ACCOUNT");
        return std::process::ExitCode::from(2);
    };
    let secret = keyring::Entry::new("keyshelf", &account).and_then(|e| e.get_password());
    match secret {
        Ok(secret) => {
            let _ = std::io::stdout().write_all(secret.as_bytes());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bare_lookup: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
