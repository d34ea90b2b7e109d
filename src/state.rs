//! The state every handler and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use providers::{ProviderId, Registry};
use url::Url;

use crate::auth::replay::CallbackReplays;
use crate::auth::sealing::TokenSealer;
use crate::auth::ticket_hub::TicketHub;
use crate::config::Settings;
use crate::db::Database;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Database,
    pub settings: Arc<Settings>,
    /// The configured providers; the flows look them up by id and never by name.
    pub providers: Registry,
    /// Seals provider tokens before they reach the database or the session.
    pub sealer: Arc<TokenSealer>,
    pub replays: Arc<CallbackReplays>,
    /// Wakes desktop pages waiting on a QR login ticket.
    pub tickets: Arc<TicketHub>,
}

impl AppState {
    /// `{public_url}/auth/{provider}/callback`: the redirect_uri registered at the provider.
    pub fn callback_url(&self, provider: ProviderId) -> Url {
        self.public_url(&format!("/auth/{provider}/callback"))
    }

    /// WeChat's `wxLogin.js`, or the simulator's copy of it while simulating.
    pub fn wechat_login_script(&self) -> Url {
        const PATH: &str = "res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js";
        if self.settings.simulator {
            self.public_url(&format!("{}/{PATH}", crate::config::SIMULATOR_MOUNT))
        } else {
            Url::parse(&format!("https://{PATH}")).expect("WeChat's script URL is valid")
        }
    }

    /// An absolute URL of this site, as browsers and phones outside see it.
    pub fn public_url(&self, path: &str) -> Url {
        let base = self
            .settings
            .public_url
            .clone()
            .unwrap_or_else(|| local_url(self.settings.site_addr));
        base.join(path)
            .expect("an absolute path joined to the public URL is a valid URL")
    }
}

fn local_url(address: std::net::SocketAddr) -> Url {
    Url::parse(&format!("http://{address}")).expect("a socket address forms a valid http URL")
}
