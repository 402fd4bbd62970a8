//! The API over real HTTP: a real server on an ephemeral loopback port, SQLite in a temp dir.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_openapi_need_no_key() {
    let s = TestServer::start().await;
    let h = s.send(Method::GET, "/health", None, None).await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.body["status"], "ok");
    assert_eq!(h.body["builder"], "dry-run");
    assert!(
        h.body["warnings"][0].as_str().unwrap().contains("dry-run"),
        "{}",
        h.body
    );
    assert_eq!(h.body["version"], env!("CARGO_PKG_VERSION"));

    let doc = s.send(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc.body["paths"].as_object().unwrap();
    for p in [
        "/templates",
        "/templates/{templateID}",
        "/templates/{templateID}/builds/{buildID}",
        "/sandboxes",
        "/sandboxes/{sandboxID}",
        "/health",
    ] {
        assert!(paths.contains_key(p), "openapi lacks {p}");
    }
    assert!(paths["/templates"]["post"]["responses"]["202"].is_object());
    let schemas = doc.body["components"]["schemas"].as_object().unwrap();
    for k in [
        "Template",
        "TemplateBuild",
        "LogEntry",
        "Sandbox",
        "ErrorBody",
        "CreateTemplateRequest",
    ] {
        assert!(schemas.contains_key(k), "openapi lacks schema {k}");
    }
    assert_eq!(
        schemas["BuildStatus"]["enum"],
        json!(["building", "ready", "error"])
    );
    assert_eq!(
        doc.body["components"]["securitySchemes"]["api_key"]["name"],
        "X-API-Key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_poll_ready_with_documented_defaults() {
    let s = TestServer::start().await;
    let t = s.create(json!({ "dockerfile": SIMPLE })).await;
    assert_eq!(t["cpuCount"], 2);
    assert_eq!(t["memoryMB"], 512);
    assert_eq!(t["diskSizeMB"], 20480);
    assert_eq!(t["public"], false);
    assert_eq!(t["aliases"], json!([]));
    assert_eq!(t["buildCount"], 1);
    assert_eq!(t["spawnCount"], 0);
    assert_eq!(t["lastSpawnedAt"], Value::Null);
    assert_eq!(t["buildStatus"], "building");
    assert_eq!(t["createdAt"], t["updatedAt"]);
    assert_eq!(t["templateID"].as_str().unwrap().len(), 20);
    assert_eq!(t["buildID"].as_str().unwrap().len(), 36);

    let b = s.wait_build(&t, WAIT).await;
    assert_eq!(b["status"], "ready");
    assert_eq!(b["templateID"], t["templateID"]);
    assert_eq!(b["buildID"], t["buildID"]);
    assert!(b.get("error").is_none() && b.get("reason").is_none(), "{b}");
    assert!(b["finishedAt"].is_string());
    let logs = b["logs"].as_array().unwrap();
    let messages: Vec<&str> = logs
        .iter()
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("validated; no image built")),
        "{messages:?}"
    );
    let steps: Vec<&str> = logs.iter().filter_map(|l| l["step"].as_str()).collect();
    assert_eq!(
        steps,
        [
            "[1/2] FROM python:3.12-slim",
            "[2/2] RUN pip install numpy pandas scikit-learn matplotlib"
        ]
    );
    for l in logs {
        assert!(["debug", "info", "warn", "error"].contains(&l["level"].as_str().unwrap()));
        assert!(l["timestamp"].as_str().unwrap().ends_with('Z'));
    }

    // logsOffset returns only the entries after the first N.
    let off = s.get(&format!("{}?logsOffset=2", build_path(&t))).await;
    assert_eq!(off.body["logs"].as_array().unwrap()[..], logs[2..]);
    let past = s.get(&format!("{}?logsOffset=9999", build_path(&t))).await;
    assert_eq!(past.body["logs"], json!([]));
    s.get(&format!("{}?logsOffset=-1", build_path(&t)))
        .await
        .assert_error(400, &["logsOffset"]);

    let got = s
        .get(&format!("/templates/{}", t["templateID"].as_str().unwrap()))
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["buildStatus"], "ready");
    assert_eq!(got.body["createdAt"], t["createdAt"]);
    assert_eq!(
        got.body["dockerfile"], SIMPLE,
        "a single template carries its Dockerfile"
    );
    let listed = s.get("/templates").await.body;
    assert!(listed[0].get("dockerfile").is_none(), "lists stay small");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_example_values_are_kept() {
    let s = TestServer::start().await;
    let t = s
        .create(json!({ "dockerfile": SIMPLE, "alias": "data-science", "cpuCount": 4, "memoryMB": 2048 }))
        .await;
    assert_eq!(
        (t["cpuCount"].as_u64(), t["memoryMB"].as_u64()),
        (Some(4), Some(2048))
    );
    assert_eq!(t["aliases"], json!(["data-science"]));
    let t = s
        .create(json!({ "dockerfile": SIMPLE, "cpuCount": 8, "memoryMB": 8192 }))
        .await;
    assert_eq!(
        (t["cpuCount"].as_u64(), t["memoryMB"].as_u64()),
        (Some(8), Some(8192))
    );
    let t = s
        .create(json!({ "dockerfile": SIMPLE, "cpuCount": 1, "memoryMB": 128 }))
        .await;
    assert_eq!(
        (t["cpuCount"].as_u64(), t["memoryMB"].as_u64()),
        (Some(1), Some(128))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_class_is_a_400_naming_the_field() {
    let s = TestServer::start().await;
    let df = SIMPLE;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["dockerfile is required"]),
        (
            json!({ "dockerfile": "" }),
            vec!["dockerfile must not be empty"],
        ),
        (
            json!({ "dockerfile": " \n\t" }),
            vec!["dockerfile must not be empty"],
        ),
        (
            json!({ "dockerfile": null }),
            vec!["dockerfile must be a string, got null"],
        ),
        (
            json!({ "dockerfile": format!("FROM a:1\n{}", "#".repeat(256 * 1024)) }),
            vec!["dockerfile must be at most 256 KiB"],
        ),
        (
            json!({ "dockerfile": "RUN echo hi" }),
            vec!["dockerfile has no FROM"],
        ),
        (
            json!({ "dockerfile": "FROM a:1\nRUN <<EOF\necho" }),
            vec!["dockerfile does not parse", "line 2", "<<EOF"],
        ),
        (
            json!({ "dockerfile": "# escape=x\nFROM a:1" }),
            vec!["dockerfile does not parse", "escape"],
        ),
        (
            json!({ "dockerfile": df, "cpuCount": 0 }),
            vec!["cpuCount must be an integer from 1 to 8, got 0"],
        ),
        (
            json!({ "dockerfile": df, "cpuCount": 9 }),
            vec!["cpuCount must be an integer from 1 to 8, got 9"],
        ),
        (
            json!({ "dockerfile": df, "cpuCount": 2.5 }),
            vec!["cpuCount must be an integer from 1 to 8, got 2.5"],
        ),
        (
            json!({ "dockerfile": df, "cpuCount": "4" }),
            vec!["cpuCount must be an integer from 1 to 8, got \"4\" (a string)"],
        ),
        (
            json!({ "dockerfile": df, "cpuCount": null }),
            vec!["cpuCount must be an integer from 1 to 8, got null"],
        ),
        (
            json!({ "dockerfile": df, "cpuCount": -1 }),
            vec!["cpuCount", "got -1"],
        ),
        (
            json!({ "dockerfile": df, "cpuCount": true }),
            vec!["cpuCount", "got true"],
        ),
        (
            json!({ "dockerfile": df, "memoryMB": 127 }),
            vec!["memoryMB must be an integer from 128 to 8192, got 127"],
        ),
        (
            json!({ "dockerfile": df, "memoryMB": 8193 }),
            vec!["memoryMB must be an integer from 128 to 8192, got 8193"],
        ),
        (
            json!({ "dockerfile": df, "memoryMB": 512.5 }),
            vec!["memoryMB", "got 512.5"],
        ),
        (
            json!({ "dockerfile": df, "memoryMB": [512] }),
            vec!["memoryMB", "got an array"],
        ),
        (
            json!({ "dockerfile": df, "alias": "Data Science" }),
            vec!["alias must be", "use lower case"],
        ),
        (
            json!({ "dockerfile": df, "alias": "data.science" }),
            vec!["alias must be", "'.' is not allowed"],
        ),
        (
            json!({ "dockerfile": df, "alias": "-lead" }),
            vec!["alias must be", "starts with '-'"],
        ),
        (
            json!({ "dockerfile": df, "alias": "" }),
            vec!["alias must be", "empty"],
        ),
        (
            json!({ "dockerfile": df, "alias": "a".repeat(64) }),
            vec!["alias must be", "64 characters"],
        ),
        (
            json!({ "dockerfile": df, "alias": 7 }),
            vec!["alias must be a string, got 7"],
        ),
        (
            json!({ "dockerfile": df, "cpus": 2 }),
            vec!["unknown field `cpus`; allowed fields: dockerfile, alias, cpuCount, memoryMB"],
        ),
        (
            json!({ "dockerfile": df, "templateID": "x" }),
            vec!["unknown field `templateID`"],
        ),
    ];
    for (body, needles) in cases {
        let r = s.post("/templates", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        r.assert_error(400, &needles);
    }
    // Several bad fields are all named at once.
    s.post(
        "/templates",
        json!({ "dockerfile": df, "cpuCount": 9, "memoryMB": 1 }),
    )
    .await
    .assert_error(400, &["cpuCount", "memoryMB"]);

    // Nothing was stored by any of them.
    let list = s.get("/templates").await;
    assert_eq!(list.body, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_content_type_and_body_size() {
    let s = TestServer::start().await;
    let url = format!("{}/templates", s.base);
    let raw = |body: &'static str, ct: Option<&'static str>| {
        let mut r = s.http.post(&url).header("X-API-Key", KEY).body(body);
        if let Some(ct) = ct {
            r = r.header("Content-Type", ct);
        }
        r
    };
    async fn run(r: reqwest::RequestBuilder) -> (u16, Value) {
        let res = r.send().await.unwrap();
        let st = res.status().as_u16();
        assert_eq!(res.headers()["content-type"], "application/json");
        (st, res.json().await.unwrap())
    }
    let (st, b) = run(raw(
        "{\"dockerfile\": \"FROM a\",",
        Some("application/json"),
    ))
    .await;
    assert_eq!((st, b["code"].as_u64()), (400, Some(400)));
    assert!(
        b["message"].as_str().unwrap().contains("malformed JSON"),
        "{b}"
    );
    let (st, b) = run(raw("[\"FROM a:1\"]", Some("application/json"))).await;
    assert_eq!(st, 400);
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .contains("must be a JSON object"),
        "{b}"
    );
    let (st, b) = run(raw("", Some("application/json"))).await;
    assert_eq!(st, 400);
    assert!(b["message"].as_str().unwrap().contains("empty"), "{b}");
    let (st, b) = run(raw("{\"dockerfile\":\"FROM a:1\"}", Some("text/plain"))).await;
    assert_eq!(st, 415);
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .contains("Content-Type must be application/json"),
        "{b}"
    );
    let (st, _) = run(raw("{\"dockerfile\":\"FROM a:1\"}", None)).await;
    assert_eq!(st, 415);
    let (st, _) = run(raw(
        "{\"dockerfile\":\"FROM a:1\"}",
        Some("application/json; charset=utf-8"),
    ))
    .await;
    assert_eq!(st, 202);

    let big = format!(
        "{{\"dockerfile\":\"FROM a:1\\n{}\"}}",
        "#".repeat(3 * 1024 * 1024)
    );
    let res = s
        .http
        .post(&url)
        .header("X-API-Key", KEY)
        .header("Content-Type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 413);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["code"], 413);
    assert!(b["message"].as_str().unwrap().contains("2 MiB"), "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_and_methods_answer_json() {
    let s = TestServer::start().await;
    s.get("/nope")
        .await
        .assert_error(404, &["no route for GET /nope"]);
    s.send(Method::GET, "/templates/x/builds", Some(KEY), None)
        .await
        .assert_error(404, &["no route"]);
    let r = s.send(Method::PUT, "/templates", Some(KEY), None).await;
    r.assert_error(405, &["PUT", "/templates", "GET", "POST"]);
    assert!(r.headers["allow"].to_str().unwrap().contains("POST"));
    s.send(Method::PATCH, "/sandboxes/x", Some(KEY), None)
        .await
        .assert_error(405, &["PATCH"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_missing_unknown_and_other_keys() {
    let s = TestServer::start().await;
    for path in [
        "/templates",
        "/sandboxes",
        "/templates/abc",
        "/templates/abc/builds/def",
        "/sandboxes/x",
    ] {
        s.send(Method::GET, path, None, None)
            .await
            .assert_error(401, &["X-API-Key"]);
        s.send(
            Method::GET,
            path,
            Some("lel_not_a_key_of_this_server"),
            None,
        )
        .await
        .assert_error(401, &["invalid API key"]);
    }
    let r = s
        .send(
            Method::POST,
            "/templates",
            Some("e2b_wrong"),
            Some(json!({"dockerfile": SIMPLE})),
        )
        .await;
    r.assert_error(401, &["invalid API key"]);
    assert!(
        !r.body["message"].as_str().unwrap().contains("e2b_wrong"),
        "the key is never echoed"
    );
    // Auth is checked before the body: a bad body with a bad key is a 401.
    s.send(
        Method::POST,
        "/templates",
        None,
        Some(json!({"cpuCount": 99})),
    )
    .await
    .assert_error(401, &[]);

    // Another key's resources are 404, never 403, and are not listed.
    let t = s
        .create(json!({ "dockerfile": SIMPLE, "alias": "mine" }))
        .await;
    s.wait_build(&t, WAIT).await;
    let id = t["templateID"].as_str().unwrap();
    let other = |m: Method, p: String, b: Option<Value>| {
        let s = &s;
        async move { s.send(m, &p, Some(OTHER_KEY), b).await }
    };
    other(Method::GET, format!("/templates/{id}"), None)
        .await
        .assert_error(404, &["template", id]);
    other(Method::GET, build_path(&t), None)
        .await
        .assert_error(404, &["build"]);
    other(Method::DELETE, format!("/templates/{id}"), None)
        .await
        .assert_error(404, &["template"]);
    other(Method::DELETE, build_path(&t), None)
        .await
        .assert_error(404, &["build"]);
    other(
        Method::POST,
        "/sandboxes".into(),
        Some(json!({"templateID": id})),
    )
    .await
    .assert_error(404, &["template"]);
    other(
        Method::POST,
        "/sandboxes".into(),
        Some(json!({"templateID": "mine"})),
    )
    .await
    .assert_error(404, &["template"]);
    assert_eq!(
        other(Method::GET, "/templates".into(), None).await.body,
        json!([])
    );
    let sb = s.post("/sandboxes", json!({"templateID": id})).await.body;
    let sid = sb["sandboxID"].as_str().unwrap();
    other(Method::GET, format!("/sandboxes/{sid}"), None)
        .await
        .assert_error(404, &["sandbox"]);
    other(Method::DELETE, format!("/sandboxes/{sid}"), None)
        .await
        .assert_error(404, &["sandbox"]);
    assert_eq!(
        other(Method::GET, "/sandboxes".into(), None).await.body,
        json!([])
    );
    // The other key can use the same alias for its own template.
    let o = s
        .send(
            Method::POST,
            "/templates",
            Some(OTHER_KEY),
            Some(json!({"dockerfile": SIMPLE, "alias": "mine"})),
        )
        .await;
    assert_eq!(o.status, StatusCode::ACCEPTED);
    assert_ne!(o.body["templateID"], t["templateID"]);
    // ...which did not move the first key's alias.
    assert_eq!(
        s.get(&format!("/templates/{id}")).await.body["aliases"],
        json!(["mine"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_are_404() {
    let s = TestServer::start().await;
    s.get("/templates/doesnotexist")
        .await
        .assert_error(404, &["template \"doesnotexist\" not found"]);
    s.delete("/templates/doesnotexist")
        .await
        .assert_error(404, &["template"]);
    s.get("/templates/x/builds/y")
        .await
        .assert_error(404, &["build"]);
    s.delete("/templates/x/builds/y")
        .await
        .assert_error(404, &["build"]);
    s.get("/sandboxes/sbx_nope")
        .await
        .assert_error(404, &["sandbox"]);
    s.delete("/sandboxes/sbx_nope")
        .await
        .assert_error(404, &["sandbox"]);
    s.post("/sandboxes", json!({"templateID": "nope"}))
        .await
        .assert_error(404, &["template \"nope\""]);
    // A real build id under the wrong template id is 404 too.
    let t = s.create(json!({ "dockerfile": SIMPLE })).await;
    let b = t["buildID"].as_str().unwrap();
    s.get(&format!("/templates/other/builds/{b}"))
        .await
        .assert_error(404, &["build"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lint_error_fails_build_at_once_with_reason_line() {
    let s = TestServer::start().await;
    let seed_old = "FROM python:3.12-slim\nRUN pip install numpy pandas scikit-learn matplotlib\nRUN echo \"nameserver 8.8.8.8\" > /etc/resolv.conf\n";
    let t = s
        .create(json!({ "dockerfile": seed_old, "alias": "data-science" }))
        .await;
    let b = s.wait_build(&t, WAIT).await;
    assert_eq!(b["status"], "error");
    let err = b["error"].as_str().unwrap();
    assert!(
        err.contains("line 3")
            && err.contains("resolv.conf")
            && err.contains("Read-only file system"),
        "{err}"
    );
    assert!(!err.contains('\n'), "error is one line");
    assert_eq!(b["reason"]["line"], 3);
    assert!(b["reason"]["message"]
        .as_str()
        .unwrap()
        .contains("delete this line"));
    let logs = b["logs"].as_array().unwrap();
    assert!(logs
        .iter()
        .any(|l| l["level"] == "error"
            && l["message"].as_str().unwrap().contains("resolv-conf-write")));
    assert!(
        !logs
            .iter()
            .any(|l| l["message"].as_str().unwrap().contains("build started")),
        "no builder time spent"
    );
    // A template whose build failed cannot start sandboxes.
    s.post("/sandboxes", json!({"templateID": t["templateID"]}))
        .await
        .assert_error(409, &["build ended in error"]);
    s.post("/sandboxes", json!({"templateID": "data-science"}))
        .await
        .assert_error(409, &["error"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lint_warnings_go_into_logs_and_build_succeeds() {
    let s = TestServer::start().await;
    let t = s
        .create(
            json!({ "dockerfile": "FROM ubuntu\nRUN apt-get update && apt-get install curl\n" }),
        )
        .await;
    let b = s.wait_build(&t, WAIT).await;
    assert_eq!(b["status"], "ready");
    let warns: Vec<&str> = b["logs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["level"] == "warn")
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    assert_eq!(warns.len(), 2, "{warns:?}");
    assert!(warns[0].starts_with("line 1:") && warns[0].contains("no tag"));
    assert!(warns[1].starts_with("line 2:") && warns[1].contains("-y"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alias_rebuild_gives_a_new_template_and_keeps_the_old_one() {
    let s = TestServer::start().await;
    let v1 = s.create(json!({ "dockerfile": SIMPLE, "alias": "data-science", "cpuCount": 4, "memoryMB": 2048 })).await;
    s.wait_build(&v1, WAIT).await;
    let sb = s
        .post("/sandboxes", json!({"templateID": "data-science"}))
        .await;
    assert_eq!(sb.status, StatusCode::CREATED);
    assert_eq!(sb.body["templateID"], v1["templateID"]);

    let v2 = s
        .create(json!({ "dockerfile": format!("{SIMPLE}RUN pip install seaborn\n"), "alias": "data-science", "cpuCount": 4, "memoryMB": 4096 }))
        .await;
    assert_ne!(v2["templateID"], v1["templateID"]);
    assert_ne!(v2["buildID"], v1["buildID"]);
    assert_eq!(v2["aliases"], json!(["data-science"]));
    assert_eq!(v2["buildCount"], 2);
    assert_eq!(v2["memoryMB"], 4096);
    s.wait_build(&v2, WAIT).await;

    let old = s
        .get(&format!(
            "/templates/{}",
            v1["templateID"].as_str().unwrap()
        ))
        .await;
    assert_eq!(old.status, StatusCode::OK);
    assert_eq!(old.body["aliases"], json!([]));
    assert_eq!(old.body["buildStatus"], "ready");
    assert_eq!(old.body["spawnCount"], 1);
    // The alias now starts sandboxes from the new template; the old id still works.
    let by_alias = s
        .post("/sandboxes", json!({"templateID": "data-science"}))
        .await
        .body;
    assert_eq!(by_alias["templateID"], v2["templateID"]);
    assert_eq!(by_alias["alias"], "data-science");
    assert_eq!(by_alias["memoryMB"], 4096);
    let by_old_id = s
        .post("/sandboxes", json!({"templateID": v1["templateID"]}))
        .await;
    assert_eq!(by_old_id.status, StatusCode::CREATED);
    assert_eq!(by_old_id.body["memoryMB"], 2048);
    assert!(by_old_id.body.get("alias").is_none());
    // The first sandbox is untouched.
    let first = s
        .get(&format!(
            "/sandboxes/{}",
            sb.body["sandboxID"].as_str().unwrap()
        ))
        .await;
    assert_eq!(first.body["state"], "running");
    assert_eq!(first.body["templateID"], v1["templateID"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_templates_with_cursor() {
    let s = TestServer::start().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let t = s
            .create(json!({ "dockerfile": SIMPLE, "alias": format!("t{i}") }))
            .await;
        ids.push(t["templateID"].as_str().unwrap().to_string());
    }
    ids.reverse(); // newest first
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &token {
            Some(t) => format!("/templates?limit=2&nextToken={t}"),
            None => "/templates?limit=2".to_string(),
        };
        let r = s.get(&path).await;
        assert_eq!(r.status, StatusCode::OK);
        pages += 1;
        for t in r.body.as_array().unwrap() {
            seen.push(t["templateID"].as_str().unwrap().to_string());
        }
        match r.headers.get("x-next-token") {
            Some(v) => token = Some(v.to_str().unwrap().to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);
    let all = s.get("/templates").await.body;
    assert_eq!(all.as_array().unwrap().len(), 5);
    let exact = s.get("/templates?limit=5").await;
    assert!(exact.headers.get("x-next-token").is_none());
    s.get("/templates?limit=0")
        .await
        .assert_error(400, &["limit must be an integer from 1 to 100"]);
    s.get("/templates?limit=101")
        .await
        .assert_error(400, &["limit"]);
    s.get("/templates?limit=abc")
        .await
        .assert_error(400, &["limit"]);
    s.get("/templates?nextToken=garbage")
        .await
        .assert_error(400, &["nextToken"]);

    // The default page size is 100.
    for _ in 0..96 {
        s.create(json!({ "dockerfile": "FROM a:1" })).await;
    }
    let page = s.get("/templates").await;
    assert_eq!(page.body.as_array().unwrap().len(), 100);
    let token = page.headers["x-next-token"].to_str().unwrap().to_string();
    let rest = s.get(&format!("/templates?nextToken={token}")).await;
    assert_eq!(rest.body.as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_a_running_build() {
    let s = TestServer::start_with(|c| c.dry_run_step_delay = Duration::from_millis(400)).await;
    let t = s
        .create(
            json!({ "dockerfile": "FROM a:1\nRUN one\nRUN two\nRUN three\nRUN four\nRUN five\n" }),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let r = s.delete(&build_path(&t)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "error");
    assert_eq!(r.body["error"], "build cancelled");
    assert!(started.elapsed() < Duration::from_secs(2));
    // It stays cancelled: the builder stopped and did not overwrite the ending.
    tokio::time::sleep(Duration::from_millis(900)).await;
    let b = s.get(&build_path(&t)).await.body;
    assert_eq!(b["status"], "error");
    assert_eq!(b["error"], "build cancelled");
    let msgs: Vec<&str> = b["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    assert!(!msgs.iter().any(|m| m.contains("validated")), "{msgs:?}");
    assert!(
        msgs.iter().filter(|m| m.starts_with("line ")).count() < 6,
        "builder stopped early: {msgs:?}"
    );
    // A second cancel is a conflict.
    s.delete(&build_path(&t))
        .await
        .assert_error(409, &["already ended as error"]);
    // So is cancelling a finished build.
    let done = s.create(json!({ "dockerfile": "FROM a:1" })).await;
    s.wait_build(&done, WAIT).await;
    s.delete(&build_path(&done))
        .await
        .assert_error(409, &["already ended as ready"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_timeout_ends_in_error() {
    let s = TestServer::start_with(|c| {
        c.dry_run_step_delay = Duration::from_millis(700);
        c.build_timeout = Duration::from_secs(1);
    })
    .await;
    let t = s
        .create(json!({ "dockerfile": "FROM a:1\nRUN one\nRUN two\nRUN three\n" }))
        .await;
    let b = s.wait_build(&t, WAIT).await;
    assert_eq!(b["status"], "error");
    assert!(
        b["error"].as_str().unwrap().contains("timed out after 1 s"),
        "{b}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_is_bounded() {
    let s = TestServer::start_with(|c| {
        c.dry_run_step_delay = Duration::from_millis(100);
        c.max_concurrent_builds = 2;
    })
    .await;
    let mut ts = Vec::new();
    for _ in 0..6 {
        ts.push(s.create(json!({ "dockerfile": "FROM a:1\nRUN x\n" })).await);
    }
    let mut builds = Vec::new();
    for t in &ts {
        let b = s.wait_build(t, WAIT).await;
        assert_eq!(b["status"], "ready");
        builds.push(b);
    }
    let (max_overlap, intervals) = max_running(&builds);
    assert!(
        max_overlap <= 2,
        "saw {max_overlap} builds running at once: {intervals:?}"
    );
    assert_eq!(
        max_overlap, 2,
        "two slots are used when six builds wait: {intervals:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_template_cancels_build_and_leaves_sandboxes() {
    let s = TestServer::start_with(|c| c.dry_run_step_delay = Duration::from_millis(50)).await;
    let ready = s
        .create(json!({ "dockerfile": SIMPLE, "alias": "keep" }))
        .await;
    s.wait_build(&ready, WAIT).await;
    let sb = s
        .post("/sandboxes", json!({"templateID": "keep"}))
        .await
        .body;
    let id = ready["templateID"].as_str().unwrap();
    let r = s.delete(&format!("/templates/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(r.body, Value::Null);
    s.get(&format!("/templates/{id}"))
        .await
        .assert_error(404, &["template"]);
    s.get(&build_path(&ready))
        .await
        .assert_error(404, &["build"]);
    s.delete(&format!("/templates/{id}"))
        .await
        .assert_error(404, &["template"]);
    s.post("/sandboxes", json!({"templateID": "keep"}))
        .await
        .assert_error(404, &["template"]);
    let still = s
        .get(&format!("/sandboxes/{}", sb["sandboxID"].as_str().unwrap()))
        .await;
    assert_eq!(still.body["state"], "running");
    assert_eq!(still.body["templateID"], ready["templateID"]);

    // Deleting during a build stops the build.
    let long = s.create(json!({ "dockerfile": "FROM a:1\nRUN 1\nRUN 2\nRUN 3\nRUN 4\nRUN 5\nRUN 6\nRUN 7\nRUN 8\n" })).await;
    tokio::time::sleep(Duration::from_millis(80)).await;
    let r = s
        .delete(&format!(
            "/templates/{}",
            long["templateID"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    s.get(&build_path(&long))
        .await
        .assert_error(404, &["build"]);
    assert_eq!(s.get("/templates").await.body, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandboxes_lifecycle() {
    let s = TestServer::start_with(|c| c.dry_run_step_delay = Duration::from_millis(300)).await;
    let t = s
        .create(json!({ "dockerfile": SIMPLE, "alias": "py", "cpuCount": 3, "memoryMB": 1024 }))
        .await;
    // Not ready yet: 409.
    s.post("/sandboxes", json!({"templateID": t["templateID"]}))
        .await
        .assert_error(409, &["still building"]);
    s.wait_build(&t, WAIT).await;

    let r = s
        .post("/sandboxes", json!({"templateID": "py", "timeout": 120, "metadata": {"user": "alice"}, "envVars": {"TOKEN": "s3cret"}}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let sb = r.body;
    let sid = sb["sandboxID"].as_str().unwrap();
    assert!(sid.starts_with("sbx_"));
    assert_eq!(sb["templateID"], t["templateID"]);
    assert_eq!(sb["alias"], "py");
    assert_eq!(sb["cpuCount"], 3);
    assert_eq!(sb["memoryMB"], 1024);
    assert_eq!(sb["state"], "running");
    assert_eq!(sb["metadata"], json!({"user": "alice"}));
    assert_eq!(sb["clientID"], "local");
    assert!(sb["envdVersion"].is_string());
    assert!(sb.get("envVars").is_none(), "env vars are never returned");
    let started =
        lelantos_api::time::parse_rfc3339_millis(sb["startedAt"].as_str().unwrap()).unwrap();
    let end = lelantos_api::time::parse_rfc3339_millis(sb["endAt"].as_str().unwrap()).unwrap();
    assert_eq!(end - started, 120_000);

    // Default timeout is 24 h.
    let d = s
        .post("/sandboxes", json!({"templateID": t["templateID"]}))
        .await
        .body;
    let started =
        lelantos_api::time::parse_rfc3339_millis(d["startedAt"].as_str().unwrap()).unwrap();
    let end = lelantos_api::time::parse_rfc3339_millis(d["endAt"].as_str().unwrap()).unwrap();
    assert_eq!(end - started, 86_400_000);

    let tpl = s
        .get(&format!("/templates/{}", t["templateID"].as_str().unwrap()))
        .await
        .body;
    assert_eq!(tpl["spawnCount"], 2);
    assert!(tpl["lastSpawnedAt"].is_string());

    assert_eq!(s.get(&format!("/sandboxes/{sid}")).await.body, sb);
    let list = s.get("/sandboxes").await.body;
    assert_eq!(list.as_array().unwrap().len(), 2);
    let filtered = s.get("/sandboxes?metadata=user%3Dalice").await.body;
    assert_eq!(filtered.as_array().unwrap().len(), 1);
    assert_eq!(filtered[0]["sandboxID"], sid);

    let k = s.delete(&format!("/sandboxes/{sid}")).await;
    assert_eq!(k.status, StatusCode::NO_CONTENT);
    assert_eq!(
        s.get(&format!("/sandboxes/{sid}")).await.body["state"],
        "killed"
    );
    assert_eq!(
        s.delete(&format!("/sandboxes/{sid}")).await.status,
        StatusCode::NO_CONTENT,
        "kill is idempotent"
    );
    assert_eq!(s.get("/sandboxes").await.body.as_array().unwrap().len(), 1);
    let killed = s.get("/sandboxes?state=killed").await.body;
    assert_eq!(killed[0]["sandboxID"], sid);
    assert_eq!(
        s.get("/sandboxes?state=running,killed")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );
    s.get("/sandboxes?state=paused")
        .await
        .assert_error(400, &["state must be running, killed or stopped"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_bad_input() {
    let s = TestServer::start().await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["templateID is required"]),
        (json!({"templateID": ""}), vec!["templateID must be"]),
        (
            json!({"templateID": 5}),
            vec!["templateID must be", "got 5"],
        ),
        (
            json!({"templateID": "a", "timeout": 0}),
            vec!["timeout must be an integer from 1 to 86400, got 0"],
        ),
        (
            json!({"templateID": "a", "timeout": 86401}),
            vec!["timeout", "86401"],
        ),
        (
            json!({"templateID": "a", "timeout": 1.5}),
            vec!["timeout", "1.5"],
        ),
        (
            json!({"templateID": "a", "metadata": "x"}),
            vec!["metadata must be an object"],
        ),
        (
            json!({"templateID": "a", "metadata": {"k": 1}}),
            vec!["metadata.k must be a string, got 1"],
        ),
        (
            json!({"templateID": "a", "envVars": {"1BAD": "v"}}),
            vec!["envVars key \"1BAD\" is not a valid variable name"],
        ),
        (
            json!({"templateID": "a", "envVars": []}),
            vec!["envVars must be an object", "an array"],
        ),
        (
            json!({"templateID": "a", "template": "b"}),
            vec!["unknown field `template`"],
        ),
    ];
    for (body, needles) in cases {
        s.post("/sandboxes", body).await.assert_error(400, &needles);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reaper_stops_sandboxes_at_their_timeout() {
    let s = TestServer::start().await;
    let t = s.create(json!({ "dockerfile": SIMPLE })).await;
    s.wait_build(&t, WAIT).await;
    let short = s
        .post(
            "/sandboxes",
            json!({"templateID": t["templateID"], "timeout": 1}),
        )
        .await
        .body;
    let long = s
        .post(
            "/sandboxes",
            json!({"templateID": t["templateID"], "timeout": 3600}),
        )
        .await
        .body;
    let sid = short["sandboxID"].as_str().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let st = s.get(&format!("/sandboxes/{sid}")).await.body;
        if st["state"] == "stopped" {
            break;
        }
        assert_eq!(st["state"], "running");
        assert!(
            std::time::Instant::now() < deadline,
            "sandbox not stopped after its timeout"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let running = s.get("/sandboxes").await.body;
    assert_eq!(running.as_array().unwrap().len(), 1);
    assert_eq!(running[0]["sandboxID"], long["sandboxID"]);
    assert_eq!(
        s.get("/sandboxes?state=stopped").await.body[0]["sandboxID"],
        sid
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_everything() {
    let mut s = TestServer::start().await;
    let a = s
        .create(json!({ "dockerfile": SIMPLE, "alias": "alpha", "cpuCount": 4 }))
        .await;
    let bad = s
        .create(json!({ "dockerfile": "FROM a:1\nRUN echo x > /etc/resolv.conf\n" }))
        .await;
    s.wait_build(&a, WAIT).await;
    s.wait_build(&bad, WAIT).await;
    let a2 = s
        .create(json!({ "dockerfile": SIMPLE, "alias": "alpha" }))
        .await;
    s.wait_build(&a2, WAIT).await;
    let sb = s
        .post(
            "/sandboxes",
            json!({"templateID": "alpha", "metadata": {"k": "v"}}),
        )
        .await
        .body;
    let killed = s
        .post("/sandboxes", json!({"templateID": a["templateID"]}))
        .await
        .body;
    s.delete(&format!(
        "/sandboxes/{}",
        killed["sandboxID"].as_str().unwrap()
    ))
    .await;

    let before_templates = s.get("/templates").await.body;
    let before_builds = [
        s.get(&build_path(&a)).await.body,
        s.get(&build_path(&bad)).await.body,
        s.get(&build_path(&a2)).await.body,
    ];
    let before_sandboxes = s.get("/sandboxes?state=running,killed,stopped").await.body;
    assert_eq!(before_templates.as_array().unwrap().len(), 3);

    // Restart with only the first key configured: keys stored before still work.
    s.restart(|c| c.api_keys = vec![]).await;

    assert_eq!(s.get("/templates").await.body, before_templates);
    let after_builds = [
        s.get(&build_path(&a)).await.body,
        s.get(&build_path(&bad)).await.body,
        s.get(&build_path(&a2)).await.body,
    ];
    assert_eq!(after_builds, before_builds);
    assert_eq!(
        s.get("/sandboxes?state=running,killed,stopped").await.body,
        before_sandboxes
    );
    assert_eq!(
        s.get(&format!("/sandboxes/{}", sb["sandboxID"].as_str().unwrap()))
            .await
            .body["state"],
        "running"
    );
    // The alias still resolves, and the other key still sees nothing of ours.
    let again = s
        .post("/sandboxes", json!({"templateID": "alpha"}))
        .await
        .body;
    assert_eq!(again["templateID"], a2["templateID"]);
    assert_eq!(
        s.send(Method::GET, "/templates", Some(OTHER_KEY), None)
            .await
            .body,
        json!([])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_for_browsers_on_other_origins() {
    let s = TestServer::start().await;
    let pre = s
        .http
        .request(Method::OPTIONS, format!("{}/templates", s.base))
        .header("Origin", "http://localhost:5173")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "x-api-key, content-type")
        .send()
        .await
        .unwrap();
    assert!(pre.status().is_success(), "{}", pre.status());
    let h = pre.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    let allow_headers = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allow_headers.contains("x-api-key") && allow_headers.contains("content-type"),
        "{allow_headers}"
    );
    let methods = h["access-control-allow-methods"].to_str().unwrap();
    assert!(
        methods.contains("DELETE") && methods.contains("POST"),
        "{methods}"
    );

    let res = s
        .http
        .get(format!("{}/templates?limit=1", s.base))
        .header("Origin", "http://localhost:5173")
        .header("X-API-Key", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    assert!(res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .contains("x-next-token"));
    // Errors carry CORS headers too, so a browser can read them.
    let err = s
        .http
        .get(format!("{}/templates", s.base))
        .header("Origin", "http://x.test")
        .send()
        .await
        .unwrap();
    assert_eq!(err.status().as_u16(), 401);
    assert_eq!(err.headers()["access-control-allow-origin"], "*");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_creates_all_land() {
    let s = TestServer::start().await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let http = s.http.clone();
        let url = format!("{}/templates", s.base);
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(url)
                .header("X-API-Key", KEY)
                .json(&json!({"dockerfile": SIMPLE, "alias": format!("a{}", i % 4)}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 202);
            r.json::<Value>().await.unwrap()["templateID"]
                .as_str()
                .unwrap()
                .to_string()
        }));
    }
    let mut ids = HashSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap());
    }
    assert_eq!(ids.len(), 40);
    let list = s.get("/templates").await.body;
    assert_eq!(list.as_array().unwrap().len(), 40);
    // Each alias points at exactly one template, and build counts under an alias are 1..=10.
    let with_alias: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["aliases"] != json!([]))
        .collect();
    assert_eq!(with_alias.len(), 4);
    for t in with_alias {
        assert_eq!(t["buildCount"], 10);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_answers_429_with_retry_after() {
    let s = TestServer::start_with(|c| c.rate_limit = 5).await;
    let mut limited = None;
    for _ in 0..20 {
        let r = s.get("/templates").await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = limited.expect("a quick burst past 5 requests is limited");
    r.assert_error(429, &["too many requests", "5 requests per second"]);
    assert_eq!(r.headers["retry-after"], "1");
    // The other key has its own budget, and health is never limited.
    assert_eq!(
        s.send(Method::GET, "/templates", Some(OTHER_KEY), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        s.send(Method::GET, "/health", None, None).await.status,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        s.get("/templates").await.status,
        StatusCode::OK,
        "budget refills"
    );
}
