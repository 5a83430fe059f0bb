//! `keyshelf --version` names the version and the commit it was built from (build.rs).

use std::process::Command;

#[test]
fn version_names_the_commit() {
    let out = Command::new(env!("CARGO_BIN_EXE_keyshelf"))
        .arg("--version")
        .output()
        .expect("run keyshelf --version");
    assert!(out.status.success());
    let head = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("keyshelf {} ({head})", env!("CARGO_PKG_VERSION"))
    );
}
