//! The HTML shell and the routes of the Leptos app.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_meta::{Meta, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::assets::AssetNames;
use crate::components::layout::{SimulatorBanner, SiteFooter, SiteHeader};
use crate::components::site_info::provide_site_info;
use crate::i18n::request_locale;
use crate::pages::account::AccountPage;
use crate::pages::login::LoginPage;
use crate::pages::not_found::NotFoundPage;
use crate::pages::oauth::{ConsentPage, LogoutConfirmPage};
use crate::pages::qr_confirm::QrConfirmPage;
use crate::pages::qr_login::QrLoginPage;
use crate::pages::signup::SignupPage;

/// The whole document, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let locale = request_locale();
    let assets = use_context::<Arc<AssetNames>>().unwrap_or_default();
    let pkg = format!("/{}", options.site_pkg_dir);
    view! {
        <!DOCTYPE html>
        <html lang=locale.tag()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href=format!("{pkg}/{}", assets.css)/>
                <AutoReload options=options.clone()/>
                <Hydration pkg assets/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Hydrates the page's islands with the lightest bundle that has them all, loaded under its
/// fingerprinted names (Leptos's `HydrationScripts` would look for its own hash file beside the
/// server binary). A page without islands loads no wasm at all. The body is marked
/// `data-hydrated` once the page is interactive (the end-to-end tests and the page-weight
/// benchmark wait for it), or `data-hydration-failed` with what failed.
#[component]
fn Hydration(pkg: String, assets: Arc<AssetNames>) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    let bundles: Vec<_> = assets
        .bundles
        .iter()
        .map(|b| {
            serde_json::json!({
                "js": format!("{pkg}/{}", b.js),
                "wasm": format!("{pkg}/{}", b.wasm),
                "islands": b.islands,
            })
        })
        .collect();
    // JSON inside a script: `<` escaped, so that nothing in it can close the element.
    let bundles = serde_json::to_string(&bundles)
        .unwrap_or_else(|_| "[]".into())
        .replace('<', "\\u003c");
    let script = format!("const bundles={bundles};\n{}", &*ISLANDS_SCRIPT);
    view! { <script type="module" nonce=nonce>{script}</script> }
}

/// `islands.js` as pages carry it: without its comment lines.
static ISLANDS_SCRIPT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    include_str!("islands.js")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
});

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let locale = request_locale();
    provide_context(locale);
    // What the site offers (providers, simulation): fetched once per page, shared by the
    // banner and the login page.
    provide_site_info();

    view! {
        <Title formatter=move |title: String| format!("{title} · {}", locale.t("app-name"))/>
        <Meta name="description" content=locale.t("meta-description")/>
        <Router>
            <SimulatorBanner/>
            <SiteHeader/>
            <main class="page">
                <Routes fallback=NotFoundPage>
                    // Async: each page is sent whole, with its data, so it works without the
                    // wasm (streamed parts would need a script to appear), and /signup and
                    // /account can still answer 302 when there is nothing for them to show.
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=SignupPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                    // The QR pages: the desktop's ticket is kept in the session (saved when the
                    // response starts), and the phone's page works in WeChat before the wasm.
                    <Route path=path!("/login/qr") view=QrLoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/qr/:ticket/confirm") view=QrConfirmPage ssr=SsrMode::Async/>
                    // A site signing someone in through Denglu: consent, and signing out.
                    <Route path=path!("/oauth/consent") view=ConsentPage ssr=SsrMode::Async/>
                    <Route path=path!("/oauth/logout/confirm") view=LogoutConfirmPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <SiteFooter/>
        </Router>
    }
}
