//! The signed-in person: the session names an account, and the account is still active.
//! An axum extractor for routes; server functions get the same through `Auth::signed_in`.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;
use tower_sessions::Session;

use crate::auth::context::Auth;
use crate::auth::session::{SessionError, SignInSession};
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

/// Who is signed in could not be told: the session store or the database did not answer.
#[derive(Debug, thiserror::Error)]
pub enum Unknowable {
    #[error("session store: {0}")]
    Session(#[from] SessionError),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl Auth {
    /// The signed-in person of this session, if any. When the session or the account cannot
    /// be read, that is an outage to report, not a signed-out visitor to send to sign in.
    pub async fn signed_in(&self, session: &SignInSession) -> Result<Option<SignedIn>, Unknowable> {
        let Some(user_id) = session.user_id().await? else {
            return Ok(None);
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
        match auth.signed_in(&SignInSession::new(session)).await {
            Ok(Some(who)) => Ok(who),
            Ok(None) => Err(AppError::Unauthorized),
            Err(e) => {
                tracing::error!(error = %e, "cannot tell who is signed in");
                Err(AppError::DatabaseDown)
            }
        }
    }
}
