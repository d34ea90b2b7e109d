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
pub async fn new_login_ticket(next: Option<String>) -> Result<QrTicket, ServerError> {
    use crate::server_fn::{app_state, client_network, fail, session, unexpected, user_agent};

    let app = app_state()?;
    let session = session().await?;
    let network = client_network().await;
    app.qr
        .new_ticket(&session, user_agent().as_deref(), network, next.as_deref())
        .await
        .map_err(|e| fail(unexpected("cannot make a login ticket", e)))
}

/// The QR code with its live status; `next` is where the computer goes once signed in.
#[component]
pub fn QrPanel(next: Option<String>) -> impl IntoView {
    let locale = use_locale();
    let renewals = RwSignal::new(0u32);
    // Blocking: the ticket is remembered in the session, which must be saved with the page.
    let ticket = Resource::new_blocking(
        move || renewals.get(),
        move |_| new_login_ticket(next.clone()),
    );
    let status = RwSignal::new("waiting".to_string());

    view! {
        <div class="qr-panel" data-status=move || status.get()>
            <Suspense fallback=move || view! { <div class="qr-box loading" aria-busy="true"></div> }>
                {move || Suspend::new(async move {
                    match ticket.await {
                        Ok(ticket) => {
                            status.set("waiting".to_string());
                            #[cfg(feature = "hydrate")]
                            live::follow(ticket.id.clone(), status, renewals);
                            view! { <TicketView ticket status/> }.into_any()
                        }
                        Err(_) => view! { <p class="alert" role="alert">{locale.t("error-body")}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <button
                class="button secondary qr-refresh"
                type="button"
                hidden=move || !matches!(status.get().as_str(), "expired" | "cancelled")
                on:click=move |_| renewals.update(|n| *n += 1)
            >
                {locale.t("qr-refresh")}
            </button>
        </div>
    }
}

#[component]
fn TicketView(ticket: QrTicket, status: RwSignal<String>) -> impl IntoView {
    let locale = use_locale();
    let message = move || {
        let key = match status.get().as_str() {
            "scanned" => "qr-status-scanned",
            "confirmed" | "claimed" => "qr-status-confirmed",
            "cancelled" => "qr-status-cancelled",
            "expired" => "qr-status-expired",
            _ => "qr-status-waiting",
        };
        locale.t(key)
    };
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

#[cfg(feature = "hydrate")]
mod live {
    //! The browser side: an `EventSource` on the ticket's status stream.

    use leptos::prelude::*;
    use send_wrapper::SendWrapper;

    use crate::model::paths;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    /// How many fresh codes the page makes by itself before it waits for a click.
    const AUTOMATIC_RENEWALS: u32 = 5;

    pub fn follow(id: String, status: RwSignal<String>, renewals: RwSignal<u32>) {
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
                    if renewals.get_untracked() < AUTOMATIC_RENEWALS {
                        renewals.update(|n| *n += 1);
                    }
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
