//! The desktop app's preferences, kept in the store beside the other settings so a rule about
//! them lives once: how often the app checks for due keys, and its colours.

use crate::{Error, Keyshelf, Result};
use serde::{Deserialize, Serialize};

/// The setting holding the app's reminder check interval in minutes.
pub const REMIND_INTERVAL_SETTING: &str = "desktop.remind_interval_minutes";
pub const DEFAULT_REMIND_INTERVAL_MINUTES: u32 = 60;
pub const MAX_REMIND_INTERVAL_MINUTES: u32 = 24 * 60;
/// The setting holding the window's colours.
pub const THEME_SETTING: &str = "desktop.theme";

/// The window's colours: the system's choice, or always light or dark.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

impl Keyshelf {
    /// The app's reminder check interval in minutes (the default when unset or unreadable).
    pub fn remind_interval_minutes(&self) -> u32 {
        self.store_ref()
            .read()
            .setting(REMIND_INTERVAL_SETTING)
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok())
            .filter(|m| (1..=MAX_REMIND_INTERVAL_MINUTES).contains(m))
            .unwrap_or(DEFAULT_REMIND_INTERVAL_MINUTES)
    }

    /// Sets the app's reminder check interval (1 to 1440 minutes).
    pub fn set_remind_interval_minutes(&mut self, minutes: u32) -> Result<()> {
        if !(1..=MAX_REMIND_INTERVAL_MINUTES).contains(&minutes) {
            return Err(Error::invalid(
                "reminder interval",
                format!("use 1 to {MAX_REMIND_INTERVAL_MINUTES} minutes"),
            ));
        }
        self.store()
            .write(|tx| tx.set_setting(REMIND_INTERVAL_SETTING, &minutes.to_string()))
    }

    /// The window's colours (the system's when unset or unreadable).
    pub fn theme(&self) -> Theme {
        let text = self
            .store_ref()
            .read()
            .setting(THEME_SETTING)
            .ok()
            .flatten();
        match text.as_deref() {
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            _ => Theme::System,
        }
    }

    pub fn set_theme(&mut self, theme: Theme) -> Result<()> {
        self.store()
            .write(|tx| tx.set_setting(THEME_SETTING, theme.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::MemoryVault;
    use std::sync::Arc;

    #[test]
    fn preferences_keep_their_value_and_refuse_an_interval_out_of_range() {
        let dir = tempfile::tempdir().unwrap();
        let mut shelf = Keyshelf::open(dir.path(), Arc::new(MemoryVault::new())).unwrap();
        assert_eq!(shelf.theme(), Theme::System);
        shelf.set_theme(Theme::Dark).unwrap();
        assert_eq!(shelf.theme(), Theme::Dark);
        assert_eq!(
            shelf.remind_interval_minutes(),
            DEFAULT_REMIND_INTERVAL_MINUTES
        );
        shelf.set_remind_interval_minutes(5).unwrap();
        for bad in [0, MAX_REMIND_INTERVAL_MINUTES + 1] {
            let e = shelf.set_remind_interval_minutes(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_input");
        }
        assert_eq!(shelf.remind_interval_minutes(), 5);
    }
}
