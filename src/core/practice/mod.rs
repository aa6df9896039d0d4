//! The practice server: an X-compatible API on 127.0.0.1 for tests,
//! benchmarks and the app's practice mode. As strict as X: what X would
//! refuse, it refuses in X's shapes. It knows nothing of the client.
//!
//! Layout: [`edge`] (TCP front: shaping, going dark, dropped connections),
//! [`router`] (auth, rate limits, faults, latency, request log), then the
//! endpoints in [`oauth`], [`media`] (with [`command_form`], [`metadata`],
//! [`subtitles`]), [`posts`] and the test controls and inspection pages in
//! [`control`]. Request bodies ([`form`]) come in every shape X's spec
//! documents, files streamed to disk (base64 in JSON included).

mod command_form;
mod control;
mod edge;
mod form;
mod media;
mod metadata;
mod oauth;
mod pages;
mod posts;
mod processing;
mod reply;
mod router;
pub mod state;
mod subtitles;

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

pub use router::Endpoint;

/// The two registered practice apps.
pub const PUBLIC_CLIENT_ID: &str = "practice-public";
pub const CONFIDENTIAL_CLIENT_ID: &str = "practice-conf";
pub const CONFIDENTIAL_CLIENT_SECRET: &str = "practice-secret";

/// Everything `x-uploader practice-server` takes; tests build it directly.
#[derive(Debug, Clone)]
pub struct PracticeOptions {
    /// 0: any free port.
    pub port: u16,
    /// Registered on top of `http://127.0.0.1:8765/callback` … `:8769`.
    pub extra_redirect_uris: Vec<String>,
    pub latency_ms: u64,
    pub bandwidth_mbps: Option<f64>,
    pub processing_secs: f64,
    pub fault_rate: f64,
    pub seed: u64,
    pub max_body_bytes: Option<u64>,
    pub rate_limits: bool,
    pub single_grant: bool,
    pub auto_approve: bool,
    pub state_dir: Option<PathBuf>,
    /// Access token lifetime (X: 7200 s).
    pub token_lifetime_secs: u64,
}

impl Default for PracticeOptions {
    fn default() -> Self {
        PracticeOptions {
            port: 0,
            extra_redirect_uris: Vec::new(),
            latency_ms: 0,
            bandwidth_mbps: None,
            processing_secs: 3.0,
            fault_rate: 0.0,
            seed: 0,
            max_body_bytes: None,
            rate_limits: true,
            single_grant: false,
            auto_approve: false,
            state_dir: None,
            token_lifetime_secs: 7200,
        }
    }
}

/// The redirect URIs registered for both practice apps by default.
pub fn default_redirect_uris() -> Vec<String> {
    (8765..=8769)
        .map(|port| format!("http://127.0.0.1:{port}/callback"))
        .collect()
}

/// Settings that tests may change while the server runs.
#[derive(Debug, Clone)]
pub(crate) struct Tuning {
    pub latency_ms: u64,
    pub processing_secs: f64,
    pub fault_rate: f64,
    pub seed: u64,
    pub max_body_bytes: Option<u64>,
    pub rate_limits: bool,
    pub single_grant: bool,
    pub auto_approve: bool,
    pub token_lifetime_secs: u64,
    pub refuse_out_of_order: bool,
    /// Seconds added to the time in every `Date` header (a server whose
    /// clock differs from the client's).
    pub clock_skew_secs: i64,
    pub rate_limit_overrides: HashMap<Endpoint, u32>,
}

/// One planned failure of the next request to an endpoint.
#[derive(Debug, Clone)]
pub(crate) struct PlannedFailure {
    pub status: u16,
    pub body: String,
    pub content_type: String,
    /// Seconds from now for `x-rate-limit-reset` (429s).
    pub reset_in_secs: Option<u64>,
    /// Handle the request normally, then answer this instead (the client
    /// loses X's real answer: "did my post go out?").
    pub after_handling: bool,
    /// Requests to let through before this one fails ("fail the third post").
    pub skip: u32,
    /// Hold the request this long without answering, then drop it.
    pub stall_secs: Option<f64>,
    /// Wait this long, then answer as usual (a slow X, for races).
    pub delay_secs: Option<f64>,
}

/// A fault the server injected, for inspection.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct InjectedFault {
    pub endpoint: &'static str,
    pub media_ordinal: Option<u64>,
    pub segment_index: Option<u32>,
    pub attempt: u32,
    pub kind: String,
}

/// One answered request.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct RequestRecord {
    pub endpoint: &'static str,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// Unix time, seconds, when the request's head arrived.
    pub started_at: f64,
    /// Unix time, seconds, when the answer was written.
    pub finished_at: f64,
    pub body_bytes: u64,
    pub user: Option<String>,
    pub media_id: Option<String>,
    pub segment_index: Option<u32>,
}

pub(crate) struct Server {
    pub store: Mutex<state::Store>,
    pub tuning: Mutex<Tuning>,
    pub redirect_uris: Vec<String>,
    pub pending: Mutex<HashMap<String, oauth::PendingAuthorization>>,
    pub windows: Mutex<HashMap<(String, Endpoint), router::Window>>,
    pub planned: Mutex<HashMap<Endpoint, Vec<PlannedFailure>>>,
    pub injected: Mutex<Vec<InjectedFault>>,
    /// (media id, segment) → arrivals, for deterministic fault decisions.
    pub attempts: Mutex<HashMap<(String, u32), u32>>,
    /// media id → order of INITIALIZE on this server.
    pub media_ordinals: Mutex<HashMap<String, u64>>,
    /// "fail processing" without a media id: the next media created.
    pub next_processing_failure: Mutex<Option<String>>,
    pub log: Mutex<Vec<RequestRecord>>,
    pub edge: Arc<edge::Edge>,
    /// Where media files live (the state dir or a temporary one).
    pub root: PathBuf,
}

/// A running practice server. Dropping it stops it.
pub struct PracticeServer {
    base_url: String,
    public: SocketAddr,
    server: Arc<Server>,
    stopping: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    _tempdir: Option<tempfile::TempDir>,
}

impl PracticeServer {
    /// Start on 127.0.0.1 and return once it accepts requests.
    pub fn start(opts: PracticeOptions) -> std::io::Result<PracticeServer> {
        let listener = TcpListener::bind(("127.0.0.1", opts.port))?;
        let public = listener.local_addr()?;
        let base_url = format!("http://127.0.0.1:{}", public.port());

        let (dir, tempdir, persistent) = match &opts.state_dir {
            Some(dir) => (dir.clone(), None, true),
            None => {
                let tmp = tempfile::Builder::new()
                    .prefix("x-uploader-practice-")
                    .tempdir()?;
                (tmp.path().to_path_buf(), Some(tmp), false)
            }
        };
        let store = state::Store::open(dir.clone(), persistent)?;
        std::fs::create_dir_all(dir.join("spool"))?;

        let inner = tiny_http::Server::http("127.0.0.1:0").map_err(std::io::Error::other)?;
        let inner_addr = inner
            .server_addr()
            .to_ip()
            .ok_or_else(|| std::io::Error::other("no inner address"))?;
        let (edge, edge_thread) = edge::Edge::start(listener, inner_addr, opts.bandwidth_mbps);

        let mut redirect_uris = default_redirect_uris();
        redirect_uris.extend(opts.extra_redirect_uris.iter().cloned());
        let server = Arc::new(Server {
            store: Mutex::new(store),
            tuning: Mutex::new(Tuning {
                latency_ms: opts.latency_ms,
                processing_secs: opts.processing_secs,
                fault_rate: opts.fault_rate,
                seed: opts.seed,
                max_body_bytes: opts.max_body_bytes,
                rate_limits: opts.rate_limits,
                single_grant: opts.single_grant,
                auto_approve: opts.auto_approve,
                token_lifetime_secs: opts.token_lifetime_secs,
                refuse_out_of_order: false,
                clock_skew_secs: 0,
                rate_limit_overrides: HashMap::new(),
            }),
            redirect_uris,
            pending: Mutex::default(),
            windows: Mutex::default(),
            planned: Mutex::default(),
            injected: Mutex::default(),
            attempts: Mutex::default(),
            media_ordinals: Mutex::default(),
            next_processing_failure: Mutex::default(),
            log: Mutex::default(),
            edge,
            root: dir,
        });

        let inner = Arc::new(inner);
        let stopping = Arc::new(AtomicBool::new(false));
        let mut threads = vec![edge_thread];
        // Handlers sleep for latency and shaping: many workers keep parallel
        // uploads parallel.
        for i in 0..32 {
            let (inner, server, stopping) = (inner.clone(), server.clone(), stopping.clone());
            threads.push(
                thread::Builder::new()
                    .name(format!("practice-worker-{i}"))
                    .spawn(move || {
                        while !stopping.load(Ordering::SeqCst) {
                            match inner.recv_timeout(Duration::from_millis(100)) {
                                Ok(Some(request)) => {
                                    // A bug in one handler must not take a worker down.
                                    if crate::core::panic_guard::catching(|| {
                                        router::handle(&server, request)
                                    })
                                    .is_err()
                                    {
                                        tracing::error!("a practice server handler panicked");
                                    }
                                }
                                Ok(None) => {}
                                Err(_) => break,
                            }
                        }
                    })?,
            );
        }
        Ok(PracticeServer {
            base_url,
            public,
            server,
            stopping,
            threads,
            _tempdir: tempdir,
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn port(&self) -> u16 {
        self.public.port()
    }

    /// Stop serving and wait for the threads (state is saved as it changes).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        self.server.edge.stop(self.public);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for PracticeServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Lock a mutex, carrying on if another thread panicked while holding it
/// (the practice server keeps serving; its state is plain data).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Unix time in seconds.
pub(crate) fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// A random token: 43 URL-safe characters (256 bits), like X's.
pub(crate) fn random_token() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
