//! Splitting a page into front matter and body, and checking the front matter against the path.

use crate::{Error, FrontMatter, LANGS, SECTIONS};

/// A page file, split.
#[derive(Debug)]
pub(crate) struct Split<'a> {
    pub(crate) meta: FrontMatter,
    pub(crate) body: &'a str,
    /// The line of the file on which `body` starts (1-based).
    pub(crate) body_line: usize,
}

/// Splits `text` (the file at `path`, `<lang>/<section>/<slug>.md`) and checks that the front
/// matter agrees with the path.
pub(crate) fn parse<'a>(path: &str, text: &'a str) -> Result<Split<'a>, Error> {
    let fail = |line, reason: String| Error::Page { path: path.to_owned(), line, reason };
    let (lang, section, slug) = location(path)
        .ok_or_else(|| fail(0, "pages live at <lang>/<section>/<slug>.md".to_owned()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    if lines.next().map(str::trim_end) != Some("+++") {
        return Err(fail(1, "the first line must be `+++`".to_owned()));
    }
    let mut offset = text.find('\n').map_or(text.len(), |i| i + 1);
    let toml_start = offset;
    let mut line = 2;
    let toml_end = loop {
        let Some(it) = lines.next() else {
            return Err(fail(1, "the front matter is not closed by a `+++` line".to_owned()));
        };
        if it.trim_end() == "+++" {
            break offset;
        }
        offset += it.len();
        line += 1;
    };
    let body_start = text[toml_end..].find('\n').map_or(text.len(), |i| toml_end + i + 1);
    let meta: FrontMatter = toml::from_str(&text[toml_start..toml_end])
        .map_err(|e| fail(0, format!("invalid front matter: {}", e.to_string().trim_end())))?;

    let mismatch = |field: &str, found: &str, want: &str| {
        fail(0, format!("front matter says {field} = {found:?} but the path says {want:?}"))
    };
    if meta.lang != lang {
        return Err(mismatch("lang", &meta.lang, lang));
    }
    if meta.section != section {
        return Err(mismatch("section", &meta.section, section));
    }
    if meta.slug != slug {
        return Err(mismatch("slug", &meta.slug, slug));
    }
    if !LANGS.contains(&lang) {
        return Err(fail(0, format!("unknown language {lang:?} (want one of {LANGS:?})")));
    }
    if !SECTIONS.contains(&section) {
        return Err(fail(0, format!("unknown section {section:?} (want one of {SECTIONS:?})")));
    }
    let slug_ok = !slug.is_empty()
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if !slug_ok {
        return Err(fail(0, format!("slug {slug:?} must be lowercase ASCII words joined by `-`")));
    }
    for (field, value) in [("title", &meta.title), ("summary", &meta.summary)] {
        if value.trim().is_empty() || value.contains('\n') {
            return Err(fail(0, format!("{field} must be one non-empty line")));
        }
    }
    Ok(Split { meta, body: &text[body_start..], body_line: line + 1 })
}

/// `(lang, section, slug)` of `<lang>/<section>/<slug>.md`.
pub(crate) fn location(path: &str) -> Option<(&str, &str, &str)> {
    let mut parts = path.split('/');
    let (lang, section, file) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some((lang, section, file.strip_suffix(".md")?))
}
