//! The Lelantos web console (Leptos, client-side rendered, built with Trunk).
//!
//! [`logic`] holds what can be tested without a browser; [`app`] is the UI.
#![deny(missing_docs)]

pub mod logic;

#[cfg(target_arch = "wasm32")]
pub mod app;
