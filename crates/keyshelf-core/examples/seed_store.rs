//! Fills a Keyshelf home with N keys of metadata (no secrets) for benchmarks of listing and
//! reminders: `cargo run --release --example seed_store -- HOME N [spread|on-schedule]`.
//!
//! Keys are spread over the three default environments (dev 30, staging 60, prod 90 days).
//! - `spread` (the default): ages from 0 to 199 days, so `due` has every state to compute; three
//!   keys in four are overdue, a store nobody rotates.
//! - `on-schedule`: each key's age is within its environment's interval plus a tenth (a team that
//!   rotates when reminded, sometimes a little late): about one key in five is due soon or overdue.
//!
//! No keychain item is written: `list` and `due` never read one.

use chrono::{Duration, Utc};
use keyshelf_core::store::{KeyStatus, NewKeyRecord, Origin, RemoteState, Store};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(home), Some(Ok(n))) = (args.get(1), args.get(2).map(|n| n.parse::<usize>())) else {
        eprintln!("usage: seed_store HOME N [spread|on-schedule]");
        return ExitCode::from(2);
    };
    let on_schedule = match args.get(3).map(String::as_str) {
        None | Some("spread") => false,
        Some("on-schedule") => true,
        Some(other) => {
            eprintln!("seed_store: unknown distribution {other:?} (spread or on-schedule)");
            return ExitCode::from(2);
        }
    };
    let home = PathBuf::from(home);
    if let Err(e) = std::fs::create_dir_all(&home) {
        eprintln!("seed_store: cannot create {}: {e}", home.display());
        return ExitCode::FAILURE;
    }
    match seed(&home, n, on_schedule) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seed_store: {e}");
            ExitCode::FAILURE
        }
    }
}

fn seed(home: &std::path::Path, n: usize, on_schedule: bool) -> keyshelf_core::Result<()> {
    let mut store = Store::open(&home.join("keyshelf.db"))?;
    let envs = ["dev", "staging", "prod"];
    let intervals = [30, 60, 90];
    let now = Utc::now();
    store.write(|tx| {
        for i in 0..n {
            let age_days = if on_schedule {
                // Spread by a prime stride so neighbouring keys do not share an age.
                let limit = intervals[i % 3] + intervals[i % 3] / 10;
                (i / 3 * 7919) % limit
            } else {
                i % 200
            };
            // A quarter of the keys were rotated three days after they were created; with
            // `on-schedule` the age counts from that rotation, the date `due` reads.
            let rotated = i % 4 == 0;
            let shift = if on_schedule && rotated { 3 } else { 0 };
            let created = now - Duration::days((age_days + shift) as i64);
            tx.insert_key(&NewKeyRecord {
                name: format!("{}-bench-service-{i:06}", envs[i % 3]),
                provider: "bench".into(),
                provider_key_id: Some(i.to_string()),
                env: envs[i % 3].into(),
                status: if i % 10 == 0 {
                    KeyStatus::Inactive
                } else {
                    KeyStatus::Active
                },
                has_secret: true,
                remote_state: Some(RemoteState::Present),
                user: Some(format!("user{}", i % 17)),
                var_name: None,
                origin: Origin::Provider,
                created_at: created,
                last_rotated_at: rotated.then(|| created + Duration::days(3)),
                tags: vec!["bench".into()],
                notes: String::new(),
            })?;
        }
        Ok(())
    })
}
