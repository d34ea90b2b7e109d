//! QR sign-in over HTTP: the phone opens `/qr/{ticket}` (what the QR encodes), the desktop
//! follows `/auth/qr/{ticket}/events` and finishes with `/auth/qr/{ticket}/claim`.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use futures::Stream;
use tower_sessions::Session;

use crate::auth::flow::{self, LoginError};
use crate::auth::ticket_hub::TicketWatch;
use crate::auth::tickets::{self, Side, TicketStatus};
use crate::error::AppError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/qr/{ticket}", get(scan))
        .route("/auth/qr/{ticket}/events", get(ticket_events))
        .route("/auth/qr/{ticket}/claim", get(claim))
}

/// `GET /qr/{ticket}`: the phone scanned the code. Inside WeChat the ticket is marked scanned
/// and the phone goes through the Official Account authorization, bound to the ticket; any
/// other browser is told to use WeChat (the authorization only works there).
async fn scan(
    State(app): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let confirm_page = format!("/qr/{id}/confirm");
    if !tickets::is_ticket_id(&id) {
        return see_other(&confirm_page);
    }
    let user_agent = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !flow::is_wechat(user_agent) && !app.settings.simulator {
        return see_other(&format!("{confirm_page}?need=wechat"));
    }
    let now = Utc::now();
    match tickets::scan(&app.db.conn, &id, now).await {
        Ok(true) => {
            app.tickets.publish(&id, TicketStatus::Scanned).await;
            if let Err(e) = tickets::remember(&session, Side::Phone, &id).await {
                tracing::error!(error = %e, "cannot bind a ticket to the phone");
                return see_other(&confirm_page);
            }
        }
        // Scanned before: a reload on the phone that scanned it, before it authorised, goes
        // through the authorization again; anyone else gets the confirm page's explanation.
        Ok(false) => {
            if !awaits_authorization(&app, &session, &id).await {
                return see_other(&confirm_page);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot mark a ticket scanned");
            return see_other(&confirm_page);
        }
    }
    match flow::start_for_ticket(&app, &session, &id, user_agent).await {
        Ok(url) => see_other(url.as_str()),
        Err(error) => see_other(&error.location()),
    }
}

async fn awaits_authorization(app: &AppState, session: &Session, id: &str) -> bool {
    let scanned_here = tickets::owns(session, Side::Phone, id)
        .await
        .unwrap_or(false);
    let ticket = tickets::find(&app.db.conn, id, Utc::now())
        .await
        .ok()
        .flatten();
    scanned_here && ticket.is_some_and(|t| t.status == TicketStatus::Scanned && !t.has_identity())
}

/// `GET /auth/qr/{ticket}/claim`: the desktop session that created a confirmed ticket signs
/// in with it (or goes on to complete the profile). Once only, and only that session.
async fn claim(State(app): State<AppState>, session: Session, Path(id): Path<String>) -> Response {
    let now = Utc::now();
    match tickets::owns(&session, Side::Desktop, &id).await {
        Ok(true) => {}
        Ok(false) => return see_other(&LoginError::Ticket.location()),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the session");
            return see_other(&LoginError::Server.location());
        }
    }
    let claimed = match tickets::claim(&app.db.conn, &id, now).await {
        Ok(Some(claimed)) => claimed,
        Ok(None) => return see_other(&LoginError::Ticket.location()),
        Err(e) => {
            tracing::error!(error = %e, "cannot claim a login ticket");
            return see_other(&LoginError::Server.location());
        }
    };
    app.tickets.publish(&id, TicketStatus::Claimed).await;
    if let Err(e) = tickets::forget(&session, Side::Desktop, &id).await {
        tracing::warn!(error = %e, "cannot forget a claimed ticket");
    }
    see_other(&flow::land_ticket(&app, &session, claimed, now).await)
}

fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (
            StatusCode::SEE_OTHER,
            [
                (LOCATION, value),
                (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        Err(_) => (StatusCode::BAD_REQUEST, "bad redirect").into_response(),
    }
}

/// `GET /auth/qr/{ticket}/events`: `status` events (`waiting`, `scanned`, `confirmed`,
/// `cancelled`, `claimed`, `expired`) for a ticket this browser session created, ending with
/// the first final one. Another session's ticket is a 404, as if it did not exist.
async fn ticket_events(
    State(app): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let owned = tickets::owns(&session, Side::Desktop, &id)
        .await
        .map_err(|e| AppError::Unexpected(e.into()))?;
    if !owned {
        return Err(AppError::NotFound);
    }
    let ticket = tickets::find(&app.db.conn, &id, Utc::now())
        .await?
        .ok_or(AppError::NotFound)?;
    let watch = app.tickets.subscribe(&id, ticket.status);
    let updates = StatusUpdates {
        app,
        id,
        watch,
        expires_at: ticket.expires_at,
        last_sent: None,
        finished: false,
    };
    let stream = futures::stream::unfold(updates, |mut updates| async move {
        let status = updates.next().await?;
        Some((
            Ok(Event::default().event("status").data(status.as_str())),
            updates,
        ))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// The changes one page is told about: each new status once, then nothing after a final one.
struct StatusUpdates {
    app: AppState,
    id: String,
    watch: TicketWatch,
    expires_at: chrono::DateTime<Utc>,
    last_sent: Option<TicketStatus>,
    finished: bool,
}

impl StatusUpdates {
    async fn next(&mut self) -> Option<TicketStatus> {
        if self.finished {
            return None;
        }
        loop {
            let status = match self.last_sent {
                // Read after subscribing: a change between the handler's read and the
                // subscription would otherwise wait for the safety poll.
                None => self.read().await,
                Some(_) => self.wait().await?,
            };
            if self.last_sent != Some(status) {
                self.last_sent = Some(status);
                self.finished = status.is_final();
                return Some(status);
            }
        }
    }

    /// Sleeps until the ticket changes or its expiry passes, then reads it back: the database
    /// is the truth (a scan also extends the expiry).
    async fn wait(&mut self) -> Option<TicketStatus> {
        let until = (self.expires_at - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            changed = self.watch.changed() => { changed?; }
            () = tokio::time::sleep(until) => {}
        }
        Some(self.read().await)
    }

    async fn read(&mut self) -> TicketStatus {
        match tickets::find(&self.app.db.conn, &self.id, Utc::now()).await {
            Ok(Some(ticket)) => {
                self.expires_at = ticket.expires_at;
                ticket.status
            }
            Ok(None) => TicketStatus::Expired,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read a login ticket");
                // Try again shortly rather than ending the page's stream.
                tokio::time::sleep(Duration::from_secs(1)).await;
                self.watch.status()
            }
        }
    }
}
