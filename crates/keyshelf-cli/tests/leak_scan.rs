//! After a run of every command with known secret values, no value appears anywhere Keyshelf
//! writes: the home directory (database, WAL, journal), the temp directory it was given, and its
//! own stdout/stderr except where a value was asked for (`get`). Values are searched raw, base64
//! and hex encoded.

mod common;
use base64::Engine;
use common::Shelf;
use std::path::Path;

fn forms(value: &str) -> Vec<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
    vec![
        value.as_bytes().to_vec(),
        b64.encode(value).into_bytes(),
        b64url.encode(value).into_bytes(),
        hex.into_bytes(),
    ]
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn no_secret_value_reaches_disk_or_output() {
    let s = Shelf::new("leak");
    let tmp = tempfile::tempdir().expect("tmp");
    let imported = ["leakscan-imported-Q7x2", "leakscan-second-Zr81"];
    let run = |args: &[&str], stdin: &str| {
        let mut c = s.cmd(args);
        c.env("TMPDIR", tmp.path()).env("KEYSHELF_LOG", "trace");
        common::run_with_stdin(c, stdin)
    };

    let (a, b, g) = (s.name("imp"), s.name("imp2"), s.name("gen"));
    let mut outputs = vec![
        run(
            &["import", &a, "--env", "prod", "--var", "LEAK_A"],
            &format!("{}\n", imported[0]),
        ),
        run(
            &["import", &b, "--env", "dev", "--provider", "acme"],
            imported[1],
        ),
        run(&["generate", &g, "--env", "staging", "--json"], ""),
        run(&["list", "--json"], ""),
        run(&["list"], ""),
        run(&["show", &a, "--json"], ""),
        run(&["due", "--json"], ""),
        run(&["audit", "--json"], ""),
        run(
            &["import", &a, "--env", "prod"],
            "duplicate-refused-value\n",
        ),
        run(&["edit", &a, "--var", "LEAK_A2"], ""),
        // The clipboard and process paths: their own output must not show the value.
        run(&["copy", &a, "--clear-after", "1"], ""),
        run(
            &["copy", &g, "--format", "header", "--clear-after", "1"],
            "",
        ),
        run(&["exec", "--env", "prod", "--", "true"], ""),
        run(
            &[
                "exec",
                "--set",
                &format!("LEAK_G={g}"),
                "--",
                "sh",
                "-c",
                "test -n \"$LEAK_G\"",
            ],
            "",
        ),
        run(&["rotate", &b], ""),
        run(&["rotate", "--status", "--json"], ""),
        run(&["rotate", &b, "--abort"], ""),
    ];
    // Every command above ran (the duplicate import is refused with exit 2 by design).
    for out in &outputs {
        let code = out.status.code();
        assert!(
            code == Some(0) || code == Some(2),
            "{code:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let generated = run(&["get", &g], "");
    assert!(generated.status.success());
    let generated = String::from_utf8(generated.stdout).expect("utf-8");
    outputs.push(run(&["remove", &b, "--yes"], ""));

    let mut values: Vec<String> = imported.iter().map(|v| v.to_string()).collect();
    values.push(generated);
    values.push("duplicate-refused-value".into());

    let mut files = Vec::new();
    files_under(s.home_path(), &mut files);
    files_under(tmp.path(), &mut files);
    assert!(
        files.iter().any(|f| f.ends_with("keyshelf.db")),
        "the scan must see the database: {files:?}"
    );
    // The store keeps its WAL between runs (no checkpoint on close): the latest rows are there.
    assert!(
        files.iter().any(|f| f.ends_with("keyshelf.db-wal")),
        "the scan must see the WAL: {files:?}"
    );
    for file in &files {
        let bytes = std::fs::read(file).expect("read");
        for value in &values {
            for form in forms(value) {
                assert!(
                    !contains(&bytes, &form),
                    "a secret value is in {}",
                    file.display()
                );
            }
        }
    }
    for out in &outputs {
        for value in &values {
            for form in forms(value) {
                assert!(
                    !contains(&out.stdout, &form) && !contains(&out.stderr, &form),
                    "a secret value was printed"
                );
            }
        }
    }
}
