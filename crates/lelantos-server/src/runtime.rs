//! The sandbox seam: what actually runs a sandbox. The store keeps the records; a [`Runtime`]
//! starts and stops what they describe (containers through Docker, or nothing at all).

use crate::builds::BoxFuture;
use std::collections::BTreeMap;

/// What a runtime needs to start a sandbox.
pub struct SandboxSpec<'a> {
    /// Sandbox id.
    pub sandbox_id: &'a str,
    /// Template whose image to run.
    pub template_id: &'a str,
    /// vCPUs (a hard limit).
    pub cpu_count: u32,
    /// Memory in MB (a hard limit).
    pub memory_mb: u32,
    /// Environment variables.
    pub env_vars: &'a BTreeMap<String, String>,
    /// Labels.
    pub metadata: &'a BTreeMap<String, String>,
}

/// Starts and stops sandboxes and removes images no longer needed.
pub trait Runtime: Send + Sync + 'static {
    /// Starts a sandbox. The error is one human line for the API's answer.
    fn start<'a>(&'a self, spec: SandboxSpec<'a>) -> BoxFuture<'a, Result<(), String>>;

    /// Stops a sandbox and removes what it left behind; stopping one that is already gone
    /// is not an error.
    fn stop<'a>(&'a self, sandbox_id: &'a str) -> BoxFuture<'a, Result<(), String>>;

    /// Removes a template's image (called once neither the template nor a running sandbox
    /// needs it).
    fn remove_image<'a>(&'a self, template_id: &'a str) -> BoxFuture<'a, ()>;

    /// Of `sandbox_ids` (all recorded as running), those whose process has ended or whose
    /// container is gone. `None` when the runtime cannot tell right now.
    fn ended<'a>(&'a self, sandbox_ids: &'a [String]) -> BoxFuture<'a, Option<Vec<String>>>;
}

/// The dry-run runtime: sandboxes are records only.
pub struct RecordsOnly;

impl Runtime for RecordsOnly {
    fn start<'a>(&'a self, _spec: SandboxSpec<'a>) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }

    fn stop<'a>(&'a self, _sandbox_id: &'a str) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }

    fn remove_image<'a>(&'a self, _template_id: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }

    fn ended<'a>(&'a self, _sandbox_ids: &'a [String]) -> BoxFuture<'a, Option<Vec<String>>> {
        Box::pin(async { Some(Vec::new()) })
    }
}
