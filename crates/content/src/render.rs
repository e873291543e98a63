//! Markdown to HTML: heading ids, highlighted code, FAQ and slide splitting, plain text.

use std::collections::HashSet;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

use crate::{
    Error, Heading, Kind, LANGS, Page, Part, SECTIONS, anchor,
    front_matter::{self, Split},
    highlight, links,
};

/// A page file, as read: its path relative to the content folder, `/`-separated
/// (`en/faq/login.md`), and its text.
#[derive(Debug, Clone)]
pub struct Source {
    /// `<lang>/<section>/<slug>.md`.
    pub path: String,
    /// The whole file: front matter and body.
    pub text: String,
}

/// Renders and checks a whole content tree, without touching files.
///
/// `assets` are the site paths of the files under `content/assets/`
/// (`/assets/use-cases/participants.svg`); images must be among them.
/// Returns every page of every language in navigation order: language (as [`LANGS`]), section
/// (as [`SECTIONS`]), then `order`.
pub fn render(sources: &[Source], assets: &[String]) -> Result<Vec<Page>, Error> {
    let mut res = Vec::with_capacity(sources.len());
    let mut seen = HashSet::new();
    for src in sources {
        if !seen.insert(src.path.as_str()) {
            return Err(page_error(&src.path, "the page is given twice"));
        }
        let split = front_matter::parse(&src.path, &src.text)?;
        let (page, links) = render_page(&src.path, split)?;
        res.push(Rendered { path: &src.path, page, links });
    }
    res.sort_by_key(|it| {
        let meta = &it.page.meta;
        let lang = LANGS.iter().position(|&l| l == meta.lang);
        let section = SECTIONS.iter().position(|&s| s == meta.section);
        (lang, section, meta.order)
    });
    for pair in res.windows(2) {
        let (a, b) = (&pair[0].page.meta, &pair[1].page.meta);
        if (&a.lang, &a.section, a.order) == (&b.lang, &b.section, b.order) {
            let reason = format!("order {} is already used by {}", b.order, pair[0].path);
            return Err(page_error(pair[1].path, &reason));
        }
    }
    links::check(&res, assets)?;
    Ok(res.into_iter().map(|it| it.page).collect())
}

/// A rendered page with the links it makes, waiting for the link check.
pub(crate) struct Rendered<'a> {
    pub(crate) path: &'a str,
    pub(crate) page: Page,
    pub(crate) links: Vec<Link>,
}

/// A link or image destination, as written, and where.
pub(crate) struct Link {
    pub(crate) line: usize,
    pub(crate) dest: String,
    pub(crate) image: bool,
}

fn page_error(path: &str, reason: &str) -> Error {
    Error::Page { path: path.to_owned(), line: 0, reason: reason.to_owned() }
}

/// The part of the body before the first part (`intro`), or one FAQ question or slide.
#[derive(Default)]
struct Segment<'a> {
    /// `(id, title)` of the `##` heading that starts the part; `None` for the intro.
    part: Option<(String, String)>,
    events: Vec<Event<'a>>,
    text: String,
}

/// A heading being read: its events and plain text are buffered until its end, when its id is
/// known.
struct OpenHeading<'a> {
    level: HeadingLevel,
    offset: usize,
    events: Vec<Event<'a>>,
    text: String,
}

fn render_page(path: &str, split: Split<'_>) -> Result<(Page, Vec<Link>), Error> {
    let Split { meta, body, body_line } = split;
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(body.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let line_of = |offset: usize| body_line + line_starts.partition_point(|&s| s <= offset) - 1;
    let fail = |offset: usize, reason: String| Error::Page {
        path: path.to_owned(),
        line: line_of(offset),
        reason,
    };
    let split_parts = meta.kind != Kind::Page;

    let mut segments = vec![Segment::default()];
    let mut headings: Vec<Heading> = Vec::new();
    let mut links = Vec::new();
    let mut heading: Option<OpenHeading<'_>> = None;
    let mut code: Option<(String, String)> = None;
    let options = Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES;
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        let segment = segments.last_mut().expect("there is always a segment");
        if let Some((lang, text)) = &mut code {
            match event {
                Event::Text(t) => text.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    let html = highlight::code_block(lang, text);
                    segment.events.push(Event::Html(html.into()));
                    code = None;
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or_default().to_owned()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                if !highlight::LANGS.contains(&lang.as_str()) {
                    let langs = highlight::LANGS.join(", ");
                    let reason =
                        format!("code blocks are fenced with one of {langs} (found {lang:?})");
                    return Err(fail(range.start, reason));
                }
                code = Some((lang, String::new()));
            }
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some(OpenHeading {
                    level,
                    offset: range.start,
                    events: Vec::new(),
                    text: String::new(),
                });
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some(open) = heading.take() else { continue };
                let text = open.text.trim().to_owned();
                let level = open.level as u8;
                if let Some(reason) = heading_rule(meta.kind, level, &text) {
                    return Err(fail(open.offset, reason.to_owned()));
                }
                let id = anchor(&text);
                if let Some(it) = headings.iter().find(|h| h.id == id) {
                    let reason = format!("heading id #{id} is already used by {:?}", it.text);
                    return Err(fail(open.offset, reason));
                }
                if split_parts && level == 2 {
                    segments.push(Segment {
                        part: Some((id.clone(), text.clone())),
                        ..Segment::default()
                    });
                } else {
                    let tag = Tag::Heading {
                        level: open.level,
                        id: Some(id.clone().into()),
                        classes: Vec::new(),
                        attrs: Vec::new(),
                    };
                    segment.events.push(Event::Start(tag));
                    segment.events.extend(open.events);
                    segment.events.push(Event::End(TagEnd::Heading(open.level)));
                }
                headings.push(Heading { level, id, text });
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                let reason =
                    "raw HTML is not allowed (put placeholders such as <id> in a code span)";
                return Err(fail(range.start, reason.to_owned()));
            }
            event => {
                let text = match &mut heading {
                    Some(open) => &mut open.text,
                    None => &mut segment.text,
                };
                match &event {
                    Event::Start(Tag::Link { link_type, dest_url, .. })
                        if *link_type != LinkType::Email =>
                    {
                        let dest = dest_url.to_string();
                        links.push(Link { line: line_of(range.start), dest, image: false });
                    }
                    Event::Start(Tag::Image { dest_url, .. }) => {
                        let dest = dest_url.to_string();
                        links.push(Link { line: line_of(range.start), dest, image: true });
                    }
                    Event::Text(t) | Event::Code(t) => text.push_str(t),
                    Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::TableCell) => {
                        text.push(' ');
                    }
                    Event::End(
                        TagEnd::Paragraph
                        | TagEnd::Item
                        | TagEnd::TableHead
                        | TagEnd::TableRow
                        | TagEnd::BlockQuote(_)
                        | TagEnd::FootnoteDefinition,
                    ) => text.push('\n'),
                    _ => {}
                }
                match &mut heading {
                    Some(open) => open.events.push(event),
                    None => segment.events.push(event),
                }
            }
        }
    }

    let mut html = String::new();
    let mut text = String::new();
    let mut parts = Vec::new();
    for segment in segments {
        let mut segment_html = String::new();
        pulldown_cmark::html::push_html(&mut segment_html, segment.events.into_iter());
        let segment_text = tidy_text(&segment.text);
        if !text.is_empty() && !segment_text.is_empty() {
            text.push('\n');
        }
        text.push_str(&segment_text);
        match segment.part {
            None => html = segment_html,
            Some((id, title)) => {
                parts.push(Part { id, title, html: segment_html, text: segment_text })
            }
        }
    }
    let url = format!("/{}/{}", meta.section, meta.slug);
    Ok((Page { meta, url, html, headings, parts, text }, links))
}

/// Which heading rule of `content/README.md` a heading breaks, if any.
fn heading_rule(kind: Kind, level: u8, text: &str) -> Option<&'static str> {
    if level == 1 {
        return Some("no `# ` headings in the body: the title comes from the front matter");
    }
    match kind {
        Kind::Page if level > 4 => Some("headings go down to `####` at most"),
        Kind::Slides if level != 2 => Some("slide decks use only `## ` headings, one per slide"),
        Kind::Faq if level != 2 => Some("FAQ pages use only `## ` headings, one per question"),
        Kind::Faq if !text.ends_with(['?', '？']) => {
            Some("a FAQ question (a `## ` heading) ends with `?` or `？`")
        }
        _ => None,
    }
}

/// Trims every line and drops empty ones.
fn tidy_text(text: &str) -> String {
    let mut res = String::with_capacity(text.len());
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !res.is_empty() {
            res.push('\n');
        }
        res.push_str(line);
    }
    res
}
