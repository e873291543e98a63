//! The one tokenizer, used to index, to query and to find snippets.
//!
//! - A run of letters and digits (other than CJK) is one word, lowercased; with `stem`, a word of
//!   ASCII letters is reduced by the English Snowball stemmer (`signing`, `signed` → `sign`).
//!   Words longer than [`MAX_WORD`] bytes (hashes, keys) are dropped.
//! - A run of CJK characters gives every pair of neighbours (a bigram), plus its last character
//!   alone: so every occurrence of a character starts a token, and a one-character query is that
//!   character or any bigram it starts. A longer query needs all its bigrams. No dictionary is
//!   needed, and Traditional and Simplified characters are simply different characters.
//! - Everything else (spaces, punctuation, CJK punctuation) separates tokens.

use std::sync::LazyLock;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Longer words are not indexed.
pub(crate) const MAX_WORD: usize = 40;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A word of letters and digits.
    Word,
    /// The last character of a run of CJK characters.
    Han,
    /// Two neighbouring CJK characters.
    HanPair,
}

/// A token: its text as indexed, where it comes from (byte offsets), and its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tok {
    pub(crate) text: String,
    pub(crate) from: usize,
    pub(crate) to: usize,
    pub(crate) position: usize,
    pub(crate) kind: Kind,
}

/// Calls `emit(from, to, is_cjk)` for every run of word characters and every run of CJK
/// characters of `text`.
pub(crate) fn runs(text: &str, mut emit: impl FnMut(usize, usize, bool)) {
    let bytes = text.as_bytes();
    let mut start: Option<(usize, bool)> = None;
    let mut i = 0;
    while i < bytes.len() {
        // ASCII (most of the text, even in Chinese pages) is classified without decoding.
        let (class, len) = match bytes[i] {
            b if b.is_ascii_alphanumeric() => (Some(false), 1),
            b if b.is_ascii() => (None, 1),
            _ => {
                let c = text[i..].chars().next().unwrap_or_default();
                let class =
                    if is_cjk(c) { Some(true) } else { c.is_alphanumeric().then_some(false) };
                (class, c.len_utf8())
            }
        };
        match (start, class) {
            (Some((_, cjk)), Some(now)) if cjk == now => {}
            (Some((from, cjk)), _) => {
                emit(from, i, cjk);
                start = class.map(|cjk| (i, cjk));
            }
            (None, _) => start = class.map(|cjk| (i, cjk)),
        }
        i += len;
    }
    if let Some((from, cjk)) = start {
        emit(from, text.len(), cjk);
    }
}

/// Calls `emit(from, to, kind)` for every token of `text`, without normalising anything, until
/// `emit` returns `false`. One pass over the bytes. (Snippets find the same tokens with a
/// scan of their own, `snippet::find`, which skips what cannot match.)
pub(crate) fn spans(text: &str, mut emit: impl FnMut(usize, usize, Kind) -> bool) {
    let bytes = text.as_bytes();
    // The start of the word being read, and of the previous character of the CJK run being read.
    let mut word: Option<usize> = None;
    let mut han: Option<(usize, usize)> = None; // (start, length)
    let mut i = 0;
    while i <= bytes.len() {
        let (class, len) = match bytes.get(i) {
            None => (None, 1),
            Some(b) if b.is_ascii_alphanumeric() => (Some(false), 1),
            Some(b) if b.is_ascii() => (None, 1),
            Some(_) => {
                let c = text[i..].chars().next().unwrap_or_default();
                let class =
                    if is_cjk(c) { Some(true) } else { c.is_alphanumeric().then_some(false) };
                (class, c.len_utf8())
            }
        };
        if class != Some(false) {
            if let Some(from) = word.take()
                && i - from <= MAX_WORD
                && !emit(from, i, Kind::Word)
            {
                return;
            }
        } else if word.is_none() {
            word = Some(i);
        }
        let more = match (han, class) {
            (Some((from, _)), Some(true)) => emit(from, i + len, Kind::HanPair),
            (Some((from, n)), _) => emit(from, from + n, Kind::Han),
            (None, _) => true,
        };
        if !more {
            return;
        }
        han = (class == Some(true)).then_some((i, len));
        i += len;
    }
}

/// Calls `emit` with every token of `text`, in order.
pub(crate) fn tokenize(text: &str, stem: bool, mut emit: impl FnMut(Tok)) {
    let mut position = 0;
    spans(text, |from, to, kind| {
        let text = match kind {
            Kind::Word => normalise(&text[from..to], stem),
            Kind::Han | Kind::HanPair => text[from..to].to_owned(),
        };
        emit(Tok { text, from, to, position, kind });
        position += 1;
        true
    });
}

/// A word as indexed: lowercased, and stemmed if `stem`.
pub(crate) fn normalise(word: &str, stem: bool) -> String {
    static STEMMER: LazyLock<frostem::Stemmer> =
        LazyLock::new(|| frostem::Stemmer::new(frostem::Algorithm::English));
    let lower = word.to_lowercase();
    if stem && lower.bytes().all(|b| b.is_ascii_lowercase()) {
        STEMMER.stem(&lower).into_owned()
    } else {
        lower
    }
}

/// Han ideographs (with extensions and compatibility forms), kana and hangul.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // hiragana, katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x3134F) // CJK extensions B to G
}

/// The tokenizer as tantivy sees it: the same function, tokens collected up front.
#[derive(Debug, Clone)]
pub(crate) struct KbTokenizer {
    /// Stem words (the matching fields) or not (the vocabulary).
    stem: bool,
    /// Keep CJK tokens (the matching fields) or only words (the vocabulary).
    cjk: bool,
    tokens: Vec<Token>,
}

impl KbTokenizer {
    /// The tokenizer of the matching fields: everything, words stemmed.
    pub(crate) fn matching() -> KbTokenizer {
        KbTokenizer { stem: true, cjk: true, tokens: Vec::new() }
    }

    /// The tokenizer of the vocabulary: words only, as written (lowercased).
    pub(crate) fn vocabulary() -> KbTokenizer {
        KbTokenizer { stem: false, cjk: false, tokens: Vec::new() }
    }
}

impl Tokenizer for KbTokenizer {
    type TokenStream<'a> = KbTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> KbTokenStream<'a> {
        self.tokens.clear();
        tokenize(text, self.stem, |t| {
            if self.cjk || t.kind == Kind::Word {
                self.tokens.push(Token {
                    offset_from: t.from,
                    offset_to: t.to,
                    position: t.position,
                    text: t.text,
                    position_length: 1,
                });
            }
        });
        KbTokenStream { tokens: &mut self.tokens, next: 0 }
    }
}

#[derive(Debug)]
pub(crate) struct KbTokenStream<'a> {
    tokens: &'a mut Vec<Token>,
    /// One past the current token.
    next: usize,
}

impl TokenStream for KbTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}
