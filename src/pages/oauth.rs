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

/// Lets the confirmation's form end at `after`, when a client registered it as where to go
/// after signing out (the logout route checks it again, for that client, when posted).
#[server(endpoint = "oauth/logout_target")]
pub async fn logout_target(after: Option<String>) -> Result<(), ServerError> {
    use crate::server_fn::{allow_form_target, app_state, unexpected};

    let Some(after) = after else {
        return Ok(());
    };
    let app = app_state()?;
    if app
        .oidc
        .is_post_logout_redirect_uri(&after)
        .await
        .map_err(|e| unexpected("cannot read the clients", e))?
    {
        allow_form_target(&after);
    }
    Ok(())
}

/// `/oauth/logout/confirm?...`: the logout request's own parameters go back with the form.
#[component]
pub fn LogoutConfirmPage() -> impl IntoView {
    let locale = use_locale();
    let location = use_location();
    let after = use_query_map()
        .read_untracked()
        .get("post_logout_redirect_uri");
    // Read with the page, so that the policy allowing the form's way out is on its response.
    let target = Resource::new_blocking(move || after.clone(), logout_target);
    let action = move || format!("/oauth/logout/confirmed{}", location.search.get());
    view! {
        <Title text=locale.t("logout-title")/>
        <section class="card login-card">
            <h1>{locale.t("logout-title")}</h1>
            <p>{locale.t("logout-intro")}</p>
            <Suspense fallback=move || view! { <p class="loading" aria-busy="true"></p> }>
                {move || Suspend::new(async move {
                    let _ = target.await;
                    view! {
                        <form method="post" action=action class="logout-form">
                            <button class="button primary" type="submit" data-confirm-logout="">
                                {locale.t("logout-confirm")}
                            </button>
                        </form>
                    }
                })}
            </Suspense>
            <p><a href="/account">{locale.t("logout-stay")}</a></p>
        </section>
    }
}
