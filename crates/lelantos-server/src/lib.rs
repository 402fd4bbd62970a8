//! The local Lelantos API server: templates, builds and sandboxes over HTTP, stored in SQLite.
//!
//! [`start`] opens the data dir, recovers unfinished builds, binds the listener and serves
//! until [`Running::shutdown`]. The `lelantos-server` binary is a thin CLI around it.
#![deny(missing_docs)]

pub mod api;
pub mod auth;
pub mod builds;
pub mod docker;
pub mod error;
pub mod limit;
pub mod runtime;
pub mod store;

use builds::{BuildQueue, Builder, DryRunBuilder, QueueConfig};
use runtime::{RecordsOnly, Runtime};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use tokio_util::sync::CancellationToken;

/// Server version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// `clientID` of sandboxes (the node that runs them).
pub const CLIENT_ID: &str = "local";
/// `envdVersion` of sandboxes.
pub const ENVD_VERSION: &str = concat!("local-", env!("CARGO_PKG_VERSION"));

/// Which builder to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuilderChoice {
    /// Docker when an engine answers, otherwise dry-run.
    Auto,
    /// BuildKit through a Docker engine.
    Docker,
    /// Parse and lint only.
    DryRun,
}

/// Server settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Folder for the SQLite database.
    pub data_dir: PathBuf,
    /// Builder selection.
    pub builder: BuilderChoice,
    /// API keys to accept (stored hashed). With none given and none stored, a key is
    /// generated on first start.
    pub api_keys: Vec<String>,
    /// Issue (and print) one more key on this start, e.g. when the first one was lost.
    pub new_key: bool,
    /// Requests per second per API key (0 = unlimited); over it the API answers 429.
    pub rate_limit: u32,
    /// Builds running at once.
    pub max_concurrent_builds: usize,
    /// Longest a build may run.
    pub build_timeout: Duration,
    /// How often the reaper looks for sandboxes past their timeout.
    pub reaper_interval: Duration,
    /// Pause per step in the dry-run builder.
    pub dry_run_step_delay: Duration,
    /// Testing only: send Dockerfiles with lint errors to the builder anyway.
    pub build_lint_errors: bool,
    /// Folder with the console's built files (`index.html` …), served under `/console/`.
    pub console_dir: Option<PathBuf>,
    /// Network mode of builds and sandboxes on the Docker engine (`none`, `bridge`, …).
    pub network: String,
}

impl Config {
    /// Defaults for `data_dir`, listening on `listen`.
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> Config {
        Config {
            listen,
            data_dir,
            builder: BuilderChoice::Auto,
            api_keys: Vec::new(),
            new_key: false,
            rate_limit: 0,
            max_concurrent_builds: 2,
            build_timeout: Duration::from_secs(1800),
            reaper_interval: Duration::from_secs(1),
            dry_run_step_delay: Duration::ZERO,
            build_lint_errors: false,
            console_dir: None,
            network: "none".into(),
        }
    }
}

/// Shared handler state.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Store,
    /// Known API keys.
    pub keys: auth::Keys,
    /// The build queue.
    pub queue: BuildQueue,
    /// Warnings for `/health`.
    pub warnings: Arc<Vec<String>>,
    /// Per-key request limit.
    pub limiter: Arc<limit::RateLimiter>,
    /// What runs sandboxes.
    pub runtime: Arc<dyn Runtime>,
}

/// A running server.
pub struct Running {
    /// The bound address.
    pub addr: SocketAddr,
    /// The key generated on this start, if one was (print it once; only its hash is kept).
    pub generated_key: Option<String>,
    /// The builder in use.
    pub builder: &'static str,
    /// Warnings about the setup (also in `/health`).
    pub warnings: Vec<String>,
    /// Builds queued again / ended as interrupted at start-up.
    pub recovered: (usize, usize),
    /// Whether the console is served under `/console/`.
    pub console: bool,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting requests, lets in-flight ones finish, ends running builds, and returns.
    pub async fn shutdown(self) -> std::io::Result<()> {
        self.stop.cancel();
        self.wait().await
    }

    /// Waits until the server has stopped (after [`Running::stop_token`] fires).
    pub async fn wait(self) -> std::io::Result<()> {
        self.task.await.map_err(std::io::Error::other)?
    }

    /// A token that stops the server when cancelled.
    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }
}

/// Why the server could not start.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// Opens the store, sets up keys and the builder, recovers builds and starts serving.
pub async fn start(config: Config) -> Result<Running, StartError> {
    let store = Store::open(&config.data_dir).map_err(|e| StartError(e.to_string()))?;

    let mut generated_key = None;
    for key in &config.api_keys {
        auth::check_key_shape(key)
            .map_err(|m| StartError(format!("--api-key / LELANTOS_API_KEY: {m}")))?;
        store
            .add_key_hash(&auth::hash_key(key), now_ms())
            .map_err(|e| StartError(e.to_string()))?;
    }
    if config.new_key
        || (config.api_keys.is_empty()
            && store
                .key_hashes()
                .map_err(|e| StartError(e.to_string()))?
                .is_empty())
    {
        let key = auth::generate_key();
        store
            .add_key_hash(&auth::hash_key(&key), now_ms())
            .map_err(|e| StartError(e.to_string()))?;
        generated_key = Some(key);
    }
    let keys = auth::Keys::default();
    keys.set(store.key_hashes().map_err(|e| StartError(e.to_string()))?);

    let mut warnings = Vec::new();
    let engine = match config.builder {
        BuilderChoice::DryRun => None,
        BuilderChoice::Docker => Some(Arc::new(
            docker::Engine::connect(&config.network)
                .await
                .map_err(|e| StartError(format!("--builder docker: {e}")))?,
        )),
        BuilderChoice::Auto => match docker::Engine::connect(&config.network).await {
            Ok(engine) => Some(Arc::new(engine)),
            Err(e) => {
                warnings.push(format!(
                    "{e}; using the dry-run builder. For real builds start a Docker engine (scripts/run does on Debian as root) and restart"
                ));
                None
            }
        },
    };
    let (builder, runtime): (Arc<dyn Builder>, Arc<dyn Runtime>) = match engine {
        Some(engine) => (engine.clone(), engine),
        None => {
            warnings.push(
                "dry-run builder: Dockerfiles are parsed and linted, no image is built, sandboxes are records only".into(),
            );
            (
                Arc::new(DryRunBuilder {
                    step_delay: config.dry_run_step_delay,
                }),
                Arc::new(RecordsOnly),
            )
        }
    };
    let builder_name = builder.name();
    let queue = BuildQueue::new(
        store.clone(),
        builder,
        QueueConfig {
            max_concurrent: config.max_concurrent_builds,
            timeout: config.build_timeout,
            build_lint_errors: config.build_lint_errors,
        },
    );
    let recovered = queue.recover().map_err(|e| StartError(e.to_string()))?;

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| StartError(format!("cannot listen on {}: {e}", config.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError(e.to_string()))?;

    let state = AppState {
        store: store.clone(),
        keys,
        queue: queue.clone(),
        warnings: Arc::new(warnings.clone()),
        limiter: Arc::new(limit::RateLimiter::new(config.rate_limit)),
        runtime: runtime.clone(),
    };
    let console_dir = config
        .console_dir
        .filter(|d| d.join("index.html").is_file());
    let console = console_dir.is_some();
    let app = api::router(state, console_dir.as_deref()).layer(cors());

    let stop = CancellationToken::new();
    let reaper = tokio::spawn(reap(store, runtime, config.reaper_interval, stop.clone()));
    let stop2 = stop.clone();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(stop2.clone().cancelled_owned())
            .await;
        stop2.cancel();
        let _ = reaper.await;
        queue.shutdown(Duration::from_secs(5)).await;
        served
    });

    Ok(Running {
        addr,
        generated_key,
        builder: builder_name,
        warnings,
        recovered,
        console,
        stop,
        task,
    })
}

fn cors() -> tower_http::cors::CorsLayer {
    use axum::http::{header, HeaderName, Method};
    tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allow_headers([HeaderName::from_static("x-api-key"), header::CONTENT_TYPE])
        .expose_headers([HeaderName::from_static("x-next-token"), header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
}

async fn reap(store: Store, runtime: Arc<dyn Runtime>, every: Duration, stop: CancellationToken) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut ticks: u64 = 0;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.cancelled() => return,
        }
        ticks += 1;
        match store.reap_sandboxes(now_ms()) {
            Ok(ended) if !ended.is_empty() => {
                tracing::info!(count = ended.len(), "stopping sandboxes past their timeout");
                for (sandbox_id, template_id) in ended {
                    if let Err(e) = runtime.stop(&sandbox_id).await {
                        tracing::error!(%sandbox_id, error = %e, "could not stop a sandbox");
                    }
                    release_image(&store, runtime.as_ref(), &template_id).await;
                }
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "reaper failed"),
        }
        // About every 2 s: sandboxes whose process ended by itself are `stopped` too.
        if ticks % (2000 / every.as_millis().clamp(1, 2000) as u64).max(1) == 0 {
            sync_ended(&store, runtime.as_ref()).await;
        }
    }
}

/// Marks `stopped` the running sandboxes whose process ended (or whose container went away)
/// and cleans up after them.
async fn sync_ended(store: &Store, runtime: &dyn Runtime) {
    let ids = match store.running_sandbox_ids() {
        Ok(ids) if !ids.is_empty() => ids,
        Ok(_) => return,
        Err(e) => return tracing::error!(error = %e, "cannot list running sandboxes"),
    };
    for sandbox_id in runtime.ended(&ids).await.unwrap_or_default() {
        match store.sandbox_exited(&sandbox_id, now_ms()) {
            Ok(Some(template_id)) => {
                tracing::info!(%sandbox_id, "sandbox process ended: marked stopped");
                if let Err(e) = runtime.stop(&sandbox_id).await {
                    tracing::warn!(%sandbox_id, error = %e, "could not remove an ended sandbox");
                }
                release_image(store, runtime, &template_id).await;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(%sandbox_id, error = %e, "cannot mark a sandbox stopped"),
        }
    }
}

/// Removes a template's image once neither the template nor a running sandbox needs it.
pub async fn release_image(store: &Store, runtime: &dyn Runtime, template_id: &str) {
    match store.image_in_use(template_id) {
        Ok(false) => runtime.remove_image(template_id).await,
        Ok(true) => {}
        Err(e) => {
            tracing::error!(%template_id, error = %e, "cannot tell whether an image is in use")
        }
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).expect("the OS random source works");
    b
}

/// `len` random characters of `a-z0-9` (unbiased).
pub fn random_id(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in random_bytes::<64>() {
            // 252 = 7 * 36: reject the top values to stay unbiased.
            if b < 252 && out.len() < len {
                out.push(ALPHABET[(b % 36) as usize] as char);
            }
        }
    }
    out
}

/// A random UUID (version 4), lower-case hyphenated.
pub fn uuid_v4() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
