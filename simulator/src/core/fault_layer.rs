//! The fault-injection layer: makes a request fail the way the real server would when
//! the control API set a fault on its endpoint.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_LENGTH;
use axum::middleware::Next;
use axum::response::Response;

use crate::core::faults::{FaultApplied, FaultKind, endpoint_key};
use crate::core::html::provider_error_page;
use crate::core::state::Shared;
use crate::core::web::typed;
use crate::core::wire::{qq, wechat, weibo};

/// Bodies larger than this are not rewritten (they are never provider answers).
const MAX_REWRITE_BYTES: usize = 1024 * 1024;

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
        "api.weixin.qq.com" => wechat::error(code, "system error"),
        "lp.open.weixin.qq.com" => wechat::poll_body(code, ""),
        "open.weixin.qq.com" => provider_error_page("微信", code, "系统错误 System error"),
        "graph.qq.com" if endpoint.contains("/user/") => qq::ret_error(code, "system error"),
        "graph.qq.com" => qq::jsonp_error(code, "system error"),
        "api.weibo.com" => weibo::error(
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
}
