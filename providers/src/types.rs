//! The values that cross the crate boundary: credentials, endpoints, tokens, profiles.

use std::fmt;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::ProviderId;

/// A value that must never reach a log, an error message or a page.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends or encrypts it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// One registered app: WeChat appid/appsecret, QQ appid/appkey, Weibo appkey/appsecret.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    pub app_id: String,
    pub secret: Secret,
}

impl AppCredentials {
    pub fn new(app_id: impl Into<String>, secret: impl Into<String>) -> Self {
        AppCredentials {
            app_id: app_id.into(),
            secret: Secret::new(secret),
        }
    }
}

/// Base URLs of the providers' hosts, without a trailing slash; paths are appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub wechat_open: Url,
    pub wechat_api: Url,
    pub qq: Url,
    pub weibo: Url,
}

impl Endpoints {
    /// The simulator's layout: every host is a path prefix under one base
    /// (`http://127.0.0.1:PORT` or `https://app.example/_sim`).
    pub fn simulator(base: &Url) -> Endpoints {
        let host = |name: &str| crate::http::join(base, &format!("/{name}"));
        Endpoints {
            wechat_open: host("open.weixin.qq.com"),
            wechat_api: host("api.weixin.qq.com"),
            qq: host("graph.qq.com"),
            weibo: host("api.weibo.com"),
        }
    }
}

impl Default for Endpoints {
    /// The real providers.
    fn default() -> Self {
        let parse = |s: &str| Url::parse(s).expect("the providers' base URLs are valid");
        Endpoints {
            wechat_open: parse("https://open.weixin.qq.com"),
            wechat_api: parse("https://api.weixin.qq.com"),
            qq: parse("https://graph.qq.com"),
            weibo: parse("https://api.weibo.com"),
        }
    }
}

/// What the app knows when it sends the browser to the provider.
#[derive(Debug, Clone, Copy)]
pub struct AuthorizeRequest<'a> {
    /// The CSRF state, already stored server-side.
    pub state: &'a str,
    /// The app's callback URL; must be sent unchanged to the token call (QQ, Weibo).
    pub redirect_uri: &'a Url,
    /// A phone browser: QQ and Weibo show their mobile pages.
    pub mobile: bool,
    /// Someone already signed up: `wechat_mp` may use the silent `snsapi_base` scope.
    pub known_user: bool,
}

/// Tokens and the identity keys that come with them.
///
/// A `TokenSet` returned by `exchange_code` or `refresh` has passed the identity
/// checks that need the token alone (QQ's client_id, Weibo's appkey and uid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSet {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    /// Seconds from issue.
    pub expires_in: Option<u64>,
    /// As granted, e.g. `snsapi_base` or `snsapi_userinfo` (WeChat).
    pub scope: Option<String>,
    /// WeChat and QQ.
    pub openid: Option<String>,
    /// WeChat and QQ, when the app may see it.
    pub unionid: Option<String>,
    /// Weibo.
    pub uid: Option<String>,
}

impl TokenSet {
    /// A token set with only its access token, for tokens loaded from storage.
    pub fn new(access_token: Secret) -> Self {
        TokenSet {
            access_token,
            refresh_token: None,
            expires_in: None,
            scope: None,
            openid: None,
            unionid: None,
            uid: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
    Unknown,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
            Gender::Unknown => "unknown",
        }
    }
}

/// A verified identity and what the provider tells about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub provider: ProviderId,
    /// The app the subject belongs to (WeChat openids are per app).
    pub app_id: String,
    /// openid for WeChat and QQ, uid for Weibo.
    pub subject: String,
    pub unionid: Option<String>,
    /// Empty when the provider gave none (WeChat `snsapi_base`): the app asks the user.
    pub nickname: String,
    pub avatar_url: Option<String>,
    pub gender: Gender,
    /// The provider's profile document as received (never contains tokens).
    pub raw: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(secret.expose(), "hunter2");
        let creds = AppCredentials::new("wx1", "hunter2");
        assert!(!format!("{creds:?}").contains("hunter2"));
        let tokens = TokenSet::new(Secret::new("tok-123"));
        assert!(!format!("{tokens:?}").contains("tok-123"));
    }

    #[test]
    fn simulator_endpoints_are_path_prefixes() {
        let base = Url::parse("http://127.0.0.1:4000").expect("valid");
        let e = Endpoints::simulator(&base);
        assert_eq!(
            e.wechat_open.as_str(),
            "http://127.0.0.1:4000/open.weixin.qq.com"
        );
        assert_eq!(e.weibo.as_str(), "http://127.0.0.1:4000/api.weibo.com");
        let mounted = Url::parse("https://app.example/_sim/").expect("valid");
        let e = Endpoints::simulator(&mounted);
        assert_eq!(e.qq.as_str(), "https://app.example/_sim/graph.qq.com");
    }

    #[test]
    fn default_endpoints_are_the_real_hosts() {
        let e = Endpoints::default();
        assert_eq!(e.wechat_api.host_str(), Some("api.weixin.qq.com"));
        assert_eq!(e.qq.host_str(), Some("graph.qq.com"));
    }
}
