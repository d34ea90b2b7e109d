//! Profile completion after a first login: what the form is prefilled with, checking a
//! username as it is typed, and turning the pending identity into an account.

use chrono::Utc;
use sea_orm::DbErr;
use tower_sessions::Session;

use crate::auth::accounts::{self, CreateError, LinkOutcome, NewAccount};
use crate::auth::fields::{DisplayName, Email, Username, username_candidates};
use crate::auth::identities::{self, IdentityKeys};
use crate::auth::next_path::NextPath;
use crate::auth::pending::{self, PendingSignup};
use crate::auth::session_user;
use crate::state::AppState;

/// What the profile form starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub provider: String,
    pub nickname: String,
    pub avatar_url: Option<String>,
    pub username: String,
    pub display_name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SignupError {
    /// No first login waits in this session (expired, completed, or never started).
    #[error("nothing is waiting for a profile")]
    NothingPending,
    /// Fields refused, each with the translation key saying why.
    #[error("invalid fields")]
    Invalid(Vec<(&'static str, &'static str)>),
    #[error("session store: {0}")]
    Session(#[from] tower_sessions::session::Error),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// The pending first login of this session, as the form shows it.
pub async fn draft(app: &AppState, session: &Session) -> Result<Option<Draft>, SignupError> {
    let Some(waiting) = pending::current(session, Utc::now()).await? else {
        return Ok(None);
    };
    let profile = &waiting.profile;
    let username =
        accounts::first_free_username(&app.db.conn, &username_candidates(&profile.nickname))
            .await?
            .map(|u| u.as_str().to_string())
            .unwrap_or_default();
    Ok(Some(Draft {
        provider: profile.provider.as_str().to_string(),
        nickname: identities::shown_nickname(profile),
        avatar_url: identities::safe_avatar(profile.avatar_url.as_deref()),
        username,
        display_name: DisplayName::from_nickname(&profile.nickname)
            .map(DisplayName::into_string)
            .unwrap_or_default(),
    }))
}

/// A username as typed: fine, taken, or invalid (with the translation key saying why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsernameStatus {
    Available,
    Taken,
    Invalid(&'static str),
}

pub async fn check_username(app: &AppState, raw: &str) -> Result<UsernameStatus, DbErr> {
    let name = match Username::parse(raw) {
        Ok(name) => name,
        Err(key) => return Ok(UsernameStatus::Invalid(key)),
    };
    Ok(
        if accounts::username_taken(&app.db.conn, name.key()).await? {
            UsernameStatus::Taken
        } else {
            UsernameStatus::Available
        },
    )
}

/// The form as submitted.
#[derive(Debug, Clone, Copy)]
pub struct SignupForm<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: &'a str,
}

/// Every field checked, every problem reported at once.
pub fn validate(form: SignupForm<'_>) -> Result<NewAccount, Vec<(&'static str, &'static str)>> {
    let username = Username::parse(form.username);
    let display_name = DisplayName::parse(form.display_name);
    let email = Email::parse_optional(form.email);
    match (username, display_name, email) {
        (Ok(username), Ok(display_name), Ok(email)) => Ok(NewAccount {
            username,
            display_name,
            email,
        }),
        (username, display_name, email) => {
            let mut problems = Vec::new();
            if let Err(key) = username {
                problems.push(("username", key));
            }
            if let Err(key) = display_name {
                problems.push(("display_name", key));
            }
            if let Err(key) = email {
                problems.push(("email", key));
            }
            Err(problems)
        }
    }
}

/// Creates the account from the pending first login and signs it in; returns where to go.
///
/// If the same person's account appeared meanwhile (a second tab, or two first logins at
/// once), this signs in to that account instead of making another.
pub async fn complete(
    app: &AppState,
    session: &Session,
    form: SignupForm<'_>,
) -> Result<NextPath, SignupError> {
    let now = Utc::now();
    let waiting = pending::current(session, now)
        .await?
        .ok_or(SignupError::NothingPending)?;
    let account = validate(form).map_err(SignupError::Invalid)?;
    if let Some(next) = sign_in_existing_owner(app, session, &waiting).await? {
        return Ok(next);
    }
    match accounts::create_account(&app.db.conn, &account, &waiting, now).await {
        Ok(user_id) => {
            pending::forget(session).await?;
            session_user::sign_in(session, user_id).await?;
            Ok(waiting.next)
        }
        Err(CreateError::IdentityTaken | CreateError::UsernameTaken) => {
            // Either way, first see whether the same person just finished elsewhere.
            match sign_in_existing_owner(app, session, &waiting).await? {
                Some(next) => Ok(next),
                None => Err(SignupError::Invalid(vec![(
                    "username",
                    "field-username-taken",
                )])),
            }
        }
        Err(CreateError::Db(e)) => Err(SignupError::Db(e)),
    }
}

async fn sign_in_existing_owner(
    app: &AppState,
    session: &Session,
    waiting: &PendingSignup,
) -> Result<Option<NextPath>, SignupError> {
    let db = &app.db.conn;
    let keys = IdentityKeys::of(&waiting.profile);
    let owner_id = match identities::find(db, &keys).await? {
        Some(identity) => identity.user_id,
        // The same person signed up through the other WeChat app (same unionid) meanwhile.
        None => match identities::sibling_owner(db, &keys).await? {
            Some(owner_id) => owner_id,
            None => return Ok(None),
        },
    };
    let Some(owner) = accounts::active_user(db, owner_id).await? else {
        return Ok(None);
    };
    let linked =
        accounts::link_identity(db, owner.id, &waiting.profile, &waiting.tokens, Utc::now())
            .await?;
    if linked == LinkOutcome::OwnedByAnother {
        return Ok(None);
    }
    pending::forget(session).await?;
    session_user::sign_in(session, owner.id).await?;
    Ok(Some(waiting.next.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let problems = validate(SignupForm {
            username: "a b",
            display_name: "",
            email: "nope",
        })
        .expect_err("refused");
        assert_eq!(
            problems,
            vec![
                ("username", "field-username-characters"),
                ("display_name", "field-display-name-empty"),
                ("email", "field-email-invalid"),
            ]
        );
        let account = validate(SignupForm {
            username: "小明_01",
            display_name: "<b>小明</b>",
            email: "",
        })
        .expect("valid");
        assert_eq!(account.username.key(), "小明_01");
        assert_eq!(account.email, None);
    }
}
