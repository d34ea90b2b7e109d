//! `GET /api/me`: the signed-in user and their linked identities, or 401.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::auth::SignedIn;
use crate::error::AppError;
use crate::model::AccountSummary;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/me", get(me))
}

#[tracing::instrument(skip_all, fields(user = who.user_id()))]
async fn me(who: SignedIn, State(app): State<AppState>) -> Result<Json<AccountSummary>, AppError> {
    Ok(Json(app.auth.account_summary(&who).await?))
}
