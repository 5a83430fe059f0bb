//! Fills a Keyshelf home with N keys of metadata (no secrets) for benchmarks of listing and
//! reminders: `cargo run --release --example seed_store -- HOME N`.
//!
//! Keys are spread over the three default environments with ages from 0 to 199 days, so `due`
//! has every state to compute. No keychain item is written: `list` and `due` never read one.

use chrono::{Duration, Utc};
use keyshelf_core::store::{NewKeyRecord, Store};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(home), Some(Ok(n))) = (args.get(1), args.get(2).map(|n| n.parse::<usize>())) else {
        eprintln!("usage: seed_store HOME N");
        return ExitCode::from(2);
    };
    let home = PathBuf::from(home);
    if let Err(e) = std::fs::create_dir_all(&home) {
        eprintln!("seed_store: cannot create {}: {e}", home.display());
        return ExitCode::FAILURE;
    }
    match seed(&home, n) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seed_store: {e}");
            ExitCode::FAILURE
        }
    }
}

fn seed(home: &std::path::Path, n: usize) -> keyshelf_core::Result<()> {
    let mut store = Store::open(&home.join("keyshelf.db"))?;
    let envs = ["dev", "staging", "prod"];
    let now = Utc::now();
    store.write(|tx| {
        for i in 0..n {
            let created = now - Duration::days((i % 200) as i64);
            tx.insert_key(&NewKeyRecord {
                name: format!("{}-bench-service-{i:06}", envs[i % 3]),
                provider: "bench".into(),
                provider_key_id: Some(i.to_string()),
                env: envs[i % 3].into(),
                status: if i % 10 == 0 {
                    "inactive".into()
                } else {
                    "active".into()
                },
                has_secret: true,
                remote_state: Some("present".into()),
                user: Some(format!("user{}", i % 17)),
                var_name: None,
                origin: "provider".into(),
                created_at: created,
                last_rotated_at: (i % 4 == 0).then(|| created + Duration::days(3)),
                tags: vec!["bench".into()],
                notes: String::new(),
            })?;
        }
        Ok(())
    })
}
