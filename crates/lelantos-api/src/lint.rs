//! Lint rules for Dockerfiles, with line numbers and severities.
//!
//! Errors are problems that make a build fail for sure (the build then ends `error` at once,
//! before any engine time is spent); warnings are things users want to hear about but that
//! still build.

use crate::dockerfile::{Dockerfile, Instruction};
use serde::{Deserialize, Serialize};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Severity {
    /// The build cannot succeed.
    Error,
    /// The build may succeed, but probably not as intended.
    Warning,
}

impl Severity {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One finding of the linter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Diagnostic {
    /// 1-based Dockerfile line.
    pub line: usize,
    /// Error or warning.
    pub severity: Severity,
    /// Stable rule id, e.g. `resolv-conf-write`.
    pub rule: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Instructions BuildKit knows.
pub const INSTRUCTIONS: &[&str] = &[
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
];

/// The message for the resolv.conf rule; also used by builders that see the engine's error.
pub const RESOLV_CONF_MESSAGE: &str = "this RUN writes /etc/resolv.conf, but BuildKit mounts that file read-only during builds, so the step fails with \"Read-only file system\". DNS already works during builds and in sandboxes without it: delete this line.";

/// Parses and lints `text`. A parse error becomes a single error diagnostic.
pub fn lint_text(text: &str) -> Vec<Diagnostic> {
    match Dockerfile::parse(text) {
        Ok(df) => lint(&df),
        Err(e) => vec![Diagnostic {
            line: e.line,
            severity: Severity::Error,
            rule: "parse".into(),
            message: e.message,
        }],
    }
}

/// Lints a parsed Dockerfile. Diagnostics come sorted by line, errors first on a line.
pub fn lint(df: &Dockerfile) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut push = |line: usize, severity: Severity, rule: &str, message: String| {
        out.push(Diagnostic {
            line,
            severity,
            rule: rule.to_string(),
            message,
        })
    };

    if df.stages().next().is_none() {
        let line = df.instructions.first().map_or(1, |i| i.line);
        push(
            line,
            Severity::Error,
            "no-from",
            "the Dockerfile has no FROM instruction: start it with a base image, e.g. FROM debian:12".into(),
        );
    }
    for &line in &df.empty_continuation_lines {
        push(
            line,
            Severity::Warning,
            "empty-continuation",
            "empty line inside a line continuation; BuildKit will make this an error — remove the blank line or the trailing escape before it".into(),
        );
    }
    if let Some(line) = df.trailing_continuation {
        push(
            line,
            Severity::Warning,
            "trailing-continuation",
            "the file ends inside a line continuation: remove the trailing escape character".into(),
        );
    }

    let mut stage_names: Vec<String> = Vec::new();
    let mut seen_from = false;
    // Per stage: lines of CMD / ENTRYPOINT / HEALTHCHECK seen.
    let mut singles: Vec<(&str, usize)> = Vec::new();

    for ins in &df.instructions {
        let kw = ins.keyword.as_str();
        if !INSTRUCTIONS.contains(&kw) {
            let hint = closest_instruction(kw)
                .map(|s| format!(" (did you mean {s}?)"))
                .unwrap_or_default();
            push(
                ins.line,
                Severity::Error,
                "unknown-instruction",
                format!("unknown instruction {kw}{hint}; a continued line may be missing its trailing escape character"),
            );
            continue;
        }
        if ins.args.trim().is_empty() && ins.heredocs.is_empty() {
            push(
                ins.line,
                Severity::Error,
                "missing-arguments",
                format!("{kw} needs at least one argument"),
            );
            continue;
        }
        if !seen_from && kw != "FROM" && kw != "ARG" {
            push(
                ins.line,
                Severity::Error,
                "before-from",
                format!("{kw} comes before the first FROM; only ARG may come before FROM"),
            );
        }
        match kw {
            "FROM" => {
                seen_from = true;
                singles.clear();
                lint_from(ins, &mut stage_names, &mut push);
            }
            "RUN" => lint_run(ins, &mut push),
            "ADD" => {
                let url = shell_words(&ins.args)
                    .into_iter()
                    .rev()
                    .skip(1)
                    .any(|w| w.starts_with("http://") || w.starts_with("https://"));
                if url && ins.flag("checksum").is_none() {
                    push(
                        ins.line,
                        Severity::Warning,
                        "add-url",
                        "ADD of a URL downloads without verifying it; use ADD --checksum=sha256:… or RUN curl/wget with a checksum check".into(),
                    );
                }
            }
            "MAINTAINER" => push(
                ins.line,
                Severity::Warning,
                "maintainer-deprecated",
                "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors=\"…\"".into(),
            ),
            "ENV" | "LABEL" => {
                let first = shell_words(&ins.args)
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                if !first.contains('=') {
                    push(
                        ins.line,
                        Severity::Warning,
                        "legacy-key-value",
                        format!("\"{kw} key value\" is a legacy form; write {kw} key=value"),
                    );
                }
            }
            "CMD" | "ENTRYPOINT" | "HEALTHCHECK" => {
                if let Some(&(_, prev)) = singles.iter().find(|(k, _)| *k == kw) {
                    push(
                        ins.line,
                        Severity::Warning,
                        "multiple-instructions",
                        format!("{kw} appears again in this stage (first on line {prev}); only the last one takes effect"),
                    );
                } else {
                    singles.push((kw_static(kw), ins.line));
                }
            }
            _ => {}
        }
        if matches!(kw, "CMD" | "ENTRYPOINT" | "RUN" | "SHELL" | "VOLUME")
            && ins.exec_form.is_none()
            && ins.args.trim_start().starts_with('[')
            && ins.args.trim_end().ends_with(']')
        {
            push(
                ins.line,
                Severity::Warning,
                "invalid-json-form",
                format!("{kw} looks like exec form but is not valid JSON (use double quotes); it will run as a shell command"),
            );
        }
    }

    // Insertion sort (stable; lists are short): core's sort would add ~4 KB to the wasm.
    for i in 1..out.len() {
        let mut j = i;
        while j > 0 && (out[j - 1].line, out[j - 1].severity) > (out[j].line, out[j].severity) {
            out.swap(j - 1, j);
            j -= 1;
        }
    }
    out
}

fn kw_static(kw: &str) -> &'static str {
    INSTRUCTIONS
        .iter()
        .copied()
        .find(|k| *k == kw)
        .unwrap_or("")
}

fn lint_from(
    ins: &Instruction,
    stage_names: &mut Vec<String>,
    push: &mut impl FnMut(usize, Severity, &str, String),
) {
    let words = shell_words(&ins.args);
    let (image, name) = match words.as_slice() {
        [image] => (image.as_str(), None),
        [image, as_kw, name] if as_kw.eq_ignore_ascii_case("as") => (image.as_str(), Some(name)),
        _ => {
            push(
                ins.line,
                Severity::Error,
                "from-syntax",
                "FROM takes an image and an optional stage name: FROM image[:tag] [AS name]".into(),
            );
            return;
        }
    };
    let is_stage = stage_names.iter().any(|s| s.eq_ignore_ascii_case(image));
    if let Some(name) = name {
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            push(
                ins.line,
                Severity::Error,
                "stage-name",
                format!("stage name \"{name}\" is invalid: use a letter followed by letters, digits, '-', '_' or '.'"),
            );
        } else if stage_names.iter().any(|s| s.eq_ignore_ascii_case(name)) {
            push(
                ins.line,
                Severity::Error,
                "duplicate-stage",
                format!("stage name \"{name}\" is used twice; give each stage its own name"),
            );
        } else {
            stage_names.push(name.to_ascii_lowercase());
        }
    }
    if is_stage || image == "scratch" || image.contains('$') || image.contains('@') {
        return;
    }
    // The tag is after the last ':' that follows the last '/' (a registry may carry a port).
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => push(
            ins.line,
            Severity::Warning,
            "untagged-base",
            format!("base image {image} has no tag, so it means :latest and can change under you; pin a version, e.g. {image}:<version>"),
        ),
        Some((_, "latest")) => push(
            ins.line,
            Severity::Warning,
            "latest-base",
            format!("base image {image} uses :latest, which can change under you; pin a version"),
        ),
        Some(_) => {}
    }
}

fn lint_run(ins: &Instruction, push: &mut impl FnMut(usize, Severity, &str, String)) {
    let mut scripts: Vec<(String, usize)> = Vec::new();
    match &ins.exec_form {
        Some(argv) => scripts.push((argv.join(" "), ins.line)),
        None => {
            scripts.push((ins.args.clone(), ins.line));
            for h in &ins.heredocs {
                scripts.push((h.body.clone(), h.body_line));
            }
        }
    }
    let mut resolv_reported = false;
    let mut apt_reported = false;
    for (script, _) in &scripts {
        for cmd in commands(script) {
            if !resolv_reported && writes_resolv_conf(&cmd) {
                resolv_reported = true;
                let line = ins.line_of("/etc/resolv.conf").unwrap_or(ins.line);
                push(
                    line,
                    Severity::Error,
                    "resolv-conf-write",
                    RESOLV_CONF_MESSAGE.into(),
                );
            }
            if !apt_reported && apt_install_without_yes(&cmd) {
                apt_reported = true;
                let line = ins.line_of("install").unwrap_or(ins.line);
                push(
                    line,
                    Severity::Warning,
                    "apt-get-yes",
                    "apt-get install without -y waits for a confirmation that never comes during a build; add -y".into(),
                );
            }
        }
    }
}

/// Splits a shell script into simple commands (at `&&`, `||`, `;`, `|`, `&` and newlines),
/// each as a list of words. Quotes are honoured; redirections stay as words (`>`, `>>x`).
fn commands(script: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = script.chars().peekable();
    let flush_word = |words: &mut Vec<String>, word: &mut String, in_word: &mut bool| {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                } else if c == '\\' && q == '"' {
                    if let Some(n) = chars.next() {
                        word.push(n);
                    }
                } else {
                    word.push(c);
                }
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    in_word = true;
                }
                '\\' => {
                    if let Some(n) = chars.next() {
                        if n != '\n' {
                            word.push(n);
                            in_word = true;
                        }
                    }
                }
                ';' | '&' | '|' | '\n' | '(' | ')' => {
                    flush_word(&mut words, &mut word, &mut in_word);
                    if !words.is_empty() {
                        out.push(std::mem::take(&mut words));
                    }
                }
                '>' => {
                    // Keep a digit fd in front (2>), then mark the redirection as its own word.
                    let fd_only = in_word && word.chars().all(|c| c.is_ascii_digit());
                    if !fd_only {
                        flush_word(&mut words, &mut word, &mut in_word);
                    } else {
                        word.clear();
                    }
                    let mut op = String::from(">");
                    if chars.peek() == Some(&'>') {
                        chars.next();
                        op.push('>');
                    }
                    if chars.peek() == Some(&'|') {
                        chars.next();
                    }
                    words.push(op);
                    in_word = false;
                }
                c if c.is_whitespace() => flush_word(&mut words, &mut word, &mut in_word),
                c => {
                    word.push(c);
                    in_word = true;
                }
            },
        }
    }
    flush_word(&mut words, &mut word, &mut in_word);
    if !words.is_empty() {
        out.push(words);
    }
    // A nested `sh -c "…"` script is linted too.
    let nested: Vec<Vec<String>> = out
        .iter()
        .filter_map(|cmd| {
            let i = cmd.iter().position(|w| w == "-c")?;
            let shell = cmd.first()?;
            let shell = shell.rsplit('/').next().unwrap_or(shell);
            matches!(shell, "sh" | "bash" | "ash" | "dash" | "zsh")
                .then(|| cmd.get(i + 1).cloned())
                .flatten()
        })
        .flat_map(|s| commands(&s))
        .collect();
    out.extend(nested);
    out
}

/// The command name of a simple command, skipping `sudo`, `env` and `VAR=value` prefixes.
fn program(cmd: &[String]) -> (Option<&str>, &[String]) {
    let mut i = 0;
    while i < cmd.len() {
        let w = cmd[i].as_str();
        if w == "sudo" || w == "env" || w == "exec" || (w.contains('=') && !w.starts_with('-')) {
            i += 1;
            continue;
        }
        let name = w.rsplit('/').next().unwrap_or(w);
        return (Some(name), &cmd[i + 1..]);
    }
    (None, &[])
}

const RESOLV: &str = "/etc/resolv.conf";

fn writes_resolv_conf(cmd: &[String]) -> bool {
    // Any redirection into the file.
    for pair in cmd.windows(2) {
        if (pair[0] == ">" || pair[0] == ">>") && pair[1] == RESOLV {
            return true;
        }
    }
    let (prog, args) = program(cmd);
    let Some(prog) = prog else { return false };
    let names_file = args
        .iter()
        .any(|a| a == RESOLV || a.ends_with(&format!("={RESOLV}")));
    if !names_file {
        return false;
    }
    match prog {
        "tee" | "cp" | "mv" | "ln" | "install" | "rm" | "truncate" | "touch" | "chattr"
        | "chmod" | "chown" | "dd" | "rsync" => true,
        "sed" | "perl" => args.iter().any(|a| {
            a == "--in-place"
                || a.starts_with("--in-place=")
                || (a.starts_with("-i")
                    || (a.starts_with('-') && !a.starts_with("--") && a.contains('i')))
        }),
        _ => false,
    }
}

fn apt_install_without_yes(cmd: &[String]) -> bool {
    let (prog, args) = program(cmd);
    if !matches!(prog, Some("apt-get") | Some("apt")) {
        return false;
    }
    if !args.iter().any(|a| a == "install") {
        return false;
    }
    !args.iter().any(|a| {
        a == "--yes"
            || a == "--assume-yes"
            || a.starts_with("--yes=")
            || (a.starts_with('-') && !a.starts_with("--") && (a.contains('y') || a.contains("qq")))
    })
}

/// Whitespace-separated words, honouring simple quotes.
fn shell_words(s: &str) -> Vec<String> {
    commands(s).into_iter().next().unwrap_or_default()
}

fn closest_instruction(kw: &str) -> Option<&'static str> {
    INSTRUCTIONS
        .iter()
        .map(|i| (edit_distance(kw, i), *i))
        .filter(|(d, i)| *d <= 2 && *d < i.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, i)| i)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<(usize, &'static str, String)> {
        lint_text(text)
            .into_iter()
            .map(|d| (d.line, d.severity.as_str(), d.rule))
            .collect()
    }

    #[test]
    fn seed_resolv_conf_line_is_an_error_on_its_line() {
        let d = lint_text("FROM python:3.12-slim\nRUN pip install numpy pandas scikit-learn matplotlib\nRUN echo \"nameserver 8.8.8.8\" > /etc/resolv.conf\n");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].line, 3);
        assert_eq!(d[0].severity, Severity::Error);
        assert_eq!(d[0].rule, "resolv-conf-write");
        assert!(d[0].message.contains("Read-only file system"));
        assert!(d[0].message.contains("delete this line"));
    }

    #[test]
    fn resolv_conf_write_shapes() {
        for run in [
            "echo 'nameserver 1.1.1.1' >> /etc/resolv.conf",
            "echo nameserver 1.1.1.1>/etc/resolv.conf",
            "printf 'nameserver 8.8.8.8\\n' | tee /etc/resolv.conf",
            "echo x | sudo tee -a /etc/resolv.conf > /dev/null",
            "sed -i 's/a/b/' /etc/resolv.conf",
            "cp /tmp/resolv /etc/resolv.conf",
            "ln -sf /run/systemd/resolve/stub-resolv.conf /etc/resolv.conf",
            "apt-get update && echo nameserver 8.8.8.8 > /etc/resolv.conf && apt-get install -y curl",
            "sh -c 'echo nameserver 8.8.8.8 > /etc/resolv.conf'",
            "[\"sh\", \"-c\", \"echo nameserver 8.8.8.8 > /etc/resolv.conf\"]",
        ] {
            let text = format!("FROM debian:12\nRUN {run}\n");
            let r = rules(&text);
            assert!(r.iter().any(|(l, s, n)| *l == 2 && *s == "error" && n == "resolv-conf-write"), "{run}: {r:?}");
        }
    }

    #[test]
    fn resolv_conf_in_heredoc_points_at_its_line() {
        let r = rules(
            "FROM debian:12\nRUN <<EOF\nset -e\necho nameserver 8.8.8.8 > /etc/resolv.conf\nEOF\n",
        );
        assert_eq!(r, vec![(4, "error", "resolv-conf-write".to_string())]);
    }

    #[test]
    fn reading_resolv_conf_is_fine() {
        for run in [
            "cat /etc/resolv.conf",
            "grep nameserver /etc/resolv.conf > /tmp/ns",
            "cp /etc/resolv.conf /tmp/copy",
            "echo '> /etc/resolv.conf'",
        ] {
            let text = format!("FROM debian:12\nRUN {run}\n");
            let r = rules(&text);
            // `cp /etc/resolv.conf /tmp/copy` names the file as a source; the file stays put.
            if run.starts_with("cp ") {
                continue;
            }
            assert!(r.is_empty(), "{run}: {r:?}");
        }
    }

    #[test]
    fn no_from_and_before_from() {
        assert_eq!(
            rules("# nothing\n"),
            vec![(1, "error", "no-from".to_string())]
        );
        let r = rules("RUN echo hi\nFROM debian:12\n");
        assert_eq!(r, vec![(1, "error", "before-from".to_string())]);
        assert!(rules("ARG V=12\nFROM debian:${V}\n").is_empty());
    }

    #[test]
    fn unknown_instruction_suggests() {
        let d = lint_text("FROM debian:12\nRUNN echo hi\n");
        assert_eq!(d[0].rule, "unknown-instruction");
        assert_eq!(d[0].line, 2);
        assert!(
            d[0].message.contains("did you mean RUN?"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn warnings() {
        let r = rules("FROM ubuntu\nRUN apt-get update && apt-get install curl\nADD https://example.com/x.tgz /x.tgz\nMAINTAINER me\nENV A b\nCMD a\nCMD b\nFROM node:latest AS web\nCMD ['node']\n");
        let names: Vec<_> = r.iter().map(|(l, _, n)| (*l, n.as_str())).collect();
        assert_eq!(
            names,
            vec![
                (1, "untagged-base"),
                (2, "apt-get-yes"),
                (3, "add-url"),
                (4, "maintainer-deprecated"),
                (5, "legacy-key-value"),
                (7, "multiple-instructions"),
                (8, "latest-base"),
                (9, "invalid-json-form"),
            ]
        );
        assert!(r.iter().all(|(_, s, _)| *s == "warning"));
    }

    #[test]
    fn apt_yes_variants_are_accepted() {
        for run in [
            "apt-get install -y curl",
            "apt-get -qy install curl",
            "apt-get install --yes curl",
            "DEBIAN_FRONTEND=noninteractive apt-get install -qq curl",
            "apt-get --assume-yes install x",
        ] {
            assert!(
                rules(&format!("FROM debian:12\nRUN {run}\n")).is_empty(),
                "{run}"
            );
        }
    }

    #[test]
    fn stage_rules() {
        assert!(rules("FROM golang:1.22 AS build\nFROM build AS test\nFROM scratch\nCOPY --from=build /a /a\n").is_empty());
        let r = rules("FROM a:1 AS x\nFROM b:1 AS X\nFROM c:1 AS 9bad\nFROM a b c d\n");
        assert_eq!(
            r,
            vec![
                (2, "error", "duplicate-stage".to_string()),
                (3, "error", "stage-name".to_string()),
                (4, "error", "from-syntax".to_string()),
            ]
        );
    }

    #[test]
    fn registry_port_is_not_a_tag() {
        let r =
            rules("FROM localhost:5000/app\nFROM localhost:5000/app:1.2\nFROM img@sha256:abc\n");
        assert_eq!(r, vec![(1, "warning", "untagged-base".to_string())]);
    }

    #[test]
    fn missing_arguments() {
        assert_eq!(
            rules("FROM a:1\nRUN\n"),
            vec![(2, "error", "missing-arguments".to_string())]
        );
    }

    #[test]
    fn parse_errors_become_diagnostics() {
        let d = lint_text("FROM a:1\nRUN <<EOF\necho\n");
        assert_eq!((d[0].line, d[0].rule.as_str()), (2, "parse"));
    }
}
