//! The sandbox around the mock platform: the demo e-service of the first run, the admin and
//! runtime-config APIs, the journal, callback replay, and a restart in the middle of a flow.

use protocol::{content::ContentMode, keys::KekPrivateKey};
use serde_json::{Value, json};

use crate::{
    eservice::{EService, admin, redirect_url_query, ticket_of_page},
    http,
    sandbox::Sandbox,
};

#[tokio::test]
async fn first_run_creates_the_well_known_demo_clients() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let [auth] = admin();
    let denied = http::get(&sandbox.url("/sandbox/admin/clients"), &[]).await?;
    assert_eq!(denied.status, 401);
    let wrong =
        http::get(&sandbox.url("/sandbox/admin/clients"), &[("authorization", "Bearer nope")])
            .await?;
    assert_eq!(wrong.status, 401);
    let clients =
        http::get(&sandbox.url("/sandbox/admin/clients"), &[(auth.0, &auth.1)]).await?.json()?;
    let clients = clients.as_array().cloned().unwrap_or_default();
    assert_eq!(clients.len(), 2, "{clients:?}");
    for demo in protocol::demo::CLIENTS {
        let client = clients.iter().find(|c| c["clientID"] == demo.client_id);
        let client = client.ok_or_else(|| anyhow::anyhow!("no {}", demo.client_id))?;
        assert_eq!(client["secret"], demo.secret);
        let mode = match demo.mode {
            ContentMode::Plain => "plain",
            ContentMode::Encrypted => "encrypted",
        };
        assert_eq!(client["contentMode"], mode);
    }

    // The encrypted client's private key is the published one, downloadable without a token.
    let encrypted =
        clients.iter().find(|c| c["contentMode"] == "encrypted").cloned().unwrap_or_default();
    let id = encrypted["clientID"].as_str().unwrap_or_default();
    let url = sandbox.url(&format!("/sandbox/clients/{id}/kek-private.pem"));
    let pem = http::get(&url, &[]).await?;
    assert_eq!(pem.status, 200);
    assert_eq!(pem.text(), protocol::demo::KEK_PRIVATE_PEM);
    let key = KekPrivateKey::from_pem(&pem.text()).map_err(|e| anyhow::anyhow!("{e}"))?;
    assert_eq!(Some(key.kek().to_pem().as_str()), encrypted["kek"].as_str());

    // The demo client can use its inbox as a redirect URI straight away.
    let inbox = sandbox.url(&format!("/sandbox/inbox/{id}"));
    let registered = encrypted["redirectURIs"].as_array().cloned().unwrap_or_default();
    assert!(registered.contains(&Value::String(inbox)), "{registered:?}");

    // The sandbox CA is public, and so are personas and scenarios.
    let ca = http::get(&sandbox.url("/sandbox/ca.pem"), &[]).await?;
    assert!(ca.text().starts_with("-----BEGIN CERTIFICATE-----"));
    let personas = http::get(&sandbox.url("/sandbox/personas"), &[]).await?.json()?;
    assert!(personas.as_array().is_some_and(|p| p.len() >= 10));
    let scenarios = http::get(&sandbox.url("/sandbox/scenarios"), &[]).await?.json()?;
    assert!(scenarios.as_array().is_some_and(|s| s.iter().any(|s| s["name"] == "user-declined")));
    sandbox.stop().await
}

#[tokio::test]
async fn random_demo_clients_are_new_and_their_key_needs_the_admin_token() -> anyhow::Result<()> {
    let sandbox =
        Sandbox::start_with(|args| args.demo_clients = server::DemoClients::Random).await?;
    let [auth] = admin();
    let clients =
        http::get(&sandbox.url("/sandbox/admin/clients"), &[(auth.0, &auth.1)]).await?.json()?;
    let clients = clients.as_array().cloned().unwrap_or_default();
    assert_eq!(clients.len(), 2, "{clients:?}");
    assert!(clients.iter().all(|c| {
        c["clientID"].as_str().is_some_and(|id| protocol::demo::client(id).is_none())
    }));
    let encrypted =
        clients.iter().find(|c| c["contentMode"] == "encrypted").cloned().unwrap_or_default();
    let id = encrypted["clientID"].as_str().unwrap_or_default();
    let url = sandbox.url(&format!("/sandbox/clients/{id}/kek-private.pem"));
    assert_eq!(http::get(&url, &[]).await?.status, 401);
    let pem = http::get(&url, &[(auth.0, &auth.1)]).await?;
    assert_eq!(pem.status, 200);

    // A restart that asks for the well-known clients keeps the random ones of this folder.
    let sandbox =
        sandbox.restart_with(|args| args.demo_clients = server::DemoClients::WellKnown).await?;
    let again =
        http::get(&sandbox.url("/sandbox/admin/clients"), &[(auth.0, &auth.1)]).await?.json()?;
    assert_eq!(again.as_array().map(Vec::len), Some(2));
    assert!(again.as_array().into_iter().flatten().any(|c| c["clientID"] == id));
    let well_known = sandbox
        .url(&format!("/sandbox/clients/{}/kek-private.pem", protocol::demo::ENCRYPTED.client_id));
    assert_eq!(http::get(&well_known, &[]).await?.status, 401, "no well-known client was added");
    sandbox.stop().await
}

#[tokio::test]
async fn admin_api_registers_updates_and_configures_clients() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let [auth] = admin();
    let headers = [(auth.0, auth.1.as_str())];
    let clients = sandbox.url("/sandbox/admin/clients");
    // Encrypted mode needs a key; generateKek makes one whose private half is downloadable.
    let res = http::post(
        &clients,
        &headers,
        json!({ "redirectURIs": ["https://rp.example/cb"] }).to_string(),
    )
    .await?;
    assert_eq!(res.status, 400, "{}", res.text());
    let body =
        json!({ "redirectURIs": ["https://rp.example/cb"], "generateKek": true, "name": "Mine" });
    let res = http::post(&clients, &headers, body.to_string()).await?;
    assert_eq!(res.status, 201, "{}", res.text());
    let created = res.json()?;
    let id = created["clientID"].as_str().unwrap_or_default().to_owned();
    assert_eq!(id.len(), 32);
    assert!(created["secret"].as_str().is_some_and(|s| s.len() >= 32));
    let pem = http::get(&sandbox.url(&format!("/sandbox/clients/{id}/kek-private.pem")), &headers)
        .await?;
    assert_eq!(pem.status, 200);
    let again =
        json!({ "clientID": id, "redirectURIs": ["https://rp.example/cb"], "generateKek": true });
    let res = http::post(&clients, &headers, again.to_string()).await?;
    assert_eq!(res.status, 409, "a clientID registers once: {}", res.text());

    // Runtime settings change at once.
    let settings = sandbox.url(&format!("/sandbox/admin/clients/{id}/settings"));
    let current = http::get(&settings, &headers).await?.json()?;
    assert_eq!(current["autoAnswer"], "manual");
    let change =
        json!({ "persona": "lau-hoi-yee", "autoAnswer": "deny", "scenario": "user-cancelled" });
    let res = http::post(&settings, &headers, change.to_string()).await?;
    assert_eq!(res.status, 200, "{}", res.text());
    let current = http::get(&settings, &headers).await?.json()?;
    assert_eq!(current["persona"], "lau-hoi-yee");
    assert_eq!(current["autoAnswer"], "deny");
    assert_eq!(current["scenario"], "user-cancelled");
    for bad in [
        json!({ "persona": "nobody" }),
        json!({ "scenario": "nothing" }),
        json!({ "autoAnswer": 3 }),
    ] {
        let res = http::post(&settings, &headers, bad.to_string()).await?;
        assert_eq!(res.status, 400, "{bad}: {}", res.text());
    }
    let res =
        http::post(&sandbox.url("/sandbox/admin/clients/nobody/settings"), &headers, "{}").await?;
    assert_eq!(res.status, 404);

    // Updates merge into the stored client.
    let res = http::request(
        hyper::Method::PUT,
        &sandbox.url(&format!("/sandbox/admin/clients/{id}")),
        &headers,
        json!({ "name": "Renamed", "contentMode": "plain" }).to_string().into_bytes(),
    )
    .await?;
    assert_eq!(res.status, 200, "{}", res.text());
    let client =
        http::get(&sandbox.url(&format!("/sandbox/admin/clients/{id}")), &headers).await?.json()?;
    assert_eq!(client["name"], "Renamed");
    assert_eq!(client["contentMode"], "plain");
    assert_eq!(client["redirectURIs"], json!(["https://rp.example/cb"]));
    sandbox.stop().await
}

#[tokio::test]
async fn journal_lists_requests_and_deliveries_can_be_replayed() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let mut es = EService::register(&sandbox, ContentMode::Plain, &[]).await?;
    es.settings(json!({ "autoAnswer": "approve" })).await?;
    let login = es.login("chan-tai-man").await?;
    let body = json!({
        "businessID": "j-1",
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "PC_Browser",
        "redirectURI": es.inbox(),
        "profileFields": ["gender"],
    });
    es.post("/api/v1/account/auth/profile/initiateRequest", Some(body.clone())).await?;
    es.post("/api/v1/account/auth/profile/initiateRequest", Some(body)).await?;
    es.wait_callbacks(1).await?;

    let journal =
        http::get(&sandbox.url(&format!("/sandbox/clients/{}/journal?limit=3", es.client_id)), &[])
            .await?
            .json()?;
    let rows = journal.as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 3, "{journal}");
    assert_eq!(rows[0]["code"], "D20011", "newest first: the duplicate businessID");
    assert_eq!(rows[1]["code"], "D00000");
    assert!(rows[1]["txID"].as_str().is_some_and(|t| t.starts_with("<T=")));
    assert_eq!(rows[2]["path"], "/api/v1/auth/getToken");

    let log =
        http::get(&sandbox.url(&format!("/sandbox/clients/{}/deliveries", es.client_id)), &[])
            .await?
            .json()?;
    let id = log[0]["id"].as_i64().unwrap_or_default();
    let res =
        http::post(&sandbox.url(&format!("/sandbox/deliveries/{id}/replay")), &[], "").await?;
    assert_eq!(res.status, 202, "{}", res.text());
    let callbacks = es.wait_callbacks(2).await?;
    assert_eq!(callbacks[0], callbacks[1], "a replay sends the same callback again");
    assert_eq!(
        http::post(&sandbox.url("/sandbox/deliveries/999999/replay"), &[], "").await?.status,
        404
    );

    // A reset forgets what the client did, and keeps the client.
    let [auth] = admin();
    let reset = sandbox.url(&format!("/sandbox/admin/clients/{}/reset", es.client_id));
    assert_eq!(http::post(&reset, &[(auth.0, &auth.1)], "").await?.status, 204);
    let journal = sandbox.url(&format!("/sandbox/clients/{}/journal", es.client_id));
    assert_eq!(http::get(&journal, &[]).await?.json()?, json!([]));
    let body = json!({ "code": "x", "grantType": "authorization_code" });
    let answer = es.post("/api/v1/auth/getToken", Some(body)).await?;
    assert_eq!(answer.code, "D40004", "the client still works: {:?}", answer.envelope);
    sandbox.stop().await
}

#[tokio::test]
async fn a_restart_in_the_middle_of_a_flow_loses_nothing() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let mut es = EService::register(&sandbox, ContentMode::Encrypted, &[]).await?;
    let login = es.login("wong-siu-ling").await?;
    // A login page is waiting for the phone, which has scanned it.
    let page = http::get(&es.get_qr_url("PC_Browser", &[]), &[]).await?;
    let ticket = ticket_of_page(&page.text())?;
    let open = json!({ "action": "open", "persona": "chan-tai-man" }).to_string();
    let tasks = |sandbox: &Sandbox| sandbox.url(&format!("/sandbox/app/tasks/{ticket}"));
    assert_eq!(http::post(&tasks(&sandbox), &[], open).await?.status, 200);
    // A profile request is waiting in the app.
    let body = json!({
        "businessID": "restart-1",
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "PC_Browser",
        "redirectURI": es.inbox(),
        "profileFields": ["enName"],
    });
    let answer = es.post("/api/v1/account/auth/profile/initiateRequest", Some(body)).await?;
    assert_eq!(answer.code, "D00000");

    // A request whose replay must still be caught after the restart.
    let sent = es.sign("");
    let answer = es.send("/api/v1/security/getKey", &sent, String::new(), &[]).await?;
    assert_eq!(answer.code, "D00000");

    let sandbox = sandbox.restart().await?;

    let again = es.send("/api/v1/security/getKey", &sent, String::new(), &[]).await?;
    assert_eq!(again.code, "D20004", "the replay memory survived the restart");

    // The page's ticket, the token, the CEK, the replay state and the app task all survived.
    let status =
        http::get(&sandbox.url(&format!("/sandbox/qr/{ticket}/status")), &[]).await?.json()?;
    assert_eq!(status["status"], "scanned", "{status}");
    let approve = json!({ "action": "approve" }).to_string();
    assert_eq!(http::post(&tasks(&sandbox), &[], approve.clone()).await?.status, 200);
    let status =
        http::get(&sandbox.url(&format!("/sandbox/qr/{ticket}/status")), &[]).await?.json()?;
    let query = redirect_url_query(status["url"].as_str().unwrap_or_default(), &es.inbox())?;
    let second = es.exchange(query.code.as_deref().unwrap_or_default()).await?;
    assert_ne!(second.open_id, login.open_id, "another persona logged in");

    let inbox = http::get(&sandbox.url("/sandbox/app/inbox/wong-siu-ling"), &[]).await?.json()?;
    let task = inbox[0]["task"]["id"].as_str().unwrap_or_default().to_owned();
    let res = http::post(&sandbox.url(&format!("/sandbox/app/tasks/{task}")), &[], approve).await?;
    assert_eq!(res.status, 200, "{}", res.text());
    let callbacks = es.wait_callbacks(1).await?;
    assert_eq!(callbacks[0].0, "D00000");
    assert_eq!(callbacks[0].1.clone().unwrap_or_default()["businessID"], "restart-1");
    sandbox.stop().await
}

#[tokio::test]
async fn replay_memory_is_saved_in_steps_across_restarts() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let mut es = EService::register(&sandbox, ContentMode::Encrypted, &[]).await?;
    const GET_KEY: &str = "/api/v1/security/getKey";
    let mut sent = Vec::new();
    let mut sandbox = sandbox;
    for round in 0..3 {
        for _ in 0..=round {
            let headers = es.sign("");
            assert_eq!(es.send(GET_KEY, &headers, String::new(), &[]).await?.code, "D00000");
            sent.push(headers);
        }
        sandbox = sandbox.restart().await?;
    }
    // Every nonce of every round is still known, whichever flush saved it.
    for headers in &sent {
        let again = es.send(GET_KEY, headers, String::new(), &[]).await?;
        assert_eq!(again.code, "D20004", "{headers:?}");
    }
    let fresh = es.sign("");
    assert_eq!(es.send(GET_KEY, &fresh, String::new(), &[]).await?.code, "D00000");
    sandbox.stop().await
}

#[tokio::test]
async fn an_unreachable_callback_is_logged_and_retried() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    // Nothing listens on the discard port of loopback.
    let unreachable = "http://127.0.0.1:9/callback";
    let mut es = EService::register(&sandbox, ContentMode::Plain, &[unreachable]).await?;
    es.settings(json!({ "autoAnswer": "approve" })).await?;
    let login = es.login("chan-tai-man").await?;
    let body = json!({
        "businessID": "lost-1",
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "PC_Browser",
        "redirectURI": unreachable,
        "profileFields": ["gender"],
    });
    let answer = es.post("/api/v1/account/auth/profile/initiateRequest", Some(body)).await?;
    assert_eq!(answer.code, "D00000");
    let url = sandbox.url(&format!("/sandbox/clients/{}/deliveries", es.client_id));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let log = http::get(&url, &[]).await?.json()?;
        // The attempt counts from its start; its outcome lands in the row when it ends.
        if log[0]["error"].as_str().is_some_and(|e| !e.is_empty()) {
            assert_eq!(log[0]["state"], "pending", "{log}");
            assert_eq!(log[0]["attempts"], 1, "{log}");
            assert_eq!(log[0]["history"][0]["error"], log[0]["error"], "{log}");
            assert!(log[0]["nextAttemptMs"].as_i64() > log[0]["updatedMs"].as_i64(), "{log}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no attempt was logged: {log}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    sandbox.stop().await
}
