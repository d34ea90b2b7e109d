//! The request-log layer: writes every provider request into the log, after its answer.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::core::faults::FaultApplied;
use crate::core::reqlog::{LogEntry, masked};
use crate::core::state::Shared;
use crate::core::web::{MAX_FORM_BYTES, parse_pairs};

/// Middleware: records every provider request (not the control API itself).
pub async fn record(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/control") {
        return next.run(req).await;
    }
    let method = req.method().to_string();
    let query = masked(parse_pairs(req.uri().query().unwrap_or("").as_bytes()));
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let (req, form) = if is_form {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
            return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
        };
        let form = masked(parse_pairs(&bytes));
        (Request::from_parts(parts, Body::from(bytes)), form)
    } else {
        (req, BTreeMap::new())
    };
    let response = next.run(req).await;
    let at_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    state.log.push(LogEntry {
        at_ms,
        method,
        path,
        query,
        form,
        status: response.status().as_u16(),
        fault: response.extensions().get::<FaultApplied>().map(|f| f.0),
    });
    response
}
