//! Timestamps in JSON output: RFC 3339 in UTC, as chrono writes them, without its cost.
//!
//! chrono serializes a `DateTime` through `Display`, which `serde_json` receives a character at a
//! time; over `keyshelf due --json` on 100,000 keys that was a sixth of the run. Keyshelf's
//! timestamps are whole seconds (the store keeps seconds), so they are written here from their
//! fields in one string. Anything else (fractions of a second, years outside 0–9999) goes through
//! chrono, so the text is always the same as chrono's.
//!
//! Used as `#[serde(serialize_with = "crate::timestamp::serialize")]` (and `serialize_opt`).

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serializer;

/// Serializes `t` as chrono does (`2026-05-16T20:22:53Z`).
pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    match whole_seconds(t) {
        Some(text) => match std::str::from_utf8(&text) {
            Ok(text) => s.serialize_str(text),
            Err(_) => serde::Serialize::serialize(t, s),
        },
        None => serde::Serialize::serialize(t, s),
    }
}

/// [`serialize`] for an optional timestamp (`null` when absent).
pub fn serialize_opt<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => serialize(t, s),
        None => s.serialize_none(),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`, or `None` when chrono would write something longer.
fn whole_seconds(t: &DateTime<Utc>) -> Option<[u8; 20]> {
    let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
    if t.nanosecond() != 0 {
        return None;
    }
    let mut out = *b"0000-00-00T00:00:00Z";
    let digits = |out: &mut [u8; 20], at: usize, width: usize, mut n: u32| {
        for i in (at..at + width).rev() {
            out[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    digits(&mut out, 0, 4, year);
    digits(&mut out, 5, 2, t.month());
    digits(&mut out, 8, 2, t.day());
    digits(&mut out, 11, 2, t.hour());
    digits(&mut out, 14, 2, t.minute());
    digits(&mut out, 17, 2, t.second());
    Some(out)
}

/// Reads a date a person typed: `YYYY-MM-DD` (midnight UTC) or a full RFC 3339 time. `what`
/// names the field in the error (`rotated-at`, `until`).
pub fn parse_date(what: &str, text: &str) -> crate::Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            crate::Error::invalid(what, format!("{text:?} is not a date; use YYYY-MM-DD"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use serde::Serialize;

    #[derive(Serialize)]
    struct Fast {
        #[serde(serialize_with = "serialize")]
        t: DateTime<Utc>,
        #[serde(serialize_with = "serialize_opt")]
        o: Option<DateTime<Utc>>,
    }

    #[derive(Serialize)]
    struct Chrono {
        t: DateTime<Utc>,
        o: Option<DateTime<Utc>>,
    }

    fn both(t: DateTime<Utc>, o: Option<DateTime<Utc>>) -> (String, String) {
        let fast = serde_json::to_string(&Fast { t, o }).expect("fast");
        let chrono = serde_json::to_string(&Chrono { t, o }).expect("chrono");
        (fast, chrono)
    }

    #[test]
    fn writes_the_same_text_as_chrono_for_every_kind_of_timestamp() {
        let at = |y, mo, d, h, mi, s| {
            Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
                .single()
                .expect("a valid date")
        };
        let base = at(2026, 1, 1, 0, 0, 0);
        let mut times = vec![
            at(1970, 1, 1, 0, 0, 0),
            at(9, 2, 3, 4, 5, 6),
            at(9999, 12, 31, 23, 59, 59),
            at(10000, 1, 1, 0, 0, 0),
            at(2028, 2, 29, 12, 0, 0),
            base + Duration::milliseconds(1),
            base + Duration::nanoseconds(123_456_789),
            Utc::now(),
        ];
        // Every second of an hour and every hour of a year: each digit position takes its values.
        times.extend((0..3600).map(|s| base + Duration::seconds(s)));
        times.extend((0..366 * 24).map(|h| base + Duration::hours(h) + Duration::minutes(h % 60)));
        for t in times {
            let (fast, chrono) = both(t, Some(t));
            assert_eq!(fast, chrono, "{t:?}");
        }
        let (fast, chrono) = both(base, None);
        assert_eq!(fast, chrono);
        assert_eq!(fast, r#"{"t":"2026-01-01T00:00:00Z","o":null}"#);
    }
}
