//! The Lelantos client.
//!
//! - [`Client`]: a plain-Rust async client for `wasm32-unknown-unknown` (browsers, workers,
//!   Node 20+), used directly by the console. HTTP goes through the global `fetch`.
//! - with the `js` feature: `LelantosClient` and `SandboxHandle` for
//!   JavaScript and TypeScript, built into the npm package.
//!
//! Validation, retry and polling rules come from `lelantos-api`.
#![deny(missing_docs)]

pub mod client;
pub mod error;
pub mod http;
/// The JS surface (exported to JavaScript by wasm-bindgen).
#[cfg(feature = "js")]
pub mod js;

#[cfg(all(feature = "js", target_arch = "wasm32"))]
#[global_allocator]
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32-unknown-unknown without threads: one thread uses the allocator.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

pub use client::{Client, Page};
pub use error::{Error, ErrorKind};
pub use lelantos_api as api;
