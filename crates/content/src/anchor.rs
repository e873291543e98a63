//! Heading ids, derived from the heading text exactly as `content/README.md` specifies.

/// The `id` of a heading whose plain text is `text`: lowercased, ASCII punctuation other than
/// `-` and `_` removed, each space replaced by `-`; letters, digits, Chinese characters and
/// non-ASCII punctuation kept.
///
/// `What is a tokenised ID?` gives `what-is-a-tokenised-id`; `代碼化識別碼會改變嗎？` stays as it is.
pub fn anchor(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .filter(|&c| !c.is_ascii_punctuation() || c == '-' || c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}
