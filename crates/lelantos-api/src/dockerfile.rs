//! A Dockerfile parser that keeps line numbers.
//!
//! It follows BuildKit's front end where that matters for linting and error reporting:
//! parser directives (`# syntax=`, `# escape=`), comments, line continuations with the active
//! escape character (comments and blank lines inside a continuation are skipped, as BuildKit
//! does), JSON (exec) form, BuildKit heredocs (`RUN <<EOF`, `<<-EOF`, quoted delimiters,
//! several heredocs on one instruction) and instruction flags (`--mount=…`, `--from=…`).
//!
//! It does not expand variables or decide what an instruction means; that is the linter's
//! job ([`crate::lint`]). Only structural breakage is a [`ParseError`].

use std::fmt;

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// The escape character in force (`\` unless a `# escape=` directive says otherwise).
    pub escape: char,
    /// Parser directives found at the top of the file.
    pub directives: Vec<Directive>,
    /// The instructions, in order.
    pub instructions: Vec<Instruction>,
    /// Lines (1-based) that were empty inside a line continuation. BuildKit accepts them with
    /// a deprecation warning.
    pub empty_continuation_lines: Vec<usize>,
    /// Set when the file ends while a line continuation is still open.
    pub trailing_continuation: Option<usize>,
}

/// A parser directive such as `# syntax=docker/dockerfile:1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Directive name, lower-case.
    pub name: String,
    /// Its value, trimmed.
    pub value: String,
    /// 1-based line number.
    pub line: usize,
}

/// One instruction (a logical line plus any heredoc bodies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The keyword, upper-cased (`RUN`, `FROM`, …) — whatever the file wrote, even if unknown.
    pub keyword: String,
    /// 1-based line where the instruction starts.
    pub line: usize,
    /// 1-based line where it ends (after continuations and heredocs).
    pub end_line: usize,
    /// Leading `--name[=value]` flags (for `FROM`, `RUN`, `COPY`, `ADD`, `HEALTHCHECK`).
    pub flags: Vec<Flag>,
    /// The arguments after keyword and flags, continuations joined the way BuildKit joins them.
    pub args: String,
    /// The arguments as a JSON array of strings, when written in exec form.
    pub exec_form: Option<Vec<String>>,
    /// Heredoc bodies attached to this instruction.
    pub heredocs: Vec<Heredoc>,
    /// The physical source lines of the instruction (including heredoc lines), from `line`.
    pub source: Vec<String>,
}

/// An instruction flag such as `--from=build`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The name without the leading dashes.
    pub name: String,
    /// The value after `=`, if any.
    pub value: Option<String>,
}

/// A heredoc body (`<<EOF … EOF`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word.
    pub name: String,
    /// The body, lines joined with `\n` (leading tabs removed for `<<-`).
    pub body: String,
    /// 1-based line of the first body line.
    pub body_line: usize,
    /// Whether the delimiter was quoted (no expansion inside the body).
    pub quoted: bool,
}

/// A structural error: the file cannot be read as a Dockerfile at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line the problem starts on.
    pub line: usize,
    /// What is wrong, in words a person can act on.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

impl Instruction {
    /// The instruction's first physical line, trimmed (how it reads in the Dockerfile).
    pub fn first_line(&self) -> &str {
        self.source.first().map_or("", |s| s.trim())
    }

    /// The value of flag `name` (without dashes), if present.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The 1-based line of the first physical line containing `needle`, if any.
    pub fn line_of(&self, needle: &str) -> Option<usize> {
        self.source
            .iter()
            .position(|l| l.contains(needle))
            .map(|i| self.line + i)
    }
}

impl Dockerfile {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Dockerfile, ParseError> {
        Parser::new(text).run()
    }

    /// The `FROM` instructions, in order.
    pub fn stages(&self) -> impl Iterator<Item = &Instruction> {
        self.instructions.iter().filter(|i| i.keyword == "FROM")
    }
}

const FLAG_KEYWORDS: &[&str] = &["FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"];
const HEREDOC_KEYWORDS: &[&str] = &["RUN", "COPY", "ADD"];

struct Parser<'a> {
    lines: Vec<&'a str>,
    pos: usize,
    escape: char,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let text = text.strip_suffix('\n').unwrap_or(text);
        let lines = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect();
        Parser {
            lines,
            pos: 0,
            escape: '\\',
        }
    }

    fn run(mut self) -> Result<Dockerfile, ParseError> {
        let directives = self.directives()?;
        let mut instructions = Vec::new();
        let mut empty_continuation_lines = Vec::new();
        let mut trailing_continuation = None;

        while self.pos < self.lines.len() {
            let raw = self.lines[self.pos];
            let trimmed = raw.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                self.pos += 1;
                continue;
            }
            let start = self.pos;
            let mut logical = String::new();
            let mut physical = vec![raw.to_string()];
            let mut cur = trimmed;
            self.pos += 1;
            loop {
                match self.strip_continuation(cur) {
                    Some(head) => {
                        logical.push_str(head);
                        // Continue onto the next physical line, skipping comments and blanks.
                        let mut next = None;
                        while self.pos < self.lines.len() {
                            let l = self.lines[self.pos];
                            physical.push(l.to_string());
                            self.pos += 1;
                            let t = l.trim_start();
                            if t.starts_with('#') {
                                continue;
                            }
                            if t.trim().is_empty() {
                                empty_continuation_lines.push(self.pos);
                                continue;
                            }
                            next = Some(l);
                            break;
                        }
                        match next {
                            Some(l) => cur = l,
                            None => {
                                trailing_continuation = Some(start + 1);
                                break;
                            }
                        }
                    }
                    None => {
                        logical.push_str(cur);
                        break;
                    }
                }
            }
            // Blank lines swallowed after the last real line of a continuation are not part
            // of the instruction's source.
            while physical.len() > 1 && physical.last().is_some_and(|l| l.trim().is_empty()) {
                physical.pop();
            }
            instructions.push(self.instruction(start + 1, &logical, physical)?);
        }

        Ok(Dockerfile {
            escape: self.escape,
            directives,
            instructions,
            empty_continuation_lines,
            trailing_continuation,
        })
    }

    /// Reads parser directives from the top of the file.
    fn directives(&mut self) -> Result<Vec<Directive>, ParseError> {
        let mut out: Vec<Directive> = Vec::new();
        while self.pos < self.lines.len() {
            let Some(d) = parse_directive(self.lines[self.pos]) else {
                break;
            };
            if out.iter().any(|o| o.name == d.0) {
                // BuildKit treats a repeated directive as an ordinary comment.
                break;
            }
            let line = self.pos + 1;
            if d.0 == "escape" {
                match d.1.as_str() {
                    "\\" => self.escape = '\\',
                    "`" => self.escape = '`',
                    other => {
                        return Err(ParseError {
                            line,
                            message: format!(
                                "invalid escape directive \"{other}\": the escape character must be \\ or `"
                            ),
                        })
                    }
                }
            }
            out.push(Directive {
                name: d.0,
                value: d.1,
                line,
            });
            self.pos += 1;
        }
        Ok(out)
    }

    /// If `line` ends with the escape character (trailing blanks allowed), returns the part
    /// before it.
    fn strip_continuation<'l>(&self, line: &'l str) -> Option<&'l str> {
        let t = line.trim_end_matches([' ', '\t']);
        t.strip_suffix(self.escape)
    }

    fn instruction(
        &mut self,
        line: usize,
        logical: &str,
        mut source: Vec<String>,
    ) -> Result<Instruction, ParseError> {
        let logical = logical.trim();
        let (kw, rest) = match logical.find(char::is_whitespace) {
            Some(i) => (&logical[..i], logical[i..].trim_start()),
            None => (logical, ""),
        };
        let keyword = kw.to_ascii_uppercase();

        let mut rest = rest;
        let mut flags = Vec::new();
        if FLAG_KEYWORDS.contains(&keyword.as_str()) {
            while rest.starts_with("--") {
                let end = word_end(rest);
                let word = &rest[2..end];
                let (name, value) = match word.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(unquote(v).to_string())),
                    None => (word.to_string(), None),
                };
                flags.push(Flag { name, value });
                rest = rest[end..].trim_start();
            }
        }

        let exec_form = if rest.starts_with('[') {
            parse_json_string_array(rest)
        } else {
            None
        };

        let mut heredocs = Vec::new();
        if exec_form.is_none() && HEREDOC_KEYWORDS.contains(&keyword.as_str()) {
            for (name, strip_tabs, quoted) in heredoc_markers(rest) {
                let body_line = self.pos + 1;
                let mut body = Vec::new();
                let mut closed = false;
                while self.pos < self.lines.len() {
                    let l = self.lines[self.pos];
                    source.push(l.to_string());
                    self.pos += 1;
                    let cmp = if strip_tabs {
                        l.trim_start_matches('\t')
                    } else {
                        l
                    };
                    if cmp.trim_end() == name {
                        closed = true;
                        break;
                    }
                    body.push(cmp.to_string());
                }
                if !closed {
                    return Err(ParseError {
                        line,
                        message: format!(
                            "heredoc <<{name} of this {keyword} is never closed: add a line containing only {name}"
                        ),
                    });
                }
                let mut text = body.join("\n");
                if !body.is_empty() {
                    text.push('\n');
                }
                heredocs.push(Heredoc {
                    name,
                    body: text,
                    body_line,
                    quoted,
                });
            }
        }

        let end_line = line + source.len() - 1;
        Ok(Instruction {
            keyword,
            line,
            end_line,
            flags,
            args: rest.to_string(),
            exec_form,
            heredocs,
            source,
        })
    }
}

/// `# name=value` at the top of the file, as BuildKit reads it.
fn parse_directive(line: &str) -> Option<(String, String)> {
    let body = line.trim().strip_prefix('#')?.trim_start();
    let (name, value) = body.split_once('=')?;
    let name = name.trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let name = name.to_ascii_lowercase();
    if !matches!(name.as_str(), "syntax" | "escape" | "check") {
        return None;
    }
    Some((name, value.trim().to_string()))
}

/// Byte index where the whitespace-delimited word at the start of `s` ends, honouring quotes.
fn word_end(s: &str) -> usize {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c.is_whitespace() => return i,
            None => {}
        }
    }
    s.len()
}

fn unquote(s: &str) -> &str {
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

/// Heredoc markers (`<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<EOF`) in shell-form arguments, in order.
/// Returns `(delimiter, strip_tabs, quoted)`.
fn heredoc_markers(args: &str) -> Vec<(String, bool, bool)> {
    let mut out = Vec::new();
    let mut rest = args.trim_start();
    while !rest.is_empty() {
        let end = word_end(rest);
        let word = &rest[..end];
        rest = rest[end..].trim_start();
        let w = word.trim_start_matches(|c: char| c.is_ascii_digit());
        let Some(mut m) = w.strip_prefix("<<") else {
            continue;
        };
        let strip_tabs = m.starts_with('-');
        if strip_tabs {
            m = &m[1..];
        }
        if m.is_empty() || m.starts_with('<') {
            continue;
        }
        let name = unquote(m);
        let quoted = name.len() != m.len();
        if name.is_empty() || name.contains('<') {
            continue;
        }
        out.push((name.to_string(), strip_tabs, quoted));
    }
    out
}

/// Parses `s` as a JSON array of strings, the way BuildKit recognises exec form.
/// Returns `None` when it is anything else (BuildKit then treats it as shell form).
pub fn parse_json_string_array(s: &str) -> Option<Vec<String>> {
    let mut chars = s.trim().chars().peekable();
    let mut out = Vec::new();
    if chars.next()? != '[' {
        return None;
    }
    let skip_ws = |it: &mut std::iter::Peekable<std::str::Chars>| {
        while it.peek().is_some_and(|c| c.is_whitespace()) {
            it.next();
        }
    };
    skip_ws(&mut chars);
    if chars.peek() == Some(&']') {
        chars.next();
        skip_ws(&mut chars);
        return chars.next().is_none().then_some(out);
    }
    loop {
        skip_ws(&mut chars);
        if chars.next()? != '"' {
            return None;
        }
        let mut item = String::new();
        loop {
            match chars.next()? {
                '"' => break,
                '\\' => match chars.next()? {
                    '"' => item.push('"'),
                    '\\' => item.push('\\'),
                    '/' => item.push('/'),
                    'b' => item.push('\u{8}'),
                    'f' => item.push('\u{c}'),
                    'n' => item.push('\n'),
                    'r' => item.push('\r'),
                    't' => item.push('\t'),
                    'u' => {
                        let hex = |it: &mut std::iter::Peekable<std::str::Chars>| -> Option<u32> {
                            let mut v = 0;
                            for _ in 0..4 {
                                v = v * 16 + it.next()?.to_digit(16)?;
                            }
                            Some(v)
                        };
                        let hi = hex(&mut chars)?;
                        let c = if (0xD800..0xDC00).contains(&hi) {
                            if chars.next()? != '\\' || chars.next()? != 'u' {
                                return None;
                            }
                            let lo = hex(&mut chars)?;
                            char::from_u32(
                                0x10000 + ((hi - 0xD800) << 10) + (lo.checked_sub(0xDC00)?),
                            )?
                        } else {
                            char::from_u32(hi)?
                        };
                        item.push(c);
                    }
                    _ => return None,
                },
                c if (c as u32) < 0x20 => return None,
                c => item.push(c),
            }
        }
        out.push(item);
        skip_ws(&mut chars);
        match chars.next()? {
            ',' => continue,
            ']' => break,
            _ => return None,
        }
    }
    skip_ws(&mut chars);
    chars.next().is_none().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Dockerfile {
        Dockerfile::parse(s).expect("parses")
    }

    #[test]
    fn lines_comments_and_continuations() {
        let df = parse(
            "# a comment\n\nFROM debian:12 AS base\nRUN apt-get update && \\\n    # inline comment\n    apt-get install -y curl\n\nCMD [\"sh\", \"-c\", \"echo hi\"]\n",
        );
        let kws: Vec<_> = df
            .instructions
            .iter()
            .map(|i| (i.keyword.as_str(), i.line, i.end_line))
            .collect();
        assert_eq!(kws, vec![("FROM", 3, 3), ("RUN", 4, 6), ("CMD", 8, 8)]);
        assert_eq!(
            df.instructions[1].args,
            "apt-get update &&     apt-get install -y curl"
        );
        assert_eq!(
            df.instructions[2].exec_form.as_deref(),
            Some(&["sh".to_string(), "-c".into(), "echo hi".into()][..])
        );
    }

    #[test]
    fn escape_directive_switches_continuation_char() {
        let df = parse("# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir c:\\ `\n  && echo done\n");
        assert_eq!(df.escape, '`');
        assert_eq!(df.directives[0].name, "escape");
        assert_eq!(df.instructions[1].args, "dir c:\\   && echo done");
        assert_eq!(df.instructions[1].end_line, 4);
    }

    #[test]
    fn bad_escape_directive_is_a_parse_error() {
        let e = Dockerfile::parse("# escape=x\nFROM a\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("escape"), "{e}");
    }

    #[test]
    fn directive_after_instruction_is_a_comment() {
        let df = parse("FROM a:1\n# escape=`\nRUN echo \\\n hi\n");
        assert_eq!(df.escape, '\\');
        assert!(df.directives.is_empty());
        assert_eq!(df.instructions[1].args, "echo  hi");
    }

    #[test]
    fn heredocs() {
        let df = parse("FROM a:1\nRUN <<EOF\nset -e\necho hi > /x\nEOF\nCOPY <<-\"CONF\" /etc/app.conf\n\tkey=value\n\tCONF\nRUN <<A cat > /a && <<B cat > /b\naaa\nA\nbbb\nB\nCMD x\n");
        let run = &df.instructions[1];
        assert_eq!((run.line, run.end_line), (2, 5));
        assert_eq!(run.heredocs[0].body, "set -e\necho hi > /x\n");
        assert_eq!(run.heredocs[0].body_line, 3);
        let copy = &df.instructions[2];
        assert_eq!(copy.heredocs[0].name, "CONF");
        assert!(copy.heredocs[0].quoted);
        assert_eq!(copy.heredocs[0].body, "key=value\n");
        let two = &df.instructions[3];
        assert_eq!(two.heredocs.len(), 2);
        assert_eq!(two.heredocs[1].body, "bbb\n");
        assert_eq!(df.instructions[4].line, 14);
    }

    #[test]
    fn unterminated_heredoc_is_a_parse_error() {
        let e = Dockerfile::parse("FROM a:1\nRUN <<EOF\necho hi\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("<<EOF"), "{e}");
    }

    #[test]
    fn here_string_and_quoted_shift_are_not_heredocs() {
        let df = parse("FROM a:1\nRUN cat <<< hi\nRUN echo $((1 << 2))\n");
        assert!(df.instructions[1].heredocs.is_empty());
        assert!(df.instructions[2].heredocs.is_empty());
    }

    #[test]
    fn flags_are_split_off() {
        let df = parse("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN --mount=type=cache,target=/root/.cache/go-build --network=none go build ./...\nCOPY --from=build --chown=1000:1000 /out /app\n");
        assert_eq!(
            df.instructions[0]
                .flag("platform")
                .unwrap()
                .value
                .as_deref(),
            Some("$BUILDPLATFORM")
        );
        assert_eq!(df.instructions[0].args, "golang:1.22 AS build");
        assert_eq!(df.instructions[1].flags.len(), 2);
        assert_eq!(df.instructions[1].args, "go build ./...");
        assert_eq!(
            df.instructions[2].flag("from").unwrap().value.as_deref(),
            Some("build")
        );
    }

    #[test]
    fn json_arrays() {
        assert_eq!(parse_json_string_array("[]"), Some(vec![]));
        assert_eq!(
            parse_json_string_array(r#"[ "a\"b", "\u00e9\ud83d\ude00" ]"#),
            Some(vec!["a\"b".to_string(), "é😀".to_string()])
        );
        assert_eq!(parse_json_string_array("['a']"), None);
        assert_eq!(parse_json_string_array(r#"["a",]"#), None);
        assert_eq!(parse_json_string_array(r#"["a"] x"#), None);
    }

    #[test]
    fn crlf_bom_and_empty_continuation_lines() {
        let df = parse("\u{feff}FROM a:1\r\nRUN echo a \\\r\n\r\n  b\r\n");
        assert_eq!(df.instructions[1].args, "echo a   b");
        assert_eq!(df.empty_continuation_lines, vec![3]);
    }

    #[test]
    fn trailing_continuation_is_recorded() {
        let df = parse("FROM a:1\nRUN echo \\\n");
        assert_eq!(df.trailing_continuation, Some(2));
        assert_eq!(df.instructions[1].args, "echo");
    }

    #[test]
    fn line_of_finds_physical_line() {
        let df = parse("FROM a:1\nRUN apt-get update \\\n && echo x > /etc/resolv.conf\n");
        assert_eq!(df.instructions[1].line_of("/etc/resolv.conf"), Some(3));
    }
}
