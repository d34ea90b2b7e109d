//! The OAuth `state`: a random value that travels to the provider and back, and a record of
//! the started sign-in kept *in the browser*, sealed in a cookie of its own, until the
//! callback. The cookie binds the callback to this browser, to the provider it was sent to,
//! and to where the person wanted to go; the callback spends the state in the database
//! (`replay`), so it is used once, and the record expires.
//!
//! Nothing is written on the server when a sign-in starts: a page that only shows a start (the
//! login page's embedded WeChat QR) writes no row. Each started sign-in has its own cookie, so
//! two tabs never overwrite each other's, and any instance can check it.

use chrono::{DateTime, Utc};
use providers::ProviderId;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::auth::next_path::NextPath;
use crate::auth::sealing::{Purpose, TokenSealer};

/// Cookies of started sign-ins are named `dls_` and the state's first characters.
pub const COOKIE_PREFIX: &str = "dls_";
const COOKIE_ID_LEN: usize = 12;

/// What the browser keeps about one started sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateRecord {
    pub value: String,
    pub provider: ProviderId,
    pub next: NextPath,
    /// Started from "I already have an account" on the profile-completion page: link the
    /// pending first login to the account this sign-in finds.
    pub attach_pending: bool,
    /// Started by scanning a login ticket's QR code: the identity goes to the ticket, for the
    /// desktop that shows it, instead of signing in this (phone) session.
    #[serde(default)]
    pub ticket: Option<String>,
    /// Started from the account page's "Link" by this signed-in account: only such a sign-in
    /// may add a method to an account (a QR someone else scans never does).
    #[serde(default)]
    pub link_for: Option<i64>,
    pub expires_at: DateTime<Utc>,
}

/// A started sign-in as the browser carries it: the cookie's name and sealed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateCookie {
    pub name: String,
    pub value: String,
}

/// Why a callback's state was not accepted. Logged for the operator; the user sees one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateProblem {
    /// Not this browser's: forged, from another browser, already used, or forgotten.
    Unknown,
    Expired,
    /// Issued for another provider's callback.
    OtherProvider,
}

impl StateProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            StateProblem::Unknown => "unknown to this browser",
            StateProblem::Expired => "expired",
            StateProblem::OtherProvider => "issued for another provider",
        }
    }
}

/// A new random state value from the thread-local CSPRNG (see [`crate::random::token`]: 190
/// bits, well under the 128 bytes WeChat accepts).
pub fn new_value() -> String {
    crate::random::token()
}

/// The name of the cookie that carries the sign-in started with `value`.
pub fn cookie_name(value: &str) -> String {
    let id: String = value.chars().take(COOKIE_ID_LEN).collect();
    format!("{COOKIE_PREFIX}{id}")
}

impl StateRecord {
    /// The record sealed into its cookie: only this server can read or make one.
    pub fn seal(&self, sealer: &TokenSealer) -> StateCookie {
        let json = serde_json::to_string(self).expect("a state record serialises");
        StateCookie {
            name: cookie_name(&self.value),
            value: sealer.seal_text(Purpose::SignInState, &json),
        }
    }

    /// The record a cookie carries, if it is one of ours and for this `value`.
    pub fn open(sealer: &TokenSealer, cookie: &str, value: &str) -> Option<Self> {
        let json = sealer.open_text(Purpose::SignInState, cookie).ok()?;
        let record: Self = serde_json::from_str(&json).ok()?;
        // Constant time: timing says nothing about a guessed state.
        bool::from(record.value.as_bytes().ct_eq(value.as_bytes())).then_some(record)
    }

    /// Whether the record may complete a callback of `provider` now.
    pub fn judge(self, provider: ProviderId, now: DateTime<Utc>) -> Result<Self, StateProblem> {
        if self.expires_at <= now {
            Err(StateProblem::Expired)
        } else if self.provider != provider {
            Err(StateProblem::OtherProvider)
        } else {
            Ok(self)
        }
    }
}

/// The record for `value` among the state cookies a request carried, if any.
pub fn carried(
    sealer: &TokenSealer,
    cookies: &[(String, String)],
    value: &str,
) -> Option<StateRecord> {
    let name = cookie_name(value);
    cookies
        .iter()
        .filter(|(n, _)| *n == name)
        .find_map(|(_, sealed)| StateRecord::open(sealer, sealed, value))
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn sealer() -> TokenSealer {
        TokenSealer::from_secret(&SecretString::from(
            "a-secret-of-at-least-thirty-two-characters",
        ))
    }

    fn record(value: &str, provider: ProviderId, expires_at: DateTime<Utc>) -> StateRecord {
        StateRecord {
            value: value.to_string(),
            provider,
            next: NextPath::parse_or(None, "/account"),
            attach_pending: false,
            ticket: None,
            link_for: None,
            expires_at,
        }
    }

    #[test]
    fn a_state_is_carried_sealed_and_only_for_its_value_and_provider() {
        let s = sealer();
        let now = Utc::now();
        let later = now + chrono::Duration::minutes(10);
        let value = new_value();
        let cookie = record(&value, ProviderId::Qq, later).seal(&s);
        assert!(cookie.name.starts_with(COOKIE_PREFIX));
        assert!(
            !cookie.value.contains(&value),
            "the state is not readable in the cookie"
        );
        let carried_cookies = vec![(cookie.name.clone(), cookie.value.clone())];
        let found = carried(&s, &carried_cookies, &value).expect("carried");
        assert_eq!(
            found.clone().judge(ProviderId::Qq, now).map(|r| r.value),
            Ok(value.clone())
        );
        assert_eq!(
            found.judge(ProviderId::Weibo, now),
            Err(StateProblem::OtherProvider)
        );
        assert!(
            carried(&s, &carried_cookies, &new_value()).is_none(),
            "another state"
        );
        let forged = vec![(cookie.name.clone(), format!("x{}", cookie.value))];
        assert!(carried(&s, &forged, &value).is_none(), "a tampered cookie");
        let other_key = TokenSealer::from_secret(&SecretString::from(
            "another-secret-of-at-least-thirty-two-chars",
        ));
        assert!(carried(&other_key, &carried_cookies, &value).is_none());
    }

    #[test]
    fn expired_states_are_refused() {
        let now = Utc::now();
        assert_eq!(
            record("old", ProviderId::Qq, now).judge(ProviderId::Qq, now),
            Err(StateProblem::Expired)
        );
    }
}
