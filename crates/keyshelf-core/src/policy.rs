//! Environments, rotation intervals and due states.
//!
//! Each environment has a rotation interval (seed 004: dev 30, staging 60, prod 90 days); a key may
//! override it. A key is due at `last_rotated_at` (or `created_at` when never rotated) plus its
//! interval, and is `due-soon` within the due-soon window before that, `overdue` after it. A snooze
//! hides a key's reminder until a date without changing its due date.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The environments a new store starts with, and their rotation interval in days.
pub const DEFAULT_ENVIRONMENTS: [(&str, u32); 3] = [("dev", 30), ("staging", 60), ("prod", 90)];

/// Default due-soon window in days.
pub const DEFAULT_DUE_SOON_DAYS: u32 = 7;

/// Longest interval accepted, in days (ten years).
pub const MAX_INTERVAL_DAYS: u32 = 3650;

/// An environment and its rotation interval.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    pub name: String,
    pub interval_days: u32,
}

/// Where a key stands against its rotation schedule.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DueState {
    Ok,
    DueSoon,
    Overdue,
}

impl DueState {
    /// The name used in output and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DueState::Ok => "ok",
            DueState::DueSoon => "due-soon",
            DueState::Overdue => "overdue",
        }
    }
}

/// A key's rotation schedule, computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub due_at: DateTime<Utc>,
    pub state: DueState,
    /// Whole days until due (negative when overdue).
    pub days_left: i64,
}

/// Computes when a key is due and its state at `now`.
///
/// `snoozed_until` in the future turns `due-soon`/`overdue` into `ok` until then.
pub fn due(
    created_at: DateTime<Utc>,
    last_rotated_at: Option<DateTime<Utc>>,
    interval_days: u32,
    due_soon_days: u32,
    snoozed_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Due {
    let since = last_rotated_at.unwrap_or(created_at);
    let due_at = since + Duration::days(i64::from(interval_days));
    let left = due_at - now;
    let days_left =
        left.num_days() - i64::from(left < Duration::zero() && left.num_seconds() % 86_400 != 0);
    let mut state = if now >= due_at {
        DueState::Overdue
    } else if left <= Duration::days(i64::from(due_soon_days)) {
        DueState::DueSoon
    } else {
        DueState::Ok
    };
    if snoozed_until.is_some_and(|s| s > now) {
        state = DueState::Ok;
    }
    Due {
        due_at,
        state,
        days_left,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap() + Duration::days(i64::from(d))
    }

    #[test]
    fn never_rotated_keys_count_from_creation() {
        let d = due(day(0), None, 30, 7, None, day(10));
        assert_eq!(d.due_at, day(30));
        assert_eq!(d.state, DueState::Ok);
        assert_eq!(d.days_left, 20);
    }

    #[test]
    fn rotation_resets_the_clock() {
        let d = due(day(0), Some(day(25)), 30, 7, None, day(40));
        assert_eq!(d.due_at, day(55));
        assert_eq!(d.state, DueState::Ok);
    }

    #[test]
    fn states_change_at_the_window_and_the_due_date() {
        assert_eq!(due(day(0), None, 30, 7, None, day(22)).state, DueState::Ok);
        assert_eq!(
            due(day(0), None, 30, 7, None, day(23)).state,
            DueState::DueSoon
        );
        assert_eq!(
            due(day(0), None, 30, 7, None, day(29)).state,
            DueState::DueSoon
        );
        let over = due(day(0), None, 30, 7, None, day(31));
        assert_eq!(over.state, DueState::Overdue);
        assert_eq!(over.days_left, -1);
    }

    #[test]
    fn partial_overdue_days_round_towards_more_overdue() {
        let d = due(day(0), None, 30, 7, None, day(30) + Duration::hours(1));
        assert_eq!(d.days_left, -1);
    }

    #[test]
    fn a_snooze_silences_until_its_date() {
        assert_eq!(
            due(day(0), None, 30, 7, Some(day(40)), day(35)).state,
            DueState::Ok
        );
        assert_eq!(
            due(day(0), None, 30, 7, Some(day(40)), day(41)).state,
            DueState::Overdue
        );
    }
}
