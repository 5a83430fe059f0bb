//! The system clipboard for secrets: copy, mark as a password for clipboard managers, and clear
//! after a delay — but only while the clipboard still holds what Keyshelf put there, so nothing
//! the user copied since is ever wiped.
//!
//! Two ways to use it:
//! - [`SecretClipboard`]: one long-lived handle for the desktop app. On X11 the content lives only
//!   as long as its owner, so the app keeps this handle for its whole life; a timer clears each
//!   copy after its delay, and dropping the handle (app quit) clears what is still ours.
//! - [`ServingClipboard`]: for the CLI. It blocks, serving the content, until the delay ends or the
//!   caller asks it to stop (a signal: then it clears it), or another program takes the clipboard
//!   (then it leaves it alone).
//!
//! Marking: arboard's `exclude_from_history` adds `x-kde-passwordManagerHint` on Linux (honoured by
//! Klipper and others), and the equivalent conventions on macOS and Windows.

use crate::{Error, Result, Secret};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

fn clip_err(e: arboard::Error) -> Error {
    // arboard's errors describe the platform failure; they never carry the clipboard content.
    Error::Clipboard {
        detail: e.to_string(),
    }
}

fn open_board() -> Result<arboard::Clipboard> {
    // A busy X server occasionally refuses a new connection for a moment; a few quick retries
    // turn that into a short delay instead of a failed copy.
    let mut tries = 0;
    loop {
        match arboard::Clipboard::new() {
            Ok(b) => return Ok(b),
            Err(e) if tries >= 4 || !display_configured() => return Err(clip_err(e)),
            Err(e) => {
                tracing::debug!("clipboard not reachable yet ({e}); retrying");
                tries += 1;
                std::thread::sleep(Duration::from_millis(100 << tries));
            }
        }
    }
}

/// Whether a display is configured at all (no point retrying without one).
fn display_configured() -> bool {
    if cfg!(all(unix, not(target_os = "macos"))) {
        ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()))
    } else {
        true
    }
}

/// Whether the clipboard currently holds exactly `ours`.
fn holds(board: &mut arboard::Clipboard, ours: &Secret) -> bool {
    // An empty or non-text clipboard is an error here: it is certainly not ours.
    board.get_text().is_ok_and(|t| {
        let same = t == ours.expose();
        drop(Secret::new(t));
        same
    })
}

/// Clears the clipboard when it still holds `ours`; returns whether it did.
fn clear_if_holds(board: &mut arboard::Clipboard, ours: &Secret) -> Result<bool> {
    if holds(board, ours) {
        board.clear().map_err(clip_err)?;
        Ok(true)
    } else {
        Ok(false)
    }
}

/// Puts `text` on the clipboard, marked as a secret. It never blocks: arboard serves the content
/// from its own thread (X11, Wayland) for as long as a handle lives, so the caller stays free to
/// watch the clock, the owner and a stop request.
fn set_secret(board: &mut arboard::Clipboard, text: &Secret) -> Result<()> {
    let set = board.set();
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
    ))]
    let set = {
        use arboard::SetExtLinux;
        set.exclude_from_history()
    };
    #[cfg(any(target_os = "macos", target_os = "windows"))]
    let set = {
        #[cfg(target_os = "macos")]
        use arboard::SetExtApple as _;
        #[cfg(target_os = "windows")]
        use arboard::SetExtWindows as _;
        set.exclude_from_history()
    };
    set.text(text.expose().to_owned()).map_err(clip_err)
}

/// How often a served copy looks at the clipboard and at a stop request: short enough that
/// Ctrl-C clears at once, long enough to cost nothing.
const POLL: Duration = Duration::from_millis(100);

/// How a served copy ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    /// The delay ended and the clipboard, still ours, was cleared.
    Cleared,
    /// Another program took the clipboard first; its content was left alone.
    Replaced,
}

impl Served {
    pub fn as_str(self) -> &'static str {
        match self {
            Served::Cleared => "cleared",
            Served::Replaced => "replaced",
        }
    }
}

/// The CLI's clipboard: opened first (so a missing display fails before any secret is read),
/// then [`ServingClipboard::serve`] once.
pub struct ServingClipboard {
    board: arboard::Clipboard,
}

impl ServingClipboard {
    /// Opens the system clipboard.
    pub fn open() -> Result<Self> {
        Ok(ServingClipboard {
            board: open_board()?,
        })
    }

    /// Puts `text` on the clipboard and serves it until `clear_after` has passed (then clears it
    /// if it is still ours) or another program takes the clipboard. `None` never clears: it serves
    /// until another program takes the clipboard. `stop` is asked between looks (every 100 ms):
    /// when it says yes (the CLI's signal handler was called), the clipboard is cleared now if it
    /// is still ours, as at the end of the delay.
    pub fn serve(
        mut self,
        text: &Secret,
        clear_after: Option<Duration>,
        stop: &dyn Fn() -> bool,
    ) -> Result<Served> {
        let board = &mut self.board;
        let deadline = clear_after.map(|d| Instant::now() + d);
        set_secret(board, text)?;
        loop {
            if !holds(board, text) {
                return Ok(Served::Replaced);
            }
            let due = deadline.is_some_and(|d| Instant::now() >= d);
            if due || stop() {
                return Ok(if clear_if_holds(board, text)? {
                    Served::Cleared
                } else {
                    Served::Replaced
                });
            }
            let nap = deadline.map_or(POLL, |d| d.saturating_duration_since(Instant::now()));
            std::thread::sleep(nap.min(POLL));
        }
    }
}

struct State {
    board: arboard::Clipboard,
    /// What Keyshelf last put there, and the copy's number (a later copy cancels earlier timers).
    ours: Option<(u64, Secret)>,
    copies: u64,
}

/// A long-lived clipboard handle that clears what it copied (for the desktop app).
pub struct SecretClipboard {
    state: Arc<Mutex<State>>,
}

impl SecretClipboard {
    /// Opens the system clipboard.
    pub fn open() -> Result<Self> {
        Ok(SecretClipboard {
            state: Arc::new(Mutex::new(State {
                board: open_board()?,
                ours: None,
                copies: 0,
            })),
        })
    }

    fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves no broken invariant worth refusing to clear.
        state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Copies `text`, clearing it after `clear_after` if the clipboard still holds it then
    /// (`None`: kept until the user copies something else or the handle is dropped).
    pub fn copy(&self, text: &Secret, clear_after: Option<Duration>) -> Result<()> {
        let number = {
            let mut st = Self::lock(&self.state);
            set_secret(&mut st.board, text)?;
            st.copies += 1;
            let n = st.copies;
            st.ours = Some((n, text.clone()));
            n
        };
        if let Some(delay) = clear_after {
            let weak: Weak<Mutex<State>> = Arc::downgrade(&self.state);
            std::thread::spawn(move || {
                std::thread::sleep(delay);
                // Gone: the handle was dropped and already cleared on its way out.
                let Some(state) = weak.upgrade() else { return };
                let mut st = Self::lock(&state);
                if st.ours.as_ref().is_some_and(|(n, _)| *n == number) {
                    if let Some((_, ours)) = st.ours.take() {
                        if let Err(e) = clear_if_holds(&mut st.board, &ours) {
                            tracing::warn!("could not clear the clipboard: {e}");
                        }
                    }
                }
            });
        }
        Ok(())
    }

    /// Clears the clipboard if it still holds what this handle copied; returns whether it did.
    pub fn clear_if_ours(&self) -> Result<bool> {
        let mut st = Self::lock(&self.state);
        match st.ours.take() {
            Some((_, ours)) => clear_if_holds(&mut st.board, &ours),
            None => Ok(false),
        }
    }
}

impl Drop for SecretClipboard {
    fn drop(&mut self) {
        if let Err(e) = self.clear_if_ours() {
            tracing::warn!("could not clear the clipboard on exit: {e}");
        }
    }
}
