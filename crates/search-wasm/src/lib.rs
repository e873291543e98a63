//! The knowledge-base search, compiled to WASM for the portal (`cargo xtask dist` builds it into
//! `dist/search/`).
//!
//! The portal fetches `dist/search/index.bin` lazily, the first time a page searches, and calls
//! [`init`] with its bytes; then [`search`] and [`deflect`] answer with JSON arrays of hits:
//! `[{"url", "title", "section", "lang", "snippet", "score"}]`, where `snippet` is HTML (escaped
//! text with `<mark>` around the matches). Nothing here touches the DOM or the network.
//!
//! [`warm_up`] runs one query of a fixed, representative set per call, so that the caller can
//! run them at idle time, one at a time, right after [`init`]: the browser compiles WASM lazily
//! and optimises its hot functions later, in the background, so without a warm-up the reader's
//! first queries pay for that compilation. The portal's loader (`crates/portal/src/search.js`)
//! and `cargo xtask search-vs-pagefind` both use it; [`warm_up_queries`] lists the set, so the
//! benchmark can give Pagefind the same treatment.

use std::cell::RefCell;

use search::{Query, Searcher};
use wasm_bindgen::prelude::*;

thread_local! {
    static SEARCHER: RefCell<Option<Searcher>> = const { RefCell::new(None) };
}

/// What the warm-up types, as `(lang, text)`, one keystroke per query as the search box sends
/// them: both languages and every path a typed query takes (one letter, the completions of a
/// prefix, whole words, stopwords, corrections of a typo, an error code, nothing found and the
/// any-word fallback, one CJK character, CJK runs, mixed scripts), each with snippets. None of
/// them is a row of `crates/search/relevance.tsv`, which the benchmark times.
const WARM_UP: &[(&str, &str)] = &[
    ("en", "how do I verify a signature"),
    ("en", "encryptoin key rotation"),
    ("en", "callback for D40000"),
    ("en", "user profile fields"),
    ("en", "qwertyuiop"),
    ("zh-HK", "重新導向網址"),
    ("zh-HK", "PDF 文件簽署"),
    ("zh-HK", "帳戶 登入 二維碼"),
];

/// Hits per warm-up query: as many as a search box shows.
const WARM_UP_LIMIT: usize = 10;

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

/// Runs warm-up query number `step` exactly as [`search`] would (same code, JSON included) and
/// returns its JSON; `undefined` once `step` is past the last one. Call it with 0, 1, 2, ...
/// until it returns `undefined`, yielding to the browser between calls.
#[wasm_bindgen]
pub fn warm_up(step: usize) -> Result<Option<String>, JsError> {
    warm_up_query(step).map(|(lang, text)| search(text, lang, "", WARM_UP_LIMIT)).transpose()
}

/// The warm-up queries as JSON, `[[lang, text]]`, in the order [`warm_up`] runs them.
#[wasm_bindgen]
pub fn warm_up_queries() -> String {
    let all: Vec<_> = (0..).map_while(warm_up_query).collect();
    serde_json::to_string(&all).unwrap_or_default()
}

/// Warm-up query number `step`: every keystroke of every [`WARM_UP`] text, in order.
fn warm_up_query(step: usize) -> Option<(&'static str, &'static str)> {
    let keystrokes =
        |text: &'static str| text.char_indices().map(move |(i, c)| &text[..i + c.len_utf8()]);
    WARM_UP.iter().flat_map(|&(lang, text)| keystrokes(text).map(move |t| (lang, t))).nth(step)
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
