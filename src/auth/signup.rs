//! Profile completion after a first login: what the form is prefilled with, checking a
//! username as it is typed, and turning the pending identity into an account.

use chrono::Utc;
use sea_orm::DbErr;

use crate::audit::{self, Event, Kind};
use crate::auth::context::Auth;
use crate::auth::fields::{DisplayName, Email, Username, username_candidates};
use crate::auth::next_path::NextPath;
use crate::auth::pending::PendingSignup;
use crate::auth::session::{SessionError, SignInSession};
use crate::auth::store::accounts::{self, CreateError, LinkOutcome, NewAccount};
use crate::auth::store::identities::{self, IdentityKeys};
use crate::model::{SignupDraft, UsernameCheck};

#[derive(Debug, thiserror::Error)]
pub enum SignupError {
    /// No first login waits in this session (expired, completed, or never started).
    #[error("nothing is waiting for a profile")]
    NothingPending,
    /// Fields refused, each with the translation key saying why.
    #[error("invalid fields")]
    Invalid(Vec<(&'static str, &'static str)>),
    #[error("session store: {0}")]
    Session(#[from] SessionError),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

impl Auth {
    /// The pending first login of this session, as the form shows it.
    pub async fn signup_draft(
        &self,
        session: &SignInSession,
    ) -> Result<Option<SignupDraft>, SignupError> {
        let Some(waiting) = session.pending_signup(Utc::now()).await? else {
            return Ok(None);
        };
        let profile = &waiting.profile;
        let username =
            accounts::first_free_username(&self.db, &username_candidates(&profile.nickname))
                .await?
                .map(|u| u.as_str().to_string())
                .unwrap_or_default();
        Ok(Some(SignupDraft {
            provider: profile.provider.as_str().to_string(),
            nickname: identities::shown_nickname(profile),
            avatar_url: identities::safe_avatar(profile.avatar_url.as_deref()),
            username,
            display_name: DisplayName::from_nickname(&profile.nickname)
                .map(DisplayName::into_string)
                .unwrap_or_default(),
        }))
    }

    /// A username as typed: fine, taken, or invalid. Only answered for a session completing
    /// its profile.
    pub async fn check_username(
        &self,
        session: &SignInSession,
        raw: &str,
    ) -> Result<UsernameCheck, SignupError> {
        if session.pending_signup(Utc::now()).await?.is_none() {
            return Err(SignupError::NothingPending);
        }
        let name = match Username::parse(raw) {
            Ok(name) => name,
            Err(key) => return Ok(UsernameCheck::Invalid(key.to_string())),
        };
        Ok(if accounts::username_taken(&self.db, name.key()).await? {
            UsernameCheck::Taken
        } else {
            UsernameCheck::Available
        })
    }
}

/// The form as submitted.
#[derive(Debug, Clone, Copy)]
pub struct SignupForm<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: &'a str,
}

/// Every field checked, every problem reported at once.
fn validate(form: SignupForm<'_>) -> Result<NewAccount, Vec<(&'static str, &'static str)>> {
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

impl Auth {
    /// Creates the account from the pending first login and signs it in; returns where to go.
    ///
    /// If the same person's account appeared meanwhile (a second tab, or two first logins at
    /// once), this signs in to that account instead of making another.
    #[tracing::instrument(skip_all)]
    pub async fn complete_signup(
        &self,
        session: &SignInSession,
        form: SignupForm<'_>,
    ) -> Result<NextPath, SignupError> {
        let now = Utc::now();
        let waiting = session
            .pending_signup(now)
            .await?
            .ok_or(SignupError::NothingPending)?;
        let account = validate(form).map_err(SignupError::Invalid)?;
        if let Some(next) = self.sign_in_existing_owner(session, &waiting).await? {
            return Ok(next);
        }
        match accounts::create_account(&self.db, &account, &waiting, now).await {
            Ok(user_id) => {
                session
                    .signed_in(user_id, waiting.profile.provider.as_str())
                    .await?;
                let provider = waiting.profile.provider.as_str();
                audit::note(
                    &self.db,
                    Event::new(Kind::SignUp).user(user_id).provider(provider),
                )
                .await;
                audit::note(
                    &self.db,
                    Event::new(Kind::SignInSucceeded)
                        .user(user_id)
                        .provider(provider)
                        .detail("new account"),
                )
                .await;
                Ok(waiting.next)
            }
            Err(CreateError::IdentityTaken | CreateError::UsernameTaken) => {
                // Either way, first see whether the same person just finished elsewhere.
                match self.sign_in_existing_owner(session, &waiting).await? {
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
        &self,
        session: &SignInSession,
        waiting: &PendingSignup,
    ) -> Result<Option<NextPath>, SignupError> {
        let db = &self.db;
        let Some(holder) = identities::holder(db, &IdentityKeys::of(&waiting.profile)).await?
        else {
            return Ok(None);
        };
        let Some(owner) = accounts::active_user(db, holder.user_id()).await? else {
            return Ok(None);
        };
        let linked = accounts::link_known(
            db,
            owner.id,
            Some(holder),
            &waiting.profile,
            &waiting.tokens,
            Utc::now(),
        )
        .await?;
        if linked == LinkOutcome::OwnedByAnother {
            return Ok(None);
        }
        session
            .signed_in(owner.id, waiting.profile.provider.as_str())
            .await?;
        audit::note(
            db,
            Event::new(Kind::SignInSucceeded)
                .user(owner.id)
                .provider(waiting.profile.provider.as_str()),
        )
        .await;
        Ok(Some(waiting.next.clone()))
    }
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
        assert_eq!(account.username.as_str(), "小明_01");
        assert_eq!(account.email, None);
    }
}
