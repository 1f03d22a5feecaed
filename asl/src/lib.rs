//! The Amazon States Language: everything that is a function of a definition and some JSON.
//!
//! This crate is pure. It does no IO and has no async code, so the same implementation runs
//! natively in the engine and compiled to `wasm32-unknown-unknown` in the designer. The
//! document model, validator, evaluator and graph arrive with later issues.

/// The ASL specification version this crate targets (the top-level `Version` default).
pub const ASL_VERSION: &str = "1.0";
