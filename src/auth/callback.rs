//! `GET /auth/{provider}/callback`: the state is checked against the browser's cookie and
//! spent, the code traded for a verified profile once, and the person handed to `landing`
//! (or, for a phone scanning a login ticket, to the ticket through [`IdentityHandoff`]).
//! Repeats of one callback (WeChat's double redirect) wait for the first and go where it went
//! (`auth::replay`), whichever instance they reach.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use providers::Provider;
use tower_sessions::session::Id;
use tracing::Instrument;

use crate::auth::context::Auth;
use crate::auth::handoff::{IdentityHandoff, VerifiedIdentity};
use crate::auth::landing::{Arrival, Failure, Landed};
use crate::auth::pending::SealedTokens;
use crate::auth::replay::{self, CallbackKey, Claim, Outcome};
use crate::auth::sealing::Purpose;
use crate::auth::session::SignInSession;
use crate::auth::states::{self, StateRecord};
use crate::metrics::{self, SignIn};
use crate::model::LoginError;
use crate::session::{Device, key_hash};

/// Where a callback sends the browser, the session it moves the browser to when it is the
/// repeat of a callback whose answer (and new session cookie) may have been lost, and the
/// started sign-ins (cookies) that end with it.
#[derive(Debug, Default)]
pub struct Landing {
    pub location: String,
    pub session: Option<Id>,
    pub spent_states: Vec<String>,
}

impl From<String> for Landing {
    fn from(location: String) -> Self {
        Self {
            location,
            ..Self::default()
        }
    }
}

/// The request as a callback sees it: its session, its query, and the started sign-ins its
/// browser carries (`dls_*` cookies, name and value).
pub struct CallbackRequest<'a> {
    pub session: &'a SignInSession,
    pub query: &'a HashMap<String, String>,
    pub state_cookies: &'a [(String, String)],
    /// Where the request comes from, noted in a session it signs in before the session is
    /// saved (so that noting it as the response leaves changes nothing).
    pub device: Device,
}

impl Auth {
    /// How long a repeat of a callback is followed (WeChat's double redirect comes within
    /// seconds).
    fn replay_window(&self) -> chrono::Duration {
        crate::auth::context::lifetime(self.lifetimes.replay)
    }

    /// A repeat goes where the first request went, once it knows; nowhere but back to the
    /// login page if the first one never said. The new session is handed over only to the
    /// browser that started the sign-in (it still carries the state's cookie).
    async fn follow(
        &self,
        key: &CallbackKey,
        arrived_with: Option<Id>,
        same_browser: bool,
    ) -> Landing {
        let Some(outcome) = replay::outcome(&self.db, key).await else {
            return LoginError::State.location().into();
        };
        let retired = arrived_with.map(|id| key_hash(&id));
        let session = match &outcome.moved_to {
            Some(to) if same_browser && retired == outcome.moved_from => self
                .sealer
                .open_text(Purpose::SessionHandoff, to)
                .ok()
                .and_then(|id| id.parse().ok()),
            _ => None,
        };
        Landing {
            location: outcome.location,
            session,
            spent_states: Vec::new(),
        }
    }

    /// Handles `GET /auth/{provider}/callback`. A phone authorising a QR login ticket hands
    /// its identity to `handoff` instead of signing in.
    #[tracing::instrument(skip_all, fields(provider))]
    pub async fn callback(
        self: &Arc<Self>,
        request: CallbackRequest<'_>,
        provider: &str,
        handoff: Arc<dyn IdentityHandoff>,
    ) -> Landing {
        let CallbackRequest {
            session,
            query,
            state_cookies,
            device,
        } = request;
        // The id the cookie named, read before loading: a retired id reads as none afterwards.
        let arrived_with = session.id();
        let Some(provider) = self.provider_named(provider) else {
            return LoginError::UnknownProvider.location().into();
        };
        let provider_id = provider.id();
        tracing::Span::current().record("provider", provider_id.as_str());
        // Every way a sign-in fails here is counted; repeats of a callback are not sign-ins.
        let failed = |error: LoginError| {
            metrics::sign_in(provider_id, SignIn::Failed(error));
            error.location()
        };
        let state = query
            .get("state")
            .map(String::as_str)
            .filter(|s| !s.is_empty());
        let now = Utc::now();
        let carried = state.and_then(|s| states::carried(&self.sealer, state_cookies, s));
        let spent = |state: &str| vec![states::cookie_name(state)];

        if let Some(refusal) = provider.callback_error(query) {
            // The state of a refused sign-in is spent as well, by the browser that started it
            // (no one else could have used it).
            let mut first = false;
            if let Some(state) = state.filter(|_| carried.is_some()) {
                let key = CallbackKey::refused(provider_id.as_str(), state);
                match replay::claim(&self.db, &key, self.replay_window(), now).await {
                    Ok(claim) => first = claim == Claim::First,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot spend the state of a refused sign-in");
                        return failed(LoginError::Server).into();
                    }
                }
            }
            let refusal = Failure::Provider(refusal);
            metrics::sign_in(provider_id, SignIn::Failed(refusal.login_error()));
            // Anyone can open this address with an error of their choosing: only a refusal of
            // a sign-in this browser started, the first time, reaches the audit log.
            let location = if first {
                self.failed(provider_id, &refusal).await
            } else {
                refusal.location()
            };
            return Landing {
                location,
                spent_states: state.map(spent).unwrap_or_default(),
                ..Landing::default()
            };
        }
        let (Some(state), Some(code)) = (state, query.get("code")) else {
            tracing::warn!("callback without a state");
            return failed(LoginError::State).into();
        };

        let key = CallbackKey::new(provider_id.as_str(), state, code);
        let record = match carried.map(|r| r.judge(provider_id, now)) {
            Some(Ok(record)) => record,
            judged => {
                // Not (or no longer) this browser's: a repeat of a callback that already ran?
                match replay::recall(&self.db, &key, self.replay_window(), now).await {
                    Ok(true) => {
                        tracing::info!("repeated callback");
                        return self.follow(&key, arrived_with, false).await;
                    }
                    Ok(false) => {}
                    Err(e) => {
                        tracing::error!(error = %e, "cannot read the callbacks");
                        return failed(LoginError::Server).into();
                    }
                }
                let problem = match judged {
                    Some(Err(problem)) => problem,
                    _ => states::StateProblem::Unknown,
                };
                tracing::warn!(problem = problem.as_str(), "callback state refused");
                return Landing {
                    location: {
                        self.note_refused(provider_id, LoginError::State).await;
                        failed(LoginError::State)
                    },
                    spent_states: spent(state),
                    ..Landing::default()
                };
            }
        };
        // One request per state goes on; its twins (and repeats) follow it.
        match replay::claim(&self.db, &key, self.replay_window(), now).await {
            Ok(Claim::First) => {}
            Ok(Claim::Again) => return self.follow(&key, arrived_with, true).await,
            Ok(Claim::Taken) => {
                tracing::warn!("callback state already spent");
                self.note_refused(provider_id, LoginError::State).await;
                return failed(LoginError::State).into();
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot spend the state");
                return failed(LoginError::Server).into();
            }
        }
        // A browser that gives up on this request (an in-app browser re-issuing the
        // navigation) drops the handler; the sign-in it started still finishes, in the
        // request's span, and tells the repeats.
        let (auth, session) = (self.clone(), session.clone());
        let carried_names: Vec<String> = state_cookies.iter().map(|(n, _)| n.clone()).collect();
        let code = code.clone();
        let this_state = spent(state);
        let work = tokio::spawn(crate::audit::carry(
            async move {
                let landed = match auth
                    .complete(
                        &session,
                        provider.as_ref(),
                        &record,
                        &code,
                        handoff.as_ref(),
                        now,
                    )
                    .await
                {
                    Ok(landed) => landed,
                    Err(failure) => Landed {
                        outcome: Some(SignIn::Failed(failure.login_error())),
                        location: auth.failed(provider_id, &failure).await,
                    },
                };
                if let Err(e) = session.seen(device, Utc::now()).await {
                    tracing::warn!(error = %e, "cannot note the session's device");
                }
                // Saved before the repeats are told, so the page they go to finds it.
                let (location, outcome) = match session.save_unless_empty().await {
                    Ok(()) => (landed.location, landed.outcome),
                    Err(e) => {
                        tracing::error!(error = %e, "cannot save the session");
                        let error = LoginError::Server;
                        (error.location(), Some(SignIn::Failed(error)))
                    }
                };
                if let Some(outcome) = outcome {
                    metrics::sign_in(provider_id, outcome);
                }
                let moved_to = session.id().filter(|to| Some(*to) != arrived_with);
                let outcome = Outcome {
                    location: location.clone(),
                    moved_from: arrived_with.map(|id| key_hash(&id)),
                    moved_to: moved_to.map(|to| {
                        auth.sealer
                            .seal_text(Purpose::SessionHandoff, &to.to_string())
                    }),
                };
                if let Err(e) = replay::finish(&auth.db, &key, &outcome, Utc::now()).await {
                    tracing::warn!(error = %e, "cannot record a callback's outcome");
                }
                // Someone signed in: the browser's other started sign-ins end with the person
                // they were for (another tab of a first login keeps its own).
                let signed_in = matches!(session.user_id().await, Ok(Some(_)));
                let spent_states = if signed_in { carried_names } else { this_state };
                Landing {
                    location,
                    session: None,
                    spent_states,
                }
            }
            .in_current_span(),
        ));
        work.await.unwrap_or_else(|e| {
            tracing::error!(error = %e, "the callback's work failed");
            failed(LoginError::Server).into()
        })
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
    ) -> Result<Landed, Failure> {
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
            return Ok(Landed {
                location: handed.next_page,
                outcome: None,
            });
        }
        let arrival = Arrival {
            attach_pending: record.attach_pending,
            link_for: record.link_for,
        };
        self.land(session, identity, &record.next, arrival, now)
            .await
    }
}
