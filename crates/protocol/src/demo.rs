//! The sandbox's well-known demo credentials, published like an emulator's development account.
//!
//! A fresh sandbox registers these two clients unless told otherwise (`--demo-clients`), so
//! that the README, the guides and every sample can be pasted as they are. They protect
//! nothing: the secrets and the private KEK are in this repository and on the portal. The
//! demo CEK and IV are what the documentation encrypts its samples with, so that a reader can
//! reproduce every ciphertext; a real client gets its CEK from getKey and draws a fresh IV
//! for every message.

use crate::content::{ContentMode, IV_LEN};

/// One well-known demo client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoClient {
    pub client_id: &'static str,
    pub secret: &'static str,
    pub mode: ContentMode,
    /// The name shown in the simulated app.
    pub name: &'static str,
}

/// The demo client in plain mode (clear JSON bodies, as in the 2020 pilot sandbox).
pub const PLAIN: DemoClient = DemoClient {
    client_id: "3b7f0c9e5a1d4f2c8e6b0a4d2c9f1e07",
    secret: "sandbox-plain-secret",
    mode: ContentMode::Plain,
    name: "Demo e-Service (plain)",
};

/// The demo client in encrypted mode (AES-GCM `content`, CEK wrapped under [`KEK_PRIVATE_PEM`]).
pub const ENCRYPTED: DemoClient = DemoClient {
    client_id: "edae2e2529ff46228af1e4d18c8405d1",
    secret: "sandbox-demo-secret",
    mode: ContentMode::Encrypted,
    name: "Demo e-Service (encrypted)",
};

/// Both demo clients, plain first.
pub const CLIENTS: [DemoClient; 2] = [PLAIN, ENCRYPTED];

/// The encrypted demo client's KEK key pair (RSA-2048, PKCS#8 PEM), published.
pub const KEK_PRIVATE_PEM: &str = include_str!("../data/demo/demo-kek.key.pem");

/// The redirect URI, besides the server's own inbox, that both demo clients register.
pub const LOCAL_REDIRECT_URI: &str = "http://localhost:3000/callback";

/// The CEK the documentation's encrypted samples use: bytes `00` to `1f`.
pub const DOC_CEK: [u8; 32] = {
    let mut key = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        key[i] = i as u8;
        i += 1;
    }
    key
};

/// The IV the documentation's encrypted samples use: bytes `00` to `0b`.
pub const DOC_IV: [u8; IV_LEN] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

/// The well-known client with this id, if it is one.
pub fn client(client_id: &str) -> Option<DemoClient> {
    CLIENTS.into_iter().find(|c| c.client_id == client_id)
}

/// The inbox redirect URI of a demo client on the server at `base_url`.
pub fn inbox_uri(base_url: &str, client_id: &str) -> String {
    format!("{}/sandbox/inbox/{client_id}", base_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KekPrivateKey;

    #[test]
    fn the_published_key_parses_and_is_2048_bits() {
        let key = KekPrivateKey::from_pem(KEK_PRIVATE_PEM).unwrap();
        assert_eq!(key.kek().bits(), 2048);
    }

    #[test]
    fn the_clients_differ_and_are_found_by_id() {
        assert_ne!(PLAIN.client_id, ENCRYPTED.client_id);
        assert_eq!(client(ENCRYPTED.client_id), Some(ENCRYPTED));
        assert_eq!(client("nobody"), None);
        assert_eq!(DOC_CEK[31], 0x1f);
    }
}
