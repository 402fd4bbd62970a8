//! The linter over a corpus of real-world Dockerfile shapes. Each file states what it expects
//! in `# expect: <line> <rule>` comments (or `# expect: none`).

use lelantos_api::{lint_text, validate, Dockerfile};
use std::path::Path;

fn expectations(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("# expect:"))
        .map(str::trim)
        .filter(|e| *e != "none")
        .map(|e| {
            let (line, rule) = e.split_once(' ').expect("`# expect: <line> <rule>`");
            (line.parse().expect("line number"), rule.to_string())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn corpus_diagnostics_match_expectations() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 20, "corpus has {} files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        let want = expectations(&text);
        assert!(text.contains("# expect:"), "{name} states no expectation");
        let mut got: Vec<(usize, String)> = lint_text(&text)
            .into_iter()
            .map(|d| (d.line, d.rule))
            .collect();
        got.sort();
        if got != want {
            failures.push(format!("{name}: want {want:?}, got {got:?}"));
        }
        // Every corpus file is submittable (parses, has FROM); lint errors surface in builds.
        validate::dockerfile(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let df = Dockerfile::parse(&text).unwrap();
        assert!(df.stages().count() >= 1, "{name}");
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn corpus_structure_spot_checks() {
    let read = |n: &str| {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/corpus")
                .join(n),
        )
        .unwrap()
    };
    let go = Dockerfile::parse(&read("go-multistage.Dockerfile")).unwrap();
    assert_eq!(go.directives[0].name, "syntax");
    assert_eq!(go.stages().count(), 2);
    assert_eq!(go.instructions[0].keyword, "ARG");
    let run = &go.instructions[7];
    assert_eq!(
        (
            run.keyword.as_str(),
            run.line,
            run.end_line,
            run.flags.len()
        ),
        ("RUN", 10, 12, 2)
    );

    let hd = Dockerfile::parse(&read("heredoc-copy.Dockerfile")).unwrap();
    let two = &hd.instructions[2];
    assert_eq!(
        two.heredocs
            .iter()
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>(),
        ["index.html", "robots.txt"]
    );
    assert_eq!(two.heredocs[1].body, "User-agent: *\n");
    assert_eq!(hd.instructions[3].line, 13);

    let win = Dockerfile::parse(&read("windows-escape.Dockerfile")).unwrap();
    assert_eq!(win.escape, '`');
    assert_eq!(win.instructions[2].end_line, 6);
    assert!(win.instructions[2]
        .args
        .contains("Remove-Item C:\\tool.zip"));

    let crlf = Dockerfile::parse(&read("crlf.Dockerfile")).unwrap();
    assert_eq!(crlf.instructions[1].args, "echo one     two");
}
