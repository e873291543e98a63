//! Opening an index blob and answering queries: no files, no threads, no clock (WASM-safe).

use std::path::Path;

use tantivy::{
    DocAddress, ReloadPolicy, Score, TantivyDocument,
    collector::TopDocs,
    directory::{Directory, RamDirectory},
    schema::{Field, Value},
};

use crate::{
    Error, Hit, Query, blob,
    query::{self, FUZZY_WEIGHT, Mark, PREFIX_WEIGHT, Parsed, Unit},
    schema::{self, Fields},
    snippet::{self, Marks},
    tokenizer::normalise,
};

/// Words in a search box beyond this many are ignored.
const MAX_QUERY_UNITS: usize = 12;
/// Words in an enquiry beyond this many are ignored.
const MAX_ENQUIRY_UNITS: usize = 48;
/// The last word is completed with at most this many words (the most frequent).
const MAX_COMPLETIONS: usize = 10;
/// A word is corrected to at most this many words (the most frequent).
const MAX_CORRECTIONS: usize = 4;
/// Hits beyond this many are never returned.
const MAX_LIMIT: usize = 100;
/// Sections whose documents can answer a helpdesk enquiry.
const DEFLECTION_SECTIONS: &[&str] = &["faq", "guides"];

/// An opened index.
pub struct Searcher {
    searcher: tantivy::Searcher,
    fields: Fields,
}

impl std::fmt::Debug for Searcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Searcher").field("docs", &self.num_docs()).finish()
    }
}

impl Searcher {
    /// Opens a blob made by `Index::build`. The bytes are copied into memory; the reader never
    /// reloads, so no thread or timer is started.
    pub fn open(blob: &[u8]) -> Result<Searcher, Error> {
        let dir = RamDirectory::create();
        for (name, bytes) in blob::unpack(blob)? {
            dir.atomic_write(Path::new(name), bytes)?;
        }
        let index = tantivy::Index::open(dir)?;
        schema::register_tokenizers(&index);
        let fields = schema::check(&index)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Searcher { searcher: reader.searcher(), fields })
    }

    /// How many documents the index holds.
    pub fn num_docs(&self) -> u64 {
        self.searcher.num_docs()
    }

    /// The best hits for `q` (at most 100), best first. Every word must match; if that finds
    /// nothing, any may.
    pub fn search(&self, q: &Query<'_>) -> Result<Vec<Hit>, Error> {
        let limit = q.limit.min(MAX_LIMIT);
        let prefix_last = !q.text.ends_with(char::is_whitespace);
        let parsed = query::parse(q.text, prefix_last, MAX_QUERY_UNITS);
        if parsed.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let units = self.units(parsed)?;
        let filters = || {
            let f = &self.fields;
            let lang = q.lang.map(|l| query::filter(f.lang, &[l]));
            let section = q.section.map(|s| query::filter(f.section, &[s]));
            lang.into_iter().chain(section).collect()
        };
        for all in [true, false] {
            let found = self.run(&query::build(&units, all, &self.fields, filters()), limit)?;
            if !found.is_empty() || !all {
                return self.hits(&found, &units);
            }
        }
        Ok(Vec::new())
    }

    /// The FAQ answers and guides in `lang` that best match a helpdesk enquiry (any word may
    /// match; at most 100), so the helpdesk can suggest them before the enquiry is sent.
    pub fn deflect(&self, text: &str, lang: &str, limit: usize) -> Result<Vec<Hit>, Error> {
        let limit = limit.min(MAX_LIMIT);
        let parsed = query::parse(text, false, MAX_ENQUIRY_UNITS);
        if parsed.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let units = self.units(parsed)?;
        let filters = vec![
            query::filter(self.fields.lang, &[lang]),
            query::filter(self.fields.section, DEFLECTION_SECTIONS),
        ];
        let found = self.run(&query::build(&units, false, &self.fields, filters), limit)?;
        self.hits(&found, &units)
    }

    fn run(
        &self,
        query: &dyn tantivy::query::Query,
        limit: usize,
    ) -> Result<Vec<(Score, DocAddress)>, Error> {
        Ok(self.searcher.search(query, &TopDocs::with_limit(limit).order_by_score())?)
    }

    fn hits(&self, found: &[(Score, DocAddress)], units: &[Unit]) -> Result<Vec<Hit>, Error> {
        // Stopwords are not highlighted, unless the query is nothing else.
        let only_stopwords = units.iter().all(|u| u.stop);
        let marks = Marks::new(
            units.iter().map(|u| if only_stopwords || !u.stop { &u.marks[..] } else { &[] }),
        );
        let f = &self.fields;
        let mut res = Vec::with_capacity(found.len());
        for &(score, addr) in found {
            let doc: TantivyDocument = self.searcher.doc(addr)?;
            let text =
                |field: Field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default();
            let body = text(f.body);
            let snippet = snippet::snippet(body, &marks).unwrap_or_else(|| match text(f.summary) {
                "" => snippet::lead(body),
                summary => {
                    let mut out = String::new();
                    snippet::escape(summary, &mut out);
                    out
                }
            });
            res.push(Hit {
                url: text(f.url).to_owned(),
                title: text(f.title).to_owned(),
                section: text(f.section).to_owned(),
                lang: text(f.lang).to_owned(),
                snippet,
                score,
            });
        }
        Ok(res)
    }

    /// Looks the units up: a word matches its stem, the completions of the last word, and the
    /// corrections of a word of four or more letters that the index does not know; a CJK run
    /// matches all its bigrams; one CJK character matches itself and the bigrams it starts.
    fn units(&self, parsed: Vec<Parsed>) -> Result<Vec<Unit>, Error> {
        let mut res = Vec::with_capacity(parsed.len());
        for it in parsed {
            res.push(match it {
                Parsed::Han(run) => self.han_unit(&run)?,
                Parsed::Word { raw, prefix } => self.word_unit(&raw, prefix)?,
            });
        }
        Ok(res)
    }

    fn word_unit(&self, raw: &str, prefix: bool) -> Result<Unit, Error> {
        let mut terms = vec![(normalise(raw, true), 1.0)];
        let mut add = |words: Vec<String>, weight: f32| {
            for w in words {
                let stem = normalise(&w, true);
                if !terms.iter().any(|(t, _)| *t == stem) {
                    terms.push((stem, weight));
                }
            }
        };
        let n_chars = raw.chars().count();
        let mut completed = false;
        if prefix && n_chars >= 2 {
            let words = self.completions(raw)?;
            completed = !words.is_empty();
            add(words, PREFIX_WEIGHT);
        }
        let fuzzy = n_chars >= 4 && !completed && !raw.contains(|c: char| c.is_ascii_digit());
        if fuzzy && self.doc_freq(raw)? == 0 {
            add(self.corrections(raw)?, FUZZY_WEIGHT);
        }
        let marks = terms.iter().map(|(t, _)| Mark::Term(t.clone())).collect();
        Ok(Unit { groups: vec![terms], stop: query::is_stopword(raw), marks })
    }

    fn han_unit(&self, run: &str) -> Result<Unit, Error> {
        let chars: Vec<char> = run.chars().collect();
        if let [c] = chars[..] {
            let mut terms = vec![(c.to_string(), 1.0)];
            for bigram in self.bigrams_starting_with(c)? {
                terms.push((bigram, 1.0));
            }
            return Ok(Unit { groups: vec![terms], stop: false, marks: vec![Mark::Char(c)] });
        }
        let bigrams: Vec<String> = chars.windows(2).map(|w| w.iter().collect()).collect();
        let marks = bigrams.iter().map(|b| Mark::Term(b.clone())).collect();
        let groups = bigrams.into_iter().map(|b| vec![(b, 1.0)]).collect();
        Ok(Unit { groups, stop: false, marks })
    }

    /// The most frequent bigrams that start with `c`, in any matching field.
    fn bigrams_starting_with(&self, c: char) -> Result<Vec<String>, Error> {
        let mut found = Vec::new();
        for (field, _) in self.fields.weighted() {
            found.extend(self.terms(field, &c.to_string(), |t| t.chars().count() == 2)?);
        }
        Ok(most_frequent(found, MAX_COMPLETIONS))
    }

    /// In how many documents the unstemmed word occurs.
    fn doc_freq(&self, word: &str) -> Result<u32, Error> {
        let mut n = 0;
        for seg in self.searcher.segment_readers() {
            let dict = seg.inverted_index(self.fields.words)?;
            n += dict.terms().get(word)?.map_or(0, |info| info.doc_freq);
        }
        Ok(n)
    }

    /// The most frequent words that start with `prefix` (other than `prefix` itself).
    fn completions(&self, prefix: &str) -> Result<Vec<String>, Error> {
        let found = self.terms(self.fields.words, prefix, |w| w != prefix)?;
        Ok(most_frequent(found, MAX_COMPLETIONS))
    }

    /// The most frequent words one edit away from `word`. Only words that share its first
    /// letter, or start with its first two letters swapped, or lack its first letter, are
    /// considered: typos in the first letter are rare, and this keeps the scan short.
    fn corrections(&self, word: &str) -> Result<Vec<String>, Error> {
        let close = |w: &str| query::within_one_edit(word, w);
        let mut chars = word.chars();
        let (Some(first), Some(second)) = (chars.next(), chars.next()) else {
            return Ok(Vec::new());
        };
        let words = self.fields.words;
        let mut found = self.terms(words, &first.to_string(), close)?;
        found.extend(self.terms(words, &format!("{second}{first}"), close)?);
        let rest = &word[first.len_utf8()..];
        let n = self.doc_freq(rest)?;
        if n > 0 {
            found.push((rest.to_owned(), n));
        }
        Ok(most_frequent(found, MAX_CORRECTIONS))
    }

    /// The terms of `field` that start with `prefix` and pass `keep`, with their document
    /// frequencies.
    fn terms(
        &self,
        field: Field,
        prefix: &str,
        keep: impl Fn(&str) -> bool,
    ) -> Result<Vec<(String, u32)>, Error> {
        const MAX_SCAN: usize = 4096;
        let mut res = Vec::new();
        for seg in self.searcher.segment_readers() {
            let dict = seg.inverted_index(field)?;
            let mut range = dict.terms().range().ge(prefix.as_bytes());
            if let Some(upper) = successor(prefix) {
                range = range.lt(upper);
            }
            let mut stream = range.into_stream()?;
            let mut scanned = 0;
            while stream.advance() && scanned < MAX_SCAN {
                scanned += 1;
                let Ok(word) = std::str::from_utf8(stream.key()) else { continue };
                if keep(word) {
                    res.push((word.to_owned(), stream.value().doc_freq));
                }
            }
        }
        Ok(res)
    }
}

/// The `n` most frequent terms of `found` (ties in alphabetical order), each once.
fn most_frequent(mut found: Vec<(String, u32)>, n: usize) -> Vec<String> {
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.dedup_by(|a, b| {
        let same = a.0 == b.0;
        if same {
            b.1 = b.1.max(a.1);
        }
        same
    });
    found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    found.into_iter().take(n).map(|(t, _)| t).collect()
}

/// The smallest byte string greater than every string that starts with `prefix`.
fn successor(prefix: &str) -> Option<Vec<u8>> {
    let mut bytes = prefix.as_bytes().to_vec();
    while let Some(last) = bytes.pop() {
        if last < u8::MAX {
            bytes.push(last + 1);
            return Some(bytes);
        }
    }
    None
}
