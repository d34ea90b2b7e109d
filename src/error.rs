//! The one place where errors become HTTP responses.
//!
//! Handlers return `Result<_, AppError>` and use `?`. The client gets a status and a short,
//! stable JSON body; details of unexpected failures travel with the response to
//! [`log_unexpected`], a layer inside the request's span, which logs them with the request id
//! and their cause chain. They never reach the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    #[error("the database is unavailable")]
    DatabaseDown,
    /// A rate limit was reached; try again after this many seconds.
    #[error("too many requests: try again in a moment")]
    TooManyRequests { retry_after_secs: u64 },
    /// A capacity ceiling (open streams) was reached.
    #[error("too busy: try again in a moment")]
    Busy { retry_after_secs: u64 },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(anyhow::Error::new(e).context("database query failed"))
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
}

impl AppError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            AppError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            AppError::DatabaseDown => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            AppError::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            AppError::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            AppError::Unexpected(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// An unexpected failure, carried in the response's extensions to [`log_unexpected`].
#[derive(Clone)]
struct Unexpected(Arc<anyhow::Error>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let retry_after = match &self {
            AppError::TooManyRequests { retry_after_secs }
            | AppError::Busy { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let (message, unexpected) = match self {
            AppError::Unexpected(e) => (
                "Something went wrong on our side.".to_string(),
                Some(Unexpected(Arc::new(e))),
            ),
            other => (other.to_string(), None),
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error: code,
                message,
            }),
        )
            .into_response();
        if let Some(unexpected) = unexpected {
            response.extensions_mut().insert(unexpected);
        }
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.max(1).into());
        }
        response
    }
}

/// Middleware (`map_response`): logs the unexpected failure a response carries, with its
/// cause chain, in the request's span.
pub async fn log_unexpected(mut response: Response) -> Response {
    if let Some(Unexpected(error)) = response.extensions_mut().remove::<Unexpected>() {
        tracing::error!(status = %response.status(), error = format!("{error:#}"), "unexpected error");
    }
    response
}
