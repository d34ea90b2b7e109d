//! A verified identity that is not for the browser it arrived in: a phone authorising a QR
//! login ticket hands it to the ticket, for the desktop that shows the code. Sign-in does not
//! know about tickets; QR sign-in implements this trait and is handed to the callback.

use async_trait::async_trait;
use providers::Profile;

use crate::auth::pending::SealedTokens;

/// The identity a provider vouched for, with its sealed tokens.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    pub profile: Profile,
    pub tokens: SealedTokens,
}

#[derive(Debug, thiserror::Error)]
pub enum HandoffError {
    #[error("database: {0}")]
    Store(#[from] sea_orm::DbErr),
    #[error("login ticket: {0}")]
    Corrupt(String),
}

/// What became of a handed-over identity.
#[derive(Debug, Clone)]
pub struct Handover {
    /// The ticket took it (false: it expired or was cancelled meanwhile).
    pub accepted: bool,
    /// The page the phone goes to next.
    pub next_page: String,
}

#[async_trait]
pub trait IdentityHandoff: Send + Sync {
    /// Gives `identity` to the ticket named `ticket`, if it still waits for one.
    async fn hand_over(
        &self,
        ticket: &str,
        identity: &VerifiedIdentity,
    ) -> Result<Handover, HandoffError>;
}

/// Told when sessions end, so that what was signed in through them ends too (the sites
/// signed in through Denglu) without `auth` knowing who listens.
#[async_trait]
pub trait SessionEnds: Send + Sync {
    /// Sessions of `user_id` ended; `store_keys` are their keys in the session store.
    async fn sessions_ended(&self, user_id: i64, store_keys: Vec<String>);
    /// The account was disabled (its sessions are reported too).
    async fn account_disabled(&self, user_id: i64);
}
