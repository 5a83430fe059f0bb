//! Reading secrets and confirmations from the user: stdin when it is piped, a prompt when it is a
//! terminal. Never from an argument, where `ps` and shell history would see it.

use keyshelf_core::shelf::MAX_SECRET_BYTES;
use keyshelf_core::{Error, Result, Secret};
use std::io::{IsTerminal, Read};
use zeroize::Zeroize;

/// Reads one secret: the whole of stdin when piped (bounded), else a no-echo prompt.
pub fn read_secret(prompt: &str) -> Result<Secret> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let value = rpassword::prompt_password(prompt).map_err(|source| Error::Io {
            what: "cannot read from the terminal".into(),
            source,
        })?;
        return Ok(Secret::new(value));
    }
    // Read one byte more than allowed so an oversized input is refused instead of cut.
    let limit = (MAX_SECRET_BYTES + 3) as u64;
    let mut bytes = Vec::new();
    stdin
        .lock()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Io {
            what: "cannot read stdin".into(),
            source,
        })?;
    if bytes.len() as u64 >= limit {
        // Drain nothing more; the writer gets EPIPE, which is what it deserves for 10 MB.
        bytes.zeroize();
        return Err(Error::invalid(
            "secret",
            format!("stdin holds more than {MAX_SECRET_BYTES} bytes; an API key is far shorter"),
        ));
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(Secret::new(s)),
        Err(e) => {
            let mut bytes = e.into_bytes();
            bytes.zeroize();
            Err(Error::invalid("secret", "stdin is not UTF-8 text"))
        }
    }
}

/// Asks the user to type `expected` to confirm a destructive action. Without a terminal the
/// caller must pass `--yes` instead.
pub fn confirm_by_typing(expected: &str, what: &str) -> Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Error::invalid(
            "confirmation",
            format!("{what}: pass --yes to confirm without a terminal"),
        ));
    }
    eprint!("{what}. Type the key name ({expected}) to confirm: ");
    let mut line = String::new();
    stdin.read_line(&mut line).map_err(|source| Error::Io {
        what: "cannot read the confirmation".into(),
        source,
    })?;
    if line.trim_end_matches(['\n', '\r']) != expected {
        return Err(Error::invalid(
            "confirmation",
            "the name did not match; nothing was changed",
        ));
    }
    Ok(())
}
