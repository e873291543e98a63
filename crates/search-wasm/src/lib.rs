//! The knowledge-base search, compiled to WASM for the portal (`cargo xtask dist` builds it into
//! `dist/search/`).
//!
//! The portal fetches `dist/search/index.bin` lazily, the first time a page searches, and calls
//! [`init`] with its bytes; then [`search`] and [`deflect`] answer with JSON arrays of hits:
//! `[{"url", "title", "section", "lang", "snippet", "score"}]`, where `snippet` is HTML (escaped
//! text with `<mark>` around the matches). Nothing here touches the DOM or the network.

use std::cell::RefCell;

use search::{Query, Searcher};
use wasm_bindgen::prelude::*;

thread_local! {
    static SEARCHER: RefCell<Option<Searcher>> = const { RefCell::new(None) };
}

/// Opens the index blob and keeps it for the next calls. Returns the number of documents.
#[wasm_bindgen]
pub fn init(blob: &[u8]) -> Result<u32, JsError> {
    let searcher = Searcher::open(blob).map_err(|e| JsError::new(&e.to_string()))?;
    let n = u32::try_from(searcher.num_docs()).unwrap_or(u32::MAX);
    SEARCHER.with_borrow_mut(|it| *it = Some(searcher));
    Ok(n)
}

/// Searches as the user types. `lang` and `section` filter when not empty.
#[wasm_bindgen]
pub fn search(query: &str, lang: &str, section: &str, limit: usize) -> Result<String, JsError> {
    let q = Query { text: query, lang: non_empty(lang), section: non_empty(section), limit };
    with_searcher(|s| s.search(&q))
}

/// The FAQ answers and guides in `lang` that best match a helpdesk enquiry.
#[wasm_bindgen]
pub fn deflect(text: &str, lang: &str, limit: usize) -> Result<String, JsError> {
    with_searcher(|s| s.deflect(text, lang, limit))
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn with_searcher(
    f: impl FnOnce(&Searcher) -> Result<Vec<search::Hit>, search::Error>,
) -> Result<String, JsError> {
    SEARCHER.with_borrow(|it| {
        let searcher = it.as_ref().ok_or_else(|| JsError::new("call init(blob) first"))?;
        let hits = f(searcher).map_err(|e| JsError::new(&e.to_string()))?;
        serde_json::to_string(&hits).map_err(|e| JsError::new(&e.to_string()))
    })
}
