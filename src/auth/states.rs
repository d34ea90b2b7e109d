//! The OAuth `state`: a random value kept in the server-side session between the start of a
//! sign-in and its callback. It binds the callback to this browser (the session), to the
//! provider it was sent to, and to where the user wanted to go; it is used once and expires.

use chrono::{DateTime, Utc};
use providers::ProviderId;
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::auth::next_path::NextPath;

const SESSION_KEY: &str = "auth_states";
/// 32 characters of [A-Za-z0-9] is 190 bits, well over the 128 the rules ask for, and well
/// under the 128 bytes WeChat accepts.
pub const STATE_LEN: usize = 32;
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

/// A new random state value from the thread-local CSPRNG.
pub fn new_value() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(STATE_LEN)
        .map(char::from)
        .collect()
}

async fn load(session: &Session) -> Result<Vec<StateRecord>, tower_sessions::session::Error> {
    Ok(session
        .get::<Vec<StateRecord>>(SESSION_KEY)
        .await?
        .unwrap_or_default())
}

/// Remembers a started sign-in, dropping expired ones and the oldest beyond [`MAX_PENDING`].
pub async fn remember(
    session: &Session,
    record: StateRecord,
    now: DateTime<Utc>,
) -> Result<(), tower_sessions::session::Error> {
    let mut records = load(session).await?;
    records.retain(|r| r.expires_at > now);
    records.push(record);
    let excess = records.len().saturating_sub(MAX_PENDING);
    records.drain(..excess);
    session.insert(SESSION_KEY, records).await
}

/// What [`take`] would answer, leaving the session as it is: a request that only looks never
/// saves its copy of the session over another request's.
pub async fn peek(
    session: &Session,
    provider: ProviderId,
    value: &str,
    now: DateTime<Utc>,
) -> Result<Result<StateRecord, StateProblem>, tower_sessions::session::Error> {
    let records = load(session).await?;
    Ok(match records.into_iter().find(|r| matches(r, value)) {
        Some(record) => judge(record, provider, now),
        None => Err(StateProblem::Unknown),
    })
}

/// Removes the record with this value, whatever it turns out to be: a state is good for one
/// callback only, even a failed one.
pub async fn take(
    session: &Session,
    provider: ProviderId,
    value: &str,
    now: DateTime<Utc>,
) -> Result<Result<StateRecord, StateProblem>, tower_sessions::session::Error> {
    let mut records = load(session).await?;
    let Some(position) = records.iter().position(|r| matches(r, value)) else {
        return Ok(Err(StateProblem::Unknown));
    };
    let record = records.remove(position);
    session.insert(SESSION_KEY, records).await?;
    Ok(judge(record, provider, now))
}

fn matches(record: &StateRecord, value: &str) -> bool {
    constant_time_eq(record.value.as_bytes(), value.as_bytes())
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

/// Compares without stopping at the first difference, so timing says nothing about a guess.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use tower_sessions::MemoryStore;

    use super::*;

    fn session() -> Session {
        Session::new(None, Arc::new(MemoryStore::default()), None)
    }

    fn record(value: &str, provider: ProviderId, expires_at: DateTime<Utc>) -> StateRecord {
        StateRecord {
            value: value.to_string(),
            provider,
            next: NextPath::parse_or(None, "/account"),
            attach_pending: false,
            ticket: None,
            expires_at,
        }
    }

    #[test]
    fn values_are_long_url_safe_and_distinct() {
        let values: HashSet<String> = (0..1000).map(|_| new_value()).collect();
        assert_eq!(values.len(), 1000);
        for v in &values {
            assert_eq!(v.len(), STATE_LEN);
            assert!(v.bytes().all(|b| b.is_ascii_alphanumeric()));
        }
        // log2(62) * 32 > 128 bits.
        assert!((STATE_LEN as f64) * 62f64.log2() >= 128.0);
    }

    #[tokio::test]
    async fn a_state_is_taken_once_and_only_for_its_provider() {
        let s = session();
        let now = Utc::now();
        let later = now + chrono::Duration::minutes(10);
        remember(&s, record("aaa", ProviderId::Qq, later), now)
            .await
            .expect("stored");
        remember(&s, record("bbb", ProviderId::Weibo, later), now)
            .await
            .expect("stored");
        assert_eq!(
            peek(&s, ProviderId::Qq, "aaa", now)
                .await
                .expect("read")
                .map(|r| r.value),
            Ok("aaa".to_string()),
            "looking leaves it in place"
        );
        assert_eq!(
            peek(&s, ProviderId::Weibo, "aaa", now).await.expect("read"),
            Err(StateProblem::OtherProvider)
        );
        let taken = take(&s, ProviderId::Qq, "aaa", now).await.expect("read");
        assert_eq!(taken.map(|r| r.value), Ok("aaa".to_string()));
        assert_eq!(
            take(&s, ProviderId::Qq, "aaa", now).await.expect("read"),
            Err(StateProblem::Unknown)
        );
        assert_eq!(
            take(&s, ProviderId::Qq, "bbb", now).await.expect("read"),
            Err(StateProblem::OtherProvider)
        );
        // Refused once is gone too.
        assert_eq!(
            take(&s, ProviderId::Weibo, "bbb", now).await.expect("read"),
            Err(StateProblem::Unknown)
        );
    }

    #[tokio::test]
    async fn expired_states_are_refused_and_only_the_last_five_are_kept() {
        let s = session();
        let now = Utc::now();
        remember(&s, record("old", ProviderId::Qq, now), now)
            .await
            .expect("stored");
        assert_eq!(
            take(&s, ProviderId::Qq, "old", now).await.expect("read"),
            Err(StateProblem::Expired)
        );
        let later = now + chrono::Duration::minutes(10);
        for i in 0..7 {
            remember(&s, record(&format!("s{i}"), ProviderId::Qq, later), now)
                .await
                .expect("stored");
        }
        assert_eq!(
            take(&s, ProviderId::Qq, "s1", now).await.expect("read"),
            Err(StateProblem::Unknown)
        );
        for i in 2..7 {
            assert!(
                take(&s, ProviderId::Qq, &format!("s{i}"), now)
                    .await
                    .expect("read")
                    .is_ok()
            );
        }
    }

    #[test]
    fn comparison_needs_every_byte() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
