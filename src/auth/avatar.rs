//! Which avatar URLs are shown: only the providers' own avatar hosts (each `ProviderSpec`
//! declares them), always over https; while simulating, also the simulator's, which are
//! served by this site under `/_sim/`. Anything else is no avatar, and the page shows the
//! display name's initial instead: an `<img>` from another host would tell it who looks.

use providers::ProviderId;
use url::Url;

pub struct AvatarPolicy {
    /// `{public_url}/_sim/` while simulating.
    simulator: Option<Url>,
}

impl AvatarPolicy {
    pub fn new(simulator: Option<Url>) -> Self {
        Self { simulator }
    }

    /// The avatar of a profile from `provider`, made safe to show, or `None`.
    pub fn vet(&self, provider: ProviderId, raw: Option<&str>) -> Option<String> {
        self.vet_with(raw, |host| provider.spec().avatar_host_allowed(host))
    }

    /// An avatar already stored (its provider no longer known): any provider's host will do.
    pub fn vet_stored(&self, raw: Option<&str>) -> Option<String> {
        self.vet_with(raw, |host| {
            ProviderId::ALL
                .iter()
                .any(|id| id.spec().avatar_host_allowed(host))
        })
    }

    fn vet_with(&self, raw: Option<&str>, allowed: impl Fn(&str) -> bool) -> Option<String> {
        let raw = raw?.trim();
        if raw.len() > 1024 || raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return None;
        }
        let mut url = Url::parse(raw).ok()?;
        if let Some(simulator) = &self.simulator
            && url.origin() == simulator.origin()
            && url.path().starts_with(simulator.path())
        {
            return Some(url.into());
        }
        let host = url.host_str()?.to_string();
        if !matches!(url.scheme(), "http" | "https") || !allowed(&host) {
            return None;
        }
        if url.scheme() == "http" {
            // The providers' image hosts serve the same paths over https.
            url.set_scheme("https").ok()?;
        }
        if !url.username().is_empty() || url.password().is_some() || url.port().is_some() {
            return None;
        }
        Some(url.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_provider_hosts_over_https_are_kept() {
        let policy = AvatarPolicy::new(None);
        let qq = ProviderId::Qq;
        assert_eq!(
            policy
                .vet(qq, Some(" http://thirdqq.qlogo.cn/g?s=100 "))
                .as_deref(),
            Some("https://thirdqq.qlogo.cn/g?s=100")
        );
        assert_eq!(policy.vet(qq, Some("https://tracker.example/a.png")), None);
        assert_eq!(
            policy.vet(qq, Some("https://thirdwx.qlogo.cn/a")),
            None,
            "WeChat's host for QQ"
        );
        assert_eq!(policy.vet(qq, Some("javascript:alert(1)")), None);
        assert_eq!(policy.vet(qq, Some("https://u:p@thirdqq.qlogo.cn/a")), None);
        assert_eq!(
            policy.vet(qq, Some("https://thirdqq.qlogo.cn:8443/a")),
            None
        );
        assert_eq!(
            policy
                .vet(
                    ProviderId::Weibo,
                    Some("https://tvax3.sinaimg.cn/crop/a.jpg")
                )
                .as_deref(),
            Some("https://tvax3.sinaimg.cn/crop/a.jpg")
        );
        assert_eq!(
            policy
                .vet_stored(Some("http://wx.qlogo.cn/mmopen/x/132"))
                .as_deref(),
            Some("https://wx.qlogo.cn/mmopen/x/132")
        );
        assert_eq!(
            policy.vet_stored(Some("http://example.invalid/a.png")),
            None
        );
        let long = format!("https://thirdqq.qlogo.cn/{}", "x".repeat(2000));
        assert_eq!(policy.vet(qq, Some(&long)), None);
    }

    #[test]
    fn the_simulators_avatars_are_kept_only_while_simulating() {
        let sim = Url::parse("http://127.0.0.1:4000/_sim/").expect("url");
        let simulating = AvatarPolicy::new(Some(sim));
        let avatar = "http://127.0.0.1:4000/_sim/avatar/1.svg?size=100";
        assert_eq!(
            simulating.vet(ProviderId::Qq, Some(avatar)).as_deref(),
            Some(avatar)
        );
        assert_eq!(
            simulating.vet(ProviderId::Qq, Some("http://127.0.0.1:4000/account")),
            None
        );
        assert_eq!(
            simulating.vet(
                ProviderId::Qq,
                Some("http://127.0.0.1:4001/_sim/avatar/1.svg")
            ),
            None
        );
        assert_eq!(
            AvatarPolicy::new(None).vet(ProviderId::Qq, Some(avatar)),
            None
        );
    }
}
