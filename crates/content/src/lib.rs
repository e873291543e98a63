//! The knowledge base: markdown pages with TOML front matter, rendered to HTML at build time.
//!
//! `content/README.md` is the format. This crate turns a content tree into [`Page`]s:
//!
//! - [`load`] reads `content/<lang>/<section>/<slug>.md` and `content/assets/**` from disk;
//! - [`render`] does the rest without touching files, so tests feed it in-memory [`Source`]s:
//!   it parses the [`FrontMatter`], renders the body with pulldown-cmark (tables, footnotes,
//!   heading ids from [`anchor`], fenced code highlighted into `<span class="tok-…">`), splits
//!   FAQ pages into questions and slide decks into slides, extracts headings and plain text for
//!   search, and checks every internal link, `#anchor` and image. Anything broken is an
//!   [`Error`] naming the file, the line and the link.
//!
//! The portal gets one [`Bundle`] per language, serialised as JSON.
//! Without the default `render` feature the crate is only these serialisable types.

mod error;
mod model;

#[cfg(feature = "render")]
mod anchor;
#[cfg(feature = "render")]
mod front_matter;
#[cfg(feature = "render")]
mod highlight;
#[cfg(feature = "render")]
mod links;
#[cfg(feature = "render")]
mod load;
#[cfg(feature = "render")]
mod render;
#[cfg(all(test, feature = "render"))]
mod tests;

pub use error::{BrokenLink, Error};
pub use model::{Bundle, FrontMatter, Heading, Kind, Page, Part};

#[cfg(feature = "render")]
pub use {anchor::anchor, load::load, render::Source, render::render};

/// The languages, in the order the portal offers them.
pub const LANGS: &[&str] = &["en", "zh-HK"];

/// The sections, in navigation order.
pub const SECTIONS: &[&str] =
    &["home", "things-to-know", "use-cases", "faq", "about", "guides", "terms"];
