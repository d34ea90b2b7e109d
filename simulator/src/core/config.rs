//! The simulator's settings: registered apps, callback domains and lifetimes.

use std::fmt;
use std::time::Duration;

use crate::core::mask::mask;

/// Default WeChat Open Platform website app id.
pub const WECHAT_OPEN_APPID: &str = "wxsimopen0000001";
/// Default WeChat Open Platform website app secret.
pub const WECHAT_OPEN_SECRET: &str = "simopensecret";
/// Default WeChat Official Account app id.
pub const WECHAT_MP_APPID: &str = "wxsimmp000000001";
/// Default WeChat Official Account app secret.
pub const WECHAT_MP_SECRET: &str = "simmpsecret";
/// Default QQ Connect app id.
pub const QQ_APPID: &str = "101000001";
/// Default QQ Connect app key (its secret).
pub const QQ_APPKEY: &str = "simqqappkey";
/// Default Weibo app key (its client id).
pub const WEIBO_APPKEY: &str = "2000000001";
/// Default Weibo app secret.
pub const WEIBO_SECRET: &str = "simweibosecret";
/// Callback domains registered for every app by default (any port).
pub const CALLBACK_DOMAINS: [&str; 2] = ["127.0.0.1", "localhost"];

/// Everything the simulator can be told. `Default` gives the documented credentials
/// and the real providers' lifetimes; tests shorten the lifetimes.
#[derive(Clone)]
pub struct SimConfig {
    pub wechat_open_appid: String,
    pub wechat_open_secret: String,
    pub wechat_mp_appid: String,
    pub wechat_mp_secret: String,
    pub qq_appid: String,
    pub qq_appkey: String,
    pub weibo_appkey: String,
    pub weibo_secret: String,
    /// Hosts a redirect_uri may point at (the port is not compared, like WeChat).
    pub callback_domains: Vec<String>,
    /// Absolute URL the simulator is reached at (e.g. `http://127.0.0.1:3000/_sim`).
    /// `None`: computed per request from the Host header and the mount prefix.
    pub public_base: Option<String>,
    /// WeChat website, QQ and Weibo authorization codes (10 minutes).
    pub code_lifetime: Duration,
    /// Official Account authorization codes (5 minutes).
    pub mp_code_lifetime: Duration,
    /// WeChat access tokens (7200 s).
    pub wechat_access_token_lifetime: Duration,
    /// QQ access tokens (7776000 s, 90 days).
    pub qq_access_token_lifetime: Duration,
    /// Weibo access tokens (about five years for an unreviewed app).
    pub weibo_access_token_lifetime: Duration,
    /// WeChat and QQ refresh tokens (30 days).
    pub refresh_token_lifetime: Duration,
    /// How long a WeChat QR code can be scanned (about 5 minutes).
    pub qr_lifetime: Duration,
    /// How long the WeChat long-poll holds a request before answering 408.
    pub long_poll_timeout: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            wechat_open_appid: WECHAT_OPEN_APPID.to_owned(),
            wechat_open_secret: WECHAT_OPEN_SECRET.to_owned(),
            wechat_mp_appid: WECHAT_MP_APPID.to_owned(),
            wechat_mp_secret: WECHAT_MP_SECRET.to_owned(),
            qq_appid: QQ_APPID.to_owned(),
            qq_appkey: QQ_APPKEY.to_owned(),
            weibo_appkey: WEIBO_APPKEY.to_owned(),
            weibo_secret: WEIBO_SECRET.to_owned(),
            callback_domains: CALLBACK_DOMAINS.iter().map(|d| (*d).to_owned()).collect(),
            public_base: None,
            code_lifetime: Duration::from_secs(600),
            mp_code_lifetime: Duration::from_secs(300),
            wechat_access_token_lifetime: Duration::from_secs(7200),
            qq_access_token_lifetime: Duration::from_secs(7_776_000),
            weibo_access_token_lifetime: Duration::from_secs(157_679_999),
            refresh_token_lifetime: Duration::from_secs(30 * 24 * 3600),
            qr_lifetime: Duration::from_secs(300),
            long_poll_timeout: Duration::from_secs(25),
        }
    }
}

impl SimConfig {
    /// The defaults, overridden by `SIM_*` environment variables where set and non-empty.
    pub fn from_env() -> Self {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Like `from_env`, reading from any source (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut config = Self::default();
        let get = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let fields: [(&str, &mut String); 8] = [
            ("SIM_WECHAT_OPEN_APPID", &mut config.wechat_open_appid),
            ("SIM_WECHAT_OPEN_SECRET", &mut config.wechat_open_secret),
            ("SIM_WECHAT_MP_APPID", &mut config.wechat_mp_appid),
            ("SIM_WECHAT_MP_SECRET", &mut config.wechat_mp_secret),
            ("SIM_QQ_APPID", &mut config.qq_appid),
            ("SIM_QQ_APPKEY", &mut config.qq_appkey),
            ("SIM_WEIBO_APPKEY", &mut config.weibo_appkey),
            ("SIM_WEIBO_SECRET", &mut config.weibo_secret),
        ];
        for (key, field) in fields {
            if let Some(value) = get(key) {
                *field = value;
            }
        }
        if let Some(domains) = get("SIM_CALLBACK_DOMAINS") {
            config.callback_domains = domains
                .split(',')
                .map(|d| d.trim().to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .collect();
        }
        if let Some(base) = get("SIM_PUBLIC_BASE") {
            config.public_base = Some(base);
        }
        config
    }
}

/// Secrets are fake, but the habit holds: never print them whole.
impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("wechat_open_appid", &self.wechat_open_appid)
            .field("wechat_open_secret", &mask(&self.wechat_open_secret))
            .field("wechat_mp_appid", &self.wechat_mp_appid)
            .field("wechat_mp_secret", &mask(&self.wechat_mp_secret))
            .field("qq_appid", &self.qq_appid)
            .field("qq_appkey", &mask(&self.qq_appkey))
            .field("weibo_appkey", &self.weibo_appkey)
            .field("weibo_secret", &mask(&self.weibo_secret))
            .field("callback_domains", &self.callback_domains)
            .field("public_base", &self.public_base)
            .field("code_lifetime", &self.code_lifetime)
            .field("mp_code_lifetime", &self.mp_code_lifetime)
            .field(
                "wechat_access_token_lifetime",
                &self.wechat_access_token_lifetime,
            )
            .field("qq_access_token_lifetime", &self.qq_access_token_lifetime)
            .field(
                "weibo_access_token_lifetime",
                &self.weibo_access_token_lifetime,
            )
            .field("refresh_token_lifetime", &self.refresh_token_lifetime)
            .field("qr_lifetime", &self.qr_lifetime)
            .field("long_poll_timeout", &self.long_poll_timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_credentials_and_domains() {
        let config = SimConfig::from_lookup(|key| match key {
            "SIM_QQ_APPID" => Some("555".to_owned()),
            "SIM_CALLBACK_DOMAINS" => Some(" Example.com, ,dev.local".to_owned()),
            "SIM_WEIBO_SECRET" => Some("  ".to_owned()),
            _ => None,
        });
        assert_eq!(config.qq_appid, "555");
        assert_eq!(config.callback_domains, ["example.com", "dev.local"]);
        assert_eq!(config.weibo_secret, WEIBO_SECRET);
        assert_eq!(config.wechat_open_appid, WECHAT_OPEN_APPID);
    }

    #[test]
    fn debug_masks_secrets() {
        let printed = format!("{:?}", SimConfig::default());
        assert!(!printed.contains(WECHAT_OPEN_SECRET));
        assert!(printed.contains("sim***et"));
    }
}
