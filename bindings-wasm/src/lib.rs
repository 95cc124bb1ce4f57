//! WebAssembly bindings of `morsa-core`.
//!
//! Placeholder crate: the wasm-bindgen package (blob IDs of files, verified reads, decoding in a
//! Web Worker) lands with its own issue. It already re-exports the core so that the wasm32
//! build of the core is checked in CI.
#![no_std]
pub use morsa_core as core;
