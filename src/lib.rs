//! Denglu: sign in with WeChat, QQ and Sina Weibo.
//!
//! The same crate is the server (feature `ssr`) and the browser app (feature `hydrate`).

pub mod app;
pub mod assets;
pub mod components;
pub mod i18n;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod audit;
#[cfg(feature = "ssr")]
pub mod auth;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod client;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod console;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod defences;
#[cfg(feature = "ssr")]
pub mod doctor;
#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod error;
#[cfg(feature = "ssr")]
pub mod fallback;
#[cfg(feature = "ssr")]
pub mod metrics;
#[cfg(feature = "ssr")]
pub mod oidc;
#[cfg(feature = "ssr")]
pub mod qr;
#[cfg(feature = "ssr")]
pub mod random;
#[cfg(feature = "ssr")]
pub mod rate_limit;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod server_fn;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod telemetry;

/// The browser entry point: hydrates the server-rendered page, then marks the body so that
/// end-to-end tests (and CSS) know the page is interactive.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Set before the router sets its own (the first hook set is the one kept): a server
    // function that sends the browser somewhere other than one of our pages (the way back to
    // a site signing in through Denglu, say) must load it for real, not draw a 404 in place.
    let _ = leptos::server_fn::redirect::set_redirect_hook(follow_server_redirect);
    leptos::mount::hydrate_body(app::App);
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        // Nothing useful to do if this fails: the page works, the marker is only a signal.
        let _ = body.set_attribute("data-hydrated", "");
    }
}

/// A server function's redirect: our own pages through the router (a click on a link, which
/// it intercepts), anything else as a real page load.
#[cfg(feature = "hydrate")]
fn follow_server_redirect(location: &str) {
    use wasm_bindgen::JsCast;
    let location = location.to_string();
    // A tick later, as the router does, so that the action's value lands first.
    leptos::prelude::request_animation_frame(move || {
        let Some(window) = web_sys::window() else {
            return;
        };
        if !model::paths::is_page(&location) {
            let _ = window.location().set_href(&location);
            return;
        }
        let link = window
            .document()
            .and_then(|d| d.create_element("a").ok())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        match (link, window.document().and_then(|d| d.body())) {
            (Some(link), Some(body)) => {
                let _ = link.set_attribute("href", &location);
                let _ = body.append_child(&link);
                link.click();
                link.remove();
            }
            _ => {
                let _ = window.location().set_href(&location);
            }
        }
    });
}
