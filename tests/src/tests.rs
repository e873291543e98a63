//! The test index: one module per concern.

mod browser;
mod http;
mod interop;
mod tidy;
