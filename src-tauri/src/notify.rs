//! The grouped reminder as a desktop notification, and clicks on it.
//!
//! Sent with `zbus` straight to `org.freedesktop.Notifications` on the session bus, as
//! `keyshelf remind` does (crates/keyshelf-cli/src/notify.rs): the same app name, action and
//! hints, so a notification looks the same whoever sent it. `tauri-plugin-notification` is not
//! used because on Linux it cannot report a click; here the `default` action and the server's
//! `ActionInvoked` signal give it.

use keyshelf_core::reminders::Reminder;
use keyshelf_core::{Error, Result};
use std::collections::HashMap;
use std::time::Duration;
use zbus::blocking::{connection, Connection, MessageIterator};
use zbus::zvariant::Value;
use zbus::MatchRule;

const DEST: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";

/// The application name notifications are sent under (the CLI's too).
pub const APP_NAME: &str = "Keyshelf";
/// The action a click invokes, and its label.
pub const ACTION: (&str, &str) = ("default", "Show due keys");

/// The check holds the store's write lock while it sends: a hung server must not keep it long.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Connects to the session bus. Keep the connection: a server sends `ActionInvoked` only to the
/// connection that sent the notification.
pub fn session() -> Result<Connection> {
    connection::Builder::session()
        .and_then(|b| b.method_timeout(TIMEOUT).build())
        .map_err(|e| Error::NotificationUnavailable {
            detail: format!("cannot connect to the D-Bus session bus: {e}"),
        })
}

/// Shows `reminder` as one notification; returns the id the server gave it.
pub fn send(conn: &Connection, reminder: &Reminder) -> Result<u32> {
    let caps: Vec<String> = call(conn, "GetCapabilities", &())?;
    let has = |cap: &str| caps.iter().any(|c| c == cap);
    let body = if has("body-markup") {
        escape_markup(&reminder.body)
    } else {
        reminder.body.clone()
    };
    let actions: Vec<&str> = if has("actions") {
        vec![ACTION.0, ACTION.1]
    } else {
        Vec::new()
    };
    let mut hints: HashMap<&str, Value<'_>> = HashMap::new();
    hints.insert("desktop-entry", Value::from("keyshelf"));
    hints.insert("x-keyshelf-view", Value::from("due"));
    hints.insert("urgency", Value::U8(1));
    let icon = if reminder.has_overdue() {
        "dialog-warning"
    } else {
        "dialog-information"
    };
    call(
        conn,
        "Notify",
        &(
            APP_NAME,
            0u32,
            icon,
            reminder.summary.as_str(),
            body.as_str(),
            actions,
            hints,
            -1i32,
        ),
    )
}

/// Calls `on_action(id, action)` for every `ActionInvoked` signal `conn` receives (the one the
/// notifications were sent on), on a thread of its own, for as long as the app runs.
pub fn watch_clicks(conn: Connection, on_action: impl Fn(u32, &str) + Send + 'static) {
    let spawned = std::thread::Builder::new()
        .name("notification-clicks".into())
        .spawn(move || {
            if let Err(e) = listen(&conn, &on_action) {
                eprintln!(
                    "keyshelf-desktop: clicks on notifications will not open the window: {e}"
                );
            }
        });
    if let Err(e) = spawned {
        eprintln!("keyshelf-desktop: cannot watch notification clicks: {e}");
    }
}

fn listen(
    conn: &Connection,
    on_action: &dyn Fn(u32, &str),
) -> std::result::Result<(), zbus::Error> {
    let rule = MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface(DEST)?
        .member("ActionInvoked")?
        .build();
    for msg in MessageIterator::for_match_rule(rule, conn, None)? {
        let msg = msg?;
        if let Ok((id, action)) = msg.body().deserialize::<(u32, String)>() {
            on_action(id, &action);
        }
    }
    Ok(())
}

fn call<B, R>(conn: &Connection, method: &str, body: &B) -> Result<R>
where
    B: serde::Serialize + zbus::zvariant::DynamicType,
    R: for<'d> serde::Deserialize<'d> + zbus::zvariant::Type,
{
    let reply = conn
        .call_method(Some(DEST), PATH, Some(DEST), method, body)
        .map_err(|e| Error::NotificationUnavailable {
            detail: format!("{method} on {DEST} failed: {e}"),
        })?;
    reply.body().deserialize().map_err(|e| Error::Notification {
        detail: format!("unexpected reply to {method}: {e}"),
    })
}

/// Escapes the characters notification markup (a subset of HTML) gives meaning to.
fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(escape_markup("a<b> & c"), "a&lt;b&gt; &amp; c");
    }
}
