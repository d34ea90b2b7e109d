//! What every server function needs on the server: the app's state, the browser's session,
//! the signed-in person, and the one way a failure becomes a [`ServerError`] and a response.

use http::header::{ACCEPT, LOCATION};
use http::{HeaderValue, StatusCode};
use leptos::prelude::*;
use leptos::server_fn::error::ServerFnUrlError;
use leptos_axum::ResponseOptions;

use crate::auth::{SignInSession, SignedIn};
use crate::model::ServerError;
use crate::state::AppState;

pub fn app_state() -> Result<AppState, ServerError> {
    use_context::<AppState>().ok_or_else(|| unexpected("the application state is missing", ""))
}

pub async fn session() -> Result<SignInSession, ServerError> {
    leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map(SignInSession::new)
        .map_err(|e| unexpected("cannot load the session", e))
}

/// The signed-in person, or [`ServerError::Expired`] (the page then offers to sign in again).
pub async fn signed_in(app: &AppState) -> Result<SignedIn, ServerError> {
    let session = session().await?;
    app.auth
        .signed_in(&session)
        .await
        .map_err(|e| unexpected("cannot read the signed-in user", e))?
        .ok_or(ServerError::Expired)
}

/// The request's User-Agent, if it sent one.
pub fn user_agent() -> Option<String> {
    use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    })
}

/// The network the request came from (`203.0.113.0/24`), from the client address `client`
/// decided (the peer, or a trusted proxy's header).
pub async fn client_network() -> Option<String> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<crate::client::ClientAddr>().copied())
        .map(|crate::client::ClientAddr(ip)| crate::routes::device::network_of(ip))
}

/// Logs an unexpected failure with its cause chain (the request's span carries its id) and
/// gives the person a generic message.
pub fn unexpected(context: &str, error: impl std::fmt::Display) -> ServerError {
    tracing::error!(error = format!("{error:#}"), "{context}");
    ServerError::Unavailable
}

/// Sends the browser elsewhere. Leptos answers `302 Found` only to requests that accept
/// HTML; a page being rendered (a GET, whatever it accepts) is always a real 302, while a
/// server function posted by an island (a profile form) gets Leptos's redirect header instead,
/// which the island follows with a page load.
pub fn redirect(location: &str) {
    leptos_axum::redirect(location);
    if rendering_a_page()
        && let Some(response) = use_context::<ResponseOptions>()
    {
        response.set_status(StatusCode::FOUND);
    }
}

/// Sends a page that has nothing to show elsewhere, but only while the page is being
/// rendered: the same server function called by a script (a POST) answers with its empty
/// state instead.
pub fn redirect_page(location: &str) {
    if rendering_a_page() {
        redirect(location);
    }
}

/// Whether this server function runs for a page being rendered (a GET), not for a call from
/// an island or a script (a POST).
fn rendering_a_page() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| parts.method == http::Method::GET)
}

/// Where a plain form post goes back to when it succeeds. Pages send no `Referer`
/// (`Referrer-Policy: no-referrer`), so Leptos would otherwise send the browser to `/`; an
/// island's call gets its answer as JSON and stays where it is.
pub fn return_to(page: &str) {
    if !is_plain_form_post() {
        return;
    }
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(page),
    ) {
        response.insert_header(LOCATION, value);
    }
}

/// How a form's server function answers: on success, back to `page` (`return_to`); on
/// failure, the refusal for the hydrated page or the plain form post (`refuse`).
pub fn answer_form<T>(
    outcome: Result<T, ServerError>,
    fn_path: &str,
    page: &str,
) -> Result<T, ServerError> {
    answer_form_then(outcome, fn_path, page, |_| page.to_string())
}

/// As [`answer_form`], with the page a success goes back to made from the answer (a notice
/// in its URL, say).
pub fn answer_form_then<T>(
    outcome: Result<T, ServerError>,
    fn_path: &str,
    page: &str,
    success_page: impl FnOnce(&T) -> String,
) -> Result<T, ServerError> {
    match outcome {
        Ok(value) => {
            return_to(&success_page(&value));
            Ok(value)
        }
        Err(error) => Err(refuse(error, fn_path, page)),
    }
}

/// Whether the request is a plain HTML form post (no wasm), as opposed to a fetch from the
/// hydrated page.
fn is_plain_form_post() -> bool {
    use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers
                .get(ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

/// Turns a refusal into the right response: a 4xx/503 with the error for the hydrated page,
/// or, for a plain form post, a redirect back to `page` that carries the error's message keys
/// in its URL (replacing the referer-based one Leptos would make, which keeps stale errors).
/// What was typed never goes into the URL: the page would have to trust a URL anyone can
/// write, so it starts from what the server knows.
pub fn refuse(error: ServerError, fn_path: &str, page: &str) -> ServerError {
    let Some(response) = use_context::<ResponseOptions>() else {
        return error;
    };
    if is_plain_form_post() {
        let url = ServerFnUrlError::new(fn_path, error.clone().keys_only())
            .to_url(&format!("http://page.invalid{page}"));
        if let Ok(url) = url {
            let target = match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_string(),
            };
            if let Ok(value) = HeaderValue::from_str(&target) {
                response.insert_header(LOCATION, value);
            }
        }
    } else {
        response.set_status(status_of(&error));
    }
    error
}

/// Answers a server function's failure with its status (for calls that are never plain form
/// posts: the page's own data, the live username check).
pub fn fail(error: ServerError) -> ServerError {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(status_of(&error));
    }
    error
}

/// Middleware (`map_response`) on server-function responses: the status of a failure that
/// never reached [`fail`] or [`refuse`]. Leptos answers every error it makes itself (arguments
/// that do not decode, a missing field, a body that is not UTF-8) with 500; its body is our
/// [`ServerError`], which says what it was.
pub async fn answer_failures_with_their_status(
    response: axum::response::Response,
) -> axum::response::Response {
    use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // An encoded ServerError is a few hundred bytes; anything else is not ours to read.
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    if let Ok(error) = serde_json::from_slice::<ServerError>(&bytes) {
        parts.status = status_of(&error);
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// The status a server function's failure is answered with.
pub fn status_of(error: &ServerError) -> StatusCode {
    match error {
        ServerError::Invalid(_) | ServerError::Refused(_) | ServerError::BadRequest => {
            StatusCode::BAD_REQUEST
        }
        ServerError::Expired => StatusCode::UNAUTHORIZED,
        ServerError::Limited(_) => StatusCode::TOO_MANY_REQUESTS,
        ServerError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// Tells the client when to try again (with a 429): `secs` from now.
pub fn retry_after(secs: i64) {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.insert_header(http::header::RETRY_AFTER, secs.max(1).into());
    }
}

/// Lets the page being rendered post a form that ends at `url`'s site (its origin joins the
/// policy's `form-action`); see `defences::FORM_TARGET`.
pub fn allow_form_target(url: &str) {
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        http::HeaderValue::from_str(url),
    ) {
        response.insert_header(
            http::HeaderName::from_static(crate::defences::FORM_TARGET),
            value,
        );
    }
}
