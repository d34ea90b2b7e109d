//! The JSON control API tests drive the simulator with.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::faults::FaultSpec;
use crate::grants::App;
use crate::reqlog::LogEntry;
use crate::state::Shared;
use crate::users::{Avatar, NewUser, UserView};
use crate::web::Base;

/// A pre-set answer for the next authorize request of one provider.
#[derive(Clone, Copy, Debug)]
pub struct Auto {
    pub user: Option<u64>,
    pub deny: bool,
    pub always: bool,
}

#[derive(Default)]
pub struct AutoApprovals {
    by_app: Mutex<HashMap<App, Auto>>,
}

impl AutoApprovals {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<App, Auto>> {
        self.by_app.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set(&self, app: App, auto: Auto) {
        self.lock().insert(app, auto);
    }

    /// The answer for this request; a one-shot answer is used up.
    pub fn take(&self, app: App) -> Option<Auto> {
        let mut map = self.lock();
        let auto = *map.get(&app)?;
        if !auto.always {
            map.remove(&app);
        }
        Some(auto)
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}

pub fn json_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

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
