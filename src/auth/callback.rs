//! `GET /auth/{provider}/callback`: the state is checked and spent, the code traded for a
//! verified profile once, and the person handed to `flow::land` (or, for a phone scanning a
//! login ticket, to the ticket). Repeats of one callback (WeChat's double redirect) wait for
//! the first and go where it went (`auth::replay`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use providers::{Profile, Provider};
use tower_sessions::Session;
use tower_sessions::session::Id;

use crate::auth::flow::{Failure, KNOWN_WECHAT_PHONE, LoginError, configured, land, ticket_page};
use crate::auth::pending::SealedTokens;
use crate::auth::replay::{CallbackKey, Claim, Outcome, Replay};
use crate::auth::states::{self, StateRecord};
use crate::auth::tickets::{self, TicketError};
use crate::state::AppState;

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

/// Handles `GET /auth/{provider}/callback`.
pub async fn handle(
    app: &AppState,
    session: &Session,
    provider: &str,
    query: &HashMap<String, String>,
) -> Landing {
    // The id the cookie named, read before loading: a retired id reads as none afterwards.
    let arrived_with = session.id();
    let Some(provider) = configured(app, provider) else {
        return LoginError::UnknownProvider.location().into();
    };
    let state = query
        .get("state")
        .map(String::as_str)
        .filter(|s| !s.is_empty());
    let now = Utc::now();

    if let Some(refusal) = provider.callback_error(query) {
        // The state of a refused sign-in is spent as well.
        if let Some(state) = state {
            let _ = states::take(session, provider.id(), state, now).await;
        }
        let failure = Failure::Provider(refusal);
        failure.log();
        return failure.login_error().location().into();
    }
    let (Some(state), Some(code)) = (state, query.get("code")) else {
        tracing::warn!(provider = %provider.id(), "callback without a state");
        return LoginError::State.location().into();
    };

    let key = CallbackKey::new(provider.id().as_str(), state, code);
    match states::peek(session, provider.id(), state, now).await {
        Ok(Ok(_)) => {}
        Ok(Err(problem)) => {
            // Not (or no longer) this session's: a repeat of a callback that already ran?
            // Then this copy of the session is stale: it is left as it is.
            if let Some(replay) = app.replays.recall(key) {
                tracing::info!(provider = %provider.id(), "repeated callback");
                return Landing::after(replay, arrived_with).await;
            }
            // Expired or for another provider: spent all the same.
            let _ = states::take(session, provider.id(), state, now).await;
            tracing::warn!(provider = %provider.id(), problem = problem.as_str(), "callback state refused");
            return LoginError::State.location().into();
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read the session");
            return LoginError::Server.location().into();
        }
    }
    // One request per state goes on. Its twins wait for it with their copy of the session
    // untouched, so no save of theirs can overwrite what the first one stores. The claim comes
    // before the state's removal is saved: a twin that reads the session after that save
    // finds the claim through `recall`.
    let completion = match app.replays.claim(key) {
        Claim::First(completion) => completion,
        Claim::Again(replay) => return Landing::after(replay, arrived_with).await,
        Claim::Taken => {
            tracing::warn!(provider = %provider.id(), "callback state in use with another code");
            return LoginError::State.location().into();
        }
    };
    // A browser that gives up on this request (an in-app browser re-issuing the navigation)
    // drops the handler; the sign-in it started still finishes, and tells the twins.
    let (app, session) = (app.clone(), session.clone());
    let (state, code) = (state.to_string(), code.clone());
    let work = tokio::spawn(async move {
        let location = finish_callback(&app, &session, provider, &state, &code, now).await;
        let moved = match (arrived_with, session.id()) {
            (Some(from), Some(to)) if from != to => Some((from, to)),
            _ => None,
        };
        completion.finish(Outcome {
            location: location.clone(),
            moved,
        });
        location
    });
    work.await
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "the callback's work failed");
            LoginError::Server.location()
        })
        .into()
}

/// Spends the state, then trades the code; the session is saved before the twins are told
/// where to go, so the page they are sent to finds what this request stored.
async fn finish_callback(
    app: &AppState,
    session: &Session,
    provider: std::sync::Arc<dyn Provider>,
    state: &str,
    code: &str,
    now: DateTime<Utc>,
) -> String {
    let record = match states::take(session, provider.id(), state, now).await {
        Ok(Ok(record)) => record,
        Ok(Err(problem)) => {
            tracing::warn!(provider = %provider.id(), problem = problem.as_str(), "callback state refused");
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
    let location = match complete(app, session, provider.as_ref(), &record, code, now).await {
        Ok(location) => location,
        Err(failure) => {
            failure.log();
            failure.login_error().location()
        }
    };
    if let Err(e) = session.save().await {
        tracing::error!(error = %e, "cannot save the session");
        return LoginError::Server.location();
    }
    location
}

/// The code is good and the state was ours: who is this, and where do they go?
async fn complete(
    app: &AppState,
    session: &Session,
    provider: &dyn Provider,
    record: &StateRecord,
    code: &str,
    now: DateTime<Utc>,
) -> Result<String, Failure> {
    let redirect_uri = app.callback_url(provider.id());
    let tokens = provider.exchange_code(code, &redirect_uri).await?;
    let profile = provider.fetch_profile(&tokens).await?;
    let sealed = SealedTokens::seal(&app.sealer, &tokens, now);
    if let Some(ticket) = &record.ticket {
        return hand_to_ticket(app, session, ticket, &profile, &sealed, now).await;
    }
    land(
        app,
        session,
        profile,
        sealed,
        &record.next,
        record.attach_pending,
        now,
    )
    .await
}

/// The phone's authorization for a login ticket: the ticket keeps the verified identity
/// until the phone confirms and the desktop claims it; this session is not signed in.
async fn hand_to_ticket(
    app: &AppState,
    session: &Session,
    ticket: &str,
    profile: &Profile,
    sealed: &SealedTokens,
    now: DateTime<Utc>,
) -> Result<String, Failure> {
    match tickets::attach_identity(&app.db.conn, ticket, profile, sealed, now).await {
        Ok(true) => {
            if !profile.nickname.is_empty() {
                session.insert(KNOWN_WECHAT_PHONE, true).await?;
            }
        }
        // Expired or cancelled meanwhile: the ticket page says so.
        Ok(false) => {}
        Err(TicketError::Db(e)) => return Err(Failure::Db(e)),
        Err(TicketError::Corrupt(reason)) => return Err(Failure::Ticket(reason)),
    }
    Ok(ticket_page(ticket))
}
