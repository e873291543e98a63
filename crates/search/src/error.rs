//! The one error type of the crate.

use std::fmt;

/// Why an index cannot be built, opened or searched.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The blob is not an index this version can open (truncated, wrong format or schema).
    Blob(&'static str),
    /// The search engine failed; the source says why.
    Engine(Box<dyn std::error::Error + Send + Sync>),
    /// The content could not be rendered (broken links and the like).
    #[cfg(feature = "build")]
    Content(content::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Blob(why) => write!(f, "invalid search index: {why}"),
            Error::Engine(e) => write!(f, "search engine error: {e}"),
            #[cfg(feature = "build")]
            Error::Content(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Blob(_) => None,
            Error::Engine(e) => Some(&**e),
            #[cfg(feature = "build")]
            Error::Content(e) => Some(e),
        }
    }
}

impl From<tantivy::TantivyError> for Error {
    fn from(e: tantivy::TantivyError) -> Self {
        Error::Engine(Box::new(e))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Engine(Box::new(e))
    }
}

#[cfg(feature = "build")]
impl From<content::Error> for Error {
    fn from(e: content::Error) -> Self {
        Error::Content(e)
    }
}
