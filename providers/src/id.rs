//! The provider identifiers used in routes, configuration and the database. The ids
//! themselves are declared, one per provider, by the list in `registry.rs`.

use std::fmt;
use std::str::FromStr;

use crate::ProviderId;

impl ProviderId {
    /// The stable id used in URLs, configuration and storage.
    pub fn as_str(self) -> &'static str {
        self.spec().id
    }

    /// Providers with the same scope give one person the same unionid: WeChat's website app
    /// and Official Account belong to one Open Platform account. An app uses this to land
    /// both WeChat sign-ins in one account without knowing which provider is which.
    pub fn unionid_scope(self) -> &'static str {
        self.spec().unionid_scope
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

// Serde goes through the same strings.
impl From<ProviderId> for &'static str {
    fn from(id: ProviderId) -> Self {
        id.as_str()
    }
}

impl TryFrom<String> for ProviderId {
    type Error = UnknownProvider;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
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
