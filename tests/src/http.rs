//! A small HTTP/1.1 client for tests, on hyper. It never follows redirects.

use http_body_util::{BodyExt as _, Full};
use hyper::{Method, Request, body::Bytes, header::HeaderMap};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};

/// A response with its body read in full.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body)
            .map_err(|err| anyhow::anyhow!("not JSON ({err}): {}", self.text()))
    }
}

/// `GET url` with extra `headers`.
pub async fn get(url: &str, headers: &[(&str, &str)]) -> anyhow::Result<Response> {
    request(Method::GET, url, headers, Vec::new()).await
}

/// `POST url` with `headers` and `body`.
pub async fn post(
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Vec<u8>>,
) -> anyhow::Result<Response> {
    request(Method::POST, url, headers, body.into()).await
}

/// Any request.
pub async fn request(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> anyhow::Result<Response> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut req = Request::builder().method(method).uri(url);
    for &(name, value) in headers {
        req = req.header(name, value);
    }
    let res = client.request(req.body(Full::new(Bytes::from(body)))?).await?;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await?.to_bytes();
    Ok(Response { status, headers, body })
}
