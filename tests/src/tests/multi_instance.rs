//! Two server instances on one PostgreSQL database behave as one sandbox: a login started on
//! one finishes through the other, a nonce spent on one is refused by the other, and each
//! callback is delivered once although both delivery workers run.

use protocol::content::ContentMode;
use serde_json::{Value, json};

use crate::{
    eservice::{EService, redirect_url_query, ticket_of_page},
    http,
    sandbox::Sandbox,
};

/// Two servers sharing a fresh database of the tests' PostgreSQL server.
async fn two_instances(name: &str) -> anyhow::Result<(Sandbox, Sandbox)> {
    let server = server::db::pg_temp::shared()?;
    let url = server.create_database(&format!("{name}_{}", std::process::id()))?;
    let a = Sandbox::start_shared(&url).await?;
    let b = Sandbox::start_shared(&url).await?;
    Ok((a, b))
}

async fn app(sandbox: &Sandbox, ticket: &str, action: Value) -> anyhow::Result<()> {
    let url = sandbox.url(&format!("/sandbox/app/tasks/{ticket}"));
    let res = http::post(&url, &[], action.to_string()).await?;
    anyhow::ensure!(res.status == 200, "app action failed: {} {}", res.status, res.text());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_started_on_one_instance_is_approved_and_redeemed_through_the_other()
-> anyhow::Result<()> {
    let (a, b) = two_instances("login").await?;
    let mut es = EService::register(&a, ContentMode::Encrypted, &[]).await?;
    // The QR page comes from A; the phone's app is served by B.
    let page = http::get(&es.get_qr_url("PC_Browser", &[]), &[]).await?;
    assert_eq!(page.status, 200, "{}", page.text());
    let ticket = ticket_of_page(&page.text())?;
    app(&b, &ticket, json!({ "action": "open", "persona": "chan-tai-man" })).await?;
    app(&b, &ticket, json!({ "action": "approve" })).await?;
    // A's page sees the answer and the code B issued is redeemed on A.
    let status = http::get(&a.url(&format!("/sandbox/qr/{ticket}/status")), &[]).await?.json()?;
    assert_eq!(status["status"], "redirect", "{status}");
    let query = redirect_url_query(status["url"].as_str().unwrap_or_default(), &es.inbox())?;
    let login = es.exchange(query.code.as_deref().unwrap_or_default()).await?;
    assert!(!login.token.is_empty());
    // The code is spent for both.
    let again = es
        .via(&b)
        .post(
            "/api/v1/auth/getToken",
            Some(json!({ "code": query.code, "grantType": "authorization_code" })),
        )
        .await?;
    assert_eq!(again.code, "D40004");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nonce_used_on_one_instance_is_refused_by_the_other() -> anyhow::Result<()> {
    let (a, b) = two_instances("nonce").await?;
    let mut on_a = EService::register(&a, ContentMode::Plain, &[]).await?;
    let mut on_b = on_a.via(&b);
    let body = json!({ "code": "0".repeat(32), "grantType": "authorization_code" }).to_string();
    let headers = on_a.sign(&body);
    let first = on_a.send("/api/v1/auth/getToken", &headers, body.clone(), &[]).await?;
    assert_eq!(first.code, "D40004", "signed and admitted; the code is unknown");
    let replayed = on_b.send("/api/v1/auth/getToken", &headers, body, &[]).await?;
    assert_eq!(replayed.code, "D20004", "the same nonce on the other instance");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_callback_is_delivered_once_with_both_delivery_workers() -> anyhow::Result<()> {
    const N: usize = 24;
    let (a, b) = two_instances("callbacks").await?;
    let mut on_a = EService::register(&a, ContentMode::Plain, &[]).await?;
    let login = on_a.login("chan-tai-man").await?;
    let mut on_b = on_a.via(&b);
    for n in 0..N {
        let body = json!({
            "businessID": format!("biz-{n}"),
            "accessToken": login.token,
            "openID": login.open_id,
            "source": "PC_Browser",
            "redirectURI": on_a.inbox(),
            "profileFields": ["idNo"],
        });
        let es = if n % 2 == 0 { &mut on_a } else { &mut on_b };
        let answer = es
            .post_with(
                "/api/v1/account/auth/profile/initiateRequest",
                Some(body),
                &[("x-sandbox-auto", "approve")],
            )
            .await?;
        assert_eq!(answer.code, "D00000", "{:?}", answer.envelope);
    }
    let callbacks = on_a.wait_callbacks(N).await?;
    // Give a second worker the time it would need to send anything twice.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let callbacks_later = on_a.inbox_callbacks().await?;
    assert_eq!(callbacks_later.len(), N, "no callback arrived twice");
    assert!(callbacks.iter().all(|(code, _)| code == "D00000"));
    let url = a.url(&format!("/sandbox/clients/{}/deliveries?limit=100", on_a.client_id));
    let deliveries: Vec<Value> = serde_json::from_value(http::get(&url, &[]).await?.json()?)?;
    assert_eq!(deliveries.len(), N);
    assert!(
        deliveries.iter().all(|d| d["state"] == "delivered" && d["attempts"] == 1),
        "{deliveries:?}"
    );
    Ok(())
}
