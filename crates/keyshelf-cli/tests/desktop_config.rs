//! The shipped desktop configuration is minimal: a strict CSP, and a capability that allows
//! exactly the commands the UI calls (no plugin APIs, no wildcard, the main window only).
//! Reads the real files (src-tauri/, ui/src/) without building the desktop shell.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn json(rel: &str) -> Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The commands the UI calls: every `commands.name(` in the one module that talks to the shell,
/// turned back into the command's Rust name (`listKeys` is `list_keys`).
fn ui_commands() -> BTreeSet<String> {
    let backend = read("ui/src/lib/backend.ts");
    let mut cmds = BTreeSet::new();
    for (i, _) in backend.match_indices("commands.") {
        let name: String = backend[i + "commands.".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let snake: String = name
            .chars()
            .flat_map(|c| {
                if c.is_ascii_uppercase() {
                    vec!['_', c.to_ascii_lowercase()]
                } else {
                    vec![c]
                }
            })
            .collect();
        cmds.insert(snake);
    }
    assert!(cmds.len() >= 10, "cannot read the UI's calls: {cmds:?}");
    cmds
}

#[test]
fn the_csp_is_present_and_strict() {
    let conf = json("src-tauri/tauri.conf.json");
    let sec = &conf["app"]["security"];
    let csp = &sec["csp"];
    assert!(csp.is_object() || csp.is_string(), "no CSP: {sec}");
    let text = match csp {
        Value::String(s) => s.clone(),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k} {}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("; "),
        _ => unreachable!(),
    };
    let directive = |name: &str| -> String {
        text.split(';')
            .map(str::trim)
            .find_map(|d| d.strip_prefix(name).filter(|r| r.starts_with(' ')))
            .unwrap_or_else(|| panic!("CSP lacks {name}: {text}"))
            .trim()
            .to_owned()
    };
    assert_eq!(directive("default-src"), "'self'");
    assert_eq!(directive("script-src"), "'self'");
    assert_eq!(directive("object-src"), "'none'");
    assert_eq!(directive("frame-ancestors"), "'none'");
    assert_eq!(directive("base-uri"), "'none'");
    for src in directive("connect-src").split_whitespace() {
        assert!(
            ["ipc:", "http://ipc.localhost", "'self'"].contains(&src),
            "connect-src allows {src}"
        );
    }
    for bad in [
        "'unsafe-eval'",
        "'unsafe-inline'",
        "*",
        "http:",
        "https:",
        "ws:",
    ] {
        for d in text.split(';') {
            assert!(
                !d.split_whitespace().skip(1).any(|s| s == bad),
                "CSP allows {bad}: {d}"
            );
        }
    }
    // Nothing that loosens the CSP or the IPC surface.
    assert!(sec
        .get("dangerousDisableAssetCspModification")
        .is_none_or(|v| v == false));
    assert!(sec.get("dangerousRemoteDomainIpcAccess").is_none());
    assert!(sec["assetProtocol"]["enable"].as_bool() != Some(true));
    assert_eq!(sec["freezePrototype"], true);
    assert!(conf["app"]["withGlobalTauri"].as_bool() != Some(true));
    for w in conf["app"]["windows"].as_array().expect("windows") {
        assert!(
            w.get("url")
                .is_none_or(|u| !u.as_str().unwrap_or("").contains("://")),
            "a window loads a remote URL: {w}"
        );
    }
}

#[test]
fn capabilities_allow_exactly_the_commands_the_ui_calls_and_no_wildcard() {
    let ui = ui_commands();
    let dir = root().join("src-tauri/capabilities");
    let mut allowed = BTreeSet::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("capabilities").flatten() {
        files += 1;
        let text = std::fs::read_to_string(entry.path()).expect("read");
        let cap: Value = serde_json::from_str(&text).expect("capability JSON");
        assert!(
            !text.contains('*'),
            "{}: a wildcard",
            entry.path().display()
        );
        assert!(
            cap.get("remote").is_none(),
            "remote URLs get IPC access: {cap}"
        );
        assert_eq!(cap["windows"], serde_json::json!(["main"]));
        for p in cap["permissions"].as_array().expect("permissions") {
            let p = p
                .as_str()
                .unwrap_or_else(|| panic!("scoped permission {p}: review it by hand"));
            assert!(!p.contains(':'), "a plugin or core permission: {p}");
            let cmd = p
                .strip_prefix("allow-")
                .unwrap_or_else(|| panic!("not a command permission: {p}"));
            allowed.insert(cmd.replace('-', "_"));
        }
    }
    assert_eq!(files, 1, "one capability file is expected");
    assert_eq!(allowed, ui, "capabilities vs the UI's calls");
    // The shell registers the same commands, and the UI calls invoke only through backend.ts.
    let handler = read("src-tauri/src/commands/mod.rs");
    let start = handler.find("collect_commands![").expect("handler");
    let end = start + handler[start..].find(']').expect("end of handler");
    let registered: BTreeSet<String> = handler[start + "collect_commands![".len()..end]
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(registered, ui, "registered commands vs the UI's calls");
    let mut stack = vec![root().join("ui/src")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("ui/src").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if !p.ends_with("backend.ts") && !p.ends_with("bindings.ts") {
                // bindings.ts is generated (src-tauri/src/bindings.rs): only backend.ts calls its
                // commands; the others may take its types (`import type`).
                let t = std::fs::read_to_string(&p).unwrap_or_default();
                let calls_bindings = t
                    .lines()
                    .any(|l| l.trim_start().starts_with("import {") && l.contains("bindings"));
                assert!(
                    !t.contains("@tauri-apps/") && !t.contains("__TAURI") && !calls_bindings,
                    "{} talks to the shell directly",
                    p.display()
                );
            }
        }
    }
}
