//! Provider tokens at rest: sealed with ChaCha20-Poly1305 under a key derived from
//! `DENGLU_SECRET`, so a copy of the database alone gives no one a usable token.
//!
//! A sealed value is `nonce (12 bytes) || ciphertext with its 16-byte tag`. The nonce is random
//! for every seal; the associated data names what the value is, so an access token cannot be
//! swapped in where a refresh token is expected.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

const NONCE_LEN: usize = 12;
/// Changing the derivation makes every stored token unreadable: bump the version, never edit.
const KEY_INFO: &[u8] = b"denglu provider tokens v1";
const KEY_SALT: &[u8] = b"denglu";

/// What a sealed value holds, bound into the ciphertext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    AccessToken,
    RefreshToken,
    /// A started sign-in, kept in the browser's cookie until its callback.
    SignInState,
    /// A session id a repeated callback may be handed, kept for a minute.
    SessionHandoff,
    /// A private key the OpenID Connect provider signs ID tokens with.
    SigningKey,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::AccessToken => b"access_token",
            Purpose::RefreshToken => b"refresh_token",
            Purpose::SignInState => b"sign_in_state",
            Purpose::SessionHandoff => b"session_handoff",
            Purpose::SigningKey => b"oidc_signing_key",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a sealed token could not be opened (wrong key, tampered or truncated)")]
pub struct OpenError;

#[derive(Clone)]
pub struct TokenSealer {
    cipher: ChaCha20Poly1305,
}

impl fmt::Debug for TokenSealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSealer([key redacted])")
    }
}

impl TokenSealer {
    /// Derives the 256-bit key from the configured secret with HKDF-SHA-256.
    pub fn from_secret(secret: &SecretString) -> Self {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(KEY_SALT), secret.expose_secret().as_bytes())
            .expand(KEY_INFO, &mut key)
            .expect("32 bytes is a valid HKDF-SHA-256 output length");
        Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        }
    }

    pub fn seal(&self, purpose: Purpose, value: &SecretString) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: value.expose_secret().as_bytes(),
                    aad: purpose.label(),
                },
            )
            .expect("ChaCha20-Poly1305 encryption only fails for messages over 256 GiB");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open(&self, purpose: Purpose, sealed: &[u8]) -> Result<SecretString, OpenError> {
        if sealed.len() < NONCE_LEN {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: purpose.label(),
                },
            )
            .map_err(|_| OpenError)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| OpenError)
    }
}

impl TokenSealer {
    /// `text` sealed and made safe for a cookie or a text column (URL-safe base64).
    pub fn seal_text(&self, purpose: Purpose, text: &str) -> String {
        let sealed = self.seal(purpose, &SecretString::from(text));
        URL_SAFE_NO_PAD.encode(sealed)
    }

    /// The text [`Self::seal_text`] sealed, if `sealed` is one of ours for `purpose`.
    pub fn open_text(&self, purpose: Purpose, sealed: &str) -> Result<String, OpenError> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).map_err(|_| OpenError)?;
        self.open(purpose, &bytes)
            .map(|secret| secret.expose_secret().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(secret: &str) -> TokenSealer {
        TokenSealer::from_secret(&SecretString::from(secret))
    }

    /// What `open` gives, exposed: secrets have no `PartialEq` to compare by.
    fn opened(s: &TokenSealer, purpose: Purpose, sealed: &[u8]) -> Result<String, OpenError> {
        s.open(purpose, sealed)
            .map(|secret| secret.expose_secret().to_owned())
    }

    #[test]
    fn a_sealed_token_opens_to_itself_and_does_not_contain_it() {
        let s = sealer("a-secret-of-at-least-thirty-two-characters");
        let token = SecretString::from("ACCESS_TOKEN_1234567890");
        let sealed = s.seal(Purpose::AccessToken, &token);
        assert!(
            !sealed
                .windows(token.expose_secret().len())
                .any(|w| w == token.expose_secret().as_bytes())
        );
        assert_eq!(
            opened(&s, Purpose::AccessToken, &sealed).as_deref(),
            Ok(token.expose_secret())
        );
        // A fresh nonce each time: the same token never seals to the same bytes.
        assert_ne!(sealed, s.seal(Purpose::AccessToken, &token));
    }

    #[test]
    fn tampering_truncation_another_key_or_purpose_are_detected() {
        let s = sealer("a-secret-of-at-least-thirty-two-characters");
        let sealed = s.seal(Purpose::RefreshToken, &SecretString::from("REFRESH"));
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert_eq!(
                opened(&s, Purpose::RefreshToken, &bad),
                Err(OpenError),
                "byte {i}"
            );
        }
        assert_eq!(
            opened(&s, Purpose::RefreshToken, &sealed[..sealed.len() - 1]),
            Err(OpenError)
        );
        assert_eq!(
            opened(&s, Purpose::RefreshToken, &sealed[..5]),
            Err(OpenError)
        );
        assert_eq!(opened(&s, Purpose::AccessToken, &sealed), Err(OpenError));
        let other = sealer("another-secret-of-at-least-thirty-two-chars");
        assert_eq!(
            opened(&other, Purpose::RefreshToken, &sealed),
            Err(OpenError)
        );
    }

    #[test]
    fn the_key_never_prints() {
        let printed = format!("{:?}", sealer("hunter2-hunter2-hunter2-hunter2-hunter2"));
        assert!(!printed.contains("hunter2"), "{printed}");
    }

    #[test]
    fn sealed_text_opens_only_for_its_purpose() {
        let s = sealer("a-secret-of-at-least-thirty-two-characters");
        let sealed = s.seal_text(Purpose::SignInState, r#"{"value":"abc"}"#);
        assert!(
            sealed
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(
            s.open_text(Purpose::SignInState, &sealed).as_deref(),
            Ok(r#"{"value":"abc"}"#)
        );
        assert_eq!(
            s.open_text(Purpose::SessionHandoff, &sealed),
            Err(OpenError)
        );
        assert_eq!(
            s.open_text(Purpose::SignInState, "not base64!"),
            Err(OpenError)
        );
    }
}
