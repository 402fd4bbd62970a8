//! The plain-Rust async client (wasm32), used by the console and under the JS layer.

use crate::error::{Error, ErrorKind};
use crate::http::{self, Method, Reply, Target};
use js_sys::{Object, Reflect, JSON};
use lelantos_api::policy::encode_segment;
use lelantos_api::validate::{self, CreateSandbox, CreateTemplate, Raw};
use lelantos_api::{
    CreateSandboxRequest, CreateTemplateRequest, Health, Sandbox, SandboxState, Template,
    TemplateBuild,
};
use serde::de::DeserializeOwned;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use web_sys::AbortSignal;

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass it back to get the next page; `None` on the last page.
    pub next_token: Option<String>,
}

/// A Lelantos API client. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    opts: Rc<validate::ClientOptions>,
}

impl Client {
    /// A client for `base_url` (default `https://api.lelantos.ai`) with a per-request timeout
    /// in milliseconds (default 30000).
    pub fn new(
        api_key: &str,
        base_url: Option<&str>,
        timeout_ms: Option<u32>,
    ) -> Result<Client, Error> {
        let opts = validate::client_options(
            &Raw::Str(api_key.to_string()),
            &base_url.map_or(Raw::Absent, |u| Raw::Str(u.to_string())),
            &timeout_ms.map_or(Raw::Absent, |t| Raw::Number(f64::from(t))),
        )?;
        Ok(Client::from_options(opts))
    }

    /// A client from already validated options.
    pub fn from_options(opts: validate::ClientOptions) -> Client {
        Client {
            opts: Rc::new(opts),
        }
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &str {
        &self.opts.base_url
    }

    /// Sends a request and returns the parsed JSON answer (the JS layer's entry point).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        signal: Option<&AbortSignal>,
    ) -> Result<Reply, Error> {
        let target = Target {
            base_url: &self.opts.base_url,
            api_key: &self.opts.api_key,
            timeout_ms: self.opts.timeout_ms,
        };
        http::send(&target, method, path, body, signal).await
    }

    async fn typed<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
    ) -> Result<T, Error> {
        let reply = self.call(method, path, body, None).await?;
        decode(reply.body)
    }

    /// `POST /templates`, validated first with the shared rules.
    pub async fn create_template(&self, req: &CreateTemplateRequest) -> Result<Template, Error> {
        let checked = validate::create_template_with(req.into(), validate::dockerfile_quick)?;
        self.typed(Method::Post, "/templates", Some(&template_body(&checked)))
            .await
    }

    /// `GET /templates/{id}/builds/{buildId}?logsOffset=N`.
    pub async fn get_template_build_status(
        &self,
        template_id: &str,
        build_id: &str,
        logs_offset: u32,
    ) -> Result<TemplateBuild, Error> {
        self.typed(
            Method::Get,
            &build_path(template_id, build_id, logs_offset),
            None,
        )
        .await
    }

    /// `DELETE /templates/{id}/builds/{buildId}`.
    pub async fn cancel_build(
        &self,
        template_id: &str,
        build_id: &str,
    ) -> Result<TemplateBuild, Error> {
        self.typed(Method::Delete, &build_path(template_id, build_id, 0), None)
            .await
    }

    /// `GET /templates/{id}`.
    pub async fn get_template(&self, template_id: &str) -> Result<Template, Error> {
        self.typed(Method::Get, &template_path(template_id), None)
            .await
    }

    /// `DELETE /templates/{id}`.
    pub async fn delete_template(&self, template_id: &str) -> Result<(), Error> {
        self.call(Method::Delete, &template_path(template_id), None, None)
            .await
            .map(|_| ())
    }

    /// `GET /templates?limit=&nextToken=`.
    pub async fn list_templates(
        &self,
        limit: Option<u32>,
        next_token: Option<&str>,
    ) -> Result<Page<Template>, Error> {
        let reply = self
            .call(Method::Get, &list_path(limit, next_token), None, None)
            .await?;
        let next_token = reply.next_token.clone();
        Ok(Page {
            items: decode(reply.body)?,
            next_token,
        })
    }

    /// `POST /sandboxes`, validated first with the shared rules.
    pub async fn create_sandbox(&self, req: &CreateSandboxRequest) -> Result<Sandbox, Error> {
        let checked = validate::create_sandbox(req.into())?;
        self.typed(Method::Post, "/sandboxes", Some(&sandbox_body(&checked)))
            .await
    }

    /// `GET /sandboxes/{id}`.
    pub async fn get_sandbox(&self, sandbox_id: &str) -> Result<Sandbox, Error> {
        self.typed(Method::Get, &sandbox_path(sandbox_id), None)
            .await
    }

    /// `GET /sandboxes?state=…` (running ones when `states` is empty).
    pub async fn list_sandboxes(&self, states: &[SandboxState]) -> Result<Vec<Sandbox>, Error> {
        self.typed(Method::Get, &sandboxes_path(states, None), None)
            .await
    }

    /// `DELETE /sandboxes/{id}`.
    pub async fn kill_sandbox(&self, sandbox_id: &str) -> Result<(), Error> {
        self.call(Method::Delete, &sandbox_path(sandbox_id), None, None)
            .await
            .map(|_| ())
    }

    /// `GET /health`.
    pub async fn health(&self) -> Result<Health, Error> {
        self.typed(Method::Get, "/health", None).await
    }
}

/// Decodes a JSON answer into a wire type.
pub fn decode<T: DeserializeOwned>(body: JsValue) -> Result<T, Error> {
    serde_wasm_bindgen::from_value(body).map_err(|e| {
        Error::new(
            ErrorKind::Server,
            format!("unexpected answer from the server: {e}"),
        )
    })
}

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(k), v);
}

fn stringify(o: &Object) -> String {
    JSON::stringify(o)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

fn string_map(m: &std::collections::BTreeMap<String, String>) -> Object {
    let o = Object::new();
    for (k, v) in m {
        set(&o, k, &JsValue::from_str(v));
    }
    o
}

/// The JSON body of a validated create-template request (defaults made explicit).
pub fn template_body<C>(t: &CreateTemplate<C>) -> String {
    let o = Object::new();
    set(&o, "dockerfile", &JsValue::from_str(&t.dockerfile));
    if let Some(a) = &t.alias {
        set(&o, "alias", &JsValue::from_str(a));
    }
    set(&o, "cpuCount", &JsValue::from(t.cpu_count));
    set(&o, "memoryMB", &JsValue::from(t.memory_mb));
    stringify(&o)
}

/// The JSON body of a validated create-sandbox request.
pub fn sandbox_body(s: &CreateSandbox) -> String {
    let o = Object::new();
    set(&o, "templateID", &JsValue::from_str(&s.template_id));
    set(&o, "timeout", &JsValue::from(s.timeout_s));
    if !s.metadata.is_empty() {
        set(&o, "metadata", &string_map(&s.metadata));
    }
    if !s.env_vars.is_empty() {
        set(&o, "envVars", &string_map(&s.env_vars));
    }
    stringify(&o)
}

// Paths are built by appending (no `format!`): smaller wasm, and these run on every call.

/// `/templates/{id}`.
pub fn template_path(template_id: &str) -> String {
    let mut p = String::from("/templates/");
    p.push_str(&encode_segment(template_id));
    p
}

/// `/templates/{id}/builds/{buildId}[?logsOffset=N]`.
pub fn build_path(template_id: &str, build_id: &str, logs_offset: u32) -> String {
    let mut p = template_path(template_id);
    p.push_str("/builds/");
    p.push_str(&encode_segment(build_id));
    if logs_offset > 0 {
        p.push_str("?logsOffset=");
        p.push_str(&logs_offset.to_string());
    }
    p
}

/// Appends `name=value` as the next query parameter.
fn query(p: &mut String, name: &str, value: &str) {
    p.push(if p.contains('?') { '&' } else { '?' });
    p.push_str(name);
    p.push('=');
    p.push_str(value);
}

/// `/templates[?limit=&nextToken=]`.
pub fn list_path(limit: Option<u32>, next_token: Option<&str>) -> String {
    let mut p = String::from("/templates");
    if let Some(l) = limit {
        query(&mut p, "limit", &l.to_string());
    }
    if let Some(t) = next_token.filter(|t| !t.is_empty()) {
        query(&mut p, "nextToken", &encode_segment(t));
    }
    p
}

/// `/sandboxes/{id}`.
pub fn sandbox_path(sandbox_id: &str) -> String {
    let mut p = String::from("/sandboxes/");
    p.push_str(&encode_segment(sandbox_id));
    p
}

/// `/sandboxes[?state=a,b&metadata=k%3Dv]`.
pub fn sandboxes_path(states: &[SandboxState], metadata: Option<&[(String, String)]>) -> String {
    let mut p = String::from("/sandboxes");
    if !states.is_empty() {
        let mut v = String::new();
        for s in states {
            if !v.is_empty() {
                v.push(',');
            }
            v.push_str(s.as_str());
        }
        query(&mut p, "state", &v);
    }
    if let Some(m) = metadata.filter(|m| !m.is_empty()) {
        let mut v = String::new();
        for (k, val) in m {
            if !v.is_empty() {
                v.push('&');
            }
            v.push_str(k);
            v.push('=');
            v.push_str(val);
        }
        query(&mut p, "metadata", &encode_segment(&v));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(build_path("t", "b", 0), "/templates/t/builds/b");
        assert_eq!(
            build_path("t/x", "b", 5),
            "/templates/t%2Fx/builds/b?logsOffset=5"
        );
        assert_eq!(list_path(None, None), "/templates");
        assert_eq!(
            list_path(Some(2), Some("t9")),
            "/templates?limit=2&nextToken=t9"
        );
        assert_eq!(list_path(None, Some("a b")), "/templates?nextToken=a%20b");
        assert_eq!(sandboxes_path(&[], None), "/sandboxes");
        assert_eq!(
            sandboxes_path(
                &[],
                Some(&[("a".into(), "1".into()), ("b".into(), "2".into())])
            ),
            "/sandboxes?metadata=a%3D1%26b%3D2"
        );
        assert_eq!(
            sandboxes_path(
                &[SandboxState::Running, SandboxState::Killed],
                Some(&[("user".into(), "a b".into())])
            ),
            "/sandboxes?state=running,killed&metadata=user%3Da%20b"
        );
    }
}
