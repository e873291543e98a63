//! Building the index, natively (tantivy's writer starts threads, so never in WASM).

use std::path::{Path, PathBuf};

use tantivy::{IndexWriter, TantivyDocument, directory::Directory, indexer::NoMergePolicy};

use crate::{
    Doc, Error, blob,
    schema::{Fields, register_tokenizers},
};

/// The index builder.
#[derive(Debug)]
pub struct Index;

impl Index {
    /// Indexes `docs` and returns the index as one blob, for [`crate::Searcher::open`].
    ///
    /// One writer thread, no background merges, one commit, then (should the writer have cut
    /// several segments) one explicit merge: the blob always holds a single segment.
    pub fn build(docs: &[Doc]) -> Result<Vec<u8>, Error> {
        let (schema, f) = Fields::schema();
        let index = tantivy::Index::create_in_ram(schema);
        register_tokenizers(&index);
        let mut writer: IndexWriter<TantivyDocument> =
            index.writer_with_num_threads(1, 32_000_000)?;
        writer.set_merge_policy(Box::new(NoMergePolicy));
        for d in docs {
            let mut doc = TantivyDocument::default();
            doc.add_text(f.url, &d.url);
            doc.add_text(f.lang, &d.lang);
            doc.add_text(f.section, &d.section);
            doc.add_text(f.title, &d.title);
            doc.add_text(f.words, &d.title);
            for it in &d.headings {
                doc.add_text(f.headings, it);
                doc.add_text(f.words, it);
            }
            doc.add_text(f.body, &d.body);
            doc.add_text(f.words, &d.body);
            doc.add_text(f.summary, &d.summary);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        let segments = index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        writer.wait_merging_threads()?;

        let engine = |e| Error::Engine(Box::new(e));
        let dir = index.directory();
        let mut names: Vec<PathBuf> =
            index.load_metas()?.list_segment_files().into_iter().collect();
        names.sort();
        names.push(PathBuf::from("meta.json"));
        let mut files = Vec::with_capacity(names.len());
        for name in names {
            if dir.exists(&name).map_err(engine)? {
                let bytes = dir.atomic_read(&name).map_err(engine)?;
                files.push((name.to_string_lossy().into_owned(), bytes));
            }
        }
        Ok(blob::pack(&files))
    }
}

/// The documents of rendered pages: a page or slide deck is one document; a FAQ page is one
/// document per question, whose URL leads to the question (and whose summary is left empty: hits
/// show the beginning of the answer instead).
pub fn docs(pages: &[content::Page]) -> Vec<Doc> {
    let mut res = Vec::new();
    for page in pages {
        let meta = &page.meta;
        let base = Doc { lang: meta.lang.clone(), section: meta.section.clone(), ..Doc::default() };
        if meta.kind == content::Kind::Faq {
            for q in &page.parts {
                res.push(Doc {
                    url: format!("{}#{}", page.url, q.id),
                    title: q.title.clone(),
                    body: q.text.clone(),
                    ..base.clone()
                });
            }
            continue;
        }
        let mut headings: Vec<String> = page.headings.iter().map(|h| h.text.clone()).collect();
        headings.extend(meta.tags.iter().cloned());
        headings.push(meta.summary.clone());
        res.push(Doc {
            url: page.url.clone(),
            title: meta.title.clone(),
            headings,
            body: page.text.clone(),
            summary: meta.summary.clone(),
            ..base
        });
    }
    res
}

/// Renders the content folder `dir` (failing on broken links) and indexes it.
pub fn build_site_index(dir: &Path) -> Result<Vec<u8>, Error> {
    let pages = content::load(dir)?;
    Index::build(&docs(&pages))
}
