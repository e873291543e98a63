//! Knowledge-base search: built natively at build time, queried in the browser (WASM) or natively.
//!
//! The API is small on purpose, so that the engine (tantivy today) could be replaced:
//!
//! - [`Index::build`] turns [`Doc`]s into one blob (the `build` feature, native only);
//!   [`docs`] makes the docs from rendered pages and [`build_site_index`] does both from a
//!   content folder;
//! - [`Searcher::open`] opens a blob in memory (no files, no threads, no clock: safe in WASM);
//! - [`Searcher::search`] answers a [`Query`] with ranked [`Hit`]s, and [`Searcher::deflect`]
//!   finds the FAQ answers and guides that match a helpdesk enquiry.
//!
//! How text is matched (the same for the index and for queries, see `tokenizer`): Latin words are
//! lowercased and stemmed (English); runs of Chinese characters become overlapping bigrams, so
//! 授權碼 or 數碼簽署 match wherever all their bigrams occur, and a lone 碼 matches itself or any
//! bigram it starts. The words of a query must all match (if that finds nothing, any may); the
//! last word also matches as a prefix while the user types, and a word of four or more letters
//! that the index does not know matches the words one edit away. Matches in the title weigh more
//! than in headings, which weigh more than in the body. Snippets highlight every kind of match.

mod blob;
mod error;
#[cfg(feature = "build")]
mod indexer;
mod query;
mod schema;
mod searcher;
mod snippet;
mod tokenizer;

// The tests build indexes, which needs the `build` feature.
#[cfg(all(test, feature = "build"))]
mod tests;

pub use error::Error;
#[cfg(feature = "build")]
pub use indexer::{Index, build_site_index, docs};
pub use searcher::Searcher;

use serde::Serialize;

/// A document to index: a page, or one FAQ question with its answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    /// Where the hit leads: `/<section>/<slug>` or `/<section>/<slug>#<anchor>`.
    pub url: String,
    /// `en` or `zh-HK`.
    pub lang: String,
    /// The section id, for filters.
    pub section: String,
    /// The title (weighs most).
    pub title: String,
    /// Headings, tags and the summary (weigh less than the title).
    pub headings: Vec<String>,
    /// The plain text (weighs least); snippets come from it.
    pub body: String,
    /// Shown when the body has no match to show; if empty, the beginning of the body is.
    pub summary: String,
}

/// A search request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query<'a> {
    /// What the user typed. If it does not end with a space, its last word is also a prefix.
    pub text: &'a str,
    /// Only documents in this language, if set.
    pub lang: Option<&'a str>,
    /// Only documents in this section, if set.
    pub section: Option<&'a str>,
    /// At most this many hits.
    pub limit: usize,
}

impl Default for Query<'_> {
    fn default() -> Self {
        Query { text: "", lang: None, section: None, limit: 10 }
    }
}

/// One result, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// Where to go: `/<section>/<slug>`, with `#<anchor>` for a FAQ question.
    pub url: String,
    /// The page title, or the question.
    pub title: String,
    /// The section id.
    pub section: String,
    /// `en` or `zh-HK`.
    pub lang: String,
    /// HTML: an escaped excerpt of the body with the matches in `<mark>`, or the summary.
    pub snippet: String,
    /// Relevance; only the order means something.
    pub score: f32,
}
