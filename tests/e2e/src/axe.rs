//! Accessibility checks inside the real web view: axe-core (from the UI's npm packages, so no
//! network) injected through WebDriver and run over the page as it is on screen, colour
//! contrast included (WebKit lays the page out, unlike the jsdom of the unit tests).

use crate::webdriver::Session;
use crate::workspace_root;
use serde_json::{json, Value};
use std::time::Duration;

/// Impacts that fail a check.
const FAILING: &[&str] = &["serious", "critical"];

/// One violation as a line: rule, impact, how many nodes, the first node's selector.
fn describe(v: &Value) -> String {
    let nodes = v["nodes"].as_array().map_or(0, Vec::len);
    let first = v["nodes"][0]["target"].to_string();
    let summary = v["nodes"][0]["failureSummary"].as_str().unwrap_or_default();
    format!(
        "{} ({}): {} node(s), first {first}: {}",
        v["id"].as_str().unwrap_or("?"),
        v["impact"].as_str().unwrap_or("?"),
        nodes,
        summary.replace('\n', " ")
    )
}

/// Runs axe over the page; the serious and critical violations, described. `what` names the
/// screen in messages.
pub fn serious_violations(s: &Session, what: &str) -> Vec<String> {
    let loaded = s
        .execute("return typeof window.axe === 'object'", json!([]))
        .unwrap_or(Value::Bool(false));
    if loaded != Value::Bool(true) {
        let path = workspace_root().join("ui/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (make setup installs axe-core)", path.display()));
        s.execute(&format!("{source}\nreturn true;"), json!([]))
            .expect("axe-core loads into the web view");
    }
    s.set_script_timeout(Duration::from_secs(60)).unwrap();
    let result = s
        .execute_async(
            "const done = arguments[arguments.length - 1];\n\
             axe.run(document)\n\
               .then(r => done({violations: r.violations, passes: r.passes.length}),\n\
                     e => done({error: String(e)}));",
            json!([]),
        )
        .unwrap_or_else(|e| panic!("axe runs on {what}: {e}"));
    if let Some(e) = result.get("error") {
        panic!("axe failed on {what}: {e}");
    }
    // A run that checked nothing would pass anything: it must have passed some rules.
    let passes = result["passes"].as_u64().unwrap_or(0);
    assert!(passes > 0, "axe checked nothing on {what}: {result}");
    result["violations"]
        .as_array()
        .unwrap_or_else(|| panic!("axe gave no violation list on {what}: {result}"))
        .iter()
        .filter(|v| FAILING.contains(&v["impact"].as_str().unwrap_or("")))
        .map(describe)
        .collect()
}
