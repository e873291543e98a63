//! Content keys: getKey, revokeKey, and the CEK that seals responses and callbacks.
//!
//! getKey hands the client its current content encryption key, or a fresh one when it has
//! none or it expired, wrapped under the client's key encryption key (`D30001` when the client
//! registered none). The response content is clear JSON even in encrypted mode, since the key
//! inside is already protected. revokeKey forgets the key, so the next getKey issues a new
//! one. Encrypted requests are opened with the current key (`D30002` when there is none), and
//! callbacks reuse it or install a fresh one, sending it along wrapped in `secretKey`.

use rand_core::CryptoRng;
use serde_json::Value;

use crate::{
    Error,
    engine::{Client, Engine, Store},
    keys::{self, CEK_LEN, KeyGrant},
};

impl<S: Store> Engine<S> {
    /// getKey: the client's current CEK, or a fresh one, wrapped under its KEK.
    pub(crate) fn get_key(
        &mut self,
        client: &Client,
        now_ms: u64,
        rng: &mut impl CryptoRng,
    ) -> Result<Value, Error> {
        let kek = client.kek.as_ref().ok_or(Error::KekNotExist)?;
        let mut state = self.store.cek(&client.client_id)?;
        let cek = state.issue_or_reuse(now_ms, client.settings.cek_ttl_ms, fresh_key(rng)).clone();
        self.store.put_cek(&client.client_id, state)?;
        let grant = KeyGrant::new(kek, &cek, client.settings.kek_padding, rng)?;
        serde_json::to_value(grant).map_err(|_| Error::Internal)
    }

    /// revokeKey: forgets the client's CEK.
    pub(crate) fn revoke_key(&mut self, client: &Client) -> Result<(), Error> {
        let mut state = self.store.cek(&client.client_id)?;
        state.revoke();
        self.store.put_cek(&client.client_id, state)
    }

    /// The client's CEK valid at `now_ms`, if any.
    pub(crate) fn current_cek(
        &self,
        client: &Client,
        now_ms: u64,
    ) -> Result<Option<[u8; CEK_LEN]>, Error> {
        Ok(self.store.cek(&client.client_id)?.current(now_ms).ok().map(|cek| *cek.key()))
    }

    /// The CEK a callback is sealed with (the current one, or a fresh one that becomes
    /// current) and its `secretKey`.
    pub(crate) fn callback_cek(
        &mut self,
        client: &Client,
        now_ms: u64,
        rng: &mut impl CryptoRng,
    ) -> Result<([u8; CEK_LEN], String), Error> {
        let kek = client.kek.as_ref().ok_or(Error::Encryption)?;
        let mut state = self.store.cek(&client.client_id)?;
        let key = *state.issue_or_reuse(now_ms, client.settings.cek_ttl_ms, fresh_key(rng)).key();
        self.store.put_cek(&client.client_id, state)?;
        let settings = &client.settings;
        let secret_key =
            keys::wrap_cek_as(kek, &key, settings.kek_padding, settings.callback_key_form, rng)?;
        Ok((key, secret_key))
    }
}

/// 32 fresh key bytes from the caller's RNG.
fn fresh_key(rng: &mut impl CryptoRng) -> [u8; CEK_LEN] {
    let mut key = [0u8; CEK_LEN];
    rng.fill_bytes(&mut key);
    key
}
