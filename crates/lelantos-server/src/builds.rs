//! The build queue and the `Builder` seam.
//!
//! A build is queued when its template is created. It waits for one of
//! `max_concurrent_builds` slots, then a [`Builder`] runs it while its logs stream into the
//! store line by line. Lint errors end a build at once, before any slot is taken. Every ending
//! (success, failure, cancel, timeout, interruption) goes through [`Store::finish_build`], where
//! the first ending wins.

use crate::now_ms;
use crate::store::{PendingBuild, Store};
use lelantos_api::lint::Severity;
use lelantos_api::validate::CheckedDockerfile;
use lelantos_api::{BuildReason, BuildStatus, Dockerfile, LogLevel};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// A boxed future, for object-safe async trait methods.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Everything a builder gets to know about a build.
pub struct BuildJob {
    /// Build id.
    pub build_id: String,
    /// Template id (also the image name a real builder should tag).
    pub template_id: String,
    /// The Dockerfile text.
    pub dockerfile: String,
    /// The parsed Dockerfile.
    pub parsed: Dockerfile,
    /// vCPUs of the template.
    pub cpu_count: u32,
    /// Memory of the template, MB.
    pub memory_mb: u32,
}

/// Why a build failed.
#[derive(Debug, Clone)]
pub struct BuildFailure {
    /// One human line (the wire `error`).
    pub error: String,
    /// Where it failed.
    pub reason: BuildReason,
}

impl BuildFailure {
    /// A failure whose reason's message is the error line itself.
    pub fn new(error: String, step: Option<String>, line: Option<u32>) -> BuildFailure {
        BuildFailure {
            reason: BuildReason {
                message: error.clone(),
                step,
                line,
            },
            error,
        }
    }
}

/// Writes a build's log lines to the store, in order.
pub struct LogSink {
    store: Store,
    build_id: String,
    next: AtomicU32,
}

impl LogSink {
    fn new(store: Store, build_id: String) -> std::io::Result<LogSink> {
        let next = store.log_count(&build_id).map_err(std::io::Error::other)?;
        Ok(LogSink {
            store,
            build_id,
            next: AtomicU32::new(next),
        })
    }

    /// Appends one line. Store failures are logged, not raised: losing a log line must not
    /// fail a build.
    pub fn log(&self, level: LogLevel, message: &str, step: Option<&str>) {
        let seq = self.next.fetch_add(1, Ordering::SeqCst);
        if let Err(e) = self
            .store
            .append_log(&self.build_id, seq, now_ms(), level, message, step)
        {
            tracing::warn!(build_id = %self.build_id, error = %e, "could not store a build log line");
        }
    }
}

/// Something that turns a Dockerfile into a template image.
pub trait Builder: Send + Sync + 'static {
    /// The name `/health` reports (`docker`, `dry-run`).
    fn name(&self) -> &'static str;

    /// Runs one build, streaming logs into `logs`. Must return soon after `cancel` fires.
    fn build<'a>(
        &'a self,
        job: &'a BuildJob,
        logs: &'a LogSink,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<(), BuildFailure>>;
}

/// Parses and lints only; never builds an image.
pub struct DryRunBuilder {
    /// Pause after each step's log line (lets a UI show progress; 0 in tests and benchmarks).
    pub step_delay: Duration,
}

impl Builder for DryRunBuilder {
    fn name(&self) -> &'static str {
        "dry-run"
    }

    fn build<'a>(
        &'a self,
        job: &'a BuildJob,
        logs: &'a LogSink,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<(), BuildFailure>> {
        Box::pin(async move {
            let total = job.parsed.instructions.len();
            let stages = job.parsed.stages().count();
            logs.log(
                LogLevel::Info,
                &format!("dry-run builder: checking {total} instructions in {stages} stage(s)"),
                None,
            );
            for (i, ins) in job.parsed.instructions.iter().enumerate() {
                let step = format!("[{}/{}] {}", i + 1, total, ellipsize(ins.first_line(), 80));
                logs.log(
                    LogLevel::Info,
                    &format!("line {}: {}", ins.line, ins.keyword),
                    Some(&step),
                );
                if !self.step_delay.is_zero() {
                    tokio::select! {
                        _ = tokio::time::sleep(self.step_delay) => {}
                        _ = cancel.cancelled() => {}
                    }
                }
                if cancel.is_cancelled() {
                    return Err(BuildFailure::new(
                        "build cancelled".into(),
                        Some(step),
                        Some(ins.line as u32),
                    ));
                }
            }
            logs.log(
                LogLevel::Info,
                "validated; no image built (dry-run builder)",
                None,
            );
            Ok(())
        })
    }
}

/// `s` cut to at most `max` characters, with `…` when cut.
pub(crate) fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// Build queue settings.
#[derive(Debug, Clone)]
pub struct QueueConfig {
    /// Builds running at once.
    pub max_concurrent: usize,
    /// Longest a build may run.
    pub timeout: Duration,
    /// Send Dockerfiles with lint errors to the builder anyway (testing only).
    pub build_lint_errors: bool,
}

/// Runs builds with bounded concurrency. Cheap to clone.
#[derive(Clone)]
pub struct BuildQueue {
    inner: Arc<QueueInner>,
}

struct QueueInner {
    store: Store,
    builder: Arc<dyn Builder>,
    slots: Semaphore,
    config: QueueConfig,
    tokens: Mutex<HashMap<String, CancellationToken>>,
    tasks: tokio_util::task::TaskTracker,
}

const INTERRUPTED: &str = "build interrupted: the server stopped while it was running; create the template again to rebuild";
const CANCELLED: &str = "build cancelled";

/// Ends a still-building build as `error`, with `message` as both `error` and reason.
fn fail(store: &Store, build_id: &str, message: &str) -> Result<bool, crate::store::StoreError> {
    let reason = BuildReason {
        message: message.into(),
        step: None,
        line: None,
    };
    store.finish_build(
        build_id,
        BuildStatus::Error,
        Some(message),
        Some(&reason),
        now_ms(),
    )
}

impl BuildQueue {
    /// A queue running builds through `builder`.
    pub fn new(store: Store, builder: Arc<dyn Builder>, config: QueueConfig) -> BuildQueue {
        BuildQueue {
            inner: Arc::new(QueueInner {
                store,
                builder,
                slots: Semaphore::new(config.max_concurrent.max(1)),
                config,
                tokens: Mutex::new(HashMap::new()),
                tasks: tokio_util::task::TaskTracker::new(),
            }),
        }
    }

    /// The builder's name.
    pub fn builder_name(&self) -> &'static str {
        self.inner.builder.name()
    }

    /// Queues a build whose Dockerfile was already checked.
    pub fn submit(&self, job: BuildJob, checked: &CheckedDockerfile) {
        let this = self.clone();
        let token = CancellationToken::new();
        self.tokens().insert(job.build_id.clone(), token.clone());
        let lint: Vec<_> = checked.diagnostics.clone();
        self.inner.tasks.spawn(async move {
            let build_id = job.build_id.clone();
            this.run(job, lint, token).await;
            this.tokens().remove(&build_id);
        });
    }

    /// Ends the build as cancelled (if it is still building) and stops its builder.
    /// Returns whether this call ended it.
    pub fn cancel(&self, build_id: &str) -> Result<bool, crate::store::StoreError> {
        let ended = self.inner.store.finish_build(
            build_id,
            BuildStatus::Error,
            Some(CANCELLED),
            Some(&BuildReason {
                message: "the build was cancelled through the API".into(),
                step: None,
                line: None,
            }),
            now_ms(),
        )?;
        if let Some(t) = self.tokens().get(build_id) {
            t.cancel();
        }
        Ok(ended)
    }

    /// After a restart: queue again the builds that never started, and end as interrupted
    /// those that were running.
    pub fn recover(&self) -> Result<(usize, usize), crate::store::StoreError> {
        let (queued, running) = self.inner.store.unfinished_builds()?;
        for id in &running {
            fail(&self.inner.store, id, INTERRUPTED)?;
        }
        let requeued = queued.len();
        for PendingBuild {
            build_id,
            template_id,
            dockerfile,
            cpu_count,
            memory_mb,
        } in queued
        {
            match lelantos_api::validate::dockerfile(&dockerfile) {
                Ok(checked) => self.submit(
                    BuildJob {
                        build_id,
                        template_id,
                        parsed: checked.parsed.clone(),
                        dockerfile,
                        cpu_count,
                        memory_mb,
                    },
                    &checked,
                ),
                Err(msg) => {
                    fail(&self.inner.store, &build_id, &msg)?;
                }
            }
        }
        Ok((requeued, running.len()))
    }

    /// Stops taking builds, cancels running ones and waits (up to `grace`) for them to end;
    /// what is still running is ended as interrupted.
    pub async fn shutdown(&self, grace: Duration) {
        self.inner.slots.close();
        // Running builds end as interrupted; queued ones stay queued for the next start.
        match self.inner.store.unfinished_builds() {
            Ok((_, running)) => {
                for id in running {
                    if let Err(e) = fail(&self.inner.store, &id, INTERRUPTED) {
                        tracing::error!(build_id = %id, error = %e, "cannot end a build at shutdown");
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot list unfinished builds at shutdown"),
        }
        for token in self.tokens().values() {
            token.cancel();
        }
        self.inner.tasks.close();
        let _ = tokio::time::timeout(grace, self.inner.tasks.wait()).await;
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, CancellationToken>> {
        self.inner.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn run(
        &self,
        job: BuildJob,
        lint: Vec<lelantos_api::Diagnostic>,
        token: CancellationToken,
    ) {
        let store = &self.inner.store;
        let logs = match LogSink::new(store.clone(), job.build_id.clone()) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(build_id = %job.build_id, error = %e, "cannot open build log");
                return;
            }
        };
        let finish = |status: BuildStatus, failure: Option<&BuildFailure>| {
            if let Err(e) = store.finish_build(
                &job.build_id,
                status,
                failure.map(|f| f.error.as_str()),
                failure.map(|f| &f.reason),
                now_ms(),
            ) {
                tracing::error!(build_id = %job.build_id, error = %e, "cannot store build result");
            }
        };

        for d in &lint {
            let level = match d.severity {
                Severity::Error => LogLevel::Error,
                Severity::Warning => LogLevel::Warn,
            };
            logs.log(
                level,
                &format!("line {}: {} [{}]", d.line, d.message, d.rule),
                None,
            );
        }
        if !self.inner.config.build_lint_errors {
            if let Some(d) = lint.iter().find(|d| d.severity == Severity::Error) {
                let error = format!("Dockerfile line {}: {}", d.line, d.message);
                let failure = BuildFailure {
                    error,
                    reason: BuildReason {
                        message: d.message.clone(),
                        step: None,
                        line: Some(d.line as u32),
                    },
                };
                logs.log(
                    LogLevel::Error,
                    "build stopped before it started: fix the lint error above",
                    None,
                );
                finish(BuildStatus::Error, Some(&failure));
                return;
            }
        }

        logs.log(LogLevel::Info, "queued: waiting for a build slot", None);
        let permit = tokio::select! {
            p = self.inner.slots.acquire() => match p {
                Ok(p) => p,
                Err(_) => return, // shutting down; recovery queues it again
            },
            _ = token.cancelled() => return, // `cancel` already stored the ending
        };
        match store.mark_running(&job.build_id) {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::error!(build_id = %job.build_id, error = %e, "cannot mark build running");
                return;
            }
        }
        logs.log(
            LogLevel::Info,
            &format!("build started ({} builder)", self.inner.builder.name()),
            None,
        );
        let timeout = self.inner.config.timeout;
        let result = tokio::time::timeout(
            timeout,
            self.inner.builder.build(&job, &logs, token.clone()),
        )
        .await;
        // The slot is held until the result is stored, so "running" never exceeds the bound.
        let _permit = permit;
        match result {
            _ if token.is_cancelled() => {
                logs.log(
                    LogLevel::Error,
                    "build stopped (cancelled, or the server is shutting down)",
                    None,
                );
            }
            Ok(Ok(())) => {
                logs.log(LogLevel::Info, "build finished: ready", None);
                finish(BuildStatus::Ready, None);
            }
            Ok(Err(f)) => {
                logs.log(LogLevel::Error, &f.error, f.reason.step.as_deref());
                finish(BuildStatus::Error, Some(&f));
            }
            Err(_) => {
                token.cancel();
                let msg = format!(
                    "build timed out after {} s (the server's --build-timeout)",
                    timeout.as_secs()
                );
                logs.log(LogLevel::Error, &msg, None);
                finish(
                    BuildStatus::Error,
                    Some(&BuildFailure {
                        error: msg.clone(),
                        reason: BuildReason {
                            message: msg,
                            step: None,
                            line: None,
                        },
                    }),
                );
            }
        }
    }
}
