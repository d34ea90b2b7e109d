//! `GET /auth/{provider}/callback`: the state is checked and spent, the code traded for a
//! verified profile once, and the person handed to `landing` (or, for a phone scanning a
//! login ticket, to the ticket through [`IdentityHandoff`]). Repeats of one callback (WeChat's double redirect) wait for
//! the first and go where it went (`auth::replay`).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use providers::Provider;
use tower_sessions::session::Id;
use tracing::Instrument;

use crate::auth::context::Auth;
use crate::auth::handoff::{IdentityHandoff, VerifiedIdentity};
use crate::auth::landing::Failure;
use crate::auth::pending::SealedTokens;
use crate::auth::replay::{CallbackKey, Claim, Outcome, Replay};
use crate::auth::session::SignInSession;
use crate::auth::states::StateRecord;
use crate::model::LoginError;

/// Where a callback sends the browser, and the session it moves the browser to when it is the
/// repeat of a callback whose answer (and new session cookie) may have been lost.
#[derive(Debug)]
pub struct Landing {
    pub location: String,
    pub session: Option<Id>,
}

impl From<String> for Landing {
    fn from(location: String) -> Self {
        Self {
            location,
            session: None,
        }
    }
}

impl Landing {
    /// A repeat goes where the first request went, once it knows; nowhere but back to the
    /// login page if the first one never said.
    async fn after(first: Replay, arrived_with: Option<Id>) -> Self {
        match first.outcome().await {
            Some(outcome) => Self {
                session: outcome.session_for(arrived_with),
                location: outcome.location,
            },
            None => LoginError::State.location().into(),
        }
    }
}

impl Auth {
    /// Handles `GET /auth/{provider}/callback`. A phone authorising a QR login ticket hands
    /// its identity to `handoff` instead of signing in.
    #[tracing::instrument(skip_all, fields(provider))]
    pub async fn callback(
        self: &Arc<Self>,
        session: &SignInSession,
        provider: &str,
        query: &HashMap<String, String>,
        handoff: Arc<dyn IdentityHandoff>,
    ) -> Landing {
        // The id the cookie named, read before loading: a retired id reads as none afterwards.
        let arrived_with = session.id();
        let Some(provider) = self.provider_named(provider) else {
            return LoginError::UnknownProvider.location().into();
        };
        tracing::Span::current().record("provider", provider.id().as_str());
        let state = query
            .get("state")
            .map(String::as_str)
            .filter(|s| !s.is_empty());
        let now = Utc::now();

        if let Some(refusal) = provider.callback_error(query) {
            // The state of a refused sign-in is spent as well.
            if let Some(state) = state
                && let Err(e) = session.take_state(provider.id(), state, now).await
            {
                tracing::error!(error = %e, "cannot spend the state of a refused sign-in");
                return LoginError::Server.location().into();
            }
            return Failure::Provider(refusal).location().into();
        }
        let (Some(state), Some(code)) = (state, query.get("code")) else {
            tracing::warn!("callback without a state");
            return LoginError::State.location().into();
        };

        let key = CallbackKey::new(provider.id().as_str(), state, code);
        match session.peek_state(provider.id(), state, now).await {
            Ok(Ok(_)) => {}
            Ok(Err(problem)) => {
                // Not (or no longer) this session's: a repeat of a callback that already ran?
                // Then this copy of the session is stale: it is left as it is.
                if let Some(replay) = self.replays.recall(key) {
                    tracing::info!("repeated callback");
                    return Landing::after(replay, arrived_with).await;
                }
                // Expired or for another provider: spent all the same.
                if let Err(e) = session.take_state(provider.id(), state, now).await {
                    tracing::error!(error = %e, "cannot spend a refused state");
                    return LoginError::Server.location().into();
                }
                tracing::warn!(problem = problem.as_str(), "callback state refused");
                return LoginError::State.location().into();
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot read the session");
                return LoginError::Server.location().into();
            }
        }
        // One request per state goes on. Its twins wait for it with their copy of the session
        // untouched, so no save of theirs can overwrite what the first one stores. The claim
        // comes before the state's removal is saved: a twin that reads the session after that
        // save finds the claim through `recall`.
        let completion = match self.replays.claim(key) {
            Claim::First(completion) => completion,
            Claim::Again(replay) => return Landing::after(replay, arrived_with).await,
            Claim::Taken => {
                tracing::warn!("callback state in use with another code");
                return LoginError::State.location().into();
            }
        };
        // A browser that gives up on this request (an in-app browser re-issuing the
        // navigation) drops the handler; the sign-in it started still finishes, in the
        // request's span, and tells the twins.
        let (auth, session) = (self.clone(), session.clone());
        let (state, code) = (state.to_string(), code.clone());
        let work = tokio::spawn(
            async move {
                let location = auth
                    .finish_callback(&session, provider, &state, &code, handoff, now)
                    .await;
                let moved = match (arrived_with, session.id()) {
                    (Some(from), Some(to)) if from != to => Some((from, to)),
                    _ => None,
                };
                completion.finish(Outcome {
                    location: location.clone(),
                    moved,
                });
                location
            }
            .in_current_span(),
        );
        work.await
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "the callback's work failed");
                LoginError::Server.location()
            })
            .into()
    }

    /// Spends the state, then trades the code; the session is saved before the twins are
    /// told where to go, so the page they are sent to finds what this request stored.
    async fn finish_callback(
        &self,
        session: &SignInSession,
        provider: Arc<dyn Provider>,
        state: &str,
        code: &str,
        handoff: Arc<dyn IdentityHandoff>,
        now: DateTime<Utc>,
    ) -> String {
        let record = match session.take_state(provider.id(), state, now).await {
            Ok(Ok(record)) => record,
            Ok(Err(problem)) => {
                tracing::warn!(problem = problem.as_str(), "callback state refused");
                return LoginError::State.location();
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot read the session");
                return LoginError::Server.location();
            }
        };
        // Consumed in the store before the code is used, not only at the end of the request.
        if let Err(e) = session.save().await {
            tracing::error!(error = %e, "cannot save the session");
            return LoginError::Server.location();
        }
        let location = self
            .complete(
                session,
                provider.as_ref(),
                &record,
                code,
                handoff.as_ref(),
                now,
            )
            .await
            .unwrap_or_else(|failure| failure.location());
        if let Err(e) = session.save().await {
            tracing::error!(error = %e, "cannot save the session");
            return LoginError::Server.location();
        }
        location
    }

    /// The code is good and the state was ours: who is this, and where do they go?
    async fn complete(
        &self,
        session: &SignInSession,
        provider: &dyn Provider,
        record: &StateRecord,
        code: &str,
        handoff: &dyn IdentityHandoff,
        now: DateTime<Utc>,
    ) -> Result<String, Failure> {
        let redirect_uri = self.callback_url(provider.id());
        let tokens = provider.exchange_code(code, &redirect_uri).await?;
        let profile = self.fetch_profile(provider, &tokens).await?;
        let identity = VerifiedIdentity {
            tokens: SealedTokens::seal(&self.sealer, &tokens, now),
            profile,
        };
        if let Some(ticket) = &record.ticket {
            // The phone's authorization for a login ticket: the ticket keeps the verified
            // identity until the phone confirms and the desktop claims it; this session is
            // not signed in.
            let handed = handoff.hand_over(ticket, &identity).await?;
            if handed.accepted && !identity.profile.nickname.is_empty() {
                session.remember_wechat_phone().await?;
            }
            return Ok(handed.next_page);
        }
        self.land(session, identity, &record.next, record.attach_pending, now)
            .await
    }
}
