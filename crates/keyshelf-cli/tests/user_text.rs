//! No user-facing text names the project's internal source documents (/work/shared/seeds, cited
//! in the code as "seed 004", "seeds 000 and 001"): users never saw them. Checked where users read:
//! every `keyshelf … --help`, the built web bundle (`ui/dist`), every message of the core's error
//! catalogue and the key schemes' warnings, README.md and SECURITY.md, and the string literals of
//! the core, the CLI and the desktop shell (the shell's messages are not built here). Code
//! comments and tests may cite the documents.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What a reference looks like, compared case-insensitively. Plain substrings, kept strict: a
/// sentence that needs one of them can say the same thing without it.
const REFERENCES: [&str; 4] = ["seed 0", "seeds 0", "seed00", "/seeds/"];

/// Every citation in `text`, as `origin: …excerpt…` (an excerpt, not the line: a minified
/// bundle is one long line).
fn citing_lines(origin: &str, text: &str) -> Vec<String> {
    // ASCII lowercasing keeps byte offsets, so they index `text` too.
    let lower = text.to_ascii_lowercase();
    let mut found: Vec<usize> = REFERENCES
        .iter()
        .flat_map(|r| lower.match_indices(r).map(|(at, _)| at))
        .collect();
    found.sort_unstable();
    found
        .into_iter()
        .map(|at| format!("{origin}: …{}…", excerpt(text, at).trim()))
        .collect()
}

/// Up to 80 bytes of `text` either side of `at`, on its line.
fn excerpt(text: &str, at: usize) -> &str {
    let mut start = text[..at]
        .rfind('\n')
        .map_or(0, |n| n + 1)
        .max(at.saturating_sub(80));
    let mut end = text[at..]
        .find('\n')
        .map_or(text.len(), |n| at + n)
        .min(at + 80);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    &text[start..end]
}

fn assert_none(found: &[String], what: &str) {
    assert!(
        found.is_empty(),
        "{what} cites the internal source documents, which users have never seen; say what the \
         user needs instead (e.g. \"Sending the key in the URL is not recommended: proxies and \
         logs keep URLs.\"):\n{}",
        found.join("\n")
    );
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `keyshelf ARGS --help`, which must succeed.
fn help(args: &[String]) -> String {
    let home = tempfile::tempdir().expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_keyshelf"))
        .args(args)
        .arg("--help")
        .env("KEYSHELF_HOME", home.path())
        .env_remove("KEYSHELF_LOG")
        .output()
        .expect("run keyshelf");
    assert!(
        out.status.success(),
        "keyshelf {args:?} --help failed: {out:?}"
    );
    String::from_utf8(out.stdout).expect("utf-8 help")
}

/// The subcommands a help text lists under "Commands:" (clap's layout), `help` left out.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Every command path from `path` down, each with its help text.
fn walk_help(path: Vec<String>, into: &mut Vec<(String, String)>) {
    let text = help(&path);
    for sub in subcommands(&text) {
        let mut next = path.clone();
        next.push(sub);
        walk_help(next, into);
    }
    into.push((path.join(" "), text));
}

#[test]
fn no_help_text_cites_the_source_documents() {
    let mut helps = Vec::new();
    walk_help(Vec::new(), &mut helps);
    // The walk must really reach the nested commands, or this test would check little.
    for nested in ["provider add", "policy set", "generate"] {
        assert!(
            helps.iter().any(|(path, _)| path == nested),
            "the help walk did not reach `keyshelf {nested}`: {:?}",
            helps.iter().map(|(p, _)| p).collect::<Vec<_>>()
        );
    }
    let found: Vec<String> = helps
        .iter()
        .flat_map(|(path, text)| citing_lines(&format!("keyshelf {path} --help"), text))
        .collect();
    assert_none(&found, "`--help`");
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            files_under(&path, into);
        } else {
            into.push(path);
        }
    }
}

#[test]
fn the_built_web_bundle_cites_no_source_document() {
    let dist = repo_root().join("ui/dist");
    assert!(
        dist.join("index.html").is_file(),
        "{} has no index.html: build the web front end first (`make ui`, or `cd ui && npm run \
         build`; `make test` does it before cargo test)",
        dist.display()
    );
    let mut files = Vec::new();
    files_under(&dist, &mut files);
    let found: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let bytes = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            citing_lines(&f.display().to_string(), &String::from_utf8_lossy(&bytes))
        })
        .collect();
    assert_none(&found, "the web bundle (ui/dist)");
}

#[test]
fn no_error_message_or_scheme_warning_cites_the_source_documents() {
    let catalogue = keyshelf_core::error::catalogue();
    assert!(
        catalogue.len() > 20,
        "the catalogue is too short to be every variant"
    );
    let mut found: Vec<String> = catalogue
        .iter()
        .flat_map(|e| citing_lines(e.code(), &e.to_string()))
        .collect();
    for scheme in keyshelf_core::provider::scheme::ALL_SCHEMES {
        let warning = scheme.warning().unwrap_or_default();
        found.extend(citing_lines(scheme.as_str(), warning));
    }
    assert_none(&found, "an error message or a key scheme's warning");
}

#[test]
fn readme_and_security_cite_no_source_document() {
    let found: Vec<String> = ["README.md", "SECURITY.md"]
        .iter()
        .flat_map(|doc| {
            let text = std::fs::read_to_string(repo_root().join(doc)).expect(doc);
            citing_lines(doc, &text)
        })
        .collect();
    assert_none(&found, "README.md or SECURITY.md");
}

/// Lines of Rust source that are not comments and cite a source document: in practice a string
/// literal (a message, a warning, an attribute's text). A trailing comment on a code line is
/// reported too; put such a comment on a line of its own.
fn citing_code_lines(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    citing_lines(&file.display().to_string(), &code)
}

#[test]
fn no_message_in_the_sources_cites_the_source_documents() {
    let mut files = Vec::new();
    for dir in [
        "crates/keyshelf-core/src",
        "crates/keyshelf-cli/src",
        "src-tauri/src",
    ] {
        let dir = repo_root().join(dir);
        if dir.is_dir() {
            files_under(&dir, &mut files);
        }
    }
    let found: Vec<String> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))
        .flat_map(|f| citing_code_lines(f))
        .collect();
    assert!(files.len() > 20, "too few source files found: {files:?}");
    assert_none(&found, "a message in the Rust sources");
}
