//! Input validation shared by the server, the SDK and the console.
//!
//! Request bodies are first read into [`Raw`] values, which keep exactly what the caller sent
//! (a number with a fraction, a string where a number belongs, `null`, a missing field), so
//! every rule can say precisely what was wrong: "cpuCount must be an integer from 1 to 8,
//! got 2.5".

use crate::dockerfile::Dockerfile;
use crate::lint::{self, Diagnostic, Severity};
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// Smallest `cpuCount`.
pub const CPU_MIN: u32 = 1;
/// Largest `cpuCount`.
pub const CPU_MAX: u32 = 8;
/// `cpuCount` when omitted.
pub const CPU_DEFAULT: u32 = 2;
/// Smallest `memoryMB`.
pub const MEMORY_MIN_MB: u32 = 128;
/// Largest `memoryMB`.
pub const MEMORY_MAX_MB: u32 = 8192;
/// `memoryMB` when omitted.
pub const MEMORY_DEFAULT_MB: u32 = 512;
/// Step the console's memory slider uses (any integer in range is accepted by the API).
pub const MEMORY_STEP_MB: u32 = 128;
/// The sandbox disk size reported for every template (20 GB, fixed).
pub const DISK_SIZE_MB: u32 = 20_480;
/// Largest Dockerfile, in bytes of UTF-8.
pub const DOCKERFILE_MAX_BYTES: usize = 256 * 1024;
/// Longest alias.
pub const ALIAS_MAX_LEN: usize = 63;
/// Sandbox `timeout` when omitted, in seconds (24 h).
pub const SANDBOX_TIMEOUT_DEFAULT_S: u32 = 86_400;
/// Largest sandbox `timeout`, in seconds (24 h).
pub const SANDBOX_TIMEOUT_MAX_S: u32 = 86_400;
/// Most entries in `metadata` or `envVars`.
pub const MAP_MAX_ENTRIES: usize = 64;
/// Longest key in `metadata` or `envVars`.
pub const MAP_KEY_MAX_LEN: usize = 256;
/// Longest value in `metadata` or `envVars`, in bytes.
pub const MAP_VALUE_MAX_BYTES: usize = 8 * 1024;
/// `limit` of list calls when omitted.
pub const LIST_LIMIT_DEFAULT: u32 = 100;
/// Largest `limit` of list calls.
pub const LIST_LIMIT_MAX: u32 = 100;

/// A JSON-like value exactly as the caller sent it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Raw {
    /// The field was not sent.
    #[default]
    Absent,
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number (JSON has one number type; integers are numbers without a fraction).
    Number(f64),
    /// A string.
    Str(String),
    /// An array.
    Array(Vec<Raw>),
    /// An object, in the order sent.
    Object(Vec<(String, Raw)>),
    /// Something JSON cannot hold (a JS function, symbol or bigint), described in words.
    Other(&'static str),
}

impl Raw {
    /// A short description for error messages: `9`, `2.5`, `"4" (a string)`, `null`, …
    pub fn describe(&self) -> String {
        match self {
            Raw::Absent => "nothing".into(),
            Raw::Null => "null".into(),
            Raw::Bool(b) => b.to_string(),
            Raw::Number(n) => format_number(*n),
            Raw::Str(s) => {
                let shown: String = s.chars().take(40).collect();
                let more = if shown.len() < s.len() { "…" } else { "" };
                format!("{}{more} (a string)", quote(&shown))
            }
            Raw::Array(_) => "an array".into(),
            Raw::Object(_) => "an object".into(),
            Raw::Other(what) => (*what).into(),
        }
    }
}

fn format_number(n: f64) -> String {
    // Hand-rolled: core's float formatting would add ~20 KB to the SDK's wasm.
    if !n.is_finite() {
        return "a number that is not finite".into();
    }
    if n.abs() >= 1e15 {
        return if n < 0.0 {
            "a number below -1e15"
        } else {
            "a number above 1e15"
        }
        .into();
    }
    if n.fract() == 0.0 {
        return (n as i64).to_string();
    }
    let scaled = (n.abs() * 1e6).round() as u64;
    let mut s = format!(
        "{}{}.{:06}",
        if n < 0.0 { "-" } else { "" },
        scaled / 1_000_000,
        scaled % 1_000_000
    );
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    s
}

/// `"text"`, for messages (without pulling in `Debug` formatting).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    out.extend(s.chars().map(|c| if c.is_control() { '?' } else { c }));
    out.push('"');
    out
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Raw, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Raw;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_none<E>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
                Raw::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
                Ok(Raw::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
                Ok(Raw::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
                Ok(Raw::Number(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
                Ok(Raw::Number(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
                Ok(Raw::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Raw, E> {
                Ok(Raw::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = a.next_element()? {
                    out.push(v);
                }
                Ok(Raw::Array(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, Raw>()? {
                    out.push((k, v));
                }
                Ok(Raw::Object(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// One field's problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field as named on the wire (`cpuCount`, `metadata.owner`, …).
    pub field: String,
    /// The whole message, starting with the field name.
    pub message: String,
}

/// Everything wrong with one request. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The problems, in field order.
    pub errors: Vec<FieldError>,
}

impl ValidationError {
    /// A single-field error.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        ValidationError {
            errors: vec![FieldError {
                field: field.into(),
                message: message.into(),
            }],
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            f.write_str(&e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: &str, message: String) {
        self.0.push(FieldError {
            field: field.to_string(),
            message,
        });
    }
    fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, ValidationError> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(ValidationError { errors: self.0 })
        }
    }
}

/// An integer field within `[min, max]`, or `default` when absent.
pub fn int_in_range(
    field: &str,
    raw: &Raw,
    min: u32,
    max: u32,
    default: u32,
) -> Result<u32, String> {
    match raw {
        Raw::Absent => Ok(default),
        Raw::Number(n) if n.fract() == 0.0 && *n >= min as f64 && *n <= max as f64 => Ok(*n as u32),
        other => {
            let hint = if matches!(other, Raw::Null) {
                format!(" (omit it to use the default, {default})")
            } else {
                String::new()
            };
            Err(format!(
                "{field} must be an integer from {min} to {max}, got {}{hint}",
                other.describe()
            ))
        }
    }
}

/// Checks a `cpuCount` value (absent → default 2).
pub fn cpu_count(raw: &Raw) -> Result<u32, String> {
    int_in_range("cpuCount", raw, CPU_MIN, CPU_MAX, CPU_DEFAULT)
}

/// Checks a `memoryMB` value (absent → default 512).
pub fn memory_mb(raw: &Raw) -> Result<u32, String> {
    int_in_range(
        "memoryMB",
        raw,
        MEMORY_MIN_MB,
        MEMORY_MAX_MB,
        MEMORY_DEFAULT_MB,
    )
}

/// Checks an alias: 1–63 characters of `a-z 0-9 - _`, starting with a letter or digit.
pub fn alias(value: &str) -> Result<(), String> {
    const RULE: &str =
        "1 to 63 characters of a-z, 0-9, '-' and '_', starting with a letter or digit";
    if value.is_empty() {
        return Err(format!("alias must be {RULE}, got an empty string"));
    }
    if value.chars().count() > ALIAS_MAX_LEN {
        return Err(format!(
            "alias must be {RULE}, got {} characters",
            value.chars().count()
        ));
    }
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_'))
    {
        let hint = if c.is_ascii_uppercase() {
            " (use lower case)"
        } else {
            ""
        };
        return Err(format!("alias must be {RULE}; '{c}' is not allowed{hint}"));
    }
    if !value.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "alias must be {RULE}; it starts with '{}'",
            value.chars().next().unwrap_or(' ')
        ));
    }
    Ok(())
}

/// The outcome of checking a Dockerfile that can be submitted.
#[derive(Debug, Clone)]
pub struct CheckedDockerfile {
    /// The parsed file.
    pub parsed: Dockerfile,
    /// Lint findings (errors make the build fail at once; warnings go to the logs).
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckedDockerfile {
    /// The first lint error, if any.
    pub fn first_error(&self) -> Option<&Diagnostic> {
        self.diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error)
    }
}

/// Checks a Dockerfile for submission. Missing, empty, too large, unparsable or `FROM`-less
/// files are rejected (they can never build); anything else is accepted with its lint
/// findings.
pub fn dockerfile(text: &str) -> Result<CheckedDockerfile, String> {
    dockerfile_size(text)?;
    let parsed = Dockerfile::parse(text).map_err(|e| format!("dockerfile does not parse: {e}"))?;
    if parsed.stages().next().is_none() {
        return Err(NO_FROM.into());
    }
    let diagnostics = lint::lint(&parsed);
    Ok(CheckedDockerfile {
        parsed,
        diagnostics,
    })
}

const NO_FROM: &str =
    "dockerfile has no FROM instruction: start it with a base image, e.g. FROM debian:12";

fn dockerfile_size(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(
            "dockerfile must not be empty: send the Dockerfile's text, starting with FROM".into(),
        );
    }
    if text.len() > DOCKERFILE_MAX_BYTES {
        return Err(format!(
            "dockerfile must be at most {} KiB, got {}.{} KiB",
            DOCKERFILE_MAX_BYTES / 1024,
            text.len() / 1024,
            text.len() % 1024 * 10 / 1024
        ));
    }
    Ok(())
}

/// The checks of [`dockerfile`] that need no parser (empty, too large, no line starting with
/// `FROM`): what a client checks before sending, leaving parsing and lint to the server (and
/// to an explicit lint). Keeps the parser out of the SDK's wasm.
pub fn dockerfile_quick(text: &str) -> Result<(), String> {
    dockerfile_size(text)?;
    let has_from = text.lines().any(|l| {
        let l = l.trim_start().as_bytes();
        l.len() > 4 && l[..4].eq_ignore_ascii_case(b"from") && l[4].is_ascii_whitespace()
    });
    if has_from {
        Ok(())
    } else {
        Err(NO_FROM.into())
    }
}

/// A validated `POST /templates` request; `C` is what the Dockerfile check returned (the
/// parse and lint result for the server, `()` for a client's quick check).
#[derive(Debug, Clone)]
pub struct CreateTemplate<C = CheckedDockerfile> {
    /// The Dockerfile text.
    pub dockerfile: String,
    /// Parse and lint result of `dockerfile`.
    pub checked: C,
    /// The alias, if any.
    pub alias: Option<String>,
    /// vCPUs.
    pub cpu_count: u32,
    /// Memory in MB.
    pub memory_mb: u32,
}

/// `POST /templates` body as sent, before validation.
#[derive(Debug, Default)]
pub struct CreateTemplateInput {
    /// `dockerfile`.
    pub dockerfile: Raw,
    /// `alias`.
    pub alias: Raw,
    /// `cpuCount`.
    pub cpu_count: Raw,
    /// `memoryMB`.
    pub memory_mb: Raw,
}

impl CreateTemplateInput {
    /// The fields a create-template body may have.
    pub const FIELDS: [&'static str; 4] = ["dockerfile", "alias", "cpuCount", "memoryMB"];

    /// Splits a request body into its fields; unknown fields and non-objects are errors.
    pub fn from_raw(body: Raw) -> Result<Self, ValidationError> {
        let [dockerfile, alias, cpu_count, memory_mb] = take_fields(body, Self::FIELDS)?;
        Ok(CreateTemplateInput {
            dockerfile,
            alias,
            cpu_count,
            memory_mb,
        })
    }
}

impl From<&crate::CreateTemplateRequest> for CreateTemplateInput {
    /// A typed request (Rust callers) as input to [`create_template`].
    fn from(r: &crate::CreateTemplateRequest) -> Self {
        CreateTemplateInput {
            dockerfile: Raw::Str(r.dockerfile.clone()),
            alias: r.alias.clone().map_or(Raw::Absent, Raw::Str),
            cpu_count: r
                .cpu_count
                .map_or(Raw::Absent, |v| Raw::Number(f64::from(v))),
            memory_mb: r
                .memory_mb
                .map_or(Raw::Absent, |v| Raw::Number(f64::from(v))),
        }
    }
}

/// Picks `names` out of an object body, in order (absent ones as [`Raw::Absent`]).
/// A field sent twice keeps its last value, as JSON parsers do.
pub fn take_fields<const N: usize>(
    body: Raw,
    names: [&str; N],
) -> Result<[Raw; N], ValidationError> {
    let entries = match body {
        Raw::Object(e) => e,
        other => {
            return Err(ValidationError::one(
                "body",
                format!(
                    "request body must be a JSON object, got {}",
                    other.describe()
                ),
            ))
        }
    };
    let mut out: [Raw; N] = std::array::from_fn(|_| Raw::Absent);
    let mut errs = Errors::default();
    for (k, v) in entries {
        match names.iter().position(|n| *n == k) {
            Some(i) => out[i] = v,
            None => {
                let mut m = String::from("unknown field `");
                m.extend(k.chars().take(40));
                m.push_str("`; allowed fields: ");
                for (i, n) in names.iter().enumerate() {
                    if i > 0 {
                        m.push_str(", ");
                    }
                    m.push_str(n);
                }
                errs.add(&k, m)
            }
        }
    }
    errs.finish(|| out)
}

/// Validates a create-template request, reporting every bad field at once.
pub fn create_template(input: CreateTemplateInput) -> Result<CreateTemplate, ValidationError> {
    create_template_with(input, dockerfile)
}

/// [`create_template`] with the Dockerfile checked by `check` (e.g. [`dockerfile_quick`]).
pub fn create_template_with<C>(
    input: CreateTemplateInput,
    check: impl FnOnce(&str) -> Result<C, String>,
) -> Result<CreateTemplate<C>, ValidationError> {
    let mut errs = Errors::default();
    let mut checked = None;
    let mut text = String::new();
    match input.dockerfile {
        Raw::Str(s) => match check(&s) {
            Ok(c) => {
                checked = Some(c);
                text = s;
            }
            Err(m) => errs.add("dockerfile", m),
        },
        Raw::Absent => errs.add(
            "dockerfile",
            "dockerfile is required: send the Dockerfile's text as a string".into(),
        ),
        other => errs.add(
            "dockerfile",
            format!("dockerfile must be a string, got {}", other.describe()),
        ),
    }
    let alias_value = match input.alias {
        Raw::Absent => None,
        Raw::Str(s) => match alias(&s) {
            Ok(()) => Some(s),
            Err(m) => {
                errs.add("alias", m);
                None
            }
        },
        other => {
            errs.add(
                "alias",
                format!("alias must be a string, got {}", other.describe()),
            );
            None
        }
    };
    let cpu = cpu_count(&input.cpu_count).unwrap_or_else(|m| {
        errs.add("cpuCount", m);
        0
    });
    let mem = memory_mb(&input.memory_mb).unwrap_or_else(|m| {
        errs.add("memoryMB", m);
        0
    });
    errs.finish(|| CreateTemplate {
        dockerfile: text,
        checked: checked.expect("set when there are no errors"),
        alias: alias_value,
        cpu_count: cpu,
        memory_mb: mem,
    })
}

/// `POST /sandboxes` body as sent, before validation.
#[derive(Debug, Default)]
pub struct CreateSandboxInput {
    /// `templateID` (an id or an alias).
    pub template_id: Raw,
    /// `timeout` in seconds.
    pub timeout: Raw,
    /// `metadata`.
    pub metadata: Raw,
    /// `envVars`.
    pub env_vars: Raw,
}

impl CreateSandboxInput {
    /// The fields a create-sandbox body may have.
    pub const FIELDS: [&'static str; 4] = ["templateID", "timeout", "metadata", "envVars"];

    /// Splits a request body into its fields; unknown fields and non-objects are errors.
    pub fn from_raw(body: Raw) -> Result<Self, ValidationError> {
        let [template_id, timeout, metadata, env_vars] = take_fields(body, Self::FIELDS)?;
        Ok(CreateSandboxInput {
            template_id,
            timeout,
            metadata,
            env_vars,
        })
    }
}

impl From<&crate::CreateSandboxRequest> for CreateSandboxInput {
    /// A typed request (Rust callers) as input to [`create_sandbox`].
    fn from(r: &crate::CreateSandboxRequest) -> Self {
        let map = |m: &Option<BTreeMap<String, String>>| {
            m.as_ref().map_or(Raw::Absent, |m| {
                Raw::Object(
                    m.iter()
                        .map(|(k, v)| (k.clone(), Raw::Str(v.clone())))
                        .collect(),
                )
            })
        };
        CreateSandboxInput {
            template_id: Raw::Str(r.template_id.clone()),
            timeout: r.timeout.map_or(Raw::Absent, |v| Raw::Number(f64::from(v))),
            metadata: map(&r.metadata),
            env_vars: map(&r.env_vars),
        }
    }
}

/// A validated `POST /sandboxes` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateSandbox {
    /// Template id or alias.
    pub template_id: String,
    /// Seconds until the sandbox is stopped.
    pub timeout_s: u32,
    /// Caller's key/value labels.
    pub metadata: BTreeMap<String, String>,
    /// Environment variables for the sandbox.
    pub env_vars: BTreeMap<String, String>,
}

/// Validates a create-sandbox request, reporting every bad field at once.
pub fn create_sandbox(input: CreateSandboxInput) -> Result<CreateSandbox, ValidationError> {
    let mut errs = Errors::default();
    let template_id = match input.template_id {
        Raw::Str(s) if !s.trim().is_empty() && s.len() <= 128 => s,
        Raw::Absent => {
            errs.add(
                "templateID",
                "templateID is required: a template id or alias".into(),
            );
            String::new()
        }
        other => {
            errs.add(
                "templateID",
                format!("templateID must be a template id or alias (a non-empty string of at most 128 bytes), got {}", other.describe()),
            );
            String::new()
        }
    };
    let timeout_s = int_in_range(
        "timeout",
        &input.timeout,
        1,
        SANDBOX_TIMEOUT_MAX_S,
        SANDBOX_TIMEOUT_DEFAULT_S,
    )
    .unwrap_or_else(|m| {
        errs.add("timeout", format!("{m} (seconds)"));
        0
    });
    let metadata = string_map("metadata", input.metadata, false, &mut errs);
    let env_vars = string_map("envVars", input.env_vars, true, &mut errs);
    errs.finish(|| CreateSandbox {
        template_id,
        timeout_s,
        metadata,
        env_vars,
    })
}

/// Whether `name` is a usable environment variable name.
pub fn env_var_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn string_map(field: &str, raw: Raw, env: bool, errs: &mut Errors) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let entries = match raw {
        Raw::Absent => return out,
        Raw::Object(e) => e,
        other => {
            errs.add(
                field,
                format!(
                    "{field} must be an object of string values, got {}",
                    other.describe()
                ),
            );
            return out;
        }
    };
    if entries.len() > MAP_MAX_ENTRIES {
        errs.add(
            field,
            format!(
                "{field} may have at most {MAP_MAX_ENTRIES} entries, got {}",
                entries.len()
            ),
        );
        return out;
    }
    for (k, v) in entries {
        let name = format!("{field}.{k}");
        if k.is_empty() || k.len() > MAP_KEY_MAX_LEN {
            errs.add(
                field,
                format!(
                    "{field} keys must be 1 to {MAP_KEY_MAX_LEN} bytes, got {}",
                    quote(&k)
                ),
            );
            continue;
        }
        if env && !env_var_name(&k) {
            errs.add(&name, format!("{field} key {} is not a valid variable name: use letters, digits and '_', not starting with a digit", quote(&k)));
            continue;
        }
        match v {
            Raw::Str(s) if s.len() <= MAP_VALUE_MAX_BYTES => {
                out.insert(k, s);
            }
            Raw::Str(_) => errs.add(
                &name,
                format!("{name} must be at most {} KiB", MAP_VALUE_MAX_BYTES / 1024),
            ),
            other => errs.add(
                &name,
                format!("{name} must be a string, got {}", other.describe()),
            ),
        }
    }
    out
}

/// Validated client options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// The API key.
    pub api_key: String,
    /// Base URL without a trailing slash.
    pub base_url: String,
    /// Per-request timeout in milliseconds.
    pub timeout_ms: u32,
}

/// Longest per-request timeout a client accepts, in milliseconds (1 hour).
pub const CLIENT_TIMEOUT_MAX_MS: u32 = 3_600_000;

/// Checks `{apiKey, baseURL?, timeout?}` of a client. Messages never contain the key.
pub fn client_options(
    api_key: &Raw,
    base_url: &Raw,
    timeout: &Raw,
) -> Result<ClientOptions, ValidationError> {
    let mut errs = Errors::default();
    let key = match api_key {
        Raw::Str(k) if !k.is_empty() && k.bytes().all(|b| b.is_ascii_graphic()) => k.clone(),
        Raw::Str(k) if k.is_empty() => {
            errs.add(
                "apiKey",
                "apiKey must be your Lelantos API key (lel_…), got an empty string".into(),
            );
            String::new()
        }
        Raw::Str(_) => {
            errs.add(
                "apiKey",
                "apiKey must be printable ASCII without spaces (a lel_… key)".into(),
            );
            String::new()
        }
        Raw::Absent => {
            errs.add(
                "apiKey",
                "apiKey is required: pass your Lelantos API key (lel_…)".into(),
            );
            String::new()
        }
        other => {
            errs.add(
                "apiKey",
                format!("apiKey must be a string, got {}", other.describe()),
            );
            String::new()
        }
    };
    let url = match base_url {
        Raw::Absent => crate::policy::DEFAULT_BASE_URL.to_string(),
        Raw::Str(u)
            if (u.starts_with("http://") || u.starts_with("https://"))
                && u.len() > 8
                && !u.contains(char::is_whitespace) =>
        {
            u.trim_end_matches('/').to_string()
        }
        other => {
            errs.add(
                "baseURL",
                format!(
                    "baseURL must be an http:// or https:// URL, got {}",
                    other.describe()
                ),
            );
            String::new()
        }
    };
    let timeout_ms = int_in_range(
        "timeout",
        timeout,
        1,
        CLIENT_TIMEOUT_MAX_MS,
        crate::policy::DEFAULT_TIMEOUT_MS,
    )
    .unwrap_or_else(|m| {
        errs.add("timeout", format!("{m} (milliseconds)"));
        0
    });
    errs.finish(|| ClientOptions {
        api_key: key,
        base_url: url,
        timeout_ms,
    })
}

/// Checks an id argument (`templateID`, `buildID`, `sandboxID`): a non-empty string.
pub fn id(field: &str, raw: &Raw) -> Result<String, ValidationError> {
    match raw {
        Raw::Str(s) if !s.is_empty() && s.len() <= 256 => Ok(s.clone()),
        other => Err(ValidationError::one(
            field,
            format!(
                "{field} must be a non-empty string of at most 256 bytes, got {}",
                other.describe()
            ),
        )),
    }
}

/// Checks a list `limit` query value (absent → 100).
pub fn list_limit(value: Option<&str>) -> Result<u32, String> {
    match value {
        None => Ok(LIST_LIMIT_DEFAULT),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=LIST_LIMIT_MAX).contains(&n) => Ok(n),
            _ => Err(format!(
                "limit must be an integer from 1 to {LIST_LIMIT_MAX}, got {}",
                quote(v)
            )),
        },
    }
}

/// Checks a `logsOffset` query value (absent → 0).
pub fn logs_offset(value: Option<&str>) -> Result<u32, String> {
    match value {
        None => Ok(0),
        Some(v) => v.parse::<u32>().map_err(|_| {
            format!(
                "logsOffset must be a non-negative integer, got {}",
                quote(v)
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: &str) -> CreateTemplateInput {
        CreateTemplateInput::from_raw(serde_json::from_str(json).expect("valid json"))
            .expect("known fields")
    }

    fn sandbox_input(json: &str) -> CreateSandboxInput {
        CreateSandboxInput::from_raw(serde_json::from_str(json).expect("valid json"))
            .expect("known fields")
    }

    fn err(json: &str) -> String {
        create_template(input(json)).unwrap_err().to_string()
    }

    #[test]
    fn defaults() {
        let t = create_template(input(r#"{"dockerfile":"FROM a:1"}"#)).unwrap();
        assert_eq!((t.cpu_count, t.memory_mb, t.alias), (2, 512, None));
    }

    #[test]
    fn cpu_and_memory_messages() {
        assert_eq!(
            err(r#"{"dockerfile":"FROM a:1","cpuCount":9}"#),
            "cpuCount must be an integer from 1 to 8, got 9"
        );
        assert_eq!(
            err(r#"{"dockerfile":"FROM a:1","cpuCount":0}"#),
            "cpuCount must be an integer from 1 to 8, got 0"
        );
        assert_eq!(
            err(r#"{"dockerfile":"FROM a:1","cpuCount":2.5}"#),
            "cpuCount must be an integer from 1 to 8, got 2.5"
        );
        assert_eq!(
            err(r#"{"dockerfile":"FROM a:1","cpuCount":"4"}"#),
            "cpuCount must be an integer from 1 to 8, got \"4\" (a string)"
        );
        assert!(err(r#"{"dockerfile":"FROM a:1","cpuCount":null}"#)
            .starts_with("cpuCount must be an integer from 1 to 8, got null"));
        assert_eq!(
            err(r#"{"dockerfile":"FROM a:1","memoryMB":127}"#),
            "memoryMB must be an integer from 128 to 8192, got 127"
        );
        assert_eq!(
            err(r#"{"dockerfile":"FROM a:1","memoryMB":8193}"#),
            "memoryMB must be an integer from 128 to 8192, got 8193"
        );
        assert_eq!(
            err(r#"{"dockerfile":"FROM a:1","memoryMB":-1e300}"#),
            "memoryMB must be an integer from 128 to 8192, got a number below -1e15"
        );
        let t = create_template(input(
            r#"{"dockerfile":"FROM a:1","cpuCount":8,"memoryMB":8192}"#,
        ))
        .unwrap();
        assert_eq!((t.cpu_count, t.memory_mb), (8, 8192));
    }

    #[test]
    fn every_bad_field_is_reported() {
        let e =
            create_template(input(r#"{"cpuCount":9,"memoryMB":1,"alias":"Bad!"}"#)).unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["dockerfile", "alias", "cpuCount", "memoryMB"]);
    }

    #[test]
    fn unknown_fields_are_rejected_by_name() {
        let raw: Raw = serde_json::from_str(r#"{"dockerfile":"FROM a","cpus":2,"x":1}"#).unwrap();
        let e = CreateTemplateInput::from_raw(raw).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown field `cpus`; allowed fields: dockerfile, alias, cpuCount, memoryMB; unknown field `x`; allowed fields: dockerfile, alias, cpuCount, memoryMB"
        );
        let e = CreateTemplateInput::from_raw(Raw::Array(vec![])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "request body must be a JSON object, got an array"
        );
    }

    #[test]
    fn dockerfile_rules() {
        assert!(err(r#"{}"#).contains("dockerfile is required"));
        assert!(err(r#"{"dockerfile":"   \n"}"#).contains("must not be empty"));
        assert!(err(r#"{"dockerfile":42}"#).contains("dockerfile must be a string, got 42"));
        assert!(err(r##"{"dockerfile":"# just a comment\nRUN echo"}"##).contains("no FROM"));
        assert!(err(r#"{"dockerfile":"FROM a\nRUN <<EOF\nx"}"#).contains("does not parse: line 2"));
        let big = format!(
            r#"{{"dockerfile":"FROM a:1\n{}"}}"#,
            "#".repeat(DOCKERFILE_MAX_BYTES)
        );
        assert!(err(&big).contains("at most 256 KiB"));
        // A lint error is not a validation error: it surfaces in the build.
        let t = create_template(input(
            r#"{"dockerfile":"FROM a:1\nRUN echo x > /etc/resolv.conf"}"#,
        ))
        .unwrap();
        assert_eq!(t.checked.first_error().unwrap().line, 2);
    }

    #[test]
    fn quick_dockerfile_check_agrees_without_parsing() {
        assert!(dockerfile_quick("  \n")
            .unwrap_err()
            .contains("must not be empty"));
        assert!(dockerfile_quick("# just a comment\nRUN echo")
            .unwrap_err()
            .contains("no FROM"));
        assert!(dockerfile_quick("FROMAGE x")
            .unwrap_err()
            .contains("no FROM"));
        let big = format!("FROM a:1\n{}", "#".repeat(DOCKERFILE_MAX_BYTES));
        assert!(dockerfile_quick(&big)
            .unwrap_err()
            .contains("at most 256 KiB"));
        assert_eq!(dockerfile_quick("# c\n  from\tdebian:12\n"), Ok(()));
        // What only the parser finds is left to the server.
        assert_eq!(dockerfile_quick("FROM a\nRUN <<EOF\nx"), Ok(()));
        let t = create_template_with(
            input(r#"{"dockerfile":"FROM a:1","cpuCount":9}"#),
            dockerfile_quick,
        )
        .unwrap_err();
        assert!(t
            .to_string()
            .contains("cpuCount must be an integer from 1 to 8"));
    }

    #[test]
    fn alias_rules() {
        assert!(alias("data-science").is_ok());
        assert!(alias("a").is_ok());
        assert!(alias("9_x").is_ok());
        assert!(alias(&"a".repeat(63)).is_ok());
        assert!(alias(&"a".repeat(64))
            .unwrap_err()
            .contains("got 64 characters"));
        assert!(alias("").unwrap_err().contains("empty"));
        assert!(alias("-x").unwrap_err().contains("starts with '-'"));
        assert!(alias("Data").unwrap_err().contains("use lower case"));
        assert!(alias("a b").unwrap_err().contains("' ' is not allowed"));
        assert!(alias("é").is_err());
    }

    #[test]
    fn sandbox_rules() {
        let ok = sandbox_input(r#"{"templateID":"base"}"#);
        let s = create_sandbox(ok).unwrap();
        assert_eq!(s.timeout_s, 86_400);
        let bad = sandbox_input(
            r#"{"templateID":"","timeout":0,"metadata":{"a":1},"envVars":{"1X":"v"}}"#,
        );
        let e = create_sandbox(bad).unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["templateID", "timeout", "metadata.a", "envVars.1X"]
        );
        assert!(
            e.to_string()
                .contains("timeout must be an integer from 1 to 86400, got 0 (seconds)"),
            "{e}"
        );
    }

    #[test]
    fn typed_requests_go_through_the_same_rules() {
        let req = crate::CreateTemplateRequest {
            dockerfile: "FROM a:1".into(),
            alias: None,
            cpu_count: Some(9),
            memory_mb: None,
        };
        assert_eq!(
            create_template((&req).into()).unwrap_err().to_string(),
            "cpuCount must be an integer from 1 to 8, got 9"
        );
        let ok = crate::CreateTemplateRequest {
            cpu_count: None,
            ..req
        };
        assert_eq!(
            create_template((&ok).into()).unwrap().cpu_count,
            CPU_DEFAULT
        );
        let sbx = crate::CreateSandboxRequest {
            template_id: "t".into(),
            timeout: Some(60),
            metadata: Some([("k".to_string(), "v".to_string())].into()),
            env_vars: Some([("1X".to_string(), "v".to_string())].into()),
        };
        let e = create_sandbox((&sbx).into()).unwrap_err();
        assert_eq!(e.errors[0].field, "envVars.1X");
    }

    #[test]
    fn client_option_rules() {
        let key = Raw::Str("lel_abc".into());
        let o = client_options(&key, &Raw::Absent, &Raw::Absent).unwrap();
        assert_eq!(
            (o.base_url.as_str(), o.timeout_ms),
            ("https://api.lelantos.ai", 30_000)
        );
        let o = client_options(
            &key,
            &Raw::Str("http://127.0.0.1:3000/".into()),
            &Raw::Number(5000.0),
        )
        .unwrap();
        assert_eq!(
            (o.base_url.as_str(), o.timeout_ms),
            ("http://127.0.0.1:3000", 5000)
        );
        let e = client_options(&Raw::Absent, &Raw::Str("ftp://x".into()), &Raw::Number(0.5))
            .unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["apiKey", "baseURL", "timeout"]);
        let e = client_options(
            &Raw::Str("lel_secret value".into()),
            &Raw::Absent,
            &Raw::Absent,
        )
        .unwrap_err();
        assert!(!e.to_string().contains("secret"), "the key is never echoed");
        assert!(id("templateID", &Raw::Str("abc".into())).is_ok());
        assert!(id("templateID", &Raw::Str(String::new()))
            .unwrap_err()
            .to_string()
            .contains("templateID must be a non-empty string"));
        assert!(id("buildID", &Raw::Absent)
            .unwrap_err()
            .to_string()
            .contains("got nothing"));
    }

    #[test]
    fn query_values() {
        assert_eq!(list_limit(None), Ok(100));
        assert_eq!(list_limit(Some("1")), Ok(1));
        assert!(list_limit(Some("0"))
            .unwrap_err()
            .contains("limit must be an integer from 1 to 100"));
        assert!(list_limit(Some("abc")).is_err());
        assert_eq!(logs_offset(Some("3")), Ok(3));
        assert!(logs_offset(Some("-1")).is_err());
    }
}
