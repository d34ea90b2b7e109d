//! `/account`: the signed-in person's profile and sign-in methods: edit the profile, link
//! another provider, refresh or unlink one, sign out.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::app::use_locale;
use crate::components::form::{
    DisplayNameField, EmailField, FormAlert, FormError, initial_value, last_error,
};
use crate::components::user_menu::SessionChanged;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPage {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    pub identities: Vec<IdentityRow>,
    /// Offered providers this account has no identity at yet.
    pub linkable: Vec<String>,
}

/// One linked sign-in method, as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityRow {
    pub id: i64,
    pub provider: String,
    pub nickname: String,
    pub avatar_url: Option<String>,
    /// `YYYY-MM-DD`, UTC.
    pub linked_on: String,
    /// `YYYY-MM-DD HH:MM`, UTC.
    pub last_used: String,
}

/// Server-side parts shared by this page's server functions.
#[cfg(feature = "ssr")]
mod server {
    use super::FormError;

    /// Where a plain form post goes back to.
    pub const PAGE: &str = "/account";
    use crate::components::form::server::{app_state, session};
    use crate::state::AppState;

    /// The signed-in user, or `Expired` (the page then offers to sign in again).
    pub async fn signed_in() -> Result<(AppState, tower_sessions::Session, i64), FormError> {
        let app = app_state()?;
        let session = session().await?;
        let user_id = crate::auth::session_user::current_user_id(&session)
            .await
            .ok_or(FormError::Expired)?;
        let user = crate::auth::accounts::active_user(&app.db.conn, user_id)
            .await
            .map_err(|e| crate::components::form::server::unexpected("cannot read the user", e))?
            .ok_or(FormError::Expired)?;
        Ok((app, session, user.id))
    }
}

/// The account of this session; without one, the page sends the person to sign in.
#[server(endpoint = "account/details")]
pub async fn get_account() -> Result<Option<AccountPage>, ServerFnError> {
    use crate::auth::accounts;

    let (app, _, user_id) = match server::signed_in().await {
        Ok(found) => found,
        Err(FormError::Expired) => {
            leptos_axum::redirect("/login?next=/account");
            return Ok(None);
        }
        Err(e) => return Err(ServerFnError::new(e)),
    };
    let db = &app.db.conn;
    let unavailable = |e: sea_orm::DbErr| {
        tracing::error!(error = %e, "cannot read the account");
        ServerFnError::new("unavailable")
    };
    let Some(user) = accounts::active_user(db, user_id)
        .await
        .map_err(unavailable)?
    else {
        return Ok(None);
    };
    let identities = accounts::identities_of(db, user_id)
        .await
        .map_err(unavailable)?;
    let linkable = app
        .settings
        .providers
        .iter()
        .map(|p| p.id.as_str())
        .filter(|id| !identities.iter().any(|i| i.provider == *id))
        .map(str::to_string)
        .collect();
    Ok(Some(AccountPage {
        username: user.username,
        display_name: user.display_name,
        email: user.email,
        avatar_url: user.avatar_url,
        identities: identities
            .into_iter()
            .map(|i| IdentityRow {
                id: i.id,
                provider: i.provider,
                nickname: i.display_name,
                avatar_url: i.avatar_url,
                linked_on: i.created_at.format("%Y-%m-%d").to_string(),
                last_used: i.last_login_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            })
            .collect(),
        linkable,
    }))
}

#[server(endpoint = "account/profile")]
pub async fn update_profile(display_name: String, email: String) -> Result<(), FormError> {
    use crate::auth::accounts;
    use crate::auth::fields::{DisplayName, Email};
    use crate::components::form::FieldErrors;
    use crate::components::form::server::{refuse, unexpected};

    let outcome = async {
        let (app, _, user_id) = server::signed_in().await?;
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
            return Err(FormError::Invalid(fields));
        };
        accounts::update_profile(&app.db.conn, user_id, &name, mail.as_ref())
            .await
            .map_err(|e| unexpected("cannot update a profile", e))
    }
    .await;
    outcome.map_err(|e| {
        refuse(
            e,
            <UpdateProfile as leptos::server_fn::ServerFn>::PATH,
            server::PAGE,
        )
    })
}

#[server(endpoint = "account/unlink")]
pub async fn unlink_identity(identity_id: i64) -> Result<(), FormError> {
    use crate::auth::accounts::{self, UnlinkOutcome};
    use crate::components::form::server::{refuse, unexpected};

    let outcome = async {
        let (app, _, user_id) = server::signed_in().await?;
        match accounts::unlink_identity(&app.db.conn, user_id, identity_id).await {
            Ok(UnlinkOutcome::Unlinked) => Ok(()),
            Ok(UnlinkOutcome::LastMethod) => {
                Err(FormError::Refused("account-unlink-last".to_string()))
            }
            Ok(UnlinkOutcome::NotFound) => {
                Err(FormError::Refused("account-unlink-missing".to_string()))
            }
            Err(e) => Err(unexpected("cannot unlink an identity", e)),
        }
    }
    .await;
    outcome.map_err(|e| {
        refuse(
            e,
            <UnlinkIdentity as leptos::server_fn::ServerFn>::PATH,
            server::PAGE,
        )
    })
}

#[server(endpoint = "account/refresh")]
pub async fn refresh_identity(identity_id: i64) -> Result<(), FormError> {
    use crate::auth::refresh::{self, RefreshError};
    use crate::components::form::server::{refuse, unexpected};

    let outcome = async {
        let (app, _, user_id) = server::signed_in().await?;
        match refresh::refresh_identity(&app, user_id, identity_id).await {
            Ok(()) => Ok(()),
            Err(RefreshError::NotFound) => {
                Err(FormError::Refused("account-unlink-missing".to_string()))
            }
            Err(RefreshError::SignInAgain | RefreshError::Sealed(_)) => {
                Err(FormError::Refused("account-refresh-sign-in".to_string()))
            }
            Err(RefreshError::Provider(e)) => {
                tracing::warn!(
                    provider = %e.provider(),
                    kind = %e.kind(),
                    code = ?e.code(),
                    error = %e,
                    "profile refresh failed at the provider"
                );
                Err(FormError::Refused(
                    "account-refresh-unavailable".to_string(),
                ))
            }
            Err(RefreshError::NotConfigured) => Err(FormError::Refused(
                "account-refresh-unavailable".to_string(),
            )),
            Err(e @ RefreshError::Db(_)) => Err(unexpected("cannot refresh a profile", e)),
        }
    }
    .await;
    outcome.map_err(|e| {
        refuse(
            e,
            <RefreshIdentity as leptos::server_fn::ServerFn>::PATH,
            server::PAGE,
        )
    })
}

/// Signs out: the server-side session is deleted and its cookie expired.
#[server(endpoint = "account/sign_out")]
pub async fn sign_out() -> Result<(), FormError> {
    use crate::components::form::server::{refuse, session, unexpected};

    let outcome = async {
        let session = session().await?;
        crate::auth::session_user::sign_out(&session)
            .await
            .map_err(|e| unexpected("cannot sign out", e))
    }
    .await;
    match outcome {
        Ok(()) => {
            leptos_axum::redirect("/login");
            Ok(())
        }
        Err(e) => Err(refuse(
            e,
            <SignOut as leptos::server_fn::ServerFn>::PATH,
            server::PAGE,
        )),
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let locale = use_locale();
    let changed = use_context::<SessionChanged>().unwrap_or_default();
    let update = ServerAction::<UpdateProfile>::new();
    let unlink = ServerAction::<UnlinkIdentity>::new();
    let refresh = ServerAction::<RefreshIdentity>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let account = Resource::new(
        move || {
            (
                changed.track(),
                update.version().get(),
                unlink.version().get(),
                refresh.version().get(),
            )
        },
        |_| get_account(),
    );
    Effect::new(move |_| {
        if matches!(update.value().get(), Some(Ok(())))
            || matches!(sign_out.value().get(), Some(Ok(())))
        {
            changed.notify();
        }
    });

    view! {
        <Title text=locale.t("account-title")/>
        <section class="card account-card">
            <h1>{locale.t("account-title")}</h1>
            <AccountNotice/>
            <Transition fallback=move || view! { <p class="loading" aria-busy="true"></p> }>
                {move || Suspend::new(async move {
                    match account.await {
                        Ok(Some(account)) => {
                            view! {
                                <ProfileSection account=account.clone() update/>
                                <IdentitiesSection account unlink refresh/>
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
fn ProfileSection(account: AccountPage, update: ServerAction<UpdateProfile>) -> impl IntoView {
    let locale = use_locale();
    let error = last_error(update);
    let display_name = initial_value(error, "display_name", &account.display_name);
    let email = initial_value(error, "email", account.email.as_deref().unwrap_or_default());
    let saved = move || matches!(update.value().get(), Some(Ok(())));

    view! {
        <div class="profile-head">
            {account
                .avatar_url
                .clone()
                .map(|src| view! { <img class="avatar large" src=src alt="" width="64" height="64"/> })}
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
        <FormAlert error/>
        {move || {
            saved()
                .then(|| {
                    view! { <div class="notice" role="status" data-saved="profile">{locale.t("account-saved")}</div> }
                })
        }}
        <ActionForm action=update attr:class="profile-form" attr:novalidate=true>
            <DisplayNameField value=display_name error/>
            <EmailField value=email error/>
            <button class="button primary" type="submit" disabled=move || update.pending().get()>
                {locale.t("account-save")}
            </button>
        </ActionForm>
    }
}

#[component]
fn IdentitiesSection(
    account: AccountPage,
    unlink: ServerAction<UnlinkIdentity>,
    refresh: ServerAction<RefreshIdentity>,
) -> impl IntoView {
    let locale = use_locale();
    let unlink_error = last_error(unlink);
    let refresh_error = last_error(refresh);
    let refreshed = move || matches!(refresh.value().get(), Some(Ok(())));

    view! {
        <h2>{locale.t("account-identities")}</h2>
        <FormAlert error=unlink_error/>
        <FormAlert error=refresh_error/>
        {move || {
            refreshed()
                .then(|| {
                    view! { <div class="notice" role="status" data-saved="refresh">{locale.t("account-refreshed")}</div> }
                })
        }}
        <ul class="identities">
            {account
                .identities
                .into_iter()
                .map(|identity| {
                    let provider_name = locale.t(&format!("provider-{}", identity.provider));
                    let (refresh_id, unlink_id) = (identity.id.to_string(), identity.id.to_string());
                    let (refresh_for, unlink_for) = (identity.provider.clone(), identity.provider.clone());
                    view! {
                        <li class="identity" data-identity=identity.provider.clone()>
                            <img class="provider-icon" src=format!("/icons/{}.svg", identity.provider) alt="" width="28" height="28"/>
                            {identity
                                .avatar_url
                                .clone()
                                .map(|src| view! { <img class="avatar" src=src alt="" width="36" height="36"/> })}
                            <div class="identity-text">
                                <span class="identity-provider">{provider_name}</span>
                                <span class="identity-nickname" data-nickname=identity.nickname.clone()>{identity.nickname.clone()}</span>
                                <span class="identity-dates">
                                    {locale.t_with(
                                        "account-identity-dates",
                                        &[("linked", identity.linked_on.clone()), ("used", identity.last_used.clone())],
                                    )}
                                </span>
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
        {(!account.linkable.is_empty())
            .then(|| {
                view! {
                    <h2>{locale.t("account-link-title")}</h2>
                    <ul class="provider-links">
                        {account
                            .linkable
                            .into_iter()
                            .map(|id| {
                                let name = locale.t(&format!("provider-{id}"));
                                let label = locale.t_with("account-link-with", &[("provider", name)]);
                                // Both WeChat methods are "WeChat": the hint tells them apart.
                                let hint = locale.t(&format!("provider-{id}-hint"));
                                let title = hint.clone();
                                view! {
                                    <li>
                                        <a class="button" href=format!("/auth/{id}/start?next=/account") rel="external" data-link=id.clone() title=title>
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

#[component]
fn SignOutSection(sign_out: ServerAction<SignOut>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <ActionForm action=sign_out attr:class="sign-out-form">
            <button class="button" type="submit" data-sign-out="">{locale.t("account-sign-out")}</button>
        </ActionForm>
    }
}
