//! A tray for the tests: a real `org.kde.StatusNotifierWatcher` on the private session bus (the
//! piece of KDE, snixembed or GNOME's AppIndicator extension that apps register their tray items
//! with), and a client reading a registered item the way a tray host does: its
//! `org.kde.StatusNotifierItem` properties and its `com.canonical.dbusmenu` menu, whose entries
//! it can click.
//!
//! The watcher is written here rather than installed: Debian 12's only headless one,
//! `status-notifier-watcher` (haskell-status-notifier-item-utils, 42 MB), works, but this is a
//! page of zbus and the test controls when the name is taken and given back. It follows the KDE
//! protocol: items register by bus name or object path, hosts register, the three properties
//! and four signals, and an item leaves the list when its owner leaves the bus.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use zbus::blocking::Connection;
use zbus::message::Header;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{OwnedValue, Value};

const WATCHER_NAME: &str = "org.kde.StatusNotifierWatcher";
const WATCHER_PATH: &str = "/StatusNotifierWatcher";
const ITEM_IFACE: &str = "org.kde.StatusNotifierItem";
const MENU_IFACE: &str = "com.canonical.dbusmenu";

/// The registered items, as the watcher lists them: `:1.42/org/ayatana/NotificationItem/x` for
/// an item registered by object path, its bus name for one registered by name.
type Items = Arc<Mutex<Vec<String>>>;

fn lock(items: &Items) -> MutexGuard<'_, Vec<String>> {
    items.lock().unwrap_or_else(|p| p.into_inner())
}

/// The D-Bus interface, served at `/StatusNotifierWatcher`.
struct WatcherIface {
    items: Items,
    hosts: Vec<String>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl WatcherIface {
    /// `service` is a bus name, or an object path on the caller's connection (libappindicator
    /// passes its path); either way the item is recorded as KDE's watcher does.
    async fn register_status_notifier_item(
        &mut self,
        service: &str,
        #[zbus(header)] header: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> zbus::fdo::Result<()> {
        let sender = header
            .sender()
            .ok_or_else(|| zbus::fdo::Error::Failed("no sender".into()))?;
        let item = if service.starts_with('/') {
            format!("{sender}{service}")
        } else {
            service.to_owned()
        };
        let new = {
            let mut items = lock(&self.items);
            let new = !items.contains(&item);
            if new {
                items.push(item.clone());
            }
            new
        };
        if new {
            Self::status_notifier_item_registered(&emitter, &item).await?;
            self.registered_status_notifier_items_changed(&emitter)
                .await?;
        }
        Ok(())
    }

    async fn register_status_notifier_host(
        &mut self,
        service: &str,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> zbus::fdo::Result<()> {
        if !self.hosts.iter().any(|h| h == service) {
            self.hosts.push(service.to_owned());
            Self::status_notifier_host_registered(&emitter).await?;
        }
        Ok(())
    }

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        lock(&self.items).clone()
    }

    /// True: the test itself is the host, reading the items over the bus.
    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }

    #[zbus(signal)]
    async fn status_notifier_item_registered(
        emitter: &SignalEmitter<'_>,
        item: &str,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn status_notifier_item_unregistered(
        emitter: &SignalEmitter<'_>,
        item: &str,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn status_notifier_host_registered(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn status_notifier_host_unregistered(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;
}

/// A StatusNotifierWatcher owning its well-known name on the session bus until dropped.
pub struct Watcher {
    conn: Connection,
    items: Items,
}

impl Watcher {
    /// Serves the watcher and takes its name; panics when another watcher has it (a real tray
    /// in the session, or another tray test running at the same time).
    pub fn start() -> Watcher {
        let items = Items::default();
        let iface = WatcherIface {
            items: items.clone(),
            hosts: Vec::new(),
        };
        let conn = zbus::blocking::connection::Builder::session()
            .and_then(|b| b.serve_at(WATCHER_PATH, iface))
            .and_then(|b| b.name(WATCHER_NAME))
            .and_then(|b| b.build())
            .unwrap_or_else(|e| {
                panic!(
                    "cannot serve {WATCHER_NAME} on the session bus (is another tray there?): {e}"
                )
            });
        forget_departed_items(&conn, items.clone());
        Watcher { conn, items }
    }

    /// The registered items, read over the bus as a host reads them (the property).
    pub fn registered(&self) -> Vec<String> {
        let reply = self
            .conn
            .call_method(
                Some(WATCHER_NAME),
                WATCHER_PATH,
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &(WATCHER_NAME, "RegisteredStatusNotifierItems"),
            )
            .expect("the watcher answers on the bus");
        let value: OwnedValue = reply.body().deserialize().expect("a variant");
        Vec::<String>::try_from(value).expect("a list of strings")
    }

    /// Waits until an item owned by process `pid` is registered.
    pub fn wait_item_of(&self, pid: u32, timeout: Duration) -> Result<Item, String> {
        let start = Instant::now();
        loop {
            let items = self.registered();
            if let Some(item) = items
                .iter()
                .map(|a| Item::new(&self.conn, a))
                .find(|i| i.owner_pid() == Some(pid))
            {
                return Ok(item);
            }
            if start.elapsed() > timeout {
                return Err(format!(
                    "no tray item of process {pid} after {timeout:?}; registered: {items:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `item` is no longer registered (its owner left the bus).
    pub fn wait_gone(&self, item: &Item, timeout: Duration) -> Result<(), String> {
        let start = Instant::now();
        while self.registered().contains(&item.address) {
            if start.elapsed() > timeout {
                return Err(format!(
                    "{} still registered after {timeout:?}",
                    item.address
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        // The thread watching for departed owners holds the connection open: give the name
        // back so the next test (or a tray) can take it.
        let _ = self.conn.release_name(WATCHER_NAME);
        lock(&self.items).clear();
    }
}

/// As KDE's watcher does: an item whose owner leaves the bus is unregistered, with the signal
/// and the property change hosts listen to.
fn forget_departed_items(conn: &Connection, items: Items) {
    let proxy = zbus::blocking::fdo::DBusProxy::new(conn).expect("the bus's own interface");
    let changes = proxy
        .receive_name_owner_changed()
        .expect("subscribe to NameOwnerChanged");
    let conn = conn.clone();
    std::thread::spawn(move || {
        for change in changes {
            let Ok(args) = change.args() else { continue };
            if args.new_owner().is_some() {
                continue;
            }
            let name = args.name().to_string();
            let gone: Vec<String> = {
                let mut items = lock(&items);
                let (gone, kept) = items
                    .drain(..)
                    .partition(|i| Item::split(i).0 == name.as_str());
                *items = kept;
                gone
            };
            for item in &gone {
                let _ = conn.emit_signal(
                    None::<()>,
                    WATCHER_PATH,
                    WATCHER_NAME,
                    "StatusNotifierItemUnregistered",
                    &(item.as_str(),),
                );
            }
            if !gone.is_empty() {
                let _ = conn.emit_signal(
                    None::<()>,
                    WATCHER_PATH,
                    "org.freedesktop.DBus.Properties",
                    "PropertiesChanged",
                    &(
                        WATCHER_NAME,
                        HashMap::<&str, Value<'_>>::new(),
                        vec!["RegisteredStatusNotifierItems"],
                    ),
                );
            }
        }
    });
}

/// A registered tray item, read as a host reads it.
pub struct Item {
    conn: Connection,
    /// As the watcher lists it.
    pub address: String,
    /// The bus name owning it, and its object path.
    pub bus_name: String,
    pub path: String,
}

/// One entry of an item's menu (`com.canonical.dbusmenu` layout).
#[derive(Debug, Clone)]
pub struct MenuEntry {
    pub id: i32,
    /// The label, without the mnemonic underscores GTK menus carry.
    pub label: String,
    pub enabled: bool,
    pub visible: bool,
    /// "standard" or "separator".
    pub kind: String,
}

impl Item {
    fn new(conn: &Connection, address: &str) -> Item {
        let (bus_name, path) = Item::split(address);
        Item {
            conn: conn.clone(),
            address: address.to_owned(),
            bus_name: bus_name.to_owned(),
            path: path.to_owned(),
        }
    }

    /// `:1.42/some/path` → (`:1.42`, `/some/path`); a bare name has the protocol's default
    /// path.
    fn split(address: &str) -> (&str, &str) {
        match address.find('/') {
            Some(i) => (&address[..i], &address[i..]),
            None => (address, "/StatusNotifierItem"),
        }
    }

    /// The process owning the item's connection.
    pub fn owner_pid(&self) -> Option<u32> {
        self.conn
            .call_method(
                Some("org.freedesktop.DBus"),
                "/org/freedesktop/DBus",
                Some("org.freedesktop.DBus"),
                "GetConnectionUnixProcessID",
                &(self.bus_name.as_str(),),
            )
            .ok()?
            .body()
            .deserialize()
            .ok()
    }

    /// One `org.kde.StatusNotifierItem` property, read fresh (libappindicator announces changes
    /// with its own signals, not PropertiesChanged, so nothing is cached).
    pub fn property(&self, name: &str) -> Result<OwnedValue, String> {
        let reply = self
            .conn
            .call_method(
                Some(self.bus_name.as_str()),
                self.path.as_str(),
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &(ITEM_IFACE, name),
            )
            .map_err(|e| format!("{name} of {}: {e}", self.address))?;
        reply
            .body()
            .deserialize()
            .map_err(|e| format!("{name}: {e}"))
    }

    /// A string property ("" when it is not a string).
    pub fn text(&self, name: &str) -> Result<String, String> {
        Ok(String::try_from(self.property(name)?).unwrap_or_default())
    }

    fn menu_path(&self) -> Result<String, String> {
        let value = self.property("Menu")?;
        let path = zbus::zvariant::OwnedObjectPath::try_from(value)
            .map_err(|e| format!("Menu is not an object path: {e}"))?;
        Ok(path.as_str().to_owned())
    }

    /// The menu's entries, top level in order, as `GetLayout` gives them to a host.
    pub fn menu(&self) -> Result<Vec<MenuEntry>, String> {
        let path = self.menu_path()?;
        let reply = self
            .conn
            .call_method(
                Some(self.bus_name.as_str()),
                path.as_str(),
                Some(MENU_IFACE),
                "GetLayout",
                &(0i32, -1i32, Vec::<String>::new()),
            )
            .map_err(|e| format!("GetLayout: {e}"))?;
        type Node = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
        let (_revision, root): (u32, Node) = reply
            .body()
            .deserialize()
            .map_err(|e| format!("GetLayout's answer: {e}"))?;
        root.2
            .into_iter()
            .map(|child| {
                // Each child is a variant holding the same (ia{sv}av) structure.
                let value = match Value::from(child) {
                    Value::Value(inner) => *inner,
                    other => other,
                };
                let (id, props, _children): (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>) =
                    value.try_into().map_err(|e| format!("a menu entry: {e}"))?;
                Ok(entry(id, &props))
            })
            .collect()
    }

    /// Clicks the menu entry labelled `label`, as a host does when the user picks it.
    pub fn click(&self, label: &str) -> Result<(), String> {
        let entries = self.menu()?;
        let entry = entries
            .iter()
            .find(|e| e.label == label)
            .ok_or_else(|| format!("no menu entry {label:?} in {entries:?}"))?;
        let path = self.menu_path()?;
        let timestamp = 0u32;
        self.conn
            .call_method(
                Some(self.bus_name.as_str()),
                path.as_str(),
                Some(MENU_IFACE),
                "Event",
                &(entry.id, "clicked", Value::from(""), timestamp),
            )
            .map(drop)
            .map_err(|e| format!("Event clicked on {label:?}: {e}"))
    }
}

fn entry(id: i32, props: &HashMap<String, OwnedValue>) -> MenuEntry {
    let text = |k: &str| {
        props
            .get(k)
            .and_then(|v| v.try_clone().ok())
            .and_then(|v| String::try_from(v).ok())
    };
    let flag = |k: &str| {
        props
            .get(k)
            .and_then(|v| bool::try_from(v).ok())
            // The protocol's defaults: absent means enabled and visible.
            .unwrap_or(true)
    };
    MenuEntry {
        id,
        label: text("label").unwrap_or_default().replace('_', ""),
        enabled: flag("enabled"),
        visible: flag("visible"),
        kind: text("type").unwrap_or_else(|| "standard".to_owned()),
    }
}
