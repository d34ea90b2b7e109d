//! What a provider declares about itself, so that configuration, the simulator wiring and the
//! login page follow the provider files instead of listing providers.

/// One configuration value: the environment variable that sets it and its `Leptos.toml` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigKey {
    pub env: &'static str,
    pub toml: &'static str,
}

/// A host a provider's client calls. Several providers may share one (both WeChat apps call
/// `api.weixin.qq.com`), so a host is declared once and referred to by each.
#[derive(Debug, PartialEq, Eq)]
pub struct Host {
    /// The real host name. The simulator serves this host's protocol under `/{name}`.
    pub name: &'static str,
    /// The real base URL.
    pub default_url: &'static str,
    /// Where a deployment points the client elsewhere (a proxy, a test double).
    pub base: ConfigKey,
}

/// A provider's declaration: everything outside its client needs to know about it.
#[derive(Debug, PartialEq, Eq)]
pub struct ProviderSpec {
    /// The stable id in URLs, configuration and storage (`wechat_mp`).
    pub id: &'static str,
    /// Our app id at the provider (WeChat appid, QQ appid, Weibo appkey).
    pub app_id: ConfigKey,
    /// The secret that goes with it (WeChat appsecret, QQ appkey, Weibo appsecret).
    pub secret: ConfigKey,
    pub hosts: &'static [&'static Host],
    /// Providers with the same scope give one person the same unionid: WeChat's website app
    /// and Official Account belong to one Open Platform account.
    pub unionid_scope: &'static str,
    /// The login button's translation keys and icon. The pages, compiled for the browser
    /// too, follow the same names by convention: `provider-{id}`, `provider-{id}-hint`,
    /// `/icons/{id}.svg`.
    pub label_key: &'static str,
    pub hint_key: &'static str,
    pub icon: &'static str,
    /// The hosts its avatar URLs come from (`*.` allows any subdomain). An avatar elsewhere
    /// is not shown: an `<img>` from an arbitrary host tells that host who looks at the page.
    pub avatar_hosts: &'static [&'static str],
}

impl ProviderSpec {
    /// Whether an avatar served by `host` may be shown.
    pub fn avatar_host_allowed(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.avatar_hosts
            .iter()
            .any(|pattern| match pattern.strip_prefix("*.") {
                Some(domain) => host
                    .strip_suffix(domain)
                    .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
                None => host == *pattern,
            })
    }
}

#[cfg(test)]
mod tests {
    use crate::ProviderId;

    #[test]
    fn avatar_hosts_are_the_providers_own() {
        let weibo = ProviderId::Weibo.spec();
        assert!(weibo.avatar_host_allowed("tvax1.sinaimg.cn"));
        assert!(weibo.avatar_host_allowed("TVA2.SINAIMG.CN"));
        assert!(!weibo.avatar_host_allowed("sinaimg.cn.evil.example"));
        assert!(!weibo.avatar_host_allowed("evilsinaimg.cn"));
        let qq = ProviderId::Qq.spec();
        assert!(qq.avatar_host_allowed("thirdqq.qlogo.cn"));
        assert!(!qq.avatar_host_allowed("thirdwx.qlogo.cn.example"));
        for id in [ProviderId::Wechat, ProviderId::WechatMp] {
            assert!(id.spec().avatar_host_allowed("thirdwx.qlogo.cn"));
            assert!(id.spec().avatar_host_allowed("wx.qlogo.cn"));
            assert!(!id.spec().avatar_host_allowed("tracker.example"));
        }
    }
}
