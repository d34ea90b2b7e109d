//! The frame around every page: simulation banner, header with the language switch, footer.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::components::href::query_value;
use crate::components::site_info::use_site_info;
use crate::components::user_menu::UserMenu;
use crate::i18n::{Locale, use_locale};
use crate::model::SiteInfo;

#[component]
pub fn SiteHeader() -> impl IntoView {
    let locale = use_locale();
    view! {
        <header class="site-header">
            <a class="brand" href="/login">
                <span class="brand-mark" aria-hidden="true">"登"</span>
                <span class="brand-name">{locale.t("app-name")}</span>
                <span class="brand-tagline">{locale.t("app-tagline")}</span>
            </a>
            <div class="header-end">
                <UserMenu/>
                <LanguageSwitch/>
            </div>
        </header>
    }
}

/// Plain links to `/lang/{tag}`, so switching works before (and without) the wasm.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let current = use_locale();
    let location = use_location();
    let here = move || {
        let search = location.search.get();
        let path = location.pathname.get();
        if search.is_empty() {
            path
        } else {
            format!("{path}?{search}")
        }
    };
    view! {
        <nav class="language-switch" aria-label=current.t("language-switch")>
            {Locale::ALL
                .into_iter()
                .map(|locale| {
                    let href = move || format!("/lang/{}?next={}", locale.tag(), query_value(&here()));
                    view! {
                        <a
                            href=href
                            rel="external"
                            hreflang=locale.tag()
                            lang=locale.tag()
                            data-lang=locale.tag()
                            aria-current=(locale == current).then_some("true")
                        >
                            {locale.t("language-name")}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

/// Shown on every page while the built-in provider simulator stands in for the real ones.
#[component]
pub fn SimulatorBanner() -> impl IntoView {
    let locale = use_locale();
    let site = use_site_info();
    view! {
        <Transition>
            {move || Suspend::new(async move {
                let simulated = matches!(site.await, Ok(SiteInfo { simulator: true, .. }));
                simulated
                    .then(|| {
                        view! {
                            <div class="simulator-banner" role="note">
                                {locale.t("simulator-banner")}
                                " "
                                <a href="/_sim/" rel="external" target="_blank">{locale.t("simulator-open")}</a>
                            </div>
                        }
                    })
            })}
        </Transition>
    }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    let locale = use_locale();
    view! { <footer class="site-footer">{locale.t("footer-text")}</footer> }
}
