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

/// Why `uri` cannot be a client's redirect URI, if it cannot: it must be absolute, without a
/// fragment (RFC 6749 §3.1.2), and https unless it is a loopback address or a native app's
/// own scheme (RFC 8252).
pub fn redirect_uri_problem(uri: &str) -> Option<&'static str> {
    let Ok(url) = url::Url::parse(uri) else {
        return Some("is not an absolute URL");
    };
    if url.fragment().is_some() {
        return Some("must not have a fragment");
    }
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => None,
        "http" if loopback => None,
        "http" => Some("must be https (plain http only on localhost)"),
        // A native app's private-use scheme (com.example.app:/callback).
        scheme if scheme.contains('.') => None,
        _ => Some("must be https"),
    }
}

/// A `[[oidc.clients]]` entry that the server could not honour is a start-up error.
pub fn check_configured_client(client: &super::ConfiguredClient) -> Result<(), ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid {
        env: "(file only)",
        toml: "oidc.clients",
        reason: format!("client `{}`: {reason}", client.client_id),
    };
    if client.client_id.trim().is_empty() || client.client_id.len() > 64 {
        return Err(invalid("client_id must be 1 to 64 characters".into()));
    }
    if client.redirect_uris.is_empty() {
        return Err(invalid("needs at least one redirect_uri".into()));
    }
    for uri in client
        .redirect_uris
        .iter()
        .chain(&client.post_logout_redirect_uris)
        .chain(&client.backchannel_logout_uri)
    {
        if let Some(problem) = redirect_uri_problem(uri) {
            return Err(invalid(format!("`{uri}` {problem}")));
        }
    }
    let hex_sha256 = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
    match (&client.secret_sha256, client.public) {
        (Some(_), true) => Err(invalid("a public client has no secret".into())),
        (None, false) => Err(invalid(
            "a confidential client needs secret_sha256 (or public = true)".into(),
        )),
        (Some(hash), false) if !hex_sha256(hash) => {
            Err(invalid("secret_sha256 must be 64 hex digits".into()))
        }
        _ => match client.id_token_signed_response_alg.as_deref() {
            None | Some("RS256" | "ES256") => Ok(()),
            Some(other) => Err(invalid(format!(
                "id_token_signed_response_alg `{other}` is not RS256 or ES256"
            ))),
        },
    }
}
