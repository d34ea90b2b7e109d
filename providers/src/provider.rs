//! The one trait every provider implements; the app's flows only ever see this.

use std::collections::HashMap;

use async_trait::async_trait;
use secrecy::SecretString;
use url::Url;

use crate::{AuthorizeRequest, Profile, ProviderError, ProviderId, TokenSet};

#[async_trait]
pub trait Provider: Send + Sync {
    fn id(&self) -> ProviderId;

    /// Our app id at this provider (WeChat appid, QQ appid, Weibo appkey).
    fn app_id(&self) -> &str;

    /// Where to send the browser.
    fn authorize_url(&self, req: &AuthorizeRequest<'_>) -> Url;

    /// The error a callback query carries, or `None` when it carries a code to exchange.
    fn callback_error(&self, query: &HashMap<String, String>) -> Option<ProviderError>;

    /// Trades the callback's code for tokens. `redirect_uri` must be the one sent to
    /// `authorize_url` (QQ and Weibo check it; WeChat ignores it).
    async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &Url,
    ) -> Result<TokenSet, ProviderError>;

    /// The verified identity behind the tokens, with every identity check done.
    async fn fetch_profile(&self, tokens: &TokenSet) -> Result<Profile, ProviderError>;

    /// New tokens from a refresh token.
    async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenSet, ProviderError>;
}
