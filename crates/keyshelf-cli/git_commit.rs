// The commit a binary is built from, for `keyshelf --version` and the desktop app's About line.
// Shared by crates/keyshelf-cli/build.rs and src-tauri/build.rs (`include!`), so both front ends
// report the same thing. Outside a git checkout (a source tarball) the commit is "unknown".

/// Sets `KEYSHELF_COMMIT` for the crate being built and reruns only when HEAD moves.
fn emit_git_commit() {
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=KEYSHELF_COMMIT={commit}");
    // Rerun when HEAD or the branch it names changes. Watching a path that does not exist
    // makes cargo rerun the script on every build, so only existing files are named; without
    // git at all, the script itself is the only input.
    println!("cargo:rerun-if-changed=build.rs");
    let git_dir = git(&["rev-parse", "--path-format=absolute", "--git-dir"]);
    let common_dir = git(&["rev-parse", "--path-format=absolute", "--git-common-dir"]);
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    let mut watched = Vec::new();
    if let Some(dir) = &git_dir {
        watched.push(format!("{dir}/HEAD"));
    }
    if let Some(dir) = &common_dir {
        watched.push(format!("{dir}/packed-refs"));
        if let Some(branch) = &branch {
            watched.push(format!("{dir}/{branch}"));
        }
    }
    for path in watched {
        if std::path::Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}

/// A git command's trimmed output, or None when git is missing or fails (not a checkout).
fn git(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}
