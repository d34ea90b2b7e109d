//! Sina Weibo's error answers, with the HTTP status each code comes with. Here, not in
//! the handlers, because injected faults answer in them too.

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::core::web::typed;

pub const CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// (error name, HTTP status) for a Weibo error code. OAuth errors carry a short
/// name; API errors carry a sentence.
fn describe(code: i64) -> (&'static str, StatusCode) {
    match code {
        10004 => ("IP requests out of rate limit!", StatusCode::FORBIDDEN),
        10016 => (
            "miss required parameter (uid), see doc for more info.",
            StatusCode::BAD_REQUEST,
        ),
        10017 => (
            "parameter (uid)'s value invalid,expect (uid != 0) , but get (0), see doc for more info.",
            StatusCode::BAD_REQUEST,
        ),
        10021 => (
            "HTTP METHOD is not suported for this request!",
            StatusCode::BAD_REQUEST,
        ),
        20003 => ("User does not exists!", StatusCode::BAD_REQUEST),
        21301 => ("auth faild!", StatusCode::UNAUTHORIZED),
        21322 => ("redirect_uri_mismatch", StatusCode::BAD_REQUEST),
        21323 => ("invalid_request", StatusCode::BAD_REQUEST),
        21324 => ("invalid_client", StatusCode::UNAUTHORIZED),
        21325 => ("invalid_grant", StatusCode::BAD_REQUEST),
        21326 => ("unauthorized_client", StatusCode::BAD_REQUEST),
        21327 => ("expired_token", StatusCode::UNAUTHORIZED),
        21328 => ("unsupported_grant_type", StatusCode::BAD_REQUEST),
        21329 => ("unsupported_response_type", StatusCode::BAD_REQUEST),
        21330 => ("access_denied", StatusCode::FORBIDDEN),
        21331 => ("temporarily_unavailable", StatusCode::SERVICE_UNAVAILABLE),
        21332 => ("invalid_access_token", StatusCode::UNAUTHORIZED),
        _ => ("system error!", StatusCode::INTERNAL_SERVER_ERROR),
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_code: i64,
    #[serde(skip_serializing_if = "str::is_empty")]
    error_description: &'a str,
    request: &'a str,
}

/// `{"error":"invalid_grant","error_code":21325,"error_description":"...","request":"/oauth2/access_token"}`
/// with the status Weibo uses for that code.
pub fn error(code: i64, description: &str, request: &str) -> Response {
    let (name, status) = describe(code);
    let body = ErrorBody {
        error: name,
        error_code: code,
        error_description: description,
        request,
    };
    let json = serde_json::to_string(&body).unwrap_or_default();
    typed(status, CONTENT_TYPE, json)
}
