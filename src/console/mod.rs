//! The operator console at `/admin`: the dashboard, people (search, a person's page and the
//! administrator's actions on them) and the audit log. Server-rendered HTML with plain form
//! posts: it ships nothing to the browser's wasm bundle and works without it.
//!
//! - `access`: who may see it (signed-in administrators; everyone else gets 404) and the
//!   fresh sign-in every change needs.
//! - `layout`: the page shell and the pieces pages share.
//! - `dashboard`, `people`, `person`, `audit_log`: one page each; `actions`: the posts.
//! - `charts`: the dashboard's SVG, drawn with `plotters`.

mod access;
mod actions;
mod audit_log;
mod charts;
mod dashboard;
mod layout;
mod people;
mod person;

use axum::Router;
use axum::extract::{Request, State};
use axum::routing::{MethodRouter, get, post};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", hidden(get(dashboard::page)))
        .route("/admin/people", hidden(get(people::page)))
        .route("/admin/people/{id}", hidden(get(person::page)))
        .route(
            "/admin/people/{id}/merge",
            hidden(get(person::merge_page).post(actions::merge)),
        )
        .route("/admin/audit", hidden(get(audit_log::page)))
        .route("/admin/people/{id}/disable", hidden(post(actions::disable)))
        .route("/admin/people/{id}/enable", hidden(post(actions::enable)))
        .route(
            "/admin/people/{id}/sessions/{session}/end",
            hidden(post(actions::end_session)),
        )
        .route(
            "/admin/people/{id}/identities/{identity}/unlink",
            hidden(post(actions::unlink)),
        )
}

/// Any other method on a console address is the 404 of an unknown address too (not a 405
/// that would say the address exists).
fn hidden(route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route.fallback(|State(app): State<AppState>, request: Request| async move {
        crate::fallback::not_found(app, request.into_parts().0).await
    })
}
