//! `/login`: the sign-in methods this site offers.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::provider_button::ProviderButton;
use crate::components::qr_panel::{QrTicketPanel, TicketResource, new_login_ticket};
use crate::components::site_info::use_site_info;
use crate::components::wechat_qr::EmbeddedWechatQr;
use crate::i18n::{Locale, use_locale};
use crate::model::{LoginError, WechatOnPage};

/// The message for `/login?error=KIND`; unknown kinds get a generic one.
fn error_message(locale: Locale, kind: &str) -> String {
    match LoginError::parse(kind) {
        Some(error) => locale.t(&error.message_key()),
        None => locale.t("login-error-unknown"),
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let locale = use_locale();
    let site = use_site_info();
    let query = use_query_map();
    let error = move || query.read().get("error");
    let next = move || query.read().get("next");
    // Our login ticket, when this visitor's WeChat section shows one: made here, once, and not
    // inside the suspended part below, which may render more than once.
    let ticket: TicketResource = Resource::new_blocking(next, move |next| async move {
        match site.await {
            Ok(info) if matches!(info.wechat, WechatOnPage::Own | WechatOnPage::PhoneOwn) => {
                new_login_ticket(next, false).await.map(Some)
            }
            Ok(_) => Ok(None),
            Err(e) => Err(e),
        }
    });
    // A failed sign-in is never a 200; an unknown kind is a plain bad request.
    #[cfg(feature = "ssr")]
    if let (Some(kind), Some(response)) = (error(), use_context::<leptos_axum::ResponseOptions>())
        && let Ok(status) =
            http::StatusCode::from_u16(LoginError::parse(&kind).map_or(400, LoginError::status))
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
                            let own_qr_too =
                                info.wechat == WechatOnPage::Embedded && info.offers("wechat_mp");
                            view! {
                                <WechatSection mode=info.wechat next=next() ticket/>
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
fn WechatSection(
    mode: WechatOnPage,
    next: Option<String>,
    ticket: TicketResource,
) -> impl IntoView {
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
                <QrTicketPanel ticket next/>
            </section>
        }
        .into_any(),
        WechatOnPage::PhoneOwn => view! {
            <section class="wechat-section wechat-phone" data-wechat="phone">
                <h2>{locale.t("wechat-phone-title")}</h2>
                <p class="wechat-phone-intro">{locale.t("wechat-phone-intro")}</p>
                <QrTicketPanel ticket next phone=true/>
            </section>
        }
        .into_any(),
        WechatOnPage::PhoneEmbedded => view! {
            <section class="wechat-section wechat-phone" data-wechat="phone-embedded">
                <h2>{locale.t("wechat-phone-title")}</h2>
                <p class="wechat-phone-intro">{locale.t("wechat-phone-intro")}</p>
                <ol class="wechat-steps" data-steps="screenshot">
                    <li>{locale.t("wechat-phone-screenshot-1")}</li>
                    <li>{locale.t("wechat-phone-album")}</li>
                    <li>{locale.t("wechat-phone-come-back")}</li>
                </ol>
                <EmbeddedWechatQr next/>
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
