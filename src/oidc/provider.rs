//! The provider's context: [`Oidc`] holds what every part needs; the parts are `impl Oidc`
//! blocks in the modules beside this one.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::Auth;
use crate::config::OidcSettings;
use crate::oidc::clients;
use crate::oidc::keys::{self, KeyRing};

/// Why the provider cannot start: a configured client, or the signing keys.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("OpenID Connect clients: {0}")]
    Clients(#[from] clients::ClientError),
    #[error("OpenID Connect signing keys: {0}")]
    Keys(#[from] keys::KeyError),
}

/// The provider. Built once at start-up, shared by all requests.
pub struct Oidc {
    pub(super) db: DatabaseConnection,
    pub(super) auth: Arc<Auth>,
    pub(super) keys: KeyRing,
    /// The public URL without its trailing slash: `iss` in every token and response.
    pub(super) issuer: String,
    pub(super) settings: OidcSettings,
    /// For back-channel logout.
    pub(super) http: reqwest::Client,
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
    pub async fn prepare(&self) -> Result<(), PrepareError> {
        clients::sync_configured(&self.db, &self.settings.clients).await?;
        Ok(self.keys.ensure().await?)
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }
}
