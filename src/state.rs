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

/// Every extractor, layer and page render clones it, so a clone is one `Arc`: the parts are in
/// [`Shared`], reached through `Deref` (`state.auth`).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub leptos_options: LeptosOptions,
    /// The fingerprinted names of the bundle and the stylesheet.
    pub assets: Arc<AssetNames>,
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
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What Leptos's handlers take from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// What the language switch takes from the state.
impl FromRef<AppState> for Arc<Settings> {
    fn from_ref(state: &AppState) -> Self {
        state.settings.clone()
    }
}

/// What the signed-in extractor takes from the state.
impl FromRef<AppState> for Arc<Auth> {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

impl Shared {
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
