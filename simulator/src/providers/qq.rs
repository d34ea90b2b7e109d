//! QQ Connect: `graph.qq.com` authorize, token (urlencoded, JSON or JSONP), me, get_user_info.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::core::base::Base;
use crate::core::grants::{GrantError, check_access, issue_tokens, redeem_code, use_refresh};
use crate::core::html::provider_error_page;
use crate::core::records::{App, Consent};
use crate::core::state::{Shared, SimState};
use crate::core::users::Avatar;
use crate::core::web::{Params, callback_allowed, typed};
use crate::core::wire::qq::{CONTENT_TYPE, json_error, jsonp, jsonp_error, ret_error};
use crate::pages::consent::{auto_answer, begin};

fn oauth_error(params: &Params, code: i64) -> Response {
    if wants_json(params) {
        json_error(code)
    } else {
        jsonp_error(code, "")
    }
}

fn wants_json(params: &Params) -> bool {
    params.get("fmt") == Some("json")
}

fn error_page(code: i64, message: &str) -> Response {
    provider_error_page("QQ登录", code, message)
}

/// `GET /oauth2.0/authorize`
pub async fn authorize(State(state): State<Shared>, base: Base, params: Params) -> Response {
    if params.get("response_type") != Some("code") {
        return error_page(100000, "response_type 参数错误 response_type must be code");
    }
    let Some(client_id) = params.non_empty("client_id") else {
        return error_page(100001, "缺少 client_id Missing client_id");
    };
    if client_id != state.config.qq_appid {
        return error_page(100008, "该应用不存在 This app does not exist");
    }
    let redirect_uri = params.get("redirect_uri").unwrap_or("");
    if !callback_allowed(redirect_uri, &state.config.callback_domains) {
        return error_page(100010, "回调地址不合法 redirect uri is illegal");
    }
    let Some(st) = params.non_empty("state") else {
        return error_page(100029, "缺少 state 参数 state is required");
    };
    let consent = Consent {
        app: App::Qq,
        redirect_uri: redirect_uri.to_owned(),
        state: Some(st.to_owned()),
        scope: params
            .non_empty("scope")
            .unwrap_or("get_user_info")
            .to_owned(),
    };
    if let Some(response) = auto_answer(&state, &consent) {
        return response;
    }
    begin(&state, &base, consent)
}

#[derive(Serialize)]
struct TokenJson<'a> {
    access_token: &'a str,
    expires_in: String,
    refresh_token: &'a str,
}

fn client_checks(state: &SimState, params: &Params) -> Result<(), i64> {
    let client_id = params.non_empty("client_id").ok_or(100001)?;
    if client_id != state.config.qq_appid {
        return Err(100008);
    }
    let secret = params.non_empty("client_secret").ok_or(100002)?;
    if secret != state.config.qq_appkey {
        return Err(100009);
    }
    Ok(())
}

/// `GET|POST /oauth2.0/token`: the authorization_code and refresh_token grants.
pub async fn token(State(state): State<Shared>, params: Params) -> Response {
    match grant(&state, &params) {
        Ok(response) => response,
        Err(code) => oauth_error(&params, code),
    }
}

fn grant(state: &SimState, params: &Params) -> Result<Response, i64> {
    let grant_type = params.get("grant_type");
    if !matches!(grant_type, Some("authorization_code" | "refresh_token")) {
        return Err(100004);
    }
    client_checks(state, params)?;
    let issued = if grant_type == Some("refresh_token") {
        let token = params.non_empty("refresh_token").ok_or(100006)?;
        // QQ refresh tokens are single-use: each refresh hands out a new one.
        let old = use_refresh(state, App::Qq, token, true).map_err(|e| match e {
            GrantError::Expired => 100037,
            GrantError::Used => 100038,
            _ => 100042,
        })?;
        issue_tokens(state, App::Qq, old.user_id, &old.scope, true)
    } else {
        let code = params.non_empty("code").ok_or(100005)?;
        let redirect_uri = params.non_empty("redirect_uri").ok_or(100010)?;
        let grant = redeem_code(state, App::Qq, code, Some(redirect_uri)).map_err(|e| match e {
            GrantError::Used => 100020,
            GrantError::RedirectMismatch => 100010,
            _ => 100019,
        })?;
        issue_tokens(state, App::Qq, grant.user_id, &grant.scope, true)
    };
    let refresh = issued.refresh_token.unwrap_or_default();
    if wants_json(params) {
        let body = TokenJson {
            access_token: &issued.access_token,
            expires_in: issued.expires_in.to_string(),
            refresh_token: &refresh,
        };
        let json = serde_json::to_string(&body).map_err(|_| 100019)?;
        return Ok(typed(StatusCode::OK, CONTENT_TYPE, json));
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("access_token", &issued.access_token)
        .append_pair("expires_in", &issued.expires_in.to_string())
        .append_pair("refresh_token", &refresh)
        .finish();
    Ok(typed(StatusCode::OK, CONTENT_TYPE, body))
}

#[derive(Serialize)]
struct Me<'a> {
    client_id: &'a str,
    openid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    unionid: Option<&'a str>,
}

/// `GET /oauth2.0/me`: JSONP (or JSON with `fmt=json`) naming the app and the openid.
pub async fn me(State(state): State<Shared>, params: Params) -> Response {
    let Some(token) = params.non_empty("access_token") else {
        return oauth_error(&params, 100007);
    };
    let grant = match check_access(&state, &[App::Qq], token) {
        Ok(grant) => grant,
        Err(GrantError::Expired) => return oauth_error(&params, 100014),
        Err(_) => return oauth_error(&params, 100016),
    };
    let Some(user) = state.users.get(grant.user_id) else {
        return oauth_error(&params, 100016);
    };
    let body = Me {
        client_id: &state.config.qq_appid,
        openid: &user.qq_openid,
        unionid: (params.get("unionid") == Some("1")).then_some(user.qq_unionid.as_str()),
    };
    let Ok(json) = serde_json::to_string(&body) else {
        return oauth_error(&params, 100016);
    };
    if wants_json(&params) {
        typed(StatusCode::OK, CONTENT_TYPE, json)
    } else {
        jsonp(&json)
    }
}

#[derive(Serialize)]
struct UserInfo<'a> {
    ret: i64,
    msg: &'a str,
    is_lost: u8,
    nickname: &'a str,
    gender: &'a str,
    gender_type: u8,
    province: &'a str,
    city: &'a str,
    year: &'a str,
    constellation: &'a str,
    figureurl: String,
    figureurl_1: String,
    figureurl_2: String,
    figureurl_qq_1: String,
    figureurl_qq_2: String,
    figureurl_qq: String,
    figureurl_type: &'a str,
    is_yellow_vip: &'a str,
    vip: &'a str,
    yellow_vip_level: &'a str,
    level: &'a str,
    is_yellow_year_vip: &'a str,
}

/// `GET /user/get_user_info`: pretty-printed JSON served as text/html, `ret` 0 on success.
pub async fn get_user_info(State(state): State<Shared>, base: Base, params: Params) -> Response {
    let Some(token) = params.non_empty("access_token") else {
        return ret_error(100007, "");
    };
    let grant = match check_access(&state, &[App::Qq], token) {
        Ok(grant) => grant,
        Err(GrantError::Expired) => return ret_error(100014, ""),
        Err(_) => return ret_error(100013, ""),
    };
    if params.get("oauth_consumer_key") != Some(state.config.qq_appid.as_str()) {
        return ret_error(
            -1,
            "client request's parameters are invalid, invalid oauth_consumer_key",
        );
    }
    let Some(user) = state.users.get(grant.user_id) else {
        return ret_error(100013, "");
    };
    if params.get("openid") != Some(user.qq_openid.as_str()) {
        return ret_error(
            -1,
            "client request's parameters are invalid, invalid openid",
        );
    }
    let root = &base.0;
    // QQ always has some picture; the 100px one may be missing, so clients fall back to 40px.
    let generated = |size: u32| format!("{root}/avatar/{}.svg?size={size}", user.id);
    let qq_2 = match user.avatar {
        Avatar::Empty => String::new(),
        _ => user.avatar_sized(root, 100),
    };
    let (gender, gender_type) = if user.sex == 2 {
        ("女", 2)
    } else {
        ("男", 1)
    };
    let info = UserInfo {
        ret: 0,
        msg: "",
        is_lost: 0,
        nickname: &user.nickname,
        gender,
        gender_type,
        province: &user.province,
        city: &user.city,
        year: "1990",
        constellation: "",
        figureurl: generated(30),
        figureurl_1: generated(50),
        figureurl_2: generated(100),
        figureurl_qq_1: generated(40),
        figureurl_qq_2: qq_2,
        figureurl_qq: generated(140),
        figureurl_type: "1",
        is_yellow_vip: "0",
        vip: "0",
        yellow_vip_level: "0",
        level: "0",
        is_yellow_year_vip: "0",
    };
    match serde_json::to_string_pretty(&info) {
        Ok(body) => typed(StatusCode::OK, CONTENT_TYPE, body),
        Err(_) => ret_error(-1, "system error"),
    }
}
