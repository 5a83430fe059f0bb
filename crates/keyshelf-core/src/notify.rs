//! The grouped reminder as a desktop notification, and clicks on it: `org.freedesktop.Notifications`
//! on the session bus, the interface every Linux desktop's notification server implements (GNOME
//! Shell, KDE Plasma, dunst, mako…). Spoken to with `zbus` directly: the interface is four calls,
//! and zbus is already in the build through the keychain. `keyshelf remind` and the desktop app
//! both send through here, so a notification looks the same whoever sent it.
//!
//! A notification carries the action `default` ("Show due keys") and the hints
//! `desktop-entry=keyshelf` and `x-keyshelf-view=due`, so the desktop app can open its list of due
//! keys when the user clicks it. (`tauri-plugin-notification` cannot report a click on Linux; the
//! server's `ActionInvoked` signal, watched by [`watch_clicks`], does.)

use crate::reminders::Reminder;
use crate::{Error, Result};
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;
use zbus::blocking::{connection, Connection, MessageIterator};
use zbus::zvariant::Value;
use zbus::{DBusError, MatchRule};

const DEST: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";

/// The application name notifications are sent under.
pub const APP_NAME: &str = "Keyshelf";
/// The action a click on the notification invokes, and its label.
pub const ACTION: (&str, &str) = ("default", "Show due keys");
/// The hint that names the view the desktop app should open, and its value.
pub const VIEW_HINT: (&str, &str) = ("x-keyshelf-view", "due");
/// The desktop entry (`keyshelf.desktop`) the notification belongs to.
pub const DESKTOP_ENTRY: &str = "keyshelf";

/// How long to wait for the server. A reminder check holds the store's write lock while it
/// sends, so a hung server must not keep it for zbus's default 25 s.
const TIMEOUT: Duration = Duration::from_secs(5);

/// A notification that was shown.
#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    /// The id the server gave it.
    pub id: u32,
    /// The server's name (e.g. `dunst`, `gnome-shell`).
    pub server: String,
}

/// Connects to the session bus. Keep the connection to hear of clicks: a server sends
/// `ActionInvoked` only to the connection that sent the notification.
pub fn session() -> Result<Connection> {
    connection::Builder::session()
        .and_then(|b| b.method_timeout(TIMEOUT).build())
        .map_err(|e| Error::NotificationUnavailable {
            detail: format!("cannot connect to the D-Bus session bus: {e}"),
        })
}

/// Shows `reminder` as one desktop notification on a connection of its own.
pub fn send(reminder: &Reminder) -> Result<Sent> {
    send_on(&session()?, reminder)
}

/// Shows `reminder` as one desktop notification on `conn`.
pub fn send_on(conn: &Connection, reminder: &Reminder) -> Result<Sent> {
    let caps: Vec<String> = call(conn, "GetCapabilities", &())?;
    let (server, _vendor, _version, _spec): (String, String, String, String) =
        call(conn, "GetServerInformation", &())?;
    let has = |cap: &str| caps.iter().any(|c| c == cap);
    // Servers that understand markup would swallow a `<` or `&` in a key name.
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
    hints.insert("desktop-entry", Value::from(DESKTOP_ENTRY));
    hints.insert(VIEW_HINT.0, Value::from(VIEW_HINT.1));
    hints.insert("urgency", Value::U8(1));
    let icon = if reminder.has_overdue() {
        "dialog-warning"
    } else {
        "dialog-information"
    };
    let id: u32 = call(
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
    )?;
    Ok(Sent { id, server })
}

/// Calls `on_action(id, action)` for every `ActionInvoked` signal `conn` receives (the connection
/// the notifications were sent on), on a thread of its own, for as long as the process runs.
pub fn watch_clicks(conn: Connection, on_action: impl Fn(u32, &str) + Send + 'static) {
    let spawned = std::thread::Builder::new()
        .name("notification-clicks".into())
        .spawn(move || {
            if let Err(e) = listen(&conn, &on_action) {
                tracing::warn!("clicks on notifications will not be seen: {e}");
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot watch clicks on notifications: {e}");
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

/// Calls a method of the notification server and reads its reply.
fn call<B, R>(conn: &Connection, method: &str, body: &B) -> Result<R>
where
    B: serde::Serialize + zbus::zvariant::DynamicType,
    R: for<'d> serde::Deserialize<'d> + zbus::zvariant::Type,
{
    let reply = conn
        .call_method(Some(DEST), PATH, Some(DEST), method, body)
        .map_err(|e| call_error(method, e))?;
    reply.body().deserialize().map_err(|e| Error::Notification {
        detail: format!("unexpected reply to {method}: {e}"),
    })
}

/// Turns a failed call into an error that says whether any server is there at all.
fn call_error(method: &str, e: zbus::Error) -> Error {
    let name = match &e {
        zbus::Error::MethodError(name, _, _) => name.as_str().to_owned(),
        zbus::Error::FDO(fdo) => fdo.name().as_str().to_owned(),
        _ => String::new(),
    };
    let absent = matches!(
        name.as_str(),
        "org.freedesktop.DBus.Error.ServiceUnknown" | "org.freedesktop.DBus.Error.NameHasNoOwner"
    ) || name.starts_with("org.freedesktop.DBus.Error.Spawn");
    if absent {
        Error::NotificationUnavailable {
            detail: format!("nothing owns {DEST} on the session bus: {e}"),
        }
    } else {
        Error::Notification {
            detail: format!("{method} failed: {e}"),
        }
    }
}

/// Escapes the characters the notification markup (a subset of HTML) gives meaning to.
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
        assert_eq!(escape_markup("plain"), "plain");
    }
}
