//! Who may use the console: a signed-in administrator. Everyone else, signed in or not, gets
//! the same 404 as any unknown address, so the console does not announce itself. A change
//! also needs a sign-in within the last [`FRESH_SIGN_IN_MINUTES`].

use axum::extract::{FromRequestParts, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use http::request::Parts;
use tower_sessions::Session;

use crate::auth::{SignInSession, SignedIn};
use crate::console::layout::{self, Frame};
use crate::state::AppState;

/// How recent a sign-in must be for an administrator's change.
pub const FRESH_SIGN_IN_MINUTES: i64 = 15;

/// A request from an administrator, in their language.
pub struct Administrator {
    pub who: SignedIn,
    /// The language and stylesheet its pages are shown with.
    pub frame: Frame,
    /// When this session last proved who it is.
    pub signed_in_at: Option<DateTime<Utc>>,
}

impl Administrator {
    pub fn id(&self) -> i64 {
        self.who.user_id()
    }

    /// Signed in recently enough to change anything.
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        self.signed_in_at
            .is_some_and(|at| now - at <= chrono::Duration::minutes(FRESH_SIGN_IN_MINUTES))
    }
}

impl FromRequestParts<AppState> for Administrator {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        let locale = layout::locale_of(&parts.headers);
        let State(app) = State::<AppState>::from_request_parts(parts, app)
            .await
            .map_err(|never| match never {})?;
        let frame = Frame::new(locale, &app);
        // Not an administrator (or not signed in): the 404 of any unknown address.
        let original = parts.clone();
        let refused = || crate::fallback::not_found(app.clone(), original.clone());
        let Ok(session) = Session::from_request_parts(parts, &app).await else {
            return Err(refused().await);
        };
        let session = SignInSession::new(session);
        let who = match app.auth.signed_in(&session).await {
            Ok(Some(who)) => who,
            Ok(None) => return Err(refused().await),
            Err(e) => {
                tracing::error!(error = %e, "cannot tell who is signed in");
                return Err(layout::outage(&frame));
            }
        };
        match app.auth.is_administrator(&who).await {
            Ok(true) => {}
            Ok(false) => return Err(refused().await),
            Err(e) => {
                tracing::error!(error = %e, "cannot tell an administrator");
                return Err(layout::outage(&frame));
            }
        }
        let signed_in_at = session
            .sign_in_proof()
            .await
            .ok()
            .flatten()
            .map(|(at, _)| at);
        Ok(Administrator {
            who,
            frame,
            signed_in_at,
        })
    }
}
