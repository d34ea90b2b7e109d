//! The OAuth `state`: a random value kept in the server-side session between the start of a
//! sign-in and its callback. It binds the callback to this browser (the session), to the
//! provider it was sent to, and to where the user wanted to go; it is used once and expires.

use chrono::{DateTime, Utc};
use providers::ProviderId;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::auth::next_path::NextPath;

/// A person may open sign-in in a few tabs; older starts beyond this are forgotten.
pub const MAX_PENDING: usize = 5;

/// What the session remembers about one started sign-in.
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
    /// The hash of the random key the starting browser was given in a cookie: a repeat of the
    /// callback is handed the new session only when it carries that key.
    #[serde(default)]
    pub browser: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// Why a callback's state was not accepted. Logged for the operator; the user sees one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateProblem {
    /// Not in this session: forged, from another browser, already used, or forgotten.
    Unknown,
    Expired,
    /// Issued for another provider's callback.
    OtherProvider,
}

impl StateProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            StateProblem::Unknown => "unknown to this session",
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

/// Adds a started sign-in, dropping expired ones and the oldest beyond [`MAX_PENDING`].
pub fn remember(records: &mut Vec<StateRecord>, record: StateRecord, now: DateTime<Utc>) {
    records.retain(|r| r.expires_at > now);
    records.push(record);
    let excess = records.len().saturating_sub(MAX_PENDING);
    records.drain(..excess);
}

/// What [`take`] would answer, leaving the records as they are.
pub fn peek(
    records: &[StateRecord],
    provider: ProviderId,
    value: &str,
    now: DateTime<Utc>,
) -> Result<StateRecord, StateProblem> {
    match records.iter().find(|r| matches(r, value)) {
        Some(record) => judge(record.clone(), provider, now),
        None => Err(StateProblem::Unknown),
    }
}

/// Removes the record with this value, whatever it turns out to be: a state is good for one
/// callback only, even a failed one.
pub fn take(
    records: &mut Vec<StateRecord>,
    provider: ProviderId,
    value: &str,
    now: DateTime<Utc>,
) -> Result<StateRecord, StateProblem> {
    let Some(position) = records.iter().position(|r| matches(r, value)) else {
        return Err(StateProblem::Unknown);
    };
    judge(records.remove(position), provider, now)
}

fn matches(record: &StateRecord, value: &str) -> bool {
    // Constant time: timing says nothing about a guessed state.
    bool::from(record.value.as_bytes().ct_eq(value.as_bytes()))
}

fn judge(
    record: StateRecord,
    provider: ProviderId,
    now: DateTime<Utc>,
) -> Result<StateRecord, StateProblem> {
    if record.expires_at <= now {
        Err(StateProblem::Expired)
    } else if record.provider != provider {
        Err(StateProblem::OtherProvider)
    } else {
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(value: &str, provider: ProviderId, expires_at: DateTime<Utc>) -> StateRecord {
        StateRecord {
            value: value.to_string(),
            provider,
            next: NextPath::parse_or(None, "/account"),
            attach_pending: false,
            ticket: None,
            link_for: None,
            browser: None,
            expires_at,
        }
    }

    #[test]
    fn a_state_is_taken_once_and_only_for_its_provider() {
        let mut s = Vec::new();
        let now = Utc::now();
        let later = now + chrono::Duration::minutes(10);
        remember(&mut s, record("aaa", ProviderId::Qq, later), now);
        remember(&mut s, record("bbb", ProviderId::Weibo, later), now);
        assert_eq!(
            peek(&s, ProviderId::Qq, "aaa", now).map(|r| r.value),
            Ok("aaa".to_string()),
            "looking leaves it in place"
        );
        assert_eq!(
            peek(&s, ProviderId::Weibo, "aaa", now),
            Err(StateProblem::OtherProvider)
        );
        let taken = take(&mut s, ProviderId::Qq, "aaa", now);
        assert_eq!(taken.map(|r| r.value), Ok("aaa".to_string()));
        assert_eq!(
            take(&mut s, ProviderId::Qq, "aaa", now),
            Err(StateProblem::Unknown)
        );
        assert_eq!(
            take(&mut s, ProviderId::Qq, "bbb", now),
            Err(StateProblem::OtherProvider)
        );
        // Refused once is gone too.
        assert_eq!(
            take(&mut s, ProviderId::Weibo, "bbb", now),
            Err(StateProblem::Unknown)
        );
    }

    #[test]
    fn expired_states_are_refused_and_only_the_last_five_are_kept() {
        let mut s = Vec::new();
        let now = Utc::now();
        remember(&mut s, record("old", ProviderId::Qq, now), now);
        assert_eq!(
            take(&mut s, ProviderId::Qq, "old", now),
            Err(StateProblem::Expired)
        );
        let later = now + chrono::Duration::minutes(10);
        for i in 0..7 {
            remember(&mut s, record(&format!("s{i}"), ProviderId::Qq, later), now);
        }
        assert_eq!(
            take(&mut s, ProviderId::Qq, "s1", now),
            Err(StateProblem::Unknown)
        );
        for i in 2..7 {
            assert!(take(&mut s, ProviderId::Qq, &format!("s{i}"), now).is_ok());
        }
    }
}
