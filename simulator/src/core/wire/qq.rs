//! QQ Connect's answers: JSONP and JSON OAuth errors, OpenAPI `ret` errors. Here, not
//! in the handlers, because injected faults answer in them too.

use axum::http::StatusCode;
use axum::response::Response;

use crate::core::web::typed;

/// QQ serves everything, JSON included, as `text/html` with no charset.
pub const CONTENT_TYPE: &str = "text/html";

fn message(code: i64) -> &'static str {
    match code {
        100000 => "response_type is empty or illegal",
        100001 => "client_id is empty",
        100002 => "client_secret is empty",
        100004 => "grant_type is empty or illegal",
        100005 => "code is empty",
        100006 => "refresh_token is empty",
        100007 => "access_token is empty",
        100008 => "client id is illegal",
        100009 => "client secret is illegal",
        100010 => "redirect uri is illegal",
        100013 => "access token is illegal",
        100014 => "access token is expired",
        100015 => "access token is revoked",
        100016 => "access token check failed",
        100019 => "code to access token error",
        100020 => "code is reused error",
        100030 => "user not authorize this api",
        100037 => "refresh token is expired",
        100038 => "refresh token is revoked",
        100042 => "refresh token is illegal",
        100048 => "no unionid permission",
        100050 => "openid and appid not match",
        _ => "",
    }
}

fn pick(code: i64, fallback: &str) -> &str {
    match message(code) {
        "" => fallback,
        known => known,
    }
}

/// `callback( {"error":100020,"error_description":"code is reused error"} );` plus a newline.
pub fn jsonp_error(code: i64, fallback: &str) -> Response {
    let body = serde_json::json!({ "error": code, "error_description": pick(code, fallback) });
    jsonp(&body.to_string())
}

/// With `fmt=json`, errors come as plain JSON.
pub fn json_error(code: i64) -> Response {
    let body = serde_json::json!({ "error": code, "error_description": pick(code, "") });
    typed(StatusCode::OK, CONTENT_TYPE, body.to_string())
}

/// `{"ret":100013,"msg":"..."}`: the OpenAPI (get_user_info) error shape.
pub fn ret_error(code: i64, fallback: &str) -> Response {
    let body = serde_json::json!({ "ret": code, "msg": pick(code, fallback) });
    typed(StatusCode::OK, CONTENT_TYPE, body.to_string())
}

pub fn jsonp(json: &str) -> Response {
    typed(
        StatusCode::OK,
        CONTENT_TYPE,
        format!("callback( {json} );\n"),
    )
}
