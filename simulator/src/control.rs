//! The JSON control API tests drive the simulator with.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::core::auto::Auto;
use crate::core::base::Base;
use crate::core::faults::FaultSpec;
use crate::core::records::App;
use crate::core::reqlog::LogEntry;
use crate::core::state::Shared;
use crate::core::users::{Avatar, NewUser, UserView};
use crate::core::web::json_error;

fn ok() -> Response {
    Json(json!({ "ok": true })).into_response()
}

pub async fn list_users(State(state): State<Shared>, base: Base) -> Json<Vec<UserView>> {
    Json(state.users.all().iter().map(|u| u.view(&base.0)).collect())
}

#[derive(Deserialize)]
pub struct CreateUser {
    nickname: String,
    avatar: Option<String>,
    #[serde(default)]
    snapshot: bool,
}

pub async fn create_user(
    State(state): State<Shared>,
    base: Base,
    Json(body): Json<CreateUser>,
) -> Response {
    let avatar = match body.avatar.as_deref() {
        None => Avatar::Generated,
        Some("") => Avatar::Empty,
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            Avatar::Url(url.to_owned())
        }
        Some(_) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "avatar must be an http(s) URL or empty",
            );
        }
    };
    let new = NewUser {
        nickname: body.nickname,
        avatar,
        snapshot: body.snapshot,
    };
    match state.users.create(new) {
        Ok(user) => (StatusCode::CREATED, Json(user.view(&base.0))).into_response(),
        Err(e) => json_error(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

#[derive(Deserialize)]
pub struct AutoApprove {
    provider: App,
    user: Option<u64>,
    #[serde(default)]
    always: bool,
    #[serde(default)]
    deny: bool,
}

pub async fn auto_approve(State(state): State<Shared>, Json(body): Json<AutoApprove>) -> Response {
    if !body.deny {
        let Some(user) = body.user else {
            return json_error(StatusCode::BAD_REQUEST, "give a user id, or deny: true");
        };
        if state.users.get(user).is_none() {
            return json_error(StatusCode::NOT_FOUND, "no such user");
        }
    }
    state.auto.set(
        body.provider,
        Auto {
            user: body.user,
            deny: body.deny,
            always: body.always,
        },
    );
    ok()
}

pub async fn requests(State(state): State<Shared>) -> Json<Vec<LogEntry>> {
    Json(state.log.recent())
}

pub async fn faults(State(state): State<Shared>, Json(spec): Json<FaultSpec>) -> Response {
    match state.faults.set(spec) {
        Ok(()) => ok(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ExpireKind {
    Codes,
    AccessTokens,
    RefreshTokens,
}

#[derive(Deserialize)]
pub struct Expire {
    kind: ExpireKind,
}

pub async fn expire(State(state): State<Shared>, Json(body): Json<Expire>) -> Response {
    let expired = match body.kind {
        ExpireKind::Codes => state.codes.expire_all(),
        ExpireKind::AccessTokens => state.access_tokens.expire_all(),
        ExpireKind::RefreshTokens => state.refresh_tokens.expire_all(),
    };
    Json(json!({ "ok": true, "expired": expired })).into_response()
}

pub async fn reset(State(state): State<Shared>) -> Response {
    state.reset();
    ok()
}
