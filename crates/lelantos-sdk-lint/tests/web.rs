//! `lintDockerfile` in headless Chromium (wasm-bindgen-test), run by `scripts/test`.
#![cfg(target_arch = "wasm32")]

use js_sys::Reflect;
use lelantos_sdk_lint::lint_dockerfile;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn get(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(k)).unwrap()
}

#[wasm_bindgen_test]
fn lint_in_the_browser() {
    let d = lint_dockerfile(
        "FROM python:3.12-slim\nRUN echo \"nameserver 8.8.8.8\" > /etc/resolv.conf\n",
    );
    assert_eq!(d.length(), 1);
    let first = d.get(0);
    assert_eq!(
        get(&first, "rule").as_string().unwrap(),
        "resolv-conf-write"
    );
    assert_eq!(get(&first, "severity").as_string().unwrap(), "error");
    assert_eq!(get(&first, "line").as_f64().unwrap(), 2.0);
    assert!(get(&first, "message")
        .as_string()
        .unwrap()
        .contains("Read-only"));
    assert_eq!(
        lint_dockerfile("FROM debian:12\nRUN apt-get install -y curl\n").length(),
        0
    );
}
