//! Denglu as an OpenID Connect provider: any site signs people in through its framework's
//! standard OIDC client and gets WeChat, QQ and Weibo sign-in. Authorization code flow only
//! (with PKCE), per OpenID Connect Core 1.0, Discovery 1.0, RP-Initiated and Back-Channel
//! Logout 1.0, RFC 6749/7636/7009/7662/9207 and the BCP of RFC 9700.
//!
//! [`Oidc`] is the service; one file per part: `request` (what a client asks), `authorize`
//! (sign in, consent, code), `consent`, `tokens` (the token endpoint, userinfo, revocation,
//! introspection), `claims`, `keys`, `clients`, `logout`, `discovery`. Routes translate HTTP
//! to calls here. It signs people in through `auth` and never the other way round.

mod authorize;
mod claims;
pub mod clients;
mod consent;
mod discovery;
mod grant;
pub mod keys;
mod logout;
mod request;
mod tokens;

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use crate::auth::Auth;
use crate::config::OidcSettings;

pub use authorize::Answer;
pub use keys::KeyRing;
pub use logout::LogoutAnswer;
pub use request::PageError;
pub use tokens::{ClientCredentials, TokenFailure};

/// Where the provider's endpoints live, under the issuer.
pub mod paths {
    pub const DISCOVERY: &str = "/.well-known/openid-configuration";
    pub const AUTHORIZE: &str = "/oauth/authorize";
    pub const CONTINUE: &str = "/oauth/continue";
    pub const CONSENT: &str = "/oauth/consent";
    pub const TOKEN: &str = "/oauth/token";
    pub const USERINFO: &str = "/oauth/userinfo";
    pub const JWKS: &str = "/oauth/jwks";
    pub const LOGOUT: &str = "/oauth/logout";
    pub const REVOKE: &str = "/oauth/revoke";
    pub const INTROSPECT: &str = "/oauth/introspect";
}

/// The provider. Built once at start-up, shared by all requests.
pub struct Oidc {
    db: DatabaseConnection,
    auth: Arc<Auth>,
    keys: KeyRing,
    /// The public URL without its trailing slash: `iss` in every token and response.
    issuer: String,
    settings: OidcSettings,
    /// For back-channel logout.
    http: reqwest::Client,
}

impl Oidc {
    pub fn new(
        db: DatabaseConnection,
        auth: Arc<Auth>,
        public_url: &url::Url,
        settings: OidcSettings,
    ) -> Self {
        let keys = KeyRing::new(db.clone(), auth.sealer().clone(), settings.key_overlap);
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        Self {
            db,
            auth,
            keys,
            issuer: public_url.as_str().trim_end_matches('/').to_string(),
            settings,
            http,
        }
    }

    /// At start-up: the configured clients written, a signing key for each algorithm.
    pub async fn prepare(&self) -> Result<(), keys::KeyError> {
        clients::sync_configured(&self.db, &self.settings.clients).await?;
        self.keys.ensure().await
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }
}

/// SHA-256, hex: how codes, tokens and secrets are stored.
pub(crate) fn sha256_hex(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// SHA-256, unpadded base64url: PKCE challenges and pairwise subjects.
pub(crate) fn sha256_b64(value: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(value.as_bytes()))
}
