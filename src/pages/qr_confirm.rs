//! `/qr/{ticket}/confirm`: the phone's side of QR sign-in. After the Official Account
//! authorization the person sees where the sign-in is happening (the computer's browser and
//! system, and its network, which it cannot choose), what confirming will do, and confirms by
//! picking the number the computer shows among three, or cancels. Someone who sent their own
//! code to this phone cannot show the number here; a wrong pick ends the sign-in. Every button
//! is a plain form post, so the WeChat in-app browser never waits for the wasm.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::i18n::use_locale;
use crate::model::{ConfirmWill, PhoneView, ServerError};

#[server(endpoint = "qr/phone")]
pub async fn get_phone_view(ticket: String) -> Result<PhoneView, ServerError> {
    use crate::server_fn::{app_state, fail, session, unexpected};

    let app = app_state()?;
    let session = session().await?;
    app.qr
        .phone_view(&session, &ticket)
        .await
        .map_err(|e| fail(unexpected("cannot read a login ticket", e)))
}

/// Confirm (with the number picked) or cancel, from the phone that scanned the ticket; then
/// back to this page, which shows the ticket as it now is.
#[server(endpoint = "qr/decide")]
pub async fn decide_ticket(
    ticket: String,
    decision: String,
    code: Option<String>,
) -> Result<(), ServerError> {
    use crate::model::paths;
    use crate::qr::Decision;
    use crate::server_fn::{app_state, redirect, session, unexpected};

    let app = app_state()?;
    let session = session().await?;
    // A confirm without a number (an old page, a hand-made post) decides nothing.
    if let Some(decision) = Decision::from_form(&decision, code.as_deref())
        && let Err(e) = app.qr.decide(&session, &ticket, decision).await
    {
        unexpected("cannot record a ticket decision", e);
    }
    if crate::random::is_token(&ticket) {
        redirect(&paths::qr_confirm(&ticket));
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
                            Ok(PhoneView::Ask { desktop, network, minutes_ago, nickname, avatar_url, choices, will }) => {
                                let when = if minutes_ago == 0 {
                                    locale.t("phone-just-now")
                                } else {
                                    locale.t_with("phone-minutes-ago", &[("minutes", minutes_ago.to_string())])
                                };
                                let will_name = will.name();
                                let will_text = match will {
                                    ConfirmWill::SignIn { account } => {
                                        let account = if account.is_empty() { nickname.clone() } else { account };
                                        locale.t_with("phone-will-sign-in", &[("account", account)])
                                    }
                                    ConfirmWill::CreateAccount => locale.t("phone-will-create-account"),
                                    ConfirmWill::Nothing => locale.t("phone-will-nothing"),
                                };
                                let network_text = network.clone().unwrap_or_else(|| locale.t("phone-network-unknown"));
                                view! {
                                    <p class="phone-question">{locale.t("phone-question")}</p>
                                    <dl class="phone-facts">
                                        <dt>{locale.t("phone-where")}</dt>
                                        <dd data-desktop=desktop.clone()>{desktop.clone()}</dd>
                                        <dt>{locale.t("phone-network")}</dt>
                                        <dd data-desktop-network=network.unwrap_or_default()>{network_text}</dd>
                                        <dt>{locale.t("phone-when")}</dt>
                                        <dd>{when}</dd>
                                        <dt>{locale.t("phone-as")}</dt>
                                        <dd class="phone-who">
                                            {avatar_url.map(|src| view! { <img src=src alt="" width="32" height="32"/> })}
                                            <span>{nickname}</span>
                                        </dd>
                                    </dl>
                                    <p class="phone-will" data-will=will_name>{will_text}</p>
                                    <p class="alert">{locale.t("phone-warning")}</p>
                                    <ActionForm action=decide attr:class="phone-confirm">
                                        <input type="hidden" name="ticket" value=ticket()/>
                                        <input type="hidden" name="decision" value="confirm"/>
                                        <p class="phone-pick" id="phone-pick">{locale.t("phone-pick")}</p>
                                        <div class="phone-choices" role="group" aria-labelledby="phone-pick">
                                            {choices
                                                .into_iter()
                                                .map(|code| view! {
                                                    <button class="button phone-choice" type="submit" name="code" value=code.clone() data-choice=code.clone()>
                                                        {code.clone()}
                                                    </button>
                                                })
                                                .collect_view()}
                                        </div>
                                    </ActionForm>
                                    <ActionForm action=decide attr:class="phone-actions">
                                        <input type="hidden" name="ticket" value=ticket()/>
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
                                    PhoneView::Cancelled { wrong_number: true } => "phone-wrong-number",
                                    PhoneView::Cancelled { wrong_number: false } => "phone-cancelled",
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
