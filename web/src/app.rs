//! The console UI. Reads go through the SDK's Rust `Client`; the rules (validation, lint)
//! come from `lelantos-api` via [`crate::logic`].

use crate::logic::{self, TemplateForm};
use lelantos_api::lint::Severity;
use lelantos_api::validate;
use lelantos_api::{BuildStatus, LogEntry, Sandbox, SandboxState, Template, TemplateBuild};
use lelantos_sdk::{Client, Error as SdkError, ErrorKind};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const SESSION_KEY: &str = "lelantos.key";
const SESSION_BASE: &str = "lelantos.baseURL";

/// Where the console talks to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// API base URL.
    pub base_url: String,
    /// API key.
    pub key: String,
}

impl Connection {
    fn client(&self) -> Result<Client, SdkError> {
        Client::new(&self.key, Some(&self.base_url), None)
    }
}

/// Which screen is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Page {
    /// The new-template form (optionally prefilled for a rebuild).
    New(Option<TemplateForm>),
    /// One build, polled.
    Build {
        /// Template id.
        template_id: String,
        /// Build id.
        build_id: String,
    },
    /// The templates list.
    Templates,
    /// Running sandboxes.
    Sandboxes,
}

fn storage(local: bool) -> Option<web_sys::Storage> {
    let w = web_sys::window()?;
    if local {
        w.local_storage().ok().flatten()
    } else {
        w.session_storage().ok().flatten()
    }
}

fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// Takes the key from `#key=…` (then removes it from the address bar), or from storage.
fn initial_connection() -> Option<Connection> {
    let w = web_sys::window()?;
    let hash = w.location().hash().unwrap_or_default();
    if let Some(key) = logic::key_from_fragment(&hash) {
        if let Some(s) = storage(false) {
            let _ = s.set_item(SESSION_KEY, &key);
            let _ = s.set_item(SESSION_BASE, &origin());
        }
        let path = w.location().pathname().unwrap_or_default();
        if let Ok(h) = w.history() {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
        }
        return Some(Connection {
            base_url: origin(),
            key,
        });
    }
    for local in [false, true] {
        if let Some(s) = storage(local) {
            if let Ok(Some(key)) = s.get_item(SESSION_KEY) {
                let base_url = s
                    .get_item(SESSION_BASE)
                    .ok()
                    .flatten()
                    .unwrap_or_else(origin);
                return Some(Connection { base_url, key });
            }
        }
    }
    None
}

fn forget_connection() {
    for local in [false, true] {
        if let Some(s) = storage(local) {
            let _ = s.remove_item(SESSION_KEY);
            let _ = s.remove_item(SESSION_BASE);
        }
    }
}

fn message(e: &SdkError) -> String {
    match e.kind {
        ErrorKind::Auth => format!(
            "{} — check the API key (Disconnect, then connect with the right key).",
            e.message
        ),
        ErrorKind::Network => format!("{} — is the Lelantos server running?", e.message),
        _ => e.message.clone(),
    }
}

/// Starts a sandbox from `template_id`, showing it in `sandbox` or the failure in `error`.
fn start_sandbox(
    conn: StoredValue<Connection>,
    template_id: String,
    sandbox: RwSignal<Option<Sandbox>>,
    error: RwSignal<Option<String>>,
) {
    spawn_local(async move {
        let req = lelantos_api::CreateSandboxRequest {
            template_id,
            timeout: None,
            metadata: None,
            env_vars: None,
        };
        let result = match conn.get_value().client() {
            Ok(c) => c.create_sandbox(&req).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(s) => sandbox.set(Some(s)),
            Err(e) => error.set(Some(message(&e))),
        }
    });
}

/// An SDK error shown inline, announced to screen readers.
#[component]
fn InlineError(error: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|e| view! { <p class="form-error" role="alert">{e}</p> })
    }
}

/// An RFC 3339 time in the user's locale and time zone.
fn local_time(rfc3339: &str) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if d.get_time().is_nan() {
        return rfc3339.to_string();
    }
    d.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED)
        .into()
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The whole console.
#[component]
pub fn App() -> impl IntoView {
    let conn = RwSignal::new(initial_connection());
    view! {
        <ErrorBoundary fallback=|errors| view! {
            <div class="panel error" role="alert">
                <h2>"Something went wrong"</h2>
                <ul>{move || errors.get().into_iter().map(|(_, e)| view! { <li>{e.to_string()}</li> }).collect_view()}</ul>
                <button on:click=|_| { let _ = web_sys::window().map(|w| w.location().reload()); }>"Reload"</button>
            </div>
        }>
            {move || match conn.get() {
                None => view! { <ConnectScreen conn=conn/> }.into_any(),
                Some(c) => view! { <Console connection=c conn=conn/> }.into_any(),
            }}
        </ErrorBoundary>
    }
}

/// Base URL + key entered by hand.
#[component]
fn ConnectScreen(conn: RwSignal<Option<Connection>>) -> impl IntoView {
    let base = RwSignal::new(origin());
    let key = RwSignal::new(String::new());
    let remember = RwSignal::new(false);
    let connect = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let c = Connection {
            base_url: base.get().trim().trim_end_matches('/').to_string(),
            key: key.get().trim().to_string(),
        };
        if let Some(s) = storage(remember.get()) {
            let _ = s.set_item(SESSION_KEY, &c.key);
            let _ = s.set_item(SESSION_BASE, &c.base_url);
        }
        conn.set(Some(c));
    };
    view! {
        <main class="connect">
            <h1>"Lelantos console"</h1>
            <form class="panel" on:submit=connect>
                <p>"Connect to a Lelantos API. The server prints a console link with the key when it starts."</p>
                <label for="base">"API base URL"</label>
                <input id="base" type="url" required prop:value=move || base.get() on:input=move |ev| base.set(event_target_value(&ev))/>
                <label for="key">"API key"</label>
                <input id="key" type="password" required placeholder="lel_…" autocomplete="off"
                    prop:value=move || key.get() on:input=move |ev| key.set(event_target_value(&ev))/>
                <label class="check">
                    <input type="checkbox" prop:checked=move || remember.get() on:change=move |ev| remember.set(event_target_checked(&ev))/>
                    " Remember on this device (localStorage)"
                </label>
                <button type="submit" class="primary">"Connect"</button>
            </form>
        </main>
    }
}

/// The signed-in console: navigation, banner, and the current page.
#[component]
fn Console(connection: Connection, conn: RwSignal<Option<Connection>>) -> impl IntoView {
    let page = RwSignal::new(Page::New(None));
    let banner = RwSignal::new(None::<String>);
    let fatal = RwSignal::new(None::<String>);
    let c = StoredValue::new(connection);
    spawn_local(async move {
        let Ok(client) = c.get_value().client() else {
            return;
        };
        match client.health().await {
            Ok(h) if h.builder == "dry-run" => banner.set(Some(
                "Builds are validated only (dry-run builder): Dockerfiles are parsed and linted, no image is built.".into(),
            )),
            Ok(_) => {}
            Err(e) => fatal.set(Some(message(&e))),
        }
        // The key is checked by any authenticated call.
        if let Err(e) = client.list_templates(Some(1), None).await {
            if e.kind == ErrorKind::Auth {
                fatal.set(Some(message(&e)));
            }
        }
    });
    let disconnect = move |_| {
        forget_connection();
        conn.set(None);
    };
    let nav = move |p: Page, label: &'static str| {
        let is_current = {
            let p = p.clone();
            move || std::mem::discriminant(&page.get()) == std::mem::discriminant(&p)
        };
        view! {
            <button class="nav" aria-current=move || if is_current() { "page" } else { "false" }
                on:click=move |_| page.set(p.clone())>{label}</button>
        }
    };
    view! {
        <header class="top">
            <span class="brand">"Lelantos"</span>
            <nav aria-label="Console">
                {nav(Page::New(None), "New template")}
                {nav(Page::Templates, "Templates")}
                {nav(Page::Sandboxes, "Sandboxes")}
            </nav>
            <button class="link" on:click=disconnect>"Disconnect"</button>
        </header>
        {move || banner.get().map(|b| view! { <div class="banner" role="status">{b}</div> })}
        {move || fatal.get().map(|m| view! { <div class="panel error" role="alert" id="fatal">{m}</div> })}
        <main>
            {move || match page.get() {
                Page::New(prefill) => view! { <NewTemplate conn=c page=page prefill=prefill/> }.into_any(),
                Page::Build { template_id, build_id } => view! { <BuildView conn=c page=page template_id=template_id build_id=build_id/> }.into_any(),
                Page::Templates => view! { <TemplatesList conn=c page=page/> }.into_any(),
                Page::Sandboxes => view! { <SandboxesList conn=c/> }.into_any(),
            }}
        </main>
    }
}

/// The new-template form: editor with live lint, alias, sliders.
#[component]
fn NewTemplate(
    conn: StoredValue<Connection>,
    page: RwSignal<Page>,
    prefill: Option<TemplateForm>,
) -> impl IntoView {
    let form = RwSignal::new(prefill.clone().unwrap_or_default());
    let check = Memo::new(move |_| form.with(|f| f.check()));
    let submitting = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let rebuild = prefill.is_some();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !check.get().can_submit() || submitting.get() {
            return;
        }
        let req = match form.with(|f| f.to_request()) {
            Ok(r) => r,
            Err(e) => {
                error.set(Some(e.to_string()));
                return;
            }
        };
        submitting.set(true);
        error.set(None);
        spawn_local(async move {
            let result = match conn.get_value().client() {
                Ok(c) => c.create_template(&req).await,
                Err(e) => Err(e),
            };
            submitting.set(false);
            match result {
                Ok(t) => page.set(Page::Build {
                    template_id: t.template_id,
                    build_id: t.build_id,
                }),
                Err(e) => error.set(Some(message(&e))),
            }
        });
    };
    let lines = move || form.with(|f| f.dockerfile.split('\n').count().max(1));
    let marker_class = move |n: usize| {
        check.with(
            |c| match c.markers.iter().find(|m| m.line == n).map(|m| m.severity) {
                Some(Severity::Error) => "ln ln-error",
                Some(Severity::Warning) => "ln ln-warning",
                None => "ln",
            },
        )
    };
    view! {
        <form class="panel" on:submit=submit aria-labelledby="new-title">
            <h1 id="new-title">{if rebuild { "Rebuild template" } else { "New template" }}</h1>
            <label for="dockerfile">"Dockerfile"</label>
            <div class="editor">
                <div class="gutter" aria-hidden="true">
                    {move || (1..=lines()).map(|n| view! { <div class=move || marker_class(n)>{n}</div> }).collect_view()}
                </div>
                <textarea id="dockerfile" spellcheck="false" rows="14" aria-describedby="lint"
                    prop:value=move || form.with(|f| f.dockerfile.clone())
                    on:input=move |ev| form.update(|f| f.dockerfile = event_target_value(&ev))></textarea>
            </div>
            <ul id="lint" class="lint" aria-live="polite">
                {move || check.with(|c| c.dockerfile.clone()).map(|m| view! { <li class="lint-error">{m}</li> })}
                {move || check.with(|c| c.markers.clone()).into_iter().flat_map(|m| {
                    let cls = if m.severity == Severity::Error { "lint-error" } else { "lint-warning" };
                    let word = if m.severity == Severity::Error { "error" } else { "warning" };
                    m.messages.into_iter().map(move |msg| view! {
                        <li class=cls>{format!("Line {} ({word}): {msg}", m.line)}</li>
                    }).collect::<Vec<_>>()
                }).collect_view()}
            </ul>
            <label for="alias">"Alias " <span class="hint">"(optional; the same alias again rebuilds)"</span></label>
            <input id="alias" type="text" placeholder="data-science" autocomplete="off" aria-describedby="alias-error"
                prop:value=move || form.with(|f| f.alias.clone())
                on:input=move |ev| form.update(|f| f.alias = event_target_value(&ev))/>
            <p id="alias-error" class="field-error" aria-live="polite">{move || check.with(|c| c.alias.clone())}</p>
            <div class="sliders">
                <div class="slider">
                    <label for="cpu">"vCPU"</label>
                    <input id="cpu" type="range" min=validate::CPU_MIN max=validate::CPU_MAX step="1"
                        aria-valuetext=move || format!("{} vCPU", form.with(|f| f.cpu_count))
                        prop:value=move || form.with(|f| f.cpu_count).to_string()
                        on:input=move |ev| {
                            let v = event_target_value(&ev).parse().unwrap_or(validate::CPU_DEFAULT);
                            form.update(|f| f.cpu_count = v.clamp(validate::CPU_MIN, validate::CPU_MAX));
                        }/>
                    <output for="cpu" id="cpu-value">{move || format!("{} vCPU", form.with(|f| f.cpu_count))}</output>
                </div>
                <div class="slider">
                    <label for="memory">"Memory"</label>
                    <input id="memory" type="range" min=validate::MEMORY_MIN_MB max=validate::MEMORY_MAX_MB step=validate::MEMORY_STEP_MB
                        aria-valuetext=move || logic::memory_label(form.with(|f| f.memory_mb))
                        prop:value=move || form.with(|f| f.memory_mb).to_string()
                        on:input=move |ev| {
                            let v = event_target_value(&ev).parse().unwrap_or(validate::MEMORY_DEFAULT_MB);
                            form.update(|f| f.memory_mb = logic::snap_memory(v));
                        }/>
                    <output for="memory" id="memory-value">{move || {
                        let mb = form.with(|f| f.memory_mb);
                        if mb >= 1024 { format!("{} ({mb} MB)", logic::memory_label(mb)) } else { logic::memory_label(mb) }
                    }}</output>
                </div>
            </div>
            <InlineError error=error/>
            <button type="submit" class="primary" id="submit" disabled=move || !check.get().can_submit() || submitting.get()>
                {move || if submitting.get() { "Submitting…" } else if rebuild { "Rebuild" } else { "Build template" }}
            </button>
            {move || (!check.get().can_submit()).then(|| view! { <p class="hint">"Fix the errors above to build."</p> })}
        </form>
    }
}

/// One build: status badge (polled), elapsed time, logs, reason, cancel, start a sandbox.
#[component]
fn BuildView(
    conn: StoredValue<Connection>,
    page: RwSignal<Page>,
    template_id: String,
    build_id: String,
) -> impl IntoView {
    let status = RwSignal::new(None::<TemplateBuild>);
    let logs = RwSignal::new(Vec::<LogEntry>::new());
    let template = RwSignal::new(None::<Template>);
    let error = RwSignal::new(None::<String>);
    let now = RwSignal::new(now_ms());
    let started = RwSignal::new(now_ms());
    let sandbox = RwSignal::new(None::<Sandbox>);
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        on_cleanup(move || stop.store(true, Ordering::SeqCst));
    }
    let logs_ref = NodeRef::<leptos::html::Div>::new();
    let heading = NodeRef::<leptos::html::H1>::new();
    // Move focus to the new screen's heading so keyboard and screen-reader users land there.
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    let (tid, bid) = (template_id.clone(), build_id.clone());
    {
        let stop = stop.clone();
        spawn_local(async move {
            let Ok(client) = conn.get_value().client() else {
                return;
            };
            if let Ok(t) = client.get_template(&tid).await {
                template.set(Some(t));
            }
            let mut offset = 0u32;
            loop {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                match client.get_template_build_status(&tid, &bid, offset).await {
                    Ok(mut st) => {
                        error.set(None);
                        if let Some(ms) = lelantos_api::time::parse_rfc3339_millis(&st.started_at) {
                            started.set(ms as f64);
                        }
                        offset += st.logs.len() as u32;
                        let new = std::mem::take(&mut st.logs);
                        if !new.is_empty() {
                            logs.update(|l| l.extend(new));
                            if let Some(el) = logs_ref.get_untracked() {
                                el.set_scroll_top(el.scroll_height());
                            }
                        }
                        let done = st.status.is_final();
                        if let Some(f) = st
                            .finished_at
                            .as_deref()
                            .and_then(lelantos_api::time::parse_rfc3339_millis)
                        {
                            now.set(f as f64);
                        }
                        status.set(Some(st));
                        if done {
                            return;
                        }
                    }
                    Err(e) => error.set(Some(message(&e))),
                }
                for _ in 0..4 {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    if status.with_untracked(|s| s.as_ref().is_none_or(|s| !s.status.is_final())) {
                        now.set(now_ms());
                    }
                    let _ =
                        lelantos_sdk::http::sleep(lelantos_api::policy::POLL_INTERVAL_MS / 4, None)
                            .await;
                }
            }
        });
    }
    let current = move || {
        status.with(|s| {
            s.as_ref()
                .map(|s| s.status)
                .unwrap_or(BuildStatus::Building)
        })
    };
    let cancel = {
        let (tid, bid) = (template_id.clone(), build_id.clone());
        move |_| {
            let (tid, bid) = (tid.clone(), bid.clone());
            spawn_local(async move {
                let Ok(client) = conn.get_value().client() else {
                    return;
                };
                match client.cancel_build(&tid, &bid).await {
                    Ok(st) => status.set(Some(TemplateBuild {
                        logs: Vec::new(),
                        ..st
                    })),
                    Err(e) => error.set(Some(message(&e))),
                }
            });
        }
    };
    let start = {
        let tid = template_id.clone();
        move |_| start_sandbox(conn, tid.clone(), sandbox, error)
    };
    let failing_line = move || {
        status.with(|s| {
            s.as_ref()
                .and_then(|s| s.reason.as_ref())
                .and_then(|r| r.line)
        })
    };
    view! {
        <section class="panel" aria-labelledby="build-title">
            <h1 id="build-title" tabindex="-1" node_ref=heading>"Build " <code>{build_id.clone()}</code></h1>
            <p class="meta">"Template " <code id="template-id">{template_id.clone()}</code>
                {move || template.get().map(|t| view! {
                    <span>{format!(" · {} vCPU · {}", t.cpu_count, logic::memory_label(t.memory_mb))}
                    {t.aliases.first().map(|a| format!(" · alias {a}"))}</span>
                })}
            </p>
            <p class="status-line">
                <span id="build-status" role="status" aria-live="polite" class=move || logic::badge(current()).0>{move || logic::badge(current()).1}</span>
                <span class="elapsed">{move || logic::elapsed((now.get() - started.get()) as i64)}</span>
                {move || (current() == BuildStatus::Building).then(|| view! {
                    <button id="cancel-build" class="danger" on:click=cancel.clone()>"Cancel build"</button>
                })}
                {move || (current() == BuildStatus::Ready).then(|| view! {
                    <button id="start-sandbox" class="primary" on:click=start.clone()>"Start sandbox"</button>
                })}
            </p>
            <InlineError error=error/>
            {move || status.get().filter(|s| s.status == BuildStatus::Error).map(|s| view! {
                <div class="reason" role="alert" id="build-error">
                    <strong>"Build failed: "</strong>{s.error.clone().unwrap_or_default()}
                    {s.reason.as_ref().and_then(|r| r.line).map(|l| view! { <p>{format!("Dockerfile line {l}")}</p> })}
                </div>
            })}
            {move || sandbox.get().map(|s| view! { <SandboxCard sandbox=s conn=conn/> })}
            {move || template.get().and_then(|t| t.dockerfile).map(|df| {
                let bad = failing_line();
                view! {
                    <details open=bad.is_some()>
                        <summary>"Dockerfile"</summary>
                        <pre class="dockerfile">{df.trim_end_matches('\n').split('\n').enumerate().map(|(i, l)| {
                            let cls = if bad == Some(i as u32 + 1) { "df-line df-bad" } else { "df-line" };
                            view! { <span class=cls><span class="ln">{i + 1}</span>{l.to_string()}"\n"</span> }
                        }).collect_view()}</pre>
                    </details>
                }
            })}
            <h2>"Logs"</h2>
            <div class="logs" node_ref=logs_ref role="log" aria-live="polite" id="logs">
                // Keyed by position: each poll appends only the new lines to the DOM.
                <For each=move || logs.get().into_iter().enumerate() key=|(i, _)| *i children=|(_, l)| {
                    let (prefix, message, opens) = logic::log_parts(l.step.as_deref(), &l.message);
                    let cls = format!("log log-{}{}", l.level.as_str(), if opens { " log-step" } else { "" });
                    let prefix = prefix.map(|p| view! { <span class="step">{p.to_string()}</span>" " });
                    view! { <div class=cls><span class="ts">{l.timestamp.get(11..19).unwrap_or("").to_string()}</span>" "{prefix}{message.to_string()}</div> }
                }/>
            </div>
            <p><button class="link" on:click=move |_| page.set(Page::Templates)>"← All templates"</button></p>
        </section>
    }
}

/// A started sandbox with a kill button.
#[component]
fn SandboxCard(sandbox: Sandbox, conn: StoredValue<Connection>) -> impl IntoView {
    let state = RwSignal::new(sandbox.state);
    let error = RwSignal::new(None::<String>);
    let id = sandbox.sandbox_id.clone();
    let kill = move |_| {
        let id = id.clone();
        spawn_local(async move {
            let Ok(client) = conn.get_value().client() else {
                return;
            };
            match client.kill_sandbox(&id).await {
                Ok(()) => state.set(SandboxState::Killed),
                Err(e) => error.set(Some(message(&e))),
            }
        });
    };
    view! {
        <div class="sandbox-card" aria-live="polite">
            <p><strong>"Sandbox "</strong><code class="sandbox-id">{sandbox.sandbox_id.clone()}</code>" "
                <span class=move || logic::sandbox_badge(state.get()).0>{move || logic::sandbox_badge(state.get()).1}</span></p>
            <p class="meta">{format!("{} vCPU · {} · ends {}", sandbox.cpu_count, logic::memory_label(sandbox.memory_mb), local_time(&sandbox.end_at))}</p>
            {move || (state.get() == SandboxState::Running).then(|| view! { <button class="danger kill" on:click=kill.clone()>"Kill"</button> })}
            <InlineError error=error/>
        </div>
    }
}

/// All templates of the key.
#[component]
fn TemplatesList(conn: StoredValue<Connection>, page: RwSignal<Page>) -> impl IntoView {
    let items = RwSignal::new(None::<Vec<Template>>);
    let next = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let sandbox = RwSignal::new(None::<Sandbox>);
    let load = move |token: Option<String>| {
        spawn_local(async move {
            let Ok(client) = conn.get_value().client() else {
                return;
            };
            match client.list_templates(Some(50), token.as_deref()).await {
                Ok(p) => {
                    let append = token.is_some();
                    items.update(|i| match i {
                        Some(v) if append => v.extend(p.items),
                        _ => *i = Some(p.items),
                    });
                    next.set(p.next_token);
                }
                Err(e) => error.set(Some(message(&e))),
            }
        });
    };
    load(None);
    let delete = move |t: Template| {
        let label = t
            .aliases
            .first()
            .cloned()
            .unwrap_or_else(|| t.template_id.clone());
        let ok = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(&format!(
                    "Delete template {label}? Running sandboxes keep running."
                ))
                .ok()
            })
            .unwrap_or(false);
        if !ok {
            return;
        }
        spawn_local(async move {
            let Ok(client) = conn.get_value().client() else {
                return;
            };
            match client.delete_template(&t.template_id).await {
                Ok(()) => items.update(|i| {
                    if let Some(v) = i {
                        v.retain(|x| x.template_id != t.template_id)
                    }
                }),
                Err(e) => error.set(Some(message(&e))),
            }
        });
    };
    let rebuild = move |t: Template| {
        spawn_local(async move {
            let Ok(client) = conn.get_value().client() else {
                return;
            };
            match client.get_template(&t.template_id).await {
                Ok(full) => page.set(Page::New(Some(TemplateForm {
                    dockerfile: full.dockerfile.unwrap_or_default(),
                    alias: full.aliases.first().cloned().unwrap_or_default(),
                    cpu_count: full.cpu_count,
                    memory_mb: full.memory_mb,
                }))),
                Err(e) => error.set(Some(message(&e))),
            }
        });
    };
    let start = move |t: Template| start_sandbox(conn, t.template_id, sandbox, error);
    view! {
        <section class="panel" aria-labelledby="templates-title">
            <h1 id="templates-title">"Templates"</h1>
            <InlineError error=error/>
            {move || sandbox.get().map(|s| view! { <SandboxCard sandbox=s conn=conn/> })}
            {move || match items.get() {
                None => view! { <p>"Loading…"</p> }.into_any(),
                Some(v) if v.is_empty() => view! { <p>"No templates yet. " <button class="link" on:click=move |_| page.set(Page::New(None))>"Build one"</button></p> }.into_any(),
                Some(v) => view! {
                    <div class="table-wrap"><table>
                        <thead><tr><th>"Alias"</th><th>"ID"</th><th>"Status"</th><th>"vCPU"</th><th>"Memory"</th><th>"Created"</th><th>"Builds"</th><th>"Actions"</th></tr></thead>
                        <tbody>{v.into_iter().map(|t| {
                            let (cls, label) = logic::badge(t.build_status);
                            let (t1, t2, t3, t4) = (t.clone(), t.clone(), t.clone(), t.clone());
                            view! {
                                <tr class="template-row" data-id=t.template_id.clone()>
                                    <td>{t.aliases.first().cloned().unwrap_or_else(|| "—".into())}</td>
                                    <td><code>{t.template_id.clone()}</code></td>
                                    <td><span class=cls>{label}</span></td>
                                    <td>{t.cpu_count}</td>
                                    <td>{logic::memory_label(t.memory_mb)}</td>
                                    <td>{local_time(&t.created_at)}</td>
                                    <td>{t.build_count}</td>
                                    <td class="actions">
                                        <button on:click=move |_| page.set(Page::Build { template_id: t1.template_id.clone(), build_id: t1.build_id.clone() })>"Open"</button>
                                        <button on:click=move |_| rebuild(t2.clone())>"Rebuild"</button>
                                        {(t.build_status == BuildStatus::Ready).then(|| view! { <button on:click=move |_| start(t3.clone())>"Start sandbox"</button> })}
                                        <button class="danger delete" on:click=move |_| delete(t4.clone())>"Delete"</button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}</tbody>
                    </table></div>
                }.into_any(),
            }}
            {move || next.get().map(|t| view! { <button on:click=move |_| load(Some(t.clone()))>"Load more"</button> })}
        </section>
    }
}

/// Running sandboxes.
#[component]
fn SandboxesList(conn: StoredValue<Connection>) -> impl IntoView {
    let items = RwSignal::new(None::<Vec<Sandbox>>);
    let error = RwSignal::new(None::<String>);
    spawn_local(async move {
        let Ok(client) = conn.get_value().client() else {
            return;
        };
        match client.list_sandboxes(&[]).await {
            Ok(v) => items.set(Some(v)),
            Err(e) => error.set(Some(message(&e))),
        }
    });
    view! {
        <section class="panel" aria-labelledby="sandboxes-title">
            <h1 id="sandboxes-title">"Running sandboxes"</h1>
            <InlineError error=error/>
            {move || match items.get() {
                None => view! { <p>"Loading…"</p> }.into_any(),
                Some(v) if v.is_empty() => view! { <p>"No running sandboxes."</p> }.into_any(),
                Some(v) => v.into_iter().map(|s| view! { <SandboxCard sandbox=s conn=conn/> }).collect_view().into_any(),
            }}
        </section>
    }
}
