//! What the site offers (providers, simulation, how this visitor meets WeChat): fetched once
//! per page and shared by the banner, the login page and the account pages.

use leptos::prelude::*;

use crate::model::{ServerError, SiteInfo};

#[server(endpoint = "site")]
pub async fn get_site_info() -> Result<SiteInfo, ServerError> {
    use crate::config::WechatQr;
    use crate::model::WechatOnPage;
    use crate::qr::agent;
    use crate::server_fn::{app_state, user_agent};
    use providers::ProviderId;

    let app = app_state()?;
    let settings = &app.settings;
    let offers = |id| settings.providers.iter().any(|p| p.id == id);
    let agent_says = user_agent().unwrap_or_default();
    let in_wechat = agent::is_wechat(&agent_says);
    let on_phone = !in_wechat && agent::is_mobile(&agent_says);
    let wechat = match settings.wechat_qr {
        _ if in_wechat && offers(ProviderId::WechatMp) => WechatOnPage::InApp,
        WechatQr::Off => WechatOnPage::Off,
        _ if on_phone && offers(ProviderId::WechatMp) => WechatOnPage::PhoneOwn,
        _ if on_phone && offers(ProviderId::Wechat) => WechatOnPage::PhoneEmbedded,
        WechatQr::Embedded => WechatOnPage::Embedded,
        WechatQr::Own => WechatOnPage::Own,
    };
    Ok(SiteInfo {
        providers: settings
            .providers
            .iter()
            .map(|p| p.id.as_str().to_string())
            .collect(),
        simulator: settings.simulator,
        wechat,
    })
}

/// The site information of this page, as provided by the app shell.
pub type SiteResource = Resource<Result<SiteInfo, ServerError>>;

pub fn provide_site_info() {
    provide_context::<SiteResource>(Resource::new(|| (), |_| get_site_info()));
}

pub fn use_site_info() -> SiteResource {
    expect_context::<SiteResource>()
}
