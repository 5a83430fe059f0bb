//! An empty Tauri 2 window: the peer of `keyshelf-desktop` in the desktop benchmarks
//! (scripts/bench/desktop.sh). Same Tauri version, features, window size and release profile;
//! no commands, no plugins, a page with one line of text.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the empty window runs");
}
