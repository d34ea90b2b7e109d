//! The one place where errors become HTTP responses.
//!
//! Handlers return `Result<_, AppError>` and use `?`. The client gets a status and a short,
//! stable JSON body; details of unexpected failures travel with the response to
//! [`log_unexpected`], a layer inside the request's span, which logs them with the request id
//! and their cause chain. They never reach the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::i18n::Locale;
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
    #[error("this request came from another site")]
    CrossSite,
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
            AppError::CrossSite => (StatusCode::FORBIDDEN, "cross_site"),
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

/// Middleware outside the session layer. tower-sessions answers a bare `500` (no body, no
/// type) when it cannot save a session, which only happens when the store is down: that is an
/// outage, so the person gets a `503` they can read, a page in their language or the JSON
/// error a script expects. Every other response passes untouched.
pub async fn explain_outage(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::header::{ACCEPT, ACCEPT_LANGUAGE, CONTENT_TYPE, COOKIE};

    let (wants_html, locale) = {
        let headers = request.headers();
        let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
        let cookie =
            header(COOKIE).and_then(|c| crate::i18n::cookie_value(c, crate::i18n::LANG_COOKIE));
        (
            header(ACCEPT).is_some_and(|a| a.contains("text/html")),
            Locale::negotiate(cookie, header(ACCEPT_LANGUAGE)),
        )
    };
    let response = next.run(request).await;
    let bare_failure = response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && !response.headers().contains_key(CONTENT_TYPE);
    if !bare_failure {
        return response;
    }
    tracing::error!("the session store did not answer");
    if wants_html {
        (StatusCode::SERVICE_UNAVAILABLE, Html(outage_page(locale))).into_response()
    } else {
        AppError::DatabaseDown.into_response()
    }
}

/// A page that needs nothing but itself: no session, no database, no wasm.
fn outage_page(locale: Locale) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/pkg/denglu.css\"></head>\
         <body><main class=\"page\"><section class=\"card\"><h1>{title}</h1><p>{body}</p>\
         <p><a class=\"button\" href=\"/login\">{again}</a></p></section></main></body></html>",
        lang = locale.tag(),
        title = locale.t("error-title"),
        body = locale.t("error-body"),
        again = locale.t("login-retry"),
    )
}
