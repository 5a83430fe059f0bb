//! The usage chart's data: calls per hour (logs spanning up to three days) or per day, per key
//! (or the report's unit, such as tokens, where the service reports counts),
//! with failed authentications and flagged calls counted per bucket, and the keys' rotation
//! times for vertical rules. Built from the flagged rows of [`super::usage`], so the chart and
//! the table always agree. Series are aligned on one list of bucket times, as chart libraries
//! want them; a key's calls before its rotation (under its old provider id) are their own series.

use super::usage::{Flag, UsageRow};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Logs spanning up to this many hours are bucketed per hour, longer ones per day.
pub const HOURLY_SPAN_HOURS: i64 = 72;
/// Keys drawn as their own series; the rest are summed into one.
pub const MAX_SERIES: usize = 8;
/// Buckets at most (a span longer than this many days is cut to its newest days).
pub const MAX_BUCKETS: usize = 400;

/// The bucket size.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bucket {
    Hour,
    Day,
}

impl Bucket {
    fn seconds(self) -> i64 {
        match self {
            Bucket::Hour => 3600,
            Bucket::Day => 86_400,
        }
    }
}

/// One key's counts per bucket, aligned with [`UsageChart::times`].
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UsageSeries {
    /// `provider/name` when Keyshelf knows the key.
    pub key: Option<String>,
    pub key_id: Option<String>,
    pub label: String,
    pub calls: Vec<u32>,
    pub failed_auth: Vec<u32>,
    /// Calls with any flag.
    pub flagged: Vec<u32>,
}

/// A rotation of a key in the chart.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RotationMark {
    pub key: String,
    /// Unix seconds.
    pub at: i64,
}

/// The chart of a usage report.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UsageChart {
    /// What the series count: `calls`, or the report's unit (`tokens`).
    pub unit: String,
    pub bucket: Bucket,
    /// Bucket starts, unix seconds, ascending.
    pub times: Vec<i64>,
    pub series: Vec<UsageSeries>,
    pub rotations: Vec<RotationMark>,
}

/// One bucket's calls, failed authentications and flagged calls.
type Counts = [u32; 3];

/// What the chart knows of a provider id: the key it belongs to, and whether it is that key's
/// id from before a rotation.
pub struct KnownId {
    pub key: String,
    pub old: bool,
}

/// Builds the chart from flagged `rows`; `ids` names the provider ids Keyshelf knows, and
/// `rotations` are the times the provider's keys were rotated.
pub fn build(
    rows: &[UsageRow],
    ids: &HashMap<String, KnownId>,
    rotations: Vec<RotationMark>,
) -> UsageChart {
    let timed: Vec<(i64, &UsageRow)> = rows
        .iter()
        .filter_map(|r| {
            let t =
                r.at.as_deref()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())?;
            Some((t.with_timezone(&Utc).timestamp(), r))
        })
        .collect();
    let (Some(first), Some(last)) = (
        timed.iter().map(|(t, _)| *t).min(),
        timed.iter().map(|(t, _)| *t).max(),
    ) else {
        return UsageChart {
            unit: "calls".to_owned(),
            bucket: Bucket::Hour,
            times: Vec::new(),
            series: Vec::new(),
            rotations,
        };
    };
    let bucket = if last - first <= HOURLY_SPAN_HOURS * 3600 {
        Bucket::Hour
    } else {
        Bucket::Day
    };
    let size = bucket.seconds();
    // One empty bucket on each side: a burst in a single hour reads as a peak, not a dot on a
    // scale the chart library stretched over years.
    let end = last.div_euclid(size) * size + size;
    let start = (first.div_euclid(size) * size - size).max(end - (MAX_BUCKETS as i64 - 1) * size);
    let times: Vec<i64> = (start..=end).step_by(size as usize).collect();

    // Per provider id: total calls (to pick the busiest) and the counts per bucket.
    let mut per_id: BTreeMap<Option<&str>, (u64, Vec<Counts>)> = BTreeMap::new();
    for (t, row) in &timed {
        if *t < start {
            continue;
        }
        let i = ((t.div_euclid(size) * size - start) / size) as usize;
        let entry = per_id
            .entry(row.key_id.as_deref())
            .or_insert_with(|| (0, vec![[0; 3]; times.len()]));
        // A logged call counts 1; a row of a bucketed report its count (saturating: a bucket
        // past u32::MAX tokens is drawn at the top).
        let n = u32::try_from(row.count).unwrap_or(u32::MAX);
        let c = &mut entry.1[i];
        entry.0 += row.count;
        c[0] = c[0].saturating_add(n);
        if row.flags.contains(&Flag::FailedAuth) {
            c[1] = c[1].saturating_add(n);
        }
        if !row.flags.is_empty() {
            c[2] = c[2].saturating_add(n);
        }
    }
    let mut busiest: Vec<_> = per_id.into_iter().collect();
    busiest.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(&b.0)));

    // Every key its own series when they fit, else the busiest and one sum of the others.
    let own = if busiest.len() <= MAX_SERIES {
        MAX_SERIES
    } else {
        MAX_SERIES - 1
    };
    let mut series = Vec::new();
    let mut rest: Option<Vec<Counts>> = None;
    for (n, (id, (_, counts))) in busiest.into_iter().enumerate() {
        if n >= own {
            let sum = rest.get_or_insert_with(|| vec![[0; 3]; times.len()]);
            for (s, c) in sum.iter_mut().zip(&counts) {
                for k in 0..3 {
                    s[k] += c[k];
                }
            }
            continue;
        }
        let known = id.and_then(|id| ids.get(id));
        let label = match (known, id) {
            (Some(k), _) if k.old => format!("{} (before rotation)", short(&k.key)),
            (Some(k), _) => short(&k.key).to_owned(),
            (None, Some(id)) => format!("key id {id}"),
            (None, None) => "no key id".to_owned(),
        };
        series.push(make_series(
            known.map(|k| k.key.clone()),
            id.map(str::to_owned),
            label,
            &counts,
        ));
    }
    if let Some(sum) = rest {
        series.push(make_series(None, None, "other keys".to_owned(), &sum));
    }
    let rotations = rotations
        .into_iter()
        .filter(|r| r.at >= start && r.at < end + size)
        .collect();
    UsageChart {
        unit: "calls".to_owned(),
        bucket,
        times,
        series,
        rotations,
    }
}

/// The name part of `provider/name`.
fn short(key: &str) -> &str {
    key.split_once('/').map_or(key, |(_, name)| name)
}

fn make_series(
    key: Option<String>,
    key_id: Option<String>,
    label: String,
    counts: &[Counts],
) -> UsageSeries {
    UsageSeries {
        key,
        key_id,
        label,
        calls: counts.iter().map(|c| c[0]).collect(),
        failed_auth: counts.iter().map(|c| c[1]).collect(),
        flagged: counts.iter().map(|c| c[2]).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key_id: &str, at: &str, flags: &[Flag]) -> UsageRow {
        UsageRow {
            at: Some(at.to_owned()),
            key_id: Some(key_id.to_owned()),
            key: None,
            route: None,
            status: None,
            ip: None,
            count: 1,
            flags: flags.to_vec(),
        }
    }

    fn ids() -> HashMap<String, KnownId> {
        HashMap::from([
            (
                "7".to_owned(),
                KnownId {
                    key: "acme/mail".into(),
                    old: false,
                },
            ),
            (
                "3".to_owned(),
                KnownId {
                    key: "acme/mail".into(),
                    old: true,
                },
            ),
        ])
    }

    #[test]
    fn a_short_span_is_counted_per_hour_with_every_bucket_present() {
        let rows = [
            row("7", "2026-11-18T10:05:00Z", &[]),
            row("7", "2026-11-18T10:50:00Z", &[Flag::FailedAuth]),
            row("3", "2026-11-18T08:10:00Z", &[Flag::OffHours]),
            row("7", "2026-11-18T12:00:00Z", &[]),
        ];
        let rotated = RotationMark {
            key: "acme/mail".into(),
            at: 1_794_996_000,
        }; // 10:00
        let chart = build(&rows, &ids(), vec![rotated.clone()]);
        assert_eq!(chart.bucket, Bucket::Hour);
        // 08:00 to 12:00, the empty hours included, and an empty hour on each side.
        assert_eq!(chart.times.len(), 7);
        assert_eq!(chart.times[1] - chart.times[0], 3600);
        let labels: Vec<&str> = chart.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["mail", "mail (before rotation)"]);
        assert_eq!(chart.series[0].calls, [0, 0, 0, 2, 0, 1, 0]);
        assert_eq!(chart.series[0].failed_auth, [0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(chart.series[1].flagged, [0, 1, 0, 0, 0, 0, 0]);
        assert_eq!(chart.rotations, [rotated]);
    }

    #[test]
    fn a_long_span_is_per_day_and_many_keys_share_one_other_series() {
        let mut rows = Vec::new();
        for k in 0..12 {
            for _ in 0..=k {
                rows.push(row(&format!("id{k}"), "2026-11-01T10:00:00Z", &[]));
            }
        }
        rows.push(row("id0", "2026-11-18T10:00:00Z", &[]));
        let chart = build(&rows, &HashMap::new(), Vec::new());
        assert_eq!(chart.bucket, Bucket::Day);
        // Nov 1 to Nov 18, and a day on each side.
        assert_eq!(chart.times.len(), 20);
        assert_eq!(chart.series.len(), MAX_SERIES);
        assert_eq!(chart.series[0].label, "key id id11");
        let other = chart.series.last().unwrap();
        assert_eq!(other.label, "other keys");
        // Every call is in exactly one series.
        let total: u32 = chart.series.iter().flat_map(|s| &s.calls).sum();
        assert_eq!(total as usize, rows.len());
    }

    #[test]
    fn rows_without_a_time_make_an_empty_chart() {
        let mut r = row("7", "x", &[]);
        r.at = None;
        let chart = build(&[r], &ids(), Vec::new());
        assert!(chart.times.is_empty() && chart.series.is_empty());
    }
}
