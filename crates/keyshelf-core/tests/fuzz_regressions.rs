//! The fuzzers' checked-in inputs (`fuzz/regressions/<target>/`: corpus highlights, hostile
//! shapes and any crash reproducer) replayed on every `cargo test`, with the same invariants
//! the fuzz targets assert, plus specific expected outcomes.

use keyshelf_core::provider::client::{parse_json, parse_retry_after, parse_token_response};
use keyshelf_core::provider::envelope::{self, RemoteKey};
use keyshelf_core::provider::errors::{from_status, parse_error_body};
use keyshelf_core::Error;
use std::path::PathBuf;
use std::time::Duration;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(
        out.len() >= 5,
        "{target}: the regression inputs are missing"
    );
    out
}

/// What the key_list target does; `Ok(keys)` or the typed error / `None` the CLI reports.
fn key_list(data: &[u8]) -> Result<Option<Result<Vec<RemoteKey>, String>>, Error> {
    let v = parse_json("GET /api-keys", data)?;
    if let Some(obj) = envelope::object(v.clone()) {
        if let Ok(k) = serde_json::from_value::<RemoteKey>(obj) {
            assert!(!k.id.is_empty());
        }
    }
    Ok(envelope::list(v).map(envelope::parse_list::<RemoteKey>))
}

#[test]
fn every_key_list_regression_input_parses_or_gives_a_typed_error() {
    for (name, data) in inputs("key_list") {
        match key_list(&data) {
            Ok(_) => {}
            Err(Error::Provider(e)) => assert_eq!(e.kind.code(), "provider_bad_response", "{name}"),
            Err(e) => panic!("{name}: untyped error {e:?}"),
        }
    }
}

#[test]
fn hostile_key_lists_get_the_expected_outcome() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = key_list(deep.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("not valid JSON"), "{e}");
    // An id bigger than u64 has already been rounded by JSON parsing, and a float id is not an
    // id: both are refused with the reason, never kept as a value another key could share.
    let err = key_list(br#"{"data":[{"id":18446744073709551616}]}"#)
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert!(
        err.contains("not an integer Keyshelf can keep exactly"),
        "{err}"
    );
    let err = key_list(br#"[{"id":1e308}]"#)
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert!(err.contains("not an integer"), "{err}");
    let keys =
        key_list(br#"[{"id":18446744073709551615},{"id":-3},{"id":"99999999999999999999999"}]"#)
            .unwrap()
            .unwrap()
            .unwrap();
    let ids: Vec<&str> = keys.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(
        ids,
        ["18446744073709551615", "-3", "99999999999999999999999"]
    );
    // Wrong types fail the whole list with the item named.
    let err = key_list(br#"[{"id":1},{"id":"x","name":7}]"#)
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert!(err.starts_with("item 1:"), "{err}");
    assert!(key_list(br#"{"data":"123"}"#).unwrap().is_none());
    let cut = key_list(br#"[{"id":1"#).unwrap_err();
    assert!(cut.to_string().contains("cut off"), "{cut}");
}

#[test]
fn every_error_body_regression_input_gives_a_clean_provider_error() {
    for (name, data) in inputs("error_body") {
        let b = parse_error_body(&data);
        for t in [&b.code, &b.message, &b.request_id].into_iter().flatten() {
            assert!(
                t.chars().count() <= 300 && !t.chars().any(char::is_control),
                "{name}: {t:?}"
            );
        }
        for status in [400, 401, 403, 404, 429, 500, 599, 0, u16::MAX] {
            let e = from_status("GET /x", status, &data, true);
            assert!(e.kind.code().starts_with("provider_"), "{name}");
            assert!(
                !e.message.chars().any(char::is_control),
                "{name}: {}",
                e.message
            );
        }
    }
    let e = from_status(
        "GET /x",
        401,
        br#"{"message":"\u001b[31mred\u0007 text"}"#,
        true,
    );
    assert!(e.message.contains("[31mred text"), "{}", e.message);
}

#[test]
fn every_provider_text_regression_input_is_handled() {
    for (name, data) in inputs("provider_text") {
        match parse_token_response("POST /oauth/token", &data) {
            Ok((t, _)) => assert!(!t.expose().is_empty(), "{name}"),
            Err(Error::Provider(e)) => assert_eq!(e.kind.code(), "provider_bad_response", "{name}"),
            Err(e) => panic!("{name}: untyped error {e:?}"),
        }
        if let Ok(text) = std::str::from_utf8(&data) {
            let _ = parse_retry_after(text);
        }
    }
}

#[test]
fn huge_numbers_in_token_responses_and_retry_after_are_bounded_values() {
    let (_, exp) = parse_token_response(
        "t",
        br#"{"access_token":"fixture-token-not-real","expires_in":18446744073709551615}"#,
    )
    .unwrap();
    assert_eq!(exp, u64::MAX);
    // 1e308 is not a u64: the default lifetime applies.
    let (_, exp) = parse_token_response(
        "t",
        br#"{"access_token":"fixture-token-not-real","expires_in":1e308}"#,
    )
    .unwrap();
    assert_eq!(exp, 3600);
    assert!(parse_token_response("t", br#"{"access_token":123}"#).is_err());
    assert_eq!(
        parse_retry_after("18446744073709551615"),
        Some(Duration::from_secs(u64::MAX))
    );
    assert_eq!(
        parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT"),
        Some(Duration::ZERO)
    );
    assert_eq!(parse_retry_after("soon"), None);
}

#[test]
fn every_profile_regression_input_is_accepted_or_refused_with_its_problems() {
    use keyshelf_core::provider::profile::validate;
    let mut accepted = 0;
    for (name, data) in inputs("profile") {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        match validate::parse("fuzz.toml", text) {
            Ok(_) => accepted += 1,
            Err(Error::ProfileInvalid { problems, .. }) => {
                assert!(!problems.is_empty(), "{name}");
                assert!(
                    problems.iter().all(|p| p.starts_with("fuzz.toml")),
                    "{name}: {problems:?}"
                );
            }
            Err(e) => panic!("{name}: untyped error {e:?}"),
        }
    }
    // The two presets and the README's example.
    assert_eq!(accepted, 3);
}

#[test]
fn every_item_pointer_regression_input_reads_or_is_refused_without_a_bad_id() {
    use keyshelf_core::provider::profile::format::Pointers;
    use keyshelf_core::provider::profile::{item, presets};
    let mut read = 0;
    for (name, data) in inputs("item_pointer") {
        let i = data.iter().position(|b| *b == b'\n').unwrap_or(0);
        let ptr = String::from_utf8_lossy(&data[..i]).into_owned();
        let v: serde_json::Value =
            serde_json::from_slice(&data[i + 1..]).unwrap_or_else(|e| panic!("{name}: {e}"));
        let _ = item::first(&v, &Pointers::One(ptr));
        for (preset, _) in presets::FILES {
            let spec = presets::load(preset).unwrap().unwrap().item;
            for candidate in std::iter::once(&v).chain(v.as_array().into_iter().flatten()) {
                if let Ok(it) = item::read(candidate, &spec) {
                    read += 1;
                    assert!(!it.id.is_empty() && it.id != ".." && it.id != ".", "{name}");
                    assert!(!it.id.chars().any(char::is_control), "{name}");
                }
            }
        }
    }
    assert!(read > 0);
}
