//! The page for any address the app does not know, served with status 404.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::use_locale;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let locale = use_locale();
    view! {
        <Title text=locale.t("not-found-title")/>
        <section class="card not-found">
            <p class="big-code" aria-hidden="true">"404"</p>
            <h1>{locale.t("not-found-title")}</h1>
            <p>{locale.t("not-found-body")}</p>
            <a class="button" href="/login">{locale.t("not-found-home")}</a>
        </section>
    }
}
