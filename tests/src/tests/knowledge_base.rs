//! The knowledge base in a real Chromium: search as you type in both languages, FAQ deep links,
//! the slide viewer's keyboard, the remembered language, and a search that loads only when used.

use std::time::Duration;

use anyhow::{bail, ensure};
use fantoccini::{
    Client, Locator,
    actions::{InputSource as _, KeyAction, KeyActions},
    key::Key,
};
use serde_json::Value;

use crate::{browser::Browser, sandbox::Sandbox};

const WAIT: Duration = Duration::from_secs(15);

async fn wait_for_heading(c: &Client, text: &str) -> anyhow::Result<()> {
    let xpath = format!("//h1[normalize-space()=\"{text}\"]");
    c.wait().at_most(WAIT).for_element(Locator::XPath(&xpath)).await?;
    Ok(())
}

/// Presses and releases one key, sent to whatever has the focus (the page, if nothing has).
async fn press(c: &Client, key: char) -> anyhow::Result<()> {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    c.perform_actions(keys).await?;
    Ok(())
}

/// Polls `script` (a function body returning JSON) until `done` accepts its value.
async fn wait_until(
    c: &Client,
    what: &str,
    script: &str,
    done: impl Fn(&Value) -> bool,
) -> anyhow::Result<Value> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let value = c.execute(script, vec![]).await?;
        if done(&value) {
            return Ok(value);
        }
        if std::time::Instant::now() > deadline {
            bail!("timed out waiting for {what}; last saw {value}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The search results as `[{href, text, marks}]`: `marks` are the highlighted words.
const RESULTS: &str = "return [...document.querySelectorAll('#search-results a.hit')].map(a => ({
    href: a.getAttribute('href'),
    text: a.textContent,
    marks: [...a.querySelectorAll('.hit-snippet mark')].map(m => m.textContent),
}));";

/// Types `query` into the search box and waits for a highlighted hit whose link starts with
/// `expected`; returns that hit.
async fn search_for(c: &Client, query: &str, expected: &str) -> anyhow::Result<Value> {
    let input = c.find(Locator::Id("search")).await?;
    input.clear().await?;
    input.send_keys(query).await?;
    let hits = wait_until(c, &format!("a hit for {query:?} leading to {expected}"), RESULTS, |v| {
        hit_for(v, expected).is_some()
    })
    .await?;
    let hit = hit_for(&hits, expected).cloned().unwrap_or_default();
    let marks = hit["marks"].as_array().map(Vec::len).unwrap_or(0);
    ensure!(marks > 0, "the hit for {query:?} highlights nothing: {hit}");
    Ok(hit)
}

fn hit_for<'a>(hits: &'a Value, expected: &str) -> Option<&'a Value> {
    hits.as_array()?
        .iter()
        .take(3)
        .find(|h| h["href"].as_str().is_some_and(|u| u.starts_with(expected)))
}

#[tokio::test]
async fn search_box_finds_pages_with_highlights_in_both_languages() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let home = sandbox.url("/");
    Browser::start()
        .await?
        .scenario("kb_search", |c| async move {
            c.goto(&home).await?;
            wait_for_heading(&c, "Welcome to iAM Smart Sandbox").await?;

            // `/` focuses the box from anywhere on the page.
            press(&c, '/').await?;
            let focused = c.active_element().await?.attr("id").await?;
            ensure!(
                focused.as_deref() == Some("search"),
                "`/` focused {focused:?}, not the search box"
            );

            let hit = search_for(&c, "tokenised", "/things-to-know/tokenised-id").await?;
            let marks = hit["marks"].to_string().to_lowercase();
            ensure!(marks.contains("tokenised"), "\"tokenised\" is not what is highlighted: {hit}");
            ensure!(hit["text"].as_str().is_some_and(|t| t.contains("Tokenised ID")), "{hit}");

            // Esc closes the results.
            c.find(Locator::Id("search")).await?.send_keys(&Key::Escape.to_string()).await?;
            wait_until(&c, "the results to close", RESULTS, |v| {
                v.as_array().is_some_and(Vec::is_empty)
            })
            .await?;

            // In Traditional Chinese the same box searches the Chinese pages.
            c.find(Locator::Id("lang-zh-HK")).await?.click().await?;
            wait_for_heading(&c, "歡迎使用智方便沙盒").await?;
            let hit = search_for(&c, "授權碼", "/faq/login-and-tokens#").await?;
            ensure!(
                hit["marks"].to_string().contains("授權碼"),
                "授權碼 is not highlighted: {hit}"
            );
            search_for(&c, "智方便", "/things-to-know/iam-smart-accounts").await?;

            // A result leads to its page, client-side.
            let link =
                c.find(Locator::Css("a.hit[href^='/things-to-know/iam-smart-accounts']")).await?;
            link.click().await?;
            wait_for_heading(&c, "智方便帳戶").await?;
            Ok(())
        })
        .await?;
    sandbox.stop().await
}

#[tokio::test]
async fn faq_deep_link_opens_and_shows_the_question() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let id = "how-long-is-the-authorisation-code-valid";
    let (faq, group) =
        (sandbox.url(&format!("/faq#{id}")), sandbox.url("/faq/encryption-and-keys"));
    Browser::start()
        .await?
        .scenario("kb_faq_deep_link", |c| async move {
            c.goto(&faq).await?;
            wait_for_heading(&c, "Frequently Asked Questions").await?;
            let script = format!(
                "const d = document.getElementById('{id}');
                 if (!d) return null;
                 const r = d.getBoundingClientRect();
                 return {{ tag: d.tagName, open: d.open, top: r.top, height: innerHeight,
                          closed: document.querySelectorAll('details.faq-item:not([open])').length }};"
            );
            let seen = wait_until(&c, "the question to open in view", &script, |v| {
                v["open"] == true && v["top"].as_f64().is_some_and(|t| (0.0..200.0).contains(&t))
            })
            .await?;
            ensure!(seen["tag"] == "DETAILS", "{seen}");
            ensure!(seen["closed"].as_u64().unwrap_or(0) >= 39, "other questions are open: {seen}");

            // A question's summary toggles it.
            let summary = c.find(Locator::Css(&format!("details[id='{id}'] > summary"))).await?;
            summary.click().await?;
            let open = c.execute(&format!("return document.getElementById('{id}').open"), vec![]).await?;
            ensure!(open == false, "clicking the summary did not close the question");

            // A group link (where links to /faq/<group> lead) scrolls to the group.
            c.goto(&group).await?;
            wait_until(
                &c,
                "the group in view",
                "const g = document.getElementById('encryption-and-keys');
                 return g && Math.abs(g.getBoundingClientRect().top) < 100;",
                |v| v == true,
            )
            .await?;
            Ok(())
        })
        .await?;
    sandbox.stop().await
}

#[tokio::test]
async fn slide_viewer_moves_with_the_keyboard_and_links_to_slides() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let (deck, third) = (
        sandbox.url("/use-cases/authentication"),
        sandbox.url("/use-cases/authentication#app-two-devices"),
    );
    Browser::start()
        .await?
        .scenario("kb_slides", |c| async move {
            const STATE: &str =
                "return { counter: document.getElementById('slide-counter')?.textContent,
                title: document.querySelector('.slide-title')?.textContent, hash: location.hash };";
            c.goto(&deck).await?;
            wait_for_heading(&c, "Authentication and re-authentication").await?;
            let first = wait_until(&c, "slide 1", STATE, |v| {
                v["counter"].as_str().is_some_and(|s| s.starts_with("Slide 1 of "))
            })
            .await?;
            ensure!(first["title"] == "Website, two devices", "{first}");

            press(&c, Key::Right.into()).await?;
            let second = wait_until(&c, "slide 2", STATE, |v| {
                v["counter"].as_str().is_some_and(|s| s.starts_with("Slide 2 of "))
            })
            .await?;
            ensure!(second["title"] == "Website, same phone", "{second}");
            ensure!(
                second["hash"] == "#website-same-phone",
                "the URL does not name slide 2: {second}"
            );

            press(&c, Key::Left.into()).await?;
            wait_until(&c, "slide 1 again", STATE, |v| v["title"] == "Website, two devices")
                .await?;
            press(&c, Key::Left.into()).await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let still = c.execute(STATE, vec![]).await?;
            ensure!(
                still["title"] == "Website, two devices",
                "← moved before the first slide: {still}"
            );

            c.find(Locator::Id("slide-next")).await?.click().await?;
            wait_until(&c, "slide 2 by button", STATE, |v| v["title"] == "Website, same phone")
                .await?;

            // A deep link opens its slide.
            c.goto(&third).await?;
            let deep = wait_until(&c, "the linked slide", STATE, |v| {
                v["title"].as_str().is_some_and(|t| t.starts_with("App, two devices"))
            })
            .await?;
            ensure!(
                deep["counter"].as_str().is_some_and(|s| s.starts_with("Slide 3 of ")),
                "{deep}"
            );
            Ok(())
        })
        .await?;
    sandbox.stop().await
}

#[tokio::test]
async fn language_choice_survives_a_reload() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let faq = sandbox.url("/faq");
    Browser::start()
        .await?
        .scenario("kb_language", |c| async move {
            c.goto(&faq).await?;
            wait_for_heading(&c, "Frequently Asked Questions").await?;
            let lang = c.execute("return document.documentElement.lang", vec![]).await?;
            ensure!(lang == "en", "<html lang={lang}> before switching");

            c.find(Locator::Id("lang-zh-HK")).await?.click().await?;
            wait_for_heading(&c, "常見問題").await?;
            c.refresh().await?;
            wait_for_heading(&c, "常見問題").await?;
            let lang = c.execute("return document.documentElement.lang", vec![]).await?;
            ensure!(lang == "zh-HK", "<html lang={lang}> after the reload");
            let nav = c.find(Locator::Css("nav.site-nav")).await?.text().await?;
            ensure!(
                nav.contains("須知事項") && nav.contains("登入"),
                "the navigation is not in Chinese: {nav}"
            );
            let pressed =
                c.find(Locator::Css(".lang-switch [aria-pressed=true]")).await?.text().await?;
            ensure!(pressed == "繁中", "the switch shows {pressed:?} as chosen");

            // And back.
            c.find(Locator::Id("lang-en")).await?.click().await?;
            wait_for_heading(&c, "Frequently Asked Questions").await?;
            c.refresh().await?;
            wait_for_heading(&c, "Frequently Asked Questions").await?;
            Ok(())
        })
        .await?;
    sandbox.stop().await
}

/// The portal's search loader (`crates/portal/src/search.js`, a wasm-bindgen snippet that every
/// page imports, holding no search bytes): the same module instance the page uses, then `js` run
/// with it as `loader`; resolves to what `js` returns.
fn with_loader(js: &str) -> String {
    format!(
        "const url = performance.getEntriesByType('resource').map(e => e.name)
            .find(n => new URL(n).pathname.startsWith('/snippets/') && n.endsWith('/src/search.js'));
        if (!url) return 'no loader';
        return import(url).then(async (loader) => {{ {js} }});"
    )
}

/// A page that does not search loads no search bytes and warms nothing up; the first keystroke
/// loads the engine and the index once, and the warm-up then runs (after the index opened: it
/// starts from there) without fetching anything; results still come with highlights after it.
#[tokio::test]
async fn home_loads_no_search_bytes_until_the_reader_searches() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let home = sandbox.url("/");
    Browser::start()
        .await?
        .scenario("kb_lazy_search", |c| async move {
            const RESOURCES: &str =
                "return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname);";
            c.goto(&home).await?;
            wait_for_heading(&c, "Welcome to iAM Smart Sandbox").await?;
            // Give late requests a chance to show up.
            tokio::time::sleep(Duration::from_millis(500)).await;
            let loaded = c.execute(RESOURCES, vec![]).await?;
            let paths: Vec<&str> =
                loaded.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            ensure!(paths.contains(&"/kb/pages.en.json"), "resource timing saw no bundle: {paths:?}");
            ensure!(
                !paths.iter().any(|p| p.starts_with("/search/")),
                "the home page loaded search files before anyone searched: {paths:?}"
            );
            let warming =
                c.execute(&with_loader("return String(loader.searchWarmedUp());"), vec![]).await?;
            ensure!(warming == "undefined", "a warm-up before anyone searched: {warming}");

            // The first keystroke brings the engine and the index, once.
            c.find(Locator::Id("search")).await?.send_keys("sig").await?;
            let loaded = wait_until(&c, "the search files", RESOURCES, |v| {
                let has = |p: &str| v.as_array().is_some_and(|a| a.iter().any(|x| x == p));
                has("/search/search_wasm_bg.wasm") && has("/search/index.bin")
            })
            .await?;
            wait_until(&c, "results", RESULTS, |v| v.as_array().is_some_and(|a| !a.is_empty())).await?;
            c.find(Locator::Id("search")).await?.send_keys("nature").await?;
            tokio::time::sleep(Duration::from_millis(500)).await;

            // The warm-up ran its passes at idle time (each took some time in the engine).
            let passes =
                c.execute(&with_loader("return await loader.searchWarmedUp();"), vec![]).await?;
            let passes: Vec<f64> = serde_json::from_value(passes.clone())
                .map_err(|e| anyhow::anyhow!("the warm-up answered {passes} ({e})"))?;
            ensure!(
                passes.len() == 2 && passes.iter().all(|ms| *ms > 0.0),
                "the warm-up did not run its two passes: {passes:?}"
            );

            let again = c.execute(RESOURCES, vec![]).await?;
            let count = |v: &Value| {
                v.as_array().map_or(0, |a| a.iter().filter(|x| *x == "/search/index.bin").count())
            };
            ensure!(count(&again) == 1 && count(&loaded) == 1, "the index was fetched again: {again}");
            let searched: Vec<&str> = again
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|p| p.starts_with("/search/"))
                .collect();
            ensure!(searched.len() == 3, "the warm-up fetched more than the engine: {searched:?}");

            // After the warm-up, results still come with highlights.
            let hit = search_for(&c, "tokenised", "/things-to-know/tokenised-id").await?;
            ensure!(hit["marks"].to_string().to_lowercase().contains("tokenised"), "{hit}");
            Ok(())
        })
        .await?;
    sandbox.stop().await
}

#[tokio::test]
async fn links_in_pages_navigate_in_the_app_and_missing_pages_are_not_found() -> anyhow::Result<()>
{
    let sandbox = Sandbox::start().await?;
    let url = |p: &str| sandbox.url(p);
    let (home, missing) =
        (url("/"), [url("/things-to-know/no-such-page"), url("/faq/nope"), url("/nope")]);
    Browser::start()
        .await?
        .scenario("kb_links", |c| async move {
            c.goto(&home).await?;
            wait_for_heading(&c, "Welcome to iAM Smart Sandbox").await?;
            // A full page load would lose this.
            c.execute("window.stillHere = true", vec![]).await?;

            let link = "main .prose a[href='/things-to-know/signature-and-encryption#worked-example']";
            c.find(Locator::Css(link)).await?.click().await?;
            wait_for_heading(&c, "Request signature and content encryption").await?;
            wait_until(
                &c,
                "the linked heading in view",
                "const h = document.getElementById('worked-example');
                 return h && h.getBoundingClientRect().top < 200 && h.getBoundingClientRect().top >= 0;",
                |v| v == true,
            )
            .await?;

            // The table of contents, and a link from the body to another section.
            c.find(Locator::Css("nav.toc a[href='#common-mistakes']")).await?.click().await?;
            wait_until(&c, "the fragment", "return location.hash", |v| v == "#common-mistakes").await?;
            let to = "/things-to-know/scopes-and-tokens#from-code-to-token";
            c.find(Locator::Css(&format!("main .prose a[href='{to}']"))).await?.click().await?;
            wait_for_heading(&c, "Authorisation scopes and access tokens").await?;
            let now = c.current_url().await?;
            ensure!(format!("{}#{}", now.path(), now.fragment().unwrap_or("")) == to, "led to {now}");
            let kept = c.execute("return window.stillHere === true", vec![]).await?;
            ensure!(kept == true, "following links reloaded the page");

            for url in &missing {
                c.goto(url).await?;
                wait_for_heading(&c, "Page not found").await?;
            }
            Ok(())
        })
        .await?;
    sandbox.stop().await
}
