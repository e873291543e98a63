//! Fresh identifiers: transaction IDs, codes, tokens and ticket IDs, drawn from the caller's RNG.
//!
//! The engine never owns a randomness source; every identifier comes from the
//! `rand_core::CryptoRng` the host passes in, so a seeded generator makes a whole run
//! reproducible.

use rand_core::CryptoRng;

use crate::wire::TxId;

/// A fresh `txID` for a response or callback: `<T=` and 32 lowercase hex digits and `>`.
pub fn tx_id(rng: &mut impl CryptoRng) -> TxId {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    TxId::from_bytes(bytes)
}

/// 32 lowercase hex digits from 16 random bytes: the shape of authorisation codes, access
/// tokens and ticket IDs.
pub fn hex32(rng: &mut impl CryptoRng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
