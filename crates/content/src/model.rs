//! The content model: front matter as written, pages as rendered, and the per-language bundle.

use serde::{Deserialize, Serialize};

/// The TOML between the two `+++` lines at the top of every page (`content/README.md`).
///
/// Unknown keys are an error, so a typo in a key name fails the build instead of being ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// Page title. The portal prints it as the page's only `<h1>`; the body never repeats it.
    pub title: String,
    /// Section id (one of [`crate::SECTIONS`]); equals the folder name.
    pub section: String,
    /// Page id within the section: lowercase ASCII letters, digits and `-`; equals the file stem.
    pub slug: String,
    /// `en` or `zh-HK`; equals the language folder.
    pub lang: String,
    /// Position within the section, ascending; unique per section and language.
    pub order: i64,
    /// One plain-text sentence, shown in search results and section cards.
    pub summary: String,
    /// Extra search keywords (field names, codes). Optional.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// How the body is laid out. Optional, `page` by default.
    #[serde(default)]
    pub kind: Kind,
}

/// The layout of a page's body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An ordinary article: `##` to `####` headings.
    #[default]
    Page,
    /// A slide deck: every `##` heading starts a slide.
    Slides,
    /// Questions and answers: every `##` heading is a question.
    Faq,
}

/// One rendered page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// The front matter, as written.
    pub meta: FrontMatter,
    /// The site path, `/<section>/<slug>`; the same in every language.
    pub url: String,
    /// The rendered body. For `page`, all of it. For `faq` and `slides`, only what comes before
    /// the first `##` heading (an introduction, often empty): the rest is in [`Page::parts`].
    pub html: String,
    /// Every heading of the body in document order, for the table of contents and search.
    pub headings: Vec<Heading>,
    /// FAQ questions or slides, in order; empty for `page`.
    pub parts: Vec<Part>,
    /// The body as plain text (code blocks left out), for the search index. Not serialised.
    #[serde(skip)]
    pub text: String,
}

/// A heading of a page body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heading {
    /// 2 for `##`, 3 for `###`, 4 for `####`.
    pub level: u8,
    /// The `id` attribute, derived from the text by [`crate::anchor`]; unique within the page.
    pub id: String,
    /// The plain text (inline markup removed, code spans kept).
    pub text: String,
}

/// One FAQ question (with its answer) or one slide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// The heading's id: link to it with `/<section>/<slug>#<id>`.
    pub id: String,
    /// The question or slide title (the `##` heading's plain text).
    pub title: String,
    /// The rendered answer or slide, without its heading.
    pub html: String,
    /// The answer or slide as plain text, for the search index. Not serialised.
    #[serde(skip)]
    pub text: String,
}

/// Every page of one language, in navigation order (section, then `order`).
/// `cargo xtask dist` writes one per language to `dist/kb/pages.<lang>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// `en` or `zh-HK`.
    pub lang: String,
    /// The pages.
    pub pages: Vec<Page>,
}

impl Bundle {
    /// Collects the pages of `lang` from `pages` (as [`crate::render`] returns them, in order).
    pub fn new(lang: &str, pages: &[Page]) -> Bundle {
        let pages = pages.iter().filter(|p| p.meta.lang == lang).cloned().collect();
        Bundle { lang: lang.to_owned(), pages }
    }
}
