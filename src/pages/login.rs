//! `/login`: the sign-in methods this site offers.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::app::use_locale;
use crate::components::provider_button::ProviderButton;
use crate::components::wechat_qr::EmbeddedWechatQr;
use crate::i18n::Locale;
use crate::pages::qr_login::QrPanel;

/// What the site offers, as the pages need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInfo {
    /// Provider ids in display order (`wechat`, `wechat_mp`, `qq`, `weibo`).
    pub providers: Vec<String>,
    pub simulator: bool,
    /// How this visitor signs in with WeChat.
    pub wechat: WechatOnPage,
}

/// The WeChat part of the login page, for this visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WechatOnPage {
    /// WeChat's own QR code embedded in the page (the website app).
    Embedded,
    /// Our QR code (the Official Account).
    Own,
    /// Inside the WeChat app, where a QR cannot be scanned: a button to the Official Account.
    InApp,
    Off,
}

#[server]
pub async fn get_site_info() -> Result<SiteInfo, ServerFnError> {
    use crate::config::WechatQr;
    use providers::ProviderId;

    let state = use_context::<crate::state::AppState>()
        .ok_or_else(|| ServerFnError::new("application state is missing"))?;
    let settings = &state.settings;
    let offers = |id| settings.providers.iter().any(|p| p.id == id);
    let user_agent = use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    });
    let in_wechat = user_agent
        .as_deref()
        .is_some_and(crate::auth::flow::is_wechat);
    let wechat = match settings.wechat_qr {
        _ if in_wechat && offers(ProviderId::WechatMp) => WechatOnPage::InApp,
        WechatQr::Embedded => WechatOnPage::Embedded,
        WechatQr::Own => WechatOnPage::Own,
        WechatQr::Off => WechatOnPage::Off,
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

/// Error kinds that `/auth/{provider}/callback` sends back here, each with its own message
/// and the status the page is served with (a failed sign-in is never a 200).
const KNOWN_ERRORS: [(&str, u16); 9] = [
    ("cancelled", 403),
    ("invalid_code", 400),
    ("state", 400),
    ("unavailable", 503),
    // The provider says our app is set up wrong: an upstream problem, not the user's.
    ("misconfigured", 502),
    ("refused", 403),
    ("unknown_provider", 404),
    // A QR login ticket that expired or was used: gone.
    ("ticket", 410),
    ("server", 503),
];

/// The status of `/login?error=KIND`; unknown kinds are a plain bad request.
pub fn error_status(kind: &str) -> u16 {
    KNOWN_ERRORS
        .iter()
        .find(|(known, _)| *known == kind)
        .map_or(400, |(_, status)| *status)
}

fn error_message(locale: Locale, kind: &str) -> String {
    if KNOWN_ERRORS.iter().any(|(known, _)| *known == kind) {
        locale.t(&format!("login-error-{kind}"))
    } else {
        locale.t("login-error-unknown")
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let locale = use_locale();
    let site = expect_context::<Resource<Result<SiteInfo, ServerFnError>>>();
    let query = use_query_map();
    let error = move || query.read().get("error");
    let next = move || query.read().get("next");
    #[cfg(feature = "ssr")]
    if let (Some(kind), Some(response)) = (error(), use_context::<leptos_axum::ResponseOptions>())
        && let Ok(status) = http::StatusCode::from_u16(error_status(&kind))
    {
        response.set_status(status);
    }

    view! {
        <Title text=locale.t("login-title")/>
        <section class="card login-card">
            <h1>{locale.t("login-title")}</h1>
            <p class="subtitle">{locale.t("login-subtitle")}</p>
            {move || {
                error()
                    .map(|kind| {
                        view! {
                            <div class="alert" role="alert" data-error=kind.clone()>
                                <strong>{locale.t("login-error-title")}</strong>
                                <p>{error_message(locale, &kind)}</p>
                            </div>
                        }
                    })
            }}
            <Suspense fallback=move || view! { <p class="loading" aria-busy="true"></p> }>
                {move || Suspend::new(async move {
                    match site.await {
                        Ok(info) if info.providers.is_empty() => {
                            view! { <p class="empty">{locale.t("login-no-providers")}</p> }.into_any()
                        }
                        Ok(info) => {
                            let own_qr_too = info.wechat == WechatOnPage::Embedded
                                && info.providers.iter().any(|p| p == "wechat_mp");
                            view! {
                                <WechatSection mode=info.wechat next=next()/>
                                <ul class="providers">
                                    {info
                                        .providers
                                        .into_iter()
                                        // WeChat has its own section above.
                                        .filter(|id| id != "wechat" && id != "wechat_mp")
                                        .map(|id| view! { <li><ProviderButton id next=next()/></li> })
                                        .collect_view()}
                                </ul>
                                {own_qr_too.then(|| view! {
                                    <p class="fineprint"><a href="/login/qr">{locale.t("qr-use-ours")}</a></p>
                                })}
                            }
                                .into_any()
                        }
                        Err(_) => view! { <p class="alert" role="alert">{locale.t("error-body")}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <p class="fineprint">{locale.t("login-terms")}</p>
        </section>
    }
}

/// WeChat, the way this visitor can use it: a QR code on a computer, a button inside WeChat.
#[component]
fn WechatSection(mode: WechatOnPage, next: Option<String>) -> impl IntoView {
    let locale = use_locale();
    match mode {
        WechatOnPage::Embedded => view! {
            <section class="wechat-section" data-wechat="embedded">
                <h2>{locale.t("wechat-scan-title")}</h2>
                <EmbeddedWechatQr next/>
            </section>
        }
        .into_any(),
        WechatOnPage::Own => view! {
            <section class="wechat-section" data-wechat="own">
                <h2>{locale.t("wechat-scan-title")}</h2>
                <QrPanel/>
            </section>
        }
        .into_any(),
        WechatOnPage::InApp => view! {
            <ul class="providers" data-wechat="in_app">
                <li><ProviderButton id="wechat_mp".to_string() next/></li>
            </ul>
        }
        .into_any(),
        WechatOnPage::Off => ().into_any(),
    }
}
