//! The native file chooser the app opens (GTK's, in a child process of the app),
//! driven the way a user drives it: keystrokes from `xdotool` (XTEST) into the focused dialog.
//! WebDriver cannot reach it: it is a GTK window of its own, not part of the web view.
//!
//! Under Xvfb there is no window manager: nothing focuses a new window, so the dialog is found
//! by its title and given the input focus explicitly; its process (`_NET_WM_PID`) is kept, so a
//! test can check which process shows it.

use std::process::Command;
use std::time::{Duration, Instant};

/// `xdotool ARGS`: its stdout, or what went wrong.
fn xdotool(args: &[&str]) -> Result<String, String> {
    let out = Command::new("xdotool")
        .args(args)
        .output()
        .map_err(|e| format!("xdotool does not run ({e}); scripts/setup.sh installs it"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "xdotool {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A file chooser on screen and focused.
pub struct Chooser {
    window: String,
    /// The process that shows it.
    pub pid: u32,
}

impl Chooser {
    /// Waits for the dialog to be mapped, then gives it the keyboard focus.
    pub fn wait(title: &str, timeout: Duration) -> Result<Chooser, String> {
        let start = Instant::now();
        let window = loop {
            // Exit status 1 just means "none yet".
            let found =
                xdotool(&["search", "--all", "--onlyvisible", "--name", title]).unwrap_or_default();
            if let Some(w) = found.lines().map(str::trim).find(|l| !l.is_empty()) {
                break w.to_owned();
            }
            if start.elapsed() > timeout {
                return Err(format!("no window titled {title:?} within {timeout:?}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        Chooser::focus(window, timeout)
    }

    /// Gives the dialog the focus again (after a prompt over it closed: with no window manager,
    /// the focus falls back to the root window, not to the dialog).
    pub fn refocus(&self, timeout: Duration) -> Result<(), String> {
        xdotool(&["windowfocus", &self.window])?;
        self.wait_focused(timeout)
    }

    fn focus(window: String, timeout: Duration) -> Result<Chooser, String> {
        let pid = xdotool(&["getwindowpid", &window])?;
        let pid = pid
            .trim()
            .parse()
            .map_err(|_| format!("window {window} names no process: {pid:?}"))?;
        xdotool(&["windowfocus", &window])?;
        let chooser = Chooser { window, pid };
        chooser.wait_focused(timeout)?;
        Ok(chooser)
    }

    /// Waits for a question the dialog asks in a window of its own (GTK's "replace the file?"):
    /// another window of the dialog's process on screen, and gives it the focus.
    pub fn wait_prompt(&self, timeout: Duration) -> Result<Chooser, String> {
        let start = Instant::now();
        loop {
            let found = xdotool(&["search", "--onlyvisible", "--pid", &self.pid.to_string()])
                .unwrap_or_default();
            let prompt = found
                .lines()
                .map(str::trim)
                .find(|w| !w.is_empty() && *w != self.window);
            if let Some(w) = prompt {
                return Chooser::focus(w.to_owned(), timeout);
            }
            if start.elapsed() > timeout {
                return Err(format!("no prompt over the chooser within {timeout:?}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Saves the whole screen (the app's window with the dialog over it) as
    /// `docs/screenshots/<name>.png`; WebDriver's screenshots show only the web view.
    pub fn shot(&self, name: &str) -> Result<(), String> {
        let path = crate::workspace_root().join(format!("docs/screenshots/{name}.png"));
        // The dialog paints after it maps; give it a moment, as `shot` does for the web view.
        std::thread::sleep(Duration::from_millis(500));
        let out = Command::new("import")
            .args(["-window", "root"])
            .arg(&path)
            .output()
            .map_err(|e| format!("import (ImageMagick) does not run: {e}"))?;
        out.status
            .success()
            .then_some(())
            .ok_or_else(|| String::from_utf8_lossy(&out.stderr).into_owned())
    }

    fn wait_focused(&self, timeout: Duration) -> Result<(), String> {
        let start = Instant::now();
        loop {
            if xdotool(&["getwindowfocus"])?.trim() == self.window {
                return Ok(());
            }
            if start.elapsed() > timeout {
                return Err(format!("the chooser {} never got the focus", self.window));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Presses keys (xdotool names, e.g. `ctrl+a`, `Return`, `Escape`) in the focused dialog.
    /// Sent without a target window, so they go through XTEST like a real keyboard's: GTK
    /// ignores nothing, as it may events another client sends to a window directly.
    pub fn key(&self, keys: &[&str]) -> Result<(), String> {
        let mut args = vec!["key", "--clearmodifiers", "--delay", "50"];
        args.extend_from_slice(keys);
        xdotool(&args).map(drop)
    }

    /// Types `text` into the focused field (the file name, in a save dialog).
    pub fn type_text(&self, text: &str) -> Result<(), String> {
        xdotool(&["type", "--clearmodifiers", "--delay", "20", text]).map(drop)
    }

    /// Waits until the dialog is gone (answered or cancelled).
    pub fn wait_closed(&self, timeout: Duration) -> Result<(), String> {
        let start = Instant::now();
        loop {
            // Closed means no longer among the windows on screen: GTK may unmap a dialog and
            // keep it, so "still exists" is not the question.
            let visible = xdotool(&["search", "--onlyvisible", "--name", "."])
                .unwrap_or_default()
                .lines()
                .any(|l| l.trim() == self.window);
            if !visible {
                return Ok(());
            }
            if start.elapsed() > timeout {
                return Err(format!("the chooser {} is still open", self.window));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
