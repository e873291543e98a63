//! The server's HTTP behaviour through `tower::ServiceExt::oneshot`: no socket, no portal.
//!
//! Each test builds the whole router over a ready platform on a fresh data folder
//! ([`ready_app`]) and checks what only the server decides: statuses, bodies and headers of
//! the sandbox's own routes, the wiring of the mock API (a D-code envelope reaches the wire
//! with HTTP 200), body limits, and the answer for the portal when none is built. The rules
//! behind each D-code are the engine's, tested in `protocol`.

use std::{
    path::PathBuf,
    sync::atomic::{AtomicU32, Ordering},
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Method, Request, StatusCode, header},
};
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::{AppState, Args, Phase, router, state};

const ADMIN_TOKEN: &str = "a-test-admin-token";

/// A router over a ready platform, and its data folder (removed when dropped).
struct TestApp {
    app: Router,
    dir: PathBuf,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The answer to one request.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.text()))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn content_type(&self) -> &str {
        self.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

/// A ready application with default settings (see [`ready_app_with`]).
async fn ready_app() -> TestApp {
    ready_app_with(|_| {}).await
}

/// The one place tests start the server: settings for a fresh temporary data folder, no
/// portal, a known admin token and a small demo key, edited by `configure`; then the
/// platform is started and the router built once it is ready.
async fn ready_app_with(configure: impl FnOnce(&mut Args)) -> TestApp {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name =
        format!("iams-server-test-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
    let dir = std::env::temp_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let mut args = Args::with_folders("127.0.0.1:0".parse().unwrap(), PathBuf::new(), dir.clone());
    args.dist = None;
    args.admin_token = Some(ADMIN_TOKEN.into());
    args.demo_kek_bits = 1024;
    configure(&mut args);
    let config = args.validate().unwrap();
    let state = AppState::new(config, "http://127.0.0.1:8080".into());
    tokio::spawn(state::start(state.clone(), |_| {}));
    let deadline = Instant::now() + Duration::from_secs(30);
    while state.phase() != Phase::Ready {
        assert!(Instant::now() < deadline, "the platform did not start");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    TestApp { app: router(state), dir }
}

impl TestApp {
    async fn send(&self, req: Request<Body>) -> Answer {
        send(&self.app, req).await
    }

    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.send(request(Method::GET, path, headers, Vec::new())).await
    }

    async fn post(&self, path: &str, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Answer {
        self.send(request(Method::POST, path, headers, body.into())).await
    }

    /// An admin request with a JSON body.
    async fn admin(&self, method: Method, path: &str, body: &Value) -> Answer {
        let auth = format!("Bearer {ADMIN_TOKEN}");
        let headers = [("authorization", auth.as_str())];
        self.send(request(method, path, &headers, body.to_string().into_bytes())).await
    }

    /// Registers a plain-mode client; answers its clientID and secret.
    async fn plain_client(&self) -> (String, String) {
        let body = json!({
            "redirectURIs": ["https://rp.example/cb"],
            "contentMode": "plain",
            "secret": "a-test-secret-of-some-length",
        });
        let res = self.admin(Method::POST, "/sandbox/admin/clients", &body).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let id = res.json()["clientID"].as_str().unwrap().to_owned();
        (id, "a-test-secret-of-some-length".into())
    }
}

async fn send(app: &Router, req: Request<Body>) -> Answer {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec();
    Answer { status, headers, body }
}

fn request(method: Method, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Request<Body> {
    let mut req = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn healthz_answers_ok_once_ready() {
    let app = ready_app().await;
    let res = app.get("/healthz", &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["status"], "ok");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = ready_app().await;
    for (method, path) in [
        (Method::GET, "/healthz"),
        (Method::GET, "/sandbox/app"),
        (Method::GET, "/api/v1/auth/getQR?clientID=nobody"),
        (Method::POST, "/api/v1/security/getKey"),
        (Method::GET, "/no/such/page"),
    ] {
        let res = app.send(request(method.clone(), path, &[], Vec::new())).await;
        let header = |name: &str| res.headers.get(name).and_then(|v| v.to_str().ok());
        assert_eq!(header("x-content-type-options"), Some("nosniff"), "{method} {path}");
        assert_eq!(header("referrer-policy"), Some("no-referrer"), "{method} {path}");
        assert_eq!(header("x-frame-options"), Some("DENY"), "{method} {path}");
        let csp = header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{method} {path}: {csp}");
    }
}

#[tokio::test]
async fn a_platform_that_has_not_started_answers_503_with_retry_after() {
    let dir =
        std::env::temp_dir().join(format!("iams-server-test-{}-unstarted", std::process::id()));
    let mut args = Args::with_folders("127.0.0.1:0".parse().unwrap(), PathBuf::new(), dir.clone());
    args.dist = None;
    let app = router(AppState::new(args.validate().unwrap(), "http://127.0.0.1:8080".into()));
    let health = send(&app, request(Method::GET, "/healthz", &[], Vec::new())).await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(health.json()["status"], "starting");
    for (method, path) in [
        (Method::POST, "/api/v1/security/getKey"),
        (Method::GET, "/sandbox/admin/clients"),
        (Method::GET, "/sandbox/app/inbox/chan-tai-man"),
    ] {
        let res = send(&app, request(method, path, &[], Vec::new())).await;
        assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(res.headers.get(header::RETRY_AFTER).map(|v| v.as_bytes()), Some(&b"1"[..]));
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn admin_routes_need_the_admin_token() {
    let app = ready_app().await;
    for path in [
        "/sandbox/admin/clients",
        "/sandbox/admin/clients/someone",
        "/sandbox/admin/clients/someone/settings",
        "/sandbox/clients/someone/kek-private.pem",
    ] {
        let res = app.get(path, &[]).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(res.json()["error"].as_str().unwrap().contains("admin token"));
        let res = app.get(path, &[("authorization", "Bearer wrong-token")]).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let res = app.post("/sandbox/admin/clients/someone/reset", &[], "").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = app.get("/sandbox/admin/clients", &[("x-admin-token", ADMIN_TOKEN)]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json().as_array().map(Vec::len), Some(2), "the two demo clients");
}

#[tokio::test]
async fn clients_are_registered_and_answered_in_the_wire_spelling() {
    let app = ready_app().await;
    let body = json!({
        "clientID": "my-service",
        "secret": "a-secret-of-length",
        "name": "Mine",
        "redirectURIs": ["https://rp.example/cb"],
        "scopes": ["eidapi_auth", "eidapi_profiles"],
        "contentMode": "plain",
        "settings": { "autoAnswer": "approve" },
    });
    let res = app.admin(Method::POST, "/sandbox/admin/clients", &body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let created = res.json();
    assert_eq!(created["clientID"], "my-service");
    assert_eq!(created["redirectURIs"], json!(["https://rp.example/cb"]));
    assert_eq!(created["scopes"], "eidapi_auth eidapi_profiles");
    assert_eq!(created["settings"]["autoAnswer"], "approve");
    assert!(created.get("clientId").is_none() && created.get("redirectUris").is_none());

    let res = app.admin(Method::GET, "/sandbox/admin/clients/my-service", &json!(null)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json(), created, "a read answers what the registration did");
    let listed = app.admin(Method::GET, "/sandbox/admin/clients", &json!(null)).await.json();
    assert!(listed.as_array().unwrap().iter().all(|c| c["clientID"].is_string()), "{listed}");

    // The old spellings are still accepted on input; a second registration is a conflict.
    let old = json!({ "clientId": "old-spelling", "redirectUris": ["https://rp.example/cb"], "contentMode": "plain" });
    let res = app.admin(Method::POST, "/sandbox/admin/clients", &old).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    assert_eq!(res.json()["clientID"], "old-spelling");
    let res = app.admin(Method::POST, "/sandbox/admin/clients", &old).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text());

    // Left out: a generated clientID and secret, every scope, encrypted mode (with a key).
    let res = app
        .admin(
            Method::POST,
            "/sandbox/admin/clients",
            &json!({ "redirectURIs": ["https://rp.example/cb"], "generateKek": true }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let generated = res.json();
    assert_eq!(generated["clientID"].as_str().map(str::len), Some(32));
    assert_eq!(generated["contentMode"], "encrypted");
    assert!(generated["kek"].as_str().is_some_and(|k| k.starts_with("-----BEGIN PUBLIC KEY-----")));
    assert_eq!(generated["scopes"].as_str().map(|s| s.split(' ').count()), Some(7));
}

#[tokio::test]
async fn a_bad_registration_is_a_400_that_says_why() {
    let app = ready_app().await;
    let uris = json!(["https://rp.example/cb"]);
    let cases = [
        (
            json!({ "redirectURIs": uris, "contentMode": "plain", "redirectUri": "x" }),
            "unknown field `redirectUri`",
        ),
        (
            json!({ "redirectURIs": ["javascript:alert(1)"], "contentMode": "plain" }),
            "is not allowed",
        ),
        (
            json!({ "redirectURIs": ["https://rp.example/a b"], "contentMode": "plain" }),
            "bad redirect URI",
        ),
        (json!({ "redirectURIs": [], "contentMode": "plain" }), "redirectURIs must list"),
        (
            json!({ "redirectURIs": uris, "contentMode": "plain", "scopes": "eidapi_auth eidapi_fly" }),
            "unknown scope \\\"eidapi_fly\\\"",
        ),
        (json!({ "redirectURIs": uris, "contentMode": "sealed" }), "unknown variant `sealed`"),
        (json!({ "redirectURIs": uris }), "needs a kek"),
        (json!({ "redirectURIs": uris, "kek": "not a key" }), "kek must be an RSA public key"),
        (json!({ "redirectURIs": uris, "kek": "x", "generateKek": true }), "not both"),
        (
            json!({ "redirectURIs": uris, "contentMode": "plain", "clientID": "a b" }),
            "clientID must be",
        ),
        (
            json!({ "redirectURIs": uris, "contentMode": "plain", "secret": "short" }),
            "secret must have",
        ),
        (
            json!({ "redirectURIs": uris, "contentMode": "plain", "settings": { "persona": "nobody" } }),
            "no persona",
        ),
        (
            json!({ "redirectURIs": uris, "contentMode": "plain", "settings": { "colour": "red" } }),
            "unknown setting \\\"colour\\\"",
        ),
        (json!([1, 2]), "bad client"),
    ];
    for (body, expect) in cases {
        let res = app.admin(Method::POST, "/sandbox/admin/clients", &body).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{body}: {}", res.text());
        assert!(res.text().contains(expect), "{body} should say {expect}: {}", res.text());
    }
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let res = app.post("/sandbox/admin/clients", &[("authorization", &auth)], "{oops").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.json()["error"].as_str().unwrap().starts_with("malformed JSON"));
}

#[tokio::test]
async fn an_unknown_client_is_a_404_on_every_admin_route() {
    let app = ready_app().await;
    let patch = json!({ "name": "x" });
    for (method, path, body) in [
        (Method::GET, "/sandbox/admin/clients/nobody", json!(null)),
        (Method::PUT, "/sandbox/admin/clients/nobody", patch.clone()),
        (Method::POST, "/sandbox/admin/clients/nobody/reset", json!(null)),
        (Method::GET, "/sandbox/admin/clients/nobody/settings", json!(null)),
        (Method::POST, "/sandbox/admin/clients/nobody/settings", json!({ "persona": null })),
        (Method::GET, "/sandbox/clients/nobody/kek-private.pem", json!(null)),
    ] {
        let res = app.admin(method, path, &body).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.text());
        assert_eq!(res.json(), json!({ "error": "not found" }));
    }
}

#[tokio::test]
async fn a_patch_changes_the_fields_it_names() {
    let app = ready_app().await;
    let (id, _) = app.plain_client().await;
    let path = format!("/sandbox/admin/clients/{id}");
    let res =
        app.admin(Method::PUT, &path, &json!({ "name": "Renamed", "scopes": "eidapi_auth" })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let client = res.json();
    assert_eq!(client["name"], "Renamed");
    assert_eq!(client["scopes"], "eidapi_auth");
    assert_eq!(client["redirectURIs"], json!(["https://rp.example/cb"]), "kept");

    // What a read answers can be put back as it is.
    let res = app.admin(Method::PUT, &path, &client).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json(), client);

    for (body, expect) in [
        (json!({ "clientID": "another" }), "clientID cannot change"),
        (json!({ "secrets": "x" }), "unknown field `secrets`"),
        (json!({ "contentMode": "encrypted" }), "needs a kek"),
        (json!({ "settings": { "autoAnswer": "often" } }), "bad settings"),
    ] {
        let res = app.admin(Method::PUT, &path, &body).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{body}: {}", res.text());
        assert!(res.text().contains(expect), "{body} should say {expect}: {}", res.text());
    }
    let settings = format!("{path}/settings");
    let res = app
        .admin(
            Method::POST,
            &settings,
            &json!({ "persona": "chan-tai-man", "authCodeTtlMs": 1000 }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["persona"], "chan-tai-man");
    let res = app.admin(Method::POST, &settings, &json!({ "kekPaddings": "oaep" })).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text());
    let res = app.admin(Method::POST, &format!("{path}/reset"), &json!(null)).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn bad_sandbox_headers_are_400s() {
    let app = ready_app().await;
    let cases = [
        ("x-sandbox-persona", "nobody", "X-Sandbox-Persona: no persona \"nobody\""),
        ("x-sandbox-auto", "always", "X-Sandbox-Auto: \"always\" is not approve, deny or manual"),
        (
            "x-sandbox-scenario",
            "meteor-strike",
            "X-Sandbox-Scenario: no scenario \"meteor-strike\"",
        ),
    ];
    for (name, value, expect) in cases {
        // The signed API and the app-to-app launch answer JSON.
        let res = app.post("/api/v1/security/getKey", &[(name, value)], "").await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(res.json(), json!({ "error": expect }));
        let res = app.get("/sandbox/app/launch?clientID=x", &[(name, value)]).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(res.json(), json!({ "error": expect }));
        // getQR is a browser's page: it answers an HTML page.
        let res = app.get("/api/v1/auth/getQR?clientID=x", &[(name, value)]).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(res.content_type().starts_with("text/html"), "{}", res.content_type());
        assert!(res.text().contains("Bad request"), "{}", res.text());
    }
}

#[tokio::test]
async fn a_refusal_of_the_signed_api_is_an_envelope_with_http_200() {
    let app = ready_app().await;
    let (id, secret) = app.plain_client().await;
    let body = br#"{"code":"0123456789abcdef0123456789abcdef","grantType":"authorization_code"}"#;
    let now = crate::platform::now_ms();
    let signed = protocol::headers::signed_headers(&id, &secret, now, "a-nonce-of-this-test", body);
    let mut headers: Vec<(&str, &str)> = signed.iter().map(|(n, v)| (*n, v.as_str())).collect();
    headers.push(("content-type", "application/json"));
    let res = app.post("/api/v1/auth/getToken", &headers, body.to_vec()).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert!(res.content_type().starts_with("application/json"));
    let envelope = res.json();
    assert_eq!(envelope["code"], "D40004", "{envelope}");
    assert!(envelope["txID"].is_string() && envelope["message"].is_string(), "{envelope}");
}

#[tokio::test]
async fn a_refusal_of_the_app_is_json_with_its_code() {
    let app = ready_app().await;
    let res = app.get("/sandbox/app/tasks/no-such-ticket", &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.text());
    assert!(res.json()["code"].as_str().is_some_and(|c| c.starts_with('D')), "{}", res.text());
    let res = app.post("/sandbox/app/tasks/no-such-ticket", &[], r#"{"action":"decline"}"#).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.text());
    let res = app.post("/sandbox/app/tasks/no-such-ticket", &[], r#"{"action":"dance"}"#).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text());
    let res = app.get("/sandbox/app/inbox/nobody", &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_api_paths_are_the_platforms_404() {
    let app = ready_app().await;
    let res = app.post("/api/v1/no/such/api", &[("clientID", "a")], "{}").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json()["code"], "D20027");
    let res = app.get("/api/v1/auth/getToken", &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json()["code"], "D20027");
    let res = app.get("/sandbox/nothing", &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json(), json!({ "error": "not found" }));
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let app = ready_app_with(|args| args.body_limit = 2048).await;
    let big = vec![b'x'; 4096];
    let res = app.post("/api/v1/auth/getToken", &[("clientID", "b")], big.clone()).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let res = app.post("/sandbox/admin/clients", &[("authorization", &auth)], big).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn without_a_portal_other_paths_say_how_to_build_it() {
    let app = ready_app().await;
    for path in ["/", "/docs/getting-started", "/portal.js"] {
        let res = app.get(path, &[]).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(res.content_type().starts_with("text/html"), "{path}");
        assert!(res.text().contains("cargo xtask dist"), "{path}: {}", res.text());
    }
}
