//! Starting a sign-in: a fresh state is kept in the session, bound to the provider and to where
//! the person wants to go, and the browser is sent to the provider's authorize URL.

use chrono::Utc;
use providers::{AuthorizeRequest, ProviderId};
use url::Url;

use crate::auth::context::{Auth, DEFAULT_NEXT, lifetime};
use crate::auth::next_path::NextPath;
use crate::auth::replay::browser_key_hash;
use crate::auth::session::SignInSession;
use crate::auth::states::{self, StateRecord};
use crate::model::LoginError;

/// What `GET /auth/{provider}/start` was asked.
#[derive(Debug, Default, Clone, Copy)]
pub struct StartRequest<'a> {
    pub next: Option<&'a str>,
    /// "I already have an account": link the pending first login to the account found.
    pub attach_pending: bool,
    /// "Link" on the account page: the identity that comes back is added to the signed-in
    /// account. Nothing else ever links.
    pub link: bool,
    /// A phone browser: QQ and Weibo show their mobile pages.
    pub mobile: bool,
}

/// A started sign-in: where the browser goes, and the random key it keeps in a cookie until
/// the callback (see `replay`: only that browser is handed the session a callback makes).
#[derive(Debug, Clone)]
pub struct Started {
    pub url: Url,
    pub browser_key: String,
}

/// What WeChat's embedded QR (`wxLogin.js`) is constructed with, and the browser's key.
#[derive(Debug, Clone)]
pub struct EmbeddedStart {
    pub app_id: String,
    pub state: String,
    pub redirect_uri: Url,
    pub browser_key: String,
}

/// What a new state is for.
struct Purpose {
    attach_pending: bool,
    ticket: Option<String>,
    link_for: Option<i64>,
    browser_key: Option<String>,
}

impl Purpose {
    fn sign_in(browser_key: String) -> Self {
        Self {
            attach_pending: false,
            ticket: None,
            link_for: None,
            browser_key: Some(browser_key),
        }
    }
}

impl Auth {
    /// Stores a new state in the session and returns the provider's authorize URL.
    #[tracing::instrument(skip_all, fields(provider))]
    pub async fn start(
        &self,
        session: &SignInSession,
        provider: &str,
        request: StartRequest<'_>,
    ) -> Result<Started, LoginError> {
        let provider = self
            .provider_named(provider)
            .ok_or(LoginError::UnknownProvider)?;
        tracing::Span::current().record("provider", provider.id().as_str());
        let next = NextPath::parse_or(request.next, DEFAULT_NEXT);
        let link_for = if request.link {
            self.signed_in_user(session).await.map_err(|failure| {
                failure.log();
                LoginError::Server
            })?
        } else {
            None
        };
        let browser_key = crate::random::token();
        let purpose = Purpose {
            attach_pending: request.attach_pending,
            link_for,
            ..Purpose::sign_in(browser_key.clone())
        };
        let record = self
            .issue_state(session, provider.id(), next, purpose)
            .await?;
        let url = provider.authorize_url(&AuthorizeRequest {
            state: &record.value,
            redirect_uri: &self.callback_url(provider.id()),
            mobile: request.mobile,
            // The silent scope would leave a returning user without a fresh nickname.
            known_user: false,
        });
        Ok(Started { url, browser_key })
    }

    /// A state for WeChat's QR embedded in our page: the page hands it to `wxLogin.js`, and
    /// the callback checks it like any other.
    pub async fn start_embedded(
        &self,
        session: &SignInSession,
        next: Option<&str>,
    ) -> Result<EmbeddedStart, LoginError> {
        let provider = self
            .provider(ProviderId::Wechat)
            .ok_or(LoginError::UnknownProvider)?;
        let next = NextPath::parse_or(next, DEFAULT_NEXT);
        let browser_key = crate::random::token();
        let record = self
            .issue_state(
                session,
                provider.id(),
                next,
                Purpose::sign_in(browser_key.clone()),
            )
            .await?;
        Ok(EmbeddedStart {
            app_id: provider.app_id().to_string(),
            state: record.value,
            redirect_uri: self.callback_url(provider.id()),
            browser_key,
        })
    }

    /// The phone that scanned a login ticket's QR code authorises through the Official
    /// Account; the callback then hands the identity to the ticket (see `IdentityHandoff`),
    /// and the phone goes on to `ticket_page`. A phone that has done this before gets the
    /// silent `snsapi_base` scope: the account already has the person's profile.
    pub async fn start_for_ticket(
        &self,
        session: &SignInSession,
        ticket: &str,
        ticket_page: &str,
        mobile: bool,
    ) -> Result<Url, LoginError> {
        let provider = self
            .provider(ProviderId::WechatMp)
            .ok_or(LoginError::UnknownProvider)?;
        let known_user = session.is_known_wechat_phone().await.map_err(|e| {
            tracing::error!(error = %e, "cannot read the session");
            LoginError::Server
        })?;
        let next = NextPath::parse_or(Some(ticket_page), DEFAULT_NEXT);
        // The phone is not signed in by this sign-in: nothing to hand over to it.
        let purpose = Purpose {
            attach_pending: false,
            ticket: Some(ticket.to_string()),
            link_for: None,
            browser_key: None,
        };
        let record = self
            .issue_state(session, provider.id(), next, purpose)
            .await?;
        Ok(provider.authorize_url(&AuthorizeRequest {
            state: &record.value,
            redirect_uri: &self.callback_url(provider.id()),
            mobile,
            known_user,
        }))
    }

    /// Remembers a new state for `provider` in the session.
    async fn issue_state(
        &self,
        session: &SignInSession,
        provider: ProviderId,
        next: NextPath,
        purpose: Purpose,
    ) -> Result<StateRecord, LoginError> {
        let now = Utc::now();
        let record = StateRecord {
            value: states::new_value(),
            provider,
            next,
            attach_pending: purpose.attach_pending,
            ticket: purpose.ticket,
            link_for: purpose.link_for,
            browser: purpose.browser_key.as_deref().map(browser_key_hash),
            expires_at: now + lifetime(self.lifetimes.state),
        };
        session
            .remember_state(record.clone(), now)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot store the sign-in state");
                LoginError::Server
            })?;
        Ok(record)
    }
}
