//! The pages Denglu shows while a site signs someone in through it: the consent page (a
//! third-party site asks for the person's details) and the sign-out confirmation (a site asked
//! to sign the person out without proving it is theirs). Both post plain forms to the routes
//! in `routes::oidc`, so they work without the wasm.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

use crate::i18n::use_locale;
use crate::model::{ConsentView, ServerError};

#[server(endpoint = "oauth/consent")]
pub async fn get_consent(request: String) -> Result<Option<ConsentView>, ServerError> {
    use crate::server_fn::{app_state, session};

    let app = app_state()?;
    let session = session().await?;
    let view = app.oidc.consent_view(&session, &request).await;
    // "Allow" and "Don't allow" both end at the site.
    if let Some(view) = &view {
        crate::server_fn::allow_form_target(&view.client_origin);
    }
    Ok(view)
}

#[component]
pub fn ConsentPage() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let request = move || query.read().get("request").unwrap_or_default();
    let view_data = Resource::new(request, get_consent);
    view! {
        <Title text=locale.t("consent-title")/>
        <section class="card login-card consent-card">
            <Suspense fallback=move || view! { <p class="loading" aria-busy="true"></p> }>
                {move || Suspend::new(async move {
                    match view_data.await {
                        Ok(Some(consent)) => view! { <ConsentForm consent request=request()/> }.into_any(),
                        Ok(None) => {
                            view! {
                                <h1>{locale.t("oauth-error-title")}</h1>
                                <p data-oauth-error="oauth-error-expired">{locale.t("oauth-error-expired")}</p>
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
fn ConsentForm(consent: ConsentView, request: String) -> impl IntoView {
    let locale = use_locale();
    let heading = locale.t_with("consent-heading", &[("app", consent.client_name.clone())]);
    let host = locale.t_with("consent-host", &[("host", consent.client_host.clone())]);
    view! {
        <h1 data-consent-client=consent.client_name.clone()>{heading}</h1>
        <p class="subtitle">{host}</p>
        <p>{locale.t("consent-intro")}</p>
        <ul class="scopes">
            {consent
                .scopes
                .iter()
                .map(|scope| {
                    view! { <li data-scope=scope.clone()>{locale.t(&format!("scope-{scope}"))}</li> }
                })
                .collect_view()}
        </ul>
        <form method="post" action="/oauth/consent/decide" class="consent-form">
            <input type="hidden" name="request" value=request/>
            <button class="button primary" type="submit" name="decision" value="allow">
                {locale.t("consent-allow")}
            </button>
            <button class="button" type="submit" name="decision" value="deny">
                {locale.t("consent-deny")}
            </button>
        </form>
        <p class="hint">{locale.t("consent-revoke-hint")}</p>
    }
}

/// `/oauth/logout/confirm?...`: the logout request's own parameters go back with the form.
#[component]
pub fn LogoutConfirmPage() -> impl IntoView {
    let locale = use_locale();
    let location = use_location();
    // The form ends at the site's registered address (checked when it is posted).
    #[cfg(feature = "ssr")]
    if let Some(after) = use_query_map()
        .read_untracked()
        .get("post_logout_redirect_uri")
    {
        crate::server_fn::allow_form_target(&after);
    }
    let action = move || format!("/oauth/logout/confirmed{}", location.search.get());
    view! {
        <Title text=locale.t("logout-title")/>
        <section class="card login-card">
            <h1>{locale.t("logout-title")}</h1>
            <p>{locale.t("logout-intro")}</p>
            <form method="post" action=action class="logout-form">
                <button class="button primary" type="submit" data-confirm-logout="">
                    {locale.t("logout-confirm")}
                </button>
            </form>
            <p><a href="/account">{locale.t("logout-stay")}</a></p>
        </section>
    }
}
