//! Sina Weibo: `api.weibo.com` authorize, access_token, get_token_info, users/show.

use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;

use crate::core::base::Base;
use crate::core::grants::{GrantError, check_access, issue_tokens, redeem_code, remaining_secs};
use crate::core::html::provider_error_page;
use crate::core::records::{AccessToken, App, Consent};
use crate::core::state::{Shared, SimState};
use crate::core::users::User;
use crate::core::web::{Params, callback_allowed, typed};
use crate::core::wire::weibo::{CONTENT_TYPE, error};
use crate::pages::consent::{auto_answer, begin};

fn error_page(code: i64, message: &str) -> Response {
    provider_error_page("微博", code, message)
}

/// `GET /oauth2/authorize`
pub async fn authorize(State(state): State<Shared>, base: Base, params: Params) -> Response {
    let Some(client_id) = params.non_empty("client_id") else {
        return error_page(21323, "invalid_request: 缺少 client_id Missing client_id");
    };
    if client_id != state.config.weibo_appkey {
        return error_page(21324, "invalid_client: 应用不存在 Unknown client_id");
    }
    let redirect_uri = params.get("redirect_uri").unwrap_or("");
    if !callback_allowed(redirect_uri, &state.config.callback_domains) {
        return error_page(
            21322,
            "redirect_uri_mismatch: 重定向地址不匹配 The redirect_uri is not the app's callback",
        );
    }
    let consent = Consent {
        app: App::Weibo,
        redirect_uri: redirect_uri.to_owned(),
        state: params.non_empty("state").map(str::to_owned),
        scope: params.get("scope").unwrap_or("").to_owned(),
    };
    if let Some(response) = auto_answer(&state, &consent) {
        return response;
    }
    begin(&state, &base, consent)
}

/// `GET /oauth2/access_token` and friends: Weibo wants POST.
pub async fn wrong_method(uri: axum::http::Uri) -> Response {
    let request = uri.path().trim_start_matches("/api.weibo.com").to_owned();
    error(10021, "", &request)
}

#[derive(Serialize)]
struct TokenBody<'a> {
    access_token: &'a str,
    remind_in: String,
    expires_in: u64,
    uid: String,
    #[serde(rename = "isRealName")]
    is_real_name: &'a str,
}

const TOKEN_PATH: &str = "/oauth2/access_token";

/// `POST /oauth2/access_token` (form body or query string).
pub async fn access_token(State(state): State<Shared>, params: Params) -> Response {
    match exchange(&state, &params) {
        Ok(response) => response,
        Err((code, description)) => error(code, description, TOKEN_PATH),
    }
}

fn exchange(state: &SimState, params: &Params) -> Result<Response, (i64, &'static str)> {
    let client_id = params
        .non_empty("client_id")
        .ok_or((21323, "miss client id or secret"))?;
    let secret = params
        .non_empty("client_secret")
        .ok_or((21323, "miss client id or secret"))?;
    if client_id != state.config.weibo_appkey || secret != state.config.weibo_secret {
        return Err((21324, "client_id or client_secret is invalid"));
    }
    if params.get("grant_type") != Some("authorization_code") {
        return Err((21328, "grant_type must be authorization_code"));
    }
    let code = params.non_empty("code").ok_or((21323, "miss auth code"))?;
    let redirect_uri = params
        .non_empty("redirect_uri")
        .ok_or((21323, "miss redirect uri"))?;
    let grant = redeem_code(state, App::Weibo, code, Some(redirect_uri)).map_err(|e| match e {
        GrantError::RedirectMismatch => (21322, "redirect_uri_mismatch"),
        GrantError::Expired => (21325, "authorize code expired"),
        GrantError::Used => (21325, "invalid authorization code: code has been used"),
        GrantError::Invalid => (21325, "invalid authorization code"),
    })?;
    let user = state
        .users
        .get(grant.user_id)
        .ok_or((21325, "invalid authorization code"))?;
    let issued = issue_tokens(state, App::Weibo, user.id, &grant.scope, false);
    let body = TokenBody {
        access_token: &issued.access_token,
        remind_in: issued.expires_in.to_string(),
        expires_in: issued.expires_in,
        uid: user.weibo_uid.to_string(),
        is_real_name: "true",
    };
    let json = serde_json::to_string(&body).map_err(|_| (21331, "temporarily_unavailable"))?;
    Ok(typed(StatusCode::OK, CONTENT_TYPE, json))
}

/// The access token from the parameters or an `Authorization: OAuth2 TOKEN` header.
fn bearer<'a>(params: &'a Params, headers: &'a HeaderMap) -> Option<&'a str> {
    params.non_empty("access_token").or_else(|| {
        headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("OAuth2 "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
    })
}

fn token_user(state: &SimState, token: Option<&str>) -> Result<(AccessToken, User), i64> {
    let token = token.ok_or(21301)?;
    let grant = check_access(state, &[App::Weibo], token).map_err(|e| match e {
        GrantError::Expired => 21327,
        _ => 21332,
    })?;
    let user = state.users.get(grant.user_id).ok_or(21332)?;
    Ok((grant, user))
}

#[derive(Serialize)]
struct TokenInfo<'a> {
    uid: u64,
    appkey: &'a str,
    scope: Option<&'a str>,
    create_at: u64,
    expire_in: u64,
}

/// `POST /oauth2/get_token_info`
pub async fn get_token_info(
    State(state): State<Shared>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    const PATH: &str = "/oauth2/get_token_info";
    let token = bearer(&params, &headers);
    let (grant, user) = match token_user(&state, token) {
        Ok(found) => found,
        Err(code) => return error(code, "", PATH),
    };
    let body = TokenInfo {
        uid: user.weibo_uid,
        appkey: &state.config.weibo_appkey,
        scope: Some(grant.scope.as_str()).filter(|s| !s.is_empty()),
        create_at: grant.created_at,
        expire_in: remaining_secs(&state, token.unwrap_or_default()),
    };
    match serde_json::to_string(&body) {
        Ok(json) => typed(StatusCode::OK, CONTENT_TYPE, json),
        Err(_) => error(21331, "", PATH),
    }
}

#[derive(Serialize)]
struct Show<'a> {
    id: u64,
    idstr: String,
    class: u8,
    screen_name: &'a str,
    name: &'a str,
    province: &'a str,
    city: &'a str,
    location: String,
    description: &'a str,
    url: &'a str,
    profile_image_url: String,
    profile_url: String,
    domain: &'a str,
    weihao: &'a str,
    gender: &'a str,
    followers_count: u64,
    friends_count: u64,
    statuses_count: u64,
    favourites_count: u64,
    created_at: &'a str,
    following: bool,
    allow_all_act_msg: bool,
    geo_enabled: bool,
    verified: bool,
    verified_type: i64,
    remark: &'a str,
    allow_all_comment: bool,
    avatar_large: String,
    avatar_hd: String,
    verified_reason: &'a str,
    follow_me: bool,
    online_status: u8,
    bi_followers_count: u64,
    lang: &'a str,
}

/// `GET /2/users/show.json?access_token=..&uid=..`
pub async fn users_show(
    State(state): State<Shared>,
    base: Base,
    headers: HeaderMap,
    params: Params,
) -> Response {
    const PATH: &str = "/2/users/show.json";
    if let Err(code) = token_user(&state, bearer(&params, &headers)) {
        return error(code, "", PATH);
    }
    let Some(uid) = params.non_empty("uid") else {
        return error(10016, "", PATH);
    };
    let Some(uid) = uid.parse::<u64>().ok().filter(|u| *u != 0) else {
        return error(10017, "", PATH);
    };
    let Some(user) = state.users.by_weibo_uid(uid) else {
        return error(20003, "", PATH);
    };
    let root = &base.0;
    let gender = match user.sex {
        1 => "m",
        2 => "f",
        _ => "n",
    };
    let location = [user.province.as_str(), user.city.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let show = Show {
        id: user.weibo_uid,
        idstr: user.weibo_uid.to_string(),
        class: 1,
        screen_name: &user.nickname,
        name: &user.nickname,
        province: "100",
        city: "1000",
        location: if location.is_empty() {
            "其他".to_owned()
        } else {
            location
        },
        description: "",
        url: "",
        profile_image_url: user.avatar_sized(root, 50),
        profile_url: format!("u/{}", user.weibo_uid),
        domain: "",
        weihao: "",
        gender,
        followers_count: 12,
        friends_count: 34,
        statuses_count: 56,
        favourites_count: 0,
        created_at: "Mon Jun 06 12:00:00 +0800 2011",
        following: false,
        allow_all_act_msg: false,
        geo_enabled: true,
        verified: false,
        verified_type: -1,
        remark: "",
        allow_all_comment: true,
        avatar_large: user.avatar_sized(root, 180),
        avatar_hd: user.avatar_sized(root, 640),
        verified_reason: "",
        follow_me: false,
        online_status: 0,
        bi_followers_count: 0,
        lang: "zh-cn",
    };
    match serde_json::to_string(&show) {
        Ok(json) => typed(StatusCode::OK, CONTENT_TYPE, json),
        Err(_) => error(21331, "", PATH),
    }
}
