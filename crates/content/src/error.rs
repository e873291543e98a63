//! The one error type of the crate.

use std::{fmt, io, path::PathBuf};

/// Why the content tree cannot be rendered.
///
/// Paths in [`Error::Page`] and [`BrokenLink`] are relative to the content folder
/// (`en/faq/login.md`); lines are 1-based and count from the top of the file.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be read.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// A page breaks the format: its location, front matter or markdown.
    Page {
        /// The page.
        path: String,
        /// Where (0 when the problem is the file as a whole).
        line: usize,
        /// What is wrong, as a sentence.
        reason: String,
    },
    /// Internal links, anchors or images that do not resolve: every one of them, so that one build
    /// shows them all.
    BrokenLinks(Vec<BrokenLink>),
}

/// A link, anchor or image that does not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The page that holds the link.
    pub path: String,
    /// The line of the link.
    pub line: usize,
    /// The link's destination as written.
    pub link: String,
    /// Why it does not resolve.
    pub reason: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Error::Page { path, line: 0, reason } => write!(f, "{path}: {reason}"),
            Error::Page { path, line, reason } => write!(f, "{path}:{line}: {reason}"),
            Error::BrokenLinks(links) => {
                write!(f, "{} broken link(s)", links.len())?;
                for it in links {
                    write!(f, "\n  {it}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}: {}", self.path, self.line, self.link, self.reason)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
