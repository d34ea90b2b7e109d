//! "Apps with access", on the account page: the sites the person let in through Denglu, each
//! with a button that takes the access back and ends the tokens the site holds.

use leptos::prelude::*;

use crate::components::form::{FormAlert, last_error};
use crate::i18n::use_locale;
use crate::model::{AppAccess, ServerError, utc_minute};

#[cfg(feature = "ssr")]
const PAGE: &str = "/account";

#[server(endpoint = "account/apps")]
pub async fn get_apps() -> Result<Vec<AppAccess>, ServerError> {
    use crate::server_fn::{app_state, fail, signed_in, unexpected};

    let app = app_state()?;
    let who = match signed_in(&app).await {
        Ok(who) => who,
        Err(ServerError::Expired) => return Ok(Vec::new()),
        Err(e) => return Err(fail(e)),
    };
    app.oidc
        .apps_of(who.user_id())
        .await
        .map_err(|e| fail(unexpected("cannot list apps", e)))
}

#[server(endpoint = "account/revoke_app")]
pub async fn revoke_app(client_id: String) -> Result<(), ServerError> {
    use crate::server_fn::{answer_form, app_state, signed_in, unexpected};

    let outcome = async {
        let app = app_state()?;
        let who = signed_in(&app).await?;
        app.oidc
            .revoke_app(who.user_id(), &client_id)
            .await
            .map(|_| ())
            .map_err(|e| unexpected("cannot revoke an app", e))
    }
    .await;
    answer_form(
        outcome,
        <RevokeApp as leptos::server_fn::ServerFn>::PATH,
        PAGE,
    )
}

/// Read with the rest of the account page (see `sessions_resource`).
pub fn apps_resource() -> Resource<Result<Vec<AppAccess>, ServerError>> {
    Resource::new(|| (), |_| get_apps())
}

#[component]
pub fn AppsSection(apps: Vec<AppAccess>, revoke: ServerAction<RevokeApp>) -> impl IntoView {
    let locale = use_locale();
    let error = last_error(revoke);
    (!apps.is_empty()).then(|| {
        view! {
            <h2>{locale.t("account-apps-title")}</h2>
            <FormAlert error/>
            <ul class="sessions apps">
                {apps
                    .into_iter()
                    .map(|app| {
                        let scopes = app
                            .scopes
                            .iter()
                            .filter(|s| s.as_str() != "openid")
                            .map(|s| locale.t(&format!("scope-{s}-short")))
                            .collect::<Vec<_>>()
                            .join(" · ");
                        let since = locale
                            .t_with("account-app-since", &[("since", utc_minute(&app.granted_at))]);
                        let id = app.client_id.clone();
                        view! {
                            <li class="session" data-app=app.client_id.clone()>
                                <div class="session-text">
                                    <span class="session-device">{app.name.clone()}</span>
                                    <span class="session-facts">{scopes}</span>
                                    <span class="session-network">{since}</span>
                                </div>
                                <ActionForm action=revoke>
                                    <input type="hidden" name="client_id" value=id/>
                                    <button class="button small danger" type="submit" data-revoke-app="">
                                        {locale.t("account-app-revoke")}
                                    </button>
                                </ActionForm>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
    })
}
