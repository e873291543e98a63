//! Tests of the request-header rules, one per rule, plus their order and the replay state.

use proptest::prelude::*;

use super::*;
use crate::Code;

const CLIENT: &str = "edae2e2529ff46228af1e4d18c8405d1";
const SECRET: &str = "s3cret/+=";
const BODY: &[u8] = br#"{"content":"AAAADAAAAAAAAAAAAAAAAA=="}"#;
const T0: u64 = 1_557_048_906_183;

fn secret_of(client_id: &str) -> Option<&'static str> {
    (client_id == CLIENT).then_some(SECRET)
}

/// Owned header values of a correctly signed request, editable before checking.
#[derive(Debug, Clone)]
struct Req {
    values: [Option<String>; 5],
    body: Vec<u8>,
}

impl Req {
    fn signed(timestamp_ms: u64, nonce: &str) -> Req {
        let pairs = signed_headers(CLIENT, SECRET, timestamp_ms, nonce, BODY);
        Req { values: pairs.map(|(_, value)| Some(value)), body: BODY.to_vec() }
    }

    fn set(mut self, name: &str, value: Option<&str>) -> Req {
        let idx = [CLIENT_ID, SIGNATURE_METHOD_HEADER, TIMESTAMP, NONCE, SIGNATURE]
            .iter()
            .position(|it| *it == name)
            .unwrap();
        self.values[idx] = value.map(str::to_owned);
        self
    }

    fn headers(&self) -> RequestHeaders<'_> {
        let [client_id, signature_method, timestamp, nonce, signature] =
            self.values.each_ref().map(Option::as_deref);
        RequestHeaders { client_id, signature_method, timestamp, nonce, signature }
    }

    fn verify(&self) -> Result<VerifiedRequest<'_>, Error> {
        verify_request(&self.headers(), &self.body, secret_of)
    }

    /// Runs both steps against `guard`, as a server does.
    fn check(
        &self,
        guard: &mut ReplayGuard,
        config: &ReplayConfig,
        now_ms: u64,
    ) -> Result<(), Error> {
        let verified = self.verify()?;
        guard.admit(&verified, config, now_ms)
    }
}

#[track_caller]
fn check_rejects(req: Req, expected: Error) {
    assert_eq!(req.verify(), Err(expected));
}

fn param(name: &'static str) -> Param {
    Param::Borrowed(name)
}

#[test]
fn signed_request_is_accepted() {
    let req = Req::signed(T0, "n1");
    let verified = req.verify().unwrap();
    assert_eq!(verified.client_id(), CLIENT);
    assert_eq!(verified.timestamp_ms(), T0);
    assert_eq!(verified.nonce(), "n1");
    let mut guard = ReplayGuard::default();
    guard.admit(&verified, &ReplayConfig::default(), 0).unwrap();
    assert_eq!(guard.last_timestamp_ms(), Some(T0));
    assert_eq!(guard.remembered_nonces(), 1);
}

#[test]
fn check_present_rejects_missing_header() {
    for name in [CLIENT_ID, SIGNATURE_METHOD_HEADER, TIMESTAMP, NONCE, SIGNATURE] {
        let err = Req::signed(T0, "n").set(name, None).verify().unwrap_err();
        assert_eq!(err, Error::MissingParameter(param(name)));
        assert_eq!(err.code(), Code::MissingParameter);
    }
}

#[test]
fn check_not_empty_rejects_empty_header() {
    for name in [CLIENT_ID, SIGNATURE_METHOD_HEADER, TIMESTAMP, NONCE, SIGNATURE] {
        let err = Req::signed(T0, "n").set(name, Some("")).verify().unwrap_err();
        assert_eq!(err, Error::EmptyParameter(param(name)));
        assert_eq!(err.code(), Code::EmptyParameter);
    }
}

#[test]
fn check_client_known_rejects_unknown_client() {
    let req = Req::signed(T0, "n").set(CLIENT_ID, Some("ffffffffffffffffffffffffffffffff"));
    check_rejects(req, Error::InvalidParameter(param(CLIENT_ID)));
}

#[test]
fn check_timestamp_format_rejects_non_positive_or_non_decimal() {
    for bad in ["0", "000", "-1", "+1", "1.5", "1e3", " 1", "abc", "18446744073709551616"] {
        let req = Req::signed(T0, "n").set(TIMESTAMP, Some(bad));
        check_rejects(req, Error::InvalidParameter(param(TIMESTAMP)));
    }
    assert_eq!(check_timestamp_format("1"), Ok(1));
    assert_eq!(check_timestamp_format("01557048906183"), Ok(T0));
}

#[test]
fn check_nonce_format_rejects_long_or_non_ascii_nonce() {
    let longest = "a".repeat(MAX_NONCE_LEN);
    assert_eq!(check_nonce_format(&longest), Ok(()));
    assert_eq!(check_nonce_format("550e8400-e29b-41d4-a716-446655440000"), Ok(()));
    for bad in ["a".repeat(MAX_NONCE_LEN + 1), "nonce-é".to_owned(), "密".to_owned()] {
        let req = Req::signed(T0, &bad);
        check_rejects(req, Error::InvalidParameter(param(NONCE)));
    }
}

#[test]
fn check_signature_method_rejects_anything_but_hmac_sha256() {
    for bad in ["HmacSHA1", "hmacsha256", "HMACSHA256", "HmacSHA256 ", "RSA"] {
        let req = Req::signed(T0, "n").set(SIGNATURE_METHOD_HEADER, Some(bad));
        check_rejects(req, Error::UnsupportedSignatureMethod);
    }
}

#[test]
fn check_signature_rejects_wrong_or_malformed_signature() {
    let other = signed_headers(CLIENT, "other secret", T0, "n", BODY)[4].1.clone();
    for bad in [other.as_str(), "not base64!", "%ZZ", "AAAA"] {
        let req = Req::signed(T0, "n").set(SIGNATURE, Some(bad));
        check_rejects(req, Error::SignatureMismatch);
    }
    let mut req = Req::signed(T0, "n");
    req.body.push(b' ');
    check_rejects(req, Error::SignatureMismatch);
}

#[test]
fn check_signature_accepts_plain_base64() {
    let req = Req::signed(T0, "n");
    let plain = plain(req.values[4].as_deref().unwrap());
    assert!(req.clone().set(SIGNATURE, Some(&plain)).verify().is_ok());
}

/// A header to set (or remove, with `None`) before checking.
type Edit = (&'static str, Option<&'static str>);

#[test]
fn checks_run_in_documented_order() {
    // Each row breaks two rules; the one reported is the earlier in the documented order.
    let cases: &[(&[Edit], Error)] = &[
        (&[(SIGNATURE, None), (CLIENT_ID, Some(""))], Error::MissingParameter(param(SIGNATURE))),
        (&[(NONCE, Some("")), (TIMESTAMP, Some("x"))], Error::EmptyParameter(param(NONCE))),
        (
            &[(CLIENT_ID, Some("x")), (TIMESTAMP, Some("x"))],
            Error::InvalidParameter(param(CLIENT_ID)),
        ),
        (&[(TIMESTAMP, Some("x")), (NONCE, Some("é"))], Error::InvalidParameter(param(TIMESTAMP))),
        (
            &[(NONCE, Some("é")), (SIGNATURE_METHOD_HEADER, Some("x"))],
            Error::InvalidParameter(param(NONCE)),
        ),
        (
            &[(SIGNATURE_METHOD_HEADER, Some("x")), (SIGNATURE, Some("x"))],
            Error::UnsupportedSignatureMethod,
        ),
    ];
    for (edits, expected) in cases {
        let req =
            edits.iter().fold(Req::signed(T0, "n"), |req, (name, value)| req.set(name, *value));
        assert_eq!(req.verify().err().as_ref(), Some(expected), "{edits:?}");
    }
}

#[test]
fn check_nonce_unused_rejects_replay() {
    let config = ReplayConfig::default();
    let mut guard = ReplayGuard::default();
    let req = Req::signed(T0, "n1");
    assert_eq!(req.check(&mut guard, &config, 0), Ok(()));
    let err = req.check(&mut guard, &config, 0).unwrap_err();
    assert_eq!(err, Error::NonceReused);
    assert_eq!(err.code(), Code::DuplicatedRequest);
    // The same nonce with a newer timestamp is still a reuse.
    assert_eq!(Req::signed(T0 + 1, "n1").check(&mut guard, &config, 0), Err(Error::NonceReused));
}

#[test]
fn check_timestamp_monotonic_rejects_older_timestamp() {
    let config = ReplayConfig::default();
    let mut guard = ReplayGuard::default();
    Req::signed(T0, "a").check(&mut guard, &config, 0).unwrap();
    let err = Req::signed(T0 - 1, "b").check(&mut guard, &config, 0).unwrap_err();
    assert_eq!(err, Error::TimestampWentBackwards);
    assert_eq!(err.code(), Code::DuplicatedRequest);
    // An equal timestamp is allowed (the rule is "not older than").
    assert_eq!(Req::signed(T0, "c").check(&mut guard, &config, 0), Ok(()));
}

#[test]
fn check_clock_skew_is_off_by_default_and_bounds_both_ways_when_set() {
    let mut guard = ReplayGuard::default();
    assert_eq!(Req::signed(T0, "a").check(&mut guard, &ReplayConfig::default(), 1), Ok(()));

    let config = ReplayConfig { max_clock_skew_ms: Some(1000), ..ReplayConfig::default() };
    let skewed = Error::InvalidParameter(param(TIMESTAMP));
    let mut guard = ReplayGuard::default();
    assert_eq!(Req::signed(T0, "a").check(&mut guard, &config, T0 + 1001), Err(skewed.clone()));
    assert_eq!(Req::signed(T0, "a").check(&mut guard, &config, T0 - 1001), Err(skewed));
    assert_eq!(guard, ReplayGuard::default());
    assert_eq!(Req::signed(T0, "a").check(&mut guard, &config, T0 + 1000), Ok(()));
    assert_eq!(Req::signed(T0 + 10, "b").check(&mut guard, &config, T0 + 10 - 1000), Ok(()));
}

#[test]
fn replay_checks_run_nonce_before_timestamp() {
    let config = ReplayConfig::default();
    let mut guard = ReplayGuard::default();
    Req::signed(T0, "a").check(&mut guard, &config, 0).unwrap();
    Req::signed(T0 + 5, "b").check(&mut guard, &config, 0).unwrap();
    assert_eq!(Req::signed(T0, "a").check(&mut guard, &config, 0), Err(Error::NonceReused));
}

#[test]
fn unsigned_requests_never_touch_replay_state() {
    let config = ReplayConfig::default();
    let mut guard = ReplayGuard::default();
    Req::signed(T0, "a").check(&mut guard, &config, 0).unwrap();
    let before = guard.clone();
    // A forged request far in the future with a fresh nonce: rejected, and the state is as
    // before, so the genuine client is not locked out.
    let forged = Req::signed(T0 + 1_000_000, "b").set(SIGNATURE, Some("AAAA"));
    assert_eq!(forged.check(&mut guard, &config, 0), Err(Error::SignatureMismatch));
    assert_eq!(guard, before);
    // Rejected replays do not change it either.
    assert_eq!(Req::signed(T0, "a").check(&mut guard, &config, 0), Err(Error::NonceReused));
    assert_eq!(
        Req::signed(T0 - 1, "c").check(&mut guard, &config, 0),
        Err(Error::TimestampWentBackwards)
    );
    assert_eq!(guard, before);
    assert_eq!(Req::signed(T0 + 1, "b").check(&mut guard, &config, 0), Ok(()));
}

#[test]
fn nonces_are_forgotten_after_the_window() {
    let config = ReplayConfig { nonce_window_ms: 100, ..ReplayConfig::default() };
    let mut guard = ReplayGuard::default();
    Req::signed(T0, "a").check(&mut guard, &config, 0).unwrap();
    assert_eq!(Req::signed(T0 + 100, "a").check(&mut guard, &config, 0), Err(Error::NonceReused));
    // Aged out but not yet evicted: reusable, and recorded once.
    assert_eq!(Req::signed(T0 + 101, "a").check(&mut guard, &config, 0), Ok(()));
    assert_eq!(guard.remembered_nonces(), 1);
    Req::signed(T0 + 150, "b").check(&mut guard, &config, 0).unwrap();
    assert_eq!(guard.remembered_nonces(), 2);
    // Recording a later request evicts what has aged out.
    Req::signed(T0 + 202, "c").check(&mut guard, &config, 0).unwrap();
    assert_eq!(guard.remembered_nonces(), 2);
}

#[test]
fn nonce_memory_is_bounded_and_evicts_oldest_first() {
    let config = ReplayConfig { max_nonces: 3, ..ReplayConfig::default() };
    let mut guard = ReplayGuard::default();
    for (idx, nonce) in ["a", "b", "c", "d"].into_iter().enumerate() {
        Req::signed(T0 + idx as u64, nonce).check(&mut guard, &config, 0).unwrap();
    }
    assert_eq!(guard.remembered_nonces(), 3);
    // "a" was evicted, so only the monotonic rule still protects it.
    assert_eq!(Req::signed(T0 + 10, "a").check(&mut guard, &config, 0), Ok(()));
    assert_eq!(Req::signed(T0 + 11, "c").check(&mut guard, &config, 0), Err(Error::NonceReused));
}

#[test]
fn replay_guard_survives_serde_round_trip() {
    let config = ReplayConfig::default();
    let mut guard = ReplayGuard::default();
    Req::signed(T0, "a").check(&mut guard, &config, 0).unwrap();
    Req::signed(T0 + 1, "b").check(&mut guard, &config, 0).unwrap();
    let json = serde_json::to_string(&guard).unwrap();
    let mut loaded: ReplayGuard = serde_json::from_str(&json).unwrap();
    assert_eq!(loaded, guard);
    assert_eq!(Req::signed(T0 + 2, "a").check(&mut loaded, &config, 0), Err(Error::NonceReused));
    let config_json = serde_json::to_string(&config).unwrap();
    assert_eq!(serde_json::from_str::<ReplayConfig>(&config_json).unwrap(), config);
}

#[test]
fn replay_guard_restores_from_its_parts() {
    let config = ReplayConfig::default();
    let mut guard = ReplayGuard::default();
    Req::signed(T0, "a").check(&mut guard, &config, 0).unwrap();
    Req::signed(T0 + 1, "b").check(&mut guard, &config, 0).unwrap();
    let parts: Vec<(String, u64)> = guard.remembered().map(|(n, t)| (n.to_owned(), t)).collect();
    assert_eq!(parts, [("a".to_owned(), T0), ("b".to_owned(), T0 + 1)]);
    let mut restored = ReplayGuard::restore(guard.last_timestamp_ms(), parts);
    assert_eq!(restored, guard);
    assert_eq!(Req::signed(T0 + 2, "b").check(&mut restored, &config, 0), Err(Error::NonceReused));
    assert_eq!(
        Req::signed(T0, "c").check(&mut restored, &config, 0),
        Err(Error::TimestampWentBackwards)
    );
}

#[test]
fn headers_read_through_a_lookup_function() {
    let pairs = signed_headers(CLIENT, SECRET, T0, "n", BODY);
    let headers = RequestHeaders::from_fn(|name| {
        pairs.iter().find(|(it, _)| *it == name).map(|(_, value)| value.as_str())
    });
    assert!(verify_request(&headers, BODY, secret_of).is_ok());
    assert_eq!(RequestHeaders::from_fn(|_| None), RequestHeaders::default());
}

/// Plain Base64 of a URL-encoded signature.
fn plain(signature: &str) -> String {
    signature.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")
}

/// A signed request over an arbitrary body, a header to change, and where and by how much.
///
/// The signature header is sent in plain Base64 here: in its URL-encoded form, changing the
/// case of an escape (`%2B` to `%2b`) is not a change of the signature, and is accepted.
fn tampered_request() -> impl Strategy<Value = (Req, usize, usize, u8)> {
    (0..=4usize, any::<usize>(), 1..=255u8, proptest::collection::vec(any::<u8>(), 0..64)).prop_map(
        |(field, pos, delta, body)| {
            let nonce = "e893647dc4204eb9b7b8eddd527b687c";
            let mut pairs = signed_headers(CLIENT, SECRET, T0, nonce, &body);
            pairs[4].1 = plain(&pairs[4].1);
            (Req { values: pairs.map(|(_, v)| Some(v)), body }, field, pos, delta)
        },
    )
}

proptest! {
    #[test]
    fn any_single_byte_change_of_body_is_rejected(
        body in proptest::collection::vec(any::<u8>(), 1..256),
        pos in any::<usize>(),
        delta in 1..=255u8,
    ) {
        let pairs = signed_headers(CLIENT, SECRET, T0, "nonce", &body);
        let mut req = Req { values: pairs.map(|(_, v)| Some(v)), body };
        prop_assert!(req.verify().is_ok());
        let idx = pos % req.body.len();
        req.body[idx] = req.body[idx].wrapping_add(delta);
        prop_assert!(req.verify().is_err());
    }

    #[test]
    fn any_single_byte_change_of_a_signed_header_is_rejected(
        (req, field, pos, delta) in tampered_request(),
    ) {
        prop_assert!(req.verify().is_ok());
        let mut bytes = req.values[field].clone().unwrap().into_bytes();
        let idx = pos % bytes.len();
        bytes[idx] = bytes[idx].wrapping_add(delta);
        let mut tampered = req.clone();
        tampered.values[field] = Some(String::from_utf8_lossy(&bytes).into_owned());
        prop_assert!(tampered.verify().is_err(), "{:?}", tampered.values);
    }
}
