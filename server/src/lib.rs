//! The statehouse server: configuration, storage and the HTTP surface, wired together by `main.rs`.
//!
//! Everything with a side effect lives in this crate; the language itself is in `asl` and
//! the pages are in `app`.
#![recursion_limit = "256"]

pub mod api;
pub mod approvals;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod engine;
pub mod tls;
pub mod web;
