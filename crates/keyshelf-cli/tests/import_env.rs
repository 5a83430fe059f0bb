//! `keyshelf import-env`: a `.env` file becomes keys of one environment, through the real
//! keychain, and `env --format dotenv` / `exec` give the same values back.

mod common;
use common::{assert_success, stderr, Shelf};
use std::collections::BTreeMap;

/// Placeholder values in the shapes a `.env` file holds; none is a real credential.
const FILE: &str = "# the app's settings and keys\n\
PORT=3000\n\
export STRIPE_SECRET_KEY=sk_test_placeholder_not_real_01 # test mode\n\
DATABASE_URL='postgres://app:placeholder-pw@db/app'\n\
QUOTED=\"it's \\\"quoted\\\" $HOME\"\n\
PRIVATE_KEY=\"-----BEGIN PLACEHOLDER-----\nnot-a-real-key\n-----END PLACEHOLDER-----\"\n\
EMPTY_TOKEN=\n";

fn setup(test: &str) -> (Shelf, String, std::path::PathBuf) {
    let s = Shelf::new(test);
    // An environment of this test's own, so its key names are its own on the shared keyring.
    let env = s.name("env").to_ascii_lowercase();
    s.ok(&["policy", "set", &env, "30"]);
    let file = s.home_path().join("app.env");
    std::fs::write(&file, FILE).unwrap();
    (s, env, file)
}

#[test]
fn a_dry_run_previews_and_stores_nothing() {
    let (s, env, file) = setup("dry");
    let v = s.json(&[
        "import-env",
        file.to_str().unwrap(),
        "--env",
        &env,
        "--dry-run",
    ]);
    let actions: BTreeMap<String, String> = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["var"].as_str().unwrap().to_owned(),
                l["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(actions["PORT"], "skip");
    assert_eq!(actions["EMPTY_TOKEN"], "skip");
    assert_eq!(actions["STRIPE_SECRET_KEY"], "import");
    assert_eq!(v["to_import"], 4);
    assert_eq!(v["exec_line"], format!("keyshelf exec --env {env} -- CMD"));
    assert!(
        !v.to_string().contains("placeholder_not_real"),
        "a value in the preview: {v}"
    );
    let listed = s.json(&["list", "--env", &env]);
    assert_eq!(listed.as_array().unwrap().len(), 0);
    // The table for a person lists every variable.
    let out = s.run(&[
        "import-env",
        file.to_str().unwrap(),
        "--env",
        &env,
        "--dry-run",
    ]);
    assert_success(&out, &["import-env --dry-run"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("PORT") && table.contains("a number, not a secret"),
        "{table}"
    );
    assert!(
        stderr(&out).contains("nothing was stored"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn imported_keys_give_back_exactly_the_files_values() {
    let (s, env, file) = setup("round");
    let out = s.run(&["import-env", file.to_str().unwrap(), "--env", &env]);
    assert_success(&out, &["import-env"]);
    let note = stderr(&out);
    assert!(
        note.contains(&format!("keyshelf exec --env {env} -- CMD")),
        "{note}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        FILE,
        "the file was changed"
    );

    // The values through the real keychain, read back as dotenv: the same as the file's.
    let dotenv = s.ok(&["env", "--env", &env, "--format", "dotenv"]);
    let back = s.home_path().join("back.env");
    std::fs::write(&back, &dotenv).unwrap();
    let again = s.json(&[
        "import-env",
        back.to_str().unwrap(),
        "--env",
        &env,
        "--dry-run",
    ]);
    // Everything clashes with itself now; nothing new would be stored.
    assert_eq!(again["to_import"], 0);
    assert_eq!(again["clashes"], 4);
    let exec = s
        .cmd(&["exec", "--env", &env, "--", "printenv", "QUOTED"])
        .output()
        .unwrap();
    assert_success(&exec, &["exec"]);
    // `$HOME` stays as written: a dotenv value is never expanded.
    assert_eq!(
        String::from_utf8_lossy(&exec.stdout),
        "it's \"quoted\" $HOME\n"
    );
    let pem = s
        .cmd(&["exec", "--env", &env, "--", "printenv", "PRIVATE_KEY"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&pem.stdout),
        "-----BEGIN PLACEHOLDER-----\nnot-a-real-key\n-----END PLACEHOLDER-----\n"
    );
}

#[test]
fn only_imports_the_named_variables_and_an_unknown_one_changes_nothing() {
    let (s, env, file) = setup("only");
    let f = file.to_str().unwrap();
    let out = s.run(&["import-env", f, "--env", &env, "--only", "NOPE", "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not set it"), "{}", stderr(&out));
    let v = s.json(&["import-env", f, "--env", &env, "--only", "PORT"]);
    let names: Vec<&str> = v["imported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [format!("{env}-port")]);
}
