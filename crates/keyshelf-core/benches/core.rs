//! Criterion benches for the core's hot paths: generation, due computation, store writes, the
//! listing the CLI and desktop show, and reading a provider's key list (envelope parsing). Run with `cargo bench -p keyshelf-core` (or `make bench`).

use chrono::{Duration, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use keyshelf_core::generate::{generate, Spec};
use keyshelf_core::policy::due;
use keyshelf_core::provider::envelope::{self, RemoteKey};
use keyshelf_core::provider::list_page;
use keyshelf_core::store::{KeyFilter, KeyStatus, NewKeyRecord, Origin, RemoteState, Store};
use std::hint::black_box;

fn record(i: usize) -> NewKeyRecord {
    NewKeyRecord {
        name: format!("dev-bench-{i:06}"),
        provider: "bench".into(),
        provider_key_id: Some(i.to_string()),
        env: "dev".into(),
        status: KeyStatus::Active,
        has_secret: true,
        remote_state: Some(RemoteState::Present),
        user: None,
        var_name: None,
        origin: Origin::Provider,
        created_at: Utc::now() - Duration::days((i % 90) as i64),
        last_rotated_at: None,
        tags: vec![],
        notes: String::new(),
    }
}

fn bench_generate(c: &mut Criterion) {
    let spec = Spec::default();
    c.bench_function("generate 64 base62", |b| {
        b.iter(|| generate(black_box(&spec)))
    });
    let pair = Spec {
        pair: true,
        ..Spec::default()
    };
    c.bench_function("generate id:secret pair", |b| {
        b.iter(|| generate(black_box(&pair)))
    });
}

fn bench_due(c: &mut Criterion) {
    let now = Utc::now();
    let created: Vec<_> = (0..10_000).map(|i| now - Duration::days(i % 200)).collect();
    c.bench_function("due state of 10,000 keys", |b| {
        b.iter(|| {
            created
                .iter()
                .filter(|&&t| due(t, None, 30, 7, None, now).days_left < 0)
                .count()
        })
    });
}

fn bench_store(c: &mut Criterion) {
    c.bench_function("store insert 1,000 keys in one transaction", |b| {
        b.iter_batched(
            || Store::open_in_memory().expect("store"),
            |mut s| {
                s.write(|tx| (0..1_000).try_for_each(|i| tx.insert_key(&record(i)).map(drop)))
                    .expect("insert")
            },
            BatchSize::PerIteration,
        )
    });
    let mut s = Store::open_in_memory().expect("store");
    s.write(|tx| (0..10_000).try_for_each(|i| tx.insert_key(&record(i)).map(drop)))
        .expect("seed");
    c.bench_function("store read 10,000 keys", |b| {
        b.iter(|| s.read().keys(&KeyFilter::default()).expect("keys").len())
    });
}

/// The desktop's start page over 10,000 keys: counts per environment and the timeline's days.
fn bench_overview(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let vault = std::sync::Arc::new(keyshelf_core::vault::MemoryVault::default());
    let mut shelf = keyshelf_core::Keyshelf::open(dir.path(), vault).expect("shelf");
    shelf
        .store()
        .write(|tx| (0..10_000).try_for_each(|i| tx.insert_key(&record(i)).map(drop)))
        .expect("seed");
    c.bench_function("overview of 10,000 keys", |b| {
        b.iter(|| shelf.overview().expect("overview").total)
    });
}

/// What `sync` does with a 10,000-key answer: bytes → the list inside the envelope → keys.
fn bench_envelope(c: &mut Criterion) {
    let items: Vec<_> = (0..10_000)
        .map(|i| {
            serde_json::json!({
                "id": i,
                "api_key_name": format!("prod-bench-{i:06}"),
                "user": "api_user",
                "status": if i % 7 == 0 { "inactive" } else { "active" },
                "created_at": "2026-11-01T10:00:00Z",
            })
        })
        .collect();
    let body =
        serde_json::to_vec(&serde_json::json!({ "success": true, "data": items })).expect("a body");
    // The reference path, which `sync` takes only for a page the one-pass reader refuses.
    c.bench_function(
        "envelope: parse a 10,000-key list answer through a JSON tree",
        |b| {
            b.iter(|| {
                let v: serde_json::Value = serde_json::from_slice(black_box(&body)).expect("JSON");
                let items = envelope::list(v).expect("a list");
                envelope::parse_list::<RemoteKey>(items)
                    .expect("keys")
                    .len()
            })
        },
    );
    c.bench_function(
        "envelope: parse a 10,000-key list answer in one pass (what sync does)",
        |b| {
            b.iter(|| {
                list_page::parse::<RemoteKey>(black_box(&body))
                    .expect("a page")
                    .items
                    .expect("a list")
                    .len()
            })
        },
    );
}

criterion_group!(
    benches,
    bench_generate,
    bench_due,
    bench_store,
    bench_overview,
    bench_envelope
);
criterion_main!(benches);
