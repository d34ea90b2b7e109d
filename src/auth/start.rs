//! Starting a sign-in: a fresh state is kept in the session, bound to the provider and to where
//! the person wants to go, and the browser is sent to the provider's authorize URL.

use chrono::Utc;
use providers::{AuthorizeRequest, ProviderId};
use url::Url;

use crate::auth::context::{Auth, DEFAULT_NEXT, lifetime};
use crate::auth::next_path::NextPath;
use crate::auth::session::SignInSession;
use crate::auth::states::{self, StateRecord};
use crate::model::LoginError;

/// What `GET /auth/{provider}/start` was asked.
#[derive(Debug, Default, Clone, Copy)]
pub struct StartRequest<'a> {
    pub next: Option<&'a str>,
    /// "I already have an account": link the pending first login to the account found.
    pub attach_pending: bool,
    /// A phone browser: QQ and Weibo show their mobile pages.
    pub mobile: bool,
}

/// What WeChat's embedded QR (`wxLogin.js`) is constructed with.
#[derive(Debug, Clone)]
pub struct EmbeddedStart {
    pub app_id: String,
    pub state: String,
    pub redirect_uri: Url,
}

impl Auth {
    /// Stores a new state in the session and returns the provider's authorize URL.
    #[tracing::instrument(skip_all, fields(provider))]
    pub async fn start(
        &self,
        session: &SignInSession,
        provider: &str,
        request: StartRequest<'_>,
    ) -> Result<Url, LoginError> {
        let provider = self
            .provider_named(provider)
            .ok_or(LoginError::UnknownProvider)?;
        tracing::Span::current().record("provider", provider.id().as_str());
        let next = NextPath::parse_or(request.next, DEFAULT_NEXT);
        let record = self
            .issue_state(session, provider.id(), next, request.attach_pending, None)
            .await?;
        Ok(provider.authorize_url(&AuthorizeRequest {
            state: &record.value,
            redirect_uri: &self.callback_url(provider.id()),
            mobile: request.mobile,
            // The silent scope would leave a returning user without a fresh nickname.
            known_user: false,
        }))
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
        let record = self
            .issue_state(session, provider.id(), next, false, None)
            .await?;
        Ok(EmbeddedStart {
            app_id: provider.app_id().to_string(),
            state: record.value,
            redirect_uri: self.callback_url(provider.id()),
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
        let record = self
            .issue_state(
                session,
                provider.id(),
                next,
                false,
                Some(ticket.to_string()),
            )
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
