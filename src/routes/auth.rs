//! `GET /auth/{provider}/start` and `GET /auth/{provider}/callback`: plain redirects, so
//! they work as full navigations from any page, before or without the wasm.

use std::collections::HashMap;

use axum::Extension;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::http::header::{SET_COOKIE, USER_AGENT};
use axum::response::Response;
use axum::routing::get;
use tower_sessions::Session;

use crate::auth::states::{self, StateCookie};
use crate::auth::{CallbackRequest, SignInSession, StartRequest};
use crate::client::ClientAddr;
use crate::qr::agent;
use crate::routes::device::device_of;
use crate::routes::redirect;
use crate::session::{Handoff, carried_states, expired_state_cookie, state_cookie};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/{provider}/start", get(start))
        .route("/auth/{provider}/callback", get(callback))
}

/// The query as pairs, leniently: a garbled query is just missing parameters, never a
/// rejection page of its own. The first of repeated keys wins.
fn query_map(raw: Option<&str>) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        map.entry(key.into_owned())
            .or_insert_with(|| value.into_owned());
    }
    map
}

#[tracing::instrument(skip_all, fields(provider = %provider))]
async fn start(
    Path(provider): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    State(app): State<AppState>,
    session: Session,
) -> Response {
    let query = query_map(raw.as_deref());
    let user_agent = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
    let request = StartRequest {
        next: query.get("next").map(String::as_str),
        attach_pending: query.get("attach").is_some_and(|v| v == "1"),
        link: query.get("link").is_some_and(|v| v == "1"),
        mobile: user_agent.is_some_and(agent::is_mobile),
    };
    let session = SignInSession::new(session);
    match app.auth.start(&session, &provider, request).await {
        Ok(started) => {
            let mut response = redirect::found(started.url.as_str());
            keep_state(&mut response, &started.cookie, &app);
            response
        }
        Err(error) => redirect::found(&error.location()),
    }
}

#[tracing::instrument(skip_all, fields(provider = %provider))]
async fn callback(
    Path(provider): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    State(app): State<AppState>,
    client: Option<Extension<ClientAddr>>,
    session: Session,
) -> Response {
    let query = query_map(raw.as_deref());
    let session = SignInSession::new(session);
    let state_cookies = carried_states(&headers, states::COOKIE_PREFIX, &app.settings);
    let request = CallbackRequest {
        session: &session,
        query: &query,
        state_cookies: &state_cookies,
        device: device_of(&headers, client.as_deref()),
    };
    let landing = app.auth.callback(request, &provider, app.qr.clone()).await;
    let mut response = redirect::found(&landing.location);
    for name in &landing.spent_states {
        if let Some(cookie) = expired_state_cookie(name, &app.settings) {
            response.headers_mut().append(SET_COOKIE, cookie);
        }
    }
    if let Some(id) = landing.session {
        response.extensions_mut().insert(Handoff(id));
    }
    response
}

/// The browser keeps the started sign-in in a cookie of its own until the callback.
pub fn keep_state(response: &mut Response, cookie: &StateCookie, app: &AppState) {
    if let Some(value) = state_cookie(&cookie.name, &cookie.value, &app.settings) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::query_map;

    #[test]
    fn queries_are_read_leniently() {
        let q = query_map(Some("code=a%20b&state=s&state=t&%zz=1&bare"));
        assert_eq!(q.get("code").map(String::as_str), Some("a b"));
        assert_eq!(q.get("state").map(String::as_str), Some("s"));
        assert_eq!(q.get("bare").map(String::as_str), Some(""));
        assert!(query_map(None).is_empty());
    }
}
