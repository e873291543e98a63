//! The sandbox's pregenerated RSA keys, compiled in from `data/pki/`.
//!
//! Generating RSA keys at run time takes seconds in a debug build, so every key the sandbox
//! uses was generated once with `openssl genpkey` and committed as PKCS#8 PEM. They are public
//! test keys: anyone can read them, so signatures made with them prove nothing outside the
//! sandbox. The table below ties each fixed persona id to its key file.

use rsa::{PrivateKey, pkcs8::DecodePrivateKey};

use crate::Error;

/// Every persona id that has a signing key, in a fixed order.
pub const PERSONA_IDS: &[&str] = &[
    "chan-tai-man",
    "wong-siu-ling",
    "lee-ka-yan",
    "cheung-wai-kit",
    "lau-hoi-yee",
    "ho-chun-fai",
    "tsang-yuk-lan",
    "leung-tsz-hin",
    "john-whitfield",
    "priya-raman",
    "fung-oi-ling",
    "kwok-man-kit",
];

/// Loads the signing key of a persona.
///
/// Fails with [`Error::NotFound`] when `persona_id` is not one of [`PERSONA_IDS`].
pub fn persona_key(persona_id: &str) -> Result<PrivateKey, Error> {
    let pem = PERSONA_KEYS
        .iter()
        .find(|(id, _)| *id == persona_id)
        .map(|(_, pem)| *pem)
        .ok_or(Error::NotFound)?;
    decode(pem)
}

/// Loads the key of the sandbox root CA.
pub fn ca_key() -> Result<PrivateKey, Error> {
    decode(CA_KEY)
}

const CA_KEY: &str = include_str!("../../data/pki/sandbox-root-ca.key.pem");

const PERSONA_KEYS: &[(&str, &str)] = &[
    ("chan-tai-man", include_str!("../../data/pki/chan-tai-man.key.pem")),
    ("wong-siu-ling", include_str!("../../data/pki/wong-siu-ling.key.pem")),
    ("lee-ka-yan", include_str!("../../data/pki/lee-ka-yan.key.pem")),
    ("cheung-wai-kit", include_str!("../../data/pki/cheung-wai-kit.key.pem")),
    ("lau-hoi-yee", include_str!("../../data/pki/lau-hoi-yee.key.pem")),
    ("ho-chun-fai", include_str!("../../data/pki/ho-chun-fai.key.pem")),
    ("tsang-yuk-lan", include_str!("../../data/pki/tsang-yuk-lan.key.pem")),
    ("leung-tsz-hin", include_str!("../../data/pki/leung-tsz-hin.key.pem")),
    ("john-whitfield", include_str!("../../data/pki/john-whitfield.key.pem")),
    ("priya-raman", include_str!("../../data/pki/priya-raman.key.pem")),
    ("fung-oi-ling", include_str!("../../data/pki/fung-oi-ling.key.pem")),
    ("kwok-man-kit", include_str!("../../data/pki/kwok-man-kit.key.pem")),
];

/// Parses a committed key; a failure means the data directory is corrupt.
fn decode(pem: &str) -> Result<PrivateKey, Error> {
    PrivateKey::from_pkcs8_pem(pem).map_err(|_| Error::Internal)
}
