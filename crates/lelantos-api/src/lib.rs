//! Lelantos wire types and rules, shared by the server, the SDK and the console.
//!
//! Pure Rust with no I/O: it compiles for native targets and `wasm32-unknown-unknown`.
//! - [`types`]: the JSON shapes of the Lelantos API, in their documented names;
//! - [`validate`]: request validation with messages that name the field and what is allowed;
//! - [`dockerfile`]: a Dockerfile parser that keeps line numbers;
//! - [`lint`]: lint rules (errors fail a build at once, warnings go to its logs);
//! - [`policy`]: client retry, backoff and polling rules;
//! - [`time`]: RFC 3339 timestamps.
#![deny(missing_docs)]

pub mod dockerfile;
pub mod lint;
pub mod policy;
pub mod time;
pub mod types;
pub mod validate;

pub use dockerfile::{Dockerfile, Instruction, ParseError};
pub use lint::{lint_text, Diagnostic, Severity};
pub use types::*;
pub use validate::{FieldError, Raw, ValidationError};
