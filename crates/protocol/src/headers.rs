//! Request headers: checking a signed POST and defending against replays.
//!
//! Every POST from an online service carries `clientID`, `signatureMethod`, `timestamp`,
//! `nonce` and `signature`. Checking them is two steps, so that nothing unauthenticated can
//! reach the replay state:
//!
//! 1. [`verify_request`] looks at the raw header values and body only. In this order it
//!    rejects a missing header (`D20001`), an empty one (`D20002`), an invalid one
//!    (`D20003`: unknown client, malformed timestamp or nonce), a signature method other than
//!    `HmacSHA256` (`D20005`) and a wrong signature (`D20006`). Each phase looks at the
//!    headers in wire order (`clientID`, `signatureMethod`, `timestamp`, `nonce`,
//!    `signature`), so the first offending header is the one reported. On success it returns
//!    a [`VerifiedRequest`], which only this function can make.
//! 2. [`ReplayGuard::admit`] takes that verified request and the client's replay state,
//!    which the caller owns and persists. It applies the optional clock-skew check
//!    (`D20003`), then rejects a nonce already used by the client (`D20004`) and a
//!    timestamp older than the client's last accepted one (`D20004`). Only an admitted
//!    request changes the state.
//!
//! The monotonic timestamp is the main defence: replaying any older request fails it. The
//! nonce memory catches what it cannot, namely a replay of the newest request and a nonce
//! reused with a fresh timestamp. It is bounded by [`ReplayConfig`] in both age and size.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::{
    Error,
    error::Param,
    signing::{self, SIGNATURE_METHOD, SignatureInput},
};

/// The `clientID` header name, as spelled on the wire.
pub const CLIENT_ID: &str = "clientID";
/// The `signatureMethod` header name.
pub const SIGNATURE_METHOD_HEADER: &str = "signatureMethod";
/// The `timestamp` header name.
pub const TIMESTAMP: &str = "timestamp";
/// The `nonce` header name.
pub const NONCE: &str = "nonce";
/// The `signature` header name.
pub const SIGNATURE: &str = "signature";

/// The longest nonce accepted: the length of a UUID in its text form.
pub const MAX_NONCE_LEN: usize = 36;

/// The five signed-request headers exactly as received; `None` when a header is absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestHeaders<'a> {
    /// The `clientID` header.
    pub client_id: Option<&'a str>,
    /// The `signatureMethod` header.
    pub signature_method: Option<&'a str>,
    /// The `timestamp` header.
    pub timestamp: Option<&'a str>,
    /// The `nonce` header.
    pub nonce: Option<&'a str>,
    /// The `signature` header.
    pub signature: Option<&'a str>,
}

/// A request whose headers are well formed and whose signature matches the client's secret.
///
/// Only [`verify_request`] creates one, so holding it proves the checks up to `D20006`
/// passed. Pass it to [`ReplayGuard::admit`] for the replay checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedRequest<'a> {
    client_id: &'a str,
    timestamp_ms: u64,
    nonce: &'a str,
}

/// Limits of the replay defence. [`ReplayConfig::default`] documents the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayConfig {
    /// How long a nonce is remembered, in milliseconds after the timestamp of the request
    /// that used it. Age is measured against the timestamps of later requests of the same
    /// client, not against a server clock.
    pub nonce_window_ms: u64,
    /// The most nonces remembered per client; when full, the oldest is forgotten first.
    pub max_nonces: usize,
    /// When set, a timestamp further than this many milliseconds from the caller's `now_ms`
    /// (either way) is rejected as an invalid `timestamp` (`D20003`). Whether the real
    /// platform checks clock skew is unknown, so the default is off.
    pub max_clock_skew_ms: Option<u64>,
}

/// One client's replay state: the last accepted timestamp and the recently used nonces.
///
/// The caller owns it, keeps one per client, and stores it between requests (it serialises
/// with serde). It only changes when [`ReplayGuard::admit`] accepts a request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "GuardRepr", into = "GuardRepr")]
pub struct ReplayGuard {
    last_timestamp_ms: Option<u64>,
    /// Remembered nonces, oldest first. Timestamps never decrease along the queue, because
    /// only requests that pass the monotonic check are recorded.
    recent: VecDeque<SeenNonce>,
    /// The same nonces as `recent`, each with its timestamp, for lookups.
    index: HashMap<String, u64>,
}

/// Runs every check that needs no replay state, in the documented order.
///
/// `secret_of` maps a client ID to that client's secret, or `None` when the client is
/// unknown. `body` is the raw request body as received (empty when there is none).
pub fn verify_request<'a, S: AsRef<str>>(
    headers: &RequestHeaders<'a>,
    body: &[u8],
    secret_of: impl FnOnce(&str) -> Option<S>,
) -> Result<VerifiedRequest<'a>, Error> {
    let [client_id, signature_method, timestamp, nonce, signature] =
        check_present(headers.fields())?;
    check_not_empty(&[
        (CLIENT_ID, client_id),
        (SIGNATURE_METHOD_HEADER, signature_method),
        (TIMESTAMP, timestamp),
        (NONCE, nonce),
        (SIGNATURE, signature),
    ])?;
    let secret = check_client_known(client_id, secret_of)?;
    let timestamp_ms = check_timestamp_format(timestamp)?;
    check_nonce_format(nonce)?;
    check_signature_method(signature_method)?;
    let input = SignatureInput { client_id, signature_method, timestamp, nonce, body };
    check_signature(secret.as_ref(), &input, signature)?;
    Ok(VerifiedRequest { client_id, timestamp_ms, nonce })
}

/// Builds the five header name/value pairs of a signed request, as an online service sends
/// them; the signature is URL-encoded Base64.
pub fn signed_headers(
    client_id: &str,
    client_secret: &str,
    timestamp_ms: u64,
    nonce: &str,
    body: &[u8],
) -> [(&'static str, String); 5] {
    let timestamp = timestamp_ms.to_string();
    let input = SignatureInput {
        client_id,
        signature_method: SIGNATURE_METHOD,
        timestamp: &timestamp,
        nonce,
        body,
    };
    let signature = signing::sign(client_secret, &input);
    [
        (CLIENT_ID, client_id.to_owned()),
        (SIGNATURE_METHOD_HEADER, SIGNATURE_METHOD.to_owned()),
        (TIMESTAMP, timestamp),
        (NONCE, nonce.to_owned()),
        (SIGNATURE, signature),
    ]
}

impl<'a> RequestHeaders<'a> {
    /// Reads the five headers through `get`, which maps a header name (as spelled in this
    /// module's constants) to its value.
    pub fn from_fn(mut get: impl FnMut(&str) -> Option<&'a str>) -> Self {
        RequestHeaders {
            client_id: get(CLIENT_ID),
            signature_method: get(SIGNATURE_METHOD_HEADER),
            timestamp: get(TIMESTAMP),
            nonce: get(NONCE),
            signature: get(SIGNATURE),
        }
    }

    fn fields(&self) -> [(&'static str, Option<&'a str>); 5] {
        [
            (CLIENT_ID, self.client_id),
            (SIGNATURE_METHOD_HEADER, self.signature_method),
            (TIMESTAMP, self.timestamp),
            (NONCE, self.nonce),
            (SIGNATURE, self.signature),
        ]
    }
}

impl<'a> VerifiedRequest<'a> {
    /// The client that signed the request.
    pub fn client_id(&self) -> &'a str {
        self.client_id
    }

    /// The request's timestamp, in milliseconds since the Unix epoch.
    pub fn timestamp_ms(&self) -> u64 {
        self.timestamp_ms
    }

    /// The request's nonce.
    pub fn nonce(&self) -> &'a str {
        self.nonce
    }
}

impl Default for ReplayConfig {
    /// Nonces are remembered for 24 hours and at most 100 000 per client; no clock-skew
    /// check. Both memory limits are choices of this sandbox: the real values are unknown.
    fn default() -> Self {
        ReplayConfig {
            nonce_window_ms: 24 * 60 * 60 * 1000,
            max_nonces: 100_000,
            max_clock_skew_ms: None,
        }
    }
}

impl ReplayGuard {
    /// Applies the replay checks to a verified request and, if it passes, records it.
    ///
    /// `now_ms` is the caller's clock; it is only read when `config.max_clock_skew_ms` is
    /// set. A rejected request leaves the state untouched.
    pub fn admit(
        &mut self,
        request: &VerifiedRequest<'_>,
        config: &ReplayConfig,
        now_ms: u64,
    ) -> Result<(), Error> {
        check_clock_skew(request.timestamp_ms, now_ms, config.max_clock_skew_ms)?;
        self.check_nonce_unused(request.nonce, request.timestamp_ms, config)?;
        self.check_timestamp_monotonic(request.timestamp_ms)?;
        self.record(request.nonce, request.timestamp_ms, config);
        Ok(())
    }

    /// The one replay check that needs no memory of earlier requests: the timestamp's
    /// distance from `now_ms`, when `config.max_clock_skew_ms` is set. For stores that keep
    /// the replay memory themselves and apply the other checks as [`ReplayGuard::admit`]
    /// does.
    pub fn check_clock_skew(
        request: &VerifiedRequest<'_>,
        config: &ReplayConfig,
        now_ms: u64,
    ) -> Result<(), Error> {
        check_clock_skew(request.timestamp_ms, now_ms, config.max_clock_skew_ms)
    }

    /// The timestamp of the last admitted request, if any.
    pub fn last_timestamp_ms(&self) -> Option<u64> {
        self.last_timestamp_ms
    }

    /// How many nonces are currently remembered.
    pub fn remembered_nonces(&self) -> usize {
        self.recent.len()
    }

    /// The remembered nonces with the timestamps of the requests that used them, oldest
    /// first: a store can save the ones added since it last looked, from the back.
    pub fn remembered(&self) -> impl DoubleEndedIterator<Item = (&str, u64)> {
        self.recent.iter().map(|it| (it.nonce.as_str(), it.timestamp_ms))
    }

    /// The guard that [`ReplayGuard::last_timestamp_ms`] and [`ReplayGuard::remembered`]
    /// describe (nonces oldest first), e.g. as a store saved it.
    pub fn restore(
        last_timestamp_ms: Option<u64>,
        remembered: impl IntoIterator<Item = (String, u64)>,
    ) -> ReplayGuard {
        let nonces = remembered
            .into_iter()
            .map(|(nonce, timestamp_ms)| SeenNonce { nonce, timestamp_ms })
            .collect();
        GuardRepr { last_timestamp_ms, nonces }.into()
    }

    /// Rejects a nonce this client used within the window before `timestamp_ms`.
    fn check_nonce_unused(
        &self,
        nonce: &str,
        timestamp_ms: u64,
        config: &ReplayConfig,
    ) -> Result<(), Error> {
        // A remembered nonce that has aged out (but was not yet evicted) may be used again.
        match self.index.get(nonce) {
            Some(&seen_ms) if !expired(seen_ms, timestamp_ms, config) => Err(Error::NonceReused),
            _ => Ok(()),
        }
    }

    /// Rejects a timestamp older than the last admitted one; an equal one is allowed.
    fn check_timestamp_monotonic(&self, timestamp_ms: u64) -> Result<(), Error> {
        match self.last_timestamp_ms {
            Some(last) if timestamp_ms < last => Err(Error::TimestampWentBackwards),
            _ => Ok(()),
        }
    }

    fn record(&mut self, nonce: &str, timestamp_ms: u64, config: &ReplayConfig) {
        self.last_timestamp_ms = Some(timestamp_ms);
        self.forget(nonce);
        self.recent.push_back(SeenNonce { nonce: nonce.to_owned(), timestamp_ms });
        self.index.insert(nonce.to_owned(), timestamp_ms);
        while self.recent.front().is_some_and(|it| expired(it.timestamp_ms, timestamp_ms, config)) {
            self.pop_oldest();
        }
        while self.recent.len() > config.max_nonces {
            self.pop_oldest();
        }
    }

    /// Drops an aged-out entry for `nonce` before the nonce is recorded again.
    fn forget(&mut self, nonce: &str) {
        if self.index.remove(nonce).is_some() {
            self.recent.retain(|it| it.nonce != nonce);
        }
    }

    fn pop_oldest(&mut self) {
        if let Some(oldest) = self.recent.pop_front() {
            self.index.remove(&oldest.nonce);
        }
    }
}

/// Rejects the first header that is absent (`D20001`); returns all values otherwise.
fn check_present<'a>(fields: [(&'static str, Option<&'a str>); 5]) -> Result<[&'a str; 5], Error> {
    let mut res = [""; 5];
    for (slot, (name, value)) in res.iter_mut().zip(fields) {
        *slot = value.ok_or(Error::MissingParameter(Param::Borrowed(name)))?;
    }
    Ok(res)
}

/// Rejects the first header whose value is empty (`D20002`).
fn check_not_empty(fields: &[(&'static str, &str)]) -> Result<(), Error> {
    match fields.iter().find(|(_, value)| value.is_empty()) {
        Some((name, _)) => Err(Error::EmptyParameter(Param::Borrowed(name))),
        None => Ok(()),
    }
}

/// Looks up the client's secret; an unknown client is an invalid `clientID` (`D20003`).
fn check_client_known<S>(
    client_id: &str,
    secret_of: impl FnOnce(&str) -> Option<S>,
) -> Result<S, Error> {
    secret_of(client_id).ok_or(Error::InvalidParameter(Param::Borrowed(CLIENT_ID)))
}

/// Parses the timestamp: a positive decimal integer of milliseconds, digits only (`D20003`).
fn check_timestamp_format(timestamp: &str) -> Result<u64, Error> {
    let invalid = || Error::InvalidParameter(Param::Borrowed(TIMESTAMP));
    if !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    match timestamp.parse::<u64>() {
        Ok(ms) if ms > 0 => Ok(ms),
        _ => Err(invalid()),
    }
}

/// Checks the nonce is ASCII and at most [`MAX_NONCE_LEN`] characters long (`D20003`).
fn check_nonce_format(nonce: &str) -> Result<(), Error> {
    if nonce.is_ascii() && nonce.len() <= MAX_NONCE_LEN {
        return Ok(());
    }
    Err(Error::InvalidParameter(Param::Borrowed(NONCE)))
}

/// Accepts only `HmacSHA256`, case-sensitively (`D20005`).
fn check_signature_method(signature_method: &str) -> Result<(), Error> {
    if signature_method == SIGNATURE_METHOD {
        return Ok(());
    }
    Err(Error::UnsupportedSignatureMethod)
}

/// Verifies the HMAC in constant time, URL-encoded or plain Base64 (`D20006`).
fn check_signature(secret: &str, input: &SignatureInput<'_>, signature: &str) -> Result<(), Error> {
    signing::verify(secret, input, signature)
}

/// When a skew limit is configured, rejects a timestamp too far from `now_ms` (`D20003`).
fn check_clock_skew(timestamp_ms: u64, now_ms: u64, max_skew_ms: Option<u64>) -> Result<(), Error> {
    match max_skew_ms {
        Some(max) if timestamp_ms.abs_diff(now_ms) > max => {
            Err(Error::InvalidParameter(Param::Borrowed(TIMESTAMP)))
        }
        _ => Ok(()),
    }
}

/// A nonce and the timestamp of the request that used it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SeenNonce {
    nonce: String,
    timestamp_ms: u64,
}

/// Whether a nonce used at `seen_ms` has left the window, seen from a request at `at_ms`.
fn expired(seen_ms: u64, at_ms: u64, config: &ReplayConfig) -> bool {
    seen_ms.saturating_add(config.nonce_window_ms) < at_ms
}

/// The stored form of a [`ReplayGuard`]: the lookup index is rebuilt on load.
#[derive(Serialize, Deserialize)]
struct GuardRepr {
    last_timestamp_ms: Option<u64>,
    nonces: Vec<SeenNonce>,
}

impl From<GuardRepr> for ReplayGuard {
    fn from(repr: GuardRepr) -> Self {
        let mut res =
            ReplayGuard { last_timestamp_ms: repr.last_timestamp_ms, ..Default::default() };
        for seen in repr.nonces {
            // Stored data may have been edited by hand: keep the first entry of a nonce.
            if !res.index.contains_key(&seen.nonce) {
                res.index.insert(seen.nonce.clone(), seen.timestamp_ms);
                res.recent.push_back(seen);
            }
        }
        res
    }
}

impl From<ReplayGuard> for GuardRepr {
    fn from(guard: ReplayGuard) -> Self {
        GuardRepr { last_timestamp_ms: guard.last_timestamp_ms, nonces: guard.recent.into() }
    }
}

#[cfg(test)]
mod tests;
