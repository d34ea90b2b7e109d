//! Callbacks that claimed their state, in the database that every instance shares.
//!
//! A state is spent by the first callback that claims it: a second use with another code is
//! refused. WeChat's in-app browser sometimes requests the callback twice with the same code,
//! one right after (or while) the other, and may drop the first answer. The repeat is the same
//! provider, state and code: it waits for the first to finish, on whichever instance, and goes
//! where it went, instead of ending on "this sign-in link has been used".
//!
//! The first request may have moved the browser to a new session id (a sign-in does), and its
//! answer, which set that cookie, may never have reached the browser. A repeat that comes with
//! the session id the first one retired *and* the started sign-in's own cookie (`states`) is
//! the same browser: it is handed the new id. A planted session id is not enough: whoever
//! planted it never had that cookie. Anyone else with the link gets the destination path only,
//! which signs nobody in. Keys and codes are stored hashed; the new session id is sealed, and
//! rows are swept once the state could no longer be used anyway.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set, SqlErr};
use sha2::{Digest, Sha256};

use crate::entities::callback;

/// How long a repeat waits for the first request to finish.
const MAX_WAIT: Duration = Duration::from_secs(20);
/// How often a waiting repeat looks again.
const POLL: Duration = Duration::from_millis(50);

/// One callback request, hashed: its provider and state, and its code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackKey {
    state: String,
    code: String,
}

impl CallbackKey {
    pub fn new(provider: &str, state: &str, code: &str) -> Self {
        Self {
            state: digest(&[provider, state]),
            code: digest(&[code]),
        }
    }

    /// A refused sign-in spends its state without a code.
    pub fn refused(provider: &str, state: &str) -> Self {
        Self::new(provider, state, "")
    }
}

fn digest(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        // Length-prefixed, so no two different lists hash the same bytes.
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the first request sent the browser, the session id it retired (hashed) and the one
/// it made (sealed).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Outcome {
    pub location: String,
    pub moved_from: Option<String>,
    pub moved_to: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// This request spent the state: it does the work.
    First,
    /// The same request again: it follows the first.
    Again,
    /// The state was spent with another code (or refused).
    Taken,
}

fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Spends the state for this callback, or says who did. A repeat is followed only within
/// `window` of the first; later it is a spent state like any other.
pub async fn claim(
    db: &DatabaseConnection,
    key: &CallbackKey,
    window: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<Claim, DbErr> {
    let row = callback::ActiveModel {
        key_hash: Set(key.state.clone()),
        code_hash: Set(key.code.clone()),
        created_at: Set(now),
        ..Default::default()
    };
    match callback::Entity::insert(row).exec(db).await {
        Ok(_) => Ok(Claim::First),
        Err(e) if is_unique_violation(&e) => Ok(if recall(db, key, window, now).await? {
            Claim::Again
        } else {
            Claim::Taken
        }),
        Err(e) => Err(e),
    }
}

/// Whether this very callback (state and code) was claimed within `window`.
pub async fn recall(
    db: &DatabaseConnection,
    key: &CallbackKey,
    window: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    Ok(find(db, key)
        .await?
        .is_some_and(|row| row.created_at > now - window))
}

async fn find(
    db: &DatabaseConnection,
    key: &CallbackKey,
) -> Result<Option<callback::Model>, DbErr> {
    Ok(callback::Entity::find_by_id(key.state.clone())
        .one(db)
        .await?
        .filter(|row| row.code_hash == key.code))
}

/// The first request's outcome, for the repeats.
pub async fn finish(
    db: &DatabaseConnection,
    key: &CallbackKey,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    callback::Entity::update_many()
        .col_expr(callback::Column::FinishedAt, Expr::value(now))
        .col_expr(
            callback::Column::Location,
            Expr::value(outcome.location.clone()),
        )
        .col_expr(
            callback::Column::MovedFrom,
            Expr::value(outcome.moved_from.clone()),
        )
        .col_expr(
            callback::Column::MovedTo,
            Expr::value(outcome.moved_to.clone()),
        )
        .filter(callback::Column::KeyHash.eq(key.state.clone()))
        .exec(db)
        .await
        .map(|_| ())
}

/// Waits for the first request's outcome; `None` if it did not say within the wait (it
/// failed, or its instance went away).
pub async fn outcome(db: &DatabaseConnection, key: &CallbackKey) -> Option<Outcome> {
    let deadline = tokio::time::Instant::now() + MAX_WAIT;
    loop {
        match find(db, key).await {
            Ok(Some(row)) if row.finished_at.is_some() => {
                return Some(Outcome {
                    location: row.location.unwrap_or_default(),
                    moved_from: row.moved_from,
                    moved_to: row.moved_to,
                });
            }
            Ok(Some(_)) => {}
            Ok(None) => return None,
            Err(e) => tracing::warn!(error = %e, "cannot read a callback's outcome"),
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Deletes callbacks whose state could no longer be used anyway.
pub async fn sweep(db: &DatabaseConnection, older_than: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(callback::Entity::delete_many()
        .filter(callback::Column::CreatedAt.lt(older_than))
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_hash_the_provider_state_and_code_apart() {
        assert_ne!(
            CallbackKey::new("wechat", "ab", "c"),
            CallbackKey::new("wechat", "a", "bc")
        );
        assert_ne!(
            CallbackKey::new("wechat", "s", "c"),
            CallbackKey::new("qq", "s", "c")
        );
        let key = CallbackKey::new("wechat", "state-1", "code");
        assert!(!key.state.contains("state-1") && !key.code.contains("code"));
        assert_eq!(
            CallbackKey::refused("qq", "s").state,
            CallbackKey::new("qq", "s", "x").state
        );
    }
}
