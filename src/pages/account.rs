//! `/account`: the signed-in person's profile and sign-in methods: edit the profile, link
//! another provider, refresh or unlink one, sign out.

use leptos::prelude::*;

use crate::components::avatar::Avatar;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::form::{DisplayNameField, EmailField, FormAlert, initial_value, last_error};
use crate::components::site_info::use_site_info;
use crate::i18n::use_locale;
use crate::model::{AccountSummary, DeviceSession, ServerError, Unlinked};
use crate::pages::apps::{AppsSection, RevokeApp, apps_resource};
use crate::pages::sessions::{
    EndOtherSessions, EndSession, EndSessionsSignedInWith, SessionsSection, sessions_resource,
};

/// Where a plain form post goes back to.
#[cfg(feature = "ssr")]
const PAGE: &str = "/account";

/// The account of this session; without one, the page sends the person to sign in.
#[server(endpoint = "account/details")]
pub async fn get_account() -> Result<Option<AccountSummary>, ServerError> {
    use crate::server_fn::{app_state, fail, redirect_page, signed_in, unexpected};

    let app = app_state()?;
    let who = match signed_in(&app).await {
        Ok(who) => who,
        Err(ServerError::Expired) => {
            redirect_page("/login?next=/account");
            return Ok(None);
        }
        Err(e) => return Err(fail(e)),
    };
    app.auth
        .account_summary(&who)
        .await
        .map(Some)
        .map_err(|e| fail(unexpected("cannot read the account", e)))
}

#[server(endpoint = "account/profile")]
pub async fn update_profile(display_name: String, email: String) -> Result<(), ServerError> {
    use crate::auth::fields::{DisplayName, Email};
    use crate::model::FieldErrors;
    use crate::server_fn::{answer_form, app_state, signed_in, unexpected};

    let outcome = async {
        let app = app_state()?;
        let who = signed_in(&app).await?;
        let mut fields = FieldErrors::default();
        let name = DisplayName::parse(&display_name)
            .map_err(|key| fields.add("display_name", key))
            .ok();
        let mail = Email::parse_optional(&email)
            .map_err(|key| fields.add("email", key))
            .ok();
        let (Some(name), Some(mail)) = (name, mail) else {
            fields.keep("display_name", &display_name);
            fields.keep("email", &email);
            return Err(ServerError::Invalid(fields));
        };
        app.auth
            .update_profile(&who, &name, mail.as_ref())
            .await
            .map_err(|e| unexpected("cannot update a profile", e))
    }
    .await;
    answer_form(
        outcome,
        <UpdateProfile as leptos::server_fn::ServerFn>::PATH,
        PAGE,
    )
}

#[server(endpoint = "account/unlink")]
pub async fn unlink_identity(identity_id: i64) -> Result<Unlinked, ServerError> {
    use crate::auth::UnlinkOutcome;
    use crate::server_fn::{answer_form_then, app_state, session, signed_in, unexpected};

    let outcome = async {
        let app = app_state()?;
        let who = signed_in(&app).await?;
        let viewer = session().await?;
        match app.auth.unlink(&who, &viewer, identity_id).await {
            Ok(Ok(unlinked)) => Ok(unlinked),
            Ok(Err(UnlinkOutcome::LastMethod)) => {
                Err(ServerError::Refused("account-unlink-last".to_string()))
            }
            Ok(Err(_)) => Err(ServerError::Refused("account-unlink-missing".to_string())),
            Err(e) => Err(unexpected("cannot unlink an identity", e)),
        }
    }
    .await;
    // Back to the page, which offers to end the sessions signed in with the method.
    answer_form_then(
        outcome,
        <UnlinkIdentity as leptos::server_fn::ServerFn>::PATH,
        PAGE,
        |unlinked| match unlinked.sessions {
            0 => PAGE.to_string(),
            _ => format!("{PAGE}?unlinked={}", unlinked.provider),
        },
    )
}

#[server(endpoint = "account/refresh")]
pub async fn refresh_identity(identity_id: i64) -> Result<(), ServerError> {
    use crate::auth::RefreshError;
    use crate::server_fn::{answer_form_then, app_state, signed_in, unexpected};

    let outcome = async {
        let app = app_state()?;
        let who = signed_in(&app).await?;
        match app.auth.refresh_identity(&who, identity_id).await {
            Ok(()) => Ok(()),
            Err(RefreshError::NotFound) => {
                Err(ServerError::Refused("account-unlink-missing".to_string()))
            }
            Err(RefreshError::SignInAgain | RefreshError::Sealed(_)) => {
                Err(ServerError::Refused("account-refresh-sign-in".to_string()))
            }
            Err(RefreshError::Provider(e)) => {
                tracing::warn!(
                    provider = %e.provider(),
                    kind = %e.kind(),
                    code = ?e.code(),
                    error = %e,
                    "profile refresh failed at the provider"
                );
                Err(ServerError::Refused(
                    "account-refresh-unavailable".to_string(),
                ))
            }
            Err(RefreshError::NotConfigured) => Err(ServerError::Refused(
                "account-refresh-unavailable".to_string(),
            )),
            Err(e @ RefreshError::Db(_)) => Err(unexpected("cannot refresh a profile", e)),
        }
    }
    .await;
    answer_form_then(
        outcome,
        <RefreshIdentity as leptos::server_fn::ServerFn>::PATH,
        PAGE,
        |_| format!("{PAGE}?notice=refreshed"),
    )
}

/// Signs out: the server-side session is deleted and its cookie expired.
#[server(endpoint = "account/sign_out")]
pub async fn sign_out() -> Result<(), ServerError> {
    use crate::server_fn::{redirect, refuse, session, unexpected};

    let outcome = async {
        let session = session().await?;
        crate::server_fn::app_state()?
            .auth
            .sign_out(&session)
            .await
            .map_err(|e| unexpected("cannot sign out", e))
    }
    .await;
    match outcome {
        Ok(()) => {
            redirect("/login");
            Ok(())
        }
        Err(e) => Err(refuse(
            e,
            <SignOut as leptos::server_fn::ServerFn>::PATH,
            PAGE,
        )),
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let locale = use_locale();
    let unlink = ServerAction::<UnlinkIdentity>::new();
    let refresh = ServerAction::<RefreshIdentity>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let end_sessions = ServerAction::<EndSessionsSignedInWith>::new();
    let end_one = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let sessions = sessions_resource();
    let revoke_app = ServerAction::<RevokeApp>::new();
    let apps = apps_resource();
    let site = use_site_info();
    let account = Resource::new(|| (), |_| get_account());

    view! {
        <Title text=locale.t("account-title")/>
        <section class="card account-card">
            <h1>{locale.t("account-title")}</h1>
            <AccountNotice/>
            <Transition fallback=move || view! { <p class="loading" aria-busy="true"></p> }>
                {move || Suspend::new(async move {
                    let offered = site.await.map(|info| info.providers).unwrap_or_default();
                    let sessions = sessions.await.unwrap_or_default();
                    let apps = apps.await.unwrap_or_default();
                    match account.await {
                        Ok(Some(account)) => {
                            // Offered providers this account has no identity at yet.
                            let linkable = offered
                                .into_iter()
                                .filter(|id| !account.identities.iter().any(|i| &i.provider == id))
                                .collect();
                            view! {
                                <ProfileSection account=account.clone()/>
                                <IdentitiesSection account linkable unlink refresh/>
                                <UnlinkedSessions sessions=sessions.clone() end_sessions/>
                                <SessionsSection sessions end_one end_others/>
                                <AppsSection apps revoke=revoke_app/>
                                <SignOutSection sign_out/>
                            }
                                .into_any()
                        }
                        Ok(None) => {
                            view! { <a class="button" href="/login?next=/account">{locale.t("nav-sign-in")}</a> }
                                .into_any()
                        }
                        Err(_) => view! { <p class="alert" role="alert">{locale.t("error-body")}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// What the last link attempt did (`/account?notice=linked`, `?error=identity_taken`).
#[component]
fn AccountNotice() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let message = move || {
        let query = query.read();
        match (
            query.get("notice").as_deref(),
            query.get("error").as_deref(),
        ) {
            (_, Some("identity_taken")) => {
                Some(("alert", "identity_taken", "account-error-identity-taken"))
            }
            (_, Some("not_linked")) => Some(("alert", "not_linked", "account-error-not-linked")),
            (Some("linked"), _) => Some(("notice", "linked", "account-notice-linked")),
            (Some("already_linked"), _) => {
                Some(("notice", "already_linked", "account-notice-already-linked"))
            }
            _ => None,
        }
    };
    view! {
        {move || {
            message()
                .map(|(class, kind, key)| {
                    view! {
                        <div class=class role="status" data-account-notice=kind>
                            {locale.t(key)}
                        </div>
                    }
                })
        }}
    }
}

#[component]
fn ProfileSection(account: AccountSummary) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="profile-head">
            <Avatar src=account.avatar_url.clone() name=account.display_name.clone() size=64 large=true/>
            <div>
                <p class="profile-name" data-display-name=account.display_name.clone()>
                    {account.display_name.clone()}
                </p>
                <p class="profile-username" data-username=account.username.clone()>
                    "@"
                    {account.username.clone()}
                </p>
            </div>
        </div>
        <h2>{locale.t("account-profile")}</h2>
        {notice_is("saved")
            .then(|| {
                view! { <div class="notice" role="status" data-saved="profile">{locale.t("account-saved")}</div> }
            })}
        <ProfileForm display_name=account.display_name email=account.email.unwrap_or_default()/>
    }
}

/// The profile form, an island: a refusal shows beside its fields with what was typed kept;
/// once saved, the page loads again (`?notice=saved`), so that the header shows the new name
/// too. Without the wasm it posts as a plain form and comes back to the page.
// An island in the full bundle only: the sign-in pages' lighter bundle leaves it out.
#[cfg_attr(any(feature = "ssr", feature = "islands-forms"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "islands-forms")), component)]
fn ProfileForm(display_name: String, email: String) -> impl IntoView {
    let locale = use_locale();
    let update = ServerAction::<UpdateProfile>::new();
    let error = last_error(update);
    let display_name = initial_value(error, "display_name", &display_name);
    let email = initial_value(error, "email", &email);
    #[cfg(feature = "browser")]
    Effect::new(move |_| {
        if matches!(update.value().get(), Some(Ok(()))) {
            let _ = window().location().set_href(SAVED);
        }
    });
    view! {
        <FormAlert error/>
        <ActionForm action=update attr:class="profile-form" attr:novalidate=true>
            <DisplayNameField value=display_name error/>
            <EmailField value=email error/>
            <button class="button primary" type="submit" disabled=move || update.pending().get()>
                {locale.t("account-save")}
            </button>
        </ActionForm>
    }
}

/// The page again after a saved profile.
#[cfg(feature = "browser")]
const SAVED: &str = "/account?notice=saved";

#[component]
fn IdentitiesSection(
    account: AccountSummary,
    linkable: Vec<String>,
    unlink: ServerAction<UnlinkIdentity>,
    refresh: ServerAction<RefreshIdentity>,
) -> impl IntoView {
    let locale = use_locale();
    let unlink_error = last_error(unlink);
    let refresh_error = last_error(refresh);
    let refreshed = notice_is("refreshed");

    view! {
        <h2>{locale.t("account-identities")}</h2>
        <FormAlert error=unlink_error/>
        <FormAlert error=refresh_error/>
        {refreshed
            .then(|| {
                view! { <div class="notice" role="status" data-saved="refresh">{locale.t("account-refreshed")}</div> }
            })}
        <ul class="identities">
            {account
                .identities
                .into_iter()
                .map(|identity| {
                    let provider_name = locale.t(&format!("provider-{}", identity.provider));
                    let (refresh_id, unlink_id) = (identity.id.to_string(), identity.id.to_string());
                    let (refresh_for, unlink_for) = (identity.provider.clone(), identity.provider.clone());
                    let dates = locale.t_with(
                        "account-identity-dates",
                        &[("linked", identity.linked_on()), ("used", identity.last_used())],
                    );
                    view! {
                        <li class="identity" data-identity=identity.provider.clone()>
                            <img class="provider-icon" src=format!("/icons/{}.svg", identity.provider) alt="" width="28" height="28"/>
                            <Avatar src=identity.avatar_url.clone() name=identity.display_name.clone() size=36/>
                            <div class="identity-text">
                                <span class="identity-provider">{provider_name}</span>
                                <span class="identity-nickname" data-nickname=identity.display_name.clone()>{identity.display_name.clone()}</span>
                                <span class="identity-dates">{dates}</span>
                            </div>
                            <div class="identity-actions">
                                <ActionForm action=refresh>
                                    <input type="hidden" name="identity_id" value=refresh_id/>
                                    <button class="button small" type="submit" data-refresh=refresh_for>
                                        {locale.t("account-refresh")}
                                    </button>
                                </ActionForm>
                                <ActionForm action=unlink>
                                    <input type="hidden" name="identity_id" value=unlink_id/>
                                    <button class="button small danger" type="submit" data-unlink=unlink_for>
                                        {locale.t("account-unlink")}
                                    </button>
                                </ActionForm>
                            </div>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        {(!linkable.is_empty())
            .then(|| {
                view! {
                    <h2>{locale.t("account-link-title")}</h2>
                    <ul class="provider-links">
                        {linkable
                            .into_iter()
                            .map(|id| {
                                let name = locale.t(&format!("provider-{id}"));
                                let label = locale.t_with("account-link-with", &[("provider", name)]);
                                // Both WeChat methods are "WeChat": the hint tells them apart.
                                let hint = locale.t(&format!("provider-{id}-hint"));
                                let title = hint.clone();
                                view! {
                                    <li>
                                        <a class="button" href=format!("/auth/{id}/start?link=1&next=/account") rel="external" data-link=id.clone() title=title>
                                            <img class="provider-icon" src=format!("/icons/{id}.svg") alt="" width="20" height="20"/>
                                            <span>{label}</span>
                                            <span class="provider-hint">{hint}</span>
                                        </a>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
            })}
    }
}

/// After unlinking a method that other sessions signed in with (`?unlinked=qq`): offers to
/// end them, while there are any.
#[component]
fn UnlinkedSessions(
    sessions: Vec<DeviceSession>,
    end_sessions: ServerAction<EndSessionsSignedInWith>,
) -> impl IntoView {
    let locale = use_locale();
    let unlinked = use_query_map().read_untracked().get("unlinked");
    let offer = unlinked.filter(|provider| {
        sessions
            .iter()
            .any(|s| !s.current && s.method.as_ref() == Some(provider))
    });
    offer.map(|provider| {
        let name = locale.t(&format!("provider-{provider}"));
        let marker = provider.clone();
        view! {
            <div class="notice" role="status" data-unlinked-sessions=marker>
                <p>{locale.t_with("account-unlinked-sessions", &[("provider", name)])}</p>
                <ActionForm action=end_sessions>
                    <input type="hidden" name="provider" value=provider/>
                    <button class="button small danger" type="submit">
                        {locale.t("account-unlinked-end")}
                    </button>
                </ActionForm>
            </div>
        }
    })
}

/// Whether the page was loaded with `?notice={kind}`: where a form sends the browser once done.
fn notice_is(kind: &str) -> bool {
    use_query_map().read_untracked().get("notice").as_deref() == Some(kind)
}

#[component]
fn SignOutSection(sign_out: ServerAction<SignOut>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <ActionForm action=sign_out attr:class="sign-out-form">
            <button class="button" type="submit" data-sign-out="">{locale.t("account-sign-out")}</button>
        </ActionForm>
    }
}
