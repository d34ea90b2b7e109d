//! The sign-in flow: `start` sends the browser to a provider with a fresh state; the callback
//! (`auth::callback`) checks the state and trades the code for a verified profile; `land`
//! decides where the person lands: signed in, on the profile-completion page, or back on the
//! login page with a reason.
//!
//! Every provider goes through the same code: nothing here knows one provider from another.

use chrono::{DateTime, Utc};
use providers::{AuthorizeRequest, ErrorKind, Profile, Provider, ProviderError, ProviderId};
use sea_orm::DbErr;
use tower_sessions::Session;
use url::Url;

use crate::auth::accounts::{self, LinkOutcome};
use crate::auth::identities::{self, IdentityKeys};
use crate::auth::next_path::NextPath;
use crate::auth::pending::{self, PendingSignup, SealedTokens};
use crate::auth::session_user;
use crate::auth::states::{self, StateRecord};
use crate::auth::tickets::ClaimedIdentity;
use crate::state::AppState;

/// Where a signed-in person goes when the sign-in did not say.
pub const DEFAULT_NEXT: &str = "/account";
pub const SIGNUP_PATH: &str = "/signup";

/// Why a sign-in ended on the login page: `/login?error=KIND`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginError {
    Cancelled,
    InvalidCode,
    State,
    Unavailable,
    Misconfigured,
    Refused,
    UnknownProvider,
    /// A QR login ticket that is not this session's, expired, or already used.
    Ticket,
    /// Our side failed (database, session store).
    Server,
}

impl LoginError {
    pub const ALL: [LoginError; 9] = [
        LoginError::Cancelled,
        LoginError::InvalidCode,
        LoginError::State,
        LoginError::Unavailable,
        LoginError::Misconfigured,
        LoginError::Refused,
        LoginError::UnknownProvider,
        LoginError::Ticket,
        LoginError::Server,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LoginError::Cancelled => "cancelled",
            LoginError::InvalidCode => "invalid_code",
            LoginError::State => "state",
            LoginError::Unavailable => "unavailable",
            LoginError::Misconfigured => "misconfigured",
            LoginError::Refused => "refused",
            LoginError::UnknownProvider => "unknown_provider",
            LoginError::Ticket => "ticket",
            LoginError::Server => "server",
        }
    }

    pub fn location(self) -> String {
        format!("/login?error={}", self.as_str())
    }

    /// What the person is told about a provider failure during sign-in.
    pub fn from_provider(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::Cancelled => LoginError::Cancelled,
            // A token that fails right after it was issued: the sign-in has to start again.
            ErrorKind::InvalidCode | ErrorKind::TokenExpired | ErrorKind::TokenInvalid => {
                LoginError::InvalidCode
            }
            ErrorKind::Misconfigured => LoginError::Misconfigured,
            ErrorKind::Unavailable | ErrorKind::Malformed => LoginError::Unavailable,
            ErrorKind::Refused => LoginError::Refused,
        }
    }
}

/// What went wrong inside a callback, for the log; the person sees its [`LoginError`].
#[derive(Debug, thiserror::Error)]
pub(super) enum Failure {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("session store: {0}")]
    Session(#[from] tower_sessions::session::Error),
    #[error("account {0} is not active")]
    Inactive(i64),
    #[error("the identity was claimed by another account meanwhile")]
    Conflict,
    #[error("login ticket: {0}")]
    Ticket(String),
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
}

/// What `GET /auth/{provider}/start` was asked.
#[derive(Debug, Default, Clone, Copy)]
pub struct StartRequest<'a> {
    pub next: Option<&'a str>,
    /// "I already have an account": link the pending first login to the account found.
    pub attach_pending: bool,
    pub user_agent: Option<&'a str>,
}

pub(super) fn configured(app: &AppState, provider: &str) -> Option<std::sync::Arc<dyn Provider>> {
    let id: ProviderId = provider.parse().ok()?;
    app.providers.get(id)
}

/// Stores a new state in the session and returns the provider's authorize URL.
pub async fn start(
    app: &AppState,
    session: &Session,
    provider: &str,
    request: StartRequest<'_>,
) -> Result<Url, LoginError> {
    let provider = configured(app, provider).ok_or(LoginError::UnknownProvider)?;
    let next = NextPath::parse_or(request.next, DEFAULT_NEXT);
    let record = issue_state(
        app,
        session,
        provider.id(),
        next,
        request.attach_pending,
        None,
    )
    .await?;
    Ok(provider.authorize_url(&AuthorizeRequest {
        state: &record.value,
        redirect_uri: &app.callback_url(provider.id()),
        mobile: request.user_agent.is_some_and(is_mobile),
        // The silent scope would leave a returning user without a fresh nickname; always ask.
        known_user: false,
    }))
}

/// Remembers a new state for `provider` in the session.
async fn issue_state(
    app: &AppState,
    session: &Session,
    provider: ProviderId,
    next: NextPath,
    attach_pending: bool,
    ticket: Option<String>,
) -> Result<StateRecord, LoginError> {
    let now = Utc::now();
    let record = StateRecord {
        value: states::new_value(),
        provider,
        next,
        attach_pending,
        ticket,
        expires_at: now + lifetime(app.settings.lifetimes.state),
    };
    states::remember(session, record.clone(), now)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot store the sign-in state");
            LoginError::Server
        })?;
    Ok(record)
}

/// What WeChat's embedded QR (`wxLogin.js`) is constructed with.
#[derive(Debug, Clone)]
pub struct EmbeddedStart {
    pub app_id: String,
    pub state: String,
    pub redirect_uri: Url,
}

/// A state for WeChat's QR embedded in our page: the page hands it to `wxLogin.js`, and the
/// callback checks it like any other.
pub async fn start_embedded(
    app: &AppState,
    session: &Session,
    next: Option<&str>,
) -> Result<EmbeddedStart, LoginError> {
    let provider = app
        .providers
        .get(ProviderId::Wechat)
        .ok_or(LoginError::UnknownProvider)?;
    let next = NextPath::parse_or(next, DEFAULT_NEXT);
    let record = issue_state(app, session, provider.id(), next, false, None).await?;
    Ok(EmbeddedStart {
        app_id: provider.app_id().to_string(),
        state: record.value,
        redirect_uri: app.callback_url(provider.id()),
    })
}

/// The phone that scanned a login ticket's QR code authorises through the Official Account;
/// the callback then hands the identity to the ticket. A phone that has done this before
/// gets the silent `snsapi_base` scope: the account already has the person's profile.
pub async fn start_for_ticket(
    app: &AppState,
    session: &Session,
    ticket: &str,
    user_agent: &str,
) -> Result<Url, LoginError> {
    let provider = app
        .providers
        .get(ProviderId::WechatMp)
        .ok_or(LoginError::UnknownProvider)?;
    let known_user = session
        .get::<bool>(KNOWN_WECHAT_PHONE)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read the session");
            LoginError::Server
        })?
        .unwrap_or(false);
    let next = NextPath::parse_or(Some(&ticket_page(ticket)), DEFAULT_NEXT);
    let record = issue_state(
        app,
        session,
        provider.id(),
        next,
        false,
        Some(ticket.to_string()),
    )
    .await?;
    Ok(provider.authorize_url(&AuthorizeRequest {
        state: &record.value,
        redirect_uri: &app.callback_url(provider.id()),
        mobile: is_mobile(user_agent),
        known_user,
    }))
}

/// Set in a phone's session once it has authorised a ticket with the full profile.
pub(super) const KNOWN_WECHAT_PHONE: &str = "wechat_phone_known";

pub(super) fn ticket_page(ticket: &str) -> String {
    format!("/qr/{ticket}/confirm")
}

/// Inside the WeChat app (WeCom's browser also says MicroMessenger, but is not WeChat).
pub fn is_wechat(user_agent: &str) -> bool {
    user_agent.contains("MicroMessenger") && !user_agent.contains("wxwork")
}

fn lifetime(d: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// Phones get the providers' mobile pages (QQ and Weibo `display=mobile`).
pub fn is_mobile(user_agent: &str) -> bool {
    [
        "Mobile",
        "Android",
        "iPhone",
        "iPad",
        "MicroMessenger",
        "HarmonyOS",
    ]
    .iter()
    .any(|marker| user_agent.contains(marker))
}

/// A claimed login ticket signs the desktop session in, as a callback would have; returns
/// where the desktop goes.
pub async fn land_ticket(
    app: &AppState,
    session: &Session,
    claimed: ClaimedIdentity,
    now: DateTime<Utc>,
) -> String {
    let next = NextPath::parse_or(None, DEFAULT_NEXT);
    match land(
        app,
        session,
        claimed.profile,
        claimed.tokens,
        &next,
        false,
        now,
    )
    .await
    {
        Ok(location) => location,
        Err(failure) => {
            failure.log();
            failure.login_error().location()
        }
    }
}

/// A verified identity arrives in this session: who is this, and where do they go?
pub(super) async fn land(
    app: &AppState,
    session: &Session,
    profile: Profile,
    sealed: SealedTokens,
    next: &NextPath,
    attach_pending: bool,
    now: DateTime<Utc>,
) -> Result<String, Failure> {
    let db = &app.db.conn;
    let keys = IdentityKeys::of(&profile);

    let signed_in = match session_user::current_user_id(session).await {
        Some(id) => accounts::active_user(db, id).await?.map(|u| u.id),
        None => None,
    };
    if let Some(user_id) = signed_in {
        // A signed-in session adds a sign-in method to its account.
        let outcome = accounts::link_identity(db, user_id, &profile, &sealed, now).await?;
        return Ok(match outcome {
            // Signing in again with a method the account already has: go on as asked.
            LinkOutcome::AlreadyYours => next.as_str().to_string(),
            other => account_notice(other),
        });
    }

    if let Some(identity) = identities::find(db, &keys).await? {
        let owner = identity.user_id;
        accounts::active_user(db, owner)
            .await?
            .ok_or(Failure::Inactive(owner))?;
        identities::record_login(db, identity, &profile, Some(&sealed), now).await?;
        session_user::sign_in(session, owner).await?;
        if attach_pending && let Some(waiting) = pending::current(session, now).await? {
            pending::forget(session).await?;
            let outcome =
                accounts::link_identity(db, owner, &waiting.profile, &waiting.tokens, now).await?;
            return Ok(account_notice(outcome));
        }
        return Ok(next.as_str().to_string());
    }

    if let Some(owner) = identities::sibling_owner(db, &keys).await? {
        // The same person through the other WeChat app (same unionid): same account.
        accounts::active_user(db, owner)
            .await?
            .ok_or(Failure::Inactive(owner))?;
        if accounts::link_identity(db, owner, &profile, &sealed, now).await?
            == LinkOutcome::OwnedByAnother
        {
            return Err(Failure::Conflict);
        }
        session_user::sign_in(session, owner).await?;
        return Ok(next.as_str().to_string());
    }

    let waiting = PendingSignup {
        profile,
        tokens: sealed,
        next: next.clone(),
        expires_at: now + lifetime(app.settings.lifetimes.pending_signup),
    };
    pending::keep(session, &waiting).await?;
    Ok(SIGNUP_PATH.to_string())
}

fn account_notice(outcome: LinkOutcome) -> String {
    match outcome {
        LinkOutcome::Linked => "/account?notice=linked",
        LinkOutcome::AlreadyYours => "/account?notice=already_linked",
        LinkOutcome::OwnedByAnother => "/account?error=identity_taken",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_error_kind_has_a_login_error() {
        for kind in ErrorKind::ALL {
            let error = LoginError::from_provider(kind);
            assert!(LoginError::ALL.contains(&error));
        }
        assert_eq!(
            LoginError::from_provider(ErrorKind::Malformed),
            LoginError::Unavailable
        );
        assert_eq!(
            LoginError::from_provider(ErrorKind::TokenExpired),
            LoginError::InvalidCode
        );
        assert_eq!(LoginError::State.location(), "/login?error=state");
    }

    #[test]
    fn every_login_error_has_an_error_status_and_a_message_in_both_languages() {
        for error in LoginError::ALL {
            let status = crate::pages::login::error_status(error.as_str());
            assert!((400..600).contains(&status), "{error:?}: {status}");
            let key = format!("login-error-{}", error.as_str());
            for locale in crate::i18n::Locale::ALL {
                assert_ne!(locale.t(&key), key, "{key} missing in {}", locale.tag());
            }
        }
    }

    #[test]
    fn phones_are_recognised_by_their_user_agent() {
        assert!(is_mobile(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
        ));
        assert!(is_mobile(
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36 MicroMessenger/8.0"
        ));
        assert!(!is_mobile(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"
        ));
    }
}
