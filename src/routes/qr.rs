//! QR sign-in over HTTP: the phone opens `/qr/{ticket}` (what the QR encodes), the desktop
//! follows `/auth/qr/{ticket}/events` and finishes with `/auth/qr/{ticket}/claim`. The work is
//! `qr::QrSignIn`'s; these handlers only translate.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::header::USER_AGENT;
use axum::response::Response;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures::Stream;
use tower_sessions::Session;

use crate::auth::SignInSession;
use crate::client::ClientAddr;
use crate::error::AppError;
use crate::qr::QrError;
use crate::routes::auth::keep_state;
use crate::routes::redirect;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/qr/{ticket}", get(scan))
        .route("/auth/qr/{ticket}/events", get(ticket_events))
        .route("/auth/qr/{ticket}/claim", get(claim))
}

/// `GET /qr/{ticket}`: the phone scanned the code.
#[tracing::instrument(skip_all)]
async fn scan(
    State(app): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let user_agent = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let session = SignInSession::new(session);
    let scanned = app.qr.scan(&session, &id, user_agent).await;
    let mut response = redirect::see_other(&scanned.location);
    if let Some(state) = &scanned.state {
        keep_state(&mut response, state, &app);
    }
    response
}

/// `GET /auth/qr/{ticket}/claim`: the desktop session that created a confirmed ticket signs
/// in with it (or goes on to complete the profile). Once only, and only that session.
#[tracing::instrument(skip_all)]
async fn claim(State(app): State<AppState>, session: Session, Path(id): Path<String>) -> Response {
    let session = SignInSession::new(session);
    redirect::see_other(&app.qr.claim(&session, &id).await)
}

/// `GET /auth/qr/{ticket}/events`: `status` events (`waiting`, `scanned`, `confirmed`,
/// `cancelled`, `claimed`, `expired`) for a ticket this browser session created, ending with
/// the first final one. Another session's ticket is a 404, as if it did not exist; a stream
/// over the caps (`qr::streams`) is a 503 with `Retry-After`.
#[tracing::instrument(skip_all)]
async fn ticket_events(
    State(app): State<AppState>,
    session: Session,
    ClientAddr(client): ClientAddr,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let session = SignInSession::new(session);
    let events = app
        .qr
        .events(&session, &id, client)
        .await
        .map_err(|e| match e {
            QrError::NotFound => AppError::NotFound,
            // The page's EventSource retries by itself; a few seconds spread the retries.
            QrError::Busy => AppError::Busy {
                retry_after_secs: 5,
            },
            other => AppError::Unexpected(other.into()),
        })?;
    let stream = futures::stream::unfold(events, |mut events| async move {
        let status = events.next().await?;
        Some((
            Ok(Event::default().event("status").data(status.as_str())),
            events,
        ))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
