//! The presets of infrastructure and messaging services through the real `keyshelf` binary
//! against the simulator's modes for them, with secrets in the real Secret Service of the test
//! session: Datadog's API keys (a two-part management credential, a base URL per site, JSON:API
//! bodies, pages numbered from 0, keys that cannot be disabled) and SendGrid's API keys (one
//! list answer, scopes at create, a limit of 100 keys) and Confluent Cloud's API keys (HTTP Basic
//! with a key's `id:secret`, for management and for the key itself; next-page URLs) and Twilio's
//! API keys (form bodies, a policy for Restricted keys, verify on another host).

mod common;
use common::{json_error, secret_tool_lookup, sim_with, stderr, Shelf};
use keyshelf_provider_sim::{SimHandle, SimKey};

/// Datadog's management credential: an API key and an application key.
const DD_PAIR: &str = "sim-dd-api-key-not-real:sim-dd-app-key-not-real";
const TOKEN: &str = "sim-management-token-not-real";
/// A Twilio account as `ACCOUNT_SID:AUTH_TOKEN`.
const TWILIO_ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef:sim-auth-token-not-real";
/// A Confluent Cloud API key as `ID:SECRET`.
const CFL_PAIR: &str = "SIMMGMT000000001:sim-cloud-secret-not-real";

/// Adopts the simulator's key `k` (its id at the service: `id`) and verifies it.
fn adopt(s: &Shelf, p: &str, k: &SimKey, id: &str) {
    let name = s.name(&format!("adopted-{}", k.id));
    s.ok_in(
        &[
            "import",
            &name,
            "--provider",
            p,
            "--env",
            "dev",
            "--remote-id",
            id,
        ],
        &k.api_key,
    );
    assert_eq!(
        s.json(&["show", &format!("{p}/{name}")])["provider_key_id"],
        id
    );
}

use common::sim_key_by_uuid as datadog_key;

#[test]
fn a_datadog_provider_takes_its_site_and_key_pair_and_rotates_a_key_that_cannot_be_disabled() {
    let s = Shelf::new("preset-datadog");
    let sim = sim_with(DD_PAIR, 12);

    // The site picks the base URL; a site Datadog does not have is refused with the allowed ones.
    let eu = s.name("ddeu");
    s.ok_in(
        &[
            "provider",
            "add",
            &eu,
            "--preset",
            "datadog",
            "--set",
            "site=datadoghq.eu",
            "--token-stdin",
        ],
        DD_PAIR,
    );
    let listed = s.json(&["provider", "list"]);
    let row = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == eu.as_str())
        .expect("provider");
    assert_eq!(row["base_url"], "https://api.datadoghq.eu", "{row}");
    let out = s.run_in(
        &[
            "provider",
            "add",
            &s.name("bad"),
            "--preset",
            "datadog",
            "--set",
            "site=datadoghq.example",
            "--token-stdin",
            "--json",
        ],
        DD_PAIR,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        json_error(&out).1.contains("datadoghq.eu"),
        "{}",
        stderr(&out)
    );

    let p = s.name("dd");
    let base = sim.url.clone();
    s.ok_in(
        &[
            "provider",
            "add",
            &p,
            "--preset",
            "datadog",
            "--base-url",
            &base,
            "--set",
            "page_size=5",
            "--token-stdin",
        ],
        DD_PAIR,
    );

    // 12 keys at 5 a page, numbered from 0: the third, short page ends the list.
    let before = sim.stats().requests;
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(r[0]["remote_keys"], 12, "{r}");
    assert_eq!(sim.stats().requests - before, 3, "one request per page");
    let k = sim.keys()[5].clone();
    adopt(
        &s,
        &p,
        &k,
        &format!("{:08x}-0000-4000-8000-{:012x}", k.id, k.id),
    );

    // Create sends a JSON:API body; the new key is stored and checked on /api/v1/validate.
    let name = s.name("agent");
    let key = s.json(&["create", &name, "--provider", &p, "--env", "prod"])["key"].clone();
    let id = key["provider_key_id"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let remote = datadog_key(&sim, &id).expect("created at the service");
    let keyref = format!("{p}/{name}");
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(remote.api_key.as_str())
    );
    let v = s.json(&["verify", &keyref]);
    assert_eq!(v["url_path"], "/api/v1/validate");
    assert_eq!(v["response"]["valid"], true);

    let out = s.run(&["deactivate", &keyref, "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "provider_operation_unsupported");
    assert!(msg.contains("only deleted"), "{msg}");

    // Rotate: the old key keeps working through the grace period, then is deleted.
    common::rotate_through_grace(&s, &keyref, || datadog_key(&sim, &id).is_some());
    let new_id = s.json(&["show", &keyref])["provider_key_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fresh = datadog_key(&sim, &new_id).expect("new key");
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(fresh.api_key.as_str())
    );

    s.json(&["delete", &keyref, "--yes"]);
    assert!(datadog_key(&sim, &new_id).is_none());
    assert_eq!(secret_tool_lookup(&keyref), None);
}

fn sendgrid_key(sim: &SimHandle, id: &str) -> Option<SimKey> {
    sim.keys()
        .into_iter()
        .find(|k| format!("sim{:019}", k.id) == id)
}

#[test]
fn a_sendgrid_provider_creates_scoped_keys_up_to_its_limit_and_rotates_them() {
    let s = Shelf::new("preset-sendgrid");
    let sim = sim_with(TOKEN, 12);
    let p = s.name("sg");
    s.ok_in(
        &[
            "provider",
            "add",
            &p,
            "--preset",
            "sendgrid",
            "--base-url",
            &sim.url,
            "--token-stdin",
        ],
        TOKEN,
    );
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(r[0]["remote_keys"], 12, "{r}");

    // Scopes reach SendGrid as a list; the key verifies by asking for its own scopes.
    let name = s.name("mail");
    let key = s.json(&[
        "create",
        &name,
        "--provider",
        &p,
        "--env",
        "prod",
        "--param",
        "scopes=mail.send",
    ])["key"]
        .clone();
    let id = key["provider_key_id"].as_str().expect("id").to_owned();
    let remote = sendgrid_key(&sim, &id).expect("created at the service");
    assert_eq!(remote.scopes, ["mail.send"]);
    let keyref = format!("{p}/{name}");
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(remote.api_key.as_str())
    );
    let v = s.json(&["verify", &keyref]);
    assert_eq!(v["url_path"], "/v3/scopes");
    assert_eq!(v["response"]["scopes"][0], "mail.send");

    // Adopt a key by its id: SendGrid's get answers in its list shape.
    let seeded = sim.keys()[2].clone();
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
            &format!("sim{:019}", seeded.id),
        ],
        &seeded.api_key,
    );

    // Rotate: the old key works until the grace period ends, then is deleted.
    common::rotate_through_grace(&s, &keyref, || sendgrid_key(&sim, &id).is_some());

    // A full account (100 keys) that Keyshelf does not know of yet: SendGrid's own refusal reads
    // as the plan's limit. Once synced, Keyshelf refuses before sending anything.
    sim.with(|st| {
        while st.keys.len() < 100 {
            st.create("filler", "1").expect("room");
        }
    });
    let create_one = || {
        s.run(&[
            "create",
            &s.name("one-too-many"),
            "--provider",
            &p,
            "--env",
            "dev",
            "--json",
        ])
    };
    let out = create_one();
    assert_eq!(out.status.code(), Some(6));
    let (code, msg) = json_error(&out);
    assert_eq!(code, "provider_plan_limit");
    assert!(
        msg.contains("Cannot create more than 100 API keys"),
        "{msg}"
    );
    s.json(&["sync", "--provider", &p]);
    let sent = sim.stats().generate_calls;
    let out = create_one();
    let (code, msg) = json_error(&out);
    assert_eq!(code, "provider_plan_limit");
    assert!(msg.contains("allows 100 keys"), "{msg}");
    assert_eq!(sim.stats().generate_calls, sent, "nothing was sent");
    assert_eq!(sim.keys().len(), 100);

    s.json(&["delete", &keyref, "--yes"]);
    assert_eq!(secret_tool_lookup(&keyref), None);
}

fn confluent_key(sim: &SimHandle, id: &str) -> Option<SimKey> {
    sim.keys()
        .into_iter()
        .find(|k| format!("SIMKEY{:010}", k.id) == id)
}

#[test]
fn a_confluent_provider_pages_by_next_url_and_presents_keys_as_id_and_secret() {
    let s = Shelf::new("preset-confluent");
    let sim = sim_with(CFL_PAIR, 12);
    let p = s.name("cfl");
    s.ok_in(
        &[
            "provider",
            "add",
            &p,
            "--preset",
            "confluent",
            "--base-url",
            &sim.url,
            "--set",
            "page_size=5",
            "--set",
            "owner=sa-keyshelf",
            "--set",
            "resource=cloud",
            "--token-stdin",
        ],
        CFL_PAIR,
    );
    // The owner filter reaches the list; give the seeded keys that owner so they are listed.
    sim.with(|st| {
        st.keys
            .iter_mut()
            .for_each(|k| k.user = "sa-keyshelf".into())
    });
    let before = sim.stats().requests;
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(r[0]["remote_keys"], 12, "{r}");
    assert_eq!(
        sim.stats().requests - before,
        3,
        "one request per page, by metadata.next"
    );
    let k = sim.keys()[5].clone();
    adopt(&s, &p, &k, &format!("SIMKEY{:010}", k.id));

    // Create: owner and resource come from the provider's variables (the create's defaults).
    let name = s.name("cloud");
    let key = s.json(&["create", &name, "--provider", &p, "--env", "prod"])["key"].clone();
    let id = key["provider_key_id"].as_str().expect("id").to_owned();
    let remote = confluent_key(&sim, &id).expect("created at the service");
    assert_eq!(remote.user, "sa-keyshelf");
    let keyref = format!("{p}/{name}");
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(remote.api_key.as_str())
    );
    // The service accepts the key only as Basic id:secret: a passing verify shows both were sent.
    let v = s.json(&["verify", &keyref]);
    assert_eq!(v["ok"], true, "{v}");

    // Rotation verifies the new key with its own id, keeps the old one through the grace period.
    common::rotate_through_grace(&s, &keyref, || confluent_key(&sim, &id).is_some());
    s.json(&["verify", &keyref]);

    s.json(&["delete", &keyref, "--yes"]);
    assert_eq!(secret_tool_lookup(&keyref), None);
}

fn twilio_key(sim: &SimHandle, sid: &str) -> Option<SimKey> {
    sim.keys()
        .into_iter()
        .find(|k| format!("SK{:032x}", k.id) == sid)
}

#[test]
fn a_twilio_provider_creates_keys_by_form_and_verifies_them_on_the_rest_api_host() {
    let s = Shelf::new("preset-twilio");
    let sim = sim_with(TWILIO_ACCOUNT, 12);
    let p = s.name("tw");
    let account = TWILIO_ACCOUNT.split(':').next().unwrap();
    s.ok_in(
        &[
            "provider",
            "add",
            &p,
            "--preset",
            "twilio",
            "--base-url",
            &sim.url,
            "--set",
            &format!("account_sid={account}"),
            "--set",
            &format!("api_base_url={}", sim.url),
            "--set",
            "page_size=5",
            "--token-stdin",
        ],
        TWILIO_ACCOUNT,
    );
    let before = sim.stats().requests;
    let r = s.json(&["sync", "--provider", &p]);
    assert_eq!(r[0]["remote_keys"], 12, "{r}");
    assert_eq!(
        sim.stats().requests - before,
        3,
        "one request per page, by next_page_url"
    );
    let k = sim.keys()[5].clone();
    adopt(&s, &p, &k, &format!("SK{:032x}", k.id));

    // A Standard key: created by a form post, presented as SID:secret on the messages route.
    let name = s.name("sms");
    let key = s.json(&["create", &name, "--provider", &p, "--env", "prod"])["key"].clone();
    let sid = key["provider_key_id"].as_str().expect("sid").to_owned();
    assert!(sid.starts_with("SK"), "{sid}");
    let remote = twilio_key(&sim, &sid).expect("created at the service");
    assert_eq!(remote.api_key_name, name);
    let keyref = format!("{p}/{name}");
    assert_eq!(
        secret_tool_lookup(&keyref).as_deref(),
        Some(remote.api_key.as_str())
    );
    let v = s.json(&["verify", &keyref]);
    assert_eq!(
        v["url_path"],
        format!("/2010-04-01/Accounts/{account}/Messages.json")
    );

    // Restricted keys take their policy as JSON; one that may not read messages fails verify.
    let policy = s.home_path().join("policy.json");
    for (short, allow, works) in [
        ("reader", "/twilio/messaging/messages/read", true),
        ("voice", "/twilio/voice/calls/read", false),
    ] {
        std::fs::write(&policy, format!(r#"{{"allow":["{allow}"]}}"#)).unwrap();
        let name = s.name(short);
        let key = s.json(&[
            "create",
            &name,
            "--provider",
            &p,
            "--env",
            "dev",
            "--param",
            "key_type=restricted",
            "--param-file",
            &format!("policy={}", policy.display()),
        ])["key"]
            .clone();
        let sid = key["provider_key_id"].as_str().unwrap();
        assert_eq!(
            twilio_key(&sim, sid).unwrap().attrs["policy"]["allow"][0],
            allow
        );
        let out = s.run(&["verify", &format!("{p}/{name}"), "--json"]);
        assert_eq!(out.status.success(), works, "{}", stderr(&out));
    }

    // Rotate: the old key works until the grace period ends, then is deleted.
    common::rotate_through_grace(&s, &keyref, || twilio_key(&sim, &sid).is_some());
    s.json(&["verify", &keyref]);
    s.json(&["delete", &keyref, "--yes"]);
    assert_eq!(secret_tool_lookup(&keyref), None);
}
