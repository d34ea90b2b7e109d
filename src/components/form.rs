//! Forms that work before (and without) the wasm: every form is an `ActionForm` posting to a
//! server function. Its errors are one type, [`FormError`], that survives both round trips:
//! as JSON to the hydrated page, and encoded in the page URL when a plain HTML form post is
//! sent back to the page (Leptos reads it back into the action's value).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::app::use_locale;

/// Field problems, as translation keys, and what was typed (so a plain form can be refilled).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors {
    pub errors: Vec<(String, String)>,
    pub values: Vec<(String, String)>,
}

impl FieldErrors {
    pub fn add(&mut self, field: &str, key: &str) {
        self.errors.push((field.to_string(), key.to_string()));
    }

    pub fn keep(&mut self, field: &str, value: &str) {
        // Only enough to refill a form: an overlong field is not echoed in full.
        let value: String = value.chars().take(300).collect();
        self.values.push((field.to_string(), value));
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, key)| key.as_str())
    }

    pub fn value(&self, field: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum FormError {
    #[error("some fields need attention")]
    Invalid(FieldErrors),
    /// A refusal about the whole form, as a translation key (e.g. the last sign-in method).
    #[error("refused: {0}")]
    Refused(String),
    /// The page is out of date: nothing pending, or signed out meanwhile.
    #[error("this page has expired")]
    Expired,
    #[error("server error: {0}")]
    Server(String),
}

impl FromServerFnError for FormError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        FormError::Server(value.to_string())
    }
}

impl FormError {
    pub fn fields(&self) -> Option<&FieldErrors> {
        match self {
            FormError::Invalid(fields) => Some(fields),
            _ => None,
        }
    }

    /// The translation key of the message shown above the form.
    pub fn summary_key(&self) -> &str {
        match self {
            FormError::Invalid(_) => "form-error-fields",
            FormError::Refused(key) => key,
            FormError::Expired => "form-error-expired",
            FormError::Server(_) => "form-error-server",
        }
    }
}

/// The error of a form's last submission, if it failed.
pub fn last_error<S>(action: ServerAction<S>) -> Signal<Option<FormError>>
where
    S: ServerFn<Error = FormError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// What a form field starts with: after a refused plain form post, what the person typed;
/// otherwise `default`.
pub fn initial_value(error: Signal<Option<FormError>>, field: &str, default: &str) -> String {
    error
        .get_untracked()
        .and_then(|e| e.fields().and_then(|f| f.value(field)).map(str::to_string))
        .unwrap_or_else(|| default.to_string())
}

/// The message beside one field, when that field was refused.
#[component]
pub fn FieldError(field: &'static str, error: Signal<Option<FormError>>) -> impl IntoView {
    let locale = use_locale();
    let key = move || {
        error
            .get()
            .and_then(|e| e.fields().and_then(|f| f.error(field)).map(str::to_string))
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
pub fn DisplayNameField(value: String, error: Signal<Option<FormError>>) -> impl IntoView {
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
    error: Signal<Option<FormError>>,
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
pub fn FormAlert(error: Signal<Option<FormError>>) -> impl IntoView {
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

/// Server-side helpers for the server functions behind the forms.
#[cfg(feature = "ssr")]
pub mod server {
    use http::header::{ACCEPT, LOCATION};
    use http::{HeaderValue, StatusCode};
    use leptos::prelude::*;
    use leptos::server_fn::error::ServerFnUrlError;
    use leptos_axum::ResponseOptions;

    use super::FormError;
    use crate::state::AppState;

    /// Whether the request is a plain HTML form post (no wasm), as opposed to a fetch from the
    /// hydrated page.
    pub fn is_plain_form_post() -> bool {
        use_context::<http::request::Parts>()
            .and_then(|p| {
                p.headers
                    .get(ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.contains("text/html"))
            })
            .unwrap_or(false)
    }

    /// Turns a refusal into the right response: a 400 with the error for the hydrated page,
    /// or, for a plain form post, a redirect back to `page` that carries the error in its
    /// URL (replacing the referer-based one Leptos would make, which keeps stale errors).
    pub fn refuse(error: FormError, fn_path: &str, page: &str) -> FormError {
        let Some(response) = use_context::<ResponseOptions>() else {
            return error;
        };
        if is_plain_form_post() {
            let url = ServerFnUrlError::new(fn_path, error.clone())
                .to_url(&format!("http://page.invalid{page}"));
            if let Ok(url) = url {
                let target = match url.query() {
                    Some(query) => format!("{}?{query}", url.path()),
                    None => url.path().to_string(),
                };
                if let Ok(value) = HeaderValue::from_str(&target) {
                    response.insert_header(LOCATION, value);
                }
            }
        } else {
            let status = match &error {
                FormError::Invalid(_) | FormError::Refused(_) => StatusCode::BAD_REQUEST,
                FormError::Expired => StatusCode::UNAUTHORIZED,
                FormError::Server(_) => StatusCode::SERVICE_UNAVAILABLE,
            };
            response.set_status(status);
        }
        error
    }

    pub fn app_state() -> Result<AppState, FormError> {
        use_context::<AppState>()
            .ok_or_else(|| FormError::Server("application state is missing".into()))
    }

    pub async fn session() -> Result<tower_sessions::Session, FormError> {
        leptos_axum::extract::<tower_sessions::Session>()
            .await
            .map_err(|e| FormError::Server(e.to_string()))
    }

    /// Logs an unexpected failure and gives the person a generic message.
    pub fn unexpected(context: &str, error: impl std::fmt::Display) -> FormError {
        tracing::error!(error = %error, "{context}");
        FormError::Server("unexpected".to_string())
    }
}
