//! Key list and key object responses: JSON parsing, the tolerant envelopes, `RemoteKey`.
#![no_main]
use keyshelf_core::provider::client::parse_json;
use keyshelf_core::provider::envelope::{self, RemoteKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = parse_json("GET /api-keys", data) else {
        return;
    };
    if let Some(items) = envelope::list(v.clone()) {
        if let Ok(keys) = envelope::parse_list::<RemoteKey>(items) {
            for k in &keys {
                assert!(!k.id.is_empty(), "an id is never empty");
                let _ = k.normalized_status();
                let _ = format!("{k:?}");
            }
        }
    }
    if let Some(obj) = envelope::object(v) {
        if let Ok(k) = serde_json::from_value::<RemoteKey>(obj) {
            assert!(!k.id.is_empty());
            // The value never reaches Debug output: swapping it changes nothing there.
            if k.api_key.is_some() {
                let mut other = k.clone();
                other.api_key = Some("another value".into());
                assert_eq!(format!("{k:?}"), format!("{other:?}"));
            }
        }
    }
});
