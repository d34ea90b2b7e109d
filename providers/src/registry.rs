//! The one list of providers. Each line names a provider's id, its declaration and how its
//! client is built; adding a provider is its file and one line here.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use reqwest::Client;
use serde::{Deserialize, Serialize};

use crate::{AppCredentials, Endpoints, Host, Provider, ProviderSpec, Qq, Wechat, Weibo};
use crate::{qq, wechat, weibo};

/// Declares [`ProviderId`] (one variant per line), its `spec()` and `build`, so that the
/// three can never disagree.
macro_rules! providers {
    ($($(#[$doc:meta])* $variant:ident => $spec:path, $build:path;)+) => {
        /// One sign-in method. `wechat` and `wechat_mp` are separate apps with separate openids.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(into = "&'static str", try_from = "String")]
        pub enum ProviderId {
            $($(#[$doc])* $variant,)+
        }

        impl ProviderId {
            /// Every provider, in the order the login page shows them.
            pub const ALL: [ProviderId; [$(stringify!($variant)),+].len()] =
                [$(ProviderId::$variant),+];

            /// What the provider declares about itself.
            pub fn spec(self) -> &'static ProviderSpec {
                match self {
                    $(ProviderId::$variant => &$spec,)+
                }
            }
        }

        fn build(
            id: ProviderId,
            creds: AppCredentials,
            endpoints: &Endpoints,
            client: Client,
        ) -> Arc<dyn Provider> {
            match id {
                $(ProviderId::$variant => Arc::new($build(creds, endpoints, client)),)+
            }
        }
    };
}

providers! {
    /// WeChat Open Platform website app: QR code login.
    Wechat => wechat::WEBSITE, Wechat::website;
    /// WeChat Official Account web authorization, inside the WeChat app only.
    WechatMp => wechat::OFFICIAL_ACCOUNT, Wechat::official_account;
    /// QQ Connect.
    Qq => qq::SPEC, Qq::new;
    /// Sina Weibo.
    Weibo => weibo::SPEC, Weibo::new;
}

/// Every host some provider calls, each once, in the order of `ProviderId::ALL`.
pub fn all_hosts() -> impl Iterator<Item = &'static Host> {
    let mut seen = Vec::new();
    ProviderId::ALL
        .into_iter()
        .flat_map(|id| id.spec().hosts.iter().copied())
        .filter(move |host| {
            let first = !seen.contains(&host.name);
            seen.push(host.name);
            first
        })
}

/// The providers this deployment offers. Cheap to clone.
#[derive(Clone, Default)]
pub struct Registry {
    // Keyed by id, so iteration follows `ProviderId::ALL`.
    providers: BTreeMap<ProviderId, Arc<dyn Provider>>,
}

impl Registry {
    /// One provider per configured app; a later entry for the same id replaces an earlier one.
    pub fn new(
        apps: impl IntoIterator<Item = (ProviderId, AppCredentials)>,
        endpoints: &Endpoints,
        client: Client,
    ) -> Self {
        let providers = apps
            .into_iter()
            .map(|(id, creds)| (id, build(id, creds, endpoints, client.clone())))
            .collect();
        Registry { providers }
    }

    pub fn get(&self, id: ProviderId) -> Option<Arc<dyn Provider>> {
        self.providers.get(&id).cloned()
    }

    /// The configured ids, in the order of `ProviderId::ALL`.
    pub fn configured(&self) -> Vec<ProviderId> {
        self.providers.keys().copied().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("configured", &self.configured())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;
    use crate::callback::query;

    #[test]
    fn configured_order_is_stable_and_lookup_works() {
        let registry = Registry::new(
            [
                (ProviderId::Weibo, AppCredentials::new("2000000001", "s")),
                (
                    ProviderId::Wechat,
                    AppCredentials::new("wxsimopen0000001", "s"),
                ),
                (ProviderId::Qq, AppCredentials::new("101000001", "s")),
            ],
            &Endpoints::default(),
            crate::http_client(),
        );
        assert_eq!(
            registry.configured(),
            vec![ProviderId::Wechat, ProviderId::Qq, ProviderId::Weibo]
        );
        let qq = registry.get(ProviderId::Qq).expect("configured");
        assert_eq!((qq.id(), qq.app_id()), (ProviderId::Qq, "101000001"));
        assert!(registry.get(ProviderId::WechatMp).is_none());
        assert!(!format!("{registry:?}").contains("101000001"));
    }

    #[test]
    fn wechat_ids_get_their_own_app() {
        let registry = Registry::new(
            [
                (ProviderId::Wechat, AppCredentials::new("wxopen", "s")),
                (ProviderId::WechatMp, AppCredentials::new("wxmp", "s")),
            ],
            &Endpoints::default(),
            crate::http_client(),
        );
        let mp = registry.get(ProviderId::WechatMp).expect("configured");
        assert_eq!((mp.id(), mp.app_id()), (ProviderId::WechatMp, "wxmp"));
        assert!(Registry::default().is_empty());
    }

    #[test]
    fn each_line_builds_the_provider_it_declares() {
        for id in ProviderId::ALL {
            let provider = build(
                id,
                AppCredentials::new("app", "s"),
                &Endpoints::default(),
                crate::http_client(),
            );
            assert_eq!(provider.id(), id);
        }
    }

    #[test]
    fn declarations_follow_the_conventions_the_pages_rely_on() {
        let mut env_names = Vec::new();
        for id in ProviderId::ALL {
            let spec = id.spec();
            assert_eq!(spec.label_key, format!("provider-{}", spec.id));
            assert_eq!(spec.hint_key, format!("provider-{}-hint", spec.id));
            assert_eq!(spec.icon, format!("/icons/{}.svg", spec.id));
            env_names.extend([spec.app_id.env, spec.secret.env]);
        }
        for host in all_hosts() {
            let url = Url::parse(host.default_url).expect("a valid default base URL");
            assert_eq!(url.host_str(), Some(host.name));
            env_names.push(host.base.env);
        }
        let count = env_names.len();
        env_names.sort_unstable();
        env_names.dedup();
        assert_eq!(env_names.len(), count, "a variable is declared twice");
    }

    #[test]
    fn a_code_is_no_error() {
        for provider in ProviderId::ALL {
            let provider = build(
                provider,
                AppCredentials::new("app", "s"),
                &Endpoints::default(),
                crate::http_client(),
            );
            assert!(
                provider
                    .callback_error(&query(&[("code", "abc"), ("state", "s")]))
                    .is_none()
            );
        }
    }
}
