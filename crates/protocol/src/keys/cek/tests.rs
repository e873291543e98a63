//! Tests of the CEK lifecycle: issue, reuse, expiry, revocation and storage.

use super::*;

const DAY: u64 = 24 * 60 * 60 * 1000;
const T0: u64 = 1_556_450_176_000;

#[test]
fn issue_or_reuse_installs_fresh_key_when_none() {
    let mut state = CekState::default();
    let cek = state.issue_or_reuse(T0, DAY, [1; 32]);
    assert_eq!(cek.key(), &[1; 32]);
    assert_eq!((cek.issue_at_ms(), cek.expires_in_ms(), cek.expires_at_ms()), (T0, DAY, T0 + DAY));
}

#[test]
fn issue_or_reuse_reuses_valid_key() {
    let mut state = CekState::default();
    state.issue_or_reuse(T0, DAY, [1; 32]);
    let cek = state.issue_or_reuse(T0 + DAY - 1, DAY, [2; 32]);
    assert_eq!(cek.key(), &[1; 32]);
    assert_eq!(cek.issue_at_ms(), T0);
}

#[test]
fn issue_or_reuse_replaces_expired_key() {
    let mut state = CekState::default();
    state.issue_or_reuse(T0, DAY, [1; 32]);
    let cek = state.issue_or_reuse(T0 + DAY, 2 * DAY, [2; 32]);
    assert_eq!(cek.key(), &[2; 32]);
    assert_eq!((cek.issue_at_ms(), cek.expires_in_ms()), (T0 + DAY, 2 * DAY));
}

#[test]
fn current_rejects_missing_expired_or_revoked_key() {
    let mut state = CekState::default();
    assert_eq!(state.current(T0).unwrap_err(), Error::CekNotExist);
    assert_eq!(Error::CekNotExist.code(), crate::Code::CekNotExist);
    state.issue_or_reuse(T0, DAY, [1; 32]);
    assert_eq!(state.current(T0).unwrap().key(), &[1; 32]);
    assert_eq!(state.current(T0 + DAY - 1).unwrap().key(), &[1; 32]);
    assert_eq!(state.current(T0 + DAY), Err(Error::CekNotExist));
    state.revoke();
    assert_eq!(state.current(T0), Err(Error::CekNotExist));
}

#[test]
fn revoke_makes_next_issue_fresh() {
    let mut state = CekState::default();
    state.issue_or_reuse(T0, DAY, [1; 32]);
    state.revoke();
    assert_eq!(state.issue_or_reuse(T0 + 1, DAY, [2; 32]).key(), &[2; 32]);
}

#[test]
fn install_replaces_the_current_key() {
    let mut state = CekState::default();
    state.issue_or_reuse(T0, DAY, [1; 32]);
    state.install(Cek::new([3; 32], T0 + 5, DAY));
    assert_eq!(state.current(T0 + 6).unwrap().key(), &[3; 32]);
}

#[test]
fn expiry_saturates_instead_of_overflowing() {
    let cek = Cek::new([0; 32], u64::MAX - 1, 10);
    assert_eq!(cek.expires_at_ms(), u64::MAX);
    assert!(cek.is_valid_at(u64::MAX - 1));
}

#[test]
fn cek_state_survives_serde_round_trip_with_base64_key() {
    let mut state = CekState::default();
    state.issue_or_reuse(T0, DAY, [0xAB; 32]);
    let json = serde_json::to_value(&state).unwrap();
    assert_eq!(json["current"]["key"], STANDARD.encode([0xAB; 32]));
    assert_eq!(json["current"]["issueAtMs"], T0);
    assert_eq!(json["current"]["expiresInMs"], DAY);
    assert_eq!(serde_json::from_value::<CekState>(json).unwrap(), state);
    let short =
        serde_json::json!({ "current": { "key": "AAAA", "issueAtMs": 0, "expiresInMs": 0 } });
    assert!(serde_json::from_value::<CekState>(short).is_err());
}

#[test]
fn cek_debug_hides_the_key() {
    let cek = Cek::new([0xAB; 32], T0, DAY);
    let text = format!("{cek:?}");
    assert!(!text.contains("171") && !text.contains("key:"), "{text}");
}
