//! `GET /`: Denglu's front door is the sign-in page.

use axum::Router;
use axum::response::Redirect;
use axum::routing::get;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(|| async { Redirect::to("/login") }))
}
