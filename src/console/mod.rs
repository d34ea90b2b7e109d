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
use axum::routing::{get, post};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(dashboard::page))
        .route("/admin/people", get(people::page))
        .route("/admin/people/{id}", get(person::page))
        .route("/admin/people/{id}/merge", get(person::merge_page))
        .route("/admin/audit", get(audit_log::page))
        .route("/admin/people/{id}/disable", post(actions::disable))
        .route("/admin/people/{id}/enable", post(actions::enable))
        .route("/admin/people/{id}/merge", post(actions::merge))
        .route(
            "/admin/people/{id}/sessions/{session}/end",
            post(actions::end_session),
        )
        .route(
            "/admin/people/{id}/identities/{identity}/unlink",
            post(actions::unlink),
        )
}
