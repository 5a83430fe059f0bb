//! The systemd user timer that runs `keyshelf remind` on a schedule (Linux).
//!
//! Two units under `$XDG_CONFIG_HOME/systemd/user/` (else `~/.config/systemd/user/`):
//! `keyshelf-remind.service`, a oneshot running this very binary, and `keyshelf-remind.timer`,
//! which starts it a few minutes after login and then every interval. Keyshelf writes and removes
//! the files; enabling them is left to `systemctl --user`, which the user runs.

use keyshelf_core::{Error, Result};
use std::path::{Path, PathBuf};

/// The units' base name.
pub const UNIT: &str = "keyshelf-remind";

/// The default interval.
pub const DEFAULT_EVERY: &str = "1h";

/// The command that turns the timer on.
pub fn enable_command() -> String {
    format!("systemctl --user daemon-reload && systemctl --user enable --now {UNIT}.timer")
}

/// The command that stops a timer whose files were removed.
pub fn stop_command() -> String {
    format!("systemctl --user stop {UNIT}.timer; systemctl --user daemon-reload")
}

/// Where user units live: `$XDG_CONFIG_HOME/systemd/user`, else `~/.config/systemd/user`.
pub fn unit_dir() -> Result<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    if let Some(config) = std::env::var_os("XDG_CONFIG_HOME").and_then(absolute) {
        return Ok(config.join("systemd/user"));
    }
    std::env::var_os("HOME")
        .and_then(absolute)
        .map(|home| home.join(".config/systemd/user"))
        .ok_or_else(|| {
            Error::invalid(
                "timer location",
                "neither XDG_CONFIG_HOME nor HOME is set to an absolute path",
            )
        })
}

/// An interval such as `30min`, `1h` or `1d`, checked and put the way systemd spells it.
///
/// Accepted: a whole number followed by `m`/`min`, `h` or `d`, from 5 minutes to 7 days. Anything
/// shorter would nag (announcements are rate-limited anyway), anything longer is not a reminder.
pub fn parse_every(text: &str) -> Result<String> {
    let bad = |why: &str| {
        Error::invalid(
            format!("--every {:?}", keyshelf_core::names::printable(text)),
            why.to_owned(),
        )
    };
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let n: u32 = number
        .parse()
        .map_err(|_| bad("give a number and a unit, e.g. 30min, 2h or 1d"))?;
    let (minutes, unit) = match unit {
        "m" | "min" => (u64::from(n), "min"),
        "h" => (u64::from(n) * 60, "h"),
        "d" => (u64::from(n) * 24 * 60, "d"),
        _ => return Err(bad("the unit is one of min, h, d (e.g. 30min, 2h or 1d)")),
    };
    if !(5..=7 * 24 * 60).contains(&minutes) {
        return Err(bad("use from 5min to 7d"));
    }
    Ok(format!("{n}{unit}"))
}

/// The two unit files.
#[derive(Debug)]
pub struct Units {
    pub service: String,
    pub timer: String,
}

/// The units' text: the service runs `exe remind`, with `KEYSHELF_HOME` when one is set, so the
/// timer checks the same shelf as the command that installed it.
pub fn units(exe: &Path, keyshelf_home: Option<&Path>, every: &str) -> Result<Units> {
    let exe_arg = quote(&path_text(exe)?);
    let env_line = match keyshelf_home {
        Some(home) => format!(
            "Environment={}\n",
            quote(&format!(
                "{}={}",
                keyshelf_core::shelf::HOME_ENV,
                path_text(home)?
            ))
        ),
        None => String::new(),
    };
    let service = format!(
        "# Written by `keyshelf remind --install`; removed by `keyshelf remind --uninstall`.
[Unit]
Description=Keyshelf rotation reminders
# The notification server belongs to the graphical session.
After=graphical-session.target

[Service]
Type=oneshot
ExecStart={exe_arg} remind
{env_line}"
    );
    let timer = format!(
        "# Written by `keyshelf remind --install`; removed by `keyshelf remind --uninstall`.
[Unit]
Description=Keyshelf rotation reminders, every {every}

[Timer]
OnStartupSec=2min
OnUnitActiveSec={every}
AccuracySec=1min
Unit={UNIT}.service

[Install]
WantedBy=timers.target
"
    );
    Ok(Units { service, timer })
}

/// The installed files.
#[derive(Debug)]
pub struct Installed {
    pub service: PathBuf,
    pub timer: PathBuf,
    /// True when the files were there before (and are now replaced).
    pub replaced: bool,
}

/// Writes the units into `dir`.
pub fn install(dir: &Path, units: &Units) -> Result<Installed> {
    let io = |what: String| move |source| Error::Io { what, source };
    std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
    let service = dir.join(format!("{UNIT}.service"));
    let timer = dir.join(format!("{UNIT}.timer"));
    let replaced = service.exists() || timer.exists();
    for (path, text) in [(&service, &units.service), (&timer, &units.timer)] {
        std::fs::write(path, text).map_err(io(format!("cannot write {}", path.display())))?;
    }
    Ok(Installed {
        service,
        timer,
        replaced,
    })
}

/// Removes the units from `dir`, and the link `systemctl enable` made; returns what was removed.
pub fn uninstall(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for path in [
        dir.join(format!("timers.target.wants/{UNIT}.timer")),
        dir.join(format!("{UNIT}.timer")),
        dir.join(format!("{UNIT}.service")),
    ] {
        // symlink_metadata: the `wants` link may point at a file already gone.
        if path.symlink_metadata().is_ok() {
            std::fs::remove_file(&path).map_err(|source| Error::Io {
                what: format!("cannot remove {}", path.display()),
                source,
            })?;
            removed.push(path);
        }
    }
    Ok(removed)
}

/// A path as unit-file text; refused when it cannot be written in one (not UTF-8, line breaks).
fn path_text(path: &Path) -> Result<String> {
    match path.to_str() {
        Some(s) if !s.chars().any(char::is_control) => Ok(s.to_owned()),
        _ => Err(Error::invalid(
            format!("path {}", path.display()),
            "it cannot be written into a systemd unit (not UTF-8, or control characters); move it",
        )),
    }
}

/// Quotes one word for `ExecStart=`/`Environment=`: in double quotes, with the characters systemd
/// interprets there escaped (`\` and `"`, `%` specifiers, `$` variables).
fn quote(word: &str) -> String {
    let mut out = String::from("\"");
    for c in word.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '%' => out.push_str("%%"),
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_checked_and_normalised() {
        assert_eq!(parse_every("1h").unwrap(), "1h");
        assert_eq!(parse_every("30m").unwrap(), "30min");
        assert_eq!(parse_every("90min").unwrap(), "90min");
        assert_eq!(parse_every("1d").unwrap(), "1d");
        for bad in [
            "",
            "h",
            "1",
            "1s",
            "4min",
            "8d",
            "1 h",
            "-1h",
            "1.5h",
            "99999999999h",
        ] {
            let err = parse_every(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_input", "{bad}");
        }
    }

    #[test]
    fn the_service_runs_this_binary_on_this_shelf() {
        let u = units(
            Path::new("/opt/key shelf/keyshelf"),
            Some(Path::new("/home/a/100%$x")),
            "2h",
        )
        .unwrap();
        assert!(u
            .service
            .contains("ExecStart=\"/opt/key shelf/keyshelf\" remind\n"));
        assert!(u
            .service
            .contains("Environment=\"KEYSHELF_HOME=/home/a/100%%$$x\"\n"));
        assert!(u.service.contains("Type=oneshot"));
        assert!(u.timer.contains("OnUnitActiveSec=2h\n"));
        assert!(u.timer.contains("WantedBy=timers.target"));
        let u = units(Path::new("/usr/bin/keyshelf"), None, "1h").unwrap();
        assert!(!u.service.contains("Environment="));
    }

    #[test]
    fn a_path_with_a_line_break_is_refused() {
        let err = units(Path::new("/tmp/a\nb/keyshelf"), None, "1h").unwrap_err();
        assert_eq!(err.code(), "invalid_input");
    }

    #[test]
    fn install_then_uninstall_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let units = units(Path::new("/usr/bin/keyshelf"), None, "1h").unwrap();
        let first = install(dir.path(), &units).unwrap();
        assert!(!first.replaced);
        assert!(install(dir.path(), &units).unwrap().replaced);
        assert_eq!(std::fs::read_to_string(&first.timer).unwrap(), units.timer);
        let removed = uninstall(dir.path()).unwrap();
        assert_eq!(removed.len(), 2);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        assert!(uninstall(dir.path()).unwrap().is_empty());
    }
}
