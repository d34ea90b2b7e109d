//! HTML: the shared layout, error pages, the user picker and the index page.

use axum::extract::State;
use axum::response::Response;

use crate::config::SimConfig;
use crate::state::Shared;
use crate::users::User;
use crate::web::{Base, escape_html, html, with_query};

const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:15px/1.5 -apple-system,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;color:#222;background:#f2f3f5}\
a{color:#576b95}\
.wrap{max-width:880px;margin:32px auto;padding:0 16px}\
.card{background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08);padding:24px 28px;margin-bottom:20px}\
.center{text-align:center}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:20px 0 8px}\
.en{display:block;color:#888;font-size:12px;font-weight:normal}\
.muted{color:#888;font-size:13px}\
.err{color:#d93026;font-size:18px}\
table{border-collapse:collapse;width:100%;font-size:13px}\
td,th{text-align:left;padding:6px 8px;border-bottom:1px solid #eee;vertical-align:middle;word-break:break-all}\
code{background:#f5f5f5;padding:1px 4px;border-radius:4px;font-size:12px}\
.btn{display:block;width:100%;border:0;border-radius:8px;padding:11px;font-size:16px;cursor:pointer;margin-top:10px;text-align:center;text-decoration:none}\
.primary{background:var(--brand,#07c160);color:#fff}\
.plain{background:#f2f2f2;color:#222}\
.users{list-style:none;margin:0;padding:0}\
.users li label{display:flex;align-items:center;gap:10px;padding:8px;border-radius:8px;cursor:pointer}\
.users li label:hover{background:#f6f6f6}\
.users input{margin:0}\
.avatar{width:40px;height:40px;border-radius:6px;background:#e5e5e5;flex:none;object-fit:cover}\
.nick{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;max-width:220px}\
.phone{width:375px;max-width:100%;min-height:680px;margin:24px auto;background:#fff;border:10px solid #111;border-radius:36px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.2)}\
.phone .bar{background:#ededed;padding:14px;text-align:center;font-weight:600;border-bottom:1px solid #ddd}\
.phone .body{padding:20px}\
input[type=text]{width:100%;padding:8px;border:1px solid #ddd;border-radius:6px;font-size:14px}\
details{margin-top:18px}.qr svg{width:220px;height:220px;display:block;margin:12px auto}\
";

/// A finished-looking page. `brand` is the provider's colour.
pub fn layout(title: &str, brand: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{CSS}:root{{--brand:{brand}}}</style></head>\
         <body>{body}</body></html>",
        title = escape_html(title),
    )
}

/// A page inside a phone-like frame, with a title bar.
pub fn phone_layout(title: &str, brand: &str, body: &str) -> String {
    layout(
        title,
        brand,
        &format!(
            "<div class=\"phone\"><div class=\"bar\">{}</div><div class=\"body\">{body}</div></div>",
            escape_html(title)
        ),
    )
}

pub const WECHAT_GREEN: &str = "#07c160";
pub const QQ_BLUE: &str = "#12b7f5";
pub const WEIBO_RED: &str = "#e6162d";

/// What a provider shows when the authorize request itself is wrong: an error
/// page on the provider's site, never a redirect to the callback.
pub fn provider_error_page(brand_name: &str, code: i64, message: &str) -> Response {
    let body = format!(
        "<div class=\"wrap\"><div class=\"card center\">\
         <h1>{brand}</h1><p class=\"err\">{message}</p>\
         <p class=\"muted\">错误码 Error code: {code}</p>\
         <p class=\"muted\">请联系应用开发者 · Contact the app's developer</p></div></div>",
        brand = escape_html(brand_name),
        message = escape_html(message),
    );
    html(layout(&format!("{brand_name} - 错误"), "#999", &body))
}

/// Radio buttons for the test users, with `selected` checked.
pub fn user_picker(users: &[User], selected: u64, root: &str) -> String {
    let mut out = String::from("<ul class=\"users\">");
    for user in users {
        let avatar = user.avatar_url(root);
        let img = if avatar.is_empty() {
            "<span class=\"avatar\"></span>".to_owned()
        } else {
            format!(
                "<img class=\"avatar\" src=\"{}\" alt=\"\">",
                escape_html(&avatar)
            )
        };
        let snapshot = if user.snapshot {
            " <span class=\"muted\">(快照 snapshot)</span>"
        } else {
            ""
        };
        out.push_str(&format!(
            "<li><label><input type=\"radio\" name=\"user\" value=\"{id}\"{checked}>{img}\
             <span class=\"nick\">{nick}{snapshot}</span></label></li>",
            id = user.id,
            checked = if user.id == selected { " checked" } else { "" },
            nick = escape_html(&user.nickname),
        ));
    }
    out.push_str("</ul>");
    out
}

/// A small form that creates a test user and comes back to `back`.
pub fn new_user_form(root: &str, back: &str) -> String {
    format!(
        "<details><summary class=\"muted\">新建测试用户 · New test user</summary>\
         <form method=\"post\" action=\"{root}/phone/users\">\
         <input type=\"hidden\" name=\"back\" value=\"{back}\">\
         <p><input type=\"text\" name=\"nickname\" maxlength=\"200\" placeholder=\"昵称 Nickname\" required></p>\
         <button class=\"btn plain\" type=\"submit\">创建 Create</button></form></details>",
        root = escape_html(root),
        back = escape_html(back),
    )
}

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
