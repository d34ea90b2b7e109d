//! Forms that work before (and without) the wasm: every form is an `ActionForm` posting to a
//! server function. Its errors are one type, [`ServerError`], that survives both round trips:
//! as JSON to a form that is an island (hydrated), and encoded in the page URL when a plain HTML form post is
//! sent back to the page (Leptos reads it back into the action's value). Anyone can write
//! such a URL, so what a page takes from one is message keys it knows, never field values.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::i18n::use_locale;
use crate::model::ServerError;

/// The error of a form's last submission, if it failed.
pub fn last_error<S>(action: ServerAction<S>) -> Signal<Option<ServerError>>
where
    S: ServerFn<Error = ServerError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        let error = action.value().get().and_then(Result::err)?;
        // Before this page has submitted anything, the error was read from its URL.
        let from_url = action.version().get() == 0;
        Some(if from_url { error.keys_only() } else { error })
    })
}

/// What a form field starts with: after a refusal seen by a hydrated island, what the person
/// typed; otherwise (a plain form post sent back, or nothing refused) `default`.
pub fn initial_value(error: Signal<Option<ServerError>>, field: &str, default: &str) -> String {
    error
        .get_untracked()
        .and_then(|e| e.fields().and_then(|f| f.value(field)).map(str::to_string))
        .unwrap_or_else(|| default.to_string())
}

/// The message beside one field, when that field was refused.
#[component]
pub fn FieldError(field: &'static str, error: Signal<Option<ServerError>>) -> impl IntoView {
    let locale = use_locale();
    // Only our own messages about this very field (`field-display-name-…`).
    let prefix = format!("field-{}-", field.replace('_', "-"));
    let key = move || {
        error
            .get()
            .and_then(|e| e.fields().and_then(|f| f.error(field)).map(str::to_string))
            .filter(|key| key.starts_with(&prefix) && locale.knows(key))
    };
    view! {
        {move || {
            key()
                .map(|key| {
                    view! {
                        <p class="field-error" id=format!("{field}-error") role="alert" data-field-error=field>
                            {locale.t(&key)}
                        </p>
                    }
                })
        }}
    }
}

/// The display name input, the same wherever a profile is edited (64 characters, as the
/// server checks).
#[component]
pub fn DisplayNameField(value: String, error: Signal<Option<ServerError>>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <label for="display_name">{locale.t("field-display-name")}</label>
        <input
            id="display_name"
            name="display_name"
            value=value
            maxlength="64"
            required
            aria-describedby="display_name-error"
        />
        <FieldError field="display_name" error/>
    }
}

/// The optional email input (254 characters, as the server checks), with an explanation
/// under it when `hint` is set.
#[component]
pub fn EmailField(
    value: String,
    error: Signal<Option<ServerError>>,
    #[prop(optional)] hint: bool,
) -> impl IntoView {
    let locale = use_locale();
    let described_by = if hint {
        "email-hint email-error"
    } else {
        "email-error"
    };
    view! {
        <label for="email">{locale.t("field-email")}</label>
        <input
            id="email"
            name="email"
            type="email"
            value=value
            maxlength="254"
            autocomplete="email"
            aria-describedby=described_by
        />
        {hint.then(|| view! { <p class="field-hint" id="email-hint">{locale.t("field-email-hint")}</p> })}
        <FieldError field="email" error/>
    }
}

/// The message above a form, when its last submission failed.
#[component]
pub fn FormAlert(error: Signal<Option<ServerError>>) -> impl IntoView {
    let locale = use_locale();
    view! {
        {move || {
            error
                .get()
                .map(|e| {
                    view! {
                        <div class="alert" role="alert" data-form-error=e.summary_key().to_string()>
                            {locale.t(e.summary_key())}
                        </div>
                    }
                })
        }}
    }
}
