//! copy, exec, env, clear-after: getting keys into other tools.
//!
//! Every value handed out is read through the core, which records an audit event (`copy`, `exec`,
//! `env`) with the format or variable as detail. Nothing here prints a value except `env`, whose
//! job it is (on stdout, with a warning when that is a terminal).

use crate::cli::{ClearAfterArgs, CopyArgs, EnvArgs, ExecArgs, InjectArgs};
use crate::output;
use keyshelf_core::clipboard::{Served, ServingClipboard};
use keyshelf_core::copy::{CopyOverrides, CopyText};
use keyshelf_core::format::CopyFormat;
use keyshelf_core::inject::{self, Assignment, EnvFormat, Plan};
use keyshelf_core::provider::KeyScheme;
use keyshelf_core::shelf::MAX_CLIPBOARD_CLEAR_SECS;
use keyshelf_core::{Error, Keyshelf, Result};
use signal_hook::consts::signal::{SIGINT, SIGTERM};
use signal_hook::{flag, SigId};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn check_delay(secs: u32) -> Result<()> {
    if secs > MAX_CLIPBOARD_CLEAR_SECS {
        return Err(Error::invalid(
            "clear-after",
            format!("at most {MAX_CLIPBOARD_CLEAR_SECS} seconds (0 = never clear)"),
        ));
    }
    Ok(())
}

pub fn copy(shelf: &mut Keyshelf, a: CopyArgs, json: bool) -> Result<ExitCode> {
    let format: CopyFormat = a.format.parse()?;
    let scheme = a
        .scheme
        .as_deref()
        .map(str::parse::<KeyScheme>)
        .transpose()?;
    let secs = match a.clear_after {
        Some(s) => {
            check_delay(s)?;
            s
        }
        None => shelf.clipboard_clear_secs()?,
    };
    let overrides = CopyOverrides {
        scheme,
        url: a.url.clone(),
    };
    let board = ServingClipboard::open()?;
    let CopyText {
        key,
        text,
        warnings,
        ..
    } = shelf.copy_text(&a.keyref, format, &overrides)?;
    for w in &warnings {
        output::note(&format!("keyshelf: warning: {w}"));
    }
    let clear_after = (secs > 0).then(|| Duration::from_secs(secs.into()));
    if secs > 0 {
        output::note(&format!(
            "Copied {} ({format}) to the clipboard, marked as secret for clipboard managers. Clearing it in {secs} s unless something else is copied first; keep this running (Ctrl-C clears it now).",
            key
        ));
    } else {
        output::note(&format!(
            "Copied {} ({format}) to the clipboard, marked as secret for clipboard managers. It will not be cleared; keyshelf keeps serving it until another program takes the clipboard (on X11 the content goes away when keyshelf exits).",
            key
        ));
    }
    // Caught only while serving: Ctrl-C before this point (a slow keychain) acts as usual.
    let signals = StopSignals::catch()?;
    let served = board.serve(&text, clear_after, &|| signals.caught().is_some())?;
    let interrupted = signals.caught();
    drop(signals);
    match served {
        Served::Cleared => output::note("keyshelf: clipboard cleared."),
        Served::Replaced => {
            output::note("keyshelf: another program took the clipboard; left its content alone.")
        }
    }
    if let Some(sig) = interrupted {
        // The conventional status of a process ended by a signal: 130 for SIGINT (Ctrl-C).
        return Ok(ExitCode::from(128u8.saturating_add(sig)));
    }
    if json {
        output::json(&serde_json::json!({
            "key": key,
            "format": format,
            "clear_after_secs": secs,
            "outcome": served.as_str(),
        }))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The signals that end `copy` early, each clearing the clipboard first if it is still ours.
#[cfg(unix)]
const STOP_SIGNALS: &[i32] = &[SIGINT, SIGTERM, signal_hook::consts::signal::SIGHUP];
/// Windows has no SIGHUP; its C runtime reports Ctrl-C as SIGINT.
#[cfg(not(unix))]
const STOP_SIGNALS: &[i32] = &[SIGINT, SIGTERM];

/// The stop signals caught while a copy is served: recorded, not obeyed, so that the serving loop
/// clears the clipboard before the command ends. A second signal acts as if none were caught (in
/// case clearing is stuck). The handlers are removed when this is dropped.
struct StopSignals {
    which: Arc<AtomicUsize>,
    ids: Vec<SigId>,
}

impl StopSignals {
    fn catch() -> Result<Self> {
        let caught = Arc::new(AtomicBool::new(false));
        let which = Arc::new(AtomicUsize::new(0));
        let mut signals = StopSignals {
            which: Arc::clone(&which),
            ids: Vec::new(),
        };
        for &sig in STOP_SIGNALS {
            let cannot = |source| Error::Io {
                what: format!("cannot catch signal {sig}"),
                source,
            };
            // Registered first, so it sees the flag as the previous signal left it.
            let ids = [
                flag::register_conditional_default(sig, Arc::clone(&caught)).map_err(cannot)?,
                flag::register(sig, Arc::clone(&caught)).map_err(cannot)?,
                flag::register_usize(sig, Arc::clone(&which), sig as usize).map_err(cannot)?,
            ];
            signals.ids.extend(ids);
        }
        Ok(signals)
    }

    /// The signal that arrived, if one did.
    fn caught(&self) -> Option<u8> {
        match self.which.load(Ordering::SeqCst) {
            0 => None,
            sig => Some(u8::try_from(sig).unwrap_or(u8::MAX)),
        }
    }
}

impl Drop for StopSignals {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

fn plan(shelf: &Keyshelf, a: &InjectArgs) -> Result<Plan> {
    let sets = a
        .sets
        .iter()
        .map(|s| s.parse::<Assignment>())
        .collect::<Result<Vec<_>>>()?;
    inject::plan(shelf, a.env.as_deref(), &sets)
}

pub fn exec(mut shelf: Keyshelf, a: ExecArgs) -> Result<ExitCode> {
    let plan = plan(&shelf, &a.inject)?;
    let (program, args) = a
        .command
        .split_first()
        .ok_or_else(|| Error::invalid("command", "give the command to run after `--`"))?;
    let program_name = std::path::Path::new(program)
        .file_name()
        .unwrap_or(program)
        .to_string_lossy()
        .into_owned();
    let vars = inject::resolve(&mut shelf, &plan, "exec", &format!("for {program_name}"))?;
    // Close the store before the process is replaced; the audit is already committed.
    drop(shelf);
    let mut cmd = std::process::Command::new(program);
    cmd.args(args);
    for (var, value) in &vars {
        cmd.env(var, value.expose());
    }
    let cannot_run = |source| Error::Io {
        what: format!("cannot run {program_name:?}"),
        source,
    };
    #[cfg(unix)]
    {
        // Replacing this process forwards every signal and the exit status by construction.
        use std::os::unix::process::CommandExt;
        Err(cannot_run(cmd.exec()))
    }
    #[cfg(not(unix))]
    {
        let status = cmd.status().map_err(cannot_run)?;
        Ok(ExitCode::from(status.code().unwrap_or(1) as u8))
    }
}

pub fn env(shelf: &mut Keyshelf, a: EnvArgs, json: bool) -> Result<ExitCode> {
    let format: EnvFormat = if json {
        EnvFormat::Json
    } else {
        a.format.parse()?
    };
    let plan = plan(shelf, &a.inject)?;
    let mut out = std::io::stdout().lock();
    if out.is_terminal() {
        output::note("keyshelf: warning: printing secrets to a terminal (scrollback, screen sharing); redirect to a file or use `keyshelf exec` instead.");
    }
    let vars = inject::resolve(shelf, &plan, "env", &format!("format {}", format.as_str()))?;
    let text = inject::render_env(&vars, format)?;
    let written = out
        .write_all(text.expose().as_bytes())
        .and_then(|()| out.flush());
    if let Err(source) = written {
        if source.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(Error::Io {
                what: "cannot write to stdout".into(),
                source,
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn clear_after(shelf: &mut Keyshelf, a: ClearAfterArgs, json: bool) -> Result<ExitCode> {
    if let Some(secs) = a.secs {
        shelf.set_clipboard_clear_secs(secs)?;
    }
    let secs = shelf.clipboard_clear_secs()?;
    if json {
        output::json(&serde_json::json!({ "clear_after_secs": secs }))?;
    } else if secs == 0 {
        println!("never");
    } else {
        println!("{secs}");
    }
    Ok(ExitCode::SUCCESS)
}
