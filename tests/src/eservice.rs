//! An online service talking to a running sandbox over HTTP, for the mock platform's tests.
//!
//! [`EService`] registers itself through the admin API, signs every POST (HMAC over the body
//! as sent), seals bodies and opens answers with the CEK it got from getKey in encrypted mode,
//! and unwraps the CEK of callbacks with its private KEK. The helpers for the browser side
//! ([`EService::login`], [`ticket_of_page`]) read what a browser would see.

use anyhow::{Context as _, bail};
use protocol::{
    content::{self, ContentMode},
    headers::signed_headers,
    keys::{KekPrivateKey, KeyGrant, Padding},
    wire::{CallbackEnvelope, Content, RedirectQuery},
};
use serde_json::{Value, json};

use crate::{
    http::{self, Response},
    sandbox::{ADMIN_TOKEN, Sandbox},
};

/// Every scope a test login asks for.
pub const SCOPES: &str = "eidapi_auth eidapi_profiles eidapi_formFilling eidapi_sign eidapi_fr";

/// A registered online service.
#[derive(Debug)]
pub struct EService {
    pub base: String,
    pub client_id: String,
    pub secret: String,
    pub mode: ContentMode,
    pub kek: KekPrivateKey,
    pub cek: Option<[u8; 32]>,
    nonce: u64,
    last_timestamp: u64,
}

/// A decoded API answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// The envelope's code.
    pub code: String,
    /// The opened `content`.
    pub content: Option<Value>,
    /// The envelope as received.
    pub envelope: Value,
}

/// A logged-in user.
#[derive(Debug, Clone)]
pub struct Login {
    pub token: String,
    pub open_id: String,
    pub content: Value,
}

/// The admin token header.
pub fn admin() -> [(&'static str, String); 1] {
    [("authorization", format!("Bearer {ADMIN_TOKEN}"))]
}

/// The test KEK: a throwaway 1024-bit key, small so debug builds unwrap quickly.
pub fn test_kek() -> KekPrivateKey {
    KekPrivateKey::from_pem(include_str!("../data/mock_api_kek.pem"))
        .unwrap_or_else(|err| panic!("bad test key: {err}"))
}

impl EService {
    /// Registers a client in `mode` whose redirect URIs are its inbox on `sandbox` and
    /// `extra`; in encrypted mode it then fetches a CEK.
    pub async fn register(
        sandbox: &Sandbox,
        mode: ContentMode,
        extra: &[&str],
    ) -> anyhow::Result<EService> {
        let kek = test_kek();
        let client_id = format!("test{:028x}", rand_id());
        let mut uris = vec![sandbox.url(&format!("/sandbox/inbox/{client_id}"))];
        uris.extend(extra.iter().map(|s| (*s).to_owned()));
        let mode_name = match mode {
            ContentMode::Plain => "plain",
            ContentMode::Encrypted => "encrypted",
        };
        let body = json!({
            "clientID": client_id,
            "secret": "a-test-secret-of-some-length",
            "name": "Test e-Service",
            "redirectURIs": uris,
            "scopes": SCOPES,
            "kek": kek.kek().to_pem(),
            "contentMode": mode_name,
        });
        let [auth] = admin();
        let res = http::post(
            &sandbox.url("/sandbox/admin/clients"),
            &[(auth.0, &auth.1), ("content-type", "application/json")],
            body.to_string(),
        )
        .await?;
        if res.status != 201 {
            bail!("cannot register a client: {} {}", res.status, res.text());
        }
        let mut it = EService {
            base: sandbox.url(""),
            client_id,
            secret: "a-test-secret-of-some-length".into(),
            mode,
            kek,
            cek: None,
            nonce: 0,
            last_timestamp: 0,
        };
        if mode == ContentMode::Encrypted {
            let answer = it.post("/api/v1/security/getKey", None).await?;
            if answer.code != "D00000" {
                bail!("getKey failed: {:?}", answer.envelope);
            }
        }
        Ok(it)
    }

    /// The same e-service talking to another server (one that shares the state), with its
    /// own replay clock: its next request's timestamp is not older than any sent so far.
    pub fn via(&self, sandbox: &Sandbox) -> EService {
        EService {
            base: sandbox.url(""),
            client_id: self.client_id.clone(),
            secret: self.secret.clone(),
            mode: self.mode,
            kek: self.kek.clone(),
            cek: self.cek,
            nonce: self.nonce + 1_000_000,
            last_timestamp: self.last_timestamp,
        }
    }

    /// The client's inbox URL.
    pub fn inbox(&self) -> String {
        format!("{}/sandbox/inbox/{}", self.base, self.client_id)
    }

    /// Changes the client's settings through the admin API.
    pub async fn settings(&self, fields: Value) -> anyhow::Result<Response> {
        let [auth] = admin();
        http::post(
            &format!("{}/sandbox/admin/clients/{}/settings", self.base, self.client_id),
            &[(auth.0, &auth.1)],
            fields.to_string(),
        )
        .await
    }

    /// POSTs `body` (sealed in encrypted mode) to `path`, signed; opens the answer.
    pub async fn post(&mut self, path: &str, body: Option<Value>) -> anyhow::Result<Answer> {
        self.post_with(path, body, &[]).await
    }

    /// Like [`EService::post`], with extra headers.
    pub async fn post_with(
        &mut self,
        path: &str,
        body: Option<Value>,
        extra: &[(&str, &str)],
    ) -> anyhow::Result<Answer> {
        let raw = self.body(body.as_ref())?;
        let headers = self.sign(&raw);
        self.send(path, &headers, raw, extra).await
    }

    /// The body an e-service sends: clear JSON in plain mode, `{"content":…}` otherwise.
    pub fn body(&self, body: Option<&Value>) -> anyhow::Result<String> {
        let Some(body) = body else {
            return Ok(String::new());
        };
        Ok(match (self.mode, self.cek) {
            (ContentMode::Encrypted, Some(cek)) => {
                let mut iv = [0u8; 12];
                iv[..8].copy_from_slice(&self.nonce.to_be_bytes());
                iv[8..].copy_from_slice(&(rand_id() as u32).to_be_bytes());
                content::seal_body(&cek, iv, body)
            }
            (ContentMode::Encrypted, None) => bail!("no CEK yet: call getKey first"),
            _ => body.to_string(),
        })
    }

    /// Fresh signed headers for `body`.
    pub fn sign(&mut self, body: &str) -> [(&'static str, String); 5] {
        self.nonce += 1;
        let nonce = format!("{:016x}{:016x}", rand_id(), self.nonce);
        let now = now_ms().max(self.last_timestamp);
        self.last_timestamp = now;
        signed_headers(&self.client_id, &self.secret, now, &nonce, body.as_bytes())
    }

    /// Sends a POST with these headers as they are.
    pub async fn send(
        &mut self,
        path: &str,
        headers: &[(&'static str, String); 5],
        body: String,
        extra: &[(&str, &str)],
    ) -> anyhow::Result<Answer> {
        let mut all: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        all.push(("content-type", "application/json"));
        all.extend_from_slice(extra);
        let res = http::post(&format!("{}{path}", self.base), &all, body).await?;
        self.open(&res)
    }

    /// Decodes an answer; adopts the CEK of a getKey answer.
    pub fn open(&mut self, res: &Response) -> anyhow::Result<Answer> {
        let envelope = res.json()?;
        let code = envelope["code"].as_str().unwrap_or_default().to_owned();
        let content = match envelope.get("content") {
            None | Some(Value::Null) => None,
            Some(Value::String(sealed)) => {
                let cek = self.cek.context("sealed content needs a CEK")?;
                let clear = content::decrypt(&cek, sealed)
                    .map_err(|err| anyhow::anyhow!("cannot open content: {err}"))?;
                Some(serde_json::from_slice(&clear)?)
            }
            Some(clear) => Some(clear.clone()),
        };
        if let Some(grant) =
            content.clone().and_then(|c| serde_json::from_value::<KeyGrant>(c).ok())
        {
            let cek = grant
                .open(&self.kek, Padding::Pkcs1v15)
                .map_err(|err| anyhow::anyhow!("cannot unwrap the CEK: {err}"))?;
            self.cek = Some(*cek.key());
        }
        Ok(Answer { status: res.status, code, content, envelope })
    }

    /// Opens a POST callback's body: its code and clear content; adopts its CEK.
    pub fn open_callback(&mut self, body: &str) -> anyhow::Result<(String, Option<Value>)> {
        let envelope: CallbackEnvelope = serde_json::from_str(body)?;
        let content = match envelope.content {
            None => None,
            Some(Content::Clear(value)) => Some(value),
            Some(Content::Sealed(b64)) => {
                let secret = envelope.secret_key.as_deref().context("no secretKey")?;
                let cek = self
                    .kek
                    .unwrap_cek(secret, Padding::Pkcs1v15)
                    .map_err(|err| anyhow::anyhow!("cannot unwrap: {err}"))?;
                self.cek = Some(cek);
                let clear = content::decrypt(&cek, &b64)
                    .map_err(|err| anyhow::anyhow!("cannot open: {err}"))?;
                Some(serde_json::from_slice(&clear)?)
            }
        };
        Ok((envelope.code.as_str().to_owned(), content))
    }

    /// A getQR URL for this client, back to its inbox.
    pub fn get_qr_url(&self, source: &str, extra: &[(&str, &str)]) -> String {
        let mut pairs = vec![
            ("clientID", self.client_id.clone()),
            ("responseType", "code".to_owned()),
            ("source", source.to_owned()),
            ("redirectURI", self.inbox()),
            ("scope", SCOPES.to_owned()),
            ("state", "st4te".to_owned()),
        ];
        pairs.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        protocol::wire::append_query(&format!("{}/api/v1/auth/getQR", self.base), &pairs)
    }

    /// Logs `persona` in headlessly: getQR with `X-Sandbox-Auto: approve` redirects straight
    /// back with a code, which getToken exchanges.
    pub async fn login(&mut self, persona: &str) -> anyhow::Result<Login> {
        let code = self.headless_code(persona, "PC_Browser").await?;
        self.exchange(&code).await
    }

    /// The authorisation code of a headless login from `source`.
    pub async fn headless_code(&self, persona: &str, source: &str) -> anyhow::Result<String> {
        let res = http::get(
            &self.get_qr_url(source, &[]),
            &[("x-sandbox-auto", "approve"), ("x-sandbox-persona", persona)],
        )
        .await?;
        let query = redirect_query(&res, &self.inbox())?;
        query.code.context("the redirect has no code")
    }

    /// getToken with `code`, which must succeed.
    pub async fn exchange(&mut self, code: &str) -> anyhow::Result<Login> {
        let answer = self
            .post(
                "/api/v1/auth/getToken",
                Some(json!({ "code": code, "grantType": "authorization_code" })),
            )
            .await?;
        if answer.code != "D00000" {
            bail!("getToken failed: {:?}", answer.envelope);
        }
        let content = answer.content.context("getToken has no content")?;
        Ok(Login {
            token: content["accessToken"].as_str().unwrap_or_default().to_owned(),
            open_id: content["openID"].as_str().unwrap_or_default().to_owned(),
            content,
        })
    }

    /// The callbacks that landed in the inbox, oldest first, as (code, content).
    pub async fn inbox_callbacks(&mut self) -> anyhow::Result<Vec<(String, Option<Value>)>> {
        let res = http::get(&format!("{}/entries?limit=100", self.inbox()), &[]).await?;
        let mut entries: Vec<Value> = serde_json::from_value(res.json()?)?;
        entries.reverse();
        let mut out = Vec::new();
        for entry in entries.iter().filter(|e| e["method"] == "POST") {
            out.push(self.open_callback(entry["body"].as_str().unwrap_or_default())?);
        }
        Ok(out)
    }

    /// Waits until the inbox holds `n` callbacks; returns them.
    pub async fn wait_callbacks(
        &mut self,
        n: usize,
    ) -> anyhow::Result<Vec<(String, Option<Value>)>> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let got = self.inbox_callbacks().await?;
            if got.len() >= n {
                return Ok(got);
            }
            if std::time::Instant::now() > deadline {
                bail!("only {} of {n} callbacks arrived", got.len());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// The redirect query of a 302 answer to `uri`.
pub fn redirect_query(res: &Response, uri: &str) -> anyhow::Result<RedirectQuery> {
    if res.status != 303 && res.status != 302 && res.status != 307 {
        bail!("expected a redirect, got {}: {}", res.status, res.text());
    }
    let location = res.header("location").context("no Location")?;
    redirect_url_query(location, uri)
}

/// The query of a redirect URL to `uri`.
pub fn redirect_url_query(url: &str, uri: &str) -> anyhow::Result<RedirectQuery> {
    let query = url
        .strip_prefix(uri)
        .and_then(|q| q.strip_prefix('?'))
        .with_context(|| format!("{url} does not go to {uri}"))?;
    RedirectQuery::parse(query).map_err(|err| anyhow::anyhow!("bad redirect query: {err}"))
}

/// The ticket ID of a QR or broker page (from its "Open the simulated app" link).
pub fn ticket_of_page(html: &str) -> anyhow::Result<String> {
    let at = html.find("ticketID=").context("no ticketID on the page")?;
    let rest = &html[at + "ticketID=".len()..];
    let end = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
    Ok(rest[..end].to_owned())
}

/// The wall clock in milliseconds.
pub fn now_ms() -> u64 {
    let since =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

/// A number that differs between calls (not cryptographic).
fn rand_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64;
    t.rotate_left(17) ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(std::process::id())
}
