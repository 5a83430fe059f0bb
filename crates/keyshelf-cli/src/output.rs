//! Printing: tables and key/value lines for people, JSON for scripts, errors on stderr.

use keyshelf_core::shelf::KeyView;
use keyshelf_core::Error;
use serde::Serialize;
use std::io::{IsTerminal, Write};

/// Prints `value` as JSON on stdout, streamed through a buffer (a 10,000-key list is several
/// megabytes; building it as one string first cost a tenth of `list`'s time). Indented for a
/// person at a terminal; one line for a pipe or a file, where a program reads it (indenting
/// 100,000 keys made the output a third larger and `due --json` a tenth slower).
pub fn json<T: Serialize + ?Sized>(value: &T) -> keyshelf_core::Result<()> {
    let stdout = std::io::stdout();
    let terminal = stdout.is_terminal();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = if terminal {
        serde_json::to_writer_pretty(&mut out, value)
    } else {
        serde_json::to_writer(&mut out, value)
    };
    let written = written
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match written {
        // A closed pipe (`| head`) is not an error worth reporting.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Io {
            what: "cannot write to stdout".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Prints an error on stderr: `keyshelf: message (request id ID)`, or
/// `{"error":{code,message,request_id}}` with `--json` (`request_id` only when the provider gave one).
pub fn error(e: &Error, as_json: bool) {
    let id = e.request_id();
    if as_json {
        let mut error = serde_json::json!({ "code": e.code(), "message": e.to_string() });
        if let Some(id) = id {
            error["request_id"] = id.into();
        }
        eprintln!("{}", serde_json::json!({ "error": error }));
    } else if let Some(id) = id {
        eprintln!("keyshelf: {e} (request id {id})");
    } else {
        eprintln!("keyshelf: {e}");
    }
}

/// A message for the person at the terminal (stderr, so stdout stays data).
pub fn note(text: &str) {
    eprintln!("{text}");
}

/// The due column: "in 12 d", "today", "3 d overdue".
pub fn due_text(v: &KeyView) -> String {
    match v.days_left {
        d if d < 0 => format!("{} d overdue", -d),
        0 => "today".to_owned(),
        d => format!("in {d} d"),
    }
}

/// Prints keys as an aligned table, through one buffer (a table of 100,000 keys was a write
/// and a handful of allocations per row). A ROTATED BY column (who published a team key's
/// current version) is there when a key is shared with a team.
pub fn key_table(keys: &[KeyView]) {
    let header = [
        "NAME",
        "PROVIDER",
        "ENV",
        "STATUS",
        "DUE",
        "STATE",
        "ROTATED BY",
    ];
    let columns = if keys.iter().any(|v| v.rotated_by.is_some()) {
        7
    } else {
        6
    };
    let dues: Vec<String> = keys.iter().map(due_text).collect();
    let rows: Vec<[&str; 7]> = keys
        .iter()
        .zip(&dues)
        .map(|(v, due)| {
            [
                v.key.name.as_str(),
                v.key.provider.as_str(),
                v.key.env.as_str(),
                v.display_status.as_str(),
                due.as_str(),
                v.state.as_str(),
                v.rotated_by.as_deref().unwrap_or("-"),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(&row[..columns]) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut line = |cells: &[&str; 7]| -> std::io::Result<()> {
        // The last column unpadded, so no line ends in spaces.
        for (cell, w) in cells[..columns - 1].iter().zip(widths) {
            write!(out, "{cell:<w$}  ")?;
        }
        writeln!(out, "{}", cells[columns - 1])
    };
    // A closed pipe (`| head`) ends the table; nothing else can fail writing to stdout here
    // that the person could act on.
    let _ = std::iter::once(&header)
        .chain(&rows)
        .try_for_each(&mut line)
        .and_then(|()| out.flush());
}

/// Prints one key as `field: value` lines.
pub fn key_detail(v: &KeyView) {
    let k = &v.key;
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or("-".into(), keyshelf_core::store::fmt_time)
    };
    let lines = [
        ("name", k.name.clone()),
        ("provider", k.provider.clone()),
        ("provider key id", opt(&k.provider_key_id)),
        ("environment", k.env.clone()),
        ("status", v.display_status.clone()),
        ("user", opt(&k.user)),
        ("variable", opt(&k.var_name)),
        ("origin", k.origin.as_str().to_owned()),
        ("created", keyshelf_core::store::fmt_time(k.created_at)),
        ("last rotated", time(k.last_rotated_at)),
        (
            "interval",
            format!(
                "{} days{}",
                v.effective_interval_days,
                if k.interval_days.is_some() {
                    " (own)"
                } else {
                    ""
                }
            ),
        ),
        (
            "due",
            format!(
                "{} ({}, {})",
                keyshelf_core::store::fmt_time(v.due_at),
                v.state.as_str(),
                due_text(v)
            ),
        ),
        ("snoozed until", time(k.snoozed_until)),
        ("last used", time(k.last_copied_at)),
        (
            "tags",
            if k.tags.is_empty() {
                "-".into()
            } else {
                k.tags.join(", ")
            },
        ),
        (
            "notes",
            if k.notes.is_empty() {
                "-".into()
            } else {
                k.notes.clone()
            },
        ),
    ];
    let mut out = std::io::stdout().lock();
    for (field, value) in lines {
        let _ = writeln!(out, "{field:<16}{value}");
    }
}
