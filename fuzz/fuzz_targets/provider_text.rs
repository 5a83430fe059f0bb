//! The rest of what a provider sends as text: OAuth2 token responses, `Retry-After` values,
//! usage-log lists (and the fields `keyshelf provider usage` prints), CSV exports (passed through
//! as UTF-8 text: only the decoding is Keyshelf's).
#![no_main]
use keyshelf_core::provider::client::{parse_json, parse_retry_after, parse_token_response};
use keyshelf_core::provider::envelope;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((token, _expires_in)) = parse_token_response("POST /oauth/token", data) {
        assert!(!token.expose().is_empty());
        assert_eq!(format!("{token:?}"), "[redacted]");
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_retry_after(text);
    }
    if let Ok(v) = parse_json("GET /usage", data) {
        if let Some(logs) = envelope::list(v) {
            for l in &logs {
                for n in ["created_at", "api_key_id", "status_code", "route"] {
                    let _ = l.get(n).map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned));
                }
            }
        }
    }
    let _ = String::from_utf8(data.to_vec());
});
