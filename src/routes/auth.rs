//! `GET /auth/{provider}/start` and `GET /auth/{provider}/callback`: plain redirects, so
//! they work as full navigations from any page, before or without the wasm.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_sessions::Session;

use crate::auth::callback;
use crate::auth::flow::{self, StartRequest};
use crate::session::Handoff;
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

/// A 302 that nothing on the way may cache: these redirects carry states and codes.
fn no_store(location: &str) -> Response {
    match HeaderValue::from_str(&ascii_location(location)) {
        Ok(value) => (
            StatusCode::FOUND,
            [
                (LOCATION, value),
                (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        // Unreachable: the location was made ASCII above. Fail closed, not with a panic.
        Err(_) => (StatusCode::BAD_REQUEST, "bad redirect").into_response(),
    }
}

/// A safe `next` may hold non-ASCII text (`/登录`); a Location header may not.
fn ascii_location(location: &str) -> String {
    let mut out = String::with_capacity(location.len());
    for byte in location.bytes() {
        if byte.is_ascii_graphic() {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

async fn start(
    Path(provider): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    State(app): State<AppState>,
    session: Session,
) -> Response {
    let query = query_map(raw.as_deref());
    let request = StartRequest {
        next: query.get("next").map(String::as_str),
        attach_pending: query.get("attach").is_some_and(|v| v == "1"),
        user_agent: headers.get(USER_AGENT).and_then(|v| v.to_str().ok()),
    };
    match flow::start(&app, &session, &provider, request).await {
        Ok(url) => no_store(url.as_str()),
        Err(error) => no_store(&error.location()),
    }
}

async fn callback(
    Path(provider): Path<String>,
    RawQuery(raw): RawQuery,
    State(app): State<AppState>,
    session: Session,
) -> Response {
    let query = query_map(raw.as_deref());
    let landing = callback::handle(&app, &session, &provider, &query).await;
    let mut response = no_store(&landing.location);
    if let Some(id) = landing.session {
        response.extensions_mut().insert(Handoff(id));
    }
    response
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

    #[test]
    fn locations_are_sent_as_ascii() {
        assert_eq!(super::ascii_location("/登?a=b c"), "/%E7%99%BB?a=b%20c");
        assert_eq!(
            super::ascii_location("/account?notice=linked"),
            "/account?notice=linked"
        );
    }
}
