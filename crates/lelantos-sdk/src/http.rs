//! HTTP through the global `fetch` (browsers, workers and Node 20+ alike), with timeouts,
//! AbortSignal support and the retry policy of `lelantos_api::policy`.

use crate::error::{Error, ErrorKind};
use js_sys::{Function, Object, Promise, Reflect};
use lelantos_api::policy::{self, Outcome};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, RequestInit, Response};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &str, init: &RequestInit) -> Promise;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST (never blindly retried).
    Post,
    /// DELETE.
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// A successful answer.
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The parsed JSON body (`null` when empty).
    pub body: JsValue,
    /// The `X-Next-Token` header.
    pub next_token: Option<String>,
}

/// Where and how to send.
pub struct Target<'a> {
    /// Base URL.
    pub base_url: &'a str,
    /// The API key (only ever put in the header).
    pub api_key: &'a str,
    /// Per-attempt timeout.
    pub timeout_ms: u32,
}

enum Attempt {
    Answer {
        status: u16,
        body: JsValue,
        retry_after_ms: Option<u32>,
        next_token: Option<String>,
    },
    Network(String),
    Timeout,
    Aborted,
}

/// Sends one request, retrying per policy.
pub async fn send(
    target: &Target<'_>,
    method: Method,
    path: &str,
    body: Option<&str>,
    signal: Option<&AbortSignal>,
) -> Result<Reply, Error> {
    let url = policy::join_url(target.base_url, path);
    let idempotent = method != Method::Post;
    let mut attempt = 1;
    loop {
        let (err, retry_after) = match attempt_once(target, method, &url, body, signal).await {
            Attempt::Answer {
                status,
                body,
                retry_after_ms,
                next_token,
            } => {
                if status < 400 {
                    return Ok(Reply {
                        status,
                        body,
                        next_token,
                    });
                }
                if !policy::should_retry(idempotent, Outcome::Status(status), attempt) {
                    return Err(error_from_answer(status, &body));
                }
                (error_from_answer(status, &body), retry_after_ms)
            }
            Attempt::Network(msg) => {
                let err = Error::new(
                    ErrorKind::Network,
                    format!(
                        "could not reach the Lelantos API at {}: {msg}",
                        target.base_url
                    ),
                );
                if !policy::should_retry(idempotent, Outcome::NetworkError, attempt) {
                    return Err(err);
                }
                (err, None)
            }
            Attempt::Timeout => {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "{} {path} timed out after {} ms",
                        method.as_str(),
                        target.timeout_ms
                    ),
                ))
            }
            Attempt::Aborted => return Err(aborted()),
        };
        match policy::retry_delay_ms(attempt, retry_after, js_sys::Math::random()) {
            Some(ms) => sleep(ms, signal).await?,
            None => return Err(err),
        }
        attempt += 1;
    }
}

pub(crate) fn aborted() -> Error {
    Error::new(ErrorKind::Aborted, "the operation was aborted")
}

fn error_from_answer(status: u16, body: &JsValue) -> Error {
    let code = Reflect::get(body, &"code".into())
        .ok()
        .and_then(|c| c.as_f64())
        .map(|c| c as u16);
    let message = Reflect::get(body, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| format!("the server answered HTTP {status}"));
    Error {
        kind: ErrorKind::from_status(status),
        status,
        code,
        message,
    }
}

fn js_message(e: &JsValue) -> String {
    let msg = Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string());
    let cause = Reflect::get(e, &"cause".into())
        .ok()
        .and_then(|c| Reflect::get(&c, &"message".into()).ok())
        .and_then(|m| m.as_string());
    match (msg, cause) {
        (Some(m), Some(c)) => format!("{m} ({c})"),
        (Some(m), None) => m,
        _ => e.as_string().unwrap_or_else(|| "network error".into()),
    }
}

async fn attempt_once(
    target: &Target<'_>,
    method: Method,
    url: &str,
    body: Option<&str>,
    signal: Option<&AbortSignal>,
) -> Attempt {
    // One controller per attempt, aborted by a timer (cheaper per fetch in Chromium than
    // AbortSignal.timeout(), which alone costs ~10% of a loopback round trip: see
    // bench/sdk-overhead.sh) and, when given, by the caller's signal.
    if signal.is_some_and(|s| s.aborted()) {
        return Attempt::Aborted;
    }
    let controller = match AbortController::new() {
        Ok(c) => c,
        Err(e) => return Attempt::Network(js_message(&e)),
    };
    let abort: Function = Reflect::get(&controller, &"abort".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .map(|f| f.bind0(&controller))
        .expect("AbortController has abort()");
    let timer = set_timeout(&abort, target.timeout_ms.min(i32::MAX as u32) as i32);
    if let Some(user) = signal {
        let _ = user.add_event_listener_with_callback("abort", &abort);
    }
    let result = exchange(target, method, url, body, &controller.signal()).await;
    clear_timeout(&timer);
    if let Some(user) = signal {
        let _ = user.remove_event_listener_with_callback("abort", &abort);
    }
    match result {
        Ok(a) => a,
        Err(_) if signal.is_some_and(|s| s.aborted()) => Attempt::Aborted,
        Err(_) if controller.signal().aborted() => Attempt::Timeout,
        Err(e) => Attempt::Network(js_message(&e)),
    }
}

async fn exchange(
    target: &Target<'_>,
    method: Method,
    url: &str,
    body: Option<&str>,
    abort_signal: &AbortSignal,
) -> Result<Attempt, JsValue> {
    let headers = Object::new();
    Reflect::set(&headers, &"X-API-Key".into(), &target.api_key.into())?;
    Reflect::set(&headers, &"Accept".into(), &"application/json".into())?;
    let init = RequestInit::new();
    init.set_method(method.as_str());
    if let Some(b) = body {
        Reflect::set(&headers, &"Content-Type".into(), &"application/json".into())?;
        init.set_body(&JsValue::from_str(b));
    }
    init.set_headers(&headers);
    init.set_signal(Some(abort_signal));
    let resp: Response = JsFuture::from(global_fetch(url, &init)).await?.dyn_into()?;
    let status = resp.status();
    let h = resp.headers();
    // Retry-After only matters for answers that may be retried.
    let retry_after_ms = if status >= 400 {
        h.get("retry-after")
            .ok()
            .flatten()
            .and_then(|v| policy::parse_retry_after_ms(&v))
    } else {
        None
    };
    let next_token = h
        .get("x-next-token")
        .ok()
        .flatten()
        .filter(|t| !t.is_empty());
    // Parsed by the browser straight into a JS value (no copy of the text through wasm).
    let body = if status == 204 {
        JsValue::NULL
    } else {
        match JsFuture::from(resp.json()?).await {
            Ok(v) => v,
            // An empty or non-JSON error body: the status still says what happened.
            Err(_) if status >= 400 => JsValue::NULL,
            Err(e) if abort_signal.aborted() => return Err(e),
            Err(_) => {
                return Ok(Attempt::Answer {
                    status: 502,
                    body: error_body(&format!(
                        "the server at {} answered HTTP {status} with a body that is not JSON; is baseURL the Lelantos API?",
                        target.base_url
                    )),
                    retry_after_ms: None,
                    next_token: None,
                })
            }
        }
    };
    Ok(Attempt::Answer {
        status,
        body,
        retry_after_ms,
        next_token,
    })
}

fn error_body(message: &str) -> JsValue {
    let o = Object::new();
    let _ = Reflect::set(&o, &"message".into(), &message.into());
    o.into()
}

/// Waits `ms`, or until `signal` aborts (then `Err(aborted)`).
pub async fn sleep(ms: u32, signal: Option<&AbortSignal>) -> Result<(), Error> {
    if signal.is_some_and(|s| s.aborted()) {
        return Err(aborted());
    }
    let mut resolve: Option<Function> = None;
    let p = Promise::new(&mut |res, _| resolve = Some(res));
    let resolve = resolve.expect("the Promise executor runs at once");
    let timer = set_timeout(&resolve, ms.min(i32::MAX as u32) as i32);
    if let Some(s) = signal {
        let _ = s.add_event_listener_with_callback("abort", &resolve);
    }
    let _ = JsFuture::from(p).await;
    clear_timeout(&timer);
    if let Some(s) = signal {
        let _ = s.remove_event_listener_with_callback("abort", &resolve);
        if s.aborted() {
            return Err(aborted());
        }
    }
    Ok(())
}
