//! The start page's figures, in one call: per environment how many keys are ok, due soon and
//! overdue; the keys due within the next [`HORIZON_DAYS`] (overdue ones included) grouped by day
//! for the timeline; when reminders were last checked; and the providers whose last sync failed.
//!
//! The timeline is sent as days, each with its counts and only its first [`DAY_MARKS`] keys: the
//! screen draws a dozen marks per day and lists 40, and sending all 10,000 keys of a large shelf
//! cost the first paint ~90 ms of serialisation and IPC for marks nobody could see.

use crate::policy::{self, DueState};
use crate::shelf::interval_days;
use crate::store::providers::SyncFailure;
use crate::{Keyshelf, Result};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// How far ahead the timeline looks, in days.
pub const HORIZON_DAYS: u32 = 90;

/// The most keys a timeline day carries; its counts cover the rest.
pub const DAY_MARKS: usize = 40;

/// The timeline's column of the overdue keys.
pub const OVERDUE_DAY: i64 = -1;

/// How many keys of one environment are in each due state.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EnvCounts {
    pub env: String,
    pub ok: usize,
    pub due_soon: usize,
    pub overdue: usize,
}

/// One key on the timeline.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct TimelineMark {
    /// `provider/name`.
    pub key: String,
    pub env: String,
    #[cfg_attr(feature = "specta", specta(type = String))]
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub due_at: DateTime<Utc>,
    pub state: DueState,
    pub days_left: i64,
}

/// One day of the timeline: how many keys fall due that day and the soonest of them.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct TimelineDay {
    /// [`OVERDUE_DAY`] for every overdue key, else days from today (0 = today) up to the horizon.
    pub day: i64,
    /// Keys due that day; `marks` holds the first [`DAY_MARKS`] of them.
    pub count: usize,
    pub ok: usize,
    pub due_soon: usize,
    pub overdue: usize,
    /// Soonest first.
    pub marks: Vec<TimelineMark>,
}

impl TimelineDay {
    /// The day a key falls in: overdue keys by their state, the others by their days left.
    fn of(state: DueState, days_left: i64) -> i64 {
        match state {
            DueState::Overdue => OVERDUE_DAY,
            _ => days_left.clamp(0, i64::from(HORIZON_DAYS)),
        }
    }

    fn add(&mut self, mark: TimelineMark) {
        self.count += 1;
        match mark.state {
            DueState::Ok => self.ok += 1,
            DueState::DueSoon => self.due_soon += 1,
            DueState::Overdue => self.overdue += 1,
        }
        if self.marks.len() < DAY_MARKS {
            self.marks.push(mark);
        }
    }
}

/// Rotation health at a glance.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub total: usize,
    pub providers: usize,
    pub horizon_days: u32,
    /// Every configured environment (in the store's order), then any other a key uses.
    pub environments: Vec<EnvCounts>,
    /// The days on which keys fall due before the horizon, overdue first; days without keys
    /// are left out.
    pub timeline: Vec<TimelineDay>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    #[serde(serialize_with = "crate::timestamp::serialize_opt")]
    pub last_reminder_check: Option<DateTime<Utc>>,
    pub failed_providers: Vec<SyncFailure>,
}

impl Keyshelf {
    /// The overview as it stands now.
    pub fn overview(&self) -> Result<Overview> {
        self.overview_as_of(Utc::now())
    }

    /// [`Keyshelf::overview`] at `now` (tests pass their own clock).
    pub fn overview_as_of(&self, now: DateTime<Utc>) -> Result<Overview> {
        let configured = self.environments()?;
        let intervals: Vec<(String, u32)> = configured
            .iter()
            .map(|e| (e.name.clone(), e.interval_days))
            .collect();
        let soon = self.due_soon_days()?;
        let schedules = self.store_ref().read().schedules()?;
        let mut environments: Vec<EnvCounts> = configured
            .into_iter()
            .map(|e| EnvCounts {
                env: e.name,
                ..EnvCounts::default()
            })
            .collect();
        let mut index: BTreeMap<String, usize> = environments
            .iter()
            .enumerate()
            .map(|(i, e)| (e.env.clone(), i))
            .collect();
        let horizon = now + Duration::days(i64::from(HORIZON_DAYS));
        let mut due = Vec::new();
        for key in &schedules {
            let interval = interval_days(key.interval_days, &key.env, &intervals);
            let d = policy::due(
                key.created_at,
                key.last_rotated_at,
                interval,
                soon,
                key.snoozed_until,
                now,
            );
            let i = *index.entry(key.env.clone()).or_insert_with(|| {
                environments.push(EnvCounts {
                    env: key.env.clone(),
                    ..EnvCounts::default()
                });
                environments.len() - 1
            });
            let counts = &mut environments[i];
            match d.state {
                DueState::Ok => counts.ok += 1,
                DueState::DueSoon => counts.due_soon += 1,
                DueState::Overdue => counts.overdue += 1,
            }
            if d.due_at < horizon {
                due.push(TimelineMark {
                    key: key.full_ref(),
                    env: key.env.clone(),
                    due_at: d.due_at,
                    state: d.state,
                    days_left: d.days_left,
                });
            }
        }
        due.sort_by(|a, b| a.due_at.cmp(&b.due_at).then_with(|| a.key.cmp(&b.key)));
        Ok(Overview {
            total: schedules.len(),
            providers: self.store_ref().read().providers()?.len(),
            horizon_days: HORIZON_DAYS,
            environments,
            timeline: by_day(due),
            last_reminder_check: self.last_reminder_check()?,
            failed_providers: self.store_ref().read().failed_syncs()?,
        })
    }
}

/// Marks sorted soonest first, grouped into their days (overdue first, as the marks come).
fn by_day(marks: Vec<TimelineMark>) -> Vec<TimelineDay> {
    let mut days: BTreeMap<i64, TimelineDay> = BTreeMap::new();
    for mark in marks {
        let day = TimelineDay::of(mark.state, mark.days_left);
        days.entry(day)
            .or_insert_with(|| TimelineDay {
                day,
                ..TimelineDay::default()
            })
            .add(mark);
    }
    days.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shelf::NewKey;
    use crate::store::KeyFilter;
    use crate::vault::MemoryVault;
    use std::sync::Arc;

    fn shelf() -> (tempfile::TempDir, Keyshelf) {
        let dir = tempfile::tempdir().unwrap();
        let shelf = Keyshelf::open(dir.path(), Arc::new(MemoryVault::default())).unwrap();
        (dir, shelf)
    }

    fn add(shelf: &mut Keyshelf, name: &str, env: &str, rotated_days_ago: i64, now: DateTime<Utc>) {
        let new = NewKey {
            name: name.into(),
            env: env.into(),
            rotated_at: Some(now - Duration::days(rotated_days_ago)),
            ..NewKey::default()
        };
        shelf.import(new, "a-test-value-123".into()).unwrap();
    }

    #[test]
    fn counts_each_environment_and_lists_what_falls_due_within_ninety_days() {
        let (_dir, mut shelf) = shelf();
        let now = Utc::now();
        // prod: 90-day interval, due soon within 14 days by default.
        add(&mut shelf, "fresh", "prod", 1, now); // due in 89 days: on the timeline
        add(&mut shelf, "soon", "prod", 85, now); // due in 5 days
        add(&mut shelf, "late", "prod", 100, now); // 10 days overdue
        add(&mut shelf, "dev-new", "dev", 0, now); // dev: 30 days, due in 30
        let o = shelf.overview_as_of(now).unwrap();
        assert_eq!(o.total, 4);
        let prod = o.environments.iter().find(|e| e.env == "prod").unwrap();
        assert_eq!((prod.ok, prod.due_soon, prod.overdue), (1, 1, 1));
        let dev = o.environments.iter().find(|e| e.env == "dev").unwrap();
        assert_eq!((dev.ok, dev.due_soon, dev.overdue), (1, 0, 0));
        let staging = o.environments.iter().find(|e| e.env == "staging").unwrap();
        assert_eq!((staging.ok, staging.due_soon, staging.overdue), (0, 0, 0));
        let marks = |o: &Overview| -> Vec<String> {
            o.timeline
                .iter()
                .flat_map(|d| d.marks.iter().map(|m| m.key.clone()))
                .collect()
        };
        assert_eq!(
            marks(&o),
            ["local/late", "local/soon", "local/dev-new", "local/fresh"]
        );
        let days: Vec<(i64, usize)> = o.timeline.iter().map(|d| (d.day, d.count)).collect();
        assert_eq!(days, [(OVERDUE_DAY, 1), (4, 1), (29, 1), (88, 1)]);
        assert_eq!(o.timeline[0].marks[0].state, DueState::Overdue);
        // A key due past the horizon is counted but not on the timeline.
        let later = shelf.overview_as_of(now - Duration::days(2)).unwrap();
        assert!(!marks(&later).contains(&"local/fresh".to_string()));
        assert_eq!(later.total, 4);
    }

    #[test]
    fn agrees_with_the_key_list_on_own_intervals_and_snoozes() {
        let (_dir, mut shelf) = shelf();
        let now = Utc::now();
        add(&mut shelf, "own", "prod", 20, now);
        shelf.set_key_interval("local/own", Some(10)).unwrap(); // 10 days overdue
        add(&mut shelf, "snoozed", "dev", 40, now);
        shelf
            .snooze("local/snoozed", Some(now + Duration::days(3)))
            .unwrap();
        add(&mut shelf, "plain", "staging", 1, now);
        let o = shelf.overview_as_of(now).unwrap();
        let listed = shelf.list_as_of(&KeyFilter::default(), now).unwrap();
        for view in &listed {
            let mark = o
                .timeline
                .iter()
                .flat_map(|d| &d.marks)
                .find(|m| m.key == view.key.full_ref())
                .unwrap_or_else(|| panic!("{} is on the timeline", view.key.full_ref()));
            assert_eq!(
                (mark.state, mark.days_left, mark.due_at),
                (view.state, view.days_left, view.due_at),
                "{}",
                mark.key
            );
        }
        let own = o.environments.iter().find(|e| e.env == "prod").unwrap();
        assert_eq!(own.overdue, 1);
    }

    #[test]
    fn a_busy_day_counts_every_key_but_carries_only_the_soonest() {
        let (_dir, mut shelf) = shelf();
        let now = Utc::now();
        let busy = DAY_MARKS + 5;
        for i in 0..busy {
            // prod, rotated 80 days ago: due in 10 days, "ok" or "due soon" alike.
            add(&mut shelf, &format!("k{i:03}"), "prod", 80, now);
        }
        add(&mut shelf, "late", "dev", 45, now);
        add(&mut shelf, "later", "dev", 40, now);
        let o = shelf.overview_as_of(now).unwrap();
        assert_eq!(o.timeline.len(), 2);
        let (overdue, busy_day) = (&o.timeline[0], &o.timeline[1]);
        assert_eq!(
            (overdue.day, overdue.count, overdue.overdue),
            (OVERDUE_DAY, 2, 2)
        );
        let keys: Vec<&str> = overdue.marks.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["local/late", "local/later"]);
        assert_eq!(busy_day.count, busy);
        assert_eq!(busy_day.ok + busy_day.due_soon + busy_day.overdue, busy);
        assert_eq!(busy_day.marks.len(), DAY_MARKS);
        assert_eq!(busy_day.marks[0].key, "local/k000");
    }

    #[test]
    fn remembers_the_last_reminder_check_and_failed_syncs() {
        let (_dir, mut shelf) = shelf();
        assert_eq!(shelf.overview().unwrap().last_reminder_check, None);
        let now = Utc::now();
        shelf
            .remind(now, crate::reminders::Mode::New, |_| Ok(()))
            .unwrap();
        let checked = shelf.overview().unwrap().last_reminder_check.unwrap();
        assert_eq!(checked.timestamp(), now.timestamp());

        let profile = crate::provider::profile::ProviderProfile::new("acme", "http://127.0.0.1:9");
        shelf
            .store()
            .write(|tx| tx.insert_provider(&profile))
            .unwrap();
        shelf
            .store()
            .write(|tx| tx.record_sync("acme", now, Some(("provider_unreachable", "no answer"))))
            .unwrap();
        let failed = shelf.overview().unwrap().failed_providers;
        assert_eq!(failed.len(), 1);
        assert_eq!(
            (failed[0].provider.as_str(), failed[0].code.as_str()),
            ("acme", "provider_unreachable")
        );
        shelf
            .store()
            .write(|tx| tx.record_sync("acme", now, None))
            .unwrap();
        assert!(shelf.overview().unwrap().failed_providers.is_empty());
    }
}
