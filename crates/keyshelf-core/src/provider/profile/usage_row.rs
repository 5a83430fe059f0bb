//! Usage rows as a profile describes them, read into the fields Keyshelf's usage report reads
//! (`created_at`, `api_key_id`, `route`, `status`, `ip`, and `count` for a report that counts).
//!
//! Services report usage two ways: one entry per call (a log), or time buckets holding one row
//! per key with numbers (Anthropic's usage report: tokens per key per day). A profile names the
//! rows inside each entry (`rows`) and the numbers to add up (`count`); a pointer a row does not
//! answer is looked up in its entry, where a bucket keeps its start time.

use super::format::{Pointers, UsageRowSpec};
use super::item;
use chrono::SecondsFormat;
use serde_json::{json, Map, Value};

/// The rows of one listed entry (the entry itself, or each element of the array at `rows` in
/// it), each as the object the usage report reads. An entry whose `rows` is not an array gives
/// none.
pub fn rows(entry: &Value, rows: Option<&str>, spec: &UsageRowSpec) -> Vec<Value> {
    match rows {
        None => vec![read(entry, entry, spec)],
        Some(p) => entry
            .pointer(p)
            .and_then(Value::as_array)
            .map(|list| list.iter().map(|row| read(row, entry, spec)).collect())
            .unwrap_or_default(),
    }
}

fn read(row: &Value, entry: &Value, spec: &UsageRowSpec) -> Value {
    let at = item::time(row, &spec.at).or_else(|| item::time(entry, &spec.at));
    let text = |p: &Option<Pointers>| {
        p.as_ref()
            .and_then(|p| item::first(row, p).or_else(|| item::first(entry, p)))
            .and_then(|v| match v {
                Value::String(s) => Some(Value::String(s.clone())),
                Value::Number(n) => Some(Value::String(n.to_string())),
                _ => None,
            })
    };
    let mut out = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            out.insert(k.to_owned(), v);
        }
    };
    put(
        "created_at",
        at.map(|t| json!(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))),
    );
    put("api_key_id", text(&spec.key_id));
    put("route", text(&spec.route));
    put("status", text(&spec.status));
    put("ip", text(&spec.ip));
    if !spec.count.is_empty() {
        let number = |p: &String| {
            row.pointer(p)
                .or_else(|| entry.pointer(p))
                .and_then(|v| v.as_u64().or_else(|| v.as_str()?.trim().parse().ok()))
                .unwrap_or(0)
        };
        put(
            "count",
            Some(json!(spec
                .count
                .iter()
                .map(number)
                .fold(0u64, u64::saturating_add))),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> UsageRowSpec {
        toml::from_str(text).expect("spec")
    }

    #[test]
    fn a_bucketed_report_gives_a_row_per_key_with_the_buckets_time_and_the_summed_count() {
        let s = spec(
            r#"at = { at = "/starting_at", format = "rfc3339" }
key_id = "/api_key_id"
count = ["/uncached_input_tokens", "/output_tokens", "/cache_creation/ephemeral_5m_input_tokens"]
unit = "tokens""#,
        );
        let entry = json!({
            "starting_at": "2026-12-01T00:00:00Z",
            "ending_at": "2026-12-02T00:00:00Z",
            "results": [
                {"api_key_id": "apikey_1", "uncached_input_tokens": 100, "output_tokens": 20,
                 "cache_creation": {"ephemeral_5m_input_tokens": 3}},
                {"api_key_id": null, "uncached_input_tokens": 7}
            ]
        });
        let got = rows(&entry, Some("/results"), &s);
        assert_eq!(
            got,
            [
                json!({"created_at": "2026-12-01T00:00:00Z", "api_key_id": "apikey_1", "count": 123}),
                json!({"created_at": "2026-12-01T00:00:00Z", "count": 7}),
            ]
        );
        // No array where `rows` points: no rows, not an error.
        assert!(rows(&json!({"results": null}), Some("/results"), &s).is_empty());
    }

    #[test]
    fn a_log_gives_one_row_per_entry_without_a_count() {
        let s = spec(
            r#"at = { at = "/ts", format = "unix" }
key_id = "/key"
status = "/code"
ip = ["/client_ip", "/ip"]
route = "/path""#,
        );
        let entry = json!({"ts": 1_764_547_200, "key": 42, "code": 401, "ip": "203.0.113.9", "path": "/v1/x"});
        assert_eq!(
            rows(&entry, None, &s),
            [json!({
                "created_at": "2025-12-01T00:00:00Z",
                "api_key_id": "42",
                "status": "401",
                "ip": "203.0.113.9",
                "route": "/v1/x"
            })]
        );
    }
}
