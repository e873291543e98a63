//! The login journey in a real Chromium: the QR page in one tab, the simulated app in another.

use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use fantoccini::Locator;
use protocol::content::ContentMode;

use crate::{browser::Browser, eservice::EService, sandbox::Sandbox};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn qr_page_follows_the_approval_made_in_a_second_tab() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let es = EService::register(&sandbox, ContentMode::Plain, &[]).await?;
    let login_url = es.get_qr_url("PC_Browser", &[]);
    let inbox = es.inbox();
    Browser::start()
        .await?
        .scenario("qr_page_and_app", |c| async move {
            c.goto(&login_url).await?;
            let link = c.wait().at_most(WAIT).for_element(Locator::Id("open-app")).await?;
            let app_url = link.attr("href").await?.context("the app link has no href")?;
            let page = c.window().await?;

            // The phone: a second tab on the QR code's URL.
            let tab = c.new_window(true).await?;
            c.switch_to_window(tab.handle).await?;
            c.goto(&app_url).await?;
            let persona = c.wait().at_most(WAIT).for_element(Locator::Id("persona")).await?;
            persona.select_by_value("chan-tai-man").await?;
            c.find(Locator::Css("button[value=open]")).await?.click().await?;
            c.wait().at_most(WAIT).for_element(Locator::Id("approve")).await?.click().await?;
            let outcome = c.wait().at_most(WAIT).for_element(Locator::Id("outcome")).await?;
            ensure!(outcome.text().await?.contains("D00000"), "the app did not approve");

            // The first tab, polling, lands on the redirect URI with a code.
            c.switch_to_window(page).await?;
            let deadline = Instant::now() + WAIT;
            loop {
                let url = c.current_url().await?;
                if url.as_str().starts_with(&inbox) {
                    let code =
                        url.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned());
                    ensure!(code.is_some_and(|c| c.len() == 32), "no code in {url}");
                    let state =
                        url.query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned());
                    ensure!(state.as_deref() == Some("st4te"), "state not echoed in {url}");
                    break;
                }
                ensure!(Instant::now() < deadline, "the QR page never left {url}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            c.wait().at_most(WAIT).for_element(Locator::Id("param-code")).await?;
            Ok(())
        })
        .await?;
    sandbox.stop().await
}
