//! An offline simulator of the WeChat, QQ Connect and Sina Weibo OAuth servers.
//!
//! Every real host is a path prefix under the router's root (for example
//! `{root}/api.weixin.qq.com/sns/oauth2/access_token`), so a client pointed at
//! `{root}/api.weixin.qq.com` instead of `https://api.weixin.qq.com` runs unchanged.
//! The wire formats follow `PROTOCOLS.md` to the byte. `{root}/control/*` is a JSON
//! API for tests; `{root}/` and `{root}/phone` are pages for people.

// Layers, each using only those below it: `core`, then the shared `pages`, then the
// `providers` and the `control` API, wired together here.
mod control;
mod core;
mod pages;
mod providers;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use crate::core::state::{Shared, SimState};
use crate::core::{fault_layer, log_layer};
use crate::pages::{avatar, consent, index, phone};
use crate::providers::{qq, wechat_api, wechat_mp, wechat_open, weibo};

pub use crate::core::config::{
    CALLBACK_DOMAINS, QQ_APPID, QQ_APPKEY, SimConfig, WECHAT_MP_APPID, WECHAT_MP_SECRET,
    WECHAT_OPEN_APPID, WECHAT_OPEN_SECRET, WEIBO_APPKEY, WEIBO_SECRET,
};

/// Every simulator route at the router's root, its state inside. Mount it with
/// `Router::new().nest_service("/_sim", simulator::router(config))` or serve it alone.
pub fn router(config: SimConfig) -> Router {
    let state = Arc::new(SimState::new(config));
    Router::new()
        .merge(pages_routes())
        .merge(wechat_routes())
        .merge(qq_routes())
        .merge(weibo_routes())
        .merge(control_routes())
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
        .layer(from_fn_with_state(state.clone(), fault_layer::inject))
        .layer(from_fn_with_state(state.clone(), log_layer::record))
        .with_state(state)
}

fn pages_routes() -> Router<Shared> {
    Router::new()
        .route("/", get(index::index))
        .route("/phone", get(phone::home))
        .route("/phone/current", post(phone::set_current))
        .route("/phone/users", post(phone::create_user))
        .route(
            "/phone/{uuid}",
            get(wechat_open::phone_scan).post(wechat_open::phone_answer),
        )
        .route(
            "/consent/{ticket}",
            get(consent::show).post(consent::submit),
        )
        .route("/avatar/{file}", get(avatar::avatar))
}

fn wechat_routes() -> Router<Shared> {
    Router::new()
        .route(
            "/open.weixin.qq.com/connect/qrconnect",
            get(wechat_open::qrconnect),
        )
        .route(
            "/open.weixin.qq.com/connect/qrcode/{uuid}",
            get(wechat_open::qr_image),
        )
        .route(
            "/open.weixin.qq.com/connect/oauth2/authorize",
            get(wechat_mp::authorize),
        )
        .route(
            "/lp.open.weixin.qq.com/connect/l/qrconnect",
            get(wechat_open::long_poll),
        )
        .route(
            "/res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js",
            get(wechat_open::wx_login_js),
        )
        .route(
            "/api.weixin.qq.com/sns/oauth2/access_token",
            get(wechat_api::access_token).post(wechat_api::access_token),
        )
        .route(
            "/api.weixin.qq.com/sns/oauth2/refresh_token",
            get(wechat_api::refresh_token).post(wechat_api::refresh_token),
        )
        .route("/api.weixin.qq.com/sns/auth", get(wechat_api::auth))
        .route("/api.weixin.qq.com/sns/userinfo", get(wechat_api::userinfo))
}

fn qq_routes() -> Router<Shared> {
    Router::new()
        .route("/graph.qq.com/oauth2.0/authorize", get(qq::authorize))
        .route(
            "/graph.qq.com/oauth2.0/token",
            get(qq::token).post(qq::token),
        )
        .route("/graph.qq.com/oauth2.0/me", get(qq::me))
        .route("/graph.qq.com/user/get_user_info", get(qq::get_user_info))
}

fn weibo_routes() -> Router<Shared> {
    Router::new()
        .route("/api.weibo.com/oauth2/authorize", get(weibo::authorize))
        .route(
            "/api.weibo.com/oauth2/access_token",
            post(weibo::access_token).get(weibo::wrong_method),
        )
        .route(
            "/api.weibo.com/oauth2/get_token_info",
            post(weibo::get_token_info).get(weibo::wrong_method),
        )
        .route("/api.weibo.com/2/users/show.json", get(weibo::users_show))
}

fn control_routes() -> Router<Shared> {
    Router::new()
        .route(
            "/control/users",
            get(control::list_users).post(control::create_user),
        )
        .route("/control/auto-approve", post(control::auto_approve))
        .route("/control/requests", get(control::requests))
        .route("/control/faults", post(control::faults))
        .route("/control/expire", post(control::expire))
        .route("/control/reset", post(control::reset))
}
