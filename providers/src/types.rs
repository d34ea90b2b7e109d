//! The values that cross the crate boundary: credentials, endpoints, tokens, profiles.

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{Host, ProviderId};

/// One registered app: WeChat appid/appsecret, QQ appid/appkey, Weibo appkey/appsecret.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    pub app_id: String,
    pub secret: SecretString,
}

impl AppCredentials {
    pub fn new(app_id: impl Into<String>, secret: impl Into<String>) -> Self {
        AppCredentials {
            app_id: app_id.into(),
            secret: SecretString::from(secret.into()),
        }
    }
}

/// Base URLs of the providers' hosts, by host name; a host not set here is the real one.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    bases: BTreeMap<&'static str, Url>,
}

impl Endpoints {
    /// The simulator's layout: every host is a path prefix under one base
    /// (`http://127.0.0.1:PORT` or `https://app.example/_sim`).
    pub fn simulator(base: &Url) -> Endpoints {
        let bases = crate::all_hosts()
            .map(|host| {
                (
                    host.name,
                    crate::http::join(base, &format!("/{}", host.name)),
                )
            })
            .collect();
        Endpoints { bases }
    }

    /// Points the clients of `host` at `base` instead of the real host.
    pub fn set(&mut self, host: &Host, base: Url) {
        self.bases.insert(host.name, base);
    }

    /// Where the clients reach `host`, without a trailing slash; paths are appended.
    pub fn base(&self, host: &Host) -> Url {
        self.bases.get(host.name).cloned().unwrap_or_else(|| {
            Url::parse(host.default_url).expect("the providers' declared base URLs are valid")
        })
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
#[derive(Debug)]
pub struct TokenSet {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    /// Seconds from issue.
    pub expires_in: Option<u64>,
    /// As granted, e.g. `snsapi_base` or `snsapi_userinfo` (WeChat).
    pub scope: Option<String>,
    /// Whose tokens these are at this app: the openid (WeChat, QQ) or the uid (Weibo).
    pub subject: Option<String>,
    /// WeChat and QQ, when the app may see it.
    pub unionid: Option<String>,
}

impl TokenSet {
    /// A token set with only its access token, for tokens loaded from storage.
    pub fn new(access_token: SecretString) -> Self {
        TokenSet {
            access_token,
            refresh_token: None,
            expires_in: None,
            scope: None,
            subject: None,
            unionid: None,
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
    use crate::{qq, wechat, weibo};

    #[test]
    fn secrets_never_print() {
        let creds = AppCredentials::new("wx1", "hunter2");
        assert!(!format!("{creds:?}").contains("hunter2"));
        let tokens = TokenSet::new(SecretString::from("tok-123"));
        assert!(!format!("{tokens:?}").contains("tok-123"));
    }

    #[test]
    fn simulator_endpoints_are_path_prefixes() {
        let base = Url::parse("http://127.0.0.1:4000").expect("valid");
        let e = Endpoints::simulator(&base);
        assert_eq!(
            e.base(&wechat::OPEN).as_str(),
            "http://127.0.0.1:4000/open.weixin.qq.com"
        );
        assert_eq!(
            e.base(&weibo::API).as_str(),
            "http://127.0.0.1:4000/api.weibo.com"
        );
        let mounted = Url::parse("https://app.example/_sim/").expect("valid");
        let e = Endpoints::simulator(&mounted);
        assert_eq!(
            e.base(&qq::GRAPH).as_str(),
            "https://app.example/_sim/graph.qq.com"
        );
    }

    #[test]
    fn default_endpoints_are_the_real_hosts() {
        let e = Endpoints::default();
        assert_eq!(e.base(&wechat::API).host_str(), Some("api.weixin.qq.com"));
        assert_eq!(e.base(&qq::GRAPH).host_str(), Some("graph.qq.com"));
        for host in crate::all_hosts() {
            assert_eq!(e.base(host).host_str(), Some(host.name), "{host:?}");
        }
    }
}
