//! `/login/qr`: sign in on this computer by scanning our own QR code with WeChat.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::qr_panel::{QrTicketPanel, ticket_resource};
use crate::i18n::use_locale;

#[component]
pub fn QrLoginPage() -> impl IntoView {
    let locale = use_locale();
    // Where to go once signed in (a site waiting for this sign-in, say).
    let next = use_query_map().read_untracked().get("next");
    let ticket = ticket_resource(next.clone());
    view! {
        <Title text=locale.t("qr-title")/>
        <section class="card qr-card">
            <h1>{locale.t("qr-title")}</h1>
            <p class="subtitle">{locale.t("qr-subtitle")}</p>
            <QrTicketPanel ticket next/>
            <p class="fineprint">{locale.t("qr-safety")}</p>
            <p class="fineprint"><a href="/login">{locale.t("qr-other-methods")}</a></p>
        </section>
    }
}
