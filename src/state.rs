//! The state every handler and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use url::Url;

use crate::assets::AssetNames;
use crate::auth::Auth;
use crate::config::Settings;
use crate::db::Database;
use crate::oidc::Oidc;
use crate::qr::QrSignIn;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The fingerprinted names of the bundle and the stylesheet.
    pub assets: AssetNames,
    pub settings: Arc<Settings>,
    /// Sign-in's front door.
    pub auth: Arc<Auth>,
    /// QR sign-in: login tickets and the pages waiting on them.
    pub qr: Arc<QrSignIn>,
    /// Denglu as an OpenID Connect provider to other sites.
    pub oidc: Arc<Oidc>,
    /// Kept for the health check and for shutting down; pages and routes never query it.
    pub db: Database,
}

impl AppState {
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
        self.settings
            .public_base()
            .join(path)
            .expect("an absolute path joined to the public URL is a valid URL")
    }
}
