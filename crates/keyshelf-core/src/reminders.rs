//! Rotation reminders: one grouped announcement per check, not one per key, and no nagging.
//!
//! A check looks at the keys that are due soon or overdue (snoozed keys count as `ok`, see
//! [`crate::policy`]) and announces those that are new: never announced, announced more than
//! [`REANNOUNCE_AFTER`] ago, or whose state worsened since (due-soon → overdue). The announced
//! keys are summed up per state and environment in one line ("3 keys overdue in prod, 1 due soon
//! in staging"), which the shells show as one notification. What was announced, and when, is kept
//! in the store's `reminders` table so the rule holds across processes (the desktop app and the
//! CLI's timer share it). A key seen `ok` at a check is forgotten: when it falls due again (after
//! a rotation, or when a snooze ends) that is news.
//!
//! Delivery is the caller's: the core has no notification system of its own (the CLI sends over
//! D-Bus, the desktop app through Tauri), and passes a closure to [`Keyshelf::remind`].

use crate::policy::DueState;
use crate::shelf::KeyView;
use crate::{Keyshelf, Result};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// How long an announced key stays quiet unless its state worsens.
pub const REANNOUNCE_AFTER: Duration = Duration::hours(24);

/// How many keys a reminder's body names before it sums up the rest.
pub const BODY_KEYS: usize = 5;

/// Which due keys a check announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Only what is new (the 24-hour rule).
    #[default]
    New,
    /// Every due key, whatever was announced before (`keyshelf remind --all`).
    All,
}

/// A due key as a reminder names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueKey {
    /// `provider/name`.
    pub key: String,
    pub name: String,
    pub env: String,
    pub state: DueState,
    pub due_at: DateTime<Utc>,
    pub days_left: i64,
    /// For a team key: who rotated it last (or shared it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotated_by: Option<String>,
}

/// The announced keys of one state in one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub state: DueState,
    pub env: String,
    pub count: usize,
}

/// One grouped reminder: what a notification says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    /// One line, e.g. "3 keys overdue in prod, 1 due soon in staging".
    pub summary: String,
    /// The keys announced, most urgent first, and a pointer to the full list.
    pub body: String,
    /// Worst state first, then by environment name.
    pub groups: Vec<Group>,
    /// The keys announced by this reminder, most urgent first.
    pub keys: Vec<DueKey>,
    /// Every key due at the check, announced now or before.
    pub due_total: usize,
}

impl Reminder {
    /// True when at least one announced key is overdue.
    pub fn has_overdue(&self) -> bool {
        self.keys.iter().any(|k| k.state == DueState::Overdue)
    }
}

/// The outcome of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Keys due soon or overdue at the check.
    pub due: usize,
    /// What to announce; `None` when nothing is due or everything due was announced already.
    pub reminder: Option<Reminder>,
}

/// A key's last announcement, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Announced {
    pub state: DueState,
    pub at: DateTime<Utc>,
}

/// Whether a key in `state` at `now` is news, given its last announcement.
pub fn is_news(state: DueState, last: Option<&Announced>, now: DateTime<Utc>) -> bool {
    if state == DueState::Ok {
        return false;
    }
    match last {
        None => true,
        Some(a) => state > a.state || now - a.at >= REANNOUNCE_AFTER,
    }
}

/// Builds the reminder for `announce` (most urgent first) out of `due_total` due keys; `None`
/// when there is nothing to announce.
pub fn build(announce: &[KeyView], due_total: usize) -> Option<Reminder> {
    if announce.is_empty() {
        return None;
    }
    // Worst state first (DueState orders ok < due-soon < overdue), then environment by name.
    let mut counts: BTreeMap<(std::cmp::Reverse<DueState>, &str), usize> = BTreeMap::new();
    for v in announce {
        *counts
            .entry((std::cmp::Reverse(v.state), v.key.env.as_str()))
            .or_default() += 1;
    }
    let groups: Vec<Group> = counts
        .into_iter()
        .map(|((state, env), count)| Group {
            state: state.0,
            env: env.to_owned(),
            count,
        })
        .collect();
    let keys: Vec<DueKey> = announce
        .iter()
        .map(|v| DueKey {
            key: v.key.full_ref(),
            name: v.key.name.clone(),
            env: v.key.env.clone(),
            state: v.state,
            due_at: v.due_at,
            days_left: v.days_left,
            rotated_by: v.rotated_by.clone(),
        })
        .collect();
    Some(Reminder {
        summary: summary(&groups),
        body: body(&keys, due_total),
        groups,
        keys,
        due_total,
    })
}

/// "3 keys overdue in prod, 1 due soon in staging": the noun once, on the first group.
pub fn summary(groups: &[Group]) -> String {
    groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let noun = match (i, g.count) {
                (0, 1) => " key",
                (0, _) => " keys",
                _ => "",
            };
            let state = match g.state {
                DueState::Overdue => "overdue",
                DueState::DueSoon => "due soon",
                DueState::Ok => "ok",
            };
            format!("{}{noun} {state} in {}", g.count, g.env)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The body: up to [`BODY_KEYS`] keys with when they are due, then where to see them all.
fn body(keys: &[DueKey], due_total: usize) -> String {
    let mut lines: Vec<String> = keys
        .iter()
        .take(BODY_KEYS)
        .map(|k| {
            let when = match k.days_left {
                d if d < 0 => format!("{} d overdue", -d),
                0 => "due today".to_owned(),
                d => format!("due in {d} d"),
            };
            match &k.rotated_by {
                Some(by) => format!("{} ({}): {when}, last rotated by {by}", k.name, k.env),
                None => format!("{} ({}): {when}", k.name, k.env),
            }
        })
        .collect();
    if keys.len() > BODY_KEYS {
        lines.push(format!("and {} more", keys.len() - BODY_KEYS));
    }
    lines.push(if due_total > keys.len() {
        format!("{due_total} keys are due in all; the app's due list or `keyshelf due` shows them.")
    } else {
        "The app's due list or `keyshelf due` shows them.".to_owned()
    });
    lines.join("\n")
}

/// The setting holding when reminders were last checked (by the app or `keyshelf remind`).
pub const LAST_CHECK_SETTING: &str = "reminders.last_check_at";

impl Keyshelf {
    /// When reminders were last checked, if ever.
    pub fn last_reminder_check(&self) -> Result<Option<DateTime<Utc>>> {
        let text = self.store_ref().read().setting(LAST_CHECK_SETTING)?;
        Ok(text
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    /// What a check at `now` would announce, recording nothing (`keyshelf remind --dry-run`).
    pub fn reminder_preview(&self, now: DateTime<Utc>, mode: Mode) -> Result<Check> {
        let due = self.due_as_of(None, now)?;
        let announced = self.store_ref().read().announcements()?;
        Ok(plan(&due, &announced, now, mode))
    }

    /// Runs a check at `now`: builds the grouped reminder of what is new, hands it to `deliver`,
    /// and records the announced keys once `deliver` succeeds. A failed delivery records
    /// nothing, so the next check tries again.
    ///
    /// The whole check holds the store's write lock, so two checks at once (the desktop app and
    /// the timer) cannot both announce the same keys; `deliver` should therefore be quick.
    pub fn remind(
        &mut self,
        now: DateTime<Utc>,
        mode: Mode,
        deliver: impl FnOnce(&Reminder) -> Result<()>,
    ) -> Result<Check> {
        let due = self.due_as_of(None, now)?;
        self.store().write(|tx| {
            let announced = tx.announcements()?;
            let check = plan(&due, &announced, now, mode);
            tx.set_setting(LAST_CHECK_SETTING, &crate::store::fmt_time(now))?;
            // Keys no longer due are forgotten, so their next due state is news.
            let due_ids: HashSet<i64> = due.iter().map(|v| v.key.id).collect();
            for id in announced.keys().filter(|id| !due_ids.contains(id)) {
                tx.forget_announcement(*id)?;
            }
            if let Some(reminder) = &check.reminder {
                deliver(reminder)?;
                let by_ref: HashMap<String, i64> =
                    due.iter().map(|v| (v.key.full_ref(), v.key.id)).collect();
                for k in &reminder.keys {
                    if let Some(id) = by_ref.get(&k.key) {
                        tx.record_announcement(*id, k.state, now)?;
                    }
                }
                tx.audit(None, "remind", &reminder.summary)?;
            }
            Ok(check)
        })
    }
}

/// Which of the `due` keys (most urgent first) to announce at `now`.
fn plan(
    due: &[KeyView],
    announced: &HashMap<i64, Announced>,
    now: DateTime<Utc>,
    mode: Mode,
) -> Check {
    let announce: Vec<KeyView> = due
        .iter()
        .filter(|v| match mode {
            Mode::All => v.state != DueState::Ok,
            Mode::New => is_news(v.state, announced.get(&v.key.id), now),
        })
        .cloned()
        .collect();
    Check {
        due: due.len(),
        reminder: build(&announce, due.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shelf::NewKey;
    use crate::vault::MemoryVault;
    use crate::{Error, Secret};
    use chrono::TimeZone;
    use std::cell::RefCell;
    use std::sync::Arc;

    /// 2026-01-01 12:00 UTC plus `hours`.
    fn at(hours: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap() + Duration::hours(hours)
    }

    const DAY: i64 = 24;

    fn shelf() -> (tempfile::TempDir, Keyshelf) {
        let dir = tempfile::tempdir().unwrap();
        let shelf = Keyshelf::open(dir.path(), Arc::new(MemoryVault::new())).unwrap();
        (dir, shelf)
    }

    /// A key in `env` last rotated at `rotated`.
    fn add(s: &mut Keyshelf, name: &str, env: &str, rotated: DateTime<Utc>) {
        s.import(
            NewKey {
                name: name.into(),
                env: env.into(),
                rotated_at: Some(rotated),
                ..Default::default()
            },
            Secret::from("fixture-value-not-a-real-key"),
        )
        .unwrap();
    }

    /// Runs a check at `now` and returns what was delivered (the summary), if anything.
    fn check(s: &mut Keyshelf, now: DateTime<Utc>) -> Option<String> {
        let sent = RefCell::new(None);
        let c = s
            .remind(now, Mode::New, |r| {
                *sent.borrow_mut() = Some(r.summary.clone());
                Ok(())
            })
            .unwrap();
        assert_eq!(c.reminder.map(|r| r.summary), sent.borrow().clone());
        sent.into_inner()
    }

    /// prod (90 d): a overdue by 5 d, b overdue by 1 d; staging (60 d): c due in 3 d; dev: d ok.
    fn mixed(s: &mut Keyshelf) {
        add(s, "a", "prod", at(-95 * DAY));
        add(s, "b", "prod", at(-91 * DAY));
        add(s, "c", "staging", at(-57 * DAY));
        add(s, "d", "dev", at(-DAY));
    }

    #[test]
    fn one_summary_groups_by_state_then_environment() {
        let (_d, mut s) = shelf();
        mixed(&mut s);
        add(&mut s, "e", "staging", at(-61 * DAY));
        let r = s.reminder_preview(at(0), Mode::New).unwrap();
        assert_eq!(r.due, 4);
        let r = r.reminder.unwrap();
        assert_eq!(
            r.summary,
            "2 keys overdue in prod, 1 overdue in staging, 1 due soon in staging"
        );
        assert_eq!(
            r.keys.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(),
            vec!["a", "b", "e", "c"]
        );
        assert_eq!(
            r.body,
            "a (prod): 5 d overdue\nb (prod): 1 d overdue\ne (staging): 1 d overdue\nc (staging): due in 3 d\nThe app's due list or `keyshelf due` shows them."
        );
    }

    #[test]
    fn a_single_key_is_singular() {
        let groups = [Group {
            state: DueState::DueSoon,
            env: "dev".into(),
            count: 1,
        }];
        assert_eq!(summary(&groups), "1 key due soon in dev");
        let groups = [
            Group {
                state: DueState::Overdue,
                env: "prod".into(),
                count: 3,
            },
            Group {
                state: DueState::DueSoon,
                env: "staging".into(),
                count: 1,
            },
        ];
        assert_eq!(
            summary(&groups),
            "3 keys overdue in prod, 1 due soon in staging"
        );
    }

    #[test]
    fn nothing_due_announces_nothing() {
        let (_d, mut s) = shelf();
        add(&mut s, "fresh", "prod", at(-DAY));
        assert_eq!(check(&mut s, at(0)), None);
        assert_eq!(s.reminder_preview(at(0), Mode::New).unwrap().due, 0);
    }

    #[test]
    fn an_announced_key_stays_quiet_for_24_hours() {
        let (_d, mut s) = shelf();
        mixed(&mut s);
        assert_eq!(
            check(&mut s, at(0)).as_deref(),
            Some("2 keys overdue in prod, 1 due soon in staging")
        );
        assert_eq!(check(&mut s, at(1)), None);
        assert_eq!(check(&mut s, at(23)), None);
        let preview = s.reminder_preview(at(23), Mode::New).unwrap();
        assert_eq!((preview.due, preview.reminder), (3, None));
        // 24 h after: all three again (b, c are still in the same state).
        assert_eq!(
            check(&mut s, at(24)).as_deref(),
            Some("2 keys overdue in prod, 1 due soon in staging")
        );
    }

    #[test]
    fn a_worsened_state_is_announced_at_once_and_alone() {
        let (_d, mut s) = shelf();
        mixed(&mut s);
        check(&mut s, at(0)).unwrap();
        // c (staging, due at +3 d) turns overdue when staging's interval drops to 50 days.
        s.set_environment("staging", 50).unwrap();
        let sent = check(&mut s, at(2));
        assert_eq!(sent.as_deref(), Some("1 key overdue in staging"));
        let r = s
            .reminder_preview(at(2), Mode::All)
            .unwrap()
            .reminder
            .unwrap();
        assert_eq!(r.due_total, 3);
        assert_eq!(check(&mut s, at(3)), None);
    }

    #[test]
    fn a_better_state_is_not_news() {
        let (_d, mut s) = shelf();
        add(&mut s, "a", "prod", at(-91 * DAY));
        check(&mut s, at(0)).unwrap();
        // prod 95 days: a is due soon instead of overdue.
        s.set_environment("prod", 95).unwrap();
        assert_eq!(check(&mut s, at(1)), None);
    }

    #[test]
    fn a_key_back_to_ok_is_forgotten_and_news_when_due_again() {
        let (_d, mut s) = shelf();
        add(&mut s, "a", "prod", at(-91 * DAY));
        check(&mut s, at(0)).unwrap();
        s.snooze("a", Some(at(3))).unwrap();
        assert_eq!(check(&mut s, at(1)), None);
        // The snooze is over 4 h after the first announcement: news again.
        assert_eq!(
            check(&mut s, at(4)).as_deref(),
            Some("1 key overdue in prod")
        );
    }

    #[test]
    fn a_failed_delivery_records_nothing() {
        let (_d, mut s) = shelf();
        add(&mut s, "a", "prod", at(-91 * DAY));
        let err = s
            .remind(at(0), Mode::New, |_| {
                Err(Error::invalid("notification", "refused in this test"))
            })
            .unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        assert_eq!(
            check(&mut s, at(1)).as_deref(),
            Some("1 key overdue in prod")
        );
    }

    #[test]
    fn mode_all_ignores_the_history_and_the_preview_records_nothing() {
        let (_d, mut s) = shelf();
        mixed(&mut s);
        s.reminder_preview(at(0), Mode::New).unwrap();
        check(&mut s, at(0)).unwrap();
        let all = s
            .remind(at(1), Mode::All, |_| Ok(()))
            .unwrap()
            .reminder
            .unwrap();
        assert_eq!(all.keys.len(), 3);
    }

    #[test]
    fn a_removed_key_takes_its_announcement_along() {
        let (_d, mut s) = shelf();
        add(&mut s, "a", "prod", at(-91 * DAY));
        check(&mut s, at(0)).unwrap();
        s.remove("a").unwrap();
        let rows = s.store_ref().read().announcements().unwrap();
        assert!(rows.is_empty(), "{rows:?}");
    }

    #[test]
    fn the_body_names_five_keys_and_counts_the_rest() {
        let (_d, mut s) = shelf();
        for i in 0..7 {
            add(&mut s, &format!("k{i}"), "dev", at(-(31 + i) * DAY));
        }
        let r = s
            .reminder_preview(at(0), Mode::New)
            .unwrap()
            .reminder
            .unwrap();
        assert_eq!(r.summary, "7 keys overdue in dev");
        let lines: Vec<&str> = r.body.lines().collect();
        assert_eq!(lines.len(), 7);
        assert_eq!(lines[0], "k6 (dev): 7 d overdue");
        assert_eq!(lines[5], "and 2 more");
    }

    #[test]
    fn the_rule_in_isolation() {
        let last = Announced {
            state: DueState::DueSoon,
            at: at(0),
        };
        assert!(is_news(DueState::DueSoon, None, at(0)));
        assert!(!is_news(DueState::Ok, None, at(0)));
        assert!(!is_news(DueState::DueSoon, Some(&last), at(23)));
        assert!(is_news(DueState::DueSoon, Some(&last), at(24)));
        assert!(is_news(DueState::Overdue, Some(&last), at(1)));
    }
}
