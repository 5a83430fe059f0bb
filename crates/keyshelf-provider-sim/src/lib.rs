//! A provider's key-management API on loopback, for Keyshelf's tests, demo and benchmarks.
//!
//! It implements seed 004's endpoints (`/api-keys…`, `/api-usage-logs`), accepts a key under
//! every presentation scheme of the seeds on its verify routes (`GET /api-routes-data`, seed 004,
//! and `GET /api/v1/users/me`, seed 002), issues OAuth2 client-credentials tokens
//! (`POST /oauth/token`, seed 002), enforces plan key limits (free 2, professional 10, enterprise
//! unlimited) and an optional rate limit (429 + `Retry-After`), and answers with faults on demand
//! (latency, 500, 429, malformed JSON, truncated or oversized bodies).
//!
//! Hostile answers, for the tests that treat what a provider sends as untrusted (each a
//! [`Faults`] field): a generated value of the test's choosing (`issued_value`), verify answers
//! that echo the presented key and the management credentials (`verify_echo`), a token route
//! that echoes the client secret alone (`token_echo`), and an id of the test's choosing for the
//! newest key (`shown_id`: `..`, control characters), a usage route that answers 404 or 501
//! (`usage_status`: a provider without usage logs), and a key list in pages linked by RFC 8288
//! `Link` headers (`page_size`).
//!
//! Errors use each seed's body: management routes seed 004's `{"success":false,"message"}`,
//! verify routes seed 001's `{"error":{"code","message","request_id"}}`, the token route seed
//! 002's `{"error","error_description"}`.
//!
//! It also speaks GitLab's personal-access-token API under `/api/v4` (the `gitlab` preset; see
//! `gitlab.rs`; project and group access tokens: `gitlab_scoped.rs`) and Cloudflare's user API tokens under `/client/v4` (`cloudflare`; see
//! `cloudflare.rs`) and OpenAI's admin API keys under `/v1/organization` (`openai`; see
//! `openai.rs`) and Anthropic's Admin API keys under `/v1/organizations` (`anthropic`; see
//! `anthropic.rs`), Datadog's API keys under `/api/v2` (`datadog`; see `datadog.rs`) and the current user's application keys (`datadog-application-keys`; `datadog_app_keys.rs`), SendGrid's
//! under `/v3` (`sendgrid`; see `sendgrid.rs`), Confluent Cloud's under `/iam/v2` (`confluent`;
//! see `confluent.rs`) and Twilio's under `/v1/Keys` (`twilio`; see `twilio.rs`), over the same
//! keys.
//!
//! Test hooks live under `/_sim/`: `GET /_sim/keys` (state, values included: this is a
//! simulator), `GET /_sim/stats`, `POST /_sim/faults` (a [`Faults`] JSON), `POST /_sim/plan`,
//! `POST /_sim/revoke-tokens`.

mod anthropic;
mod anthropic_usage;
mod cloudflare;
mod confluent;
mod datadog;
mod datadog_app_keys;
mod gitlab;
mod gitlab_scoped;
mod openai;
mod openai_projects;
mod routes;
mod sendgrid;
pub mod state;
mod twilio;

pub use state::{Config, Envelope, Faults, Plan, SimKey, Stats, TokenUse};

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// The shared state of a running simulator.
pub type Shared = Arc<Mutex<state::Sim>>;

/// A simulator serving on a thread of its own (for tests and benchmarks in synchronous code).
pub struct SimHandle {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub state: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SimHandle {
    /// Changes the faults at run time.
    pub fn set_faults(&self, faults: Faults) {
        state::lock(&self.state).faults = faults;
    }

    /// A copy of the keys the provider holds.
    pub fn keys(&self) -> Vec<SimKey> {
        state::lock(&self.state).keys.clone()
    }

    /// Counters of what the simulator served.
    pub fn stats(&self) -> Stats {
        state::lock(&self.state).stats.clone()
    }

    /// Runs `f` on the state (set the plan, revoke tokens, edit keys…).
    pub fn with<T>(&self, f: impl FnOnce(&mut state::Sim) -> T) -> T {
        f(&mut state::lock(&self.state))
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Builds the shared state for `config`.
pub fn new_state(config: Config) -> Shared {
    Arc::new(Mutex::new(state::Sim::new(config)))
}

/// The router, for embedding in an existing runtime.
pub fn router(state: Shared) -> axum::Router {
    routes::router(state)
}

/// Serves `state` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Shared,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Starts a simulator on `127.0.0.1:port` (0: any free port) on a thread with its own runtime.
pub fn spawn(config: Config, port: u16) -> std::io::Result<SimHandle> {
    let state = new_state(config);
    let std_listener = std::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let served = state.clone();
    let thread = std::thread::spawn(move || {
        runtime.block_on(async move {
            match tokio::net::TcpListener::from_std(std_listener) {
                Ok(listener) => {
                    let _ = serve(listener, served, async {
                        let _ = rx.await;
                    })
                    .await;
                }
                Err(e) => eprintln!("keyshelf-provider-sim: {e}"),
            }
        });
    });
    Ok(SimHandle {
        url: format!("http://{addr}"),
        state,
        shutdown: Some(tx),
        thread: Some(thread),
    })
}
