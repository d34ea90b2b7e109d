//! A button that starts sign-in with one provider.

use leptos::prelude::*;

use crate::components::href::query_value;
use crate::i18n::use_locale;

/// A plain link to `/auth/{id}/start`: it is a full navigation to the provider, never a
/// client-side route, and it works before the wasm has loaded.
#[component]
pub fn ProviderButton(id: String, next: Option<String>) -> impl IntoView {
    let locale = use_locale();
    let name = locale.t(&format!("provider-{id}"));
    let label = locale.t_with("login-with", &[("provider", name)]);
    let hint = locale.t(&format!("provider-{id}-hint"));
    let href = match next {
        Some(next) => format!("/auth/{id}/start?next={}", query_value(&next)),
        None => format!("/auth/{id}/start"),
    };
    view! {
        <a class=format!("provider-button provider-{id}") href=href rel="external" data-provider=id.clone()>
            <img class="provider-icon" src=format!("/icons/{id}.svg") alt="" width="28" height="28"/>
            <span class="provider-text">
                <span class="provider-label">{label}</span>
                <span class="provider-hint">{hint}</span>
            </span>
        </a>
    }
}
