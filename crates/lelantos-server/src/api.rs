//! HTTP routes. Handlers are thin: parse → rules from `lelantos-api` → store/queue → JSON.

use crate::builds::BuildJob;
use crate::error::{error_body, ApiError};
use crate::runtime::SandboxSpec;
use crate::store::{NewSandbox, NewTemplate};
use crate::{now_ms, random_id, uuid_v4, AppState};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use lelantos_api::validate::{self, CreateSandboxInput, CreateTemplateInput, Raw};
use lelantos_api::{
    BuildStatus, CreateSandboxRequest, CreateTemplateRequest, ErrorBody, Health, Sandbox,
    SandboxState, Template, TemplateBuild,
};
use std::collections::HashMap;
use utoipa::OpenApi;

/// Largest request body.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The API's routes with their middleware (CORS and body limits are added by the caller).
pub fn router(state: AppState, console_dir: Option<&std::path::Path>) -> Router {
    let routes = Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi_json))
        .route("/templates", get(list_templates).post(create_template))
        .route(
            "/templates/{template_id}",
            get(get_template).delete(delete_template),
        )
        .route(
            "/templates/{template_id}/builds/{build_id}",
            get(get_build).delete(cancel_build),
        )
        .route("/sandboxes", get(list_sandboxes).post(create_sandbox))
        .route(
            "/sandboxes/{sandbox_id}",
            get(get_sandbox).delete(kill_sandbox),
        )
        .fallback(unknown_route)
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state);
    // Wrapping the whole router (not each route) lets the middleware see what the method
    // router adds, such as the Allow header of a 405.
    let mut outer = Router::new();
    if let Some(dir) = console_dir {
        // The console's built files; unknown paths under /console/ get its index.html.
        let files = tower_http::services::ServeDir::new(dir)
            .fallback(tower_http::services::ServeFile::new(dir.join("index.html")));
        outer = outer.nest_service("/console", files).route(
            "/",
            get(|| async { axum::response::Redirect::temporary("/console/") }),
        );
    }
    outer
        .fallback_service(routes)
        .layer(axum::middleware::from_fn(json_errors))
}

// ---------- extractors ----------

/// The caller's key id, from a valid `X-API-Key`.
pub struct Auth(pub i64);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("x-api-key") else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "missing X-API-Key header: send your lel_… API key in it",
            ));
        };
        let key = value.to_str().unwrap_or("");
        let id = state.keys.verify(key.trim()).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid API key: the X-API-Key header does not match a key of this server",
            )
        })?;
        state.limiter.check(id).map_err(|secs| ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: format!(
                "too many requests: this server allows {} requests per second per API key; retry in {secs} s",
                state.limiter.per_second()
            ),
            retry_after: Some(secs),
        })?;
        Ok(Auth(id))
    }
}

/// A JSON object body: checks the content type, the size, the syntax and the field names,
/// with clear errors.
pub struct JsonBody<T>(pub T);

/// A request body type made from a [`Raw`] JSON value.
pub trait FromRaw: Sized {
    /// Splits the body into its fields.
    fn from_raw(raw: Raw) -> Result<Self, lelantos_api::ValidationError>;
}

impl FromRaw for CreateTemplateInput {
    fn from_raw(raw: Raw) -> Result<Self, lelantos_api::ValidationError> {
        CreateTemplateInput::from_raw(raw)
    }
}

impl FromRaw for CreateSandboxInput {
    fn from_raw(raw: Raw) -> Result<Self, lelantos_api::ValidationError> {
        CreateSandboxInput::from_raw(raw)
    }
}

impl<T: FromRaw> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mime = ct.split(';').next().unwrap_or("").trim();
        if !mime.eq_ignore_ascii_case("application/json") {
            let got = if ct.is_empty() {
                "none".to_string()
            } else {
                format!("{ct:?}")
            };
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("Content-Type must be application/json, got {got}"),
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::bad_request(format!("could not read the request body: {rejection}"))
            }
        })?;
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(ApiError::bad_request(
                "request body is empty: send a JSON object",
            ));
        }
        // Read into `Raw` (exactly what was sent); field rules live in lelantos-api.
        let raw: Raw = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::bad_request(format!("malformed JSON in request body: {e}")))?;
        T::from_raw(raw).map(JsonBody).map_err(ApiError::from)
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "request body is larger than {} MiB",
            BODY_LIMIT / (1024 * 1024)
        ),
    )
}

type Params = Query<HashMap<String, String>>;

// ---------- middleware ----------

/// Makes every error response JSON `{code, message}` (axum's own rejections, unknown methods,
/// oversized bodies) and logs each request at debug level.
async fn json_errors(req: Request, next: Next) -> Response {
    // Cheap clones (no allocation): this runs on every request, status polls included.
    let method = req.method().clone();
    let uri = req.uri().clone();
    let path = uri.path();
    let started = std::time::Instant::now();
    let res = next.run(req).await;
    let status = res.status();
    tracing::debug!(%method, path, status = status.as_u16(), micros = started.elapsed().as_micros() as u64, "request");
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allow = parts
                .headers
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            format!(
                "method {method} is not allowed on {path}; allowed: {}",
                allow.replace(',', ", ")
            )
        }
        StatusCode::PAYLOAD_TOO_LARGE => too_large().message,
        _ if !text.is_empty() => text,
        _ => status.canonical_reason().unwrap_or("error").to_string(),
    };
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(error_body(status, &message)))
}

async fn unknown_route(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("no route for {method} {}", uri.path()),
    )
}

// ---------- handlers ----------

#[utoipa::path(get, path = "/health", tag = "meta",
    responses((status = 200, description = "The server is up", body = Health)))]
async fn health(State(app): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: crate::VERSION.into(),
        builder: app.queue.builder_name().into(),
        warnings: app.warnings.as_ref().clone(),
    })
}

async fn openapi_json() -> Response {
    let doc = ApiDoc::openapi().to_json().unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], doc).into_response()
}

/// Start a template build from a Dockerfile.
#[utoipa::path(post, path = "/templates", tag = "templates", request_body = CreateTemplateRequest,
    responses(
        (status = 202, description = "Template created; its build runs asynchronously", body = Template),
        (status = 400, description = "Invalid input; the message names the field and what is allowed", body = ErrorBody),
        (status = 401, description = "Missing or unknown API key", body = ErrorBody),
        (status = 413, description = "Body larger than 2 MiB", body = ErrorBody),
        (status = 415, description = "Content-Type is not application/json", body = ErrorBody)),
    security(("api_key" = [])))]
async fn create_template(
    State(app): State<AppState>,
    Auth(key): Auth,
    JsonBody(input): JsonBody<CreateTemplateInput>,
) -> Result<(StatusCode, Json<Template>), ApiError> {
    let req = validate::create_template(input)?;
    let template_id = random_id(20);
    let build_id = uuid_v4();
    let template = app.store.create_template(&NewTemplate {
        key_id: key,
        template_id: &template_id,
        build_id: &build_id,
        dockerfile: &req.dockerfile,
        alias: req.alias.as_deref(),
        cpu_count: req.cpu_count,
        memory_mb: req.memory_mb,
        now: now_ms(),
    })?;
    app.queue.submit(
        BuildJob {
            build_id,
            template_id,
            parsed: req.checked.parsed.clone(),
            dockerfile: req.dockerfile,
            cpu_count: req.cpu_count,
            memory_mb: req.memory_mb,
        },
        &req.checked,
    );
    Ok((StatusCode::ACCEPTED, Json(template)))
}

/// List the caller's templates, newest first.
#[utoipa::path(get, path = "/templates", tag = "templates",
    params(
        ("limit" = Option<u32>, Query, description = "Page size, 1–100 (default 100)"),
        ("nextToken" = Option<String>, Query, description = "Cursor from the previous page's X-Next-Token header")),
    responses(
        (status = 200, description = "A page of templates; X-Next-Token is set when there are more", body = [Template]),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("api_key" = [])))]
async fn list_templates(
    State(app): State<AppState>,
    Auth(key): Auth,
    Query(q): Params,
) -> Result<Response, ApiError> {
    let limit =
        validate::list_limit(q.get("limit").map(String::as_str)).map_err(ApiError::bad_request)?;
    let before = match q.get("nextToken").filter(|s| !s.is_empty()) {
        None => None,
        Some(t) => Some(parse_token(t).ok_or_else(|| {
            ApiError::bad_request("nextToken is not a cursor this server handed out: pass the X-Next-Token header of the previous page")
        })?),
    };
    let (page, next) = app.store.list_templates(key, limit, before)?;
    let mut headers = HeaderMap::new();
    if let Some(seq) = next {
        headers.insert(
            "x-next-token",
            HeaderValue::from_str(&format!("t{seq}")).expect("ascii"),
        );
    }
    Ok((headers, Json(page)).into_response())
}

fn parse_token(t: &str) -> Option<i64> {
    t.strip_prefix('t')?.parse::<i64>().ok().filter(|n| *n > 0)
}

/// One template.
#[utoipa::path(get, path = "/templates/{templateID}", tag = "templates",
    params(("templateID" = String, Path, description = "Template id")),
    responses((status = 200, body = Template), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_key" = [])))]
async fn get_template(
    State(app): State<AppState>,
    Auth(key): Auth,
    Path(id): Path<String>,
) -> Result<Json<Template>, ApiError> {
    app.store
        .get_template(key, &id)?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("template", &id))
}

/// Delete a template: cancels its build if running; running sandboxes keep running.
#[utoipa::path(delete, path = "/templates/{templateID}", tag = "templates",
    params(("templateID" = String, Path, description = "Template id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_key" = [])))]
async fn delete_template(
    State(app): State<AppState>,
    Auth(key): Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    match app.store.delete_template(key, &id)? {
        None => Err(ApiError::not_found("template", &id)),
        Some((build_id, running)) => {
            if running {
                app.queue.cancel(&build_id)?;
            }
            // Its image goes too, unless a running sandbox still uses it (then the last one
            // to end removes it).
            crate::release_image(&app.store, app.runtime.as_ref(), &id).await;
            Ok(StatusCode::NO_CONTENT)
        }
    }
}

/// Build status with logs.
#[utoipa::path(get, path = "/templates/{templateID}/builds/{buildID}", tag = "templates",
    params(
        ("templateID" = String, Path, description = "Template id"),
        ("buildID" = String, Path, description = "Build id"),
        ("logsOffset" = Option<u32>, Query, description = "Return only log entries after the first N")),
    responses((status = 200, body = TemplateBuild), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_key" = [])))]
async fn get_build(
    State(app): State<AppState>,
    Auth(key): Auth,
    Path((template_id, build_id)): Path<(String, String)>,
    Query(q): Params,
) -> Result<Json<TemplateBuild>, ApiError> {
    let offset = validate::logs_offset(q.get("logsOffset").map(String::as_str))
        .map_err(ApiError::bad_request)?;
    app.store
        .get_build(key, &template_id, &build_id, offset)?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("build", &build_id))
}

/// Cancel a running build; it ends as `error` ("build cancelled").
#[utoipa::path(delete, path = "/templates/{templateID}/builds/{buildID}", tag = "templates",
    params(("templateID" = String, Path, description = "Template id"), ("buildID" = String, Path, description = "Build id")),
    responses(
        (status = 200, description = "Cancelled; the final status", body = TemplateBuild),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The build had already ended", body = ErrorBody)),
    security(("api_key" = [])))]
async fn cancel_build(
    State(app): State<AppState>,
    Auth(key): Auth,
    Path((template_id, build_id)): Path<(String, String)>,
) -> Result<Json<TemplateBuild>, ApiError> {
    match app.store.build_status(key, &template_id, &build_id)? {
        None => return Err(ApiError::not_found("build", &build_id)),
        Some(BuildStatus::Building) => {
            app.queue.cancel(&build_id)?;
        }
        Some(s) => {
            return Err(ApiError::conflict(format!(
                "build {build_id} has already ended as {}; nothing to cancel",
                s.as_str()
            )))
        }
    }
    app.store
        .get_build(key, &template_id, &build_id, 0)?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("build", &build_id))
}

/// Start a sandbox from a ready template (by id or alias).
#[utoipa::path(post, path = "/sandboxes", tag = "sandboxes", request_body = CreateSandboxRequest,
    responses(
        (status = 201, description = "Started", body = Sandbox),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The template's build is not ready", body = ErrorBody)),
    security(("api_key" = [])))]
async fn create_sandbox(
    State(app): State<AppState>,
    Auth(key): Auth,
    JsonBody(input): JsonBody<CreateSandboxInput>,
) -> Result<(StatusCode, Json<Sandbox>), ApiError> {
    let req = validate::create_sandbox(input)?;
    let template = app
        .store
        .resolve_template(key, &req.template_id)?
        .ok_or_else(|| ApiError::not_found("template", &req.template_id))?;
    match template.status {
        BuildStatus::Ready => {}
        BuildStatus::Building => {
            return Err(ApiError::conflict(format!(
                "template {} is still building; wait until its build status is ready",
                template.template_id
            )))
        }
        BuildStatus::Error => {
            return Err(ApiError::conflict(format!(
                "template {} has no image: its build ended in error; fix the Dockerfile and create the template again",
                template.template_id
            )))
        }
    }
    let now = now_ms();
    let sandbox_id = format!("sbx_{}", random_id(20));
    app.runtime
        .start(SandboxSpec {
            sandbox_id: &sandbox_id,
            template_id: &template.template_id,
            cpu_count: template.cpu_count,
            memory_mb: template.memory_mb,
            env_vars: &req.env_vars,
            metadata: &req.metadata,
        })
        .await
        .map_err(|m| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, m))?;
    let stored = app.store.create_sandbox(&NewSandbox {
        key_id: key,
        sandbox_id: &sandbox_id,
        template: &template,
        metadata: &req.metadata,
        now,
        end_at: now + i64::from(req.timeout_s) * 1000,
    });
    match stored {
        Ok(sandbox) => Ok((StatusCode::CREATED, Json(sandbox))),
        Err(e) => {
            // Nothing may run without a record.
            let _ = app.runtime.stop(&sandbox_id).await;
            Err(e.into())
        }
    }
}

/// List sandboxes (running ones unless `state` says otherwise).
#[utoipa::path(get, path = "/sandboxes", tag = "sandboxes",
    params(
        ("state" = Option<String>, Query, description = "Comma-separated states to include: running, killed, stopped (default running)"),
        ("metadata" = Option<String>, Query, description = "URL-encoded key=value pairs joined by &; only sandboxes with all of them")),
    responses((status = 200, body = [Sandbox]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("api_key" = [])))]
async fn list_sandboxes(
    State(app): State<AppState>,
    Auth(key): Auth,
    Query(q): Params,
) -> Result<Json<Vec<Sandbox>>, ApiError> {
    let states = match q.get("state").filter(|s| !s.is_empty()) {
        None => vec![SandboxState::Running],
        Some(s) => s
            .split(',')
            .map(|p| {
                SandboxState::parse(p.trim()).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "state must be running, killed or stopped (comma-separated), got {p:?}"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let filter: Vec<(String, String)> = match q.get("metadata").filter(|s| !s.is_empty()) {
        None => Vec::new(),
        Some(m) => serde_urlencoded_pairs(m).ok_or_else(|| {
            ApiError::bad_request("metadata must be key=value pairs joined by & (URL-encoded), e.g. metadata=user%3Dalice")
        })?,
    };
    let mut out = app.store.list_sandboxes(key, &states)?;
    out.retain(|s| filter.iter().all(|(k, v)| s.metadata.get(k) == Some(v)));
    Ok(Json(out))
}

fn serde_urlencoded_pairs(s: &str) -> Option<Vec<(String, String)>> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((k.to_string(), v.to_string()))
        })
        .collect()
}

/// One sandbox.
#[utoipa::path(get, path = "/sandboxes/{sandboxID}", tag = "sandboxes",
    params(("sandboxID" = String, Path, description = "Sandbox id")),
    responses((status = 200, body = Sandbox), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_key" = [])))]
async fn get_sandbox(
    State(app): State<AppState>,
    Auth(key): Auth,
    Path(id): Path<String>,
) -> Result<Json<Sandbox>, ApiError> {
    app.store
        .get_sandbox(key, &id)?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("sandbox", &id))
}

/// Kill a sandbox (idempotent: an already ended sandbox answers 204 too).
#[utoipa::path(delete, path = "/sandboxes/{sandboxID}", tag = "sandboxes",
    params(("sandboxID" = String, Path, description = "Sandbox id")),
    responses((status = 204, description = "Killed"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_key" = [])))]
async fn kill_sandbox(
    State(app): State<AppState>,
    Auth(key): Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if app.store.get_sandbox(key, &id)?.is_none() {
        return Err(ApiError::not_found("sandbox", &id));
    }
    // Stop it first: if the engine cannot, the sandbox stays `running` and the call can be
    // retried (removing what is already gone is a no-op).
    app.runtime
        .stop(&id)
        .await
        .map_err(|m| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, m))?;
    app.store.kill_sandbox(key, &id, now_ms())?;
    if let Some(template_id) = app.store.sandbox_template(&id)? {
        crate::release_image(&app.store, app.runtime.as_ref(), &template_id).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

// ---------- OpenAPI ----------

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
        );
    }
}

/// The OpenAPI 3 document, generated from the wire types and the handlers above.
#[derive(OpenApi)]
#[openapi(
    info(title = "Lelantos API (local)", description = "Templates from Dockerfiles, their builds, and sandboxes. Errors are {code, message} with code = HTTP status."),
    paths(health, create_template, list_templates, get_template, delete_template, get_build, cancel_build,
          create_sandbox, list_sandboxes, get_sandbox, kill_sandbox),
    components(schemas(Template, TemplateBuild, lelantos_api::LogEntry, lelantos_api::LogLevel, lelantos_api::BuildReason,
        BuildStatus, Sandbox, SandboxState, ErrorBody, Health, CreateTemplateRequest, CreateSandboxRequest)),
    modifiers(&SecurityAddon)
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        assert_eq!(parse_token("t42"), Some(42));
        assert_eq!(parse_token("42"), None);
        assert_eq!(parse_token("t-1"), None);
        assert_eq!(parse_token("tx"), None);
    }

    #[test]
    fn metadata_filter_pairs() {
        assert_eq!(
            serde_urlencoded_pairs("a=1&b=x"),
            Some(vec![("a".into(), "1".into()), ("b".into(), "x".into())])
        );
        assert_eq!(serde_urlencoded_pairs("a"), None);
    }
}
