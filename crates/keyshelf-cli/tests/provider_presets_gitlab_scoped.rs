//! GitLab's project and group access tokens (`gitlab-project`, `gitlab-group`) through the real
//! `keyshelf` binary against the simulator's GitLab mode: a project named by its full path (one
//! percent-encoded path segment), pages by `x-next-page`, a required expiry, rotation to a new
//! id, and verify by reading the project with the token itself.

mod common;
use common::{json_error, secret_tool_lookup, Shelf};
use keyshelf_provider_sim::{Config, SimHandle, SimKey};
use serde_json::Value;

const TOKEN: &str = "sim-management-token-not-real";

/// A simulator whose first `n` seeded tokens belong to `attr` = `scope` (the rest elsewhere).
fn sim_with_scope(attr: &str, scope: &str, n: usize) -> SimHandle {
    let sim = keyshelf_provider_sim::spawn(
        Config {
            seed_keys: n + 2,
            ..Config::default()
        },
        0,
    )
    .expect("simulator");
    sim.with(|st| {
        for (i, k) in st.keys.iter_mut().enumerate() {
            let owner = if i < n { scope } else { "someone/else" };
            k.attrs.insert(attr.into(), Value::String(owner.into()));
        }
    });
    sim
}

fn token(sim: &SimHandle, id: &str) -> SimKey {
    sim.keys()
        .into_iter()
        .find(|k| k.id.to_string() == id)
        .unwrap_or_else(|| panic!("no simulator token {id}"))
}

fn add(s: &Shelf, sim: &SimHandle, preset: &str, var: &str) -> String {
    let p = s.name(preset);
    let base = format!("{}/api/v4", sim.url);
    s.ok_in(
        &[
            "provider",
            "add",
            &p,
            "--preset",
            preset,
            "--base-url",
            &base,
            "--set",
            var,
            "--set",
            "page_size=5",
            "--token-stdin",
        ],
        TOKEN,
    );
    p
}

#[test]
fn a_project_named_by_its_path_has_its_tokens_synced_created_rotated_and_revoked() {
    let s = Shelf::new("preset-gitlab-project");
    let sim = sim_with_scope("project", "team/app", 11);
    let p = add(&s, &sim, "gitlab-project", "project=team/app");

    // 11 tokens of this project at 5 a page; the other project's tokens are not listed.
    let before = sim.stats().requests;
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(r[0]["remote_keys"], 11, "{r}");
    assert_eq!(sim.stats().requests - before, 3);

    // Adopt a token of the project made elsewhere, looked up with the project's get.
    let seeded = sim.keys()[4].clone();
    let adopted = s.name("adopted");
    s.ok_in(
        &[
            "import",
            &adopted,
            "--provider",
            &p,
            "--env",
            "dev",
            "--remote-id",
            &seeded.id.to_string(),
        ],
        &seeded.api_key,
    );
    // A token of another project is not this provider's.
    let other = sim.keys()[12].clone();
    let out = s.run_in(
        &[
            "import",
            &s.name("other"),
            "--provider",
            &p,
            "--env",
            "dev",
            "--remote-id",
            &other.id.to_string(),
            "--json",
        ],
        &other.api_key,
    );
    assert_eq!(json_error(&out).0, "provider_not_found_remote");

    // The expiry is required for project tokens: asked for before any request.
    let name = s.name("deploy");
    let out = s.run(&[
        "create",
        &name,
        "--provider",
        &p,
        "--env",
        "prod",
        "--param",
        "scopes=read_api",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(json_error(&out)
        .1
        .contains("--param expires_at=… is required"));
    let key = s.json(&[
        "create",
        &name,
        "--provider",
        &p,
        "--env",
        "prod",
        "--param",
        "scopes=read_api",
        "--param",
        "expires_at=2099-01-31",
    ])["key"]
        .clone();
    let id = key["provider_key_id"].as_str().unwrap().to_owned();
    assert_eq!(token(&sim, &id).attrs["project"], "team/app");
    let keyref = format!("{p}/{name}");

    // Verify reads the project with the token: the path is one encoded segment.
    let v = s.json(&["verify", &keyref]);
    assert_eq!(v["url_path"], "/api/v4/projects/team%2Fapp");
    assert!(token(&sim, &id).last_used_at.is_some());

    let rolled = s.json(&["rotate", &keyref, "--param", "expires_at=2099-06-30"]);
    assert_eq!(rolled["semantics"], "new-id");
    let new_id = rolled["new_id"].as_str().unwrap().to_owned();
    assert!(token(&sim, &id).revoked);
    let fresh = token(&sim, &new_id);
    assert_eq!(fresh.expires_at.as_deref(), Some("2099-06-30"));
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(fresh.api_key.as_str())
    );
    s.json(&["verify", &keyref]);

    s.json(&["delete", &keyref, "--yes"]);
    assert!(token(&sim, &new_id).revoked);
}

#[test]
fn a_groups_tokens_are_managed_the_same_way() {
    let s = Shelf::new("preset-gitlab-group");
    let sim = sim_with_scope("group", "7", 6);
    let p = add(&s, &sim, "gitlab-group", "group=7");
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(r[0]["remote_keys"], 6, "{r}");
    let name = s.name("ci");
    let key = s.json(&[
        "create",
        &name,
        "--provider",
        &p,
        "--env",
        "dev",
        "--param",
        "scopes=api",
        "--param",
        "expires_at=2099-01-31",
    ])["key"]
        .clone();
    let id = key["provider_key_id"].as_str().unwrap().to_owned();
    assert_eq!(token(&sim, &id).attrs["group"], "7");
    let keyref = format!("{p}/{name}");
    assert_eq!(s.json(&["verify", &keyref])["url_path"], "/api/v4/groups/7");
    let rolled = s.json(&["rotate", &keyref]);
    assert_ne!(rolled["new_id"], id.as_str());
    assert!(token(&sim, &id).revoked);
}
