//! Who may use the console: a signed-in administrator. Everyone else, signed in or not, gets
//! the same 404 as any unknown address, so the console does not announce itself. A change
//! also needs a sign-in within the last [`FRESH_SIGN_IN_MINUTES`].

use axum::extract::{FromRequestParts, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use http::request::Parts;
use tower_sessions::Session;

use crate::auth::{SignInSession, SignedIn};
use crate::console::layout;
use crate::i18n::Locale;
use crate::state::AppState;

/// How recent a sign-in must be for an administrator's change.
pub const FRESH_SIGN_IN_MINUTES: i64 = 15;

/// A request from an administrator, in their language.
pub struct Administrator {
    pub who: SignedIn,
    pub locale: Locale,
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

/// Not an administrator (or not signed in): the 404 page in the visitor's language.
pub struct NotFound(pub Locale);

impl IntoResponse for NotFound {
    fn into_response(self) -> Response {
        layout::not_found(self.0)
    }
}

impl FromRequestParts<AppState> for Administrator {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        let locale = layout::locale_of(&parts.headers);
        let refused = || NotFound(locale).into_response();
        let State(app) = State::<AppState>::from_request_parts(parts, app)
            .await
            .map_err(|never| match never {})?;
        let Ok(session) = Session::from_request_parts(parts, &app).await else {
            return Err(refused());
        };
        let session = SignInSession::new(session);
        let who = match app.auth.signed_in(&session).await {
            Ok(Some(who)) => who,
            Ok(None) => return Err(refused()),
            Err(e) => {
                tracing::error!(error = %e, "cannot tell who is signed in");
                return Err(layout::outage(locale));
            }
        };
        match app.auth.is_administrator(&who).await {
            Ok(true) => {}
            Ok(false) => return Err(refused()),
            Err(e) => {
                tracing::error!(error = %e, "cannot tell an administrator");
                return Err(layout::outage(locale));
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
            locale,
            signed_in_at,
        })
    }
}
