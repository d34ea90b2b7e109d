//! The recent requests the simulator received, secrets masked, for `GET /control/requests`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::faults::FaultApplied;
use crate::state::Shared;
use crate::web::{MAX_FORM_BYTES, parse_pairs};

const CAPACITY: usize = 500;

/// Parameters whose values are secrets or bearer tokens.
const SECRET_KEYS: [&str; 6] = [
    "secret",
    "client_secret",
    "appsecret",
    "appkey",
    "access_token",
    "refresh_token",
];

/// `simopensecret` -> `sim***et`: enough to recognise, not enough to use.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 6 {
        return "***".to_owned();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}***{tail}")
}

#[derive(Clone, Serialize)]
pub struct LogEntry {
    /// Unix time in milliseconds.
    pub at_ms: u128,
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub form: BTreeMap<String, String>,
    pub status: u16,
    /// The injected fault's kind, if one was applied.
    pub fault: Option<&'static str>,
}

#[derive(Default)]
pub struct RequestLog {
    entries: Mutex<VecDeque<LogEntry>>,
}

impl RequestLog {
    fn push(&self, entry: LogEntry) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub fn recent(&self) -> Vec<LogEntry> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.iter().cloned().collect()
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

fn masked(pairs: Vec<(String, String)>) -> BTreeMap<String, String> {
    pairs
        .into_iter()
        .map(|(k, v)| {
            let v = if SECRET_KEYS.contains(&k.as_str()) {
                mask(&v)
            } else {
                v
            };
            (k, v)
        })
        .collect()
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_the_docs_say() {
        assert_eq!(mask("simopensecret"), "sim***et");
        assert_eq!(mask("short"), "***");
    }
}
