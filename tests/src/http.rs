//! A small HTTP/1.1 client for tests, on hyper.

use http_body_util::{BodyExt as _, Empty};
use hyper::{Request, body::Bytes, header::HeaderMap};
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
}

/// `GET url` with extra `headers`.
pub async fn get(url: &str, headers: &[(&str, &str)]) -> anyhow::Result<Response> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let mut req = Request::get(url);
    for &(name, value) in headers {
        req = req.header(name, value);
    }
    let res = client.request(req.body(Empty::new())?).await?;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await?.to_bytes();
    Ok(Response { status, headers, body })
}
