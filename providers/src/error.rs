//! One error type for every provider call: the provider's own code and message
//! for operators, a classification for the user-facing message.

use std::fmt;
use std::str::FromStr;

use crate::ProviderId;

/// Why a provider step failed, as the user needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The user declined at the provider, or withheld the permission we asked for.
    Cancelled,
    /// The code was invalid, already used or expired: start the sign-in again.
    InvalidCode,
    /// The access token expired: refresh it.
    TokenExpired,
    /// The token (or refresh token) is invalid or revoked: sign in again.
    TokenInvalid,
    /// Our app's credentials, callback or permissions are wrong at the provider.
    Misconfigured,
    /// The provider is down, slow, rate limiting, or failed in a way we do not classify.
    Unavailable,
    /// The provider answered something we cannot read.
    Malformed,
    /// An identity check failed: openid mismatch, token issued to another app, snapshot user.
    Refused,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 8] = [
        ErrorKind::Cancelled,
        ErrorKind::InvalidCode,
        ErrorKind::TokenExpired,
        ErrorKind::TokenInvalid,
        ErrorKind::Misconfigured,
        ErrorKind::Unavailable,
        ErrorKind::Malformed,
        ErrorKind::Refused,
    ];

    /// Stable id for `/login?error=KIND` and for metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::InvalidCode => "invalid_code",
            ErrorKind::TokenExpired => "token_expired",
            ErrorKind::TokenInvalid => "token_invalid",
            ErrorKind::Misconfigured => "misconfigured",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Malformed => "malformed",
            ErrorKind::Refused => "refused",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ErrorKind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or(())
    }
}

/// Provider messages are kept short: they go to logs, not to users.
const MAX_MESSAGE_CHARS: usize = 300;

/// A failed provider step. Its `Display` is for operators and never contains
/// tokens, secrets or full URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    kind: ErrorKind,
    provider: ProviderId,
    code: Option<i64>,
    message: String,
}

impl ProviderError {
    pub fn new(
        kind: ErrorKind,
        provider: ProviderId,
        code: Option<i64>,
        message: impl Into<String>,
    ) -> Self {
        let message: String = message.into();
        ProviderError {
            kind,
            provider,
            code,
            // Control characters would let a provider (or a callback query) forge log lines.
            message: message
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .take(MAX_MESSAGE_CHARS)
                .collect(),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn provider(&self) -> ProviderId {
        self.provider
    }

    /// The provider's own error code (`errcode`, `ret`/`error`, `error_code`).
    pub fn code(&self) -> Option<i64> {
        self.code
    }

    /// The provider's own message, or ours when the provider gave none.
    pub fn provider_message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.provider, self.kind)?;
        if let Some(code) = self.code {
            write!(f, " (code {code})")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ProviderError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_ids() {
        for kind in ErrorKind::ALL {
            assert_eq!(kind.as_str().parse::<ErrorKind>(), Ok(kind));
        }
        assert!("nope".parse::<ErrorKind>().is_err());
    }

    #[test]
    fn display_shows_provider_code_and_message() {
        let err = ProviderError::new(
            ErrorKind::InvalidCode,
            ProviderId::Wechat,
            Some(40163),
            "code been used, rid: 6543",
        );
        assert_eq!(
            err.to_string(),
            "wechat invalid_code (code 40163): code been used, rid: 6543"
        );
        assert_eq!(err.code(), Some(40163));
        assert_eq!(err.kind(), ErrorKind::InvalidCode);
        assert_eq!(err.provider_message(), "code been used, rid: 6543");
    }

    #[test]
    fn long_messages_are_cut() {
        let err = ProviderError::new(
            ErrorKind::Malformed,
            ProviderId::Qq,
            None,
            "字".repeat(5000),
        );
        assert_eq!(err.provider_message().chars().count(), MAX_MESSAGE_CHARS);
    }
}
