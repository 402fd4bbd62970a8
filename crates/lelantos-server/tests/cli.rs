//! The `lelantos-server` binary as a user runs it: flags, the printed key, signals, kill -9.

use serde_json::{json, Value};
use std::time::{Duration, Instant};

mod common;
use common::proc::{call, signal, spawn, wait_exit, BIN};
use std::process::Command;

const KEY: &str = "lel_cli00000000000000000000000000001";

#[test]
fn prints_a_key_once_serves_and_stops_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = spawn(tmp.path(), &[]);
    let key_line = p
        .lines
        .iter()
        .find(|l| l.starts_with("API key (shown once"))
        .expect("key printed on first start");
    let key = key_line.split_whitespace().last().unwrap().to_string();
    assert!(key.starts_with("lel_") && key.len() == 44, "{key}");
    assert!(
        p.lines.iter().any(|l| l.contains("dry-run")),
        "{:?}",
        p.lines
    );

    let (st, t) = call(
        "POST",
        &format!("{}/templates", p.base),
        &key,
        Some(json!({"dockerfile": "FROM a:1\n"})),
    );
    assert_eq!(st, 202, "{t}");
    let (st, _) = call(
        "GET",
        &format!("{}/templates", p.base),
        "lel_wrongwrongwrongwrong",
        None,
    );
    assert_eq!(st, 401);

    signal(&p, "-TERM");
    let status = wait_exit(&mut p, Duration::from_secs(10));
    assert!(status.success(), "graceful exit: {status:?}");

    // The key is stored hashed only: it is never printed again, but still works.
    let db = std::fs::read(tmp.path().join("lelantos.db")).unwrap();
    assert!(
        !db.windows(key.len()).any(|w| w == key.as_bytes()),
        "plain key must not be stored"
    );
    let mut p = spawn(tmp.path(), &[]);
    assert!(!p.lines.iter().any(|l| l.contains("lel_")), "{:?}", p.lines);
    let (st, list) = call("GET", &format!("{}/templates", p.base), &key, None);
    assert_eq!(st, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    signal(&p, "-INT");
    assert!(wait_exit(&mut p, Duration::from_secs(10)).success());

    // --new-key issues another key; the first one keeps working.
    let mut p = spawn(tmp.path(), &["--new-key"]);
    let line = p
        .lines
        .iter()
        .find(|l| l.starts_with("API key (shown once"))
        .expect("new key printed");
    let second = line.split_whitespace().last().unwrap().to_string();
    assert_ne!(second, key);
    for k in [&key, &second] {
        assert_eq!(
            call("GET", &format!("{}/templates", p.base), k, None).0,
            200
        );
    }
    signal(&p, "-TERM");
    assert!(wait_exit(&mut p, Duration::from_secs(10)).success());
}

#[test]
fn killed_during_a_build_then_restarted_never_stays_building() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = spawn(
        tmp.path(),
        &[
            "--api-key",
            KEY,
            "--dry-run-step-delay-ms",
            "1000",
            "--max-concurrent-builds",
            "1",
        ],
    );
    let df = "FROM a:1\nRUN 1\nRUN 2\nRUN 3\nRUN 4\n";
    let (_, running) = call(
        "POST",
        &format!("{}/templates", p.base),
        KEY,
        Some(json!({"dockerfile": df})),
    );
    let (_, queued) = call(
        "POST",
        &format!("{}/templates", p.base),
        KEY,
        Some(json!({"dockerfile": df})),
    );
    std::thread::sleep(Duration::from_millis(500));
    let path = |t: &Value| {
        format!(
            "/templates/{}/builds/{}",
            t["templateID"].as_str().unwrap(),
            t["buildID"].as_str().unwrap()
        )
    };
    // Which of the two took the one slot is up to the scheduler: ask the logs.
    let started = |t: &Value| {
        let (_, b) = call("GET", &format!("{}{}", p.base, path(t)), KEY, None);
        assert_eq!(b["status"], "building", "{b}");
        b["logs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["message"] == "build started (dry-run builder)")
    };
    let (running, queued) = match (started(&running), started(&queued)) {
        (true, false) => (running, queued),
        (false, true) => (queued, running),
        other => panic!("expected exactly one build running, got {other:?}"),
    };
    signal(&p, "-KILL");
    wait_exit(&mut p, Duration::from_secs(5));

    let mut p = spawn(tmp.path(), &["--api-key", KEY]);
    assert!(
        p.lines
            .iter()
            .any(|l| l.contains("1 queued build(s) resumed, 1 interrupted")),
        "{:?}",
        p.lines
    );
    let (_, b) = call("GET", &format!("{}{}", p.base, path(&running)), KEY, None);
    assert_eq!(b["status"], "error", "{b}");
    assert!(b["error"].as_str().unwrap().contains("interrupted"), "{b}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, b) = call("GET", &format!("{}{}", p.base, path(&queued)), KEY, None);
        if b["status"] == "ready" {
            break;
        }
        assert_eq!(b["status"], "building");
        assert!(
            Instant::now() < deadline,
            "queued build did not finish after restart"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    signal(&p, "-TERM");
    assert!(wait_exit(&mut p, Duration::from_secs(10)).success());
}

#[test]
fn sigterm_during_a_build_ends_it_as_interrupted() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = spawn(
        tmp.path(),
        &["--api-key", KEY, "--dry-run-step-delay-ms", "2000"],
    );
    let (_, t) = call(
        "POST",
        &format!("{}/templates", p.base),
        KEY,
        Some(json!({"dockerfile": "FROM a:1\nRUN 1\nRUN 2\n"})),
    );
    std::thread::sleep(Duration::from_millis(300));
    signal(&p, "-TERM");
    assert!(wait_exit(&mut p, Duration::from_secs(10)).success());
    let p = spawn(tmp.path(), &["--api-key", KEY]);
    assert!(
        !p.lines.iter().any(|l| l.contains("recovered")),
        "shutdown already ended it: {:?}",
        p.lines
    );
    let url = format!(
        "{}/templates/{}/builds/{}",
        p.base,
        t["templateID"].as_str().unwrap(),
        t["buildID"].as_str().unwrap()
    );
    let (_, b) = call("GET", &url, KEY, None);
    assert_eq!(b["status"], "error");
    assert!(b["error"].as_str().unwrap().contains("interrupted"), "{b}");
    let mut p = p;
    signal(&p, "-TERM");
    wait_exit(&mut p, Duration::from_secs(10));
}

#[test]
fn bad_flags_fail_with_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(tmp.path())
            .args(args)
            .env_remove("LELANTOS_API_KEY")
            // No engine answers here, whatever runs on this machine.
            .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (ok, err) = run(&["--api-key", "e2b_abcdefghijklmnopqrstuvwxyz"]);
    assert!(!ok);
    assert!(
        err.contains("--api-key") && err.contains("must start with \"lel_\""),
        "{err}"
    );
    assert!(
        !err.contains("abcdefghijklmnop"),
        "the key is not echoed: {err}"
    );
    let (ok, err) = run(&["--builder", "docker"]);
    assert!(!ok);
    assert!(
        err.contains("--builder docker") && err.contains("no Docker engine answers"),
        "{err}"
    );
    let (ok, err) = run(&["--max-concurrent-builds", "0"]);
    assert!(!ok);
    assert!(err.contains("--max-concurrent-builds"), "{err}");
    let (ok, err) = run(&["--builder", "kaniko"]);
    assert!(!ok);
    assert!(err.contains("possible values"), "{err}");
}
