//! The simulator binary: `--port 0` prints its URL first; the API, test hooks, faults and a
//! 10,000-key list, over real HTTP (a raw HTTP/1.1 client, so the test needs no HTTP crate).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Sim {
    child: Child,
    addr: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str]) -> Sim {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keyshelf-provider-sim"))
        .args(["--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn simulator");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let url = line.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    Sim {
        child,
        addr: url.trim_start_matches("http://").to_owned(),
    }
}

/// One request; returns (status, headers, body).
fn call(
    sim: &Sim,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: &str,
) -> (u16, String, String) {
    let mut s = TcpStream::connect(&sim.addr).expect("connect");
    let auth = auth.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(s, "{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).expect("write");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("head");
    let status = head[9..12].parse().expect("status");
    (status, head.to_owned(), body.to_owned())
}

const T: Option<&str> = Some("sim-management-token-not-real");

#[test]
fn port_zero_prints_the_url_and_the_api_answers() {
    let sim = start(&["--plan", "free"]);
    let (st, _, body) = call(
        &sim,
        "POST",
        "/api-keys/generate",
        T,
        r#"{"api_key_name":"a","user":"u"}"#,
    );
    assert_eq!(st, 200, "{body}");
    assert!(body.contains("\"api_key\":\"simkey_"), "{body}");
    call(
        &sim,
        "POST",
        "/api-keys/generate",
        T,
        r#"{"api_key_name":"b","user":"u"}"#,
    );
    let (st, _, body) = call(
        &sim,
        "POST",
        "/api-keys/generate",
        T,
        r#"{"api_key_name":"c","user":"u"}"#,
    );
    assert_eq!(st, 403);
    assert!(
        body.contains("\"success\":false") && body.contains("limit"),
        "{body}"
    );
    let (st, _, body) = call(&sim, "GET", "/api-keys", None, "");
    assert_eq!(st, 401);
    assert!(body.contains("Invalid or missing authentication"));
    let (_, _, keys) = call(&sim, "GET", "/_sim/keys", None, "");
    assert_eq!(keys.matches("\"id\"").count(), 2);
}

#[test]
fn faults_can_be_set_at_run_time_and_429_carries_retry_after() {
    let sim = start(&[]);
    let (st, _, _) = call(
        &sim,
        "POST",
        "/_sim/faults",
        None,
        r#"{"fail_429":1,"retry_after_secs":7}"#,
    );
    assert_eq!(st, 204);
    let (st, head, _) = call(&sim, "GET", "/api-keys", T, "");
    assert_eq!(st, 429);
    assert!(
        head.to_ascii_lowercase().contains("retry-after: 7"),
        "{head}"
    );
    let (st, _, _) = call(&sim, "GET", "/api-keys", T, "");
    assert_eq!(st, 200);
}

#[test]
fn a_ten_thousand_key_list_is_served_quickly() {
    let sim = start(&["--seed-keys", "10000"]);
    let start = Instant::now();
    let (st, _, body) = call(&sim, "GET", "/api-keys", T, "");
    assert_eq!(st, 200);
    assert_eq!(body.matches("\"api_key_name\"").count(), 10_000);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}
