//! The index schema, defined once for the indexer and the searcher.
//!
//! | field | tokenizer | stored | used for |
//! |---|---|---|---|
//! | `title` | stemmed, frequencies | yes | matching (weight [`TITLE_BOOST`]), the hit's title |
//! | `headings` | stemmed, frequencies | no | matching (weight [`HEADINGS_BOOST`]): headings, tags, summary |
//! | `body` | stemmed, frequencies | yes | matching (weight 1), snippets |
//! | `words` | words only, unstemmed, doc ids | no | the vocabulary for prefixes and typos |
//!
//! No positions: a CJK run matches when all its bigrams do, which in practice is the run itself,
//! and positions would grow the index by a fifth.
//! | `lang`, `section` | whole value | yes | filters |
//! | `url`, `summary` | none | yes | the hit |

use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::{Error, tokenizer::KbTokenizer};

/// A title match weighs this much more than a body match.
pub(crate) const TITLE_BOOST: f32 = 3.0;
/// A heading (or tag, or summary) match weighs this much more than a body match.
pub(crate) const HEADINGS_BOOST: f32 = 2.0;

const STEMMED: &str = "kb_stemmed";
const WORDS: &str = "kb_words";

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub(crate) url: Field,
    pub(crate) lang: Field,
    pub(crate) section: Field,
    pub(crate) title: Field,
    pub(crate) headings: Field,
    pub(crate) body: Field,
    pub(crate) words: Field,
    pub(crate) summary: Field,
}

impl Fields {
    /// The schema and its fields.
    pub(crate) fn schema() -> (Schema, Fields) {
        let text = |tokenizer, record, stored| {
            let indexing = TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(record)
                .set_fieldnorms(record != IndexRecordOption::Basic);
            let options = TextOptions::default().set_indexing_options(indexing);
            if stored { options.set_stored() } else { options }
        };
        let freqs = IndexRecordOption::WithFreqs;
        let mut b = Schema::builder();
        let fields = Fields {
            url: b.add_text_field("url", STORED),
            lang: b.add_text_field("lang", STRING | STORED),
            section: b.add_text_field("section", STRING | STORED),
            title: b.add_text_field("title", text(STEMMED, freqs, true)),
            headings: b.add_text_field("headings", text(STEMMED, freqs, false)),
            body: b.add_text_field("body", text(STEMMED, freqs, true)),
            words: b.add_text_field("words", text(WORDS, IndexRecordOption::Basic, false)),
            summary: b.add_text_field("summary", STORED),
        };
        (b.build(), fields)
    }

    /// The matching fields with their weights.
    pub(crate) fn weighted(&self) -> [(Field, f32); 3] {
        [(self.title, TITLE_BOOST), (self.headings, HEADINGS_BOOST), (self.body, 1.0)]
    }
}

/// Registers the tokenizers, which an index does not store: after creating or opening one.
pub(crate) fn register_tokenizers(index: &tantivy::Index) {
    index.tokenizers().register(STEMMED, KbTokenizer::matching());
    index.tokenizers().register(WORDS, KbTokenizer::vocabulary());
}

/// Checks that an opened index has our schema, and returns its fields.
pub(crate) fn check(index: &tantivy::Index) -> Result<Fields, Error> {
    let (schema, fields) = Fields::schema();
    if index.schema() != schema {
        return Err(Error::Blob("the index was built with another schema"));
    }
    Ok(fields)
}
