//! Injected faults: make the next requests to an endpoint fail the ways real servers do.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::state::Shared;
use crate::web::typed;

/// Bodies larger than this are not rewritten (they are never provider answers).
const MAX_REWRITE_BYTES: usize = 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    Error,
    Delay,
    Status,
    Malformed,
    Truncated,
    Drop,
    StringNumbers,
}

impl FaultKind {
    fn name(self) -> &'static str {
        match self {
            FaultKind::Error => "error",
            FaultKind::Delay => "delay",
            FaultKind::Status => "status",
            FaultKind::Malformed => "malformed",
            FaultKind::Truncated => "truncated",
            FaultKind::Drop => "drop",
            FaultKind::StringNumbers => "string_numbers",
        }
    }
}

/// The control API's request body.
#[derive(Debug, Deserialize)]
pub struct FaultSpec {
    pub endpoint: String,
    pub kind: FaultKind,
    pub code: Option<i64>,
    pub delay_ms: Option<u64>,
    pub status: Option<u16>,
    /// How many requests get the fault; 0 means until reset. Default 1.
    pub count: Option<u32>,
}

#[derive(Clone, Debug)]
struct Fault {
    kind: FaultKind,
    code: i64,
    delay: Duration,
    status: StatusCode,
    /// `None`: until reset.
    remaining: Option<u32>,
}

/// Marks a response that carries an injected fault (read by the request log).
#[derive(Clone, Copy)]
pub struct FaultApplied(pub &'static str);

#[derive(Default)]
pub struct Faults {
    by_endpoint: Mutex<HashMap<String, Fault>>,
    /// Fast path: most requests run with no fault set and skip the lock.
    active: AtomicUsize,
}

#[derive(Debug, thiserror::Error)]
pub enum FaultError {
    #[error("status must be between 400 and 599")]
    BadStatus,
    #[error("endpoint must name a provider path such as api.weixin.qq.com/sns/oauth2/access_token")]
    BadEndpoint,
}

/// `/api.weixin.qq.com/sns/auth` and `api.weixin.qq.com/sns/auth` name the same endpoint.
fn endpoint_key(path: &str) -> String {
    path.trim_matches('/').to_owned()
}

impl Faults {
    pub fn set(&self, spec: FaultSpec) -> Result<(), FaultError> {
        let endpoint = endpoint_key(&spec.endpoint);
        if endpoint.is_empty() || endpoint.starts_with("control") {
            return Err(FaultError::BadEndpoint);
        }
        let status = StatusCode::from_u16(spec.status.unwrap_or(503))
            .ok()
            .filter(|s| s.is_client_error() || s.is_server_error())
            .ok_or(FaultError::BadStatus)?;
        let fault = Fault {
            kind: spec.kind,
            code: spec.code.unwrap_or(-1),
            delay: Duration::from_millis(spec.delay_ms.unwrap_or(3000)),
            status,
            remaining: match spec.count.unwrap_or(1) {
                0 => None,
                n => Some(n),
            },
        };
        let mut map = self.lock();
        map.insert(endpoint, fault);
        self.active.store(map.len(), Ordering::Release);
        Ok(())
    }

    pub fn clear(&self) {
        let mut map = self.lock();
        map.clear();
        self.active.store(0, Ordering::Release);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Fault>> {
        self.by_endpoint.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The fault for this request, counting it down.
    fn take(&self, endpoint: &str) -> Option<Fault> {
        if self.active.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut map = self.lock();
        let fault = map.get_mut(endpoint)?;
        let taken = fault.clone();
        if let Some(remaining) = &mut fault.remaining {
            *remaining -= 1;
            if *remaining == 0 {
                map.remove(endpoint);
            }
        }
        self.active.store(map.len(), Ordering::Release);
        Some(taken)
    }
}

/// Middleware: applies a pending fault to the request's endpoint.
pub async fn inject(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let endpoint = endpoint_key(req.uri().path());
    let Some(fault) = state.faults.take(&endpoint) else {
        return next.run(req).await;
    };
    let mut response = match fault.kind {
        FaultKind::Error => provider_error(&endpoint, fault.code),
        FaultKind::Delay => {
            tokio::time::sleep(fault.delay).await;
            next.run(req).await
        }
        FaultKind::Status => status_page(fault.status),
        FaultKind::Malformed => typed(
            StatusCode::OK,
            "text/html; charset=utf-8",
            "<html><head><title>系统繁忙</title></head><body>\
             <p>系统繁忙，请稍后再试 (system busy)</p></body></html>\n",
        ),
        FaultKind::Truncated => {
            rewrite(next.run(req).await, |body| {
                let mut cut = body.len() / 2;
                while !body.is_char_boundary(cut) {
                    cut -= 1;
                }
                body[..cut].to_owned()
            })
            .await
        }
        FaultKind::Drop => Response::new(Body::new(Dropped)),
        FaultKind::StringNumbers => rewrite(next.run(req).await, stringify_numbers).await,
    };
    response
        .extensions_mut()
        .insert(FaultApplied(fault.kind.name()));
    response
}

/// The provider's own error shape for `code`, chosen by the endpoint's host.
fn provider_error(endpoint: &str, code: i64) -> Response {
    let host = endpoint.split('/').next().unwrap_or("");
    match host {
        "api.weixin.qq.com" => crate::wechat_api::error(code, "system error"),
        "lp.open.weixin.qq.com" => crate::wechat_open::poll_body(code, ""),
        "open.weixin.qq.com" => {
            crate::pages::provider_error_page("微信", code, "系统错误 System error")
        }
        "graph.qq.com" if endpoint.contains("/user/") => crate::qq::ret_error(code, "system error"),
        "graph.qq.com" => crate::qq::jsonp_error(code, "system error"),
        "api.weibo.com" => crate::weibo::error(
            code,
            "system error",
            &format!("/{}", endpoint.trim_start_matches("api.weibo.com/")),
        ),
        _ => status_page(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// What a gateway in front of the provider answers when it is down.
fn status_page(status: StatusCode) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let body = format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
        code = status.as_u16()
    );
    typed(status, "text/html", body)
}

/// Runs `f` over the text of a normal response, keeping its status and headers.
async fn rewrite(response: Response, f: impl FnOnce(&str) -> String) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_REWRITE_BYTES).await else {
        return status_page(StatusCode::BAD_GATEWAY);
    };
    let text = String::from_utf8_lossy(&bytes);
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(f(&text)))
}

/// A body that fails at once: hyper aborts the connection instead of answering.
struct Dropped;

impl http_body::Body for Dropped {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "simulated dropped connection",
        ))))
    }
}

/// Turns every JSON number value into a string (`"expires_in":"7200"`), as some
/// provider gateways do. Works on JSON and on JSONP, leaves strings alone.
pub fn stringify_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    let mut escaped = false;
    let mut last_structural = ' ';
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        let starts_number =
            (c == '-' || c.is_ascii_digit()) && matches!(last_structural, ':' | ',' | '[');
        if starts_number {
            out.push('"');
            out.push(c);
            while let Some(&n) = chars.peek() {
                if n.is_ascii_digit() || matches!(n, '.' | 'e' | 'E' | '+' | '-') {
                    out.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push('"');
            last_structural = '0';
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        if !c.is_whitespace() {
            last_structural = c;
        }
        out.push(c);
    }
    out
}

impl IntoResponse for FaultError {
    fn into_response(self) -> Response {
        crate::control::json_error(StatusCode::BAD_REQUEST, &self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_become_strings() {
        assert_eq!(
            stringify_numbers(r#"{"a":7200,"b":"x:1","c":[1, -2.5e3],"d":true}"#),
            r#"{"a":"7200","b":"x:1","c":["1", "-2.5e3"],"d":true}"#
        );
        assert_eq!(
            stringify_numbers(r#"callback( {"error":100020,"s":"a\"b,1"} );"#),
            r#"callback( {"error":"100020","s":"a\"b,1"} );"#
        );
    }

    #[test]
    fn counts_down_and_forgets() {
        let faults = Faults::default();
        let spec = |count| FaultSpec {
            endpoint: "/graph.qq.com/oauth2.0/me".into(),
            kind: FaultKind::Malformed,
            code: None,
            delay_ms: None,
            status: None,
            count,
        };
        faults.set(spec(Some(2))).expect("valid fault");
        assert!(faults.take("graph.qq.com/oauth2.0/me").is_some());
        assert!(faults.take("graph.qq.com/oauth2.0/me").is_some());
        assert!(faults.take("graph.qq.com/oauth2.0/me").is_none());
        faults.set(spec(Some(0))).expect("valid fault");
        for _ in 0..5 {
            assert!(faults.take("graph.qq.com/oauth2.0/me").is_some());
        }
        faults.clear();
        assert!(faults.take("graph.qq.com/oauth2.0/me").is_none());
    }
}
