//! The HTML shell and the routes of the Leptos app.

use leptos::prelude::*;
use leptos_meta::{Meta, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::assets::AssetNames;
use crate::components::layout::{SimulatorBanner, SiteFooter, SiteHeader};
use crate::components::site_info::provide_site_info;
use crate::components::user_menu::SessionChanged;
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
    let assets = use_context::<AssetNames>().unwrap_or_default();
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

/// Loads the bundle under its fingerprinted names and hydrates the page (Leptos's
/// `HydrationScripts` would look for its own hash file beside the server binary).
#[component]
fn Hydration(pkg: String, assets: AssetNames) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    let js = format!("{pkg}/{}", assets.js);
    let wasm = format!("{pkg}/{}", assets.wasm);
    let script = format!(
        "import({js:?}).then(m => m.default({{module_or_path: {wasm:?}}}).then(() => m.hydrate()));"
    );
    view! {
        <link rel="modulepreload" href=js crossorigin=""/>
        <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin=""/>
        <script type="module" nonce=nonce>{script}</script>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let locale = request_locale();
    provide_context(locale);
    // What the site offers (providers, simulation): fetched once per page, shared by the
    // banner and the login page.
    provide_site_info();
    provide_context(SessionChanged::new());

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
