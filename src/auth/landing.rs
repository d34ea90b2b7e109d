//! A verified identity arrives in a browser's session: who is this, and where do they go?
//! Signed in (a known identity, or the same person at the other WeChat app), linked (the
//! session was signed in), or on to profile completion (a first login).

use chrono::{DateTime, Utc};
use providers::{ErrorKind, ProviderError, ProviderId};
use sea_orm::DbErr;

use crate::audit::{self, Event, Kind};
use crate::auth::context::{Auth, DEFAULT_NEXT, SIGNUP_PATH, lifetime};
use crate::auth::handoff::{HandoffError, VerifiedIdentity};
use crate::auth::next_path::NextPath;
use crate::auth::pending::PendingSignup;
use crate::auth::session::{SessionError, SignInSession};
use crate::auth::store::accounts::{self, LinkOutcome};
use crate::auth::store::identities::{self, Holder, IdentityKeys};
use crate::metrics::{self, SignIn};
use crate::model::LoginError;

/// What went wrong after the provider answered, for the log; the person sees its
/// [`LoginError`].
#[derive(Debug, thiserror::Error)]
pub(super) enum Failure {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("session store: {0}")]
    Session(#[from] SessionError),
    #[error("account {0} is not active")]
    Inactive(i64),
    #[error("the identity was claimed by another account meanwhile")]
    Conflict,
    #[error("login ticket: {0}")]
    Ticket(String),
}

impl From<HandoffError> for Failure {
    fn from(e: HandoffError) -> Self {
        match e {
            HandoffError::Store(e) => Failure::Db(e),
            HandoffError::Corrupt(reason) => Failure::Ticket(reason),
        }
    }
}

impl Failure {
    pub(super) fn login_error(&self) -> LoginError {
        match self {
            Failure::Provider(e) => LoginError::from_provider(e.kind()),
            Failure::Db(_) | Failure::Session(_) => LoginError::Server,
            Failure::Inactive(_) | Failure::Conflict => LoginError::Refused,
            Failure::Ticket(_) => LoginError::Ticket,
        }
    }

    pub(super) fn log(&self) {
        match self {
            // A person saying no is not something for the operator to fix.
            Failure::Provider(e) if e.kind() == ErrorKind::Cancelled => tracing::info!(
                provider = %e.provider(),
                code = ?e.code(),
                "sign-in cancelled at the provider"
            ),
            // The provider's own code and message, for the operator; never a token or URL.
            Failure::Provider(e) => tracing::warn!(
                provider = %e.provider(),
                kind = %e.kind(),
                code = ?e.code(),
                error = %e,
                "sign-in failed at the provider"
            ),
            Failure::Inactive(user) => tracing::warn!(user, "sign-in refused: account not active"),
            other => tracing::error!(error = %other, "sign-in failed on our side"),
        }
    }

    /// Logs the failure and says where the browser goes.
    pub(super) fn location(&self) -> String {
        self.log();
        self.login_error().location()
    }

    /// The failure for the audit log: our kind, and the provider's code and message.
    fn event(&self, provider: ProviderId) -> Event {
        let (code, message) = match self {
            Failure::Provider(e) => (
                e.code().map(|c| c.to_string()),
                Some(e.provider_message().to_string()),
            ),
            _ => (None, None),
        };
        let user = match self {
            Failure::Inactive(user) => Some(*user),
            _ => None,
        };
        let event = Event::new(Kind::SignInFailed)
            .provider(provider.as_str())
            .failure(self.login_error().as_str(), code, message);
        match user {
            Some(user) => event.user(user),
            None => event,
        }
    }
}

impl Auth {
    /// A sign-in with `provider` failed: it is logged and audited, and the browser goes to
    /// the login page with its error.
    pub(super) async fn failed(&self, provider: ProviderId, failure: &Failure) -> String {
        audit::note(&self.db, failure.event(provider)).await;
        failure.location()
    }

    /// A callback refused before the provider was asked (a state that is not this
    /// browser's, or spent): audited.
    pub(super) async fn note_refused(&self, provider: ProviderId, error: LoginError) {
        audit::note(
            &self.db,
            Event::new(Kind::SignInFailed)
                .provider(provider.as_str())
                .failure(error.as_str(), None, None),
        )
        .await;
    }

    /// Someone signed in (or proved again who they are).
    async fn signed_in_event(&self, user_id: i64, provider: ProviderId, again: bool) {
        let event = Event::new(Kind::SignInSucceeded)
            .user(user_id)
            .provider(provider.as_str());
        let event = if again { event.detail("again") } else { event };
        audit::note(&self.db, event).await;
    }

    async fn linked_event(&self, user_id: i64, provider: ProviderId, outcome: LinkOutcome) {
        if outcome == LinkOutcome::Linked {
            audit::note(
                &self.db,
                Event::new(Kind::Linked)
                    .user(user_id)
                    .provider(provider.as_str()),
            )
            .await;
        }
    }
}

/// Where a verified identity sends the browser, and what that made of the sign-in.
pub(super) struct Landed {
    pub location: String,
    /// `None` when the identity went to a QR login ticket: the desktop's claim is the sign-in.
    pub outcome: Option<SignIn>,
}

impl Landed {
    fn to(location: impl Into<String>, outcome: SignIn) -> Self {
        Self {
            location: location.into(),
            outcome: Some(outcome),
        }
    }
}

/// Where a signed-in person is sent when an identity arrives that they did not ask to link.
const NOT_LINKED: &str = "/account?error=not_linked";

/// How a verified identity arrived: what the sign-in that brought it was started for.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Arrival {
    /// "I already have an account": link the pending first login to the account found.
    pub attach_pending: bool,
    /// Started by "Link" on the account page of this account.
    pub link_for: Option<i64>,
}

impl Auth {
    /// A QR login ticket confirmed on the phone signs the desktop session in, as a callback
    /// would have; returns where the desktop goes.
    pub async fn land_claimed(
        &self,
        session: &SignInSession,
        identity: VerifiedIdentity,
        next: Option<&NextPath>,
        now: DateTime<Utc>,
    ) -> String {
        let next = next
            .cloned()
            .unwrap_or_else(|| NextPath::parse_or(None, DEFAULT_NEXT));
        let provider = identity.profile.provider;
        // A QR claim never links: whoever scanned the code is not the person at this screen.
        let (location, outcome) = match self
            .land(session, identity, &next, Arrival::default(), now)
            .await
        {
            Ok(landed) => (landed.location, landed.outcome),
            Err(failure) => (
                self.failed(provider, &failure).await,
                Some(SignIn::Failed(failure.login_error())),
            ),
        };
        if let Some(outcome) = outcome {
            metrics::sign_in(provider, outcome);
        }
        location
    }

    /// A verified identity arrives in this session: who is this, and where do they go?
    #[tracing::instrument(skip_all, fields(provider = %identity.profile.provider))]
    pub(super) async fn land(
        &self,
        session: &SignInSession,
        identity: VerifiedIdentity,
        next: &NextPath,
        arrival: Arrival,
        now: DateTime<Utc>,
    ) -> Result<Landed, Failure> {
        let db = &self.db;
        let VerifiedIdentity { profile, tokens } = identity;
        let holder = identities::holder(db, &IdentityKeys::of(&profile)).await?;

        if let Some(user_id) = self.signed_in_user(session).await? {
            // A signed-in session adds a sign-in method only when it asked to ("Link" on the
            // account page), or when the identity is this account's person already (the same
            // identity, or the same WeChat user through the other app).
            let asked = arrival.link_for == Some(user_id);
            let already_this_person = holder.as_ref().is_some_and(|h| h.user_id() == user_id);
            if !asked && !already_this_person {
                tracing::warn!(
                    user_id,
                    "an identity arrived in a signed-in session that did not ask to link it"
                );
                return Ok(Landed::to(NOT_LINKED, SignIn::LinkRefused));
            }
            let outcome = accounts::link_known(db, user_id, holder, &profile, &tokens, now).await?;
            self.linked_event(user_id, profile.provider, outcome).await;
            return Ok(match outcome {
                // Signing in again with a method the account already has: a fresh proof of
                // who they are (a site may have asked for it); go on as asked.
                LinkOutcome::AlreadyYours => {
                    session.reauthenticated(profile.provider.as_str()).await?;
                    self.signed_in_event(user_id, profile.provider, true).await;
                    Landed::to(next.as_str(), SignIn::SignedIn)
                }
                other => account_notice(other),
            });
        }

        match holder {
            Some(Holder::Identity(identity)) => {
                let owner = identity.user_id;
                self.require_active(owner).await?;
                identities::record_login(db, *identity, &profile, Some(&tokens), now).await?;
                if arrival.attach_pending
                    && let Some(waiting) = session.pending_signup(now).await?
                {
                    // Linked first: if that fails, the pending sign-up is still there. Signing
                    // in then ends it.
                    let outcome =
                        accounts::link_identity(db, owner, &waiting.profile, &waiting.tokens, now)
                            .await?;
                    session.signed_in(owner, profile.provider.as_str()).await?;
                    self.signed_in_event(owner, profile.provider, false).await;
                    self.linked_event(owner, waiting.profile.provider, outcome)
                        .await;
                    return Ok(account_notice(outcome));
                }
                session.signed_in(owner, profile.provider.as_str()).await?;
                self.signed_in_event(owner, profile.provider, false).await;
                Ok(Landed::to(next.as_str(), SignIn::SignedIn))
            }
            Some(sibling @ Holder::Sibling { user_id: owner }) => {
                // The same person through the other WeChat app (same unionid): same account.
                self.require_active(owner).await?;
                let linked =
                    accounts::link_known(db, owner, Some(sibling), &profile, &tokens, now).await?;
                if linked == LinkOutcome::OwnedByAnother {
                    return Err(Failure::Conflict);
                }
                self.linked_event(owner, profile.provider, linked).await;
                session.signed_in(owner, profile.provider.as_str()).await?;
                self.signed_in_event(owner, profile.provider, false).await;
                Ok(Landed::to(next.as_str(), SignIn::SignedIn))
            }
            None => {
                let waiting = PendingSignup {
                    profile,
                    tokens,
                    next: next.clone(),
                    expires_at: now + lifetime(self.lifetimes.pending_signup),
                };
                session.identity_verified(&waiting).await?;
                Ok(Landed::to(SIGNUP_PATH, SignIn::NewPerson))
            }
        }
    }

    /// The session's signed-in account, if it is still active.
    pub(super) async fn signed_in_user(
        &self,
        session: &SignInSession,
    ) -> Result<Option<i64>, Failure> {
        let Some(id) = session.user_id().await? else {
            return Ok(None);
        };
        Ok(accounts::active_user(&self.db, id).await?.map(|u| u.id))
    }

    async fn require_active(&self, user_id: i64) -> Result<(), Failure> {
        accounts::active_user(&self.db, user_id)
            .await?
            .map(|_| ())
            .ok_or(Failure::Inactive(user_id))
    }
}

fn account_notice(outcome: LinkOutcome) -> Landed {
    match outcome {
        LinkOutcome::Linked => Landed::to("/account?notice=linked", SignIn::Linked),
        LinkOutcome::AlreadyYours => Landed::to("/account?notice=already_linked", SignIn::SignedIn),
        LinkOutcome::OwnedByAnother => {
            Landed::to("/account?error=identity_taken", SignIn::LinkRefused)
        }
    }
}
