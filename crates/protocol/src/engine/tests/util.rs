//! The test harness: an e-service and a phone around one engine, on a virtual clock.
//!
//! [`Sandbox`] registers one client (all scopes, a login redirect and a callback URL, a test
//! KEK) and acts as that e-service: it signs every request, seals and opens `content` with the
//! CEK it got from getKey, unwraps callback keys with its private KEK, and reads redirects.
//! The test KEK in `data/test-kek.key.pem` is a throwaway 1024-bit key made for these tests
//! (small, so that debug builds unwrap quickly); it protects nothing.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Value, json};

use crate::{
    Code,
    content::{self, ContentMode},
    engine::{
        ApiReply, ApiRequest, AppAction, AppView, Client, ClientSettings, Engine, EngineConfig,
        MemoryStore, Outbound, Overrides, QrPage, Reply, Store,
    },
    headers::{RequestHeaders, signed_headers},
    keys::{KekPrivateKey, KeyGrant, Padding},
    scenario::Scenario,
    vocab::{Scopes, Source},
    wire::{CallbackEnvelope, Content, Envelope, GetQrQuery, RedirectQuery},
};

/// The test client's id.
pub const CLIENT_ID: &str = "edae2e2529ff46228af1e4d18c8405d1";
/// The test client's secret.
pub const SECRET: &str = "sandbox-test-secret";
/// Where browsers return after login.
pub const LOGIN_URI: &str = "https://rp.example/login";
/// Where callbacks are posted.
pub const CALLBACK_URI: &str = "https://rp.example/callback";
/// Where the e-service app receives app-to-app answers.
pub const APP_URI: &str = "https://rp.example/app";
/// Every scope a login asks for by default.
pub const ALL_SCOPES: &str = "eidapi_auth eidapi_profiles eidapi_formFilling eidapi_sign eidapi_fr";
/// The virtual clock's start: 2025-01-01T00:00:00Z.
pub const T0: u64 = 1_735_689_600_000;

/// An e-service, its phone-wielding user and the platform, on a virtual clock.
pub struct Sandbox {
    /// The platform.
    pub engine: Engine<MemoryStore>,
    /// The RNG every engine call draws from.
    pub rng: ChaCha20Rng,
    /// The virtual clock, in milliseconds since the Unix epoch.
    pub now: u64,
    /// The e-service's content mode.
    pub mode: ContentMode,
    /// The e-service's private KEK.
    pub kek: KekPrivateKey,
    /// The CEK the e-service holds.
    pub cek: Option<[u8; 32]>,
    nonce: u64,
    /// The headers and body of the last POST, for replays.
    last: Option<([(&'static str, String); 5], String)>,
}

/// A decoded API answer.
#[derive(Debug)]
pub struct Answer {
    /// The envelope's code.
    pub code: Code,
    /// The opened content.
    pub content: Option<Value>,
    /// The raw reply, with the messages the request caused.
    pub raw: ApiReply,
}

/// A logged-in user, as the e-service knows them.
#[derive(Debug, Clone)]
pub struct Login {
    /// The access token.
    pub token: String,
    /// The tokenised ID.
    pub open_id: String,
    /// The whole getToken content.
    pub content: Value,
}

impl Sandbox {
    /// A sandbox whose client uses `mode`; in encrypted mode the e-service already holds a
    /// CEK.
    pub fn new(mode: ContentMode) -> Sandbox {
        Sandbox::with(mode, |_| {})
    }

    /// Like [`Sandbox::new`], with the client's settings adjusted by `edit`.
    pub fn with(mode: ContentMode, edit: impl FnOnce(&mut ClientSettings)) -> Sandbox {
        let mut settings = ClientSettings::default();
        edit(&mut settings);
        let kek = test_kek();
        let client = Client {
            client_id: CLIENT_ID.to_owned(),
            secret: SECRET.to_owned(),
            name: "Sandbox Test Service".to_owned(),
            redirect_uris: vec![LOGIN_URI.to_owned(), CALLBACK_URI.to_owned(), APP_URI.to_owned()],
            scopes: Scopes::parse(ALL_SCOPES).unwrap(),
            kek: Some(kek.kek()),
            content_mode: mode,
            settings,
        };
        let mut engine = Engine::new(MemoryStore::default(), EngineConfig::default());
        engine.register_client(client).unwrap();
        let mut res = Sandbox {
            engine,
            rng: ChaCha20Rng::seed_from_u64(7),
            now: T0,
            mode,
            kek,
            cek: None,
            nonce: 0,
            last: None,
        };
        if mode == ContentMode::Encrypted {
            let answer = res.post("/api/v1/security/getKey", None);
            assert_eq!(answer.code, Code::Success, "{}", answer.raw.body);
        }
        res
    }

    /// Moves the clock forward.
    pub fn advance(&mut self, ms: u64) {
        self.now += ms;
    }

    /// Edits the registered client.
    pub fn edit_client(&mut self, edit: impl FnOnce(&mut Client)) {
        let mut client = self.engine.store().client(CLIENT_ID).unwrap().unwrap();
        edit(&mut client);
        self.engine.register_client(client).unwrap();
    }

    /// POSTs `body` (sealed in encrypted mode) to `path`, signed; opens the answer.
    pub fn post(&mut self, path: &str, body: Option<Value>) -> Answer {
        self.post_with(path, body, None)
    }

    /// Like [`Sandbox::post`], selecting a fault scenario.
    pub fn post_with(
        &mut self,
        path: &str,
        body: Option<Value>,
        scenario: Option<Scenario>,
    ) -> Answer {
        let raw = self.sealed_body(body);
        self.post_raw(path, raw.as_bytes(), |_| {}, scenario)
    }

    /// POSTs a raw body, with the signed headers adjusted by `edit`.
    pub fn post_raw(
        &mut self,
        path: &str,
        body: &[u8],
        edit: impl FnOnce(&mut [(&'static str, String); 5]),
        scenario: Option<Scenario>,
    ) -> Answer {
        self.nonce += 1;
        let nonce = format!("{:032x}", self.nonce);
        let mut headers = signed_headers(CLIENT_ID, SECRET, self.now, &nonce, body);
        edit(&mut headers);
        self.last = Some((headers.clone(), String::from_utf8_lossy(body).into_owned()));
        self.send(path, &headers, body, scenario)
    }

    /// Sends the last POST again, headers and body unchanged.
    pub fn resend(&mut self, path: &str) -> Answer {
        let (headers, body) = self.last.clone().expect("nothing was sent yet");
        self.send(path, &headers, body.as_bytes(), None)
    }

    fn send(
        &mut self,
        path: &str,
        headers: &[(&'static str, String); 5],
        body: &[u8],
        scenario: Option<Scenario>,
    ) -> Answer {
        let get = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str());
        let req = ApiRequest { method: "POST", path, headers: RequestHeaders::from_fn(get), body };
        let overrides = Overrides { scenario, ..Overrides::default() };
        let raw = self.engine.api(&req, self.now, &mut self.rng, &overrides);
        self.open(raw)
    }

    /// The body an e-service sends: clear JSON in plain mode, `{"content":…}` otherwise.
    pub fn sealed_body(&mut self, body: Option<Value>) -> String {
        let Some(body) = body else {
            return String::new();
        };
        match (self.mode, self.cek) {
            (ContentMode::Encrypted, Some(cek)) => {
                content::seal_body(&cek, crate::engine::fresh_iv(&mut self.rng), &body)
            }
            _ => body.to_string(),
        }
    }

    /// Decodes a reply; adopts the CEK of a getKey answer.
    fn open(&mut self, raw: ApiReply) -> Answer {
        let envelope: Envelope = serde_json::from_str(&raw.body).unwrap();
        assert_eq!(envelope.code, raw.code);
        let content = envelope.content.as_ref().map(|content| match content {
            Content::Clear(value) => value.clone(),
            Content::Sealed(b64) => {
                let cek = self.cek.expect("sealed content needs a CEK");
                serde_json::from_slice(&content::decrypt(&cek, b64).unwrap()).unwrap()
            }
        });
        if let Some(grant) =
            content.as_ref().and_then(|c| serde_json::from_value::<KeyGrant>(c.clone()).ok())
        {
            self.cek = Some(*grant.open(&self.kek, Padding::Pkcs1v15).unwrap().key());
        }
        Answer { code: raw.code, content, raw }
    }

    /// Opens the getQR page for a login from `source`.
    pub fn get_qr(&mut self, source: Source) -> Reply<QrPage> {
        let query = self.login_query(source, None);
        self.get_qr_with(&query, None)
    }

    /// getQR with `query`, selecting `scenario` as the `X-Sandbox-Scenario` header would.
    pub fn get_qr_with(&mut self, query: &str, scenario: Option<Scenario>) -> Reply<QrPage> {
        let overrides = Overrides { scenario, ..Overrides::default() };
        self.engine.get_qr(query, self.now, &mut self.rng, &overrides).unwrap()
    }

    /// A getQR query string for a login (or, with `ticket_id`, an anonymous page).
    pub fn login_query(&self, source: Source, ticket_id: Option<&str>) -> String {
        self.scoped_query(source, ALL_SCOPES, ticket_id)
    }

    /// A getQR query string asking for `scope`.
    pub fn scoped_query(&self, source: Source, scope: &str, ticket_id: Option<&str>) -> String {
        let query = GetQrQuery {
            client_id: CLIENT_ID.to_owned(),
            response_type: crate::vocab::ResponseType::Code,
            source,
            redirect_uri: LOGIN_URI.to_owned(),
            scope: Scopes::parse(scope).unwrap(),
            lang: None,
            state: Some("st4te_1".to_owned()),
            broker_page: None,
            ticket_id: ticket_id.map(str::to_owned),
        };
        query.url("")
    }

    /// Applies an app action, which must succeed.
    pub fn app(&mut self, ticket_id: &str, action: AppAction) -> Reply<AppView> {
        self.engine.app_act(ticket_id, action, self.now, &mut self.rng).unwrap()
    }

    /// Logs `persona` in from a desktop browser by QR (another device).
    pub fn login(&mut self, persona: &str) -> Login {
        self.login_from(persona, Source::PcBrowser)
    }

    /// Logs `persona` in through getQR from `source`.
    pub fn login_from(&mut self, persona: &str, source: Source) -> Login {
        self.login_with(persona, source, ALL_SCOPES)
    }

    /// Logs `persona` in through getQR from `source`, asking for `scope`.
    pub fn login_with(&mut self, persona: &str, source: Source, scope: &str) -> Login {
        let query = self.scoped_query(source, scope, None);
        let page = self
            .engine
            .get_qr(&query, self.now, &mut self.rng, &Overrides::default())
            .unwrap()
            .value;
        self.app(&page.ticket_id, open(persona));
        let reply = self.app(&page.ticket_id, approve());
        let query = redirect_query(&reply.outbound, LOGIN_URI);
        self.exchange(query.code.as_deref().unwrap())
    }

    /// getToken with `code`, which must succeed.
    pub fn exchange(&mut self, code: &str) -> Login {
        let answer = self.post(
            "/api/v1/auth/getToken",
            Some(json!({ "code": code, "grantType": "authorization_code" })),
        );
        assert_eq!(answer.code, Code::Success, "{}", answer.raw.body);
        let content = answer.content.unwrap();
        Login {
            token: content["accessToken"].as_str().unwrap().to_owned(),
            open_id: content["openID"].as_str().unwrap().to_owned(),
            content,
        }
    }

    /// Opens a POST callback as the e-service: its code and clear content. Adopts the CEK
    /// it carries.
    pub fn callback(&mut self, outbound: &[Outbound]) -> (Code, Option<Value>) {
        let [Outbound::Callback { url, body }] = outbound else {
            panic!("expected one callback, got {outbound:?}");
        };
        assert_eq!(url, CALLBACK_URI);
        let envelope: CallbackEnvelope = serde_json::from_str(body).unwrap();
        let content = envelope.content.map(|content| match content {
            Content::Clear(value) => value,
            Content::Sealed(b64) => {
                let secret =
                    envelope.secret_key.as_deref().expect("sealed callbacks carry secretKey");
                let cek = self.kek.unwrap_cek(secret, Padding::Pkcs1v15).unwrap();
                self.cek = Some(cek);
                serde_json::from_slice(&content::decrypt(&cek, &b64).unwrap()).unwrap()
            }
        });
        (envelope.code, content)
    }
}

/// The test KEK's private key.
pub fn test_kek() -> KekPrivateKey {
    KekPrivateKey::from_pem(include_str!("data/test-kek.key.pem")).unwrap()
}

/// Opens a task as `persona`.
pub fn open(persona: &str) -> AppAction {
    AppAction::Open { persona: persona.to_owned() }
}

/// Approves a task, releasing every requested field.
pub fn approve() -> AppAction {
    AppAction::Approve { persona: None, fields: None }
}

/// The query of the one redirect in `outbound`, which must go to `uri`.
pub fn redirect_query(outbound: &[Outbound], uri: &str) -> RedirectQuery {
    let [Outbound::Redirect { url, .. }] = outbound else {
        panic!("expected one redirect, got {outbound:?}");
    };
    let query = url.strip_prefix(uri).and_then(|q| q.strip_prefix('?')).unwrap_or_else(|| {
        panic!("redirect {url} does not go to {uri}");
    });
    RedirectQuery::parse(query).unwrap()
}
