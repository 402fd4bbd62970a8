//! Wire types, in the documented JSON names.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The state of a template build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum BuildStatus {
    /// The build is queued or running.
    Building,
    /// The build succeeded; sandboxes can be started from the template.
    Ready,
    /// The build failed or was cancelled; see `error` and `reason`.
    Error,
}

impl BuildStatus {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            BuildStatus::Building => "building",
            BuildStatus::Ready => "ready",
            BuildStatus::Error => "error",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "building" => Some(BuildStatus::Building),
            "ready" => Some(BuildStatus::Ready),
            "error" => Some(BuildStatus::Error),
            _ => None,
        }
    }

    /// Whether the build has ended (`ready` or `error`).
    pub fn is_final(self) -> bool {
        self != BuildStatus::Building
    }
}

/// A template, as returned by create, list and get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Template {
    /// The template's id.
    #[serde(rename = "templateID")]
    pub template_id: String,
    /// The id of the template's build.
    #[serde(rename = "buildID")]
    pub build_id: String,
    /// vCPUs of sandboxes made from it (1–8).
    #[serde(rename = "cpuCount")]
    pub cpu_count: u32,
    /// Memory of sandboxes made from it, in MB (128–8192).
    #[serde(rename = "memoryMB")]
    pub memory_mb: u32,
    /// Sandbox disk size in MB.
    #[serde(rename = "diskSizeMB")]
    pub disk_size_mb: u32,
    /// Whether other teams can use it (always `false` for custom templates here).
    pub public: bool,
    /// Aliases that point at this template (empty once a rebuild moved the alias on).
    pub aliases: Vec<String>,
    /// RFC 3339 creation time.
    #[serde(rename = "createdAt")]
    pub created_at: String,
    /// RFC 3339 time of the last change.
    #[serde(rename = "updatedAt")]
    pub updated_at: String,
    /// Builds made under this template's alias so far, this one included.
    #[serde(rename = "buildCount")]
    pub build_count: u32,
    /// Sandboxes started from it.
    #[serde(rename = "spawnCount")]
    pub spawn_count: u64,
    /// RFC 3339 time of the last sandbox start, if any.
    #[serde(rename = "lastSpawnedAt")]
    pub last_spawned_at: Option<String>,
    /// The status of its build (an extension: saves a call per row in lists).
    #[serde(rename = "buildStatus")]
    pub build_status: BuildStatus,
    /// The Dockerfile (an extension, only in `GET /templates/{templateID}`: lets a client
    /// show the failing line or prefill a rebuild).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
}

/// Severity of a build log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum LogLevel {
    /// Detail.
    Debug,
    /// Progress.
    Info,
    /// Something worth a look.
    Warn,
    /// A failure.
    Error,
}

impl LogLevel {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "debug" => Some(LogLevel::Debug),
            "info" => Some(LogLevel::Info),
            "warn" => Some(LogLevel::Warn),
            "error" => Some(LogLevel::Error),
            _ => None,
        }
    }
}

/// One build log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LogEntry {
    /// RFC 3339 time.
    pub timestamp: String,
    /// Severity.
    pub level: LogLevel,
    /// The line.
    pub message: String,
    /// The build step it belongs to, e.g. `[2/3] RUN pip install …`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

/// Why a build failed, pointing into the Dockerfile where possible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BuildReason {
    /// What went wrong.
    pub message: String,
    /// The failing step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The 1-based Dockerfile line of the failing instruction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// `GET /templates/{templateID}/builds/{buildID}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TemplateBuild {
    /// The template's id.
    #[serde(rename = "templateID")]
    pub template_id: String,
    /// The build's id.
    #[serde(rename = "buildID")]
    pub build_id: String,
    /// `building`, `ready` or `error`.
    pub status: BuildStatus,
    /// One human line saying why the build failed (only when `status` is `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Log lines after the first `logsOffset`.
    pub logs: Vec<LogEntry>,
    /// Structured failure reason (only when `status` is `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<BuildReason>,
    /// RFC 3339 time the build was submitted.
    #[serde(rename = "startedAt")]
    pub started_at: String,
    /// RFC 3339 time the build ended.
    #[serde(
        rename = "finishedAt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub finished_at: Option<String>,
}

/// The state of a sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum SandboxState {
    /// Running.
    Running,
    /// Killed through the API.
    Killed,
    /// Stopped by the reaper when its timeout passed.
    Stopped,
}

impl SandboxState {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SandboxState::Running => "running",
            SandboxState::Killed => "killed",
            SandboxState::Stopped => "stopped",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "running" => Some(SandboxState::Running),
            "killed" => Some(SandboxState::Killed),
            "stopped" => Some(SandboxState::Stopped),
            _ => None,
        }
    }
}

/// A sandbox, as returned by create, list and get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Sandbox {
    /// The sandbox's id.
    #[serde(rename = "sandboxID")]
    pub sandbox_id: String,
    /// The template it was started from.
    #[serde(rename = "templateID")]
    pub template_id: String,
    /// The alias it was started by, if it was started by alias.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// The node running it.
    #[serde(rename = "clientID")]
    pub client_id: String,
    /// Version of the in-sandbox daemon.
    #[serde(rename = "envdVersion")]
    pub envd_version: String,
    /// RFC 3339 start time.
    #[serde(rename = "startedAt")]
    pub started_at: String,
    /// RFC 3339 time the sandbox is (or was) due to stop.
    #[serde(rename = "endAt")]
    pub end_at: String,
    /// vCPUs.
    #[serde(rename = "cpuCount")]
    pub cpu_count: u32,
    /// Memory in MB.
    #[serde(rename = "memoryMB")]
    pub memory_mb: u32,
    /// Disk in MB.
    #[serde(rename = "diskSizeMB")]
    pub disk_size_mb: u32,
    /// The caller's labels.
    pub metadata: BTreeMap<String, String>,
    /// `running`, `killed` or `stopped`.
    pub state: SandboxState,
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorBody {
    /// The HTTP status, repeated.
    pub code: u16,
    /// What went wrong, for a person.
    pub message: String,
}

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// Server version.
    pub version: String,
    /// The builder in use: `docker` or `dry-run`.
    pub builder: String,
    /// Things the operator should know (e.g. that builds are only validated).
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// `POST /templates` body (what clients send).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CreateTemplateRequest {
    /// Dockerfile text (at most 256 KiB, must contain FROM).
    pub dockerfile: String,
    /// 1–63 characters of a-z, 0-9, '-', '_', starting with a letter or digit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// vCPUs, integer 1–8 (default 2).
    #[serde(rename = "cpuCount", default, skip_serializing_if = "Option::is_none")]
    pub cpu_count: Option<u32>,
    /// Memory in MB, integer 128–8192 (default 512).
    #[serde(rename = "memoryMB", default, skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<u32>,
}

/// `POST /sandboxes` body (what clients send).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CreateSandboxRequest {
    /// A template id or alias; the template's build must be `ready`.
    #[serde(rename = "templateID")]
    pub template_id: String,
    /// Seconds until the sandbox is stopped, 1–86400 (default 86400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
    /// String labels kept with the sandbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// Environment variables for the sandbox (never returned).
    #[serde(rename = "envVars", default, skip_serializing_if = "Option::is_none")]
    pub env_vars: Option<BTreeMap<String, String>>,
}
