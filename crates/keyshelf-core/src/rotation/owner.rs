//! Who runs a rotation: an owner token per run, and whether the process behind a token lives.
//!
//! A token is `pid:start:nonce`. The store is local to one machine, so every process that can
//! hold a claim runs here: on Linux the process is alive when `/proc/PID/stat` exists with the
//! same start time (a reused pid is another process). The nonce tells two runs of one process
//! apart (two commands of the desktop app at once), and those are alive by definition. Where
//! `/proc` is not there, a claim counts as alive for [`FALLBACK_LEASE`] after it was taken.

use chrono::{DateTime, Utc};

/// How long a claim holds where liveness cannot be read from the system.
pub const FALLBACK_LEASE: chrono::Duration = chrono::Duration::minutes(15);

/// This run's owner token.
pub fn new_token() -> String {
    let pid = std::process::id();
    let start = start_time(pid).unwrap_or(0);
    let nonce: u64 = rand::random();
    format!("{pid}:{start}:{nonce:016x}")
}

/// Whether the run that wrote `token` (at `claimed_at`) may still be running.
pub fn is_alive(token: &str, claimed_at: Option<DateTime<Utc>>) -> bool {
    let mut parts = token.split(':');
    let (Some(pid), Some(start)) = (
        parts.next().and_then(|p| p.parse::<u32>().ok()),
        parts.next().and_then(|s| s.parse::<u64>().ok()),
    ) else {
        // Not a token of ours: treat it as a stale claim of an older version.
        return false;
    };
    if pid == std::process::id() {
        return true;
    }
    if cfg!(target_os = "linux") {
        return start_time(pid).is_some_and(|s| s == start);
    }
    claimed_at.is_some_and(|t| Utc::now() - t < FALLBACK_LEASE)
}

/// The start time of process `pid` in clock ticks since boot (field 22 of `/proc/PID/stat`).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after its end.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_dead_one_is_not() {
        let me = new_token();
        assert!(is_alive(&me, None));
        // A child that has exited: its pid is gone (or reused with another start time).
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        let dead = format!("{pid}:{}:0", 1);
        if cfg!(target_os = "linux") {
            assert!(!is_alive(&dead, Some(Utc::now())));
            assert!(start_time(std::process::id()).is_some());
        }
        assert!(!is_alive("garbage", Some(Utc::now())));
    }
}
