//! `lelantos-server`: the local Lelantos API.

use clap::{Parser, ValueEnum};
use lelantos_server::{start, BuilderChoice, Config};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum BuilderArg {
    Auto,
    Docker,
    DryRun,
}

/// The local Lelantos API: build templates from Dockerfiles and start sandboxes from them.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "LELANTOS_LISTEN", default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// Folder for the SQLite database.
    #[arg(long, env = "LELANTOS_DATA_DIR", default_value = "./.lelantos")]
    data_dir: PathBuf,
    /// Image builder: docker (BuildKit through a Docker engine: DOCKER_HOST or the default socket), dry-run (parse + lint only, sandboxes are records), auto (docker when an engine answers, else dry-run).
    #[arg(long, env = "LELANTOS_BUILDER", value_enum, default_value = "auto")]
    builder: BuilderArg,
    /// API key to accept (lel_…). Without it, a key is generated on first start and printed once.
    #[arg(long, env = "LELANTOS_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Issue one more API key and print it (for when the first one was lost).
    #[arg(long)]
    new_key: bool,
    /// Requests per second per API key; beyond it the API answers 429 with Retry-After (0 = no limit).
    #[arg(long, env = "LELANTOS_RATE_LIMIT", default_value_t = 0)]
    rate_limit: u32,
    /// Builds running at once.
    #[arg(long, env = "LELANTOS_MAX_CONCURRENT_BUILDS", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    max_concurrent_builds: u16,
    /// Longest a build may run, in seconds.
    #[arg(long, env = "LELANTOS_BUILD_TIMEOUT", default_value_t = 1800, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    build_timeout: u64,
    /// How often the reaper stops sandboxes past their timeout, in milliseconds.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    reaper_interval_ms: u64,
    /// Pause after each step of a dry-run build, in milliseconds (to watch progress in a UI).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    dry_run_step_delay_ms: u64,
    /// Folder of the built console (dist/console); served under /console/ when it has an index.html.
    #[arg(long, env = "LELANTOS_CONSOLE_DIR")]
    console_dir: Option<PathBuf>,
    /// Network mode of builds and sandboxes on the Docker engine: none (default; no network), bridge, host, or a network's name.
    #[arg(long, env = "LELANTOS_NETWORK", default_value = "none")]
    network: String,
    /// Testing only: send Dockerfiles with lint errors to the builder instead of failing them at once.
    #[arg(long, hide = true)]
    build_lint_errors: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LELANTOS_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> ExitCode {
    let mut config = Config::new(cli.listen, cli.data_dir.clone());
    config.builder = match cli.builder {
        BuilderArg::Auto => BuilderChoice::Auto,
        BuilderArg::Docker => BuilderChoice::Docker,
        BuilderArg::DryRun => BuilderChoice::DryRun,
    };
    let given_key = cli.api_key.as_deref().is_some_and(|k| !k.is_empty());
    let cli_key = cli.api_key.clone().filter(|k| !k.is_empty());
    config.api_keys = cli.api_key.filter(|k| !k.is_empty()).into_iter().collect();
    config.new_key = cli.new_key;
    config.rate_limit = cli.rate_limit;
    config.max_concurrent_builds = cli.max_concurrent_builds.into();
    config.build_timeout = Duration::from_secs(cli.build_timeout);
    config.reaper_interval = Duration::from_millis(cli.reaper_interval_ms);
    config.dry_run_step_delay = Duration::from_millis(cli.dry_run_step_delay_ms);
    config.build_lint_errors = cli.build_lint_errors;
    config.network = cli.network.clone();
    config.console_dir = cli.console_dir.clone();
    let known_key = cli_key.clone();

    let running = match start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let base = format!("http://{}", running.addr);
    println!(
        "Lelantos API listening on {base}  (builder: {})",
        running.builder
    );
    for w in &running.warnings {
        println!("warning: {w}");
    }
    println!("data: {}", cli.data_dir.join("lelantos.db").display());
    let (requeued, interrupted) = running.recovered;
    if requeued + interrupted > 0 {
        println!("recovered after restart: {requeued} queued build(s) resumed, {interrupted} interrupted build(s) marked error");
    }
    if let Some(key) = &running.generated_key {
        println!("API key (shown once; only its hash is stored): {key}");
        println!("try: curl -H 'X-API-Key: {key}' {base}/templates");
    } else if given_key {
        println!("API key: the one given by --api-key / LELANTOS_API_KEY (plus any stored before)");
    } else {
        println!("API keys: using the keys stored in the data dir (lost yours? restart with --new-key to get another)");
    }

    if running.console {
        match running.generated_key.as_ref().or(known_key.as_ref()) {
            Some(key) => println!("console: {base}/console/#key={key}"),
            None => println!("console: {base}/console/ (connect with your API key)"),
        }
    } else if let Some(dir) = &cli.console_dir {
        println!(
            "warning: no console at {} (build it with scripts/run or trunk build)",
            dir.display()
        );
    }
    let stop = running.stop_token();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        stop.cancel();
    });
    match running.wait().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
