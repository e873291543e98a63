//! From what the user typed to an engine query: units, their terms, and the boolean structure.
//!
//! A query is a list of units (a word, or a run of CJK characters). A unit is a list of groups
//! that must all match (a word has one group; a CJK run has one per bigram), and a group matches
//! by any of its weighted terms (the word itself, its completions, its corrections) in any field.

use std::fmt;

use tantivy::{
    DocId, Score, SegmentReader, TantivyError, Term,
    query::{
        BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, Explanation, Occur, Query,
        Scorer, TermQuery, Weight,
    },
    schema::{Field, IndexRecordOption},
};

use crate::{schema::Fields, tokenizer};

/// A completion of the last word weighs this much of an exact match.
pub(crate) const PREFIX_WEIGHT: f32 = 0.8;
/// A correction (one edit away) weighs this much of an exact match.
pub(crate) const FUZZY_WEIGHT: f32 = 0.6;

/// Common English words: a query needs none of them to match. Sorted.
const STOPWORDS: &[&str] = &[
    "a", "about", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from",
    "how", "i", "if", "in", "is", "it", "its", "me", "my", "of", "on", "or", "our", "should", "so",
    "that", "the", "their", "then", "there", "these", "this", "to", "us", "was", "we", "what",
    "when", "where", "which", "who", "why", "will", "with", "you", "your",
];

/// A unit of the text, before looking at the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// A word, lowercased, not stemmed; `prefix` if it is the last thing typed.
    Word { raw: String, prefix: bool },
    /// A run of CJK characters.
    Han(String),
}

/// A unit with the terms it matches.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unit {
    /// Groups of `(term, weight)`: every group must match, by any of its terms.
    pub(crate) groups: Vec<Vec<(String, f32)>>,
    /// A stopword: never required.
    pub(crate) stop: bool,
    /// What snippets highlight.
    pub(crate) marks: Vec<Mark>,
}

/// What a snippet highlights for a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mark {
    /// Tokens equal to this term (a stemmed word or a bigram).
    Term(String),
    /// This CJK character wherever a token starts with it.
    Char(char),
}

/// Splits `text` into at most `max` distinct units. With `prefix_last`, a word that ends the
/// text is marked as a prefix.
pub(crate) fn parse(text: &str, prefix_last: bool, max: usize) -> Vec<Parsed> {
    let mut res: Vec<Parsed> = Vec::new();
    tokenizer::runs(text, |from, to, cjk| {
        let run = &text[from..to];
        let it = if cjk {
            Parsed::Han(run.to_owned())
        } else if run.len() <= tokenizer::MAX_WORD {
            Parsed::Word { raw: run.to_lowercase(), prefix: prefix_last && to == text.len() }
        } else {
            return;
        };
        if !res.contains(&it) && res.len() < max {
            res.push(it);
        }
    });
    res
}

pub(crate) fn is_stopword(word: &str) -> bool {
    STOPWORDS.binary_search(&word).is_ok()
}

/// The engine query. With `all`, every unit but stopwords must match, with all its groups;
/// otherwise any group of any unit may match. `filters` must all match and do not score.
pub(crate) fn build(
    units: &[Unit],
    all: bool,
    fields: &Fields,
    filters: Vec<Box<dyn Query>>,
) -> Box<dyn Query> {
    let only_stopwords = units.iter().all(|u| u.stop);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for unit in units {
        let stop = unit.stop && !only_stopwords;
        let occur = match (all, stop) {
            (true, false) => Occur::Must,
            (true, true) | (false, false) => Occur::Should,
            (false, true) => continue,
        };
        let within = if all { Occur::Must } else { Occur::Should };
        let groups = unit.groups.iter().map(|g| (within, group(g, fields))).collect();
        clauses.push((occur, Box::new(BooleanQuery::new(groups))));
    }
    let mut top: Vec<(Occur, Box<dyn Query>)> =
        vec![(Occur::Must, Box::new(BooleanQuery::new(clauses)))];
    for q in filters {
        top.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
    }
    Box::new(BooleanQuery::new(top))
}

/// `field` must hold one of `values` (whole-value fields: language, section).
pub(crate) fn filter(field: Field, values: &[&str]) -> Box<dyn Query> {
    let terms = values.iter().map(|v| {
        let q = TermMatch::new(field, v, IndexRecordOption::Basic);
        (Occur::Should, Box::new(q) as Box<dyn Query>)
    });
    Box::new(BooleanQuery::new(terms.collect()))
}

/// Any of `terms` in any matching field, weighted by field and by term.
fn group(terms: &[(String, f32)], fields: &Fields) -> Box<dyn Query> {
    let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (field, boost) in fields.weighted() {
        for (text, weight) in terms {
            let q = TermMatch::new(field, text, IndexRecordOption::WithFreqs);
            should.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost * weight))));
        }
    }
    Box::new(BooleanQuery::new(should))
}

/// tantivy's `TermQuery`, minus two things the WASM does not need: its `Debug` and its weight's
/// `explain` print the term, and `Term`'s `Debug` pulls in a whole regex engine (through facet
/// formatting), a third of the module; and its fallback to a fast-field range scan for fields
/// that are not indexed (ours all are).
#[derive(Clone)]
struct TermMatch(TermQuery);

impl TermMatch {
    fn new(field: Field, text: &str, record: IndexRecordOption) -> TermMatch {
        TermMatch(TermQuery::new(Term::from_field_text(field, text), record))
    }
}

impl fmt::Debug for TermMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TermMatch")
    }
}

impl Query for TermMatch {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(Unexplained(self.0.specialized_weight(scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

/// A weight that does everything the inner one does but explain itself.
struct Unexplained<W>(W);

impl<W: Weight> Weight for Unexplained<W> {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        self.0.scorer(reader, boost)
    }

    fn explain(&self, _: &SegmentReader, _: DocId) -> tantivy::Result<Explanation> {
        Err(TantivyError::InvalidArgument("search hits are not explained".to_owned()))
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.0.count(reader)
    }

    fn for_each(
        &self,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score),
    ) -> tantivy::Result<()> {
        self.0.for_each(reader, callback)
    }

    fn for_each_no_score(
        &self,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(&[DocId]),
    ) -> tantivy::Result<()> {
        self.0.for_each_no_score(reader, callback)
    }

    fn for_each_pruning(
        &self,
        threshold: Score,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score) -> Score,
    ) -> tantivy::Result<()> {
        self.0.for_each_pruning(threshold, reader, callback)
    }
}

/// Whether `a` and `b` are at most one edit apart (insert, delete, substitute, or swap two
/// neighbours).
pub(crate) fn within_one_edit(a: &str, b: &str) -> bool {
    if a.len().abs_diff(b.len()) > 4 {
        return false;
    }
    if a.is_ascii() && b.is_ascii() {
        // Most of the vocabulary: compare the bytes, without collecting characters.
        return one_edit(a.as_bytes(), b.as_bytes());
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    one_edit(&a, &b)
}

fn one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let room = a.len().min(b.len()) - prefix;
    let suffix = a.iter().rev().zip(b.iter().rev()).take(room).take_while(|(x, y)| x == y).count();
    let (ma, mb) = (a.len() - prefix - suffix, b.len() - prefix - suffix);
    match (ma, mb) {
        (0, 0) | (1, 1) | (1, 0) | (0, 1) => true,
        (2, 2) => a[prefix] == b[prefix + 1] && a[prefix + 1] == b[prefix],
        _ => false,
    }
}
