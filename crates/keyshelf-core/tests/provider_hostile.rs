//! A hostile provider, served by a tiny hand-written HTTP server on 127.0.0.1 (std
//! `TcpListener`): wrong types, huge numbers, deep nesting, a 50 MB body, an answer that never
//! ends, a redirect to another host. Each gets its typed `provider_*` error, and sync and create
//! write nothing: no key row, no keychain entry beyond the provider's own credential.

use keyshelf_core::provider::ops::NewProvider;
use keyshelf_core::provider::ProviderProfile;
use keyshelf_core::shelf::NewKey;
use keyshelf_core::store::KeyFilter;
use keyshelf_core::vault::MemoryVault;
use keyshelf_core::{Keyshelf, Secret};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the server does with every request.
#[derive(Clone)]
enum Answer {
    /// A whole JSON body with this status.
    Json(u16, String),
    /// `bytes` of body, announced with Content-Length or chunked (no length).
    Huge { bytes: u64, announce_length: bool },
    /// Headers, then one byte of body every 200 ms, forever.
    Drip,
    /// A 302 to this location.
    Redirect(String),
    /// A JSON list page (status 200) whose `Link` header names this next page.
    Page(String, String),
}

struct Server {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    /// The most body bytes the server managed to write on one connection before the client
    /// went away.
    written: Arc<AtomicU64>,
}

fn read_request(s: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut b = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&b[..n]),
        }
    }
}

fn serve(answer: Answer) -> Server {
    serve_on("127.0.0.1:0", answer)
}

fn serve_on(bind: &str, answer: Answer) -> Server {
    let l = TcpListener::bind(bind).unwrap();
    let addr = l.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let written = Arc::new(AtomicU64::new(0));
    let (r, w) = (requests.clone(), written.clone());
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut s) = conn else { continue };
            let (answer, r, w) = (answer.clone(), r.clone(), w.clone());
            std::thread::spawn(move || {
                read_request(&mut s);
                r.fetch_add(1, Ordering::SeqCst);
                let this_connection = AtomicU64::new(0);
                let _ = respond(&mut s, &answer, &this_connection);
                w.fetch_max(this_connection.load(Ordering::SeqCst), Ordering::SeqCst);
            });
        }
    });
    Server {
        addr,
        requests,
        written,
    }
}

fn respond(s: &mut TcpStream, answer: &Answer, written: &AtomicU64) -> std::io::Result<()> {
    match answer {
        Answer::Json(status, body) => write!(
            s,
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
        Answer::Page(body, next) => write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLink: <{next}>; rel=\"next\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
        Answer::Redirect(to) => write!(
            s,
            "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
        Answer::Huge {
            bytes,
            announce_length,
        } => {
            if *announce_length {
                write!(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {bytes}\r\n\r\n")?;
            } else {
                write!(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")?;
            }
            let chunk = vec![b' '; 64 * 1024];
            let mut left = *bytes;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                s.write_all(&chunk[..n])?;
                written.fetch_add(n as u64, Ordering::SeqCst);
                left -= n as u64;
            }
            Ok(())
        }
        Answer::Drip => {
            write!(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[")?;
            loop {
                std::thread::sleep(Duration::from_millis(200));
                s.write_all(b" ")?;
                s.flush()?;
                written.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    shelf: Keyshelf,
    vault: Arc<MemoryVault>,
}

/// A shelf with provider `hostile` at `addr`, request timeout 1 s (the profile's
/// `timeout_secs`; the CLI's `provider add --timeout`).
fn setup(addr: SocketAddr) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let vault = Arc::new(MemoryVault::new());
    let mut shelf = Keyshelf::open(dir.path(), vault.clone()).unwrap();
    let mut profile = ProviderProfile::new("hostile", &format!("http://{addr}"));
    profile.timeout_secs = 1;
    shelf
        .add_provider(NewProvider {
            profile,
            credential: Secret::from("hostile-management-token-not-real"),
        })
        .unwrap();
    Setup {
        _dir: dir,
        shelf,
        vault,
    }
}

/// Sync fails with `code` and nothing was written; so does create, whose code is
/// `provider_outcome_unknown` when the answer to `POST …/generate` could not be read (the
/// provider may have made the key: Keyshelf must say so rather than retry). Returns sync's text.
fn assert_refused(t: &mut Setup, code: &str) -> String {
    let e = t.shelf.sync(Some("hostile")).unwrap_err();
    assert_eq!(e.code(), code, "sync: {e}");
    let msg = e.to_string();
    assert!(!msg.contains("hostile-management-token-not-real"), "{msg}");
    let e = t
        .shelf
        .create_key(NewKey {
            name: "k".into(),
            env: "dev".into(),
            provider: Some("hostile".into()),
            user: Some("u".into()),
            ..Default::default()
        })
        .unwrap_err();
    let unreadable = matches!(
        code,
        "provider_bad_response" | "provider_response_too_large" | "provider_timeout"
    );
    let create_code = if unreadable {
        "provider_outcome_unknown"
    } else {
        code
    };
    assert_eq!(e.code(), create_code, "create: {e}");
    assert!(
        !e.to_string().contains("hostile-management-token-not-real"),
        "{e}"
    );
    assert!(
        t.shelf.list(&KeyFilter::default()).unwrap().is_empty(),
        "a key row appeared"
    );
    assert_eq!(
        t.vault.accounts(),
        vec!["provider:hostile".to_owned()],
        "a keychain entry appeared"
    );
    msg
}

#[test]
fn wrong_types_are_refused_with_the_item_named() {
    for body in [
        r#"{"data":[{"id":{"nested":1}}]}"#,
        r#"{"data":[{"id":1,"api_key_name":["not","a","string"]}]}"#,
        r#"{"data":"a string where an array belongs"}"#,
        r#"{"data":[{"id":true}]}"#,
        r#"42"#,
    ] {
        let srv = serve(Answer::Json(200, body.into()));
        let mut t = setup(srv.addr);
        assert_refused(&mut t, "provider_bad_response");
    }
}

#[test]
fn an_object_where_an_array_belongs_is_a_list_of_nothing_usable() {
    // `{"items": {…}}` is not a list: the answer holds no list of keys.
    let srv = serve(Answer::Json(200, r#"{"items":{"id":1}}"#.into()));
    let mut t = setup(srv.addr);
    let msg = assert_refused(&mut t, "provider_bad_response");
    assert!(msg.contains("no list"), "{msg}");
}

#[test]
fn huge_numbers_are_kept_as_ids_or_refused_never_wrapped() {
    // Every 64-bit integer is an id, kept exactly.
    let srv = serve(Answer::Json(
        200,
        r#"{"data":[{"id":18446744073709551615,"api_key_name":"max"},{"id":-9223372036854775808,"api_key_name":"min"}]}"#.into(),
    ));
    let mut t = setup(srv.addr);
    t.shelf.sync(Some("hostile")).unwrap();
    let mut ids: Vec<String> = t
        .shelf
        .list(&KeyFilter::default())
        .unwrap()
        .into_iter()
        .map(|v| v.key.provider_key_id.unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, ["-9223372036854775808", "18446744073709551615"]);
    // No value came with a listing: the keychain holds only the provider's credential.
    assert_eq!(t.vault.accounts(), vec!["provider:hostile".to_owned()]);

    // Beyond 64 bits JSON parsing rounds, so two ids could become one: refused, nothing kept.
    for id in ["18446744073709551616999", "1e308", "1.5"] {
        let body = format!(r#"{{"data":[{{"id":{id},"api_key_name":"big"}}]}}"#);
        let srv = serve(Answer::Json(200, body));
        let mut t = setup(srv.addr);
        let msg = assert_refused(&mut t, "provider_bad_response");
        assert!(
            msg.contains("not an integer Keyshelf can keep exactly"),
            "{id}: {msg}"
        );
    }
}

#[test]
fn nesting_100000_deep_is_refused_without_overflowing_the_stack() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let srv = serve(Answer::Json(200, deep));
    let mut t = setup(srv.addr);
    let msg = assert_refused(&mut t, "provider_bad_response");
    assert!(msg.contains("not valid JSON"), "{msg}");
}

#[test]
fn a_50_mb_body_is_refused_at_its_cap_without_reading_it_all() {
    for announce_length in [true, false] {
        let srv = serve(Answer::Huge {
            bytes: 50 * 1024 * 1024,
            announce_length,
        });
        let mut t = setup(srv.addr);
        assert_refused(&mut t, "provider_response_too_large");
        std::thread::sleep(Duration::from_millis(300));
        let sent = srv.written.load(Ordering::SeqCst);
        // Announced: refused from the header. Chunked: the reading stops past the cap (32 MiB
        // for the key list, 8 MiB for generate); what more the server wrote sits in socket
        // buffers (a few MiB at most).
        assert!(
            sent < 44 * 1024 * 1024,
            "announce_length={announce_length}: the client took {sent} bytes"
        );
    }
}

#[test]
fn an_answer_that_never_ends_is_cut_by_the_request_timeout() {
    let srv = serve(Answer::Drip);
    let mut t = setup(srv.addr);
    let start = Instant::now();
    let e = t.shelf.sync(Some("hostile")).unwrap_err();
    let took = start.elapsed();
    // The timeout covers the body; idempotent GETs are retried twice (0.25 s, 0.5 s backoff).
    assert!(
        matches!(e.code(), "provider_timeout" | "provider_bad_response"),
        "{}: {e}",
        e.code()
    );
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert!(t.shelf.list(&KeyFilter::default()).unwrap().is_empty());
    // Generate is never repeated: one request, then the outcome is reported, not retried.
    let before = srv.requests.load(Ordering::SeqCst);
    let start = Instant::now();
    let e = t
        .shelf
        .create_key(NewKey {
            name: "k".into(),
            env: "dev".into(),
            provider: Some("hostile".into()),
            user: Some("u".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    assert!(e.code().starts_with("provider_"), "{}: {e}", e.code());
    assert_eq!(srv.requests.load(Ordering::SeqCst) - before, 1);
    assert!(t.shelf.list(&KeyFilter::default()).unwrap().is_empty());
    assert_eq!(t.vault.accounts(), vec!["provider:hostile".to_owned()]);
}

#[test]
fn a_redirect_to_another_host_is_not_followed() {
    // The other host: 127.0.0.2, a different loopback address, which must never be contacted.
    let other = serve_on("127.0.0.2:0", Answer::Json(200, "[]".into()));
    let srv = serve(Answer::Redirect(format!("http://{}/api-keys", other.addr)));
    let mut t = setup(srv.addr);
    let msg = assert_refused(&mut t, "provider_rejected");
    assert!(msg.contains("302"), "{msg}");
    assert_eq!(
        other.requests.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
    assert!(srv.requests.load(Ordering::SeqCst) >= 2);
}

#[test]
fn a_next_page_on_another_server_is_refused_and_never_contacted() {
    // The other host: 127.0.0.2, which must never see the management token.
    let other = serve_on("127.0.0.2:0", Answer::Json(200, "[]".into()));
    let page = r#"[{"id":"1","api_key_name":"a"}]"#.to_owned();
    let server = serve(Answer::Page(
        page,
        format!("http://{}/api-keys?page=2", other.addr),
    ));
    let mut t = setup(server.addr);
    let msg = assert_refused(&mut t, "provider_bad_response");
    assert!(msg.contains("another server"), "{msg}");
    assert_eq!(other.requests.load(Ordering::SeqCst), 0);
}

#[test]
fn pages_that_never_end_are_refused() {
    // Every page links to page 2: the second answer names a page already read.
    let page = r#"[{"id":"1","api_key_name":"a"}]"#.to_owned();
    let server = serve(Answer::Page(page, "/api-keys?page=2".into()));
    let mut t = setup(server.addr);
    let msg = assert_refused(&mut t, "provider_bad_response");
    assert!(msg.contains("do not end"), "{msg}");
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        2 + 1,
        "two pages, then create's one POST"
    );
}
