//! The CEK lifecycle: one current key per client, reused until it expires or is revoked.
//!
//! getKey and every callback call [`CekState::issue_or_reuse`]: while the current key is
//! valid it is returned unchanged, otherwise the caller's fresh key is installed with the
//! configured lifetime. Requests are decrypted with [`CekState::current`], which fails with
//! `D30002` when there is no valid key. revokeKey calls [`CekState::revoke`], so the next
//! getKey issues a new key. Times are the caller's `now_ms`; the state is a plain value
//! that serialises with serde (the key as Base64) for the caller to store.

use std::fmt;

use base64::{Engine as _, engine::general_purpose::STANDARD};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::CEK_LEN;
use crate::Error;

/// A content encryption key with its issue time and lifetime.
///
/// Its `Debug` output never shows the key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cek {
    #[serde(serialize_with = "serialize_key", deserialize_with = "deserialize_key")]
    key: [u8; CEK_LEN],
    issue_at_ms: u64,
    /// Relative: the key is valid for this many milliseconds after `issue_at_ms`.
    expires_in_ms: u64,
}

/// A client's CEK slot: no key, or the key issued last (possibly expired).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CekState {
    current: Option<Cek>,
}

impl Cek {
    /// A key issued at `issue_at_ms`, valid for `expires_in_ms` milliseconds.
    pub fn new(key: [u8; CEK_LEN], issue_at_ms: u64, expires_in_ms: u64) -> Cek {
        Cek { key, issue_at_ms, expires_in_ms }
    }

    /// The AES-256 key bytes.
    pub fn key(&self) -> &[u8; CEK_LEN] {
        &self.key
    }

    /// When the key was issued, in milliseconds since the Unix epoch (getKey `issueAt`).
    pub fn issue_at_ms(&self) -> u64 {
        self.issue_at_ms
    }

    /// The key's lifetime in milliseconds, relative to [`Cek::issue_at_ms`] (getKey
    /// `expiresIn`).
    pub fn expires_in_ms(&self) -> u64 {
        self.expires_in_ms
    }

    /// The first instant at which the key is no longer valid.
    pub fn expires_at_ms(&self) -> u64 {
        self.issue_at_ms.saturating_add(self.expires_in_ms)
    }

    /// Whether the key is valid at `now_ms`: strictly before [`Cek::expires_at_ms`].
    pub fn is_valid_at(&self, now_ms: u64) -> bool {
        now_ms < self.expires_at_ms()
    }
}

impl fmt::Debug for Cek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cek")
            .field("issue_at_ms", &self.issue_at_ms)
            .field("expires_in_ms", &self.expires_in_ms)
            .finish_non_exhaustive()
    }
}

impl CekState {
    /// Returns the current key if it is still valid at `now_ms`; otherwise installs
    /// `fresh_key`, issued now and valid for `lifetime_ms`, and returns that.
    ///
    /// `fresh_key` must come from a CSPRNG; it is dropped when the current key is reused.
    pub fn issue_or_reuse(
        &mut self,
        now_ms: u64,
        lifetime_ms: u64,
        fresh_key: [u8; CEK_LEN],
    ) -> &Cek {
        if self.current(now_ms).is_err() {
            self.current = None;
        }
        self.current.get_or_insert_with(|| Cek::new(fresh_key, now_ms, lifetime_ms))
    }

    /// The key valid at `now_ms`, or [`Error::CekNotExist`] (`D30002`) when none was
    /// issued, it expired or it was revoked.
    pub fn current(&self, now_ms: u64) -> Result<&Cek, Error> {
        match &self.current {
            Some(cek) if cek.is_valid_at(now_ms) => Ok(cek),
            _ => Err(Error::CekNotExist),
        }
    }

    /// Forgets the current key; the next [`CekState::issue_or_reuse`] installs a new one.
    pub fn revoke(&mut self) {
        self.current = None;
    }

    /// Replaces the current key, as an online service does with a key from getKey or from
    /// a callback's `secretKey`.
    pub fn install(&mut self, cek: Cek) {
        self.current = Some(cek);
    }
}

fn serialize_key<S: Serializer>(key: &[u8; CEK_LEN], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&STANDARD.encode(key))
}

fn deserialize_key<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; CEK_LEN], D::Error> {
    let text = String::deserialize(deserializer)?;
    let bytes = STANDARD.decode(text).map_err(serde::de::Error::custom)?;
    <[u8; CEK_LEN]>::try_from(bytes.as_slice())
        .map_err(|_| serde::de::Error::invalid_length(bytes.len(), &"32 key bytes"))
}

#[cfg(test)]
mod tests;
