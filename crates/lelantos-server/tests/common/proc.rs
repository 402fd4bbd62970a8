//! The `lelantos-server` binary as a child process (for signals and kill -9).

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_lelantos-server");

pub struct Proc {
    pub child: Child,
    pub base: String,
    pub lines: Vec<String>,
}

impl Drop for Proc {
    /// A failing test must not leave its server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary with the dry-run builder.
pub fn spawn(dir: &Path, extra: &[&str]) -> Proc {
    spawn_with(dir, "dry-run", extra)
}

/// Starts the binary on a free loopback port and reads its start-up block.
pub fn spawn_with(dir: &Path, builder: &str, extra: &[&str]) -> Proc {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .args(["--builder", builder])
        .args(extra)
        .env_remove("LELANTOS_API_KEY")
        .env("LELANTOS_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    // Read the start-up block (it ends with the key line or the stored-keys line).
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no start-up output; got {lines:?}"));
        let done = line.starts_with("API key") || line.starts_with("API keys");
        lines.push(line);
        if done {
            break;
        }
    }
    let base = lines[0]
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("listening line has the URL")
        .to_string();
    Proc { child, base, lines }
}

pub fn signal(p: &Proc, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &p.child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} worked");
}

pub fn wait_exit(p: &mut Proc, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(st) = p.child.try_wait().unwrap() {
            return st;
        }
        assert!(
            Instant::now() < deadline,
            "server did not exit within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn call(method: &str, url: &str, key: &str, body: Option<Value>) -> (u16, Value) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut req = http
            .request(method.parse().unwrap(), url)
            .header("X-API-Key", key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("server answers");
        let st = res.status().as_u16();
        let text = res.text().await.unwrap();
        (
            st,
            if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap()
            },
        )
    })
}
