//! `GET {root}/`: the index page people start from.

use axum::extract::State;
use axum::response::Response;

use crate::core::base::Base;
use crate::core::config::SimConfig;
use crate::core::html::{WECHAT_GREEN, layout};
use crate::core::state::Shared;
use crate::core::web::{escape_html, html, with_query};

/// `GET {root}/`: what the simulator is, its apps, its users, links to try.
pub async fn index(State(state): State<Shared>, base: Base) -> Response {
    let root = &base.0;
    let config = &state.config;
    let callback = |provider: &str| format!("http://127.0.0.1:3000/auth/{provider}/callback");
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let links = [
        (
            "微信扫码登录 WeChat website QR",
            format!(
                "{root}/open.weixin.qq.com/connect/qrconnect?appid={}&redirect_uri={}&response_type=code&scope=snsapi_login&state=demo",
                config.wechat_open_appid,
                enc(&callback("wechat"))
            ),
        ),
        (
            "公众号网页授权 Official Account (snsapi_userinfo)",
            format!(
                "{root}/open.weixin.qq.com/connect/oauth2/authorize?appid={}&redirect_uri={}&response_type=code&scope=snsapi_userinfo&state=demo",
                config.wechat_mp_appid,
                enc(&callback("wechat_mp"))
            ),
        ),
        (
            "QQ登录 QQ Connect",
            with_query(
                &format!("{root}/graph.qq.com/oauth2.0/authorize"),
                &[
                    ("response_type", "code"),
                    ("client_id", &config.qq_appid),
                    ("redirect_uri", &callback("qq")),
                    ("state", "demo"),
                    ("scope", "get_user_info"),
                ],
            ),
        ),
        (
            "微博登录 Weibo",
            with_query(
                &format!("{root}/api.weibo.com/oauth2/authorize"),
                &[
                    ("client_id", &config.weibo_appkey),
                    ("redirect_uri", &callback("weibo")),
                    ("state", "demo"),
                ],
            ),
        ),
    ];
    let links: String = links
        .iter()
        .map(|(label, href)| format!("<li><a href=\"{}\">{label}</a></li>", escape_html(href)))
        .collect();
    let users: String = state
        .users
        .all()
        .iter()
        .map(|u| {
            format!(
                "<tr><td>{}</td><td>{}{}</td><td><code>{}</code><br><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                u.id,
                escape_html(&u.nickname),
                if u.snapshot { " (snapshot)" } else { "" },
                escape_html(&u.wechat_open_openid),
                escape_html(&u.wechat_mp_openid),
                escape_html(&u.unionid),
                escape_html(&u.qq_openid),
                u.weibo_uid
            )
        })
        .collect();
    let body = format!(
        "<div class=\"wrap\"><div class=\"card\"><h1>Provider simulator<span class=\"en\">微信 · QQ · 微博 登录模拟器</span></h1>\
         <p class=\"muted\">Offline stand-ins for open.weixin.qq.com, api.weixin.qq.com, graph.qq.com and api.weibo.com. \
         Callback domains: {domains}.</p></div>\
         <div class=\"card\"><h2>应用 Registered apps</h2>{apps}</div>\
         <div class=\"card\"><h2>试一试 Try a flow</h2><ul>{links}</ul>\
         <p class=\"muted\">The callbacks above assume Denglu on 127.0.0.1:3000. \
         <a href=\"{root_e}/phone\">手机 The phone</a> chooses who is signed in to WeChat.</p></div>\
         <div class=\"card\"><h2>测试用户 Test users</h2><table><tr><th>id</th><th>nickname</th><th>WeChat openid (web / MP)</th><th>unionid</th><th>QQ openid</th><th>Weibo uid</th></tr>{users}</table>\
         <p class=\"muted\">JSON: <a href=\"{root_e}/control/users\">/control/users</a> · requests: <a href=\"{root_e}/control/requests\">/control/requests</a></p></div></div>",
        domains = escape_html(&config.callback_domains.join(", ")),
        apps = apps_table(config),
        root_e = escape_html(root),
    );
    html(layout("Provider simulator", WECHAT_GREEN, &body))
}

fn apps_table(config: &SimConfig) -> String {
    let rows = [
        (
            "wechat",
            "微信开放平台网站应用",
            &config.wechat_open_appid,
            &config.wechat_open_secret,
        ),
        (
            "wechat_mp",
            "微信公众号",
            &config.wechat_mp_appid,
            &config.wechat_mp_secret,
        ),
        ("qq", "QQ互联", &config.qq_appid, &config.qq_appkey),
        (
            "weibo",
            "新浪微博",
            &config.weibo_appkey,
            &config.weibo_secret,
        ),
    ];
    let rows: String = rows
        .iter()
        .map(|(id, name, appid, secret)| {
            format!(
                "<tr><td><code>{id}</code></td><td>{name}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                escape_html(appid),
                escape_html(secret)
            )
        })
        .collect();
    format!(
        "<table><tr><th>provider</th><th></th><th>app id</th><th>secret</th></tr>{rows}</table>"
    )
}
