//! A first login waiting for its profile: the verified provider identity and its sealed
//! tokens, kept in the server-side session. Nothing is written to the database until the
//! person submits the profile form, so an abandoned sign-up leaves no half-made account.

use chrono::{DateTime, Utc};
use providers::{Profile, TokenSet};
use serde::{Deserialize, Serialize};

use crate::auth::next_path::NextPath;
use crate::auth::sealing::{Purpose, TokenSealer};

/// Tokens as they are stored: sealed, with their expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedTokens {
    pub access: Vec<u8>,
    pub refresh: Option<Vec<u8>>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl SealedTokens {
    pub fn seal(sealer: &TokenSealer, tokens: &TokenSet, now: DateTime<Utc>) -> Self {
        Self {
            access: sealer.seal(Purpose::AccessToken, &tokens.access_token),
            refresh: tokens
                .refresh_token
                .as_ref()
                .map(|t| sealer.seal(Purpose::RefreshToken, t)),
            expires_at: tokens
                .expires_in
                .and_then(|secs| i64::try_from(secs).ok())
                .and_then(chrono::Duration::try_seconds)
                .and_then(|d| now.checked_add_signed(d)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingSignup {
    pub profile: Profile,
    pub tokens: SealedTokens,
    pub next: NextPath,
    pub expires_at: DateTime<Utc>,
}
