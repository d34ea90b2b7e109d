//! The page for any address the app has no route for: a static file from the site's root if
//! there is one, else the app's 404 page. The router's fallback, and the answer the console
//! gives anyone who is not an administrator, so that it looks like any unknown address.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use http::Method;
use leptos::prelude::provide_context;

use crate::app::shell;
use crate::defences;
use crate::state::AppState;

/// The fallback handler, as the router takes it.
pub fn handler(
    state: AppState,
) -> impl Fn(
    http::Uri,
    State<AppState>,
    Request<Body>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send + 'static>>
+ Clone
+ Send
+ 'static {
    leptos_axum::file_and_error_handler_with_context::<AppState, _>(
        move || {
            provide_context(state.assets.clone());
            provide_context(state.clone());
            defences::provide_nonce();
        },
        shell,
    )
}

/// What `GET` of this address would answer if nothing were there: the app's 404 page.
pub async fn not_found(app: AppState, mut parts: http::request::Parts) -> Response {
    parts.method = Method::GET;
    let uri = parts.uri.clone();
    let request = Request::from_parts(parts, Body::empty());
    handler(app.clone())(uri, State(app), request).await
}
