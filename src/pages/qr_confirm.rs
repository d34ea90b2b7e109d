//! `/qr/{ticket}/confirm`: the phone's side of QR sign-in. After the Official Account
//! authorization the person sees where the sign-in is happening and confirms or cancels.
//! Both buttons are a plain form post, so the WeChat in-app browser never waits for the wasm.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use crate::app::use_locale;

/// What the phone is shown about a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhoneView {
    /// Authorised on this phone and waiting for a decision.
    Ask {
        desktop: String,
        minutes_ago: i64,
        nickname: String,
        avatar_url: Option<String>,
    },
    Confirmed,
    Cancelled,
    Claimed,
    /// Expired, unknown, or never authorised.
    Expired,
    /// Scanned by another phone.
    NotYours,
}

#[server(endpoint = "qr/phone")]
pub async fn get_phone_view(ticket: String) -> Result<PhoneView, ServerFnError> {
    use crate::auth::tickets::{self, Side, TicketStatus};
    use crate::components::form::server::{app_state, session};

    let app = app_state().map_err(ServerFnError::new)?;
    let session = session().await.map_err(ServerFnError::new)?;
    let now = chrono::Utc::now();
    let Some(found) = tickets::find(&app.db.conn, &ticket, now)
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))?
    else {
        return Ok(PhoneView::Expired);
    };
    if !tickets::owns(&session, Side::Phone, &ticket)
        .await
        .map_err(ServerFnError::new)?
    {
        return Ok(match found.status {
            TicketStatus::Waiting | TicketStatus::Expired => PhoneView::Expired,
            _ => PhoneView::NotYours,
        });
    }
    Ok(match (found.status, found.profile) {
        (TicketStatus::Scanned, Some(profile)) => {
            let (nickname, avatar_url) = who(&app, &profile).await?;
            PhoneView::Ask {
                desktop: found.desktop_agent,
                minutes_ago: (now - found.created_at).num_minutes().max(0),
                nickname,
                avatar_url,
            }
        }
        (TicketStatus::Confirmed, _) => PhoneView::Confirmed,
        (TicketStatus::Cancelled, _) => PhoneView::Cancelled,
        (TicketStatus::Claimed, _) => PhoneView::Claimed,
        _ => PhoneView::Expired,
    })
}

/// The name and picture the phone is shown: the provider's, or, after a silent authorization
/// (which carries none), those of the account it belongs to.
#[cfg(feature = "ssr")]
async fn who(
    app: &crate::state::AppState,
    profile: &providers::Profile,
) -> Result<(String, Option<String>), ServerFnError> {
    use crate::auth::identities::{self, IdentityKeys, safe_avatar, shown_nickname};

    if !profile.nickname.is_empty() {
        return Ok((
            shown_nickname(profile),
            safe_avatar(profile.avatar_url.as_deref()),
        ));
    }
    let known = identities::find(&app.db.conn, &IdentityKeys::of(profile))
        .await
        .map_err(|e| ServerFnError::new(e.to_string()))?;
    Ok(known.map_or((String::new(), None), |identity| {
        (identity.display_name, identity.avatar_url)
    }))
}

/// Confirm or cancel from the phone that scanned the ticket; then back to this page.
#[server(endpoint = "qr/decide")]
pub async fn decide_ticket(ticket: String, decision: String) -> Result<(), ServerFnError> {
    use crate::auth::tickets::{self, Side, TicketStatus};
    use crate::components::form::server::{app_state, session};

    let app = app_state().map_err(ServerFnError::new)?;
    let session = session().await.map_err(ServerFnError::new)?;
    let now = chrono::Utc::now();
    if tickets::owns(&session, Side::Phone, &ticket)
        .await
        .map_err(ServerFnError::new)?
    {
        let db = &app.db.conn;
        let (changed, status) = match decision.as_str() {
            "confirm" => (
                tickets::confirm(db, &ticket, now).await,
                TicketStatus::Confirmed,
            ),
            _ => (
                tickets::cancel(db, &ticket, now).await,
                TicketStatus::Cancelled,
            ),
        };
        match changed {
            Ok(true) => app.tickets.publish(&ticket, status).await,
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "cannot record a ticket decision"),
        }
    }
    if tickets::is_ticket_id(&ticket) {
        leptos_axum::redirect(&format!("/qr/{ticket}/confirm"));
    }
    Ok(())
}

#[component]
pub fn QrConfirmPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let query = use_query_map();
    let ticket = move || params.read().get("ticket").unwrap_or_default();
    let decide = ServerAction::<DecideTicket>::new();
    let view_of = Resource::new(
        move || (ticket(), decide.version().get()),
        |(ticket, _)| get_phone_view(ticket),
    );
    let needs_wechat = move || query.read().get("need").is_some_and(|n| n == "wechat");

    view! {
        <Title text=locale.t("phone-title")/>
        <section class="card phone-card">
            <h1>{locale.t("phone-title")}</h1>
            <Show
                when=move || !needs_wechat()
                fallback=move || view! { <p class="notice">{locale.t("phone-need-wechat")}</p> }
            >
                <Suspense fallback=move || view! { <p class="loading" aria-busy="true"></p> }>
                    {move || Suspend::new(async move {
                        match view_of.await {
                            Ok(PhoneView::Ask { desktop, minutes_ago, nickname, avatar_url }) => {
                                let when = if minutes_ago == 0 {
                                    locale.t("phone-just-now")
                                } else {
                                    locale.t_with("phone-minutes-ago", &[("minutes", minutes_ago.to_string())])
                                };
                                view! {
                                    <p class="phone-question">{locale.t("phone-question")}</p>
                                    <dl class="phone-facts">
                                        <dt>{locale.t("phone-where")}</dt>
                                        <dd data-desktop=desktop.clone()>{desktop.clone()}</dd>
                                        <dt>{locale.t("phone-when")}</dt>
                                        <dd>{when}</dd>
                                        <dt>{locale.t("phone-as")}</dt>
                                        <dd class="phone-who">
                                            {avatar_url.map(|src| view! { <img src=src alt="" width="32" height="32"/> })}
                                            <span>{nickname}</span>
                                        </dd>
                                    </dl>
                                    <p class="alert">{locale.t("phone-warning")}</p>
                                    <ActionForm action=decide attr:class="phone-actions">
                                        <input type="hidden" name="ticket" value=ticket()/>
                                        <button class="button" type="submit" name="decision" value="confirm">
                                            {locale.t("phone-confirm")}
                                        </button>
                                        <button class="button secondary" type="submit" name="decision" value="cancel">
                                            {locale.t("phone-cancel")}
                                        </button>
                                    </ActionForm>
                                }
                                    .into_any()
                            }
                            Ok(outcome) => {
                                let key = match outcome {
                                    PhoneView::Confirmed | PhoneView::Claimed => "phone-done",
                                    PhoneView::Cancelled => "phone-cancelled",
                                    PhoneView::NotYours => "phone-other-phone",
                                    _ => "phone-expired",
                                };
                                view! { <p class="notice" data-outcome=key>{locale.t(key)}</p> }.into_any()
                            }
                            Err(_) => view! { <p class="alert" role="alert">{locale.t("error-body")}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </Show>
        </section>
    }
}
