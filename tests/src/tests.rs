//! The test index: one module per concern.

mod browser;
mod callbacks;
mod crypto_interop;
mod documentation;
mod edge_js;
mod http;
mod interop;
mod knowledge_base;
mod mock_admin;
mod mock_api;
mod mock_browser;
mod mock_codes;
mod multi_instance;
mod openapi;
mod pki_interop;
mod python_client;
mod sdk_js;
mod search_wasm;
mod tidy;
