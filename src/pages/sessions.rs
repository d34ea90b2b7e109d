//! "Where you're signed in", on the account page: every session of the person, with the
//! device and network it was last used from and how it signed in; any can be ended, or all
//! but this one.

use leptos::prelude::*;

use crate::components::form::{FormAlert, last_error};
use crate::i18n::use_locale;
use crate::model::{DeviceSession, ServerError, utc_minute};

/// Where a plain form post goes back to.
#[cfg(feature = "ssr")]
const PAGE: &str = "/account";

#[server(endpoint = "account/sessions")]
pub async fn get_sessions() -> Result<Vec<DeviceSession>, ServerError> {
    use crate::server_fn::{app_state, fail, session, signed_in, unexpected};

    let app = app_state()?;
    // Signed out: nothing to list (the account page itself sends the person to sign in).
    let who = match signed_in(&app).await {
        Ok(who) => who,
        Err(ServerError::Expired) => return Ok(Vec::new()),
        Err(e) => return Err(fail(e)),
    };
    let viewer = session().await?;
    app.auth
        .sessions_of(&who, &viewer)
        .await
        .map_err(|e| fail(unexpected("cannot list sessions", e)))
}

#[server(endpoint = "account/end_session")]
pub async fn end_session(session_id: i64) -> Result<(), ServerError> {
    use crate::server_fn::{answer_form, app_state, signed_in, unexpected};

    let outcome = async {
        let app = app_state()?;
        let who = signed_in(&app).await?;
        app.auth
            .end_session(&who, session_id)
            .await
            .map(|_| ())
            .map_err(|e| unexpected("cannot end a session", e))
    }
    .await;
    answer_form(
        outcome,
        <EndSession as leptos::server_fn::ServerFn>::PATH,
        PAGE,
    )
}

#[server(endpoint = "account/end_other_sessions")]
pub async fn end_other_sessions() -> Result<(), ServerError> {
    use crate::server_fn::{answer_form, app_state, session, signed_in, unexpected};

    let outcome = async {
        let app = app_state()?;
        let who = signed_in(&app).await?;
        let viewer = session().await?;
        app.auth
            .end_other_sessions(&who, &viewer)
            .await
            .map(|_| ())
            .map_err(|e| unexpected("cannot end sessions", e))
    }
    .await;
    answer_form(
        outcome,
        <EndOtherSessions as leptos::server_fn::ServerFn>::PATH,
        PAGE,
    )
}

/// After unlinking a method: ends the other sessions it had signed in.
#[server(endpoint = "account/end_sessions_of")]
pub async fn end_sessions_signed_in_with(provider: String) -> Result<(), ServerError> {
    use crate::server_fn::{answer_form, app_state, session, signed_in, unexpected};

    let outcome = async {
        let app = app_state()?;
        let who = signed_in(&app).await?;
        let viewer = session().await?;
        app.auth
            .end_sessions_signed_in_with(&who, &viewer, &provider)
            .await
            .map(|_| ())
            .map_err(|e| unexpected("cannot end sessions", e))
    }
    .await;
    answer_form(
        outcome,
        <EndSessionsSignedInWith as leptos::server_fn::ServerFn>::PATH,
        PAGE,
    )
}

/// The list, read with the rest of the account page (one resource at the page's top).
pub fn sessions_resource() -> Resource<Result<Vec<DeviceSession>, ServerError>> {
    Resource::new(|| (), |_| get_sessions())
}

#[component]
pub fn SessionsSection(
    sessions: Vec<DeviceSession>,
    end_one: ServerAction<EndSession>,
    end_others: ServerAction<EndOtherSessions>,
) -> impl IntoView {
    let locale = use_locale();
    let end_one_error = last_error(end_one);
    let end_others_error = last_error(end_others);
    let others = sessions.iter().filter(|s| !s.current).count();
    view! {
        <h2>{locale.t("account-sessions-title")}</h2>
        <FormAlert error=end_one_error/>
        <FormAlert error=end_others_error/>
        <ul class="sessions">
            {sessions
                .into_iter()
                .map(|session| view! { <SessionRow session end_one/> })
                .collect_view()}
        </ul>
        {(others > 0)
            .then(|| {
                view! {
                    <ActionForm action=end_others attr:class="end-others-form">
                        <button class="button small danger" type="submit" data-end-others="">
                            {locale.t("account-sessions-end-others")}
                        </button>
                    </ActionForm>
                }
            })}
    }
}

#[component]
fn SessionRow(session: DeviceSession, end_one: ServerAction<EndSession>) -> impl IntoView {
    let locale = use_locale();
    let device = session
        .agent
        .clone()
        .unwrap_or_else(|| locale.t("account-session-unknown-device"));
    let method = session
        .method
        .as_deref()
        .map(|m| locale.t(&format!("provider-{m}")))
        .unwrap_or_default();
    let facts = locale.t_with(
        "account-session-facts",
        &[
            ("method", method),
            ("since", utc_minute(&session.signed_in_at)),
            ("seen", utc_minute(&session.last_seen_at)),
        ],
    );
    let network = session
        .network
        .clone()
        .map(|network| locale.t_with("account-session-network", &[("network", network)]));
    let id = session.id.to_string();
    let marker = id.clone();
    view! {
        <li class="session" data-session=marker data-current=session.current.then_some("")>
            <div class="session-text">
                <span class="session-device">
                    {device}
                    {session
                        .current
                        .then(|| view! { <span class="badge">{locale.t("account-session-this-device")}</span> })}
                </span>
                <span class="session-facts">{facts}</span>
                {network.map(|text| view! { <span class="session-network">{text}</span> })}
            </div>
            {(!session.current)
                .then(|| {
                    view! {
                        <ActionForm action=end_one>
                            <input type="hidden" name="session_id" value=id/>
                            <button class="button small" type="submit" data-end-session="">
                                {locale.t("account-session-end")}
                            </button>
                        </ActionForm>
                    }
                })}
        </li>
    }
}
