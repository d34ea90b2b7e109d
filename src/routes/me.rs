//! `GET /api/me`: the signed-in user and their linked identities, or 401.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use tower_sessions::Session;

use crate::auth::accounts::{AccountView, find_account};
use crate::auth::session_user::current_user_id;
use crate::db::Database;
use crate::error::AppError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/me", get(me))
}

async fn me(session: Session, State(db): State<Database>) -> Result<Json<AccountView>, AppError> {
    let user_id = current_user_id(&session)
        .await
        .ok_or(AppError::Unauthorized)?;
    // An account deleted while its session lived is simply "not signed in".
    let account = find_account(&db.conn, user_id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(Json(account))
}
