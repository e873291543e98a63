//! Rate limiting of the mock API: a token bucket per client (or per IP address).
//!
//! Signed requests are counted against their `clientID` header, getQR and anything unsigned
//! against the caller's IP address. Each key gets `rate` tokens a second up to `burst`; a
//! request without a token is answered 429 with `Retry-After`. A rate of 0 turns it off.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use axum::{
    Json,
    extract::{ConnectInfo, Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::AppState;

/// The most keys remembered; beyond it, full buckets are forgotten.
const MAX_KEYS: usize = 10_000;

/// Token buckets by key.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// A limiter of `rate` requests a second with bursts of `burst`; off when `rate` is 0.
    pub fn new(rate: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            rate: f64::from(rate),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `key`; `Err` holds how long until one is available.
    pub fn take(&self, key: &str, now: Instant) -> Result<(), Duration> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, b| b.refilled(now, rate, burst) < burst);
        }
        let bucket =
            buckets.entry(key.to_owned()).or_insert(Bucket { tokens: self.burst, at: now });
        bucket.tokens = bucket.refilled(now, self.rate, self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.rate))
    }
}

impl Bucket {
    fn refilled(&self, now: Instant, rate: f64, burst: f64) -> f64 {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        (self.tokens + elapsed * rate).min(burst)
    }
}

/// Middleware: answers 429 when the caller's bucket is empty.
pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let client =
        req.headers().get("clientid").and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty());
    let key = match client {
        Some(id) => format!("client:{id}"),
        None => {
            let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
            format!("ip:{}", ip.map(|ip| ip.to_string()).unwrap_or_default())
        }
    };
    match state.limiter().take(&key, Instant::now()) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            let secs = wait.as_secs().max(1).to_string();
            let mut res = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(serde_json::json!({ "error": "rate limited: slow down and retry" })),
            )
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&secs) {
                res.headers_mut().insert(header::RETRY_AFTER, value);
            }
            res
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_the_rate() {
        let limiter = RateLimiter::new(10, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.take("a", t0).is_ok());
        }
        assert!(limiter.take("a", t0).is_err());
        assert!(limiter.take("b", t0).is_ok(), "keys have their own buckets");
        assert!(limiter.take("a", t0 + Duration::from_millis(100)).is_ok());
        assert!(RateLimiter::new(0, 0).take("a", t0).is_ok(), "a rate of 0 turns it off");
    }
}
