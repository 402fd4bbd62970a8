//! The JS surface: `LelantosClient` and `SandboxHandle` (`lintDockerfile` is in `lelantos-sdk-lint`). It only converts and
//! exports; the rules come from `lelantos-api` and the HTTP from [`crate::Client`].

use crate::client::{self, Client};
use crate::error::{Error, ErrorKind};
use crate::http::{self, Method};
use js_sys::{Array, Function, Object, Promise, Reflect};
use lelantos_api::validate::{self, Raw};
use lelantos_api::{policy, SandboxState};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeError)]
    fn make_error(kind: &str, status: u16, code: JsValue, message: &str, build: JsValue)
        -> JsValue;
}

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = include_str!("../js/types.d.ts");

fn js_error(e: Error) -> JsValue {
    let code = e.code.map_or(JsValue::NULL, JsValue::from);
    make_error(
        e.kind.as_str(),
        e.status,
        code,
        &e.message,
        JsValue::UNDEFINED,
    )
}

fn invalid(e: validate::ValidationError) -> JsValue {
    js_error(e.into())
}

/// A validation error for one field.
fn field_error(field: &str, message: impl Into<String>) -> JsValue {
    invalid(validate::ValidationError::one(field, message))
}

/// Reads a JS value as [`Raw`]; `undefined` object members count as absent.
fn raw(v: &JsValue) -> Raw {
    if v.is_undefined() {
        Raw::Absent
    } else if v.is_null() {
        Raw::Null
    } else if let Some(b) = v.as_bool() {
        Raw::Bool(b)
    } else if let Some(n) = v.as_f64() {
        Raw::Number(n)
    } else if let Some(s) = v.as_string() {
        Raw::Str(s)
    } else if Array::is_array(v) {
        Raw::Array(Array::from(v).iter().map(|x| raw(&x)).collect())
    } else if v.is_function() {
        Raw::Other("a function")
    } else if v.is_bigint() {
        Raw::Other("a bigint")
    } else if v.is_object() {
        let mut out = Vec::new();
        for e in Object::entries(v.unchecked_ref()).iter() {
            let pair = Array::from(&e);
            let val = pair.get(1);
            if !val.is_undefined() {
                out.push((pair.get(0).as_string().unwrap_or_default(), raw(&val)));
            }
        }
        Raw::Object(out)
    } else {
        Raw::Other("a symbol")
    }
}

fn get(o: &JsValue, k: &str) -> JsValue {
    if o.is_object() {
        Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// An options object as a request body (`undefined`/`null` count as `{}`) plus its optional
/// `signal`, which is not part of the body.
fn options_body(what: &str, v: &JsValue) -> Result<(Raw, Option<AbortSignal>), JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok((Raw::Object(Vec::new()), None));
    }
    if !v.is_object() {
        return Err(field_error(
            what,
            format!("{what} must be an object, got {}", raw(v).describe()),
        ));
    }
    let signal = signal_of(v)?;
    let mut body = raw(v);
    if let Raw::Object(entries) = &mut body {
        entries.retain(|(k, _)| k != "signal");
    }
    Ok((body, signal))
}

/// Splits an options object into the fields the call knows plus an optional `signal`.
fn options_with_signal<const N: usize>(
    what: &str,
    v: &JsValue,
    names: [&str; N],
) -> Result<([Raw; N], Option<AbortSignal>), JsValue> {
    let (body, signal) = options_body(what, v)?;
    let fields = validate::take_fields(body, names).map_err(invalid)?;
    Ok((fields, signal))
}

fn signal_of(v: &JsValue) -> Result<Option<AbortSignal>, JsValue> {
    let s = get(v, "signal");
    if s.is_undefined() || s.is_null() {
        return Ok(None);
    }
    // Duck-typed so that any realm's (and Node's) AbortSignal is accepted.
    if s.is_object()
        && get(&s, "aborted").as_bool().is_some()
        && get(&s, "addEventListener").is_function()
    {
        Ok(Some(s.unchecked_into()))
    } else {
        Err(field_error("signal", "signal must be an AbortSignal"))
    }
}

fn id_arg(field: &str, v: &JsValue) -> Result<String, JsValue> {
    validate::id(field, &raw(v)).map_err(invalid)
}

/// Boxed so that `future_to_promise` is instantiated once, not once per method (smaller wasm).
type JsResultFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, JsValue>>>>;

fn promise<F>(fut: F) -> Promise
where
    F: std::future::Future<Output = Result<JsValue, JsValue>> + 'static,
{
    let boxed: JsResultFuture = Box::pin(fut);
    future_to_promise(boxed)
}

/// A call ready to send: path, JSON body, the caller's signal — or why it cannot be sent.
type Prepared = Result<(String, Option<String>, Option<AbortSignal>), JsValue>;

/// What a method resolves with.
#[derive(Clone, Copy)]
enum Shape {
    /// The JSON answer.
    Body,
    /// `undefined`.
    Nothing,
    /// `{ data, nextToken? }`.
    Page,
    /// A `SandboxHandle` around the answer.
    Handle,
}

/// Sends a prepared call (one shared future for every method keeps the wasm small).
fn send(client: &Client, method: Method, prepared: Prepared, shape: Shape) -> Promise {
    let client = client.clone();
    promise(async move {
        let (path, body, signal) = prepared?;
        let reply = client
            .call(method, &path, body.as_deref(), signal.as_ref())
            .await
            .map_err(js_error)?;
        Ok(match shape {
            Shape::Body => reply.body,
            Shape::Nothing => JsValue::UNDEFINED,
            Shape::Page => {
                let out = Object::new();
                let _ = Reflect::set(&out, &"data".into(), &reply.body);
                if let Some(t) = reply.next_token {
                    let _ = Reflect::set(&out, &"nextToken".into(), &t.into());
                }
                out.into()
            }
            Shape::Handle => SandboxHandle {
                data: reply.body,
                client,
            }
            .into(),
        })
    })
}

/// What a `LelantosClient` method does; every method goes through one [`LelantosClient::call`]
/// so that the per-method wasm exports stay one-liners (a smaller module).
#[derive(Clone, Copy)]
enum Op {
    CreateTemplate,
    BuildStatus,
    CancelBuild,
    WaitForBuild,
    DeleteTemplate,
    GetTemplate,
    ListTemplates,
    CreateSandbox,
    GetSandbox,
    KillSandbox,
    ListSandboxes,
    Health,
}

/// Checks a call's JS arguments with the shared rules and turns them into a request.
fn prepare(op: Op, a: &JsValue, b: &JsValue, c: &JsValue) -> Prepared {
    let opts = |v: &JsValue| options_with_signal("options", v, []).map(|(_, s)| s);
    match op {
        Op::CreateTemplate => {
            let (body, signal) = options_body("options", a)?;
            let input = validate::CreateTemplateInput::from_raw(body).map_err(invalid)?;
            let c = validate::create_template_with(input, validate::dockerfile_quick)
                .map_err(invalid)?;
            Ok((
                "/templates".to_string(),
                Some(client::template_body(&c)),
                signal,
            ))
        }
        Op::BuildStatus | Op::CancelBuild => {
            let t = id_arg("templateID", a)?;
            let b = id_arg("buildID", b)?;
            let (offset, signal) = if let Op::BuildStatus = op {
                let ([offset], signal) = options_with_signal("options", c, ["logsOffset"])?;
                let offset = validate::int_in_range("logsOffset", &offset, 0, u32::MAX, 0)
                    .map_err(|m| field_error("logsOffset", m))?;
                (offset, signal)
            } else {
                (0, opts(c)?)
            };
            Ok((client::build_path(&t, &b, offset), None, signal))
        }
        Op::DeleteTemplate | Op::GetTemplate => {
            let id = id_arg("templateID", a)?;
            Ok((client::template_path(&id), None, opts(b)?))
        }
        Op::GetSandbox | Op::KillSandbox => {
            let id = id_arg("sandboxID", a)?;
            Ok((client::sandbox_path(&id), None, opts(b)?))
        }
        Op::Health => Ok(("/health".to_string(), None, opts(a)?)),
        Op::ListTemplates => {
            let ([limit, token], signal) =
                options_with_signal("options", a, ["limit", "nextToken"])?;
            let limit = match limit {
                Raw::Absent => None,
                l => Some(
                    validate::int_in_range(
                        "limit",
                        &l,
                        1,
                        validate::LIST_LIMIT_MAX,
                        validate::LIST_LIMIT_DEFAULT,
                    )
                    .map_err(|m| field_error("limit", m))?,
                ),
            };
            let token = match token {
                Raw::Absent | Raw::Null => None,
                Raw::Str(s) => Some(s),
                other => {
                    return Err(field_error(
                        "nextToken",
                        format!("nextToken must be a string, got {}", other.describe()),
                    ))
                }
            };
            Ok((client::list_path(limit, token.as_deref()), None, signal))
        }
        Op::CreateSandbox => {
            let (body, signal) = options_body("options", a)?;
            let input = validate::CreateSandboxInput::from_raw(body).map_err(invalid)?;
            let c = validate::create_sandbox(input).map_err(invalid)?;
            Ok((
                "/sandboxes".to_string(),
                Some(client::sandbox_body(&c)),
                signal,
            ))
        }
        Op::ListSandboxes => {
            let ([state, metadata], signal) =
                options_with_signal("options", a, ["state", "metadata"])?;
            let bad_state = |d: String| {
                field_error(
                    "state",
                    format!(
                        "state must be an array of \"running\", \"killed\", \"stopped\", got {d}"
                    ),
                )
            };
            let states = match state {
                Raw::Absent => Vec::new(),
                Raw::Array(items) => items
                    .iter()
                    .map(|i| match i {
                        Raw::Str(s) => {
                            SandboxState::parse(s).ok_or_else(|| bad_state(i.describe()))
                        }
                        other => Err(bad_state(other.describe())),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                other => return Err(bad_state(other.describe())),
            };
            let metadata = match metadata {
                Raw::Absent => Vec::new(),
                Raw::Object(entries) => entries
                    .into_iter()
                    .map(|(k, v)| match v {
                        Raw::Str(s) => Ok((k, s)),
                        other => Err(field_error(
                            "metadata",
                            format!("metadata.{k} must be a string, got {}", other.describe()),
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                other => {
                    return Err(field_error(
                        "metadata",
                        format!(
                            "metadata must be an object of strings, got {}",
                            other.describe()
                        ),
                    ))
                }
            };
            Ok((
                client::sandboxes_path(&states, Some(&metadata)),
                None,
                signal,
            ))
        }
        Op::WaitForBuild => unreachable!("waitForBuild has its own loop"),
    }
}

/// The arguments of `waitForBuild`, checked.
struct WaitArgs {
    template_id: String,
    build_id: String,
    interval: u32,
    timeout: Option<f64>,
    on_status: Option<Function>,
    on_logs: Option<Function>,
    signal: Option<AbortSignal>,
}

fn wait_args(a: &JsValue, b: &JsValue, options: &JsValue) -> Result<WaitArgs, JsValue> {
    let template_id = id_arg("templateID", a)?;
    let build_id = id_arg("buildID", b)?;
    let ([interval, timeout, on_status, on_logs], signal) = options_with_signal(
        "options",
        options,
        ["intervalMs", "timeoutMs", "onStatus", "onLogs"],
    )?;
    let interval = match interval {
        Raw::Absent => policy::POLL_INTERVAL_MS,
        Raw::Number(n) if n.is_finite() && n >= 0.0 => policy::poll_interval_ms(Some(n)),
        other => {
            return Err(field_error(
                "intervalMs",
                format!(
                    "intervalMs must be a number of milliseconds, got {}",
                    other.describe()
                ),
            ))
        }
    };
    let timeout = match timeout {
        Raw::Absent => None,
        Raw::Number(n) if n.is_finite() && n > 0.0 => Some(n),
        other => {
            return Err(field_error(
                "timeoutMs",
                format!(
                    "timeoutMs must be a positive number of milliseconds, got {}",
                    other.describe()
                ),
            ))
        }
    };
    let callback = |name: &str, raw: Raw| -> Result<Option<Function>, JsValue> {
        match raw {
            Raw::Absent => Ok(None),
            Raw::Other("a function") => Ok(get(options, name).dyn_into::<Function>().ok()),
            other => Err(field_error(
                name,
                format!("{name} must be a function, got {}", other.describe()),
            )),
        }
    };
    Ok(WaitArgs {
        template_id,
        build_id,
        interval,
        timeout,
        on_status: callback("onStatus", on_status)?,
        on_logs: callback("onLogs", on_logs)?,
        signal,
    })
}

/// Polls a build until `ready` or `error` (the rules of `lelantos_api::policy`).
fn wait_for_build(client: Client, args: Result<WaitArgs, JsValue>) -> Promise {
    promise(async move {
        let w = args?;
        let deadline = w.timeout.map(|ms| js_sys::Date::now() + ms);
        let all_logs = Array::new();
        loop {
            let path = client::build_path(&w.template_id, &w.build_id, all_logs.length());
            let status = client
                .call(Method::Get, &path, None, w.signal.as_ref())
                .await
                .map_err(js_error)?
                .body;
            let new_logs = Array::from(&get(&status, "logs"));
            for l in new_logs.iter() {
                all_logs.push(&l);
            }
            let _ = Reflect::set(
                &status,
                &"logs".into(),
                &all_logs.slice(0, all_logs.length()),
            );
            if let Some(f) = &w.on_logs {
                if new_logs.length() > 0 {
                    f.call1(&JsValue::UNDEFINED, &new_logs)?;
                }
            }
            if let Some(f) = &w.on_status {
                f.call1(&JsValue::UNDEFINED, &status)?;
            }
            match get(&status, "status").as_string().as_deref() {
                Some("ready") => return Ok(status),
                Some("error") => {
                    let why = get(&status, "error")
                        .as_string()
                        .unwrap_or_else(|| "unknown error".into());
                    return Err(make_error(
                        "build",
                        0,
                        JsValue::NULL,
                        &format!("Build failed: {why}"),
                        status,
                    ));
                }
                _ => {}
            }
            let mut wait = f64::from(w.interval);
            if let (Some(deadline), Some(ms)) = (deadline, w.timeout) {
                let left = deadline - js_sys::Date::now();
                if left <= 0.0 {
                    return Err(js_error(Error::new(
                        ErrorKind::Timeout,
                        format!(
                            "the build was still building after {} ms (waitForBuild timeoutMs)",
                            ms as u64
                        ),
                    )));
                }
                wait = wait.min(left);
            }
            http::sleep(wait as u32, w.signal.as_ref())
                .await
                .map_err(js_error)?;
        }
    })
}

/// The Lelantos API client.
#[wasm_bindgen]
pub struct LelantosClient {
    client: Client,
}

const U: JsValue = JsValue::UNDEFINED;

#[wasm_bindgen]
impl LelantosClient {
    /// `new LelantosClient({ apiKey, baseURL?, timeout? })`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "LelantosClientOptions")] options: JsValue,
    ) -> Result<LelantosClient, JsValue> {
        let (f, _) = options_with_signal("options", &options, ["apiKey", "baseURL", "timeout"])?;
        let opts = validate::client_options(&f[0], &f[1], &f[2]).map_err(invalid)?;
        Ok(LelantosClient {
            client: Client::from_options(opts),
        })
    }

    /// The base URL in use.
    #[wasm_bindgen(getter, js_name = baseURL)]
    pub fn base_url(&self) -> String {
        self.client.base_url().to_string()
    }

    /// Starts a template build from a Dockerfile.
    #[wasm_bindgen(js_name = createTemplate, unchecked_return_type = "Promise<Template>")]
    pub fn create_template(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CreateTemplateOptions")] options: JsValue,
    ) -> Promise {
        self.call(Op::CreateTemplate, options, U, U)
    }

    /// The status of a build; `{ logsOffset }` returns only log entries after the first N.
    #[wasm_bindgen(js_name = getTemplateBuildStatus, unchecked_return_type = "Promise<TemplateBuildStatus>")]
    pub fn get_template_build_status(
        &self,
        #[wasm_bindgen(js_name = templateID, unchecked_param_type = "string")] template_id: JsValue,
        #[wasm_bindgen(js_name = buildID, unchecked_param_type = "string")] build_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "BuildStatusOptions")] options: JsValue,
    ) -> Promise {
        self.call(Op::BuildStatus, template_id, build_id, options)
    }

    /// Cancels a running build; resolves with its final status.
    #[wasm_bindgen(js_name = cancelBuild, unchecked_return_type = "Promise<TemplateBuildStatus>")]
    pub fn cancel_build(
        &self,
        #[wasm_bindgen(js_name = templateID, unchecked_param_type = "string")] template_id: JsValue,
        #[wasm_bindgen(js_name = buildID, unchecked_param_type = "string")] build_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        self.call(Op::CancelBuild, template_id, build_id, options)
    }

    /// Polls a build until it is `ready` (resolves with the final status, all logs included)
    /// or `error` (rejects with a LelantosError of kind `build` carrying the status as `build`).
    #[wasm_bindgen(js_name = waitForBuild, unchecked_return_type = "Promise<TemplateBuildStatus>")]
    pub fn wait_for_build(
        &self,
        #[wasm_bindgen(js_name = templateID, unchecked_param_type = "string")] template_id: JsValue,
        #[wasm_bindgen(js_name = buildID, unchecked_param_type = "string")] build_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "WaitForBuildOptions")] options: JsValue,
    ) -> Promise {
        self.call(Op::WaitForBuild, template_id, build_id, options)
    }

    /// Deletes a template (a running build is cancelled; running sandboxes keep running).
    #[wasm_bindgen(js_name = deleteTemplate, unchecked_return_type = "Promise<void>")]
    pub fn delete_template(
        &self,
        #[wasm_bindgen(js_name = templateID, unchecked_param_type = "string")] template_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        self.call(Op::DeleteTemplate, template_id, options, U)
    }

    /// One template.
    #[wasm_bindgen(js_name = getTemplate, unchecked_return_type = "Promise<Template>")]
    pub fn get_template(
        &self,
        #[wasm_bindgen(js_name = templateID, unchecked_param_type = "string")] template_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        self.call(Op::GetTemplate, template_id, options, U)
    }

    /// A page of templates, newest first.
    #[wasm_bindgen(js_name = listTemplates, unchecked_return_type = "Promise<PaginatedResult<Template>>")]
    pub fn list_templates(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ListTemplatesOptions")] options: JsValue,
    ) -> Promise {
        self.call(Op::ListTemplates, options, U, U)
    }

    /// Starts a sandbox from a ready template (by id or alias).
    #[wasm_bindgen(js_name = createSandbox, unchecked_return_type = "Promise<SandboxHandle>")]
    pub fn create_sandbox(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CreateSandboxOptions")] options: JsValue,
    ) -> Promise {
        self.call(Op::CreateSandbox, options, U, U)
    }

    /// One sandbox's details.
    #[wasm_bindgen(js_name = getSandbox, unchecked_return_type = "Promise<Sandbox>")]
    pub fn get_sandbox(
        &self,
        #[wasm_bindgen(js_name = sandboxID, unchecked_param_type = "string")] sandbox_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        self.call(Op::GetSandbox, sandbox_id, options, U)
    }

    /// Kills a sandbox.
    #[wasm_bindgen(js_name = killSandbox, unchecked_return_type = "Promise<void>")]
    pub fn kill_sandbox(
        &self,
        #[wasm_bindgen(js_name = sandboxID, unchecked_param_type = "string")] sandbox_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        self.call(Op::KillSandbox, sandbox_id, options, U)
    }

    /// Sandboxes (running ones unless `state` says otherwise).
    #[wasm_bindgen(js_name = listSandboxes, unchecked_return_type = "Promise<Sandbox[]>")]
    pub fn list_sandboxes(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ListSandboxesOptions")] options: JsValue,
    ) -> Promise {
        self.call(Op::ListSandboxes, options, U, U)
    }

    /// `GET /health`: server version and builder.
    #[wasm_bindgen(unchecked_return_type = "Promise<Health>")]
    pub fn health(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        self.call(Op::Health, options, U, U)
    }

    #[inline(never)]
    fn call(&self, op: Op, a: JsValue, b: JsValue, c: JsValue) -> Promise {
        let (method, shape) = match op {
            Op::WaitForBuild => {
                return wait_for_build(self.client.clone(), wait_args(&a, &b, &c));
            }
            Op::CreateTemplate => (Method::Post, Shape::Body),
            Op::CreateSandbox => (Method::Post, Shape::Handle),
            Op::CancelBuild => (Method::Delete, Shape::Body),
            Op::DeleteTemplate | Op::KillSandbox => (Method::Delete, Shape::Nothing),
            Op::ListTemplates => (Method::Get, Shape::Page),
            _ => (Method::Get, Shape::Body),
        };
        send(&self.client, method, prepare(op, &a, &b, &c), shape)
    }
}

/// A started sandbox: its fields plus `getDetails()` and `kill()`.
#[wasm_bindgen]
pub struct SandboxHandle {
    data: JsValue,
    client: Client,
}

macro_rules! getters {
    ($($rust:ident => $js:literal : $ts:literal),* $(,)?) => {
        #[wasm_bindgen]
        impl SandboxHandle {
            $(
                #[doc = concat!("`", $js, "` of the sandbox.")]
                #[wasm_bindgen(getter, js_name = $js, unchecked_return_type = $ts)]
                pub fn $rust(&self) -> JsValue {
                    get(&self.data, $js)
                }
            )*
        }
    };
}

getters! {
    sandbox_id => "sandboxID": "string",
    template_id => "templateID": "string",
    alias => "alias": "string | undefined",
    client_id => "clientID": "string",
    envd_version => "envdVersion": "string",
    started_at => "startedAt": "string",
    end_at => "endAt": "string",
    cpu_count => "cpuCount": "number",
    memory_mb => "memoryMB": "number",
    disk_size_mb => "diskSizeMB": "number",
    metadata => "metadata": "Record<string, string>",
    state => "state": "SandboxState",
}

#[wasm_bindgen]
impl SandboxHandle {
    /// The sandbox's current details from the API.
    #[wasm_bindgen(js_name = getDetails, unchecked_return_type = "Promise<Sandbox>")]
    pub fn get_details(&self) -> Promise {
        send(
            &self.client,
            Method::Get,
            Ok((self.path(), None, None)),
            Shape::Body,
        )
    }

    /// Kills the sandbox.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn kill(&self) -> Promise {
        send(
            &self.client,
            Method::Delete,
            Ok((self.path(), None, None)),
            Shape::Nothing,
        )
    }

    /// The sandbox's fields as a plain object (what `JSON.stringify` shows).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "Sandbox")]
    pub fn to_json(&self) -> JsValue {
        self.data.clone()
    }
}

impl SandboxHandle {
    fn path(&self) -> String {
        client::sandbox_path(&get(&self.data, "sandboxID").as_string().unwrap_or_default())
    }
}
