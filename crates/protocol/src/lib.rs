//! The iAM Smart protocol, as a library with no I/O.
//!
//! This crate is the one definition of iAM Smart that the server, the portal (in the browser)
//! and the tests share. It computes; it never performs I/O, never reads a clock, never draws
//! randomness and never awaits. Time and randomness are arguments: a caller that needs "now"
//! or a fresh nonce passes it in. That keeps every rule deterministic, testable natively, and
//! runnable unchanged on `wasm32-unknown-unknown`.
//!
//! The rule is enforced by a test in the `tests` crate that walks this crate's dependency
//! graph and rejects any I/O or async crate.

pub mod catalogue;
mod code;
pub mod content;
pub mod demo;
pub mod engine;
mod error;
pub mod headers;
pub mod keys;
pub mod openapi;
pub mod pki;
pub mod scenario;
pub mod signing;
pub mod vocab;
pub mod wire;

pub use code::Code;
pub use error::Error;
pub use signing::{SIGNATURE_METHOD, SignatureInput, sign, verify};
