//! Starting a sign-in: a fresh state, bound to the provider and to where the person wants to
//! go, is sealed into a cookie for the browser to keep (`states`), and the browser is sent to
//! the provider's authorize URL. Nothing is written on the server.

use chrono::Utc;
use providers::{AuthorizeRequest, ProviderId};
use url::Url;

use crate::auth::context::{Auth, DEFAULT_NEXT, lifetime};
use crate::auth::next_path::NextPath;
use crate::auth::session::SignInSession;
use crate::auth::states::{self, StateCookie, StateRecord};
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

/// A started sign-in: where the browser goes, and the cookie it keeps until the callback.
#[derive(Debug, Clone)]
pub struct Started {
    pub url: Url,
    pub cookie: StateCookie,
}

/// What WeChat's embedded QR (`wxLogin.js`) is constructed with, and the browser's cookie.
#[derive(Debug, Clone)]
pub struct EmbeddedStart {
    pub app_id: String,
    pub state: String,
    pub redirect_uri: Url,
    pub cookie: StateCookie,
}

/// What a new state is for.
#[derive(Default)]
struct Purpose {
    attach_pending: bool,
    ticket: Option<String>,
    link_for: Option<i64>,
}

impl Auth {
    /// A new state for the browser to keep, and the provider's authorize URL.
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
        let purpose = Purpose {
            attach_pending: request.attach_pending,
            link_for,
            ..Purpose::default()
        };
        let record = self.new_state(provider.id(), next, purpose);
        let url = provider.authorize_url(&AuthorizeRequest {
            state: &record.value,
            redirect_uri: &self.callback_url(provider.id()),
            mobile: request.mobile,
            // The silent scope would leave a returning user without a fresh nickname.
            known_user: false,
        });
        Ok(Started {
            url,
            cookie: record.seal(&self.sealer),
        })
    }

    /// A state for WeChat's QR embedded in our page: the page hands it to `wxLogin.js`, and
    /// the callback checks it like any other.
    pub fn start_embedded(&self, next: Option<&str>) -> Result<EmbeddedStart, LoginError> {
        let provider = self
            .provider(ProviderId::Wechat)
            .ok_or(LoginError::UnknownProvider)?;
        let next = NextPath::parse_or(next, DEFAULT_NEXT);
        let record = self.new_state(provider.id(), next, Purpose::default());
        Ok(EmbeddedStart {
            app_id: provider.app_id().to_string(),
            cookie: record.seal(&self.sealer),
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
    ) -> Result<Started, LoginError> {
        let provider = self
            .provider(ProviderId::WechatMp)
            .ok_or(LoginError::UnknownProvider)?;
        let known_user = session.is_known_wechat_phone().await.map_err(|e| {
            tracing::error!(error = %e, "cannot read the session");
            LoginError::Server
        })?;
        let next = NextPath::parse_or(Some(ticket_page), DEFAULT_NEXT);
        let purpose = Purpose {
            ticket: Some(ticket.to_string()),
            ..Purpose::default()
        };
        let record = self.new_state(provider.id(), next, purpose);
        let url = provider.authorize_url(&AuthorizeRequest {
            state: &record.value,
            redirect_uri: &self.callback_url(provider.id()),
            mobile,
            known_user,
        });
        Ok(Started {
            url,
            cookie: record.seal(&self.sealer),
        })
    }

    /// A new state for `provider`, good for the state lifetime.
    fn new_state(&self, provider: ProviderId, next: NextPath, purpose: Purpose) -> StateRecord {
        StateRecord {
            value: states::new_value(),
            provider,
            next,
            attach_pending: purpose.attach_pending,
            ticket: purpose.ticket,
            link_for: purpose.link_for,
            expires_at: Utc::now() + lifetime(self.lifetimes.state),
        }
    }
}
