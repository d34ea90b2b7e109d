//! WeChat's answers: the `/sns/*` error body and the long-poll's JavaScript. Here, not
//! in the handlers, because injected faults answer in them too.

use axum::http::StatusCode;
use axum::response::Response;

use crate::core::random::{HEX_LOWER, random_string};
use crate::core::web::typed;

/// WeChat's usual message for an error code.
fn message(code: i64) -> &'static str {
    match code {
        -1 => "system error",
        40001 => "invalid credential, access_token is invalid or not latest",
        40002 => "invalid grant_type",
        40003 => "invalid openid",
        40013 => "invalid appid",
        40014 => "invalid access_token",
        40029 => "invalid code",
        40030 => "invalid refresh_token",
        40125 => "invalid appsecret",
        40163 => "code been used",
        40164 => "invalid ip, not in whitelist",
        41001 => "access_token missing",
        41002 => "appid missing",
        41003 => "refresh_token missing",
        41004 => "appsecret missing",
        41008 => "missing code",
        41009 => "missing openid",
        42001 => "access_token expired",
        42002 => "refresh_token expired",
        42003 => "code expired",
        42007 => {
            "the access_token and refresh_token have been revoked since the user changed password"
        }
        45011 => "api minute-quota reach limit  mustslower  retry next minute",
        48001 => "api unauthorized",
        _ => "",
    }
}

/// `{"errcode":N,"errmsg":"... rid: ..."}` with HTTP 200, as WeChat answers every error.
/// The rid suffix is there so clients learn to match codes, not messages.
pub fn error(code: i64, fallback: &str) -> Response {
    let msg = match message(code) {
        "" => fallback,
        known => known,
    };
    let rid = format!(
        "{}-{}-{}",
        random_string(8, HEX_LOWER),
        random_string(8, HEX_LOWER),
        random_string(8, HEX_LOWER)
    );
    let body = serde_json::json!({ "errcode": code, "errmsg": format!("{msg}, rid: {rid}") });
    plain(body.to_string())
}

/// The `/sns/*` endpoints say `text/plain` with no charset, body in UTF-8.
pub fn plain(body: String) -> Response {
    typed(StatusCode::OK, "text/plain", body)
}

/// The long-poll's JavaScript answer.
pub fn poll_body(errcode: i64, code: &str) -> Response {
    // The code is alphanumeric; strip anything else so it cannot break out of the quotes.
    let code: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    typed(
        StatusCode::OK,
        "application/javascript",
        format!("window.wx_errcode={errcode};window.wx_code='{code}';"),
    )
}
