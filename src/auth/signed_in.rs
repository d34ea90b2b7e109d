//! The signed-in person: the session names an account, and the account is still active.
//! An axum extractor for routes; server functions get the same through `Auth::signed_in`.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;
use tower_sessions::Session;

use crate::auth::context::Auth;
use crate::auth::session::SignInSession;
use crate::auth::store::accounts;
use crate::entities::user;
use crate::error::AppError;

/// An active account, as sign-in knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
}

impl From<user::Model> for Account {
    fn from(user: user::Model) -> Self {
        Self {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            email: user.email,
            avatar_url: user.avatar_url,
        }
    }
}

/// A request from a signed-in person: the account, loaded once per request.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub account: Account,
}

impl SignedIn {
    pub fn user_id(&self) -> i64 {
        self.account.id
    }
}

impl Auth {
    /// The signed-in person of this session, if any. A session that cannot be read counts as
    /// signed out (and is logged); a database that cannot be read is an error.
    pub async fn signed_in(
        &self,
        session: &SignInSession,
    ) -> Result<Option<SignedIn>, sea_orm::DbErr> {
        let user_id = match session.user_id().await {
            Ok(Some(id)) => id,
            Ok(None) => return Ok(None),
            Err(e) => {
                tracing::warn!(error = %e, "could not read the session");
                return Ok(None);
            }
        };
        // An account deleted or disabled while its session lived is simply signed out.
        Ok(accounts::active_user(&self.db, user_id)
            .await?
            .map(|user| SignedIn {
                account: user.into(),
            }))
    }
}

/// `SignedIn` as a handler argument: 401 when nobody is signed in.
impl<S> FromRequestParts<S> for SignedIn
where
    S: Send + Sync,
    Arc<Auth>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, message)| AppError::Unexpected(anyhow::anyhow!(message)))?;
        let auth = Arc::<Auth>::from_ref(state);
        auth.signed_in(&SignInSession::new(session))
            .await?
            .ok_or(AppError::Unauthorized)
    }
}
