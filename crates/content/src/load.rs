//! Reading a content folder from disk.

use std::{
    fs,
    path::{Path, PathBuf},
};

use crate::{Error, LANGS, Page, Source, render};

/// Reads and renders the content folder `dir`: `<lang>/<section>/<slug>.md` for each of
/// [`LANGS`] (a missing language folder is skipped) and the files under `assets/`.
/// Other files at the top (`README.md`, scripts) are ignored, and so are hidden files.
pub fn load(dir: &Path) -> Result<Vec<Page>, Error> {
    let mut sources = Vec::new();
    for lang in LANGS {
        let base = dir.join(lang);
        if !base.is_dir() {
            continue;
        }
        for path in files(&base)? {
            let rel = relative(dir, &path);
            if !rel.ends_with(".md") || rel.split('/').count() != 3 {
                let reason = "unexpected file: pages live at <lang>/<section>/<slug>.md";
                return Err(Error::Page { path: rel, line: 0, reason: reason.to_owned() });
            }
            let text = fs::read_to_string(&path).map_err(|source| Error::Io { path, source })?;
            sources.push(Source { path: rel, text });
        }
    }
    if sources.is_empty() {
        let reason = format!("no pages under {}/<lang>/", dir.display());
        return Err(Error::Page { path: dir.display().to_string(), line: 0, reason });
    }
    let assets_dir = dir.join("assets");
    let assets = if assets_dir.is_dir() {
        files(&assets_dir)?.iter().map(|p| format!("/{}", relative(dir, p))).collect()
    } else {
        Vec::new()
    };
    render(&sources, &assets)
}

/// The files under `dir`, recursively, sorted, hidden ones left out.
fn files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let io = |source| Error::Io { path: dir.to_owned(), source };
    let mut res = Vec::new();
    for entry in fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')) {
            continue;
        }
        if path.is_dir() {
            res.extend(files(&path)?);
        } else {
            res.push(path);
        }
    }
    res.sort();
    Ok(res)
}

/// `path` relative to `dir`, with `/` separators.
fn relative(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}
