//! Our own QR code for WeChat sign-in, with its live status.
//!
//! The QR is drawn on the server, so it shows before (and without) the wasm. Once hydrated,
//! the panel follows the ticket over server-sent events: scanned, confirmed (then it goes to
//! the claim to finish signing in), cancelled or expired (with a fresh code, made
//! automatically a few times, then on request).

use leptos::prelude::*;

use crate::i18n::use_locale;
use crate::model::{QrTicket, ServerError, paths};

/// A new login ticket bound to this browser session, as a QR code of its phone URL.
#[server(endpoint = "qr/ticket")]
pub async fn new_login_ticket(
    next: Option<String>,
    #[server(default)] renewal: bool,
) -> Result<QrTicket, ServerError> {
    use crate::qr::{QrError, TICKET_LIFETIME};
    use crate::server_fn::{
        app_state, client_network, fail, retry_after, session, unexpected, user_agent,
    };

    let app = app_state()?;
    let session = session().await?;
    let network = client_network().await;
    app.qr
        .new_ticket(
            &session,
            user_agent().as_deref(),
            network.clone(),
            next.as_deref(),
            renewal,
        )
        .await
        .map_err(|e| match e {
            QrError::TooMany => {
                // The network, for an operator deciding whether to raise the limit.
                tracing::warn!(
                    network = network.as_deref().unwrap_or("-"),
                    "no QR code made: too many live codes on this network"
                );
                // A place frees when the network's oldest live code expires.
                retry_after(TICKET_LIFETIME.num_seconds());
                fail(ServerError::Limited("qr-too-many".into()))
            }
            e => fail(unexpected("cannot make a login ticket", e)),
        })
}

/// What the panel says when no code could be made: a limit says which and what to do;
/// anything else is the generic failure (its cause is in the server's log).
fn no_code_key(error: &ServerError) -> &str {
    match error {
        ServerError::Limited(key) if ServerError::REFUSALS.contains(&key.as_str()) => key,
        _ => "error-body",
    }
}

/// A login ticket, made while the page renders (blocking: the ticket is remembered in the
/// session, which must be saved with the page); `None` when the page shows no QR of ours.
pub type TicketResource = Resource<Result<Option<QrTicket>, ServerError>>;

/// The ticket of a page's own QR code, made once at the page's top: a suspended part may
/// render more than once, and each rendering would make another ticket.
pub fn ticket_resource(next: Option<String>) -> TicketResource {
    Resource::new_blocking(
        move || next.clone(),
        |next| async move { new_login_ticket(next, false).await.map(Some) },
    )
}

/// The panel of the page's ticket, once it is made. Rendered on the server: only the panel
/// itself ([`QrPanel`]) is an island.
#[component]
pub fn QrTicketPanel(
    ticket: TicketResource,
    next: Option<String>,
    #[prop(optional)] phone: bool,
) -> impl IntoView {
    let locale = use_locale();
    view! {
        <Suspense fallback=move || view! { <div class="qr-box loading" aria-busy="true"></div> }>
            {move || {
                let next = next.clone();
                Suspend::new(async move {
                    match ticket.await {
                        Ok(None) => ().into_any(),
                        Ok(Some(ticket)) => view! { <QrPanel ticket next phone/> }.into_any(),
                        Err(error) => view! { <p class="alert" role="alert">{locale.t(no_code_key(&error))}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The QR code with its live status; `next` is where the computer goes once signed in. On a
/// phone's own browser (`phone`), which cannot scan its screen, the same ticket is offered the
/// two ways that work there: its link opened in WeChat, or the code saved to the photos and
/// scanned from the album; the page waits as a computer's would.
///
/// An island: the part of the login pages that ships as wasm. It follows the ticket's status
/// and, when a code expires, asks for a fresh one itself (a few times, then on a click).
#[island]
pub fn QrPanel(ticket: QrTicket, next: Option<String>, phone: bool) -> impl IntoView {
    let locale = use_locale();
    let status = RwSignal::new("waiting".to_string());
    let current = RwSignal::new(ticket);
    let renew = Action::new(move |_: &()| {
        let next = next.clone();
        async move { new_login_ticket(next, true).await }
    });
    let renewal_failure = move || match renew.value().get() {
        Some(Err(error)) => Some(no_code_key(&error).to_string()),
        _ => None,
    };
    Effect::new(move |_| {
        if let Some(Ok(ticket)) = renew.value().get() {
            status.set("waiting".to_string());
            current.set(ticket);
        }
    });
    #[cfg(feature = "browser")]
    {
        let renewals = StoredValue::new(0u32);
        Effect::new(move |_| {
            let id = current.with(|ticket| ticket.id.clone());
            live::follow(id, status, move || {
                if renewals.get_value() < live::AUTOMATIC_RENEWALS {
                    renewals.update_value(|n| *n += 1);
                    renew.dispatch(());
                }
            });
        });
    }

    view! {
        <div class="qr-panel" data-status=move || status.get()>
            {move || {
                let ticket = current.get();
                if phone {
                    view! { <PhoneTicketView ticket status/> }.into_any()
                } else {
                    view! { <TicketView ticket status/> }.into_any()
                }
            }}
            {move || renewal_failure().map(|key| view! { <p class="alert" role="alert">{locale.t(&key)}</p> })}
            <button
                class="button secondary qr-refresh"
                type="button"
                hidden=move || !matches!(status.get().as_str(), "expired" | "cancelled")
                on:click=move |_| {
                    renew.dispatch(());
                }
            >
                {locale.t("qr-refresh")}
            </button>
        </div>
    }
}

#[component]
fn TicketView(ticket: QrTicket, status: RwSignal<String>) -> impl IntoView {
    let locale = use_locale();
    let message = move || status_message(locale, &status.get());
    let claim = paths::qr_claim(&ticket.id);
    let choose = locale.t_with("qr-choose-on-phone", &[("code", ticket.code.clone())]);
    view! {
        <div class="qr-box" data-ticket=ticket.id.clone() inner_html=ticket.svg></div>
        // The phone must pick this number: someone who sent the QR to another phone cannot
        // show it there.
        <p class="qr-match" data-match-code=ticket.code.clone()>
            <span class="qr-match-label">{choose}</span>
            <span class="qr-match-code" aria-hidden="true">{ticket.code.clone()}</span>
        </p>
        <p class="qr-status" role="status" aria-live="polite">{message}</p>
        // Without the wasm the page cannot hear the phone: a link finishes the sign-in.
        <noscript>
            <p><a class="button" href=claim.clone() rel="external">{locale.t("qr-confirmed-continue")}</a></p>
        </noscript>
        <a class="qr-url" href=ticket.url.clone() rel="external" data-qr-url=ticket.url>
            {locale.t("qr-open-on-phone")}
        </a>
    }
}

/// A login ticket on a phone's own browser: open its link in WeChat, or save the code and scan
/// it from the album; then come back, and this page signs in.
#[component]
fn PhoneTicketView(ticket: QrTicket, status: RwSignal<String>) -> impl IntoView {
    let locale = use_locale();
    let message = move || status_message(locale, &status.get());
    let claim = paths::qr_claim(&ticket.id);
    let pick = locale.t_with("wechat-phone-pick", &[("code", ticket.code.clone())]);
    let copied = RwSignal::new(false);
    let url = ticket.url.clone();
    let copy = move |_| {
        #[cfg(feature = "browser")]
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&url);
            copied.set(true);
        }
        #[cfg(not(feature = "browser"))]
        let _ = &url;
    };
    let png = ticket.png.clone();
    view! {
        <div class="qr-phone" data-ticket=ticket.id.clone()>
            <p class="qr-match" data-match-code=ticket.code.clone()>
                <span class="qr-match-label">{pick}</span>
                <span class="qr-match-code" aria-hidden="true">{ticket.code.clone()}</span>
            </p>
            <section class="qr-way" data-way="open-in-wechat">
                <h3>{locale.t("wechat-phone-open-title")}</h3>
                <ol class="wechat-steps">
                    <li>
                        {locale.t("wechat-phone-open-1")}
                        <span class="qr-link-row">
                            <a class="qr-url" href=ticket.url.clone() rel="external" data-qr-url=ticket.url.clone()>
                                {ticket.url.clone()}
                            </a>
                            <button class="button small" type="button" data-copy-link="" on:click=copy>
                                {move || {
                                    if copied.get() {
                                        locale.t("wechat-phone-copied")
                                    } else {
                                        locale.t("wechat-phone-copy")
                                    }
                                }}
                            </button>
                        </span>
                    </li>
                    <li>{locale.t("wechat-phone-open-2")}</li>
                    <li>{locale.t("wechat-phone-come-back")}</li>
                </ol>
            </section>
            <section class="qr-way" data-way="save-to-photos">
                <h3>{locale.t("wechat-phone-save-title")}</h3>
                {png
                    .map(|png| {
                        view! {
                            <img class="qr-image" src=png.clone() width="216" height="216" alt=locale.t("wechat-phone-image-alt")/>
                            <a class="button small" href=png download="wechat-sign-in.png" data-save-code="">
                                {locale.t("wechat-phone-save")}
                            </a>
                        }
                    })}
                <ol class="wechat-steps">
                    <li>{locale.t("wechat-phone-save-1")}</li>
                    <li>{locale.t("wechat-phone-album")}</li>
                    <li>{locale.t("wechat-phone-come-back")}</li>
                </ol>
            </section>
            <p class="qr-status" role="status" aria-live="polite">{message}</p>
            // Without the wasm the page cannot hear WeChat: a link finishes the sign-in.
            <noscript>
                <p><a class="button" href=claim rel="external">{locale.t("qr-confirmed-continue")}</a></p>
            </noscript>
        </div>
    }
}

/// What the page says while it waits, for the ticket's status.
fn status_message(locale: crate::i18n::Locale, status: &str) -> String {
    let key = match status {
        "scanned" => "qr-status-scanned",
        "confirmed" | "claimed" => "qr-status-confirmed",
        "cancelled" => "qr-status-cancelled",
        "expired" => "qr-status-expired",
        _ => "qr-status-waiting",
    };
    locale.t(key)
}

#[cfg(feature = "browser")]
mod live {
    //! The browser side: an `EventSource` on the ticket's status stream.

    use leptos::prelude::*;
    use send_wrapper::SendWrapper;

    use crate::model::paths;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    /// How many fresh codes the page makes by itself before it waits for a click.
    pub const AUTOMATIC_RENEWALS: u32 = 5;

    /// Follows ticket `id` until it ends, or until the effect that called this runs again;
    /// `expired` is called when the code expires.
    pub fn follow(id: String, status: RwSignal<String>, expired: impl Fn() + 'static) {
        let Ok(source) = EventSource::new(&paths::qr_events(&id)) else {
            return;
        };
        let closer = source.clone();
        let on_status = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(now) = event.data().as_string() else {
                return;
            };
            status.set(now.clone());
            match now.as_str() {
                "confirmed" => {
                    closer.close();
                    if let Some(window) = web_sys::window() {
                        let _ = window.location().set_href(&paths::qr_claim(&id));
                    }
                }
                "expired" => {
                    closer.close();
                    expired();
                }
                "cancelled" | "claimed" => closer.close(),
                _ => {}
            }
        });
        let _ =
            source.add_event_listener_with_callback("status", on_status.as_ref().unchecked_ref());
        // The closure lives as long as the source; both end with this ticket's view.
        let kept = SendWrapper::new((source, on_status));
        on_cleanup(move || kept.0.close());
    }
}
