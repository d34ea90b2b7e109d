//! The configured providers, looked up by id. Adding a provider is one line in `build`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use reqwest::Client;

use crate::{AppCredentials, Endpoints, Provider, ProviderId, Qq, Wechat, Weibo};

fn build(
    id: ProviderId,
    creds: AppCredentials,
    endpoints: &Endpoints,
    client: Client,
) -> Arc<dyn Provider> {
    match id {
        ProviderId::Wechat => Arc::new(Wechat::website(creds, endpoints, client)),
        ProviderId::WechatMp => Arc::new(Wechat::official_account(creds, endpoints, client)),
        ProviderId::Qq => Arc::new(Qq::new(creds, endpoints, client)),
        ProviderId::Weibo => Arc::new(Weibo::new(creds, endpoints, client)),
    }
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

    /// Adds (or replaces) a provider built elsewhere, e.g. a test double.
    pub fn insert(&mut self, provider: Arc<dyn Provider>) {
        self.providers.insert(provider.id(), provider);
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
    use super::*;

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
}
