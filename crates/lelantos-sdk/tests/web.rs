//! The SDK in headless Chromium (wasm-bindgen-test) against the real local server, which
//! `scripts/test` starts on other loopback ports than the test page: every call here is a
//! cross-origin (CORS) call from a browser page.
#![cfg(all(target_arch = "wasm32", feature = "js"))]

use js_sys::{Array, Function, Object, Promise, Reflect};
use lelantos_sdk::js::LelantosClient;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn env(name: &str, value: Option<&'static str>) -> &'static str {
    value.unwrap_or_else(|| panic!("{name} is not set: run these tests through scripts/test"))
}
fn api() -> &'static str {
    env("LELANTOS_TEST_URL", option_env!("LELANTOS_TEST_URL"))
}
fn slow_api() -> &'static str {
    env(
        "LELANTOS_TEST_SLOW_URL",
        option_env!("LELANTOS_TEST_SLOW_URL"),
    )
}
fn silent_api() -> &'static str {
    env(
        "LELANTOS_TEST_SILENT_URL",
        option_env!("LELANTOS_TEST_SILENT_URL"),
    )
}
fn key() -> &'static str {
    env("LELANTOS_TEST_KEY", option_env!("LELANTOS_TEST_KEY"))
}

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}
fn get(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(k)).unwrap()
}
fn s(o: &JsValue, k: &str) -> String {
    get(o, k)
        .as_string()
        .unwrap_or_else(|| panic!("{k} is not a string"))
}
fn n(o: &JsValue, k: &str) -> f64 {
    get(o, k)
        .as_f64()
        .unwrap_or_else(|| panic!("{k} is not a number"))
}
async fn ok(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => v,
        Err(e) => panic!(
            "rejected: {}",
            get(&e, "message").as_string().unwrap_or_default()
        ),
    }
}
async fn fails(p: Promise) -> JsValue {
    let e = JsFuture::from(p).await.expect_err("the call must reject");
    assert!(e.is_instance_of::<js_sys::Error>(), "a real Error");
    assert_eq!(s(&e, "name"), "LelantosError");
    assert!(
        !s(&e, "message").contains(key()),
        "the key never appears in messages"
    );
    e
}
fn client_for(base: &str) -> LelantosClient {
    LelantosClient::new(obj(&[("apiKey", key().into()), ("baseURL", base.into())]))
        .expect("valid options")
}
fn client() -> LelantosClient {
    client_for(api())
}
async fn sleep(ms: i32) {
    let set_timeout: Function = get(&js_sys::global(), "setTimeout").dyn_into().unwrap();
    let p = Promise::new(&mut |resolve, _| {
        set_timeout
            .call2(&JsValue::UNDEFINED, &resolve, &ms.into())
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}
const DF: &str = "FROM python:3.12-slim\nRUN pip install numpy\n";

#[wasm_bindgen_test]
async fn the_page_is_on_another_origin_than_the_api() {
    let page = s(&get(&js_sys::global(), "location"), "origin");
    assert_ne!(page, api(), "CORS is exercised only if the origins differ");
    let h = ok(client().health(JsValue::UNDEFINED)).await;
    assert_eq!(s(&h, "status"), "ok");
    assert_eq!(s(&h, "builder"), "dry-run");
}

#[wasm_bindgen_test]
async fn templates_every_method() {
    let c = client();
    let t = ok(c.create_template(obj(&[
        ("dockerfile", DF.into()),
        ("alias", "web-a".into()),
        ("cpuCount", 4.into()),
    ])))
    .await;
    assert_eq!(n(&t, "cpuCount"), 4.0);
    assert_eq!(n(&t, "memoryMB"), 512.0);
    let (tid, bid) = (get(&t, "templateID"), get(&t, "buildID"));
    let statuses = Rc::new(RefCell::new(Vec::<String>::new()));
    let seen = statuses.clone();
    let on_status = Closure::<dyn FnMut(JsValue)>::new(move |st: JsValue| {
        seen.borrow_mut().push(s(&st, "status"))
    });
    let done = ok(c.wait_for_build(
        tid.clone(),
        bid.clone(),
        obj(&[
            ("intervalMs", 100.into()),
            ("onStatus", on_status.as_ref().clone()),
        ]),
    ))
    .await;
    assert_eq!(s(&done, "status"), "ready");
    assert_eq!(statuses.borrow().last().map(String::as_str), Some("ready"));
    let logs = Array::from(&get(&done, "logs"));
    assert!(logs.length() >= 3);
    let tail =
        ok(c.get_template_build_status(tid.clone(), bid.clone(), obj(&[("logsOffset", 2.into())])))
            .await;
    assert_eq!(Array::from(&get(&tail, "logs")).length(), logs.length() - 2);
    let got = ok(c.get_template(tid.clone(), JsValue::UNDEFINED)).await;
    assert_eq!(s(&got, "buildStatus"), "ready");

    ok(c.create_template(obj(&[("dockerfile", DF.into()), ("alias", "web-b".into())]))).await;
    let page = ok(c.list_templates(obj(&[("limit", 1.into())]))).await;
    assert_eq!(Array::from(&get(&page, "data")).length(), 1);
    // X-Next-Token is readable cross-origin only because the server exposes it (CORS).
    let token = get(&page, "nextToken");
    assert!(token.is_string(), "nextToken reached the page");
    let next = ok(c.list_templates(obj(&[("limit", 1.into()), ("nextToken", token)]))).await;
    assert_eq!(Array::from(&get(&next, "data")).length(), 1);

    assert!(ok(c.delete_template(tid.clone(), JsValue::UNDEFINED))
        .await
        .is_undefined());
    let e = fails(c.get_template(tid, JsValue::UNDEFINED)).await;
    assert_eq!(s(&e, "kind"), "not_found");
    assert_eq!(n(&e, "status"), 404.0);
}

#[wasm_bindgen_test]
async fn cancel_build_and_wait_for_a_failing_build() {
    let slow = client_for(slow_api());
    let t = ok(slow.create_template(obj(&[(
        "dockerfile",
        "FROM a:1\nRUN 1\nRUN 2\nRUN 3\nRUN 4\n".into(),
    )])))
    .await;
    let st = ok(slow.cancel_build(
        get(&t, "templateID"),
        get(&t, "buildID"),
        JsValue::UNDEFINED,
    ))
    .await;
    assert_eq!(s(&st, "status"), "error");
    assert_eq!(s(&st, "error"), "build cancelled");

    let c = client();
    let bad = ok(c.create_template(obj(&[(
        "dockerfile",
        "FROM python:3.12-slim\nRUN pip install numpy\nRUN echo \"nameserver 8.8.8.8\" > /etc/resolv.conf\n".into(),
    )])))
    .await;
    let e = fails(c.wait_for_build(
        get(&bad, "templateID"),
        get(&bad, "buildID"),
        obj(&[("intervalMs", 100.into())]),
    ))
    .await;
    assert_eq!(s(&e, "kind"), "build");
    assert!(s(&e, "message").contains("Read-only file system"));
    let build = get(&e, "build");
    assert_eq!(s(&build, "status"), "error");
    assert_eq!(n(&get(&build, "reason"), "line"), 3.0);
}

#[wasm_bindgen_test]
async fn wait_for_build_aborts_through_a_signal() {
    let slow = client_for(slow_api());
    let t = ok(slow.create_template(obj(&[(
        "dockerfile",
        "FROM a:1\nRUN 1\nRUN 2\nRUN 3\nRUN 4\nRUN 5\n".into(),
    )])))
    .await;
    let ac = web_sys::AbortController::new().unwrap();
    let wait = slow.wait_for_build(
        get(&t, "templateID"),
        get(&t, "buildID"),
        obj(&[("intervalMs", 5000.into()), ("signal", ac.signal().into())]),
    );
    let started = js_sys::Date::now();
    sleep(200).await;
    ac.abort();
    let e = fails(wait).await;
    assert_eq!(s(&e, "kind"), "aborted");
    assert!(
        js_sys::Date::now() - started < 2000.0,
        "abort does not wait for the poll interval"
    );
}

#[wasm_bindgen_test]
async fn sandboxes_every_method() {
    let c = client();
    let t = ok(c.create_template(obj(&[
        ("dockerfile", DF.into()),
        ("alias", "web-sbx".into()),
        ("memoryMB", 1024.into()),
    ])))
    .await;
    ok(c.wait_for_build(
        get(&t, "templateID"),
        get(&t, "buildID"),
        obj(&[("intervalMs", 100.into())]),
    ))
    .await;
    let handle = ok(c.create_sandbox(obj(&[
        ("templateID", "web-sbx".into()),
        ("metadata", obj(&[("who", "browser".into())])),
    ])))
    .await;
    let id = get(&handle, "sandboxID");
    assert!(id.as_string().unwrap().starts_with("sbx_"));
    assert_eq!(n(&handle, "memoryMB"), 1024.0);
    assert_eq!(s(&handle, "state"), "running");
    let get_details: Function = get(&handle, "getDetails").dyn_into().unwrap();
    let details = ok(get_details.call0(&handle).unwrap().dyn_into().unwrap()).await;
    assert_eq!(s(&details, "state"), "running");
    let one = ok(c.get_sandbox(id.clone(), JsValue::UNDEFINED)).await;
    assert!(
        get(&one, "who").is_undefined(),
        "no stray fields at the top level"
    );
    assert_eq!(s(&get(&one, "metadata"), "who"), "browser");
    let list = Array::from(&ok(c.list_sandboxes(JsValue::UNDEFINED)).await);
    assert!(list.iter().any(|x| get(&x, "sandboxID") == id));
    let kill: Function = get(&handle, "kill").dyn_into().unwrap();
    ok(kill.call0(&handle).unwrap().dyn_into().unwrap()).await;
    assert_eq!(
        s(
            &ok(c.get_sandbox(id.clone(), JsValue::UNDEFINED)).await,
            "state"
        ),
        "killed"
    );
    let other = ok(c.create_sandbox(obj(&[("templateID", get(&t, "templateID"))]))).await;
    ok(c.kill_sandbox(get(&other, "sandboxID"), JsValue::UNDEFINED)).await;
}

#[wasm_bindgen_test]
async fn validation_errors_never_reach_the_network() {
    // Nothing listens on port 1: a request would end as `network`, not `validation`.
    let offline = client_for("http://127.0.0.1:1");
    for (opts, needle) in [
        (
            obj(&[("dockerfile", DF.into()), ("cpuCount", 9.into())]),
            "cpuCount must be an integer from 1 to 8, got 9",
        ),
        (
            obj(&[("dockerfile", DF.into()), ("cpuCount", 2.5.into())]),
            "got 2.5",
        ),
        (
            obj(&[("dockerfile", DF.into()), ("memoryMB", 100.into())]),
            "memoryMB must be an integer from 128 to 8192",
        ),
        (
            obj(&[("dockerfile", "".into())]),
            "dockerfile must not be empty",
        ),
        (
            obj(&[("dockerfile", DF.into()), ("alias", "Bad Alias".into())]),
            "alias must be",
        ),
    ] {
        let e = fails(offline.create_template(opts)).await;
        assert_eq!(s(&e, "kind"), "validation");
        assert_eq!(n(&e, "status"), 0.0);
        assert!(
            s(&e, "message").contains(needle),
            "{} lacks {needle}",
            s(&e, "message")
        );
    }
    let e =
        fails(offline.create_sandbox(obj(&[("templateID", "x".into()), ("timeout", 0.into())])))
            .await;
    assert_eq!(s(&e, "kind"), "validation");
    let e = fails(offline.get_template("".into(), JsValue::UNDEFINED)).await;
    assert_eq!(s(&e, "kind"), "validation");
    // …and a real request there is a network error.
    let e = fails(offline.get_template("abc".into(), JsValue::UNDEFINED)).await;
    assert_eq!(s(&e, "kind"), "network");
}

#[wasm_bindgen_test]
async fn wrong_key_is_401_and_unknown_ids_404() {
    let bad = LelantosClient::new(obj(&[
        ("apiKey", "lel_wrong_wrong_wrong_wrong".into()),
        ("baseURL", api().into()),
    ]))
    .unwrap();
    let e = fails(bad.list_templates(JsValue::UNDEFINED)).await;
    assert_eq!(s(&e, "kind"), "auth");
    assert_eq!(n(&e, "status"), 401.0);
    assert_eq!(n(&e, "code"), 401.0);
    let e =
        fails(client().get_template_build_status("nope".into(), "nope".into(), JsValue::UNDEFINED))
            .await;
    assert_eq!(s(&e, "kind"), "not_found");
    let e = fails(client().get_sandbox("sbx_nope".into(), JsValue::UNDEFINED)).await;
    assert_eq!(n(&e, "status"), 404.0);
}

#[wasm_bindgen_test]
async fn a_request_without_an_answer_times_out() {
    let c = LelantosClient::new(obj(&[
        ("apiKey", key().into()),
        ("baseURL", silent_api().into()),
        ("timeout", 300.into()),
    ]))
    .unwrap();
    let started = js_sys::Date::now();
    let e = fails(c.get_template("x".into(), JsValue::UNDEFINED)).await;
    assert_eq!(s(&e, "kind"), "timeout");
    assert!(s(&e, "message").contains("timed out after 300 ms"));
    assert!(js_sys::Date::now() - started < 3000.0);
}
