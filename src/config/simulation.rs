//! The simulator wiring: where it is mounted, the apps registered with it, and every provider
//! pointed at it.

use providers::{AppCredentials, Endpoints, ProviderId};
use url::Url;

use super::settings::ProviderSettings;

/// Where the simulator is mounted when `DENGLU_SIMULATOR` is on.
pub const SIMULATOR_MOUNT: &str = "/_sim";

/// The app the simulator registers for each provider: the one place its credentials are named.
fn simulator_app(id: ProviderId) -> AppCredentials {
    let (app_id, secret) = match id {
        ProviderId::Wechat => (simulator::WECHAT_OPEN_APPID, simulator::WECHAT_OPEN_SECRET),
        ProviderId::WechatMp => (simulator::WECHAT_MP_APPID, simulator::WECHAT_MP_SECRET),
        ProviderId::Qq => (simulator::QQ_APPID, simulator::QQ_APPKEY),
        ProviderId::Weibo => (simulator::WEIBO_APPKEY, simulator::WEIBO_SECRET),
    };
    AppCredentials::new(app_id, secret)
}

/// Every provider, with the simulator's apps, so a laptop gets every sign-in with no setup.
pub fn simulated_providers() -> Vec<ProviderSettings> {
    ProviderId::ALL
        .into_iter()
        .map(|id| ProviderSettings {
            id,
            credentials: simulator_app(id),
        })
        .collect()
}

/// Every provider host as a path under our own mount, named after the real host, so the
/// provider clients run unchanged against the simulator.
pub fn simulated_endpoints(public_url: &Url) -> Endpoints {
    let mount = public_url
        .join(SIMULATOR_MOUNT)
        .expect("an absolute path joined to the public URL is a valid URL");
    Endpoints::simulator(&mount)
}

/// `{public_url}/_sim/`: where the simulator serves its users' avatars (and everything else).
pub fn simulated_avatar_root(public_url: &Url) -> Url {
    public_url
        .join(&format!("{SIMULATOR_MOUNT}/"))
        .expect("an absolute path joined to the public URL is a valid URL")
}

/// The simulator's own settings when it is mounted under `public_url`.
pub fn simulator_config(public_url: Option<&Url>) -> simulator::SimConfig {
    let mut config = simulator::SimConfig::from_env();
    if let Some(url) = public_url {
        config.public_base = Some(format!(
            "{}{}",
            url.as_str().trim_end_matches('/'),
            SIMULATOR_MOUNT
        ));
        // Our own callbacks must pass the simulator's redirect_uri domain check, as they
        // would pass WeChat's for a registered domain.
        if let Some(host) = url
            .host_str()
            .filter(|h| !config.callback_domains.iter().any(|d| d == h))
        {
            config.callback_domains.push(host.to_string());
        }
    }
    config
}

#[cfg(test)]
mod tests {
    use providers::all_hosts;

    use super::*;

    #[test]
    fn providers_point_at_the_mounted_simulator() {
        let public = Url::parse("http://127.0.0.1:4000").expect("valid");
        let endpoints = simulated_endpoints(&public);
        for host in all_hosts() {
            assert_eq!(
                endpoints.base(host).as_str(),
                format!("http://127.0.0.1:4000/_sim/{}", host.name)
            );
        }
    }
}
