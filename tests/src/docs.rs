//! Executed documentation: the HTTP exchanges of the README, the guides and Things to Know,
//! parsed, checked and run against a real server.
//!
//! An exchange is an `http` code block holding a request to the sandbox (`Host: 127.0.0.1:8080`)
//! followed by an `http` block holding its response; a callback is an `http` block holding the
//! platform's POST to a demo client's inbox. An encrypted body (`{"content":"…"}`) is followed by
//! a `json` block with its clear content. [`check`] verifies what can be verified on paper:
//! signatures under the documented client's secret, ciphertexts under the published demo CEK and
//! key, no placeholders. [`Runner`] then replays a page's exchanges in order against a fresh
//! server: values a response gave (a `code`, an `accessToken`, a `ticketID`) replace the documented
//! ones in later requests, each request is signed again with a fresh timestamp and nonce, and the
//! status, the `code` and the field names of every answer and callback must be the documented
//! ones. With `IAMS_DOCS_BLESS=1` the runner rewrites the blocks from the live answers instead.

use std::{collections::BTreeMap, fmt::Write as _, time::Duration};

use anyhow::{Context as _, bail};
use protocol::{
    content::{self, ContentMode},
    demo::{self, DemoClient},
    headers::signed_headers,
    keys::{KekPrivateKey, Padding},
};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::http;

/// The address every documented exchange uses.
pub const DOC_HOST: &str = "127.0.0.1:8080";

/// A fenced code block: its language and its text, with where the text lies in the file.
#[derive(Debug, Clone)]
pub struct Block {
    pub lang: String,
    pub text: String,
    /// Byte range of the text in the file (the lines between the fences).
    pub range: std::ops::Range<usize>,
    /// Line of the opening fence, from 1.
    pub line: usize,
}

/// The fenced code blocks of a markdown file.
pub fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize, usize)> = None;
    let mut offset = 0;
    for (n, line) in markdown.split_inclusive('\n').enumerate() {
        let bare = line.trim_end();
        if let Some(rest) = bare.strip_prefix("```") {
            match open.take() {
                None => open = Some((rest.trim().to_owned(), offset + line.len(), n + 1)),
                Some((lang, start, first)) => {
                    let text = markdown[start..offset].trim_end_matches('\n').to_owned();
                    out.push(Block { lang, text, range: start..offset, line: first });
                }
            }
        }
        offset += line.len();
    }
    out
}

/// What a documented message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A request to the sandbox.
    Request,
    /// The sandbox's answer to the request before it.
    Response,
    /// The sandbox's POST callback to a demo client's inbox.
    Callback,
}

/// One documented message.
#[derive(Debug, Clone)]
pub struct Message {
    pub kind: Kind,
    /// Index of its `http` block.
    pub block: usize,
    /// Index of the `json` block with its clear content, for an encrypted body.
    pub opened: Option<usize>,
    /// That block's JSON.
    pub opened_value: Option<Value>,
    /// The first line (`POST /path HTTP/1.1` or `HTTP/1.1 200 OK`).
    pub first: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The demo client it belongs to.
    pub client: Option<DemoClient>,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Method and path of a request.
    pub fn target(&self) -> (&str, &str) {
        let mut parts = self.first.split(' ');
        (parts.next().unwrap_or(""), parts.next().unwrap_or(""))
    }

    /// Status of a response.
    pub fn status(&self) -> u16 {
        self.first.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
    }

    fn encrypted(&self) -> bool {
        self.client.is_some_and(|c| c.mode == ContentMode::Encrypted)
    }
}

/// The documented messages of a page, in order.
pub fn messages(blocks: &[Block]) -> Vec<Message> {
    let mut out: Vec<Message> = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        if block.lang != "http" {
            continue;
        }
        let (head, body) = block.text.split_once("\n\n").unwrap_or((&block.text, ""));
        let mut lines = head.lines();
        let first = lines.next().unwrap_or("").trim().to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let mut msg = Message {
            kind: Kind::Request,
            block: i,
            opened: None,
            opened_value: None,
            first,
            headers,
            body: body.to_owned(),
            client: None,
        };
        let to_sandbox = msg.header("Host") == Some(DOC_HOST);
        let (method, path) = msg.target();
        let (method, path) = (method.to_owned(), path.to_owned());
        if msg.first.starts_with("HTTP/1.1") {
            // The answer to the request just before, if that one was the sandbox's.
            let Some(prev) = out.last().filter(|m| m.kind == Kind::Request) else { continue };
            if prev.block + 1 + usize::from(prev.opened.is_some()) != i {
                continue;
            }
            msg.kind = Kind::Response;
            msg.client = prev.client;
        } else if to_sandbox && path.starts_with("/sandbox/inbox/") && method == "POST" {
            msg.kind = Kind::Callback;
            let id = path.trim_start_matches("/sandbox/inbox/");
            msg.client = demo::client(id.split(['/', '?']).next().unwrap_or(""));
        } else if to_sandbox && path.starts_with("/api/") {
            msg.client = match msg.header("clientID") {
                Some(id) => demo::client(id),
                None => query_param(&path, "clientID").and_then(|id| demo::client(&id)),
            };
        } else {
            continue;
        }
        let sealed = serde_json::from_str::<Value>(&msg.body)
            .ok()
            .is_some_and(|v| v.get("content").is_some_and(Value::is_string));
        if sealed && blocks.get(i + 1).is_some_and(|b| b.lang == "json") {
            msg.opened = Some(i + 1);
            msg.opened_value = serde_json::from_str(&blocks[i + 1].text).ok();
        }
        out.push(msg);
    }
    out
}

/// The value of `name` in the query of `url`, percent-decoded.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    query(url).into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

/// The query of `url` as decoded name/value pairs.
pub fn query(url: &str) -> Vec<(String, String)> {
    let Some((_, query)) = url.split_once('?') else { return Vec::new() };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(n), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&text[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 3;
                }
                Err(_) => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// JSON text without the whitespace between tokens, keys in their order.
pub fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// JSON text indented by two spaces, keys in their order.
pub fn pretty(json: &str) -> String {
    let compact = minify(json);
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let chars: Vec<char> = compact.chars().collect();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                if chars.get(i + 1) != Some(&close) {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                let open = if c == '}' { '{' } else { '[' };
                if i > 0 && chars[i - 1] != open {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

/// A problem found on paper: where, and what.
fn problem(file: &str, block: &Block, what: impl std::fmt::Display) -> String {
    format!("{file}:{}: {what}", block.line)
}

/// The published demo KEK.
pub fn demo_kek() -> KekPrivateKey {
    KekPrivateKey::from_pem(demo::KEK_PRIVATE_PEM)
        .unwrap_or_else(|_| unreachable!("tested in protocol"))
}

/// Checks a page's messages on paper: signatures, ciphertexts, opened contents, placeholders.
pub fn check(file: &str, blocks: &[Block], messages: &[Message]) -> Vec<String> {
    let mut problems = Vec::new();
    for msg in messages {
        let block = &blocks[msg.block];
        // An answer may quote "..." (the sandbox's own messages do); a request may not.
        for word in ["placeholder", "<clientID>", "<signature>", "…", "..."] {
            if block.text.contains(word) && (word != "..." || msg.kind == Kind::Request) {
                problems.push(problem(
                    file,
                    block,
                    format!("a placeholder ({word}) in a documented exchange"),
                ));
            }
        }
        let Some(client) = msg.client else {
            if msg.kind != Kind::Response {
                problems.push(problem(file, block, "not one of the well-known demo clients"));
            }
            continue;
        };
        if msg.kind == Kind::Request && msg.target().0 == "POST" {
            let field = |name: &str| msg.header(name).unwrap_or("");
            let timestamp: u64 = field("timestamp").parse().unwrap_or(0);
            let expected = signed_headers(
                client.client_id,
                client.secret,
                timestamp,
                field("nonce"),
                msg.body.as_bytes(),
            );
            if field("signature") != expected[4].1 {
                problems.push(problem(
                    file,
                    block,
                    format!(
                        "the signature is not the demo secret's for this body: expected {}",
                        expected[4].1
                    ),
                ));
            }
            if field("signatureMethod") != "HmacSHA256" {
                problems.push(problem(file, block, "signatureMethod must be HmacSHA256"));
            }
        }
        let Ok(body) = serde_json::from_str::<Value>(&msg.body) else {
            if !msg.body.is_empty() {
                problems.push(problem(file, block, "the body is not JSON"));
            }
            continue;
        };
        if msg.encrypted() {
            if let Some(wrapped) =
                body.pointer("/content/secretKey").or(body.get("secretKey")).and_then(Value::as_str)
                && demo_kek().unwrap_cek(wrapped, Padding::Pkcs1v15).ok() != Some(demo::DOC_CEK)
            {
                problems.push(problem(
                    file,
                    block,
                    "secretKey is not the demo CEK wrapped under the demo KEK",
                ));
            }
            if let Some(sealed) = body.get("content").and_then(Value::as_str) {
                let clear = content::decrypt(&demo::DOC_CEK, sealed)
                    .ok()
                    .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
                let shown =
                    msg.opened.and_then(|o| serde_json::from_str::<Value>(&blocks[o].text).ok());
                match (clear, shown) {
                    (None, _) => problems.push(problem(
                        file,
                        block,
                        "content does not decrypt with the demo CEK",
                    )),
                    (Some(_), None) => problems.push(problem(
                        file,
                        block,
                        "an encrypted body needs its clear content in a json block after it",
                    )),
                    (Some(clear), Some(shown)) if clear != shown => problems.push(problem(
                        file,
                        block,
                        "the json block after it is not what content decrypts to",
                    )),
                    _ => {}
                }
            }
        }
    }
    problems
}

/// Rewrites of blocks: index and new text.
pub type Rewrites = BTreeMap<usize, String>;

/// Replays a page's messages against one running server.
#[derive(Debug)]
pub struct Runner {
    /// `http://127.0.0.1:<port>`.
    base: String,
    /// Documented value → the value this run got, learned from answers.
    vars: Vec<(String, String)>,
    /// The CEK each client got from getKey in this run.
    ceks: BTreeMap<&'static str, [u8; 32]>,
    /// Callbacks already matched, per client.
    seen: BTreeMap<&'static str, usize>,
    last_ms: u64,
    sent: u64,
    /// Rewrite the blocks from the live answers instead of comparing.
    pub bless: bool,
    pub rewrites: Rewrites,
    problems: Vec<String>,
}

impl Runner {
    pub fn new(base: String, bless: bool) -> Runner {
        Runner {
            base,
            vars: Vec::new(),
            ceks: BTreeMap::new(),
            seen: BTreeMap::new(),
            last_ms: 0,
            sent: 0,
            bless,
            rewrites: Rewrites::new(),
            problems: Vec::new(),
        }
    }

    fn live_host(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// Documented text as this run sends it: earlier answers' values and this server's address.
    fn to_live(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (doc, live) in &self.vars {
            out = out.replace(doc.as_str(), live);
        }
        let host = self.live_host().to_owned();
        out.replace(DOC_HOST, &host)
            .replace(&DOC_HOST.replace(':', "%3A"), &host.replace(':', "%3A"))
    }

    /// Live text as documented: this server's address written as the documented one.
    fn to_doc(&self, text: &str) -> String {
        let host = self.live_host().to_owned();
        text.replace(&host, DOC_HOST)
            .replace(&host.replace(':', "%3A"), &DOC_HOST.replace(':', "%3A"))
    }

    /// Remembers the values a live answer gave where the documentation shows others.
    fn learn(&mut self, doc: &Value, live: &Value) {
        match (doc, live) {
            (Value::String(d), Value::String(l))
                if d != l && d.len() >= 6 && !self.vars.iter().any(|(k, _)| k == d) =>
            {
                self.vars.push((d.clone(), l.clone()));
            }
            (Value::Object(d), Value::Object(l)) => {
                for (k, dv) in d {
                    if let Some(lv) = l.get(k) {
                        self.learn(dv, lv);
                    }
                }
            }
            (Value::Array(d), Value::Array(l)) => {
                for (dv, lv) in d.iter().zip(l) {
                    self.learn(dv, lv);
                }
            }
            _ => {}
        }
    }

    /// Learns the values of the query parameters both name.
    fn learn_query(&mut self, doc: &[(String, String)], live: &[(String, String)]) {
        for (name, d) in doc {
            if let Some((_, l)) = live.iter().find(|(n, _)| n == name) {
                self.learn(&Value::String(d.clone()), &Value::String(l.clone()));
            }
        }
    }

    /// Starts a new page: its blocks are numbered afresh.
    pub fn take_rewrites(&mut self) -> Rewrites {
        std::mem::take(&mut self.rewrites)
    }

    fn fresh(&mut self) -> (u64, String) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        self.last_ms = now.max(self.last_ms + 1);
        self.sent += 1;
        let nonce =
            hex(&Sha256::digest(format!("{}-{}", self.last_ms, self.sent).as_bytes())[..16]);
        (self.last_ms, nonce)
    }

    /// Runs every message of a page in order; returns the problems found.
    pub async fn run(&mut self, file: &str, blocks: &[Block], messages: &[Message]) -> Vec<String> {
        let mut doc_clock = 0u64;
        for (n, msg) in messages.iter().enumerate() {
            // A problem is reported at the block that shows what was expected.
            let (at, result) = match msg.kind {
                Kind::Request => {
                    // A request shown without its answer is an example on paper only.
                    let Some(answer) = messages.get(n + 1).filter(|m| m.kind == Kind::Response)
                    else {
                        continue;
                    };
                    doc_clock += 1;
                    (answer.block, self.request(file, blocks, msg, answer, doc_clock).await)
                }
                Kind::Response => continue,
                Kind::Callback => (msg.block, self.callback(blocks, msg).await),
            };
            if let Err(err) = result {
                self.problems.push(problem(file, &blocks[at], format!("{err:#}")));
            }
        }
        std::mem::take(&mut self.problems)
    }

    async fn request(
        &mut self,
        file: &str,
        blocks: &[Block],
        msg: &Message,
        answer: &Message,
        doc_clock: u64,
    ) -> anyhow::Result<()> {
        let client = msg.client.context("no demo client")?;
        let (method, path) = msg.target();
        let path = self.to_live(path);
        let extra: Vec<(String, String)> = msg
            .headers
            .iter()
            .filter(|(n, _)| n.to_ascii_lowercase().starts_with("x-sandbox-"))
            .cloned()
            .collect();
        let mut headers: Vec<(String, String)> = extra.clone();
        let body = if method == "POST" {
            // The business JSON this run sends, and what the page will show in bless mode.
            let clear = match msg.opened {
                Some(o) => Some(self.to_live(&blocks[o].text)),
                None if msg.encrypted() || msg.body.is_empty() => None,
                None => Some(self.to_live(&msg.body)),
            };
            let body = match (&clear, msg.encrypted()) {
                (Some(clear), true) => {
                    let cek = self
                        .ceks
                        .get(client.client_id)
                        .context("no CEK yet: the page needs getKey first")?;
                    let iv: [u8; 12] = Sha256::digest(self.sent.to_be_bytes())[..12].try_into()?;
                    let sealed = content::encrypt(cek, iv, minify(clear).as_bytes());
                    serde_json::json!({ "content": sealed }).to_string()
                }
                (Some(clear), false) => clear.clone(),
                (None, _) => String::new(),
            };
            let (ts, nonce) = self.fresh();
            for (name, value) in
                signed_headers(client.client_id, client.secret, ts, &nonce, body.as_bytes())
            {
                headers.push((name.to_owned(), value));
            }
            headers.push(("Content-Type".into(), "application/json".into()));
            if self.bless {
                self.bless_request(file, blocks, msg, clear.as_deref(), &extra, doc_clock);
            }
            body
        } else {
            if self.bless {
                self.rewrites
                    .insert(msg.block, self.to_doc(&self.to_live(&blocks[msg.block].text)));
            }
            String::new()
        };
        let refs: Vec<(&str, &str)> =
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let url = format!("{}{path}", self.base);
        let res = match method {
            "GET" => http::get(&url, &refs).await?,
            _ => http::post(&url, &refs, body).await?,
        };
        self.answer(blocks, client, answer, &res)
    }

    /// Rewrites a request block (and its opened block) with the demo values.
    fn bless_request(
        &mut self,
        file: &str,
        blocks: &[Block],
        msg: &Message,
        clear: Option<&str>,
        extra: &[(String, String)],
        doc_clock: u64,
    ) {
        let Some(client) = msg.client else { return };
        let clear = clear.map(|c| self.to_doc(c));
        let body = match (&clear, msg.encrypted()) {
            (Some(clear), true) => {
                let sealed =
                    content::encrypt(&demo::DOC_CEK, demo::DOC_IV, minify(clear).as_bytes());
                serde_json::json!({ "content": sealed }).to_string()
            }
            (Some(clear), false) => clear.clone(),
            (None, _) => String::new(),
        };
        let ts = 1_735_689_600_000 + doc_clock * 1000;
        let nonce = hex(&Sha256::digest(format!("{file}#{doc_clock}").as_bytes())[..16]);
        let mut text = format!("{}\nHost: {DOC_HOST}\n", msg.first);
        for (name, value) in
            signed_headers(client.client_id, client.secret, ts, &nonce, body.as_bytes())
        {
            let _ = writeln!(text, "{name}: {value}");
        }
        for (name, value) in extra {
            let _ = writeln!(text, "{name}: {value}");
        }
        text.push_str("Content-Type: application/json\n\n");
        text.push_str(&body);
        self.rewrites.insert(msg.block, text.trim_end().to_owned());
        if let (Some(o), Some(clear)) = (msg.opened, clear) {
            let _ = blocks;
            self.rewrites.insert(o, clear);
        }
    }

    /// Compares (or, blessing, rewrites) a documented response with the live one.
    fn answer(
        &mut self,
        blocks: &[Block],
        client: DemoClient,
        doc: &Message,
        res: &http::Response,
    ) -> anyhow::Result<()> {
        if self.bless {
            return self.bless_answer(client, doc, res);
        }
        if doc.status() != res.status {
            bail!(
                "answered HTTP {} where the page shows {}: {}",
                res.status,
                doc.status(),
                res.text()
            );
        }
        if let Some(location) = doc.header("Location") {
            let live = res.header("location").context("no Location header")?.to_owned();
            let (dp, lp) =
                (location.split('?').next().unwrap_or(""), live.split('?').next().unwrap_or(""));
            if self.to_live(dp) != lp {
                bail!("redirected to {lp} where the page shows {dp}");
            }
            let names =
                |q: &[(String, String)]| q.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
            let (dq, lq) = (query(location), query(&live));
            if names(&dq) != names(&lq) {
                bail!("redirect parameters {:?} where the page shows {:?}", names(&lq), names(&dq));
            }
            self.learn_query(&dq, &lq);
        }
        if doc.body.trim().is_empty() {
            return Ok(());
        }
        let documented: Value =
            serde_json::from_str(&doc.body).context("the documented answer is not JSON")?;
        let live = res.json()?;
        self.compare_envelope(blocks, client, doc, &documented, &live, None)
    }

    /// Compares code and field names of an envelope and its content; learns the values.
    fn compare_envelope(
        &mut self,
        blocks: &[Block],
        client: DemoClient,
        doc: &Message,
        documented: &Value,
        live: &Value,
        live_cek: Option<[u8; 32]>,
    ) -> anyhow::Result<()> {
        if documented.get("code") != live.get("code") {
            bail!(
                "answered {} ({}) where the page shows {}",
                live["code"],
                live["message"],
                documented["code"]
            );
        }
        let mut diffs = Vec::new();
        shape_diff("", documented, live, &mut diffs, true);
        if !diffs.is_empty() {
            bail!("the answer's fields differ: {}", diffs.join("; "));
        }
        // getKey: the CEK of this run.
        if let Some(wrapped) = live.pointer("/content/secretKey").and_then(Value::as_str) {
            let cek = demo_kek()
                .unwrap_cek(wrapped, Padding::Pkcs1v15)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            self.ceks.insert(client.client_id, cek);
        }
        let (doc_content, live_content) = match (documented.get("content"), live.get("content")) {
            (Some(Value::String(d)), Some(Value::String(l))) => {
                let cek = live_cek
                    .or_else(|| self.ceks.get(client.client_id).copied())
                    .context("no CEK to open the answer")?;
                let l =
                    content::decrypt(&cek, l).map_err(|e| anyhow::anyhow!("live content: {e}"))?;
                let d = doc.opened.map(|o| blocks[o].text.clone()).unwrap_or_else(|| d.clone());
                (serde_json::from_str::<Value>(&d)?, serde_json::from_slice::<Value>(&l)?)
            }
            (Some(d), Some(l)) => (d.clone(), l.clone()),
            _ => (Value::Null, Value::Null),
        };
        let mut diffs = Vec::new();
        shape_diff("content", &doc_content, &live_content, &mut diffs, false);
        if !diffs.is_empty() {
            bail!("the content's fields differ: {}", diffs.join("; "));
        }
        self.learn(&doc_content, &live_content);
        self.learn(documented, live);
        Ok(())
    }

    /// Rewrites a response block (and its opened block) from the live answer.
    fn bless_answer(
        &mut self,
        client: DemoClient,
        doc: &Message,
        res: &http::Response,
    ) -> anyhow::Result<()> {
        let reason = match res.status {
            200 => "OK",
            302 => "Found",
            303 => "See Other",
            400 => "Bad Request",
            404 => "Not Found",
            _ => "",
        };
        let mut text = format!("HTTP/1.1 {} {reason}\n", res.status);
        if let Some(location) = res.header("location") {
            let documented = doc.header("Location").unwrap_or("");
            self.learn_query(&query(documented), &query(location));
            let _ = writeln!(text, "Location: {}", self.to_doc(location));
            self.rewrites.insert(doc.block, text.trim_end().to_owned());
            return Ok(());
        }
        let live_text = res.text();
        let live: Value = res.json()?;
        let documented: Value = serde_json::from_str(&doc.body).unwrap_or(Value::Null);
        let mut body = live_text.clone();
        if let Some(wrapped) = live.pointer("/content/secretKey").and_then(Value::as_str) {
            let cek = demo_kek()
                .unwrap_cek(wrapped, Padding::Pkcs1v15)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            self.ceks.insert(client.client_id, cek);
            body = body.replace(wrapped, &demo_wrapped()?);
        }
        let mut opened = None;
        if let Some(sealed) = live.get("content").and_then(Value::as_str) {
            let cek = self.ceks.get(client.client_id).context("no CEK to open the answer")?;
            let clear = content::decrypt(cek, sealed).map_err(|e| anyhow::anyhow!("{e}"))?;
            let clear = String::from_utf8(clear)?;
            body = body
                .replace(sealed, &content::encrypt(&demo::DOC_CEK, demo::DOC_IV, clear.as_bytes()));
            opened = Some(clear);
        }
        let _ = writeln!(text, "Content-Type: application/json\n\n{}", pretty(&self.to_doc(&body)));
        self.rewrites.insert(doc.block, text.trim_end().to_owned());
        if let (Some(o), Some(clear)) = (doc.opened, &opened) {
            self.rewrites.insert(o, pretty(&self.to_doc(clear)));
        }
        self.learn_opened(doc, opened.as_deref(), documented, live);
        Ok(())
    }

    /// Learns from a documented answer (its opened block, for encrypted content) and the
    /// live one (`opened`: its decrypted content).
    fn learn_opened(
        &mut self,
        doc: &Message,
        opened: Option<&str>,
        documented: Value,
        live: Value,
    ) {
        if let Some(clear) = opened
            && let Ok(live_content) = serde_json::from_str::<Value>(clear)
        {
            let doc_content = match doc.opened {
                Some(_) => doc.opened_value.clone().unwrap_or(Value::Null),
                None => Value::Null,
            };
            self.learn(&doc_content, &live_content);
        }
        self.learn(&documented, &live);
    }

    /// Waits for the next callback to the client's inbox and compares (or rewrites) it.
    async fn callback(&mut self, blocks: &[Block], doc: &Message) -> anyhow::Result<()> {
        let client = doc.client.context("not a demo client's inbox")?;
        let seen = self.seen.get(client.client_id).copied().unwrap_or(0);
        let url = format!("{}/sandbox/inbox/{}/entries", self.base, client.client_id);
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        let entry = loop {
            let entries = http::get(&url, &[]).await?.json()?;
            let mut posts: Vec<Value> = entries
                .as_array()
                .into_iter()
                .flatten()
                .filter(|e| e["method"] == "POST")
                .cloned()
                .collect();
            posts.reverse();
            if let Some(entry) = posts.get(seen) {
                break entry.clone();
            }
            if std::time::Instant::now() > deadline {
                bail!("no callback arrived within 15 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        self.seen.insert(client.client_id, seen + 1);
        let live_text = entry["body"].as_str().unwrap_or("").to_owned();
        let live: Value = serde_json::from_str(&live_text)?;
        let cek = match live.get("secretKey").and_then(Value::as_str) {
            Some(wrapped) => Some(
                demo_kek()
                    .unwrap_cek(wrapped, Padding::Pkcs1v15)
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            ),
            None => None,
        };
        if self.bless {
            let mut body = live_text.clone();
            let mut opened = None;
            if let Some(wrapped) = live.get("secretKey").and_then(Value::as_str) {
                body = body.replace(wrapped, &demo_wrapped()?);
            }
            if let (Some(sealed), Some(cek)) = (live.get("content").and_then(Value::as_str), cek) {
                let clear = String::from_utf8(
                    content::decrypt(&cek, sealed).map_err(|e| anyhow::anyhow!("{e}"))?,
                )?;
                body = body.replace(
                    sealed,
                    &content::encrypt(&demo::DOC_CEK, demo::DOC_IV, clear.as_bytes()),
                );
                opened = Some(clear);
            }
            let text = format!(
                "{}\nHost: {DOC_HOST}\nContent-Type: application/json\n\n{}",
                doc.first,
                pretty(&self.to_doc(&body))
            );
            self.rewrites.insert(doc.block, text);
            if let (Some(o), Some(clear)) = (doc.opened, &opened) {
                self.rewrites.insert(o, pretty(&self.to_doc(clear)));
            }
            let documented: Value = serde_json::from_str(&doc.body).unwrap_or(Value::Null);
            self.learn_opened(doc, opened.as_deref(), documented, live);
            return Ok(());
        }
        let documented: Value =
            serde_json::from_str(&doc.body).context("the documented callback is not JSON")?;
        self.compare_envelope(blocks, client, doc, &documented, &live, cek)
    }
}

/// The demo CEK wrapped under the demo KEK, as a fresh `secretKey`.
fn demo_wrapped() -> anyhow::Result<String> {
    use rand_chacha::rand_core::SeedableRng as _;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos();
    let seed: [u8; 32] = Sha256::digest(now.to_be_bytes()).into();
    let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
    protocol::keys::wrap_cek(&demo_kek().kek(), &demo::DOC_CEK, Padding::Pkcs1v15, &mut rng)
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Differences in field names between a documented and a live value, by path. `top` compares
/// only the envelope's own names (its content is compared once opened).
fn shape_diff(path: &str, doc: &Value, live: &Value, out: &mut Vec<String>, top: bool) {
    match (doc, live) {
        (Value::Object(d), Value::Object(l)) => {
            for k in d.keys().filter(|k| !l.contains_key(*k)) {
                out.push(format!("{path}.{k} is documented but not answered"));
            }
            for k in l.keys().filter(|k| !d.contains_key(*k)) {
                out.push(format!("{path}.{k} is answered but not documented"));
            }
            if top {
                return;
            }
            for (k, dv) in d {
                if let Some(lv) = l.get(k) {
                    shape_diff(&format!("{path}.{k}"), dv, lv, out, false);
                }
            }
        }
        (Value::Array(d), Value::Array(l)) => {
            if let (Some(dv), Some(lv)) = (d.first(), l.first()) {
                shape_diff(&format!("{path}[0]"), dv, lv, out, false);
            }
        }
        (Value::Object(_), _) | (_, Value::Object(_)) => {
            out.push(format!("{path} is not an object in both"))
        }
        _ => {}
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `text` with the rewritten blocks put in.
pub fn apply(text: &str, blocks: &[Block], rewrites: &Rewrites) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (i, new) in rewrites {
        let range = &blocks[*i].range;
        out.push_str(&text[at..range.start]);
        out.push_str(new);
        out.push('\n');
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_and_minify_keep_key_order_and_strings() {
        let text = r#"{"z":1,"a":{"b":[1,2],"c":{}},"s":"a, {b}: \"c\""}"#;
        assert_eq!(minify(&pretty(text)), text);
        assert!(pretty(text).starts_with("{\n  \"z\": 1,\n  \"a\": {\n    \"b\": [\n"));
    }

    #[test]
    fn blocks_and_queries_parse() {
        let md = "text\n\n```http\nGET /x?a=1&b=c%3Dd HTTP/1.1\nHost: 127.0.0.1:8080\n```\n\n```json\n{}\n```\n";
        let found = blocks(md);
        assert_eq!(found.len(), 2);
        assert_eq!(&md[found[1].range.clone()], "{}\n");
        assert_eq!(query_param("/x?a=1&b=c%3Dd", "b").as_deref(), Some("c=d"));
    }
}
