//! Decisions made from the loaded values: whether to simulate, which providers to offer and
//! in what order, and which WeChat QR code `/login` shows.

use providers::ProviderId;

use super::keys::{PROVIDERS, SIMULATOR, WECHAT_QR};
use super::settings::{ConfigError, ProviderSettings, WechatQr};

/// `DENGLU_SIMULATOR`: `auto` simulates a laptop with no provider configured, never production.
pub fn simulator(
    choice: Option<&str>,
    any_configured: bool,
    production: bool,
) -> Result<bool, ConfigError> {
    let simulate = match choice {
        None | Some("auto") => !any_configured && !production,
        Some("1" | "true" | "on") => true,
        Some("0" | "false" | "off") => false,
        Some(other) => {
            return Err(ConfigError::invalid(
                SIMULATOR,
                format!("`{other}` is not one of 1, 0, auto"),
            ));
        }
    };
    if simulate && production {
        return Err(ConfigError::invalid(
            SIMULATOR,
            "the simulator cannot run in production",
        ));
    }
    Ok(simulate)
}

/// `DENGLU_PROVIDERS`: keeps only the providers named, in that order; an unknown name or one
/// without credentials is an error. Unset offers every available provider.
pub fn offered(
    available: Vec<ProviderSettings>,
    choice: Option<&str>,
) -> Result<Vec<ProviderSettings>, ConfigError> {
    let Some(offered) = choice else {
        return Ok(available);
    };
    let mut out = Vec::new();
    for name in offered.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let id: ProviderId = name.parse().map_err(|_| {
            let known: Vec<&str> = ProviderId::ALL.map(ProviderId::as_str).into();
            ConfigError::invalid(
                PROVIDERS,
                format!("unknown provider `{name}` (known: {})", known.join(", ")),
            )
        })?;
        let settings = available.iter().find(|p| p.id == id).ok_or_else(|| {
            ConfigError::invalid(
                PROVIDERS,
                format!("provider `{name}` is offered but has no credentials"),
            )
        })?;
        out.push(settings.clone());
    }
    Ok(out)
}

/// `DENGLU_WECHAT_QR`: `auto` prefers WeChat's own QR, which needs the website app.
pub fn wechat_qr(
    choice: Option<&str>,
    offered: &[ProviderSettings],
) -> Result<WechatQr, ConfigError> {
    let offers = |id| offered.iter().any(|p| p.id == id);
    let needs = |choice: &str, what: &str, id: ProviderId| {
        ConfigError::invalid(
            WECHAT_QR,
            format!("`{choice}` needs {what} ({})", id.spec().app_id.env),
        )
    };
    match choice.unwrap_or("auto") {
        "auto" if offers(ProviderId::Wechat) => Ok(WechatQr::Embedded),
        "auto" if offers(ProviderId::WechatMp) => Ok(WechatQr::Own),
        "auto" => Ok(WechatQr::Off),
        "embedded" if offers(ProviderId::Wechat) => Ok(WechatQr::Embedded),
        "own" if offers(ProviderId::WechatMp) => Ok(WechatQr::Own),
        "embedded" => Err(needs(
            "embedded",
            "the WeChat website app",
            ProviderId::Wechat,
        )),
        "own" => Err(needs("own", "the Official Account", ProviderId::WechatMp)),
        other => Err(ConfigError::invalid(
            WECHAT_QR,
            format!("`{other}` is not one of auto, embedded, own"),
        )),
    }
}
