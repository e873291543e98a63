//! The portal in a real Chromium: every section renders, and the browser signs like native code.

use std::time::Duration;

use anyhow::ensure;
use fantoccini::{Client, Locator};
use protocol::{SIGNATURE_METHOD, SignatureInput};

use crate::{browser::Browser, sandbox::Sandbox};

const WAIT: Duration = Duration::from_secs(15);

async fn wait_for_heading(c: &Client, text: &str) -> anyhow::Result<()> {
    let xpath = format!("//h1[normalize-space()=\"{text}\"]");
    c.wait().at_most(WAIT).for_element(Locator::XPath(&xpath)).await?;
    Ok(())
}

/// Waits until the element's text no longer starts with `placeholder` (rendering is async).
async fn wait_for_text_change(c: &Client, id: &str, placeholder: &str) -> anyhow::Result<String> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let text = c.find(Locator::Id(id)).await?.text().await?;
        if !text.starts_with(placeholder) || std::time::Instant::now() > deadline {
            return Ok(text);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn every_section_is_reachable_from_the_navigation() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let home = sandbox.url("/");
    let sections = [
        ("Things to Know", "/things-to-know", "Things to Know"),
        ("Use Cases", "/use-cases", "Use Cases"),
        ("APIs", "/apis", "APIs"),
        ("Helpdesk", "/helpdesk", "Helpdesk"),
        ("FAQ", "/faq", "Frequently Asked Questions"),
        ("About", "/about", "About the sandbox programme"),
        ("Sign in", "/sign-in", "Sign in"),
        ("Home", "/", "Welcome to iAM Smart Sandbox"),
    ];
    Browser::start()
        .await?
        .scenario("every_section", |c| async move {
            c.goto(&home).await?;
            wait_for_heading(&c, sections[7].2).await?;
            for (link, path, heading) in sections {
                let nav = c.find(Locator::Css("nav.site-nav")).await?;
                nav.find(Locator::LinkText(link)).await?.click().await?;
                wait_for_heading(&c, heading).await?;
                let url = c.current_url().await?;
                ensure!(url.path() == path, "clicking {link:?} led to {url}, not {path}");
                let current = nav.find(Locator::Css("a[aria-current=page]")).await?.text().await?;
                ensure!(
                    current == link,
                    "{link:?} is not marked as the current section ({current:?} is)"
                );
            }
            Ok(())
        })
        .await?;
    sandbox.stop().await
}

#[tokio::test]
async fn deep_links_and_unknown_pages_render_in_the_browser() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let (deep, unknown) = (sandbox.url("/apis/signature"), sandbox.url("/no/such/page"));
    Browser::start()
        .await?
        .scenario("deep_links", |c| async move {
            c.goto(&deep).await?;
            wait_for_heading(&c, "Request signature calculator").await?;
            c.goto(&unknown).await?;
            wait_for_heading(&c, "Page not found").await?;
            Ok(())
        })
        .await?;
    sandbox.stop().await
}

#[tokio::test]
async fn browser_signature_equals_native_signature() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let url = sandbox.url("/");
    let (client_id, secret, timestamp, nonce) = (
        "3f2a9c0e5b7d4e1f8a6c2b9d0e4f7a15",
        "s3cr3t+/=ünïcode",
        "1764316800123",
        "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
    );
    let body = r#"{"content":"AAAADKq+/w=="}"#;
    let expected = protocol::sign(
        secret,
        &SignatureInput {
            client_id,
            signature_method: SIGNATURE_METHOD,
            timestamp,
            nonce,
            body: body.as_bytes(),
        },
    );
    Browser::start()
        .await?
        .scenario("browser_signature", |c| async move {
            c.goto(&url).await?;
            c.wait()
                .at_most(WAIT)
                .for_element(Locator::LinkText("compute a request signature in your browser"))
                .await?
                .click()
                .await?;
            wait_for_heading(&c, "Request signature calculator").await?;
            for (id, value) in [
                ("client-id", client_id),
                ("secret", secret),
                ("timestamp", timestamp),
                ("nonce", nonce),
                ("body", body),
            ] {
                let field = c.find(Locator::Id(id)).await?;
                field.clear().await?;
                field.send_keys(value).await?;
            }
            c.find(Locator::Id("compute")).await?.click().await?;
            let shown = wait_for_text_change(&c, "signature", "Press").await?;
            ensure!(
                shown.trim() == expected,
                "browser computed {shown:?}, native computed {expected:?}"
            );
            let message = c.find(Locator::Id("message")).await?.text().await?;
            let canonical = format!("{client_id}{SIGNATURE_METHOD}{timestamp}{nonce}{body}");
            ensure!(message.trim() == canonical, "signed string shown as {message:?}");
            Ok(())
        })
        .await?;
    sandbox.stop().await
}
