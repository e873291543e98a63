//! The link check: every internal link, `#anchor` and image must resolve.
//!
//! Allowed destinations (`content/README.md`): `https://` and `http://` URLs, `mailto:`,
//! `#anchor` on the same page, `/<section>/<slug>` with an optional `#anchor` naming a heading
//! of that page in the same language, and files under `/assets/`. Images must be files under
//! `/assets/`.

use std::collections::{HashMap, HashSet};

use crate::{BrokenLink, Error, render::Rendered};

pub(crate) fn check(pages: &[Rendered<'_>], assets: &[String]) -> Result<(), Error> {
    let assets: HashSet<&str> = assets.iter().map(String::as_str).collect();
    let anchors: HashMap<(&str, &str), HashSet<&str>> = pages
        .iter()
        .map(|it| {
            let ids = it.page.headings.iter().map(|h| h.id.as_str()).collect();
            ((it.page.meta.lang.as_str(), it.page.url.as_str()), ids)
        })
        .collect();
    let mut broken = Vec::new();
    for it in pages {
        let lang = it.page.meta.lang.as_str();
        for link in &it.links {
            let problem = problem(&link.dest, link.image, lang, &it.page.url, &anchors, &assets);
            if let Some(reason) = problem {
                broken.push(BrokenLink {
                    path: it.path.to_owned(),
                    line: link.line,
                    link: link.dest.clone(),
                    reason,
                });
            }
        }
    }
    if broken.is_empty() { Ok(()) } else { Err(Error::BrokenLinks(broken)) }
}

/// Why `dest` does not resolve, if it does not.
fn problem(
    dest: &str,
    image: bool,
    lang: &str,
    this_url: &str,
    anchors: &HashMap<(&str, &str), HashSet<&str>>,
    assets: &HashSet<&str>,
) -> Option<String> {
    if dest.starts_with("/assets/") {
        return (!assets.contains(dest)).then(|| "no such file in content/assets/".to_owned());
    }
    if image {
        return Some("images are files under /assets/".to_owned());
    }
    if ["https://", "http://", "mailto:"].iter().any(|p| dest.starts_with(p)) {
        return None;
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (dest, None),
    };
    let url = match path {
        "" => this_url,
        _ if path.starts_with('/') => path,
        _ => return Some("internal links are absolute: /<section>/<slug>#anchor".to_owned()),
    };
    let Some(ids) = anchors.get(&(lang, url)) else {
        return Some(format!("no page {url} in {lang}"));
    };
    match fragment {
        Some(id) if !ids.contains(id) => Some(format!("no heading #{id} on {url} in {lang}")),
        _ => None,
    }
}
