//! Snippets: the stretch of a document's text with the most distinct matches, matches in `<mark>`.
//!
//! Matches are found with the same tokenizer as the index, so a stemmed, completed or corrected
//! word is highlighted too (tantivy's own snippets only highlight exact terms).

use crate::{
    query::Mark,
    tokenizer::{Kind, MAX_WORD, is_cjk, normalise},
};

/// The length of a snippet, in characters.
pub(crate) const LENGTH: usize = 160;
/// How far before the first match a snippet may start, in characters.
const LEAD: usize = 40;
/// Matches beyond this many are not looked at.
const MAX_MATCHES: usize = 64;

/// What to highlight, prepared for a fast scan: most tokens of a text are rejected by their
/// first letter, before any lowercasing or stemming.
#[derive(Debug)]
pub(crate) struct Marks<'a> {
    /// Stemmed words and bigrams, with the index of their unit.
    terms: Vec<(&'a str, usize)>,
    /// Single CJK characters, with the index of their unit.
    chars: Vec<(char, usize)>,
    /// How many units have marks.
    units: usize,
    /// A word can only stem to a term if it starts with one of these (a Snowball stem is the
    /// word's beginning, give or take its last letter).
    word_starts: Vec<&'a str>,
    /// The first bytes of `word_starts`.
    word_firsts: Vec<u8>,
    /// The first characters of CJK terms and `chars`.
    han_firsts: Vec<char>,
    /// The bytes a matching token can start with (both cases of ASCII letters; the first byte
    /// of a non-ASCII character), so that a scan skips every other byte without decoding it.
    firsts: [bool; 256],
}

impl Default for Marks<'_> {
    fn default() -> Self {
        Marks {
            terms: Vec::new(),
            chars: Vec::new(),
            units: 0,
            word_starts: Vec::new(),
            word_firsts: Vec::new(),
            han_firsts: Vec::new(),
            firsts: [false; 256],
        }
    }
}

impl<'a> Marks<'a> {
    /// The marks of each unit.
    pub(crate) fn new(units: impl IntoIterator<Item = &'a [Mark]>) -> Marks<'a> {
        let mut res = Marks::default();
        for (unit, marks) in units.into_iter().enumerate() {
            res.units += usize::from(!marks.is_empty());
            for m in marks {
                res.add(m, unit);
            }
        }
        res
    }

    fn add(&mut self, mark: &'a Mark, unit: usize) {
        let res = self;
        let term = match mark {
            Mark::Term(t) => t.as_str(),
            Mark::Char(c) => {
                res.chars.push((*c, unit));
                res.han_firsts.push(*c);
                res.firsts[usize::from(first_byte(*c))] = true;
                return;
            }
        };
        res.terms.push((term, unit));
        let Some(first) = term.chars().next() else { return };
        res.firsts[usize::from(first_byte(first))] = true;
        if is_cjk(first) {
            res.han_firsts.push(first);
        } else {
            res.firsts[usize::from(first_byte(first).to_ascii_uppercase())] = true;
            let keep = term.chars().count().saturating_sub(1).max(1);
            let end = term.char_indices().nth(keep).map_or(term.len(), |(i, _)| i);
            res.word_starts.push(&term[..end]);
            res.word_firsts.push(term.as_bytes()[0]);
        }
    }

    fn term(&self, text: &str) -> Option<usize> {
        self.terms.iter().find(|(t, _)| *t == text).map(|&(_, unit)| unit)
    }

    /// The part of `text[from..to]` (a token of kind `kind`) to highlight and its unit, if any.
    fn matches(&self, text: &str, from: usize, to: usize, kind: Kind) -> Option<Match> {
        let token = &text[from..to];
        if kind == Kind::Word {
            if token.is_ascii() {
                let bytes = token.as_bytes();
                if !self.word_firsts.contains(&bytes[0].to_ascii_lowercase()) {
                    return None;
                }
                let starts = |s: &&str| {
                    bytes.len() >= s.len() && bytes[..s.len()].eq_ignore_ascii_case(s.as_bytes())
                };
                if !self.word_starts.iter().any(starts) {
                    return None;
                }
            }
            let unit = self.term(&normalise(token, true))?;
            return Some(Match { from, to, unit });
        }
        let first = token.chars().next()?;
        if !self.han_firsts.contains(&first) {
            return None;
        }
        if let Some(unit) = self.term(token) {
            return Some(Match { from, to, unit });
        }
        let &(_, unit) = self.chars.iter().find(|(c, _)| *c == first)?;
        Some(Match { from, to: from + first.len_utf8(), unit })
    }
}

/// A stretch of text to highlight.
#[derive(Debug, Clone, Copy)]
struct Match {
    from: usize,
    to: usize,
    unit: usize,
}

/// The snippet of `text` for `marks`, or `None` if nothing in it matches.
pub(crate) fn snippet(text: &str, marks: &Marks<'_>) -> Option<String> {
    let found = find(text, marks, true);
    // Where each match starts and ends, in characters (both only grow, match after match).
    let (mut froms, mut tos) = (Chars::default(), Chars::default());
    let at: Vec<(usize, usize)> =
        found.iter().map(|m| (froms.at(text, m.from), tos.at(text, m.to))).collect();
    // The window with the most distinct matched units, then texts; the earliest of equals.
    let mut best: Option<(usize, (usize, usize))> = None;
    let mut texts: Vec<&str> = Vec::with_capacity(found.len());
    for (i, m) in found.iter().enumerate() {
        let end = at[i].0 + (LENGTH - LEAD / 2);
        let inside = found[i..].iter().zip(&at[i..]).take_while(|(_, (_, to))| *to <= end);
        let mut units = 0u64;
        texts.clear();
        for (n, _) in inside {
            units |= 1 << n.unit.min(63);
            texts.push(&text[n.from..n.to]);
        }
        texts.sort_unstable();
        texts.dedup();
        let rank = (units.count_ones() as usize, texts.len());
        if best.is_none_or(|(_, r)| rank > r) {
            best = Some((m.from, rank));
        }
    }
    let (at, _) = best?;
    let start = start_before(text, at);
    let end = end_after(text, start);
    let mut out = String::with_capacity(LENGTH * 4);
    if start > 0 {
        out.push('…');
    }
    // The scan may have stopped early: find every match of the window.
    let shown = find(&text[start..end], marks, false);
    let mut at = start;
    for m in shown.iter().map(|m| Match { from: start + m.from, to: start + m.to, unit: m.unit }) {
        if m.from < at {
            // Overlapping bigrams: extend the current mark.
            if m.to > at {
                out.truncate(out.len() - "</mark>".len());
                escape(&text[at..m.to], &mut out);
                out.push_str("</mark>");
                at = m.to;
            }
            continue;
        }
        escape(&text[at..m.from], &mut out);
        out.push_str("<mark>");
        escape(&text[m.from..m.to], &mut out);
        out.push_str("</mark>");
        at = m.to;
    }
    escape(&text[at..end], &mut out);
    if end < text.len() {
        out.push('…');
    }
    Some(out)
}

/// The matches of `text`, in order. With `early`, the scan stops once a stretch short enough
/// for one snippet holds a match of every unit: no window can do better.
///
/// This is the hot loop of a search. The scan jumps from one byte in `marks.firsts` to the next
/// and looks at a token only where one starts with such a byte: it finds the tokens the
/// tokenizer would, without decoding or tokenising the text in between.
fn find(text: &str, marks: &Marks<'_>, early: bool) -> Vec<Match> {
    let mut found: Vec<Match> = Vec::new();
    if marks.units == 0 {
        return found;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(skip) = bytes[i..].iter().position(|&b| marks.firsts[usize::from(b)]) {
        i += skip;
        let (token, next) = token_at(text, i, marks);
        let m = token.and_then(|(to, kind)| marks.matches(text, i, to, kind));
        i = next;
        let Some(m) = m else { continue };
        found.push(m);
        if found.len() >= MAX_MATCHES {
            break;
        }
        if !early {
            continue;
        }
        // Bytes are at least as many as characters, so this stretch surely fits a snippet.
        let recent = found.iter().rev().take_while(|n| m.to - n.from <= LENGTH - LEAD / 2);
        let units = recent.fold(0u64, |mask, n| mask | 1 << n.unit.min(63));
        if units.count_ones() as usize >= marks.units {
            break;
        }
    }
    found
}

/// The token that starts at byte `at` (its end and kind) if one does and it may match, and
/// where the scan goes on: a word starts where no word character comes just before (if one
/// does, the scan skips the rest of the word); a CJK character starts a pair with the next one,
/// or is the last of its run.
fn token_at(text: &str, at: usize, marks: &Marks<'_>) -> (Option<(usize, Kind)>, usize) {
    let c = text[at..].chars().next().unwrap_or_default();
    let after = at + c.len_utf8();
    if is_cjk(c) {
        if !marks.han_firsts.contains(&c) {
            return (None, after);
        }
        return match text[after..].chars().next() {
            Some(d) if is_cjk(d) => (Some((after + d.len_utf8(), Kind::HanPair)), after),
            _ => (Some((after, Kind::Han)), after),
        };
    }
    if !is_word_char(c) {
        return (None, after);
    }
    let end = word_end(text, at);
    let inside = text[..at].chars().next_back().is_some_and(is_word_char);
    // Words longer than the tokenizer keeps are no tokens either.
    ((!inside && end - at <= MAX_WORD).then_some((end, Kind::Word)), end)
}

/// The end of the run of word characters at `at` (ASCII ones without decoding).
fn word_end(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = at;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphanumeric() {
            i += 1;
        } else if b.is_ascii() {
            break;
        } else {
            match text[i..].chars().next() {
                Some(c) if is_word_char(c) => i += c.len_utf8(),
                _ => break,
            }
        }
    }
    i
}

/// A character of a word (the tokenizer's rule: letters and digits, but not CJK).
fn is_word_char(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_alphanumeric() } else { !is_cjk(c) && c.is_alphanumeric() }
}

/// The first byte of `c` in UTF-8.
fn first_byte(c: char) -> u8 {
    let mut buf = [0; 4];
    c.encode_utf8(&mut buf);
    buf[0]
}

/// Counts characters up to byte offsets that never decrease.
#[derive(Debug, Default)]
struct Chars {
    byte: usize,
    chars: usize,
}

impl Chars {
    /// How many characters `text` has before byte `at` (at least the last offset asked).
    fn at(&mut self, text: &str, at: usize) -> usize {
        if at > self.byte {
            self.chars += text[self.byte..at].chars().count();
            self.byte = at;
        }
        self.chars
    }
}

/// The beginning of `text`, escaped, for a hit with nothing to highlight.
pub(crate) fn lead(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let end = end_after(line, 0);
    let mut out = String::new();
    escape(&line[..end], &mut out);
    if end < text.len() {
        out.push('…');
    }
    out
}

/// HTML-escapes `text` onto `out`, with line breaks as spaces.
pub(crate) fn escape(text: &str, out: &mut String) {
    let mut from = 0;
    for (i, b) in text.bytes().enumerate() {
        let with = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\n' => " ",
            _ => continue,
        };
        out.push_str(&text[from..i]);
        out.push_str(with);
        from = i + 1;
    }
    out.push_str(&text[from..]);
}

/// Where a snippet around a match at `at` starts: the start of its line if that is close, else
/// just after a space up to [`LEAD`] characters before it.
fn start_before(text: &str, at: usize) -> usize {
    let lead = text[..at].char_indices().rev().nth(LEAD - 1).map_or(0, |(i, _)| i);
    let window = &text[lead..at];
    if let Some(i) = window.rfind('\n') {
        return lead + i + 1;
    }
    if lead == 0 {
        return 0;
    }
    window.find(' ').map_or(at, |i| lead + i + 1)
}

/// Where a snippet starting at `start` ends: [`LENGTH`] characters later, cut at a space if
/// there is one in the last quarter.
fn end_after(text: &str, start: usize) -> usize {
    let mut chars = text[start..].char_indices().map(|(i, _)| start + i);
    let floor = chars.nth(LENGTH * 3 / 4).unwrap_or(text.len());
    let end = chars.nth(LENGTH - LENGTH * 3 / 4 - 1).unwrap_or(text.len());
    if end == text.len() {
        return end;
    }
    text[floor..end].rfind([' ', '\n']).map_or(end, |i| floor + i)
}
