//! The provider identifiers used in routes, configuration and the database.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One sign-in method. `wechat` and `wechat_mp` are separate apps with separate openids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderId {
    /// WeChat Open Platform website app: QR code login.
    Wechat,
    /// WeChat Official Account web authorization, inside the WeChat app only.
    WechatMp,
    /// QQ Connect.
    Qq,
    /// Sina Weibo.
    Weibo,
}

impl ProviderId {
    /// Every provider, in the order the login page shows them.
    pub const ALL: [ProviderId; 4] = [
        ProviderId::Wechat,
        ProviderId::WechatMp,
        ProviderId::Qq,
        ProviderId::Weibo,
    ];

    /// The stable id used in URLs, configuration and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderId::Wechat => "wechat",
            ProviderId::WechatMp => "wechat_mp",
            ProviderId::Qq => "qq",
            ProviderId::Weibo => "weibo",
        }
    }

    /// Providers with the same scope give one person the same unionid: WeChat's website app
    /// and Official Account belong to one Open Platform account. An app uses this to land
    /// both WeChat sign-ins in one account without knowing which provider is which.
    pub fn unionid_scope(self) -> &'static str {
        match self {
            ProviderId::Wechat | ProviderId::WechatMp => "wechat",
            ProviderId::Qq => "qq",
            ProviderId::Weibo => "weibo",
        }
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A provider id that is not one of [`ProviderId::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown provider {0:?}")]
pub struct UnknownProvider(pub String);

impl FromStr for ProviderId {
    type Err = UnknownProvider;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProviderId::ALL
            .into_iter()
            .find(|id| id.as_str() == s)
            .ok_or_else(|| UnknownProvider(s.chars().take(32).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_strings() {
        for id in ProviderId::ALL {
            assert_eq!(id.as_str().parse::<ProviderId>(), Ok(id));
            assert_eq!(id.to_string(), id.as_str());
        }
    }

    #[test]
    fn only_the_two_wechat_apps_share_unionids() {
        assert_eq!(
            ProviderId::Wechat.unionid_scope(),
            ProviderId::WechatMp.unionid_scope()
        );
        assert_ne!(
            ProviderId::Qq.unionid_scope(),
            ProviderId::Wechat.unionid_scope()
        );
        assert_ne!(
            ProviderId::Qq.unionid_scope(),
            ProviderId::Weibo.unionid_scope()
        );
    }

    #[test]
    fn unknown_and_differently_cased_ids_are_rejected() {
        assert!("github".parse::<ProviderId>().is_err());
        assert!("WeChat".parse::<ProviderId>().is_err());
        assert!("".parse::<ProviderId>().is_err());
    }

    #[test]
    fn serde_uses_the_same_ids() {
        let json = serde_json::to_string(&ProviderId::WechatMp).expect("serialises");
        assert_eq!(json, "\"wechat_mp\"");
        let back: ProviderId = serde_json::from_str("\"qq\"").expect("deserialises");
        assert_eq!(back, ProviderId::Qq);
    }
}
