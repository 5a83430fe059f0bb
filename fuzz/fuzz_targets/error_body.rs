//! Provider error bodies: `parse_error_body` and the message `from_status` builds from them.
#![no_main]
use keyshelf_core::provider::errors::{from_status, parse_error_body};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [a, b, rest @ ..] => (u16::from_le_bytes([*a, *b]), rest),
        _ => (500, data),
    };
    let parsed = parse_error_body(body);
    for text in [&parsed.code, &parsed.message, &parsed.request_id].into_iter().flatten() {
        assert!(text.chars().count() <= 300, "provider text is capped");
        assert!(!text.chars().any(char::is_control), "no control characters");
    }
    let e = from_status("GET /api-keys", status, body, status % 2 == 0);
    assert!(e.kind.code().starts_with("provider_"));
    assert!(!e.message.chars().any(char::is_control));
});
