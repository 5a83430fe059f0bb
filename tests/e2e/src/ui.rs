//! What a test does in the window as a user would: find, click, type, choose, wait for a text.

use crate::webdriver::Session;
use serde_json::json;
use std::time::Duration;

/// How long a step may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(30);

pub fn text_of(s: &Session, css: &str) -> String {
    s.find(css).and_then(|e| s.text(&e)).unwrap_or_default()
}

pub fn page_text(s: &Session) -> String {
    s.execute("return document.body.innerText", json!([]))
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Clicks an element once it is there and enabled, as a user waits for a greyed-out button
/// (a click on a disabled one is silently dropped, and the test would wait for nothing).
pub fn click(s: &Session, css: &str) {
    let e = s
        .wait_for(css, WAIT)
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    s.wait_until(&format!("{css} to be enabled"), WAIT, |s| {
        s.property(&e, "disabled").ok() != Some(json!(true))
    })
    .unwrap_or_else(|e| panic!("{e}"));
    s.click(&e).unwrap_or_else(|e| panic!("click {css}: {e}"));
}

pub fn type_in(s: &Session, css: &str, text: &str) {
    let e = s
        .wait_for(css, WAIT)
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    s.clear(&e).unwrap();
    s.type_into(&e, text).unwrap();
}

/// Chooses an option of a `<select>` the way a user does: value set, `change` fired.
pub fn choose(s: &Session, css: &str, value: &str) {
    s.wait_for(css, WAIT)
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    s.execute(
        "const el = document.querySelector(arguments[0]); el.value = arguments[1]; el.dispatchEvent(new Event('change', {bubbles: true}));",
        json!([css, value]),
    )
    .unwrap();
}

pub fn wait_text(s: &Session, css: &str, what: &str, needle: &str) -> String {
    let mut last = String::new();
    let ok = s.wait_until(what, WAIT, |s| {
        last = text_of(s, css);
        last.contains(needle)
    });
    assert!(ok.is_ok(), "{what}: {css} says {last:?}");
    last
}
