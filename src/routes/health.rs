//! `GET /healthz`: 200 while the database answers, 503 when it does not.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(health))
}

async fn health(State(app): State<AppState>) -> (StatusCode, Json<Value>) {
    if app.db.is_up().await {
        (
            StatusCode::OK,
            Json(json!({"status": "ok", "database": "up"})),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "database": "down"})),
        )
    }
}
