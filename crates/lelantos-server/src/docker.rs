//! Real builds and sandboxes through a Docker engine (Engine API via `bollard`).
//!
//! - Builds go to BuildKit (`/build` with `version=2` and a session), with the Dockerfile as
//!   the only file of the context, `pull` off and the configured network mode. BuildKit's
//!   status stream becomes the build's log: one line per step started, every output line of
//!   a step under that step's name, and the engine's own error text.
//! - Cancelling (or a timeout, or shutdown) drops the request: the engine then cancels the
//!   solve, which stops the step's processes.
//! - Sandboxes are containers of the template's image with `cpuCount` and `memoryMB` as hard
//!   limits (`NanoCpus`, `Memory` = `MemorySwap`), the env vars, labels, and the network mode.

use crate::builds::{ellipsize, BoxFuture, BuildFailure, BuildJob, Builder, LogSink};
use crate::runtime::{Runtime, SandboxSpec};
use bollard::models::{BuildInfo, BuildInfoAux, ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    BuildImageOptions, BuilderVersion, CreateContainerOptions, ListContainersOptions,
    RemoveContainerOptions, RemoveImageOptions,
};
use bollard::Docker;
use futures_util::StreamExt;
use lelantos_api::{BuildReason, Dockerfile, Instruction, LogLevel};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// A Docker engine that answered.
pub struct Engine {
    docker: Docker,
    network: String,
    version: String,
    /// Whether the engine's built-in Dockerfile frontend reads heredocs (Docker 23+, API 1.42+).
    heredocs: bool,
}

/// The image a template's build produces.
pub fn image_of(template_id: &str) -> String {
    format!("lelantos/{template_id}:latest")
}

/// The container name of a sandbox.
pub fn container_of(sandbox_id: &str) -> String {
    format!("lelantos-{sandbox_id}")
}

impl Engine {
    /// Connects to `DOCKER_HOST` or the default socket and checks that the engine answers.
    /// `network` is the network mode of builds and sandboxes (`none`, `bridge`, `host` …).
    pub async fn connect(network: &str) -> Result<Engine, String> {
        let at = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "/var/run/docker.sock".into());
        let unreachable =
            |e: &dyn std::fmt::Display| format!("no Docker engine answers at {at}: {e}");
        let docker = Docker::connect_with_defaults().map_err(|e| unreachable(&e))?;
        let version = tokio::time::timeout(Duration::from_secs(5), docker.version())
            .await
            .map_err(|_| unreachable(&"no answer within 5 s"))?
            .map_err(|e| unreachable(&e))?;
        let api: Vec<u32> = version
            .api_version
            .as_deref()
            .unwrap_or("0.0")
            .split('.')
            .map(|p| p.parse().unwrap_or(0))
            .collect();
        Ok(Engine {
            docker,
            network: network.to_string(),
            version: version.version.unwrap_or_else(|| "unknown".into()),
            heredocs: api >= vec![1, 42],
        })
    }

    /// The engine's version.
    pub fn version(&self) -> &str {
        &self.version
    }

    async fn build_image(
        &self,
        job: &BuildJob,
        logs: &LogSink,
        cancel: CancellationToken,
    ) -> Result<(), BuildFailure> {
        let image = image_of(&job.template_id);
        let mut dockerfile = std::borrow::Cow::Borrowed(job.dockerfile.as_str());
        if !self.heredocs {
            if let Some(rewritten) = without_heredocs(&job.dockerfile, &job.parsed)
                .map_err(|m| BuildFailure::new(m.1, None, Some(m.0 as u32)))?
            {
                logs.log(
                    LogLevel::Info,
                    &format!(
                        "Docker {}'s built-in Dockerfile frontend predates heredocs: each RUN heredoc is passed to the shell as its script (same lines, same steps)",
                        self.version
                    ),
                    None,
                );
                dockerfile = std::borrow::Cow::Owned(rewritten);
            }
        }
        let context = context_tar_gz(&dockerfile).map_err(|e| {
            BuildFailure::new(format!("cannot pack the build context: {e}"), None, None)
        })?;
        let options = BuildImageOptions {
            dockerfile: "Dockerfile".into(),
            t: Some(image.clone()),
            rm: true,
            forcerm: true,
            networkmode: Some(self.network.clone()),
            labels: Some(HashMap::from([
                ("lelantos.template".to_string(), job.template_id.clone()),
                ("lelantos.build".to_string(), job.build_id.clone()),
            ])),
            version: BuilderVersion::BuilderBuildKit,
            session: Some(job.build_id.clone()),
            ..Default::default()
        };
        logs.log(
            LogLevel::Info,
            &format!(
                "BuildKit on Docker {} (network {})",
                self.version, self.network
            ),
            None,
        );
        let mut stream =
            self.docker
                .build_image(options, None, Some(bollard::body_full(context.into())));
        let mut progress = Progress::new(&job.parsed);
        loop {
            let item = tokio::select! {
                item = stream.next() => item,
                // Dropping the stream closes the request; the engine cancels the solve.
                _ = cancel.cancelled() => return Err(BuildFailure::new("build cancelled".into(), None, None)),
            };
            match item {
                None => break,
                Some(Ok(info)) => progress.record(info, logs),
                Some(Err(e)) => {
                    progress.flush(logs);
                    let text = engine_error_text(&e);
                    return Err(progress.failure(&text, logs));
                }
            }
        }
        progress.flush(logs);
        if let Some((_, error)) = &progress.failed {
            return Err(progress.failure(error, logs));
        }
        match self.docker.inspect_image(&image).await {
            Ok(i) => {
                let size = i.size.unwrap_or(0) as f64 / 1e6;
                logs.log(
                    LogLevel::Info,
                    &format!("image {image} ready ({size:.1} MB)"),
                    None,
                );
                Ok(())
            }
            Err(e) => Err(BuildFailure::new(
                format!("the build finished but its image {image} is missing: {e}"),
                None,
                None,
            )),
        }
    }
}

fn engine_error_text(e: &bollard::errors::Error) -> String {
    match e {
        bollard::errors::Error::DockerStreamError { error } => error.clone(),
        bollard::errors::Error::DockerResponseServerError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// For engines whose built-in frontend does not read heredocs (Docker 20.10): each `RUN`
/// with heredocs becomes an exec-form `RUN [shell…, "-c", script]` running what BuildKit would
/// run — the body itself when the heredoc is the whole command (through a temporary file when
/// it starts with `#!`), else the command line followed by its heredocs, which the shell reads
/// the same way. The replacement keeps the instruction's first line and leaves its other
/// lines blank, so line numbers and step numbers stay those of the user's file. `Ok(None)`
/// when there is nothing to rewrite; `Err((line, message))` for heredocs only newer engines
/// can build (`COPY`/`ADD`).
fn without_heredocs(text: &str, parsed: &Dockerfile) -> Result<Option<String>, (usize, String)> {
    if parsed.instructions.iter().all(|i| i.heredocs.is_empty()) {
        return Ok(None);
    }
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut shell: Vec<String> = vec!["/bin/sh".into(), "-c".into()];
    for ins in &parsed.instructions {
        match ins.keyword.as_str() {
            "FROM" => shell = vec!["/bin/sh".into(), "-c".into()],
            "SHELL" => {
                if let Some(s) = &ins.exec_form {
                    shell = s.clone();
                }
            }
            _ => {}
        }
        if ins.heredocs.is_empty() {
            continue;
        }
        if ins.keyword != "RUN" {
            return Err((
                ins.line,
                format!(
                    "Dockerfile line {}: {} with a heredoc needs Docker 23 or newer (this engine's Dockerfile frontend cannot read it); write the file with a RUN heredoc instead",
                    ins.line, ins.keyword
                ),
            ));
        }
        let only_heredocs = ins.args.split_whitespace().all(|w| w.starts_with("<<"));
        let script = if only_heredocs && ins.heredocs.len() == 1 {
            let body = &ins.heredocs[0].body;
            if body.starts_with("#!") {
                format!(
                    "f=$(mktemp) && cat > \"$f\" <<'LELANTOS_HEREDOC_EOF'\n{body}LELANTOS_HEREDOC_EOF\nchmod +x \"$f\" && \"$f\"; s=$?; rm -f \"$f\"; exit $s"
                )
            } else {
                body.clone()
            }
        } else {
            let mut s = ins.args.clone();
            s.push('\n');
            for h in &ins.heredocs {
                s.push_str(&h.body);
                s.push_str(&h.name);
                s.push('\n');
            }
            s
        };
        let mut argv = shell.clone();
        argv.push(script);
        let flags: String = ins
            .flags
            .iter()
            .map(|f| match &f.value {
                Some(v) => format!("--{}={} ", f.name, v),
                None => format!("--{} ", f.name),
            })
            .collect();
        let json = serde_json::to_string(&argv).unwrap_or_default();
        let first = ins.line - 1;
        if first >= lines.len() {
            continue;
        }
        lines[first] = format!("RUN {flags}{json}");
        for l in lines.iter_mut().take(ins.end_line).skip(ins.line) {
            l.clear();
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    Ok(Some(out))
}

/// The build context: a gzipped tar holding only the Dockerfile.
fn context_tar_gz(dockerfile: &str) -> std::io::Result<Vec<u8>> {
    let mut header = tar::Header::new_gnu();
    header.set_path("Dockerfile")?;
    header.set_size(dockerfile.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    let mut tar = tar::Builder::new(Vec::new());
    tar.append(&header, dockerfile.as_bytes())?;
    let raw = tar.into_inner()?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&raw)?;
    gz.finish()
}

/// A BuildKit vertex: its name and the step label the log shows for it (worked out once).
struct Vertex {
    name: String,
    label: Option<String>,
}

/// Turns BuildKit's status stream into log lines and remembers what failed.
struct Progress<'a> {
    parsed: &'a Dockerfile,
    /// By digest.
    vertexes: HashMap<String, Vertex>,
    started: HashSet<String>,
    done: HashSet<String>,
    partial: HashMap<String, String>,
    last_output: HashMap<String, String>,
    /// The first vertex that reported an error: (digest, error).
    failed: Option<(String, String)>,
}

impl<'a> Progress<'a> {
    fn new(parsed: &'a Dockerfile) -> Self {
        Progress {
            parsed,
            vertexes: HashMap::new(),
            started: HashSet::new(),
            done: HashSet::new(),
            partial: HashMap::new(),
            last_output: HashMap::new(),
            failed: None,
        }
    }

    /// The step label of a vertex seen before (output lines always follow their vertex).
    fn label(&self, digest: &str) -> Option<&str> {
        self.vertexes.get(digest).and_then(|v| v.label.as_deref())
    }

    fn record(&mut self, info: BuildInfo, logs: &LogSink) {
        if let Some(BuildInfoAux::BuildKit(status)) = info.aux {
            for v in status.vertexes {
                let parsed = self.parsed;
                let vertex = self
                    .vertexes
                    .entry(v.digest.clone())
                    .or_insert_with(|| Vertex {
                        label: step_label(parsed, &v.name),
                        name: v.name.clone(),
                    });
                let (name, step) = (vertex.name.as_str(), vertex.label.as_deref());
                // How the Dockerfile reached BuildKit is our business, not the user's.
                let plumbing =
                    name == "[internal] load remote build context" || name == "copy /context /";
                if v.started.is_some() && self.started.insert(v.digest.clone()) && !plumbing {
                    logs.log(LogLevel::Info, step.unwrap_or(name), step);
                }
                if !v.error.is_empty() {
                    logs.log(LogLevel::Error, &format!("ERROR: {}", v.error), step);
                    if self.failed.is_none() {
                        self.failed = Some((v.digest.clone(), v.error.clone()));
                    }
                } else if v.completed.is_some()
                    && self.done.insert(v.digest.clone())
                    && v.cached
                    && !plumbing
                {
                    logs.log(LogLevel::Info, "CACHED", step);
                }
            }
            for l in status.logs {
                let text = String::from_utf8_lossy(&l.msg);
                let buf = self.partial.entry(l.vertex.clone()).or_default();
                buf.push_str(&text);
                while let Some(i) = buf.find(['\n', '\r']) {
                    let line: String = buf.drain(..=i).collect();
                    let line = line.trim_end_matches(['\n', '\r']);
                    if !line.trim().is_empty() {
                        let step = self
                            .vertexes
                            .get(&l.vertex)
                            .and_then(|v| v.label.as_deref());
                        logs.log(LogLevel::Info, line, step);
                        self.last_output.insert(l.vertex.clone(), line.to_string());
                    }
                }
            }
            for w in status.warnings {
                logs.log(
                    LogLevel::Warn,
                    &String::from_utf8_lossy(&w.short),
                    self.label(&w.vertex),
                );
            }
        }
        if let Some(text) = info.stream {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                logs.log(LogLevel::Info, line, None);
            }
        }
    }

    /// Logs what is left of unfinished output lines.
    fn flush(&mut self, logs: &LogSink) {
        for (vertex, rest) in std::mem::take(&mut self.partial) {
            let rest = rest.trim_end();
            if !rest.trim().is_empty() {
                logs.log(LogLevel::Info, rest, self.label(&vertex));
                self.last_output.insert(vertex, rest.to_string());
            }
        }
    }

    /// The failure for `engine_error`: the engine's text goes to the logs; `error` is one
    /// human line pointing at the failing instruction.
    fn failure(&self, engine_error: &str, logs: &LogSink) -> BuildFailure {
        logs.log(LogLevel::Error, engine_error.trim(), None);
        let name = self
            .failed
            .as_ref()
            .and_then(|(digest, _)| self.vertexes.get(digest))
            .map(|v| v.name.as_str());
        let first_line = engine_error.lines().next().unwrap_or("").trim();
        // The base image could not be loaded: BuildKit reports it on the metadata vertex.
        let missing_base = name
            .and_then(|n| n.strip_prefix("[internal] load metadata for "))
            .map(str::to_string)
            .or_else(|| metadata_ref(engine_error));
        if let Some(reference) = missing_base {
            let from = find_from(self.parsed, &reference);
            let shown = short_image(&reference);
            let error = match from {
                Some(ins) => format!(
                    "Dockerfile line {}: base image {shown} is not available: it is not in the engine's image store and could not be pulled (no registry reachable?)",
                    ins.line
                ),
                None => format!(
                    "base image {shown} is not available: it is not in the engine's image store and could not be pulled (no registry reachable?)"
                ),
            };
            return BuildFailure {
                reason: BuildReason {
                    message: first_line.to_string(),
                    step: from.map(|i| i.first_line().to_string()),
                    line: from.map(|i| i.line as u32),
                },
                error,
            };
        }
        let located = name.and_then(|n| locate(self.parsed, n));
        let output = self
            .failed
            .as_ref()
            .and_then(|(digest, _)| self.last_output.get(digest));
        let exit = exit_code(engine_error);
        match located {
            Some(ins) => {
                let instr = ellipsize(ins.first_line(), 80);
                let what = match (&output, exit) {
                    (Some(o), Some(c)) => format!("exit code {c}: {}", ellipsize(o, 160)),
                    (Some(o), None) => ellipsize(o, 160),
                    (None, Some(c)) => format!("exit code {c}"),
                    (None, None) => ellipsize(first_line, 160),
                };
                BuildFailure {
                    error: format!("Dockerfile line {}: {instr} failed: {what}", ins.line),
                    reason: BuildReason {
                        message: ellipsize(first_line, 300),
                        step: self
                            .failed
                            .as_ref()
                            .and_then(|(digest, _)| self.label(digest))
                            .map(str::to_string),
                        line: Some(ins.line as u32),
                    },
                }
            }
            None => BuildFailure::new(
                format!("build failed: {}", ellipsize(first_line, 200)),
                name.map(str::to_string),
                parse_error_line(engine_error),
            ),
        }
    }
}

/// The step a vertex belongs to, for the log: BuildKit's `[builder 2/3]` numbering with the
/// instruction as the user wrote it (not as it may have been rewritten for the engine).
fn step_label(parsed: &Dockerfile, name: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    let label = match (locate(parsed, name), name.split_once("] ")) {
        (Some(ins), Some((number, _))) => format!("{number}] {}", ins.first_line()),
        _ => name.to_string(),
    };
    Some(ellipsize(&label, 120))
}

/// `dockerfile parse error line N` in an engine error (the frontend rejected the file).
fn parse_error_line(text: &str) -> Option<u32> {
    let rest = &text[text.find("parse error line ")? + 17..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// `exit code: N` in an engine error.
fn exit_code(text: &str) -> Option<i64> {
    let i = text.rfind("exit code: ")?;
    let digits: String = text[i + 11..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits.parse().ok()
}

/// The image reference in "failed to load metadata for X: …" style errors, if any.
fn metadata_ref(text: &str) -> Option<String> {
    [
        "load metadata for ",
        "failed to resolve source metadata for ",
    ]
    .iter()
    .find_map(|marker| {
        let rest = &text[text.find(marker)? + marker.len()..];
        let word = rest.split_whitespace().next()?.trim_end_matches(':');
        (!word.is_empty()).then(|| word.to_string())
    })
}

/// `docker.io/library/python:3.12-slim` → `python:3.12-slim`.
fn short_image(reference: &str) -> String {
    reference
        .strip_prefix("docker.io/library/")
        .or_else(|| reference.strip_prefix("docker.io/"))
        .unwrap_or(reference)
        .to_string()
}

fn from_image(ins: &Instruction) -> Option<&str> {
    ins.args.split_whitespace().find(|w| !w.starts_with("--"))
}

/// The FROM instruction naming `reference` (compared without registry prefixes).
fn find_from<'d>(parsed: &'d Dockerfile, reference: &str) -> Option<&'d Instruction> {
    let want = short_image(reference);
    let want_untagged = format!("{want}:latest");
    parsed.stages().find(|ins| {
        from_image(ins).is_some_and(|img| {
            let img = short_image(img);
            img == want || format!("{img}:latest") == want || img == want_untagged
        })
    })
}

/// The instruction a BuildKit vertex name like `[builder 2/3] RUN make` stands for.
fn locate<'d>(parsed: &'d Dockerfile, name: &str) -> Option<&'d Instruction> {
    let rest = name.strip_prefix('[')?;
    let (label, text) = rest.split_once("] ")?;
    let (stage, pos) = match label.rsplit_once(' ') {
        Some((stage, pos)) => (Some(stage), pos),
        None => (None, label),
    };
    let (k, _n) = pos.split_once('/')?;
    let k: usize = k.parse().ok()?;
    // The stages: each FROM with the instructions after it that BuildKit numbers as steps
    // (ENV, LABEL, CMD … change only the image config and get no number).
    let mut stages: Vec<Vec<&Instruction>> = Vec::new();
    for ins in &parsed.instructions {
        if ins.keyword == "FROM" {
            stages.push(vec![ins]);
        } else if let Some(s) = stages.last_mut() {
            if matches!(ins.keyword.as_str(), "RUN" | "COPY" | "ADD" | "WORKDIR") {
                s.push(ins);
            }
        }
    }
    let stage_index = match stage {
        None => stages.len().checked_sub(1)?,
        Some(s) => {
            if let Some(i) = s
                .strip_prefix("stage-")
                .and_then(|i| i.parse::<usize>().ok())
            {
                i
            } else {
                stages.iter().position(|st| {
                    let words: Vec<&str> = st[0].args.split_whitespace().collect();
                    words.len() >= 3
                        && words[words.len() - 2].eq_ignore_ascii_case("as")
                        && words[words.len() - 1].eq_ignore_ascii_case(s)
                })?
            }
        }
    };
    let keyword = text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    let by_position = stages
        .get(stage_index)
        .and_then(|st| st.get(k.checked_sub(1)?))
        .copied()
        .filter(|ins| ins.keyword == keyword);
    by_position.or_else(|| {
        // Fall back to the text: BuildKit names a step by its instruction as written.
        let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let text = norm(text);
        let same = |ins: &&&Instruction| ins.source.first().is_some_and(|s| norm(s) == text);
        stages
            .get(stage_index)
            .and_then(|st| st.iter().find(same))
            .or_else(|| stages.iter().flatten().find(same))
            .copied()
    })
}

impl Builder for Engine {
    fn name(&self) -> &'static str {
        "docker"
    }

    fn build<'a>(
        &'a self,
        job: &'a BuildJob,
        logs: &'a LogSink,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<(), BuildFailure>> {
        Box::pin(self.build_image(job, logs, cancel))
    }
}

impl Runtime for Engine {
    fn ended<'a>(&'a self, sandbox_ids: &'a [String]) -> BoxFuture<'a, Option<Vec<String>>> {
        Box::pin(self.ended_sandboxes(sandbox_ids))
    }

    fn start<'a>(&'a self, spec: SandboxSpec<'a>) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let image = image_of(spec.template_id);
            let mut labels: HashMap<String, String> = spec
                .metadata
                .iter()
                .map(|(k, v)| (format!("lelantos.metadata.{k}"), v.clone()))
                .collect();
            labels.insert("lelantos.sandbox".into(), spec.sandbox_id.into());
            labels.insert("lelantos.template".into(), spec.template_id.into());
            let memory = i64::from(spec.memory_mb) * 1024 * 1024;
            let body = ContainerCreateBody {
                image: Some(image.clone()),
                env: Some(
                    spec.env_vars
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect(),
                ),
                labels: Some(labels),
                // A terminal and open stdin keep a shell entrypoint (the usual CMD) alive.
                tty: Some(true),
                open_stdin: Some(true),
                host_config: Some(HostConfig {
                    nano_cpus: Some(i64::from(spec.cpu_count) * 1_000_000_000),
                    memory: Some(memory),
                    memory_swap: Some(memory),
                    network_mode: Some(self.network.clone()),
                    init: Some(true),
                    ..Default::default()
                }),
                ..Default::default()
            };
            let name = container_of(spec.sandbox_id);
            self.docker
                .create_container(
                    Some(CreateContainerOptions {
                        name: Some(name.clone()),
                        ..Default::default()
                    }),
                    body,
                )
                .await
                .map_err(|e| match &e {
                    bollard::errors::Error::DockerResponseServerError { status_code: 404, .. } => format!(
                        "template {} has no image in this Docker engine (was it built with the dry-run builder?); create the template again",
                        spec.template_id
                    ),
                    _ => format!("the Docker engine could not create the sandbox: {}", engine_error_text(&e)),
                })?;
            if let Err(e) = self.docker.start_container(&name, None).await {
                let _ = self.remove(&name).await;
                return Err(format!(
                    "the Docker engine could not start the sandbox: {}",
                    engine_error_text(&e)
                ));
            }
            Ok(())
        })
    }

    fn stop<'a>(&'a self, sandbox_id: &'a str) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move { self.remove(&container_of(sandbox_id)).await })
    }

    fn remove_image<'a>(&'a self, template_id: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let image = image_of(template_id);
            match self
                .docker
                .remove_image(&image, Some(RemoveImageOptions::default()), None)
                .await
            {
                Ok(_) => tracing::info!(%image, "removed the image of a deleted template"),
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404, ..
                }) => {}
                Err(e) => tracing::warn!(%image, error = %e, "could not remove an image"),
            }
        })
    }
}

impl Engine {
    async fn ended_sandboxes(&self, sandbox_ids: &[String]) -> Option<Vec<String>> {
        let running: HashSet<String> = self
            .docker
            .list_containers(Some(ListContainersOptions {
                all: false,
                filters: Some(HashMap::from([(
                    "label".to_string(),
                    vec!["lelantos.sandbox".to_string()],
                )])),
                ..Default::default()
            }))
            .await
            .map_err(|e| tracing::warn!(error = %e, "cannot list sandbox containers"))
            .ok()?
            .into_iter()
            .filter_map(|c| c.labels?.get("lelantos.sandbox").cloned())
            .collect();
        Some(
            sandbox_ids
                .iter()
                .filter(|id| !running.contains(*id))
                .cloned()
                .collect(),
        )
    }

    async fn remove(&self, container: &str) -> Result<(), String> {
        match self
            .docker
            .remove_container(
                container,
                Some(RemoveContainerOptions {
                    force: true,
                    v: true,
                    ..Default::default()
                }),
            )
            .await
        {
            Ok(()) => Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(e) => Err(format!(
                "the Docker engine could not remove {container}: {}",
                engine_error_text(&e)
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vertex_names_map_to_instructions() {
        let d = Dockerfile::parse(
            "FROM local/busybox:latest AS builder\nRUN echo a\n\nFROM local/busybox:latest\nENV A=1\nRUN echo \"nameserver 8.8.8.8\" > /etc/resolv.conf\n",
        )
        .unwrap();
        assert_eq!(locate(&d, "[builder 2/2] RUN echo a").unwrap().line, 2);
        assert_eq!(
            locate(
                &d,
                "[stage-1 2/2] RUN echo \"nameserver 8.8.8.8\" > /etc/resolv.conf"
            )
            .unwrap()
            .line,
            6
        );
        // Same text in two stages: the label's stage decides.
        let twice =
            Dockerfile::parse("FROM a:1 AS one\nRUN make\nFROM b:1\nWORKDIR /w\nRUN make\n")
                .unwrap();
        assert_eq!(locate(&twice, "[one 2/2] RUN make").unwrap().line, 2);
        assert_eq!(locate(&twice, "[stage-1 3/3] RUN make").unwrap().line, 5);
        assert_eq!(locate(&twice, "[stage-1 9/9] RUN make").unwrap().line, 5);
        assert!(locate(&d, "[internal] load .dockerignore").is_none());
        let h = Dockerfile::parse("FROM a:1\nRUN <<EOF\necho hi\nEOF\n").unwrap();
        assert_eq!(
            step_label(&h, r#"[2/2] RUN ["/bin/sh","-c","echo hi\n"]"#).unwrap(),
            "[2/2] RUN <<EOF"
        );
    }

    #[test]
    fn heredocs_become_shell_scripts_on_the_same_lines() {
        let text = "FROM a:1\nRUN --network=none <<EOF\necho 1\necho \"$HOME\"\nEOF\nRUN python3 <<-'PY' > /x\n\tprint(1)\n\tPY\nRUN echo plain\n";
        let d = Dockerfile::parse(text).unwrap();
        let out = without_heredocs(text, &d).unwrap().unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 9);
        assert_eq!(
            lines[1],
            r#"RUN --network=none ["/bin/sh","-c","echo 1\necho \"$HOME\"\n"]"#
        );
        assert_eq!(lines[2..5], ["", "", ""]);
        assert_eq!(
            lines[5],
            r#"RUN ["/bin/sh","-c","python3 <<-'PY' > /x\nprint(1)\nPY\n"]"#
        );
        assert_eq!(lines[8], "RUN echo plain");
        let reparsed = Dockerfile::parse(&out).unwrap();
        assert_eq!(reparsed.instructions.len(), d.instructions.len());
        assert!(reparsed.instructions.iter().all(|i| i.heredocs.is_empty()));
        assert_eq!(
            without_heredocs(
                "FROM a\nRUN x\n",
                &Dockerfile::parse("FROM a\nRUN x\n").unwrap()
            ),
            Ok(None)
        );
        let copy = "FROM a\nCOPY <<EOF /f\nx\nEOF\n";
        let err = without_heredocs(copy, &Dockerfile::parse(copy).unwrap()).unwrap_err();
        assert_eq!(err.0, 2);
        assert!(err.1.contains("needs Docker 23"));
    }

    #[test]
    fn engine_errors_are_read() {
        assert_eq!(
            exit_code("executor failed running [/bin/sh -c exit 3]: exit code: 3"),
            Some(3)
        );
        assert_eq!(
            metadata_ref("failed to solve with frontend dockerfile.v0: failed to create LLB definition: failed to load metadata for docker.io/library/python:3.12-slim: dial tcp: lookup"),
            Some("docker.io/library/python:3.12-slim".to_string())
        );
        assert_eq!(
            parse_error_line("failed to create LLB definition: dockerfile parse error line 6: unknown instruction: ECHO"),
            Some(6)
        );
        let d = Dockerfile::parse("FROM python:3.12-slim\nRUN true\n").unwrap();
        assert_eq!(
            find_from(&d, "docker.io/library/python:3.12-slim")
                .unwrap()
                .line,
            1
        );
        let d = Dockerfile::parse("FROM --platform=linux/amd64 alpine\n").unwrap();
        assert_eq!(
            find_from(&d, "docker.io/library/alpine:latest")
                .unwrap()
                .line,
            1
        );
    }
}
