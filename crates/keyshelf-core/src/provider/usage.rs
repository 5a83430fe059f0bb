//! A provider's usage logs, read for what seed 004 says to monitor: failed authentication
//! attempts, unexpected IP addresses, off-hours access and spikes in API calls.
//!
//! The flags are computed from the logs alone (no history is kept between calls):
//! - `failed-auth`: the call was answered 401 or 403.
//! - `new-ip`: the key was used from an address it had not used in any earlier log row (its
//!   first address is the baseline, not flagged).
//! - `off-hours`: outside 07:00–20:00 on Monday to Friday, in the given UTC offset (the machine's
//!   local time in the app and CLI). Not for a row of a report in time buckets: its time is the
//!   bucket's start, not a call's.
//! - `spike`: the key's calls in that clock hour are at least [`SPIKE_MIN_CALLS`] and at least
//!   [`SPIKE_FACTOR`] times the median of its other busy hours (any hour with that many calls when
//!   it has no other hour).
//!
//! A service that reports counts per time bucket (tokens per key per day) gives rows with a
//! `count`: they stand for that many of the report's unit, and the hours and the chart add
//! them up instead of counting rows.

use super::usage_chart::{self, KnownId, RotationMark, UsageChart};
use crate::rotation::Step;
use crate::{Keyshelf, Result};
use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc, Weekday};
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Calls in one hour below which a key never counts as spiking.
pub const SPIKE_MIN_CALLS: usize = 20;
/// How many times its usual hourly calls a key must make to count as spiking.
pub const SPIKE_FACTOR: usize = 3;
/// Working hours: from this hour (inclusive)…
pub const WORK_START_HOUR: u32 = 7;
/// …to this one (exclusive), Monday to Friday.
pub const WORK_END_HOUR: u32 = 20;

/// What a usage row is flagged for.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flag {
    FailedAuth,
    NewIp,
    OffHours,
    Spike,
}

/// One call from the provider's logs, with its flags.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct UsageRow {
    /// The time as the provider gave it.
    pub at: Option<String>,
    /// The provider's key id.
    pub key_id: Option<String>,
    /// The Keyshelf key with that id (`provider/name`), when Keyshelf knows it.
    pub key: Option<String>,
    pub route: Option<String>,
    pub status: Option<u16>,
    pub ip: Option<String>,
    /// How many of the report's unit the row stands for: 1 for a logged call.
    pub count: u64,
    pub flags: Vec<Flag>,
}

/// A provider's usage logs, newest first, with how many rows carry each flag.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct UsageReport {
    pub provider: String,
    /// What the counts count: `calls`, or the service's unit (`tokens`).
    pub unit: String,
    pub rows: Vec<UsageRow>,
    pub failed_auth: usize,
    pub new_ip: usize,
    pub off_hours: usize,
    pub spike: usize,
    /// Calls per hour or day per key, for the chart.
    pub chart: UsageChart,
}

fn text(v: &Value, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| v.get(*n).filter(|x| !x.is_null()))
        .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
}

fn status(v: &Value) -> Option<u16> {
    ["status_code", "status", "http_status"]
        .iter()
        .find_map(|n| v.get(*n))
        .and_then(|x| {
            x.as_u64()
                .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))
        })
        .and_then(|n| u16::try_from(n).ok())
}

/// Flags `logs` (as the provider gave them, any order); rows come back newest first.
pub fn flag_logs(logs: &[Value], offset: FixedOffset) -> Vec<UsageRow> {
    struct Parsed {
        row: UsageRow,
        time: Option<DateTime<Utc>>,
        /// A row of a report in time buckets: its time is the bucket's start.
        bucket: bool,
        order: usize,
    }
    let mut parsed: Vec<Parsed> = logs
        .iter()
        .enumerate()
        .map(|(order, v)| {
            let at = text(v, &["created_at", "timestamp", "at", "time"]);
            let count = v.get("count").and_then(Value::as_u64);
            let time = at
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc));
            Parsed {
                row: UsageRow {
                    at,
                    key_id: text(v, &["api_key_id", "key_id"]),
                    key: None,
                    route: text(v, &["route", "endpoint", "path"]),
                    status: status(v),
                    ip: text(v, &["ip", "ip_address", "client_ip", "remote_addr"]),
                    count: count.unwrap_or(1),
                    flags: Vec::new(),
                },
                time,
                bucket: count.is_some(),
                order,
            }
        })
        .collect();
    // Oldest first for the "seen before" rule; rows without a time keep the provider's order.
    parsed.sort_by(|a, b| match (a.time, b.time) {
        (Some(x), Some(y)) => x.cmp(&y).then(a.order.cmp(&b.order)),
        _ => a.order.cmp(&b.order),
    });

    let mut seen_ips: HashMap<String, HashSet<String>> = HashMap::new();
    let mut hours: HashMap<(String, i64), u64> = HashMap::new();
    let key_of = |r: &UsageRow| r.key_id.clone().unwrap_or_default();
    for p in &mut parsed {
        if matches!(p.row.status, Some(401 | 403)) {
            p.row.flags.push(Flag::FailedAuth);
        }
        if let Some(ip) = &p.row.ip {
            let ips = seen_ips.entry(key_of(&p.row)).or_default();
            if !ips.is_empty() && !ips.contains(ip) {
                p.row.flags.push(Flag::NewIp);
            }
            ips.insert(ip.clone());
        }
        if let Some(t) = p.time {
            let local = t.with_timezone(&offset);
            let weekend = matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
            let off = weekend || local.hour() < WORK_START_HOUR || local.hour() >= WORK_END_HOUR;
            if off && !p.bucket {
                p.row.flags.push(Flag::OffHours);
            }
            *hours
                .entry((key_of(&p.row), t.timestamp().div_euclid(3600)))
                .or_default() += p.row.count;
        }
    }
    let spiking: HashSet<(String, i64)> = hours
        .iter()
        .filter(|((key, hour), n)| {
            if **n < SPIKE_MIN_CALLS as u64 {
                return false;
            }
            let mut others: Vec<u64> = hours
                .iter()
                .filter(|((k, h), _)| k == key && h != hour)
                .map(|(_, c)| *c)
                .collect();
            if others.is_empty() {
                return true;
            }
            others.sort_unstable();
            **n >= SPIKE_FACTOR as u64 * others[others.len() / 2]
        })
        .map(|(k, _)| k.clone())
        .collect();
    for p in &mut parsed {
        if let Some(t) = p.time {
            if spiking.contains(&(key_of(&p.row), t.timestamp().div_euclid(3600))) {
                p.row.flags.push(Flag::Spike);
            }
        }
    }
    parsed.into_iter().rev().map(|p| p.row).collect()
}

impl Keyshelf {
    /// The provider's usage logs with seed 004's warning signs flagged, times read in `offset`.
    pub fn usage_report(&self, provider: &str, offset: FixedOffset) -> Result<UsageReport> {
        let p = self.provider(provider)?;
        let (logs, unit) = self.usage_logs(&p.name)?;
        let keys = self.store_ref().read().keys(&crate::store::KeyFilter {
            provider: Some(p.name.clone()),
            ..Default::default()
        })?;
        let names: HashMap<String, String> = keys
            .iter()
            .filter_map(|k| k.provider_key_id.clone().map(|id| (id, k.full_ref())))
            .collect();
        let mut rows = flag_logs(&logs, offset);
        for r in &mut rows {
            r.key = r.key_id.as_ref().and_then(|id| names.get(id).cloned());
        }
        let mut chart = self.usage_chart(&rows, &keys)?;
        chart.unit.clone_from(&unit);
        let count = |f: Flag| rows.iter().filter(|r| r.flags.contains(&f)).count();
        Ok(UsageReport {
            provider: p.name,
            unit,
            failed_auth: count(Flag::FailedAuth),
            new_ip: count(Flag::NewIp),
            off_hours: count(Flag::OffHours),
            spike: count(Flag::Spike),
            rows,
            chart,
        })
    }

    /// The chart of `rows`: the provider ids of `keys` (their ids from before a rotation too)
    /// and the times they were rotated.
    fn usage_chart(
        &self,
        rows: &[UsageRow],
        keys: &[crate::store::KeyRecord],
    ) -> Result<UsageChart> {
        let mut ids: HashMap<String, KnownId> = HashMap::new();
        let mut marks = Vec::new();
        let refs: HashSet<String> = keys.iter().map(|k| k.full_ref()).collect();
        for r in self.store_ref().read().rotations(true)? {
            if !refs.contains(&r.key) || r.step == Step::Aborted {
                continue;
            }
            if let Some(old) = r
                .old_key_id
                .clone()
                .filter(|old| r.new_key_id.as_ref() != Some(old))
            {
                ids.entry(old).or_insert(KnownId {
                    key: r.key.clone(),
                    old: true,
                });
            }
            marks.push(RotationMark {
                key: r.key.clone(),
                at: r.started_at.timestamp(),
            });
        }
        for k in keys {
            if let Some(id) = &k.provider_key_id {
                ids.insert(
                    id.clone(),
                    KnownId {
                        key: k.full_ref(),
                        old: false,
                    },
                );
            }
            // A rotation done before Keyshelf knew the key (an import's date) has no row.
            if let Some(at) = k.last_rotated_at {
                let key = k.full_ref();
                if !marks
                    .iter()
                    .any(|m| m.key == key && (m.at - at.timestamp()).abs() < 3600)
                {
                    marks.push(RotationMark {
                        key,
                        at: at.timestamp(),
                    });
                }
            }
        }
        marks.sort_by_key(|m| m.at);
        Ok(usage_chart::build(rows, &ids, marks))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn utc() -> FixedOffset {
        FixedOffset::east_opt(0).expect("zero offset")
    }

    fn row(key: u64, at: &str, status: u16, ip: Option<&str>) -> Value {
        let mut v = json!({"api_key_id": key, "route": "/api-routes-data", "status_code": status, "created_at": at});
        if let Some(ip) = ip {
            v["ip"] = json!(ip);
        }
        v
    }

    #[test]
    fn failed_auth_is_401_or_403_only() {
        // 2026-11-18 is a Wednesday; 10:00 UTC is a working hour.
        let logs = [
            row(1, "2026-11-18T10:00:00Z", 200, None),
            row(1, "2026-11-18T10:01:00Z", 401, None),
            row(1, "2026-11-18T10:02:00Z", 403, None),
            row(1, "2026-11-18T10:03:00Z", 500, None),
        ];
        let rows = flag_logs(&logs, utc());
        let flagged: Vec<_> = rows.iter().map(|r| r.flags.clone()).collect();
        // Newest first.
        assert_eq!(
            flagged,
            vec![
                vec![],
                vec![Flag::FailedAuth],
                vec![Flag::FailedAuth],
                vec![]
            ]
        );
        assert_eq!(rows[0].status, Some(500));
    }

    #[test]
    fn a_new_ip_is_one_the_key_did_not_use_before() {
        let logs = [
            row(1, "2026-11-18T10:02:00Z", 200, Some("198.51.100.7")),
            row(1, "2026-11-18T10:00:00Z", 200, Some("192.0.2.1")),
            row(1, "2026-11-18T10:01:00Z", 200, Some("192.0.2.1")),
            row(2, "2026-11-18T10:03:00Z", 200, Some("198.51.100.7")),
        ];
        let rows = flag_logs(&logs, utc());
        let new_ip: Vec<_> = rows
            .iter()
            .filter(|r| r.flags.contains(&Flag::NewIp))
            .map(|r| (r.key_id.clone(), r.ip.clone()))
            .collect();
        // Key 2's first address is its baseline; key 1's second address is new.
        assert_eq!(
            new_ip,
            vec![(Some("1".into()), Some("198.51.100.7".into()))]
        );
    }

    #[test]
    fn off_hours_follow_the_offset_and_weekends() {
        let logs = [
            row(1, "2026-11-18T10:00:00Z", 200, None), // Wed 10:00 UTC
            row(1, "2026-11-18T22:30:00Z", 200, None), // Wed 22:30 UTC
            row(1, "2026-11-21T12:00:00Z", 200, None), // Saturday
        ];
        let at_utc: Vec<bool> = flag_logs(&logs, utc())
            .iter()
            .map(|r| r.flags.contains(&Flag::OffHours))
            .collect();
        assert_eq!(at_utc, vec![true, true, false]);
        // At UTC-5, 10:00 UTC is 05:00 (off hours) and 22:30 UTC is 17:30 (working).
        let west = FixedOffset::west_opt(5 * 3600).expect("offset");
        let at_west: Vec<bool> = flag_logs(&logs, west)
            .iter()
            .map(|r| r.flags.contains(&Flag::OffHours))
            .collect();
        assert_eq!(at_west, vec![true, false, true]);
    }

    #[test]
    fn a_spike_is_an_hour_far_above_the_keys_usual() {
        let mut logs = Vec::new();
        // Usual: 5 calls an hour at 09:00 and 10:00; then 30 calls at 11:00.
        for (hour, n) in [(9, 5), (10, 5), (11, 30)] {
            for m in 0..n {
                logs.push(row(
                    1,
                    &format!("2026-11-18T{hour:02}:{m:02}:00Z"),
                    200,
                    None,
                ));
            }
        }
        // Another key busy at a steady 25 an hour is not spiking.
        for hour in [9, 10, 11] {
            for m in 0..25 {
                logs.push(row(
                    2,
                    &format!("2026-11-18T{hour:02}:{m:02}:30Z"),
                    200,
                    None,
                ));
            }
        }
        let rows = flag_logs(&logs, utc());
        let spikes: Vec<_> = rows
            .iter()
            .filter(|r| r.flags.contains(&Flag::Spike))
            .collect();
        assert_eq!(spikes.len(), 30);
        assert!(spikes.iter().all(|r| r.key_id.as_deref() == Some("1")
            && r.at.as_deref().is_some_and(|t| t.contains("T11:"))));
    }

    #[test]
    fn rows_of_a_bucketed_report_count_their_units_and_are_never_off_hours() {
        // Daily buckets start at midnight UTC, an off hour; the tokens were not spent then.
        let day = |d: u32, n: u64| json!({"created_at": format!("2026-11-{d:02}T00:00:00+00:00"), "api_key_id": "k", "count": n});
        let logs = [day(16, 1_000), day(17, 1_200), day(18, 9_000), day(19, 900)];
        let rows = flag_logs(&logs, utc());
        assert_eq!(
            rows.iter().map(|r| r.count).collect::<Vec<_>>(),
            [900, 9_000, 1_200, 1_000]
        );
        assert!(rows.iter().all(|r| !r.flags.contains(&Flag::OffHours)));
        // 9,000 is over three times the median of the other days: a spike, by its tokens.
        let spiking: Vec<u64> = rows
            .iter()
            .filter(|r| r.flags.contains(&Flag::Spike))
            .map(|r| r.count)
            .collect();
        assert_eq!(spiking, [9_000]);
        // A logged call counts one.
        assert_eq!(
            flag_logs(&[row(1, "2026-11-18T10:00:00Z", 200, None)], utc())[0].count,
            1
        );
    }

    #[test]
    fn rows_without_time_or_fields_are_kept_unflagged() {
        let logs = [json!({"route": "/x"}), json!("not an object")];
        let rows = flag_logs(&logs, utc());
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.flags.is_empty()));
    }
}
