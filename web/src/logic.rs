//! The console's pure logic: form state → request, lint → line markers, status → badge,
//! the key in the URL fragment. No DOM here, so it is tested natively.

use lelantos_api::lint::{lint_text, Severity};
use lelantos_api::validate;
use lelantos_api::{BuildStatus, CreateTemplateRequest, SandboxState};

/// The new-template form as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateForm {
    /// Dockerfile text.
    pub dockerfile: String,
    /// Alias (empty = none).
    pub alias: String,
    /// vCPUs (slider 1–8).
    pub cpu_count: u32,
    /// Memory in MB (slider 128–8192, step 128).
    pub memory_mb: u32,
}

impl Default for TemplateForm {
    fn default() -> Self {
        TemplateForm {
            dockerfile: "FROM python:3.12-slim\nRUN pip install numpy pandas\n".into(),
            alias: String::new(),
            cpu_count: validate::CPU_DEFAULT,
            memory_mb: validate::MEMORY_DEFAULT_MB,
        }
    }
}

/// Everything that keeps the form from being submitted, in words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FormCheck {
    /// Problem with the alias, shown under the alias field.
    pub alias: Option<String>,
    /// Problem with the Dockerfile as a whole (empty, too large, no FROM, does not parse).
    pub dockerfile: Option<String>,
    /// Lint markers by line.
    pub markers: Vec<LineMarker>,
}

impl FormCheck {
    /// Whether the form may be submitted (no field problem and no lint error).
    pub fn can_submit(&self) -> bool {
        self.alias.is_none()
            && self.dockerfile.is_none()
            && !self.markers.iter().any(|m| m.severity == Severity::Error)
    }
}

/// Lint findings on one line of the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineMarker {
    /// 1-based line.
    pub line: usize,
    /// The worst severity on the line.
    pub severity: Severity,
    /// Every message on the line.
    pub messages: Vec<String>,
}

impl TemplateForm {
    /// Checks the form with the API's own rules (as the user types).
    pub fn check(&self) -> FormCheck {
        let alias = if self.alias.is_empty() {
            None
        } else {
            validate::alias(&self.alias).err()
        };
        let dockerfile = validate::dockerfile(&self.dockerfile).err();
        FormCheck {
            alias,
            dockerfile,
            markers: lint_markers(&self.dockerfile),
        }
    }

    /// The request to send, validated by the same function the server uses.
    pub fn to_request(&self) -> Result<CreateTemplateRequest, validate::ValidationError> {
        let req = CreateTemplateRequest {
            dockerfile: self.dockerfile.clone(),
            alias: (!self.alias.is_empty()).then(|| self.alias.clone()),
            cpu_count: Some(self.cpu_count),
            memory_mb: Some(self.memory_mb),
        };
        validate::create_template((&req).into())?;
        Ok(req)
    }
}

/// Lint diagnostics grouped by line, errors winning over warnings.
pub fn lint_markers(text: &str) -> Vec<LineMarker> {
    let mut out: Vec<LineMarker> = Vec::new();
    for d in lint_text(text) {
        match out.iter_mut().find(|m| m.line == d.line) {
            Some(m) => {
                m.severity = m.severity.min(d.severity);
                m.messages.push(d.message);
            }
            None => out.push(LineMarker {
                line: d.line,
                severity: d.severity,
                messages: vec![d.message],
            }),
        }
    }
    out
}

/// CSS class and label of a build status badge.
pub fn badge(status: BuildStatus) -> (&'static str, &'static str) {
    match status {
        BuildStatus::Building => ("badge badge-building", "building"),
        BuildStatus::Ready => ("badge badge-ready", "ready"),
        BuildStatus::Error => ("badge badge-error", "error"),
    }
}

/// CSS class and label of a sandbox state badge.
pub fn sandbox_badge(state: SandboxState) -> (&'static str, &'static str) {
    match state {
        SandboxState::Running => ("badge badge-ready", "running"),
        SandboxState::Killed => ("badge badge-muted", "killed"),
        SandboxState::Stopped => ("badge badge-muted", "stopped"),
    }
}

/// The API key in a URL fragment such as `#key=lel_…` (other fragment parts are ignored).
pub fn key_from_fragment(hash: &str) -> Option<String> {
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|p| p.strip_prefix("key="))
        .filter(|k| !k.is_empty())
        .map(str::to_string)
}

/// "4.2 s", "1 min 05 s" — how long a build has run.
pub fn elapsed(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 60_000 {
        format!("{}.{} s", ms / 1000, ms % 1000 / 100)
    } else {
        format!("{} min {:02} s", ms / 60_000, ms % 60_000 / 1000)
    }
}

/// "2 GB" / "512 MB" for the memory slider.
pub fn memory_label(mb: u32) -> String {
    if mb >= 1024 && mb % 1024 == 0 {
        format!("{} GB", mb / 1024)
    } else if mb >= 1024 {
        format!("{}.{} GB", mb / 1024, mb % 1024 * 10 / 1024)
    } else {
        format!("{mb} MB")
    }
}

/// Snaps a memory value to the slider's step, inside the allowed range.
pub fn snap_memory(mb: u32) -> u32 {
    let step = validate::MEMORY_STEP_MB;
    let snapped = (mb + step / 2) / step * step;
    snapped.clamp(validate::MEMORY_MIN_MB, validate::MEMORY_MAX_MB)
}

/// How a build log line shows: `(step prefix, message, whether it opens a step)`. A line whose
/// message is its step's name opens that step (shown once, emphasised); other lines of a step
/// carry the step as a dim prefix.
pub fn log_parts<'a>(step: Option<&'a str>, message: &'a str) -> (Option<&'a str>, &'a str, bool) {
    match step {
        Some(s) if s == message => (None, message, true),
        Some(s) => (Some(s), message, false),
        None => (None, message, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_to_request_uses_the_api_rules() {
        let f = TemplateForm {
            dockerfile: "FROM python:3.12-slim\n".into(),
            alias: "data-science".into(),
            cpu_count: 4,
            memory_mb: 2048,
        };
        let r = f.to_request().unwrap();
        assert_eq!(
            (r.cpu_count, r.memory_mb, r.alias.as_deref()),
            (Some(4), Some(2048), Some("data-science"))
        );
        let no_alias = TemplateForm {
            alias: String::new(),
            ..f.clone()
        };
        assert_eq!(no_alias.to_request().unwrap().alias, None);
        let bad = TemplateForm { cpu_count: 9, ..f };
        assert!(bad
            .to_request()
            .unwrap_err()
            .to_string()
            .contains("cpuCount must be an integer from 1 to 8"));
    }

    #[test]
    fn resolv_conf_line_blocks_submit_with_its_explanation() {
        let f = TemplateForm {
            dockerfile: "FROM python:3.12-slim\nRUN pip install numpy\nRUN echo \"nameserver 8.8.8.8\" > /etc/resolv.conf\n".into(),
            ..TemplateForm::default()
        };
        let c = f.check();
        assert!(!c.can_submit());
        assert_eq!(c.markers.len(), 1);
        assert_eq!(c.markers[0].line, 3);
        assert_eq!(c.markers[0].severity, Severity::Error);
        assert!(c.markers[0].messages[0].contains("Read-only file system"));
        assert!(c.markers[0].messages[0].contains("delete this line"));
    }

    #[test]
    fn warnings_do_not_block_and_group_by_line() {
        let f = TemplateForm {
            dockerfile: "FROM ubuntu\nRUN apt-get install curl\n".into(),
            ..TemplateForm::default()
        };
        let c = f.check();
        assert!(c.can_submit());
        assert_eq!(c.markers.iter().map(|m| m.line).collect::<Vec<_>>(), [1, 2]);
        assert!(c.markers.iter().all(|m| m.severity == Severity::Warning));
        let two = lint_markers("FROM a:1\nCMD a\nCMD ['b']\n");
        assert_eq!(two.len(), 1);
        assert_eq!(two[0].messages.len(), 2);
    }

    #[test]
    fn field_problems_block_submit() {
        let bad_alias = TemplateForm {
            alias: "Bad Alias".into(),
            ..TemplateForm::default()
        };
        let c = bad_alias.check();
        assert!(c.alias.unwrap().contains("use lower case"));
        let empty = TemplateForm {
            dockerfile: "  ".into(),
            ..TemplateForm::default()
        };
        assert!(empty
            .check()
            .dockerfile
            .unwrap()
            .contains("must not be empty"));
        assert!(!empty.check().can_submit());
        assert!(TemplateForm::default().check().can_submit());
    }

    #[test]
    fn badges() {
        assert_eq!(
            badge(BuildStatus::Building),
            ("badge badge-building", "building")
        );
        assert_eq!(badge(BuildStatus::Ready).1, "ready");
        assert_eq!(badge(BuildStatus::Error).0, "badge badge-error");
        assert_eq!(sandbox_badge(SandboxState::Killed).1, "killed");
    }

    #[test]
    fn fragment_key_and_labels() {
        assert_eq!(key_from_fragment("#key=lel_abc"), Some("lel_abc".into()));
        assert_eq!(
            key_from_fragment("#x=1&key=lel_abc"),
            Some("lel_abc".into())
        );
        assert_eq!(key_from_fragment("#key="), None);
        assert_eq!(key_from_fragment(""), None);
        assert_eq!(elapsed(4200), "4.2 s");
        assert_eq!(elapsed(65_000), "1 min 05 s");
        assert_eq!(memory_label(512), "512 MB");
        assert_eq!(memory_label(2048), "2 GB");
        assert_eq!(memory_label(1536), "1.5 GB");
        assert_eq!(snap_memory(200), 256);
        assert_eq!(snap_memory(10_000), 8192);
        assert_eq!(snap_memory(0), 128);
    }

    #[test]
    fn log_lines_name_their_step_once() {
        let step = "[2/3] RUN make";
        assert_eq!(log_parts(Some(step), step), (None, step, true));
        assert_eq!(
            log_parts(Some(step), "cc -o app"),
            (Some(step), "cc -o app", false)
        );
        assert_eq!(log_parts(None, "queued"), (None, "queued", false));
    }
}
