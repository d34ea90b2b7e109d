//! The context every sign-in operation runs in: [`Auth`], and the few constants the flows
//! share. The operations themselves are `impl Auth` blocks in the modules beside this one.

use std::sync::{Arc, OnceLock, Weak};

use providers::{Provider, ProviderId, Registry};
use sea_orm::DatabaseConnection;
use url::Url;

use crate::audit::{self, Event, Kind};
use crate::auth::avatar::AvatarPolicy;
use crate::auth::handoff::SessionEnds;

use crate::auth::sealing::TokenSealer;
use crate::config::FlowLifetimes;

/// Where a signed-in person goes when the sign-in did not say.
pub const DEFAULT_NEXT: &str = "/account";
pub const SIGNUP_PATH: &str = "/signup";

/// The context every sign-in operation runs in. Built once at start-up, shared by all
/// requests.
pub struct Auth {
    pub(super) db: DatabaseConnection,
    pub(super) providers: Registry,
    pub(super) sealer: TokenSealer,
    pub(super) lifetimes: FlowLifetimes,
    pub(super) public_url: Url,
    pub(super) avatars: AvatarPolicy,
    /// Who hears that sessions ended (set once at start-up). Weak: the listener holds `Auth`
    /// itself, and a cycle would keep both (and the database pool) alive forever.
    pub(super) session_ends: OnceLock<Weak<dyn SessionEnds>>,
}

impl Auth {
    pub fn new(
        db: DatabaseConnection,
        providers: Registry,
        sealer: TokenSealer,
        lifetimes: FlowLifetimes,
        public_url: Url,
        avatars: AvatarPolicy,
    ) -> Self {
        Self {
            db,
            providers,
            sealer,
            lifetimes,
            public_url,
            avatars,
            session_ends: OnceLock::new(),
        }
    }

    /// Names who hears that sessions ended; once, at start-up.
    pub fn on_session_end(&self, listener: &Arc<dyn SessionEnds>) {
        if self.session_ends.set(Arc::downgrade(listener)).is_err() {
            tracing::warn!("a second session-end listener was ignored");
        }
    }

    /// Records that sessions ended and tells the listener, without making the person wait
    /// for it.
    pub(super) async fn report_ended(&self, user_id: i64, store_keys: Vec<String>, why: Ending) {
        if let Some(event) = ended_event(user_id, store_keys.len(), why) {
            audit::note(&self.db, event).await;
        }
        self.tell_ended(user_id, store_keys, why);
    }

    /// Tells the listener that sessions ended (already recorded), without waiting for it.
    pub(super) fn tell_ended(&self, user_id: i64, store_keys: Vec<String>, why: Ending) {
        let disabled = matches!(why, Ending::AccountDisabled { .. });
        let Some(listener) = self.session_ends.get().and_then(Weak::upgrade) else {
            return;
        };
        tokio::spawn(async move {
            listener.sessions_ended(user_id, store_keys).await;
            if disabled {
                listener.account_disabled(user_id).await;
            }
        });
    }

    /// Deletes spent callbacks once their state could no longer be used anyway, every few
    /// minutes, for as long as the server runs.
    pub fn spawn_sweeper(self: &Arc<Self>) {
        let auth = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(std::time::Duration::from_secs(300));
            loop {
                ticker.tick().await;
                let Some(auth) = auth.upgrade() else { return };
                // Twice the state's life: a spent state's cookie has long expired by then.
                let older_than = chrono::Utc::now() - lifetime(auth.lifetimes.state) * 2;
                if let Err(e) = crate::auth::replay::sweep(&auth.db, older_than).await {
                    tracing::warn!(error = %e, "cannot sweep spent callbacks");
                }
            }
        });
    }

    /// Seals provider tokens before they reach the database or the session.
    pub fn sealer(&self) -> &TokenSealer {
        &self.sealer
    }

    /// A provider's profile, with its avatar kept only if it may be shown.
    pub(super) async fn fetch_profile(
        &self,
        provider: &dyn Provider,
        tokens: &providers::TokenSet,
    ) -> Result<providers::Profile, providers::ProviderError> {
        let mut profile = provider.fetch_profile(tokens).await?;
        profile.avatar_url = self
            .avatars
            .vet(provider.id(), profile.avatar_url.as_deref());
        Ok(profile)
    }

    /// The provider offered under this id, if any.
    pub(super) fn provider(&self, id: ProviderId) -> Option<Arc<dyn Provider>> {
        self.providers.get(id)
    }

    /// A provider named in a URL, if it is offered here.
    pub(super) fn provider_named(&self, name: &str) -> Option<Arc<dyn Provider>> {
        self.provider(name.parse().ok()?)
    }

    /// `{public_url}/auth/{provider}/callback`: the redirect_uri registered at the provider.
    pub fn callback_url(&self, provider: ProviderId) -> Url {
        callback_url(&self.public_url, provider)
    }
}

/// Why sessions ended, for the audit log (and, for a disabled account, for whoever holds
/// tokens issued through them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    SignedOut,
    /// The person ended it from their account page.
    ByPerson,
    /// The method it signed in with was unlinked.
    MethodUnlinked,
    /// An administrator ended it.
    ByAdministrator(i64),
    /// The account was disabled (by an administrator, or merged into another).
    AccountDisabled {
        by: Option<i64>,
    },
}

impl Ending {
    fn as_str(self) -> &'static str {
        match self {
            Ending::SignedOut => "signed out",
            Ending::ByPerson => "ended by the person",
            Ending::MethodUnlinked => "method unlinked",
            Ending::ByAdministrator(_) => "ended by an administrator",
            Ending::AccountDisabled { .. } => "account disabled",
        }
    }

    fn actor(self) -> Option<i64> {
        match self {
            Ending::ByAdministrator(actor) | Ending::AccountDisabled { by: Some(actor) } => {
                Some(actor)
            }
            _ => None,
        }
    }
}

/// The redirect_uri a provider calls back: `/auth/{provider}/callback` at the root of the
/// public URL's host (a path in the public URL is not kept).
pub fn callback_url(public_url: &Url, provider: ProviderId) -> Url {
    public_url
        .join(&format!("/auth/{provider}/callback"))
        .expect("an absolute path joined to the public URL is a valid URL")
}

/// The audit event of `count` sessions of `user_id` ending, if there is anything to say.
pub(super) fn ended_event(user_id: i64, count: usize, why: Ending) -> Option<Event> {
    let disabled = matches!(why, Ending::AccountDisabled { .. });
    if count == 0 && !disabled {
        return None;
    }
    let event = Event::new(Kind::SessionEnded)
        .user(user_id)
        .detail(format!("{} ({count})", why.as_str()));
    Some(match why.actor() {
        Some(actor) => event.by(actor),
        None => event,
    })
}

/// Converts a `std` lifetime into chrono's, saturating (configured lifetimes are minutes).
pub(super) fn lifetime(d: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}
