//! The console's page shell (its own header and navigation, the site's stylesheet, no
//! scripts) and the small pieces its pages share.

use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use http::header::{ACCEPT_LANGUAGE, CACHE_CONTROL, COOKIE};
use http::{HeaderMap, HeaderValue, StatusCode};
use leptos::prelude::*;

use crate::i18n::{LANG_COOKIE, Locale, cookie_value};
use crate::state::AppState;

/// The visitor's language, as the site's pages negotiate it.
pub fn locale_of(headers: &HeaderMap) -> Locale {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let cookie = header(COOKIE).and_then(|c| cookie_value(c, LANG_COOKIE));
    Locale::negotiate(cookie, header(ACCEPT_LANGUAGE))
}

/// The console's sections, for the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Dashboard,
    People,
    Audit,
}

/// Where a console page is shown: the visitor's language and the site's stylesheet.
#[derive(Debug, Clone)]
pub struct Frame {
    pub locale: Locale,
    /// The stylesheet's URL (fingerprinted).
    pub stylesheet: String,
}

impl Frame {
    pub fn new(locale: Locale, app: &AppState) -> Self {
        Self {
            locale,
            stylesheet: format!("/{}/{}", app.leptos_options.site_pkg_dir, app.assets.css),
        }
    }
}

/// A whole console page: never stored by any cache (it shows people's data).
pub fn page(
    frame: &Frame,
    section: Option<Section>,
    title: String,
    body: impl IntoView + 'static,
) -> Response {
    respond(StatusCode::OK, shell(frame, section, title, body))
}

fn respond(status: StatusCode, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn shell(
    frame: &Frame,
    section: Option<Section>,
    title: String,
    body: impl IntoView + 'static,
) -> String {
    let locale = frame.locale;
    let stylesheet = frame.stylesheet.clone();
    let nav = |target: Section, href: &'static str, key: &str| {
        let current = (section == Some(target)).then_some("page");
        view! { <a href=href aria-current=current>{locale.t(key)}</a> }
    };
    let full_title = format!("{title} · {}", locale.t("console-name"));
    let html = view! {
        <html lang=locale.tag()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="robots" content="noindex"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href=stylesheet/>
                <title>{full_title}</title>
            </head>
            <body class="console-body">
                <header class="site-header console-header">
                    <a class="brand" href="/admin">
                        <span class="brand-name">{locale.t("console-name")}</span>
                    </a>
                    <nav class="console-nav" aria-label=locale.t("console-nav")>
                        {nav(Section::Dashboard, "/admin", "console-nav-dashboard")}
                        {nav(Section::People, "/admin/people", "console-nav-people")}
                        {nav(Section::Audit, "/admin/audit", "console-nav-audit")}
                        <a href="/account">{locale.t("nav-account")}</a>
                    </nav>
                </header>
                <main class="console">
                    <h1>{title}</h1>
                    {body}
                </main>
            </body>
        </html>
    }
    .to_html();
    format!("<!DOCTYPE html>{html}")
}

/// The 404 page, for addresses that are not there and for visitors the console is not for.
pub fn not_found(frame: &Frame) -> Response {
    let locale = frame.locale;
    let body = view! {
        <section class="card not-found">
            <p class="big-code" aria-hidden="true">"404"</p>
            <p>{locale.t("not-found-body")}</p>
            <a class="button" href="/login">{locale.t("not-found-home")}</a>
        </section>
    };
    respond(
        StatusCode::NOT_FOUND,
        shell(frame, None, locale.t("not-found-title"), body),
    )
}

/// The database did not answer.
pub fn outage(frame: &Frame) -> Response {
    let locale = frame.locale;
    let body = view! { <p class="alert" role="alert">{locale.t("console-outage")}</p> };
    respond(
        StatusCode::SERVICE_UNAVAILABLE,
        shell(frame, None, locale.t("console-name"), body),
    )
}

/// "Sign in again to make changes", when the last sign-in is too old for them.
pub fn fresh_notice(locale: Locale, fresh: bool, back_to: &str) -> impl IntoView + use<> {
    let href = format!(
        "/login?next={}",
        url::form_urlencoded::byte_serialize(back_to.as_bytes()).collect::<String>()
    );
    (!fresh).then(|| {
        view! {
            <p class="notice console-fresh" data-fresh-needed="">
                {locale.t("console-fresh-needed")}
                " "
                <a href=href>{locale.t("console-sign-in-again")}</a>
            </p>
        }
    })
}

/// A time in UTC, to the minute.
pub fn minute(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A provider's name in the visitor's language.
pub fn provider_name(locale: Locale, provider: &str) -> String {
    let key = format!("provider-{provider}");
    let name = locale.t(&key);
    if name == key {
        provider.to_string()
    } else {
        name
    }
}
