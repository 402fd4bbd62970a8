//! A real server on an ephemeral loopback port with a temporary data dir, and a small client.
#![allow(dead_code)]

pub mod proc;

use lelantos_server::{start, BuilderChoice, Config, Running};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const KEY: &str = "lel_test0000000000000000000000000001";
pub const OTHER_KEY: &str = "lel_test0000000000000000000000000002";

pub struct TestServer {
    pub running: Option<Running>,
    pub base: String,
    pub dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    pub http: reqwest::Client,
}

pub fn config(dir: &Path) -> Config {
    let mut c = Config::new("127.0.0.1:0".parse().unwrap(), dir.to_path_buf());
    c.builder = BuilderChoice::DryRun;
    c.api_keys = vec![KEY.into(), OTHER_KEY.into()];
    c.reaper_interval = Duration::from_millis(100);
    c
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tune: impl FnOnce(&mut Config)) -> TestServer {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().to_path_buf();
        let mut s = Self::start_in(&dir, tune).await;
        s._tmp = Some(tmp);
        s
    }

    pub async fn start_in(dir: &Path, tune: impl FnOnce(&mut Config)) -> TestServer {
        let mut c = config(dir);
        tune(&mut c);
        let running = start(c).await.expect("server starts");
        let base = format!("http://{}", running.addr);
        TestServer {
            running: Some(running),
            base,
            dir: dir.to_path_buf(),
            _tmp: None,
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
        }
    }

    /// Shuts the server down and starts it again on the same data dir.
    pub async fn restart(&mut self, tune: impl FnOnce(&mut Config)) {
        self.running
            .take()
            .unwrap()
            .shutdown()
            .await
            .expect("clean shutdown");
        let tmp = self._tmp.take();
        let next = Self::start_in(&self.dir, tune).await;
        self.running = next.running;
        self.base = next.base;
        self._tmp = tmp;
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(k) = key {
            req = req.header("X-API-Key", k);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Resp::from(req.send().await.expect("request reaches the server")).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, Some(KEY), None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(Method::POST, path, Some(KEY), Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(Method::DELETE, path, Some(KEY), None).await
    }

    /// Creates a template and returns its JSON.
    pub async fn create(&self, body: Value) -> Value {
        let r = self.post("/templates", body).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        r.body
    }

    /// Polls a build until it ends (or panics after `limit`).
    pub async fn wait_build(&self, t: &Value, limit: Duration) -> Value {
        let path = build_path(t);
        let start = Instant::now();
        loop {
            let r = self.get(&path).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            if r.body["status"] != "building" {
                return r.body;
            }
            assert!(
                start.elapsed() < limit,
                "build still building after {limit:?}: {}",
                r.body
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

pub fn build_path(t: &Value) -> String {
    format!(
        "/templates/{}/builds/{}",
        t["templateID"].as_str().unwrap(),
        t["buildID"].as_str().unwrap()
    )
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Resp {
    async fn from(r: reqwest::Response) -> Resp {
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("response is not JSON ({status}): {text}"))
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    /// Asserts an error response: the status, `code` equal to it, and a message containing
    /// every `needle`.
    pub fn assert_error(&self, status: u16, needles: &[&str]) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.body["code"], status, "{}", self.body);
        let msg = self.body["message"].as_str().expect("message is a string");
        for n in needles {
            assert!(msg.contains(n), "message {msg:?} lacks {n:?}");
        }
        let obj = self.body.as_object().unwrap();
        assert_eq!(
            obj.len(),
            2,
            "error body has exactly code and message: {}",
            self.body
        );
    }
}

pub const SIMPLE: &str =
    "FROM python:3.12-slim\nRUN pip install numpy pandas scikit-learn matplotlib\n";

/// The most builds that ran at once, from the builds' own log timestamps ("build started" is
/// logged after a slot is taken, "build finished" before it is given back), and the intervals.
pub fn max_running(builds: &[Value]) -> (usize, Vec<(i64, i64)>) {
    let mut intervals = Vec::new();
    for b in builds {
        let ts_of = |prefix: &str| {
            let l = b["logs"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["message"].as_str().unwrap().starts_with(prefix))
                .unwrap_or_else(|| panic!("no {prefix:?} line in {b}"));
            lelantos_api::time::parse_rfc3339_millis(l["timestamp"].as_str().unwrap()).unwrap()
        };
        intervals.push((ts_of("build started"), ts_of("build finished")));
    }
    let max = intervals
        .iter()
        .map(|(start, _)| {
            intervals
                .iter()
                .filter(|(s2, e2)| s2 <= start && start < e2)
                .count()
        })
        .max()
        .unwrap_or(0);
    (max, intervals)
}
