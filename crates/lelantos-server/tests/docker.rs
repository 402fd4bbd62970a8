//! Real builds and sandboxes against a real Docker engine (BuildKit), all with network `none`.
//!
//! They need an engine and the local base image `local/busybox:latest`; `scripts/test`
//! provides both (it installs and starts dockerd when none answers) and runs them with
//! `--ignored`. Every Dockerfile carries a fresh nonce so BuildKit's cache never answers for a
//! step a test means to run.

mod common;

use common::proc::{call, signal, spawn_with, wait_exit};
use common::{build_path, max_running, TestServer};
use lelantos_server::{random_id, BuilderChoice, Config};
use serde_json::{json, Value};
use std::process::Command;
use std::time::{Duration, Instant};

const BASE: &str = "local/busybox:latest";

fn docker_builder(c: &mut Config) {
    c.builder = BuilderChoice::Docker;
    c.network = "none".into();
}

async fn server() -> TestServer {
    TestServer::start_with(docker_builder).await
}

/// `docker …` output (stdout), or None when the command fails.
fn docker(args: &[&str]) -> Option<String> {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI runs");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn image_of(t: &Value) -> String {
    format!("lelantos/{}:latest", t["templateID"].as_str().unwrap())
}

/// Processes on this machine whose command line is exactly `cmd` (BuildKit runs steps as
/// ordinary processes of the host).
fn processes(cmd: &str) -> usize {
    let out = Command::new("pgrep")
        .args(["-x", "-f", cmd])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).lines().count()
}

fn wait_until(limit: Duration, what: &str, mut ok: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "{what} not within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    start.elapsed()
}

fn messages(b: &Value) -> Vec<String> {
    b["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["message"].as_str().unwrap().to_string())
        .collect()
}

/// Polls until a log line containing `needle` appears, asserting the build is still building.
async fn wait_for_log(s: &TestServer, t: &Value, needle: &str) -> Value {
    let start = Instant::now();
    loop {
        let b = s.get(&build_path(t)).await.body;
        if messages(&b).iter().any(|m| m.contains(needle)) {
            return b;
        }
        assert_eq!(b["status"], "building", "{b}");
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no {needle:?} in {b}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const WAIT: Duration = Duration::from_secs(120);

/// Creates a template and waits until its build is `ready`.
async fn ready_template(s: &TestServer, body: Value) -> Value {
    let t = s.create(body).await;
    assert_eq!(s.wait_build(&t, WAIT).await["status"], "ready");
    t
}

/// Starts a sandbox (`201`) and returns its id.
async fn start_sandbox(s: &TestServer, body: Value) -> String {
    let r = s.post("/sandboxes", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["sandboxID"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Docker engine and local/busybox:latest: scripts/test runs these"]
async fn steps_build_an_image_and_the_log_streams_while_it_runs() {
    let s = server().await;
    let health = s.get("/health").await.body;
    assert_eq!(health["builder"], "docker", "{health}");
    let nonce = random_id(10);
    let df = format!(
        "FROM {BASE}\nENV GREETING=hello-{nonce}\nWORKDIR /app\nRUN echo \"$GREETING\" > greeting.txt && sleep 2\nRUN cat /app/greeting.txt\n"
    );
    let t = s
        .create(json!({ "dockerfile": df, "alias": "steps" }))
        .await;
    // A poll while the build runs already shows its steps, each line tagged with its step.
    let mid = wait_for_log(&s, &t, "RUN echo \"$GREETING\"").await;
    assert_eq!(mid["status"], "building");
    let b = s.wait_build(&t, WAIT).await;
    assert_eq!(b["status"], "ready", "{b}");
    let logs = b["logs"].as_array().unwrap();
    let out = logs
        .iter()
        .find(|l| l["message"] == format!("hello-{nonce}"))
        .unwrap_or_else(|| panic!("the step's output is in the log: {b}"));
    assert_eq!(out["step"], "[4/4] RUN cat /app/greeting.txt", "{b}");
    // How the context reached BuildKit is not shown.
    assert!(
        !messages(&b).iter().any(|m| m.contains("copy /context")),
        "{b}"
    );
    // logsOffset returns only what came after.
    let n = logs.len();
    let tail = s
        .get(&format!("{}?logsOffset={}", build_path(&t), n - 2))
        .await
        .body;
    assert_eq!(tail["logs"].as_array().unwrap().len(), 2);
    // The image exists, with the Dockerfile's ENV and WORKDIR.
    let image = image_of(&t);
    let config = docker(&[
        "image",
        "inspect",
        "--format",
        "{{.Config.WorkingDir}} {{json .Config.Env}}",
        &image,
    ])
    .expect("the image exists");
    assert!(config.starts_with("/app "), "{config}");
    assert!(
        config.contains(&format!("GREETING=hello-{nonce}")),
        "{config}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Docker engine and local/busybox:latest: scripts/test runs these"]
async fn multi_stage_and_heredoc_run_are_ready() {
    let s = server().await;
    let nonce = random_id(10);
    let df = format!(
        "FROM {BASE} AS builder\nRUN echo built-{nonce} > /artifact\n\nFROM {BASE}\nCOPY --from=builder /artifact /artifact\nRUN <<EOF\necho \"heredoc line one\"\ncat /artifact\nEOF\nRUN cat <<'TXT' > /note\nquoted $HOME stays\nTXT\nRUN cat /note\n"
    );
    let t = s.create(json!({ "dockerfile": df })).await;
    let b = s.wait_build(&t, WAIT).await;
    assert_eq!(b["status"], "ready", "{b}");
    let m = messages(&b);
    assert!(m.iter().any(|l| l == "heredoc line one"), "{b}");
    assert!(m.iter().any(|l| *l == format!("built-{nonce}")), "{b}");
    assert!(m.iter().any(|l| l == "quoted $HOME stays"), "{b}");
    // Steps are named as the user wrote them.
    assert!(
        b["logs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["step"] == "[stage-1 3/5] RUN <<EOF"),
        "{b}"
    );
    assert!(docker(&["image", "inspect", &image_of(&t)]).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Docker engine and local/busybox:latest: scripts/test runs these"]
async fn the_seed_pages_resolv_conf_example_fails_read_only_on_its_line() {
    let nonce = random_id(10);
    let df = format!(
        "FROM {BASE}\nRUN echo {nonce}\n# the seed page's old DNS workaround\nRUN echo \"nameserver 8.8.8.8\" > /etc/resolv.conf\nRUN echo never\n"
    );
    // By default the lint error ends the build at once, without the engine.
    let s = server().await;
    let t = s.create(json!({ "dockerfile": df })).await;
    let b = s.wait_build(&t, WAIT).await;
    assert_eq!(b["status"], "error");
    assert_eq!(b["reason"]["line"], 4, "{b}");
    assert!(
        !messages(&b)
            .iter()
            .any(|m| m.contains("BuildKit on Docker")),
        "{b}"
    );

    // Sent to BuildKit anyway (test flag): BuildKit's read-only resolv.conf fails the step.
    let s = TestServer::start_with(|c| {
        docker_builder(c);
        c.build_lint_errors = true;
    })
    .await;
    let t = s.create(json!({ "dockerfile": df })).await;
    let b = s.wait_build(&t, WAIT).await;
    assert_eq!(b["status"], "error", "{b}");
    assert!(
        messages(&b)
            .iter()
            .any(|m| m.contains("Read-only file system")),
        "the engine's text is in the logs: {b}"
    );
    assert_eq!(b["reason"]["line"], 4, "{b}");
    let error = b["error"].as_str().unwrap();
    assert!(
        error.starts_with("Dockerfile line 4: RUN echo \"nameserver 8.8.8.8\""),
        "{error}"
    );
    assert!(error.contains("Read-only file system"), "{error}");
    assert!(!error.contains('\n'), "one line: {error}");
    assert!(
        b["reason"]["step"]
            .as_str()
            .unwrap()
            .contains("RUN echo \"nameserver"),
        "{b}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Docker engine and local/busybox:latest: scripts/test runs these"]
async fn a_base_image_from_an_unreachable_registry_fails_fast_and_clearly() {
    let s = server().await;
    let started = Instant::now();
    let t = s
        .create(json!({ "dockerfile": "FROM python:3.12-slim\nRUN pip install flask\n" }))
        .await;
    let b = s.wait_build(&t, Duration::from_secs(60)).await;
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(b["status"], "error", "{b}");
    let error = b["error"].as_str().unwrap();
    assert!(
        error.contains("Dockerfile line 1")
            && error.contains("python:3.12-slim")
            && error.contains("not available"),
        "{error}"
    );
    assert_eq!(b["reason"]["line"], 1, "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Docker engine and local/busybox:latest: scripts/test runs these"]
async fn cancelling_a_running_step_stops_it_in_the_engine() {
    let s = server().await;
    let nonce = random_id(10);
    let t = s
        .create(json!({ "dockerfile": format!("FROM {BASE}\nRUN echo {nonce}\nRUN sleep 60\n") }))
        .await;
    wait_for_log(&s, &t, "RUN sleep 60").await;
    wait_until(
        Duration::from_secs(30),
        "the step's process to start",
        || processes("sleep 60") > 0,
    );
    let asked = Instant::now();
    let r = s.delete(&build_path(&t)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "error");
    assert_eq!(r.body["error"], "build cancelled");
    let b = s.wait_build(&t, Duration::from_secs(5)).await;
    assert_eq!(b["status"], "error");
    let gone = wait_until(Duration::from_secs(5), "the step's process to stop", || {
        processes("sleep 60") == 0
    });
    assert!(asked.elapsed() < Duration::from_secs(5), "{gone:?}");
    assert!(
        docker(&["image", "inspect", &image_of(&t)]).is_none(),
        "no image"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Docker engine and local/busybox:latest: scripts/test runs these"]
async fn a_build_past_its_timeout_ends_and_its_step_stops() {
    let s = TestServer::start_with(|c| {
        docker_builder(c);
        c.build_timeout = Duration::from_secs(3);
    })
    .await;
    let nonce = random_id(10);
    let t = s
        .create(json!({ "dockerfile": format!("FROM {BASE}\nRUN echo {nonce}\nRUN sleep 31\n") }))
        .await;
    let b = s.wait_build(&t, Duration::from_secs(30)).await;
    assert_eq!(b["status"], "error", "{b}");
    assert!(
        b["error"].as_str().unwrap().contains("timed out after 3 s"),
        "{b}"
    );
    assert!(
        messages(&b).iter().any(|m| m.contains("RUN sleep 31")),
        "it got to the step: {b}"
    );
    wait_until(Duration::from_secs(5), "the step's process to stop", || {
        processes("sleep 31") == 0
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Docker engine and local/busybox:latest: scripts/test runs these"]
async fn six_builds_with_two_slots_never_run_more_than_two() {
    let s = TestServer::start_with(|c| {
        docker_builder(c);
        c.max_concurrent_builds = 2;
    })
    .await;
    let nonce = random_id(10);
    let mut ts = Vec::new();
    for i in 0..6 {
        let df = format!("FROM {BASE}\nRUN echo {nonce}-{i} && sleep 1\n");
        ts.push(s.create(json!({ "dockerfile": df })).await);
    }
    let mut builds = Vec::new();
    for t in &ts {
        let b = s.wait_build(t, WAIT).await;
        assert_eq!(b["status"], "ready", "{b}");
        builds.push(b);
    }
    let (max, intervals) = max_running(&builds);
    assert_eq!(
        max, 2,
        "at most (and, with six waiting, exactly) two at once: {intervals:?}"
    );
}

#[test]
#[ignore = "needs a Docker engine and local/busybox:latest: scripts/test runs these"]
fn killed_during_a_build_then_restarted_the_build_ends() {
    let tmp = tempfile::tempdir().unwrap();
    let key = "lel_docker000000000000000000000000001";
    let mut p = spawn_with(tmp.path(), "docker", &["--api-key", key]);
    let nonce = random_id(10);
    let (st, t) = call(
        "POST",
        &format!("{}/templates", p.base),
        key,
        Some(json!({ "dockerfile": format!("FROM {BASE}\nRUN echo {nonce}\nRUN sleep 45\n") })),
    );
    assert_eq!(st, 202, "{t}");
    let path = build_path(&t);
    wait_until(Duration::from_secs(30), "the step to start", || {
        processes("sleep 45") > 0
    });
    signal(&p, "-KILL");
    wait_exit(&mut p, Duration::from_secs(5));
    // The engine drops the build with the connection.
    wait_until(Duration::from_secs(10), "the orphaned step to stop", || {
        processes("sleep 45") == 0
    });

    let mut p = spawn_with(tmp.path(), "docker", &["--api-key", key]);
    assert!(
        p.lines.iter().any(|l| l.contains("1 interrupted")),
        "{:?}",
        p.lines
    );
    let (_, b) = call("GET", &format!("{}{}", p.base, path), key, None);
    assert_eq!(b["status"], "error", "{b}");
    assert!(b["error"].as_str().unwrap().contains("interrupted"), "{b}");
    signal(&p, "-TERM");
    assert!(wait_exit(&mut p, Duration::from_secs(10)).success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Docker engine and local/busybox:latest: scripts/test runs these"]
async fn a_sandbox_is_a_container_with_the_templates_limits() {
    let s = server().await;
    let nonce = random_id(10);
    let t = ready_template(
        &s,
        json!({
            "dockerfile": format!("FROM {BASE}\nRUN echo {nonce}\n"),
            "cpuCount": 1,
            "memoryMB": 256,
        }),
    )
    .await;
    let id = start_sandbox(
        &s,
        json!({
            "templateID": t["templateID"],
            "envVars": { "APP_MODE": "test", "NONCE": nonce },
            "metadata": { "owner": "tests" },
        }),
    )
    .await;
    let name = format!("lelantos-{id}");
    let inspect = docker(&[
        "inspect",
        "--format",
        "{{.State.Running}} {{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NetworkMode}} {{json .Config.Env}} {{index .Config.Labels \"lelantos.metadata.owner\"}}",
        &name,
    ])
    .expect("the sandbox's container exists");
    assert!(
        inspect.starts_with("true 1000000000 268435456 268435456 none "),
        "{inspect}"
    );
    assert!(inspect.contains("\"APP_MODE=test\""), "{inspect}");
    assert!(inspect.contains(&format!("\"NONCE={nonce}\"")), "{inspect}");
    assert!(inspect.ends_with(" tests"), "{inspect}");
    // The environment is really the process's.
    let env = docker(&["exec", &name, "sh", "-c", "echo $NONCE"]).unwrap();
    assert_eq!(env, nonce);

    // Deleting the template leaves the running sandbox (and so its image) alone.
    assert_eq!(
        s.delete(&format!("/templates/{}", t["templateID"].as_str().unwrap()))
            .await
            .status,
        204
    );
    assert!(docker(&["inspect", "--format", "{{.State.Running}}", &name]).unwrap() == "true");
    assert!(docker(&["image", "inspect", &image_of(&t)]).is_some());

    // Kill: the container goes, and with the template gone, the image too.
    assert_eq!(s.delete(&format!("/sandboxes/{id}")).await.status, 204);
    assert!(docker(&["inspect", &name]).is_none(), "container removed");
    assert!(
        docker(&["image", "inspect", &image_of(&t)]).is_none(),
        "image removed"
    );
    assert_eq!(
        s.get(&format!("/sandboxes/{id}")).await.body["state"],
        "killed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Docker engine and local/busybox:latest: scripts/test runs these"]
async fn a_sandbox_past_its_timeout_is_stopped_and_removed() {
    let s = server().await;
    let nonce = random_id(10);
    let t = ready_template(
        &s,
        json!({ "dockerfile": format!("FROM {BASE}\nRUN echo {nonce}\n") }),
    )
    .await;
    let id = start_sandbox(&s, json!({ "templateID": t["templateID"], "timeout": 1 })).await;
    let name = format!("lelantos-{id}");
    assert!(docker(&["inspect", &name]).is_some());
    wait_until(
        Duration::from_secs(10),
        "the reaper to remove the container",
        || docker(&["inspect", &name]).is_none(),
    );
    assert_eq!(
        s.get(&format!("/sandboxes/{id}")).await.body["state"],
        "stopped"
    );
    // The template still exists, so its image stays.
    assert!(docker(&["image", "inspect", &image_of(&t)]).is_some());
    // A template deleted with no sandbox running loses its image at once.
    assert_eq!(
        s.delete(&format!("/templates/{}", t["templateID"].as_str().unwrap()))
            .await
            .status,
        204
    );
    assert!(docker(&["image", "inspect", &image_of(&t)]).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Docker engine and local/busybox:latest: scripts/test runs these"]
async fn a_sandbox_whose_process_ends_is_marked_stopped() {
    let s = server().await;
    let nonce = random_id(10);
    let df = format!("FROM {BASE}\nRUN echo {nonce}\nCMD [\"sh\", \"-c\", \"sleep 1\"]\n");
    let t = ready_template(&s, json!({ "dockerfile": df })).await;
    let id = start_sandbox(&s, json!({ "templateID": t["templateID"] })).await;
    assert_eq!(
        s.get(&format!("/sandboxes/{id}")).await.body["state"],
        "running"
    );
    let start = Instant::now();
    loop {
        let state = s.get(&format!("/sandboxes/{id}")).await.body["state"].clone();
        if state == "stopped" {
            break;
        }
        assert_eq!(state, "running");
        assert!(start.elapsed() < Duration::from_secs(15), "still running");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        docker(&["inspect", &format!("lelantos-{id}")]).is_none(),
        "container removed"
    );
}
