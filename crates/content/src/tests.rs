//! Rendering, splitting and link checking on small in-memory trees, then the real `content/`.

use std::path::Path;

use crate::{Bundle, Error, Kind, Page, Source, anchor, highlight, load, render};

fn source(path: &str, front: &str, body: &str) -> Source {
    let (lang, rest) = path.split_once('/').expect("lang/section/slug.md");
    let (section, file) = rest.split_once('/').expect("section/slug.md");
    let slug = file.trim_end_matches(".md");
    let text = format!(
        "+++\ntitle = \"T {slug}\"\nsection = \"{section}\"\nslug = \"{slug}\"\nlang = \"{lang}\"\n\
         summary = \"S.\"\n{front}\n+++\n{body}"
    );
    Source { path: path.to_owned(), text }
}

fn page(front: &str, body: &str) -> Source {
    source("en/guides/a.md", &format!("order = 1\n{front}"), body)
}

#[track_caller]
fn check_ok(sources: &[Source]) -> Vec<Page> {
    let assets = ["/assets/x.svg".to_owned()];
    render(sources, &assets).unwrap_or_else(|e| panic!("render failed: {e}"))
}

#[track_caller]
fn check_err(sources: &[Source], want: &str) {
    let assets = ["/assets/x.svg".to_owned()];
    match render(sources, &assets) {
        Ok(_) => panic!("expected an error containing {want:?}"),
        Err(e) => {
            let text = e.to_string();
            assert!(text.contains(want), "error {text:?} does not contain {want:?}");
        }
    }
}

#[test]
fn can_derive_heading_ids_as_the_readme_says() {
    assert_eq!(anchor("What is a tokenised ID?"), "what-is-a-tokenised-id");
    assert_eq!(
        anchor("D20006: signature verification failed"),
        "d20006-signature-verification-failed"
    );
    assert_eq!(anchor("代碼化識別碼會改變嗎？"), "代碼化識別碼會改變嗎？");
    assert_eq!(anchor("The state parameter"), "the-state-parameter");
    assert_eq!(anchor("a  b_c (d)"), "a--b_c-d");
}

#[test]
fn can_render_a_page_with_tables_footnotes_code_and_heading_ids() {
    let body = "Intro with `openID`[^n].\n\n## The `state` parameter\n\n| A | B |\n|---|---|\n\
                | 1 | 2 |\n\n### Step 1: call getQR\n\n```json\n{\"code\": 1, \"ok\": true}\n```\n\n\
                [^n]: A note.\n";
    let pages = check_ok(&[page("", body)]);
    let p = &pages[0];
    assert_eq!(p.url, "/guides/a");
    assert_eq!(p.meta.kind, Kind::Page);
    let ids: Vec<_> = p.headings.iter().map(|h| (h.level, h.id.as_str())).collect();
    assert_eq!(ids, [(2, "the-state-parameter"), (3, "step-1-call-getqr")]);
    assert_eq!(p.headings[0].text, "The state parameter");
    assert!(
        p.html.contains("<h2 id=\"the-state-parameter\">The <code>state</code> parameter</h2>")
    );
    assert!(p.html.contains("<table>"), "{}", p.html);
    assert!(p.html.contains("footnote-definition"), "{}", p.html);
    assert!(p.html.contains("<span class=\"tok-key\">&quot;code&quot;</span>"), "{}", p.html);
    assert!(p.html.contains("<span class=\"tok-literal\">true</span>"), "{}", p.html);
    // Plain text: inline code kept, headings and code blocks left out.
    assert!(p.text.starts_with("Intro with openID"), "{}", p.text);
    assert!(!p.text.contains("getQR") && !p.text.contains("\"code\""), "{}", p.text);
    assert!(p.text.contains("A note."), "{}", p.text);
    assert!(p.parts.is_empty());
}

#[test]
fn can_split_a_faq_page_into_questions() {
    let body = "Short intro.\n\n## What is a D-code?\n\nAn error code.\n\n## 授權碼有效多久？\n\n十分鐘。\n";
    let pages = check_ok(&[source("en/faq/general.md", "order = 1\nkind = \"faq\"", body)]);
    let p = &pages[0];
    assert_eq!(p.html, "<p>Short intro.</p>\n");
    let parts: Vec<_> = p.parts.iter().map(|q| (q.id.as_str(), q.title.as_str())).collect();
    assert_eq!(
        parts,
        [("what-is-a-d-code", "What is a D-code?"), ("授權碼有效多久？", "授權碼有效多久？")]
    );
    assert_eq!(p.parts[0].html, "<p>An error code.</p>\n");
    assert_eq!(p.parts[1].text, "十分鐘。");
    assert_eq!(p.headings.len(), 2);
}

#[test]
fn can_split_a_slide_deck_into_slides() {
    let body =
        "## One\n\n![first](/assets/x.svg)\n\nText one.\n\n## Two\n\n![second](/assets/x.svg)\n";
    let pages = check_ok(&[source("en/use-cases/deck.md", "order = 1\nkind = \"slides\"", body)]);
    let p = &pages[0];
    assert_eq!(p.html, "");
    assert_eq!(p.parts.len(), 2);
    assert!(
        p.parts[0].html.contains("<img src=\"/assets/x.svg\" alt=\"first\""),
        "{}",
        p.parts[0].html
    );
    assert_eq!(p.parts[0].text, "first\nText one.");
}

#[test]
fn can_resolve_links_between_pages_and_languages() {
    let a = page(
        "",
        "See [b](/guides/b#part-two), [here](#top) and [web](https://example.hk/).\n\n## Top\n",
    );
    let b = source("en/guides/b.md", "order = 2", "## Part two\n\n[back](/guides/a)\n");
    let pages = check_ok(&[a, b]);
    assert_eq!(pages.len(), 2);
}

#[test]
fn rejects_every_broken_link_with_file_line_and_link() {
    let body = "Line one.\n\n[gone](/guides/missing) and [anchor](/guides/a#nowhere)\n\n\
                ![img](/assets/missing.svg) [rel](other-page) [frag](#nope)\n";
    let err = render(&[page("", body)], &[]).expect_err("links are broken");
    let Error::BrokenLinks(links) = &err else { panic!("unexpected error {err}") };
    let got: Vec<_> = links.iter().map(|l| (l.path.as_str(), l.line, l.link.as_str())).collect();
    assert_eq!(
        got,
        [
            ("en/guides/a.md", 12, "/guides/missing"),
            ("en/guides/a.md", 12, "/guides/a#nowhere"),
            ("en/guides/a.md", 14, "/assets/missing.svg"),
            ("en/guides/a.md", 14, "other-page"),
            ("en/guides/a.md", 14, "#nope"),
        ]
    );
    assert!(
        err.to_string()
            .contains("en/guides/a.md:12: /guides/missing: no page /guides/missing in en")
    );
}

#[test]
fn rejects_a_link_to_a_page_that_exists_only_in_another_language() {
    let en = page("", "[zh](/guides/b)\n");
    let zh = source("zh-HK/guides/b.md", "order = 2", "內容\n");
    check_err(&[en, zh], "no page /guides/b in en");
}

#[test]
fn rejects_front_matter_that_disagrees_with_the_path_or_the_format() {
    check_err(&[page("colour = \"red\"", "")], "unknown field `colour`");
    check_err(&[source("en/guides/a.md", "", "")], "missing field `order`");
    check_err(&[source("en/faq/A.md", "order = 1", "")], "must be lowercase");
    check_err(&[source("en/news/a.md", "order = 1", "")], "unknown section");
    let wrong = Source { path: "en/faq/a.md".to_owned(), text: page("", "").text };
    check_err(&[wrong], "front matter says section = \"guides\" but the path says \"faq\"");
    let open =
        Source { path: "en/guides/a.md".to_owned(), text: "+++\ntitle = \"x\"\n".to_owned() };
    check_err(&[open], "not closed");
    check_err(
        &[page("", ""), source("en/guides/b.md", "order = 1", "")],
        "order 1 is already used",
    );
}

#[test]
fn rejects_markdown_that_breaks_the_format() {
    check_err(&[page("", "# Title again\n")], "en/guides/a.md:10: no `# ` headings");
    check_err(&[page("", "## A\n\n## A\n")], "heading id #a is already used");
    check_err(&[page("", "Hi <b>there</b>\n")], "raw HTML is not allowed");
    check_err(&[page("", "```rust\nfn main() {}\n```\n")], "code blocks are fenced with one of");
    let faq = |body| source("en/faq/f.md", "order = 1\nkind = \"faq\"", body);
    check_err(&[faq("## Not a question\n")], "ends with `?` or `？`");
    check_err(&[faq("## Why?\n\n### Detail\n")], "FAQ pages use only `## ` headings");
}

#[test]
fn can_highlight_each_fence_language() {
    let html = |lang, code| {
        let mut out = String::new();
        highlight::highlight(lang, code, &mut out);
        out
    };
    assert_eq!(
        html(
            "http",
            "POST /api/v1/auth/getToken HTTP/1.1\nContent-Type: application/json\n\n{\"a\": 1}"
        ),
        "<span class=\"tok-keyword\">POST</span> /api/v1/auth/getToken HTTP/1.1\n\
         <span class=\"tok-key\">Content-Type</span>: application/json\n\n\
         {<span class=\"tok-key\">&quot;a&quot;</span>: <span class=\"tok-number\">1</span>}"
    );
    assert_eq!(
        html("http", "HTTP/1.1 302 Found"),
        "HTTP/1.1 <span class=\"tok-number\">302</span> Found"
    );
    assert_eq!(
        html("bash", "export KEY=\"$SECRET\" # note\ncurl https://x/#a"),
        "<span class=\"tok-keyword\">export</span> KEY=<span class=\"tok-string\">&quot;$SECRET&quot;</span> \
         <span class=\"tok-comment\"># note</span>\ncurl https://x/#a"
    );
    assert_eq!(
        html("python", "def f(x):\n    return None  # done"),
        "<span class=\"tok-keyword\">def</span> f(x):\n    <span class=\"tok-keyword\">return</span> \
         <span class=\"tok-literal\">None</span>  <span class=\"tok-comment\"># done</span>"
    );
    assert_eq!(
        html("javascript", "const s = `a${b}`; /* c */ x.true"),
        "<span class=\"tok-keyword\">const</span> s = <span class=\"tok-string\">`a${b}`</span>; \
         <span class=\"tok-comment\">/* c */</span> x.true"
    );
    assert_eq!(
        html("java", "String s = \"a\\\"b\"; // c"),
        "String s = <span class=\"tok-string\">&quot;a\\&quot;b&quot;</span>; <span class=\"tok-comment\">// c</span>"
    );
    assert_eq!(
        html("csharp", "var n = 0x1F;"),
        "<span class=\"tok-keyword\">var</span> n = <span class=\"tok-number\">0x1F</span>;"
    );
    assert_eq!(html("text", "<x>"), "&lt;x&gt;");
}

#[test]
fn can_serialise_a_bundle_without_the_search_text() {
    let pages = check_ok(&[page("tags = [\"openID\"]", "Body.\n")]);
    let bundle = Bundle::new("en", &pages);
    let json = serde_json::to_string(&bundle).expect("serialises");
    assert!(!json.contains("\"text\""), "{json}");
    assert!(json.contains("\"kind\":\"page\"") && json.contains("\"tags\":[\"openID\"]"), "{json}");
    let back: Bundle = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(back.pages[0].html, pages[0].html);
    assert!(Bundle::new("zh-HK", &pages).pages.is_empty());
}

#[test]
fn can_load_a_folder_and_ignore_files_outside_the_languages() {
    let dir = std::env::temp_dir().join(format!("content-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("en/guides")).expect("mkdir");
    std::fs::create_dir_all(dir.join("assets")).expect("mkdir");
    std::fs::write(dir.join("README.md"), "not a page").expect("write");
    std::fs::write(dir.join("assets/x.svg"), "<svg/>").expect("write");
    std::fs::write(dir.join("en/guides/a.md"), page("", "![x](/assets/x.svg)\n").text)
        .expect("write");
    let pages = load(&dir);
    std::fs::write(dir.join("en/guides/notes.txt"), "").expect("write");
    let stray = load(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(pages.expect("loads").len(), 1);
    assert!(
        stray.expect_err("stray file").to_string().contains("en/guides/notes.txt: unexpected file")
    );
}

#[test]
fn can_render_the_real_content_tree() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    let pages = load(&dir).unwrap_or_else(|e| panic!("content/ does not render: {e}"));
    assert!(pages.iter().any(|p| p.meta.lang == "en"));
    for p in &pages {
        assert!(!p.html.is_empty() || !p.parts.is_empty(), "{} renders empty", p.url);
    }
}
