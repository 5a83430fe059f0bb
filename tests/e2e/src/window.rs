//! The app's top-level window as the X server sees it: whether it is mapped, and closing it the
//! way a window manager does (a `WM_DELETE_WINDOW` message, which GTK turns into the app's
//! close request). Under Xvfb there is no window manager to do it, and WebDriver's "close
//! window" destroys the web view instead of asking the window to close.

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    AtomEnum, ClientMessageEvent, ConnectionExt, EventMask, GetWindowAttributesReply, MapState,
    Window, WindowClass,
};
use x11rb::rust_connection::RustConnection;

/// The X display of the test session (`DISPLAY`).
pub struct Display {
    conn: RustConnection,
    root: Window,
}

impl Display {
    pub fn open() -> Display {
        let (conn, screen) = x11rb::connect(None).expect("connect to the X display (DISPLAY)");
        let root = conn.setup().roots[screen].root;
        Display { conn, root }
    }

    fn atom(&self, name: &str) -> u32 {
        self.conn
            .intern_atom(false, name.as_bytes())
            .expect("intern_atom")
            .reply()
            .expect("intern_atom reply")
            .atom
    }

    fn cardinals(&self, window: Window, property: u32, kind: impl Into<u32>) -> Vec<u32> {
        self.conn
            .get_property(false, window, property, kind.into(), 0, 64)
            .ok()
            .and_then(|c| c.reply().ok())
            .and_then(|r| r.value32().map(Iterator::collect))
            .unwrap_or_default()
    }

    /// The top-level windows of process `pid` that can show something and accept a close
    /// request (`_NET_WM_PID`, `WM_DELETE_WINDOW` among their `WM_PROTOCOLS`): the app's main
    /// window, not GDK's input-only client leader, which carries the same properties.
    pub fn windows_of(&self, pid: u32) -> Vec<Window> {
        let net_wm_pid = self.atom("_NET_WM_PID");
        let protocols = self.atom("WM_PROTOCOLS");
        let delete = self.atom("WM_DELETE_WINDOW");
        let tree = self
            .conn
            .query_tree(self.root)
            .expect("query_tree")
            .reply()
            .expect("query_tree reply");
        tree.children
            .into_iter()
            .filter(|&w| self.cardinals(w, net_wm_pid, AtomEnum::CARDINAL) == [pid])
            .filter(|&w| {
                self.cardinals(w, protocols, AtomEnum::ATOM)
                    .contains(&delete)
            })
            .filter(|&w| {
                self.attributes(w)
                    .is_some_and(|a| a.class == WindowClass::INPUT_OUTPUT)
            })
            .collect()
    }

    fn attributes(&self, window: Window) -> Option<GetWindowAttributesReply> {
        self.conn
            .get_window_attributes(window)
            .ok()
            .and_then(|c| c.reply().ok())
    }

    /// Whether process `pid` has a window on screen (mapped, with its parents).
    pub fn shows_window(&self, pid: u32) -> bool {
        self.windows_of(pid).into_iter().any(|w| {
            self.attributes(w)
                .is_some_and(|a| a.map_state == MapState::VIEWABLE)
        })
    }

    /// Asks each window of process `pid` to close, as a window manager's close button does.
    /// Returns how many windows were asked.
    pub fn close_windows_of(&self, pid: u32) -> usize {
        let protocols = self.atom("WM_PROTOCOLS");
        let delete = self.atom("WM_DELETE_WINDOW");
        let windows = self.windows_of(pid);
        for &w in &windows {
            let event = ClientMessageEvent::new(32, w, protocols, [delete, 0, 0, 0, 0]);
            self.conn
                .send_event(false, w, EventMask::NO_EVENT, event)
                .expect("send WM_DELETE_WINDOW");
        }
        self.conn.flush().expect("flush the X connection");
        windows.len()
    }
}
