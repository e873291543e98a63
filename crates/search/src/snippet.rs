//! Snippets: the stretch of a document's text with the most distinct matches, matches in `<mark>`.
//!
//! Matches are found with the same tokenizer as the index, so a stemmed, completed or corrected
//! word is highlighted too (tantivy's own snippets only highlight exact terms).

use crate::{
    query::Mark,
    tokenizer::{Kind, is_cjk, normalise, spans},
};

/// The length of a snippet, in characters.
pub(crate) const LENGTH: usize = 160;
/// How far before the first match a snippet may start, in characters.
const LEAD: usize = 40;
/// Matches beyond this many are not looked at.
const MAX_MATCHES: usize = 64;

/// What to highlight, prepared for a fast scan: most tokens of a text are rejected by their
/// first letter, before any lowercasing or stemming.
#[derive(Debug, Default)]
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
                return;
            }
        };
        res.terms.push((term, unit));
        let Some(first) = term.chars().next() else { return };
        if is_cjk(first) {
            res.han_firsts.push(first);
        } else {
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
    // The window with the most distinct matched units, then texts; the earliest of equals.
    let mut best: Option<(usize, (usize, usize))> = None;
    for (i, m) in found.iter().enumerate() {
        let end = char_offset(text, m.from, LENGTH - LEAD / 2);
        let inside: Vec<&Match> = found[i..].iter().take_while(|n| n.to <= end).collect();
        let mut units: Vec<usize> = inside.iter().map(|n| n.unit).collect();
        units.sort_unstable();
        units.dedup();
        let mut texts: Vec<&str> = inside.iter().map(|n| &text[n.from..n.to]).collect();
        texts.sort_unstable();
        texts.dedup();
        let rank = (units.len(), texts.len());
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
fn find(text: &str, marks: &Marks<'_>, early: bool) -> Vec<Match> {
    let mut found: Vec<Match> = Vec::new();
    if marks.units == 0 {
        return found;
    }
    spans(text, |from, to, kind| {
        let Some(m) = marks.matches(text, from, to, kind) else { return true };
        found.push(m);
        if found.len() >= MAX_MATCHES {
            return false;
        }
        if !early {
            return true;
        }
        // Bytes are at least as many as characters, so this stretch surely fits a snippet.
        let recent = found.iter().rev().take_while(|n| m.to - n.from <= LENGTH - LEAD / 2);
        let units = recent.fold(0u64, |mask, n| mask | 1 << n.unit.min(63));
        (units.count_ones() as usize) < marks.units
    });
    found
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
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
}

/// The byte offset `n` characters after `from` (or the end).
fn char_offset(text: &str, from: usize, n: usize) -> usize {
    text[from..].char_indices().nth(n).map_or(text.len(), |(i, _)| from + i)
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
    let end = char_offset(text, start, LENGTH);
    if end == text.len() {
        return end;
    }
    let floor = char_offset(text, start, LENGTH * 3 / 4);
    text[floor..end].rfind([' ', '\n']).map_or(end, |i| floor + i)
}
