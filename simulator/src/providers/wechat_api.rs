//! `api.weixin.qq.com/sns/*`: the token, refresh, check and userinfo endpoints shared
//! by the website app and the Official Account.

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

use crate::core::base::Base;
use crate::core::grants::{GrantError, check_access, issue_tokens, redeem_code, use_refresh};
use crate::core::records::{AccessToken, App};
use crate::core::state::{Shared, SimState};
use crate::core::users::User;
use crate::core::web::Params;
use crate::core::wire::wechat::{error, plain};

const BOTH: [App; 2] = [App::WechatOpen, App::WechatMp];

fn json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => plain(body),
        Err(_) => error(-1, "system error"),
    }
}

fn app_for(state: &SimState, appid: &str) -> Option<App> {
    if appid == state.config.wechat_open_appid {
        Some(App::WechatOpen)
    } else if appid == state.config.wechat_mp_appid {
        Some(App::WechatMp)
    } else {
        None
    }
}

fn secret_of(state: &SimState, app: App) -> &str {
    match app {
        App::WechatMp => &state.config.wechat_mp_secret,
        _ => &state.config.wechat_open_secret,
    }
}

pub fn openid_for(user: &User, app: App) -> &str {
    match app {
        App::WechatMp => &user.wechat_mp_openid,
        _ => &user.wechat_open_openid,
    }
}

/// unionid comes with website logins and Official Account userinfo grants; a
/// silent (snsapi_base) grant or a snapshot user does not reveal it.
fn unionid_for<'a>(user: &'a User, app: App, scope: &str) -> Option<&'a str> {
    let shown = match app {
        App::WechatMp => scope == "snsapi_userinfo" && !user.snapshot,
        _ => true,
    };
    shown.then_some(user.unionid.as_str())
}

#[derive(Serialize)]
struct TokenBody<'a> {
    access_token: &'a str,
    expires_in: u64,
    refresh_token: &'a str,
    openid: &'a str,
    scope: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_snapshotuser: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unionid: Option<&'a str>,
}

/// Checks appid (and the secret where required) in WeChat's order.
fn authenticate(state: &SimState, params: &Params, with_secret: bool) -> Result<App, i64> {
    let appid = params.non_empty("appid").ok_or(41002)?;
    let app = app_for(state, appid).ok_or(40013)?;
    if with_secret {
        let secret = params.non_empty("secret").ok_or(41004)?;
        if secret != secret_of(state, app) {
            return Err(40125);
        }
    }
    Ok(app)
}

/// `GET|POST /sns/oauth2/access_token`
pub async fn access_token(State(state): State<Shared>, params: Params) -> Response {
    let app = match authenticate(&state, &params, true) {
        Ok(app) => app,
        Err(code) => return error(code, ""),
    };
    let Some(code) = params.non_empty("code") else {
        return error(41008, "");
    };
    if params.get("grant_type") != Some("authorization_code") {
        return error(40002, "");
    }
    let grant = match redeem_code(&state, app, code, None) {
        Ok(grant) => grant,
        Err(GrantError::Invalid | GrantError::RedirectMismatch) => return error(40029, ""),
        Err(GrantError::Used) => return error(40163, ""),
        Err(GrantError::Expired) => return error(42003, ""),
    };
    let Some(user) = state.users.get(grant.user_id) else {
        return error(40029, "");
    };
    let issued = issue_tokens(&state, app, user.id, &grant.scope, true);
    json(&TokenBody {
        access_token: &issued.access_token,
        expires_in: issued.expires_in,
        refresh_token: issued.refresh_token.as_deref().unwrap_or_default(),
        openid: openid_for(&user, app),
        scope: &grant.scope,
        is_snapshotuser: (app == App::WechatMp && user.snapshot).then_some(1),
        unionid: unionid_for(&user, app, &grant.scope),
    })
}

/// `GET|POST /sns/oauth2/refresh_token`: a new access token; the refresh token
/// itself stays the same and keeps its 30 days. The answer has no unionid.
pub async fn refresh_token(State(state): State<Shared>, params: Params) -> Response {
    let app = match authenticate(&state, &params, false) {
        Ok(app) => app,
        Err(code) => return error(code, ""),
    };
    if params.get("grant_type") != Some("refresh_token") {
        return error(40002, "");
    }
    let Some(token) = params.non_empty("refresh_token") else {
        return error(41003, "");
    };
    let grant = match use_refresh(&state, app, token, false) {
        Ok(grant) => grant,
        Err(GrantError::Expired) => return error(42002, ""),
        Err(_) => return error(40030, ""),
    };
    let Some(user) = state.users.get(grant.user_id) else {
        return error(40030, "");
    };
    let issued = issue_tokens(&state, app, user.id, &grant.scope, false);
    json(&TokenBody {
        access_token: &issued.access_token,
        expires_in: issued.expires_in,
        refresh_token: token,
        openid: openid_for(&user, app),
        scope: &grant.scope,
        is_snapshotuser: None,
        unionid: None,
    })
}

/// The token's grant and user, after the checks `/sns/auth` and `/sns/userinfo` share.
fn token_user(state: &SimState, params: &Params) -> Result<(AccessToken, User), i64> {
    let token = params.non_empty("access_token").ok_or(41001)?;
    let openid = params.non_empty("openid").ok_or(41009)?;
    let grant = check_access(state, &BOTH, token).map_err(|e| match e {
        GrantError::Expired => 42001,
        _ => 40001,
    })?;
    let user = state.users.get(grant.user_id).ok_or(40003)?;
    if openid != openid_for(&user, grant.app) {
        return Err(40003);
    }
    Ok((grant, user))
}

/// `GET /sns/auth`
pub async fn auth(State(state): State<Shared>, params: Params) -> Response {
    match token_user(&state, &params) {
        Ok(_) => plain(r#"{"errcode":0,"errmsg":"ok"}"#.to_owned()),
        Err(code) => error(code, ""),
    }
}

#[derive(Serialize)]
struct UserInfo<'a> {
    openid: &'a str,
    nickname: &'a str,
    sex: u8,
    language: &'a str,
    city: &'a str,
    province: &'a str,
    country: &'a str,
    headimgurl: String,
    privilege: [&'a str; 0],
    #[serde(skip_serializing_if = "Option::is_none")]
    unionid: Option<&'a str>,
}

/// `GET /sns/userinfo`: only for snsapi_userinfo and snsapi_login grants.
pub async fn userinfo(State(state): State<Shared>, base: Base, params: Params) -> Response {
    let (grant, user) = match token_user(&state, &params) {
        Ok(found) => found,
        Err(code) => return error(code, ""),
    };
    if grant.scope == "snsapi_base" {
        return error(48001, "");
    }
    let language = params
        .non_empty("lang")
        .filter(|lang| matches!(*lang, "zh_CN" | "zh_TW" | "en"))
        .unwrap_or("zh_CN");
    json(&UserInfo {
        openid: openid_for(&user, grant.app),
        nickname: &user.nickname,
        sex: user.sex,
        language,
        city: &user.city,
        province: &user.province,
        country: &user.country,
        headimgurl: user.avatar_url(&base.0),
        privilege: [],
        unionid: unionid_for(&user, grant.app, &grant.scope),
    })
}
