//! A small blocking W3C WebDriver client: just the calls the tests use.

use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// A WebDriver session.
pub struct Session {
    http: reqwest::blocking::Client,
    base: String,
    id: String,
}

/// A found element.
#[derive(Clone, Debug)]
pub struct Element(String);

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Session {
    /// Opens a session on the driver at `base` (e.g. `http://127.0.0.1:4444`).
    pub fn new(base: &str, capabilities: Value) -> Result<Session, String> {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| e.to_string())?;
        let v = request(
            &http,
            "POST",
            &format!("{base}/session"),
            Some(json!({ "capabilities": capabilities })),
        )?;
        let id = v["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no sessionId in {v}"))?
            .to_owned();
        Ok(Session {
            http,
            base: base.to_owned(),
            id,
        })
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        request(
            &self.http,
            method,
            &format!("{}/session/{}{}", self.base, self.id, path),
            body,
        )
    }

    /// The first element matching a CSS selector.
    pub fn find(&self, css: &str) -> Result<Element, String> {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        )?;
        element_of(&v).ok_or_else(|| format!("no element in {v}"))
    }

    /// Every element matching a CSS selector.
    pub fn find_all(&self, css: &str) -> Result<Vec<Element>, String> {
        let v = self.call(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )?;
        Ok(v.as_array()
            .map(|a| a.iter().filter_map(element_of).collect())
            .unwrap_or_default())
    }

    /// Waits up to `timeout` for an element matching `css`.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element, String> {
        let start = Instant::now();
        loop {
            match self.find(css) {
                Ok(e) => return Ok(e),
                Err(e) if start.elapsed() > timeout => {
                    return Err(format!("waited {timeout:?} for {css}: {e}"))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(25)),
            }
        }
    }

    /// Waits until `check` holds, polling.
    pub fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut(&Session) -> bool,
    ) -> Result<(), String> {
        let start = Instant::now();
        while !check(self) {
            if start.elapsed() > timeout {
                return Err(format!("waited {timeout:?} for {what}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    pub fn click(&self, e: &Element) -> Result<(), String> {
        self.call("POST", &format!("/element/{}/click", e.0), Some(json!({})))
            .map(drop)
    }

    pub fn clear(&self, e: &Element) -> Result<(), String> {
        self.call("POST", &format!("/element/{}/clear", e.0), Some(json!({})))
            .map(drop)
    }

    /// Types `text` into an element (WebDriver key codes such as `\u{E007}` = Enter work too).
    pub fn type_into(&self, e: &Element, text: &str) -> Result<(), String> {
        self.call(
            "POST",
            &format!("/element/{}/value", e.0),
            Some(json!({"text": text})),
        )
        .map(drop)
    }

    pub fn text(&self, e: &Element) -> Result<String, String> {
        let v = self.call("GET", &format!("/element/{}/text", e.0), None)?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    pub fn attribute(&self, e: &Element, name: &str) -> Result<Option<String>, String> {
        let v = self.call("GET", &format!("/element/{}/attribute/{name}", e.0), None)?;
        Ok(v.as_str().map(str::to_owned))
    }

    pub fn property(&self, e: &Element, name: &str) -> Result<Value, String> {
        self.call("GET", &format!("/element/{}/property/{name}", e.0), None)
    }

    /// Runs a script in the page and returns its result.
    pub fn execute(&self, script: &str, args: Value) -> Result<Value, String> {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// How long a script may run before the driver gives up on it (W3C default: 30 s).
    pub fn set_script_timeout(&self, timeout: Duration) -> Result<(), String> {
        self.call(
            "POST",
            "/timeouts",
            Some(json!({"script": timeout.as_millis() as u64})),
        )
        .map(drop)
    }

    /// Runs a script that finishes by calling its last argument; returns what it passed.
    pub fn execute_async(&self, script: &str, args: Value) -> Result<Value, String> {
        self.call(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Waits until the web view has painted two frames since now, so a screenshot shows the
    /// DOM as it is rather than the last frame painted before a change.
    pub fn wait_painted(&self) -> Result<(), String> {
        self.execute_async(
            "const done = arguments[arguments.length - 1];\n\
             requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            json!([]),
        )
        .map(drop)
    }

    /// Sends key presses to the focused element (W3C actions).
    pub fn press(&self, keys: &[&str]) -> Result<(), String> {
        let mut actions = Vec::new();
        for k in keys {
            actions.push(json!({"type": "keyDown", "value": k}));
        }
        for k in keys.iter().rev() {
            actions.push(json!({"type": "keyUp", "value": k}));
        }
        self.call(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        )?;
        self.call("DELETE", "/actions", None).map(drop)
    }

    /// A PNG of the window's web view.
    ///
    /// WebKitWebDriver answers with the next frame the web view paints. The app paints without
    /// accelerated compositing (src-tauri's main), and then a page at rest paints no frame: the
    /// request would wait forever. So while it runs, one pixel in the corner changes its shade
    /// by 1/255 every 50 ms (invisible in the picture), and is removed after.
    pub fn screenshot(&self) -> Result<Vec<u8>, String> {
        use base64::Engine;
        self.execute(
            "const d = document.createElement('div');\n\
             d.id = 'e2e-paint-nudge';\n\
             d.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;z-index:2147483647';\n\
             document.body.appendChild(d);\n\
             let n = 0;\n\
             const t = setInterval(() => { d.style.background = n++ % 2 ? 'rgba(0,0,0,0.004)' : 'rgba(0,0,0,0.008)'; }, 50);\n\
             d.dataset.timer = String(t);",
            json!([]),
        )?;
        let v = self.call("GET", "/screenshot", None);
        self.execute(
            "const d = document.getElementById('e2e-paint-nudge');\n\
             if (d) { clearInterval(Number(d.dataset.timer)); d.remove(); }",
            json!([]),
        )?;
        let v = v?;
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .map_err(|e| e.to_string())
    }

    /// Ends the session (the driver closes the app).
    pub fn close(self) -> Result<(), String> {
        request(
            &self.http,
            "DELETE",
            &format!("{}/session/{}", self.base, self.id),
            None,
        )
        .map(drop)
    }
}

fn element_of(v: &Value) -> Option<Element> {
    v.get(ELEMENT_KEY)
        .and_then(Value::as_str)
        .map(|s| Element(s.to_owned()))
}

fn request(
    http: &reqwest::blocking::Client,
    method: &str,
    url: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let m = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
    let mut req = http.request(m, url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().map_err(|e| format!("{method} {url}: {e}"))?;
    let status = resp.status();
    let v: Value = resp.json().map_err(|e| format!("{method} {url}: {e}"))?;
    if !status.is_success() {
        return Err(format!("{method} {url}: {status} {}", v["value"]));
    }
    Ok(v["value"].clone())
}
