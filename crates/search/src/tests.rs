//! Tokenizer, query parsing, snippets and ranking on a small fixture index; the relevance table
//! against the real content lives in `tests/relevance.rs`.

mod relevance;

use std::{collections::HashSet, sync::LazyLock};

use crate::{
    Doc, Index, Query, Searcher, blob,
    query::{self, Mark, Parsed},
    snippet::{self, Marks, snippet},
    tokenizer::{Kind, tokenize},
};

fn tokens(text: &str, stem: bool) -> Vec<(String, usize, Kind)> {
    let mut res = Vec::new();
    tokenize(text, stem, |t| res.push((t.text, t.position, t.kind)));
    res
}

#[test]
fn can_tokenize_latin_words_lowercased_and_stemmed() {
    let got: Vec<_> = tokens("Signing the getToken requests, D20006!", true)
        .into_iter()
        .map(|(t, p, _)| (t, p))
        .collect();
    let want = [("sign", 0), ("the", 1), ("gettoken", 2), ("request", 3), ("d20006", 4)];
    assert_eq!(got, want.map(|(t, p)| (t.to_owned(), p)));
    let raw: Vec<_> = tokens("Signing", false).into_iter().map(|(t, _, _)| t).collect();
    assert_eq!(raw, ["signing"]);
}

#[test]
fn can_tokenize_cjk_runs_as_bigrams_and_a_last_character() {
    let got = tokens("用智方便登入", false);
    let texts: Vec<_> = got.iter().map(|(t, p, k)| (t.as_str(), *p, *k)).collect();
    let pair = Kind::HanPair;
    assert_eq!(
        texts,
        [
            ("用智", 0, pair),
            ("智方", 1, pair),
            ("方便", 2, pair),
            ("便登", 3, pair),
            ("登入", 4, pair),
            ("入", 5, Kind::Han)
        ]
    );
}

#[test]
fn can_tokenize_mixed_text_and_skip_cjk_punctuation() {
    let got: Vec<_> =
        tokens("以 getToken 取得，存取權杖。OK", true).into_iter().map(|(t, _, _)| t).collect();
    assert_eq!(got, ["以", "gettoken", "取得", "得", "存取", "取權", "權杖", "杖", "ok"]);
}

#[test]
fn drops_words_longer_than_forty_bytes() {
    let long = "a".repeat(41);
    assert_eq!(tokens(&format!("x {long} y"), false).len(), 2);
}

#[test]
fn can_parse_queries_into_words_and_cjk_runs() {
    let parsed = query::parse("數碼簽署 sign 碼 PDF", true, 12);
    assert_eq!(
        parsed,
        [
            Parsed::Han("數碼簽署".into()),
            Parsed::Word { raw: "sign".into(), prefix: false },
            Parsed::Han("碼".into()),
            Parsed::Word { raw: "pdf".into(), prefix: true },
        ]
    );
    assert_eq!(query::parse("pdf ", true, 12), [Parsed::Word { raw: "pdf".into(), prefix: false }]);
    assert_eq!(query::parse("a a b", false, 12).len(), 2);
    assert_eq!(query::parse("a b c", false, 2).len(), 2);
}

#[test]
fn stopwords_are_sorted_for_binary_search() {
    assert!(query::is_stopword("the") && query::is_stopword("your") && query::is_stopword("a"));
    assert!(!query::is_stopword("token"));
}

#[test]
fn can_tell_words_one_edit_apart() {
    for (a, b) in [("signature", "sigature"), ("token", "toekn"), ("scope", "scopes"), ("ab", "ab")]
    {
        assert!(query::within_one_edit(a, b), "{a} {b}");
    }
    for (a, b) in [("signature", "sgnatur"), ("token", "taken1"), ("abc", "cab")] {
        assert!(!query::within_one_edit(a, b), "{a} {b}");
    }
}

#[track_caller]
fn check_snippet(text: &str, marks: &[Mark], want: Option<&str>) {
    let units: Vec<&[Mark]> = marks.iter().map(std::slice::from_ref).collect();
    assert_eq!(snippet(text, &Marks::new(units)).as_deref(), want);
}

#[test]
fn snippets_mark_whole_words_in_any_case_and_next_to_cjk() {
    let sign = [Mark::Term("sign".to_owned())];
    let text = "Signing, resigned, SIGNED, sign-in, 用sign登入, signatures";
    let want = "<mark>Signing</mark>, resigned, <mark>SIGNED</mark>, <mark>sign</mark>-in, \
                用<mark>sign</mark>登入, signatures";
    check_snippet(text, &sign, Some(want));
    // A word longer than the tokenizer keeps is no token, even if it starts like one.
    let long = format!("sign{} sign", "a".repeat(40));
    check_snippet(&long, &sign, Some("…<mark>sign</mark>"));
    check_snippet("手簽與簽", &[Mark::Char('簽')], Some("手<mark>簽</mark>與<mark>簽</mark>"));
}

#[test]
fn can_make_snippets_with_marks_around_stemmed_and_cjk_matches() {
    let words = [Mark::Term("sign".into()), Mark::Term("token".into())];
    let text = "First line.\nYour server signs the request and gets a <token>.";
    let want = "…Your server <mark>signs</mark> the request and gets a &lt;<mark>token</mark>&gt;.";
    check_snippet(text, &words, Some(want));
    let bigrams = ["數碼", "碼簽", "簽署"].map(|b| Mark::Term(b.into()));
    check_snippet("使用數碼簽署功能", &bigrams, Some("使用<mark>數碼簽署</mark>功能"));
    check_snippet("碼是密碼", &[Mark::Char('碼')], Some("<mark>碼</mark>是密<mark>碼</mark>"));
    check_snippet("nothing here", &bigrams, None);
    let long = format!("{} needle {}", "word ".repeat(100), "tail ".repeat(100));
    let needle = [Mark::Term("needl".into())];
    let got = snippet(&long, &Marks::new([&needle[..]])).expect("found");
    assert!(
        got.starts_with('…') && got.ends_with('…') && got.contains("<mark>needle</mark>"),
        "{got}"
    );
    let plain = got.replace("<mark>", "").replace("</mark>", "");
    assert!(plain.chars().count() <= snippet::LENGTH + 2, "{got}");
}

#[test]
fn rejects_blobs_that_are_not_indexes() {
    assert!(Searcher::open(b"nope").is_err());
    let blob = blob::pack(&[("a".into(), vec![1, 2, 3])]);
    assert_eq!(blob::unpack(&blob).expect("unpacks"), [("a", &[1u8, 2, 3][..])]);
    assert!(blob::unpack(&blob[..blob.len() - 1]).is_err());
    assert!(Searcher::open(&blob).is_err());
}

fn doc(url: &str, lang: &str, section: &str, title: &str, headings: &[&str], body: &str) -> Doc {
    Doc {
        url: url.into(),
        lang: lang.into(),
        section: section.into(),
        title: title.into(),
        headings: headings.iter().map(|h| (*h).to_owned()).collect(),
        body: body.into(),
        summary: format!("Summary of {title}."),
    }
}

static FIXTURE: LazyLock<Searcher> = LazyLock::new(|| {
    let docs = [
        doc(
            "/guides/signing",
            "en",
            "guides",
            "Digital signing",
            &["Sign a PDF"],
            "Your service asks the user to sign a document hash. The signature comes back in the callback.",
        ),
        doc(
            "/guides/login",
            "en",
            "guides",
            "Your first login",
            &["Redirect to getQR"],
            "The user scans the QR code and your server exchanges the authorisation code for an access token.",
        ),
        doc(
            "/faq/tokens#how-long",
            "en",
            "faq",
            "How long does an access token last?",
            &[],
            "Access tokens expire after four hours; authorisation codes after ten minutes.",
        ),
        doc(
            "/things-to-know/scopes",
            "en",
            "things-to-know",
            "Scopes and tokens",
            &["Authorisation code"],
            "Each scope grants one API. Tokens carry the scopes that the user approved.",
        ),
        doc(
            "/guides/signing",
            "zh-HK",
            "guides",
            "數碼簽署",
            &["簽署PDF"],
            "網上服務請用戶以智方便+簽署文件。簽署結果經回調送回。",
        ),
        doc(
            "/faq/tokens#how-long",
            "zh-HK",
            "faq",
            "存取權杖有效多久？",
            &[],
            "存取權杖四小時後失效，授權碼十分鐘後失效。",
        ),
        doc(
            "/guides/login",
            "zh-HK",
            "guides",
            "第一次以智方便登入",
            &[],
            "用戶掃描二維碼，網上服務以授權碼換取存取權杖。",
        ),
    ];
    let blob = Index::build(&docs).expect("builds");
    Searcher::open(&blob).expect("opens")
});

#[test]
fn can_build_an_index_of_one_segment_into_one_blob() {
    let docs: Vec<Doc> = (0..50)
        .map(|i| doc(&format!("/guides/g{i}"), "en", "guides", "Title", &[], "body text"))
        .collect();
    let blob = Index::build(&docs).expect("builds");
    let files = blob::unpack(&blob).expect("unpacks");
    let segments: HashSet<&str> =
        files.iter().filter_map(|(name, _)| name.split_once('.')).map(|(id, _)| id).collect();
    assert_eq!(segments.len(), 2, "one segment plus meta.json: {segments:?}");
    assert_eq!(Searcher::open(&blob).expect("opens").num_docs(), 50);
}

#[track_caller]
fn check(text: &str, lang: Option<&str>, want: &[&str]) {
    let q = Query { text, lang, ..Query::default() };
    let hits = FIXTURE.search(&q).expect("searches");
    let got: Vec<String> = hits.iter().map(|h| format!("{} {}", h.lang, h.url)).collect();
    assert_eq!(got, want, "query {text:?}");
}

#[test]
fn can_rank_title_matches_above_body_matches() {
    check("signing", Some("en"), &["en /guides/signing"]);
    check(
        "tokens",
        Some("en"),
        &["en /things-to-know/scopes", "en /faq/tokens#how-long", "en /guides/login"],
    );
}

#[test]
fn can_require_every_word_then_fall_back_to_any() {
    check("access token hours", Some("en"), &["en /faq/tokens#how-long"]);
    let q = Query { text: "signature zebra", lang: Some("en"), ..Query::default() };
    let hits = FIXTURE.search(&q).expect("searches");
    assert_eq!(hits.first().map(|h| h.url.as_str()), Some("/guides/signing"));
}

#[test]
fn can_complete_the_last_word_as_you_type() {
    check(
        "authoris",
        Some("en"),
        &["en /things-to-know/scopes", "en /faq/tokens#how-long", "en /guides/login"],
    );
    check("sig", Some("en"), &["en /guides/signing"]);
    // A finished word is not completed.
    check("sig ", Some("en"), &[]);
}

#[test]
fn can_tolerate_one_typo_in_longer_words() {
    check("signatrue", Some("en"), &["en /guides/signing"]);
    check("scopse", Some("en"), &["en /things-to-know/scopes"]);
}

#[test]
fn can_search_traditional_chinese_by_phrase_and_by_character() {
    check("數碼簽署", Some("zh-HK"), &["zh-HK /guides/signing"]);
    check("授權碼", Some("zh-HK"), &["zh-HK /faq/tokens#how-long", "zh-HK /guides/login"]);
    check("智方便", None, &["zh-HK /guides/login", "zh-HK /guides/signing"]);
    check("杖", Some("zh-HK"), &["zh-HK /faq/tokens#how-long", "zh-HK /guides/login"]);
}

#[test]
fn can_filter_by_language_and_section() {
    let q = Query { text: "token", lang: Some("en"), section: Some("faq"), limit: 10 };
    let hits = FIXTURE.search(&q).expect("searches");
    assert_eq!(hits.iter().map(|h| h.url.as_str()).collect::<Vec<_>>(), ["/faq/tokens#how-long"]);
    let q = Query { text: "token", limit: usize::MAX, ..Query::default() };
    assert!(FIXTURE.search(&q).expect("searches").len() <= 100);
    let q = Query { text: "PDF", limit: 10, ..Query::default() };
    let langs: HashSet<_> =
        FIXTURE.search(&q).expect("searches").into_iter().map(|h| h.lang).collect();
    assert_eq!(langs, ["en".to_owned(), "zh-HK".to_owned()].into());
}

#[test]
fn can_return_hits_with_titles_and_marked_snippets() {
    let q = Query { text: "callback", lang: Some("en"), ..Query::default() };
    let hit = &FIXTURE.search(&q).expect("searches")[0];
    assert_eq!(hit.title, "Digital signing");
    assert_eq!(hit.section, "guides");
    assert!(hit.snippet.contains("<mark>callback</mark>"), "{}", hit.snippet);
    // A title-only match shows the summary.
    let q = Query { text: "first", lang: Some("en"), ..Query::default() };
    assert_eq!(FIXTURE.search(&q).expect("searches")[0].snippet, "Summary of Your first login.");
}

#[test]
fn can_deflect_an_enquiry_to_faq_answers_and_guides() {
    let hits = FIXTURE
        .deflect("Hi, my access token stopped working after a few hours, what is wrong?", "en", 2)
        .expect("deflects");
    assert_eq!(hits[0].url, "/faq/tokens#how-long");
    assert!(hits.iter().all(|h| h.section == "faq" || h.section == "guides"));
    let hits = FIXTURE.deflect("存取權杖多久失效", "zh-HK", 3).expect("deflects");
    assert_eq!(hits[0].url, "/faq/tokens#how-long");
    assert!(FIXTURE.deflect("", "en", 3).expect("deflects").is_empty());
}
