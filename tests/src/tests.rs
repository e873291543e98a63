//! The test index: one module per concern.

mod browser;
mod crypto_interop;
mod edge_js;
mod http;
mod interop;
mod pki_interop;
mod tidy;
