//! The administrator's changes, as plain form posts: disable, enable, end a session, unlink a
//! method, merge two accounts. Each needs a fresh sign-in (otherwise the administrator signs
//! in again first), is audited with who did it, and goes back to the person's page with the
//! outcome named in the URL.

use axum::extract::{Form, Path, State};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

use crate::auth::{MergeOutcome, UnlinkOutcome};
use crate::console::access::Administrator;
use crate::routes::redirect::see_other;
use crate::state::AppState;

/// Back to the person's page with `outcome` (`notice=…` or `error=…`).
fn back(user: i64, outcome: &str) -> Response {
    see_other(&format!("/admin/people/{user}?{outcome}"))
}

/// A change needs a sign-in within the last 15 minutes: otherwise sign in again, and come
/// back to the person's page.
fn stale(admin: &Administrator, user: i64) -> Option<Response> {
    (!admin.is_fresh(Utc::now())).then(|| {
        let next = format!("/admin/people/{user}");
        see_other(&format!(
            "/login?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        ))
    })
}

fn failed(user: i64, what: &str, e: sea_orm::DbErr) -> Response {
    tracing::error!(error = %e, what, "an administrator's action failed");
    back(user, "error=failed")
}

pub async fn disable(
    admin: Administrator,
    State(app): State<AppState>,
    Path(user): Path<i64>,
) -> Response {
    if let Some(refusal) = stale(&admin, user) {
        return refusal;
    }
    if user == admin.id() {
        return back(user, "error=self");
    }
    match app.auth.disable_by(user, admin.id()).await {
        Ok(true) => back(user, "notice=disabled"),
        Ok(false) => back(user, "error=not-found"),
        Err(e) => failed(user, "disable", e),
    }
}

pub async fn enable(
    admin: Administrator,
    State(app): State<AppState>,
    Path(user): Path<i64>,
) -> Response {
    if let Some(refusal) = stale(&admin, user) {
        return refusal;
    }
    match app.auth.enable_by(user, admin.id()).await {
        Ok(true) => back(user, "notice=enabled"),
        Ok(false) => back(user, "error=not-found"),
        Err(e) => failed(user, "enable", e),
    }
}

pub async fn end_session(
    admin: Administrator,
    State(app): State<AppState>,
    Path((user, session)): Path<(i64, i64)>,
) -> Response {
    if let Some(refusal) = stale(&admin, user) {
        return refusal;
    }
    match app.auth.end_session_by(user, session, admin.id()).await {
        Ok(true) => back(user, "notice=session-ended"),
        Ok(false) => back(user, "error=not-found"),
        Err(e) => failed(user, "end a session", e),
    }
}

pub async fn unlink(
    admin: Administrator,
    State(app): State<AppState>,
    Path((user, identity)): Path<(i64, i64)>,
) -> Response {
    if let Some(refusal) = stale(&admin, user) {
        return refusal;
    }
    match app.auth.unlink_by(user, identity, admin.id()).await {
        Ok(UnlinkOutcome::Unlinked { .. }) => back(user, "notice=unlinked"),
        Ok(UnlinkOutcome::LastMethod) => back(user, "error=last-method"),
        Ok(UnlinkOutcome::NotFound) => back(user, "error=not-found"),
        Err(e) => failed(user, "unlink", e),
    }
}

#[derive(Debug, Deserialize)]
pub struct MergeForm {
    into: i64,
    #[serde(default)]
    confirm_username: String,
}

pub async fn merge(
    admin: Administrator,
    State(app): State<AppState>,
    Path(from): Path<i64>,
    Form(form): Form<MergeForm>,
) -> Response {
    if let Some(refusal) = stale(&admin, from) {
        return refusal;
    }
    if from == admin.id() {
        return back(from, "error=self");
    }
    // The confirmation names the account that empties: typed, not clicked through.
    let source = match app.auth.account_record(from).await {
        Ok(Some(account)) => account,
        Ok(None) => return back(from, "error=not-found"),
        Err(e) => return failed(from, "merge", e),
    };
    if form.confirm_username.trim() != source.username {
        return see_other(&format!(
            "/admin/people/{from}/merge?into={}&error=confirm-mismatch",
            form.into
        ));
    }
    match app.auth.merge_by(from, form.into, admin.id()).await {
        Ok(MergeOutcome::Merged { .. }) => back(form.into, "notice=merged"),
        Ok(MergeOutcome::SameProvider(_)) => back(from, "error=same-provider"),
        Ok(MergeOutcome::NotMergeable) => back(from, "error=not-mergeable"),
        Err(e) => failed(from, "merge", e),
    }
}
