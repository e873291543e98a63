//! The relevance table (`crates/search/relevance.tsv`) against the real `content/` tree: every
//! query must find its document among the first three hits. The same table runs in WASM under
//! node (`tests/src/tests/search_wasm.rs`).

use std::{path::Path, sync::LazyLock};

use crate::{Hit, Query, Searcher, build_site_index};

const TABLE: &str = include_str!("../../relevance.tsv");

static SITE: LazyLock<Searcher> = LazyLock::new(|| {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    let blob = build_site_index(&dir).unwrap_or_else(|e| panic!("cannot index content/: {e}"));
    Searcher::open(&blob).expect("opens")
});

/// `(mode, lang, query, expected url)` for each row.
fn rows() -> Vec<[&'static str; 4]> {
    TABLE
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let cells: Vec<&str> = l.split('\t').collect();
            cells.try_into().unwrap_or_else(|c| panic!("a row needs 4 tab-separated cells: {c:?}"))
        })
        .collect()
}

fn top3(mode: &str, lang: &str, text: &str) -> Vec<Hit> {
    match mode {
        "search" => SITE.search(&Query { text, lang: Some(lang), section: None, limit: 3 }),
        "deflect" => SITE.deflect(text, lang, 3),
        _ => panic!("unknown mode {mode}"),
    }
    .expect("searches")
}

#[test]
fn every_query_of_the_relevance_table_finds_its_document_in_the_top_three() {
    let rows = rows();
    assert!(rows.len() >= 30, "the table has only {} rows", rows.len());
    let mut failures = Vec::new();
    for [mode, lang, text, want] in rows {
        let hits = top3(mode, lang, text);
        if !hits.iter().any(|h| h.url == want) {
            let got: Vec<&str> = hits.iter().map(|h| h.url.as_str()).collect();
            failures.push(format!("{mode} {lang} {text:?}: want {want}, got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the table failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_document_of_the_relevance_table_exists() {
    let langs = ["en", "zh-HK"];
    for [_, lang, _, want] in rows() {
        let (page, anchor) = want.split_once('#').unwrap_or((want, ""));
        let path = format!("../../content/{lang}{page}.md");
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(&path);
        assert!(langs.contains(&lang) && file.is_file(), "{want}: no page {path}");
        let text = std::fs::read_to_string(&file).expect("reads");
        assert!(
            anchor.is_empty()
                || text.lines().any(|l| l.starts_with("## ") && content_anchor(&l[3..]) == anchor),
            "{want}: no heading #{anchor} in {path}"
        );
    }
}

/// The README's heading-id rule (kept here so this check does not depend on the renderer).
fn content_anchor(text: &str) -> String {
    text.trim()
        .replace('`', "")
        .to_lowercase()
        .chars()
        .filter(|&c| !c.is_ascii_punctuation() || c == '-' || c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}
