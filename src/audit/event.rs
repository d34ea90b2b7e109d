//! What the audit log records. Text fields are short and bounded (the columns are), and
//! nothing secret has a field here: an event names people, providers and outcomes, never a
//! token, a code, a state or a client secret.

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    SignInSucceeded,
    SignInFailed,
    SignUp,
    Linked,
    Unlinked,
    ProfileChanged,
    SessionEnded,
    QrStarted,
    QrConfirmed,
    QrCancelled,
    AccountDisabled,
    AccountEnabled,
    AccountsMerged,
    AdminGranted,
    AdminRevoked,
    ClientRegistered,
    ClientRemoved,
}

impl Kind {
    pub const ALL: [Kind; 17] = [
        Kind::SignInSucceeded,
        Kind::SignInFailed,
        Kind::SignUp,
        Kind::Linked,
        Kind::Unlinked,
        Kind::ProfileChanged,
        Kind::SessionEnded,
        Kind::QrStarted,
        Kind::QrConfirmed,
        Kind::QrCancelled,
        Kind::AccountDisabled,
        Kind::AccountEnabled,
        Kind::AccountsMerged,
        Kind::AdminGranted,
        Kind::AdminRevoked,
        Kind::ClientRegistered,
        Kind::ClientRemoved,
    ];

    /// The stored name, also the message key's suffix (`audit-kind-…`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SignInSucceeded => "signin_succeeded",
            Kind::SignInFailed => "signin_failed",
            Kind::SignUp => "signup",
            Kind::Linked => "linked",
            Kind::Unlinked => "unlinked",
            Kind::ProfileChanged => "profile_changed",
            Kind::SessionEnded => "session_ended",
            Kind::QrStarted => "qr_started",
            Kind::QrConfirmed => "qr_confirmed",
            Kind::QrCancelled => "qr_cancelled",
            Kind::AccountDisabled => "account_disabled",
            Kind::AccountEnabled => "account_enabled",
            Kind::AccountsMerged => "accounts_merged",
            Kind::AdminGranted => "admin_granted",
            Kind::AdminRevoked => "admin_revoked",
            Kind::ClientRegistered => "client_registered",
            Kind::ClientRemoved => "client_removed",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// The detail of a `qr_started` event for a fresh code on a page already waiting: the
/// dashboard does not count it as another sign-in started.
pub const RENEWAL: &str = "renewal";

/// One event, built with the methods below and written by [`crate::audit::record`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: Kind,
    pub user_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub provider: Option<String>,
    pub error_kind: Option<String>,
    pub provider_code: Option<String>,
    pub provider_message: Option<String>,
    pub detail: Option<String>,
}

impl Event {
    pub fn new(kind: Kind) -> Self {
        Self {
            kind,
            user_id: None,
            actor_id: None,
            provider: None,
            error_kind: None,
            provider_code: None,
            provider_message: None,
            detail: None,
        }
    }

    /// The person it happened to.
    pub fn user(mut self, user_id: i64) -> Self {
        self.user_id = Some(user_id);
        self
    }

    /// The administrator who did it.
    pub fn by(mut self, actor_id: i64) -> Self {
        self.actor_id = Some(actor_id);
        self
    }

    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = Some(bounded(provider.into(), 16));
        self
    }

    /// Why it failed: our kind, and the provider's own code and message when it gave them.
    pub fn failure(
        mut self,
        kind: impl Into<String>,
        code: Option<String>,
        message: Option<String>,
    ) -> Self {
        self.error_kind = Some(bounded(kind.into(), 32));
        self.provider_code = code.map(|c| bounded(c, 32));
        self.provider_message = message.map(|m| bounded(m, 256));
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(bounded(detail.into(), 512));
        self
    }
}

/// At most `max` bytes, cut at a character boundary (the columns are bounded).
pub(super) fn bounded(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_stored_name() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::parse("token_issued"), None);
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary() {
        let message = "无效".repeat(100);
        let event = Event::new(Kind::SignInFailed).failure("provider", None, Some(message));
        let stored = event.provider_message.unwrap();
        assert!(stored.len() <= 256);
        assert!(stored.chars().all(|c| c == '无' || c == '效'));
    }
}
