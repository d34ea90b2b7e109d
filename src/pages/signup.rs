//! `/signup`: completing the profile after a first social login.

use leptos::prelude::*;

use crate::components::avatar::Avatar;
use leptos_meta::Title;

use crate::components::form::{
    DisplayNameField, EmailField, FieldError, FormAlert, initial_value, last_error,
};
use crate::components::site_info::use_site_info;
use crate::i18n::use_locale;
use crate::model::{ServerError, SignupDraft, UsernameCheck};

/// The pending first login of this session; with none, the page sends the person to sign in.
#[server(endpoint = "signup/draft")]
pub async fn get_signup_draft() -> Result<Option<SignupDraft>, ServerError> {
    use crate::server_fn::{app_state, fail, redirect_page, session, unexpected};

    let app = app_state()?;
    let session = session().await?;
    let draft = app
        .auth
        .signup_draft(&session)
        .await
        .map_err(|e| fail(unexpected("cannot prepare the profile form", e)))?;
    if draft.is_none() {
        redirect_page("/login");
    }
    Ok(draft)
}

/// Whether a username is free. Only answered for a session completing its profile.
#[server(endpoint = "signup/check_username")]
pub async fn check_username(username: String) -> Result<UsernameCheck, ServerError> {
    use crate::auth::SignupError;
    use crate::server_fn::{app_state, fail, session, unexpected};

    let app = app_state()?;
    let session = session().await?;
    app.auth
        .check_username(&session, &username)
        .await
        .map_err(|e| match e {
            // Not a failure of ours: this session has no profile to complete.
            SignupError::NothingPending => fail(ServerError::Expired),
            other => fail(unexpected("cannot check a username", other)),
        })
}

/// Creates the account and signs it in, then goes where the sign-in was headed.
#[server(endpoint = "signup/complete")]
pub async fn complete_signup(
    username: String,
    display_name: String,
    email: String,
) -> Result<(), ServerError> {
    use crate::auth::{SignupError, SignupForm};
    use crate::model::FieldErrors;
    use crate::server_fn::{app_state, redirect, refuse, session, unexpected};

    let outcome = async {
        let app = app_state()?;
        let session = session().await?;
        let form = SignupForm {
            username: &username,
            display_name: &display_name,
            email: &email,
        };
        app.auth
            .complete_signup(&session, form)
            .await
            .map_err(|e| match e {
                SignupError::NothingPending => ServerError::Expired,
                SignupError::Invalid(problems) => {
                    let mut fields = FieldErrors::default();
                    for (field, key) in problems {
                        fields.add(field, key);
                    }
                    fields.keep("username", &username);
                    fields.keep("display_name", &display_name);
                    fields.keep("email", &email);
                    ServerError::Invalid(fields)
                }
                other => unexpected("cannot complete a profile", other),
            })
    }
    .await;
    match outcome {
        Ok(next) => {
            redirect(next.as_str());
            Ok(())
        }
        Err(error) => Err(refuse(
            error,
            <CompleteSignup as leptos::server_fn::ServerFn>::PATH,
            "/signup",
        )),
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let locale = use_locale();
    let draft = Resource::new(|| (), |_| get_signup_draft());
    let site = use_site_info();

    view! {
        <Title text=locale.t("signup-title")/>
        <section class="card signup-card">
            <h1>{locale.t("signup-title")}</h1>
            <Suspense fallback=move || view! { <p class="loading" aria-busy="true"></p> }>
                {move || Suspend::new(async move {
                    let providers = site.await.map(|info| info.providers).unwrap_or_default();
                    match draft.await {
                        Ok(Some(draft)) => view! { <SignupForm draft providers/> }.into_any(),
                        Ok(None) => {
                            view! {
                                <p>{locale.t("signup-nothing-pending")}</p>
                                <a class="button" href="/login">{locale.t("nav-sign-in")}</a>
                            }
                                .into_any()
                        }
                        Err(_) => view! { <p class="alert" role="alert">{locale.t("error-body")}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SignupForm(
    draft: SignupDraft,
    /// Every offered provider, for "I already have an account".
    providers: Vec<String>,
) -> impl IntoView {
    let locale = use_locale();
    let provider_name = locale.t(&format!("provider-{}", draft.provider));
    let intro = locale.t_with(
        "signup-intro",
        &[
            ("provider", provider_name),
            ("nickname", draft.nickname.clone()),
        ],
    );

    view! {
        <div class="signup-identity">
            <Avatar src=draft.avatar_url.clone() name=draft.nickname.clone() size=48/>
            <p data-nickname=draft.nickname.clone()>{intro}</p>
        </div>
        <ProfileCompletion username=draft.username display_name=draft.display_name/>
        <div class="existing-account">
            <h2>{locale.t("signup-existing-title")}</h2>
            <p>{locale.t("signup-existing-body")}</p>
            <ul class="provider-links">
                {providers
                    .into_iter()
                    .map(|id| {
                        let label = locale.t(&format!("provider-{id}"));
                        view! {
                            <li>
                                <a
                                    href=format!("/auth/{id}/start?attach=1")
                                    rel="external"
                                    data-attach=id.clone()
                                >
                                    {label}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}

/// The form itself, an island: it checks the username as the person types, and a refusal
/// shows beside its fields with what was typed kept. Without the wasm it posts as a plain form
/// and the refusal comes back in the page's URL.
// An island in the full bundle only: the sign-in pages' lighter bundle leaves it out.
#[cfg_attr(any(feature = "ssr", feature = "islands-forms"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "islands-forms")), component)]
fn ProfileCompletion(username: String, display_name: String) -> impl IntoView {
    let locale = use_locale();
    let submit = ServerAction::<CompleteSignup>::new();
    let error = last_error(submit);
    let username = initial_value(error, "username", &username);
    let display_name = initial_value(error, "display_name", &display_name);
    let email = initial_value(error, "email", "");
    view! {
        <FormAlert error/>
        <ActionForm action=submit attr:class="profile-form" attr:novalidate=true>
            <UsernameField value=username error/>
            <DisplayNameField value=display_name error/>
            <EmailField value=email error hint=true/>
            <button class="button primary" type="submit" disabled=move || submit.pending().get()>
                {locale.t("signup-submit")}
            </button>
        </ActionForm>
    }
}

/// The username input, with the rules and a live availability check as the person types.
#[component]
fn UsernameField(value: String, error: Signal<Option<ServerError>>) -> impl IntoView {
    let locale = use_locale();
    let check = ServerAction::<CheckUsername>::new();
    let typed = StoredValue::new(0u32);
    let on_input = move |ev: leptos::ev::Event| {
        let username = event_target_value(&ev);
        let generation = typed.get_value().wrapping_add(1);
        typed.set_value(generation);
        // Debounced: only the value the person stopped at is checked, and only while the
        // form is still on the page (the timer may fire after a navigation).
        set_timeout(
            move || {
                if typed.try_get_value() == Some(generation) {
                    check.dispatch(CheckUsername { username });
                }
            },
            std::time::Duration::from_millis(300),
        );
    };
    let status = move || match check.value().get() {
        Some(Ok(UsernameCheck::Available)) => {
            Some(("available", locale.t("field-username-available")))
        }
        Some(Ok(UsernameCheck::Taken)) => Some(("taken", locale.t("field-username-taken"))),
        Some(Ok(UsernameCheck::Invalid(key))) => Some(("invalid", locale.t(&key))),
        _ => None,
    };

    view! {
        <label for="username">{locale.t("field-username")}</label>
        <input
            id="username"
            name="username"
            value=value
            maxlength="32"
            required
            autocomplete="username"
            spellcheck="false"
            aria-describedby="username-hint username-check username-error"
            on:input=on_input
        />
        <p class="field-hint" id="username-hint">{locale.t("field-username-hint")}</p>
        <p class="username-check" id="username-check" aria-live="polite">
            {move || {
                status()
                    .map(|(state, text)| view! { <span data-username-check=state>{text}</span> })
            }}
        </p>
        <FieldError field="username" error/>
    }
}
