//! `lintDockerfile` for JavaScript (`@lelantos-ai/sdk/lint`): the linter the server applies,
//! in a wasm module of its own so that the client module stays small. Only converts and
//! exports; the rules live in `lelantos-api`.
#![deny(missing_docs)]

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32-unknown-unknown without threads: one thread uses the allocator.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** One finding of `lintDockerfile`. */
export interface LintDiagnostic {
  /** 1-based line of the instruction. */
  line: number;
  /** Errors make a build fail at once; warnings are written to the build log. */
  severity: "error" | "warning";
  /** A short rule name, e.g. "resolv-conf-write". */
  rule: string;
  /** What is wrong and how to fix it. */
  message: string;
}
"#;

/// Lints a Dockerfile with the same rules the server applies: `[{line, severity, rule, message}]`.
#[wasm_bindgen(js_name = lintDockerfile, unchecked_return_type = "LintDiagnostic[]")]
pub fn lint_dockerfile(text: &str) -> Array {
    let out = Array::new();
    for d in lelantos_api::lint_text(text) {
        let o = Object::new();
        let _ = Reflect::set(&o, &"line".into(), &JsValue::from(d.line as u32));
        let _ = Reflect::set(&o, &"severity".into(), &d.severity.as_str().into());
        let _ = Reflect::set(&o, &"rule".into(), &d.rule.into());
        let _ = Reflect::set(&o, &"message".into(), &d.message.into());
        out.push(&o);
    }
    out
}
